//! Following the event stream: one subscriber's filtered view of
//! [`crate::events::EventBus`], replayed from an id, live after that.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use super::Vapor;
use crate::error::{Error, Result};
use crate::events::{Event, EventBus, EventFilter, Replay};

/// How long a quiet stream waits before it sends a keepalive.
pub const KEEPALIVE: Duration = Duration::from_secs(15);

/// What a client asked to follow.
#[derive(Debug, Clone, Default)]
pub struct EventsRequest {
    /// A VM's UUID or name.
    pub vm: Option<String>,
    /// Comma-separated event types or `prefix.*` patterns.
    pub types: Option<String>,
    /// Replay from after this id (the `Last-Event-ID` header or `after`).
    pub after: Option<String>,
}

/// One item of a subscriber's stream.
#[derive(Debug, Clone)]
pub enum StreamItem {
    Event(Arc<Event>),
    /// Events after the client's id are gone; `last_id` is the newest now.
    Resync {
        last_id: u64,
        message: String,
    },
    /// Nothing happened for a while.
    Keepalive,
}

impl Vapor {
    /// Starts a subscriber's stream: what it missed after `after`, then live
    /// events, filtered, with a keepalive when quiet. The stream ends when
    /// the receiver is dropped.
    pub async fn watch_events(&self, request: EventsRequest) -> Result<mpsc::Receiver<StreamItem>> {
        let after = match request.after.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) => Some(id.parse::<u64>().map_err(|_| {
                Error::invalid(
                    "Last-Event-ID",
                    format!("'{id}' is not an event id; ids are the integers of the `id:` lines"),
                )
            })?),
        };
        let types = request
            .types
            .as_deref()
            .map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut filter = EventFilter {
            vm: Vec::new(),
            types,
        };
        filter
            .validate()
            .map_err(|message| Error::invalid("types", message))?;
        if let Some(vm) = request.vm.filter(|v| !v.is_empty()) {
            // A VM that exists is followed by UUID and name alike; one that
            // does not (yet) by what the client gave.
            if let Ok(domain) = self.get_vm(&vm).await {
                filter.vm = vec![domain.uuid, domain.name];
            } else {
                filter.vm = vec![vm];
            }
        }
        let (tx, rx) = mpsc::channel(256);
        let stopped = self.stopped();
        let bus = self.events().clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = forward(bus, filter, after, tx) => {}
                _ = stopped => {}
            }
        });
        Ok(rx)
    }
}

/// Sends the subscriber's replay, then its live events, until it leaves.
/// Falling behind the live channel is recovered from the replay buffer, as
/// a reconnect would be, so nothing is skipped or repeated.
async fn forward(
    bus: Arc<EventBus>,
    filter: EventFilter,
    after: Option<u64>,
    tx: mpsc::Sender<StreamItem>,
) {
    let mut from = after;
    loop {
        let subscription = bus.subscribe(from);
        // The newest id this subscriber has been given or passed over.
        let mut last = from.unwrap_or(subscription.last_id);
        let mut live = subscription.live;
        match subscription.replay {
            Replay::Events(events) => {
                for event in events {
                    last = event.id;
                    if filter.matches(&event) && tx.send(StreamItem::Event(event)).await.is_err() {
                        return;
                    }
                }
            }
            Replay::Resync { last_id } => {
                last = last_id;
                let message = match from {
                    Some(id) => format!(
                        "the events after {id} are no longer held; re-read the state you follow"
                    ),
                    None => "events were missed; re-read the state you follow".to_owned(),
                };
                if tx
                    .send(StreamItem::Resync { last_id, message })
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        loop {
            tokio::select! {
                received = live.recv() => match received {
                    Ok(event) => {
                        if event.id <= last {
                            continue;
                        }
                        last = event.id;
                        if filter.matches(&event)
                            && tx.send(StreamItem::Event(event)).await.is_err()
                        {
                            return;
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        from = Some(last);
                        break;
                    }
                    Err(RecvError::Closed) => return,
                },
                _ = tokio::time::sleep(KEEPALIVE) => {
                    if tx.send(StreamItem::Keepalive).await.is_err() {
                        return;
                    }
                }
                _ = tx.closed() => return,
            }
        }
    }
}
