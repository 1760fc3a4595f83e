//! VM templates: named sizing presets (minimum and recommended memory, vCPUs
//! and disk, bus, NIC model, firmware features) kept in SQLite, and VMs made
//! from them through the ordinary create path.

use vapor_hypervisor::{DiskBus, Domain, Firmware, InterfaceKind};

use super::{
    CloudInit, DiskRequest, DiskSource, GraphicsRequest, NicRequest, Vapor, VmCreateEnhanced,
};
use crate::db::now;
use crate::error::{Error, Result};
use crate::etag::{self, IfMatch};
use crate::template_store::{TemplateFeatures, TemplateRow};

pub const OS_TYPES: &[&str] = &["linux", "windows", "bsd", "other"];
pub const DISK_BUSES: &[&str] = &["virtio", "scsi", "sata", "ide"];
pub const NIC_MODELS: &[&str] = &["virtio", "e1000", "e1000e", "rtl8139"];

/// Memory limits (MiB): a template's minimum, its recommended value, and any VM.
const MIN_MEMORY_FLOOR: u64 = 128;
const RECOMMENDED_MEMORY_FLOOR: u64 = 256;
const MAX_MEMORY_MIB: u64 = 4_194_304;
const MAX_VCPUS: u32 = 256;
const MAX_DISK_GIB: u64 = 65_536;

/// Defaults of the spec for omitted sizes: (minimum, recommended).
const DEFAULT_MEMORY_MIB: (u64, u64) = (512, 2048);
const DEFAULT_VCPUS: (u32, u32) = (1, 2);
const DEFAULT_DISK_GIB: (u64, u64) = (10, 20);

/// Feature flags as a request gives them: `None` keeps the current (or default) value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeaturesPatch {
    pub uefi: Option<bool>,
    pub secure_boot: Option<bool>,
    pub tpm: Option<bool>,
    pub virtio_drivers: Option<bool>,
}

impl FeaturesPatch {
    fn is_empty(&self) -> bool {
        *self == FeaturesPatch::default()
    }

    fn apply(&self, to: &mut TemplateFeatures) {
        if let Some(v) = self.uefi {
            to.uefi = v;
        }
        if let Some(v) = self.secure_boot {
            to.secure_boot = v;
        }
        if let Some(v) = self.tpm {
            to.tpm = v;
        }
        if let Some(v) = self.virtio_drivers {
            to.virtio_drivers = v;
        }
    }
}

/// `POST /templates`. Enum fields hold the API's values (`linux`, `virtio`, ...).
#[derive(Debug, Clone, Default)]
pub struct TemplateCreate {
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub os_type: String,
    pub os_variant: String,
    pub min_memory_mib: Option<u64>,
    pub recommended_memory_mib: Option<u64>,
    pub min_vcpus: Option<u32>,
    pub recommended_vcpus: Option<u32>,
    pub min_disk_gib: Option<u64>,
    pub recommended_disk_gib: Option<u64>,
    pub disk_bus: Option<String>,
    pub network_model: Option<String>,
    pub features: FeaturesPatch,
    pub cloud_init_support: Option<bool>,
    pub default_user: Option<String>,
    pub icon: Option<String>,
    pub tags: Vec<String>,
    pub is_active: Option<bool>,
}

/// `PUT /templates/{id}`: the fields to change. For `description`,
/// `default_user` and `icon`, an empty string clears the value.
#[derive(Debug, Clone, Default)]
pub struct TemplateUpdate {
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub os_type: Option<String>,
    pub os_variant: Option<String>,
    pub min_memory_mib: Option<u64>,
    pub recommended_memory_mib: Option<u64>,
    pub min_vcpus: Option<u32>,
    pub recommended_vcpus: Option<u32>,
    pub min_disk_gib: Option<u64>,
    pub recommended_disk_gib: Option<u64>,
    pub disk_bus: Option<String>,
    pub network_model: Option<String>,
    pub features: FeaturesPatch,
    pub cloud_init_support: Option<bool>,
    pub default_user: Option<String>,
    pub icon: Option<String>,
    pub tags: Option<Vec<String>>,
    pub is_active: Option<bool>,
}

