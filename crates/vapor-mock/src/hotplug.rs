//! Hotplug: devices and resources changed on a running domain.
//!
//! Follows QEMU (the test driver cannot hot-plug devices at all): every
//! change applies to the running domain and its definition; disks go on
//! the `virtio` and `scsi` buses only (QEMU cannot hot-plug SATA or IDE);
//! a MAC or a disk target is used once per domain.
//!
//! The mock's guests are, by default, like a QEMU guest without an OS:
//! they never release a device, a vCPU or balloon memory. A removal then
//! leaves the device in the running domain and drops it from the
//! definition (`Pending`), and the domain takes its definition when it
//! stops; a balloon change reaches only the definition. With
//! [`MockHypervisor::set_guests_cooperate`], guests behave like one with an
//! OS and its drivers and everything completes at once. USB devices are
//! removed without the guest, as in QEMU.
//!
//! The mock host has no USB devices unless made with
//! [`MockHypervisor::with_usb_devices`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use vapor_hypervisor::*;

use crate::events::{disk_alias, hostdev_alias, interface_alias};
use crate::{MockDomain, MockHypervisor, State};

/// USB devices of the mock host, which domain (by UUID) has each, and how
/// the guests behave.
#[derive(Default)]
pub(crate) struct MockHotplug {
    usb_inventory: Vec<UsbDevice>,
    usb_assigned: Mutex<BTreeMap<UsbHostdev, String>>,
    guests_cooperate: AtomicBool,
}

impl MockHotplug {
    fn usb(&self) -> MutexGuard<'_, BTreeMap<UsbHostdev, String>> {
        self.usb_assigned.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl MockHypervisor {
    /// A mock whose host has exactly these USB devices.
    pub fn with_usb_devices(devices: Vec<UsbDevice>) -> Self {
        let mut hv = MockHypervisor::new();
        hv.hotplug.usb_inventory = devices;
        hv
    }

    /// Whether guests release hot-removed devices, vCPUs and balloon memory
    /// (like a guest with an OS and its drivers) or never do (like a guest
    /// without an OS, the default).
    pub fn set_guests_cooperate(&self, cooperate: bool) {
        self.hotplug
            .guests_cooperate
            .store(cooperate, Ordering::Relaxed);
    }

    fn cooperate(&self) -> bool {
        self.hotplug.guests_cooperate.load(Ordering::Relaxed)
    }
}

/// The running domain with this UUID.
fn running<'a>(state: &'a mut State, uuid: &str) -> Result<&'a mut MockDomain> {
    let d = state.domain_mut(uuid)?;
    if !d.state.is_active() {
        return Err(HypervisorError::operation_invalid(
            "Requested operation is not valid: domain is not running",
        ));
    }
    Ok(d)
}

/// Applies a change to the running domain and to its definition.
fn both(d: &mut MockDomain, change: impl Fn(&mut DomainSpec)) {
    change(&mut d.spec);
    if let Some(config) = &mut d.config {
        change(config);
    }
}

/// Applies a change to the definition only: the running domain keeps what
/// it has until it stops.
fn config_only(d: &mut MockDomain, change: impl Fn(&mut DomainSpec)) {
    let config = d.config.get_or_insert_with(|| d.spec.clone());
    change(config);
}

impl HotplugBackend for MockHypervisor {
    fn set_hotplug_maximums(&self, uuid: &str, max_vcpus: u32, max_memory_mib: u64) -> Result<()> {
        self.injected_failure(crate::MockOperation::SetHotplugMaximums)?;
        let mut state = self.lock();
        let d = state.domain_mut(uuid)?;
        if d.state.is_active() {
            return Err(HypervisorError::operation_invalid(
                "Requested operation is not valid: the maximums of a running domain cannot change",
            ));
        }
        if max_vcpus < d.spec.vcpus || max_memory_mib < d.spec.memory_mib {
            return Err(HypervisorError::invalid_argument(format!(
                "the maximums ({max_vcpus} vCPUs, {max_memory_mib} MiB) are below the current {} vCPUs, {} MiB",
                d.spec.vcpus, d.spec.memory_mib
            )));
        }
        d.max_vcpus = max_vcpus;
        d.max_memory_mib = max_memory_mib;
        Ok(())
    }

