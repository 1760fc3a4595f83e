//! Live migration to another host.
//!
//! Flags: always `PERSIST_DEST | UNDEFINE_SOURCE` (the domain is persistent
//! on the destination and gone from here when the migration succeeds), and
//! per request `LIVE`, `PEER2PEER | TUNNELLED`, `COMPRESSED`,
//! `AUTO_CONVERGE`, `UNSAFE`, `NON_SHARED_DISK` / `NON_SHARED_INC`. The
//! bandwidth limit is the `bandwidth` migration parameter (MiB/s), the
//! downtime is set with `virDomainMigrateSetMaxDowntime` before the start.
//!
//! Without tunnelling the migration is libvirt's managed direct one,
//! `virDomainMigrate3`: this process opens the destination itself (with a
//! time limit) and drives both hosts, so the destination URI is resolved
//! from here. A tunnelled migration is peer-to-peer,
//! `virDomainMigrateToURI3`: this host's libvirtd connects to the
//! destination URI.
//!
//! Connections are opened on a helper thread so that a host that does not
//! answer costs at most the time limit (the thread finishes on its own
//! later). [`MigrationBackend::connect_destination`] gives the application
//! a [`LibvirtHypervisor`] of its own for the destination;
//! [`MigrationBackend::migrate`] opens two connections for the migration
//! alone, counted on this instance.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_ulonglong};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use tracing::{debug, warn};
use vapor_hypervisor::{
    CopyStorage, HostIdentity, Hypervisor, HypervisorError, HypervisorErrorKind, MigrationBackend,
    MigrationJobStats, MigrationOutcome, MigrationSpec,
};
use virt::error::{Error as VirtError, ErrorNumber};
use virt::sys;

use crate::counted::{Conn, Dom, Other};
use crate::error::{Error, Result};
use crate::{domain_by_uuid, xml, LibvirtHypervisor};

/// How long [`MigrationBackend::migrate`] waits for the destination to
/// answer when it opens its own connection (the application checked the
/// destination just before, with its own limit).
const DESTINATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Keepalive of the migration's own connections, as on the main one.
const KEEPALIVE_INTERVAL_SECS: i32 = 5;
const KEEPALIVE_COUNT: u32 = 3;

impl MigrationBackend for LibvirtHypervisor {
    /// `virConnectGetHostname` and `virConnectGetCapabilities` (the host UUID).
    fn host_identity(&self) -> Result<HostIdentity, HypervisorError> {
        self.conn.call(|c| {
            Ok(HostIdentity {
                hostname: c.hostname()?,
                host_uuid: host_uuid(&c.capabilities()?)?,
            })
        })
    }

    fn connect_destination(
        &self,
        destination_uri: &str,
        timeout: Duration,
    ) -> Result<Arc<dyn Hypervisor>, HypervisorError> {
        self.ensure_can_migrate()?;
        Ok(Arc::new(connect_with_timeout(destination_uri, timeout)?))
    }

    /// The migration runs on connections of its own, to this host and to
    /// the destination, opened here (counted on this instance): a call that
    /// drives a migration holds up the other calls on its connection (with
    /// libvirt 9.0, job statistics asked on the same connection waited
    /// until the disk copy had ended), which would stall every request of
    /// the service and the progress reports.
    fn migrate(
        &self,
        uuid: &str,
        spec: &MigrationSpec,
    ) -> Result<MigrationOutcome, HypervisorError> {
        self.ensure_can_migrate()?;
        let flags = migration_flags(spec);
        let bandwidth = spec.max_bandwidth_mib_s.filter(|b| *b > 0);
        // `Connection::call` runs its closure again on a fresh connection when
        // the old one died; a migration must not be started twice.
        let started = AtomicBool::new(false);
        let once = || -> Result<()> {
            if started.swap(true, Ordering::SeqCst) {
                return Err(HypervisorError::failed(
                    "the connection to libvirt was lost while the migration ran; check on which host the VM is now",
                )
                .into());
            }
            Ok(())
        };
        self.conn.call(|c| {
            let here = open_other(c, self.uri(), DESTINATION_TIMEOUT)?;
            let there = open_other(c, &spec.destination_uri, DESTINATION_TIMEOUT)?;
            let dom = domain_by_uuid(&here.conn(), uuid)?;
            if let Some(ms) = spec.max_downtime_ms {
                if let Err(e) = dom.migrate_set_max_downtime(ms, 0) {
                    warn!(vm = uuid, error = %e, "could not set the maximum downtime");
                }
            }
            once()?;
            let stats = if spec.tunnelled {
                dom.migrate_to_uri3(&spec.destination_uri, bandwidth, flags)
                    .map_err(migrate_error)?;
                domain_by_uuid(&there.conn(), uuid)
                    .ok()
                    .and_then(|d| completed_stats(&d))
            } else {
                let arrived = dom
                    .migrate3(&there.conn(), bandwidth, flags)
                    .map_err(migrate_error)?;
                completed_stats(&arrived)
            };
            Ok(MigrationOutcome { stats })
        })
    }

