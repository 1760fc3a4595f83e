//! Domain event callbacks over raw libvirt: `virConnectDomainEventRegisterAny`
//! and `virConnectDomainEventDeregisterAny`, which the `virt` 0.5 crate does
//! not wrap in a way that lets one sink serve several event IDs.
//!
//! Registration and deregistration are called only from `counted.rs`, which
//! counts them. The callbacks run on libvirt's event-loop thread (started in
//! `connection.rs`); each reads the name and UUID of the `virDomainPtr` it is
//! given (valid for the duration of the callback, answered from the object
//! without a round trip, not counted), builds a [`HypervisorEvent`], hands it
//! to the [`Delivery`] and returns. They make no other libvirt call and never
//! let a panic unwind into libvirt.
//!
//! Ownership of the opaque pointer: every registration gets its own
//! `Box<Arc<Delivery>>`, given to libvirt together with [`free_opaque`].
//! Once registration succeeds libvirt owns it and calls [`free_opaque`] once,
//! after the callback is deregistered and no dispatch of it is running any
//! more; when registration fails libvirt never calls it, and the box is
//! freed here.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Mutex, MutexGuard};

use tracing::{debug, warn};
use vapor_hypervisor::{DomainEvent, DomainEventKind, EventSink, HypervisorEvent};
use virt::connect::Connect;
use virt::error::Error as VirtError;
use virt::sys;

/// Where the callbacks of one backend deliver: its current sink, behind a
/// mutex so that events reach it one at a time, whichever thread reports
/// them (libvirt's event loop for domain events, the reconnecting thread for
/// `Disconnected` and `Reconnected`).
pub(crate) struct Delivery {
    sink: Mutex<Option<EventSink>>,
}

impl Delivery {
    /// A delivery with no sink yet: events are dropped until one is set.
    pub(crate) fn new() -> Self {
        Self {
            sink: Mutex::new(None),
        }
    }

    /// Replaces the sink (or removes it, with `None`). Waits for an event
    /// being delivered to the old sink to finish first.
    pub(crate) fn set_sink(&self, sink: Option<EventSink>) {
        *self.lock().0 = sink;
    }

    /// Holds the delivery: until the guard is dropped no other thread can
    /// deliver, so events sent through the guard come before any reported
    /// meanwhile elsewhere.
    pub(crate) fn lock(&self) -> DeliveryGuard<'_> {
        DeliveryGuard(
            self.sink
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// Delivers one event to the current sink, if any.
    pub(crate) fn send(&self, event: HypervisorEvent) {
        self.lock().send(event);
    }
}

/// Exclusive delivery, from [`Delivery::lock`].
pub(crate) struct DeliveryGuard<'a>(MutexGuard<'a, Option<EventSink>>);

impl DeliveryGuard<'_> {
    /// Delivers one event to the sink, if any. A sink that panics loses
    /// that event; the panic stops here.
    pub(crate) fn send(&self, event: HypervisorEvent) {
        let Some(sink) = self.0.as_ref() else { return };
        if catch_unwind(AssertUnwindSafe(|| sink(event))).is_err() {
            warn!("the event sink panicked; the event is lost");
        }
    }
}

/// The generic callback type registration takes.
type Generic = unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *mut c_void);

/// One domain event Vapor listens to: a libvirt event ID and its callback.
#[derive(Clone, Copy)]
pub(crate) struct Subscription {
    event_id: c_int,
    callback: Generic,
}

