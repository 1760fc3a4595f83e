//! Live migration to another host.
//!
//! Mock hosts live in a process-wide registry by host name:
//! [`MockHypervisor::new_host`] makes an empty mock that other mocks reach
//! through any destination URI naming that host (`qemu+tcp://<name>/system`,
//! `qemu+ssh://<name>/system`, ...). A host name nobody registered is
//! unreachable, like a host that does not answer.
//!
//! A migration is a state machine that runs in real time, so that progress
//! can be watched and the migration aborted half-way:
//! - data moves at the slowest of the two hosts' link speeds
//!   ([`MockHypervisor::set_link_speed`], 1 GiB/s unless set) and the
//!   requested bandwidth limit;
//! - copied disks go first (their allocated bytes), then memory in passes:
//!   the first pass sends all of it while a running guest dirties 1/32 of its
//!   memory per second (auto-converge throttles that by 20 %, then 10 % more
//!   per pass); each further pass sends what the previous one left dirty,
//!   until the rest fits into the allowed downtime (300 ms unless set), when
//!   the guest switches over;
//! - at switch-over the domain leaves this mock and is defined, in the same
//!   state, on the destination.
//!
//! The rules follow QEMU's driver: only an active domain migrates, one job
//! at a time; writable disks need `copy_storage` or `allow_unsafe`; copied
//! disks need a file on the destination or a pool over their directory
//! (libvirt then creates the volume, fully allocated); with `allow_unsafe`
//! and no copy the destination must already have the file; a name or UUID
//! taken on the destination refuses the migration. An abort, or the domain
//! stopping, leaves the domain where it was.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use vapor_hypervisor::*;

use crate::{no_domain, volume_path, MockHypervisor, MockVolume, State};

/// The link speed of a host unless set.
const DEFAULT_LINK_BYTES_PER_SECOND: u64 = 1 << 30;
/// QEMU's default maximum downtime.
const DEFAULT_DOWNTIME_MS: u64 = 300;
/// The guest's memory page size.
const PAGE_BYTES: u64 = 4096;
/// How often a running migration advances.
const TICK: Duration = Duration::from_millis(10);
const MIB: u64 = 1024 * 1024;

/// Registered mock hosts by name.
static HOSTS: Mutex<BTreeMap<String, Weak<MockHypervisor>>> = Mutex::new(BTreeMap::new());
/// Distinguishes the host UUIDs of the mocks of one process.
static NEXT_HOST: AtomicU64 = AtomicU64::new(1);

fn hosts() -> MutexGuard<'static, BTreeMap<String, Weak<MockHypervisor>>> {
    HOSTS.lock().unwrap_or_else(|p| p.into_inner())
}

/// One mock's part in migrations.
pub(crate) struct MockMigrations {
    host_uuid: String,
    name: Mutex<Option<String>>,
    link_bytes_per_second: AtomicU64,
    /// Running migration jobs by domain UUID.
    jobs: Mutex<BTreeMap<String, Arc<Job>>>,
}

impl Default for MockMigrations {
    fn default() -> Self {
        let n = NEXT_HOST.fetch_add(1, Ordering::Relaxed);
        MockMigrations {
            host_uuid: format!("00000000-0000-4000-8000-{n:012x}"),
            name: Mutex::new(None),
            link_bytes_per_second: AtomicU64::new(DEFAULT_LINK_BYTES_PER_SECOND),
            jobs: Mutex::new(BTreeMap::new()),
        }
    }
}

impl MockMigrations {
    fn jobs(&self) -> MutexGuard<'_, BTreeMap<String, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn name(&self) -> Option<String> {
        self.name.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A running migration job.
#[derive(Default)]
struct Job {
    stats: Mutex<MigrationJobStats>,
    abort: AtomicBool,
}

impl Job {
    fn set(&self, stats: MigrationJobStats) {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner()) = stats;
    }

    fn get(&self) -> MigrationJobStats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Removes the job when the migration ends, however it ends, and reports
/// that it ended.
struct JobSlot<'a> {
    owner: &'a MockHypervisor,
    uuid: String,
    name: String,
}

