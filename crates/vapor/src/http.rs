//! The HTTP service around the generated router.
//!
//! The generated router answers some failures itself, before any Vapor code
//! runs: 401 with an empty body, 400 and 422 with text bodies for parse and
//! validation errors, and axum answers 404/405/413/415 the same way. The
//! [`envelope_errors`] middleware rewrites each such reply into the API's
//! error envelope, so that every error a client sees has the same shape.
//!
//! A request passes, outermost first: the request log; the request metrics
//! ([`crate::prometheus::record`]); the audit log
//! ([`crate::audit`]), which records mutations once their response is known;
//! the envelope rewriting; the panic guard ([`catch_panics`]: a handler
//! that panics is answered 500 `INTERNAL_ERROR`); the token gate ([`require_token`]: 401 without a
//! valid token, 403 outside the token's scope), which runs before any body is
//! read; the body limits; `Idempotency-Key` ([`crate::idempotency`]), which
//! reads the body of a create that carries a key, within the limits, and may
//! answer from a previous request; and the routes (the console WebSocket and the
//! Prometheus metrics, else the generated router). The console page's static files
//! and the API reference page ([`crate::docs_page`]) sit outside the gate.
//!
//! Since the audit log and the metrics sit outside `Idempotency-Key`, a
//! replayed reply and a refused key are recorded and counted like any other
//! answer; since the token gate sits outside it, a request without a valid
//! token never reaches it.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use http::{header, HeaderValue, StatusCode};
use vapor_core::api::{error_envelope, VaporApi};
use vapor_core::app::Vapor;
use vapor_core::auth::{Principal, Scope};

/// The whole service: the generated routes, the envelope rewriting, limits and logging.
/// The API reference page loads Swagger UI from the default `[docs] assets_dir`.
pub fn router(app: Arc<Vapor>, limits: BodyLimits) -> Router {
    router_with_docs(app, limits, crate::Config::default().docs_assets_dir)
}

/// [`router`], with the API reference page loading Swagger UI from `docs_assets_dir`.
pub fn router_with_docs(
    app: Arc<Vapor>,
    limits: BodyLimits,
    docs_assets_dir: std::path::PathBuf,
) -> Router {
    let generated =
        vapor_api::server::new::<_, VaporApi, vapor_core::Error, vapor_core::auth::Principal>(
            VaporApi::new(app.clone()),
        );
    let http_metrics = Arc::new(crate::prometheus::HttpMetrics::default());
    let idempotency_keys = Arc::new(crate::idempotency::Keys::new(&app, limits.request));
    // The console WebSocket route comes ahead of the generated router, which
    // cannot upgrade connections, and so does the Prometheus route, whose
    // text body and request metrics are this crate's; every other request
    // falls through to it.
    let api = crate::console_ws::routes(app.clone())
        .merge(crate::prometheus::routes(app.clone(), http_metrics.clone()))
        .fallback_service(generated)
        // Bodies are limited per request by `limit_bodies`, not by one global size.
        .layer(DefaultBodyLimit::disable())
        // Inside the body limits, so that it never reads more than they allow,
        // and inside the token gate, whose token name scopes the keys.
        .layer(middleware::from_fn_with_state(
            idempotency_keys,
            crate::idempotency::guard,
        ))
        .layer(middleware::from_fn_with_state(limits, limit_bodies))
        .layer(middleware::from_fn_with_state(app.clone(), require_token));
    // The console page and its files are the same for everyone and need no
    // token (the console token the page carries is the credential): outside the gate.
    crate::console_page::routes(app.clone())
        .merge(crate::api_spec::routes())
        .merge(crate::docs_page::routes(docs_assets_dir))
        .merge(api)
        .layer(middleware::from_fn(catch_panics))
        .layer(middleware::from_fn(envelope_errors))
        .layer(middleware::from_fn_with_state(app, crate::audit::record))
        .layer(middleware::from_fn_with_state(
            http_metrics,
            crate::prometheus::record,
        ))
        .layer(middleware::from_fn(log_requests))
        .layer(middleware::from_fn(supply_host))
}

/// The generated router reads `Host`, which HTTP/2 requests do not carry
/// (their `:authority` is the URI's authority: HTTPS clients that negotiate
/// HTTP/2 send no `Host` at all) and HTTP/1.0 ones may omit. It is supplied
/// from the URI's authority, else as `localhost`: Vapor serves one site, and
/// nothing it does depends on the value.
async fn supply_host(mut request: Request, next: Next) -> Response {
    if !request.headers().contains_key(header::HOST) {
        let host = request
            .uri()
            .authority()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_else(|| "localhost".to_owned());
        if let Ok(value) = header::HeaderValue::from_str(&host) {
            request.headers_mut().insert(header::HOST, value);
        }
    }
    next.run(request).await
}

