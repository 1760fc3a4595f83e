//! Creating a VM: several disks (new, existing or cloned volumes), ISO and
//! cloud-init cdroms, NICs, displays, firmware and TPM.
//!
//! Both create endpoints come here: the basic request is a special case of
//! [`VmCreateEnhanced`]. The order is: validate everything, check the name,
//! make the volumes and the cloud-init seed, define the domain, set its
//! maximum vCPUs and memory (room for hotplug) when they are above the
//! current ones, assign PCI devices, set autostart, start it when asked.
//! A failure at any step removes what the earlier steps made: the domain is
//! undefined (with its NVRAM and TPM state), then the volumes and the seed
//! are removed. The new VM's mutation guard is held from before the domain
//! is defined until the create has answered or been undone.
//!
//! Each volume and seed file is announced in the creation journal
//! (`creation_store`) before it is made, and the journal row is removed once
//! the create has finished or undone its work. A row left by a process that
//! was killed is a create that never answered: when the service starts
//! again, [`recover_interrupted_creations`] undefines its domain if it got
//! that far and removes what the row names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use vapor_hypervisor::{
    is_safe_volume_name, BootDevice, DiskBus, DiskCache, DiskDevice, DiskFormat, DiskSpec, Domain,
    DomainSpec, Firmware, GraphicsKind, GraphicsSpec, HypervisorError, HypervisorErrorKind,
    InterfaceKind, InterfaceSpec, PciHostdev, PowerAction, VaporMetadata, VolumeSpec,
};

use super::vm::{
    generate_mac, probe_format, validate_mac, validate_memory, validate_name, validate_name_like,
    validate_vcpus, GraphicsRequest, NicRequest, KIND,
};
use super::Vapor;
use crate::creation_store::{CreationRow, JournalVolume};
use crate::db::{now, Database};
use crate::error::{Error, Refusal, Result};
use vapor_hypervisor::Hypervisor;

/// Where a disk comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskSource {
    /// A new, empty volume of this many GiB in the storage pool.
    Create { size_gib: u64 },
    /// An image already on the host, attached as it is.
    Existing { path: String },
    /// A copy of this volume, made by libvirt in the storage pool.
    Clone { source_path: String },
    /// A new volume `volume` of `capacity_bytes` in the storage pool, into
    /// which a chain of backup images is written (the full backup's first).
    Restore {
        chain: Vec<String>,
        capacity_bytes: u64,
        volume: String,
    },
}

#[derive(Debug, Clone)]
pub struct DiskRequest {
    pub source: DiskSource,
    /// `None`: qcow2 for new disks, the image's own format otherwise.
    pub format: Option<DiskFormat>,
    pub bus: DiskBus,
    pub cache: Option<DiskCache>,
    /// `None`: the next free name on the bus.
    pub target: Option<String>,
    pub readonly: bool,
}

/// A NoCloud seed: the files cloud-init reads from a `cidata` volume.
#[derive(Debug, Clone, Default)]
pub struct CloudInit {
    pub user_data: Option<String>,
    pub meta_data: Option<String>,
    pub network_config: Option<String>,
}

/// Everything a VM can be created with.
#[derive(Debug, Clone)]
pub struct VmCreateEnhanced {
    pub name: String,
    pub memory_mib: u64,
    pub vcpus: u32,
    pub disks: Vec<DiskRequest>,
    pub iso_path: Option<String>,
    pub storage_pool: String,
    pub networks: Vec<NicRequest>,
    /// `None`: one VNC display on 127.0.0.1. `Some(vec![])`: no display.
    pub graphics: Option<Vec<GraphicsRequest>>,
    pub cloud_init: Option<CloudInit>,
    pub firmware: Firmware,
    pub tpm: bool,
    pub pci_devices: Vec<String>,
    pub autostart: bool,
    /// Start the VM once it is defined; a failed start undoes the create.
    pub start: bool,
    /// The user's key-value pairs, kept with the VM (`metadata` on the wire).
    pub labels: std::collections::BTreeMap<String, String>,
}

/// The room for hotplug a VM is created with: the most vCPUs and memory it
/// can have while it runs. `None`: the current count (no room).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Maximums {
    pub vcpus: Option<u32>,
    pub memory_mib: Option<u64>,
}

/// What the host gives a new VM: its domain type and architecture, and the
/// MACs other VMs already have.
struct Host<'a> {
    domain_type: String,
    arch: String,
    existing_macs: &'a [String],
}

