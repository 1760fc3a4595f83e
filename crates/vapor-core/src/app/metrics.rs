//! Resource usage of running VMs (`GET .../virtualmachines/{id}/metrics`,
//! and as a stream of samples, `.../metrics/stream`), and every VM's
//! statistics at once for the Prometheus route of the HTTP layer.
//!
//! The backend reports cumulative counters. CPU usage is a rate, so it
//! compares two samples of the same run of the VM: the one taken now and
//! the previous one Vapor took of that VM, for any request, when that is
//! between [`MIN_WINDOW`] and [`MAX_SAMPLE_AGE`] old. Without one, Vapor
//! takes a second sample [`MIN_WINDOW`] after the first rather than report
//! a made-up value; with a younger one, it waits until the window is long
//! enough. A sample belongs to a run: when the VM was started again in
//! between (another run id, or CPU time that went backwards), the older
//! sample is useless and a fresh pair is taken.
//!
//! The previous samples are kept in memory by the application, by VM UUID.
//! Samples older than [`MAX_SAMPLE_AGE`]
//! are dropped whenever a new one is kept, so deleted VMs leave nothing
//! behind for long.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use vapor_hypervisor::{
    DiskStats, Domain, DomainStats, DomainStatsEntry, HypervisorError, HypervisorErrorKind,
    MemoryStats, NicStats,
};

use super::Vapor;
use crate::error::{Error, Refusal, Result};

const KIND: &str = "virtual machine";

/// The shortest time between the two samples CPU usage compares.
pub const MIN_WINDOW: Duration = Duration::from_millis(200);

/// The oldest previous sample CPU usage is computed from.
pub const MAX_SAMPLE_AGE: Duration = Duration::from_secs(60);

/// The error code of a request for the metrics of a VM that does not run.
pub const VM_NOT_RUNNING: &str = "VM_NOT_RUNNING";

/// Where `memory_used_bytes` comes from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryUsedSource {
    /// The guest's own view through its balloon driver: installed minus unused.
    Guest,
    /// The resident memory of the VM's process on the host.
    Rss,
    /// The memory the VM has (the balloon's size).
    Balloon,
}

/// One sample of a VM's resource usage, with its CPU usage.
#[derive(Debug, Clone, PartialEq)]
pub struct VmMetrics {
    pub uuid: String,
    /// When the sample was taken.
    pub timestamp: DateTime<Utc>,
    pub cpu_time_ns: u64,
    /// 0 to 100: CPU time over `cpu_usage_window`, per vCPU.
    pub cpu_usage_percent: f64,
    /// The time between the two samples compared.
    pub cpu_usage_window: Duration,
    pub vcpus: u32,
    pub memory_used_bytes: u64,
    pub memory_used_source: MemoryUsedSource,
    pub memory_total_bytes: u64,
    pub memory_max_bytes: u64,
    pub disks: Vec<DiskStats>,
    pub interfaces: Vec<NicStats>,
}

/// What CPU usage needs of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CpuSample {
    pub at: Instant,
    pub run_id: Option<u64>,
    pub cpu_time_ns: u64,
}

impl CpuSample {
    /// Whether `later` is a later sample of the same run of the VM.
    fn precedes(&self, later: &CpuSample) -> bool {
        let same_run = match (self.run_id, later.run_id) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        same_run && self.cpu_time_ns <= later.cpu_time_ns && self.at <= later.at
    }
}

/// CPU time between two samples of one run, as a share of what `vcpus`
/// vCPUs could use in the time between them: 0 to 100. `None` when the
/// samples are not of one run in order, or are taken at the same instant.
pub(crate) fn cpu_usage_percent(earlier: &CpuSample, later: &CpuSample, vcpus: u32) -> Option<f64> {
    if !earlier.precedes(later) {
        return None;
    }
    let wall_ns = later.at.duration_since(earlier.at).as_nanos();
    if wall_ns == 0 {
        return None;
    }
    let used_ns = later.cpu_time_ns - earlier.cpu_time_ns;
    let capacity_ns = wall_ns as f64 * f64::from(vcpus.max(1));
    Some((used_ns as f64 / capacity_ns * 100.0).clamp(0.0, 100.0))
}

