//! The audit log's middleware: records every request with a valid token whose
//! method can change something (all but GET, HEAD and OPTIONS) once its
//! response is known, failures and scope refusals (403) included, in SQLite
//! (`vapor_core::audit`). Requests without a valid token are not recorded.
//!
//! Each entry names the operation (`operationId`) whose path the request
//! matches, read from the spec the service was built from, and the target: the
//! first path parameter of that path (the VM, pool, network, ISO, ...). The
//! match is made here, from the spec, rather than taken from the router,
//! because the generated router sits behind a fallback and its matched route
//! is not visible to middleware.

use std::sync::{Arc, OnceLock};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use vapor_core::app::Vapor;
use vapor_core::audit::{is_recorded, NewAuditEntry};
use vapor_core::auth::Principal;

/// The API's prefix: the spec's `servers` URL.
const PREFIX: &str = "/api/v1";

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SpecOperation {
    method: String,
    /// The full path template, e.g. `/api/v1/virtualization/networks/{name}`.
    route: String,
    id: String,
}

impl SpecOperation {
    /// Whether `path` fits the template: the same number of segments, each
    /// literal one equal, each `{parameter}` non-empty.
    fn matches(&self, path: &str) -> bool {
        let (mut route, mut path) = (self.route.split('/'), path.split('/'));
        loop {
            match (route.next(), path.next()) {
                (None, None) => return true,
                (Some(r), Some(p)) if r.starts_with('{') => {
                    if p.is_empty() {
                        return false;
                    }
                }
                (Some(r), Some(p)) if r == p => {}
                _ => return false,
            }
        }
    }

    fn literal_segments(&self) -> usize {
        self.route
            .split('/')
            .filter(|s| !s.starts_with('{'))
            .count()
    }
}

fn operations() -> &'static [SpecOperation] {
    static OPS: OnceLock<Vec<SpecOperation>> = OnceLock::new();
    OPS.get_or_init(|| operations_in(crate::api_spec::SPEC_YAML))
}

/// The operation a request is for: of the operations with its method whose
/// path fits, the one with the most literal segments, as the router chooses
/// (`.../virtualmachines/create-enhanced` over `.../virtualmachines/{id}`).
fn operation_for(method: &str, path: &str) -> Option<&'static SpecOperation> {
    operations()
        .iter()
        .filter(|op| op.method == method && op.matches(path))
        .max_by_key(|op| op.literal_segments())
}

/// The `operationId` of the spec's operation a request is for, if any (also
/// the label of the request metrics, [`crate::prometheus`]).
pub(crate) fn operation_id(method: &str, path: &str) -> Option<&'static str> {
    operation_for(method, path).map(|op| op.id.as_str())
}

/// Reads the operations of an OpenAPI document written as `spec/vapor.yaml`
/// is: paths indented by two spaces, methods by four, `operationId` by six.
fn operations_in(spec: &str) -> Vec<SpecOperation> {
    let mut ops = Vec::new();
    let mut in_paths = false;
    let mut path: Option<&str> = None;
    let mut method: Option<String> = None;
    for line in spec.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_paths = line.trim_end() == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /").and_then(|l| l.strip_suffix(':')) {
            path = Some(p);
            method = None;
        } else if let Some(m) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':')) {
            method = Some(m.to_ascii_uppercase());
        } else if let Some(id) = line.trim_start().strip_prefix("operationId:") {
            if let (Some(p), Some(m)) = (path, method.take()) {
                ops.push(SpecOperation {
                    method: m,
                    route: format!("{PREFIX}/{p}"),
                    id: id.trim().to_owned(),
                });
            }
        }
    }
    ops
}

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
    fn every_operation_of_the_spec_is_known() {
        assert_eq!(
            operations().len(),
            crate::api_spec::SPEC_YAML.matches("operationId:").count()
        );
        let id = |method: &str, path: &str| operation_for(method, path).map(|op| op.id.as_str());
        let vms = "/api/v1/virtualization/virtualmachines";
        assert_eq!(id("POST", &format!("{vms}/web/action")), Some("vm_action"));
        assert_eq!(id("POST", vms), Some("vm_create"));
        assert_eq!(
            id("POST", &format!("{vms}/create-enhanced")),
            Some("vm_create_enhanced"),
            "a literal segment wins over a parameter"
        );
        assert_eq!(id("DELETE", &format!("{vms}/web")), Some("vm_delete"));
        assert_eq!(id("GET", "/api/v1/audit"), Some("audit_list"));
        assert_eq!(
            id("DELETE", "/api/v1/virtualization/networks/lan"),
            Some("network_delete")
        );
        assert_eq!(id("DELETE", "/api/v1/virtualization/networks/"), None);
        assert_eq!(id("POST", "/api/v1/nowhere"), None);
        assert_eq!(id("PATCH", &format!("{vms}/web")), None);
    }

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
