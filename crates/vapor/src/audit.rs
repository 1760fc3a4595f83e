//! The audit log's middleware: records every request with a valid token whose
//! method can change something (all but GET, HEAD and OPTIONS) once its
//! response is known, failures and scope refusals (403) included, in SQLite
//! (`vapor_core::audit`). Requests without a valid token are not recorded.
//!
//! Each entry names the operation (`operationId`) whose path the request
//! matches, read from the spec the service was built from
//! ([`crate::spec_ops`]), and the target: the first path parameter of that
//! path (the VM, pool, network, ISO, ...).
//!
//! The middleware sits outside the token gate and the `Idempotency-Key`
//! middleware ([`crate::idempotency`]), so a replayed reply and a refused
//! key (409, 422) are recorded like any other answer, with their status.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
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

/// Records the request in the audit log once its response is known. The entry
/// is written before the response leaves, so a client that has its answer
/// finds its entry.
pub async fn record(State(app): State<Arc<Vapor>>, request: Request, next: Next) -> Response {
    if !is_recorded(request.method()) {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    // Set by the token gate: requests without a valid token have none.
    let Some(principal) = response.extensions().get::<Principal>() else {
        return response;
    };
    let operation = operation_for(&method, &path);
    let entry = NewAuditEntry {
        token_name: principal.token_name.clone(),
        operation: operation.map(|op| op.id.clone()),
        target: operation.and_then(|op| first_parameter(&op.route, &path)),
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
}
