//! Vapor's libvirt backend: [`LibvirtHypervisor`] implements
//! [`vapor_hypervisor::Hypervisor`] over one libvirt connection, for any URI
//! (`qemu:///system` in production, `test:///default` in tests).
//!
//! Architecture invariants:
//! - This is the only crate in Vapor that knows libvirt. Nothing outside it
//!   depends on `virt`, sees a libvirt type, or reads libvirt XML; errors leave
//!   it as [`HypervisorError`]s, mapped in one place (`error.rs`) with
//!   libvirt's message kept.
//! - It owns the domain XML. The definition Vapor gives libvirt is written
//!   here ([`xml::domain_xml`]) and read back here ([`xml::parse_domain`]),
//!   including Vapor's own facts, kept under `<metadata>` in the
//!   [`xml::VAPOR_NAMESPACE`] namespace.
//! - XML is never built by formatting strings. Writers use quick-xml's event
//!   writer, which escapes every attribute value and text node, so a user's
//!   string cannot add or change elements; readers use roxmltree.
//! - One long-lived connection serves all threads, with no lock around calls
//!   into libvirt. libvirt's default event loop runs on a background thread
//!   (keepalive and close detection need it). A connection that died (e.g.
//!   libvirtd restarted) is reopened and the call retried once.
//! - Every call into libvirt is counted ([`LibvirtHypervisor::libvirt_calls`]):
//!   the crate holds libvirt objects only through the wrappers in
//!   `counted.rs`, whose every method makes one counted call.
//! - Each trait method maps onto the libvirt calls its documentation names;
//!   state is not checked ahead of libvirt except where a driver would
//!   accept a request Vapor treats as invalid (see [`Hypervisor::power`]).

#![warn(missing_docs)]

mod backup;
mod connection;
mod console;
mod counted;
mod device;
mod error;
mod events;
mod ffi;
mod ffi_backup;
mod ffi_events;
mod hotplug;
mod metrics;
mod migration;
mod network;
mod snapshot;
mod storage;
pub mod xml;

use std::fmt;

use tracing::debug;
use uuid::Uuid;
use vapor_hypervisor::{
    ChangeScope, Domain, DomainSpec, DomainState, GuestInterface, HostInfo, Hypervisor,
    HypervisorError, HypervisorErrorKind, PowerAction,
};
use virt::error::{Error as VirtError, ErrorNumber};
use virt::sys;

use crate::connection::Connection;
use crate::counted::{Conn, Dom};
use crate::error::{is_exclusive_flags, is_unsupported_flags, rejected_flag_bits, Error, Result};

/// A [`Hypervisor`] backed by libvirt.
///
/// Cheap to share (`Arc<LibvirtHypervisor>`); every method may be called
/// from many threads at once.
pub struct LibvirtHypervisor {
    conn: Connection,
}

impl fmt::Debug for LibvirtHypervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LibvirtHypervisor")
            .field("uri", &self.conn.uri())
            .finish()
    }
}

impl LibvirtHypervisor {
    /// Opens a connection to `uri` (e.g. `qemu:///system`, `test:///default`).
    ///
    /// The first call in a process also registers libvirt's default event
    /// loop and starts the thread that runs it. Remote connections get a
    /// keepalive (5 s interval, 3 missed probes), so a vanished libvirtd is
    /// noticed and the next call reconnects. Fails with `Unavailable` when
    /// libvirt cannot be reached.
    pub fn connect(uri: &str) -> Result<Self, HypervisorError> {
        let conn = Connection::open(uri)?;
        debug!(uri, "libvirt backend ready");
        Ok(Self { conn })
    }

    /// The URI given to [`LibvirtHypervisor::connect`].
    pub fn uri(&self) -> &str {
        self.conn.uri()
    }