/// Memory in use by the best measure the backend gives: the guest's own
/// (installed minus unused), else the host process's RSS, else the
/// balloon's size.
pub(crate) fn memory_used(memory: &MemoryStats) -> (u64, MemoryUsedSource) {
    if let (Some(available), Some(unused)) =
        (memory.guest_available_bytes, memory.guest_unused_bytes)
    {
        if unused <= available {
            return (available - unused, MemoryUsedSource::Guest);
        }
    }
    match memory.rss_bytes {
        Some(rss) => (rss, MemoryUsedSource::Rss),
        None => (memory.current_bytes, MemoryUsedSource::Balloon),
    }
}

/// The previous samples, by VM UUID (see the module docs).
#[derive(Default)]
pub(crate) struct Samples(Mutex<HashMap<String, CpuSample>>);

impl Samples {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, CpuSample>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The kept sample of `uuid` that `now` can be compared with, if any.
    fn previous(&self, uuid: &str, now: &CpuSample) -> Option<CpuSample> {
        let kept = *self.lock().get(uuid)?;
        let fresh = now.at.saturating_duration_since(kept.at) <= MAX_SAMPLE_AGE;
        (fresh && kept.precedes(now)).then_some(kept)
    }

    /// Keeps `sample` as the VM's latest (unless a later one is kept) and
    /// drops samples too old to use.
    fn keep(&self, uuid: &str, sample: CpuSample) {
        let mut all = self.lock();
        all.retain(|_, s| sample.at.saturating_duration_since(s.at) <= MAX_SAMPLE_AGE);
        match all.get(uuid) {
            Some(kept) if kept.at > sample.at => {}
            _ => {
                all.insert(uuid.to_owned(), sample);
            }
        }
    }

    /// Forgets the VM's sample (it stopped: its counters will start over).
    fn forget(&self, uuid: &str) {
        self.lock().remove(uuid);
    }
}

/// 409 `VM_NOT_RUNNING`.
fn not_running(id: &str) -> Error {
    Error::refused(
        Refusal::Conflict,
        VM_NOT_RUNNING,
        format!("virtual machine '{id}' is not running; metrics exist only while it runs"),
    )
}

/// One update of [`Vapor::vm_metrics_watch`].
#[derive(Debug)]
pub enum MetricsUpdate {
    /// A sample.
    Sample(Box<VmMetrics>),
    /// Why the stream ends: the sample that could not be taken.
    End(Error),
}

impl Vapor {
    /// A sample of a running (or paused) VM's counters, with its CPU usage.
    /// 404 for an unknown VM, 409 `VM_NOT_RUNNING` for one that is off.
    /// Takes [`MIN_WINDOW`] longer when no usable previous sample is kept.
    pub async fn vm_metrics(&self, id: &str) -> Result<VmMetrics> {
        let vm = self.get_vm(id).await?;
        // Whether the VM runs is the backend's answer to the statistics
        // call (OperationInvalid), which also tells it that a run ended.
        let (mut stats, mut current, mut taken) = self.sample(&vm, id).await?;
        let mut earlier = self.cpu_samples.previous(&vm.uuid, &current);
        let mut restarted = false;
        let (usage, window) = loop {
            let base = earlier.unwrap_or(current);
            let waited = current.at.saturating_duration_since(base.at);
            if waited < MIN_WINDOW {
                tokio::time::sleep(MIN_WINDOW - waited).await;
                (stats, current, taken) = self.sample(&vm, id).await?;
            }
            if let Some(usage) = cpu_usage_percent(&base, &current, stats.vcpus) {
                break (usage, current.at.duration_since(base.at));
            }
            // The VM started again between the two samples: measure the new run.
            if restarted {
                return Err(Error::conflict(format!(
                    "virtual machine '{id}' kept restarting while it was measured"
                )));
            }
            restarted = true;
            earlier = None;
        };
        self.cpu_samples.keep(&vm.uuid, current);

        let (memory_used_bytes, memory_used_source) = memory_used(&stats.memory);
        Ok(VmMetrics {
            uuid: vm.uuid,
            timestamp: taken,
            cpu_time_ns: stats.cpu_time_ns,
            cpu_usage_percent: usage,
            cpu_usage_window: window,
            vcpus: stats.vcpus,
            memory_used_bytes,
            memory_used_source,
            memory_total_bytes: stats.memory.current_bytes,
            memory_max_bytes: stats.memory.maximum_bytes,
            disks: stats.disks,
            interfaces: stats.interfaces,
        })
    }

