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
pub enum MigrationStartResponse {
    /// Migration started.
    Status202_MigrationStarted(models::MigrationEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Forbidden (the token's scope does not allow this request; code `FORBIDDEN`).
    Status403_Forbidden(models::ErrorEnvelope),
    /// Not found.
    Status404_NotFound(models::ErrorEnvelope),
    /// Conflict (the object's state or another request).
    Status409_Conflict(models::ErrorEnvelope),
    /// Precondition failed (`If-Match` names none of the object's current entity tags; code `PRECONDITION_FAILED`). Nothing was changed.
    Status412_PreconditionFailed(models::ErrorEnvelope),
    /// Unsupported media type.
    Status415_UnsupportedMediaType(models::ErrorEnvelope),
    /// Unprocessable (well formed, but not possible here).
    Status422_Unprocessable(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum MigrationStatusGetResponse {
    /// The running or last migration of this VM.
    Status200_TheRunningOrLastMigrationOfThisVM(models::MigrationEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not found.
    Status404_NotFound(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

/// Migration
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Migration<E: std::fmt::Debug + Send + Sync + 'static = ()>:
    super::ErrorHandler<E>
{
    type Claims;

    /// MigrationStart - POST /api/v1/virtualization/virtualmachines/{id}/migrate
    async fn migration_start(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::MigrationStartHeaderParams,
        path_params: &models::MigrationStartPathParams,
        body: &models::MigrationRequest,
    ) -> Result<MigrationStartResponse, E>;

    /// MigrationStatusGet - GET /api/v1/virtualization/virtualmachines/{id}/migration/status
    async fn migration_status_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::MigrationStatusGetPathParams,
        query_params: &models::MigrationStatusGetQueryParams,
    ) -> Result<MigrationStatusGetResponse, E>;
}
