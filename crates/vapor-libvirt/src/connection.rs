//! The long-lived libvirt connection, its event loop, and reconnecting.
//!
//! One `virConnect` serves every thread: libvirt connections are thread-safe,
//! and the remote driver multiplexes concurrent calls over one socket. The
//! connection sits behind an `RwLock<Arc<Connect>>` whose read lock is held
//! only long enough to clone the `Arc`, so calls never wait on each other
//! here. When libvirtd goes away (restart, crash), the connection is dead for
//! good; [`Connection::call`] notices, opens a new one, and retries once.
//!
//! Events ([`Connection::watch_events`]): the domain event callbacks
//! (`ffi_events.rs`) are registered on the connection in use, and again on
//! every connection that replaces it, whichever path reopens it (a call or
//! the watcher). The watcher, a plain thread started by the first
//! `watch_events`, polls the connection's liveness about twice a second
//! (uncounted), so a dead connection is noticed within a second even when no
//! call is made; it then reopens with backoff (0.5 s doubling to 5 s) until
//! libvirtd answers. Each outage is reported once: `Disconnected` when the
//! first reopen starts, `Reconnected` once the callbacks are registered on
//! the new connection. Both are decided under the reopening lock, which
//! also guards the registration state, so two paths cannot report twice.
//!
//! A libvirtd that hangs (stopped, or stuck) rather than goes away is
//! bounded too: keepalive closes a connection whose probes go unanswered for
//! about [`KEEPALIVE_INTERVAL_SECS`] × ([`KEEPALIVE_COUNT`] + 1) seconds,
//! failing the calls waiting on it, and an open that gets no answer within
//! [`OPEN_TIMEOUT`] is given up (its thread finishes, and closes what it
//! opened, whenever libvirtd answers). After a failed reopen, calls fail at
//! once with the same error for [`RETRY_AFTER`] rather than each waiting for
//! an open of its own; the watcher keeps trying with its backoff.
//!
//! The connection also owns the instance's libvirt call counter: every call
//! made through it, including opening and liveness checks, is counted (see
//! `counted.rs`), except the watcher's liveness polls.

use std::ffi::c_int;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, Weak};
use std::thread;
use std::time::Duration;

use tracing::{debug, info, warn};
use vapor_hypervisor::{EventSink, HypervisorError, HypervisorErrorKind, HypervisorEvent};

use crate::counted::{Conn, Handle};
use crate::error::{to_hypervisor_error, Error, Result};
use crate::ffi_events::{self, Delivery};

/// Seconds between keepalive probes on remote connections.
const KEEPALIVE_INTERVAL_SECS: i32 = 2;
/// Unanswered probes after which libvirt closes the connection.
const KEEPALIVE_COUNT: u32 = 2;
/// How often the event watcher checks that the connection is alive.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);
/// The watcher's first wait after a failed reopen; it doubles up to
/// [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(500);
/// The watcher's longest wait between reopen attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long an open of a remote connection may take before it is given up.
const OPEN_TIMEOUT: Duration = Duration::from_secs(3);
/// How long after a failed reopen calls fail at once, without trying again.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// A libvirt connection that reopens itself after libvirtd restarts.
pub(crate) struct Connection {
    shared: Arc<Shared>,
}

/// What the connection and its event watcher share. The watcher holds it
/// only through a `Weak`, so dropping the [`Connection`] ends both.
struct Shared {
    uri: String,
    current: RwLock<Arc<Handle>>,
    /// libvirt calls made through this connection, reopened ones included.
    calls: AtomicU64,
    /// Serialises reopening and event (de)registration; ordinary calls
    /// never take it.
    reopening: Mutex<Events>,
    /// Where the event callbacks deliver (shared with libvirt through
    /// each registration's opaque pointer).
    delivery: Arc<Delivery>,
}

/// The event state, guarded by [`Shared::reopening`].
#[derive(Default)]
struct Events {
    /// `watch_events` was called (and the watcher started).
    watching: bool,
    /// The callbacks registered, and on which connection; `None` while a
    /// registration is owed (after a reopen whose registration failed).
    registered: Option<Registration>,
    /// `Disconnected` was reported and `Reconnected` not yet.
    outage: bool,
    /// When the last reopen failed, and why; cleared by a successful one.
    last_failure: Option<(std::time::Instant, HypervisorError)>,
}

/// Callbacks registered on one connection.
struct Registration {
    handle: Arc<Handle>,
    ids: Vec<c_int>,
}