/// What a create made so far, for undoing it, and its journal row.
struct Made {
    journal: CreationRow,
    volumes: Vec<String>,
    files: Vec<PathBuf>,
    /// The domain's UUID once it is defined.
    domain: Option<String>,
}

impl Vapor {
    /// Creates a VM without room for hotplug (its maximums are its current counts).
    pub async fn create_vm_enhanced(&self, req: VmCreateEnhanced) -> Result<Domain> {
        self.create_vm_with_maximums(req, Maximums::default()).await
    }

    /// Creates a VM whose maximum vCPUs and memory may be above its current
    /// ones, so that hotplug can raise them while it runs.
    pub async fn create_vm_with_maximums(
        &self,
        mut req: VmCreateEnhanced,
        maximums: Maximums,
    ) -> Result<Domain> {
        if let Some(iso) = &req.iso_path {
            req.iso_path = Some(self.resolve_iso(iso)?);
        }
        self.confine_create_files(&mut req)?;
        validate(&req)?;
        validate_maximums(&req, maximums)?;
        let hostdevs = self.create_time_hostdevs(&req.pci_devices).await?;
        let _guard = self.locks.try_acquire("vm-name", &req.name)?;
        let name = req.name.clone();
        match self.blocking(move |hv| hv.lookup_domain(&name)).await {
            Ok(_) => {
                return Err(Error::AlreadyExists {
                    kind: KIND,
                    id: req.name.clone(),
                })
            }
            Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::from_hypervisor(
                    "checking the name",
                    KIND,
                    &req.name,
                    e,
                ))
            }
        }
        // One capabilities read serves both facts.
        let host = self.host_info().await?;
        let domain_type = self.choose_domain_type(&host.domain_types)?;
        let arch = host.arch;
        let existing_macs = if req.networks.is_empty() {
            Vec::new()
        } else {
            self.macs_in_use(&req).await?
        };

        let uuid = uuid::Uuid::new_v4().to_string();
        // The new VM's guard, until the create has answered or been undone:
        // other mutations of it wait, and the domain view re-reads it afterwards.
        let _vm_guard = self.locks.try_acquire("vm", &uuid)?;
        let mut made = Made {
            journal: CreationRow::new(&uuid, &req.name, &self.boot),
            volumes: Vec::new(),
            files: Vec::new(),
            domain: None,
        };
        self.db.save_creation(&made.journal)?;
        match self
            .build_and_define(
                &req,
                Host {
                    domain_type,
                    arch,
                    existing_macs: &existing_macs,
                },
                maximums,
                &hostdevs,
                &mut made,
            )
            .await
        {
            Ok(domain) => {
                self.end_creation(&made.journal);
                self.get_vm(&domain.uuid).await
            }
            Err(err) => {
                if self.undo(&made).await {
                    self.end_creation(&made.journal);
                } else {
                    // Left for the clean-up of interrupted creates to retry.
                    let mut journal = made.journal.clone();
                    journal.boot = UNDO_FAILED.to_owned();
                    journal.note = Some(format!(
                        "the create failed ({err}) and could not undo all of its work"
                    ));
                    if let Err(e) = self.db.save_creation(&journal) {
                        tracing::error!(vm = %req.name, error = %e, "could not record a failed create's leftovers");
                    }
                }
                Err(err)
            }
        }
    }

    /// The MACs of every defined VM (lowercase), for generating new ones. A
    /// MAC the request gives that another VM has is refused (409 `CONFLICT`).
    async fn macs_in_use(&self, req: &VmCreateEnhanced) -> Result<Vec<String>> {
        let mut in_use = Vec::new();
        for vm in self.list_vms().await? {
            for mac in vm.interfaces.into_iter().filter_map(|i| i.mac) {
                let mac = mac.to_ascii_lowercase();
                let clash = req
                    .networks
                    .iter()
                    .filter_map(|n| n.mac.as_deref())
                    .any(|given| given.eq_ignore_ascii_case(&mac));
                if clash {
                    return Err(Error::conflict(format!(
                        "MAC {mac} is already used by VM '{}'",
                        vm.name
                    )));
                }
                in_use.push(mac);
            }
        }
        Ok(in_use)
    }

    /// The host devices a create asks for (`pci_devices`, by node device
    /// name), checked before anything is made: listed once each, the host
    /// has an IOMMU (422 `IOMMU_UNAVAILABLE`), each exists (404) and no VM
    /// has it (409 `DEVICE_IN_USE`). They are assigned as managed devices
    /// once the domain is defined, as `POST .../pci-devices` would.
    async fn create_time_hostdevs(&self, ids: &[String]) -> Result<Vec<PciHostdev>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                return Err(Error::invalid(
                    "pci_devices",
                    format!("PCI device '{id}' is listed twice"),
                ));
            }
        }
        self.require_iommu().await?;
        let devices = self.list_pci_devices(None).await?;
        ids.iter()
            .map(|id| {
                let device =
                    devices
                        .iter()
                        .find(|d| &d.name == id)
                        .ok_or_else(|| Error::NotFound {
                            kind: "pci_device",
                            id: id.clone(),
                        })?;
                if let Some(owner) = &device.assigned_to {
                    return Err(Error::refused(
                        Refusal::Conflict,
                        "DEVICE_IN_USE",
                        format!("PCI device '{id}' is assigned to VM '{owner}'"),
                    ));
                }
                Ok(PciHostdev {
                    address: device.address,
                    managed: true,
                    rom_file: None,
                })
            })
            .collect()
    }

    /// Removes a finished create's journal row. A row that cannot be removed
    /// is only logged: at the next start it names a VM that exists, which is
    /// then removed as never created, so this is an error.
    fn end_creation(&self, journal: &CreationRow) {
        if let Err(e) = self.db.end_creation(&journal.uuid) {
            tracing::error!(vm = %journal.name, error = %e, "could not close the creation journal row");
        }
    }

    /// Announces in the journal a volume this create is about to make, once
    /// it is sure no volume of that name exists, so that the clean-up after
    /// a crash can never remove a volume it did not make.
    /// (A pool that does not exist yet holds no such volume either: it is
    /// made with the volume.)
    async fn intend_volume(&self, made: &mut Made, pool: &str, name: &str) -> Result<()> {
        let (pool_name, volume_name) = (pool.to_owned(), name.to_owned());
        match self
            .blocking(move |hv| hv.lookup_volume(&pool_name, &volume_name))
            .await
        {
            Ok(_) => {
                return Err(Error::AlreadyExists {
                    kind: "volume",
                    id: name.to_owned(),
                })
            }
            Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::from_hypervisor(
                    format!("checking for volume {name} in pool {pool}"),
                    "volume",
                    name,
                    e,
                ))
            }
        }
        made.journal.volumes.push(JournalVolume {
            pool: pool.to_owned(),
            name: name.to_owned(),
        });
        self.db.save_creation(&made.journal)
    }

    async fn build_and_define(
        &self,
        req: &VmCreateEnhanced,
        host: Host<'_>,
        maximums: Maximums,
        hostdevs: &[PciHostdev],
        made: &mut Made,
    ) -> Result<Domain> {
        let Host {
            domain_type,
            arch,
            existing_macs,
        } = host;
        let uuid = made.journal.uuid.clone();
        let mut targets = Targets::new(req.disks.iter().filter_map(|d| d.target.clone()));
        let mut disks = Vec::new();
        for (index, disk) in req.disks.iter().enumerate() {
            let (path, format) = match &disk.source {
                DiskSource::Create { size_gib } => {
                    let format = disk.format.unwrap_or(DiskFormat::Qcow2);
                    let name = volume_name(&req.name, index, format);
                    self.intend_volume(made, &req.storage_pool, &name).await?;
                    let volume = self
                        .create_disk_volume(&req.storage_pool, &name, *size_gib, format)
                        .await?;
                    made.volumes.push(volume.path.clone());
                    (volume.path, format)
                }
                DiskSource::Clone { source_path } => {
                    let format = disk.format.unwrap_or(DiskFormat::Qcow2);
                    let name = volume_name(&req.name, index, format);
                    self.intend_volume(made, &req.storage_pool, &name).await?;
                    let volume = self
                        .clone_disk_volume(&req.storage_pool, source_path, &name, format)
                        .await?;
                    made.volumes.push(volume.path.clone());
                    (volume.path, format)
                }
                DiskSource::Restore {
                    chain,
                    capacity_bytes,
                    volume,
                } => {
                    let format = disk.format.unwrap_or(DiskFormat::Qcow2);
                    self.intend_volume(made, &req.storage_pool, volume).await?;
                    let path = self
                        .restore_disk_volume(
                            &req.storage_pool,
                            volume,
                            *capacity_bytes,
                            format,
                            chain,
                            &mut made.volumes,
                        )
                        .await?;
                    (path, format)
                }
                DiskSource::Existing { path } => (
                    path.clone(),
                    disk.format.unwrap_or_else(|| probe_format(path)),
                ),
            };
            let target = match &disk.target {
                Some(t) => t.clone(),
                None => targets.next(disk.bus),
            };
            disks.push(DiskSpec {
                device: DiskDevice::Disk,
                path,
                format,
                bus: disk.bus,
                target,
                readonly: disk.readonly,
                cache: disk.cache,
            });
        }
        let mut boot = Vec::new();
        if let Some(iso) = &req.iso_path {
            disks.push(cdrom(iso.clone(), targets.next(DiskBus::Sata)));
            boot.push(BootDevice::Cdrom);
        }
        if !req.disks.is_empty() {
            boot.push(BootDevice::Hd);
        }
        let mut ephemeral = Vec::new();
        if let Some(seed) = &req.cloud_init {
            made.journal.files.push(
                seed_path(&self.settings.seed_dir, &uuid)
                    .display()
                    .to_string(),
            );
            self.db.save_creation(&made.journal)?;
            let path = self.write_seed(&uuid, &req.name, seed).await?;
            made.files.push(path.clone());
            let path = path
                .to_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::invalid("cloud_init", "seed path is not UTF-8"))?;
            disks.push(cdrom(path.clone(), targets.next(DiskBus::Sata)));
            ephemeral.push(path);
        }
        if boot.is_empty() {
            boot.push(BootDevice::Hd);
        }
        let mut taken = existing_macs.to_vec();
        let interfaces =
            req.networks
                .iter()
                .map(|nic| {
                    let mac = nic.mac.clone().unwrap_or_else(|| generate_mac(&taken));
                    taken.push(mac.clone());
                    InterfaceSpec {
                        kind: nic.kind,
                        source: nic.source.clone().or_else(|| {
                            (nic.kind == InterfaceKind::Network).then(|| "default".into())
                        }),
                        model: nic.model.clone(),
                        mac,
                    }
                })
                .collect();
        let graphics = match &req.graphics {
            None => vec![GraphicsSpec {
                kind: GraphicsKind::Vnc,
                listen: "127.0.0.1".into(),
                port: None,
                password: None,
            }],
            Some(list) => list
                .iter()
                .map(|g| GraphicsSpec {
                    kind: g.kind,
                    listen: g.listen.clone(),
                    port: g.port,
                    password: g.password.clone(),
                })
                .collect(),
        };
        let created_at = now();
        let spec = DomainSpec {
            name: req.name.clone(),
            uuid,
            domain_type,
            arch,
            memory_mib: req.memory_mib,
            vcpus: req.vcpus,
            disks,
            interfaces,
            graphics,
            boot,
            firmware: req.firmware,
            tpm: req.tpm,
            metadata: VaporMetadata {
                created_at: Some(created_at.clone()),
                updated_at: Some(created_at),
                owned_volumes: made.volumes.clone(),
                ephemeral_volumes: ephemeral,
                labels: req.labels.clone(),
            },
        };
        let domain = {
            let spec = spec.clone();
            self.blocking(move |hv| hv.define_domain(&spec))
                .await
                .map_err(|e| {
                    Error::from_hypervisor("defining the virtual machine", KIND, &req.name, e)
                })?
        };
        // From here on every failure goes through `undo`, which undefines it.
        made.domain = Some(domain.uuid.clone());
        let (max_vcpus, max_memory_mib) = (
            maximums.vcpus.unwrap_or(req.vcpus),
            maximums.memory_mib.unwrap_or(req.memory_mib),
        );
        if max_vcpus != req.vcpus || max_memory_mib != req.memory_mib {
            // Room for hotplug: `<vcpu current=...>` and `<memory>` above `<currentMemory>`.
            let uuid = domain.uuid.clone();
            self.blocking(move |hv| hv.set_hotplug_maximums(&uuid, max_vcpus, max_memory_mib))
                .await
                .map_err(|e| {
                    Error::from_hypervisor(
                        "setting the maximum vCPUs and memory",
                        KIND,
                        &req.name,
                        e,
                    )
                })?;
        }
        for hostdev in hostdevs {
            let (uuid, device) = (domain.uuid.clone(), hostdev.clone());
            self.blocking(move |hv| hv.attach_pci_device(&uuid, &device))
                .await
                .map_err(|e| {
                    Error::from_hypervisor(
                        format!("assigning PCI device {}", hostdev.address),
                        KIND,
                        &req.name,
                        e,
                    )
                })?;
        }
        if req.autostart {
            let uuid = domain.uuid.clone();
            self.blocking(move |hv| hv.set_autostart(&uuid, true))
                .await
                .map_err(|e| Error::from_hypervisor("enabling autostart", KIND, &req.name, e))?;
        }
        if req.start {
            let uuid = domain.uuid.clone();
            if let Err(e) = self
                .blocking(move |hv| hv.power(&uuid, PowerAction::Start))
                .await
            {
                let e = self.start_failure(e).await;
                return Err(Error::from_hypervisor(
                    "starting the new virtual machine",
                    KIND,
                    &req.name,
                    e,
                ));
            }
        }
        Ok(domain)
    }

    /// What a failed start of a new VM is: the start's own failure unless
    /// the hypervisor is really gone. A missing network is not a missing VM,
    /// and libvirt reports some host failures at start (a bridge or device
    /// that does not exist) as system errors, which elsewhere mean a lost
    /// connection; while the hypervisor still answers they are plain failures.
    async fn start_failure(&self, e: HypervisorError) -> HypervisorError {
        match e.kind {
            HypervisorErrorKind::NotFound => HypervisorError::failed(e.message),
            HypervisorErrorKind::Unavailable => {
                if self.blocking(|hv| hv.host_info()).await.is_ok() {
                    HypervisorError::failed(e.message)
                } else {
                    e
                }
            }
            _ => e,
        }
    }

    /// Removes what a failed create made: the domain first (a domain never
    /// points at removed disks), then its volumes and files. `false` when
    /// something is left.
    async fn undo(&self, made: &Made) -> bool {
        if let Some(uuid) = made.domain.clone() {
            let undone = self.blocking(move |hv| hv.undefine_domain(&uuid)).await;
            match undone {
                Ok(()) => {}
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                Err(e) => {
                    tracing::error!(vm = %made.journal.name, error = %e, "could not undefine after a failed create");
                    // Its disks stay until the domain is gone: the clean-up
                    // of interrupted creates removes both.
                    return false;
                }
            }
        }
        let left = self.remove_volumes(&made.volumes).await;
        for path in &left {
            tracing::error!(volume = %path, "a failed create could not remove this volume");
        }
        for file in &made.files {
            remove_file_logged(file);
        }
        left.is_empty()
    }

    pub(super) async fn create_disk_volume(
        &self,
        pool: &str,
        name: &str,
        size_gib: u64,
        format: DiskFormat,
    ) -> Result<vapor_hypervisor::StorageVolume> {
        self.ensure_pool(pool).await?;
        let spec = VolumeSpec {
            name: name.to_owned(),
            capacity_bytes: size_gib * 1024 * 1024 * 1024,
            format,
        };
        let pool_name = pool.to_owned();
        let volume_name = name.to_owned();
        self.blocking(move |hv| hv.create_volume(&pool_name, &spec))
            .await
            .map_err(|e| {
                Error::from_hypervisor(
                    format!("creating volume {volume_name} in pool {pool}"),
                    "volume",
                    &volume_name,
                    e,
                )
            })
    }

    async fn clone_disk_volume(
        &self,
        pool: &str,
        source_path: &str,
        name: &str,
        format: DiskFormat,
    ) -> Result<vapor_hypervisor::StorageVolume> {
        self.ensure_pool(pool).await?;
        let (pool_name, source, new_name) =
            (pool.to_owned(), source_path.to_owned(), name.to_owned());
        self.blocking(move |hv| hv.clone_volume(&pool_name, &source, &new_name, format))
            .await
            .map_err(|e| match e.kind {
                HypervisorErrorKind::NotFound => Error::NotFound {
                    kind: "volume",
                    id: source_path.to_owned(),
                },
                _ => Error::from_hypervisor(
                    format!("cloning {source_path} into pool {pool}"),
                    "volume",
                    name,
                    e,
                ),
            })
    }

    /// Writes the NoCloud seed image for a VM and returns its path.
    async fn write_seed(&self, uuid: &str, vm_name: &str, seed: &CloudInit) -> Result<PathBuf> {
        let dir = self.settings.seed_dir.clone();
        let target = seed_path(&dir, uuid);
        let meta_data = seed
            .meta_data
            .clone()
            .unwrap_or_else(|| format!("instance-id: {uuid}\nlocal-hostname: {vm_name}\n"));
        let user_data = seed
            .user_data
            .clone()
            .unwrap_or_else(|| "#cloud-config\n".to_owned());
        let network_config = seed.network_config.clone();
        let out = target.clone();
        let result = tokio::task::spawn_blocking(move || {
            build_seed(
                &dir,
                &out,
                &meta_data,
                &user_data,
                network_config.as_deref(),
            )
        })
        .await
        .map_err(|e| Error::internal("cloud-init seed task", e))?;
        result?;
        Ok(target)
    }
}

