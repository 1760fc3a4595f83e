//! Resource usage of running domains.
//!
//! Like libvirt's, the mock's counters belong to one run of a domain: they
//! start at zero when the run is first measured and advance only while the
//! domain runs (not while it is paused), at fixed rates:
//! CPU time grows by wall time × vCPUs × the CPU load, every disk reads
//! (and, unless read-only, writes) and every interface receives and sends
//! at fixed byte rates, with requests and packets of fixed sizes. The same
//! calls at the same times give the same numbers.
//!
//! A run ends when a measurement finds its domain shut off or gone; the
//! next measurement of a running domain starts a new run (a new run id,
//! counters from zero). The mock does not see a stop and start that
//! happen between two measurements of any domain: the counters of that
//! domain then simply go on.
//!
//! As on libvirt's test driver, every interface, `user` included, has a
//! host device with counters; devices are named `vnetN` with the lowest N
//! no other running domain's interface has, like QEMU's. Memory is
//! reported as a guest with balloon statistics would: the guest sees its
//! current memory as installed and leaves the share the load does not use
//! unused; the process's RSS is what the guest uses plus a fixed overhead.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use vapor_hypervisor::*;

use crate::{no_domain, MockHypervisor};

const MIB: u64 = 1024 * 1024;
const NANOS_PER_SEC: u128 = 1_000_000_000;
/// Fixed point for loads: parts per million.
const PPM: u128 = 1_000_000;
/// Bytes per read request and per write request.
const READ_REQUEST_BYTES: u64 = 16 * 1024;
const WRITE_REQUEST_BYTES: u64 = 4 * 1024;
/// Bytes per received and per sent packet.
const RX_PACKET_BYTES: u64 = 1000;
const TX_PACKET_BYTES: u64 = 500;
/// Host memory the hypervisor process uses beyond the guest's.
const PROCESS_OVERHEAD_BYTES: u64 = 32 * MIB;

/// The last run id handed out, in the whole process: two mocks never
/// report the same run id, as two hosts' domains never share a UUID.
static LAST_RUN_ID: AtomicU64 = AtomicU64::new(0);

/// How busy the mock's guests are. The same for every domain; only the
/// CPU load can be changed ([`MockHypervisor::set_guest_cpu_load`]).
#[derive(Debug, Clone, PartialEq)]
struct GuestLoad {
    /// Share of each vCPU's time the guest keeps busy, from 0.0 to 1.0.
    cpu: f64,
    /// Share of its memory the guest uses, from 0.0 to 1.0.
    memory: f64,
    /// What each disk reads, per second of running time.
    disk_read_bytes_per_sec: u64,
    /// What each writable disk writes, per second of running time.
    disk_write_bytes_per_sec: u64,
    /// What each interface receives, per second of running time.
    net_rx_bytes_per_sec: u64,
    /// What each interface sends, per second of running time.
    net_tx_bytes_per_sec: u64,
}

impl Default for GuestLoad {
    fn default() -> Self {
        GuestLoad {
            cpu: 0.25,
            memory: 0.5,
            disk_read_bytes_per_sec: 256 * 1024,
            disk_write_bytes_per_sec: 64 * 1024,
            net_rx_bytes_per_sec: 16 * 1024,
            net_tx_bytes_per_sec: 4 * 1024,
        }
    }
}

/// The counters of every measured run, by domain UUID.
#[derive(Default)]
pub(crate) struct MockMetrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    load: GuestLoad,
    runs: HashMap<String, Run>,
    /// Tests set the time; `None` reads the monotonic clock.
    fixed_now: Option<Instant>,
}

/// One run of a domain. Amounts are kept scaled (bytes × 10⁹ per second
/// of rate, CPU ns × 10⁶ of load) so that no fraction is ever lost and the
/// result does not depend on how often the run is measured.
struct Run {
    id: u64,
    measured_at: Instant,
    cpu_scaled: u128,
    /// By disk target.
    disks: BTreeMap<String, Io>,
    /// By MAC: the host device and its traffic.
    nics: BTreeMap<String, (String, Io)>,
}

/// Two byte counters: read/write, or received/sent.
#[derive(Default, Clone, Copy)]
struct Io {
    a_scaled: u128,
    b_scaled: u128,
}

impl Io {
    fn advance(&mut self, dt_ns: u128, a_rate: u64, b_rate: u64) {
        self.a_scaled += dt_ns * u128::from(a_rate);
        self.b_scaled += dt_ns * u128::from(b_rate);
    }

    fn a(&self) -> u64 {
        unscale(self.a_scaled, NANOS_PER_SEC)
    }