    /// The statistics of every VM, active or not, from one backend call
    /// whatever their number ([`vapor_hypervisor::MetricsBackend::all_domain_stats`]),
    /// sorted by name then UUID. Only what that call reports: no
    /// per-VM call fills a gap.
    pub async fn all_vm_stats(&self) -> Result<Vec<DomainStatsEntry>> {
        let mut all = self
            .blocking(|hv| hv.all_domain_stats())
            .await
            .map_err(|e| Error::from_hypervisor("reading every VM's statistics", KIND, "*", e))?;
        all.sort_by(|a, b| (&a.name, &a.uuid).cmp(&(&b.name, &b.uuid)));
        Ok(all)
    }

    /// Samples a running VM now and then every `interval`, each sample as
    /// [`vm_metrics`](Vapor::vm_metrics) returns it, until a sample fails
    /// (the VM stopped: 409 `VM_NOT_RUNNING`; it was deleted: 404), which
    /// is sent as the last update, or until the receiver is dropped. The
    /// first sample is taken before this returns, and its failure is this
    /// call's: an unknown or stopped VM has no stream.
    pub async fn vm_metrics_watch(
        self: Arc<Self>,
        id: &str,
        interval: Duration,
    ) -> Result<mpsc::Receiver<MetricsUpdate>> {
        let first = self.vm_metrics(id).await?;
        // One update in flight: a slow reader delays sampling rather than
        // letting samples pile up.
        let (tx, rx) = mpsc::channel(1);
        let id = id.to_owned();
        let stopped = self.stopped();
        tokio::spawn(async move {
            tokio::pin!(stopped);
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            let mut update = MetricsUpdate::Sample(Box::new(first));
            loop {
                if tx.send(update).await.is_err() {
                    return;
                }
                tokio::select! {
                    _ = tx.closed() => return,
                    _ = &mut stopped => return,
                    _ = ticks.tick() => {}
                }
                update = match self.vm_metrics(&id).await {
                    Ok(m) => MetricsUpdate::Sample(Box::new(m)),
                    Err(e) => {
                        let _ = tx.send(MetricsUpdate::End(e)).await;
                        return;
                    }
                };
            }
        });
        Ok(rx)
    }

    /// One sample of the VM's counters, and when it was taken.
    async fn sample(
        &self,
        vm: &Domain,
        id: &str,
    ) -> Result<(DomainStats, CpuSample, DateTime<Utc>)> {
        let uuid = vm.uuid.clone();
        let stats = self
            .blocking(move |hv| hv.domain_stats(&uuid))
            .await
            .map_err(|e| stats_error(&self.cpu_samples, &vm.uuid, id, e))?;
        let sample = CpuSample {
            at: Instant::now(),
            run_id: stats.run_id,
            cpu_time_ns: stats.cpu_time_ns,
        };
        Ok((stats, sample, Utc::now()))
    }
}

