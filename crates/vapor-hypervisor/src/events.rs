//! Events: what a backend reports as it happens, without being asked.

use std::sync::Arc;

use crate::Result;

/// Something the backend reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HypervisorEvent {
    /// Something happened to a domain.
    Domain(DomainEvent),
    /// The connection to the backend was lost. Changes made until
    /// [`HypervisorEvent::Reconnected`] are not reported.
    Disconnected {
        /// Why, in the backend's words.
        reason: String,
    },
    /// A new connection is open and events flow again. Whatever changed
    /// while disconnected was not reported: readers should re-read.
    Reconnected,
}

/// One change to one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainEvent {
    /// The domain's UUID.
    pub uuid: String,
    /// The domain's name when the event happened.
    pub name: String,
    /// What happened.
    pub kind: DomainEventKind,
    /// Why or to what, in lower-case words: the reason of a lifecycle change
    /// (`booted`, `destroyed`, `shutdown`, `migrated`, `crashed`,
    /// `from_snapshot`, `added`, `updated`, `removed`, ...) or the alias of
    /// an added or removed device. `None` when the backend gives none.
    pub detail: Option<String>,
}

/// The kinds of [`DomainEvent`], named after libvirt's lifecycle events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainEventKind {
    /// A definition was added or replaced.
    Defined,
    /// The definition was removed.
    Undefined,
    /// The domain started running.
    Started,
    /// The domain's CPUs were paused.
    Suspended,
    /// The domain's CPUs run again after a pause.
    Resumed,
    /// The domain is no longer running.
    Stopped,
    /// The guest began to shut down (the domain is still running).
    Shutdown,
    /// The guest suspended itself to RAM or disk.
    PmSuspended,
    /// The guest crashed (a panic device reported it).
    Crashed,
    /// The guest rebooted (the domain kept running).
    Rebooted,
    /// A device was added to the running domain.
    DeviceAdded,
    /// A device was removed from the running domain.
    DeviceRemoved,
    /// A background job (migration, backup) on the domain ended.
    JobCompleted,
    /// The domain's metadata changed.
    MetadataChanged,
}

impl DomainEventKind {
    /// Every kind, in declaration order.
    pub const ALL: [DomainEventKind; 14] = [
        DomainEventKind::Defined,
        DomainEventKind::Undefined,
        DomainEventKind::Started,
        DomainEventKind::Suspended,
        DomainEventKind::Resumed,
        DomainEventKind::Stopped,
        DomainEventKind::Shutdown,
        DomainEventKind::PmSuspended,
        DomainEventKind::Crashed,
        DomainEventKind::Rebooted,
        DomainEventKind::DeviceAdded,
        DomainEventKind::DeviceRemoved,
        DomainEventKind::JobCompleted,
        DomainEventKind::MetadataChanged,
    ];

    /// The kind in lower-case snake case (`defined`, `device_added`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DomainEventKind::Defined => "defined",
            DomainEventKind::Undefined => "undefined",
            DomainEventKind::Started => "started",
            DomainEventKind::Suspended => "suspended",
            DomainEventKind::Resumed => "resumed",
            DomainEventKind::Stopped => "stopped",
            DomainEventKind::Shutdown => "shutdown",
            DomainEventKind::PmSuspended => "pm_suspended",
            DomainEventKind::Crashed => "crashed",
            DomainEventKind::Rebooted => "rebooted",
            DomainEventKind::DeviceAdded => "device_added",
            DomainEventKind::DeviceRemoved => "device_removed",
            DomainEventKind::JobCompleted => "job_completed",
            DomainEventKind::MetadataChanged => "metadata_changed",
        }
    }
}

/// Where a backend delivers its events. Called on the backend's own thread,
/// one event at a time, in the order the backend reports them; it must
/// return quickly and never call back into the backend.
pub type EventSink = Arc<dyn Fn(HypervisorEvent) + Send + Sync>;

/// Reporting events.
pub trait EventBackend {
    /// Delivers every event from now on to `sink`, until the backend is
    /// dropped. A backend that reconnects re-registers on the new connection
    /// and reports [`HypervisorEvent::Disconnected`] and
    /// [`HypervisorEvent::Reconnected`] around the gap. Called at most once
    /// per backend; a second call replaces the sink.
    fn watch_events(&self, sink: EventSink) -> Result<()>;
}
