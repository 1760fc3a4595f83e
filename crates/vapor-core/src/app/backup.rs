//! Backups of running VMs (full and incremental), restore, delete and
//! retention.
//!
//! Create: the request is checked (`include_memory` is 422: backups hold
//! disks only; `zstd` is 422 on a host without the `zstd` program), the VM
//! looked up (404) and its mutation guard taken (409); a VM
//! that is not running is 409 `VM_NOT_RUNNING` (libvirt 9.0 backs up running
//! VMs only). The disks backed up are the VM's writable disks with a source;
//! CD-ROMs, read-only disks and disks without a source are skipped and
//! listed as such. The files go into a directory of their own,
//! `<destination>/<backup_id>/`: one qcow2 image per disk, the VM's
//! definition (`domain.xml`) and, once complete, `manifest.json`, which
//! lists every other file with its size and SHA-256 and whose own SHA-256
//! is kept in the database. A row (status `running`) is written, then the
//! backend starts the job; when the start fails, the row and the directory
//! are removed again and the reason is the answer. Otherwise the answer is
//! 202 with a `vm_backup` operation, which holds the VM's guard while it
//! samples the job every [`SAMPLE_EVERY`] into its progress (bytes copied
//! of bytes to copy). Cancelling the operation aborts the job.
//!
//! Chains: when every disk backed up is qcow2, each backup makes a libvirt
//! checkpoint named `vapor-<backup_id>`. An incremental backup copies what
//! changed since the checkpoint of the VM's chain tip (its newest completed
//! backup with a checkpoint) and records that backup as its parent. When the
//! tip's checkpoint is gone (the VM was redefined, or the checkpoint
//! deleted), an incremental request is refused with 409
//! `BACKUP_CHAIN_BROKEN` and nothing is started: a full backup starts a new
//! chain. A chain is never extended silently from a wrong base.
//!
//! The end: with `zstd` compression each image is compressed
//! (`<target>.qcow2.zst`, the uncompressed image removed once the compressed
//! one is whole); then the files are checksummed, the manifest written and
//! synced, and the row becomes `completed` with its size. A failed or
//! cancelled job's directory is removed, its checkpoint deleted (libvirt
//! 9.0 deletes checkpoints of running VMs only; otherwise the message says
//! it is kept, and deleting the backup later removes it), and the row
//! becomes `failed` with the reason.
//!
//! Restarts: from before the job starts until the row is `completed`, the
//! directory also holds `pending.json`, the manifest still to seal, written
//! through a synced temporary file. libvirt's push backup outlives the
//! process that started it, so a backup a previous process left `running`
//! is decided at start without waiting ([`recover_interrupted_backups`]):
//! when the backend's job still runs or has completed, and `pending.json`
//! can be read, the backup is followed once the background tasks start, by
//! a new `vm_backup` operation that takes the VM's guard, samples the job,
//! seals the backup (`completed`) or discards it (`failed`), and can be
//! cancelled; the backup's `operation_id` becomes the new operation's, and
//! the old one stays failed `INTERRUPTED` with a message naming the new
//! one. Otherwise (the job failed or is gone, the VM is gone or not
//! running, the mock's in-process job died with the process) the job is
//! aborted if it runs, the checkpoint and files removed, and the backup
//! recorded `failed` with the reason, before the service serves.
//!
//! Restore (`vm_restore` operation): every file of the backup and of the
//! backups it builds on is checked against the manifests (and each manifest
//! against the database) before anything is made; compressed images are
//! decompressed into a private directory under the backup root, removed
//! when the restore ends; then a VM is created with
//! the backed-up configuration (new UUID, new MAC addresses), each disk a new
//! volume in the storage pool into which the backend writes the chain's
//! images, oldest first. With `overwrite`, an existing shut-off VM of that
//! name is replaced: it is undefined (its disks kept), the restored VM
//! defined, and only then are the old VM's volumes removed; if the restored
//! VM cannot be defined, the old definition is defined again.
//!
//! Delete refuses to break a chain (409 `BACKUP_HAS_DEPENDENTS`) unless
//! `cascade`, which deletes the dependants first, newest first. Retention:
//! a background task deletes backups older than their `retention_days`
//! (0 keeps one for ever), never one that an unexpired backup builds on.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vapor_hypervisor::{
    BackupDiskTarget, BackupJobSpec, BackupJobState, BootDevice, DiskBus, DiskCache, DiskDevice,
    DiskFormat, DiskInfo, DiskSpec, Domain, DomainSpec, Firmware, GraphicsKind, GraphicsSpec,
    Hypervisor, HypervisorError, HypervisorErrorKind, InterfaceKind, InterfaceSpec,
};

use super::metrics::VM_NOT_RUNNING;
use super::vm_create::{DiskRequest, DiskSource, Maximums, VmCreateEnhanced};
use super::{GraphicsRequest, NicRequest, Vapor};
use crate::backup_store::{self as store, BackupDiskRow, BackupRow, SkippedDisk};
use crate::db::{now, Database, OperationRow};
use crate::error::{Error, Refusal, Result};
use crate::operations::{OperationFailure, OperationHandle};

/// How often a running backup job is sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(200);

pub const COMPRESSION_UNSUPPORTED: &str = "COMPRESSION_UNSUPPORTED";
pub const MEMORY_BACKUP_UNSUPPORTED: &str = "MEMORY_BACKUP_UNSUPPORTED";
pub const BACKUP_CHAIN_BROKEN: &str = "BACKUP_CHAIN_BROKEN";
pub const BACKUP_HAS_DEPENDENTS: &str = "BACKUP_HAS_DEPENDENTS";
pub const BACKUP_NOT_COMPLETED: &str = "BACKUP_NOT_COMPLETED";
pub const BACKUP_CORRUPT: &str = "BACKUP_CORRUPT";
pub const BACKUP_FAILED: &str = "BACKUP_FAILED";
pub const NOTHING_TO_BACK_UP: &str = "NOTHING_TO_BACK_UP";
pub const INCREMENTAL_UNSUPPORTED: &str = "INCREMENTAL_UNSUPPORTED";
pub const VM_NOT_STOPPED: &str = "VM_NOT_STOPPED";

/// The manifest's file name in a backup's directory.
const MANIFEST: &str = "manifest.json";
/// What sealing a running backup needs besides its row ([`Pending`]),
/// written before the job starts and removed once the backup is completed,
/// so that a backup whose job outlives the process can still be sealed.
const PENDING: &str = "pending.json";
/// The manifest's format.
const MANIFEST_FORMAT: u32 = 1;
const KIND: &str = "virtual machine";

/// Full or incremental.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    Full,
    Incremental,
}

impl BackupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupKind::Full => store::FULL,
            BackupKind::Incremental => store::INCREMENTAL,
        }
    }
}

/// How the images are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Zstd,
}

/// A request to back a VM up, with the contract's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupCreate {
    /// A directory under the configured backup root; `None`: the root.
    pub destination_path: Option<String>,
    pub kind: BackupKind,
    pub compression: Compression,
    pub include_memory: bool,
    /// Days to keep the backup; 0 keeps it for ever.
    pub retention_days: u32,
    pub description: Option<String>,
}

impl Default for BackupCreate {
    fn default() -> Self {
        BackupCreate {
            destination_path: None,
            kind: BackupKind::Full,
            compression: Compression::None,
            include_memory: false,
            retention_days: 30,
            description: None,
        }
    }
}

/// A request to restore a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRestore {
    pub backup_id: String,
    /// `None`: the backed-up VM's name.
    pub new_vm_name: Option<String>,
    /// Replace an existing shut-off VM of that name.
    pub overwrite: bool,
    pub restore_memory: bool,
    /// `None`: the overwritten VM's pool, else `default`.
    pub storage_pool: Option<String>,
}

/// The manifest in a backup's directory: what the backup holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    backup_id: String,
    backup_type: String,
    parent_backup_id: Option<String>,
    /// The checkpoint an incremental backup starts from.
    since_checkpoint: Option<String>,
    /// The checkpoint this backup made.
    checkpoint: Option<String>,
    started_at: String,
    completed_at: String,
    /// `none`, or `zstd`: each disk image is `<target>.qcow2.zst`.
    #[serde(default = "no_compression")]
    compression: String,
    vm: VmFacts,
    disks: Vec<ManifestDisk>,
    skipped_disks: Vec<SkippedDisk>,
    /// Every file of the backup but the manifest.
    files: Vec<ManifestFile>,
}

