//! Live migration of a VM to another host, run as a cancellable operation.
//!
//! Start: the request is validated (400), the VM looked up (404), refused
//! while it migrates (409 `MIGRATION_IN_PROGRESS`) or is off (409
//! `VM_NOT_RUNNING`), and the destination is opened, with a time limit,
//! before anything starts: a backend that cannot migrate is 422
//! `MIGRATION_UNSUPPORTED`, a destination that does not answer 422
//! `DESTINATION_UNREACHABLE`, the host itself 422 `MIGRATION_SAME_HOST`, a
//! name taken there 409 `ALREADY_EXISTS`. Then a `migrations` row
//! (status `initiating`) and a `vm_migration` operation are made, and the
//! answer is 202.
//!
//! The operation holds the VM's mutation guard throughout. It creates the
//! target volumes on the destination when disks are copied, sets the status
//! to `migrating`, and runs the backend's blocking `migrate` on the blocking
//! pool while it samples the job's statistics every [`SAMPLE_EVERY`] into the
//! row (progress never decreases) and the operation's progress. Cancelling
//! the operation aborts the backend's job (retried until the job has begun);
//! the VM keeps running here. The row ends `completed`, `failed` (with the
//! hypervisor's message) or `cancelled`; volumes and pools made on the
//! destination are removed again unless the migration completed.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use vapor_hypervisor::{
    default_destination_uri, is_valid_host, parse_destination_uri, CopyStorage, DiskFormat, Domain,
    Hypervisor, HypervisorError, HypervisorErrorKind, MigrationJobStats, MigrationSpec, VolumeSpec,
};

use super::metrics::VM_NOT_RUNNING;
use super::Vapor;
use crate::db::now;
use crate::error::{Error, Refusal, Result};
use crate::etag::IfMatch;
use crate::migration_store::{self as store, MigrationRow};
use crate::operations::{OperationFailure, OperationHandle, OperationStatus};

/// How long the destination may take to answer before the start is refused.
pub const DESTINATION_TIMEOUT: Duration = Duration::from_secs(5);
/// How often a running migration's statistics are read.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(250);
/// The contract's default maximum downtime.
pub const DEFAULT_MAX_DOWNTIME_MS: u64 = 500;
/// The largest bandwidth limit accepted, in MiB/s (1 TiB/s).
pub const MAX_BANDWIDTH_MIB_S: u64 = 1 << 20;
/// The largest downtime accepted, in milliseconds.
pub const MAX_DOWNTIME_MS: u64 = 600_000;

pub const MIGRATION_UNSUPPORTED: &str = "MIGRATION_UNSUPPORTED";
pub const DESTINATION_UNREACHABLE: &str = "DESTINATION_UNREACHABLE";
pub const MIGRATION_IN_PROGRESS: &str = "MIGRATION_IN_PROGRESS";
pub const MIGRATION_SAME_HOST: &str = "MIGRATION_SAME_HOST";

/// A request to migrate a VM, with the contract's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRequest {
    pub destination_host: String,
    /// `None`: `qemu+ssh://<destination_host>/system`.
    pub destination_uri: Option<String>,
    pub live: bool,
    pub tunneled: bool,
    pub compressed: bool,
    pub auto_converge: bool,
    pub allow_unsafe: bool,
    /// MiB/s; 0 is unlimited.
    pub max_bandwidth_mib_s: u64,
    pub max_downtime_ms: u64,
    pub copy_storage: CopyStorage,
}

impl MigrationRequest {
    /// A request with the contract's defaults: live, nothing else, no
    /// bandwidth limit, 500 ms downtime, no disks copied.
    pub fn new(destination_host: impl Into<String>) -> Self {
        MigrationRequest {
            destination_host: destination_host.into(),
            destination_uri: None,
            live: true,
            tunneled: false,
            compressed: false,
            auto_converge: false,
            allow_unsafe: false,
            max_bandwidth_mib_s: 0,
            max_downtime_ms: DEFAULT_MAX_DOWNTIME_MS,
            copy_storage: CopyStorage::None,
        }
    }
}

