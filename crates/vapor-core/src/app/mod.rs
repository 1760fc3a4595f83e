//! The application layer: what Vapor does, independent of HTTP.
//!
//! [`Vapor`] owns the backend (`Arc<dyn Hypervisor>`), the database and the
//! operation tracker. Its methods validate, orchestrate backend calls, clean
//! up after partial failures, and return backend types; the `api` module turns
//! those into wire models.

mod backup;
mod console;
mod device;
mod events;
mod hotplug;
mod iso;
mod locks;
mod metrics;
mod migration;
mod network;
mod snapshot;
mod storage;
mod template;
mod vm;
mod vm_clone;
mod vm_create;

use std::sync::Arc;

use tokio::sync::mpsc;
use vapor_hypervisor::{HostInfo, Hypervisor, HypervisorError, HypervisorEvent};

use crate::db::Database;
use crate::domain_view::DomainView;
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::operations::Operations;

pub use backup::{BackupCreate, BackupKind, BackupRestore, Compression};
pub use console::{ConsoleConnection, ConsoleSession, CONSOLE_TOKEN_INVALID, NO_SUCH_CONSOLE};
pub use device::{PciAttach, VfioDisplay};
pub use events::{EventsRequest, StreamItem, KEEPALIVE};
pub use hotplug::{HotplugAction, HotplugConfig, HotplugOutcome, HotplugRequest, HotplugResource};
pub use iso::{UploadLimits, ISO_POOL, TUS_VERSION};
pub use locks::{Locks, MutationGuard};
pub use metrics::{MemoryUsedSource, MetricsUpdate, VmMetrics, VM_NOT_RUNNING};
pub use migration::{MigrationRequest, DESTINATION_TIMEOUT, SAMPLE_EVERY};
pub use network::{DhcpHostRequest, DhcpRequest, IpRangeRequest, NetworkAction, NetworkCreate};
pub use snapshot::{
    DiskCapability, RevertOutcome, SnapshotCapabilities, SnapshotCreate, SnapshotKind, SnapshotView,
};
pub use storage::{PoolCreate, VolumeCreate, MAX_VOLUME_GIB};
pub use template::{
    CloudConfig, CloudUser, FeaturesPatch, TemplateCreate, TemplateGaps, TemplateNic,
    TemplateUpdate, VmFromTemplate,
};
pub(crate) use vm::validate_name_like;
pub use vm::{
    GraphicsRequest, NicRequest, VmAction, VmActionOutcome, VmCreate, VmListQuery, VmPage,
    VmUpdate, VmUpdateOutcome, RESERVED_VM_NAMES,
};
pub use vm_create::{CloudInit, DiskRequest, DiskSource, Maximums, VmCreateEnhanced};

/// Which libvirt domain type new VMs get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DomainTypeChoice {
    /// KVM where the host offers it, plain QEMU emulation otherwise.
    #[default]
    Auto,
    Kvm,
    Qemu,
}

impl std::str::FromStr for DomainTypeChoice {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(DomainTypeChoice::Auto),
            "kvm" => Ok(DomainTypeChoice::Kvm),
            "qemu" => Ok(DomainTypeChoice::Qemu),
            other => Err(format!(
                "domain_type must be auto, kvm or qemu, not '{other}'"
            )),
        }
    }
}

/// How often the domain view is re-read in full, for changes the backend
/// reports no event for.
pub const VIEW_RELOAD: std::time::Duration = std::time::Duration::from_secs(60);