    /// How many libvirt API calls this instance has made since it was
    /// connected, opening (and any reopening of) the connection included.
    ///
    /// One call is one libvirt API function invoked to do work, whether
    /// libvirtd answers it or the library does locally. Every
    /// [`Hypervisor`] method costs one `virConnectIsAlive` plus the calls
    /// its documentation names; e.g. reading a domain costs five
    /// (`virDomainGetState`, `virDomainIsActive`, `virDomainGetXMLDesc`,
    /// `virDomainGetAutostart`, `virDomainIsPersistent`) plus two per disk
    /// backed by a storage volume (`virStorageVolLookupByPath`,
    /// `virStorageVolGetInfo`). Releasing references, fetching a failed
    /// call's error and the process-wide event loop are not counted.
    ///
    /// Events ([`vapor_hypervisor::EventBackend::watch_events`]): registering
    /// and deregistering the six event callbacks are counted, one call each
    /// (six at `watch_events`; after a reconnection, six deregistrations on
    /// the dead connection and six registrations on the new one; six
    /// deregistrations when the backend is dropped). The watcher's liveness
    /// polls and what the callbacks read from the domain they are given are
    /// not counted, so counts never depend on time.
    pub fn libvirt_calls(&self) -> u64 {
        self.conn.calls()
    }
}

impl Hypervisor for LibvirtHypervisor {
    fn host_info(&self) -> Result<HostInfo, HypervisorError> {
        self.conn.call(|c| {
            let caps = xml::caps::parse_caps(&c.capabilities()?)?;
            let driver = c.driver_type()?;
            let hypervisor = match c.hyp_version() {
                Ok(v) if v > 0 => format!("{driver} {}", version_string(v)),
                _ => driver,
            };
            Ok(HostInfo {
                backend: "libvirt".to_string(),
                uri: c.uri().unwrap_or_else(|_| self.conn.uri().to_string()),
                hypervisor,
                libvirt_version: Some(version_string(c.lib_version()?)),
                arch: caps.arch,
                domain_types: caps.domain_types,
            })
        })
    }