impl Drop for JobSlot<'_> {
    fn drop(&mut self) {
        self.owner.migration.jobs().remove(&self.uuid);
        self.owner
            .events
            .domain(&self.uuid, &self.name, DomainEventKind::JobCompleted, None);
    }
}

impl MockHypervisor {
    /// A new, empty mock registered as the host `name`: migrations to a
    /// destination URI naming `name` arrive here. The name is free again
    /// when the mock is dropped.
    ///
    /// # Panics
    /// When `name` is not a valid host name or another live mock has it.
    pub fn new_host(name: &str) -> Arc<MockHypervisor> {
        assert!(is_valid_host(name), "'{name}' is not a host name");
        let mut hosts = hosts();
        hosts.retain(|_, h| h.strong_count() > 0);
        assert!(
            !hosts.contains_key(name),
            "a mock host named '{name}' exists already"
        );
        let hv = Arc::new(MockHypervisor::new());
        *hv.migration.name.lock().unwrap_or_else(|p| p.into_inner()) = Some(name.to_owned());
        hosts.insert(name.to_owned(), Arc::downgrade(&hv));
        hv
    }

    /// How fast this host sends and receives migrations, in bytes per second
    /// (at least 1).
    pub fn set_link_speed(&self, bytes_per_second: u64) {
        self.migration
            .link_bytes_per_second
            .store(bytes_per_second.max(1), Ordering::Relaxed);
    }

    fn link_speed(&self) -> u64 {
        self.migration.link_bytes_per_second.load(Ordering::Relaxed)
    }
}

/// The registered mock a destination URI names.
fn resolve(uri: &str) -> Result<Arc<MockHypervisor>> {
    let parsed = parse_destination_uri(uri).map_err(|e| {
        HypervisorError::invalid_argument(format!("invalid destination URI '{uri}': {e}"))
    })?;
    let found = hosts().get(&parsed.host).and_then(Weak::upgrade);
    found.ok_or_else(|| {
        let port = parsed.port.unwrap_or(match parsed.transport {
            MigrationTransport::Ssh => 22,
            MigrationTransport::Tcp => 16509,
            MigrationTransport::Tls => 16514,
        });
        HypervisorError::new(
            HypervisorErrorKind::Unavailable,
            format!(
                "unable to connect to server at '{}:{port}': No route to host",
                parsed.host
            ),
        )
    })
}

/// A writable disk of the migrating domain.
struct Disk {
    path: String,
    format: DiskFormat,
    capacity_bytes: u64,
    allocation_bytes: u64,
}

/// Where a migration is, advanced tick by tick.
struct Progress {
    rate: f64,
    memory_bytes: f64,
    dirty_per_second: f64,
    auto_converge: bool,
    downtime_ms: u64,
    disk_total: f64,
    disk_left: f64,
    memory_sent: f64,
    /// Left to send in the current pass.
    pass_left: f64,
    /// Dirtied during the current pass: sent by the next one.
    dirty: f64,
    iteration: u64,
    started: Instant,
    downtime: Option<f64>,
}

impl Progress {
    /// The guest's dirty rate after auto-converge's throttling.
    fn dirty_rate(&self) -> f64 {
        if !self.auto_converge || self.iteration < 2 {
            return self.dirty_per_second;
        }
        let throttle = (20 + 10 * (self.iteration - 2)).min(99) as f64;
        self.dirty_per_second * (100.0 - throttle) / 100.0
    }

    /// Sends what `dt` allows. True once the guest has switched over.
    fn advance(&mut self, dt: f64) -> bool {
        let mut budget = self.rate * dt;
        if self.disk_left > 0.0 {
            let n = budget.min(self.disk_left);
            self.disk_left -= n;
            budget -= n;
            if self.disk_left > 0.0 {
                return false;
            }
        }
        self.dirty = (self.dirty + self.dirty_rate() * dt).min(self.memory_bytes);
        let n = budget.min(self.pass_left);
        self.pass_left -= n;
        self.memory_sent += n;
        if self.pass_left > 0.0 {
            return false;
        }
        let downtime_ms = self.dirty * 1000.0 / self.rate;
        if downtime_ms <= self.downtime_ms as f64 {
            self.memory_sent += self.dirty;
            self.dirty = 0.0;
            self.downtime = Some(downtime_ms);
            return true;
        }
        self.iteration += 1;
        self.pass_left = self.dirty;
        self.dirty = 0.0;
        false
    }

