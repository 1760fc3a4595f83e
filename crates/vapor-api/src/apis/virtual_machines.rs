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
pub enum VmActionResponse {
    /// Done.
    Status200_Done(models::VmActionEnvelope),
    /// Asked of the guest; follow the operation.
    Status202_AskedOfTheGuest(models::OperationEnvelope),
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
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmCloneResponse {
    /// Cloning started.
    Status202_CloningStarted(models::OperationEnvelope),
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
pub enum VmCreateResponse {
    /// Created (defined, not started).
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

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmCreateEnhancedResponse {
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

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmDeleteResponse {
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
    /// Precondition failed (`If-Match` names none of the object's current entity tags; code `PRECONDITION_FAILED`). Nothing was changed.
    Status412_PreconditionFailed(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmGetResponse {
    /// The virtual machine.
    Status200_TheVirtualMachine {
        body: models::VmEnvelope,
        e_tag: Option<String>,
    },
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not found.
    Status404_NotFound(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmListResponse {
    /// The virtual machines.
    Status200_TheVirtualMachines(models::VmListEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Internal error.
    Status500_InternalError(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmMetricsGetResponse {
    /// Current resource usage.
    Status200_CurrentResourceUsage(models::VmMetricsEnvelope),
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

#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmMetricsStreamResponse {
    /// The stream of events.
    Status200_TheStreamOfEvents(models::SSE),
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
pub enum VmUpdateResponse {
    /// Updated; `changes` says where each change took effect.
    Status200_Updated {
        body: models::VmUpdatedEnvelope,
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
    /// Conflict (the object's state or another request).
    Status409_Conflict(models::ErrorEnvelope),
    /// Precondition failed (`If-Match` names none of the object's current entity tags; code `PRECONDITION_FAILED`). Nothing was changed.
    Status412_PreconditionFailed(models::ErrorEnvelope),
    /// Unsupported media type.
    Status415_UnsupportedMediaType(models::ErrorEnvelope),
    /// Unprocessable (well formed, but not possible here).
    Status422_Unprocessable(models::ErrorEnvelope),
}

/// VirtualMachines
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait VirtualMachines<E: std::fmt::Debug + Send + Sync + 'static = ()>:
    super::ErrorHandler<E>
{
    type Claims;

    /// Changes the power state..
    ///
    /// VmAction - POST /api/v1/virtualization/virtualmachines/{id}/action
    async fn vm_action(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VmActionHeaderParams,
        path_params: &models::VmActionPathParams,
        body: &models::VmActionRequest,
    ) -> Result<VmActionResponse, E>;

    /// VmClone - POST /api/v1/virtualization/virtualmachines/{id}/clone
    async fn vm_clone(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VmCloneHeaderParams,
        path_params: &models::VmClonePathParams,
        body: &models::VmCloneRequest,
    ) -> Result<VmCloneResponse, E>;

    /// Defines a virtual machine, with a new disk when `disk_size` is given..
    ///
    /// VmCreate - POST /api/v1/virtualization/virtualmachines
    async fn vm_create(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VmCreateHeaderParams,
        body: &models::VmCreateRequest,
    ) -> Result<VmCreateResponse, E>;

    /// Creates a VM with several disks, networks, cloud-init, firmware features and PCI devices..
    ///
    /// VmCreateEnhanced - POST /api/v1/virtualization/virtualmachines/create-enhanced
    async fn vm_create_enhanced(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VmCreateEnhancedHeaderParams,
        body: &models::VmCreateEnhancedRequest,
    ) -> Result<VmCreateEnhancedResponse, E>;

    /// Powers off and undefines a VM, with its snapshot, checkpoint and NVRAM metadata..
    ///
    /// VmDelete - DELETE /api/v1/virtualization/virtualmachines/{id}
    async fn vm_delete(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VmDeleteHeaderParams,
        path_params: &models::VmDeletePathParams,
        query_params: &models::VmDeleteQueryParams,
    ) -> Result<VmDeleteResponse, E>;

    /// VmGet - GET /api/v1/virtualization/virtualmachines/{id}
    async fn vm_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::VmGetPathParams,
    ) -> Result<VmGetResponse, E>;

    /// The virtual machines on the host, sorted by name, optionally filtered and paged..
    ///
    /// VmList - GET /api/v1/virtualization/virtualmachines
    async fn vm_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        query_params: &models::VmListQueryParams,
    ) -> Result<VmListResponse, E>;

    /// CPU, memory, disk and network usage of a running VM..
    ///
    /// VmMetricsGet - GET /api/v1/virtualization/virtualmachines/{id}/metrics
    async fn vm_metrics_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::VmMetricsGetPathParams,
    ) -> Result<VmMetricsGetResponse, E>;

    /// The VM's metrics every `interval` seconds, as Server-Sent Events..
    ///
    /// VmMetricsStream - GET /api/v1/virtualization/virtualmachines/{id}/metrics/stream
    async fn vm_metrics_stream(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::VmMetricsStreamPathParams,
        query_params: &models::VmMetricsStreamQueryParams,
    ) -> Result<VmMetricsStreamResponse, E>;

    /// Changes memory, vCPUs and autostart; live where the VM runs..
    ///
    /// VmUpdate - PUT /api/v1/virtualization/virtualmachines/{id}
    async fn vm_update(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VmUpdateHeaderParams,
        path_params: &models::VmUpdatePathParams,
        body: &models::VmUpdateRequest,
    ) -> Result<VmUpdateResponse, E>;
}
