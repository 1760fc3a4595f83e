//! The interactive API reference, beside the spec:
//!
//! - `GET /api/v1/docs` is the page (our HTML), which renders
//!   `/api/v1/openapi.json` with Swagger UI;
//! - `GET /api/v1/docs/static/docs.js` is its script (our code, which starts
//!   Swagger UI);
//! - `GET /api/v1/docs/swagger-ui/{file}` serves Swagger UI's files from
//!   `[docs] assets_dir`. Swagger UI is not in Debian and its code is not in
//!   this repository: `packaging/fetch-swagger-ui.sh` installs a pinned
//!   release from the npm registry there (`scripts/install-libvirt.sh` runs
//!   it; the Debian package ships it in `/usr/share/vapor/swagger-ui`).
//!
//! Like the spec, none of them needs a token. Nothing is fetched from
//! elsewhere: the page references only files served here, and its policy
//! lets the browser load nothing else. Without Swagger UI the page answers
//! 503 with a page that says how to install it.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use axum::routing::get;
use axum::Router;
use http::StatusCode;
use crate::page_reply::{self, error};

const PAGE: &str = include_str!("docs.html");
const SCRIPT: &str = include_str!("docs.js");

/// Swagger UI's files that are served, with their content types: those the
/// page loads, the style sheet's source map, and the licence. Anything else
/// in the directory is not served.
const ASSETS: &[(&str, &str)] = &[
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    ("swagger-ui.css", "text/css; charset=utf-8"),
    ("swagger-ui.css.map", "application/json"),
    ("favicon-32x32.png", "image/png"),
    ("favicon-16x16.png", "image/png"),
    ("LICENSE", "text/plain; charset=utf-8"),
    ("NOTICE", "text/plain; charset=utf-8"),
];

/// The file without which the page cannot work.
const BUNDLE: &str = "swagger-ui-bundle.js";

/// The page may load only what Vapor serves, and talk only to Vapor. Swagger
/// UI sets inline styles and draws its icons from `data:` URIs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The page and its files, served from `assets_dir`. They sit outside the token gate.
pub fn routes(assets_dir: PathBuf) -> Router {
    Router::new()
        .route("/api/v1/docs", get(page))
        // The page's links are relative to `/api/v1/docs`.
        .route(
            "/api/v1/docs/",
            get(|| async { Redirect::permanent("/api/v1/docs") }),
        )
        .route("/api/v1/docs/static/docs.js", get(script))
        .route("/api/v1/docs/swagger-ui/{file}", get(asset))
        .with_state(Arc::new(assets_dir))
}

async fn page(State(dir): State<Arc<PathBuf>>) -> Response {
    if tokio::fs::try_exists(dir.join(BUNDLE))
        .await
        .unwrap_or(false)
    {
        return reply(
            StatusCode::OK,
            PAGE.as_bytes().to_vec(),
            "text/html; charset=utf-8",
        );
    }
    let dir = html_escape(&dir.display().to_string());
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Vapor API reference</title></head><body>\n\
         <h1>The API reference needs Swagger UI</h1>\n\
         <p>Swagger UI is not installed in <code>{dir}</code>. Install it with \
         <code>packaging/fetch-swagger-ui.sh {dir}</code> from Vapor's source \
         (<code>scripts/install-libvirt.sh</code> runs it), or set \
         <code>[docs] assets_dir</code> in <code>vapor.conf</code> to where it is.</p>\n\
         <p>The API is described in <a href=\"openapi.yaml\">openapi.yaml</a> and \
         <a href=\"openapi.json\">openapi.json</a>.</p>\n</body></html>\n"
    );
    reply(
        StatusCode::SERVICE_UNAVAILABLE,
        body.into_bytes(),
        "text/html; charset=utf-8",
    )
}

async fn script() -> Response {
    reply(
        StatusCode::OK,
        SCRIPT.as_bytes().to_vec(),
        "text/javascript; charset=utf-8",
    )
}

