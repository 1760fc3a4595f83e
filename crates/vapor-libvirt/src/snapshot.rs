//! Domain snapshots.

use vapor_hypervisor::SnapshotBackend;

use crate::LibvirtHypervisor;

impl SnapshotBackend for LibvirtHypervisor {}
