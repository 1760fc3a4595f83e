//! Hotplug: vCPUs, memory (balloon), disks, NICs and host USB devices added
//! to or removed from a running VM.
//!
//! The order is: check that the request's fields fit its resource type and
//! action (400), find the VM (404), take its mutation guard (409 while
//! another change runs), check that it runs (409) and that the change fits
//! its current state (409 above a maximum, a target or MAC in use, a count
//! that does not move the way the action says), then make one backend call,
//! which changes the running VM and its definition together. A single call
//! leaves nothing to undo.
//!
//! Removals need the guest; the reply says `completed` or `pending` (see
//! [`HotplugState`]).

use std::collections::BTreeMap;

use vapor_hypervisor::{
    DiskBus, DiskDevice, DiskFormat, DiskSpec, Domain, HotplugState, HypervisorErrorKind,
    InterfaceKind, InterfaceSpec, UsbHostdev,
};

use super::vm::{
    confine_host_file, generate_mac, probe_format, validate_mac, validate_memory,
    validate_name_like, validate_vcpus, KIND,
};
use super::vm_create::Targets;
use super::Vapor;
use crate::error::{Error, Result};
use crate::etag::IfMatch;

/// What a hotplug request changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotplugResource {
    Cpu,
    Memory,
    Disk,
    Network,
    Usb,
}

impl HotplugResource {
    fn as_str(self) -> &'static str {
        match self {
            HotplugResource::Cpu => "cpu",
            HotplugResource::Memory => "memory",
            HotplugResource::Disk => "disk",
            HotplugResource::Network => "network",
            HotplugResource::Usb => "usb",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotplugAction {
    Add,
    Remove,
}

impl HotplugAction {
    fn as_str(self) -> &'static str {
        match self {
            HotplugAction::Add => "add",
            HotplugAction::Remove => "remove",
        }
    }
}

/// `configuration` of a hotplug request: which fields apply depends on the
/// resource type and the action.
#[derive(Debug, Clone, Default)]
pub struct HotplugConfig {
    /// cpu: the vCPU count after the change.
    pub vcpus: Option<u32>,
    /// memory: the memory (MiB) after the change.
    pub memory_mib: Option<u64>,
    /// disk: the image's path; network: the network, bridge or host interface.
    pub source: Option<String>,
    /// disk: the guest device name.
    pub target: Option<String>,
    pub bus: Option<DiskBus>,
    pub readonly: Option<bool>,
    /// network: the interface type.
    pub kind: Option<InterfaceKind>,
    pub model: Option<String>,
    pub mac: Option<String>,
    /// usb: hexadecimal ids, `0x` optional.
    pub vendor_id: Option<String>,
    pub product_id: Option<String>,
}

/// `POST /virtualmachines/{id}/hotplug`.
#[derive(Debug, Clone)]
pub struct HotplugRequest {
    pub resource: HotplugResource,
    pub action: HotplugAction,
    pub config: HotplugConfig,
}

/// What a hotplug request did.
#[derive(Debug, Clone)]
pub struct HotplugOutcome {
    /// The VM after the change (the running VM's view).
    pub vm: Domain,
    pub state: HotplugState,
    pub message: String,
    /// `state` and what names the device or the new count.
    pub details: BTreeMap<String, String>,
}

/// The fields of `configuration` that apply to each resource type and action.
fn allowed(resource: HotplugResource, action: HotplugAction) -> &'static [&'static str] {
    use HotplugAction::*;
    use HotplugResource::*;
    match (resource, action) {
        (Cpu, _) => &["vcpus"],
        (Memory, _) => &["memory"],
        (Disk, Add) => &["source", "target", "bus", "readonly"],
        (Disk, Remove) => &["source", "target"],
        (Network, Add) => &["type", "source", "model", "mac"],
        (Network, Remove) => &["mac"],
        (Usb, _) => &["vendor_id", "product_id"],
    }
}