    fn hotplug_vcpus(&self, uuid: &str, vcpus: u32) -> Result<HotplugState> {
        if vcpus == 0 {
            return Err(HypervisorError::invalid_argument(
                "a domain needs at least one vCPU",
            ));
        }
        let cooperate = self.cooperate();
        let mut state = self.lock();
        let d = running(&mut state, uuid)?;
        if vcpus > d.max_vcpus {
            return Err(HypervisorError::operation_invalid(format!(
                "vCPUs can only be raised up to the maximum ({}) while the VM runs",
                d.max_vcpus
            )));
        }
        if vcpus >= d.spec.vcpus || cooperate {
            both(d, |s| s.vcpus = vcpus);
            Ok(HotplugState::Completed)
        } else {
            config_only(d, |s| s.vcpus = vcpus);
            Ok(HotplugState::Pending)
        }
    }

    fn hotplug_memory(&self, uuid: &str, memory_mib: u64) -> Result<HotplugState> {
        if memory_mib == 0 {
            return Err(HypervisorError::invalid_argument("memory is out of range"));
        }
        let cooperate = self.cooperate();
        let mut state = self.lock();
        let d = running(&mut state, uuid)?;
        if memory_mib > d.max_memory_mib {
            return Err(HypervisorError::operation_invalid(format!(
                "memory can only grow up to the maximum ({} MiB) while the VM runs",
                d.max_memory_mib
            )));
        }
        if cooperate || d.spec.memory_mib == memory_mib {
            both(d, |s| s.memory_mib = memory_mib);
            Ok(HotplugState::Completed)
        } else {
            config_only(d, |s| s.memory_mib = memory_mib);
            Ok(HotplugState::Pending)
        }
    }

    fn attach_disk(&self, uuid: &str, disk: &DiskSpec) -> Result<()> {
        if !matches!(disk.bus, DiskBus::Virtio | DiskBus::Scsi) {
            return Err(HypervisorError::new(
                HypervisorErrorKind::Unsupported,
                format!("disk bus '{}' cannot be hotplugged", disk.bus.as_str()),
            ));
        }
        let mut state = self.lock();
        let known =
            state.volume_by_path(&disk.path).is_some() || std::path::Path::new(&disk.path).exists();
        let d = running(&mut state, uuid)?;
        let taken = |s: &DomainSpec| s.disks.iter().any(|x| x.target == disk.target);
        if taken(&d.spec) || d.config.as_ref().is_some_and(taken) {
            return Err(HypervisorError::already_exists(format!(
                "target {} already exists",
                disk.target
            )));
        }
        if !known {
            return Err(HypervisorError::failed(format!(
                "Cannot access storage file '{}': No such file or directory",
                disk.path
            )));
        }
        both(d, |s| s.disks.push(disk.clone()));
        self.events.of(
            &d.spec,
            DomainEventKind::DeviceAdded,
            Some(&disk_alias(disk)),
        );
        Ok(())
    }

    fn detach_disk(&self, uuid: &str, target: &str) -> Result<HotplugState> {
        let cooperate = self.cooperate();
        let mut state = self.lock();
        let d = running(&mut state, uuid)?;
        let Some(alias) = d
            .spec
            .disks
            .iter()
            .find(|x| x.target == target)
            .map(disk_alias)
        else {
            return Err(HypervisorError::not_found(format!(
                "the domain has no disk with target '{target}'"
            )));
        };
        let drop = |s: &mut DomainSpec| s.disks.retain(|x| x.target != target);
        if cooperate {
            both(d, drop);
            self.events
                .of(&d.spec, DomainEventKind::DeviceRemoved, Some(&alias));
            Ok(HotplugState::Completed)
        } else {
            config_only(d, drop);
            Ok(HotplugState::Pending)
        }
    }