/// Builds a NoCloud seed: an ISO 9660 image labelled `cidata` holding
/// `meta-data`, `user-data` and, when given, `network-config`, with Debian's `xorriso`.
fn build_seed(
    dir: &Path,
    out: &Path,
    meta_data: &str,
    user_data: &str,
    network_config: Option<&str>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::internal("writing the cloud-init seed", e);
    std::fs::create_dir_all(dir).map_err(io)?;
    let staging = tempfile::Builder::new()
        .prefix(".seed-")
        .tempdir_in(dir)
        .map_err(io)?;
    std::fs::write(staging.path().join("meta-data"), meta_data).map_err(io)?;
    std::fs::write(staging.path().join("user-data"), user_data).map_err(io)?;
    if let Some(config) = network_config {
        std::fs::write(staging.path().join("network-config"), config).map_err(io)?;
    }
    let output = std::process::Command::new("xorriso")
        .args([
            "-as", "mkisofs", "-quiet", "-volid", "cidata", "-joliet", "-rock", "-o",
        ])
        .arg(out)
        .arg(staging.path())
        .output()
        .map_err(|e| {
            Error::refused(
                Refusal::Unsupported,
                "CLOUD_INIT_UNAVAILABLE",
                format!("cloud-init needs xorriso on the host ({e})"),
            )
        })?;
    if !output.status.success() {
        return Err(Error::Internal {
            context: format!(
                "xorriso failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            source: None,
        });
    }
    std::fs::File::open(out)
        .and_then(|f| f.sync_all())
        .map_err(io)
}

fn remove_file_logged(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::error!(file = %path.display(), error = %e, "could not remove file"),
    }
}

