//! Replies of the pages Vapor serves outside the API (the console page, the
//! API reference page): their files with a content security policy, and
//! their errors as the API's JSON envelope.

use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};
use vapor_core::api::error_envelope;

/// `body` as `content_type`, under the page's content security policy, with
/// no referrer and no content sniffing.
pub(crate) fn file(
    status: StatusCode,
    body: Vec<u8>,
    content_type: &'static str,
    content_security_policy: &'static str,
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(content_security_policy),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// An error in the API's envelope.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = error_envelope(code, message, Default::default()).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
