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
pub enum PciDeviceAttachResponse {
    /// Attached.
    Status200_Attached(models::PciAssignmentEnvelope),
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
pub enum PciDeviceDetachResponse {
    /// Detached.
    Status200_Detached(models::PciAssignmentEnvelope),
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

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum PciDeviceListResponse {
    /// Host PCI devices.
    Status200_HostPCIDevices(models::PciDeviceListEnvelope),
    /// Bad request (malformed, or a value out of range).
    Status400_BadRequest(models::ErrorEnvelope),
    /// Unauthorized (no valid bearer token).
    Status401_Unauthorized(models::ErrorEnvelope),
    /// Not implemented yet.
    Status501_NotImplementedYet(models::ErrorEnvelope),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum VmHotplugResponse {
    /// Done.
    Status200_Done(models::HotplugEnvelope),
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

/// Devices
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Devices<E: std::fmt::Debug + Send + Sync + 'static = ()>: super::ErrorHandler<E> {
    type Claims;

    /// PciDeviceAttach - POST /api/v1/virtualization/virtualmachines/{id}/pci-devices
    async fn pci_device_attach(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::PciDeviceAttachHeaderParams,
        path_params: &models::PciDeviceAttachPathParams,
        body: &models::PciAttachRequest,
    ) -> Result<PciDeviceAttachResponse, E>;

    /// PciDeviceDetach - DELETE /api/v1/virtualization/virtualmachines/{id}/pci-devices/{device_id}
    async fn pci_device_detach(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::PciDeviceDetachHeaderParams,
        path_params: &models::PciDeviceDetachPathParams,
    ) -> Result<PciDeviceDetachResponse, E>;

    /// PciDeviceList - GET /api/v1/virtualization/virtualmachines/pci-devices
    async fn pci_device_list(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        query_params: &models::PciDeviceListQueryParams,
    ) -> Result<PciDeviceListResponse, E>;

    /// VmHotplug - POST /api/v1/virtualization/virtualmachines/{id}/hotplug
    async fn vm_hotplug(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        header_params: &models::VmHotplugHeaderParams,
        path_params: &models::VmHotplugPathParams,
        body: &models::HotplugRequest,
    ) -> Result<VmHotplugResponse, E>;
}