/// Checks a request and turns it into the backend's terms.
pub fn validate(req: &MigrationRequest) -> Result<MigrationSpec> {
    if !is_valid_host(&req.destination_host) {
        return Err(Error::invalid(
            "destination_host",
            format!(
                "destination_host '{}' is not a host name or an IP address",
                req.destination_host
            ),
        ));
    }
    let uri = match &req.destination_uri {
        Some(uri) => {
            parse_destination_uri(uri).map_err(|e| {
                Error::invalid(
                    "destination_uri",
                    format!("destination_uri '{uri}' is not usable: {e}"),
                )
            })?;
            uri.clone()
        }
        None => default_destination_uri(&req.destination_host),
    };
    if req.max_bandwidth_mib_s > MAX_BANDWIDTH_MIB_S {
        return Err(Error::invalid(
            "max_bandwidth",
            format!("max_bandwidth is at most {MAX_BANDWIDTH_MIB_S} MiB/s"),
        ));
    }
    if req.max_downtime_ms == 0 || req.max_downtime_ms > MAX_DOWNTIME_MS {
        return Err(Error::invalid(
            "max_downtime",
            format!("max_downtime is 1 to {MAX_DOWNTIME_MS} ms"),
        ));
    }
    Ok(MigrationSpec {
        destination_uri: uri,
        live: req.live,
        tunnelled: req.tunneled,
        compressed: req.compressed,
        auto_converge: req.auto_converge,
        allow_unsafe: req.allow_unsafe,
        copy_storage: req.copy_storage,
        max_bandwidth_mib_s: (req.max_bandwidth_mib_s > 0).then_some(req.max_bandwidth_mib_s),
        max_downtime_ms: Some(req.max_downtime_ms),
    })
}

/// Runs a blocking call on another backend (the destination) on the blocking pool.
async fn on<T, F>(hv: &Arc<dyn Hypervisor>, call: F) -> Result<T, HypervisorError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Hypervisor) -> Result<T, HypervisorError> + Send + 'static,
{
    let hv = hv.clone();
    match tokio::task::spawn_blocking(move || call(hv.as_ref())).await {
        Ok(result) => result,
        Err(join) => Err(HypervisorError::failed(format!(
            "backend call panicked: {join}"
        ))),
    }
}

/// 422 `DESTINATION_UNREACHABLE`.
fn unreachable(uri: &str, e: &HypervisorError) -> Error {
    Error::refused(
        Refusal::Unsupported,
        DESTINATION_UNREACHABLE,
        format!(
            "the destination {uri} cannot be reached; nothing was changed: {}",
            e.message
        ),
    )
}

/// Storage made on the destination, removed again unless the migration
/// completes. Recorded in the migration's row as it is made, so that a
/// migration interrupted by a restart can remove it too.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct PreparedStorage {
    volumes: Vec<String>,
    pools: Vec<String>,
}

/// Where an interrupted migration left its VM.
enum Located {
    /// A migration job still runs on this host.
    StillMigrating,
    /// Running on this host, no migration under way.
    Here,
    /// Running on the destination.
    There,
    /// Neither: what was seen.
    Unknown(String),
}

