//! `Idempotency-Key` on creates: a retried request is answered with the
//! first one's reply instead of being carried out again.
//!
//! The header applies to the spec's operations that declare it
//! (`#/components/parameters/IdempotencyKey`, read by [`crate::spec_ops`]);
//! elsewhere it is ignored. The generated router validates the header but
//! does nothing with it: this middleware does it all, once for every create.
//! It sits inside the token gate, which gives it the token's name, and inside
//! the body limit, so the body it reads is already bounded. A request with a
//! key goes like this:
//!
//! 1. Its body is read whole, and its fingerprint taken: SHA-256 over the
//!    method, the path with the query, and the body. A JSON body (a
//!    `Content-Type` of `application/json` or `…+json`) is taken in its
//!    canonical form ([`canonical_json`]: keys sorted, no spaces), so that
//!    the same JSON spaced or ordered otherwise is the same request; any
//!    other body, or JSON that does not parse, is taken byte for byte.
//! 2. The key is claimed in SQLite (`vapor_core::idempotency_store`) under
//!    the token's name. Of concurrent first requests, one makes the row; the
//!    others find it. A key already there answers without running anything:
//!    the same fingerprint, completed: the stored reply again, with
//!    `Idempotent-Replayed: true`; the same fingerprint, still in progress:
//!    409 `IDEMPOTENCY_KEY_IN_USE`; another fingerprint: 422
//!    `IDEMPOTENCY_KEY_REUSED`.
//! 3. The claim and the request run on a task of their own, so that they
//!    end, and the outcome is recorded, even when the client hangs up: the
//!    client's retry then finds the result.
//! 4. A 2xx reply is stored (status, `Content-Type`, `Location`, body) and
//!    remembered for 24 hours; any other reply, or a panic, deletes the row:
//!    nothing was made, and a retry is carried out afresh.
//!
//! Expired keys are purged while claiming, at most once a minute, and keys a
//! dead process left in progress are deleted at start
//! ([`clear_interrupted`]). The audit log and the request metrics sit
//! outside this middleware: replays and refusals are recorded and counted
//! like any other answer.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{header, HeaderName, HeaderValue, StatusCode};
use vapor_core::app::Vapor;
use vapor_core::auth::Principal;
use vapor_core::db::Database;
use vapor_core::idempotency_store::{fingerprint, Claim, ClaimId, StoredReply};

use crate::http::{coded_error_reply, error_reply};

/// The request header that carries the key.
pub const KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");

/// The response header that marks a replayed reply.
pub const REPLAYED_HEADER: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The longest key, in characters (the spec's `maxLength`).
const MAX_KEY_LEN: usize = 255;

/// The shortest time between two purges of expired keys.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// What the middleware needs: the database, the body limit and when expired
/// keys were last purged.
pub struct Keys {
    db: Arc<Database>,
    /// The body limit of these requests (`[server] max_body_bytes`), for the 413's message.
    body_limit: usize,
    last_purge: Mutex<Option<Instant>>,
}

impl Keys {
    pub fn new(app: &Vapor, body_limit: usize) -> Keys {
        Keys {
            db: app.db().clone(),
            body_limit,
            last_purge: Mutex::new(None),
        }
    }

    /// Whether expired keys are due to be purged; if so, the purge is counted
    /// as done now.
    fn purge_due(&self) -> bool {
        let mut last = self.last_purge.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < PURGE_EVERY) {
            return false;
        }
        *last = Some(now);
        true
    }
}

/// Whether `key` is a key the spec allows: 1 to 255 visible ASCII characters.
fn is_valid_key(key: &[u8]) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len()) && key.iter().all(|b| (b'!'..=b'~').contains(b))
}