impl TemplateUpdate {
    fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.description.is_none()
            && self.os_type.is_none()
            && self.os_variant.is_none()
            && self.min_memory_mib.is_none()
            && self.recommended_memory_mib.is_none()
            && self.min_vcpus.is_none()
            && self.recommended_vcpus.is_none()
            && self.min_disk_gib.is_none()
            && self.recommended_disk_gib.is_none()
            && self.disk_bus.is_none()
            && self.network_model.is_none()
            && self.features.is_empty()
            && self.cloud_init_support.is_none()
            && self.default_user.is_none()
            && self.icon.is_none()
            && self.tags.is_none()
            && self.is_active.is_none()
    }
}

/// The network interface of a VM made from a template; `model` defaults to the
/// template's `network_model`.
#[derive(Debug, Clone)]
pub struct TemplateNic {
    pub kind: InterfaceKind,
    pub source: Option<String>,
    pub model: Option<String>,
    pub mac: Option<String>,
}

/// A cloud-config user.
#[derive(Debug, Clone, Default)]
pub struct CloudUser {
    pub name: String,
    pub password: Option<String>,
    pub ssh_keys: Vec<String>,
    pub sudo: Option<String>,
    pub groups: Option<String>,
    pub shell: Option<String>,
}

/// The cloud-init a from-template request asks for, rendered as `#cloud-config`.
#[derive(Debug, Clone, Default)]
pub struct CloudConfig {
    pub users: Vec<CloudUser>,
    pub hostname: Option<String>,
    pub packages: Vec<String>,
    pub runcmd: Vec<String>,
}

impl CloudConfig {
    /// The user-data document. JSON is valid YAML, so the document is written
    /// with a JSON serializer: no user string can change its structure.
    pub fn user_data(&self, default_user: Option<&str>) -> String {
        let mut users: Vec<serde_json::Value> = self
            .users
            .iter()
            .map(|u| {
                let mut user = serde_json::json!({ "name": u.name });
                if let Some(p) = &u.password {
                    user["plain_text_passwd"] = p.clone().into();
                    user["lock_passwd"] = false.into();
                }
                if !u.ssh_keys.is_empty() {
                    user["ssh_authorized_keys"] = u.ssh_keys.clone().into();
                }
                for (key, value) in [
                    ("sudo", &u.sudo),
                    ("groups", &u.groups),
                    ("shell", &u.shell),
                ] {
                    if let Some(v) = value {
                        user[key] = v.clone().into();
                    }
                }
                user
            })
            .collect();
        if users.is_empty() {
            if let Some(name) = default_user {
                users.push(serde_json::json!({
                    "name": name, "sudo": "ALL=(ALL) NOPASSWD:ALL", "shell": "/bin/bash"
                }));
            }
        }
        let mut doc = serde_json::Map::new();
        if let Some(h) = &self.hostname {
            doc.insert("hostname".into(), h.clone().into());
        }
        if !users.is_empty() {
            doc.insert("users".into(), users.into());
        }
        if !self.packages.is_empty() {
            doc.insert("packages".into(), self.packages.clone().into());
        }
        if !self.runcmd.is_empty() {
            doc.insert("runcmd".into(), self.runcmd.clone().into());
        }
        format!("#cloud-config\n{}\n", serde_json::Value::Object(doc))
    }
}

/// `POST /virtualmachines/from-template`, in Vapor's units.
#[derive(Debug, Clone)]
pub struct VmFromTemplate {
    pub template_id: i64,
    pub name: String,
    pub memory_mib: Option<u64>,
    pub vcpus: Option<u32>,
    pub disk_size_gib: Option<u64>,
    pub storage_pool: Option<String>,
    /// `None`: one interface on the `default` libvirt network.
    pub network: Option<TemplateNic>,
    /// `None`: one VNC display on 127.0.0.1. `Some(vec![])`: no display.
    pub graphics: Option<Vec<GraphicsRequest>>,
    /// Users, hostname, packages and commands for cloud-init.
    pub cloud_init: Option<CloudConfig>,
    /// The user's key-value pairs for the VM (`metadata` on the wire).
    pub labels: std::collections::BTreeMap<String, String>,
}

impl Vapor {
    pub fn list_templates(&self) -> Result<Vec<TemplateRow>> {
        self.db.templates()
    }

    pub fn get_template(&self, id: i64) -> Result<TemplateRow> {
        self.db.template(id)
    }

    pub fn create_template(&self, req: TemplateCreate) -> Result<TemplateRow> {
        let row = new_template(req)?;
        self.db.insert_template(&row)
    }

