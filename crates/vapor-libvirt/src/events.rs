//! libvirt's domain events: see `connection.rs` (registration, the watcher,
//! reconnection) and `ffi_events.rs` (the callbacks and what they report).

use vapor_hypervisor::{EventBackend, EventSink, HypervisorError};

use crate::LibvirtHypervisor;

/// Lifecycle, reboot, device added/removed, job completed and metadata
/// change events of every domain, as [`vapor_hypervisor::DomainEvent`]s:
/// - lifecycle events keep libvirt's kind and give its detail in lower-case
///   snake case (`booted`, `destroyed`, `from_snapshot`, ...; an unknown
///   detail number gives `None`);
/// - device added and removed give the device's alias (`ua-...`, `net0`);
/// - reboot gives no detail;
/// - job completed gives the job's operation when libvirt says it
///   (`migration_out`, `migration_in`, `backup`, `snapshot`, ...), else none;
/// - metadata changed gives `description`, `title`, or for a `<metadata>`
///   element its namespace URI.
///
/// Costs six counted libvirt calls (one registration per event) on the
/// first call, and six more registrations (plus six deregistrations on the
/// dead connection) after each reconnection.
impl EventBackend for LibvirtHypervisor {
    fn watch_events(&self, sink: EventSink) -> Result<(), HypervisorError> {
        self.conn.watch_events(sink)
    }
}
