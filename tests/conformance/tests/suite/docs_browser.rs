//! The API reference page (`GET /api/v1/docs`): over plain HTTP, the page
//! and every file it references answer 200 with their content type, without
//! a token; in headless Chromium, Swagger UI renders the served spec, lists
//! the VM operations, and loads nothing that fails, nothing from elsewhere,
//! and nothing the page's policy blocks.
//!
//! Swagger UI is embedded in the binary at build time (`crates/vapor/build.rs`,
//! from where `scripts/install-libvirt.sh` installs it); a build without it
//! serves it from `[docs] assets_dir`. The reply header `vapor-docs-assets`
//! says which. The browser test, and one over plain HTTP, run with
//! `[docs] assets_dir` set to an empty directory, so they pass only on
//! embedded files. Where Swagger UI (or Debian's `chromium`, for the browser
//! test) is missing the tests say so and pass, unless
//! `VAPOR_TEST_REQUIRE_BROWSER` is set, as `scripts/test.sh` does.
//! The page is the same on every backend, so the browser test runs on the mock only.

use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use vapor_conformance::{Backend, TestServer};

use super::browser::{start_browser, Page, CHROMIUM};

/// The reply header that says where Swagger UI is served from.
const ASSETS_SOURCE: &str = "vapor-docs-assets";

/// Whether `what` is there; when it is not, fails where it is required and
/// otherwise says why the test does not run.
fn present(there: bool, what: &str) -> bool {
    if !there {
        assert!(
            std::env::var_os("VAPOR_TEST_REQUIRE_BROWSER").is_none(),
            "{what} is required (VAPOR_TEST_REQUIRE_BROWSER is set)"
        );
        eprintln!("{what} is not installed: not testing the API reference page");
    }
    there
}

/// Where the server at `base_url` serves Swagger UI from: `embedded`,
/// `directory` or `missing`.
async fn assets_source(base_url: &str) -> String {
    let page = reqwest::get(format!("{base_url}/api/v1/docs"))
        .await
        .unwrap();
    let source = page
        .headers()
        .get(ASSETS_SOURCE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let expected = if source == "missing" { 503 } else { 200 };
    assert_eq!(page.status(), expected, "{ASSETS_SOURCE}: {source}");
    source
}

fn swagger_ui_served(source: &str) -> bool {
    present(
        source != "missing",
        "Swagger UI, embedded or in [docs] assets_dir (packaging/fetch-swagger-ui.sh)",
    )
}

fn swagger_ui_embedded(source: &str) -> bool {
    assert_ne!(source, "directory", "an empty assets_dir serves nothing");
    present(
        source == "embedded",
        "Swagger UI embedded at build time (packaging/fetch-swagger-ui.sh, then a build)",
    )
}

/// The test server's service again, with `[docs] assets_dir` set to
/// `assets_dir`, on a port of its own; returns its base URL.
async fn serve_with_assets_dir(server: &TestServer, assets_dir: &Path) -> String {
    let router = vapor::http::router_with_docs(
        server.app.clone(),
        vapor::http::BodyLimits::from(&server.config),
        assets_dir.to_path_buf(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// The `href` and `src` values of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in html.split(attr).skip(1) {
            found.push(part.split('"').next().unwrap_or_default().to_owned());
        }
    }
    found
}

/// The page and every file it references answer 200 with their content
/// type, without a token; Swagger UI's files come from `source`.
async fn check_page_and_references(base_url: &str, source: &str) {
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{base_url}/api/v1/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()[ASSETS_SOURCE], source);
    let html = page.text().await.unwrap();
    let refs = references(&html);
    assert!(refs.len() >= 5, "{refs:?}");
    assert!(
        refs.iter()
            .any(|r| r == "docs/swagger-ui/swagger-ui-bundle.js"),
        "{refs:?}"
    );
    for r in refs {
        assert!(!r.contains("://"), "the page references {r} elsewhere");
        // Relative to the page, `/api/v1/docs`.
        let url = format!("{base_url}/api/v1/{r}");
        let reply = http.get(&url).send().await.unwrap();
        assert_eq!(reply.status(), 200, "{url}");
        let content_type = reply.headers()["content-type"].to_str().unwrap().to_owned();
        let expected = match r.rsplit('.').next().unwrap_or_default() {
            "js" => "text/javascript; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "png" => "image/png",
            "json" => "application/json",
            "yaml" => "application/yaml",
            _ => "text/plain; charset=utf-8", // LICENSE
        };
        assert_eq!(content_type, expected, "{url}");
        if r.starts_with("docs/swagger-ui/") {
            assert_eq!(reply.headers()[ASSETS_SOURCE], source, "{url}");
            let body = reply.bytes().await.unwrap();
            assert!(!body.is_empty(), "{url}");
            if r.ends_with("swagger-ui-bundle.js") {
                // Swagger UI itself, not a stand-in.
                assert!(body.len() > 100_000, "{url}: {} bytes", body.len());
                let text = String::from_utf8_lossy(&body);
                assert!(text.contains("SwaggerUIBundle"), "{url}");
            }
        }
    }
}