/// The domain events Vapor reports: lifecycle, reboot, device added and
/// removed, job completed, metadata changed.
pub(crate) fn subscriptions() -> [Subscription; 6] {
    type WithInts =
        unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, c_int, c_int, *mut c_void);
    type WithStr =
        unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *const c_char, *mut c_void);
    type WithParams = unsafe extern "C" fn(
        sys::virConnectPtr,
        sys::virDomainPtr,
        sys::virTypedParameterPtr,
        c_int,
        *mut c_void,
    );
    type WithIntStr = unsafe extern "C" fn(
        sys::virConnectPtr,
        sys::virDomainPtr,
        c_int,
        *const c_char,
        *mut c_void,
    );
    let sub = |id: u32, callback: Generic| Subscription {
        event_id: id as c_int,
        callback,
    };
    // SAFETY (every transmute below): a function pointer becomes another
    // function pointer type of the same size, as C's VIR_DOMAIN_EVENT_CALLBACK
    // cast does. libvirt calls the callback registered for an event ID only
    // with that ID's own signature, which is the one each function has, so
    // no function is ever called through the generic type.
    unsafe {
        [
            sub(
                sys::VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                std::mem::transmute::<WithInts, Generic>(on_lifecycle),
            ),
            sub(sys::VIR_DOMAIN_EVENT_ID_REBOOT, on_reboot),
            sub(
                sys::VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
                std::mem::transmute::<WithStr, Generic>(on_device_added),
            ),
            sub(
                sys::VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                std::mem::transmute::<WithStr, Generic>(on_device_removed),
            ),
            sub(
                sys::VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                std::mem::transmute::<WithParams, Generic>(on_job_completed),
            ),
            sub(
                sys::VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                std::mem::transmute::<WithIntStr, Generic>(on_metadata_change),
            ),
        ]
    }
}

/// `virConnectDomainEventRegisterAny` for all domains: `sub` on `conn`,
/// delivering to `delivery`. The callback ID, for [`deregister`].
pub(crate) fn register(
    conn: &Connect,
    sub: Subscription,
    delivery: &Arc<Delivery>,
) -> Result<c_int, VirtError> {
    let opaque = Box::into_raw(Box::new(Arc::clone(delivery))).cast::<c_void>();
    // SAFETY: `conn` owns a reference to a valid virConnectPtr for the whole
    // call; a null domain means every domain; `sub.callback` has the
    // signature libvirt uses for `sub.event_id` (see `subscriptions`); `opaque` is a live `Box<Arc<Delivery>>` that
    // `free_opaque` knows how to release.
    let id = unsafe {
        sys::virConnectDomainEventRegisterAny(
            conn.as_ptr(),
            ptr::null_mut(),
            sub.event_id,
            Some(sub.callback),
            opaque,
            Some(free_opaque),
        )
    };
    if id < 0 {
        let err = VirtError::last_error();
        // SAFETY: registration failed, so libvirt kept no pointer to
        // `opaque` and will never call `free_opaque` on it: it is still
        // ours, released here once.
        drop(unsafe { Box::from_raw(opaque.cast::<Arc<Delivery>>()) });
        return Err(err);
    }
    Ok(id)
}

/// `virConnectDomainEventDeregisterAny`. libvirt removes the callback from
/// the connection first (so it is never called again, and the opaque is
/// released once any running dispatch of it returns), then tells the
/// daemon; on a dead connection the second step fails, which is reported
/// but leaves nothing behind.
pub(crate) fn deregister(conn: &Connect, callback_id: c_int) -> Result<(), VirtError> {
    // SAFETY: `conn` owns a reference to a valid virConnectPtr for the whole
    // call; libvirt validates the callback ID.
    let rc = unsafe { sys::virConnectDomainEventDeregisterAny(conn.as_ptr(), callback_id) };
    if rc < 0 {
        return Err(VirtError::last_error());
    }
    Ok(())
}

/// libvirt's free callback for the opaque of every registration.
unsafe extern "C" fn free_opaque(opaque: *mut c_void) {
    if opaque.is_null() {
        return;
    }
    // Dropping the last Arc drops the sink, whose destructor could panic.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `opaque` is the `Box<Arc<Delivery>>` made in `register`,
        // and libvirt calls this once per successful registration, after
        // the last use of it by a callback.
        drop(unsafe { Box::from_raw(opaque.cast::<Arc<Delivery>>()) });
    }));
}

