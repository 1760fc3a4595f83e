//! Hotplug: devices and resources changed on a running domain.

use vapor_hypervisor::HotplugBackend;

use crate::LibvirtHypervisor;

impl HotplugBackend for LibvirtHypervisor {}
