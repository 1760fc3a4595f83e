//! The event stream: what happened to VMs, to operations and to the backend
//! connection, numbered, kept in a bounded buffer for replay, and fanned out
//! to every subscriber.
//!
//! Invariants:
//! - Ids increase by one per event. The first id of a process is the Unix
//!   time in microseconds when it started, so ids keep increasing across
//!   restarts and an id from an earlier process is recognisably old.
//! - Numbering, buffering and sending to live subscribers happen under one
//!   lock, so a subscriber that takes its replay and its live receiver under
//!   that lock sees every later event exactly once, in order.
//! - A subscriber whose last id the buffer no longer holds (or never held)
//!   is told so with [`Replay::Resync`], never handed a silent gap.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;
use vapor_hypervisor::{DomainEventKind, HypervisorEvent};

use crate::db::{now, OperationRow};
use crate::operations::OperationStatus;

/// The default number of events kept for replay (`[events] replay_buffer`).
pub const DEFAULT_REPLAY_BUFFER: usize = 1024;

/// How far a live subscriber may fall behind before it must catch up from
/// the replay buffer.
const LIVE_CHANNEL: usize = 1024;

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A VM changed, as the backend reported it.
    Vm(DomainEventKind),
    /// An operation was started.
    OperationCreated,
    /// An operation's phase or whole percentage changed.
    OperationProgress,
    /// An operation ended, with the status it ended in.
    OperationEnded(OperationStatus),
    /// The connection to the backend was lost.
    HypervisorDisconnected,
    /// The connection to the backend is back; state may have changed unseen.
    HypervisorReconnected,
}

/// Every event type name, as clients see and filter it.
pub const EVENT_TYPES: &[&str] = &[
    "vm.defined",
    "vm.undefined",
    "vm.started",
    "vm.paused",
    "vm.resumed",
    "vm.stopped",
    "vm.shutting_down",
    "vm.pm_suspended",
    "vm.crashed",
    "vm.rebooted",
    "vm.device_added",
    "vm.device_removed",
    "vm.job_completed",
    "vm.metadata_changed",
    "operation.created",
    "operation.progress",
    "operation.succeeded",
    "operation.failed",
    "operation.cancelled",
    "hypervisor.disconnected",
    "hypervisor.reconnected",
];

/// The type of the event that tells a subscriber it missed events.
pub const RESYNC: &str = "resync";

impl EventKind {
    /// The type name clients see (one of [`EVENT_TYPES`]).
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Vm(kind) => match kind {
                DomainEventKind::Defined => "vm.defined",
                DomainEventKind::Undefined => "vm.undefined",
                DomainEventKind::Started => "vm.started",
                DomainEventKind::Suspended => "vm.paused",
                DomainEventKind::Resumed => "vm.resumed",
                DomainEventKind::Stopped => "vm.stopped",
                DomainEventKind::Shutdown => "vm.shutting_down",
                DomainEventKind::PmSuspended => "vm.pm_suspended",
                DomainEventKind::Crashed => "vm.crashed",
                DomainEventKind::Rebooted => "vm.rebooted",
                DomainEventKind::DeviceAdded => "vm.device_added",
                DomainEventKind::DeviceRemoved => "vm.device_removed",
                DomainEventKind::JobCompleted => "vm.job_completed",
                DomainEventKind::MetadataChanged => "vm.metadata_changed",
            },
            EventKind::OperationCreated => "operation.created",
            EventKind::OperationProgress => "operation.progress",
            EventKind::OperationEnded(OperationStatus::Succeeded) => "operation.succeeded",
            EventKind::OperationEnded(OperationStatus::Cancelled) => "operation.cancelled",
            EventKind::OperationEnded(_) => "operation.failed",
            EventKind::HypervisorDisconnected => "hypervisor.disconnected",
            EventKind::HypervisorReconnected => "hypervisor.reconnected",
        }
    }
}

/// The VM an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventVm {
    pub uuid: String,
    pub name: String,
}

/// One numbered event.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: u64,
    /// When Vapor received it (RFC 3339, UTC).
    pub time: String,
    pub kind: EventKind,
    /// For `vm.*` events.
    pub vm: Option<EventVm>,
    /// The backend's reason or device alias for `vm.*` events.
    pub detail: Option<String>,
    /// For `operation.*` events: the operation as it is now.
    pub operation: Option<OperationRow>,
    /// For `hypervisor.*` events: what happened, in words.
    pub message: Option<String>,
}

/// Which events a subscriber wants.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// One VM's identifiers (its UUID, its name): its `vm.*` events and the
    /// operations that target it. Empty: every VM.
    pub vm: Vec<String>,
    /// Type names (`vm.started`) or prefixes ending in `.*` (`vm.*`).
    /// Empty: every type.
    pub types: Vec<String>,
}