/// Builds an event for `dom` with `what` and delivers it through `opaque`;
/// the common body of every callback. Nothing unwinds out of it.
///
/// # Safety
/// `dom` must be the domain libvirt passed to the callback (or null), and
/// `opaque` the pointer given at registration (or null).
unsafe fn dispatch(
    dom: sys::virDomainPtr,
    opaque: *mut c_void,
    what: impl FnOnce() -> Option<(DomainEventKind, Option<String>)>,
) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if dom.is_null() || opaque.is_null() {
            return;
        }
        // SAFETY: `opaque` is the `Box<Arc<Delivery>>` made in `register`;
        // libvirt releases it only after every dispatch of this callback
        // has returned, so it is alive here. Only shared access is made.
        let delivery = unsafe { &*opaque.cast::<Arc<Delivery>>() };
        let Some((kind, detail)) = what() else {
            return;
        };
        // SAFETY: `dom` is valid for the duration of the callback.
        let Some((uuid, name)) = (unsafe { identity(dom) }) else {
            debug!("domain event without a readable name or uuid dropped");
            return;
        };
        delivery.send(HypervisorEvent::Domain(DomainEvent {
            uuid,
            name,
            kind,
            detail,
        }));
    }));
    if outcome.is_err() {
        warn!("a libvirt event callback panicked; the event is lost");
    }
}

/// The UUID and name of `dom`, read from the object (no round trip).
///
/// # Safety
/// `dom` must be a valid virDomainPtr for the duration of the call.
unsafe fn identity(dom: sys::virDomainPtr) -> Option<(String, String)> {
    let mut buf = [0 as c_char; sys::VIR_UUID_STRING_BUFLEN as usize];
    // SAFETY: `dom` is valid (caller's promise) and `buf` has the
    // VIR_UUID_STRING_BUFLEN bytes libvirt writes, NUL included.
    if unsafe { sys::virDomainGetUUIDString(dom, buf.as_mut_ptr()) } < 0 {
        return None;
    }
    // SAFETY: on success libvirt wrote a NUL-terminated string into `buf`.
    let uuid = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: `dom` is valid; the name it returns belongs to it and lives as
    // long as it does, and is copied at once.
    let name = unsafe { sys::virDomainGetName(dom) };
    if name.is_null() {
        return None;
    }
    // SAFETY: a non-null name is a NUL-terminated string (see above).
    let name = unsafe { CStr::from_ptr(name) }
        .to_string_lossy()
        .into_owned();
    Some((uuid, name))
}

