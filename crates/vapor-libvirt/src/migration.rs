//! Live migration to another host.

use vapor_hypervisor::MigrationBackend;

use crate::LibvirtHypervisor;

impl MigrationBackend for LibvirtHypervisor {}