/// The request's key, when it has one and its operation declares the header.
/// A key the spec does not allow is not taken: the generated router refuses
/// the request (400) before anything is made.
fn key_of(request: &Request) -> Option<String> {
    let value = request.headers().get(KEY_HEADER)?;
    let op = crate::spec_ops::operation_for(request.method().as_str(), request.uri().path())?;
    if !op.idempotency_key || !is_valid_key(value.as_bytes()) {
        return None;
    }
    value.to_str().ok().map(str::to_owned)
}

/// The middleware (see the module's documentation).
pub async fn guard(State(keys): State<Arc<Keys>>, request: Request, next: Next) -> Response {
    let Some(key) = key_of(&request) else {
        return next.run(request).await;
    };
    // Set by the token gate; a public route has none, and no key.
    let Some(principal) = request.extensions().get::<Principal>().cloned() else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    // Bounded by the body limit, which sits outside.
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(err) => return unreadable_body(&err, keys.body_limit),
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |pq| pq.as_str());
    let canonical = is_json(&parts.headers)
        .then(|| canonical_json(&body))
        .flatten();
    let keyed = Keyed {
        db: keys.db.clone(),
        purge: keys.purge_due(),
        fingerprint: fingerprint(
            parts.method.as_str(),
            target,
            canonical.as_deref().unwrap_or(&body),
        ),
        key,
        principal,
    };
    let request = Request::from_parts(parts, Body::from(body));
    // From the claim on, the work runs on a task of its own: a client that
    // hangs up cancels this future, not the claim, the request and its
    // settlement, so that no key is left in progress and a retry finds the result.
    match tokio::spawn(keyed.answer(request, next)).await {
        Ok(Ok(response)) => response,
        // The handler panicked: the panic guard outside answers and logs it.
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(err) => {
            // Cancelled: the runtime is shutting down. A claim made stays in
            // progress and is deleted at the next start.
            tracing::error!(error = %err, "a request with an Idempotency-Key did not finish");
            error_reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error: the request did not finish",
            )
        }
    }
}

/// Whether the request's `Content-Type` is JSON: `application/json` or a
/// `+json` type, whatever its parameters.
fn is_json(headers: &http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let media_type = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}

/// The canonical form of a JSON document: no whitespace, object keys in
/// byte order, strings escaped as serde_json escapes them, numbers as
/// serde_json prints the value it parsed. Two documents with the same form
/// deserialise to the same values, so they are the same request. `None`
/// when `body` is not JSON.
fn canonical_json(body: &[u8]) -> Option<Vec<u8>> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let mut out = String::with_capacity(body.len());
    write_canonical(&value, &mut out);
    Some(out.into_bytes())
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            out.push_str(&value.to_string())
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            // Sorted here rather than trusted to the map's own order, which
            // serde_json's `preserve_order` feature would make insertion order.
            let mut members: Vec<_> = members.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (name, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                write_canonical(member, out);
            }
            out.push('}');
        }
    }
}

/// A request with a key, read and fingerprinted.
struct Keyed {
    db: Arc<Database>,
    /// Whether to purge expired keys first.
    purge: bool,
    fingerprint: String,
    key: String,
    principal: Principal,
}

/// A panic's payload.
type Panic = Box<dyn std::any::Any + Send>;

