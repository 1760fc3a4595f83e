//! Domain snapshots.

use vapor_hypervisor::SnapshotBackend;

use crate::MockHypervisor;

impl SnapshotBackend for MockHypervisor {}