    pub fn update_template(
        &self,
        id: i64,
        req: TemplateUpdate,
        precondition: Option<&IfMatch>,
    ) -> Result<TemplateRow> {
        if req.is_empty() {
            return Err(Error::InvalidRequest {
                field: None,
                message: "nothing to change: give at least one field".into(),
            });
        }
        self.db.update_template(id, move |t| {
            etag::check(precondition, "template", &id.to_string(), &etag::of(t))?;
            apply_update(t, req)
        })
    }

    pub fn delete_template(&self, id: i64, precondition: Option<&IfMatch>) -> Result<()> {
        self.db.delete_template(id, |t| {
            etag::check(precondition, "template", &id.to_string(), &etag::of(t))
        })
    }

    /// Creates a VM sized by a template through [`Vapor::create_vm`]: each size is
    /// the request's value, else the template's recommended one, and never below
    /// the template's minimum. The VM is recorded as made from the template.
    pub async fn create_vm_from_template(&self, req: VmFromTemplate) -> Result<Domain> {
        let t = self.db.template(req.template_id)?;
        let create = plan_vm(&t, req)?;
        let vm = self.create_vm_enhanced(create).await?;
        // The VM exists now; a failure to record its origin must not fail the request.
        if let Err(e) = self.db.record_vm_template(&vm.uuid, &vm.name, t.id) {
            tracing::error!(vm = %vm.name, template = t.id, error = %e, "could not record the VM's template");
        }
        Ok(vm)
    }
}

/// A new template from a create request: defaults filled in, validated.
fn new_template(req: TemplateCreate) -> Result<TemplateRow> {
    let (min_memory_mib, recommended_memory_mib) = with_defaults(
        req.min_memory_mib,
        req.recommended_memory_mib,
        DEFAULT_MEMORY_MIB,
    );
    let (min_vcpus, recommended_vcpus) =
        with_defaults(req.min_vcpus, req.recommended_vcpus, DEFAULT_VCPUS);
    let (min_disk_gib, recommended_disk_gib) =
        with_defaults(req.min_disk_gib, req.recommended_disk_gib, DEFAULT_DISK_GIB);
    let mut features = TemplateFeatures::default();
    req.features.apply(&mut features);
    let ts = now();
    let row = TemplateRow {
        id: 0,
        name: req.name,
        display_name: req.display_name,
        description: non_empty(req.description),
        os_type: req.os_type,
        os_variant: req.os_variant,
        min_memory_mib,
        recommended_memory_mib,
        min_vcpus,
        recommended_vcpus,
        min_disk_gib,
        recommended_disk_gib,
        disk_bus: req.disk_bus.unwrap_or_else(|| "virtio".into()),
        network_model: req.network_model.unwrap_or_else(|| "virtio".into()),
        features,
        cloud_init_support: req.cloud_init_support.unwrap_or(false),
        default_user: non_empty(req.default_user),
        icon: non_empty(req.icon),
        tags: req.tags,
        is_active: req.is_active.unwrap_or(true),
        created_at: ts.clone(),
        updated_at: ts,
    };
    validate_name(&row.name)?;
    validate_template(&row)?;
    Ok(row)
}

/// Applies an update to the stored template and checks the result as a whole.
fn apply_update(t: &mut TemplateRow, req: TemplateUpdate) -> Result<()> {
    if let Some(v) = req.display_name {
        t.display_name = v;
    }
    if let Some(v) = req.description {
        t.description = non_empty(Some(v));
    }
    if let Some(v) = req.os_type {
        t.os_type = v;
    }
    if let Some(v) = req.os_variant {
        t.os_variant = v;
    }
    set(&mut t.min_memory_mib, req.min_memory_mib);
    set(&mut t.recommended_memory_mib, req.recommended_memory_mib);
    set(&mut t.min_vcpus, req.min_vcpus);
    set(&mut t.recommended_vcpus, req.recommended_vcpus);
    set(&mut t.min_disk_gib, req.min_disk_gib);
    set(&mut t.recommended_disk_gib, req.recommended_disk_gib);
    if let Some(v) = req.disk_bus {
        t.disk_bus = v;
    }
    if let Some(v) = req.network_model {
        t.network_model = v;
    }
    req.features.apply(&mut t.features);
    set(&mut t.cloud_init_support, req.cloud_init_support);
    if let Some(v) = req.default_user {
        t.default_user = non_empty(Some(v));
    }
    if let Some(v) = req.icon {
        t.icon = non_empty(Some(v));
    }
    if let Some(v) = req.tags {
        t.tags = v;
    }
    set(&mut t.is_active, req.is_active);
    validate_template(t)
}