    fn list_domains(&self) -> Result<Vec<Domain>, HypervisorError> {
        self.conn.call(|c| {
            let mut out = Vec::new();
            for dom in c.list_all_domains(0)? {
                match read_domain(c, &dom) {
                    Ok(d) => out.push(d),
                    // Undefined between listing and reading.
                    Err(e) if e.kind() == HypervisorErrorKind::NotFound => {
                        debug!(error = %e.into_hypervisor(), "domain vanished while listing");
                    }
                    Err(e) => return Err(e),
                }
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
    }

    fn lookup_domain(&self, name_or_uuid: &str) -> Result<Domain, HypervisorError> {
        self.conn.call(|c| {
            match c.lookup_domain_by_name(name_or_uuid) {
                Ok(dom) => return read_domain(c, &dom),
                Err(e) if e.code().is(ErrorNumber::NoDomain) => {}
                Err(e) => return Err(e.into()),
            }
            if let Ok(uuid) = Uuid::parse_str(name_or_uuid) {
                match c.lookup_domain_by_uuid(uuid) {
                    Ok(dom) => return read_domain(c, &dom),
                    Err(e) if e.code().is(ErrorNumber::NoDomain) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(
                HypervisorError::not_found(format!("no domain with name or uuid '{name_or_uuid}'"))
                    .into(),
            )
        })
    }

    fn define_domain(&self, spec: &DomainSpec) -> Result<Domain, HypervisorError> {
        let definition = xml::domain_xml(spec)?;
        self.conn.call(|c| {
            // libvirt would silently redefine a domain with the same name
            // and UUID; Vapor wants a new domain or an error.
            match c.lookup_domain_by_name(&spec.name) {
                Ok(_) => {
                    return Err(HypervisorError::already_exists(format!(
                        "domain '{}' already exists",
                        spec.name
                    ))
                    .into())
                }
                Err(e) if e.code().is(ErrorNumber::NoDomain) => {}
                Err(e) => return Err(e.into()),
            }
            if let Ok(uuid) = Uuid::parse_str(&spec.uuid) {
                match c.lookup_domain_by_uuid(uuid) {
                    Ok(other) => {
                        let name = other.name().unwrap_or_default();
                        return Err(HypervisorError::already_exists(format!(
                            "domain '{name}' already has uuid {}",
                            spec.uuid
                        ))
                        .into());
                    }
                    Err(e) if e.code().is(ErrorNumber::NoDomain) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let dom = c.define_domain_xml(&definition)?;
            read_domain(c, &dom)
        })
    }

    fn undefine_domain(&self, uuid: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            if dom.is_active()? {
                match dom.destroy() {
                    Ok(()) => {}
                    // It stopped on its own in the meantime.
                    Err(e) if e.code().is(ErrorNumber::OperationInvalid) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            undefine_all(&dom)
        })
    }

    /// Start, Resume and Suspend are checked against the current state first,
    /// because some drivers accept them where Vapor treats them as invalid
    /// (QEMU resumes a running domain and suspends a paused one without
    /// complaint). Everything else is left to libvirt; a driver that reports
    /// an inapplicable action as a generic failure (the test driver uses
    /// "internal error") gets `OperationInvalid` with its message.
    fn power(&self, uuid: &str, action: PowerAction) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            let state = dom.state()?;
            match action {
                PowerAction::Start if state.is_active() => {
                    return Err(invalid("domain is already running"));
                }
                PowerAction::Resume if state != DomainState::Paused => {
                    return Err(invalid(if state.is_active() {
                        "domain is not paused"
                    } else {
                        "domain is not running"
                    }));
                }
                PowerAction::Suspend if state == DomainState::Paused => {
                    return Err(invalid("domain is already paused"));
                }
                _ => {}
            }
            let result = match action {
                PowerAction::Start => dom.create(),
                // The ACPI power button, as the API promises, also when a
                // guest agent is connected (libvirt would prefer the agent).
                // Drivers that take no flags (the test driver) refuse the
                // flag; they have one way to shut down.
                PowerAction::Shutdown => {
                    match dom.shutdown_flags(sys::VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) {
                        Err(e) if is_unsupported_flags(&Error::from(e.clone())) => dom.shutdown(),
                        other => other,
                    }
                }
                PowerAction::Destroy => dom.destroy(),
                PowerAction::Reboot => dom.reboot(0),
                PowerAction::Reset => dom.reset(),
                PowerAction::Suspend => dom.suspend(),
                PowerAction::Resume => dom.resume(),
            };
            let Err(err) = result else { return Ok(()) };
            let err = Error::from(err);
            if action == PowerAction::Start {
                if let Some(refusal) = missing_smm(&err) {
                    return Err(Error::Hypervisor(refusal));
                }
            }
            if err.kind() == HypervisorErrorKind::Failed {
                if let Ok(now) = dom.state() {
                    if !applies(action, now) {
                        return Err(err.with_kind(HypervisorErrorKind::OperationInvalid));
                    }
                }
            }
            Err(err)
        })
    }

    /// A running domain's memory changes live and in its definition, up to
    /// its maximum; a shut-off domain's definition gets the new size as both
    /// its maximum and its current memory.
    fn set_memory(&self, uuid: &str, memory_mib: u64) -> Result<ChangeScope, HypervisorError> {
        if memory_mib == 0 {
            return Err(HypervisorError::invalid_argument(
                "memory must be at least 1 MiB",
            ));
        }
        let kib = memory_mib
            .checked_mul(1024)
            .ok_or_else(|| HypervisorError::invalid_argument("memory is too large"))?;
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            let max_kib = dom.max_memory()?;
            if dom.is_active()? {
                if kib > max_kib {
                    return Err(HypervisorError::operation_invalid(format!(
                        "memory can only grow up to the maximum ({} MiB) while the VM runs",
                        max_kib / 1024
                    ))
                    .into());
                }
                live_and_config(
                    sys::VIR_DOMAIN_MEM_LIVE,
                    sys::VIR_DOMAIN_MEM_CONFIG,
                    |flags| dom.set_memory_flags(kib, flags),
                )?;
                Ok(ChangeScope::LiveAndConfig)
            } else {
                let config = sys::VIR_DOMAIN_MEM_CONFIG;
                let maximum = config | sys::VIR_DOMAIN_MEM_MAXIMUM;
                // The current size may never exceed the maximum: raise the
                // maximum first, or lower the current size first.
                if kib >= max_kib {
                    dom.set_memory_flags(kib, maximum)?;
                    dom.set_memory_flags(kib, config)?;
                } else {
                    dom.set_memory_flags(kib, config)?;
                    dom.set_memory_flags(kib, maximum)?;
                }
                Ok(ChangeScope::Config)
            }
        })
    }

    /// A running domain's vCPUs change live and in its definition, up to its
    /// maximum; a shut-off domain's definition gets the new count as both its
    /// maximum and its current count.
    fn set_vcpus(&self, uuid: &str, vcpus: u32) -> Result<ChangeScope, HypervisorError> {
        if vcpus == 0 {
            return Err(HypervisorError::invalid_argument(
                "a domain needs at least one vCPU",
            ));
        }
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            if dom.is_active()? {
                let max =
                    dom.vcpus_flags(sys::VIR_DOMAIN_VCPU_LIVE | sys::VIR_DOMAIN_VCPU_MAXIMUM)?;
                if vcpus > max {
                    return Err(HypervisorError::operation_invalid(format!(
                        "vCPUs can only be raised up to the maximum ({max}) while the VM runs"
                    ))
                    .into());
                }
                live_and_config(
                    sys::VIR_DOMAIN_VCPU_LIVE,
                    sys::VIR_DOMAIN_VCPU_CONFIG,
                    |flags| dom.set_vcpus_flags(vcpus, flags),
                )?;
                Ok(ChangeScope::LiveAndConfig)
            } else {
                let config = sys::VIR_DOMAIN_VCPU_CONFIG;
                let maximum = config | sys::VIR_DOMAIN_VCPU_MAXIMUM;
                let max = dom.vcpus_flags(maximum)?;
                // The current count may never exceed the maximum: raise the
                // maximum first, or lower the current count first.
                if vcpus >= max {
                    dom.set_vcpus_flags(vcpus, maximum)?;
                    dom.set_vcpus_flags(vcpus, config)?;
                } else {
                    dom.set_vcpus_flags(vcpus, config)?;
                    dom.set_vcpus_flags(vcpus, maximum)?;
                }
                Ok(ChangeScope::Config)
            }
        })
    }