    fn attach_interface(&self, uuid: &str, iface: &InterfaceSpec) -> Result<()> {
        if iface.kind != InterfaceKind::User && iface.source.is_none() {
            return Err(HypervisorError::invalid_argument(format!(
                "a {} interface needs a source",
                iface.kind.as_str()
            )));
        }
        let mut state = self.lock();
        let d = running(&mut state, uuid)?;
        let taken = |s: &DomainSpec| {
            s.interfaces
                .iter()
                .any(|n| n.mac.eq_ignore_ascii_case(&iface.mac))
        };
        if taken(&d.spec) || d.config.as_ref().is_some_and(taken) {
            return Err(HypervisorError::already_exists(format!(
                "the domain already has a network interface with MAC {}",
                iface.mac
            )));
        }
        let alias = interface_alias(d.spec.interfaces.len());
        both(d, |s| s.interfaces.push(iface.clone()));
        self.events
            .of(&d.spec, DomainEventKind::DeviceAdded, Some(&alias));
        Ok(())
    }

    fn detach_interface(&self, uuid: &str, mac: &str) -> Result<HotplugState> {
        let cooperate = self.cooperate();
        let mut state = self.lock();
        let d = running(&mut state, uuid)?;
        let Some(position) = d
            .spec
            .interfaces
            .iter()
            .position(|n| n.mac.eq_ignore_ascii_case(mac))
        else {
            return Err(HypervisorError::not_found(format!(
                "the domain has no network interface with MAC {mac}"
            )));
        };
        let drop = |s: &mut DomainSpec| s.interfaces.retain(|n| !n.mac.eq_ignore_ascii_case(mac));
        if cooperate {
            both(d, drop);
            self.events.of(
                &d.spec,
                DomainEventKind::DeviceRemoved,
                Some(&interface_alias(position)),
            );
            Ok(HotplugState::Completed)
        } else {
            config_only(d, drop);
            Ok(HotplugState::Pending)
        }
    }

    fn list_usb_devices(&self) -> Result<Vec<UsbDevice>> {
        Ok(self.hotplug.usb_inventory.clone())
    }

    fn attach_usb_device(&self, uuid: &str, dev: &UsbHostdev) -> Result<()> {
        let mut state = self.lock();
        running(&mut state, uuid)?;
        let pci = self.devices.assigned_to(uuid).len();
        let present = self
            .hotplug
            .usb_inventory
            .iter()
            .any(|u| u.vendor_id == dev.vendor_id && u.product_id == dev.product_id);
        if !present {
            return Err(HypervisorError::not_found(format!(
                "Device not found: USB device {:04x}:{:04x} not found",
                dev.vendor_id, dev.product_id
            )));
        }
        let mut usb = self.hotplug.usb();
        // An assignment of a domain that no longer exists has vanished with it.
        usb.retain(|_, owner| state.domains.contains_key(owner));
        match usb.get(dev) {
            Some(owner) if owner == uuid => Err(HypervisorError::already_exists(format!(
                "the domain already has USB device {:04x}:{:04x}",
                dev.vendor_id, dev.product_id
            ))),
            Some(_) => Err(HypervisorError::operation_invalid(format!(
                "Requested operation is not valid: USB device {:04x}:{:04x} is in use by another domain",
                dev.vendor_id, dev.product_id
            ))),
            None => {
                usb.insert(*dev, uuid.to_owned());
                let position = usb
                    .iter()
                    .filter(|(_, owner)| *owner == uuid)
                    .position(|(d, _)| d == dev)
                    .unwrap_or(0);
                drop(usb);
                let d = &state.domains[uuid];
                self.events.of(
                    &d.spec,
                    DomainEventKind::DeviceAdded,
                    Some(&hostdev_alias(pci + position)),
                );
                Ok(())
            }
        }
    }

