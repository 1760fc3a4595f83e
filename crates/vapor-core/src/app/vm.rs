//! Virtual machine lifecycle: create, read, update, delete and power actions.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::Rng;
use vapor_hypervisor::{
    ChangeScope, DiskBus, DiskFormat, Domain, DomainState, Firmware, GraphicsKind, GuestInterface,
    HypervisorErrorKind, InterfaceKind, PowerAction,
};

use super::vm_create::{DiskRequest, DiskSource, VmCreateEnhanced};
use super::{DomainTypeChoice, Vapor};
use crate::error::{Error, Result};
use crate::etag::{self, IfMatch};
use crate::operations::{OperationFailure, OperationHandle};

pub(super) const KIND: &str = "virtual machine";

/// Path segments under `/virtualization/virtualmachines/` that are routes, not VMs.
/// A VM with one of these names could not be addressed by name.
pub const RESERVED_VM_NAMES: &[&str] = &[
    "templates",
    "pci-devices",
    "restore",
    "create-enhanced",
    "from-template",
    "backups",
];

/// A network interface asked for at create time.
#[derive(Debug, Clone)]
pub struct NicRequest {
    pub kind: InterfaceKind,
    pub source: Option<String>,
    pub model: String,
    pub mac: Option<String>,
}

/// A display asked for at create time.
#[derive(Debug, Clone)]
pub struct GraphicsRequest {
    pub kind: GraphicsKind,
    pub listen: String,
    pub port: Option<u16>,
    pub password: Option<String>,
}

/// What `POST /virtualmachines` asks for, in Vapor's units.
#[derive(Debug, Clone)]
pub struct VmCreate {
    pub name: String,
    pub memory_mib: u64,
    pub vcpus: u32,
    pub disk_size_gib: Option<u64>,
    pub disk_path: Option<String>,
    pub iso_path: Option<String>,
    pub storage_pool: String,
    pub network: Option<NicRequest>,
    /// `None`: one VNC display on 127.0.0.1. `Some(vec![])`: no display.
    pub graphics: Option<Vec<GraphicsRequest>>,
    pub autostart: bool,
}

