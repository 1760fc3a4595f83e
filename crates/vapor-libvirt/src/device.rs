//! Host devices: PCI passthrough.
//!
//! The PCI devices are the node devices with a `pci` capability. The test
//! driver rejects the PCI-capability listing flag, so every node device is
//! listed and the non-PCI ones are skipped by their XML. A device is
//! assigned to the defined domain whose persistent configuration has it as
//! a `<hostdev type='pci'>`. Whether the host has an IOMMU is read from
//! `/sys/kernel/iommu_groups` of the host Vapor runs on (libvirt reports it
//! nowhere else).

use tracing::debug;
use uuid::Uuid;
use vapor_hypervisor::{
    DeviceBackend, HypervisorError, HypervisorErrorKind, PciAddress, PciDevice, PciHostdev,
};
use virt::error::ErrorNumber;
use virt::sys;

use crate::counted::{Conn, Dom};
use crate::error::Result;
use crate::{xml, LibvirtHypervisor};

fn find_domain<'a>(c: &Conn<'a>, name_or_uuid: &str) -> Result<Dom<'a>> {
    match c.lookup_domain_by_name(name_or_uuid) {
        Ok(dom) => return Ok(dom),
        Err(e) if e.code().is(ErrorNumber::NoDomain) => {}
        Err(e) => return Err(e.into()),
    }
    match Uuid::parse_str(name_or_uuid) {
        Ok(uuid) => Ok(c.lookup_domain_by_uuid(uuid)?),
        Err(_) => Err(HypervisorError::not_found(format!("no domain '{name_or_uuid}'")).into()),
    }
}

/// Config, plus live when the domain runs.
fn affect(dom: &Dom<'_>) -> Result<u32> {
    let mut flags = sys::VIR_DOMAIN_AFFECT_CONFIG;
    if dom.is_active()? {
        flags |= sys::VIR_DOMAIN_AFFECT_LIVE;
    }
    Ok(flags)
}

impl DeviceBackend for LibvirtHypervisor {
    /// One `virConnectListAllNodeDevices`, one XML read per node device, one
    /// `virConnectListAllDomains` and one XML read per domain.
    fn list_pci_devices(&self) -> Result<Vec<PciDevice>, HypervisorError> {
        self.conn.call(|c| {
            let mut out = Vec::new();
            for nd in c.list_all_node_devices(0)? {
                match nd.xml_desc(0) {
                    Ok(x) => out.extend(xml::device::parse_pci_device(&x)?),
                    Err(e) => {
                        debug!(error = %e, "node device vanished while listing");
                    }
                }
            }
            for dom in c.list_all_domains(sys::VIR_CONNECT_LIST_DOMAINS_PERSISTENT)? {
                let (Ok(name), Ok(x)) = (dom.name(), dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE))
                else {
                    continue;
                };
                for addr in xml::device::domain_pci_hostdevs(&x)? {
                    for d in out.iter_mut().filter(|d| d.address == addr) {
                        d.assigned_to = Some(name.clone());
                    }
                }
            }
            out.sort_by_key(|d| d.address);
            Ok(out)
        })
    }

    fn host_has_iommu(&self) -> Result<bool, HypervisorError> {
        Ok(std::fs::read_dir("/sys/kernel/iommu_groups")
            .map(|mut d| d.next().is_some())
            .unwrap_or(false))
    }

    fn attach_pci_device(&self, domain: &str, dev: &PciHostdev) -> Result<(), HypervisorError> {
        let hostdev = xml::device::hostdev_xml(dev)?;
        self.conn.call(|c| {
            let dom = find_domain(c, domain)?;
            dom.attach_device_flags(&hostdev, affect(&dom)?)?;
            Ok(())
        })
    }

    fn detach_pci_device(&self, domain: &str, address: PciAddress) -> Result<(), HypervisorError> {
        let hostdev = xml::device::hostdev_xml(&PciHostdev {
            address,
            managed: true,
            rom_file: None,
        })?;
        self.conn.call(|c| {
            let dom = find_domain(c, domain)?;
            let config = dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)?;
            if !xml::device::domain_pci_hostdevs(&config)?.contains(&address) {
                return Err(HypervisorError::new(
                    HypervisorErrorKind::NotFound,
                    format!("domain '{domain}' has no host device {address}"),
                )
                .into());
            }
            dom.detach_device_flags(&hostdev, affect(&dom)?)?;
            Ok(())
        })
    }
}
