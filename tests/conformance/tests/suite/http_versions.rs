//! Requests without a `Host` header: every HTTP/2 request (its
//! `:authority` becomes the URI's authority; an HTTPS client that negotiates
//! HTTP/2 through ALPN sends no `Host` at all) and HTTP/1.0 requests that
//! leave it out. They reach the API like any other. The requests are handed
//! to the router as hyper hands it an HTTP/2 request; the `vapor` crate's
//! HTTPS test makes a real HTTP/2 request with curl.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tower::ServiceExt;
use vapor_conformance::TestServer;

async fn send(server: &TestServer, uri: &str) -> (StatusCode, serde_json::Value) {
    let router = vapor::http::router(
        server.app.clone(),
        vapor::http::BodyLimits::from(&server.config),
    );
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {}", server.token))
        .body(Body::empty())
        .unwrap();
    assert!(request.headers().get(header::HOST).is_none());
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test]
async fn requests_without_a_host_header_are_served() {
    let server = TestServer::start().await;
    // As HTTP/2 delivers it: the authority in the URI.
    let (status, body) = send(
        &server,
        "http://127.0.0.1:8080/api/v1/virtualization/virtualmachines",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "success", "{body}");
    // As HTTP/1.0 may send it: a path alone.
    let (status, body) = send(&server, "/api/v1/virtualization/virtualmachines/nosuch").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "NOT_FOUND", "{body}");
}