/// The VM's configuration when it was backed up, enough to define it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct VmFacts {
    uuid: String,
    name: String,
    /// The maximum memory (room for hotplug included).
    memory_mib: u64,
    /// The maximum vCPUs (room for hotplug included).
    vcpus: u32,
    /// The memory and vCPUs the VM had when it was backed up.
    #[serde(default)]
    current_memory_mib: Option<u64>,
    #[serde(default)]
    current_vcpus: Option<u32>,
    firmware: String,
    secure_boot: bool,
    tpm: bool,
    interfaces: Vec<NicFacts>,
    graphics: Vec<GraphicsFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NicFacts {
    kind: String,
    source: Option<String>,
    model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GraphicsFacts {
    kind: String,
    listen: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ManifestDisk {
    target: String,
    /// The image's file name in the backup's directory.
    file: String,
    bus: Option<String>,
    /// The disk's own format (`qcow2`, `raw`); the image is always qcow2.
    format: Option<String>,
    cache: Option<String>,
    source_path: String,
    capacity_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ManifestFile {
    name: String,
    size_bytes: u64,
    sha256: String,
}

/// What a backup's operation needs besides its row; kept in the backup's
/// directory as [`PENDING`] while the backup runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pending {
    manifest: Manifest,
    since_checkpoint: Option<String>,
}

/// A backup a previous process left `running` whose job may still end well
/// (it runs, or has completed): followed and sealed by a new operation once
/// the background tasks start ([`Vapor::follow_interrupted_backups`]).
pub(super) struct InterruptedBackup {
    row: BackupRow,
    pending: Pending,
}

/// What becomes of a backup left `running` by a previous process.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OnRestart {
    /// The job runs or has completed: follow it and seal the backup.
    Follow,
    /// The backup cannot complete: clean it up and record it as failed, for
    /// this reason.
    Discard(String),
}

impl Vapor {
    /// Starts backing up the VM `id`; see the module documentation.
    pub async fn create_backup(
        self: &Arc<Self>,
        id: &str,
        req: BackupCreate,
    ) -> Result<OperationRow> {
        validate_create(&req)?;
        let vm = self.get_vm(id).await?;
        let guard = self.locks.try_acquire("vm", &vm.uuid)?;
        if !vm.state.is_active() {
            return Err(Error::refused(
                Refusal::Conflict,
                VM_NOT_RUNNING,
                format!(
                    "virtual machine '{}' is not running; libvirt backs up running VMs only (push mode), so start it first",
                    vm.name
                ),
            ));
        }
        let base = self.backup_base(req.destination_path.as_deref())?;
        let (disks, skipped) = select_disks(&vm);
        if disks.is_empty() {
            return Err(Error::refused(
                Refusal::Unsupported,
                NOTHING_TO_BACK_UP,
                format!(
                    "virtual machine '{}' has no writable disk with a source to back up",
                    vm.name
                ),
            ));
        }
        let key = vm.uuid.clone();
        let capable = match self
            .blocking(move |hv| hv.checkpoint_capable_disks(&key))
            .await
        {
            Ok(capable) => capable,
            // A full backup goes on without a checkpoint; its start says
            // whether backups are possible at all.
            Err(_) if req.kind == BackupKind::Full => Vec::new(),
            Err(e) => {
                return Err(Error::from_hypervisor(
                    "reading the VM's disks",
                    KIND,
                    &vm.name,
                    e,
                ))
            }
        };
        let not_capable: Vec<&str> = disks
            .iter()
            .filter(|d| !capable.contains(&d.target))
            .map(|d| d.target.as_str())
            .collect();
        let all_qcow2 = not_capable.is_empty();
        let parent = match req.kind {
            BackupKind::Full => None,
            BackupKind::Incremental => Some(self.chain_tip(&vm, &disks, &not_capable).await?),
        };
        let backup_id = format!("bk-{}", uuid::Uuid::new_v4());
        let checkpoint = all_qcow2.then(|| format!("vapor-{backup_id}"));
        let directory = base.join(&backup_id);
        let key = vm.uuid.clone();
        let definition = self
            .blocking(move |hv| hv.domain_definition(&key))
            .await
            .map_err(|e| {
                Error::from_hypervisor("reading the VM's definition", KIND, &vm.name, e)
            })?;
        let dir_text = path_text(&directory)?;
        std::fs::create_dir_all(&base)
            .and_then(|()| create_private_dir(&directory))
            .and_then(|()| std::fs::write(directory.join(&definition.file_name), &definition.text))
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&directory);
                Error::internal(format!("creating the backup directory {dir_text}"), e)
            })?;

        let manifest_disks: Vec<ManifestDisk> = disks
            .iter()
            .map(|d| ManifestDisk {
                target: d.target.clone(),
                file: format!("{}.qcow2", d.target),
                bus: d.bus.clone(),
                format: d.format.clone(),
                cache: d.cache.clone(),
                source_path: d.path.clone().unwrap_or_default(),
                capacity_bytes: d.capacity_bytes,
            })
            .collect();
        let ts = now();
        let row = BackupRow {
            id: backup_id.clone(),
            vm_uuid: vm.uuid.clone(),
            vm_name: vm.name.clone(),
            backup_type: req.kind.as_str().to_owned(),
            status: store::RUNNING.to_owned(),
            directory: dir_text.clone(),
            disks: manifest_disks
                .iter()
                .map(|d| BackupDiskRow {
                    target: d.target.clone(),
                    file_path: format!("{dir_text}/{}", d.file),
                    size_bytes: None,
                })
                .collect(),
            skipped: skipped.clone(),
            size_bytes: None,
            compression: match req.compression {
                Compression::None => "none",
                Compression::Zstd => "zstd",
            }
            .to_owned(),
            parent_id: parent.as_ref().map(|p| p.id.clone()),
            checkpoint: checkpoint.clone(),
            operation_id: None,
            description: req.description.clone(),
            retention_days: i64::from(req.retention_days),
            include_memory: false,
            manifest_sha256: None,
            error_message: None,
            started_at: ts.clone(),
            completed_at: None,
        };
        let since_checkpoint = parent.as_ref().and_then(|p| p.checkpoint.clone());
        let pending = Pending {
            manifest: Manifest {
                format: MANIFEST_FORMAT,
                backup_id: backup_id.clone(),
                backup_type: row.backup_type.clone(),
                parent_backup_id: row.parent_id.clone(),
                since_checkpoint: since_checkpoint.clone(),
                checkpoint: checkpoint.clone(),
                started_at: ts,
                completed_at: String::new(),
                compression: row.compression.clone(),
                vm: vm_facts(&vm),
                disks: manifest_disks,
                skipped_disks: skipped,
                files: vec![ManifestFile {
                    name: definition.file_name,
                    size_bytes: 0,
                    sha256: String::new(),
                }],
            },
            since_checkpoint: since_checkpoint.clone(),
        };
        // Written before the row, so that every row left `running` by a
        // process that died can be sealed if its job completes.
        if let Err(e) = write_pending(&directory, &pending) {
            let _ = std::fs::remove_dir_all(&directory);
            return Err(Error::internal(
                format!("writing {PENDING} into {dir_text}"),
                e,
            ));
        }
        if let Err(e) = self.db.save_backup(&row) {
            let _ = std::fs::remove_dir_all(&directory);
            return Err(e);
        }
        let spec = BackupJobSpec {
            disks: row
                .disks
                .iter()
                .map(|d| BackupDiskTarget {
                    target: d.target.clone(),
                    file: d.file_path.clone(),
                })
                .collect(),
            incremental_from: since_checkpoint.clone(),
            checkpoint: checkpoint.clone(),
        };
        let key = vm.uuid.clone();
        if let Err(e) = self.blocking(move |hv| hv.begin_backup(&key, &spec)).await {
            let _ = std::fs::remove_dir_all(&directory);
            let _ = self.db.delete_backup_row(&backup_id);
            return Err(begin_error(&vm.name, e));
        }
        tracing::info!(backup = %backup_id, vm = %vm.name, kind = req.kind.as_str(), "backup started");

        let app = self.clone();
        let task_row = row.clone();
        let spawned = self.operations.spawn(
            "vm_backup",
            &vm.uuid,
            "copying disks",
            move |handle| async move {
                let _guard = guard;
                app.run_backup(handle, task_row, pending, false).await
            },
        );
        match spawned {
            Ok(op) => {
                self.db.set_backup_operation(&backup_id, &op.id)?;
                Ok(op)
            }
            Err(err) => {
                // Nothing follows the job: stop it and settle the row now.
                let mut failed = row;
                failed.error_message = Some(err.to_string());
                self.discard_backup(&mut failed, true).await;
                Err(err)
            }
        }
    }

    /// The backups of the VM `id` (its name or UUID; also after the VM is
    /// gone), oldest first: those of its UUID and those of earlier VMs of
    /// its name (a restore over a VM gives it a new UUID).
    pub async fn list_backups(&self, id: &str) -> Result<Vec<BackupRow>> {
        match self.get_vm(id).await {
            Ok(vm) => self.db.backups_of_vm_or_name(&vm.uuid, &vm.name),
            Err(Error::NotFound { .. }) => {
                let mut rows = self.db.backups_of_vm_name(id)?;
                if rows.is_empty() {
                    rows = self.db.backups_of_vm(id)?;
                }
                if rows.is_empty() {
                    return Err(Error::NotFound {
                        kind: KIND,
                        id: id.to_owned(),
                    });
                }
                Ok(rows)
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes a backup (and with `cascade`, the backups that build on it).
    pub async fn delete_backup(&self, backup_id: &str, cascade: bool) -> Result<()> {
        let row = self.db.backup(backup_id)?.ok_or_else(|| Error::NotFound {
            kind: "backup",
            id: backup_id.to_owned(),
        })?;
        let dependants = self.dependants_of(&row.id)?;
        if !dependants.is_empty() && !cascade {
            return Err(Error::refused(
                Refusal::Conflict,
                BACKUP_HAS_DEPENDENTS,
                format!(
                    "backup {} is the base of {}; deleting it would break their chain (delete with cascade=true to remove them too)",
                    row.id,
                    dependants
                        .iter()
                        .map(|b| b.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if let Some(running) = std::iter::once(&row)
            .chain(dependants.iter())
            .find(|b| b.status == store::RUNNING)
        {
            return Err(Error::conflict(format!(
                "backup {} is running; cancel its operation {} first",
                running.id,
                running.operation_id.as_deref().unwrap_or("?")
            )));
        }
        let _guard = self.vm_guard_if_defined(&row.vm_uuid).await?;
        // Newest first, so that a chain is never left without its base.
        let mut all = dependants;
        all.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        all.push(row);
        for b in &all {
            self.remove_backup(b).await?;
        }
        Ok(())
    }

    /// Starts restoring a backup; see the module documentation.
    pub async fn restore_backup(self: &Arc<Self>, req: BackupRestore) -> Result<OperationRow> {
        if req.restore_memory {
            return Err(Error::refused(
                Refusal::Unsupported,
                MEMORY_BACKUP_UNSUPPORTED,
                "backups hold disks only; restore_memory is not available",
            ));
        }
        let tip = self
            .db
            .backup(&req.backup_id)?
            .ok_or_else(|| Error::NotFound {
                kind: "backup",
                id: req.backup_id.clone(),
            })?;
        let chain = self.chain_of(&tip)?;
        let name = req
            .new_vm_name
            .clone()
            .unwrap_or_else(|| tip.vm_name.clone());
        super::vm::validate_name(&name)?;
        let key = name.clone();
        let existing = match self.blocking(move |hv| hv.lookup_domain(&key)).await {
            Ok(vm) => Some(vm),
            Err(e) if e.kind == HypervisorErrorKind::NotFound => None,
            Err(e) => return Err(Error::from_hypervisor("checking the name", KIND, &name, e)),
        };
        let guard = match &existing {
            Some(vm) if !req.overwrite => {
                return Err(Error::AlreadyExists {
                    kind: KIND,
                    id: vm.name.clone(),
                })
            }
            Some(vm) => {
                let guard = self.locks.try_acquire("vm", &vm.uuid)?;
                if vm.state.is_active() {
                    return Err(Error::refused(
                        Refusal::Conflict,
                        VM_NOT_STOPPED,
                        format!(
                            "virtual machine '{}' is running; shut it down before restoring over it",
                            vm.name
                        ),
                    ));
                }
                Some(guard)
            }
            None => None,
        };
        let pool = match (&req.storage_pool, &existing) {
            (Some(p), _) => p.clone(),
            (None, Some(vm)) => self
                .pool_of_disks(vm)
                .await
                .unwrap_or_else(|| "default".to_owned()),
            (None, None) => "default".to_owned(),
        };
        let manifests = chain
            .iter()
            .map(read_manifest_unverified)
            .collect::<Result<Vec<_>>>()?;
        let request = restore_request(&chain, &manifests, &name, &pool)?;
        let maximums = maximums_of(&manifests);
        super::vm_create::validate(&request)?;
        super::vm_create::validate_maximums(&request, maximums)?;

        let app = self.clone();
        self.operations.spawn(
            "vm_restore",
            &tip.id,
            "verifying checksums",
            move |handle| async move {
                let _guard = guard;
                app.run_restore(handle, chain, request, maximums, existing)
                    .await
                    .map_err(OperationFailure::from)
            },
        )
    }

    /// Deletes expired backups, leaves of their chains first, so that no
    /// backup that an unexpired one builds on is removed. Returns how many.
    pub async fn prune_expired_backups(&self) -> Result<usize> {
        let mut removed = 0;
        loop {
            let all = self.db.all_backups()?;
            let now = chrono::Utc::now();
            let expired: Vec<&BackupRow> = all
                .iter()
                .filter(|b| b.status != store::RUNNING && b.retention_days > 0)
                .filter(|b| {
                    let since = b.completed_at.as_deref().unwrap_or(&b.started_at);
                    chrono::DateTime::parse_from_rfc3339(since).is_ok_and(|t| {
                        t.with_timezone(&chrono::Utc) + chrono::Duration::days(b.retention_days)
                            <= now
                    })
                })
                .filter(|b| !all.iter().any(|c| c.parent_id.as_deref() == Some(&b.id)))
                .collect();
            if expired.is_empty() {
                return Ok(removed);
            }
            let mut progressed = false;
            for b in expired {
                let Ok(_guard) = self.vm_guard_if_defined(&b.vm_uuid).await else {
                    // The VM is busy; try again on the next round.
                    continue;
                };
                match self.remove_backup(b).await {
                    Ok(()) => {
                        tracing::info!(backup = %b.id, vm = %b.vm_name, "removed an expired backup");
                        removed += 1;
                        progressed = true;
                    }
                    Err(e) => {
                        tracing::warn!(backup = %b.id, error = %e, "could not remove an expired backup")
                    }
                }
            }
            if !progressed {
                return Ok(removed);
            }
        }
    }

    /// The directory a backup goes under: the configured root, or a
    /// directory inside it named by `destination_path`.
    fn backup_base(&self, destination: Option<&str>) -> Result<PathBuf> {
        let root = &self.settings.backup_dir;
        let Some(dest) = destination else {
            return Ok(root.clone());
        };
        let invalid = |why: String| Error::invalid("destination_path", why);
        let path = Path::new(dest);
        if !path.is_absolute() {
            return Err(invalid(format!(
                "destination_path '{dest}' is not an absolute path"
            )));
        }
        if path
            .components()
            .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
        {
            return Err(invalid(format!(
                "destination_path '{dest}' contains '.' or '..'"
            )));
        }
        std::fs::create_dir_all(root)
            .map_err(|e| Error::internal(format!("creating {}", root.display()), e))?;
        let root_real = root
            .canonicalize()
            .map_err(|e| Error::internal(format!("resolving {}", root.display()), e))?;
        let real = path.canonicalize().map_err(|e| {
            invalid(format!(
                "destination_path '{dest}' is not an existing directory: {e}"
            ))
        })?;
        if !real.starts_with(&root_real) {
            return Err(invalid(format!(
                "destination_path '{dest}' is not inside the backup directory {}",
                root_real.display()
            )));
        }
        if !real.is_dir() {
            return Err(invalid(format!(
                "destination_path '{dest}' is not a directory"
            )));
        }
        tempfile::tempfile_in(&real)
            .map_err(|e| invalid(format!("destination_path '{dest}' is not writable: {e}")))?;
        Ok(real)
    }

    /// The completed backup an incremental backup of `vm` builds on: the
    /// newest completed backup with a checkpoint, whose checkpoint the VM
    /// still has and which covers the same disks.
    async fn chain_tip(
        &self,
        vm: &Domain,
        disks: &[&DiskInfo],
        not_capable: &[&str],
    ) -> Result<BackupRow> {
        if !not_capable.is_empty() {
            return Err(Error::refused(
                Refusal::Unsupported,
                INCREMENTAL_UNSUPPORTED,
                format!(
                    "incremental backups need disks that can hold a checkpoint (a qcow2 v3 image: checkpoints are persistent bitmaps inside it); {} of '{}' cannot (raw, or qcow2 v2: `qemu-img amend -o compat=1.1` upgrades it while the VM is off), so only full backups are possible",
                    not_capable.join(", "),
                    vm.name
                ),
            ));
        }
        let tip = self
            .db
            .backups_of_vm(&vm.uuid)?
            .into_iter()
            .rfind(|b| b.status == store::COMPLETED && b.checkpoint.is_some())
            .ok_or_else(|| {
                Error::refused(
                    Refusal::Conflict,
                    BACKUP_CHAIN_BROKEN,
                    format!(
                        "virtual machine '{}' has no completed backup to build on; take a full backup first",
                        vm.name
                    ),
                )
            })?;
        let key = vm.uuid.clone();
        let checkpoints = self
            .blocking(move |hv| hv.list_checkpoints(&key))
            .await
            .map_err(|e| {
                Error::from_hypervisor("listing the VM's checkpoints", KIND, &vm.name, e)
            })?;
        let checkpoint = tip.checkpoint.clone().unwrap_or_default();
        if !checkpoints.contains(&checkpoint) {
            return Err(Error::refused(
                Refusal::Conflict,
                BACKUP_CHAIN_BROKEN,
                format!(
                    "checkpoint {checkpoint} of backup {} (the newest of the chain) is gone from virtual machine '{}' (it was redefined or the checkpoint deleted), so an incremental backup would miss changes; take a full backup to start a new chain",
                    tip.id, vm.name
                ),
            ));
        }
        let mut now_targets: Vec<&str> = disks.iter().map(|d| d.target.as_str()).collect();
        let mut then_targets: Vec<&str> = tip.disks.iter().map(|d| d.target.as_str()).collect();
        now_targets.sort_unstable();
        then_targets.sort_unstable();
        if now_targets != then_targets {
            return Err(Error::refused(
                Refusal::Conflict,
                BACKUP_CHAIN_BROKEN,
                format!(
                    "the disks of '{}' ({}) are not those of backup {} ({}); take a full backup to start a new chain",
                    vm.name,
                    now_targets.join(", "),
                    tip.id,
                    then_targets.join(", ")
                ),
            ));
        }
        Ok(tip)
    }

    /// The operation's work: follows the job, then seals or discards the
    /// backup. `after_restart`: the job was started by a previous process.
    async fn run_backup(
        self: Arc<Self>,
        mut handle: OperationHandle,
        mut row: BackupRow,
        pending: Pending,
        after_restart: bool,
    ) -> Result<(), OperationFailure> {
        row.operation_id = Some(handle.id().to_owned());
        let followed = self.follow_job(&mut handle, &row.vm_uuid).await;
        let sealed = match followed {
            Ok(()) => {
                let phase = if pending.manifest.compression == "zstd" {
                    "compressing and checksumming"
                } else {
                    "checksumming"
                };
                handle.progress(phase, None, None, 99.0);
                let directory = PathBuf::from(&row.directory);
                let manifest = pending.manifest;
                tokio::task::spawn_blocking(move || {
                    let manifest = compress_images(&directory, manifest)?;
                    seal(&directory, manifest)
                })
                .await
                .unwrap_or_else(|e| Err(format!("sealing the backup panicked: {e}")))
            }
            Err(message) => Err(message),
        };
        match sealed {
            Ok(sealed) => {
                row.status = store::COMPLETED.to_owned();
                row.size_bytes = Some(sealed.total_bytes.min(i64::MAX as u64) as i64);
                row.manifest_sha256 = Some(sealed.manifest_sha256);
                for d in &mut row.disks {
                    if let Some(m) = sealed.manifest.disks.iter().find(|m| m.target == d.target) {
                        d.file_path = format!("{}/{}", row.directory, m.file);
                    }
                    d.size_bytes = sealed
                        .manifest
                        .files
                        .iter()
                        .find(|f| d.file_path.ends_with(&format!("/{}", f.name)))
                        .map(|f| f.size_bytes);
                }
                row.completed_at = Some(now());
                if let Err(e) = self.db.save_backup(&row) {
                    tracing::error!(backup = %row.id, error = %e, "could not record a completed backup");
                    return Err(e.into());
                }
                // Only once the row says `completed`: until then a restart
                // may still need it.
                remove_pending(Path::new(&row.directory));
                tracing::info!(backup = %row.id, vm = %row.vm_name, bytes = sealed.total_bytes, incremental = pending.since_checkpoint.is_some(), after_restart, "backup completed");
                Ok(())
            }
            Err(message) => {
                let cancelled = handle.is_cancelled();
                let message = if after_restart {
                    format!("the Vapor service stopped while the backup ran; the job it left was followed after the restart and did not complete: {message}")
                } else {
                    message
                };
                row.error_message = Some(if cancelled {
                    "cancelled on request".to_owned()
                } else {
                    message.clone()
                });
                self.discard_backup(&mut row, false).await;
                Err(OperationFailure {
                    code: BACKUP_FAILED.to_owned(),
                    message: format!("backup {} of '{}' failed: {message}", row.id, row.vm_name),
                })
            }
        }
    }

    /// Samples the backend's job until it ends; aborts it when the operation
    /// is cancelled. `Err` holds why it did not complete.
    async fn follow_job(&self, handle: &mut OperationHandle, uuid: &str) -> Result<(), String> {
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut cancel_requested = false;
        let mut errors = 0;
        loop {
            tokio::select! {
                _ = handle.cancelled(), if !cancel_requested => {
                    cancel_requested = true;
                    let key = uuid.to_owned();
                    if let Err(e) = self.blocking(move |hv| hv.abort_backup(&key)).await {
                        tracing::warn!(vm = uuid, error = %e, "could not abort the backup job");
                    }
                }
                _ = tick.tick() => {
                    let key = uuid.to_owned();
                    match self.blocking(move |hv| hv.backup_job(&key)).await {
                        Ok(BackupJobState::Running { processed_bytes, total_bytes }) => {
                            errors = 0;
                            let percent = match (processed_bytes, total_bytes) {
                                (Some(p), Some(t)) if t > 0 => p as f64 * 100.0 / t as f64,
                                _ => 0.0,
                            };
                            let i = |v: Option<u64>| v.map(|v| v.min(i64::MAX as u64) as i64);
                            handle.progress("copying disks", i(processed_bytes), i(total_bytes), percent.min(98.0));
                        }
                        Ok(BackupJobState::Completed { .. }) => return Ok(()),
                        Ok(BackupJobState::Failed { message }) => return Err(message),
                        Ok(BackupJobState::None) => {
                            return Err("the backup job ended without a result (did the VM stop?)".to_owned())
                        }
                        Err(e) if e.kind == HypervisorErrorKind::NotFound => {
                            return Err(format!("the virtual machine is gone: {}", e.message))
                        }
                        Err(e) => {
                            errors += 1;
                            tracing::warn!(vm = uuid, error = %e, "could not read the backup job");
                            if errors >= 25 {
                                return Err(format!("the backup job cannot be followed: {}", e.message));
                            }
                        }
                    }
                }
            }
        }
    }

    /// Ends a backup that did not complete: aborts the job (`abort`), deletes
    /// its checkpoint and its files, and records it as failed, saying what
    /// could not be cleaned up.
    async fn discard_backup(&self, row: &mut BackupRow, abort: bool) {
        let hv = self.hypervisor.clone();
        let job_row = row.clone();
        let notes =
            tokio::task::spawn_blocking(move || clean_up_backup(hv.as_ref(), &job_row, abort))
                .await
                .unwrap_or_else(|e| vec![format!("clean-up panicked: {e}")]);
        row.status = store::FAILED.to_owned();
        row.completed_at = Some(now());
        if !notes.is_empty() {
            let base = row.error_message.take().unwrap_or_default();
            row.error_message = Some(format!("{base} ({})", notes.join("; ")));
        }
        if let Err(e) = self.db.save_backup(row) {
            tracing::error!(backup = %row.id, error = %e, "could not record a failed backup");
        }
        tracing::warn!(backup = %row.id, vm = %row.vm_name, reason = row.error_message.as_deref().unwrap_or(""), "backup failed");
    }

    /// The backups that build on `id`, directly or not.
    fn dependants_of(&self, id: &str) -> Result<Vec<BackupRow>> {
        let mut out = Vec::new();
        let mut todo = vec![id.to_owned()];
        while let Some(next) = todo.pop() {
            for child in self.db.backup_children(&next)? {
                todo.push(child.id.clone());
                out.push(child);
            }
        }
        Ok(out)
    }

    /// The VM's guard when the VM is defined; `None` when it is gone.
    async fn vm_guard_if_defined(&self, uuid: &str) -> Result<Option<super::MutationGuard>> {
        let key = uuid.to_owned();
        match self.blocking(move |hv| hv.lookup_domain(&key)).await {
            Ok(vm) => Ok(Some(self.locks.try_acquire("vm", &vm.uuid)?)),
            Err(e) if e.kind == HypervisorErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::from_hypervisor(
                "looking up the virtual machine",
                KIND,
                uuid,
                e,
            )),
        }
    }

    /// Deletes one backup: its checkpoint (when the VM still has it), its
    /// directory, its row.
    async fn remove_backup(&self, b: &BackupRow) -> Result<()> {
        if let Some(checkpoint) = b.checkpoint.clone() {
            let key = b.vm_uuid.clone();
            let name = checkpoint.clone();
            match self
                .blocking(move |hv| hv.delete_checkpoint(&key, &name))
                .await
            {
                Ok(()) => {}
                Err(e)
                    if matches!(
                        e.kind,
                        HypervisorErrorKind::NotFound | HypervisorErrorKind::Unsupported
                    ) => {}
                Err(e) => {
                    // A checkpoint left behind costs a bitmap and breaks no chain.
                    tracing::warn!(backup = %b.id, checkpoint = %checkpoint, error = %e, "could not delete the backup's checkpoint");
                }
            }
        }
        match std::fs::remove_dir_all(&b.directory) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::internal(
                    format!("removing the files of backup {} in {}", b.id, b.directory),
                    e,
                ))
            }
        }
        self.db.delete_backup_row(&b.id)
    }

    /// The backups a restore of `tip` reads, the full backup first; each
    /// must be complete.
    fn chain_of(&self, tip: &BackupRow) -> Result<Vec<BackupRow>> {
        let mut chain = vec![tip.clone()];
        while let Some(parent) = chain.last().and_then(|b| b.parent_id.clone()) {
            let row = self.db.backup(&parent)?.ok_or_else(|| {
                Error::refused(
                    Refusal::Conflict,
                    BACKUP_CHAIN_BROKEN,
                    format!("backup {parent}, on which {} builds, is gone", tip.id),
                )
            })?;
            if chain.len() > 10_000 || chain.iter().any(|b| b.id == row.id) {
                return Err(Error::refused(
                    Refusal::Conflict,
                    BACKUP_CHAIN_BROKEN,
                    format!("the chain of backup {} loops", tip.id),
                ));
            }
            chain.push(row);
        }
        if let Some(b) = chain.iter().find(|b| b.status != store::COMPLETED) {
            return Err(Error::refused(
                Refusal::Conflict,
                BACKUP_NOT_COMPLETED,
                format!("backup {} is {}, not completed", b.id, b.status),
            ));
        }
        chain.reverse();
        Ok(chain)
    }

    /// The pool that holds the first of the VM's disks that is a volume.
    async fn pool_of_disks(&self, vm: &Domain) -> Option<String> {
        for path in vm
            .disks
            .iter()
            .filter(|d| d.device == "disk")
            .filter_map(|d| d.path.clone())
        {
            if let Ok(v) = self
                .blocking(move |hv| hv.lookup_volume_by_path(&path))
                .await
            {
                return Some(v.pool);
            }
        }
        None
    }

    /// The restore operation's work.
    async fn run_restore(
        self: Arc<Self>,
        handle: OperationHandle,
        chain: Vec<BackupRow>,
        request: VmCreateEnhanced,
        maximums: Maximums,
        existing: Option<Domain>,
    ) -> Result<()> {
        let rows = chain.clone();
        tokio::task::spawn_blocking(move || rows.iter().try_for_each(verify_backup))
            .await
            .map_err(|e| Error::Internal {
                context: format!("verifying the backup panicked: {e}"),
                source: None,
            })??;
        let (staged, request) = if chain.iter().any(|b| b.compression == "zstd") {
            handle.progress("decompressing images", None, None, 20.0);
            let root = self.settings.backup_dir.clone();
            tokio::task::spawn_blocking(move || decompress_chain(&root, request))
                .await
                .map_err(|e| Error::Internal {
                    context: format!("decompressing the backup panicked: {e}"),
                    source: None,
                })??
        } else {
            (None, request)
        };
        let outcome = self
            .restore_into(handle, request, maximums, existing, &chain)
            .await;
        // The decompressed copies go, whatever the outcome.
        drop(staged);
        outcome
    }

    /// Defines the restored VM (replacing `existing` if any).
    async fn restore_into(
        &self,
        handle: OperationHandle,
        request: VmCreateEnhanced,
        maximums: Maximums,
        existing: Option<Domain>,
        chain: &[BackupRow],
    ) -> Result<()> {
        handle.progress("restoring disks", None, None, 30.0);
        let Some(old) = existing else {
            let vm = self.create_vm_with_maximums(request, maximums).await?;
            tracing::info!(vm = %vm.name, backup = %chain.last().map(|b| b.id.as_str()).unwrap_or(""), "restored a backup into a new VM");
            return Ok(());
        };
        let key = old.uuid.clone();
        self.blocking(move |hv| hv.undefine_domain(&key))
            .await
            .map_err(|e| {
                Error::from_hypervisor("removing the VM restored over", KIND, &old.name, e)
            })?;
        match self.create_vm_with_maximums(request, maximums).await {
            Ok(vm) => {
                let keep: Vec<String> = vm.disks.iter().filter_map(|d| d.path.clone()).collect();
                let old_volumes: Vec<String> = old
                    .metadata
                    .owned_volumes
                    .iter()
                    .filter(|p| !keep.contains(p))
                    .cloned()
                    .collect();
                let left = self.remove_volumes(&old_volumes).await;
                super::vm_create::remove_ephemeral(&old.metadata.ephemeral_volumes);
                if !left.is_empty() {
                    tracing::warn!(vm = %vm.name, volumes = ?left, "the overwritten VM's volumes could not all be removed");
                }
                tracing::info!(vm = %vm.name, "restored a backup over an existing VM");
                Ok(())
            }
            Err(err) => {
                let spec = spec_of(&old);
                let name = old.name.clone();
                match self.blocking(move |hv| hv.define_domain(&spec)).await {
                    Ok(_) => {
                        if old.max_vcpus != old.vcpus || old.max_memory_mib != old.memory_mib {
                            let (uuid, vcpus, memory) =
                                (old.uuid.clone(), old.max_vcpus, old.max_memory_mib);
                            if let Err(e) = self
                                .blocking(move |hv| hv.set_hotplug_maximums(&uuid, vcpus, memory))
                                .await
                            {
                                tracing::warn!(vm = %old.name, error = %e, "the VM defined again lost its room for hotplug");
                            }
                        }
                        Err(err)
                    }
                    Err(e) => {
                        tracing::error!(vm = %name, error = %e, "could not define the overwritten VM again");
                        Err(Error::Internal {
                            context: format!(
                                "restoring over '{name}' failed ({err}) and its previous definition could not be defined again ({e}); its disks are kept: {}",
                                old.disks.iter().filter_map(|d| d.path.clone()).collect::<Vec<_>>().join(", ")
                            ),
                            source: None,
                        })
                    }
                }
            }
        }
    }

    /// Makes the volume a restored disk is written into and writes the
    /// chain's images into it. The volume is pushed onto `made` as soon as
    /// it exists, so that a failed create removes it.
    pub(super) async fn restore_disk_volume(
        &self,
        pool: &str,
        name: &str,
        capacity_bytes: u64,
        format: DiskFormat,
        chain: &[String],
        made: &mut Vec<String>,
    ) -> Result<String> {
        self.ensure_pool(pool).await?;
        let spec = vapor_hypervisor::VolumeSpec {
            name: name.to_owned(),
            capacity_bytes,
            format,
        };
        let pool_name = pool.to_owned();
        let volume = self
            .blocking(move |hv| hv.create_volume(&pool_name, &spec))
            .await
            .map_err(|e| {
                Error::from_hypervisor(
                    format!("creating volume {name} in pool {pool}"),
                    "volume",
                    name,
                    e,
                )
            })?;
        made.push(volume.path.clone());
        let (images, dest) = (chain.to_vec(), volume.path.clone());
        self.blocking(move |hv| hv.restore_disk_image(&images, &dest))
            .await
            .map_err(|e| {
                Error::from_hypervisor(
                    format!("writing the backup into volume {name}"),
                    "volume",
                    name,
                    e,
                )
            })?;
        Ok(volume.path)
    }
}

/// Settles, at start, the backups a previous process left `running`,
/// without waiting for any job: a backup whose job still runs or has
/// completed is returned, to be followed and sealed once the background
/// tasks start; any other (job failed or gone, VM gone, what sealing needs
/// unreadable) has its job aborted if it runs, its checkpoint and partial
/// files removed, and is recorded as failed with the reason.
pub(super) fn recover_interrupted_backups(
    hv: &dyn Hypervisor,
    db: &Database,
) -> Result<Vec<InterruptedBackup>> {
    let mut follow = Vec::new();
    for mut row in db.backups_with_status(store::RUNNING)? {
        let job = hv.backup_job(&row.vm_uuid);
        let pending = read_pending(Path::new(&row.directory));
        let decision = on_restart(&job, pending.as_ref().map(|_| ()).map_err(String::as_str));
        let reason = match (decision, pending) {
            (OnRestart::Follow, Ok(pending)) => {
                tracing::info!(backup = %row.id, vm = %row.vm_name, "a backup job left by a previous process goes on; it will be followed");
                follow.push(InterruptedBackup { row, pending });
                continue;
            }
            (OnRestart::Discard(reason), _) => reason,
            // Not reached: without what sealing needs the decision is Discard.
            (OnRestart::Follow, Err(why)) => why,
        };
        let notes = clean_up_backup(hv, &row, true);
        row.status = store::FAILED.to_owned();
        row.completed_at = Some(now());
        let mut message = format!(
            "the Vapor service stopped while the backup ran, and after the restart {reason}; its partial files were removed"
        );
        if !notes.is_empty() {
            message = format!("{message} ({})", notes.join("; "));
        }
        row.error_message = Some(message);
        db.save_backup(&row)?;
        tracing::warn!(backup = %row.id, vm = %row.vm_name, reason = %reason, "marked a backup interrupted by a restart as failed");
    }
    Ok(follow)
}

/// The decision for a backup left `running`, from its backend's job and
/// whether what sealing needs could be read (`Err`: why not).
fn on_restart(
    job: &Result<BackupJobState, HypervisorError>,
    pending: Result<(), &str>,
) -> OnRestart {
    let follow = |state: &str| match pending {
        Ok(()) => OnRestart::Follow,
        Err(why) => OnRestart::Discard(format!(
            "its job {state}, but what sealing the backup needs cannot be read ({why})"
        )),
    };
    match job {
        Ok(BackupJobState::Running { .. }) => follow("was still running"),
        Ok(BackupJobState::Completed { .. }) => follow("had completed"),
        Ok(BackupJobState::Failed { message }) => {
            OnRestart::Discard(format!("its job had failed: {message}"))
        }
        Ok(BackupJobState::None) => OnRestart::Discard(
            "its job was gone (the virtual machine was stopped or restarted)".to_owned(),
        ),
        Err(e) if e.kind == HypervisorErrorKind::NotFound => {
            OnRestart::Discard(format!("the virtual machine was gone: {}", e.message))
        }
        // libvirt: a domain that is not running has no job to read.
        Err(e) if e.kind == HypervisorErrorKind::OperationInvalid => {
            OnRestart::Discard(format!("its job was gone: {}", e.message))
        }
        Err(e) if e.kind == HypervisorErrorKind::Unsupported => {
            OnRestart::Discard(format!("the backend has no backups: {}", e.message))
        }
        // Not known yet (e.g. libvirtd is restarting): the follower reads
        // the job again, and fails the backup if it still cannot.
        Err(_) => follow("could not be read"),
    }
}

impl Vapor {
    /// Follows, each in a new `vm_backup` operation that holds the VM's
    /// guard, the backups [`recover_interrupted_backups`] found still able
    /// to complete; the backup's `operation_id` becomes the new operation's,
    /// and the old operation's message (`INTERRUPTED`) names it.
    pub(super) async fn follow_interrupted_backups(self: Arc<Self>, left: Vec<InterruptedBackup>) {
        for InterruptedBackup { row, pending } in left {
            let guard = match self.locks.try_acquire("vm", &row.vm_uuid) {
                Ok(guard) => Some(guard),
                Err(e) => {
                    tracing::warn!(backup = %row.id, error = %e, "following a backup left by a previous process without the VM's guard");
                    None
                }
            };
            let app = self.clone();
            let task_row = row.clone();
            let spawned = self.operations.spawn(
                "vm_backup",
                &row.vm_uuid,
                "copying disks",
                move |handle| async move {
                    let _guard = guard;
                    app.run_backup(handle, task_row, pending, true).await
                },
            );
            match spawned {
                Ok(op) => {
                    if let Err(e) = self.db.set_backup_operation(&row.id, &op.id) {
                        tracing::warn!(backup = %row.id, error = %e, "could not record the operation that follows the backup");
                    }
                    if let Some(old) = row.operation_id.as_deref() {
                        note_followed_by(&self.db, old, &row.id, &op.id);
                    }
                }
                Err(err) => {
                    let mut failed = row;
                    failed.error_message = Some(format!(
                        "the Vapor service stopped while the backup ran, and its job could not be followed after the restart: {err}"
                    ));
                    self.discard_backup(&mut failed, true).await;
                }
            }
        }
    }
}

/// Adds to the message of the operation a previous process left (failed
/// `INTERRUPTED`) which operation now follows its backup.
fn note_followed_by(db: &Database, old: &str, backup_id: &str, new: &str) {
    let noted = db.operation(old).and_then(|row| match row {
        Some(mut row) => {
            let before = row.error_message.take().unwrap_or_default();
            row.error_message = Some(format!(
                "{before}; its backup job went on, and operation {new} follows backup {backup_id} since the restart"
            ));
            db.upsert_operation(&row)
        }
        None => Ok(()),
    });
    if let Err(e) = noted {
        tracing::warn!(operation = %old, error = %e, "could not note which operation follows the backup");
    }
}

/// Stops what a backup that did not complete left behind: the job (with
/// `abort`, waiting up to 30 s for it to end), its checkpoint, its directory.
/// Blocking. Returns notes on what could not be done.
fn clean_up_backup(hv: &dyn Hypervisor, row: &BackupRow, abort: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if abort {
        if let Ok(BackupJobState::Running { .. }) = hv.backup_job(&row.vm_uuid) {
            match hv.abort_backup(&row.vm_uuid) {
                Ok(()) => tracing::info!(backup = %row.id, "aborted the backup job"),
                Err(e) => notes.push(format!("the backup job could not be aborted: {e}")),
            }
            for _ in 0..150 {
                match hv.backup_job(&row.vm_uuid) {
                    Ok(BackupJobState::Running { .. }) => {
                        std::thread::sleep(Duration::from_millis(200))
                    }
                    _ => break,
                }
            }
        }
    }
    if let Some(checkpoint) = &row.checkpoint {
        match hv.delete_checkpoint(&row.vm_uuid, checkpoint) {
            Ok(()) => {}
            Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
            // libvirt 9.0 deletes the checkpoints of running VMs only.
            Err(e) if e.kind == HypervisorErrorKind::Unsupported => notes.push(format!(
                "checkpoint {checkpoint} is kept ({}); deleting this backup while the VM runs removes it",
                e.message
            )),
            Err(e) => notes.push(format!("checkpoint {checkpoint} could not be deleted: {e}")),
        }
    }
    match std::fs::remove_dir_all(&row.directory) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => notes.push(format!("{} could not be removed: {e}", row.directory)),
    }
    notes
}

fn no_compression() -> String {
    "none".to_owned()
}

/// Whether the `zstd` program runs here.
fn zstd_available() -> bool {
    std::process::Command::new("zstd")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `zstd` with `args`; `Err` holds what it said.
fn zstd(args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let out = std::process::Command::new("zstd")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run zstd: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "zstd failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// With `zstd` compression, replaces each disk image by its compressed
/// copy (`<file>.zst`, written whole before the image is removed).
fn compress_images(dir: &Path, mut manifest: Manifest) -> Result<Manifest, String> {
    if manifest.compression != "zstd" {
        return Ok(manifest);
    }
    for d in &mut manifest.disks {
        let image = dir.join(&d.file);
        let packed = dir.join(format!("{}.zst", d.file));
        if !image.exists() && packed.exists() {
            // Compressed by a process that died before the backup was
            // recorded: the image is removed only once its copy is whole.
            d.file = format!("{}.zst", d.file);
            continue;
        }
        zstd(&[
            "-q".as_ref(),
            "-f".as_ref(),
            "-T0".as_ref(),
            image.as_os_str(),
            "-o".as_ref(),
            packed.as_os_str(),
        ])?;
        std::fs::remove_file(&image).map_err(|e| format!("removing {}: {e}", image.display()))?;
        d.file = format!("{}.zst", d.file);
    }
    Ok(manifest)
}

/// Decompresses the `.zst` images a restore reads into a private directory
/// under `root` (removed when the returned handle drops), and points the
/// request at the copies.
fn decompress_chain(
    root: &Path,
    mut request: VmCreateEnhanced,
) -> Result<(Option<tempfile::TempDir>, VmCreateEnhanced)> {
    std::fs::create_dir_all(root)
        .map_err(|e| Error::internal(format!("creating {}", root.display()), e))?;
    let staged = tempfile::Builder::new()
        .prefix(".restore-")
        .tempdir_in(root)
        .map_err(|e| Error::internal(format!("staging in {}", root.display()), e))?;
    let mut n = 0;
    for disk in &mut request.disks {
        let DiskSource::Restore { chain, .. } = &mut disk.source else {
            continue;
        };
        for image in chain.iter_mut() {
            if !image.ends_with(".zst") {
                continue;
            }
            n += 1;
            let out = staged.path().join(format!("{n}.qcow2"));
            zstd(&[
                "-d".as_ref(),
                "-q".as_ref(),
                std::ffi::OsStr::new(image.as_str()),
                "-o".as_ref(),
                out.as_os_str(),
            ])
            .map_err(|e| Error::Internal {
                context: format!("decompressing {image}: {e}"),
                source: None,
            })?;
            *image = path_text(&out)?;
        }
    }
    Ok((Some(staged), request))
}

/// Checks the request's values that no backend is asked about.
fn validate_create(req: &BackupCreate) -> Result<()> {
    if req.compression == Compression::Zstd && !zstd_available() {
        return Err(Error::refused(
            Refusal::Unsupported,
            COMPRESSION_UNSUPPORTED,
            "compression 'zstd' needs the zstd program, which this host lacks; use 'none'",
        ));
    }
    if req.include_memory {
        return Err(Error::refused(
            Refusal::Unsupported,
            MEMORY_BACKUP_UNSUPPORTED,
            "backups hold disks only; include_memory is not available",
        ));
    }
    if req.retention_days > 3650 {
        return Err(Error::invalid(
            "retention_days",
            "retention_days is 0 to 3650",
        ));
    }
    if let Some(d) = &req.description {
        if d.chars().count() > 1024
            || d.chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(Error::invalid(
                "description",
                "description is up to 1024 characters without control characters",
            ));
        }
    }
    Ok(())
}

/// The disks to back up, and those skipped with the reason.
fn select_disks(vm: &Domain) -> (Vec<&DiskInfo>, Vec<SkippedDisk>) {
    let mut chosen = Vec::new();
    let mut skipped = Vec::new();
    for d in &vm.disks {
        let reason = if d.device != "disk" {
            Some(format!("a {} device", d.device))
        } else if d.readonly {
            Some("read-only".to_owned())
        } else if d.path.is_none() {
            Some("no source".to_owned())
        } else {
            None
        };
        match reason {
            Some(reason) => skipped.push(SkippedDisk {
                target: d.target.clone(),
                reason,
            }),
            None => chosen.push(d),
        }
    }
    (chosen, skipped)
}

fn vm_facts(vm: &Domain) -> VmFacts {
    VmFacts {
        uuid: vm.uuid.clone(),
        name: vm.name.clone(),
        memory_mib: vm.max_memory_mib,
        vcpus: vm.max_vcpus,
        current_memory_mib: Some(vm.memory_mib),
        current_vcpus: Some(vm.vcpus),
        firmware: vm.firmware.clone(),
        secure_boot: vm.secure_boot,
        tpm: vm.tpm,
        interfaces: vm
            .interfaces
            .iter()
            .map(|i| NicFacts {
                kind: i.kind.clone(),
                source: i.source.clone(),
                model: i.model.clone(),
            })
            .collect(),
        graphics: vm
            .graphics
            .iter()
            .map(|g| GraphicsFacts {
                kind: g.kind.clone(),
                listen: g.listen.clone(),
            })
            .collect(),
    }
}

/// Maps a failed start of the backend's job onto the API's errors.
fn begin_error(vm: &str, e: HypervisorError) -> Error {
    match e.kind {
        HypervisorErrorKind::NotFound => Error::refused(
            Refusal::Conflict,
            BACKUP_CHAIN_BROKEN,
            format!(
                "the checkpoint an incremental backup of '{vm}' starts from is gone; take a full backup: {}",
                e.message
            ),
        ),
        _ => Error::from_hypervisor("starting the backup", KIND, vm, e),
    }
}

fn path_text(path: &Path) -> Result<String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid("destination_path", "the backup path is not UTF-8"))
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(path)
}

/// Size and SHA-256 (hex) of a file.
fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A backup whose files are checksummed and whose manifest is written.
struct Sealed {
    manifest: Manifest,
    manifest_sha256: String,
    total_bytes: u64,
}

/// Checksums a completed backup's files, syncs them, writes the manifest
/// (through a temporary file, synced, then renamed) and syncs the directory.
fn seal(dir: &Path, mut manifest: Manifest) -> Result<Sealed, String> {
    let io = |what: String| move |e: std::io::Error| format!("{what}: {e}");
    let mut names: Vec<String> = manifest.files.iter().map(|f| f.name.clone()).collect();
    names.extend(manifest.disks.iter().map(|d| d.file.clone()));
    let mut files = Vec::new();
    let mut total = 0u64;
    for name in names {
        let path = dir.join(&name);
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(io(format!("syncing {}", path.display())))?;
        let (size_bytes, sha256) =
            hash_file(&path).map_err(io(format!("reading {}", path.display())))?;
        total += size_bytes;
        files.push(ManifestFile {
            name,
            size_bytes,
            sha256,
        });
    }
    manifest.files = files;
    manifest.completed_at = now();
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| format!("manifest: {e}"))?;
    write_synced(dir, MANIFEST, &text)
        .map_err(io(format!("writing {}", dir.join(MANIFEST).display())))?;
    total += text.len() as u64;
    Ok(Sealed {
        manifest,
        manifest_sha256: hex(&Sha256::digest(&text)),
        total_bytes: total,
    })
}

