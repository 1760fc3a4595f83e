//! The one place where an [`Error`] becomes an HTTP reply.

use axum::body::Body;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use headers::Host;
use http::{header, Method, StatusCode};
use vapor_api::apis::ErrorHandler;

use super::VaporApi;
use crate::error::Error;

/// The envelope body for an error: `{"status":"error","data":null,"error":{...}}`.
pub fn error_envelope(
    code: &str,
    message: &str,
    details: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    let mut error = serde_json::json!({ "code": code, "message": message });
    if !details.is_empty() {
        error["details"] = serde_json::Value::Object(details);
    }
    serde_json::json!({ "status": "error", "data": null, "error": error })
}

/// The reply for an error. Server-side failures are logged with their causes;
/// the client gets the message and the details the error chooses to expose.
pub fn error_response(err: &Error) -> Response {
    let status =
        StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        let mut chain = String::new();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(code = err.code(), "{err}{chain}");
    }
    let body = error_envelope(err.code(), &err.to_string(), err.details());
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

#[async_trait::async_trait]
impl ErrorHandler<Error> for VaporApi {
    async fn handle_error(
        &self,
        _method: &Method,
        _host: &Host,
        _cookies: &CookieJar,
        error: Error,
    ) -> Result<Response, StatusCode> {
        Ok(error_response(&error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::HypervisorError;

    #[test]
    fn envelope_shapes() {
        let not_found = Error::NotFound {
            kind: "virtual machine",
            id: "web".into(),
        };
        insta::assert_json_snapshot!(
            error_envelope(not_found.code(), &not_found.to_string(), not_found.details()),
            @r###"
        {
          "data": null,
          "error": {
            "code": "NOT_FOUND",
            "details": {
              "id": "web",
              "kind": "virtual machine"
            },
            "message": "virtual machine 'web' not found"
          },
          "status": "error"
        }
        "###
        );
    }

    #[test]
    fn statuses() {
        let cases = [
            (
                Error::NotFound {
                    kind: "vm",
                    id: "x".into(),
                },
                404,
            ),
            (Error::invalid("name", "bad"), 400),
            (Error::conflict("busy"), 409),
            (
                Error::Busy {
                    kind: "vm",
                    id: "x".into(),
                },
                409,
            ),
            (Error::unsupported("no kvm"), 422),
            (Error::NotImplemented { operation: "x" }, 501),
            (Error::Unauthorized, 401),
            (
                Error::Forbidden {
                    message: "read".into(),
                },
                403,
            ),
            (
                Error::Hypervisor {
                    context: "start".into(),
                    source: HypervisorError::operation_invalid("running"),
                },
                409,
            ),
            (
                Error::Hypervisor {
                    context: "x".into(),
                    source: HypervisorError::failed("boom"),
                },
                500,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(error_response(&err).status().as_u16(), status, "{err:?}");
        }
    }

    #[test]
    fn internal_errors_do_not_leak_their_source() {
        let err = Error::internal(
            "database: save",
            std::io::Error::other("disk /secret/path full"),
        );
        assert!(err.details().is_empty());
        assert!(!err.to_string().contains("/secret/path"));
    }
}
