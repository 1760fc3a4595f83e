//! Resource usage of running domains.

use vapor_hypervisor::MetricsBackend;

use crate::LibvirtHypervisor;

impl MetricsBackend for LibvirtHypervisor {}
