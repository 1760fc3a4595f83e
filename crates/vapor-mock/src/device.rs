//! Host devices: PCI passthrough.
//!
//! The mock's host has a fixed PCI inventory, chosen at construction
//! ([`MockHypervisor::with_pci_devices`]; by default a few devices of
//! different classes) and, by default, no IOMMU, like a VM host without
//! one. Assignments follow libvirt's rules: a device belongs to at most one
//! domain's configuration, attaching to an unknown domain is `NotFound`,
//! detaching a device the domain does not have is `NotFound`. An assignment
//! vanishes with its domain's definition.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use vapor_hypervisor::*;

use crate::events::hostdev_alias;
use crate::MockHypervisor;

/// The mock host's PCI devices and which domain (by UUID) has each.
pub(crate) struct MockDevices {
    inventory: Vec<PciDevice>,
    iommu: bool,
    assigned: Mutex<BTreeMap<PciAddress, String>>,
}

impl Default for MockDevices {
    fn default() -> Self {
        MockDevices {
            inventory: default_inventory(),
            iommu: false,
            assigned: Mutex::default(),
        }
    }
}

impl MockDevices {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<PciAddress, String>> {
        self.assigned.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The addresses of the PCI devices assigned to a domain, in order.
    pub(crate) fn assigned_to(&self, uuid: &str) -> Vec<PciAddress> {
        self.lock()
            .iter()
            .filter(|(_, owner)| *owner == uuid)
            .map(|(address, _)| *address)
            .collect()
    }
}

fn dev(
    slot: u8,
    vendor: u16,
    product: u16,
    class: u32,
    names: (&str, &str),
    driver: Option<&str>,
    group: u32,
) -> PciDevice {
    let address = PciAddress {
        domain: 0,
        bus: 0,
        slot,
        function: 0,
    };
    PciDevice {
        name: format!("pci_0000_00_{slot:02x}_0"),
        address,
        vendor_id: Some(vendor),
        product_id: Some(product),
        vendor_name: Some(names.0.into()),
        product_name: Some(names.1.into()),
        class_code: Some(class),
        iommu_group: Some(group),
        driver: driver.map(Into::into),
        assigned_to: None,
    }
}

/// A small host: a host bridge, a GPU, a NIC, a disk controller and a USB
/// controller.
fn default_inventory() -> Vec<PciDevice> {
    vec![
        dev(
            0x00,
            0x8086,
            0x29c0,
            0x060000,
            (
                "Intel Corporation",
                "82G33/G31/P35/P31 Express DRAM Controller",
            ),
            None,
            0,
        ),
        dev(
            0x01,
            0x1234,
            0x1111,
            0x030000,
            ("Bochs", "Bochs/QEMU VGA"),
            Some("bochs-drm"),
            1,
        ),
        dev(
            0x02,
            0x1af4,
            0x1041,
            0x020000,
            ("Red Hat, Inc.", "Virtio network device"),
            Some("virtio-pci"),
            2,
        ),
        dev(
            0x03,
            0x1af4,
            0x1042,
            0x010000,
            ("Red Hat, Inc.", "Virtio block device"),
            Some("virtio-pci"),
            3,
        ),
        dev(
            0x04,
            0x1b36,
            0x000d,
            0x0c0330,
            ("Red Hat, Inc.", "QEMU XHCI Host Controller"),
            Some("xhci_hcd"),
            4,
        ),
    ]
}

impl MockHypervisor {
    /// The PCI devices of the mock's default host.
    pub fn default_pci_devices() -> Vec<PciDevice> {
        default_inventory()
    }

    /// A mock whose host has exactly `devices` (their `assigned_to` is
    /// ignored), with an IOMMU or not.
    pub fn with_pci_devices(devices: Vec<PciDevice>, iommu: bool) -> Self {
        let mut hv = MockHypervisor::new();
        hv.devices = MockDevices {
            inventory: devices
                .into_iter()
                .map(|d| PciDevice {
                    assigned_to: None,
                    ..d
                })
                .collect(),
            iommu,
            assigned: Mutex::default(),
        };
        hv
    }
}

impl DeviceBackend for MockHypervisor {
    fn list_pci_devices(&self) -> Result<Vec<PciDevice>> {
        let state = self.lock();
        let assigned = self.devices.lock();
        let mut out: Vec<PciDevice> = self
            .devices
            .inventory
            .iter()
            .map(|d| PciDevice {
                assigned_to: assigned
                    .get(&d.address)
                    .and_then(|uuid| state.domains.get(uuid))
                    .map(|dom| dom.spec.name.clone()),
                ..d.clone()
            })
            .collect();
        out.sort_by_key(|d| d.address);
        Ok(out)
    }

    fn host_has_iommu(&self) -> Result<bool> {
        Ok(self.devices.iommu)
    }

    fn attach_pci_device(&self, domain: &str, dev: &PciHostdev) -> Result<()> {
        self.injected_failure(crate::MockOperation::AttachPciDevice)?;
        let state = self.lock();
        let uuid = state
            .find_uuid(domain)
            .ok_or_else(|| HypervisorError::not_found(format!("no domain '{domain}'")))?;
        if !self.devices.iommu {
            return Err(HypervisorError::operation_invalid(
                "the host has no IOMMU: PCI device assignment is impossible",
            ));
        }
        if !self
            .devices
            .inventory
            .iter()
            .any(|d| d.address == dev.address)
        {
            return Err(HypervisorError::not_found(format!(
                "no PCI device at {}",
                dev.address
            )));
        }
        let mut assigned = self.devices.lock();
        if let Some(owner) = assigned.get(&dev.address) {
            if state.domains.contains_key(owner) {
                return Err(HypervisorError::operation_invalid(format!(
                    "PCI device {} is in use by another domain",
                    dev.address
                )));
            }
        }
        assigned.insert(dev.address, uuid.clone());
        let position = assigned
            .iter()
            .filter(|(_, owner)| **owner == uuid)
            .position(|(address, _)| *address == dev.address)
            .unwrap_or(0);
        drop(assigned);
        // A running domain gets the device live too, which libvirt reports.
        let d = &state.domains[&uuid];
        if d.state.is_active() {
            self.events.of(
                &d.spec,
                DomainEventKind::DeviceAdded,
                Some(&hostdev_alias(position)),
            );
        }
        Ok(())
    }

    fn detach_pci_device(&self, domain: &str, address: PciAddress) -> Result<()> {
        let state = self.lock();
        let uuid = state
            .find_uuid(domain)
            .ok_or_else(|| HypervisorError::not_found(format!("no domain '{domain}'")))?;
        let mut assigned = self.devices.lock();
        if assigned.get(&address) != Some(&uuid) {
            return Err(HypervisorError::not_found(format!(
                "domain '{domain}' has no host device {address}"
            )));
        }
        let position = assigned
            .iter()
            .filter(|(_, owner)| **owner == uuid)
            .position(|(a, _)| *a == address)
            .unwrap_or(0);
        assigned.remove(&address);
        drop(assigned);
        let d = &state.domains[&uuid];
        if d.state.is_active() {
            self.events.of(
                &d.spec,
                DomainEventKind::DeviceRemoved,
                Some(&hostdev_alias(position)),
            );
        }
        Ok(())
    }
}
