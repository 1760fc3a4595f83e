//! Backups: libvirt push backups, checkpoints and their chains.

/// Backups of a [`crate::Hypervisor`].
pub trait BackupBackend {}
