//! The browser console page, outside `/api/v1`:
//!
//! - `GET /console/{id}` is the page (our HTML), opened with the one-time
//!   token from `vm_console_get` in the fragment: `#token=...&type=vnc`;
//! - `GET /console/static/console.js` is its script;
//! - `GET /console/novnc/{path}` serves noVNC from `[console] novnc_dir`
//!   (Debian's `novnc` package), which the script imports for VNC consoles.
//!
//! None of them needs a bearer token: they are the same static files for
//! everyone, and the console token, which the page presents to the
//! WebSocket, is the credential. Nothing is fetched from elsewhere.

use std::path::{Component, Path as FsPath, PathBuf};
use std::sync::Arc;

use crate::page_reply::{self, error};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use http::StatusCode;
use vapor_core::app::Vapor;

const PAGE: &str = include_str!("../assets/console.html");
const SCRIPT: &str = include_str!("../assets/console.js");

/// The noVNC file the page cannot work without.
const RFB_MODULE: &str = "core/rfb.js";

/// The page's script may load only what Vapor serves, and talk only to Vapor.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The page and its files.
pub fn routes(app: Arc<Vapor>) -> Router {
    Router::new()
        .route("/console/{id}", get(page))
        .route("/console/static/console.js", get(script))
        .route("/console/novnc/{*path}", get(novnc_file))
        .with_state(app)
}

async fn page(State(app): State<Arc<Vapor>>, Path(_id): Path<String>) -> Response {
    let dir = &app.settings().novnc_dir;
    if !tokio::fs::try_exists(dir.join(RFB_MODULE))
        .await
        .unwrap_or(false)
    {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "CONSOLE_PAGE_UNAVAILABLE",
            &format!(
                "the console page needs noVNC, which is not installed in {}: install Debian's \
                 novnc package or set [console] novnc_dir",
                dir.display()
            ),
        );
    }
    reply(PAGE.as_bytes().to_vec(), "text/html; charset=utf-8")
}

async fn script() -> Response {
    reply(SCRIPT.as_bytes().to_vec(), "text/javascript; charset=utf-8")
}

async fn novnc_file(State(app): State<Arc<Vapor>>, Path(path): Path<String>) -> Response {
    let dir = &app.settings().novnc_dir;
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("noVNC has no file '{path}'"),
        )
    };
    let Some(file) = inside(dir, &path) else {
        return not_found();
    };
    match tokio::fs::metadata(&file).await {
        Ok(m) if m.is_file() => {}
        _ => return not_found(),
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => reply(bytes, content_type(&file)),
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "could not read a noVNC file");
            not_found()
        }
    }
}

/// `relative` under `dir`, when it is a plain relative path (no `..`, no root).
fn inside(dir: &FsPath, relative: &str) -> Option<PathBuf> {
    let relative = FsPath::new(relative);
    let plain = !relative.as_os_str().is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    plain.then(|| dir.join(relative))
}

fn content_type(file: &FsPath) -> &'static str {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "mp3" => "audio/mpeg",
        "oga" => "audio/ogg",
        _ => "application/octet-stream",
    }
}

fn reply(body: Vec<u8>, content_type: &'static str) -> Response {
    page_reply::file(StatusCode::OK, body, content_type, CONTENT_SECURITY_POLICY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_served() {
        let dir = FsPath::new("/usr/share/novnc");
        assert_eq!(
            inside(dir, "core/rfb.js"),
            Some(PathBuf::from("/usr/share/novnc/core/rfb.js"))
        );
        for bad in [
            "",
            "../etc/passwd",
            "core/../../etc/passwd",
            "/etc/passwd",
            "./x",
        ] {
            assert_eq!(inside(dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn the_page_loads_its_script_and_novnc_relative_to_itself() {
        assert!(PAGE.contains(r#"src="static/console.js""#));
        assert!(SCRIPT.contains(r#"import("../novnc/core/rfb.js")"#));
        assert!(!PAGE.contains("http://") && !PAGE.contains("https://"));
        assert!(!SCRIPT.contains("http://") && !SCRIPT.contains("https://"));
    }
}
