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

/// What an enhanced create request leaves to its template.
pub fn template_gaps(body: &models::VmCreateEnhancedRequest) -> TemplateGaps {
    TemplateGaps {
        features: body.features.is_none(),
        disk_bus: body
            .disks
            .iter()
            .flatten()
            .map(|d| d.bus.is_none())
            .collect(),
        nic_model: body
            .networks
            .iter()
            .flatten()
            .map(|n| n.model.is_none())
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
    let disks = body
        .disks
        .iter()
        .flatten()
        .map(disk)
        .collect::<Result<Vec<_>, _>>()?;
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
        networks: body.networks.iter().flatten().map(nic).collect(),
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
        labels: body
            .metadata
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    })
}

fn disk(d: &models::DiskCreateConfig) -> Result<DiskRequest, Error> {
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
        bus: match d.bus.unwrap_or(models::DiskBus::Virtio) {
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
    NicRequest {
        kind: match n.r_type.unwrap_or(models::NetworkType::Network) {
            models::NetworkType::Network => InterfaceKind::Network,
            models::NetworkType::Bridge => InterfaceKind::Bridge,
            models::NetworkType::Direct => InterfaceKind::Direct,
            models::NetworkType::User => InterfaceKind::User,
        },
        source: n.source.clone(),
        model: n.model.unwrap_or(models::NicModel::Virtio).to_string(),
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
    for g in list {
        let kind = match g.r_type {
            models::GraphicsType::Vnc => GraphicsKind::Vnc,
            models::GraphicsType::Spice => GraphicsKind::Spice,
            models::GraphicsType::None => continue,
        };
        let autoport = g.autoport.unwrap_or(true);
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
