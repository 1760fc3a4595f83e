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
pub enum IsoDeleteResponse {
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
pub enum IsoListResponse {
    /// ISO images in the library.
    Status200_ISOImagesInTheLibrary(models::IsoListEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum IsoRegisterResponse {
    /// Registered.
    Status201_Registered(models::IsoEnvelope),
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
pub enum IsoUploadCancelResponse {
    /// Cancelled; its partial file is removed.
    Status200_Cancelled(models::IsoUploadEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Forbidden (the token's scope does not allow this request; code `FORBIDDEN`).
    Status403_Forbidden(models::ErrorEnvelope),
    /// Not found.
    Status404_NotFound(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum IsoUploadCompleteResponse {
    /// Registered.
    Status200_Registered(models::IsoEnvelope),
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
pub enum IsoUploadCreateResponse {
    /// Upload session created. `Location` is the absolute path of the session.
    Status201_UploadSessionCreated {
        body: models::IsoUploadEnvelope,
        location: Option<String>,
        upload_offset: Option<i64>,
        tus_resumable: Option<String>,
    },
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Forbidden (the token's scope does not allow this request; code `FORBIDDEN`).
    Status403_Forbidden(models::ErrorEnvelope),
    /// Payload too large.
    Status413_PayloadTooLarge(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum IsoUploadGetResponse {
    /// The upload session.
    Status200_TheUploadSession(models::IsoUploadEnvelope),
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
pub enum IsoUploadHeadResponse {
    /// Offset and length in headers, no body.
    Status200_OffsetAndLengthInHeaders {
        upload_offset: Option<i64>,
        upload_length: Option<i64>,
        tus_resumable: Option<String>,
        cache_control: Option<String>,
    },
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// No valid token.
    Status401_NoValidToken,
    /// No such upload.
    Status404_NoSuchUpload,
    /// The upload expired or was cancelled.
    Status410_TheUploadExpiredOrWasCancelled,
    /// Not implemented yet.
    Status501_NotImplementedYet,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum IsoUploadListResponse {
    /// Upload sessions.
    Status200_UploadSessions(models::IsoUploadListEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum IsoUploadOptionsResponse {
    /// The TUS versions, extensions and maximum size this server supports.
    Status204_TheTUSVersions {
        tus_resumable: Option<String>,
        tus_version: Option<String>,
        tus_extension: Option<String>,
        tus_max_size: Option<i64>,
    },
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum IsoUploadPatchResponse {
    /// Stored; the new offset is in `Upload-Offset`.
    Status204_Stored {
        upload_offset: Option<i64>,
        tus_resumable: Option<String>,
    },
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
    /// Gone (expired or cancelled).
    Status410_Gone(models::ErrorEnvelope),
    /// Unsupported media type.
    Status415_UnsupportedMediaType(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

/// Isos
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Isos<E: std::fmt::Debug + Send + Sync + 'static = ()>: super::ErrorHandler<E> {
    type Claims;

    /// IsoDelete - DELETE /api/v1/virtualization/storages/isos/{iso_id}
    async fn iso_delete(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::IsoDeletePathParams,
    ) -> Result<IsoDeleteResponse, E>;

    /// IsoList - GET /api/v1/virtualization/storages/isos
    async fn iso_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
    ) -> Result<IsoListResponse, E>;

    /// Registers an ISO file already on the host. Uploads use the resumable upload endpoints..
    ///
    /// IsoRegister - POST /api/v1/virtualization/storages/isos
    async fn iso_register(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::IsoRegisterHeaderParams,
        body: &models::IsoRegisterRequest,
    ) -> Result<IsoRegisterResponse, E>;

    /// IsoUploadCancel - DELETE /api/v1/virtualization/storages/isos/upload/{upload_id}
    async fn iso_upload_cancel(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::IsoUploadCancelPathParams,
    ) -> Result<IsoUploadCancelResponse, E>;

    /// Moves a finished upload into the ISO library..
    ///
    /// IsoUploadComplete - POST /api/v1/virtualization/storages/isos/upload/{upload_id}/complete
    async fn iso_upload_complete(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::IsoUploadCompletePathParams,
    ) -> Result<IsoUploadCompleteResponse, E>;

    /// Opens a resumable (TUS 1.0.0) upload..
    ///
    /// IsoUploadCreate - POST /api/v1/virtualization/storages/isos/upload
    async fn iso_upload_create(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::IsoUploadCreateHeaderParams,
    ) -> Result<IsoUploadCreateResponse, E>;

    /// IsoUploadGet - GET /api/v1/virtualization/storages/isos/upload/{upload_id}
    async fn iso_upload_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::IsoUploadGetPathParams,
    ) -> Result<IsoUploadGetResponse, E>;

    /// The upload's offset, for resuming..
    ///
    /// IsoUploadHead - HEAD /api/v1/virtualization/storages/isos/upload/{upload_id}
    async fn iso_upload_head(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::IsoUploadHeadPathParams,
    ) -> Result<IsoUploadHeadResponse, E>;

    /// IsoUploadList - GET /api/v1/virtualization/storages/isos/upload
    async fn iso_upload_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
    ) -> Result<IsoUploadListResponse, E>;

    /// TUS discovery. Needs no token..
    ///
    /// IsoUploadOptions - OPTIONS /api/v1/virtualization/storages/isos/upload
    async fn iso_upload_options(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
    ) -> Result<IsoUploadOptionsResponse, E>;

    /// Appends bytes at `Upload-Offset`..
    ///
    /// IsoUploadPatch - PATCH /api/v1/virtualization/storages/isos/upload/{upload_id}
    async fn iso_upload_patch(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::IsoUploadPatchHeaderParams,
        path_params: &models::IsoUploadPatchPathParams,
        body: &Bytes,
    ) -> Result<IsoUploadPatchResponse, E>;
}
