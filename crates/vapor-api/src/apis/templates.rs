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
pub enum TemplateCreateResponse {
    /// Created.
    Status201_Created(models::TemplateEnvelope),
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
pub enum TemplateDeleteResponse {
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
    /// Precondition failed (`If-Match` names none of the object's current entity tags; code `PRECONDITION_FAILED`). Nothing was changed.
    Status412_PreconditionFailed(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum TemplateGetResponse {
    /// The template.
    Status200_TheTemplate {
        body: models::TemplateEnvelope,
        e_tag: Option<String>,
    },
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
pub enum TemplateListResponse {
    /// Templates.
    Status200_Templates(models::TemplateListEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum TemplateUpdateResponse {
    /// Updated.
    Status200_Updated {
        body: models::TemplateEnvelope,
        e_tag: Option<String>,
    },
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Forbidden (the token's scope does not allow this request; code `FORBIDDEN`).
    Status403_Forbidden(models::ErrorEnvelope),
    /// Not found.
    Status404_NotFound(models::ErrorEnvelope),
    /// Precondition failed (`If-Match` names none of the object's current entity tags; code `PRECONDITION_FAILED`). Nothing was changed.
    Status412_PreconditionFailed(models::ErrorEnvelope),
    /// Unsupported media type.
    Status415_UnsupportedMediaType(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmCreateFromTemplateResponse {
    /// Created.
    Status201_Created(models::VmCreatedEnvelope),
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

/// Templates
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Templates<E: std::fmt::Debug + Send + Sync + 'static = ()>:
    super::ErrorHandler<E>
{
    type Claims;

    /// Adds a template; names are unique (409 `ALREADY_EXISTS`)..
    ///
    /// TemplateCreate - POST /api/v1/virtualization/virtualmachines/templates
    async fn template_create(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::TemplateCreateHeaderParams,
        body: &models::TemplateCreateRequest,
    ) -> Result<TemplateCreateResponse, E>;

    /// Deletes a template; VMs made from it stay..
    ///
    /// TemplateDelete - DELETE /api/v1/virtualization/virtualmachines/templates/{template_id}
    async fn template_delete(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::TemplateDeleteHeaderParams,
        path_params: &models::TemplateDeletePathParams,
    ) -> Result<TemplateDeleteResponse, E>;

    /// TemplateGet - GET /api/v1/virtualization/virtualmachines/templates/{template_id}
    async fn template_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::TemplateGetPathParams,
    ) -> Result<TemplateGetResponse, E>;

    /// TemplateList - GET /api/v1/virtualization/virtualmachines/templates
    async fn template_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
    ) -> Result<TemplateListResponse, E>;

    /// TemplateUpdate - PUT /api/v1/virtualization/virtualmachines/templates/{template_id}
    async fn template_update(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::TemplateUpdateHeaderParams,
        path_params: &models::TemplateUpdatePathParams,
        body: &models::TemplateUpdateRequest,
    ) -> Result<TemplateUpdateResponse, E>;

    /// Defines a VM sized by a template, with a new qcow2 disk..
    ///
    /// VmCreateFromTemplate - POST /api/v1/virtualization/virtualmachines/from-template
    async fn vm_create_from_template(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VmCreateFromTemplateHeaderParams,
        body: &models::VmFromTemplateRequest,
    ) -> Result<VmCreateFromTemplateResponse, E>;
}