/// The VM a template and a from-template request describe.
/// The disk bus a template asks for.
fn template_bus(t: &TemplateRow) -> DiskBus {
    match t.disk_bus.as_str() {
        "sata" => DiskBus::Sata,
        "scsi" => DiskBus::Scsi,
        "ide" => DiskBus::Ide,
        _ => DiskBus::Virtio,
    }
}

fn ensure_active(t: &TemplateRow) -> Result<()> {
    if t.is_active {
        return Ok(());
    }
    Err(Error::conflict(format!(
        "template '{}' is inactive; activate it (is_active: true) to create VMs from it",
        t.name
    )))
}

/// A guest without virtio drivers cannot use a virtio NIC.
fn check_nic_model(t: &TemplateRow, field: &'static str, model: &str) -> Result<()> {
    if !t.features.virtio_drivers && model == "virtio" {
        return Err(Error::invalid(
            field,
            format!(
                "template '{}' says its guests have no virtio drivers (virtio_drivers: false), so the NIC model cannot be virtio",
                t.name
            ),
        ));
    }
    Ok(())
}

/// Which parts of an enhanced create request the client left to a template.
#[derive(Debug, Clone, Default)]
pub struct TemplateGaps {
    /// No `features` object was given.
    pub features: bool,
    /// For each disk, whether its `bus` was left out.
    pub disk_bus: Vec<bool>,
    /// For each NIC, whether its `model` was left out.
    pub nic_model: Vec<bool>,
}

impl Vapor {
    /// Creates a VM from an enhanced create request that names a template
    /// (by id or name): the template fills what the request left out
    /// (features, disk bus, NIC model), its minimums bound memory, vCPUs and
    /// new disks (400 naming the field), and the VM is recorded as made from it.
    pub async fn create_vm_enhanced_with_template(
        &self,
        mut req: VmCreateEnhanced,
        maximums: super::Maximums,
        template: &str,
        gaps: TemplateGaps,
    ) -> Result<Domain> {
        let t = match template.parse::<i64>() {
            Ok(id) => self.db.template(id)?,
            Err(_) => self
                .db
                .templates()?
                .into_iter()
                .find(|t| t.name == template)
                .ok_or_else(|| Error::NotFound {
                    kind: "template",
                    id: template.to_owned(),
                })?,
        };
        ensure_active(&t)?;
        if gaps.features {
            req.firmware = if t.features.uefi {
                Firmware::Efi {
                    secure_boot: t.features.secure_boot,
                }
            } else {
                Firmware::Bios
            };
            req.tpm = t.features.tpm;
        }
        for (disk, left_out) in req.disks.iter_mut().zip(gaps.disk_bus.iter()) {
            if *left_out {
                disk.bus = template_bus(&t);
            }
        }
        for (nic, left_out) in req.networks.iter_mut().zip(gaps.nic_model.iter()) {
            if *left_out {
                nic.model = t.network_model.clone();
            }
            check_nic_model(&t, "networks", &nic.model)?;
        }
        resolve(
            "memory",
            "MiB",
            Some(req.memory_mib),
            t.min_memory_mib,
            None,
        )?;
        resolve(
            "vcpus",
            "",
            Some(u64::from(req.vcpus)),
            u64::from(t.min_vcpus),
            None,
        )?;
        for disk in &req.disks {
            if let DiskSource::Create { size_gib } = disk.source {
                resolve("disks", "GiB", Some(size_gib), t.min_disk_gib, None)?;
            }
        }
        let vm = self.create_vm_with_maximums(req, maximums).await?;
        if let Err(e) = self.db.record_vm_template(&vm.uuid, &vm.name, t.id) {
            tracing::error!(vm = %vm.name, template = t.id, error = %e, "could not record the VM's template");
        }
        Ok(vm)
    }
}