impl HotplugConfig {
    /// The names of the fields that are set.
    fn given(&self) -> Vec<&'static str> {
        [
            ("vcpus", self.vcpus.is_some()),
            ("memory", self.memory_mib.is_some()),
            ("source", self.source.is_some()),
            ("target", self.target.is_some()),
            ("bus", self.bus.is_some()),
            ("readonly", self.readonly.is_some()),
            ("type", self.kind.is_some()),
            ("model", self.model.is_some()),
            ("mac", self.mac.is_some()),
            ("vendor_id", self.vendor_id.is_some()),
            ("product_id", self.product_id.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// A field the request needs.
fn required<T: Clone>(value: &Option<T>, field: &'static str, what: &str) -> Result<T> {
    value
        .clone()
        .ok_or_else(|| Error::invalid(field, format!("{what} needs configuration.{field}")))
}

/// A USB vendor or product id: four hex digits, `0x` optional.
fn usb_id(field: &'static str, text: &str) -> Result<u16> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if hex.len() == 4 {
        if let Ok(id) = u16::from_str_radix(hex, 16) {
            return Ok(id);
        }
    }
    Err(Error::invalid(
        field,
        format!("'{text}' is not a USB id: four hexadecimal digits, 0x optional"),
    ))
}

/// A disk target that fits its bus: the bus prefix and one or two letters.
fn check_target(target: &str, bus: DiskBus) -> Result<()> {
    let prefix = bus.target_prefix();
    let rest = target.strip_prefix(prefix).unwrap_or("");
    if !rest.is_empty() && rest.len() <= 2 && rest.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "target",
            format!(
                "target '{target}' does not fit bus {} (use {prefix}a, {prefix}b, ...)",
                bus.as_str()
            ),
        ))
    }
}

impl Vapor {
    /// Adds or removes vCPUs, memory, a disk, a NIC or a USB device on a
    /// running VM.
    pub async fn hotplug(
        &self,
        vm_id: &str,
        req: HotplugRequest,
        precondition: Option<&IfMatch>,
    ) -> Result<HotplugOutcome> {
        let what = format!("{} {}", req.resource.as_str(), req.action.as_str());
        let allowed = allowed(req.resource, req.action);
        if let Some(extra) = req
            .config
            .given()
            .into_iter()
            .find(|f| !allowed.contains(f))
        {
            return Err(Error::invalid(
                "configuration",
                format!(
                    "configuration.{extra} does not apply to {what} (it takes: {})",
                    allowed.join(", ")
                ),
            ));
        }
        let vm = self.get_vm(vm_id).await?;
        let _guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let vm = self.check_precondition(vm, vm_id, precondition).await?;
        if !vm.state.is_active() {
            return Err(Error::conflict(format!(
                "virtual machine '{}' is not running; hotplug changes a running VM (a stopped VM's memory and vCPUs change with PUT)",
                vm.name
            )));
        }
        let c = &req.config;
        let (state, message, mut details) = match (req.resource, req.action) {
            (HotplugResource::Cpu, action) => self.hotplug_cpu(&vm, action, c).await?,
            (HotplugResource::Memory, action) => self.hotplug_mem(&vm, action, c).await?,
            (HotplugResource::Disk, HotplugAction::Add) => self.add_disk(&vm, c).await?,
            (HotplugResource::Disk, HotplugAction::Remove) => self.remove_disk(&vm, c).await?,
            (HotplugResource::Network, HotplugAction::Add) => self.add_nic(&vm, c).await?,
            (HotplugResource::Network, HotplugAction::Remove) => self.remove_nic(&vm, c).await?,
            (HotplugResource::Usb, action) => self.hotplug_usb(&vm, action, c).await?,
        };
        details.insert("state".into(), state.as_str().into());
        Ok(HotplugOutcome {
            vm: self.get_vm(&vm.uuid).await?,
            state,
            message,
            details,
        })
    }

