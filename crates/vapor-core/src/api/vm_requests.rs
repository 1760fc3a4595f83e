//! Create requests, from wire models to application input.

use vapor_api::models;
use vapor_hypervisor::{DiskBus, DiskCache, DiskFormat, Firmware, GraphicsKind, InterfaceKind};

use crate::app::{
    CloudInit, DiskRequest, DiskSource, GraphicsRequest, Maximums, NicRequest, TemplateGaps,
    VmCreate, VmCreateEnhanced,
};
use crate::error::Error;

pub fn vm_create(body: &models::VmCreateRequest) -> Result<VmCreateEnhanced, Error> {
    let basic = VmCreate {
        name: body.name.clone(),
        memory_mib: body.memory,
        vcpus: u32::from(body.vcpus),
        disk_size_gib: body.disk_size,
        disk_path: body.disk_path.clone(),
        iso_path: body.iso_path.clone(),
        storage_pool: body
            .storage_pool
            .clone()
            .unwrap_or_else(|| "default".into()),
        network: body.network.as_ref().map(nic),
        graphics: graphics(body.graphics.as_deref())?,
        autostart: body.autostart.unwrap_or(false),
    };
    let mut enhanced = basic.into_enhanced()?;
    enhanced.cloud_init = body.cloud_init.as_ref().map(cloud_init);
    Ok(enhanced)
}

/// What an enhanced create request leaves to its template. A request that
/// says its guest has no virtio drivers leaves no bus or model to it: its
/// own defaults (sata, e1000) hold.
pub fn template_gaps(body: &models::VmCreateEnhancedRequest) -> TemplateGaps {
    let virtio = body
        .features
        .as_ref()
        .and_then(|f| f.virtio_drivers)
        .unwrap_or(true);
    TemplateGaps {
        features: body.features.is_none(),
        disk_bus: body
            .disks
            .iter()
            .flatten()
            .map(|d| virtio && d.bus.is_none())
            .collect(),
        nic_model: body
            .networks
            .iter()
            .flatten()
            .map(|n| virtio && n.model.is_none())
            .collect(),
    }
}

/// The room for hotplug a create request asks for.
pub fn maximums(max_vcpus: Option<u16>, max_memory: Option<u64>) -> Maximums {
    Maximums {
        vcpus: max_vcpus.map(u32::from),
        memory_mib: max_memory,
    }
}

pub fn vm_create_enhanced(
    body: &models::VmCreateEnhancedRequest,
) -> Result<VmCreateEnhanced, Error> {
    let feature = |pick: fn(&models::VmFeatures) -> Option<bool>| {
        body.features.as_ref().and_then(pick).unwrap_or(false)
    };
    let uefi = feature(|f| f.uefi);
    let secure_boot = feature(|f| f.secure_boot);
    if secure_boot && !uefi {
        return Err(Error::invalid("features", "secure_boot needs uefi"));
    }
    // A guest without virtio drivers gets devices it can drive: disks
    // without a bus on sata, NICs without a model as e1000.
    let virtio = body
        .features
        .as_ref()
        .and_then(|f| f.virtio_drivers)
        .unwrap_or(true);
    let (default_bus, default_model) = if virtio {
        (models::DiskBus::Virtio, models::NicModel::Virtio)
    } else {
        (models::DiskBus::Sata, models::NicModel::E1000)
    };
    let disks = body
        .disks
        .iter()
        .flatten()
        .enumerate()
        .map(|(index, d)| disk(index, d, default_bus))
        .collect::<Result<Vec<_>, _>>()?;
    // The pool is where new volumes go; a request that makes none would
    // have it ignored.
    let makes_volumes = disks.iter().any(|d| {
        matches!(
            d.source,
            DiskSource::Create { .. } | DiskSource::Clone { .. }
        )
    });
    if body.storage_pool.is_some() && !makes_volumes {
        return Err(Error::invalid(
            "storage_pool",
            "storage_pool is where new and cloned disks go, and this request makes none",
        ));
    }
    Ok(VmCreateEnhanced {
        name: body.name.clone(),
        memory_mib: body.memory,
        vcpus: u32::from(body.vcpus),
        disks,
        iso_path: body.iso_path.clone(),
        storage_pool: body
            .storage_pool
            .clone()
            .unwrap_or_else(|| "default".into()),
        networks: body
            .networks
            .iter()
            .flatten()
            .map(|n| nic_with_default(n, default_model))
            .collect(),
        graphics: graphics(body.graphics.as_deref())?,
        cloud_init: body.cloud_init.as_ref().map(cloud_init),
        firmware: if uefi {
            Firmware::Efi { secure_boot }
        } else {
            Firmware::Bios
        },
        tpm: feature(|f| f.tpm),
        pci_devices: body.pci_devices.clone().unwrap_or_default(),
        autostart: body.autostart.unwrap_or(false),
        start: body.start.unwrap_or(false),
        labels: body
            .metadata
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    })
}