impl Connection {
    /// Starts the event loop (once per process) and opens `uri`.
    pub(crate) fn open(uri: &str) -> Result<Self, HypervisorError> {
        ensure_event_loop()?;
        let calls = AtomicU64::new(0);
        let handle = open_bounded(uri, &calls)?;
        Ok(Self {
            shared: Arc::new(Shared {
                uri: uri.to_string(),
                current: RwLock::new(Arc::new(handle)),
                calls,
                reopening: Mutex::new(Events::default()),
                delivery: Arc::new(Delivery::new()),
            }),
        })
    }

    /// The URI this connection was opened with.
    pub(crate) fn uri(&self) -> &str {
        &self.shared.uri
    }

    /// The libvirt calls made through this connection so far.
    pub(crate) fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::Relaxed)
    }

    /// Runs `op` on the connection. If the connection is found dead, before
    /// or after `op`, a new one is opened and `op` runs (again) once on it.
    ///
    /// An `op` that changes state and whose connection dies while libvirtd
    /// carries it out may therefore run twice; libvirt then reports the
    /// second attempt's conflict (e.g. "already exists").
    ///
    /// Costs one libvirt call (`virConnectIsAlive`, answered locally) plus
    /// those `op` makes; a failed `op` costs one more liveness check.
    pub(crate) fn call<T>(
        &self,
        op: impl Fn(&Conn<'_>) -> Result<T>,
    ) -> Result<T, HypervisorError> {
        let shared = &*self.shared;
        let mut handle = shared.current();
        if !shared.is_alive(&handle) {
            handle = shared.reopen(&handle, "the connection to libvirt was closed", false)?;
        }
        match op(&handle.with(&shared.calls)) {
            Ok(value) => Ok(value),
            Err(err) if shared.is_alive(&handle) => Err(err.into_hypervisor()),
            Err(err) => {
                let err = err.into_hypervisor();
                warn!(uri = %shared.uri, error = %err,
                      "libvirt connection lost; reconnecting and retrying once");
                let handle = shared.reopen(&handle, &err.message, false)?;
                op(&handle.with(&shared.calls)).map_err(Error::into_hypervisor)
            }
        }
    }

    /// Delivers domain events to `sink` from now on (a second call replaces
    /// the sink). The first call registers the callbacks on the connection
    /// and starts the watcher thread; it fails, leaving nothing registered,
    /// when registration fails.
    ///
    /// Costs six libvirt calls the first time (one
    /// `virConnectDomainEventRegisterAny` per event), none afterwards.
    pub(crate) fn watch_events(&self, sink: EventSink) -> Result<(), HypervisorError> {
        let shared = &self.shared;
        let mut events = shared.lock_events();
        shared.delivery.set_sink(Some(sink));
        if events.watching {
            return Ok(());
        }
        let handle = shared.current();
        let registration = shared.register(&handle).map_err(Error::into_hypervisor)?;
        events.registered = Some(registration);
        events.watching = true;
        drop(events);
        let weak = Arc::downgrade(shared);
        thread::Builder::new()
            .name("libvirt-events".into())
            .spawn(move || watch(weak))
            .map_err(|e| {
                HypervisorError::failed(format!("cannot start the libvirt event watcher: {e}"))
            })?;
        debug!(uri = %shared.uri, "watching libvirt domain events");
        Ok(())
    }
}

impl Shared {
    /// The connection in use now.
    fn current(&self) -> Arc<Handle> {
        let guard = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(&guard)
    }

    fn lock_events(&self) -> MutexGuard<'_, Events> {
        self.reopening
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether libvirt still considers the connection usable. Local check
    /// only (no round trip to the daemon).
    fn is_alive(&self, handle: &Handle) -> bool {
        handle.with(&self.calls).is_alive().unwrap_or(false)
    }