/// Settings of the application layer, read from `vapor.conf` by the binary.
#[derive(Debug, Clone)]
pub struct Settings {
    pub domain_type: DomainTypeChoice,
    /// Directory of the `default` storage pool, created when a VM needs it and the host has none.
    pub default_pool_path: String,
    /// Vapor's version, reported by the health endpoint.
    pub version: String,
    /// Where the ISO library keeps its images (always a host file root).
    pub iso_dir: std::path::PathBuf,
    /// The directories host files given as disks, CD-ROMs or ISOs must be
    /// inside (`[storage] host_file_roots`), besides `iso_dir`.
    pub host_file_roots: Vec<std::path::PathBuf>,
    /// Vapor's SQLite database, which no VM may be given; `None` for a
    /// database in memory.
    pub database_path: Option<std::path::PathBuf>,
    /// The libvirt directory pool that mirrors `iso_dir`, so images are volumes
    /// too; `None` leaves libvirt's pools alone.
    pub iso_pool: Option<String>,
    /// Where cloud-init seed images of VMs are kept (removed with their VM).
    pub seed_dir: std::path::PathBuf,
    /// Where resumable uploads stage their data until they complete.
    pub upload_dir: std::path::PathBuf,
    /// The largest ISO an upload may declare.
    pub max_upload_bytes: u64,
    /// How long an unfinished upload is kept.
    pub upload_ttl: std::time::Duration,
    /// Where backups are written (`[storage] backup_dir`); a backup's
    /// `destination_path` must be inside it.
    pub backup_dir: std::path::PathBuf,
    /// How long a console token is valid after it is issued.
    pub console_token_ttl: std::time::Duration,
    /// Where Debian's `novnc` package put noVNC, which the console page loads.
    pub novnc_dir: std::path::PathBuf,
    /// How many events the event stream keeps for clients that reconnect.
    pub event_replay_buffer: usize,
    /// How long audit entries are kept; `None` keeps them for ever.
    pub audit_retention: Option<std::time::Duration>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            domain_type: DomainTypeChoice::Auto,
            default_pool_path: "/var/lib/libvirt/images".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            iso_dir: "/var/lib/vapor/isos".into(),
            host_file_roots: vec!["/var/lib/libvirt/images".into()],
            database_path: None,
            iso_pool: Some(ISO_POOL.to_owned()),
            upload_dir: "/var/lib/vapor/uploads".into(),
            seed_dir: "/var/lib/vapor/seeds".into(),
            max_upload_bytes: 10 * 1024 * 1024 * 1024,
            upload_ttl: std::time::Duration::from_secs(24 * 3600),
            backup_dir: "/var/lib/vapor/backups".into(),
            console_token_ttl: std::time::Duration::from_secs(60),
            novnc_dir: "/usr/share/novnc".into(),
            event_replay_buffer: crate::events::DEFAULT_REPLAY_BUFFER,
            audit_retention: Some(std::time::Duration::from_secs(365 * 24 * 3600)),
        }
    }
}

/// The application: everything a request handler needs.
/// How often the clean-up of interrupted creates looks for rows to settle
/// when none were left.
const CREATION_CLEAN_UP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

pub struct Vapor {
    hypervisor: Arc<dyn Hypervisor>,
    /// This process's id in the creation journal: rows with another are
    /// creates an earlier process left unfinished.
    boot: String,
    db: Arc<Database>,
    operations: Arc<Operations>,
    events: Arc<EventBus>,
    /// Every domain, kept current by the backend's events.
    view: Arc<DomainView>,
    /// Domains to re-read in the background (`None`: all of them), so that
    /// lists rarely find a dirty entry. Taken by the refresher task.
    refresh_requests: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Option<String>>>>,
    /// Becomes `true` when the service begins to stop: streams end.
    stopping: tokio::sync::watch::Sender<bool>,
    locks: Locks,
    settings: Settings,
    /// The last CPU sample of each VM, for usage rates.
    cpu_samples: metrics::Samples,
    /// Outstanding one-time console tokens.
    console_tokens: crate::console_tokens::ConsoleTokens,
    /// Backups a previous process left running whose job may still
    /// complete; taken by the task that follows them.
    interrupted_backups: std::sync::Mutex<Vec<backup::InterruptedBackup>>,
}