    fn stats(&self) -> MigrationJobStats {
        let memory_phase = self.disk_left <= 0.0;
        let mem_remaining = (self.pass_left + self.dirty) as u64;
        let disk_processed = (self.disk_total - self.disk_left) as u64;
        let disk_remaining = self.disk_left as u64;
        let memory_sent = self.memory_sent as u64;
        MigrationJobStats {
            data_processed_bytes: Some(disk_processed + memory_sent),
            data_remaining_bytes: Some(disk_remaining + mem_remaining),
            data_total_bytes: Some(disk_processed + disk_remaining + memory_sent + mem_remaining),
            memory_processed_bytes: Some(memory_sent),
            memory_remaining_bytes: Some(mem_remaining),
            memory_total_bytes: Some(self.memory_bytes as u64),
            disk_processed_bytes: Some(disk_processed),
            disk_remaining_bytes: Some(disk_remaining),
            disk_total_bytes: Some(self.disk_total as u64),
            dirty_rate_pages_per_second: memory_phase
                .then(|| (self.dirty_rate() / PAGE_BYTES as f64) as u64),
            iteration: memory_phase.then_some(self.iteration),
            downtime_ms: self.downtime.map(|d| d.round() as u64),
            elapsed_ms: Some(self.started.elapsed().as_millis() as u64),
        }
    }
}

fn aborted() -> HypervisorError {
    HypervisorError::failed("operation aborted: migration out: canceled by client")
}

/// A volume of an active pool by path, to change.
fn volume_at<'a>(state: &'a mut State, path: &str) -> Option<&'a mut MockVolume> {
    state
        .pools
        .values_mut()
        .filter(|p| p.active)
        .find_map(|pool| {
            let name = pool
                .volumes
                .keys()
                .find(|name| volume_path(pool, name) == path)?
                .clone();
            pool.volumes.get_mut(&name)
        })
}

/// The directory and file name of a path.
fn split_path(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", file)) => ("/", file),
        Some((dir, file)) => (dir, file),
        None => ("", path),
    }
}

impl MockHypervisor {
    /// The destination's side of the preparation: the name must be free,
    /// and each disk must have a file there (copied disks may get one from
    /// a pool over their directory). Returns the volumes it created.
    fn prepare_incoming(
        &self,
        domain: &DomainSpec,
        disks: &[Disk],
        spec: &MigrationSpec,
    ) -> Result<Vec<String>> {
        let mut state = self.lock();
        if let Some(d) = state
            .domains
            .values()
            .find(|d| d.spec.name == domain.name || d.spec.uuid == domain.uuid)
        {
            return Err(HypervisorError::already_exists(format!(
                "operation failed: domain '{}' already exists with uuid {}",
                d.spec.name, d.spec.uuid
            )));
        }
        let mut created: Vec<String> = Vec::new();
        for disk in disks {
            if state.volume_by_path(&disk.path).is_some() {
                continue;
            }
            if spec.copy_storage == CopyStorage::None {
                return Err(HypervisorError::failed(format!(
                    "Cannot access storage file '{}': No such file or directory",
                    disk.path
                )));
            }
            let (dir, file) = split_path(&disk.path);
            let pool = state
                .pools
                .values_mut()
                .find(|p| p.active && p.path.trim_end_matches('/') == dir);
            let Some(pool) = pool else {
                for path in &created {
                    remove_volume(&mut state, path);
                }
                return Err(HypervisorError::not_found(format!(
                    "Storage pool not found: no storage pool with matching target path '{dir}'"
                )));
            };
            pool.volumes.insert(
                file.to_owned(),
                MockVolume {
                    format: disk.format,
                    capacity_bytes: disk.capacity_bytes,
                    allocation_bytes: disk.capacity_bytes,
                },
            );
            created.push(disk.path.clone());
        }
        Ok(created)
    }

