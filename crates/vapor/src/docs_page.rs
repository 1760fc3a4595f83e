//! The interactive API reference, beside the spec:
//!
//! - `GET /api/v1/docs` is the page (our HTML), which renders
//!   `/api/v1/openapi.json` with Swagger UI;
//! - `GET /api/v1/docs/static/docs.js` is its script (our code, which starts
//!   Swagger UI);
//! - `GET /api/v1/docs/swagger-ui/{file}` serves Swagger UI's files. Swagger
//!   UI is not in Debian and its code is not in this repository:
//!   `packaging/fetch-swagger-ui.sh` installs a pinned release from the npm
//!   registry (`scripts/install-libvirt.sh` runs it before any build), and the
//!   build script (`build.rs`) embeds that release in the binary. A binary
//!   built without it serves the files from `[docs] assets_dir` instead.
//!
//! Every reply of the page, its script and Swagger UI's files says where
//! Swagger UI comes from in [`ASSETS_SOURCE_HEADER`]: `embedded`,
//! `directory` or `missing`; the choice is logged when the routes are made.
//!
//! Like the spec, none of them needs a token. Nothing is fetched from
//! elsewhere: the page references only files served here, and its policy
//! lets the browser load nothing else. Without Swagger UI the page answers
//! 503 with a page that says how to install it.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use axum::routing::get;
use axum::Router;
use http::{HeaderName, HeaderValue, StatusCode};

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

/// Swagger UI as the build script embedded it (`build.rs`).
#[derive(Clone, Copy)]
struct EmbeddedSwaggerUi {
    /// The release, as pinned in `packaging/fetch-swagger-ui.sh`.
    version: &'static str,
    /// Every file the install script installs, by name.
    files: &'static [(&'static str, &'static [u8])],
}

// `EMBEDDED_SWAGGER_UI`, written by the build script.
include!(concat!(env!("OUT_DIR"), "/swagger_ui.rs"));

/// The response header that says where Swagger UI is served from.
pub(crate) const ASSETS_SOURCE_HEADER: &str = "vapor-docs-assets";

/// Where Swagger UI's files come from.
#[derive(Clone)]
enum Source {
    /// The binary's own copy.
    Embedded(EmbeddedSwaggerUi),
    /// `[docs] assets_dir`, read on each request.
    Directory(PathBuf),
}

impl Source {
    /// The embedded copy when the build had one, else `assets_dir`.
    fn choose(assets_dir: PathBuf) -> Source {
        match EMBEDDED_SWAGGER_UI {
            Some(embedded) => Source::Embedded(embedded),
            None => Source::Directory(assets_dir),
        }
    }

    /// The value of [`ASSETS_SOURCE_HEADER`] on replies that use this source.
    fn label(&self) -> &'static str {
        match self {
            Source::Embedded(_) => "embedded",
            Source::Directory(_) => "directory",
        }
    }

    fn log(&self) {
        match self {
            Source::Embedded(embedded) => tracing::info!(
                version = embedded.version,
                "the API reference page serves Swagger UI embedded in the binary"
            ),
            Source::Directory(dir) if dir.join(BUNDLE).is_file() => tracing::info!(
                dir = %dir.display(),
                "the API reference page serves Swagger UI from [docs] assets_dir"
            ),
            Source::Directory(dir) => tracing::warn!(
                dir = %dir.display(),
                "Swagger UI is neither embedded in the binary nor in [docs] assets_dir: \
                 /api/v1/docs answers 503 until it is installed there"
            ),
        }
    }
}

/// The page and its files: Swagger UI embedded in the binary when the build
/// had it, else from `assets_dir`. They sit outside the token gate.
pub fn routes(assets_dir: PathBuf) -> Router {
    let source = Source::choose(assets_dir);
    source.log();
    routes_from(source)
}

fn routes_from(source: Source) -> Router {
    Router::new()
        .route("/api/v1/docs", get(page))
        // The page's links are relative to `/api/v1/docs`.
        .route(
            "/api/v1/docs/",
            get(|| async { Redirect::permanent("/api/v1/docs") }),
        )
        .route("/api/v1/docs/static/docs.js", get(script))
        .route("/api/v1/docs/swagger-ui/{file}", get(asset))
        .with_state(Arc::new(source))
}

async fn page(State(source): State<Arc<Source>>) -> Response {
    let dir = match &*source {
        Source::Embedded(_) => {
            return reply(StatusCode::OK, PAGE, "text/html; charset=utf-8", "embedded")
        }
        Source::Directory(dir) => dir,
    };
    if tokio::fs::try_exists(dir.join(BUNDLE))
        .await
        .unwrap_or(false)
    {
        return reply(
            StatusCode::OK,
            PAGE,
            "text/html; charset=utf-8",
            "directory",
        );
    }
    let dir = html_escape(&dir.display().to_string());
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Vapor API reference</title></head><body>\n\
         <h1>The API reference needs Swagger UI</h1>\n\
         <p>This build of Vapor does not embed Swagger UI, and it is not installed \
         in <code>{dir}</code>. Install it with \
         <code>packaging/fetch-swagger-ui.sh {dir}</code> from Vapor's source \
         (<code>scripts/install-libvirt.sh</code> runs it), or set \
         <code>[docs] assets_dir</code> in <code>vapor.conf</code> to where it is; \
         a build after it is installed embeds it.</p>\n\
         <p>The API is described in <a href=\"openapi.yaml\">openapi.yaml</a> and \
         <a href=\"openapi.json\">openapi.json</a>.</p>\n</body></html>\n"
    );
    reply(
        StatusCode::SERVICE_UNAVAILABLE,
        body,
        "text/html; charset=utf-8",
        "missing",
    )
}