impl VmCreate {
    /// The same request in the general form both create endpoints share.
    pub fn into_enhanced(self) -> Result<VmCreateEnhanced> {
        let source =
            match (self.disk_size_gib, self.disk_path) {
                (Some(_), Some(_)) => return Err(Error::invalid(
                    "disk_size",
                    "give either disk_size (a new disk) or disk_path (an existing one), not both",
                )),
                (Some(size_gib), None) => Some(DiskSource::Create { size_gib }),
                (None, Some(path)) => Some(DiskSource::Existing { path }),
                (None, None) => None,
            };
        let disks = source
            .map(|source| DiskRequest {
                source,
                format: None,
                bus: DiskBus::Virtio,
                cache: None,
                target: None,
                readonly: false,
            })
            .into_iter()
            .collect();
        Ok(VmCreateEnhanced {
            name: self.name,
            memory_mib: self.memory_mib,
            vcpus: self.vcpus,
            disks,
            iso_path: self.iso_path,
            storage_pool: self.storage_pool,
            networks: self.network.into_iter().collect(),
            graphics: self.graphics,
            cloud_init: None,
            firmware: Firmware::Bios,
            tpm: false,
            pci_devices: Vec::new(),
            autostart: self.autostart,
            start: false,
            labels: Default::default(),
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct VmUpdate {
    pub memory_mib: Option<u64>,
    pub vcpus: Option<u32>,
    pub autostart: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct VmUpdateOutcome {
    pub vm: Domain,
    /// Each changed field with where it took effect.
    pub changes: Vec<(&'static str, ChangeScope)>,
}

/// A power action as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmAction {
    Start,
    Stop { force: bool },
    Shutdown,
    ForceStop,
    Restart { force: bool },
    Pause,
    Resume,
    Reset,
}

/// What a power action did.
pub enum VmActionOutcome {
    /// Finished; the VM as it is now.
    Done(Domain),
    /// Asked of the guest; the operation follows it.
    Started(crate::db::OperationRow),
}

/// Filters and paging of the VM list.
#[derive(Debug, Clone, Default)]
pub struct VmListQuery {
    /// At most this many VMs; `None`: all.
    pub limit: Option<usize>,
    /// The previous page's `next_page_token`.
    pub page_token: Option<String>,
    pub state: Option<DomainState>,
    pub name_prefix: Option<String>,
}

/// One page of the VM list.
#[derive(Debug, Clone)]
pub struct VmPage {
    pub vms: Vec<Domain>,
    /// VMs that pass the filters, on all pages.
    pub total: usize,
    /// Present when more VMs follow.
    pub next_page_token: Option<String>,
}

/// Page tokens carry the last name of the page, so that a page begins after
/// it however the list changed in between. Opaque to clients (URL-safe
/// base64 of `vm:<name>`).
fn page_token_of(last_name: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("vm:{last_name}"))
}

fn page_token_name(token: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("vm:")
        .map(str::to_owned)
}

impl Vapor {
    /// Every VM, sorted by name, from the domain view.
    pub async fn list_vms(&self) -> Result<Vec<Domain>> {
        let view = self.view.clone();
        self.blocking(move |hv| view.list(hv))
            .await
            .map_err(|e| Error::from_hypervisor("listing virtual machines", KIND, "*", e))
    }

    /// One page of the VMs that pass `query`'s filters, in name order.
    pub async fn list_vms_page(&self, query: VmListQuery) -> Result<VmPage> {
        let after = match query.page_token.as_deref() {
            None => None,
            Some(token) => Some(page_token_name(token).ok_or_else(|| {
                Error::invalid(
                    "page_token",
                    "not a page token of this API; pass the `next_page_token` of the previous page",
                )
            })?),
        };
        let matching: Vec<Domain> = self
            .list_vms()
            .await?
            .into_iter()
            .filter(|d| query.state.is_none_or(|s| d.state == s))
            .filter(|d| {
                query
                    .name_prefix
                    .as_deref()
                    .is_none_or(|p| d.name.starts_with(p))
            })
            .collect();
        let total = matching.len();
        let mut page: Vec<Domain> = matching
            .into_iter()
            .filter(|d| after.as_deref().is_none_or(|a| d.name.as_str() > a))
            .collect();
        let next_page_token = match query.limit {
            Some(limit) if page.len() > limit => {
                page.truncate(limit);
                page.last().map(|d| page_token_of(&d.name))
            }
            _ => None,
        };
        Ok(VmPage {
            vms: page,
            total,
            next_page_token,
        })
    }

    /// A VM from the domain view: what clients read. Mutations read the
    /// backend ([`Vapor::get_vm`]).
    pub async fn get_vm_viewed(&self, id: &str) -> Result<Domain> {
        let view = self.view.clone();
        let key = id.to_owned();
        self.blocking(move |hv| view.get(hv, &key))
            .await
            .map_err(|e| Error::from_hypervisor("looking up the virtual machine", KIND, id, e))
    }

    pub async fn get_vm(&self, id: &str) -> Result<Domain> {
        let key = id.to_owned();
        self.blocking(move |hv| hv.lookup_domain(&key))
            .await
            .map_err(|e| Error::from_hypervisor("looking up the virtual machine", KIND, id, e))
    }

    /// A VM with its guest's network interfaces as its guest agent reports
    /// them; `None` when the VM is not running or no agent answers (a VM
    /// without an agent is normal, so that is no error).
    pub async fn get_vm_detail(&self, id: &str) -> Result<(Domain, Option<Vec<GuestInterface>>)> {
        let vm = self.get_vm_viewed(id).await?;
        if vm.state != DomainState::Running {
            return Ok((vm, None));
        }
        let uuid = vm.uuid.clone();
        match self.blocking(move |hv| hv.guest_interfaces(&uuid)).await {
            Ok(guest) => Ok((vm, Some(guest))),
            Err(e) => {
                tracing::debug!(vm = %vm.name, error = %e, "no guest agent answer");
                Ok((vm, None))
            }
        }
    }

    /// Creates a VM from the basic request: at most one disk, one NIC.
    pub async fn create_vm(&self, req: VmCreate) -> Result<Domain> {
        self.create_vm_enhanced(req.into_enhanced()?).await
    }

    /// Looks the pool up; creates the `default` directory pool when it is missing.
    pub(super) async fn ensure_pool(&self, pool: &str) -> Result<()> {
        let name = pool.to_owned();
        match self.blocking(move |hv| hv.lookup_pool(&name)).await {
            Ok(p) if p.active => Ok(()),
            Ok(_) => Err(Error::conflict(format!(
                "storage pool '{pool}' is not running"
            ))),
            Err(e) if e.kind == HypervisorErrorKind::NotFound && pool == "default" => {
                let path = self.settings.default_pool_path.clone();
                match self
                    .blocking(move |hv| hv.create_dir_pool("default", &path))
                    .await
                {
                    Ok(_) => Ok(()),
                    // Another request created it first: wait until it runs.
                    Err(e) if e.kind == HypervisorErrorKind::AlreadyExists => {
                        self.wait_for_pool_to_run("default").await
                    }
                    Err(e) => Err(Error::from_hypervisor(
                        "creating the default storage pool",
                        "storage pool",
                        "default",
                        e,
                    )),
                }
            }
            Err(e) => Err(Error::from_hypervisor(
                "looking up the storage pool",
                "storage pool",
                pool,
                e,
            )),
        }
    }

    /// Polls a pool that a concurrent request is creating until it is active.
    async fn wait_for_pool_to_run(&self, pool: &str) -> Result<()> {
        for _ in 0..50 {
            let name = pool.to_owned();
            if let Ok(p) = self.blocking(move |hv| hv.lookup_pool(&name)).await {
                if p.active {
                    return Ok(());
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(Error::conflict(format!(
            "storage pool '{pool}' is being created by another request and did not start"
        )))
    }

    /// Deletes volumes, logging (not failing on) each that cannot be removed.
    /// Returns the paths that are left.
    pub(super) async fn remove_volumes(&self, paths: &[String]) -> Vec<String> {
        let mut left = Vec::new();
        for path in paths {
            let p = path.clone();
            match self.blocking(move |hv| hv.delete_volume_by_path(&p)).await {
                Ok(()) => {}
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                Err(e) => {
                    tracing::error!(volume = %path, error = %e, "could not delete volume");
                    left.push(path.clone());
                }
            }
        }
        left
    }

    /// The domain type new VMs get on a host that offers `offered`.
    pub(super) fn choose_domain_type(&self, offered: &[String]) -> Result<String> {
        let has = |t: &str| offered.iter().any(|o| o == t);
        match self.settings.domain_type {
            DomainTypeChoice::Kvm if has("kvm") => Ok("kvm".into()),
            DomainTypeChoice::Qemu if has("qemu") => Ok("qemu".into()),
            DomainTypeChoice::Kvm | DomainTypeChoice::Qemu => Err(Error::unsupported(format!(
                "the configured domain type is not offered by this host (it offers: {})",
                offered.join(", ")
            ))),
            DomainTypeChoice::Auto => ["kvm", "qemu"]
                .into_iter()
                .find(|t| has(t))
                .map(str::to_owned)
                .or_else(|| offered.first().cloned())
                .ok_or_else(|| {
                    Error::unsupported("this host offers no domain type for its architecture")
                }),
        }
    }

    /// Re-reads the VM under its mutation guard and checks `precondition`
    /// against what it is now, so that no other change can come between the
    /// check and the caller's. Returns the VM as read.
    pub(super) async fn check_precondition(
        &self,
        vm: Domain,
        id: &str,
        precondition: Option<&IfMatch>,
    ) -> Result<Domain> {
        let Some(precondition) = precondition else {
            return Ok(vm);
        };
        let now = self.get_vm(&vm.uuid).await?;
        precondition.check(KIND, id, &etag::of(&now))?;
        Ok(now)
    }

    pub async fn update_vm(
        &self,
        id: &str,
        update: VmUpdate,
        precondition: Option<&IfMatch>,
    ) -> Result<VmUpdateOutcome> {
        if update.memory_mib.is_none() && update.vcpus.is_none() && update.autostart.is_none() {
            return Err(Error::InvalidRequest {
                field: None,
                message: "nothing to change: give memory, vcpus or autostart".into(),
            });
        }
        if let Some(m) = update.memory_mib {
            validate_memory(m)?;
        }
        if let Some(v) = update.vcpus {
            validate_vcpus(v)?;
        }
        let vm = self.get_vm(id).await?;
        let _guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let vm = self.check_precondition(vm, id, precondition).await?;
        // Check everything before changing anything, so a rejected request changes nothing.
        if vm.state.is_active() {
            if let Some(m) = update.memory_mib.filter(|m| *m > vm.max_memory_mib) {
                return Err(Error::conflict(format!(
                    "memory can only grow up to the maximum ({} MiB) while the VM runs; asked for {m} MiB",
                    vm.max_memory_mib
                )));
            }
            if let Some(v) = update.vcpus.filter(|v| *v > vm.max_vcpus) {
                return Err(Error::conflict(format!(
                    "vCPUs can only grow up to the maximum ({}) while the VM runs; asked for {v}",
                    vm.max_vcpus
                )));
            }
        }
        let mut changes = Vec::new();
        if let Some(vcpus) = update.vcpus {
            let uuid = vm.uuid.clone();
            let scope = self
                .blocking(move |hv| hv.set_vcpus(&uuid, vcpus))
                .await
                .map_err(|e| Error::from_hypervisor("setting vCPUs", KIND, id, e))?;
            changes.push(("vcpus", scope));
        }
        if let Some(memory) = update.memory_mib {
            let uuid = vm.uuid.clone();
            let scope = self
                .blocking(move |hv| hv.set_memory(&uuid, memory))
                .await
                .map_err(|e| Error::from_hypervisor("setting memory", KIND, id, e))?;
            changes.push(("memory", scope));
        }
        if let Some(autostart) = update.autostart {
            let uuid = vm.uuid.clone();
            self.blocking(move |hv| hv.set_autostart(&uuid, autostart))
                .await
                .map_err(|e| Error::from_hypervisor("setting autostart", KIND, id, e))?;
            changes.push(("autostart", ChangeScope::Config));
        }
        Ok(VmUpdateOutcome {
            vm: self.get_vm(&vm.uuid).await?,
            changes,
        })
    }

    /// Undefines a VM. With `remove_disks`, also deletes the volumes Vapor created for it.
    pub async fn delete_vm(
        &self,
        id: &str,
        remove_disks: bool,
        precondition: Option<&IfMatch>,
    ) -> Result<()> {
        let vm = self.get_vm(id).await?;
        let _guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let vm = self.check_precondition(vm, id, precondition).await?;
        let uuid = vm.uuid.clone();
        self.blocking(move |hv| hv.undefine_domain(&uuid))
            .await
            .map_err(|e| Error::from_hypervisor("deleting the virtual machine", KIND, id, e))?;
        super::vm_create::remove_ephemeral(&vm.metadata.ephemeral_volumes);
        // The VM is gone; a stale link would outlive it in the database.
        if let Err(e) = self.db.forget_vm_template(&vm.uuid) {
            tracing::warn!(vm = %vm.name, error = %e, "could not forget the VM's template");
        }
        if remove_disks {
            let left = self.remove_volumes(&vm.metadata.owned_volumes).await;
            if !left.is_empty() {
                return Err(Error::Internal {
                    context: format!(
                        "the virtual machine was deleted, but these volumes could not be: {}",
                        left.join(", ")
                    ),
                    source: None,
                });
            }
        }
        Ok(())
    }

    pub async fn vm_action(
        &self,
        id: &str,
        action: VmAction,
        timeout: Duration,
        precondition: Option<&IfMatch>,
    ) -> Result<VmActionOutcome> {
        let vm = self.get_vm(id).await?;
        let guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let vm = self.check_precondition(vm, id, precondition).await?;
        let steps: &[PowerAction] = match action {
            VmAction::Start => &[PowerAction::Start],
            VmAction::Stop { force: true } | VmAction::ForceStop => &[PowerAction::Destroy],
            VmAction::Stop { force: false } | VmAction::Shutdown => &[PowerAction::Shutdown],
            VmAction::Restart { force: true } => &[PowerAction::Destroy, PowerAction::Start],
            VmAction::Restart { force: false } => &[PowerAction::Reboot],
            VmAction::Pause => &[PowerAction::Suspend],
            VmAction::Resume => &[PowerAction::Resume],
            VmAction::Reset => &[PowerAction::Reset],
        };
        if matches!(action, VmAction::Restart { force: true }) && !vm.state.is_active() {
            return Err(Error::conflict(
                "the virtual machine is not running; start it instead",
            ));
        }
        for step in steps {
            let uuid = vm.uuid.clone();
            let step = *step;
            self.blocking(move |hv| hv.power(&uuid, step))
                .await
                .map_err(|e| {
                    Error::from_hypervisor(
                        format!("{} of virtual machine '{id}' was refused", verb(step)),
                        KIND,
                        id,
                        e,
                    )
                })?;
        }
        drop(guard);
        if steps == [PowerAction::Shutdown] {
            let op = self.watch_shutdown(vm.uuid.clone(), timeout)?;
            return Ok(VmActionOutcome::Started(op));
        }
        Ok(VmActionOutcome::Done(self.get_vm(&vm.uuid).await?))
    }

    /// An operation that succeeds when the VM is off, or fails with `TIMEOUT`.
    fn watch_shutdown(&self, uuid: String, timeout: Duration) -> Result<crate::db::OperationRow> {
        let hv = self.hypervisor.clone();
        self.operations.spawn("vm_shutdown", &uuid.clone(), "waiting for the guest to power off", move |mut handle: OperationHandle| async move {
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                let hv = hv.clone();
                let key = uuid.clone();
                let state = tokio::task::spawn_blocking(move || hv.lookup_domain(&key).map(|d| d.state))
                    .await
                    .map_err(|e| OperationFailure { code: "INTERNAL_ERROR".into(), message: e.to_string() })?;
                match state {
                    Ok(DomainState::Shutoff) => return Ok(()),
                    Ok(_) => {}
                    Err(e) if e.kind == HypervisorErrorKind::NotFound => {
                        return Err(OperationFailure {
                            code: "NOT_FOUND".into(),
                            message: "the virtual machine was deleted while shutting down".into(),
                        })
                    }
                    Err(e) => tracing::warn!(vm = %uuid, error = %e, "state poll failed"),
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(OperationFailure {
                        code: "TIMEOUT".into(),
                        message: format!(
                            "the guest did not power off within {} s; use force_stop to power it off",
                            timeout.as_secs()
                        ),
                    });
                }
                tokio::select! {
                    _ = handle.cancelled() => {
                        return Err(OperationFailure { code: "CANCELLED".into(), message: "cancelled on request".into() });
                    }
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                }
            }
        })
    }
}

fn verb(action: PowerAction) -> &'static str {
    match action {
        PowerAction::Start => "start",
        PowerAction::Shutdown => "shutdown",
        PowerAction::Destroy => "power-off",
        PowerAction::Reboot => "reboot",
        PowerAction::Reset => "reset",
        PowerAction::Suspend => "pause",
        PowerAction::Resume => "resume",
    }
}

/// VM names: what libvirt and file systems accept without quoting, and not a route.
pub fn validate_name(name: &str) -> Result<()> {
    validate_name_like("name", name)?;
    if RESERVED_VM_NAMES.contains(&name) {
        return Err(Error::invalid(
            "name",
            format!("'{name}' is reserved by the API"),
        ));
    }
    Ok(())
}

/// The name pattern of the API, `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`, for VMs,
/// the pools and networks a request names, and API tokens.
pub(crate) fn validate_name_like(field: &'static str, value: &str) -> Result<()> {
    let mut chars = value.chars();
    let ok = value.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("'{value}' is not a valid {field}: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ))
    }
}

pub(super) fn validate_memory(memory_mib: u64) -> Result<()> {
    if (16..=4_194_304).contains(&memory_mib) {
        Ok(())
    } else {
        Err(Error::invalid(
            "memory",
            "memory is in MiB, from 16 to 4194304",
        ))
    }
}

pub(super) fn validate_vcpus(vcpus: u32) -> Result<()> {
    if (1..=256).contains(&vcpus) {
        Ok(())
    } else {
        Err(Error::invalid("vcpus", "vcpus is from 1 to 256"))
    }
}

pub(super) fn validate_mac(mac: &str) -> Result<()> {
    let parts: Vec<&str> = mac.split(':').collect();
    let ok = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()));
    let multicast =
        u8::from_str_radix(parts.first().copied().unwrap_or("01"), 16).map_or(true, |b| b & 1 == 1);
    if ok && !multicast {
        Ok(())
    } else {
        Err(Error::invalid(
            "network",
            format!("'{mac}' is not a unicast MAC address"),
        ))
    }
}

/// The directories host files given to VMs (existing disks, CD-ROMs, ISOs
/// registered in the library) must be inside, resolved, and Vapor's database,
/// which no VM is ever given.
#[derive(Debug, Clone, Default)]
pub(super) struct HostFileRoots {
    /// Each root as configured and as resolved (`None`: it does not exist,
    /// so nothing is inside it).
    roots: Vec<(PathBuf, Option<PathBuf>)>,
    /// The database file, resolved when it exists.
    database: Option<PathBuf>,
}

impl HostFileRoots {
    /// `roots` resolved now (a root made later counts from the next request
    /// on), and the database at `database`.
    pub(super) fn new<'a>(
        roots: impl IntoIterator<Item = &'a Path>,
        database: Option<&Path>,
    ) -> HostFileRoots {
        let mut resolved: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
        for root in roots {
            if resolved.iter().any(|(r, _)| r == root) {
                continue;
            }
            let real = root
                .is_absolute()
                .then(|| root.canonicalize().ok())
                .flatten()
                .filter(|r| r.is_dir());
            resolved.push((root.to_path_buf(), real));
        }
        HostFileRoots {
            roots: resolved,
            database: database.map(|d| d.canonicalize().unwrap_or_else(|_| d.to_path_buf())),
        }
    }

    /// The roots as configured, for messages.
    fn listed(&self) -> String {
        let shown: Vec<String> = self
            .roots
            .iter()
            .map(|(r, _)| r.display().to_string())
            .collect();
        if shown.is_empty() {
            "none are configured".to_owned()
        } else {
            shown.join(", ")
        }
    }

    /// The database file and the files SQLite keeps beside it.
    fn database_files(&self) -> Vec<PathBuf> {
        let Some(db) = &self.database else {
            return Vec::new();
        };
        let mut files = vec![db.clone()];
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            files.push(PathBuf::from(name));
        }
        files
    }

    /// Whether the resolved `real` path is inside a root that may give it.
    /// A root that holds the database's directory without being it gives
    /// nothing inside that directory.
    fn admits(&self, real: &Path) -> bool {
        let database_dir = self.database.as_deref().and_then(Path::parent);
        self.roots
            .iter()
            .filter_map(|(_, r)| r.as_deref())
            .any(|root| {
                real.starts_with(root)
                    && !database_dir.is_some_and(|dir| {
                        real.starts_with(dir) && dir.starts_with(root) && dir != root
                    })
            })
    }
}

/// `path` as a path, when it is absolute and has no `..`.
fn absolute_without_parent<'a>(field: &'static str, path: &'a str) -> Result<&'a Path> {
    let p = Path::new(path);
    if !p.is_absolute()
        || p.components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(Error::invalid(
            field,
            format!("{field} must be an absolute path without '..', not '{path}'"),
        ));
    }
    Ok(p)
}