    /// `virDomainGetJobStats`; `None` unless a migration job runs.
    fn migration_job(&self, uuid: &str) -> Result<Option<MigrationJobStats>, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            match dom.job_stats(0) {
                Ok(job) if job.active && job.is_migration() => Ok(Some(job.stats)),
                Ok(_) => Ok(None),
                // Ended (and the domain left) between the lookup and the call.
                Err(e) if e.code().is(ErrorNumber::NoDomain) => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// `virDomainAbortJob`. libvirt reports "no job is active" as
    /// `OPERATION_INVALID`.
    fn abort_migration(&self, uuid: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            domain_by_uuid(c, uuid)?.abort_job()?;
            Ok(())
        })
    }
}

impl LibvirtHypervisor {
    /// `Unsupported` on libvirt's test driver, which implements no
    /// migration (`virConnectGetType`).
    fn ensure_can_migrate(&self) -> Result<(), HypervisorError> {
        let driver = self.conn.call(|c| Ok(c.driver_type()?))?;
        if driver.eq_ignore_ascii_case("test") {
            return Err(HypervisorError::new(
                HypervisorErrorKind::Unsupported,
                format!(
                    "libvirt's test driver ({}) cannot migrate virtual machines",
                    self.uri()
                ),
            ));
        }
        Ok(())
    }
}

/// The libvirt flags of a migration.
fn migration_flags(spec: &MigrationSpec) -> u32 {
    let mut flags = sys::VIR_MIGRATE_PERSIST_DEST | sys::VIR_MIGRATE_UNDEFINE_SOURCE;
    let set = |on: bool, bits: u32| if on { bits } else { 0 };
    flags |= set(spec.live, sys::VIR_MIGRATE_LIVE);
    flags |= set(
        spec.tunnelled,
        sys::VIR_MIGRATE_PEER2PEER | sys::VIR_MIGRATE_TUNNELLED,
    );
    flags |= set(spec.compressed, sys::VIR_MIGRATE_COMPRESSED);
    flags |= set(spec.auto_converge, sys::VIR_MIGRATE_AUTO_CONVERGE);
    flags |= set(spec.allow_unsafe, sys::VIR_MIGRATE_UNSAFE);
    flags |= match spec.copy_storage {
        CopyStorage::None => 0,
        CopyStorage::All => sys::VIR_MIGRATE_NON_SHARED_DISK,
        CopyStorage::Incremental => sys::VIR_MIGRATE_NON_SHARED_INC,
    };
    flags
}

/// A failed migration call: a refusal of the options ("Unsafe migration:
/// ...") is `InvalidArgument`; the rest keeps its classification.
fn migrate_error(e: VirtError) -> Error {
    let unsafe_refusal = e.code().is(ErrorNumber::MigrateUnsafe);
    let err = Error::from(e);
    if unsafe_refusal {
        err.with_kind(HypervisorErrorKind::InvalidArgument)
    } else {
        err
    }
}

/// Opens another connection (see [`Conn::open_other`]) with keepalive:
/// `Unavailable` when the host cannot be reached or does not answer within
/// `timeout`.
fn open_other<'a>(c: &Conn<'a>, uri: &str, timeout: Duration) -> Result<Other<'a>> {
    let other = match c.open_other(uri, timeout) {
        Ok(Some(other)) => other,
        Ok(None) => {
            return Err(HypervisorError::new(
                HypervisorErrorKind::Unavailable,
                format!("{uri} did not answer within {} ms", timeout.as_millis()),
            )
            .into())
        }
        Err(e) => return Err(Error::from(e).with_kind(HypervisorErrorKind::Unavailable)),
    };
    if let Err(e) = other
        .conn()
        .set_keep_alive(KEEPALIVE_INTERVAL_SECS, KEEPALIVE_COUNT)
    {
        debug!(uri, error = %e, "no keepalive on the migration's connection");
    }
    Ok(other)
}

