//! The audit log's middleware: records every request with a valid token whose
//! method can change something (all but GET, HEAD and OPTIONS), and every
//! request for a console token (`vm_console_get`, a GET that grants control
//! of a VM's keyboard and screen), once its response is known, failures and
//! scope refusals (403) included, in SQLite (`vapor_core::audit`). Requests
//! without a valid token are not recorded.
//!
//! Each entry names the operation (`operationId`) whose path the request
//! matches, read from the spec the service was built from
//! ([`crate::spec_ops`]), and the target: the first path parameter of that
//! path (the VM, pool, network, ISO, ...), or, for a create on a collection
//! path that answered with a JSON object, the new object's `name` (else its
//! `id`) from the reply.
//!
//! The middleware sits outside the token gate and the `Idempotency-Key`
//! middleware ([`crate::idempotency`]), so a replayed reply and a refused
//! key (409, 422) are recorded like any other answer, with their status.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;
use vapor_core::app::Vapor;
use vapor_core::audit::{is_recorded, NewAuditEntry};
use vapor_core::auth::Principal;

use crate::spec_ops::operation_for;

/// The request path's value of the route's first `{parameter}`.
fn first_parameter(route: &str, path: &str) -> Option<String> {
    route
        .split('/')
        .zip(path.split('/'))
        .find(|(r, _)| r.starts_with('{') && r.ends_with('}'))
        .map(|(_, p)| p.to_owned())
}

/// Replies larger than this are not read for a created object's name.
const CREATED_REPLY_LIMIT: usize = 1 << 20;

/// The `name` (else the `id`) of the object a successful JSON reply carries
/// in its envelope's `data`, or in an object one level down (`data.vm`,
/// `data.template`, ...).
fn created_object(reply: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(reply).ok()?;
    let data = value.get("data")?.as_object()?;
    let named = |object: &serde_json::Map<String, Value>| {
        ["name", "id"]
            .iter()
            .find_map(|key| match object.get(*key)? {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    };
    named(data).or_else(|| data.values().filter_map(Value::as_object).find_map(named))
}

/// The name of what a create made, read from its reply; the reply is
/// rebuilt from the bytes read, unchanged.
async fn target_of_create(response: Response) -> (Response, Option<String>) {
    let is_json = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !response.status().is_success() || !is_json {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, CREATED_REPLY_LIMIT).await {
        Ok(bytes) => {
            let target = created_object(&bytes);
            (Response::from_parts(parts, Body::from(bytes)), target)
        }
        Err(err) => {
            tracing::warn!(error = %err, "could not read a create's reply for the audit log");
            (Response::from_parts(parts, Body::empty()), None)
        }
    }
}

/// A request for a console token: `GET .../virtualmachines/{id}/console`.
fn is_console_grant(method: &http::Method, path: &str) -> bool {
    *method == http::Method::GET && crate::http::is_console_session_path(path)
}

/// Records the request in the audit log once its response is known. The entry
/// is written before the response leaves, so a client that has its answer
/// finds its entry.
pub async fn record(State(app): State<Arc<Vapor>>, request: Request, next: Next) -> Response {
    if !is_recorded(request.method()) && !is_console_grant(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    // Set by the token gate: requests without a valid token have none.
    let Some(principal) = response.extensions().get::<Principal>().cloned() else {
        return response;
    };
    let operation = operation_for(&method, &path);
    let mut target = operation.and_then(|op| first_parameter(&op.route, &path));
    let mut response = response;
    if target.is_none() && method == "POST" && operation.is_some() {
        let (rebuilt, created) = target_of_create(response).await;
        response = rebuilt;
        target = created;
    }
    let entry = NewAuditEntry {
        token_name: principal.token_name.clone(),
        operation: operation.map(|op| op.id.clone()),
        target,
        method,
        path,
        status_code: response.status().as_u16(),
    };
    let db = app.db().clone();
    match tokio::task::spawn_blocking(move || db.insert_audit(&entry)).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::error!(error = %err, "could not record the audit entry"),
        Err(err) => tracing::error!(error = %err, "recording the audit entry panicked"),
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_the_first_path_parameter() {
        assert_eq!(
            first_parameter(
                "/api/v1/virtualization/virtualmachines/{id}/snapshots/{snapshot}",
                "/api/v1/virtualization/virtualmachines/web/snapshots/s1"
            )
            .as_deref(),
            Some("web")
        );
        assert_eq!(
            first_parameter(
                "/api/v1/virtualization/virtualmachines",
                "/api/v1/virtualization/virtualmachines"
            ),
            None
        );
    }

    #[test]
    fn console_grants_are_recorded_and_other_reads_are_not() {
        let get = http::Method::GET;
        assert!(is_console_grant(
            &get,
            "/api/v1/virtualization/virtualmachines/web/console"
        ));
        assert!(!is_console_grant(
            &http::Method::POST,
            "/api/v1/virtualization/virtualmachines/web/console"
        ));
        assert!(!is_console_grant(
            &get,
            "/api/v1/virtualization/virtualmachines/web/console/ws"
        ));
        assert!(!is_console_grant(
            &get,
            "/api/v1/virtualization/virtualmachines/web"
        ));
        assert!(!is_console_grant(
            &get,
            "/api/v1/virtualization/virtualmachines//console"
        ));
    }

    #[test]
    fn a_create_is_named_by_its_reply() {
        let vm = br#"{"status":"success","data":{"vm":{"uuid":"8f0c","name":"web"}},"error":null}"#;
        assert_eq!(created_object(vm).as_deref(), Some("web"));
        let pool = br#"{"status":"success","data":{"id":"8f0c","name":"images"},"error":null}"#;
        assert_eq!(created_object(pool).as_deref(), Some("images"));
        let template = br#"{"status":"success","data":{"id":7},"error":null}"#;
        assert_eq!(created_object(template).as_deref(), Some("7"));
        let error = br#"{"status":"error","data":null,"error":{"code":"X","message":"m"}}"#;
        assert_eq!(created_object(error), None);
        assert_eq!(created_object(b"not json"), None);
    }
}