async fn asset(State(dir): State<Arc<PathBuf>>, Path(file): Path<String>) -> Response {
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("the API reference has no file '{file}'"),
        )
    };
    // Only the listed names: no path from the request reaches the file system.
    let Some(&(name, content_type)) = ASSETS.iter().find(|(name, _)| *name == file) else {
        return not_found();
    };
    let path = dir.join(name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => reply(StatusCode::OK, bytes, content_type),
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(file = %path.display(), error = %e, "could not read a Swagger UI file");
            }
            not_found()
        }
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn reply(status: StatusCode, body: Vec<u8>, content_type: &'static str) -> Response {
    page_reply::file(status, body, content_type, CONTENT_SECURITY_POLICY)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the page references: `href` and `src` values.
    fn references() -> Vec<&'static str> {
        let mut found = Vec::new();
        for attr in ["href=\"", "src=\""] {
            for part in PAGE.split(attr).skip(1) {
                found.push(part.split('"').next().unwrap());
            }
        }
        found
    }

    #[test]
    fn the_page_references_only_what_is_served_here() {
        let refs = references();
        assert!(refs.contains(&"docs/swagger-ui/swagger-ui-bundle.js"));
        assert!(refs.contains(&"docs/static/docs.js"));
        for r in refs {
            let served = match r.strip_prefix("docs/swagger-ui/") {
                Some(file) => ASSETS.iter().any(|(name, _)| *name == file),
                None => ["docs/static/docs.js", "openapi.yaml", "openapi.json"].contains(&r),
            };
            assert!(served, "the page references {r}, which is not served");
        }
        assert!(!PAGE.contains("http://") && !PAGE.contains("https://"));
        assert!(!SCRIPT.contains("http://") && !SCRIPT.contains("https://"));
        assert!(SCRIPT.contains("validatorUrl: null"));
    }

    #[test]
    fn the_install_script_installs_every_served_file() {
        let script = include_str!("../../../packaging/fetch-swagger-ui.sh");
        let files = script
            .lines()
            .skip_while(|l| !l.starts_with("files=("))
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        for (name, _) in ASSETS {
            assert!(
                files.split([' ', '(', ')']).any(|w| w == *name),
                "{name} is not in fetch-swagger-ui.sh's files: {files}"
            );
        }
    }

    async fn serve(dir: PathBuf) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, routes(dir)).await;
        });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn serves_the_page_and_the_listed_files_only() {
        let dir = tempfile::tempdir().unwrap();
        for (name, _) in ASSETS {
            std::fs::write(dir.path().join(name), name.as_bytes()).unwrap();
        }
        std::fs::write(dir.path().join("index.html"), "not ours").unwrap();
        let base = serve(dir.path().to_path_buf()).await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let get = |path: String| http.get(format!("{base}{path}")).send();

        let page = get("/api/v1/docs".into()).await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        assert!(page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'"));
        assert_eq!(page.text().await.unwrap(), PAGE);
        let script = get("/api/v1/docs/static/docs.js".into()).await.unwrap();
        assert_eq!(
            script.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        for (name, content_type) in ASSETS {
            let reply = get(format!("/api/v1/docs/swagger-ui/{name}"))
                .await
                .unwrap();
            assert_eq!(reply.status(), 200, "{name}");
            assert_eq!(reply.headers()["content-type"], *content_type, "{name}");
            assert_eq!(reply.text().await.unwrap(), *name);
        }
        for other in ["index.html", "..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd"] {
            let reply = get(format!("/api/v1/docs/swagger-ui/{other}"))
                .await
                .unwrap();
            assert_eq!(reply.status(), 404, "{other}");
        }
        let slash = get("/api/v1/docs/".into()).await.unwrap();
        assert_eq!(slash.status(), 308);
        assert_eq!(slash.headers()["location"], "/api/v1/docs");
    }

    #[tokio::test]
    async fn without_swagger_ui_the_page_says_how_to_install_it() {
        let dir = tempfile::tempdir().unwrap();
        let base = serve(dir.path().join("absent")).await;
        let reply = reqwest::get(format!("{base}/api/v1/docs")).await.unwrap();
        assert_eq!(reply.status(), 503);
        assert_eq!(reply.headers()["content-type"], "text/html; charset=utf-8");
        let text = reply.text().await.unwrap();
        assert!(text.contains("fetch-swagger-ui.sh"), "{text}");
        assert!(text.contains("[docs] assets_dir"), "{text}");
        let reply = reqwest::get(format!("{base}/api/v1/docs/swagger-ui/swagger-ui.css"))
            .await
            .unwrap();
        assert_eq!(reply.status(), 404);
    }
}
