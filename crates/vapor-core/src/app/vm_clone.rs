//! Cloning a VM: a new VM with the source's configuration and copies of its disks.

use vapor_hypervisor::{DiskBus, DiskCache, Domain, Firmware, GraphicsKind, InterfaceKind};

use super::vm_create::{DiskRequest, DiskSource, Maximums, VmCreateEnhanced};
use super::{GraphicsRequest, NicRequest, Vapor};
use crate::db::OperationRow;
use crate::error::{Error, Refusal, Result};
use crate::operations::OperationFailure;

impl Vapor {
    /// Starts cloning `id` into a new VM `name`; the operation ends when the
    /// copies are made, the clone is defined and has a copy of the source's
    /// UEFI variables (if it has any). The source must be shut off, so that
    /// its disks are consistent, and stays locked until the copy ends.
    /// Linked clones (`full_clone: false`) are refused.
    pub async fn clone_vm(
        self: &std::sync::Arc<Self>,
        id: &str,
        name: &str,
        storage_pool: Option<&str>,
        full_clone: bool,
    ) -> Result<OperationRow> {
        if !full_clone {
            return Err(Error::refused(
                Refusal::Unsupported,
                "LINKED_CLONE_UNSUPPORTED",
                "linked clones are not offered: an overlay disk is only sound on a base image that \
                 never changes, and Vapor keeps no read-only base images; clone with full_clone: true",
            ));
        }
        let source = self.get_vm(id).await?;
        let guard = self.locks.try_acquire("vm", &source.uuid)?;
        if source.state.is_active() {
            return Err(Error::conflict(format!(
                "virtual machine '{}' is running; shut it down before cloning so that its disks are consistent",
                source.name
            )));
        }
        let pool = match storage_pool {
            Some(p) => p.to_owned(),
            None => self
                .pool_of_first_volume(&source)
                .await
                .unwrap_or_else(|| "default".to_owned()),
        };
        let request = clone_request(&source, name, &pool)?;
        // The clone gets the source's room for hotplug too.
        let maximums = Maximums {
            vcpus: Some(source.max_vcpus),
            memory_mib: Some(source.max_memory_mib),
        };
        super::vm_create::validate(&request)?;
        super::vm_create::validate_maximums(&request, maximums)?;
        // A taken name is refused now, not reported later by the operation.
        // (The operation checks again: a VM of that name may appear meanwhile.)
        if self.get_vm(name).await.is_ok() {
            return Err(Error::AlreadyExists {
                kind: "virtual machine",
                id: name.to_owned(),
            });
        }
        let app = self.clone();
        let target = source.uuid.clone();
        let source_uuid = source.uuid.clone();
        self.operations.spawn(
            "vm_clone",
            &target,
            "copying disks",
            move |_handle| async move {
                let _guard = guard;
                let clone = app
                    .create_vm_with_maximums(request, maximums)
                    .await
                    .map_err(OperationFailure::from)?;
                app.copy_nvram_or_undo(&source_uuid, &clone)
                    .await
                    .map_err(OperationFailure::from)
            },
        )
    }

    /// Gives the new clone the source's UEFI variables. If that fails, the
    /// clone is deleted with its disks, so that the operation fails whole.
    async fn copy_nvram_or_undo(&self, source_uuid: &str, clone: &Domain) -> Result<()> {
        let (from, to) = (source_uuid.to_owned(), clone.uuid.clone());
        match self.blocking(move |hv| hv.copy_nvram(&from, &to)).await {
            Ok(copied) => {
                if copied {
                    tracing::info!(vm = %clone.name, "copied the source's UEFI variables");
                }
                Ok(())
            }
            Err(e) => {
                let err = Error::from_hypervisor(
                    "copying the source's UEFI variables (NVRAM)",
                    "virtual machine",
                    &clone.name,
                    e,
                );
                if let Err(undo) = self.delete_vm(&clone.uuid, true, None).await {
                    tracing::error!(vm = %clone.name, error = %undo, "could not delete a clone whose NVRAM copy failed");
                }
                Err(err)
            }
        }
    }

