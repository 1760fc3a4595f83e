//! Hotplug: devices and resources changed on a running domain.

/// Hotplug of a [`crate::Hypervisor`].
pub trait HotplugBackend {}
