//! Virtual networks.

use vapor_hypervisor::NetworkBackend;

use crate::LibvirtHypervisor;

impl NetworkBackend for LibvirtHypervisor {}