    fn set_autostart(&self, uuid: &str, autostart: bool) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            dom.set_autostart(autostart)?;
            Ok(())
        })
    }

    /// Copies the file named by the source's XML (see `xml::nvram_path`)
    /// over the target's, through a temporary file in the same directory
    /// renamed into place, readable by root only as libvirt makes them.
    /// The files are the host's own: this works where libvirtd runs on the
    /// same host (every local QEMU URI).
    fn copy_nvram(&self, source_uuid: &str, target_uuid: &str) -> Result<bool, HypervisorError> {
        let default_dir = (self.uri() == "qemu:///system").then_some(QEMU_SYSTEM_NVRAM_DIR);
        let (source_xml, target_xml, target_active) = self.conn.call(|c| {
            let source = domain_by_uuid(c, source_uuid)?;
            let target = domain_by_uuid(c, target_uuid)?;
            Ok((
                source.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)?,
                target.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)?,
                target.is_active()?,
            ))
        })?;
        let Some(from) = xml::nvram_path(&source_xml, default_dir)? else {
            return Ok(false);
        };
        if !std::path::Path::new(&from).exists() {
            return Ok(false);
        }
        if target_active {
            return Err(HypervisorError::new(
                HypervisorErrorKind::OperationInvalid,
                "the target domain runs; its NVRAM can only be replaced while it is shut off",
            ));
        }
        let to = xml::nvram_path(&target_xml, default_dir)?.ok_or_else(|| {
            HypervisorError::new(
                HypervisorErrorKind::InvalidArgument,
                "the target domain has no UEFI firmware, so no NVRAM to copy into",
            )
        })?;
        copy_file_atomically(&from, &to).map_err(|e| {
            HypervisorError::failed(format!("cannot copy the NVRAM {from} to {to}: {e}"))
        })?;
        Ok(true)
    }

    /// `virDomainInterfaceAddresses` with the agent as source. libvirt's
    /// "agent not connected" (`VIR_ERR_AGENT_UNRESPONSIVE`) and "agent not
    /// configured" (no channel) are `Unavailable`.
    fn guest_interfaces(&self, uuid: &str) -> Result<Vec<GuestInterface>, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            let found = dom
                .interface_addresses(sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
                .map_err(|e| {
                    let code = e.code();
                    let err = Error::from(e);
                    if code.is(ErrorNumber::AgentUnresponsive)
                        || code.is(ErrorNumber::ArgumentUnsupported)
                    {
                        err.with_kind(HypervisorErrorKind::Unavailable)
                    } else {
                        err
                    }
                })?;
            Ok(found)
        })
    }
}