fn disk(
    index: usize,
    d: &models::DiskCreateConfig,
    default_bus: models::DiskBus,
) -> Result<DiskRequest, Error> {
    // Each action takes one of size, path and source_path; the others would
    // be silently ignored, so they are refused.
    let action = d.action.to_string();
    let misplaced = [
        (
            "size",
            "disks[].size",
            d.size.is_some(),
            models::DiskAction::Create,
        ),
        (
            "path",
            "disks[].path",
            d.path.is_some(),
            models::DiskAction::Existing,
        ),
        (
            "source_path",
            "disks[].source_path",
            d.source_path.is_some(),
            models::DiskAction::Clone,
        ),
    ];
    for (name, field, given, owner) in misplaced {
        if given && d.action != owner {
            return Err(Error::invalid(
                field,
                format!("disks[{index}].{name} is only for action {owner}, not {action}"),
            ));
        }
    }
    let source = match d.action {
        models::DiskAction::Create => DiskSource::Create {
            size_gib: d
                .size
                .ok_or_else(|| Error::invalid("disks", "a disk to create needs size (GiB)"))?,
        },
        models::DiskAction::Existing => DiskSource::Existing {
            path: d
                .path
                .clone()
                .ok_or_else(|| Error::invalid("disks", "an existing disk needs path"))?,
        },
        models::DiskAction::Clone => DiskSource::Clone {
            source_path: d
                .source_path
                .clone()
                .ok_or_else(|| Error::invalid("disks", "a disk to clone needs source_path"))?,
        },
    };
    Ok(DiskRequest {
        source,
        format: d.format.map(|f| match f {
            models::DiskFormat::Qcow2 => DiskFormat::Qcow2,
            models::DiskFormat::Raw => DiskFormat::Raw,
        }),
        bus: match d.bus.unwrap_or(default_bus) {
            models::DiskBus::Virtio => DiskBus::Virtio,
            models::DiskBus::Scsi => DiskBus::Scsi,
            models::DiskBus::Sata => DiskBus::Sata,
            models::DiskBus::Ide => DiskBus::Ide,
        },
        cache: d.cache.map(|c| match c {
            models::DiskCache::None => DiskCache::None,
            models::DiskCache::Writethrough => DiskCache::Writethrough,
            models::DiskCache::Writeback => DiskCache::Writeback,
            models::DiskCache::Directsync => DiskCache::Directsync,
            models::DiskCache::Unsafe => DiskCache::Unsafe,
        }),
        target: d.target.clone(),
        readonly: d.readonly.unwrap_or(false),
    })
}

fn nic(n: &models::NetworkAttachment) -> NicRequest {
    nic_with_default(n, models::NicModel::Virtio)
}

/// A NIC; `default_model` when the attachment names none.
fn nic_with_default(n: &models::NetworkAttachment, default_model: models::NicModel) -> NicRequest {
    NicRequest {
        kind: match n.r_type.unwrap_or(models::NetworkType::Network) {
            models::NetworkType::Network => InterfaceKind::Network,
            models::NetworkType::Bridge => InterfaceKind::Bridge,
            models::NetworkType::Direct => InterfaceKind::Direct,
            models::NetworkType::User => InterfaceKind::User,
        },
        source: n.source.clone(),
        model: n.model.unwrap_or(default_model).to_string(),
        mac: n.mac.clone(),
    }
}

fn cloud_init(c: &models::CloudInitConfig) -> CloudInit {
    CloudInit {
        user_data: c.user_data.clone(),
        meta_data: c.meta_data.clone(),
        network_config: c.network_config.clone(),
    }
}

/// `None` when the request names no displays; `type: none` entries give none.
pub(super) fn graphics(
    list: Option<&[models::GraphicsConfig]>,
) -> Result<Option<Vec<GraphicsRequest>>, Error> {
    let Some(list) = list else { return Ok(None) };
    let mut out = Vec::new();
    let none_given = list.iter().any(|g| g.r_type == models::GraphicsType::None);
    for (index, g) in list.iter().enumerate() {
        let kind = match g.r_type {
            models::GraphicsType::Vnc => GraphicsKind::Vnc,
            models::GraphicsType::Spice => GraphicsKind::Spice,
            models::GraphicsType::None => {
                // `none` means no display: a value other than the schema's
                // default would be ignored, so it is refused.
                let set = [
                    ("port", g.port.is_some_and(|p| p != -1)),
                    (
                        "listen",
                        g.listen.as_deref().is_some_and(|l| l != "127.0.0.1"),
                    ),
                    ("password", g.password.is_some()),
                    ("autoport", g.autoport == Some(false)),
                ];
                if let Some((name, _)) = set.iter().find(|(_, given)| *given) {
                    return Err(Error::invalid(
                        "graphics",
                        format!("graphics[{index}] is type none, which takes no {name}"),
                    ));
                }
                continue;
            }
        };
        if none_given {
            return Err(Error::invalid(
                "graphics",
                "type none means no display and cannot be listed with a vnc or spice display",
            ));
        }
        let autoport = g.autoport.unwrap_or(true);
        if !autoport && g.port.is_none_or(|p| p < 0) {
            return Err(Error::invalid(
                "graphics[].autoport",
                format!(
                    "graphics[{index}] has autoport: false, which needs a fixed port (5900 to 65535); leave autoport out to pick a free port"
                ),
            ));
        }
        let port = match g.port {
            Some(p) if p >= 0 && !autoport => Some(
                u16::try_from(p)
                    .map_err(|_| Error::invalid("graphics", "port is from 5900 to 65535"))?,
            ),
            Some(p) if p >= 0 => {
                return Err(Error::invalid(
                    "graphics",
                    "a fixed port needs autoport: false",
                ))
            }
            _ => None,
        };
        out.push(GraphicsRequest {
            kind,
            listen: g.listen.clone().unwrap_or_else(|| "127.0.0.1".into()),
            port,
            password: g.password.clone(),
        });
    }
    Ok(Some(out))
}
