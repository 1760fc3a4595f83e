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
pub enum SnapshotCapabilitiesGetResponse {
    /// What kinds of snapshot this VM supports now, and why.
    Status200_WhatKindsOfSnapshotThisVMSupportsNow(models::SnapshotCapabilitiesEnvelope),
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
pub enum SnapshotCreateResponse {
    /// Created.
    Status201_Created(models::SnapshotEnvelope),
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
pub enum SnapshotDeleteResponse {
    /// Deleted; its children become children of its parent. 409 `CONFLICT` with libvirt's reason when libvirt refuses (e.g. an external snapshot with children).
    Status204_Deleted,
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
pub enum SnapshotGetResponse {
    /// The snapshot with its disks, memory state and children.
    Status200_TheSnapshotWithItsDisks(models::SnapshotDetailEnvelope),
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
pub enum SnapshotListResponse {
    /// Snapshots.
    Status200_Snapshots(models::SnapshotListEnvelope),
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
pub enum SnapshotRevertResponse {
    /// Reverted.
    Status200_Reverted(models::SnapshotRevertEnvelope),
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
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

/// Snapshots
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Snapshots<E: std::fmt::Debug + Send + Sync + 'static = ()>:
    super::ErrorHandler<E>
{
    type Claims;

    /// SnapshotCapabilitiesGet - GET /api/v1/virtualization/virtualmachines/{id}/snapshots/capabilities
    async fn snapshot_capabilities_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::SnapshotCapabilitiesGetPathParams,
    ) -> Result<SnapshotCapabilitiesGetResponse, E>;

    /// SnapshotCreate - POST /api/v1/virtualization/virtualmachines/{id}/snapshots
    async fn snapshot_create(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::SnapshotCreateHeaderParams,
        path_params: &models::SnapshotCreatePathParams,
        body: &models::SnapshotCreateRequest,
    ) -> Result<SnapshotCreateResponse, E>;

    /// SnapshotDelete - DELETE /api/v1/virtualization/virtualmachines/{id}/snapshots/{snapshot}
    async fn snapshot_delete(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::SnapshotDeletePathParams,
    ) -> Result<SnapshotDeleteResponse, E>;

    /// SnapshotGet - GET /api/v1/virtualization/virtualmachines/{id}/snapshots/{snapshot}
    async fn snapshot_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::SnapshotGetPathParams,
    ) -> Result<SnapshotGetResponse, E>;

    /// SnapshotList - GET /api/v1/virtualization/virtualmachines/{id}/snapshots
    async fn snapshot_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::SnapshotListPathParams,
    ) -> Result<SnapshotListResponse, E>;

    /// SnapshotRevert - POST /api/v1/virtualization/virtualmachines/{id}/snapshots/{snapshot}/revert
    async fn snapshot_revert(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::SnapshotRevertHeaderParams,
        path_params: &models::SnapshotRevertPathParams,
    ) -> Result<SnapshotRevertResponse, E>;
}