impl Vapor {
    /// Starts migrating the VM `id`; see the module documentation.
    pub async fn start_migration(
        self: &Arc<Self>,
        id: &str,
        req: MigrationRequest,
        precondition: Option<&IfMatch>,
    ) -> Result<MigrationRow> {
        let spec = validate(&req)?;
        let vm = self.get_vm(id).await?;
        if let Some(running) = self.unfinished_migration(&vm.uuid).await? {
            return Err(Error::refused(
                Refusal::Conflict,
                MIGRATION_IN_PROGRESS,
                format!(
                    "virtual machine '{}' is already migrating ({} to {})",
                    vm.name, running.id, running.dest_host
                ),
            ));
        }
        let guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let vm = self.check_precondition(vm, id, precondition).await?;
        if !vm.state.is_active() {
            return Err(Error::refused(
                Refusal::Conflict,
                VM_NOT_RUNNING,
                format!(
                    "virtual machine '{}' is not running; only a running or paused VM migrates",
                    vm.name
                ),
            ));
        }
        let uri = spec.destination_uri.clone();
        let target = uri.clone();
        let dest = self
            .blocking(move |hv| hv.connect_destination(&target, DESTINATION_TIMEOUT))
            .await
            .map_err(|e| match e.kind {
                HypervisorErrorKind::Unsupported => Error::refused(
                    Refusal::Unsupported,
                    MIGRATION_UNSUPPORTED,
                    format!("this host cannot migrate virtual machines: {}", e.message),
                ),
                _ => unreachable(&uri, &e),
            })?;
        let here = self.blocking(|hv| hv.host_identity()).await.map_err(|e| {
            Error::from_hypervisor("reading this host's identity", "host", "local", e)
        })?;
        let there = on(&dest, |hv| hv.host_identity())
            .await
            .map_err(|e| unreachable(&uri, &e))?;
        if here.host_uuid.is_some() && here.host_uuid == there.host_uuid {
            return Err(Error::refused(
                Refusal::Unsupported,
                MIGRATION_SAME_HOST,
                format!(
                    "the destination {uri} is this host (host UUID {}); a VM migrates to another host",
                    here.host_uuid.unwrap_or_default()
                ),
            ));
        }
        for key in [vm.name.clone(), vm.uuid.clone()] {
            match on(&dest, move |hv| hv.lookup_domain(&key)).await {
                Ok(other) => {
                    return Err(Error::AlreadyExists {
                        kind: "virtual machine on the destination",
                        id: other.name,
                    })
                }
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                Err(e) => return Err(unreachable(&uri, &e)),
            }
        }

        let ts = now();
        let row = MigrationRow {
            id: format!("mig-{}", uuid::Uuid::new_v4()),
            operation_id: None,
            vm_uuid: vm.uuid.clone(),
            vm_name: vm.name.clone(),
            source_host: here.hostname,
            dest_host: req.destination_host.clone(),
            destination_uri: uri,
            options: json!({
                "live": req.live,
                "tunneled": req.tunneled,
                "compressed": req.compressed,
                "auto_converge": req.auto_converge,
                "allow_unsafe": req.allow_unsafe,
                "max_bandwidth": req.max_bandwidth_mib_s,
                "max_downtime": req.max_downtime_ms,
                "copy_storage": req.copy_storage.as_str(),
            })
            .to_string(),
            status: store::INITIATING.to_owned(),
            progress: 0.0,
            data_processed_bytes: None,
            data_remaining_bytes: None,
            data_total_bytes: None,
            mem_processed_bytes: None,
            mem_remaining_bytes: None,
            mem_total_bytes: None,
            dirty_rate_pages_per_second: None,
            iteration: None,
            downtime_ms: None,
            error_message: None,
            started_at: ts.clone(),
            updated_at: ts,
            completed_at: None,
        };
        self.db.save_migration(&row)?;
        let app = self.clone();
        let task_row = row.clone();
        let spawned = self.operations.spawn(
            "vm_migration",
            &row.vm_uuid,
            "initiating",
            move |handle| async move {
                let _guard = guard;
                app.run_migration(handle, task_row, vm, dest, spec).await
            },
        );
        let op = match spawned {
            Ok(op) => op,
            Err(err) => {
                let mut failed = row;
                failed.status = store::FAILED.to_owned();
                failed.error_message = Some(err.to_string());
                failed.completed_at = Some(now());
                let _ = self.db.save_migration(&failed);
                return Err(err);
            }
        };
        self.db.set_migration_operation(&row.id, &op.id)?;
        Ok(MigrationRow {
            operation_id: Some(op.id),
            ..row
        })
    }

    /// A migration of the VM `id` (its name or UUID when it migrated): the
    /// one named `migration_id`, else its last one. Works after the VM left.
    pub async fn migration_status(
        &self,
        id: &str,
        migration_id: Option<&str>,
    ) -> Result<MigrationRow> {
        let found = match migration_id {
            Some(mid) => self
                .db
                .migration(mid)?
                .filter(|m| m.vm_name == id || m.vm_uuid.eq_ignore_ascii_case(id)),
            None => self.db.last_migration_of(id)?,
        };
        let row = found.ok_or_else(|| match migration_id {
            Some(mid) => Error::NotFound {
                kind: "migration",
                id: mid.to_owned(),
            },
            None => Error::NotFound {
                kind: "migration of virtual machine",
                id: id.to_owned(),
            },
        })?;
        self.settle_interrupted(row).await
    }