/// A VM that does not run is 409 `VM_NOT_RUNNING`.
fn stats_error(samples: &Samples, uuid: &str, id: &str, e: HypervisorError) -> Error {
    if e.kind == HypervisorErrorKind::OperationInvalid {
        samples.forget(uuid);
        return not_running(id);
    }
    Error::from_hypervisor("reading the virtual machine's statistics", KIND, id, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    fn at(t0: Instant, ms: u64, run_id: u64, cpu_time_ns: u64) -> CpuSample {
        CpuSample {
            at: t0 + Duration::from_millis(ms),
            run_id: Some(run_id),
            cpu_time_ns,
        }
    }

    #[test]
    fn usage_is_cpu_time_per_vcpu_over_wall_time() {
        let t0 = Instant::now();
        let a = at(t0, 0, 1, 10 * SECOND);
        // Half a second of CPU time in one second, on one vCPU: 50 %.
        let b = at(t0, 1000, 1, 10 * SECOND + SECOND / 2);
        assert_eq!(cpu_usage_percent(&a, &b, 1), Some(50.0));
        // The same on four vCPUs: 12.5 %.
        assert_eq!(cpu_usage_percent(&a, &b, 4), Some(12.5));
        // An idle VM, or a paused one.
        let idle = at(t0, 200, 1, 10 * SECOND);
        assert_eq!(cpu_usage_percent(&a, &idle, 2), Some(0.0));
        // Emulator threads on top of a busy vCPU stay within 100 %.
        let busy = at(t0, 1000, 1, 11 * SECOND + SECOND / 10);
        assert_eq!(cpu_usage_percent(&a, &busy, 1), Some(100.0));
        // No vCPU count is read as one.
        assert_eq!(cpu_usage_percent(&a, &b, 0), Some(50.0));
    }

    #[test]
    fn usage_needs_two_samples_of_one_run_in_order() {
        let t0 = Instant::now();
        let a = at(t0, 0, 1, 10 * SECOND);
        // The same instant.
        assert_eq!(cpu_usage_percent(&a, &a, 1), None);
        // Started again: another run, or counters that went back.
        assert_eq!(cpu_usage_percent(&a, &at(t0, 500, 2, 11 * SECOND), 1), None);
        assert_eq!(cpu_usage_percent(&a, &at(t0, 500, 1, SECOND), 1), None);
        // Out of order.
        assert_eq!(cpu_usage_percent(&at(t0, 500, 1, 11 * SECOND), &a, 1), None);
        // Without run ids, the counters alone tell.
        let b = CpuSample {
            run_id: None,
            ..at(t0, 1000, 0, 10 * SECOND + SECOND / 4)
        };
        assert_eq!(cpu_usage_percent(&a, &b, 1), Some(25.0));
    }

    #[test]
    fn kept_samples_are_used_while_fresh_and_of_the_same_run() {
        let samples = Samples(Mutex::new(HashMap::new()));
        let t0 = Instant::now();
        let uuid = "5f0c5a52-0c51-4d43-9d64-3c2b8a0c0001";
        assert_eq!(samples.previous(uuid, &at(t0, 0, 1, 0)), None);
        let first = at(t0, 0, 1, SECOND);
        samples.keep(uuid, first);
        assert_eq!(samples.previous(uuid, &at(t0, 300, 1, SECOND)), Some(first));
        assert_eq!(samples.previous(uuid, &at(t0, 300, 2, SECOND)), None);
        assert_eq!(samples.previous(uuid, &at(t0, 300, 1, 0)), None);
        assert_eq!(samples.previous(uuid, &at(t0, 61_000, 1, 2 * SECOND)), None);
        // An older sample never replaces a newer one.
        let later = at(t0, 500, 1, 2 * SECOND);
        samples.keep(uuid, later);
        samples.keep(uuid, at(t0, 400, 1, SECOND));
        assert_eq!(
            samples.previous(uuid, &at(t0, 900, 1, 3 * SECOND)),
            Some(later)
        );
        // Keeping a sample drops those too old to use.
        samples.keep("other", at(t0, 70_000, 1, 0));
        assert_eq!(samples.lock().len(), 1);
        samples.forget("other");
        assert!(samples.lock().is_empty());
    }

    #[test]
    fn memory_used_prefers_the_guest_then_rss_then_balloon() {
        const MIB: u64 = 1 << 20;
        let mut m = MemoryStats {
            current_bytes: 1024 * MIB,
            maximum_bytes: 2048 * MIB,
            rss_bytes: Some(300 * MIB),
            guest_available_bytes: Some(1000 * MIB),
            guest_unused_bytes: Some(600 * MIB),
        };
        assert_eq!(memory_used(&m), (400 * MIB, MemoryUsedSource::Guest));
        m.guest_unused_bytes = None;
        assert_eq!(memory_used(&m), (300 * MIB, MemoryUsedSource::Rss));
        m.rss_bytes = None;
        assert_eq!(memory_used(&m), (1024 * MIB, MemoryUsedSource::Balloon));
        // Nonsense from a guest (more unused than installed) is not used.
        m.guest_available_bytes = Some(MIB);
        m.guest_unused_bytes = Some(2 * MIB);
        assert_eq!(memory_used(&m), (1024 * MIB, MemoryUsedSource::Balloon));
    }
}
