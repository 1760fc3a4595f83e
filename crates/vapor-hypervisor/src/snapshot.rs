//! Domain snapshots.

/// Domain snapshots. Part of [`crate::Hypervisor`].
pub trait SnapshotBackend {}