    /// The VM's migration that has not ended, if any.
    async fn unfinished_migration(&self, vm_uuid: &str) -> Result<Option<MigrationRow>> {
        match self.db.unfinished_migration_of(vm_uuid)? {
            Some(row) => {
                let row = self.settle_interrupted(row).await?;
                Ok((!store::is_terminal(&row.status)).then_some(row))
            }
            None => Ok(None),
        }
    }

    /// A migration whose operation has ended without it (a previous Vapor
    /// process stopped while it ran) is settled by looking where the VM is:
    /// a migration Vapor drove ends with the process that drove it, and
    /// libvirt abandons it (the VM runs on here); a peer-to-peer one
    /// (tunnelled) goes on inside libvirt, and may have finished, failed or
    /// still run. So: a migration job still running on this host leaves the
    /// record as it is (a later read settles it); the VM running here is
    /// `failed`; the VM running on the destination is `completed`; anything
    /// else is `failed`, saying what was seen.
    async fn settle_interrupted(&self, mut row: MigrationRow) -> Result<MigrationRow> {
        if store::is_terminal(&row.status) {
            return Ok(row);
        }
        let Some(op_id) = row.operation_id.as_deref() else {
            return Ok(row);
        };
        let op_ended = match self.operations.get(op_id) {
            Ok(op) => OperationStatus::parse(&op.status).is_some_and(|s| s.is_terminal()),
            Err(Error::NotFound { .. }) => true,
            Err(e) => return Err(e),
        };
        if !op_ended {
            return Ok(row);
        }
        let outcome = self.locate_interrupted(&row).await;
        if matches!(outcome, Located::Here) {
            // The VM runs on here, on its own disks: the copies are garbage.
            self.remove_recorded_destination_storage(&row).await;
        }
        let (status, message) = match outcome {
            Located::StillMigrating => return Ok(row),
            Located::Here => (
                store::FAILED,
                format!(
                    "the Vapor service stopped while the migration ran; libvirt abandoned it and the VM still runs on {}",
                    row.source_host
                ),
            ),
            Located::There => (
                store::COMPLETED,
                String::new(),
            ),
            Located::Unknown(seen) => (
                store::FAILED,
                format!(
                    "the Vapor service stopped while the migration ran; {seen}; check on which host the VM is"
                ),
            ),
        };
        row.status = status.to_owned();
        if status == store::COMPLETED {
            row.progress = 100.0;
            row.error_message = None;
            tracing::info!(migration = %row.id, vm = %row.vm_name, "a migration interrupted by a restart had completed");
        } else {
            row.error_message = Some(message);
            tracing::warn!(migration = %row.id, vm = %row.vm_name, "marked a migration interrupted by a restart as failed");
        }
        row.updated_at = now();
        row.completed_at = Some(row.updated_at.clone());
        self.db.save_migration(&row)?;
        Ok(row)
    }

    /// Where the VM of an interrupted migration is now.
    async fn locate_interrupted(&self, row: &MigrationRow) -> Located {
        let uuid = row.vm_uuid.clone();
        let here = self
            .blocking(move |hv| {
                let domain = hv.lookup_domain(&uuid)?;
                let job = if domain.state.is_active() {
                    hv.migration_job(&uuid)?
                } else {
                    None
                };
                Ok((domain, job))
            })
            .await;
        match here {
            Ok((_, Some(_))) => return Located::StillMigrating,
            Ok((domain, None)) if domain.state.is_active() => return Located::Here,
            Ok(_) => {}
            Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
            Err(e) => return Located::Unknown(format!("this host could not be asked: {e}")),
        }
        let (uri, uuid) = (row.destination_uri.clone(), row.vm_uuid.clone());
        let there = self
            .blocking(move |hv| {
                let destination = hv.connect_destination(&uri, DESTINATION_TIMEOUT)?;
                destination.lookup_domain(&uuid)
            })
            .await;
        match there {
            Ok(domain) if domain.state.is_active() => Located::There,
            Ok(domain) => Located::Unknown(format!(
                "the VM is not running here, and is {} on {}",
                format!("{:?}", domain.state).to_lowercase(),
                row.dest_host
            )),
            Err(e) if e.kind == HypervisorErrorKind::NotFound => Located::Unknown(format!(
                "the VM is not running here, nor defined on {}",
                row.dest_host
            )),
            Err(e) => Located::Unknown(format!("{} could not be asked: {e}", row.dest_host)),
        }
    }

