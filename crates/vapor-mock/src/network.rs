//! Virtual networks.

use vapor_hypervisor::NetworkBackend;

use crate::MockHypervisor;

impl NetworkBackend for MockHypervisor {}
