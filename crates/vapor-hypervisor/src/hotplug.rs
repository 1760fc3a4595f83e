//! Hotplug: devices and resources changed on a running domain.
//!
//! Every change applies to the running domain and to its persistent
//! definition together. Adding is done when the call returns. Removing a
//! device or a vCPU needs the guest's cooperation (it has to release it):
//! the definition loses it at once, the running domain when the guest lets
//! go, which a guest without an OS never does. [`HotplugState`] says which
//! of the two happened.

use crate::{DiskSpec, InterfaceSpec, Result};

/// Whether the running domain has taken a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HotplugState {
    /// The running domain has the change.
    Completed,
    /// The definition has the change; the running domain still waits for
    /// the guest to release the device or vCPU (until it does, or the
    /// domain stops).
    Pending,
}

impl HotplugState {
    pub fn as_str(self) -> &'static str {
        match self {
            HotplugState::Completed => "completed",
            HotplugState::Pending => "pending",
        }
    }
}

/// A USB device of the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbDevice {
    /// The backend's name for it, e.g. libvirt's node device `usb_1_2`.
    pub name: String,
    pub vendor_id: u16,
    pub product_id: u16,
    pub vendor_name: Option<String>,
    pub product_name: Option<String>,
}

/// A host USB device to give a domain, by vendor and product id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UsbHostdev {
    pub vendor_id: u16,
    pub product_id: u16,
}

/// Hotplug of a [`crate::Hypervisor`]. Every method but
/// [`HotplugBackend::set_hotplug_maximums`] works on a running domain only
/// and fails with `OperationInvalid` on one that does not run; `NotFound`
/// when the domain is unknown.
pub trait HotplugBackend {
    /// Gives a shut-off domain's definition room for hotplug: sets its
    /// maximum vCPUs and maximum memory, keeping its current counts (for
    /// libvirt, `<vcpu current='N'>max</vcpu>` and `<memory>` above
    /// `<currentMemory>`). `InvalidArgument` when a maximum is below the
    /// current value; `OperationInvalid` when the domain runs. This is the
    /// one method here that does not need a running domain.
    fn set_hotplug_maximums(&self, uuid: &str, max_vcpus: u32, max_memory_mib: u64) -> Result<()>;

    /// Sets the running domain's vCPU count, live and in its definition.
    /// `OperationInvalid` above the domain's maximum. Raising completes at
    /// once; lowering is `Pending` when the guest has not released the vCPUs
    /// by the time the call returns (the definition has the new count).
    fn hotplug_vcpus(&self, uuid: &str, vcpus: u32) -> Result<HotplugState>;

    /// Sets the running domain's balloon target, live and in its
    /// definition. `OperationInvalid` above the domain's maximum memory.
    /// `Completed` when the running domain reports the new size, `Pending`
    /// while the guest's balloon driver has not reached it (a guest without
    /// one never does).
    fn hotplug_memory(&self, uuid: &str, memory_mib: u64) -> Result<HotplugState>;

    /// Adds a disk to the running domain and its definition. The image must
    /// exist. `AlreadyExists` when the target is taken; `Unsupported` when
    /// the backend cannot hot-plug disks (or disks on that bus).
    fn attach_disk(&self, uuid: &str, disk: &DiskSpec) -> Result<()>;

    /// Removes the disk with guest device name `target`. `NotFound` when
    /// the running domain has no such disk.
    fn detach_disk(&self, uuid: &str, target: &str) -> Result<HotplugState>;

    /// Adds a network interface to the running domain and its definition.
    /// `AlreadyExists` when a NIC of the domain has that MAC.
    fn attach_interface(&self, uuid: &str, iface: &InterfaceSpec) -> Result<()>;

    /// Removes the network interface with this MAC. `NotFound` when the
    /// running domain has none.
    fn detach_interface(&self, uuid: &str, mac: &str) -> Result<HotplugState>;

    /// The host's USB devices (hubs and host controllers excluded), in the
    /// backend's order.
    fn list_usb_devices(&self) -> Result<Vec<UsbDevice>>;

    /// Gives a host USB device to the running domain and its definition.
    /// `AlreadyExists` when the domain has it already.
    fn attach_usb_device(&self, uuid: &str, dev: &UsbHostdev) -> Result<()>;

    /// Takes a host USB device away. `NotFound` when the running domain
    /// does not have it.
    fn detach_usb_device(&self, uuid: &str, dev: &UsbHostdev) -> Result<HotplugState>;
}
