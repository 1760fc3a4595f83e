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

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum MetricsPrometheusResponse {
    /// The metrics.
    Status200_TheMetrics(String),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

/// System
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait System<E: std::fmt::Debug + Send + Sync + 'static = ()>: super::ErrorHandler<E> {
    type Claims;

    /// Liveness and backend facts. Needs no token..
    ///
    /// HealthGet - GET /api/v1/health
    async fn health_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
    ) -> Result<HealthGetResponse, E>;

    /// Every VM's and the service's own metrics for Prometheus. Not JSON..
    ///
    /// MetricsPrometheus - GET /api/v1/metrics
    async fn metrics_prometheus(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
    ) -> Result<MetricsPrometheusResponse, E>;
}