impl Vapor {
    /// Builds the application and fails operations a previous process left running.
    pub fn new(
        hypervisor: Arc<dyn Hypervisor>,
        db: Arc<Database>,
        settings: Settings,
    ) -> Result<Arc<Self>> {
        let events = Arc::new(EventBus::new(settings.event_replay_buffer));
        let view = Arc::new(DomainView::default());
        let (refresh, refresh_requests) = mpsc::unbounded_channel();
        let sink_bus = Arc::downgrade(&events);
        let sink_view = Arc::downgrade(&view);
        if let Err(err) = hypervisor.watch_events(Arc::new(move |event| {
            if let Some(view) = sink_view.upgrade() {
                // The view learns of a change before any client can.
                match &event {
                    HypervisorEvent::Domain(d) => {
                        view.touch(&d.uuid);
                        let _ = refresh.send(Some(d.uuid.clone()));
                    }
                    HypervisorEvent::Disconnected { .. } => view.invalidate(),
                    HypervisorEvent::Reconnected => {
                        view.invalidate();
                        let _ = refresh.send(None);
                    }
                }
            }
            if let Some(bus) = sink_bus.upgrade() {
                bus.publish_hypervisor(event);
            }
        })) {
            tracing::error!(error = %err, "the backend's events cannot be watched; the event stream will carry operations only");
        }
        let operations = Arc::new(Operations::new(db.clone(), events.clone()));
        let interrupted = operations.recover_after_restart()?;
        if interrupted > 0 {
            tracing::warn!(
                count = interrupted,
                "marked operations interrupted by a restart as failed"
            );
        }
        let interrupted_backups = backup::recover_interrupted_backups(hypervisor.as_ref(), &db)?;
        let boot = uuid::Uuid::new_v4().to_string();
        let settled = vm_create::recover_interrupted_creations(hypervisor.as_ref(), &db, &boot)?;
        if settled > 0 {
            tracing::warn!(
                count = settled,
                "cleaned up creates interrupted by a restart"
            );
        }
        Ok(Arc::new(Vapor {
            hypervisor,
            boot,
            db,
            operations,
            events,
            locks: Locks::new(view.clone()),
            view,
            refresh_requests: std::sync::Mutex::new(Some(refresh_requests)),
            stopping: tokio::sync::watch::Sender::new(false),
            console_tokens: crate::console_tokens::ConsoleTokens::new(settings.console_token_ttl),
            settings,
            cpu_samples: metrics::Samples::default(),
            interrupted_backups: std::sync::Mutex::new(interrupted_backups),
        }))
    }

    pub fn db(&self) -> &Arc<Database> {
        &self.db
    }

    pub fn operations(&self) -> &Arc<Operations> {
        &self.operations
    }

    /// The event stream.
    pub fn events(&self) -> &Arc<EventBus> {
        &self.events
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs a blocking backend call on the blocking pool, so that no libvirt call
    /// ever runs on an async worker thread.
    pub async fn blocking<T, F>(&self, call: F) -> Result<T, HypervisorError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Hypervisor) -> Result<T, HypervisorError> + Send + 'static,
    {
        let hv = self.hypervisor.clone();
        match tokio::task::spawn_blocking(move || call(hv.as_ref())).await {
            Ok(result) => result,
            Err(join) => Err(HypervisorError::failed(format!(
                "backend call panicked: {join}"
            ))),
        }
    }

    /// Ends every open stream (events, metrics), so that a graceful stop
    /// does not wait for clients that never leave.
    pub fn begin_shutdown(&self) {
        self.stopping.send_replace(true);
    }