    fn b(&self) -> u64 {
        unscale(self.b_scaled, NANOS_PER_SEC)
    }
}

fn unscale(value: u128, scale: u128) -> u64 {
    u64::try_from(value / scale).unwrap_or(u64::MAX)
}

fn ppm(share: f64) -> u128 {
    (share.clamp(0.0, 1.0) * PPM as f64).round() as u128
}

impl MockMetrics {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn now(&self) -> Instant {
        self.fixed_now.unwrap_or_else(Instant::now)
    }

    /// The lowest `vnetN` no run has.
    fn free_device(&self, taken_here: &BTreeSet<String>) -> String {
        let used: BTreeSet<&str> = self
            .runs
            .values()
            .flat_map(|r| r.nics.values().map(|(dev, _)| dev.as_str()))
            .chain(taken_here.iter().map(String::as_str))
            .collect();
        (0u32..)
            .map(|n| format!("vnet{n}"))
            .find(|name| !used.contains(name.as_str()))
            .expect("a free device name")
    }
}

impl MockHypervisor {
    /// Sets the share of each vCPU's time every guest keeps busy from now
    /// on, from 0.0 to 1.0 (clamped; 0.25 at first). Counters already
    /// reached are kept.
    pub fn set_guest_cpu_load(&self, share: f64) {
        // The domains' lock first, then the metrics' (as in `domain_stats`).
        let state = self.lock();
        let mut metrics = self.metrics.lock();
        let now = metrics.now();
        // Bring every run up to now at the old rates first.
        let old = metrics.load.clone();
        for (uuid, run) in metrics.runs.iter_mut() {
            if let Some(d) = state.domains.get(uuid) {
                advance(run, now, &old, d);
            }
        }
        metrics.load.cpu = share.clamp(0.0, 1.0);
    }
}

/// Advances a run to `now` at `load`, for the devices the domain has now.
fn advance(run: &mut Run, now: Instant, load: &GuestLoad, d: &crate::MockDomain) {
    let dt = now.saturating_duration_since(run.measured_at).as_nanos();
    run.measured_at = now;
    if !matches!(d.state, DomainState::Running | DomainState::Blocked) {
        return;
    }
    run.cpu_scaled += dt * u128::from(d.spec.vcpus) * ppm(load.cpu);
    for disk in &d.spec.disks {
        let write = if disk.readonly {
            0
        } else {
            load.disk_write_bytes_per_sec
        };
        if let Some(io) = run.disks.get_mut(&disk.target) {
            io.advance(dt, load.disk_read_bytes_per_sec, write);
        }
    }
    for nic in &d.spec.interfaces {
        if let Some((_, io)) = run.nics.get_mut(&nic.mac.to_ascii_lowercase()) {
            io.advance(dt, load.net_rx_bytes_per_sec, load.net_tx_bytes_per_sec);
        }
    }
}

impl MetricsBackend for MockHypervisor {
    fn all_domain_stats(&self) -> Result<Vec<DomainStatsEntry>> {
        self.all_entries()
    }