    async fn hotplug_cpu(
        &self,
        vm: &Domain,
        action: HotplugAction,
        c: &HotplugConfig,
    ) -> Result<Step> {
        let vcpus = required(&c.vcpus, "vcpus", "cpu")?;
        validate_vcpus(vcpus)?;
        check_direction(action, "vCPUs", u64::from(vm.vcpus), u64::from(vcpus))?;
        if vcpus > vm.max_vcpus {
            return Err(Error::conflict(format!(
                "vCPUs can only grow up to the maximum ({}) while the VM runs; asked for {vcpus} (create the VM with a larger max_vcpus)",
                vm.max_vcpus
            )));
        }
        let uuid = vm.uuid.clone();
        let state = self
            .blocking(move |hv| hv.hotplug_vcpus(&uuid, vcpus))
            .await
            .map_err(|e| Error::from_hypervisor("changing vCPUs", KIND, &vm.name, e))?;
        let message = match state {
            HotplugState::Completed => format!("VM '{}' has {vcpus} vCPUs", vm.name),
            HotplugState::Pending => format!(
                "VM '{}' is defined with {vcpus} vCPUs; the running VM keeps {} until the guest releases them or the VM stops",
                vm.name, vm.vcpus
            ),
        };
        Ok((state, message, detail([("vcpus", vcpus.to_string())])))
    }

    async fn hotplug_mem(
        &self,
        vm: &Domain,
        action: HotplugAction,
        c: &HotplugConfig,
    ) -> Result<Step> {
        let memory = required(&c.memory_mib, "memory", "memory")?;
        validate_memory(memory)?;
        check_direction(action, "MiB of memory", vm.memory_mib, memory)?;
        if memory > vm.max_memory_mib {
            return Err(Error::conflict(format!(
                "memory can only grow up to the maximum ({} MiB) through the balloon; {memory} MiB would need memory modules (DIMM slots), which Vapor does not hot-plug (create the VM with a larger max_memory)",
                vm.max_memory_mib
            )));
        }
        let uuid = vm.uuid.clone();
        let state = self
            .blocking(move |hv| hv.hotplug_memory(&uuid, memory))
            .await
            .map_err(|e| Error::from_hypervisor("setting the balloon", KIND, &vm.name, e))?;
        let message = match state {
            HotplugState::Completed => format!("VM '{}' has {memory} MiB of memory", vm.name),
            HotplugState::Pending => format!(
                "the balloon target of VM '{}' is {memory} MiB; the guest still has {} MiB (its balloon driver has not reached the target; a guest without one never does)",
                vm.name, vm.memory_mib
            ),
        };
        Ok((state, message, detail([("memory", memory.to_string())])))
    }

    async fn add_disk(&self, vm: &Domain, c: &HotplugConfig) -> Result<Step> {
        let source = required(&c.source, "source", "disk add")?;
        let bus = c.bus.unwrap_or(DiskBus::Virtio);
        if !matches!(bus, DiskBus::Virtio | DiskBus::Scsi) {
            return Err(Error::unsupported(format!(
                "disks on the {} bus cannot be hot-plugged; use virtio or scsi",
                bus.as_str()
            )));
        }
        if let Some(target) = &c.target {
            check_target(target, bus)?;
            if vm.disks.iter().any(|d| &d.target == target) {
                return Err(Error::conflict(format!(
                    "VM '{}' already has a disk with target '{target}'",
                    vm.name
                )));
            }
        }
        let (source, format) = self.disk_source(&source).await?;
        if vm.disks.iter().any(|d| d.path.as_deref() == Some(&source)) {
            return Err(Error::conflict(format!(
                "VM '{}' already has {source} attached",
                vm.name
            )));
        }
        let target = match &c.target {
            Some(t) => t.clone(),
            None => Targets::new(vm.disks.iter().map(|d| d.target.clone())).next(bus),
        };
        let disk = DiskSpec {
            device: DiskDevice::Disk,
            path: source.clone(),
            format,
            bus,
            target: target.clone(),
            readonly: c.readonly.unwrap_or(false),
            cache: None,
        };
        let uuid = vm.uuid.clone();
        self.blocking(move |hv| hv.attach_disk(&uuid, &disk))
            .await
            .map_err(|e| match e.kind {
                HypervisorErrorKind::AlreadyExists => Error::conflict(format!(
                    "VM '{}' already has a disk with target '{target}'",
                    vm.name
                )),
                _ => Error::from_hypervisor("attaching the disk", KIND, &vm.name, e),
            })?;
        Ok((
            HotplugState::Completed,
            format!("disk {target} ({source}) attached to VM '{}'", vm.name),
            detail([
                ("target", target.clone()),
                ("source", source),
                ("bus", bus.as_str().into()),
                ("format", format.as_str().into()),
            ]),
        ))
    }

