//! Host devices: PCI passthrough.

use std::fmt;

use crate::Result;

/// A PCI address: domain, bus, slot (device) and function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PciAddress {
    pub domain: u16,
    pub bus: u8,
    pub slot: u8,
    pub function: u8,
}

impl fmt::Display for PciAddress {
    /// `0000:00:02.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.slot, self.function
        )
    }
}

/// What a PCI device is, from its class code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PciDeviceClass {
    /// Class 0x03 (display controllers).
    Gpu,
    /// Class 0x02 (network controllers).
    Network,
    /// Class 0x01 (mass storage controllers).
    Storage,
    /// Class 0x0c, subclass 0x03 (USB controllers).
    Usb,
    /// Everything else, and devices whose class is unknown.
    Other,
}

impl PciDeviceClass {
    /// The class of a 24-bit PCI class code (`0xCCSSPP`); `None` is `Other`.
    pub fn from_code(code: Option<u32>) -> Self {
        match code {
            Some(c) if c >> 16 == 0x03 => PciDeviceClass::Gpu,
            Some(c) if c >> 16 == 0x02 => PciDeviceClass::Network,
            Some(c) if c >> 16 == 0x01 => PciDeviceClass::Storage,
            Some(c) if c >> 8 == 0x0c03 => PciDeviceClass::Usb,
            _ => PciDeviceClass::Other,
        }
    }
}

/// A PCI device of the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PciDevice {
    /// The node device name, e.g. `pci_0000_00_02_0`.
    pub name: String,
    pub address: PciAddress,
    pub vendor_id: Option<u16>,
    pub product_id: Option<u16>,
    pub vendor_name: Option<String>,
    pub product_name: Option<String>,
    /// The 24-bit class code, when the host reports it.
    pub class_code: Option<u32>,
    pub iommu_group: Option<u32>,
    /// The host driver bound to it, if any.
    pub driver: Option<String>,
    /// The defined domain whose configuration has it as a `<hostdev>`.
    pub assigned_to: Option<String>,
}

impl PciDevice {
    pub fn class(&self) -> PciDeviceClass {
        PciDeviceClass::from_code(self.class_code)
    }
}

/// A PCI host device to give a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PciHostdev {
    pub address: PciAddress,
    /// libvirt detaches the device from its host driver (and back) itself.
    pub managed: bool,
    /// A ROM image for the device's option ROM (`<rom file=...>`).
    pub rom_file: Option<String>,
}

/// Host devices and their assignment to domains. Part of [`crate::Hypervisor`].
pub trait DeviceBackend {
    /// The host's PCI devices, each with the domain it is assigned to, sorted
    /// by address.
    fn list_pci_devices(&self) -> Result<Vec<PciDevice>>;

    /// Whether the host has an IOMMU (device assignment needs one).
    fn host_has_iommu(&self) -> Result<bool>;

    /// Adds a PCI host device to a domain's persistent configuration, and to
    /// the running domain when it runs. `NotFound` when the domain is unknown.
    fn attach_pci_device(&self, domain: &str, dev: &PciHostdev) -> Result<()>;

    /// Removes the PCI host device at `address` from the domain (config and,
    /// when running, live). `NotFound` when the domain does not have it.
    fn detach_pci_device(&self, domain: &str, address: PciAddress) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_addresses() {
        assert_eq!(
            PciDeviceClass::from_code(Some(0x030000)),
            PciDeviceClass::Gpu
        );
        assert_eq!(
            PciDeviceClass::from_code(Some(0x020000)),
            PciDeviceClass::Network
        );
        assert_eq!(
            PciDeviceClass::from_code(Some(0x010802)),
            PciDeviceClass::Storage
        );
        assert_eq!(
            PciDeviceClass::from_code(Some(0x0c0330)),
            PciDeviceClass::Usb
        );
        assert_eq!(
            PciDeviceClass::from_code(Some(0x0c0500)),
            PciDeviceClass::Other
        );
        assert_eq!(PciDeviceClass::from_code(None), PciDeviceClass::Other);
        let a = PciAddress {
            domain: 0,
            bus: 1,
            slot: 0x1f,
            function: 3,
        };
        assert_eq!(a.to_string(), "0000:01:1f.3");
    }
}