impl Keyed {
    /// Claims the key and, if it was free, carries the request out and
    /// settles the claim with its reply; else answers from the key. A panic
    /// of the handler releases the claim and is returned.
    async fn answer(self, request: Request, next: Next) -> Result<Response, Panic> {
        let Keyed {
            db,
            purge,
            fingerprint,
            key,
            principal,
        } = self;
        let store = db.clone();
        let token_name = principal.token_name.clone();
        let claim = blocking(move || {
            if purge {
                match store.purge_expired_idempotency_keys(chrono::Utc::now()) {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(count = n, "purged expired idempotency keys"),
                    Err(err) => {
                        tracing::warn!(error = %err, "could not purge expired idempotency keys")
                    }
                }
            }
            store.claim_idempotency_key(&token_name, &key, &fingerprint, chrono::Utc::now())
        })
        .await;
        let claim = match claim {
            Err(response) => return Ok(response),
            Ok(Claim::Claimed(claim)) => claim,
            Ok(Claim::Completed(reply)) => return Ok(replay(reply)),
            Ok(Claim::InProgress) => {
                return Ok(coded_error_reply(
                    StatusCode::CONFLICT,
                    "IDEMPOTENCY_KEY_IN_USE",
                    "a request with this Idempotency-Key is still being carried out; \
                     retry once it is answered",
                ))
            }
            Ok(Claim::Reused) => {
                return Ok(coded_error_reply(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "IDEMPOTENCY_KEY_REUSED",
                    "this Idempotency-Key was given to another request \
                     (another method, path or body); use a new key for a new request",
                ))
            }
        };
        // The token gate's task-local answer does not cross into this task:
        // it is set again, so that the generated router's check of the token
        // needs no database read.
        let token = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(vapor_core::auth::bearer_token)
            .map(str::to_owned)
            .unwrap_or_default();
        let run = vapor_core::auth::with_verified(token, principal, next.run(request));
        match crate::http::CatchUnwind(Box::pin(run)).await {
            Ok(response) => Ok(settle(db, claim, response).await),
            Err(payload) => {
                release(db, claim).await;
                Err(payload)
            }
        }
    }
}

/// Stores a 2xx reply under the claim, or releases the claim for any other.
async fn settle(db: Arc<Database>, claim: ClaimId, response: Response) -> Response {
    if !response.status().is_success() {
        release(db, claim).await;
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "the reply to a request with an Idempotency-Key could not be read");
            release(db, claim).await;
            return error_reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error: the reply could not be read",
            );
        }
    };
    let text = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let reply = StoredReply {
        status_code: parts.status.as_u16(),
        content_type: text(header::CONTENT_TYPE),
        location: text(header::LOCATION),
        body: body.to_vec(),
    };
    let store = db.clone();
    match blocking(move || store.complete_idempotency_key(claim, &reply, chrono::Utc::now())).await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!("an idempotency key expired before its request was answered")
        }
        // Logged where it failed. Not to leave the key in progress for good,
        // it is released: a retry is carried out again.
        Err(_) => release(db, claim).await,
    }
    Response::from_parts(parts, Body::from(body))
}

/// Deletes the claim of a request that made nothing; failures are logged.
async fn release(db: Arc<Database>, claim: ClaimId) {
    let _ = blocking(move || db.release_idempotency_key(claim)).await;
}

/// The stored reply, marked as replayed.
fn replay(reply: StoredReply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status_code).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, reply.content_type),
        (header::LOCATION, reply.location),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}

/// The reply to a body that could not be read: too large (413), or cut off.
fn unreadable_body(err: &axum::Error, limit: usize) -> Response {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return error_reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the body is larger than {limit} bytes"),
            );
        }
        source = e.source();
    }
    error_reply(
        StatusCode::BAD_REQUEST,
        "the request body could not be read",
    )
}

/// Runs database work on the blocking pool; a failure is logged and becomes
/// the reply to give.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> vapor_core::Result<T> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(vapor_core::api::error_response(&err)),
        Err(err) => {
            tracing::error!(error = %err, "idempotency key storage panicked");
            Err(error_reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error: the idempotency key could not be checked",
            ))
        }
    }
}