    /// The path to attach and the format of an existing volume or image
    /// file; 404 when it is neither. A path that is a file on this host is
    /// confined to the host file roots and given resolved, volume or not; a
    /// volume the backend alone knows (the mock, the test driver) is given
    /// as it is.
    async fn disk_source(&self, source: &str) -> Result<(String, DiskFormat)> {
        if !source.starts_with('/') {
            return Err(Error::invalid(
                "source",
                "source is the absolute path of a volume or image file",
            ));
        }
        let on_host = std::path::Path::new(source).symlink_metadata().is_ok();
        let confined = || confine_host_file("source", source, &self.host_file_roots());
        let path = source.to_owned();
        match self
            .blocking(move |hv| hv.lookup_volume_by_path(&path))
            .await
        {
            Ok(v) => {
                let format = match v.format.as_deref() {
                    Some("qcow2") => DiskFormat::Qcow2,
                    Some("raw") | None => DiskFormat::Raw,
                    Some(other) => {
                        return Err(Error::unsupported(format!(
                            "volume {source} is in {other} format; Vapor attaches qcow2 and raw"
                        )))
                    }
                };
                let path = if on_host {
                    confined()?
                } else {
                    source.to_owned()
                };
                Ok((path, format))
            }
            Err(e) if e.kind == HypervisorErrorKind::NotFound => {
                if !on_host {
                    return Err(Error::NotFound {
                        kind: "volume",
                        id: source.to_owned(),
                    });
                }
                let path = confined()?;
                let format = probe_format(&path);
                Ok((path, format))
            }
            Err(e) => Err(Error::from_hypervisor(
                "looking up the volume",
                "volume",
                source,
                e,
            )),
        }
    }

    async fn remove_disk(&self, vm: &Domain, c: &HotplugConfig) -> Result<Step> {
        let disk = match (&c.target, &c.source) {
            (None, None) => {
                return Err(Error::invalid(
                    "target",
                    "disk remove needs configuration.target or configuration.source",
                ))
            }
            (Some(t), s) => vm
                .disks
                .iter()
                .find(|d| &d.target == t && s.as_ref().is_none_or(|s| d.path.as_ref() == Some(s))),
            (None, Some(s)) => vm.disks.iter().find(|d| d.path.as_ref() == Some(s)),
        }
        .cloned()
        .ok_or_else(|| Error::NotFound {
            kind: "disk",
            id: c
                .target
                .clone()
                .or_else(|| c.source.clone())
                .unwrap_or_default(),
        })?;
        let uuid = vm.uuid.clone();
        let target = disk.target.clone();
        let state = self
            .blocking(move |hv| hv.detach_disk(&uuid, &target))
            .await
            .map_err(|e| Error::from_hypervisor("detaching the disk", "disk", &disk.target, e))?;
        let source = disk.path.clone().unwrap_or_default();
        let message = match state {
            HotplugState::Completed => {
                format!("disk {} detached from VM '{}'", disk.target, vm.name)
            }
            HotplugState::Pending => format!(
                "disk {} is removed from the definition of VM '{}'; the running VM keeps it until the guest releases it or the VM stops",
                disk.target, vm.name
            ),
        };
        Ok((
            state,
            message,
            detail([("target", disk.target), ("source", source)]),
        ))
    }

