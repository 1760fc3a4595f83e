//! The long-lived libvirt connection, its event loop, and reconnecting.
//!
//! One `virConnect` serves every thread: libvirt connections are thread-safe,
//! and the remote driver multiplexes concurrent calls over one socket. The
//! connection sits behind an `RwLock<Arc<Connect>>` whose read lock is held
//! only long enough to clone the `Arc`, so calls never wait on each other
//! here. When libvirtd goes away (restart, crash), the connection is dead for
//! good; [`Connection::call`] notices, opens a new one, and retries once.

use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::thread;
use std::time::Duration;

use tracing::{debug, info, warn};
use vapor_hypervisor::{HypervisorError, HypervisorErrorKind};
use virt::connect::Connect;

use crate::error::{to_hypervisor_error, Error, Result};

/// Seconds between keepalive probes on remote connections.
const KEEPALIVE_INTERVAL_SECS: i32 = 5;
/// Unanswered probes after which libvirt closes the connection.
const KEEPALIVE_COUNT: u32 = 3;

/// A libvirt connection that reopens itself after libvirtd restarts.
pub(crate) struct Connection {
    uri: String,
    current: RwLock<Arc<Connect>>,
    /// Serialises reopening only; ordinary calls never take it.
    reopening: Mutex<()>,
}

impl Connection {
    /// Starts the event loop (once per process) and opens `uri`.
    pub(crate) fn open(uri: &str) -> Result<Self, HypervisorError> {
        ensure_event_loop()?;
        let conn = open_connect(uri)?;
        Ok(Self {
            uri: uri.to_string(),
            current: RwLock::new(Arc::new(conn)),
            reopening: Mutex::new(()),
        })
    }

    /// The URI this connection was opened with.
    pub(crate) fn uri(&self) -> &str {
        &self.uri
    }

    /// The connection in use now.
    fn current(&self) -> Arc<Connect> {
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
    pub(crate) fn call<T>(&self, op: impl Fn(&Connect) -> Result<T>) -> Result<T, HypervisorError> {
        let mut conn = self.current();
        if !is_alive(&conn) {
            conn = self.reopen(&conn)?;
        }
        match op(&conn) {
            Ok(value) => Ok(value),
            Err(err) if is_alive(&conn) => Err(err.into_hypervisor()),
            Err(err) => {
                warn!(uri = %self.uri, error = %err.into_hypervisor(),
                      "libvirt connection lost; reconnecting and retrying once");
                let conn = self.reopen(&conn)?;
                op(&conn).map_err(Error::into_hypervisor)
            }
        }
    }

    /// Replaces the dead connection `dead` with a fresh one, unless another
    /// thread already did.
    fn reopen(&self, dead: &Arc<Connect>) -> Result<Arc<Connect>, HypervisorError> {
        let _guard = self
            .reopening
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.current();
        if !Arc::ptr_eq(&current, dead) && is_alive(&current) {
            return Ok(current);
        }
        let fresh = Arc::new(open_connect(&self.uri)?);
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

/// Whether libvirt still considers the connection usable. Local check only
/// (no round trip to the daemon).
fn is_alive(conn: &Connect) -> bool {
    conn.is_alive().unwrap_or(false)
}

/// Opens `uri` and enables keepalive where the driver supports it.
fn open_connect(uri: &str) -> Result<Connect, HypervisorError> {
    let conn = Connect::open(Some(uri)).map_err(|e| {
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
        match conn.set_keep_alive(KEEPALIVE_INTERVAL_SECS, KEEPALIVE_COUNT) {
            Ok(()) => debug!(uri, "libvirt keepalive enabled"),
            Err(e) => warn!(uri, error = %e.message(), "libvirt keepalive not enabled"),
        }
    }
    debug!(uri, "opened libvirt connection");
    Ok(conn)
}

/// Registers libvirt's default event loop and runs it on a background
/// thread, once per process. Keepalive and close detection on remote
/// connections depend on it, and it must exist before the first connection
/// is opened.
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
