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
pub enum BackupCreateResponse {
    /// Backup started; the operation tracks it.
    Status202_BackupStarted(models::OperationEnvelope),
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
pub enum BackupDeleteResponse {
    /// Deleted with its files.
    Status204_DeletedWithItsFiles,
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
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum BackupListResponse {
    /// Backups of this VM.
    Status200_BackupsOfThisVM(models::BackupListEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not found.
    Status404_NotFound(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum BackupRestoreResponse {
    /// Restore started; the operation tracks it.
    Status202_RestoreStarted(models::OperationEnvelope),
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
    /// Unsupported media type.
    Status415_UnsupportedMediaType(models::ErrorEnvelope),
    /// Unprocessable (well formed, but not possible here).
    Status422_Unprocessable(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

/// Backups
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Backups<E: std::fmt::Debug + Send + Sync + 'static = ()>: super::ErrorHandler<E> {
    type Claims;

    /// BackupCreate - POST /api/v1/virtualization/virtualmachines/{id}/backups
    async fn backup_create(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::BackupCreateHeaderParams,
        path_params: &models::BackupCreatePathParams,
        body: &models::BackupCreateRequest,
    ) -> Result<BackupCreateResponse, E>;

    /// BackupDelete - DELETE /api/v1/virtualization/virtualmachines/backups/{backup_id}
    async fn backup_delete(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::BackupDeletePathParams,
        query_params: &models::BackupDeleteQueryParams,
    ) -> Result<BackupDeleteResponse, E>;

    /// BackupList - GET /api/v1/virtualization/virtualmachines/{id}/backups
    async fn backup_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::BackupListPathParams,
    ) -> Result<BackupListResponse, E>;

    /// BackupRestore - POST /api/v1/virtualization/virtualmachines/restore
    async fn backup_restore(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::BackupRestoreHeaderParams,
        body: &models::BackupRestoreRequest,
    ) -> Result<BackupRestoreResponse, E>;
}