    /// The pool holding the source's first disk that is a volume.
    async fn pool_of_first_volume(&self, vm: &Domain) -> Option<String> {
        for disk in vm.disks.iter().filter(|d| d.device == "disk") {
            let Some(path) = disk.path.clone() else {
                continue;
            };
            if let Ok(volume) = self
                .blocking(move |hv| hv.lookup_volume_by_path(&path))
                .await
            {
                return Some(volume.pool);
            }
        }
        None
    }
}

/// The create request that reproduces `source` as `name`, with each disk copied
/// into `pool`, each NIC given a new MAC, and the cloud-init seed left out.
fn clone_request(source: &Domain, name: &str, pool: &str) -> Result<VmCreateEnhanced> {
    let mut disks = Vec::new();
    let mut iso_path = None;
    for disk in &source.disks {
        let Some(path) = disk.path.clone() else {
            continue;
        };
        if disk.device == "cdrom" {
            if !source.metadata.ephemeral_volumes.contains(&path) && iso_path.is_none() {
                iso_path = Some(path);
            }
            continue;
        }
        if disk.device != "disk" {
            continue;
        }
        let bus = match disk.bus.as_deref() {
            Some("sata") => DiskBus::Sata,
            Some("scsi") => DiskBus::Scsi,
            Some("ide") => DiskBus::Ide,
            _ => DiskBus::Virtio,
        };
        let format = match disk.format.as_deref() {
            Some("raw") => Some(vapor_hypervisor::DiskFormat::Raw),
            _ => Some(vapor_hypervisor::DiskFormat::Qcow2),
        };
        let cache = match disk.cache.as_deref() {
            Some("none") => Some(DiskCache::None),
            Some("writethrough") => Some(DiskCache::Writethrough),
            Some("writeback") => Some(DiskCache::Writeback),
            Some("directsync") => Some(DiskCache::Directsync),
            Some("unsafe") => Some(DiskCache::Unsafe),
            _ => None,
        };
        let source = if disk.readonly {
            // A read-only disk is shared, not copied.
            DiskSource::Existing { path }
        } else {
            DiskSource::Clone { source_path: path }
        };
        disks.push(DiskRequest {
            source,
            format,
            bus,
            cache,
            target: Some(disk.target.clone()),
            readonly: disk.readonly,
        });
    }
    let networks = source
        .interfaces
        .iter()
        .map(|nic| {
            let kind = match nic.kind.as_str() {
                "network" => InterfaceKind::Network,
                "bridge" => InterfaceKind::Bridge,
                "direct" => InterfaceKind::Direct,
                "user" => InterfaceKind::User,
                other => {
                    return Err(Error::unsupported(format!(
                        "cannot clone a VM with a '{other}' interface"
                    )));
                }
            };
            Ok(NicRequest {
                kind,
                source: nic.source.clone(),
                model: nic.model.clone().unwrap_or_else(|| "virtio".into()),
                mac: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let graphics = source
        .graphics
        .iter()
        .filter_map(|g| {
            let kind = match g.kind.as_str() {
                "vnc" => GraphicsKind::Vnc,
                "spice" => GraphicsKind::Spice,
                _ => return None,
            };
            // A fixed port would clash with the source's; the clone gets a free one.
            Some(GraphicsRequest {
                kind,
                listen: g.listen.clone().unwrap_or_else(|| "127.0.0.1".into()),
                port: None,
                password: None,
            })
        })
        .collect();
    Ok(VmCreateEnhanced {
        name: name.to_owned(),
        memory_mib: source.memory_mib,
        vcpus: source.vcpus,
        disks,
        iso_path,
        storage_pool: pool.to_owned(),
        networks,
        graphics: Some(graphics),
        cloud_init: None,
        firmware: match source.firmware.as_str() {
            "efi" => Firmware::Efi {
                secure_boot: source.secure_boot,
            },
            _ => Firmware::Bios,
        },
        tpm: source.tpm,
        pci_devices: Vec::new(),
        autostart: false,
        start: false,
        labels: source.metadata.labels.clone(),
    })
}