/// Confines the directory a storage pool is to keep its volumes in (or to
/// mount on) to the roots: an absolute path without `..`, resolved as far
/// as it exists (symbolic links followed; the rest may be made when the pool
/// is built), inside a root, and not holding Vapor's database, which would
/// otherwise be listed, and could be deleted, as one of its volumes.
/// Returns the resolved path.
pub(super) fn confine_pool_directory(
    field: &'static str,
    path: &str,
    roots: &HostFileRoots,
) -> Result<String> {
    let p = absolute_without_parent(field, path)?;
    // The longest part that exists, resolved, and the rest as given.
    let mut existing = p.to_path_buf();
    let mut rest = Vec::new();
    let resolved = loop {
        match existing.canonicalize() {
            Ok(real) => break real,
            Err(_) => match (
                existing.file_name().map(ToOwned::to_owned),
                existing.parent(),
            ) {
                (Some(name), Some(parent)) => {
                    rest.push(name);
                    existing = parent.to_path_buf();
                }
                _ => {
                    return Err(Error::invalid(
                        field,
                        format!("{field} '{path}' cannot be resolved on this host"),
                    ))
                }
            },
        }
    };
    let real = rest.iter().rev().fold(resolved, |dir, name| dir.join(name));
    if !roots.admits(&real) {
        return Err(Error::invalid(
            field,
            format!(
                "{field} '{path}' is outside the allowed roots for host files ({}; [storage] host_file_roots)",
                roots.listed()
            ),
        ));
    }
    if roots
        .database_files()
        .first()
        .is_some_and(|db| db.starts_with(&real))
    {
        return Err(Error::invalid(
            field,
            format!("{field} '{path}' holds Vapor's own database; no pool is made over it"),
        ));
    }
    real.into_os_string()
        .into_string()
        .map_err(|_| Error::invalid(field, format!("{field} '{path}' does not resolve to UTF-8")))
}