/// Where the cloud-init seed of the VM with this UUID is written.
fn seed_path(seed_dir: &Path, uuid: &str) -> PathBuf {
    seed_dir.join(format!("{uuid}-cidata.iso"))
}

/// The `boot` of journal rows whose create failed and could not undo all of
/// its work: no process owns them, so the clean-up of interrupted creates
/// retries them.
const UNDO_FAILED: &str = "undo-failed";

/// Finishes the creates that processes other than `boot` left in the journal
/// (killed half-way, or failed without undoing everything): undefines the
/// domain if it was defined, deletes the volumes and files the row names, and
/// removes the row. What cannot be removed now is noted in the row and tried
/// again later. Blocking. Returns how many rows were settled.
pub(super) fn recover_interrupted_creations(
    hv: &dyn Hypervisor,
    db: &Database,
    boot: &str,
) -> Result<usize> {
    let mut settled = 0;
    for mut row in db.interrupted_creations(boot)? {
        let mut notes = Vec::new();
        match hv.undefine_domain(&row.uuid) {
            Ok(()) => {
                tracing::warn!(vm = %row.name, uuid = %row.uuid, "undefined a VM whose create was interrupted")
            }
            Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
            Err(e) => notes.push(format!("domain {} could not be undefined: {e}", row.uuid)),
        }
        for volume in &row.volumes {
            match hv.delete_volume(&volume.pool, &volume.name) {
                Ok(()) => {
                    tracing::warn!(vm = %row.name, pool = %volume.pool, volume = %volume.name, "deleted a volume of an interrupted create")
                }
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                Err(e) => notes.push(format!(
                    "volume {} in pool {} could not be deleted: {e}",
                    volume.name, volume.pool
                )),
            }
        }
        for file in &row.files {
            match std::fs::remove_file(file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => notes.push(format!("{file} could not be removed: {e}")),
            }
        }
        if notes.is_empty() {
            db.end_creation(&row.uuid)?;
            tracing::warn!(vm = %row.name, started_at = %row.started_at, "removed what an interrupted create had made");
            settled += 1;
        } else {
            let note = notes.join("; ");
            tracing::error!(vm = %row.name, %note, "an interrupted create could not be cleaned up yet; will retry");
            row.note = Some(note);
            db.save_creation(&row)?;
        }
    }
    Ok(settled)
}