fn plan_vm(t: &TemplateRow, req: VmFromTemplate) -> Result<VmCreateEnhanced> {
    ensure_active(t)?;
    let memory_mib = resolve(
        "memory",
        "MiB",
        req.memory_mib,
        t.min_memory_mib,
        Some(t.recommended_memory_mib),
    )?;
    let vcpus = resolve(
        "vcpus",
        "",
        req.vcpus.map(u64::from),
        u64::from(t.min_vcpus),
        Some(u64::from(t.recommended_vcpus)),
    )?;
    let disk_size_gib = resolve(
        "disk_size",
        "GiB",
        req.disk_size_gib,
        t.min_disk_gib,
        Some(t.recommended_disk_gib),
    )?;
    let network = match req.network {
        Some(nic) => NicRequest {
            kind: nic.kind,
            source: nic.source,
            model: nic.model.unwrap_or_else(|| t.network_model.clone()),
            mac: nic.mac,
        },
        None => NicRequest {
            kind: InterfaceKind::Network,
            source: Some("default".into()),
            model: t.network_model.clone(),
            mac: None,
        },
    };
    check_nic_model(t, "network", &network.model)?;
    let bus = template_bus(t);
    let cloud_init = req.cloud_init.map(|c| CloudInit {
        user_data: Some(c.user_data(t.default_user.as_deref().filter(|_| t.cloud_init_support))),
        meta_data: None,
        network_config: None,
    });
    Ok(VmCreateEnhanced {
        name: req.name,
        memory_mib,
        vcpus: u32::try_from(vcpus).map_err(|_| Error::invalid("vcpus", "too many vCPUs"))?,
        disks: vec![DiskRequest {
            source: DiskSource::Create {
                size_gib: disk_size_gib,
            },
            format: None,
            bus,
            cache: None,
            target: None,
            readonly: false,
        }],
        iso_path: None,
        storage_pool: req.storage_pool.unwrap_or_else(|| "default".into()),
        networks: vec![network],
        graphics: req.graphics,
        cloud_init,
        firmware: if t.features.uefi {
            Firmware::Efi {
                secure_boot: t.features.secure_boot,
            }
        } else {
            Firmware::Bios
        },
        tpm: t.features.tpm,
        pci_devices: Vec::new(),
        autostart: false,
        start: false,
        labels: req.labels,
    })
}

/// The sizing rule of VMs made from templates: the requested value overrides,
/// else the recommended value, else the minimum. A requested value below the
/// minimum is refused, naming `field`.
pub fn resolve(
    field: &'static str,
    unit: &str,
    requested: Option<u64>,
    minimum: u64,
    recommended: Option<u64>,
) -> Result<u64> {
    match requested {
        Some(v) if v < minimum => {
            let unit = if unit.is_empty() {
                String::new()
            } else {
                format!(" {unit}")
            };
            Err(Error::invalid(
                field,
                format!("{field} {v}{unit} is below the template's minimum of {minimum}{unit}"),
            ))
        }
        Some(v) => Ok(v),
        None => Ok(recommended.unwrap_or(minimum).max(minimum)),
    }
}

/// Fills omitted sizes with the spec's defaults, moved so that an explicit
/// value alone never contradicts a default: an omitted recommended value is at
/// least the given minimum, an omitted minimum at most the given recommended one.
fn with_defaults<T: Copy + Ord>(min: Option<T>, recommended: Option<T>, default: (T, T)) -> (T, T) {
    match (min, recommended) {
        (Some(m), Some(r)) => (m, r),
        (Some(m), None) => (m, default.1.max(m)),
        (None, Some(r)) => (default.0.min(r), r),
        (None, None) => default,
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// Template names: `^[a-z0-9][a-z0-9._-]*$`, at most 64 characters.
fn validate_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = name.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            format!("'{name}' is not a valid template name: 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ))
    }
}

fn check_len(field: &'static str, value: &str, min: usize, max: usize) -> Result<()> {
    let n = value.chars().count();
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{field} must be {min} to {max} characters long"),
        ))
    }
}

fn check_one_of(field: &'static str, value: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "{field} must be one of {}, not '{value}'",
                allowed.join(", ")
            ),
        ))
    }
}

fn check_range(field: &'static str, value: u64, min: u64, max: u64, unit: &str) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{field} must be from {min} to {max}{unit}"),
        ))
    }
}

fn check_order(min_field: &'static str, min: u64, rec_field: &str, rec: u64) -> Result<()> {
    if min <= rec {
        Ok(())
    } else {
        Err(Error::invalid(
            min_field,
            format!("{min_field} ({min}) must not be above {rec_field} ({rec})"),
        ))
    }
}