    /// Resolves once [`Vapor::begin_shutdown`] has been called.
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut stopping = self.stopping.subscribe();
        async move {
            let _ = stopping.wait_for(|s| *s).await;
        }
    }

    /// The in-memory view of the backend's domains.
    pub fn domain_view(&self) -> &Arc<DomainView> {
        &self.view
    }

    /// Starts the housekeeping that runs for the life of the service: keeping
    /// the domain view current, following the backup jobs a previous process
    /// left running, expiring unfinished uploads, pruning backups past their
    /// retention.
    pub fn start_background_tasks(self: &Arc<Self>) {
        self.start_view_refresher();
        self.start_creation_clean_up();
        let left = std::mem::take(
            &mut *self
                .interrupted_backups
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        if !left.is_empty() {
            tokio::spawn(self.clone().follow_interrupted_backups(left));
        }
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(app) = app.upgrade() else { break };
                match app.expire_uploads() {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(count = n, "expired unfinished uploads"),
                    Err(e) => tracing::warn!(error = %e, "could not expire uploads"),
                }
                if let Err(e) = app.prune_expired_backups().await {
                    tracing::warn!(error = %e, "could not prune expired backups");
                }
                if let Some(keep) = app.settings.audit_retention {
                    let db = app.db.clone();
                    let cutoff = chrono::Utc::now()
                        - chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
                    match tokio::task::spawn_blocking(move || db.prune_audit(cutoff)).await {
                        Ok(Ok(0)) => {}
                        Ok(Ok(n)) => tracing::info!(count = n, "pruned old audit entries"),
                        Ok(Err(e)) => tracing::warn!(error = %e, "could not prune the audit log"),
                        Err(e) => tracing::warn!(error = %e, "pruning the audit log panicked"),
                    }
                }
            }
        });
    }

    /// Retries the clean-up of interrupted creates that could not finish at
    /// start (typically a volume libvirt was still copying for the process
    /// that died): every 2 s while some are left, for two minutes, then every
    /// minute.
    fn start_creation_clean_up(self: &Arc<Self>) {
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut quick = 60u32;
            loop {
                let Some(app) = app.upgrade() else { break };
                let (db, boot) = (app.db.clone(), app.boot.clone());
                let left = app
                    .blocking(move |hv| {
                        vm_create::recover_interrupted_creations(hv, &db, &boot).map_err(|e| {
                            vapor_hypervisor::HypervisorError::failed(e.to_string())
                        })?;
                        Ok(db
                            .interrupted_creations(&boot)
                            .map(|rows| rows.len())
                            .unwrap_or(0))
                    })
                    .await;
                drop(app);
                let wait = match left {
                    Ok(0) => CREATION_CLEAN_UP_INTERVAL,
                    Ok(_) if quick > 0 => {
                        quick -= 1;
                        std::time::Duration::from_secs(2)
                    }
                    Ok(_) => CREATION_CLEAN_UP_INTERVAL,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not clean up interrupted creates");
                        CREATION_CLEAN_UP_INTERVAL
                    }
                };
                tokio::time::sleep(wait).await;
            }
        });
    }

    /// Re-reads the domains events named, and all of them at start, after a
    /// reconnect and every [`VIEW_RELOAD`], so that lists answer from memory.
    fn start_view_refresher(self: &Arc<Self>) {
        let Some(mut requests) = self
            .refresh_requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return;
        };
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut reload = tokio::time::interval(VIEW_RELOAD);
            loop {
                let mut all = false;
                let mut uuids = std::collections::BTreeSet::new();
                tokio::select! {
                    _ = reload.tick() => all = true,
                    request = requests.recv() => match request {
                        None => return,
                        Some(None) => all = true,
                        Some(Some(uuid)) => { uuids.insert(uuid); }
                    },
                }
                // Take whatever else is waiting, so a burst costs one pass.
                while let Ok(request) = requests.try_recv() {
                    match request {
                        None => all = true,
                        Some(uuid) => {
                            uuids.insert(uuid);
                        }
                    }
                }
                let Some(app) = app.upgrade() else { return };
                let view = app.view.clone();
                let result = app
                    .blocking(move |hv| {
                        if all {
                            view.reload(hv).map(|_| ())
                        } else {
                            for uuid in &uuids {
                                match view.get(hv, uuid) {
                                    Ok(_) => {}
                                    Err(e)
                                        if e.kind
                                            == vapor_hypervisor::HypervisorErrorKind::NotFound => {}
                                    Err(e) => return Err(e),
                                }
                            }
                            Ok(())
                        }
                    })
                    .await;
                if let Err(e) = result {
                    tracing::debug!(error = %e, "could not refresh the domain view; reads will re-read");
                }
            }
        });
    }

    /// Backend and host facts, for the health endpoint.
    pub async fn host_info(&self) -> Result<HostInfo> {
        self.blocking(|hv| hv.host_info())
            .await
            .map_err(|e| Error::from_hypervisor("reading host information", "host", "local", e))
    }
}