/// A C string from libvirt as an owned string; `None` when null or empty.
///
/// # Safety
/// `s` must be null or a NUL-terminated string valid for the call.
unsafe fn owned(s: *const c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: non-null, so NUL-terminated and valid (caller's promise).
    let s = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
    (!s.is_empty()).then_some(s)
}

unsafe extern "C" fn on_lifecycle(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    event: c_int,
    detail: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: `dom` and `opaque` are what libvirt passes this callback.
    unsafe {
        dispatch(dom, opaque, || {
            let found = lifecycle(event, detail);
            if found.is_none() {
                debug!(event, detail, "unknown lifecycle event ignored");
            }
            found.map(|(kind, detail)| (kind, detail.map(str::to_owned)))
        })
    }
}

unsafe extern "C" fn on_reboot(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    opaque: *mut c_void,
) {
    // SAFETY: `dom` and `opaque` are what libvirt passes this callback.
    unsafe { dispatch(dom, opaque, || Some((DomainEventKind::Rebooted, None))) }
}

unsafe extern "C" fn on_device_added(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    alias: *const c_char,
    opaque: *mut c_void,
) {
    // SAFETY: `dom` and `opaque` are what libvirt passes this callback;
    // `alias` is null or a string valid during the callback.
    unsafe {
        dispatch(dom, opaque, || {
            Some((DomainEventKind::DeviceAdded, owned(alias)))
        })
    }
}

unsafe extern "C" fn on_device_removed(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    alias: *const c_char,
    opaque: *mut c_void,
) {
    // SAFETY: as in `on_device_added`.
    unsafe {
        dispatch(dom, opaque, || {
            Some((DomainEventKind::DeviceRemoved, owned(alias)))
        })
    }
}

unsafe extern "C" fn on_job_completed(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    params: sys::virTypedParameterPtr,
    nparams: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: `dom` and `opaque` are what libvirt passes this callback;
    // `params` holds `nparams` parameters valid during the callback.
    unsafe {
        dispatch(dom, opaque, || {
            let operation = job_operation_param(params, nparams).and_then(job_operation);
            Some((DomainEventKind::JobCompleted, operation.map(str::to_owned)))
        })
    }
}

unsafe extern "C" fn on_metadata_change(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    kind: c_int,
    nsuri: *const c_char,
    opaque: *mut c_void,
) {
    // SAFETY: `dom` and `opaque` are what libvirt passes this callback;
    // `nsuri` is null or a string valid during the callback.
    unsafe {
        dispatch(dom, opaque, || {
            let detail = match kind as u32 {
                sys::VIR_DOMAIN_METADATA_DESCRIPTION => Some("description".to_owned()),
                sys::VIR_DOMAIN_METADATA_TITLE => Some("title".to_owned()),
                sys::VIR_DOMAIN_METADATA_ELEMENT => owned(nsuri).or(Some("element".to_owned())),
                _ => None,
            };
            Some((DomainEventKind::MetadataChanged, detail))
        })
    }
}

/// The `operation` parameter (`VIR_DOMAIN_JOB_OPERATION`) of a completed
/// job's statistics, read from the array without calling libvirt.
///
/// # Safety
/// `params` must be null or point to `nparams` initialised parameters.
unsafe fn job_operation_param(params: sys::virTypedParameterPtr, nparams: c_int) -> Option<c_int> {
    if params.is_null() || nparams <= 0 {
        return None;
    }
    // SAFETY: `params` points to `nparams` parameters (caller's promise).
    let all = unsafe { std::slice::from_raw_parts(params, nparams as usize) };
    let wanted = sys::VIR_DOMAIN_JOB_OPERATION.to_bytes();
    all.iter().find_map(|p| {
        // SAFETY: `field` is a NUL-terminated name within its 80 bytes
        // (VIR_TYPED_PARAM_FIELD_LENGTH), as libvirt fills it.
        let field = unsafe { CStr::from_ptr(p.field.as_ptr()) };
        if field.to_bytes() != wanted || p.type_ != sys::VIR_TYPED_PARAM_INT as c_int {
            return None;
        }
        // SAFETY: the type says the union holds its `int` member.
        Some(unsafe { p.value.i })
    })
}

/// A job operation (`virDomainJobOperation`) in lower-case snake case.
pub(crate) fn job_operation(op: c_int) -> Option<&'static str> {
    Some(match op as u32 {
        sys::VIR_DOMAIN_JOB_OPERATION_START => "start",
        sys::VIR_DOMAIN_JOB_OPERATION_SAVE => "save",
        sys::VIR_DOMAIN_JOB_OPERATION_RESTORE => "restore",
        sys::VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN => "migration_in",
        sys::VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT => "migration_out",
        sys::VIR_DOMAIN_JOB_OPERATION_SNAPSHOT => "snapshot",
        sys::VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_REVERT => "snapshot_revert",
        sys::VIR_DOMAIN_JOB_OPERATION_DUMP => "dump",
        sys::VIR_DOMAIN_JOB_OPERATION_BACKUP => "backup",
        sys::VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_DELETE => "snapshot_delete",
        _ => return None,
    })
}