    fn domain_stats(&self, uuid: &str) -> Result<DomainStats> {
        let state = self.lock();
        let mut metrics = self.metrics.lock();
        let metrics = &mut *metrics;
        let now = metrics.now();
        // Runs of domains that are gone or shut off have ended.
        metrics
            .runs
            .retain(|id, _| state.domains.get(id).is_some_and(|d| d.state.is_active()));
        let d = state.domains.get(uuid).ok_or_else(|| no_domain(uuid))?;
        if !d.state.is_active() {
            return Err(HypervisorError::operation_invalid(
                "Requested operation is not valid: domain is not running",
            ));
        }

        if !metrics.runs.contains_key(uuid) {
            let run = Run {
                id: LAST_RUN_ID.fetch_add(1, Ordering::Relaxed) + 1,
                measured_at: now,
                cpu_scaled: 0,
                disks: BTreeMap::new(),
                nics: BTreeMap::new(),
            };
            metrics.runs.insert(uuid.to_owned(), run);
        }
        let load = metrics.load.clone();
        let run = metrics.runs.get_mut(uuid).expect("just made");
        advance(run, now, &load, d);

        // Devices follow the definition: new ones start at zero, removed
        // ones are forgotten.
        let targets: BTreeSet<&str> = d.spec.disks.iter().map(|x| x.target.as_str()).collect();
        run.disks.retain(|t, _| targets.contains(t.as_str()));
        for disk in &d.spec.disks {
            run.disks.entry(disk.target.clone()).or_default();
        }
        let macs: BTreeSet<String> = d
            .spec
            .interfaces
            .iter()
            .map(|n| n.mac.to_ascii_lowercase())
            .collect();
        run.nics.retain(|m, _| macs.contains(m));
        let missing: Vec<String> = macs
            .iter()
            .filter(|m| !run.nics.contains_key(*m))
            .cloned()
            .collect();
        let mut named = BTreeSet::new();
        let mut fresh = Vec::new();
        for mac in missing {
            let device = metrics.free_device(&named);
            named.insert(device.clone());
            fresh.push((mac, device));
        }
        let run = metrics.runs.get_mut(uuid).expect("just made");
        for (mac, device) in fresh {
            run.nics.insert(mac, (device, Io::default()));
        }

        let memory = d.spec.memory_mib * MIB;
        let used = unscale(u128::from(memory) * ppm(load.memory), PPM);
        Ok(DomainStats {
            uuid: d.spec.uuid.clone(),
            run_id: Some(run.id),
            state: d.state,
            cpu_time_ns: unscale(run.cpu_scaled, PPM),
            vcpus: d.spec.vcpus,
            memory: MemoryStats {
                current_bytes: memory,
                maximum_bytes: d.max_memory_mib * MIB,
                rss_bytes: Some(used + PROCESS_OVERHEAD_BYTES),
                guest_available_bytes: Some(memory),
                guest_unused_bytes: Some(memory - used),
            },
            disks: d
                .spec
                .disks
                .iter()
                .map(|disk| {
                    let io = run.disks[&disk.target];
                    DiskStats {
                        target: disk.target.clone(),
                        read_bytes: Some(io.a()),
                        write_bytes: Some(io.b()),
                        read_requests: Some(io.a().div_ceil(READ_REQUEST_BYTES)),
                        write_requests: Some(io.b().div_ceil(WRITE_REQUEST_BYTES)),
                    }
                })
                .collect(),
            interfaces: d
                .spec
                .interfaces
                .iter()
                .map(|nic| {
                    let (device, io) = &run.nics[&nic.mac.to_ascii_lowercase()];
                    NicStats {
                        device: Some(device.clone()),
                        mac: Some(nic.mac.clone()),
                        rx_bytes: Some(io.a()),
                        tx_bytes: Some(io.b()),
                        rx_packets: Some(io.a().div_ceil(RX_PACKET_BYTES)),
                        tx_packets: Some(io.b().div_ceil(TX_PACKET_BYTES)),
                    }
                })
                .collect(),
        })
    }
}

