//! The long-lived libvirt connection, its event loop, and reconnecting.
//!
//! One `virConnect` serves every thread: libvirt connections are thread-safe,
//! and the remote driver multiplexes concurrent calls over one socket. The
//! connection sits behind an `RwLock<Arc<Connect>>` whose read lock is held
//! only long enough to clone the `Arc`, so calls never wait on each other
//! here. When libvirtd goes away (restart, crash), the connection is dead for
//! good; [`Connection::call`] notices, opens a new one, and retries once.
//!
//! The connection also owns the instance's libvirt call counter: every call
//! made through it, including opening and liveness checks, is counted (see
//! `counted.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::thread;
use std::time::Duration;

use tracing::{debug, info, warn};
use vapor_hypervisor::{HypervisorError, HypervisorErrorKind};

use crate::counted::{Conn, Handle};
use crate::error::{to_hypervisor_error, Error, Result};

/// Seconds between keepalive probes on remote connections.
const KEEPALIVE_INTERVAL_SECS: i32 = 5;
/// Unanswered probes after which libvirt closes the connection.
const KEEPALIVE_COUNT: u32 = 3;

/// A libvirt connection that reopens itself after libvirtd restarts.
pub(crate) struct Connection {
    uri: String,
    current: RwLock<Arc<Handle>>,
    /// libvirt calls made through this connection, reopened ones included.
    calls: AtomicU64,
    /// Serialises reopening only; ordinary calls never take it.
    reopening: Mutex<()>,
}

impl Connection {
    /// Starts the event loop (once per process) and opens `uri`.
    pub(crate) fn open(uri: &str) -> Result<Self, HypervisorError> {
        ensure_event_loop()?;
        let calls = AtomicU64::new(0);
        let handle = open_connect(uri, &calls)?;
        Ok(Self {
            uri: uri.to_string(),
            current: RwLock::new(Arc::new(handle)),
            calls,
            reopening: Mutex::new(()),
        })
    }

    /// The URI this connection was opened with.
    pub(crate) fn uri(&self) -> &str {
        &self.uri
    }

    /// The libvirt calls made through this connection so far.
    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The connection in use now.
    fn current(&self) -> Arc<Handle> {
        let guard = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(&guard)
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
        let mut handle = self.current();
        if !self.is_alive(&handle) {
            handle = self.reopen(&handle)?;
        }
        match op(&handle.with(&self.calls)) {
            Ok(value) => Ok(value),
            Err(err) if self.is_alive(&handle) => Err(err.into_hypervisor()),
            Err(err) => {
                warn!(uri = %self.uri, error = %err.into_hypervisor(),
                      "libvirt connection lost; reconnecting and retrying once");
                let handle = self.reopen(&handle)?;
                op(&handle.with(&self.calls)).map_err(Error::into_hypervisor)
            }
        }
    }

    /// Whether libvirt still considers the connection usable. Local check
    /// only (no round trip to the daemon).
    fn is_alive(&self, handle: &Handle) -> bool {
        handle.with(&self.calls).is_alive().unwrap_or(false)
    }

    /// Replaces the dead connection `dead` with a fresh one, unless another
    /// thread already did.
    fn reopen(&self, dead: &Arc<Handle>) -> Result<Arc<Handle>, HypervisorError> {
        let _guard = self
            .reopening
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.current();
        if !Arc::ptr_eq(&current, dead) && self.is_alive(&current) {
            return Ok(current);
        }
        let fresh = Arc::new(open_connect(&self.uri, &self.calls)?);
        {
            let mut slot = self
                .current
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *slot = Arc::clone(&fresh);
        }
        info!(uri = %self.uri, "reconnected to libvirt");
        // The old connection closes when its last in-flight user drops it.
        Ok(fresh)
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