/// Deletes the keys a previous process left in progress: their requests
/// were cut off with it, and no reply of theirs is known. Called once at
/// start, before serving.
pub fn clear_interrupted(db: &Database) -> vapor_core::Result<()> {
    let cleared = db.clear_idempotency_keys_in_progress()?;
    if cleared > 0 {
        tracing::info!(
            count = cleared,
            "forgot idempotency keys whose requests were cut off by a stop"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_1_to_255_visible_ascii_characters() {
        assert!(is_valid_key(b"a"));
        assert!(is_valid_key(b"!~0-Z_z"));
        assert!(is_valid_key(&[b'k'; 255]));
        assert!(!is_valid_key(b""));
        assert!(!is_valid_key(&[b'k'; 256]));
        assert!(!is_valid_key(b"with space"));
        assert!(!is_valid_key("caf\u{e9}".as_bytes()));
        assert!(!is_valid_key(b"tab\t"));
    }

    #[test]
    fn json_is_fingerprinted_in_canonical_form() {
        let canonical = |text: &str| String::from_utf8(canonical_json(text.as_bytes()).unwrap());
        let form = r#"{"a":[1,{"x":null,"y":true}],"b":"caf\u00e9 \"q\"","c":-2.5}"#;
        let same = [
            r#"{"a":[1,{"x":null,"y":true}],"b":"café \"q\"","c":-2.5}"#,
            "{ \"c\" : -2.5,\n  \"b\": \"caf\\u00e9 \\\"q\\\"\",\t\"a\": [ 1 , {\"y\":true, \"x\":null} ] }",
        ];
        for text in same {
            assert_eq!(canonical(text).unwrap(), canonical(form).unwrap(), "{text}");
        }
        assert_eq!(
            canonical(form).unwrap(),
            r#"{"a":[1,{"x":null,"y":true}],"b":"café \"q\"","c":-2.5}"#
        );
        // Other values stay other requests: array order, types, numbers.
        for other in [
            r#"{"a":[{"x":null,"y":true},1],"b":"café \"q\"","c":-2.5}"#,
            r#"{"a":[1,{"x":null,"y":true}],"b":"café \"q\"","c":"-2.5"}"#,
            r#"{"a":[1,{"x":null,"y":true}],"b":"café \"q\"","c":-2.4}"#,
            r#"{"a":[1,{"x":null,"y":true}],"b":"café \"q\""}"#,
        ] {
            assert_ne!(
                canonical(other).unwrap(),
                canonical(form).unwrap(),
                "{other}"
            );
        }
        assert_eq!(canonical_json(b"{not json"), None);
        assert_eq!(canonical_json(b""), None);
    }

    #[test]
    fn only_json_content_types_are_canonicalised() {
        let with = |value: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/octet-stream"));
        assert!(!with("application/offset+octet-stream"));
        assert!(!is_json(&http::HeaderMap::new()));
    }

    #[test]
    fn purges_are_at_most_a_minute_apart() {
        let keys = Keys {
            db: Arc::new(Database::open_in_memory().unwrap()),
            body_limit: 1,
            last_purge: Mutex::new(None),
        };
        assert!(keys.purge_due());
        assert!(!keys.purge_due());
        *keys.last_purge.lock().unwrap() = Some(Instant::now() - PURGE_EVERY);
        assert!(keys.purge_due());
        assert!(!keys.purge_due());
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_413() {
        let limited = Body::new(http_body_util::Limited::new(Body::from(vec![0u8; 10]), 5));
        let err = to_bytes(limited, usize::MAX).await.unwrap_err();
        let reply = unreadable_body(&err, 5);
        assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = to_bytes(reply.into_body(), usize::MAX).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");
    }

    /// Serves `POST /api/v1/virtualization/virtualmachines` through the
    /// middleware, as token `ops`, with a handler that counts its calls,
    /// answers 201 with a `Location`, and panics on the body `panic`.
    async fn serve_counting(db: Arc<Database>) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use axum::routing::post;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let handler = move |body: String| {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if body == "panic" {
                    panic!("handler failed on purpose");
                }
                Response::builder()
                    .status(StatusCode::CREATED)
                    .header(header::CONTENT_TYPE, "text/x-made")
                    .header(header::LOCATION, format!("/made/{n}"))
                    .header("x-other", "not stored")
                    .body(Body::from(format!("made {n} from {body}")))
                    .unwrap()
            }
        };
        let keys = Arc::new(Keys {
            db,
            body_limit: 1024,
            last_purge: Mutex::new(None),
        });
        let app = axum::Router::new()
            .route("/api/v1/virtualization/virtualmachines", post(handler))
            .layer(axum::middleware::from_fn_with_state(keys, guard))
            .layer(axum::middleware::from_fn(
                |mut request: Request, next: Next| async move {
                    request.extensions_mut().insert(Principal {
                        token_name: "ops".into(),
                        scope: vapor_core::auth::Scope::Admin,
                    });
                    next.run(request).await
                },
            ))
            .layer(axum::middleware::from_fn(crate::http::catch_panics));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (
            format!("http://{addr}/api/v1/virtualization/virtualmachines"),
            calls,
        )
    }

    #[tokio::test]
    async fn a_replay_gives_status_body_content_type_and_location_only() {
        let db = Arc::new(Database::open_in_memory().unwrap());
        let (url, calls) = serve_counting(db).await;
        let client = reqwest::Client::new();
        let send = || {
            client
                .post(&url)
                .header("idempotency-key", "k")
                .body("one")
                .send()
        };
        let first = send().await.unwrap();
        assert_eq!(first.status(), 201);
        assert_eq!(first.headers()["location"], "/made/1");
        assert_eq!(first.headers()["x-other"], "not stored");
        assert!(first.headers().get("idempotent-replayed").is_none());
        assert_eq!(first.text().await.unwrap(), "made 1 from one");
        let again = send().await.unwrap();
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.headers()["location"], "/made/1");
        assert_eq!(again.headers()["content-type"], "text/x-made");
        assert!(again.headers().get("x-other").is_none());
        assert_eq!(again.text().await.unwrap(), "made 1 from one");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn json_spaced_or_ordered_otherwise_is_replayed_other_bodies_are_not() {
        let db = Arc::new(Database::open_in_memory().unwrap());
        let (url, calls) = serve_counting(db).await;
        let client = reqwest::Client::new();
        let send = |key: &'static str, content_type: &'static str, body: &'static str| {
            client
                .post(&url)
                .header("idempotency-key", key)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let first = send("j", "application/json", r#"{"name":"web","memory":128}"#)
            .await
            .unwrap();
        assert_eq!(first.status(), 201);
        let again = send(
            "j",
            "application/json; charset=utf-8",
            "{\n  \"memory\": 128,\n  \"name\": \"web\"\n}",
        )
        .await
        .unwrap();
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let other = send("j", "application/json", r#"{"name":"web","memory":256}"#)
            .await
            .unwrap();
        assert_eq!(other.status(), 422);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);

        // A body that is not JSON is compared byte for byte.
        let plain = send("p", "text/plain", r#"{"a":1,"b":2}"#).await.unwrap();
        assert_eq!(plain.status(), 201);
        let reordered = send("p", "text/plain", r#"{"b":2,"a":1}"#).await.unwrap();
        assert_eq!(reordered.status(), 422);
        let same = send("p", "text/plain", r#"{"a":1,"b":2}"#).await.unwrap();
        assert_eq!(same.headers()["idempotent-replayed"], "true");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_panicking_handler_is_500_and_releases_its_key() {
        let db = Arc::new(Database::open_in_memory().unwrap());
        let (url, calls) = serve_counting(db.clone()).await;
        let client = reqwest::Client::new();
        let send = |body: &'static str| {
            client
                .post(&url)
                .header("idempotency-key", "boom")
                .body(body)
                .send()
        };
        for _ in 0..2 {
            let reply = send("panic").await.unwrap();
            assert_eq!(reply.status(), 500);
            let body: serde_json::Value = reply.json().await.unwrap();
            assert_eq!(body["error"]["code"], "INTERNAL_ERROR");
        }
        // Released each time: neither in use nor reused.
        let fixed = send("fixed").await.unwrap();
        assert_eq!(fixed.status(), 201);
        assert_eq!(fixed.text().await.unwrap(), "made 3 from fixed");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    }
}
