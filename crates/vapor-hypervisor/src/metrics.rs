//! Resource usage of running domains.
//!
//! A backend reports cumulative counters as the hypervisor keeps them: CPU
//! time since the domain started, bytes and requests since each device
//! appeared. Counters start again from zero whenever the domain starts
//! again (a new [`DomainStats::run_id`]). Rates (CPU usage in percent) are
//! the application's business: it compares two samples.
//!
//! A value the backend cannot tell is `None`, never a made-up zero.

use crate::{DomainState, Result};

/// One sample of a running domain's counters (libvirt's domain statistics:
/// `cpu.*`, `balloon.*`, `vcpu.*`, `block.*`, `net.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainStats {
    pub uuid: String,
    /// Identifies this run of the domain: it changes whenever the domain
    /// starts again, and counters restart with it (libvirt: the domain id).
    /// `None` when the backend cannot tell.
    pub run_id: Option<u64>,
    /// `Running`, `Blocked`, `Paused`, ... (never `Shutoff`: a domain that
    /// does not run has no statistics).
    pub state: DomainState,
    /// CPU time the domain has consumed since it started, all of its
    /// threads (vCPUs and the emulator's own) together (`cpu.time`).
    pub cpu_time_ns: u64,
    /// vCPUs the domain has now (`vcpu.current`).
    pub vcpus: u32,
    pub memory: MemoryStats,
    /// Every disk (cdroms and floppies included), in the order of the
    /// domain's definition.
    pub disks: Vec<DiskStats>,
    /// Every network interface, in the order of the domain's definition.
    pub interfaces: Vec<NicStats>,
}

/// Memory as the balloon and the host see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Memory the guest has now: the balloon's size (`balloon.current`).
    pub current_bytes: u64,
    /// The most the guest may have (`balloon.maximum`).
    pub maximum_bytes: u64,
    /// Resident set size of the hypervisor process on the host
    /// (`balloon.rss`). `None` when the backend does not report it.
    pub rss_bytes: Option<u64>,
    /// Memory the guest's OS sees as installed (`balloon.available`).
    /// Reported only by a guest whose balloon driver sends statistics.
    pub guest_available_bytes: Option<u64>,
    /// Memory the guest's OS leaves unused (`balloon.unused`). Reported
    /// only by a guest whose balloon driver sends statistics.
    pub guest_unused_bytes: Option<u64>,
}

/// I/O counters of one disk since the domain started (`block.N.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskStats {
    /// Guest device name, e.g. `vda` or `sda` (`block.N.name`).
    pub target: String,
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    pub read_requests: Option<u64>,
    pub write_requests: Option<u64>,
}

/// Traffic counters of one network interface since the domain started
/// (`net.N.*`), as seen from the host: `rx` is what the guest received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicStats {
    /// The host-side device, e.g. `vnet3` (`net.N.name`). `None` for an
    /// interface without one (QEMU's `user` networking), which also has no
    /// counters.
    pub device: Option<String>,
    /// MAC address, from the domain's definition.
    pub mac: Option<String>,
    pub rx_bytes: Option<u64>,
    pub tx_bytes: Option<u64>,
    pub rx_packets: Option<u64>,
    pub tx_packets: Option<u64>,
}

/// One domain in a read of every domain's statistics at once
/// ([`MetricsBackend::all_domain_stats`]): what the hypervisor reports in
/// that one call and nothing more. A value it does not report there is
/// `None`, even when a call for the domain alone could tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainStatsEntry {
    pub uuid: String,
    pub name: String,
    pub state: DomainState,
    /// CPU time since the domain started (`cpu.time`); active domains only.
    pub cpu_time_ns: Option<u64>,
    /// vCPUs the domain has now (`vcpu.current`).
    pub vcpus: Option<u32>,
    /// The balloon's size (`balloon.current`).
    pub memory_current_bytes: Option<u64>,
    /// The most memory the domain may have (`balloon.maximum`).
    pub memory_maximum_bytes: Option<u64>,
    /// As in [`MemoryStats`].
    pub rss_bytes: Option<u64>,
    pub guest_available_bytes: Option<u64>,
    pub guest_unused_bytes: Option<u64>,
    /// The disks the statistics name (`block.N.name`), with their counters.
    pub disks: Vec<DiskStats>,
    /// The interfaces the statistics name (`net.N.name`, the host device),
    /// with their counters. `mac` is `None`: the statistics do not carry it.
    pub interfaces: Vec<NicStats>,
}

/// Resource usage of running domains. Part of [`crate::Hypervisor`].
pub trait MetricsBackend {
    /// One sample of the counters of the domain with this UUID.
    /// `NotFound` when there is no such domain; `OperationInvalid` when it
    /// is not active (shut off: there is nothing to measure).
    fn domain_stats(&self, uuid: &str) -> Result<DomainStats>;

    /// The statistics of every domain, active or not, in one request to the
    /// hypervisor whatever their number (libvirt:
    /// `virConnectGetAllDomainStats`), in no particular order.
    fn all_domain_stats(&self) -> Result<Vec<DomainStatsEntry>>;
}