impl EventFilter {
    /// Checks that every type is known; the error names the first one that is not.
    pub fn validate(&self) -> std::result::Result<(), String> {
        for t in &self.types {
            let known = match t.strip_suffix(".*") {
                Some(prefix) => EVENT_TYPES
                    .iter()
                    .any(|name| name.split('.').next() == Some(prefix)),
                None => EVENT_TYPES.contains(&t.as_str()),
            };
            if !known {
                return Err(format!(
                    "unknown event type '{t}'; types are {} or a prefix such as 'vm.*'",
                    EVENT_TYPES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Whether `event` passes the filter.
    pub fn matches(&self, event: &Event) -> bool {
        let name = event.kind.name();
        let type_ok = self.types.is_empty()
            || self.types.iter().any(|t| match t.strip_suffix(".*") {
                Some(prefix) => name
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.')),
                None => t == name,
            });
        let is_wanted = |s: &String| self.vm.contains(s);
        let vm_ok = self.vm.is_empty()
            || event
                .vm
                .as_ref()
                .is_some_and(|vm| is_wanted(&vm.uuid) || is_wanted(&vm.name))
            || event
                .operation
                .as_ref()
                .is_some_and(|op| is_wanted(&op.target));
        type_ok && vm_ok
    }
}

/// What a new subscriber missed since the id it gave.
#[derive(Debug)]
pub enum Replay {
    /// These events, oldest first (possibly none).
    Events(Vec<Arc<Event>>),
    /// The buffer does not hold what followed the given id: the subscriber
    /// must re-read the state it cares about. `last_id` is the newest id now.
    Resync { last_id: u64 },
}

/// A subscriber's start: what it missed, then everything live.
pub struct Subscription {
    pub replay: Replay,
    /// The newest id when the subscription started: every live event is newer.
    pub last_id: u64,
    pub live: broadcast::Receiver<Arc<Event>>,
}

struct Ring {
    /// The id the next event gets.
    next_id: u64,
    capacity: usize,
    events: VecDeque<Arc<Event>>,
}

/// Numbers, buffers and fans out events. Cheap to share.
pub struct EventBus {
    ring: Mutex<Ring>,
    live: broadcast::Sender<Arc<Event>>,
}

impl EventBus {
    /// A bus keeping the last `capacity` events (at least one) for replay.
    pub fn new(capacity: usize) -> Self {
        let first_id = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 2))
            .unwrap_or(1);
        Self::starting_at(first_id, capacity)
    }

    fn starting_at(first_id: u64, capacity: usize) -> Self {
        let (live, _) = broadcast::channel(LIVE_CHANNEL);
        EventBus {
            ring: Mutex::new(Ring {
                next_id: first_id.max(1),
                capacity: capacity.max(1),
                events: VecDeque::new(),
            }),
            live,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The newest id given out (one less than the first id when none was).
    pub fn last_id(&self) -> u64 {
        self.lock().next_id - 1
    }

    /// Numbers `event` (its `id` and `time` are set here), keeps it for
    /// replay and sends it to live subscribers. Returns its id.
    pub fn publish(&self, mut event: Event) -> u64 {
        let mut ring = self.lock();
        event.id = ring.next_id;
        event.time = now();
        ring.next_id += 1;
        let event = Arc::new(event);
        if ring.events.len() == ring.capacity {
            ring.events.pop_front();
        }
        ring.events.push_back(event.clone());
        // No live subscriber is not an error.
        let _ = self.live.send(event);
        ring.next_id - 1
    }

    /// Publishes what the backend reported.
    pub fn publish_hypervisor(&self, event: HypervisorEvent) {
        let event = match event {
            HypervisorEvent::Domain(d) => Event {
                vm: Some(EventVm {
                    uuid: d.uuid,
                    name: d.name,
                }),
                detail: d.detail,
                ..Event::blank(EventKind::Vm(d.kind))
            },
            HypervisorEvent::Disconnected { reason } => Event {
                message: Some(reason),
                ..Event::blank(EventKind::HypervisorDisconnected)
            },
            HypervisorEvent::Reconnected => Event {
                message: Some(
                    "reconnected to the backend; state may have changed while it was unreachable"
                        .to_owned(),
                ),
                ..Event::blank(EventKind::HypervisorReconnected)
            },
        };
        self.publish(event);
    }

    /// Publishes an operation's change.
    pub fn publish_operation(&self, kind: EventKind, row: &OperationRow) {
        self.publish(Event {
            operation: Some(row.clone()),
            ..Event::blank(kind)
        });
    }

    /// Starts a subscription after event `after` (`None`: from now on).
    pub fn subscribe(&self, after: Option<u64>) -> Subscription {
        let ring = self.lock();
        let live = self.live.subscribe();
        let last_id = ring.next_id - 1;
        let replay = match after {
            None => Replay::Events(Vec::new()),
            Some(after) if after == last_id => Replay::Events(Vec::new()),
            Some(after) if after > last_id => Replay::Resync { last_id },
            Some(after) => match ring.events.front() {
                // The buffer holds every event after `after`.
                Some(oldest) if oldest.id <= after + 1 => Replay::Events(
                    ring.events
                        .iter()
                        .filter(|e| e.id > after)
                        .cloned()
                        .collect(),
                ),
                _ => Replay::Resync { last_id },
            },
        };
        Subscription {
            replay,
            last_id,
            live,
        }
    }
}

impl Event {
    /// An event of `kind` with nothing else set; `publish` numbers it.
    pub fn blank(kind: EventKind) -> Self {
        Event {
            id: 0,
            time: String::new(),
            kind,
            vm: None,
            detail: None,
            operation: None,
            message: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::DomainEvent;

    fn vm_event(kind: DomainEventKind, name: &str) -> HypervisorEvent {
        HypervisorEvent::Domain(DomainEvent {
            uuid: format!("uuid-{name}"),
            name: name.to_owned(),
            kind,
            detail: None,
        })
    }

    fn ids(replay: &Replay) -> Vec<u64> {
        match replay {
            Replay::Events(events) => events.iter().map(|e| e.id).collect(),
            Replay::Resync { .. } => panic!("unexpected resync"),
        }
    }

    #[test]
    fn ids_increase_by_one_from_the_first() {
        let bus = EventBus::starting_at(100, 8);
        assert_eq!(bus.last_id(), 99);
        for _ in 0..3 {
            bus.publish_hypervisor(vm_event(DomainEventKind::Started, "a"));
        }
        assert_eq!(bus.last_id(), 102);
        assert_eq!(ids(&bus.subscribe(Some(99)).replay), vec![100, 101, 102]);
        assert_eq!(ids(&bus.subscribe(Some(101)).replay), vec![102]);
        assert_eq!(ids(&bus.subscribe(Some(102)).replay), Vec::<u64>::new());
        assert_eq!(ids(&bus.subscribe(None).replay), Vec::<u64>::new());
    }

    #[test]
    fn an_id_the_buffer_no_longer_holds_asks_for_a_resync() {
        let bus = EventBus::starting_at(1, 2);
        for _ in 0..5 {
            bus.publish_hypervisor(vm_event(DomainEventKind::Started, "a"));
        }
        // Holds 4 and 5: after 3 is complete, after 2 is not.
        assert_eq!(ids(&bus.subscribe(Some(3)).replay), vec![4, 5]);
        assert!(matches!(
            bus.subscribe(Some(2)).replay,
            Replay::Resync { last_id: 5 }
        ));
        // An id from the future (another process) is unknown.
        assert!(matches!(
            bus.subscribe(Some(99)).replay,
            Replay::Resync { last_id: 5 }
        ));
    }

    #[test]
    fn a_restart_makes_old_ids_unknown() {
        let bus = EventBus::new(8);
        let before = bus.last_id();
        assert!(matches!(
            bus.subscribe(Some(before - 10)).replay,
            Replay::Resync { .. }
        ));
    }

    #[tokio::test]
    async fn live_subscribers_see_later_events_in_order() {
        let bus = EventBus::starting_at(1, 8);
        let mut sub = bus.subscribe(None);
        bus.publish_hypervisor(vm_event(DomainEventKind::Defined, "a"));
        bus.publish_hypervisor(vm_event(DomainEventKind::Started, "a"));
        let first = sub.live.recv().await.unwrap();
        let second = sub.live.recv().await.unwrap();
        assert_eq!((first.id, first.kind.name()), (1, "vm.defined"));
        assert_eq!((second.id, second.kind.name()), (2, "vm.started"));
    }

    #[test]
    fn filters_by_type_prefix_and_vm() {
        let bus = EventBus::starting_at(1, 8);
        bus.publish_hypervisor(vm_event(DomainEventKind::Started, "a"));
        bus.publish_hypervisor(vm_event(DomainEventKind::Stopped, "b"));
        let Replay::Events(events) = bus.subscribe(Some(0)).replay else {
            panic!("resync")
        };
        let by_vm = EventFilter {
            vm: vec!["uuid-b".into()],
            types: vec![],
        };
        assert!(!by_vm.matches(&events[0]) && by_vm.matches(&events[1]));
        let by_name = EventFilter {
            vm: vec!["a".into(), "uuid-a".into()],
            types: vec!["vm.*".into()],
        };
        assert!(by_name.matches(&events[0]) && !by_name.matches(&events[1]));
        let by_type = EventFilter {
            vm: vec![],
            types: vec!["vm.stopped".into()],
        };
        assert!(!by_type.matches(&events[0]) && by_type.matches(&events[1]));
        let ops = EventFilter {
            vm: vec![],
            types: vec!["operation.*".into()],
        };
        assert!(!ops.matches(&events[0]));
        assert!(ops.validate().is_ok());
        for bad in ["vm", "vm.start", "nope.*", ""] {
            let f = EventFilter {
                vm: vec![],
                types: vec![bad.into()],
            };
            assert!(f.validate().is_err(), "{bad}");
        }
    }
}