    /// The operation's work: storage, the migration itself, the record.
    async fn run_migration(
        self: Arc<Self>,
        mut handle: OperationHandle,
        mut row: MigrationRow,
        vm: Domain,
        dest: Arc<dyn Hypervisor>,
        spec: MigrationSpec,
    ) -> Result<(), OperationFailure> {
        row.operation_id = Some(handle.id().to_owned());
        let mut prepared = PreparedStorage::default();
        let outcome = async {
            if spec.copy_storage != CopyStorage::None {
                handle.progress("preparing storage on the destination", None, None, 0.0);
                self.prepare_destination_storage(&row.id, &vm, &dest, &mut prepared)
                    .await?;
            }
            if handle.is_cancelled() {
                return Err(HypervisorError::failed(
                    "cancelled before the migration started",
                ));
            }
            row.status = store::MIGRATING.to_owned();
            self.save_progress(&handle, &mut row, None);
            self.watch_migration(&mut handle, &mut row, &vm.uuid, spec)
                .await
        }
        .await;
        let cancelled = handle.is_cancelled();
        let ts = now();
        row.updated_at = ts.clone();
        row.completed_at = Some(ts);
        let result = match outcome {
            Ok(final_stats) => {
                if let Some(stats) = final_stats {
                    apply_final_stats(&mut row, &stats);
                }
                row.status = store::COMPLETED.to_owned();
                row.progress = 100.0;
                Ok(())
            }
            Err(e) => {
                self.remove_destination_storage(&dest, &prepared).await;
                row.status = if cancelled {
                    store::CANCELLED
                } else {
                    store::FAILED
                }
                .to_owned();
                row.error_message = Some(e.message.clone());
                Err(OperationFailure {
                    code: failure_code(&e).to_owned(),
                    message: format!(
                        "migration of '{}' to {} failed: {}",
                        vm.name, row.dest_host, e.message
                    ),
                })
            }
        };
        if let Err(err) = self.db.save_migration(&row) {
            tracing::error!(migration = %row.id, error = %err, "could not record the end of a migration");
        }
        tracing::info!(migration = %row.id, vm = %vm.name, status = %row.status, "migration ended");
        result
    }

    /// Runs the backend's migration and follows it until it ends; aborts
    /// it when the operation is cancelled. Returns the final statistics.
    async fn watch_migration(
        &self,
        handle: &mut OperationHandle,
        row: &mut MigrationRow,
        uuid: &str,
        spec: MigrationSpec,
    ) -> Result<Option<MigrationJobStats>, HypervisorError> {
        let hv = self.hypervisor.clone();
        let key = uuid.to_owned();
        let mut migration = tokio::task::spawn_blocking(move || hv.migrate(&key, &spec));
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut cancel_requested = false;
        let mut abort_pending = false;
        loop {
            tokio::select! {
                ended = &mut migration => {
                    return match ended {
                        Ok(result) => result.map(|outcome| outcome.stats),
                        Err(join) => Err(HypervisorError::failed(format!("the migration call panicked: {join}"))),
                    };
                }
                _ = handle.cancelled(), if !cancel_requested => {
                    cancel_requested = true;
                    abort_pending = !self.try_abort(uuid).await;
                }
                _ = tick.tick() => {
                    if abort_pending {
                        abort_pending = !self.try_abort(uuid).await;
                    }
                    let key = uuid.to_owned();
                    match self.blocking(move |hv| hv.migration_job(&key)).await {
                        Ok(Some(stats)) => self.save_progress(handle, row, Some(&stats)),
                        Ok(None) => {}
                        Err(e) => tracing::debug!(vm = uuid, error = %e, "no migration statistics"),
                    }
                }
            }
        }
    }

