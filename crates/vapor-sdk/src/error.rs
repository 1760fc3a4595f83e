//! The one error type of the SDK.

use std::fmt;

use vapor_client::models::Operation;

/// What went wrong.
#[derive(Debug)]
pub enum Error {
    /// The arguments cannot make a request (a malformed URL, an empty file, ...).
    Invalid(String),
    /// The request did not get an answer (connection refused, reset, ...).
    Transport(reqwest::Error),
    /// The server answered with an error envelope (or at least an error status).
    Api {
        status: u16,
        /// The envelope's `error.code`, e.g. `VM_NOT_FOUND`; empty when the body
        /// was not an envelope.
        code: String,
        message: String,
    },
    /// The server's answer could not be read.
    Decode(String),
    /// A create was sent, but its answer was lost after the request went out,
    /// on the last of its tries: the server may or may not have acted on it.
    /// Calling again with the same `Idempotency-Key` is safe: the server
    /// answers a create it has done with that create's reply.
    OutcomeUnknown {
        idempotency_key: String,
        source: reqwest::Error,
    },
    /// The operation ended as `failed` or `cancelled`.
    Operation(Box<Operation>),
    /// The operation had not ended when the wait's time ran out; the last state seen.
    Timeout(Box<Operation>),
    /// An upload stopped before it was complete: the progress callback asked
    /// for it (`cause` is `None`) or a request failed. [`crate::resume_upload`]
    /// with `upload_url` continues from the server's offset.
    UploadStopped {
        upload_url: String,
        offset: u64,
        cause: Option<Box<Error>>,
    },
    /// Reading the file to upload.
    Io(std::io::Error),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status of an [`Error::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API error code: of an [`Error::Api`], or of a failed operation.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            Error::Operation(op) => op.error.as_ref()?.as_ref().map(|e| e.code.as_str()),
            _ => None,
        }
    }

    /// Reads an error answer: the envelope's code and message when there is one.
    pub(crate) fn from_response(status: u16, body: &str) -> Error {
        #[derive(serde::Deserialize)]
        struct Envelope {
            error: Option<ApiError>,
        }
        #[derive(serde::Deserialize)]
        struct ApiError {
            code: String,
            message: String,
        }
        match serde_json::from_str::<Envelope>(body) {
            Ok(Envelope {
                error: Some(ApiError { code, message }),
            }) => Error::Api {
                status,
                code,
                message,
            },
            _ => Error::Api {
                status,
                code: String::new(),
                message: body.chars().take(200).collect(),
            },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(m) => write!(f, "{m}"),
            Error::Transport(e) => write!(f, "no answer from the server: {e}"),
            Error::Api {
                status,
                code,
                message,
            } if code.is_empty() => write!(f, "HTTP {status}: {message}"),
            Error::Api {
                status,
                code,
                message,
            } => write!(f, "{code} (HTTP {status}): {message}"),
            Error::Decode(m) => write!(f, "the server's answer could not be read: {m}"),
            Error::OutcomeUnknown {
                idempotency_key,
                source,
            } => write!(
                f,
                "the answer to the create (Idempotency-Key {idempotency_key}) was lost, \
                 it may or may not have been done: {source}"
            ),
            Error::Operation(op) => match op.error.clone().flatten() {
                Some(e) => write!(
                    f,
                    "operation {} {}: {}: {}",
                    op.id, op.status, e.code, e.message
                ),
                None => write!(f, "operation {} {}", op.id, op.status),
            },
            Error::Timeout(op) => write!(
                f,
                "operation {} still {} ({}, {:.0}%) when the wait ran out",
                op.id, op.status, op.progress.phase, op.progress.percent
            ),
            Error::UploadStopped {
                upload_url,
                offset,
                cause: None,
            } => write!(f, "upload {upload_url} stopped at byte {offset}"),
            Error::UploadStopped {
                upload_url,
                offset,
                cause: Some(cause),
            } => write!(f, "upload {upload_url} stopped at byte {offset}: {cause}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) | Error::OutcomeUnknown { source: e, .. } => Some(e),
            Error::UploadStopped { cause: Some(c), .. } => Some(c.as_ref()),
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::Transport(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl<T> From<vapor_client::apis::Error<T>> for Error {
    fn from(e: vapor_client::apis::Error<T>) -> Self {
        use vapor_client::apis::Error as Generated;
        match e {
            Generated::Reqwest(e) => Error::Transport(e),
            Generated::Serde(e) => Error::Decode(e.to_string()),
            Generated::Io(e) => Error::Io(e),
            Generated::ResponseError(r) => Error::from_response(r.status.as_u16(), &r.content),
        }
    }
}
