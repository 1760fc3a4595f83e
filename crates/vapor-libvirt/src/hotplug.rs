//! Hotplug: devices and resources changed on a running domain.
//!
//! Devices are attached and detached with `VIR_DOMAIN_AFFECT_LIVE |
//! VIR_DOMAIN_AFFECT_CONFIG`, so the running domain and its definition
//! change together. A device is detached by the XML libvirt itself reports
//! for it (found in the live definition by target, MAC or USB ids).
//!
//! Removal needs the guest: QEMU asks it to release the device and
//! libvirt waits a few seconds for the answer. When none comes, libvirt's
//! detach still succeeds (the definition loses the device at once), and the
//! device stays in the running domain until the guest lets go or the domain
//! stops: Vapor reads the live definition afterwards and reports `Pending`.
//! Lowering vCPUs is similar, except that libvirt reports the missing
//! answer as an `OPERATION_TIMEOUT` error and leaves the definition alone,
//! so the definition is then changed on its own; QEMU refuses the request
//! outright while the guest has not enabled ACPI CPU hotplug (no OS has
//! run), which is reported the same way.
//!
//! libvirt's test driver implements neither attach nor detach; those calls
//! fail there with `Unsupported`.

use tracing::debug;
use vapor_hypervisor::{
    DiskSpec, HotplugBackend, HotplugState, HypervisorError, InterfaceSpec, UsbDevice, UsbHostdev,
};
use virt::error::ErrorNumber;
use virt::sys;

use crate::counted::Dom;
use crate::error::Result;
use crate::xml::hotplug::{self as hxml, DeviceMatch};
use crate::{domain_by_uuid, live_and_config, xml, LibvirtHypervisor};

const LIVE_AND_CONFIG: u32 = sys::VIR_DOMAIN_AFFECT_LIVE | sys::VIR_DOMAIN_AFFECT_CONFIG;

/// `OperationInvalid` unless the domain runs.
fn require_running(dom: &Dom<'_>) -> Result<()> {
    if dom.is_active()? {
        Ok(())
    } else {
        Err(HypervisorError::operation_invalid(
            "Requested operation is not valid: domain is not running",
        )
        .into())
    }
}

/// Whether a failed live vCPU removal failed for want of the guest: libvirt
/// timed out waiting for it, or QEMU refused the unplug request because the
/// guest has not switched its ACPI CPU hotplug on (no OS has run, e.g. a
/// blank guest), which QEMU reports as an error of its `device_del`.
fn guest_did_not_release(e: &virt::error::Error) -> bool {
    e.code().is(ErrorNumber::OperationTimeout)
        || (e.code().is(ErrorNumber::InternalError) && e.message().contains("device_del"))
}

/// The running domain's definition (`virDomainGetXMLDesc`, flags 0).
fn live_xml(dom: &Dom<'_>) -> Result<String> {
    Ok(dom.xml_desc(0)?)
}

/// Detaches the device `what` names: from the running domain, and from the
/// definition when the definition has it. `NotFound` when the running
/// domain does not have it.
fn detach(dom: &Dom<'_>, what: &DeviceMatch<'_>, describe: &str) -> Result<HotplugState> {
    require_running(dom)?;
    let Some(device) = hxml::find_device(&live_xml(dom)?, what)? else {
        return Err(HypervisorError::not_found(format!("the domain has no {describe}")).into());
    };
    let config = dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)?;
    let flags = if hxml::find_device(&config, what)?.is_some() {
        LIVE_AND_CONFIG
    } else {
        // Already gone from the definition: a removal the guest has not
        // finished, or a device added to the running domain only.
        sys::VIR_DOMAIN_AFFECT_LIVE
    };
    dom.detach_device_flags(&device, flags)?;
    Ok(if hxml::find_device(&live_xml(dom)?, what)?.is_some() {
        HotplugState::Pending
    } else {
        HotplugState::Completed
    })
}