#[tokio::test]
async fn the_page_and_every_file_it_references_answer_200_without_a_token() {
    let server = TestServer::start().await;
    let source = assets_source(&server.base_url).await;
    if !swagger_ui_served(&source) {
        return;
    }
    check_page_and_references(&server.base_url, &source).await;
}

#[tokio::test]
async fn with_an_empty_assets_dir_the_embedded_swagger_ui_is_served() {
    let server = TestServer::start().await;
    let empty = tempfile::tempdir().unwrap();
    let base_url = serve_with_assets_dir(&server, empty.path()).await;
    let source = assets_source(&base_url).await;
    if !swagger_ui_embedded(&source) {
        return;
    }
    check_page_and_references(&base_url, "embedded").await;
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "nothing was written to assets_dir"
    );
}

/// Sends a DevTools command and returns its result.
async fn call(page: &mut Page, id: u64, method: &str, params: Value) -> Value {
    let message = json!({"id": id, "method": method, "params": params});
    page.send(Message::text(message.to_string())).await.unwrap();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), page.next())
            .await
            .expect("DevTools answers")
            .expect("DevTools stays open")
            .unwrap();
        let Message::Text(text) = message else {
            continue;
        };
        let reply: Value = serde_json::from_str(text.as_str()).unwrap();
        if reply["id"] == id {
            return reply["result"].clone();
        }
    }
}

/// Records, from before any script of the page runs, what the page's
/// policy blocked and which scripts failed.
const WATCH: &str = "window.__problems = [];\
    document.addEventListener('securitypolicyviolation', e =>\
      window.__problems.push('blocked ' + e.violatedDirective + ' ' + e.blockedURI));\
    window.addEventListener('error', e =>\
      window.__problems.push('error ' + (e.message || (e.target && (e.target.src || e.target.href)))), true);";

/// The operation ids the page shows, once it shows `vm_list` (30 s at most).
const OPERATIONS: &str = "Array.from(document.querySelectorAll('.opblock-summary-operation-id'))\
    .map(e => e.textContent.trim())";

#[tokio::test]
async fn the_page_lists_the_vm_operations_in_a_browser() {
    let server = TestServer::start().await;
    if server.backend != Backend::Mock {
        return; // The page is the same on every backend.
    }
    // Swagger UI as the binary embeds it: assets_dir is an empty directory.
    let empty = tempfile::tempdir().unwrap();
    let base_url = serve_with_assets_dir(&server, empty.path()).await;
    if !present(Path::new(CHROMIUM).exists(), CHROMIUM)
        || !swagger_ui_embedded(&assets_source(&base_url).await)
    {
        return;
    }
    let browser = tokio::task::spawn_blocking(start_browser).await.unwrap();
    let target: Value = reqwest::Client::new()
        .put(format!("http://{}/json/new?about:blank", browser.devtools))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (mut page, _) =
        tokio_tungstenite::connect_async(target["webSocketDebuggerUrl"].as_str().unwrap())
            .await
            .expect("DevTools page socket");
    call(&mut page, 1, "Page.enable", json!({})).await;
    call(
        &mut page,
        2,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": WATCH}),
    )
    .await;
    let url = format!("{base_url}/api/v1/docs");
    call(&mut page, 3, "Page.navigate", json!({"url": url})).await;

    let mut id = 3;
    let mut evaluate = async |expression: &str| {
        id += 1;
        let result = call(
            &mut page,
            id,
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        )
        .await;
        result["result"]["value"].clone()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let operations = loop {
        let operations = evaluate(OPERATIONS).await;
        let listed = operations
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op == "vm_list"));
        if listed || tokio::time::Instant::now() > deadline {
            break operations;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let operations: Vec<String> = serde_json::from_value(operations).unwrap_or_default();
    for op in ["vm_list", "vm_create", "vm_get", "vm_action", "vm_delete"] {
        assert!(operations.iter().any(|o| o == op), "{op} in {operations:?}");
    }
    // Every operation of the spec is listed.
    let spec: Value = reqwest::get(format!("{base_url}/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let in_spec = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| op.get("operationId").is_some())
        .count();
    assert_eq!(operations.len(), in_spec, "{operations:?}");
    let text = evaluate("document.body.innerText").await;
    let text = text.as_str().unwrap_or_default();
    assert!(text.contains("virtual-machines"), "the tag is shown");
    assert!(
        text.contains("/virtualization/virtualmachines"),
        "the paths are shown"
    );

    // Everything the page loaded came from Vapor and answered 200.
    let loaded = evaluate(
        "[performance.getEntriesByType('navigation'), performance.getEntriesByType('resource')]\
         .flat().map(e => [e.name, e.responseStatus])",
    )
    .await;
    let loaded: Vec<(String, u16)> = serde_json::from_value(loaded).unwrap();
    assert!(loaded.len() >= 5, "{loaded:?}");
    for (name, status) in &loaded {
        assert!(name.starts_with(&base_url), "{name} is not Vapor's");
        assert_eq!(*status, 200, "{name}");
    }
    let problems = evaluate("window.__problems").await;
    assert_eq!(problems, json!([]), "blocked or failed while loading");
    drop(page);
    drop(browser);
}