    async fn add_nic(&self, vm: &Domain, c: &HotplugConfig) -> Result<Step> {
        let kind = c.kind.unwrap_or(InterfaceKind::Network);
        let source = match (kind, &c.source) {
            (InterfaceKind::User, Some(_)) => {
                return Err(Error::invalid(
                    "source",
                    "a user-mode interface has no source",
                ))
            }
            (InterfaceKind::User, None) => None,
            (InterfaceKind::Network, None) => Some("default".to_owned()),
            (_, None) => {
                return Err(Error::invalid(
                    "source",
                    "bridge and direct interfaces need configuration.source",
                ))
            }
            (_, Some(s)) => {
                validate_name_like("source", s)?;
                Some(s.clone())
            }
        };
        let model = c.model.clone().unwrap_or_else(|| "virtio".into());
        let mac = match &c.mac {
            Some(mac) => {
                validate_mac(mac).map_err(|_| {
                    Error::invalid("mac", format!("'{mac}' is not a unicast MAC address"))
                })?;
                if vm.interfaces.iter().any(|i| {
                    i.mac
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(mac))
                }) {
                    return Err(Error::conflict(format!(
                        "VM '{}' already has a network interface with MAC {mac}",
                        vm.name
                    )));
                }
                mac.to_ascii_lowercase()
            }
            None => {
                let taken: Vec<String> = self
                    .list_vms()
                    .await?
                    .into_iter()
                    .flat_map(|d| d.interfaces.into_iter().filter_map(|i| i.mac))
                    .collect();
                generate_mac(&taken)
            }
        };
        let iface = InterfaceSpec {
            kind,
            source: source.clone(),
            model: model.clone(),
            mac: mac.clone(),
        };
        let uuid = vm.uuid.clone();
        self.blocking(move |hv| hv.attach_interface(&uuid, &iface))
            .await
            .map_err(|e| match (e.kind, &source) {
                (HypervisorErrorKind::NotFound, Some(s)) if kind == InterfaceKind::Network => {
                    Error::NotFound {
                        kind: "network",
                        id: s.clone(),
                    }
                }
                (HypervisorErrorKind::AlreadyExists, _) => Error::conflict(format!(
                    "VM '{}' already has a network interface with MAC {mac}",
                    vm.name
                )),
                _ => Error::from_hypervisor("attaching the network interface", KIND, &vm.name, e),
            })?;
        let mut details = detail([
            ("mac", mac.clone()),
            ("type", kind.as_str().into()),
            ("model", model),
        ]);
        if let Some(s) = source {
            details.insert("source".into(), s);
        }
        Ok((
            HotplugState::Completed,
            format!("network interface {mac} attached to VM '{}'", vm.name),
            details,
        ))
    }

    async fn remove_nic(&self, vm: &Domain, c: &HotplugConfig) -> Result<Step> {
        let mac = required(&c.mac, "mac", "network remove")?;
        let nic = vm
            .interfaces
            .iter()
            .find(|i| {
                i.mac
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(&mac))
            })
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: "network interface",
                id: mac.clone(),
            })?;
        let uuid = vm.uuid.clone();
        let key = mac.clone();
        let state = self
            .blocking(move |hv| hv.detach_interface(&uuid, &key))
            .await
            .map_err(|e| {
                Error::from_hypervisor(
                    "detaching the network interface",
                    "network interface",
                    &mac,
                    e,
                )
            })?;
        let message = match state {
            HotplugState::Completed => {
                format!("network interface {mac} detached from VM '{}'", vm.name)
            }
            HotplugState::Pending => format!(
                "network interface {mac} is removed from the definition of VM '{}'; the running VM keeps it until the guest releases it or the VM stops",
                vm.name
            ),
        };
        Ok((
            state,
            message,
            detail([("mac", mac.to_ascii_lowercase()), ("type", nic.kind)]),
        ))
    }

    async fn hotplug_usb(
        &self,
        vm: &Domain,
        action: HotplugAction,
        c: &HotplugConfig,
    ) -> Result<Step> {
        let what = format!("usb {}", action.as_str());
        let dev = UsbHostdev {
            vendor_id: usb_id("vendor_id", &required(&c.vendor_id, "vendor_id", &what)?)?,
            product_id: usb_id("product_id", &required(&c.product_id, "product_id", &what)?)?,
        };
        let id = format!("{:04x}:{:04x}", dev.vendor_id, dev.product_id);
        let ids = detail([
            ("vendor_id", format!("0x{:04x}", dev.vendor_id)),
            ("product_id", format!("0x{:04x}", dev.product_id)),
        ]);
        let uuid = vm.uuid.clone();
        match action {
            HotplugAction::Add => {
                let host = self
                    .blocking(|hv| hv.list_usb_devices())
                    .await
                    .map_err(|e| {
                        Error::from_hypervisor("listing USB devices", "usb device", &id, e)
                    })?;
                if !host
                    .iter()
                    .any(|d| d.vendor_id == dev.vendor_id && d.product_id == dev.product_id)
                {
                    return Err(Error::NotFound {
                        kind: "usb device",
                        id,
                    });
                }
                self.blocking(move |hv| hv.attach_usb_device(&uuid, &dev))
                    .await
                    .map_err(|e| match e.kind {
                        HypervisorErrorKind::AlreadyExists => {
                            Error::conflict(format!("VM '{}' already has USB device {id}", vm.name))
                        }
                        _ => {
                            Error::from_hypervisor("attaching the USB device", "usb device", &id, e)
                        }
                    })?;
                Ok((
                    HotplugState::Completed,
                    format!("USB device {id} attached to VM '{}'", vm.name),
                    ids,
                ))
            }
            HotplugAction::Remove => {
                let state = self
                    .blocking(move |hv| hv.detach_usb_device(&uuid, &dev))
                    .await
                    .map_err(|e| {
                        Error::from_hypervisor("detaching the USB device", "usb device", &id, e)
                    })?;
                let message = match state {
                    HotplugState::Completed => {
                        format!("USB device {id} detached from VM '{}'", vm.name)
                    }
                    HotplugState::Pending => format!(
                        "USB device {id} is removed from the definition of VM '{}'; the running VM keeps it until the guest releases it or the VM stops",
                        vm.name
                    ),
                };
                Ok((state, message, ids))
            }
        }
    }
}

