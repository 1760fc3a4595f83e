use async_trait::async_trait;
use axum::extract::*;
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use headers::Host;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::{models, types::*};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum HealthGetResponse {
    /// The service is up.
    Status200_TheServiceIsUp(models::HealthEnvelope),
}

/// System
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait System<E: std::fmt::Debug + Send + Sync + 'static = ()>: super::ErrorHandler<E> {
    /// Liveness and backend facts. Needs no token..
    ///
    /// HealthGet - GET /api/v1/health
    async fn health_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
    ) -> Result<HealthGetResponse, E>;
}