    /// Asks the backend to abort the VM's migration job. True when done (or
    /// nothing is left to abort); false when the job has not begun yet.
    async fn try_abort(&self, uuid: &str) -> bool {
        let key = uuid.to_owned();
        match self.blocking(move |hv| hv.abort_migration(&key)).await {
            Ok(()) => true,
            // No job yet: the migration call has not reached libvirt.
            Err(e) if e.kind == HypervisorErrorKind::OperationInvalid => false,
            // The VM has left: the migration ended meanwhile.
            Err(e) if e.kind == HypervisorErrorKind::NotFound => true,
            Err(e) => {
                tracing::warn!(vm = uuid, error = %e, "could not abort the migration");
                true
            }
        }
    }

    /// Records a sample: the row (progress only grows) and the operation.
    fn save_progress(
        &self,
        handle: &OperationHandle,
        row: &mut MigrationRow,
        stats: Option<&MigrationJobStats>,
    ) {
        let mut phase = "migrating";
        if let Some(stats) = stats {
            apply_stats(row, stats);
            if let Some(p) = progress_of(stats) {
                row.progress = row.progress.max(p.min(99.9));
            }
            let copying_disks = stats.disk_remaining_bytes.is_some_and(|r| r > 0)
                && stats.memory_processed_bytes.unwrap_or(0) == 0;
            phase = if copying_disks {
                "copying storage"
            } else {
                "copying memory"
            };
        }
        row.updated_at = now();
        if let Err(err) = self.db.save_migration(row) {
            tracing::warn!(migration = %row.id, error = %err, "could not record migration progress");
        }
        handle.progress(
            phase,
            row.data_processed_bytes,
            row.data_total_bytes,
            row.progress,
        );
    }

