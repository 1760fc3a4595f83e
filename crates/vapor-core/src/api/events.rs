//! `GET /events`: the event stream as Server-Sent Events.

use std::convert::Infallible;
use std::str::FromStr;

use async_trait::async_trait;
use axum::response::sse;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use tokio::sync::mpsc;
use vapor_api::apis::events::{Events, EventsStreamResponse};
use vapor_api::models;

use super::{convert, VaporApi};
use crate::app::{EventsRequest, StreamItem};
use crate::auth::Principal;
use crate::error::Error;
use crate::events::{Event, RESYNC};

#[async_trait]
impl Events<Error> for VaporApi {
    type Claims = Principal;

    async fn events_stream(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Principal,
        header: &models::EventsStreamHeaderParams,
        query: &models::EventsStreamQueryParams,
    ) -> Result<EventsStreamResponse, Error> {
        let items = self
            .app
            .watch_events(EventsRequest {
                vm: query.vm.clone(),
                types: query.types.clone(),
                after: header.last_event_id.clone().or_else(|| query.after.clone()),
            })
            .await?;
        Ok(EventsStreamResponse::Status200_TheStreamOfEvents(
            sse_stream(items),
        ))
    }
}

fn sse_stream(mut items: mpsc::Receiver<StreamItem>) -> models::SSE {
    Box::pin(futures_util::stream::poll_fn(move |cx| {
        items
            .poll_recv(cx)
            .map(|item| item.map(|i| Ok::<_, Infallible>(sse_event(i))))
    }))
}

fn sse_event(item: StreamItem) -> sse::Event {
    match item {
        StreamItem::Event(event) => sse::Event::default()
            .id(event.id.to_string())
            .event(event.kind.name())
            .data(serde_json::to_string(&wire_event(&event)).unwrap_or_default()),
        StreamItem::Resync { last_id, message } => sse::Event::default()
            .id(last_id.to_string())
            .event(RESYNC)
            .data(
                serde_json::to_string(&models::Event {
                    id: wire_id(last_id),
                    r_type: models::EventType::Resync,
                    time: chrono::Utc::now(),
                    vm: None,
                    detail: None,
                    operation: None,
                    message: Some(message),
                })
                .unwrap_or_default(),
            ),
        StreamItem::Keepalive => sse::Event::default().comment("keepalive"),
    }
}

fn wire_event(event: &Event) -> models::Event {
    models::Event {
        id: wire_id(event.id),
        // Every name in `EVENT_TYPES` is in the spec's enum (a unit test checks).
        r_type: models::EventType::from_str(event.kind.name()).unwrap_or(models::EventType::Resync),
        time: convert::timestamp(&event.time).unwrap_or_else(chrono::Utc::now),
        vm: event.vm.as_ref().map(|vm| models::EventVm {
            uuid: uuid::Uuid::parse_str(&vm.uuid).unwrap_or_default(),
            name: vm.name.clone(),
        }),
        detail: event.detail.clone(),
        operation: event.operation.as_ref().map(convert::operation),
        message: event.message.clone(),
    }
}

fn wire_id(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EVENT_TYPES;

    #[test]
    fn every_event_type_is_in_the_spec() {
        for name in EVENT_TYPES.iter().chain([RESYNC].iter()) {
            let parsed = models::EventType::from_str(name)
                .unwrap_or_else(|_| panic!("{name} is not an EventType of the spec"));
            assert_eq!(parsed.to_string(), *name);
        }
    }
}