/// The completed job's statistics on the destination, if libvirt kept them.
fn completed_stats(dom: &Dom<'_>) -> Option<MigrationJobStats> {
    match dom.job_stats(sys::VIR_DOMAIN_JOB_STATS_COMPLETED) {
        Ok(job) if job.job_type == sys::VIR_DOMAIN_JOB_COMPLETED as i32 => Some(job.stats),
        Ok(_) => None,
        Err(e) => {
            debug!(error = %e, "no completed job statistics on the destination");
            None
        }
    }
}

/// Opens `uri` as a backend of its own, giving up after `timeout`. The
/// helper thread may outlive the call; it then closes what it opened.
fn connect_with_timeout(
    uri: &str,
    timeout: Duration,
) -> Result<LibvirtHypervisor, HypervisorError> {
    let (tx, rx) = mpsc::channel();
    let owned = uri.to_owned();
    std::thread::Builder::new()
        .name("libvirt-migration-connect".into())
        .spawn(move || {
            let _ = tx.send(LibvirtHypervisor::connect(&owned));
        })
        .map_err(|e| HypervisorError::failed(format!("cannot start a thread: {e}")))?;
    let unavailable =
        |message: String| HypervisorError::new(HypervisorErrorKind::Unavailable, message);
    match rx.recv_timeout(timeout) {
        Ok(Ok(hv)) => Ok(hv),
        Ok(Err(mut e)) => {
            // libvirt reports an unknown scheme or a malformed URI as a
            // missing driver; anything else means the host is out of reach.
            if e.kind != HypervisorErrorKind::InvalidArgument {
                e.kind = HypervisorErrorKind::Unavailable;
            }
            Err(e)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(unavailable(format!(
            "the destination {uri} did not answer within {} ms",
            timeout.as_millis()
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(unavailable(format!(
            "connecting to the destination {uri} failed"
        ))),
    }
}

/// The host UUID in a capabilities document (`<host><uuid>`).
fn host_uuid(caps: &str) -> Result<Option<String>, HypervisorError> {
    let doc = xml::parse(caps, "capabilities")?;
    Ok(xml::child(doc.root_element(), "host")
        .and_then(|h| xml::child_text(h, "uuid"))
        .map(|u| u.trim().to_ascii_lowercase())
        .filter(|u| !u.is_empty()))
}

/// What `virDomainGetJobStats` reported.
pub(crate) struct JobStats {
    /// libvirt's `virDomainJobType`.
    pub job_type: i32,
    /// Whether a job runs (`BOUNDED` or `UNBOUNDED`).
    pub active: bool,
    /// libvirt's `virDomainJobOperation`, when reported.
    pub operation: Option<i32>,
    pub stats: MigrationJobStats,
    /// Why a failed job failed (`VIR_DOMAIN_JOB_ERRMSG`), when reported.
    pub error_message: Option<String>,
}

impl JobStats {
    /// Whether the job is a migration out of this host (or its type is not
    /// reported, as by older drivers).
    fn is_migration(&self) -> bool {
        self.operation.is_none_or(|op| {
            op == sys::VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT as i32
                || op == sys::VIR_DOMAIN_JOB_OPERATION_UNKNOWN as i32
        })
    }
}

/// `virDomainGetJobStats` with the typed parameters read and released here:
/// the `virt` binding frees libvirt's array with Rust's allocator and
/// leaks its strings. Called only from `counted.rs`, which counts it.
pub(crate) fn job_stats(dom: &virt::domain::Domain, flags: u32) -> Result<JobStats, VirtError> {
    let mut job_type: c_int = 0;
    let mut params: sys::virTypedParameterPtr = ptr::null_mut();
    let mut n: c_int = 0;
    // SAFETY: `dom` owns a reference to a valid virDomainPtr for the whole
    // call; the out-pointers point at live locals; libvirt allocates the
    // parameter array, which is released below with virTypedParamsFree.
    let rc = unsafe {
        sys::virDomainGetJobStats(dom.as_ptr(), &mut job_type, &mut params, &mut n, flags)
    };
    if rc < 0 {
        return Err(VirtError::last_error());
    }
    let get = |name: &CStr| -> Option<u64> {
        let mut value: c_ulonglong = 0;
        // SAFETY: `params` holds `n` parameters allocated by libvirt (or is
        // null with n = 0); `name` is NUL-terminated; `value` is a live local.
        let found = unsafe { sys::virTypedParamsGetULLong(params, n, name.as_ptr(), &mut value) };
        (found == 1).then_some(value)
    };
    let operation = {
        let mut value: c_int = 0;
        // SAFETY: as above.
        let found = unsafe {
            sys::virTypedParamsGetInt(
                params,
                n,
                sys::VIR_DOMAIN_JOB_OPERATION.as_ptr(),
                &mut value,
            )
        };
        (found == 1).then_some(value)
    };
    let stats = MigrationJobStats {
        data_processed_bytes: get(sys::VIR_DOMAIN_JOB_DATA_PROCESSED),
        data_remaining_bytes: get(sys::VIR_DOMAIN_JOB_DATA_REMAINING),
        data_total_bytes: get(sys::VIR_DOMAIN_JOB_DATA_TOTAL),
        memory_processed_bytes: get(sys::VIR_DOMAIN_JOB_MEMORY_PROCESSED),
        memory_remaining_bytes: get(sys::VIR_DOMAIN_JOB_MEMORY_REMAINING),
        memory_total_bytes: get(sys::VIR_DOMAIN_JOB_MEMORY_TOTAL),
        disk_processed_bytes: get(sys::VIR_DOMAIN_JOB_DISK_PROCESSED),
        disk_remaining_bytes: get(sys::VIR_DOMAIN_JOB_DISK_REMAINING),
        disk_total_bytes: get(sys::VIR_DOMAIN_JOB_DISK_TOTAL),
        dirty_rate_pages_per_second: get(sys::VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE),
        iteration: get(sys::VIR_DOMAIN_JOB_MEMORY_ITERATION),
        downtime_ms: get(sys::VIR_DOMAIN_JOB_DOWNTIME),
        elapsed_ms: get(sys::VIR_DOMAIN_JOB_TIME_ELAPSED),
    };
    let error_message = {
        let mut value: *const c_char = ptr::null();
        // SAFETY: as above; the string stays owned by `params` and is copied
        // before they are released.
        let found = unsafe {
            sys::virTypedParamsGetString(params, n, sys::VIR_DOMAIN_JOB_ERRMSG.as_ptr(), &mut value)
        };
        // SAFETY: libvirt found the parameter, so `value` is a NUL-terminated
        // string inside `params`, which is still alive here.
        (found == 1 && !value.is_null()).then(|| {
            unsafe { CStr::from_ptr(value) }
                .to_string_lossy()
                .into_owned()
        })
    };
    // SAFETY: `params`/`n` came from libvirt above and are not used again.
    unsafe { sys::virTypedParamsFree(params, n) };
    let active = job_type == sys::VIR_DOMAIN_JOB_BOUNDED as i32
        || job_type == sys::VIR_DOMAIN_JOB_UNBOUNDED as i32;
    Ok(JobStats {
        job_type,
        active,
        operation,
        stats,
        error_message,
    })
}

/// `virDomainAbortJob`, which the `virt` crate does not wrap. Called only
/// from `counted.rs`, which counts it.
pub(crate) fn abort_job(dom: &virt::domain::Domain) -> Result<(), VirtError> {
    // SAFETY: `dom` owns a reference to a valid virDomainPtr for the whole call.
    let rc = unsafe { sys::virDomainAbortJob(dom.as_ptr()) };
    if rc < 0 {
        return Err(VirtError::last_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> MigrationSpec {
        MigrationSpec {
            destination_uri: "qemu+tcp://b/system".into(),
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

    #[test]
    fn flags() {
        let base = sys::VIR_MIGRATE_PERSIST_DEST | sys::VIR_MIGRATE_UNDEFINE_SOURCE;
        assert_eq!(migration_flags(&spec()), base | sys::VIR_MIGRATE_LIVE);
        let all = MigrationSpec {
            live: false,
            tunnelled: true,
            compressed: true,
            auto_converge: true,
            allow_unsafe: true,
            copy_storage: CopyStorage::All,
            ..spec()
        };
        assert_eq!(
            migration_flags(&all),
            base | sys::VIR_MIGRATE_PEER2PEER
                | sys::VIR_MIGRATE_TUNNELLED
                | sys::VIR_MIGRATE_COMPRESSED
                | sys::VIR_MIGRATE_AUTO_CONVERGE
                | sys::VIR_MIGRATE_UNSAFE
                | sys::VIR_MIGRATE_NON_SHARED_DISK
        );
        let inc = MigrationSpec {
            copy_storage: CopyStorage::Incremental,
            ..spec()
        };
        assert_eq!(
            migration_flags(&inc) & sys::VIR_MIGRATE_NON_SHARED_INC,
            sys::VIR_MIGRATE_NON_SHARED_INC
        );
    }

    #[test]
    fn host_uuids() {
        let caps = "<capabilities><host><uuid>AB12-x</uuid><cpu/></host></capabilities>";
        assert_eq!(host_uuid(caps).unwrap().as_deref(), Some("ab12-x"));
        assert_eq!(
            host_uuid("<capabilities><host/></capabilities>").unwrap(),
            None
        );
    }
}