    /// Replaces the dead connection `dead` with a fresh one, unless another
    /// thread already did. When events are watched, reports `Disconnected`
    /// (with `reason`) if this outage was not reported yet, and once the
    /// callbacks are registered on the fresh connection, `Reconnected`.
    ///
    /// Unless `retry_now` (the watcher's attempts), a reopen that failed
    /// less than [`RETRY_AFTER`] ago is not tried again: its error is
    /// returned at once.
    fn reopen(
        &self,
        dead: &Arc<Handle>,
        reason: &str,
        retry_now: bool,
    ) -> Result<Arc<Handle>, HypervisorError> {
        let mut events = self.lock_events();
        let current = self.current();
        if !Arc::ptr_eq(&current, dead) && self.is_alive(&current) {
            return Ok(current);
        }
        if !retry_now {
            if let Some((at, err)) = &events.last_failure {
                if at.elapsed() < RETRY_AFTER {
                    return Err(err.clone());
                }
            }
        }
        if events.watching && !events.outage {
            events.outage = true;
            warn!(uri = %self.uri, reason, "lost the libvirt connection; events stop until it is back");
            self.delivery.send(HypervisorEvent::Disconnected {
                reason: reason.to_string(),
            });
        }
        let fresh = match open_bounded(&self.uri, &self.calls) {
            Ok(handle) => Arc::new(handle),
            Err(err) => {
                events.last_failure = Some((std::time::Instant::now(), err.clone()));
                return Err(err);
            }
        };
        events.last_failure = None;
        {
            let mut slot = self
                .current
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *slot = Arc::clone(&fresh);
        }
        info!(uri = %self.uri, "reconnected to libvirt");
        if events.watching {
            self.reregister(&mut events, &fresh);
        }
        // The old connection closes when its last in-flight user drops it.
        Ok(fresh)
    }

    /// Moves the callbacks to `handle`: drops those on the old connection
    /// and registers new ones, then reports `Reconnected` if an outage was
    /// reported. If registration fails, it stays owed and the watcher tries
    /// again.
    fn reregister(&self, events: &mut Events, handle: &Arc<Handle>) {
        if let Some(old) = events.registered.take() {
            self.deregister(old);
        }
        // Held while registering, so that no event from the new connection
        // reaches the sink before `Reconnected`. The callbacks wait for it on
        // the event-loop thread; registration does not need that thread (a
        // remote call's caller does its own I/O).
        let delivery = self.delivery.lock();
        match self.register(handle) {
            Ok(registration) => {
                events.registered = Some(registration);
                if events.outage {
                    events.outage = false;
                    delivery.send(HypervisorEvent::Reconnected);
                }
            }
            Err(err) => {
                warn!(uri = %self.uri, error = %err.into_hypervisor(),
                      "cannot register libvirt event callbacks; will retry");
            }
        }
    }

    /// Registers every callback on `handle`; all or none.
    fn register(&self, handle: &Arc<Handle>) -> Result<Registration> {
        let conn = handle.with(&self.calls);
        let mut ids = Vec::new();
        for sub in ffi_events::subscriptions() {
            match conn.register_domain_event(sub, &self.delivery) {
                Ok(id) => ids.push(id),
                Err(e) => {
                    self.deregister(Registration {
                        handle: Arc::clone(handle),
                        ids,
                    });
                    return Err(e.into());
                }
            }
        }
        Ok(Registration {
            handle: Arc::clone(handle),
            ids,
        })
    }

    /// Deregisters callbacks. libvirt removes each from the connection
    /// before telling the daemon, so on a dead connection they are gone
    /// even though the call reports the daemon's absence; that error is
    /// only logged. Their opaque pointers are released by libvirt once no
    /// dispatch of them runs any more.
    fn deregister(&self, registration: Registration) {
        let conn = registration.handle.with(&self.calls);
        for id in registration.ids {
            if let Err(e) = conn.deregister_domain_event(id) {
                debug!(id, error = %e.message(), "event callback deregistration reported an error");
            }
        }
    }

    /// One look at the connection by the watcher. `false` when it was dead
    /// and could not be reopened.
    fn check(&self) -> bool {
        let handle = self.current();
        if !handle.is_alive_uncounted() {
            return self
                .reopen(&handle, "the connection to libvirt was closed", true)
                .is_ok();
        }
        // Alive: make sure the callbacks are on it (a reopen whose
        // registration failed leaves that owed).
        let mut events = self.lock_events();
        let on_current = matches!(&events.registered,
            Some(r) if Arc::ptr_eq(&r.handle, &self.current()));
        if events.watching && !on_current {
            let current = self.current();
            self.reregister(&mut events, &current);
        }
        true
    }
}

impl Drop for Shared {
    /// Stops delivery: deregisters the callbacks (otherwise they would keep
    /// the connection open and the sink called) and drops the sink.
    fn drop(&mut self) {
        let registered = self.lock_events().registered.take();
        if let Some(registration) = registered {
            self.deregister(registration);
        }
        self.delivery.set_sink(None);
    }
}