/// Confines a host file given in `field` to the roots: an absolute path
/// without `..`, resolved (symbolic links followed), that names a regular
/// file inside one of the roots (component by component, so
/// `/var/lib/libvirt/images-evil` is not inside `/var/lib/libvirt/images`),
/// and is neither Vapor's database nor a file beside it in its directory
/// (unless that directory is itself a root). Returns the resolved path,
/// which is what the VM is then given.
pub(super) fn confine_host_file(
    field: &'static str,
    path: &str,
    roots: &HostFileRoots,
) -> Result<String> {
    let p = absolute_without_parent(field, path)?;
    let real = p.canonicalize().map_err(|e| {
        Error::invalid(
            field,
            format!("{field} '{path}' cannot be resolved on this host: {e}"),
        )
    })?;
    let outside = || {
        Error::invalid(
            field,
            format!(
                "{field} '{path}' is outside the allowed roots for host files ({}; [storage] host_file_roots)",
                roots.listed()
            ),
        )
    };
    if roots.database_files().contains(&real) {
        return Err(Error::invalid(
            field,
            format!("{field} '{path}' is Vapor's own database; it is never given to a VM"),
        ));
    }
    if !roots.admits(&real) {
        return Err(outside());
    }
    if !real.is_file() {
        return Err(Error::invalid(
            field,
            format!("{field} '{path}' is not a regular file"),
        ));
    }
    real.into_os_string()
        .into_string()
        .map_err(|_| Error::invalid(field, format!("{field} '{path}' does not resolve to UTF-8")))
}

