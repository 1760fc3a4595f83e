//! Hotplug: devices and resources changed on a running domain.

use vapor_hypervisor::HotplugBackend;

use crate::MockHypervisor;

impl HotplugBackend for MockHypervisor {}
