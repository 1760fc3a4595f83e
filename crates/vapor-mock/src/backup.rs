//! Backups: libvirt push backups, checkpoints and their chains.

use vapor_hypervisor::BackupBackend;

use crate::MockHypervisor;

impl BackupBackend for MockHypervisor {}