impl Vapor {
    /// The roots host files must be inside: `[storage] host_file_roots` and
    /// the ISO library's directory, resolved now.
    pub(super) fn host_file_roots(&self) -> HostFileRoots {
        let s = &self.settings;
        HostFileRoots::new(
            s.host_file_roots
                .iter()
                .map(PathBuf::as_path)
                .chain(std::iter::once(s.iso_dir.as_path())),
            s.database_path.as_deref(),
        )
    }

    /// Confines a create's existing disks and ISO to the host file roots,
    /// and puts their resolved paths in the request, so that the domain
    /// names the files that were checked.
    pub(super) fn confine_create_files(&self, req: &mut VmCreateEnhanced) -> Result<()> {
        let has_host_files = req.iso_path.is_some()
            || req
                .disks
                .iter()
                .any(|d| matches!(d.source, DiskSource::Existing { .. }));
        if !has_host_files {
            return Ok(());
        }
        let roots = self.host_file_roots();
        for disk in &mut req.disks {
            if let DiskSource::Existing { path } = &mut disk.source {
                *path = confine_host_file("disks", path, &roots)?;
            }
        }
        if let Some(iso) = &mut req.iso_path {
            *iso = confine_host_file("iso_path", iso, &roots)?;
        }
        Ok(())
    }
}