    /// Removes volumes `prepare_incoming` created, after a failure.
    fn forget_incoming(&self, created: &[String]) {
        let mut state = self.lock();
        for path in created {
            remove_volume(&mut state, path);
        }
    }
}

fn remove_volume(state: &mut State, path: &str) {
    for pool in state.pools.values_mut() {
        let name = pool
            .volumes
            .keys()
            .find(|name| volume_path(pool, name) == path)
            .cloned();
        if let Some(name) = name {
            pool.volumes.remove(&name);
        }
    }
}

impl MockHypervisor {
    /// Pauses (or, after a failure, resumes) the guest of a migration that
    /// is not live, as libvirt does, with `migrated` as the reason.
    fn pause_for_migration(&self, uuid: &str, pause: bool) {
        let mut state = self.lock();
        let Some(d) = state.domains.get_mut(uuid) else {
            return;
        };
        let (from, to, kind) = if pause {
            (
                DomainState::Running,
                DomainState::Paused,
                DomainEventKind::Suspended,
            )
        } else {
            (
                DomainState::Paused,
                DomainState::Running,
                DomainEventKind::Resumed,
            )
        };
        if d.state == from {
            d.state = to;
            self.events.of(&d.spec, kind, Some("migrated"));
        }
    }
}

impl MigrationBackend for MockHypervisor {
    fn host_identity(&self) -> Result<HostIdentity> {
        Ok(HostIdentity {
            hostname: self.migration.name().unwrap_or_else(|| "mock".into()),
            host_uuid: Some(self.migration.host_uuid.clone()),
        })
    }

    fn connect_destination(
        &self,
        destination_uri: &str,
        _timeout: Duration,
    ) -> Result<Arc<dyn Hypervisor>> {
        Ok(resolve(destination_uri)?)
    }

