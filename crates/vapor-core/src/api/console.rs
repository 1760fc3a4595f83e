//! VM consoles: a session (one-time token and WebSocket path) to the wire model.
//!
//! The WebSocket itself (`vm_console_connect`) is served by a route of the
//! HTTP layer (`crates/vapor/src/console_ws.rs`) placed ahead of the
//! generated router, because the generated router cannot upgrade a
//! connection. The trait method below answers only requests that reach the
//! generated router anyway, which never carry a usable upgrade: 400.

use async_trait::async_trait;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::Method;
use vapor_api::apis;
use vapor_api::apis::console::{VmConsoleConnectResponse, VmConsoleGetResponse};
use vapor_api::models;
use vapor_hypervisor::ConsoleKind;

use super::{success, VaporApi};
use crate::app::ConsoleSession;
use crate::auth::Principal;
use crate::error::Error;

#[async_trait]
impl apis::console::Console<Error> for VaporApi {
    type Claims = Principal;

    async fn vm_console_connect(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _path: &models::VmConsoleConnectPathParams,
        _query: &models::VmConsoleConnectQueryParams,
    ) -> Result<VmConsoleConnectResponse, Error> {
        Err(Error::InvalidRequest {
            field: None,
            message: "WebSocket upgrade required: connect with a WebSocket client".into(),
        })
    }

    async fn vm_console_get(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        _claims: &Self::Claims,
        path: &models::VmConsoleGetPathParams,
        query: &models::VmConsoleGetQueryParams,
    ) -> Result<VmConsoleGetResponse, Error> {
        let kind = query.r#type.map(console_kind);
        let session = self.app.console_session(&path.id, kind).await?;
        let (status, error) = success();
        Ok(VmConsoleGetResponse::Status200_HowToConnect(
            models::ConsoleSessionEnvelope {
                status,
                data: console_session(session),
                error,
            },
        ))
    }
}

fn console_kind(t: models::ConsoleType) -> ConsoleKind {
    match t {
        models::ConsoleType::Vnc => ConsoleKind::Vnc,
        models::ConsoleType::Spice => ConsoleKind::Spice,
        models::ConsoleType::Serial => ConsoleKind::Serial,
    }
}

fn console_type(k: ConsoleKind) -> models::ConsoleType {
    match k {
        ConsoleKind::Vnc => models::ConsoleType::Vnc,
        ConsoleKind::Spice => models::ConsoleType::Spice,
        ConsoleKind::Serial => models::ConsoleType::Serial,
    }
}

fn console_session(s: ConsoleSession) -> models::ConsoleSession {
    models::ConsoleSession {
        r_type: console_type(s.kind),
        token: s.token,
        ws_path: s.ws_path,
        expires_at: s.expires_at,
    }
}