/// Removes files Vapor made only for one VM (its cloud-init seed).
pub(super) fn remove_ephemeral(paths: &[String]) {
    for path in paths {
        remove_file_logged(Path::new(path));
    }
}

fn cdrom(path: String, target: String) -> DiskSpec {
    DiskSpec {
        device: DiskDevice::Cdrom,
        path,
        format: DiskFormat::Raw,
        bus: DiskBus::Sata,
        target,
        readonly: true,
        cache: None,
    }
}

/// The volume name of a VM's disk: `<vm>.qcow2` for the first, `<vm>-disk<N>.<ext>` after.
fn volume_name(vm: &str, index: usize, format: DiskFormat) -> String {
    let ext = match format {
        DiskFormat::Qcow2 => "qcow2",
        DiskFormat::Raw => "img",
    };
    if index == 0 {
        format!("{vm}.{ext}")
    } else {
        format!("{vm}-disk{index}.{ext}")
    }
}

/// Guest device names in use, handing out the next free one per bus prefix.
pub(super) struct Targets {
    used: BTreeSet<String>,
}

impl Targets {
    pub(super) fn new(explicit: impl Iterator<Item = String>) -> Self {
        Targets {
            used: explicit.collect(),
        }
    }

    pub(super) fn next(&mut self, bus: DiskBus) -> String {
        let prefix = bus.target_prefix();
        let name = (0..26 * 27)
            .map(|i| format!("{prefix}{}", target_suffix(i)))
            .find(|n| !self.used.contains(n))
            .unwrap_or_else(|| format!("{prefix}zz"));
        self.used.insert(name.clone());
        name
    }
}

