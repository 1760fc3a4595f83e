//! The one error type of the application layer.
//!
//! Every failure a client can see is an [`Error`]. It says what went wrong in
//! transport-neutral terms; [`Error::code`] and [`Error::http_status`] are the
//! only place where it is tied to the wire (see `api::error_response`).

use vapor_hypervisor::{HypervisorError, HypervisorErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The named object does not exist.
    #[error("{kind} '{id}' not found")]
    NotFound { kind: &'static str, id: String },

    /// An object with that name already exists.
    #[error("{kind} '{id}' already exists")]
    AlreadyExists { kind: &'static str, id: String },

    /// A value in the request is invalid. `field` names it when there is one.
    #[error("{message}")]
    InvalidRequest {
        field: Option<&'static str>,
        message: String,
    },

    /// The request does not fit the object's current state.
    #[error("{message}")]
    Conflict { message: String },

    /// Another mutation of the same object is in progress.
    #[error("{kind} '{id}' is busy with another request; try again when it has finished")]
    Busy { kind: &'static str, id: String },

    /// The request is valid but this host or backend cannot do it.
    #[error("{message}")]
    Unsupported { message: String },

    /// A refusal with its own stable code, e.g. `OFFSET_MISMATCH` or `NOT_AN_ISO`.
    #[error("{message}")]
    Refused {
        class: Refusal,
        code: &'static str,
        message: String,
    },

    /// The operation is declared in the API but not built yet.
    #[error("{operation} is not implemented yet")]
    NotImplemented { operation: &'static str },

    /// No valid credentials.
    #[error("a valid bearer token is required")]
    Unauthorized,

    /// Valid credentials whose scope does not allow the request.
    #[error("{message}")]
    Forbidden { message: String },

    /// The backend could not be reached.
    #[error("the hypervisor is unavailable")]
    Unavailable {
        #[source]
        source: HypervisorError,
    },

    /// The backend failed while doing what was asked.
    #[error("{context}")]
    Hypervisor {
        context: String,
        #[source]
        source: HypervisorError,
    },

    /// A failure inside Vapor itself (database, a task that died, ...).
    #[error("{context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a request with its own error code was refused; decides the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The input must change (400).
    Invalid,
    /// The object's state conflicts (409).
    Conflict,
    /// The object expired or was cancelled (410).
    Gone,
    /// Too large (413).
    TooLarge,
    /// The media type is wrong (415).
    MediaType,
    /// Valid, but not possible here (422).
    Unsupported,
    /// A credential other than the bearer token was refused (401), e.g. a
    /// console token.
    Unauthorized,
    /// A precondition of the request (`If-Match`) does not hold (412).
    Precondition,
}

impl Refusal {
    fn http_status(self) -> u16 {
        match self {
            Refusal::Invalid => 400,
            Refusal::Conflict => 409,
            Refusal::Gone => 410,
            Refusal::TooLarge => 413,
            Refusal::MediaType => 415,
            Refusal::Unsupported => 422,
            Refusal::Unauthorized => 401,
            Refusal::Precondition => 412,
        }
    }
}

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict {
            message: message.into(),
        }
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Error::Unsupported {
            message: message.into(),
        }
    }

    pub fn refused(class: Refusal, code: &'static str, message: impl Into<String>) -> Self {
        Error::Refused {
            class,
            code,
            message: message.into(),
        }
    }

    pub fn internal(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Internal {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    /// Wraps a backend failure, saying what Vapor was doing. A `NotFound` from the
    /// backend becomes [`Error::NotFound`] for `kind`/`id`; `AlreadyExists` likewise.
    /// A pool or disk without room for the request is a 409 `INSUFFICIENT_SPACE`,
    /// whatever code the driver used (libvirt says so only in its message).
    pub fn from_hypervisor(
        context: impl Into<String>,
        kind: &'static str,
        id: &str,
        source: HypervisorError,
    ) -> Self {
        if is_out_of_space(&source.message) {
            return Error::Refused {
                class: Refusal::Conflict,
                code: "INSUFFICIENT_SPACE",
                message: format!("{}: {}", context.into(), source.message),
            };
        }
        match source.kind {
            HypervisorErrorKind::NotFound => Error::NotFound {
                kind,
                id: id.to_owned(),
            },
            HypervisorErrorKind::AlreadyExists => Error::AlreadyExists {
                kind,
                id: id.to_owned(),
            },
            HypervisorErrorKind::Unavailable => Error::Unavailable { source },
            _ => Error::Hypervisor {
                context: context.into(),
                source,
            },
        }
    }

    /// The stable, machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "NOT_FOUND",
            Error::AlreadyExists { .. } => "ALREADY_EXISTS",
            Error::InvalidRequest { .. } => "VALIDATION_ERROR",
            Error::Conflict { .. } | Error::Busy { .. } => "CONFLICT",
            Error::Unsupported { .. } => "UNSUPPORTED",
            Error::NotImplemented { .. } => "NOT_IMPLEMENTED",
            Error::Refused { code, .. } => code,
            Error::Unauthorized => "UNAUTHORIZED",
            Error::Forbidden { .. } => "FORBIDDEN",
            Error::Unavailable { .. } => "HYPERVISOR_UNAVAILABLE",
            Error::Hypervisor { source, .. } => match source.kind {
                HypervisorErrorKind::OperationInvalid => "CONFLICT",
                HypervisorErrorKind::InvalidArgument => "INVALID_ARGUMENT",
                HypervisorErrorKind::Unsupported => "UNSUPPORTED",
                _ => "HYPERVISOR_ERROR",
            },
            Error::Internal { .. } => "INTERNAL_ERROR",
        }
    }

    /// The HTTP status this error is answered with.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::NotFound { .. } => 404,
            Error::AlreadyExists { .. } | Error::Conflict { .. } | Error::Busy { .. } => 409,
            Error::InvalidRequest { .. } => 400,
            Error::Unsupported { .. } => 422,
            Error::NotImplemented { .. } => 501,
            Error::Refused { class, .. } => class.http_status(),
            Error::Unauthorized => 401,
            Error::Forbidden { .. } => 403,
            Error::Unavailable { .. } => 503,
            Error::Hypervisor { source, .. } => match source.kind {
                HypervisorErrorKind::OperationInvalid => 409,
                HypervisorErrorKind::InvalidArgument | HypervisorErrorKind::Unsupported => 422,
                _ => 500,
            },
            Error::Internal { .. } => 500,
        }
    }

    /// Facts for the error's `details`: the field at fault, the backend's own message.
    /// Internal failures carry none, so that nothing about Vapor's insides leaks.
    pub fn details(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut details = serde_json::Map::new();
        match self {
            Error::InvalidRequest {
                field: Some(field), ..
            } => {
                details.insert("field".into(), (*field).into());
            }
            Error::NotFound { kind, id }
            | Error::AlreadyExists { kind, id }
            | Error::Busy { kind, id } => {
                details.insert("kind".into(), (*kind).into());
                details.insert("id".into(), id.clone().into());
            }
            Error::Hypervisor { source, .. } | Error::Unavailable { source } => {
                details.insert("hypervisor_message".into(), source.message.clone().into());
            }
            _ => {}
        }
        details
    }
}

/// Whether a backend message says that storage ran out of room: libvirt's
/// storage drivers ("Not enough free space in pool for volume ...") or the
/// host's file system (ENOSPC).
fn is_out_of_space(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("not enough free space") || m.contains("no space left on device")
}
