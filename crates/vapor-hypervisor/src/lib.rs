//! The boundary between Vapor's application layer and a virtualization backend.
//!
//! `vapor-core` drives every backend through [`Hypervisor`], held as
//! `Arc<dyn Hypervisor>`. Two implementations exist: `vapor-libvirt` (real
//! libvirt, any URI) and `vapor-mock` (an in-memory state machine that follows
//! libvirt's rules). The conformance suite runs the same HTTP tests over both.
//!
//! Architecture invariants:
//! - This crate knows neither HTTP nor libvirt. Its types describe virtual
//!   machines in Vapor's own units: memory in MiB, sizes in bytes.
//! - Every method blocks. Callers on an async runtime run them on a blocking
//!   pool; implementations must be `Send + Sync` and must not hold one lock
//!   across calls into the backend for all domains.
//! - Errors are [`HypervisorError`]: a small closed set of kinds the
//!   application layer maps onto API errors, plus the backend's message.

mod backup;
mod console;
mod device;
mod error;
mod events;
mod hotplug;
mod metrics;
mod migration;
mod network;
mod snapshot;
mod storage;
mod types;

pub use backup::*;
pub use console::*;
pub use device::*;
pub use error::{HypervisorError, HypervisorErrorKind, Result};
pub use events::*;
pub use hotplug::*;
pub use metrics::*;
pub use migration::*;
pub use network::*;
pub use snapshot::*;
pub use storage::*;
pub use types::*;

/// A virtualization backend. See the crate docs for the rules implementations follow.
///
/// Domains are this trait's own methods; storage, networks, snapshots,
/// metrics, migration, devices, backups, hotplug, consoles and events are its supertraits, one per area, so that each area lives in its
/// own files in every backend.
pub trait Hypervisor:
    Send
    + Sync
    + StorageBackend
    + NetworkBackend
    + SnapshotBackend
    + MetricsBackend
    + MigrationBackend
    + DeviceBackend
    + BackupBackend
    + HotplugBackend
    + ConsoleBackend
    + EventBackend
{
    /// What this backend is and what the host offers.
    fn host_info(&self) -> Result<HostInfo>;

    /// Every defined or running domain.
    fn list_domains(&self) -> Result<Vec<Domain>>;

    /// A domain by name, or by UUID when no domain has that name.
    /// `NotFound` when neither matches.
    fn lookup_domain(&self, name_or_uuid: &str) -> Result<Domain>;

    /// Defines a persistent domain (not started). `AlreadyExists` when the name
    /// or UUID is taken. Storage named in the spec must already exist.
    fn define_domain(&self, spec: &DomainSpec) -> Result<Domain>;

    /// Removes a domain's definition, together with its snapshot and
    /// checkpoint metadata and its NVRAM. A running domain is destroyed first.
    fn undefine_domain(&self, uuid: &str) -> Result<()>;

    /// Changes a domain's power state. `OperationInvalid` when the action does
    /// not apply to the current state (for example `Suspend` on a shut-off domain).
    fn power(&self, uuid: &str, action: PowerAction) -> Result<()>;

    /// Sets the current memory. Returns where the change took effect.
    fn set_memory(&self, uuid: &str, memory_mib: u64) -> Result<ChangeScope>;

    /// Sets the number of virtual CPUs. Returns where the change took effect.
    fn set_vcpus(&self, uuid: &str, vcpus: u32) -> Result<ChangeScope>;

    /// Marks a persistent domain to start with the host.
    fn set_autostart(&self, uuid: &str, autostart: bool) -> Result<()>;

    /// Gives the shut-off domain `target_uuid` a copy of the UEFI variable
    /// store (NVRAM) of `source_uuid`, replacing any it has, so that a clone
    /// keeps its source's boot entries and enrolled keys. `Ok(false)` when
    /// the source has none (a BIOS domain, or a UEFI one that never started:
    /// the target then gets a fresh store from the firmware's template at its
    /// first start, as the source did). Backends that keep no firmware
    /// variables keep this default, `Ok(false)`.
    fn copy_nvram(&self, source_uuid: &str, target_uuid: &str) -> Result<bool> {
        let _ = (source_uuid, target_uuid);
        Ok(false)
    }

    /// The network interfaces and addresses of a running domain's guest,
    /// asked of its guest agent (`org.qemu.guest_agent.0`). `OperationInvalid`
    /// when the domain is not running; `Unavailable` when no agent answers.
    /// Backends without guest agents keep this default, `Unsupported`.
    fn guest_interfaces(&self, uuid: &str) -> Result<Vec<GuestInterface>> {
        Err(HypervisorError::new(
            HypervisorErrorKind::Unsupported,
            format!("this backend cannot ask the guest agent of domain '{uuid}'"),
        ))
    }
}
