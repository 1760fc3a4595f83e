//! Virtual networks.

/// Virtual networks. Part of [`crate::Hypervisor`].
pub trait NetworkBackend {}
