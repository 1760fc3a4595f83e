//! PCI passthrough: the host's PCI devices and their assignment to VMs.
//!
//! A device is addressed by its libvirt node device name
//! (`pci_0000_01_00_0`). Attaching checks, in this order: the VM exists
//! (404), every VFIO option can be honoured (422), the host has an IOMMU
//! (422 `IOMMU_UNAVAILABLE`), the device exists (404) and is not assigned
//! to any VM (409). Nothing changes before all of them pass.

use vapor_hypervisor::{Domain, PciDevice, PciDeviceClass, PciHostdev};

use super::Vapor;
use crate::error::{Error, Refusal, Result};
use crate::etag::IfMatch;

const KIND: &str = "pci_device";

/// `vfio_options.display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VfioDisplay {
    On,
    Off,
    Auto,
}

/// `POST /virtualmachines/{id}/pci-devices`.
#[derive(Debug, Clone)]
pub struct PciAttach {
    pub device_id: String,
    pub managed: bool,
    pub display: Option<VfioDisplay>,
    pub x_vga: bool,
    pub romfile: Option<String>,
}

impl Vapor {
    /// The host's PCI devices, of one class or all.
    pub async fn list_pci_devices(&self, class: Option<PciDeviceClass>) -> Result<Vec<PciDevice>> {
        let mut devices = self
            .blocking(|hv| hv.list_pci_devices())
            .await
            .map_err(|e| Error::from_hypervisor("listing PCI devices", KIND, "*", e))?;
        if let Some(class) = class {
            devices.retain(|d| d.class() == class);
        }
        Ok(devices)
    }

    /// `Ok` when the host has an IOMMU; otherwise 422 `IOMMU_UNAVAILABLE`.
    pub(super) async fn require_iommu(&self) -> Result<()> {
        let iommu = self
            .blocking(|hv| hv.host_has_iommu())
            .await
            .map_err(|e| Error::from_hypervisor("checking the host's IOMMU", KIND, "*", e))?;
        if iommu {
            return Ok(());
        }
        Err(Error::refused(
            Refusal::Unsupported,
            "IOMMU_UNAVAILABLE",
            "the host has no IOMMU (/sys/kernel/iommu_groups is empty), so PCI devices cannot be passed through",
        ))
    }

    async fn find_pci_device(&self, device_id: &str) -> Result<PciDevice> {
        self.list_pci_devices(None)
            .await?
            .into_iter()
            .find(|d| d.name == device_id)
            .ok_or_else(|| Error::NotFound {
                kind: KIND,
                id: device_id.to_owned(),
            })
    }

    /// Gives a host PCI device to a VM (its definition, and the running VM).
    pub async fn attach_pci_device(
        &self,
        vm_id: &str,
        req: PciAttach,
        precondition: Option<&IfMatch>,
    ) -> Result<(Domain, PciDevice)> {
        let vm = self.get_vm(vm_id).await?;
        let rom_file = check_vfio_options(&req)?;
        self.require_iommu().await?;
        let _guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let vm = self.check_precondition(vm, vm_id, precondition).await?;
        let device = self.find_pci_device(&req.device_id).await?;
        if let Some(owner) = &device.assigned_to {
            return Err(Error::refused(
                Refusal::Conflict,
                "DEVICE_IN_USE",
                format!("PCI device '{}' is assigned to VM '{owner}'", device.name),
            ));
        }
        let hostdev = PciHostdev {
            address: device.address,
            managed: req.managed,
            rom_file,
        };
        let uuid = vm.uuid.clone();
        self.blocking(move |hv| hv.attach_pci_device(&uuid, &hostdev))
            .await
            .map_err(|e| Error::from_hypervisor("attaching the PCI device", "vm", vm_id, e))?;
        Ok((vm, device))
    }

    /// Takes a host PCI device away from a VM. 404 when the VM does not have it.
    pub async fn detach_pci_device(
        &self,
        vm_id: &str,
        device_id: &str,
        precondition: Option<&IfMatch>,
    ) -> Result<(Domain, PciDevice)> {
        let vm = self.get_vm(vm_id).await?;
        let _guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let vm = self.check_precondition(vm, vm_id, precondition).await?;
        let device = self.find_pci_device(device_id).await?;
        if device.assigned_to.as_deref() != Some(vm.name.as_str()) {
            return Err(Error::NotFound {
                kind: KIND,
                id: device_id.to_owned(),
            });
        }
        let (uuid, address) = (vm.uuid.clone(), device.address);
        self.blocking(move |hv| hv.detach_pci_device(&uuid, address))
            .await
            .map_err(|e| Error::from_hypervisor("detaching the PCI device", KIND, device_id, e))?;
        Ok((vm, device))
    }
}

/// The ROM file to use. libvirt's PCI `<hostdev>` has no `display` (that is
/// for mediated devices) and no `x-vga`, so asking for them is refused
/// rather than ignored; `display: auto` (the default) asks for nothing.
fn check_vfio_options(req: &PciAttach) -> Result<Option<String>> {
    if matches!(req.display, Some(VfioDisplay::On | VfioDisplay::Off)) {
        return Err(Error::refused(
            Refusal::Unsupported,
            "VFIO_OPTION_UNSUPPORTED",
            "vfio_options.display: libvirt supports display only for mediated devices, not PCI host devices",
        ));
    }
    if req.x_vga {
        return Err(Error::refused(
            Refusal::Unsupported,
            "VFIO_OPTION_UNSUPPORTED",
            "vfio_options.x_vga: libvirt's PCI host device definition has no x-vga setting",
        ));
    }
    match &req.romfile {
        Some(f) if !f.starts_with('/') => Err(Error::invalid(
            "vfio_options.romfile",
            "must be an absolute path on the host",
        )),
        other => Ok(other.clone()),
    }
}