impl MockHypervisor {
    /// [`MetricsBackend::all_domain_stats`]: an active domain's entry is its
    /// [`MetricsBackend::domain_stats`] sample (so reading every domain
    /// measures each run as reading one does); a shut-off domain reports,
    /// as QEMU does, its state, vCPUs and memory from its definition and
    /// no counters.
    fn all_entries(&self) -> Result<Vec<DomainStatsEntry>> {
        let domains: Vec<(String, String, DomainState, u32, u64, u64)> = {
            let state = self.lock();
            state
                .domains
                .values()
                .map(|d| {
                    (
                        d.spec.uuid.clone(),
                        d.spec.name.clone(),
                        d.state,
                        d.spec.vcpus,
                        d.spec.memory_mib * MIB,
                        d.max_memory_mib * MIB,
                    )
                })
                .collect()
        };
        let mut out = Vec::with_capacity(domains.len());
        for (uuid, name, state, vcpus, memory, max_memory) in domains {
            let inactive = DomainStatsEntry {
                uuid: uuid.clone(),
                name: name.clone(),
                state,
                cpu_time_ns: None,
                vcpus: Some(vcpus),
                memory_current_bytes: Some(memory),
                memory_maximum_bytes: Some(max_memory),
                rss_bytes: None,
                guest_available_bytes: None,
                guest_unused_bytes: None,
                disks: Vec::new(),
                interfaces: Vec::new(),
            };
            if !state.is_active() {
                out.push(inactive);
                continue;
            }
            match self.domain_stats(&uuid) {
                Ok(s) => out.push(DomainStatsEntry {
                    uuid,
                    name,
                    state: s.state,
                    cpu_time_ns: Some(s.cpu_time_ns),
                    vcpus: Some(s.vcpus),
                    memory_current_bytes: Some(s.memory.current_bytes),
                    memory_maximum_bytes: Some(s.memory.maximum_bytes),
                    rss_bytes: s.memory.rss_bytes,
                    guest_available_bytes: s.memory.guest_available_bytes,
                    guest_unused_bytes: s.memory.guest_unused_bytes,
                    disks: s.disks,
                    interfaces: s.interfaces,
                }),
                // Removed meanwhile: no longer one of the domains.
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                // Stopped meanwhile.
                Err(e) if e.kind == HypervisorErrorKind::OperationInvalid => {
                    out.push(DomainStatsEntry {
                        state: DomainState::Shutoff,
                        ..inactive
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
impl MockHypervisor {
    /// Stops the metrics clock at its current reading.
    fn freeze_clock(&self) {
        let mut m = self.metrics.lock();
        m.fixed_now = Some(Instant::now());
    }

    /// Moves the stopped metrics clock on.
    fn tick(&self, by: std::time::Duration) {
        let mut m = self.metrics.lock();
        let now = m.fixed_now.expect("frozen clock");
        m.fixed_now = Some(now + by);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn spec(name: &str, mac: &str) -> DomainSpec {
        DomainSpec {
            name: name.into(),
            uuid: uuid_for(name),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 1024,
            vcpus: 2,
            disks: vec![
                DiskSpec {
                    device: DiskDevice::Disk,
                    path: format!("/pool/{name}.qcow2"),
                    format: DiskFormat::Qcow2,
                    bus: DiskBus::Virtio,
                    target: "vda".into(),
                    readonly: false,
                    cache: None,
                },
                DiskSpec {
                    device: DiskDevice::Cdrom,
                    path: "/isos/boot.iso".into(),
                    format: DiskFormat::Raw,
                    bus: DiskBus::Sata,
                    target: "sda".into(),
                    readonly: true,
                    cache: None,
                },
            ],
            interfaces: vec![InterfaceSpec {
                kind: InterfaceKind::User,
                source: None,
                model: "virtio".into(),
                mac: mac.into(),
            }],
            graphics: vec![],
            boot: vec![BootDevice::Hd],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        }
    }

    fn uuid_for(name: &str) -> String {
        let n = name.bytes().fold(0u64, |h, b| h * 31 + u64::from(b)) % 1_000_000_000_000;
        format!("00000000-0000-4000-8000-{n:012}")
    }

    fn started(hv: &MockHypervisor, name: &str, mac: &str) -> String {
        let uuid = hv.define_domain(&spec(name, mac)).unwrap().uuid;
        hv.power(&uuid, PowerAction::Start).unwrap();
        uuid
    }

    #[test]
    fn counters_grow_with_running_time_at_the_load() {
        let hv = MockHypervisor::new();
        hv.freeze_clock();
        let uuid = started(&hv, "a", "52:54:00:00:00:01");
        let first = hv.domain_stats(&uuid).unwrap();
        assert_eq!(first.cpu_time_ns, 0);
        assert_eq!(first.vcpus, 2);
        assert_eq!(first.state, DomainState::Running);
        assert!(first.disks.iter().all(|d| d.read_bytes == Some(0)));

        hv.tick(Duration::from_secs(2));
        let second = hv.domain_stats(&uuid).unwrap();
        assert_eq!(second.run_id, first.run_id);
        // 2 s × 2 vCPUs × 25 %.
        assert_eq!(second.cpu_time_ns, 1_000_000_000);
        let vda = &second.disks[0];
        assert_eq!(vda.target, "vda");
        assert_eq!(vda.read_bytes, Some(512 * 1024));
        assert_eq!(vda.write_bytes, Some(128 * 1024));
        assert_eq!(vda.read_requests, Some(32));
        assert_eq!(vda.write_requests, Some(32));
        let cdrom = &second.disks[1];
        assert_eq!((cdrom.target.as_str(), cdrom.write_bytes), ("sda", Some(0)));
        let nic = &second.interfaces[0];
        assert_eq!(nic.device.as_deref(), Some("vnet0"));
        assert_eq!(nic.mac.as_deref(), Some("52:54:00:00:00:01"));
        assert_eq!(nic.rx_bytes, Some(32 * 1024));
        assert_eq!(nic.tx_packets, Some((8 * 1024u64).div_ceil(500)));
        assert_eq!(second.memory.current_bytes, 1024 * MIB);
        assert_eq!(second.memory.guest_unused_bytes, Some(512 * MIB));
    }

    #[test]
    fn sampling_often_or_rarely_gives_the_same_counters() {
        let often = MockHypervisor::new();
        let rarely = MockHypervisor::new();
        often.freeze_clock();
        rarely.freeze_clock();
        let a = started(&often, "a", "52:54:00:00:00:01");
        let b = started(&rarely, "a", "52:54:00:00:00:01");
        often.domain_stats(&a).unwrap();
        rarely.domain_stats(&b).unwrap();
        for _ in 0..7 {
            often.tick(Duration::from_millis(333));
            often.domain_stats(&a).unwrap();
        }
        rarely.tick(Duration::from_millis(7 * 333));
        let mut often = often.domain_stats(&a).unwrap();
        let mut rarely = rarely.domain_stats(&b).unwrap();
        // Run ids are unique in the whole process.
        assert_ne!(often.run_id, rarely.run_id);
        often.run_id = None;
        rarely.run_id = None;
        assert_eq!(often, rarely);
    }

    #[test]
    fn paused_domains_stand_still_and_stopped_ones_start_over() {
        let hv = MockHypervisor::new();
        hv.freeze_clock();
        let uuid = started(&hv, "a", "52:54:00:00:00:01");
        let first = hv.domain_stats(&uuid).unwrap();
        hv.tick(Duration::from_secs(1));
        hv.power(&uuid, PowerAction::Suspend).unwrap();
        let paused = hv.domain_stats(&uuid).unwrap();
        assert_eq!(paused.state, DomainState::Paused);
        hv.tick(Duration::from_secs(5));
        assert_eq!(
            hv.domain_stats(&uuid).unwrap().cpu_time_ns,
            paused.cpu_time_ns
        );
        hv.power(&uuid, PowerAction::Resume).unwrap();

        hv.power(&uuid, PowerAction::Destroy).unwrap();
        let err = hv.domain_stats(&uuid).unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid);
        hv.power(&uuid, PowerAction::Start).unwrap();
        let again = hv.domain_stats(&uuid).unwrap();
        assert_ne!(again.run_id, first.run_id);
        assert_eq!(again.cpu_time_ns, 0);

        let err = hv
            .domain_stats("00000000-0000-4000-8000-000000000000")
            .unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::NotFound);
    }

    #[test]
    fn devices_get_the_lowest_free_name_and_loads_apply_from_now() {
        let hv = MockHypervisor::new();
        hv.freeze_clock();
        let a = started(&hv, "a", "52:54:00:00:00:01");
        let b = started(&hv, "b", "52:54:00:00:00:02");
        assert_eq!(
            hv.domain_stats(&a).unwrap().interfaces[0].device.as_deref(),
            Some("vnet0")
        );
        assert_eq!(
            hv.domain_stats(&b).unwrap().interfaces[0].device.as_deref(),
            Some("vnet1")
        );

        hv.tick(Duration::from_secs(1));
        hv.set_guest_cpu_load(1.0);
        hv.tick(Duration::from_secs(1));
        // 1 s × 2 × 25 % + 1 s × 2 × 100 %.
        assert_eq!(hv.domain_stats(&a).unwrap().cpu_time_ns, 2_500_000_000);
    }

    #[test]
    fn every_domain_is_read_at_once_running_ones_with_their_counters() {
        let hv = MockHypervisor::new();
        hv.freeze_clock();
        let a = started(&hv, "a", "52:54:00:00:00:01");
        let b = hv
            .define_domain(&spec("b", "52:54:00:00:00:02"))
            .unwrap()
            .uuid;
        hv.tick(Duration::from_secs(2));

        let all = hv.all_domain_stats().unwrap();
        assert_eq!(all.len(), 2);
        let ea = all.iter().find(|e| e.uuid == a).unwrap();
        assert_eq!(ea.name, "a");
        assert_eq!(ea.state, DomainState::Running);
        // The run started when it was first measured: here.
        assert_eq!(ea.cpu_time_ns, Some(0));
        assert_eq!(ea.vcpus, Some(2));
        assert_eq!(ea.memory_current_bytes, Some(1024 * MIB));
        let targets: Vec<_> = ea.disks.iter().map(|d| d.target.as_str()).collect();
        assert_eq!(targets, ["vda", "sda"]);
        assert_eq!(ea.interfaces[0].device.as_deref(), Some("vnet0"));

        hv.tick(Duration::from_secs(1));
        let again = hv.all_domain_stats().unwrap();
        let ea = again.iter().find(|e| e.uuid == a).unwrap();
        // 1 s × 2 vCPUs × 25 %, and the same as a read of the domain alone.
        assert_eq!(ea.cpu_time_ns, Some(500_000_000));
        assert_eq!(ea.disks[0].read_bytes, Some(256 * 1024));
        let alone = hv.domain_stats(&a).unwrap();
        assert_eq!(ea.cpu_time_ns, Some(alone.cpu_time_ns));
        assert_eq!(ea.disks, alone.disks);

        let eb = again.iter().find(|e| e.uuid == b).unwrap();
        assert_eq!(eb.state, DomainState::Shutoff);
        assert_eq!((eb.vcpus, eb.cpu_time_ns), (Some(2), None));
        assert!(eb.disks.is_empty() && eb.interfaces.is_empty());
    }
}