    fn migrate(&self, uuid: &str, spec: &MigrationSpec) -> Result<MigrationOutcome> {
        let dest = resolve(&spec.destination_uri)?;
        if std::ptr::eq(Arc::as_ptr(&dest), self) {
            return Err(HypervisorError::failed(format!(
                "internal error: Attempt to migrate guest to the same host {}",
                self.migration.host_uuid
            )));
        }
        // The source's side: the domain, its state and its writable disks.
        let (domain, was_running, disks) = {
            let state = self.lock();
            let d = state.domains.get(uuid).ok_or_else(|| no_domain(uuid))?;
            if !d.state.is_active() {
                return Err(HypervisorError::operation_invalid(
                    "Requested operation is not valid: domain is not running",
                ));
            }
            let disks: Vec<Disk> = d
                .spec
                .disks
                .iter()
                .filter(|disk| disk.device == DiskDevice::Disk && !disk.readonly)
                .map(|disk| {
                    let vol = state.volume_by_path(&disk.path).map(|(_, _, _, v)| v);
                    Disk {
                        path: disk.path.clone(),
                        format: disk.format,
                        capacity_bytes: vol.map_or(0, |v| v.capacity_bytes),
                        allocation_bytes: vol.map_or(0, |v| v.allocation_bytes),
                    }
                })
                .collect();
            (d.spec.clone(), d.state == DomainState::Running, disks)
        };
        if !disks.is_empty() && spec.copy_storage == CopyStorage::None && !spec.allow_unsafe {
            return Err(HypervisorError::invalid_argument(
                "Unsafe migration: Migration without shared storage is unsafe",
            ));
        }
        let job = Arc::new(Job::default());
        {
            let mut jobs = self.migration.jobs();
            if jobs.contains_key(uuid) {
                return Err(HypervisorError::operation_invalid(
                    "Requested operation is not valid: another migration job is already running for domain",
                ));
            }
            jobs.insert(uuid.to_owned(), job.clone());
        }
        let _slot = JobSlot {
            owner: self,
            uuid: uuid.to_owned(),
            name: domain.name.clone(),
        };
        let created = dest.prepare_incoming(&domain, &disks, spec)?;
        // A migration that is not live pauses the guest until it is over.
        let paused_here = !spec.live && was_running;
        if paused_here {
            self.pause_for_migration(uuid, true);
        }
        let fail = |err: HypervisorError| {
            dest.forget_incoming(&created);
            if paused_here {
                self.pause_for_migration(uuid, false);
            }
            Err(err)
        };
        let bandwidth = spec
            .max_bandwidth_mib_s
            .filter(|b| *b > 0)
            .map_or(u64::MAX, |b| b.saturating_mul(MIB));
        let rate = self
            .link_speed()
            .min(dest.link_speed())
            .min(bandwidth)
            .max(1) as f64;
        let memory_bytes = (domain.memory_mib * MIB) as f64;
        let copied: f64 = if spec.copy_storage == CopyStorage::None {
            0.0
        } else {
            disks.iter().map(|d| d.allocation_bytes as f64).sum()
        };
        let mut progress = Progress {
            rate,
            memory_bytes,
            dirty_per_second: if was_running && spec.live {
                memory_bytes / 32.0
            } else {
                0.0
            },
            auto_converge: spec.auto_converge,
            downtime_ms: spec.max_downtime_ms.unwrap_or(DEFAULT_DOWNTIME_MS),
            disk_total: copied,
            disk_left: copied,
            memory_sent: 0.0,
            pass_left: memory_bytes,
            dirty: 0.0,
            iteration: 1,
            started: Instant::now(),
            downtime: None,
        };
        job.set(progress.stats());
        let mut last = Instant::now();
        loop {
            std::thread::sleep(TICK);
            if job.abort.load(Ordering::Relaxed) {
                return fail(aborted());
            }
            let active = self
                .lock()
                .domains
                .get(uuid)
                .is_some_and(|d| d.state.is_active());
            if !active {
                return fail(HypervisorError::failed(
                    "operation failed: domain is not running",
                ));
            }
            let now = Instant::now();
            let done = progress.advance((now - last).as_secs_f64());
            last = now;
            job.set(progress.stats());
            if done {
                break;
            }
        }
        // Switch-over: the domain leaves this host and runs on the destination.
        let Some(mut moved) = self.lock().domains.remove(uuid) else {
            return fail(no_domain(uuid));
        };
        // The guest's CPUs stop here (a migration that is not live stopped
        // them at its start).
        let stops_here = moved.state == DomainState::Running;
        let arrived = {
            let mut state = dest.lock();
            let clash = state
                .domains
                .values()
                .any(|d| d.spec.name == moved.spec.name || d.spec.uuid == moved.spec.uuid);
            if clash {
                None
            } else {
                if paused_here {
                    moved.state = DomainState::Running;
                }
                let port = state.next_display_port();
                let autos = moved
                    .spec
                    .graphics
                    .iter()
                    .filter(|g| g.port.is_none())
                    .count();
                moved.display_ports = (0..autos as i32).map(|i| port + i).collect();
                if spec.copy_storage != CopyStorage::None {
                    for disk in &disks {
                        if let Some(vol) = volume_at(&mut state, &disk.path) {
                            vol.allocation_bytes = vol.allocation_bytes.max(disk.allocation_bytes);
                        }
                    }
                }
                state.domains.insert(uuid.to_owned(), moved.clone());
                use DomainEventKind as E;
                dest.events.of(&moved.spec, E::Defined, Some("added"));
                dest.events.of(&moved.spec, E::Started, Some("migrated"));
                if moved.state == DomainState::Running {
                    dest.events.of(&moved.spec, E::Resumed, Some("migrated"));
                }
                Some(())
            }
        };
        if arrived.is_none() {
            self.lock().domains.insert(uuid.to_owned(), moved);
            return fail(HypervisorError::already_exists(format!(
                "operation failed: domain '{}' already exists on the destination",
                domain.name
            )));
        }
        if stops_here {
            self.events
                .of(&domain, DomainEventKind::Suspended, Some("migrated"));
        }
        self.events
            .of(&domain, DomainEventKind::Stopped, Some("migrated"));
        self.events
            .of(&domain, DomainEventKind::Undefined, Some("removed"));
        Ok(MigrationOutcome {
            stats: Some(progress.stats()),
        })
    }

