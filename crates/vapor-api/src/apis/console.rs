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
pub enum VmConsoleConnectResponse {
    /// Switching to the WebSocket protocol.
    Status101_SwitchingToTheWebSocketProtocol,
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
pub enum VmConsoleGetResponse {
    /// How to connect.
    Status200_HowToConnect(models::ConsoleSessionEnvelope),
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

/// Console
#[async_trait]
#[allow(clippy::ptr_arg)]
pub trait Console<E: std::fmt::Debug + Send + Sync + 'static = ()>: super::ErrorHandler<E> {
    type Claims;

    /// Upgrades to a WebSocket carrying the console's bytes. The token is the credential..
    ///
    /// VmConsoleConnect - GET /api/v1/virtualization/virtualmachines/{id}/console/ws
    async fn vm_console_connect(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        path_params: &models::VmConsoleConnectPathParams,
        query_params: &models::VmConsoleConnectQueryParams,
    ) -> Result<VmConsoleConnectResponse, E>;

    /// A one-time token and WebSocket path for the VM's console..
    ///
    /// VmConsoleGet - GET /api/v1/virtualization/virtualmachines/{id}/console
    async fn vm_console_get(
        &self,

        method: &Method,
        host: &Host,
        cookies: &CookieJar,
        claims: &Self::Claims,
        path_params: &models::VmConsoleGetPathParams,
        query_params: &models::VmConsoleGetQueryParams,
    ) -> Result<VmConsoleGetResponse, E>;
}
