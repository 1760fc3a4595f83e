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
pub enum PoolActionResponse {
    /// Done.
    Status200_Done(models::PoolEnvelope),
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
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum PoolCreateResponse {
    /// Created and started.
    Status201_CreatedAndStarted(models::PoolEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Forbidden (the token's scope does not allow this request; code `FORBIDDEN`).
    Status403_Forbidden(models::ErrorEnvelope),
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
pub enum PoolDeleteResponse {
    /// Stopped and undefined.
    Status204_StoppedAndUndefined,
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
pub enum PoolGetResponse {
    /// The pool.
    Status200_ThePool(models::PoolEnvelope),
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
pub enum PoolListResponse {
    /// Storage pools.
    Status200_StoragePools(models::PoolListEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VolumeCreateResponse {
    /// Created.
    Status201_Created(models::VolumeEnvelope),
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
pub enum VolumeDeleteResponse {
    /// Deleted.
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
pub enum VolumeGetResponse {
    /// The volume.
    Status200_TheVolume(models::VolumeEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
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
pub enum VolumeListResponse {
    /// Volumes in the pool.
    Status200_VolumesInThePool(models::VolumeListEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not found.
    Status404_NotFound(models::ErrorEnvelope),
    /// Conflict (the object's state or another request).
    Status409_Conflict(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

/// Storage
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Storage<E: std::fmt::Debug + Send + Sync + 'static = ()>: super::ErrorHandler<E> {
    type Claims;

    /// PoolAction - POST /api/v1/virtualization/storages/pools/{name}/action
    async fn pool_action(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::PoolActionPathParams,
        body: &models::PoolActionRequest,
    ) -> Result<PoolActionResponse, E>;

    /// PoolCreate - POST /api/v1/virtualization/storages/pools
    async fn pool_create(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::PoolCreateHeaderParams,
        body: &models::PoolCreateRequest,
    ) -> Result<PoolCreateResponse, E>;

    /// PoolDelete - DELETE /api/v1/virtualization/storages/pools/{name}
    async fn pool_delete(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::PoolDeletePathParams,
        query_params: &models::PoolDeleteQueryParams,
    ) -> Result<PoolDeleteResponse, E>;

    /// PoolGet - GET /api/v1/virtualization/storages/pools/{name}
    async fn pool_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::PoolGetPathParams,
    ) -> Result<PoolGetResponse, E>;

    /// PoolList - GET /api/v1/virtualization/storages/pools
    async fn pool_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
    ) -> Result<PoolListResponse, E>;

    /// VolumeCreate - POST /api/v1/virtualization/storages/pools/{name}/volumes
    async fn volume_create(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VolumeCreateHeaderParams,
        path_params: &models::VolumeCreatePathParams,
        body: &models::VolumeCreateRequest,
    ) -> Result<VolumeCreateResponse, E>;

    /// VolumeDelete - DELETE /api/v1/virtualization/storages/pools/{name}/volumes/{vol_name}
    async fn volume_delete(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::VolumeDeletePathParams,
    ) -> Result<VolumeDeleteResponse, E>;

    /// VolumeGet - GET /api/v1/virtualization/storages/pools/{name}/volumes/{vol_name}
    async fn volume_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::VolumeGetPathParams,
    ) -> Result<VolumeGetResponse, E>;

    /// VolumeList - GET /api/v1/virtualization/storages/pools/{name}/volumes
    async fn volume_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::VolumeListPathParams,
    ) -> Result<VolumeListResponse, E>;
}