    /// Creates on the destination the volumes (and directory pools) that
    /// the VM's writable disks need there; see
    /// [`vapor_hypervisor::MigrationBackend::migrate`]. Records what it made
    /// in `prepared` as it goes.
    async fn prepare_destination_storage(
        &self,
        migration_id: &str,
        vm: &Domain,
        dest: &Arc<dyn Hypervisor>,
        prepared: &mut PreparedStorage,
    ) -> Result<(), HypervisorError> {
        let invalid = |m: String| HypervisorError::invalid_argument(m);
        for disk in vm
            .disks
            .iter()
            .filter(|d| d.device == "disk" && !d.readonly)
        {
            let Some(path) = disk.path.clone() else {
                continue;
            };
            let key = path.clone();
            match on(dest, move |hv| hv.lookup_volume_by_path(&key)).await {
                Ok(_) => continue,
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            let key = path.clone();
            let volume = self
                .blocking(move |hv| hv.lookup_volume_by_path(&key))
                .await
                .map_err(|e| match e.kind {
                    HypervisorErrorKind::NotFound => invalid(format!(
                        "disk {} ({path}) is not a volume of a storage pool here, so it cannot be created on the destination; create it there first",
                        disk.target
                    )),
                    _ => e,
                })?;
            let format = match volume.format.as_deref() {
                Some("qcow2") => DiskFormat::Qcow2,
                Some("raw") => DiskFormat::Raw,
                other => {
                    return Err(invalid(format!(
                        "disk {} ({path}) has format {}; only qcow2 and raw volumes are created on the destination",
                        disk.target,
                        other.unwrap_or("unknown")
                    )))
                }
            };
            let pool_name = volume.pool.clone();
            let key = pool_name.clone();
            let pool = self.blocking(move |hv| hv.lookup_pool(&key)).await?;
            let key = pool_name.clone();
            match on(dest, move |hv| hv.lookup_pool(&key)).await {
                Ok(there) => {
                    if there.path != pool.path {
                        return Err(invalid(format!(
                            "storage pool '{pool_name}' is at {} on the destination and at {} here; disks keep their paths when copied",
                            there.path.as_deref().unwrap_or("?"),
                            pool.path.as_deref().unwrap_or("?")
                        )));
                    }
                    if !there.active {
                        return Err(HypervisorError::operation_invalid(format!(
                            "storage pool '{pool_name}' is not running on the destination"
                        )));
                    }
                }
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {
                    let Some(dir) = pool.path.clone().filter(|_| pool.pool_type == "dir") else {
                        return Err(invalid(format!(
                            "storage pool '{pool_name}' ({}) does not exist on the destination; define it there first",
                            pool.pool_type
                        )));
                    };
                    let name = pool_name.clone();
                    on(dest, move |hv| hv.create_dir_pool(&name, &dir)).await?;
                    prepared.pools.push(pool_name.clone());
                    self.record_destination_storage(migration_id, prepared);
                }
                Err(e) => return Err(e),
            }
            let volume_spec = VolumeSpec {
                name: volume.name.clone(),
                capacity_bytes: volume.capacity_bytes,
                format,
            };
            let name = pool_name.clone();
            let made = on(dest, move |hv| hv.create_volume(&name, &volume_spec)).await?;
            prepared.volumes.push(made.path.clone());
            self.record_destination_storage(migration_id, prepared);
            if made.path != path {
                return Err(invalid(format!(
                    "the volume made on the destination is {}, not {path}",
                    made.path
                )));
            }
            tracing::info!(vm = %vm.name, path = %path, "created a volume on the destination");
        }
        Ok(())
    }

    /// Writes `prepared` into the migration's row. A failure is logged: the
    /// running migration removes what it made itself when it fails; only a
    /// restart would miss it.
    fn record_destination_storage(&self, migration_id: &str, prepared: &PreparedStorage) {
        let recorded = serde_json::to_string(prepared)
            .map_err(|e| Error::internal("encode the destination storage", e))
            .and_then(|json| self.db.set_migration_dest_storage(migration_id, &json));
        if let Err(e) = recorded {
            tracing::warn!(migration = %migration_id, error = %e, "could not record the storage made on the destination");
        }
    }

    /// Removes, after a restart, what an abandoned migration had made on its
    /// destination. Best effort: what cannot be removed is logged.
    async fn remove_recorded_destination_storage(&self, row: &MigrationRow) {
        let prepared: PreparedStorage = match self.db.migration_dest_storage(&row.id) {
            Ok(Some(json)) => match serde_json::from_str(&json) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(migration = %row.id, error = %e, "unreadable record of the destination's storage");
                    return;
                }
            },
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(migration = %row.id, error = %e, "could not read the destination's storage");
                return;
            }
        };
        if prepared.volumes.is_empty() && prepared.pools.is_empty() {
            return;
        }
        let uri = row.destination_uri.clone();
        match self
            .blocking(move |hv| hv.connect_destination(&uri, DESTINATION_TIMEOUT))
            .await
        {
            Ok(dest) => {
                self.remove_destination_storage(&dest, &prepared).await;
                tracing::info!(migration = %row.id, volumes = prepared.volumes.len(), "removed what an abandoned migration had made on its destination");
            }
            Err(e) => {
                tracing::warn!(migration = %row.id, error = %e, "could not reach the destination to remove what an abandoned migration made there");
            }
        }
    }

    /// Removes what [`Self::prepare_destination_storage`] made. Best effort.
    async fn remove_destination_storage(
        &self,
        dest: &Arc<dyn Hypervisor>,
        prepared: &PreparedStorage,
    ) {
        for path in &prepared.volumes {
            let key = path.clone();
            if let Err(e) = on(dest, move |hv| hv.delete_volume_by_path(&key)).await {
                tracing::warn!(path = %path, error = %e, "could not remove a volume from the destination");
            }
        }
        for pool in &prepared.pools {
            let key = pool.clone();
            if let Err(e) = on(dest, move |hv| hv.undefine_pool(&key)).await {
                tracing::warn!(pool = %pool, error = %e, "could not remove a pool from the destination");
            }
        }
    }
}

/// Copies a sample's counters into the row.
fn apply_stats(row: &mut MigrationRow, stats: &MigrationJobStats) {
    let i = |v: Option<u64>| v.map(|v| v.min(i64::MAX as u64) as i64);
    let keep = |new: Option<i64>, old: Option<i64>| new.or(old);
    row.data_processed_bytes = keep(i(stats.data_processed_bytes), row.data_processed_bytes);
    row.data_remaining_bytes = keep(i(stats.data_remaining_bytes), row.data_remaining_bytes);
    row.data_total_bytes = keep(i(stats.data_total_bytes), row.data_total_bytes);
    row.mem_processed_bytes = keep(i(stats.memory_processed_bytes), row.mem_processed_bytes);
    row.mem_remaining_bytes = keep(i(stats.memory_remaining_bytes), row.mem_remaining_bytes);
    row.mem_total_bytes = keep(i(stats.memory_total_bytes), row.mem_total_bytes);
    row.dirty_rate_pages_per_second = keep(
        i(stats.dirty_rate_pages_per_second),
        row.dirty_rate_pages_per_second,
    );
    row.iteration = keep(i(stats.iteration), row.iteration);
    row.downtime_ms = keep(i(stats.downtime_ms), row.downtime_ms);
}