    fn detach_usb_device(&self, uuid: &str, dev: &UsbHostdev) -> Result<HotplugState> {
        let mut state = self.lock();
        running(&mut state, uuid)?;
        let pci = self.devices.assigned_to(uuid).len();
        let mut usb = self.hotplug.usb();
        if usb.get(dev).map(String::as_str) != Some(uuid) {
            return Err(HypervisorError::not_found(format!(
                "the domain has no USB device {:04x}:{:04x}",
                dev.vendor_id, dev.product_id
            )));
        }
        let position = usb
            .iter()
            .filter(|(_, owner)| *owner == uuid)
            .position(|(d, _)| d == dev)
            .unwrap_or(0);
        usb.remove(dev);
        drop(usb);
        let d = &state.domains[uuid];
        self.events.of(
            &d.spec,
            DomainEventKind::DeviceRemoved,
            Some(&hostdev_alias(pci + position)),
        );
        Ok(HotplugState::Completed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "44444444-4444-4444-8444-444444444444";

    fn spec() -> DomainSpec {
        DomainSpec {
            name: "hotplug-a".into(),
            uuid: U.into(),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 512,
            vcpus: 1,
            disks: vec![],
            interfaces: vec![],
            graphics: vec![],
            boot: vec![BootDevice::Hd],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        }
    }

    fn disk(target: &str, path: &str) -> DiskSpec {
        DiskSpec {
            device: DiskDevice::Disk,
            path: path.into(),
            format: DiskFormat::Raw,
            bus: DiskBus::Virtio,
            target: target.into(),
            readonly: false,
            cache: None,
        }
    }

    fn nic(mac: &str) -> InterfaceSpec {
        InterfaceSpec {
            kind: InterfaceKind::User,
            source: None,
            model: "virtio".into(),
            mac: mac.into(),
        }
    }

    fn running_vm() -> (MockHypervisor, tempfile::NamedTempFile) {
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        hv.set_hotplug_maximums(U, 4, 1024).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        (hv, tempfile::NamedTempFile::new().unwrap())
    }

    #[test]
    fn maximums_only_on_a_stopped_domain_and_not_below_current() {
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        let err = hv.set_hotplug_maximums(U, 0, 1024).unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::InvalidArgument);
        hv.set_hotplug_maximums(U, 4, 1024).unwrap();
        let d = hv.lookup_domain(U).unwrap();
        assert_eq!(
            (d.vcpus, d.max_vcpus, d.memory_mib, d.max_memory_mib),
            (1, 4, 512, 1024)
        );
        hv.power(U, PowerAction::Start).unwrap();
        let err = hv.set_hotplug_maximums(U, 8, 1024).unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid);
    }

    #[test]
    fn everything_needs_a_running_domain() {
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        let kind = |r: Result<HotplugState>| r.unwrap_err().kind;
        assert_eq!(
            kind(hv.hotplug_vcpus(U, 1)),
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            hv.attach_interface(U, &nic("52:54:00:00:00:01"))
                .unwrap_err()
                .kind,
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            kind(hv.detach_disk("00000000-0000-4000-8000-000000000000", "vda")),
            HypervisorErrorKind::NotFound
        );
    }