/// A lifecycle event (`virDomainEventType`) and its detail as Vapor's kind
/// and detail word; `None` for an event type Vapor does not know, a `None`
/// detail for a detail number it does not know.
pub(crate) fn lifecycle(
    event: c_int,
    detail: c_int,
) -> Option<(DomainEventKind, Option<&'static str>)> {
    use DomainEventKind as K;
    let (kind, words): (K, &[&'static str]) = match u32::try_from(event).ok()? {
        sys::VIR_DOMAIN_EVENT_DEFINED => (
            K::Defined,
            &["added", "updated", "renamed", "from_snapshot"],
        ),
        sys::VIR_DOMAIN_EVENT_UNDEFINED => (K::Undefined, &["removed", "renamed"]),
        sys::VIR_DOMAIN_EVENT_STARTED => (
            K::Started,
            &[
                "booted",
                "migrated",
                "restored",
                "from_snapshot",
                "wakeup",
                "recreated",
            ],
        ),
        sys::VIR_DOMAIN_EVENT_SUSPENDED => (
            K::Suspended,
            &[
                "paused",
                "migrated",
                "ioerror",
                "watchdog",
                "restored",
                "from_snapshot",
                "api_error",
                "postcopy",
                "postcopy_failed",
                "guest_shutdown",
            ],
        ),
        sys::VIR_DOMAIN_EVENT_RESUMED => (
            K::Resumed,
            &[
                "unpaused",
                "migrated",
                "from_snapshot",
                "postcopy",
                "postcopy_failed",
            ],
        ),
        sys::VIR_DOMAIN_EVENT_STOPPED => (
            K::Stopped,
            &[
                "shutdown",
                "destroyed",
                "crashed",
                "migrated",
                "saved",
                "failed",
                "from_snapshot",
                "recreated",
            ],
        ),
        sys::VIR_DOMAIN_EVENT_SHUTDOWN => (K::Shutdown, &["finished", "guest", "host"]),
        sys::VIR_DOMAIN_EVENT_PMSUSPENDED => (K::PmSuspended, &["memory", "disk"]),
        sys::VIR_DOMAIN_EVENT_CRASHED => (K::Crashed, &["panicked", "crashloaded"]),
        _ => return None,
    };
    let word = usize::try_from(detail)
        .ok()
        .and_then(|i| words.get(i).copied());
    Some((kind, word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use DomainEventKind as K;

    fn ev(event: u32, detail: u32) -> Option<(DomainEventKind, Option<&'static str>)> {
        lifecycle(event as c_int, detail as c_int)
    }

    #[test]
    fn lifecycle_details_follow_libvirts_numbers() {
        let cases = [
            (
                sys::VIR_DOMAIN_EVENT_DEFINED,
                sys::VIR_DOMAIN_EVENT_DEFINED_ADDED,
                K::Defined,
                "added",
            ),
            (
                sys::VIR_DOMAIN_EVENT_DEFINED,
                sys::VIR_DOMAIN_EVENT_DEFINED_UPDATED,
                K::Defined,
                "updated",
            ),
            (
                sys::VIR_DOMAIN_EVENT_DEFINED,
                sys::VIR_DOMAIN_EVENT_DEFINED_RENAMED,
                K::Defined,
                "renamed",
            ),
            (
                sys::VIR_DOMAIN_EVENT_DEFINED,
                sys::VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT,
                K::Defined,
                "from_snapshot",
            ),
            (
                sys::VIR_DOMAIN_EVENT_UNDEFINED,
                sys::VIR_DOMAIN_EVENT_UNDEFINED_REMOVED,
                K::Undefined,
                "removed",
            ),
            (
                sys::VIR_DOMAIN_EVENT_UNDEFINED,
                sys::VIR_DOMAIN_EVENT_UNDEFINED_RENAMED,
                K::Undefined,
                "renamed",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STARTED,
                sys::VIR_DOMAIN_EVENT_STARTED_BOOTED,
                K::Started,
                "booted",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STARTED,
                sys::VIR_DOMAIN_EVENT_STARTED_MIGRATED,
                K::Started,
                "migrated",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STARTED,
                sys::VIR_DOMAIN_EVENT_STARTED_RESTORED,
                K::Started,
                "restored",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STARTED,
                sys::VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT,
                K::Started,
                "from_snapshot",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STARTED,
                sys::VIR_DOMAIN_EVENT_STARTED_WAKEUP,
                K::Started,
                "wakeup",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_PAUSED,
                K::Suspended,
                "paused",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED,
                K::Suspended,
                "migrated",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_IOERROR,
                K::Suspended,
                "ioerror",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG,
                K::Suspended,
                "watchdog",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_RESTORED,
                K::Suspended,
                "restored",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT,
                K::Suspended,
                "from_snapshot",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR,
                K::Suspended,
                "api_error",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY,
                K::Suspended,
                "postcopy",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SUSPENDED,
                sys::VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED,
                K::Suspended,
                "postcopy_failed",
            ),
            (
                sys::VIR_DOMAIN_EVENT_RESUMED,
                sys::VIR_DOMAIN_EVENT_RESUMED_UNPAUSED,
                K::Resumed,
                "unpaused",
            ),
            (
                sys::VIR_DOMAIN_EVENT_RESUMED,
                sys::VIR_DOMAIN_EVENT_RESUMED_MIGRATED,
                K::Resumed,
                "migrated",
            ),
            (
                sys::VIR_DOMAIN_EVENT_RESUMED,
                sys::VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT,
                K::Resumed,
                "from_snapshot",
            ),
            (
                sys::VIR_DOMAIN_EVENT_RESUMED,
                sys::VIR_DOMAIN_EVENT_RESUMED_POSTCOPY,
                K::Resumed,
                "postcopy",
            ),
            (
                sys::VIR_DOMAIN_EVENT_RESUMED,
                sys::VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED,
                K::Resumed,
                "postcopy_failed",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STOPPED,
                sys::VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN,
                K::Stopped,
                "shutdown",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STOPPED,
                sys::VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
                K::Stopped,
                "destroyed",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STOPPED,
                sys::VIR_DOMAIN_EVENT_STOPPED_CRASHED,
                K::Stopped,
                "crashed",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STOPPED,
                sys::VIR_DOMAIN_EVENT_STOPPED_MIGRATED,
                K::Stopped,
                "migrated",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STOPPED,
                sys::VIR_DOMAIN_EVENT_STOPPED_SAVED,
                K::Stopped,
                "saved",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STOPPED,
                sys::VIR_DOMAIN_EVENT_STOPPED_FAILED,
                K::Stopped,
                "failed",
            ),
            (
                sys::VIR_DOMAIN_EVENT_STOPPED,
                sys::VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT,
                K::Stopped,
                "from_snapshot",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SHUTDOWN,
                sys::VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED,
                K::Shutdown,
                "finished",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SHUTDOWN,
                sys::VIR_DOMAIN_EVENT_SHUTDOWN_GUEST,
                K::Shutdown,
                "guest",
            ),
            (
                sys::VIR_DOMAIN_EVENT_SHUTDOWN,
                sys::VIR_DOMAIN_EVENT_SHUTDOWN_HOST,
                K::Shutdown,
                "host",
            ),
            (
                sys::VIR_DOMAIN_EVENT_PMSUSPENDED,
                sys::VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY,
                K::PmSuspended,
                "memory",
            ),
            (
                sys::VIR_DOMAIN_EVENT_PMSUSPENDED,
                sys::VIR_DOMAIN_EVENT_PMSUSPENDED_DISK,
                K::PmSuspended,
                "disk",
            ),
            (
                sys::VIR_DOMAIN_EVENT_CRASHED,
                sys::VIR_DOMAIN_EVENT_CRASHED_PANICKED,
                K::Crashed,
                "panicked",
            ),
            (
                sys::VIR_DOMAIN_EVENT_CRASHED,
                sys::VIR_DOMAIN_EVENT_CRASHED_CRASHLOADED,
                K::Crashed,
                "crashloaded",
            ),
        ];
        for (event, detail, kind, word) in cases {
            assert_eq!(
                ev(event, detail),
                Some((kind, Some(word))),
                "{event}/{detail}"
            );
        }
    }

    #[test]
    fn unknown_numbers() {
        // An unknown detail keeps the kind; an unknown event type is dropped.
        assert_eq!(
            ev(sys::VIR_DOMAIN_EVENT_STARTED, 99),
            Some((K::Started, None))
        );
        assert_eq!(
            lifecycle(sys::VIR_DOMAIN_EVENT_STOPPED as c_int, -1),
            Some((K::Stopped, None))
        );
        assert_eq!(ev(9, 0), None);
        assert_eq!(lifecycle(-1, 0), None);
        assert_eq!(
            job_operation(sys::VIR_DOMAIN_JOB_OPERATION_BACKUP as c_int),
            Some("backup")
        );
        assert_eq!(job_operation(0), None);
        assert_eq!(job_operation(42), None);
    }

    #[test]
    fn six_distinct_events() {
        let mut ids: Vec<c_int> = subscriptions().iter().map(|s| s.event_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 6);
    }

    #[test]
    fn a_panicking_sink_is_contained_and_replaceable() {
        let delivery = Delivery::new();
        delivery.send(HypervisorEvent::Reconnected); // no sink: dropped
        delivery.set_sink(Some(Arc::new(|_| panic!("sink failure"))));
        delivery.send(HypervisorEvent::Reconnected);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&seen);
        delivery.set_sink(Some(Arc::new(move |e| into.lock().unwrap().push(e))));
        delivery.send(HypervisorEvent::Reconnected);
        assert_eq!(*seen.lock().unwrap(), vec![HypervisorEvent::Reconnected]);
    }
}