/// `a`..`z`, then `aa`..`zz`, as Linux names disks.
fn target_suffix(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + n as u8);
    if i < 26 {
        letter(i).to_string()
    } else {
        let j = i - 26;
        format!("{}{}", letter(j / 26), letter(j % 26))
    }
}

/// Maximums at least the current counts, and in range.
pub(super) fn validate_maximums(req: &VmCreateEnhanced, max: Maximums) -> Result<()> {
    if let Some(v) = max.vcpus {
        if v < req.vcpus || v > 256 {
            return Err(Error::invalid(
                "max_vcpus",
                format!("max_vcpus is from vcpus ({}) to 256", req.vcpus),
            ));
        }
    }
    if let Some(m) = max.memory_mib {
        if m < req.memory_mib || m > 4_194_304 {
            return Err(Error::invalid(
                "max_memory",
                format!(
                    "max_memory is in MiB, from memory ({}) to 4194304",
                    req.memory_mib
                ),
            ));
        }
    }
    Ok(())
}

/// The most labels (`metadata` pairs) a VM may carry.
pub const MAX_LABELS: usize = 64;

/// Keys are short identifiers; values are text of at most 1024 bytes without
/// control characters (XML cannot hold most of them).
pub(crate) fn validate_labels(labels: &std::collections::BTreeMap<String, String>) -> Result<()> {
    if labels.len() > MAX_LABELS {
        return Err(Error::invalid(
            "metadata",
            format!("at most {MAX_LABELS} keys, not {}", labels.len()),
        ));
    }
    for (key, value) in labels {
        let key_ok = key.len() <= 63
            && key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
        if !key_ok {
            return Err(Error::invalid(
                "metadata",
                format!("key '{key}' must match ^[A-Za-z0-9][A-Za-z0-9._/-]{{0,62}}$"),
            ));
        }
        if value.len() > 1024 || value.chars().any(char::is_control) {
            return Err(Error::invalid(
                "metadata",
                format!(
                    "the value of '{key}' must be at most 1024 bytes without control characters"
                ),
            ));
        }
    }
    Ok(())
}

