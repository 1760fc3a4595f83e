//! The API's own description: `GET /api/v1/openapi.yaml` serves the spec this
//! binary was built from, byte for byte, and `GET /api/v1/openapi.json` the
//! same document as JSON. Both are public, like the health check: the spec is
//! no secret, and clients (code generators, API explorers) fetch it before
//! they hold a token.

use std::sync::OnceLock;

use axum::body::Body;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use http::{header, HeaderValue, StatusCode};

/// The spec the generated router was built from, compiled into the binary.
pub const SPEC_YAML: &str = include_str!("../../../spec/vapor.yaml");

/// The two routes. They sit outside the token gate.
pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/openapi.yaml", get(yaml))
        .route("/api/v1/openapi.json", get(json))
}

async fn yaml() -> Response {
    reply("application/yaml", Body::from(SPEC_YAML))
}

async fn json() -> Response {
    static JSON: OnceLock<Result<String, String>> = OnceLock::new();
    match JSON.get_or_init(spec_as_json) {
        Ok(text) => reply("application/json", Body::from(text.clone())),
        Err(message) => {
            tracing::error!(error = %message, "the built-in spec does not convert to JSON");
            crate::http::error_reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the API description could not be converted to JSON",
            )
        }
    }
}

/// The spec as pretty-printed JSON.
fn spec_as_json() -> Result<String, String> {
    let doc: serde_json::Value = serde_yaml::from_str(SPEC_YAML).map_err(|e| e.to_string())?;
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}

fn reply(content_type: &'static str, body: Body) -> Response {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_converts_to_json_with_every_path() {
        let json: serde_json::Value = serde_json::from_str(&spec_as_json().unwrap()).unwrap();
        assert_eq!(json["openapi"], "3.0.3");
        let yaml: serde_yaml::Value = serde_yaml::from_str(SPEC_YAML).unwrap();
        assert_eq!(
            json["paths"].as_object().unwrap().len(),
            yaml["paths"].as_mapping().unwrap().len()
        );
    }
}
