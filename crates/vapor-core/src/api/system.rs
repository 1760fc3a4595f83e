use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis::system::{HealthGetResponse, MetricsPrometheusResponse, System};
use vapor_api::models;

use super::{nullable, success, VaporApi};
use crate::error::Error;

#[async_trait]
impl System<Error> for VaporApi {
    type Claims = crate::auth::Principal;

    /// Always 200 while the process serves requests; `status` says whether the backend answers.
    async fn health_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
    ) -> Result<HealthGetResponse, Error> {
        let version = self.app.settings().version.clone();
        let health = match self.app.host_info().await {
            Ok(info) => models::Health {
                status: "ok".into(),
                version,
                backend: info.backend,
                uri: info.uri,
                hypervisor: nullable(Some(info.hypervisor)),
                libvirt_version: nullable(info.libvirt_version),
            },
            Err(err) => {
                tracing::warn!(error = %err, "health: backend does not answer");
                models::Health {
                    status: "degraded".into(),
                    version,
                    backend: "unknown".into(),
                    uri: String::new(),
                    hypervisor: nullable(None),
                    libvirt_version: nullable(None),
                }
            }
        };
        let (status, error) = success();
        Ok(HealthGetResponse::Status200_TheServiceIsUp(
            models::HealthEnvelope {
                status,
                data: health,
                error,
            },
        ))
    }

    /// Served by a route of the HTTP layer (`crates/vapor/src/prometheus.rs`)
    /// placed ahead of the generated router, which also reads the service's
    /// own request metrics and sets the exposition format's version in the
    /// content type. No request reaches this method.
    async fn metrics_prometheus(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
    ) -> Result<MetricsPrometheusResponse, Error> {
        Err(Error::Internal {
            context: "the metrics are served by the HTTP layer, ahead of this router".into(),
            source: None,
        })
    }
}