/// Copies a completed job's statistics into the row. libvirt keeps them on
/// the destination for memory only, so the data total is the larger of the
/// last sample's (disks included) and the final one; all of it was sent.
fn apply_final_stats(row: &mut MigrationRow, stats: &MigrationJobStats) {
    let total = row.data_total_bytes;
    apply_stats(row, stats);
    row.data_total_bytes = row.data_total_bytes.max(total);
    row.data_processed_bytes = row.data_total_bytes;
    row.data_remaining_bytes = Some(0);
    row.mem_remaining_bytes = Some(0);
}

/// The share of the data sent, in percent, when the sample tells.
fn progress_of(stats: &MigrationJobStats) -> Option<f64> {
    let (done, left) = match (stats.data_processed_bytes, stats.data_remaining_bytes) {
        (Some(done), Some(left)) => (done, left),
        _ => (stats.memory_processed_bytes?, stats.memory_remaining_bytes?),
    };
    let total = done.saturating_add(left);
    (total > 0).then(|| done as f64 * 100.0 / total as f64)
}

/// The code an operation that did not complete ends with.
fn failure_code(e: &HypervisorError) -> &'static str {
    match e.kind {
        HypervisorErrorKind::Unsupported => MIGRATION_UNSUPPORTED,
        HypervisorErrorKind::Unavailable => DESTINATION_UNREACHABLE,
        HypervisorErrorKind::InvalidArgument => "INVALID_ARGUMENT",
        HypervisorErrorKind::OperationInvalid => "CONFLICT",
        HypervisorErrorKind::AlreadyExists => "ALREADY_EXISTS",
        HypervisorErrorKind::NotFound => "NOT_FOUND",
        HypervisorErrorKind::Failed => "MIGRATION_FAILED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked_and_get_defaults() {
        let spec = validate(&MigrationRequest::new("host-b")).unwrap();
        assert_eq!(spec.destination_uri, "qemu+ssh://host-b/system");
        assert!(spec.live);
        assert_eq!(spec.max_bandwidth_mib_s, None);
        assert_eq!(spec.max_downtime_ms, Some(500));
        let field = |r: MigrationRequest| match validate(&r) {
            Err(Error::InvalidRequest { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(MigrationRequest::new("a b")),
            Some("destination_host")
        );
        let mut r = MigrationRequest::new("b");
        r.destination_uri = Some("qemu:///system".into());
        assert_eq!(field(r), Some("destination_uri"));
        let mut r = MigrationRequest::new("b");
        r.max_downtime_ms = 0;
        assert_eq!(field(r), Some("max_downtime"));
        let mut r = MigrationRequest::new("b");
        r.max_bandwidth_mib_s = MAX_BANDWIDTH_MIB_S + 1;
        assert_eq!(field(r), Some("max_bandwidth"));
        let mut r = MigrationRequest::new("b");
        r.destination_uri = Some("qemu+tcp://10.77.0.2/system".into());
        r.max_bandwidth_mib_s = 2;
        r.tunneled = true;
        let spec = validate(&r).unwrap();
        assert_eq!(spec.destination_uri, "qemu+tcp://10.77.0.2/system");
        assert_eq!(spec.max_bandwidth_mib_s, Some(2));
        assert!(spec.tunnelled);
    }

    #[test]
    fn progress_is_the_share_sent() {
        let mut s = MigrationJobStats::default();
        assert_eq!(progress_of(&s), None);
        s.memory_processed_bytes = Some(1);
        s.memory_remaining_bytes = Some(3);
        assert_eq!(progress_of(&s), Some(25.0));
        s.data_processed_bytes = Some(3);
        s.data_remaining_bytes = Some(1);
        assert_eq!(progress_of(&s), Some(75.0));
    }
}