/// The event watcher's loop: until the connection is dropped, checks it
/// every [`WATCH_INTERVAL`] and, while it cannot be reopened, waits with
/// backoff between attempts.
fn watch(shared: Weak<Shared>) {
    let mut backoff = MIN_BACKOFF;
    let mut wait = WATCH_INTERVAL;
    loop {
        thread::sleep(wait);
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if shared.check() {
            backoff = MIN_BACKOFF;
            wait = WATCH_INTERVAL;
        } else {
            debug!(uri = %shared.uri, wait_ms = backoff.as_millis() as u64,
                   "libvirt still unreachable; retrying");
            wait = backoff;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

/// [`open_connect`] on a thread of its own, given up after
/// [`OPEN_TIMEOUT`] with `Unavailable`: a libvirtd that accepts the socket
/// but never answers (stopped, stuck) would otherwise hold the caller, and
/// every caller queued behind it, for as long as it hangs. A given-up open
/// finishes on its thread whenever libvirtd answers, and closes what it
/// opened. The in-process test driver cannot hang and is opened directly.
fn open_bounded(uri: &str, calls: &AtomicU64) -> Result<Handle, HypervisorError> {
    if uri.starts_with("test:") {
        return open_connect(uri, calls);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = uri.to_owned();
    thread::Builder::new()
        .name("libvirt-open".into())
        .spawn(move || {
            let counted = AtomicU64::new(0);
            let opened = open_connect(&owned, &counted);
            // A receiver that gave up drops the connection here.
            let _ = tx.send((opened, counted.load(Ordering::Relaxed)));
        })
        .map_err(|e| {
            HypervisorError::failed(format!("cannot start a thread to open libvirt: {e}"))
        })?;
    match rx.recv_timeout(OPEN_TIMEOUT) {
        Ok((opened, n)) => {
            calls.fetch_add(n, Ordering::Relaxed);
            opened
        }
        Err(_) => {
            warn!(
                uri,
                timeout_s = OPEN_TIMEOUT.as_secs(),
                "libvirt did not answer the open in time"
            );
            Err(HypervisorError::new(
                HypervisorErrorKind::Unavailable,
                format!(
                    "libvirt at {uri} did not answer within {} s",
                    OPEN_TIMEOUT.as_secs()
                ),
            ))
        }
    }
}

/// Opens `uri` and enables keepalive where the driver supports it, counting
/// the calls on `calls`.
fn open_connect(uri: &str, calls: &AtomicU64) -> Result<Handle, HypervisorError> {
    let handle = Handle::open(uri, calls).map_err(|e| {
        let mut err = to_hypervisor_error(&e);
        // A connection that cannot be opened is unavailable, whatever the code.
        if err.kind == HypervisorErrorKind::Failed {
            err.kind = HypervisorErrorKind::Unavailable;
        }
        err
    })?;
    // The in-process test driver has no keepalive; everything else goes
    // through the remote driver, which does.
    if !uri.starts_with("test:") {
        match handle
            .with(calls)
            .set_keep_alive(KEEPALIVE_INTERVAL_SECS, KEEPALIVE_COUNT)
        {
            Ok(()) => debug!(uri, "libvirt keepalive enabled"),
            Err(e) => warn!(uri, error = %e.message(), "libvirt keepalive not enabled"),
        }
    }
    debug!(uri, "opened libvirt connection");
    Ok(handle)
}

/// Registers libvirt's default event loop and runs it on a background
/// thread, once per process. Keepalive and close detection on remote
/// connections depend on it, and it must exist before the first connection
/// is opened. Process-wide, so its libvirt calls are not counted.
fn ensure_event_loop() -> Result<(), HypervisorError> {
    static EVENT_LOOP: OnceLock<Result<(), String>> = OnceLock::new();
    EVENT_LOOP
        .get_or_init(|| {
            // libvirt otherwise prints every reported error to stderr,
            // including expected ones such as lookups that find nothing.
            virt::error::clear_error_callback();
            virt::event::event_register_default_impl()
                .map_err(|e| format!("cannot register the libvirt event loop: {}", e.message()))?;
            thread::Builder::new()
                .name("libvirt-event-loop".into())
                .spawn(|| loop {
                    if let Err(e) = virt::event::event_run_default_impl() {
                        warn!(error = %e.message(), "libvirt event loop iteration failed");
                        thread::sleep(Duration::from_millis(100));
                    }
                })
                .map(|_| ())
                .map_err(|e| format!("cannot start the libvirt event loop thread: {e}"))
        })
        .clone()
        .map_err(HypervisorError::failed)
}