impl HotplugBackend for LibvirtHypervisor {
    /// `virDomainSetVcpusFlags` with `VIR_DOMAIN_VCPU_MAXIMUM |
    /// VIR_DOMAIN_VCPU_CONFIG`, then `virDomainSetMemoryFlags` with
    /// `VIR_DOMAIN_MEM_MAXIMUM | VIR_DOMAIN_MEM_CONFIG`.
    fn set_hotplug_maximums(
        &self,
        uuid: &str,
        max_vcpus: u32,
        max_memory_mib: u64,
    ) -> Result<(), HypervisorError> {
        let max_kib = max_memory_mib
            .checked_mul(1024)
            .ok_or_else(|| HypervisorError::invalid_argument("maximum memory is too large"))?;
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            if dom.is_active()? {
                return Err(HypervisorError::operation_invalid(
                    "Requested operation is not valid: the maximums of a running domain cannot change",
                )
                .into());
            }
            let config = xml::parse_domain(&dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)?)?;
            if max_vcpus < config.vcpus || max_memory_mib < config.memory_mib {
                return Err(HypervisorError::invalid_argument(format!(
                    "the maximums ({max_vcpus} vCPUs, {max_memory_mib} MiB) are below the current {} vCPUs, {} MiB",
                    config.vcpus, config.memory_mib
                ))
                .into());
            }
            if max_vcpus != config.max_vcpus {
                dom.set_vcpus_flags(
                    max_vcpus,
                    sys::VIR_DOMAIN_VCPU_MAXIMUM | sys::VIR_DOMAIN_VCPU_CONFIG,
                )?;
            }
            if max_memory_mib != config.max_memory_mib {
                dom.set_memory_flags(
                    max_kib,
                    sys::VIR_DOMAIN_MEM_MAXIMUM | sys::VIR_DOMAIN_MEM_CONFIG,
                )?;
            }
            Ok(())
        })
    }

    /// Raising: one `virDomainSetVcpusFlags` (live and config). Lowering:
    /// live first; when the guest does not answer in time (libvirt's
    /// `OPERATION_TIMEOUT`), the definition is changed on its own and the
    /// live count read back.
    fn hotplug_vcpus(&self, uuid: &str, vcpus: u32) -> Result<HotplugState, HypervisorError> {
        if vcpus == 0 {
            return Err(HypervisorError::invalid_argument(
                "a domain needs at least one vCPU",
            ));
        }
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            require_running(&dom)?;
            let live = sys::VIR_DOMAIN_VCPU_LIVE;
            let max = dom.vcpus_flags(live | sys::VIR_DOMAIN_VCPU_MAXIMUM)?;
            if vcpus > max {
                return Err(HypervisorError::operation_invalid(format!(
                    "vCPUs can only be raised up to the maximum ({max}) while the VM runs"
                ))
                .into());
            }
            let current = dom.vcpus_flags(live)?;
            if vcpus >= current {
                live_and_config(live, sys::VIR_DOMAIN_VCPU_CONFIG, |flags| {
                    dom.set_vcpus_flags(vcpus, flags)
                })?;
                return Ok(HotplugState::Completed);
            }
            match dom.set_vcpus_flags(vcpus, live) {
                Ok(()) => {}
                Err(e) if guest_did_not_release(&e) => {
                    debug!(uuid, error = %e, "the guest did not release vCPUs");
                }
                Err(e) => return Err(e.into()),
            }
            dom.set_vcpus_flags(vcpus, sys::VIR_DOMAIN_VCPU_CONFIG)?;
            Ok(if dom.vcpus_flags(live)? <= vcpus {
                HotplugState::Completed
            } else {
                HotplugState::Pending
            })
        })
    }

    /// `virDomainSetMemoryFlags` (live and config), then the live
    /// definition's `<currentMemory>`.
    fn hotplug_memory(&self, uuid: &str, memory_mib: u64) -> Result<HotplugState, HypervisorError> {
        let kib = memory_mib
            .checked_mul(1024)
            .filter(|k| *k > 0)
            .ok_or_else(|| HypervisorError::invalid_argument("memory is out of range"))?;
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            require_running(&dom)?;
            let max_kib = dom.max_memory()?;
            if kib > max_kib {
                return Err(HypervisorError::operation_invalid(format!(
                    "memory can only grow up to the maximum ({} MiB) while the VM runs",
                    max_kib / 1024
                ))
                .into());
            }
            live_and_config(
                sys::VIR_DOMAIN_MEM_LIVE,
                sys::VIR_DOMAIN_MEM_CONFIG,
                |flags| dom.set_memory_flags(kib, flags),
            )?;
            let now = xml::parse_domain(&live_xml(&dom)?)?;
            Ok(if now.memory_mib == memory_mib {
                HotplugState::Completed
            } else {
                HotplugState::Pending
            })
        })
    }

    fn attach_disk(&self, uuid: &str, disk: &DiskSpec) -> Result<(), HypervisorError> {
        let device = hxml::disk_xml(disk)?;
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            require_running(&dom)?;
            dom.attach_device_flags(&device, LIVE_AND_CONFIG)?;
            Ok(())
        })
    }

    fn detach_disk(&self, uuid: &str, target: &str) -> Result<HotplugState, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            detach(
                &dom,
                &DeviceMatch::Disk(target),
                &format!("disk with target '{target}'"),
            )
        })
    }

    fn attach_interface(&self, uuid: &str, iface: &InterfaceSpec) -> Result<(), HypervisorError> {
        let device = hxml::interface_xml(iface)?;
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            require_running(&dom)?;
            if hxml::find_device(&live_xml(&dom)?, &DeviceMatch::Interface(&iface.mac))?.is_some() {
                return Err(HypervisorError::already_exists(format!(
                    "the domain already has a network interface with MAC {}",
                    iface.mac
                ))
                .into());
            }
            dom.attach_device_flags(&device, LIVE_AND_CONFIG)?;
            Ok(())
        })
    }

    fn detach_interface(&self, uuid: &str, mac: &str) -> Result<HotplugState, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            detach(
                &dom,
                &DeviceMatch::Interface(mac),
                &format!("network interface with MAC {mac}"),
            )
        })
    }

    /// One `virConnectListAllNodeDevices` and one XML read per node device
    /// (every device is listed: the test driver rejects capability flags).
    fn list_usb_devices(&self) -> Result<Vec<UsbDevice>, HypervisorError> {
        self.conn.call(|c| {
            let mut out = Vec::new();
            for nd in c.list_all_node_devices(0)? {
                if let Ok(x) = nd.xml_desc(0) {
                    out.extend(hxml::parse_usb_device(&x)?);
                }
            }
            Ok(out)
        })
    }

    fn attach_usb_device(&self, uuid: &str, dev: &UsbHostdev) -> Result<(), HypervisorError> {
        let device = hxml::usb_hostdev_xml(dev)?;
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            require_running(&dom)?;
            if hxml::find_device(&live_xml(&dom)?, &DeviceMatch::Usb(*dev))?.is_some() {
                return Err(HypervisorError::already_exists(format!(
                    "the domain already has USB device {:04x}:{:04x}",
                    dev.vendor_id, dev.product_id
                ))
                .into());
            }
            dom.attach_device_flags(&device, LIVE_AND_CONFIG)?;
            Ok(())
        })
    }

    fn detach_usb_device(
        &self,
        uuid: &str,
        dev: &UsbHostdev,
    ) -> Result<HotplugState, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            detach(
                &dom,
                &DeviceMatch::Usb(*dev),
                &format!("USB device {:04x}:{:04x}", dev.vendor_id, dev.product_id),
            )
        })
    }
}
