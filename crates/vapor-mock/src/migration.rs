//! Live migration to another host.

use vapor_hypervisor::MigrationBackend;

use crate::MockHypervisor;

impl MigrationBackend for MockHypervisor {}
