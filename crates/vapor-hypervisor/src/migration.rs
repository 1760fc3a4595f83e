//! Live migration to another host.

/// Live migration to another host. Part of [`crate::Hypervisor`].
pub trait MigrationBackend {}
