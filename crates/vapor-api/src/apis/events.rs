use async_trait::async_trait;
use axum::extract::*;
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use headers::Host;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::{models, types::*};

#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum EventsStreamResponse {
    /// The stream of events; each `data:` line is an `Event`.
    Status200_TheStreamOfEvents(models::SSE),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
}

/// Events
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Events<E: std::fmt::Debug + Send + Sync + 'static = ()>: super::ErrorHandler<E> {
    type Claims;

    /// What happens to VMs, operations and the backend connection, as Server-Sent Events..
    ///
    /// EventsStream - GET /api/v1/events
    async fn events_stream(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::EventsStreamHeaderParams,
        query_params: &models::EventsStreamQueryParams,
    ) -> Result<EventsStreamResponse, E>;
}