/// Whether a request is served without a token: the health check, TUS discovery
/// (`OPTIONS` on the upload collection), and the console WebSocket, whose
/// one-time token in the query is its credential.
fn is_public(method: &http::Method, path: &str) -> bool {
    path == "/api/v1/health"
        || (method == http::Method::OPTIONS
            && path == "/api/v1/virtualization/storages/isos/upload")
        || (path.starts_with("/api/v1/virtualization/virtualmachines/")
            && path.ends_with("/console/ws"))
}

/// Reads only admin tokens may make: the audit log, and console sessions
/// (`GET .../virtualmachines/{id}/console`), whose keystrokes reach the guest.
fn is_admin_only(path: &str) -> bool {
    path == "/api/v1/audit" || is_console_session_path(path)
}

/// `.../virtualmachines/{id}/console`: where console tokens are handed out.
pub(crate) fn is_console_session_path(path: &str) -> bool {
    path.strip_prefix("/api/v1/virtualization/virtualmachines/")
        .and_then(|rest| rest.strip_suffix("/console"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Why a token's scope does not allow a request, or `None` when it does: a
/// read token may only GET (HEAD, OPTIONS), and neither read the audit log
/// nor open a console.
fn scope_refusal(principal: &Principal, method: &http::Method, path: &str) -> Option<String> {
    if !principal.scope.allows(method) {
        return Some(format!(
            "token '{}' has scope {}; {method} needs an admin token",
            principal.token_name, principal.scope
        ));
    }
    if principal.scope != Scope::Admin && is_admin_only(path) {
        return Some(format!(
            "token '{}' has scope {}; {path} needs an admin token",
            principal.token_name, principal.scope
        ));
    }
    None
}

/// Rejects requests without a valid token (401), and requests their token's
/// scope does not allow (403), before anything reads their body, so that such a
/// client learns nothing else. The token's [`Principal`] goes with the request
/// and with its response, where the audit log reads it.
async fn require_token(
    State(app): State<Arc<Vapor>>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_public(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(vapor_core::auth::bearer_token)
        .map(str::to_owned);
    let principal = match token.clone() {
        None => None,
        Some(token) => {
            let db = app.db().clone();
            match tokio::task::spawn_blocking(move || vapor_core::auth::authenticate(&db, &token))
                .await
            {
                Ok(Ok(principal)) => Some(principal),
                Ok(Err(vapor_core::Error::Unauthorized)) => None,
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
    };
    let Some(principal) = principal else {
        return Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .body(Body::empty())
            .unwrap_or_default();
    };
    if let Some(message) = scope_refusal(&principal, request.method(), request.uri().path()) {
        let mut response = error_reply(StatusCode::FORBIDDEN, &message);
        response.extensions_mut().insert(principal);
        return response;
    }
    request.extensions_mut().insert(principal.clone());
    // The generated router checks the token again; it finds this check's
    // answer instead of asking the database twice.
    let token = token.unwrap_or_default();
    let mut response =
        vapor_core::auth::with_verified(token, principal.clone(), next.run(request)).await;
    response.extensions_mut().insert(principal);
    response
}

/// How large a request body may be.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Every request but an upload chunk.
    pub request: usize,
    /// An upload chunk (`PATCH .../isos/upload/{id}`).
    pub chunk: usize,
}

impl From<&crate::Config> for BodyLimits {
    fn from(config: &crate::Config) -> Self {
        BodyLimits {
            request: config.max_body_bytes,
            chunk: config.max_chunk_bytes,
        }
    }
}

/// The content type of TUS upload chunks.
const CHUNK_CONTENT_TYPE: &str = "application/offset+octet-stream";

fn is_upload_chunk(request: &Request) -> bool {
    request.method() == http::Method::PATCH
        && request
            .uri()
            .path()
            .starts_with("/api/v1/virtualization/storages/isos/upload/")
}

/// Caps the body of every request (a larger one is 413), and checks that
/// upload chunks say they are TUS chunks (415 otherwise).
async fn limit_bodies(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let chunk = is_upload_chunk(&request);
    if chunk {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if content_type != Some(CHUNK_CONTENT_TYPE) {
            return error_reply(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!("upload chunks must be sent as {CHUNK_CONTENT_TYPE}"),
            );
        }
    }
    let limit = if chunk { limits.chunk } else { limits.request };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return error_reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the body is larger than {limit} bytes"),
        );
    }
    next.run(request.map(|body| Body::new(http_body_util::Limited::new(body, limit))))
        .await
}

pub(crate) fn error_reply(status: StatusCode, message: &str) -> Response {
    coded_error_reply(status, code_for(status), message)
}

/// An error reply in the envelope with a code of its own.
pub(crate) fn coded_error_reply(status: StatusCode, code: &str, message: &str) -> Response {
    let body = error_envelope(code, message, Default::default()).to_string();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

/// Error codes for replies that did not come from Vapor's own error type.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "VALIDATION_ERROR",
        StatusCode::UNAUTHORIZED => "UNAUTHORIZED",
        StatusCode::FORBIDDEN => "FORBIDDEN",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        s if s.is_server_error() => "INTERNAL_ERROR",
        _ => "BAD_REQUEST",
    }
}

fn default_message(status: StatusCode, method: &http::Method, path: &str) -> String {
    match status {
        StatusCode::UNAUTHORIZED => "a valid bearer token is required".into(),
        StatusCode::NOT_FOUND => format!("no route for {method} {path}"),
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path}"),
        s => s.canonical_reason().unwrap_or("error").to_owned(),
    }
}

/// Rewrites non-JSON error replies into the error envelope.
async fn envelope_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if text.is_empty() {
        default_message(status, &method, &path)
    } else {
        text
    };
    // Validation failures of a well-formed request body are the client's input errors: 400.
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let body = error_envelope(code_for(parts.status), &message, Default::default()).to_string();
    parts.status = status;
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// Answers a request whose handler panicked with 500 `INTERNAL_ERROR` in the
/// error envelope, and logs the panic, instead of letting the panic tear down
/// the connection. The service keeps serving: state shared between requests
/// is behind locks that tolerate poisoning, and each request's own state is
/// dropped with it. The panic's message goes to the log, never to the client.
pub(crate) async fn catch_panics(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    match CatchUnwind(Box::pin(next.run(request))).await {
        Ok(response) => response,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            tracing::error!(%method, %path, panic = %message, "request handler panicked");
            error_reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error: the request failed unexpectedly",
            )
        }
    }
}