/// One step's result: state, message, details.
type Step = (HotplugState, String, BTreeMap<String, String>);

fn detail<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `add` must raise a count and `remove` lower it (409 otherwise: it
/// depends on the VM's state).
fn check_direction(action: HotplugAction, unit: &str, current: u64, asked: u64) -> Result<()> {
    match action {
        HotplugAction::Add if asked <= current => Err(Error::conflict(format!(
            "the VM has {current} {unit}; add needs a total above that (asked for {asked})"
        ))),
        HotplugAction::Remove if asked >= current => Err(Error::conflict(format!(
            "the VM has {current} {unit}; remove needs a total below that (asked for {asked})"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_per_type() {
        let c = HotplugConfig {
            vcpus: Some(2),
            mac: Some("52:54:00:00:00:01".into()),
            ..Default::default()
        };
        assert_eq!(c.given(), vec!["vcpus", "mac"]);
        assert!(allowed(HotplugResource::Cpu, HotplugAction::Add).contains(&"vcpus"));
        assert!(!allowed(HotplugResource::Cpu, HotplugAction::Add).contains(&"mac"));
        assert!(!allowed(HotplugResource::Disk, HotplugAction::Remove).contains(&"bus"));
        assert!(allowed(HotplugResource::Network, HotplugAction::Add).contains(&"type"));
    }

    #[test]
    fn usb_ids_with_or_without_0x() {
        assert_eq!(usb_id("vendor_id", "0x046d").unwrap(), 0x046d);
        assert_eq!(usb_id("vendor_id", "046D").unwrap(), 0x046d);
        for bad in ["46d", "0x46d", "0x046d1", "zzzz", ""] {
            assert!(usb_id("vendor_id", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn targets_fit_their_bus() {
        check_target("vdb", DiskBus::Virtio).unwrap();
        check_target("sdaa", DiskBus::Scsi).unwrap();
        assert!(check_target("sdb", DiskBus::Virtio).is_err());
        assert!(check_target("vd", DiskBus::Virtio).is_err());
    }

    #[test]
    fn directions() {
        check_direction(HotplugAction::Add, "vCPUs", 1, 2).unwrap();
        check_direction(HotplugAction::Remove, "vCPUs", 2, 1).unwrap();
        assert!(check_direction(HotplugAction::Add, "vCPUs", 2, 2).is_err());
        assert!(check_direction(HotplugAction::Remove, "vCPUs", 2, 3).is_err());
    }
}