    #[test]
    fn a_blank_guest_keeps_removed_devices_until_it_stops() {
        let (hv, file) = running_vm();
        let path = file.path().to_str().unwrap();
        hv.attach_disk(U, &disk("vdb", path)).unwrap();
        hv.attach_interface(U, &nic("52:54:00:00:00:01")).unwrap();
        assert_eq!(
            hv.attach_disk(U, &disk("vdb", path)).unwrap_err().kind,
            HypervisorErrorKind::AlreadyExists
        );
        assert_eq!(
            hv.attach_interface(U, &nic("52:54:00:00:00:01"))
                .unwrap_err()
                .kind,
            HypervisorErrorKind::AlreadyExists
        );
        let mut sata = disk("sda", path);
        sata.bus = DiskBus::Sata;
        assert_eq!(
            hv.attach_disk(U, &sata).unwrap_err().kind,
            HypervisorErrorKind::Unsupported
        );
        assert_eq!(hv.hotplug_vcpus(U, 3).unwrap(), HotplugState::Completed);
        assert_eq!(
            hv.hotplug_vcpus(U, 5).unwrap_err().kind,
            HypervisorErrorKind::OperationInvalid
        );

        assert_eq!(hv.detach_disk(U, "vdb").unwrap(), HotplugState::Pending);
        assert_eq!(
            hv.detach_interface(U, "52:54:00:00:00:01").unwrap(),
            HotplugState::Pending
        );
        assert_eq!(hv.hotplug_vcpus(U, 2).unwrap(), HotplugState::Pending);
        assert_eq!(hv.hotplug_memory(U, 256).unwrap(), HotplugState::Pending);
        // The running domain still has all of it; a second removal is pending too.
        let d = hv.lookup_domain(U).unwrap();
        assert_eq!((d.disks.len(), d.interfaces.len()), (1, 1));
        assert_eq!((d.vcpus, d.memory_mib), (3, 512));
        assert_eq!(hv.detach_disk(U, "vdb").unwrap(), HotplugState::Pending);
        // The definition does not: the domain takes it when it stops.
        hv.power(U, PowerAction::Destroy).unwrap();
        let d = hv.lookup_domain(U).unwrap();
        assert_eq!((d.disks.len(), d.interfaces.len()), (0, 0));
        assert_eq!((d.vcpus, d.memory_mib), (2, 256));
    }

    #[test]
    fn a_cooperating_guest_completes_removals() {
        let (hv, file) = running_vm();
        hv.set_guests_cooperate(true);
        hv.attach_disk(U, &disk("vdb", file.path().to_str().unwrap()))
            .unwrap();
        assert_eq!(hv.detach_disk(U, "vdb").unwrap(), HotplugState::Completed);
        assert_eq!(
            hv.detach_disk(U, "vdb").unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        assert_eq!(hv.hotplug_vcpus(U, 2).unwrap(), HotplugState::Completed);
        assert_eq!(hv.hotplug_vcpus(U, 1).unwrap(), HotplugState::Completed);
        assert_eq!(hv.hotplug_memory(U, 300).unwrap(), HotplugState::Completed);
        assert_eq!(
            hv.hotplug_memory(U, 2048).unwrap_err().kind,
            HypervisorErrorKind::OperationInvalid
        );
        let d = hv.lookup_domain(U).unwrap();
        assert_eq!((d.disks.len(), d.vcpus, d.memory_mib), (0, 1, 300));
    }

    #[test]
    fn usb_devices_of_the_host() {
        let dev = UsbHostdev {
            vendor_id: 0x046d,
            product_id: 0xc52b,
        };
        let hv = MockHypervisor::with_usb_devices(vec![UsbDevice {
            name: "usb_1_2".into(),
            vendor_id: dev.vendor_id,
            product_id: dev.product_id,
            vendor_name: None,
            product_name: None,
        }]);
        hv.define_domain(&spec()).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        hv.attach_usb_device(U, &dev).unwrap();
        assert_eq!(
            hv.attach_usb_device(U, &dev).unwrap_err().kind,
            HypervisorErrorKind::AlreadyExists
        );
        let missing = UsbHostdev {
            vendor_id: 1,
            product_id: 2,
        };
        assert_eq!(
            hv.attach_usb_device(U, &missing).unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        assert_eq!(
            hv.detach_usb_device(U, &dev).unwrap(),
            HotplugState::Completed
        );
        assert_eq!(
            hv.detach_usb_device(U, &dev).unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        assert!(MockHypervisor::new().list_usb_devices().unwrap().is_empty());
    }
}