pub(super) fn validate(req: &VmCreateEnhanced) -> Result<()> {
    validate_labels(&req.labels)?;
    validate_name(&req.name)?;
    validate_memory(req.memory_mib)?;
    validate_vcpus(req.vcpus)?;
    validate_name_like("storage_pool", &req.storage_pool)?;
    if req.disks.len() > 16 {
        return Err(Error::invalid("disks", "at most 16 disks"));
    }
    let mut targets = BTreeSet::new();
    for disk in &req.disks {
        match &disk.source {
            DiskSource::Create { size_gib } if !(1..=65536).contains(size_gib) => {
                return Err(Error::invalid(
                    "disks",
                    "a new disk's size is in GiB, from 1 to 65536",
                ))
            }
            // Confined to the host file roots before (`confine_create_files`).
            DiskSource::Existing { .. } => {}
            DiskSource::Clone { source_path } => {
                if !source_path.starts_with('/') {
                    return Err(Error::invalid(
                        "disks",
                        "source_path is the absolute path of the volume to clone",
                    ));
                }
            }
            DiskSource::Create { .. } => {}
            DiskSource::Restore { chain, volume, .. } => {
                if chain.is_empty() || !is_safe_volume_name(volume) {
                    return Err(Error::invalid(
                        "disks",
                        "a restored disk needs backup images and a volume name",
                    ));
                }
            }
        }
        if let Some(target) = &disk.target {
            let prefix_ok = target.starts_with(disk.bus.target_prefix());
            let rest = &target[2.min(target.len())..];
            let ok = prefix_ok
                && !rest.is_empty()
                && rest.len() <= 2
                && rest.chars().all(|c| c.is_ascii_lowercase());
            if !ok {
                return Err(Error::invalid(
                    "disks",
                    format!(
                        "target '{target}' does not fit bus {} (use {}a, {}b, ...)",
                        disk.bus.as_str(),
                        disk.bus.target_prefix(),
                        disk.bus.target_prefix()
                    ),
                ));
            }
            if !targets.insert(target.clone()) {
                return Err(Error::invalid(
                    "disks",
                    format!("target '{target}' is used twice"),
                ));
            }
        }
    }
    if req.networks.len() > 8 {
        return Err(Error::invalid("networks", "at most 8 network interfaces"));
    }
    let mut macs = BTreeSet::new();
    for (index, nic) in req.networks.iter().enumerate() {
        if let Some(mac) = &nic.mac {
            validate_mac(mac)?;
            if !macs.insert(mac.to_ascii_lowercase()) {
                return Err(Error::invalid(
                    "networks",
                    format!("MAC {mac} is used twice"),
                ));
            }
        }
        match (nic.kind, &nic.source) {
            (InterfaceKind::User, Some(source)) => {
                return Err(Error::invalid(
                    "networks[].source",
                    format!(
                        "networks[{index}]: a user-mode NIC has no source (got '{source}'); leave source out or use type network, bridge or direct"
                    ),
                ))
            }
            (InterfaceKind::Bridge | InterfaceKind::Direct, None) => {
                return Err(Error::invalid(
                    "networks",
                    "bridge and direct networks need a source",
                ))
            }
            (_, Some(source)) => validate_name_like("networks", source)?,
            _ => {}
        }
    }
    for g in req.graphics.iter().flatten() {
        if g.listen.parse::<std::net::IpAddr>().is_err() {
            return Err(Error::invalid(
                "graphics",
                format!("listen must be an IP address, not '{}'", g.listen),
            ));
        }
        if g.port.is_some_and(|p| p < 5900) {
            return Err(Error::invalid(
                "graphics",
                "a fixed display port must be 5900 or above",
            ));
        }
        if g.kind == GraphicsKind::Vnc && g.password.as_ref().is_some_and(|p| p.chars().count() > 8)
        {
            // QEMU refuses longer ones: VNC authentication uses 8 characters.
            return Err(Error::invalid(
                "graphics[].password",
                "a VNC password is at most 8 characters (VNC authentication uses no more)",
            ));
        }
    }
    if let Firmware::Efi { secure_boot: true } = req.firmware {
        // Secure Boot firmware is only built for UEFI; nothing more to check here.
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_skip_explicit_names_and_follow_the_bus() {
        let mut t = Targets::new(["vda".to_owned(), "sdb".to_owned()].into_iter());
        assert_eq!(t.next(DiskBus::Virtio), "vdb");
        assert_eq!(t.next(DiskBus::Virtio), "vdc");
        assert_eq!(t.next(DiskBus::Sata), "sda");
        assert_eq!(t.next(DiskBus::Scsi), "sdc");
        assert_eq!(t.next(DiskBus::Ide), "hda");
        assert_eq!(target_suffix(25), "z");
        assert_eq!(target_suffix(26), "aa");
        assert_eq!(target_suffix(27), "ab");
    }

    #[test]
    fn volume_names() {
        assert_eq!(volume_name("web", 0, DiskFormat::Qcow2), "web.qcow2");
        assert_eq!(volume_name("web", 2, DiskFormat::Raw), "web-disk2.img");
    }

    #[test]
    fn seed_is_an_iso_labelled_cidata() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("seed.iso");
        build_seed(
            dir.path(),
            &out,
            "instance-id: x\n",
            "#cloud-config\n",
            Some("version: 2\n"),
        )
        .unwrap();
        let data = std::fs::read(&out).unwrap();
        assert_eq!(&data[0x8001..0x8006], b"CD001");
        // The primary volume descriptor's volume identifier, padded with spaces.
        assert_eq!(
            std::str::from_utf8(&data[0x8028..0x8028 + 32])
                .unwrap()
                .trim_end(),
            "cidata"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the staging folder is gone"
        );
    }
}
