//! The generated API traits, implemented over the application layer.
//!
//! A request travels like this:
//! 1. The generated router (`vapor_api::server::new`) matches the route, checks
//!    the bearer token through [`VaporApi`]'s `ApiAuthBasic` impl, and parses and
//!    validates path, query and body into generated models.
//! 2. A handler here converts the models into application-layer input and calls
//!    one method of [`crate::app::Vapor`].
//! 3. The result is converted back into a generated model inside an envelope.
//!    Failures are returned as `Err(crate::Error)`, which the generated code hands
//!    to `ErrorHandler::handle_error`: the one place an error becomes an HTTP reply.
//!
//! Handlers stay thin: no backend calls, no validation beyond type conversion.

mod audit;
mod backups;
mod console;
mod convert;
mod devices;
mod error_response;
mod events;
mod isos;
mod metrics;
mod migration;
mod networks;
mod operations;
mod snapshots;
mod storage;
mod system;
mod templates;
mod vm_requests;
mod vms;

use std::sync::Arc;

use vapor_api::apis::{ApiAuthBasic, BasicAuthKind};
use vapor_api::models;
use vapor_api::types::Nullable;

use crate::app::Vapor;
use crate::auth::{self, Principal};

pub use error_response::{error_envelope, error_response};

/// Implements every generated API trait. Cheap to clone.
#[derive(Clone)]
pub struct VaporApi {
    app: Arc<Vapor>,
}

impl VaporApi {
    pub fn new(app: Arc<Vapor>) -> Self {
        VaporApi { app }
    }

    pub fn app(&self) -> &Arc<Vapor> {
        &self.app
    }
}

impl AsRef<VaporApi> for VaporApi {
    fn as_ref(&self) -> &VaporApi {
        self
    }
}

#[async_trait::async_trait]
impl ApiAuthBasic for VaporApi {
    type Claims = Principal;

    async fn extract_claims_from_auth_header(
        &self,
        kind: BasicAuthKind,
        headers: &http::HeaderMap,
        key: &str,
    ) -> Option<Principal> {
        if kind != BasicAuthKind::Bearer {
            return None;
        }
        let token = auth::bearer_token(headers.get(key)?.to_str().ok()?)?.to_owned();
        if let Some(principal) = auth::verified(&token) {
            return Some(principal);
        }
        let db = self.app.db().clone();
        match tokio::task::spawn_blocking(move || auth::authenticate(&db, &token)).await {
            Ok(Ok(principal)) => Some(principal),
            Ok(Err(crate::Error::Unauthorized)) => None,
            Ok(Err(err)) => {
                tracing::error!(error = %err, "token check failed");
                None
            }
            Err(err) => {
                tracing::error!(error = %err, "token check panicked");
                None
            }
        }
    }
}

/// `"status": "success"` with no error, the shape of every success envelope.
fn success() -> (models::ResponseStatus, Nullable<models::ApiError>) {
    (models::ResponseStatus::Success, Nullable::Null)
}

/// An optional value as an explicit JSON `null` when absent.
fn nullable<T>(value: Option<T>) -> Option<Nullable<T>> {
    Some(value.map_or(Nullable::Null, Nullable::Present))
}