/// A future that turns a panic while it is polled into an `Err` with the
/// panic's payload.
pub(crate) struct CatchUnwind<F>(pub(crate) std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn std::any::Any + Send>>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        // The future is never polled again after it panicked: the request
        // is answered here and the future dropped with this one.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(value)) => std::task::Poll::Ready(Ok(value)),
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    }
}

async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

#[cfg(test)]
mod panic_tests {
    use super::*;
    use axum::routing::get;

    /// A handler that panics is answered 500 in the error envelope, and the
    /// server goes on serving, on the same connection and on new ones.
    #[tokio::test]
    async fn a_panicking_handler_is_answered_500_and_the_server_keeps_serving() {
        async fn boom() -> &'static str {
            panic!("handler failed on purpose")
        }
        let app = Router::new()
            .route("/boom", get(boom))
            .route("/ok", get(|| async { "fine" }))
            .layer(middleware::from_fn(catch_panics))
            .layer(middleware::from_fn(envelope_errors));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = reqwest::Client::new();
        for _ in 0..3 {
            let reply = client
                .get(format!("http://{addr}/boom"))
                .send()
                .await
                .expect("a panic must not drop the connection");
            assert_eq!(reply.status(), 500);
            assert_eq!(
                reply.headers()[header::CONTENT_TYPE],
                "application/json",
                "the reply is the error envelope"
            );
            let body: serde_json::Value = reply.json().await.unwrap();
            assert_eq!(body["status"], "error");
            assert_eq!(body["data"], serde_json::Value::Null);
            assert_eq!(body["error"]["code"], "INTERNAL_ERROR");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                !message.contains("on purpose"),
                "the panic's message stays in the log: {message}"
            );
            let reply = client
                .get(format!("http://{addr}/ok"))
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 200);
            assert_eq!(reply.text().await.unwrap(), "fine");
        }
        // A fresh client, hence a fresh connection, is served too.
        let reply = reqwest::get(format!("http://{addr}/ok")).await.unwrap();
        assert_eq!(reply.status(), 200);
    }
}