/// `OperationInvalid` with libvirt's wording for such errors.
fn invalid(what: &str) -> Error {
    HypervisorError::operation_invalid(format!("Requested operation is not valid: {what}")).into()
}

/// Whether `action` makes sense for a domain in `state`.
fn applies(action: PowerAction, state: DomainState) -> bool {
    match action {
        PowerAction::Start => !state.is_active(),
        PowerAction::Resume => state == DomainState::Paused,
        PowerAction::Suspend => state.is_active() && state != DomainState::Paused,
        PowerAction::Shutdown | PowerAction::Destroy | PowerAction::Reboot | PowerAction::Reset => {
            state.is_active()
        }
    }
}

/// libvirt's `major * 1_000_000 + minor * 1_000 + micro` as `major.minor.micro`.
fn version_string(v: u32) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v / 1_000) % 1_000, v % 1_000)
}

/// The domain with this UUID; `NotFound` also when `uuid` is not a UUID.
/// Where libvirt's system QEMU driver keeps the UEFI variable stores it
/// makes from the firmware's template.
const QEMU_SYSTEM_NVRAM_DIR: &str = "/var/lib/libvirt/qemu/nvram";

/// Copies `from` to `to` through `to.vapor-tmp` (mode 0600), synced and
/// renamed into place, so that `to` is never half-written.
fn copy_file_atomically(from: &str, to: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = format!("{to}.vapor-tmp");
    let result = (|| {
        let data = std::fs::read(from)?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(&data)?;
        file.sync_all()?;
        std::fs::rename(&tmp, to)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn domain_by_uuid<'a>(c: &Conn<'a>, uuid: &str) -> Result<Dom<'a>> {
    let parsed = Uuid::parse_str(uuid)
        .map_err(|_| HypervisorError::not_found(format!("no domain with uuid '{uuid}'")))?;
    Ok(c.lookup_domain_by_uuid(parsed)?)
}

/// Applies a change to the running domain and its definition in one call,
/// or in two for drivers that refuse both flags together.
fn live_and_config(
    live: u32,
    config: u32,
    apply: impl Fn(u32) -> Result<(), VirtError>,
) -> Result<()> {
    match apply(live | config) {
        Ok(()) => Ok(()),
        Err(e) => {
            let e = Error::from(e);
            if !is_exclusive_flags(&e) {
                return Err(e);
            }
            apply(live)?;
            apply(config)?;
            Ok(())
        }
    }
}

/// Undefines with managed-save, snapshot and checkpoint metadata and NVRAM,
/// dropping whichever flags the driver rejects, down to a plain undefine.
fn undefine_all(dom: &Dom<'_>) -> Result<()> {
    let mut flags = sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        | sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        | sys::VIR_DOMAIN_UNDEFINE_NVRAM
        | sys::VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
    while flags != 0 {
        let err = match dom.undefine_flags(flags) {
            Ok(()) => return Ok(()),
            Err(e) => Error::from(e),
        };
        if !is_unsupported_flags(&err) {
            return Err(err);
        }
        // Drop the flags libvirt named, or else the highest one left.
        let rejected = rejected_flag_bits(&err)
            .filter(|bits| bits & flags != 0)
            .unwrap_or(1 << (31 - flags.leading_zeros()));
        debug!(
            flags,
            rejected, "undefine flags rejected; retrying with fewer"
        );
        flags &= !rejected;
    }
    dom.undefine()?;
    Ok(())
}

/// Everything Vapor reports about a domain.
fn read_domain(c: &Conn<'_>, dom: &Dom<'_>) -> Result<Domain> {
    let state = dom.state()?;
    // The state already says whether the domain runs; asking libvirt again costs a call.
    let active = state.is_active();
    // Flags 0: the live definition while running (real graphics ports,
    // current balloon size), the persistent one otherwise.
    let mut domain = xml::parse_domain(&dom.xml_desc(0)?)?;
    domain.state = state;
    domain.autostart = dom.autostart()?;
    domain.persistent = dom.is_persistent()?;
    for disk in &mut domain.disks {
        disk.capacity_bytes = disk_capacity(c, dom, active, disk.path.as_deref(), &disk.target);
    }
    Ok(domain)
}

/// A disk's virtual size: from its storage volume, else (while the domain
/// runs) from the hypervisor's block info, else unknown.
fn disk_capacity(
    c: &Conn<'_>,
    dom: &Dom<'_>,
    active: bool,
    path: Option<&str>,
    target: &str,
) -> Option<u64> {
    if let Some(path) = path {
        if let Ok(info) = c
            .lookup_storage_vol_by_path(path)
            .and_then(|vol| vol.info())
        {
            return Some(info.capacity);
        }
    }
    if active && !target.is_empty() {
        return dom.block_capacity(target).ok();
    }
    None
}

/// QEMU's refusal to start a guest whose firmware needs System Management
/// Mode (Secure Boot builds of OVMF) under a hypervisor that has none, as
/// nested KVM often lacks: a clear `Unsupported`, with QEMU's words kept.
fn missing_smm(err: &Error) -> Option<HypervisorError> {
    let message = match err {
        Error::Virt(e) => e.to_string(),
        Error::Hypervisor(e) => e.message.clone(),
    };
    message
        .contains("System Management Mode not supported")
        .then(|| HypervisorError {
            kind: HypervisorErrorKind::Unsupported,
            message: format!(
                "this host's hypervisor has no System Management Mode, which Secure Boot \
                 firmware needs: turn secure_boot off, or set [libvirt] domain_type = qemu \
                 (full emulation) ({message})"
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version_string(9_000_000), "9.0.0");
        assert_eq!(version_string(7_002_022), "7.2.22");
        assert_eq!(version_string(2), "0.0.2");
    }

    #[test]
    fn power_actions_and_states() {
        use DomainState::*;
        assert!(applies(PowerAction::Start, Shutoff));
        assert!(!applies(PowerAction::Start, Running));
        assert!(applies(PowerAction::Resume, Paused));
        assert!(!applies(PowerAction::Resume, Running));
        assert!(!applies(PowerAction::Suspend, Shutoff));
        assert!(!applies(PowerAction::Suspend, Paused));
        assert!(applies(PowerAction::Destroy, Paused));
        assert!(!applies(PowerAction::Reboot, Shutoff));
    }
}