/// qcow2 images start with the magic `QFI\xfb`; anything else is attached raw.
pub(super) fn probe_format(path: &str) -> DiskFormat {
    let mut magic = [0u8; 4];
    let is_qcow2 = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && magic == *b"QFI\xfb";
    if is_qcow2 {
        DiskFormat::Qcow2
    } else {
        DiskFormat::Raw
    }
}

/// A random MAC in QEMU's locally administered range, unused by any defined VM.
pub(super) fn generate_mac(taken: &[String]) -> String {
    let mut rng = rand::thread_rng();
    loop {
        let mac = format!(
            "52:54:00:{:02x}:{:02x}:{:02x}",
            rng.gen::<u8>(),
            rng.gen::<u8>(),
            rng.gen::<u8>()
        );
        if !taken.iter().any(|t| t.eq_ignore_ascii_case(&mac)) {
            return mac;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["a", "web-01", "db.prod_2", &"x".repeat(64)] {
            validate_name(ok).unwrap();
        }
        for bad in [
            "",
            "-a",
            "a b",
            "a/b",
            "../x",
            "templates",
            &"x".repeat(65),
            "<x>",
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn macs() {
        validate_mac("52:54:00:ab:cd:ef").unwrap();
        for bad in [
            "52:54:00:ab:cd",
            "zz:54:00:ab:cd:ef",
            "01:00:00:00:00:00",
            "52-54-00-ab-cd-ef",
        ] {
            assert!(validate_mac(bad).is_err(), "{bad}");
        }
        let taken = vec!["52:54:00:00:00:01".to_owned()];
        let mac = generate_mac(&taken);
        validate_mac(&mac).unwrap();
        assert!(mac.starts_with("52:54:00:"));
    }

    /// The field an error names and whether its message says `words`.
    fn refused(result: Result<String>, words: &str) -> bool {
        match result {
            Err(Error::InvalidRequest {
                field: Some(field),
                message,
            }) => field == "disks" && message.contains(words),
            _ => false,
        }
    }

    #[test]
    fn host_files_are_confined_to_the_roots() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("images");
        let evil = tmp.path().join("images-evil");
        let data = tmp.path().join("data");
        for dir in [&root, &evil, &data] {
            std::fs::create_dir(dir).unwrap();
        }
        let inside = root.join("disk.img");
        std::fs::write(&inside, b"").unwrap();
        std::fs::write(evil.join("disk.img"), b"").unwrap();
        let db = data.join("vapor.db");
        std::fs::write(&db, b"").unwrap();
        std::fs::write(data.join("other.img"), b"").unwrap();
        let roots = HostFileRoots::new([root.as_path()], Some(&db));
        let check = |p: &Path| confine_host_file("disks", p.to_str().unwrap(), &roots);

        let real = root.canonicalize().unwrap().join("disk.img");
        assert_eq!(check(&inside).unwrap(), real.to_str().unwrap());
        // A string prefix is not a parent directory.
        assert!(refused(
            check(&evil.join("disk.img")),
            "outside the allowed roots"
        ));
        assert!(refused(
            check(&evil.join("disk.img")),
            root.to_str().unwrap()
        ));
        assert!(refused(check(Path::new("/etc/passwd")), "outside"));
        // Relative paths and '..' are refused before anything is resolved.
        assert!(refused(
            confine_host_file("disks", "images/disk.img", &roots),
            "absolute path"
        ));
        assert!(refused(
            check(&root.join("..").join("images-evil").join("disk.img")),
            "without '..'"
        ));
        assert!(refused(
            check(&root.join("missing.img")),
            "cannot be resolved"
        ));
        assert!(refused(check(&root), "not a regular file"));

        // A link inside a root to a file outside is judged by its target,
        // and a link inside to a file inside gives the file's own path.
        let escape = root.join("escape.img");
        std::os::unix::fs::symlink("/etc/passwd", &escape).unwrap();
        assert!(refused(check(&escape), "outside"));
        let alias = root.join("alias.img");
        std::os::unix::fs::symlink(&inside, &alias).unwrap();
        assert_eq!(check(&alias).unwrap(), real.to_str().unwrap());

        // The database and its companions, never; its directory only when
        // it is a root itself, not when a root holds it.
        let wide = HostFileRoots::new([tmp.path()], Some(&db));
        let in_wide = |p: &Path| confine_host_file("disks", p.to_str().unwrap(), &wide);
        assert!(refused(in_wide(&db), "database"));
        assert!(refused(in_wide(&data.join("other.img")), "outside"));
        assert!(in_wide(&inside).is_ok());
        let with_data = HostFileRoots::new([data.as_path()], Some(&db));
        assert!(confine_host_file(
            "disks",
            data.join("other.img").to_str().unwrap(),
            &with_data
        )
        .is_ok());
        assert!(refused(
            confine_host_file("disks", db.to_str().unwrap(), &with_data),
            "database"
        ));
        let wal = data.join("vapor.db-wal");
        std::fs::write(&wal, b"").unwrap();
        assert!(refused(
            confine_host_file("disks", wal.to_str().unwrap(), &with_data),
            "database"
        ));

        // No roots: nothing is admitted, and the message says so.
        let none = HostFileRoots::new(std::iter::empty(), None);
        assert!(refused(
            confine_host_file("disks", inside.to_str().unwrap(), &none),
            "none are configured"
        ));
    }

    #[test]
    fn formats_are_probed() {
        let f = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(probe_format(f.path().to_str().unwrap()), DiskFormat::Raw);
        std::fs::write(f.path(), b"QFI\xfb\0\0\0\x03").unwrap();
        assert_eq!(probe_format(f.path().to_str().unwrap()), DiskFormat::Qcow2);
    }
}