async fn script(State(source): State<Arc<Source>>) -> Response {
    reply(
        StatusCode::OK,
        SCRIPT,
        "text/javascript; charset=utf-8",
        source.label(),
    )
}

async fn asset(State(source): State<Arc<Source>>, Path(file): Path<String>) -> Response {
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
    let dir = match &*source {
        Source::Embedded(embedded) => {
            return match embedded.files.iter().find(|(n, _)| *n == name) {
                Some(&(_, bytes)) => reply(StatusCode::OK, bytes, content_type, "embedded"),
                None => not_found(),
            }
        }
        Source::Directory(dir) => dir,
    };
    let path = dir.join(name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => reply(StatusCode::OK, bytes, content_type, "directory"),
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

/// `body` under the page's policy, saying where Swagger UI comes from (`source`).
fn reply(
    status: StatusCode,
    body: impl Into<Body>,
    content_type: &'static str,
    source: &'static str,
) -> Response {
    let mut response = page_reply::file(status, Vec::new(), content_type, CONTENT_SECURITY_POLICY);
    *response.body_mut() = body.into();
    response.headers_mut().insert(
        HeaderName::from_static(ASSETS_SOURCE_HEADER),
        HeaderValue::from_static(source),
    );
    response
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

    async fn serve(source: Source) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, routes_from(source)).await;
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
        let base = serve(Source::Directory(dir.path().to_path_buf())).await;
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
        assert_eq!(page.headers()[ASSETS_SOURCE_HEADER], "directory");
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
            assert_eq!(reply.headers()[ASSETS_SOURCE_HEADER], "directory");
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
        let base = serve(Source::Directory(dir.path().join("absent"))).await;
        let reply = reqwest::get(format!("{base}/api/v1/docs")).await.unwrap();
        assert_eq!(reply.status(), 503);
        assert_eq!(reply.headers()[ASSETS_SOURCE_HEADER], "missing");
        assert_eq!(reply.headers()["content-type"], "text/html; charset=utf-8");
        let text = reply.text().await.unwrap();
        assert!(text.contains("fetch-swagger-ui.sh"), "{text}");
        assert!(text.contains("[docs] assets_dir"), "{text}");
        let reply = reqwest::get(format!("{base}/api/v1/docs/swagger-ui/swagger-ui.css"))
            .await
            .unwrap();
        assert_eq!(reply.status(), 404);
    }

    /// A build that found Swagger UI embeds every file the page serves, and
    /// serves them whatever `[docs] assets_dir` holds.
    #[tokio::test]
    async fn an_embedded_swagger_ui_is_served_before_assets_dir() {
        let Some(embedded) = EMBEDDED_SWAGGER_UI else {
            assert!(
                std::env::var_os("VAPOR_TEST_REQUIRE_BROWSER").is_none(),
                "this build has no embedded Swagger UI (packaging/fetch-swagger-ui.sh)"
            );
            eprintln!("this build has no embedded Swagger UI: not testing it");
            return;
        };
        let script = include_str!("../../../packaging/fetch-swagger-ui.sh");
        assert!(
            script.contains(&format!("\nversion={}\n", embedded.version)),
            "the embedded version {} is the one the install script pins",
            embedded.version
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(BUNDLE), "not the embedded one").unwrap();
        let source = Source::choose(dir.path().to_path_buf());
        assert_eq!(source.label(), "embedded");
        let base = serve(source).await;

        let page = reqwest::get(format!("{base}/api/v1/docs")).await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()[ASSETS_SOURCE_HEADER], "embedded");
        assert_eq!(page.text().await.unwrap(), PAGE);
        for (name, content_type) in ASSETS {
            let (_, bytes) = embedded
                .files
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{name} is embedded"));
            assert!(!bytes.is_empty(), "{name}");
            let reply = reqwest::get(format!("{base}/api/v1/docs/swagger-ui/{name}"))
                .await
                .unwrap();
            assert_eq!(reply.status(), 200, "{name}");
            assert_eq!(reply.headers()["content-type"], *content_type, "{name}");
            assert_eq!(reply.headers()[ASSETS_SOURCE_HEADER], "embedded");
            assert_eq!(&reply.bytes().await.unwrap()[..], *bytes, "{name}");
        }
        let other = reqwest::get(format!("{base}/api/v1/docs/swagger-ui/VERSION"))
            .await
            .unwrap();
        assert_eq!(other.status(), 404);
    }
}