/// Everything a stored template must satisfy (the name is checked on create only).
fn validate_template(t: &TemplateRow) -> Result<()> {
    check_len("display_name", &t.display_name, 1, 255)?;
    if !t.features.virtio_drivers {
        // A guest without virtio drivers would find neither its disk nor its NIC.
        if t.disk_bus == "virtio" {
            return Err(Error::invalid(
                "disk_bus",
                "disk_bus cannot be virtio when features.virtio_drivers is false",
            ));
        }
        if t.network_model == "virtio" {
            return Err(Error::invalid(
                "network_model",
                "network_model cannot be virtio when features.virtio_drivers is false",
            ));
        }
    }
    if let Some(d) = &t.description {
        check_len("description", d, 0, 1024)?;
    }
    check_one_of("os_type", &t.os_type, OS_TYPES)?;
    check_len("os_variant", &t.os_variant, 1, 64)?;
    check_range(
        "min_memory",
        t.min_memory_mib,
        MIN_MEMORY_FLOOR,
        MAX_MEMORY_MIB,
        " MiB",
    )?;
    check_range(
        "recommended_memory",
        t.recommended_memory_mib,
        RECOMMENDED_MEMORY_FLOOR,
        MAX_MEMORY_MIB,
        " MiB",
    )?;
    check_range("min_vcpus", t.min_vcpus.into(), 1, MAX_VCPUS.into(), "")?;
    check_range(
        "recommended_vcpus",
        t.recommended_vcpus.into(),
        1,
        MAX_VCPUS.into(),
        "",
    )?;
    check_range("min_disk", t.min_disk_gib, 1, MAX_DISK_GIB, " GiB")?;
    check_range(
        "recommended_disk",
        t.recommended_disk_gib,
        1,
        MAX_DISK_GIB,
        " GiB",
    )?;
    check_order(
        "min_memory",
        t.min_memory_mib,
        "recommended_memory",
        t.recommended_memory_mib,
    )?;
    check_order(
        "min_vcpus",
        t.min_vcpus.into(),
        "recommended_vcpus",
        t.recommended_vcpus.into(),
    )?;
    check_order(
        "min_disk",
        t.min_disk_gib,
        "recommended_disk",
        t.recommended_disk_gib,
    )?;
    check_one_of("disk_bus", &t.disk_bus, DISK_BUSES)?;
    check_one_of("network_model", &t.network_model, NIC_MODELS)?;
    if t.features.secure_boot && !t.features.uefi {
        return Err(Error::invalid("features", "secure_boot needs uefi"));
    }
    if let Some(u) = &t.default_user {
        check_len("default_user", u, 0, 64)?;
    }
    if let Some(i) = &t.icon {
        check_len("icon", i, 0, 255)?;
    }
    if t.tags.len() > 32 {
        return Err(Error::invalid("tags", "at most 32 tags"));
    }
    for (i, tag) in t.tags.iter().enumerate() {
        check_len("tags", tag, 1, 64)?;
        if t.tags[..i].contains(tag) {
            return Err(Error::invalid(
                "tags",
                format!("tag '{tag}' is given twice"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_value_overrides_recommended_and_minimum() {
        assert_eq!(
            resolve("memory", "MiB", Some(4096), 512, Some(2048)).unwrap(),
            4096
        );
        // Equal to the minimum is allowed, even below the recommended value.
        assert_eq!(
            resolve("memory", "MiB", Some(512), 512, Some(2048)).unwrap(),
            512
        );
    }

    #[test]
    fn recommended_value_is_used_when_none_is_requested() {
        assert_eq!(resolve("vcpus", "", None, 1, Some(2)).unwrap(), 2);
    }

    #[test]
    fn minimum_is_used_without_request_or_recommendation() {
        assert_eq!(resolve("disk_size", "GiB", None, 10, None).unwrap(), 10);
        // A recommendation below the minimum never wins.
        assert_eq!(resolve("disk_size", "GiB", None, 10, Some(5)).unwrap(), 10);
    }

    #[test]
    fn a_request_below_the_minimum_is_refused_naming_the_field() {
        let err = resolve("disk_size", "GiB", Some(5), 10, Some(20)).unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert_eq!(err.details()["field"], "disk_size");
        assert_eq!(
            err.to_string(),
            "disk_size 5 GiB is below the template's minimum of 10 GiB"
        );
        let err = resolve("vcpus", "", Some(1), 2, Some(4)).unwrap_err();
        assert_eq!(err.details()["field"], "vcpus");
        assert_eq!(
            err.to_string(),
            "vcpus 1 is below the template's minimum of 2"
        );
    }

    #[test]
    fn defaults_follow_explicit_sizes() {
        assert_eq!(with_defaults(None, None, (512, 2048)), (512, 2048));
        assert_eq!(with_defaults(Some(4096), None, (512, 2048)), (4096, 4096));
        assert_eq!(with_defaults(Some(256), None, (512, 2048)), (256, 2048));
        assert_eq!(with_defaults(None, Some(256), (512, 2048)), (256, 256));
        assert_eq!(with_defaults(None, Some(8192), (512, 2048)), (512, 8192));
        assert_eq!(with_defaults(Some(8), Some(4), (1, 2)), (8, 4));
    }

    #[test]
    fn names() {
        for ok in ["ubuntu-24.04", "a", "win_11", "0", &"x".repeat(64)] {
            validate_name(ok).unwrap();
        }
        for bad in ["", "Ubuntu", "-x", ".x", "a b", "a/b", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    fn create(name: &str) -> TemplateCreate {
        TemplateCreate {
            name: name.into(),
            display_name: "Debian 12".into(),
            os_type: "linux".into(),
            os_variant: "debian12".into(),
            ..TemplateCreate::default()
        }
    }

    fn field(r: Result<impl std::fmt::Debug>) -> serde_json::Value {
        r.unwrap_err().details()["field"].clone()
    }

    #[test]
    fn create_applies_defaults_and_validates() {
        let t = new_template(create("debian")).unwrap();
        assert_eq!((t.min_memory_mib, t.recommended_memory_mib), (512, 2048));
        assert_eq!((t.min_vcpus, t.recommended_vcpus), (1, 2));
        assert_eq!((t.min_disk_gib, t.recommended_disk_gib), (10, 20));
        assert_eq!(
            (t.disk_bus.as_str(), t.network_model.as_str()),
            ("virtio", "virtio")
        );
        assert_eq!(t.features, TemplateFeatures::default());
        assert!(t.is_active);
        assert!(!t.cloud_init_support);

        let mut bad = create("x");
        bad.min_vcpus = Some(4);
        bad.recommended_vcpus = Some(2);
        assert_eq!(field(new_template(bad)), "min_vcpus");
        let mut bad = create("x");
        bad.min_memory_mib = Some(100);
        assert_eq!(field(new_template(bad)), "min_memory");
        let mut bad = create("x");
        bad.os_type = "plan9".into();
        assert_eq!(field(new_template(bad)), "os_type");
        let mut bad = create("x");
        bad.network_model = Some("ne2k".into());
        assert_eq!(field(new_template(bad)), "network_model");
        let mut bad = create("x");
        bad.features.secure_boot = Some(true);
        assert_eq!(field(new_template(bad)), "features");
        let mut bad = create("x");
        bad.tags = vec!["a".into(), "a".into()];
        assert_eq!(field(new_template(bad)), "tags");
        let mut bad = create("x");
        bad.tags = vec![String::new()];
        assert_eq!(field(new_template(bad)), "tags");
        let mut bad = create("x");
        bad.os_variant = String::new();
        assert_eq!(field(new_template(bad)), "os_variant");
        assert_eq!(field(new_template(create("Bad"))), "name");
    }

    #[test]
    fn update_is_checked_against_the_stored_values() {
        let stored = new_template(create("debian")).unwrap();
        let mut t = stored.clone();
        let only_min = TemplateUpdate {
            min_disk_gib: Some(30),
            ..TemplateUpdate::default()
        };
        assert_eq!(field(apply_update(&mut t, only_min)), "min_disk");
        assert!(TemplateUpdate::default().is_empty());
        let mut t = stored.clone();
        apply_update(
            &mut t,
            TemplateUpdate {
                min_disk_gib: Some(30),
                recommended_disk_gib: Some(40),
                description: Some(String::new()),
                os_variant: Some("debian13".into()),
                features: FeaturesPatch {
                    tpm: Some(true),
                    ..FeaturesPatch::default()
                },
                ..TemplateUpdate::default()
            },
        )
        .unwrap();
        assert_eq!((t.min_disk_gib, t.recommended_disk_gib), (30, 40));
        assert_eq!(t.description, None, "an empty string clears");
        assert_eq!(t.os_variant, "debian13");
        assert!(t.features.tpm && t.features.virtio_drivers);
        assert_eq!(t.name, stored.name);
    }

    fn from() -> VmFromTemplate {
        VmFromTemplate {
            template_id: 1,
            name: "from-t".into(),
            memory_mib: None,
            vcpus: None,
            disk_size_gib: None,
            storage_pool: None,
            network: None,
            graphics: None,
            cloud_init: None,
            labels: Default::default(),
        }
    }

    fn disk_size(vm: &VmCreateEnhanced) -> Option<u64> {
        match vm.disks.first().map(|d| &d.source) {
            Some(DiskSource::Create { size_gib }) => Some(*size_gib),
            _ => None,
        }
    }

    #[test]
    fn a_plan_uses_recommended_sizes_and_the_templates_nic_model() {
        let mut c = create("debian");
        c.network_model = Some("e1000".into());
        let t = new_template(c).unwrap();
        let vm = plan_vm(&t, from()).unwrap();
        assert_eq!(
            (vm.memory_mib, vm.vcpus, disk_size(&vm)),
            (2048, 2, Some(20))
        );
        assert_eq!(vm.storage_pool, "default");
        let nic = &vm.networks[0];
        assert_eq!(nic.kind, InterfaceKind::Network);
        assert_eq!(nic.source.as_deref(), Some("default"));
        assert_eq!(nic.model, "e1000");
        assert!(!vm.autostart);

        let mut req = from();
        req.memory_mib = Some(1024);
        req.vcpus = Some(1);
        req.disk_size_gib = Some(15);
        req.network = Some(TemplateNic {
            kind: InterfaceKind::User,
            source: None,
            model: Some("rtl8139".into()),
            mac: None,
        });
        let vm = plan_vm(&t, req).unwrap();
        assert_eq!(
            (vm.memory_mib, vm.vcpus, disk_size(&vm)),
            (1024, 1, Some(15))
        );
        assert_eq!(vm.networks[0].model, "rtl8139");

        let mut req = from();
        req.memory_mib = Some(256);
        assert_eq!(field(plan_vm(&t, req)), "memory");
    }

    #[test]
    fn inactive_templates_are_refused_and_features_carried() {
        let mut c = create("off");
        c.is_active = Some(false);
        let t = new_template(c).unwrap();
        assert_eq!(plan_vm(&t, from()).unwrap_err().http_status(), 409);

        let mut t = new_template(create("t")).unwrap();
        let patch = TemplateUpdate {
            features: FeaturesPatch {
                uefi: Some(true),
                secure_boot: Some(true),
                tpm: Some(true),
                ..FeaturesPatch::default()
            },
            disk_bus: Some("sata".into()),
            ..TemplateUpdate::default()
        };
        apply_update(&mut t, patch).unwrap();
        let vm = plan_vm(&t, from()).unwrap();
        assert_eq!(vm.firmware, Firmware::Efi { secure_boot: true });
        assert!(vm.tpm);
        assert_eq!(vm.disks[0].bus, DiskBus::Sata);
    }

    #[test]
    fn cloud_config_is_json_and_adds_the_default_user_only_without_users() {
        let config = CloudConfig {
            users: vec![],
            hostname: Some("web\"\nruncmd: [evil]".into()),
            packages: vec!["nginx".into()],
            runcmd: vec![],
        };
        let doc = config.user_data(Some("debian"));
        let (head, body) = doc.split_once('\n').unwrap();
        assert_eq!(head, "#cloud-config");
        let parsed: serde_json::Value = serde_json::from_str(body.trim()).unwrap();
        assert_eq!(
            parsed["hostname"], "web\"\nruncmd: [evil]",
            "a value stays one value"
        );
        assert_eq!(parsed["users"][0]["name"], "debian");
        assert_eq!(parsed["packages"][0], "nginx");
        assert!(parsed.get("runcmd").is_none());
        let with_user = CloudConfig {
            users: vec![CloudUser {
                name: "ops".into(),
                ..CloudUser::default()
            }],
            ..config
        };
        let parsed: serde_json::Value = serde_json::from_str(
            with_user
                .user_data(Some("debian"))
                .split_once('\n')
                .unwrap()
                .1
                .trim(),
        )
        .unwrap();
        assert_eq!(parsed["users"].as_array().unwrap().len(), 1);
        assert_eq!(parsed["users"][0]["name"], "ops");
    }
}