    fn migration_job(&self, uuid: &str) -> Result<Option<MigrationJobStats>> {
        if let Some(job) = self.migration.jobs().get(uuid) {
            return Ok(Some(job.get()));
        }
        if !self.lock().domains.contains_key(uuid) {
            return Err(no_domain(uuid));
        }
        Ok(None)
    }

    fn abort_migration(&self, uuid: &str) -> Result<()> {
        if let Some(job) = self.migration.jobs().get(uuid) {
            job.abort.store(true, Ordering::Relaxed);
            return Ok(());
        }
        if !self.lock().domains.contains_key(uuid) {
            return Err(no_domain(uuid));
        }
        Err(HypervisorError::operation_invalid(
            "Requested operation is not valid: no job is active on the domain",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "33333333-3333-4333-8333-333333333333";

    fn domain(name: &str, disks: Vec<DiskSpec>) -> DomainSpec {
        DomainSpec {
            name: name.into(),
            uuid: U.into(),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 64,
            vcpus: 1,
            disks,
            interfaces: vec![],
            graphics: vec![],
            boot: vec![BootDevice::Hd],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        }
    }

    fn spec(dest: &str) -> MigrationSpec {
        MigrationSpec {
            destination_uri: format!("qemu+tcp://{dest}/system"),
            live: true,
            tunnelled: false,
            compressed: false,
            auto_converge: false,
            allow_unsafe: false,
            copy_storage: CopyStorage::None,
            max_bandwidth_mib_s: None,
            max_downtime_ms: None,
        }
    }

    fn disk(path: &str) -> DiskSpec {
        DiskSpec {
            device: DiskDevice::Disk,
            path: path.into(),
            format: DiskFormat::Qcow2,
            bus: DiskBus::Virtio,
            target: "vda".into(),
            readonly: false,
            cache: None,
        }
    }

    #[test]
    fn a_running_domain_moves_to_the_destination() {
        let a = MockHypervisor::new_host("mig-unit-a1");
        let b = MockHypervisor::new_host("mig-unit-b1");
        a.define_domain(&domain("vm", vec![])).unwrap();
        let kind = |r: Result<MigrationOutcome>| r.unwrap_err().kind;
        assert_eq!(
            kind(a.migrate(U, &spec("mig-unit-b1"))),
            HypervisorErrorKind::OperationInvalid
        );
        a.power(U, PowerAction::Start).unwrap();
        assert_eq!(
            kind(a.migrate(U, &spec("mig-unit-nowhere"))),
            HypervisorErrorKind::Unavailable
        );
        assert_eq!(
            kind(a.migrate(U, &spec("mig-unit-a1"))),
            HypervisorErrorKind::Failed
        );
        let out = a.migrate(U, &spec("mig-unit-b1")).unwrap();
        let stats = out.stats.unwrap();
        assert_eq!(stats.memory_total_bytes, Some(64 * MIB));
        assert_eq!(stats.data_remaining_bytes, Some(0));
        assert!(stats.downtime_ms.unwrap() <= DEFAULT_DOWNTIME_MS);
        assert!(a.lookup_domain("vm").is_err());
        let there = b.lookup_domain("vm").unwrap();
        assert_eq!(there.state, DomainState::Running);
        assert!(there.persistent);
        assert_eq!(
            a.migration_job(U).unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        assert_eq!(b.migration_job(U).unwrap(), None);
    }

    #[test]
    fn an_abort_leaves_the_domain_running_here() {
        let a = Arc::new(MockHypervisor::new());
        let b = MockHypervisor::new_host("mig-unit-b2");
        a.define_domain(&domain("vm", vec![])).unwrap();
        a.power(U, PowerAction::Start).unwrap();
        assert_eq!(
            a.abort_migration(U).unwrap_err().kind,
            HypervisorErrorKind::OperationInvalid
        );
        let mut slow = spec("mig-unit-b2");
        slow.max_bandwidth_mib_s = Some(16);
        let runner = {
            let a = a.clone();
            std::thread::spawn(move || a.migrate(U, &slow))
        };
        let mut seen = None;
        for _ in 0..200 {
            std::thread::sleep(Duration::from_millis(10));
            if let Some(s) = a.migration_job(U).unwrap() {
                if s.memory_processed_bytes.unwrap() > 0 {
                    seen = Some(s);
                    break;
                }
            }
        }
        let seen = seen.expect("the migration made progress");
        assert!(seen.data_remaining_bytes.unwrap() > 0);
        assert_eq!(seen.iteration, Some(1));
        a.abort_migration(U).unwrap();
        let err = runner.join().unwrap().unwrap_err();
        assert!(err.message.contains("canceled by client"), "{err}");
        assert_eq!(a.lookup_domain("vm").unwrap().state, DomainState::Running);
        assert!(b.lookup_domain("vm").is_err());
        assert_eq!(a.migration_job(U).unwrap(), None);
    }

    #[test]
    fn disks_need_copying_or_shared_storage() {
        let a = Arc::new(MockHypervisor::new());
        let b = MockHypervisor::new_host("mig-unit-b3");
        a.create_dir_pool("p", "/pool").unwrap();
        a.create_volume(
            "p",
            &VolumeSpec {
                name: "d.qcow2".into(),
                capacity_bytes: 8 * MIB,
                format: DiskFormat::Qcow2,
            },
        )
        .unwrap();
        a.define_domain(&domain("vm", vec![disk("/pool/d.qcow2")]))
            .unwrap();
        a.power(U, PowerAction::Start).unwrap();
        let err = a.migrate(U, &spec("mig-unit-b3")).unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::InvalidArgument);
        assert!(err.message.contains("Unsafe migration"), "{err}");
        // Unsafe, without the file there.
        let mut unsafe_spec = spec("mig-unit-b3");
        unsafe_spec.allow_unsafe = true;
        let err = a.migrate(U, &unsafe_spec).unwrap_err();
        assert!(err.message.contains("Cannot access storage file"), "{err}");
        // Copied, without a pool there.
        let mut copy = spec("mig-unit-b3");
        copy.copy_storage = CopyStorage::All;
        assert_eq!(
            a.migrate(U, &copy).unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        // With a pool over the directory, the volume is made there.
        b.create_dir_pool("p", "/pool").unwrap();
        let out = a.migrate(U, &copy).unwrap().stats.unwrap();
        assert_eq!(out.disk_total_bytes, Some(8 * MIB));
        assert_eq!(
            b.lookup_volume_by_path("/pool/d.qcow2")
                .unwrap()
                .capacity_bytes,
            8 * MIB
        );
        assert_eq!(b.lookup_domain("vm").unwrap().state, DomainState::Running);
        // The source's file stays.
        assert!(a.lookup_volume_by_path("/pool/d.qcow2").is_ok());
    }

    #[test]
    fn hosts_resolve_by_name_while_alive() {
        let b = MockHypervisor::new_host("mig-unit-b4");
        let a = MockHypervisor::new();
        assert!(a
            .connect_destination("qemu+ssh://root@mig-unit-b4/system", TICK)
            .is_ok());
        assert_eq!(
            b.host_identity().unwrap().hostname,
            "mig-unit-b4".to_owned()
        );
        assert_ne!(
            a.host_identity().unwrap().host_uuid,
            b.host_identity().unwrap().host_uuid
        );
        drop(b);
        assert_eq!(
            a.connect_destination("qemu+tcp://mig-unit-b4/system", TICK)
                .err()
                .unwrap()
                .kind,
            HypervisorErrorKind::Unavailable
        );
        assert_eq!(
            a.connect_destination("mock://b/", TICK).err().unwrap().kind,
            HypervisorErrorKind::InvalidArgument
        );
        let again = MockHypervisor::new_host("mig-unit-b4");
        drop(again);
    }
}