/// Writes `dir/name` whole or not at all: through a temporary file, synced,
/// then renamed, and the directory synced.
fn write_synced(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, dir.join(name)))
        .and_then(|()| std::fs::File::open(dir)?.sync_all())
}

/// Writes what sealing the backup in `dir` needs ([`PENDING`]).
fn write_pending(dir: &Path, pending: &Pending) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(pending).map_err(std::io::Error::other)?;
    write_synced(dir, PENDING, &text)
}

/// Reads what sealing the backup in `dir` needs; `Err` says why it cannot.
fn read_pending(dir: &Path) -> Result<Pending, String> {
    let path = dir.join(PENDING);
    let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Removes [`PENDING`] from a completed backup's directory.
fn remove_pending(dir: &Path) {
    match std::fs::remove_file(dir.join(PENDING)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(directory = %dir.display(), error = %e, "could not remove pending.json from a completed backup")
        }
    }
}

/// Reads a backup's manifest without checking it (to plan a restore).
fn read_manifest_unverified(b: &BackupRow) -> Result<Manifest> {
    let path = Path::new(&b.directory).join(MANIFEST);
    let text = std::fs::read(&path)
        .map_err(|e| corrupt(b, format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&text)
        .map_err(|e| corrupt(b, format!("{} is not a manifest: {e}", path.display())))
}

fn corrupt(b: &BackupRow, why: String) -> Error {
    Error::refused(
        Refusal::Conflict,
        BACKUP_CORRUPT,
        format!("backup {} cannot be used: {why}", b.id),
    )
}

/// Checks the manifest against the database and every file against the
/// manifest. Blocking.
fn verify_backup(b: &BackupRow) -> Result<()> {
    let dir = Path::new(&b.directory);
    let path = dir.join(MANIFEST);
    let (_, sha) =
        hash_file(&path).map_err(|e| corrupt(b, format!("cannot read {}: {e}", path.display())))?;
    if b.manifest_sha256.as_deref() != Some(sha.as_str()) {
        return Err(corrupt(
            b,
            format!("{} has changed since the backup", path.display()),
        ));
    }
    let manifest = read_manifest_unverified(b)?;
    for f in &manifest.files {
        let path = dir.join(&f.name);
        let (size, sha) = hash_file(&path)
            .map_err(|e| corrupt(b, format!("cannot read {}: {e}", path.display())))?;
        if size != f.size_bytes || sha != f.sha256 {
            return Err(corrupt(
                b,
                format!(
                    "{} does not match its checksum in the manifest",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The create request that restores the chain's newest backup as `name`.
fn restore_request(
    chain: &[BackupRow],
    manifests: &[Manifest],
    name: &str,
    pool: &str,
) -> Result<VmCreateEnhanced> {
    let (tip_row, tip) = match (chain.last(), manifests.last()) {
        (Some(r), Some(m)) => (r, m),
        _ => {
            return Err(Error::Internal {
                context: "an empty backup chain".into(),
                source: None,
            })
        }
    };
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let mut disks = Vec::new();
    for d in &tip.disks {
        let mut images = Vec::new();
        for (row, m) in chain.iter().zip(manifests) {
            let file = m
                .disks
                .iter()
                .find(|x| x.target == d.target)
                .ok_or_else(|| corrupt(row, format!("it has no image of disk {}", d.target)))?;
            images.push(format!("{}/{}", row.directory, file.file));
        }
        let capacity_bytes = d.capacity_bytes.ok_or_else(|| {
            corrupt(
                tip_row,
                format!(
                    "the size of disk {} was not known when it was backed up",
                    d.target
                ),
            )
        })?;
        let format = match d.format.as_deref() {
            Some("raw") => DiskFormat::Raw,
            _ => DiskFormat::Qcow2,
        };
        let ext = if format == DiskFormat::Raw {
            "img"
        } else {
            "qcow2"
        };
        disks.push(DiskRequest {
            source: DiskSource::Restore {
                chain: images,
                capacity_bytes,
                volume: format!("{name}-{}-{suffix}.{ext}", d.target),
            },
            format: Some(format),
            bus: match d.bus.as_deref() {
                Some("sata") => DiskBus::Sata,
                Some("scsi") => DiskBus::Scsi,
                Some("ide") => DiskBus::Ide,
                _ => DiskBus::Virtio,
            },
            cache: parse_cache(d.cache.as_deref()),
            target: Some(d.target.clone()),
            readonly: false,
        });
    }
    let networks = tip
        .vm
        .interfaces
        .iter()
        .filter_map(|nic| {
            let kind = parse_nic_kind(&nic.kind)?;
            Some(NicRequest {
                kind,
                source: nic.source.clone(),
                model: nic.model.clone().unwrap_or_else(|| "virtio".into()),
                // A new MAC: the backed-up VM may still exist.
                mac: None,
            })
        })
        .collect();
    let graphics = tip
        .vm
        .graphics
        .iter()
        .filter_map(|g| {
            Some(GraphicsRequest {
                kind: parse_graphics_kind(&g.kind)?,
                listen: g.listen.clone().unwrap_or_else(|| "127.0.0.1".into()),
                port: None,
                password: None,
            })
        })
        .collect();
    Ok(VmCreateEnhanced {
        name: name.to_owned(),
        memory_mib: tip.vm.current_memory_mib.unwrap_or(tip.vm.memory_mib),
        vcpus: tip.vm.current_vcpus.unwrap_or(tip.vm.vcpus),
        disks,
        iso_path: None,
        storage_pool: pool.to_owned(),
        networks,
        graphics: Some(graphics),
        cloud_init: None,
        firmware: match tip.vm.firmware.as_str() {
            "efi" => Firmware::Efi {
                secure_boot: tip.vm.secure_boot,
            },
            _ => Firmware::Bios,
        },
        tpm: tip.vm.tpm,
        pci_devices: Vec::new(),
        autostart: false,
        start: false,
        labels: Default::default(),
    })
}

/// The backed-up VM's maximum vCPUs and memory (its room for hotplug).
fn maximums_of(manifests: &[Manifest]) -> Maximums {
    manifests
        .last()
        .map_or_else(Maximums::default, |m| Maximums {
            vcpus: Some(m.vm.vcpus),
            memory_mib: Some(m.vm.memory_mib),
        })
}

fn parse_cache(cache: Option<&str>) -> Option<DiskCache> {
    Some(match cache? {
        "none" => DiskCache::None,
        "writethrough" => DiskCache::Writethrough,
        "writeback" => DiskCache::Writeback,
        "directsync" => DiskCache::Directsync,
        "unsafe" => DiskCache::Unsafe,
        _ => return None,
    })
}

fn parse_nic_kind(kind: &str) -> Option<InterfaceKind> {
    Some(match kind {
        "network" => InterfaceKind::Network,
        "bridge" => InterfaceKind::Bridge,
        "direct" => InterfaceKind::Direct,
        "user" => InterfaceKind::User,
        _ => return None,
    })
}

fn parse_graphics_kind(kind: &str) -> Option<GraphicsKind> {
    Some(match kind {
        "vnc" => GraphicsKind::Vnc,
        "spice" => GraphicsKind::Spice,
        _ => return None,
    })
}

/// A definition that reproduces `vm` as it is (same name, UUID, disks and
/// MAC addresses), to define it again after a failed overwrite.
fn spec_of(vm: &Domain) -> DomainSpec {
    let disks = vm
        .disks
        .iter()
        .filter_map(|d| {
            Some(DiskSpec {
                device: if d.device == "cdrom" {
                    DiskDevice::Cdrom
                } else {
                    DiskDevice::Disk
                },
                path: d.path.clone()?,
                format: match d.format.as_deref() {
                    Some("raw") => DiskFormat::Raw,
                    _ => DiskFormat::Qcow2,
                },
                bus: match d.bus.as_deref() {
                    Some("sata") => DiskBus::Sata,
                    Some("scsi") => DiskBus::Scsi,
                    Some("ide") => DiskBus::Ide,
                    _ => DiskBus::Virtio,
                },
                target: d.target.clone(),
                readonly: d.readonly,
                cache: parse_cache(d.cache.as_deref()),
            })
        })
        .collect();
    DomainSpec {
        name: vm.name.clone(),
        uuid: vm.uuid.clone(),
        domain_type: vm.domain_type.clone(),
        arch: vm.os.arch.clone(),
        memory_mib: vm.memory_mib,
        vcpus: vm.vcpus,
        disks,
        interfaces: vm
            .interfaces
            .iter()
            .filter_map(|i| {
                Some(InterfaceSpec {
                    kind: parse_nic_kind(&i.kind)?,
                    source: i.source.clone(),
                    model: i.model.clone().unwrap_or_else(|| "virtio".into()),
                    mac: i.mac.clone()?,
                })
            })
            .collect(),
        graphics: vm
            .graphics
            .iter()
            .filter_map(|g| {
                Some(GraphicsSpec {
                    kind: parse_graphics_kind(&g.kind)?,
                    listen: g.listen.clone().unwrap_or_else(|| "127.0.0.1".into()),
                    port: if g.autoport {
                        None
                    } else {
                        g.port.and_then(|p| u16::try_from(p).ok())
                    },
                    password: None,
                })
            })
            .collect(),
        boot: vec![BootDevice::Hd],
        firmware: match vm.firmware.as_str() {
            "efi" => Firmware::Efi {
                secure_boot: vm.secure_boot,
            },
            _ => Firmware::Bios,
        },
        tpm: vm.tpm,
        metadata: vm.metadata.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked() {
        assert!(validate_create(&BackupCreate::default()).is_ok());
        let code = |r: BackupCreate| match validate_create(&r) {
            Err(Error::Refused { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        let zstd = BackupCreate {
            compression: Compression::Zstd,
            ..BackupCreate::default()
        };
        if zstd_available() {
            assert!(validate_create(&zstd).is_ok());
        } else {
            assert_eq!(code(zstd), COMPRESSION_UNSUPPORTED);
        }
        assert_eq!(
            code(BackupCreate {
                include_memory: true,
                ..BackupCreate::default()
            }),
            MEMORY_BACKUP_UNSUPPORTED
        );
        assert!(matches!(
            validate_create(&BackupCreate {
                description: Some("bell\u{7}".into()),
                ..BackupCreate::default()
            }),
            Err(Error::InvalidRequest { .. })
        ));
    }

    fn one_disk_manifest(compression: &str) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT,
            backup_id: "bk-2".into(),
            backup_type: "full".into(),
            parent_backup_id: None,
            since_checkpoint: None,
            checkpoint: None,
            started_at: now(),
            completed_at: String::new(),
            compression: compression.into(),
            vm: VmFacts {
                uuid: "u".into(),
                name: "vm".into(),
                memory_mib: 64,
                vcpus: 1,
                current_memory_mib: None,
                current_vcpus: None,
                firmware: "bios".into(),
                secure_boot: false,
                tpm: false,
                interfaces: vec![],
                graphics: vec![],
            },
            disks: vec![ManifestDisk {
                target: "vda".into(),
                file: "vda.qcow2".into(),
                bus: None,
                format: Some("qcow2".into()),
                cache: None,
                source_path: "/p/vm.qcow2".into(),
                capacity_bytes: Some(1 << 20),
            }],
            skipped_disks: vec![],
            files: vec![ManifestFile {
                name: "domain.xml".into(),
                size_bytes: 0,
                sha256: String::new(),
            }],
        }
    }

    #[test]
    fn after_a_restart_only_jobs_that_can_still_complete_are_followed() {
        let running = Ok(BackupJobState::Running {
            processed_bytes: Some(1),
            total_bytes: Some(2),
        });
        let completed = Ok(BackupJobState::Completed { total_bytes: None });
        assert_eq!(on_restart(&running, Ok(())), OnRestart::Follow);
        assert_eq!(on_restart(&completed, Ok(())), OnRestart::Follow);
        let unreadable = Err(HypervisorError::new(
            HypervisorErrorKind::Unavailable,
            "libvirtd is restarting",
        ));
        assert_eq!(on_restart(&unreadable, Ok(())), OnRestart::Follow);
        let discarded = |job, pending| match on_restart(&job, pending) {
            OnRestart::Discard(reason) => reason,
            OnRestart::Follow => panic!("{job:?} is followed"),
        };
        assert!(discarded(completed.clone(), Err("no file")).contains("no file"));
        assert!(discarded(running, Err("no file")).contains("still running"));
        assert!(discarded(
            Ok(BackupJobState::Failed {
                message: "disk full".into()
            }),
            Ok(())
        )
        .contains("disk full"));
        assert!(discarded(Ok(BackupJobState::None), Ok(())).contains("gone"));
        assert!(discarded(
            Err(HypervisorError::new(
                HypervisorErrorKind::OperationInvalid,
                "domain is not running"
            )),
            Ok(())
        )
        .contains("not running"));
        assert!(discarded(
            Err(HypervisorError::new(
                HypervisorErrorKind::NotFound,
                "no domain"
            )),
            Ok(())
        )
        .contains("virtual machine was gone"));
        assert!(discarded(
            Err(HypervisorError::new(
                HypervisorErrorKind::Unsupported,
                "test driver"
            )),
            Ok(())
        )
        .contains("no backups"));
    }

    #[test]
    fn what_sealing_needs_is_kept_beside_the_images_until_completion() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert!(read_pending(d).unwrap_err().contains(PENDING));
        let pending = Pending {
            manifest: one_disk_manifest("none"),
            since_checkpoint: Some("vapor-bk-1".into()),
        };
        write_pending(d, &pending).unwrap();
        assert!(!d.join(format!("{PENDING}.tmp")).exists());
        let read = read_pending(d).unwrap();
        assert_eq!(read, pending);
        // Sealing from what was read checksums the images, not the file.
        std::fs::write(d.join("vda.qcow2"), b"copied").unwrap();
        std::fs::write(d.join("domain.xml"), b"<domain/>").unwrap();
        let sealed = seal(d, read.manifest).unwrap();
        let names: Vec<&str> = sealed
            .manifest
            .files
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["domain.xml", "vda.qcow2"]);
        remove_pending(d);
        assert!(!d.join(PENDING).exists());
        remove_pending(d);
        std::fs::write(d.join(PENDING), b"{not json").unwrap();
        assert!(read_pending(d).is_err());
    }

    #[test]
    fn an_image_compressed_before_a_restart_is_not_compressed_again() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("vda.qcow2.zst"), b"packed").unwrap();
        let manifest = compress_images(d, one_disk_manifest("zstd")).unwrap();
        assert_eq!(manifest.disks[0].file, "vda.qcow2.zst");
        assert_eq!(std::fs::read(d.join("vda.qcow2.zst")).unwrap(), b"packed");
    }

    #[test]
    fn sealing_checksums_every_file_and_verify_notices_changes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("vda.qcow2"), b"image bytes").unwrap();
        std::fs::write(d.join("domain.xml"), b"<domain/>").unwrap();
        let manifest = Manifest {
            format: MANIFEST_FORMAT,
            backup_id: "bk-1".into(),
            backup_type: "full".into(),
            parent_backup_id: None,
            since_checkpoint: None,
            checkpoint: Some("vapor-bk-1".into()),
            started_at: now(),
            completed_at: String::new(),
            compression: "none".into(),
            vm: VmFacts {
                uuid: "u".into(),
                name: "vm".into(),
                memory_mib: 64,
                vcpus: 1,
                current_memory_mib: Some(64),
                current_vcpus: Some(1),
                firmware: "bios".into(),
                secure_boot: false,
                tpm: false,
                interfaces: vec![],
                graphics: vec![],
            },
            disks: vec![ManifestDisk {
                target: "vda".into(),
                file: "vda.qcow2".into(),
                bus: Some("virtio".into()),
                format: Some("qcow2".into()),
                cache: None,
                source_path: "/p/vm.qcow2".into(),
                capacity_bytes: Some(1 << 30),
            }],
            skipped_disks: vec![],
            files: vec![ManifestFile {
                name: "domain.xml".into(),
                size_bytes: 0,
                sha256: String::new(),
            }],
        };
        let sealed = seal(d, manifest).unwrap();
        assert_eq!(sealed.manifest.files.len(), 2);
        let image = &sealed.manifest.files[1];
        assert_eq!(image.name, "vda.qcow2");
        assert_eq!(image.size_bytes, 11);
        assert_eq!(image.sha256, hex(&Sha256::digest(b"image bytes")));
        assert!(!d.join("manifest.json.tmp").exists());
        let row = BackupRow {
            id: "bk-1".into(),
            vm_uuid: "u".into(),
            vm_name: "vm".into(),
            backup_type: "full".into(),
            status: store::COMPLETED.into(),
            directory: d.to_str().unwrap().into(),
            disks: vec![],
            skipped: vec![],
            size_bytes: Some(sealed.total_bytes as i64),
            compression: "none".into(),
            parent_id: None,
            checkpoint: None,
            operation_id: None,
            description: None,
            retention_days: 0,
            include_memory: false,
            manifest_sha256: Some(sealed.manifest_sha256.clone()),
            error_message: None,
            started_at: now(),
            completed_at: Some(now()),
        };
        verify_backup(&row).unwrap();
        let request = restore_request(
            std::slice::from_ref(&row),
            std::slice::from_ref(&sealed.manifest),
            "copy",
            "default",
        )
        .unwrap();
        assert_eq!(request.disks.len(), 1);
        match &request.disks[0].source {
            DiskSource::Restore {
                chain,
                capacity_bytes,
                volume,
            } => {
                assert_eq!(chain, &[format!("{}/vda.qcow2", row.directory)]);
                assert_eq!(*capacity_bytes, 1 << 30);
                assert!(volume.starts_with("copy-vda-") && volume.ends_with(".qcow2"));
            }
            other => panic!("{other:?}"),
        }
        std::fs::write(d.join("vda.qcow2"), b"image bytez").unwrap();
        assert!(matches!(
            verify_backup(&row),
            Err(Error::Refused {
                code: BACKUP_CORRUPT,
                ..
            })
        ));
    }
}
