//! Failures of a command and the exit code each one maps to.

use std::fmt;

use vapor_client::models::ErrorEnvelope;

/// Exit code of a failed API call (and of anything else that is not a usage error).
pub const EXIT_API: i32 = 1;
/// Exit code of bad usage: clap uses the same code for the arguments it refuses.
pub const EXIT_USAGE: i32 = 2;
/// Exit code when the server answers 404.
pub const EXIT_NOT_FOUND: i32 = 3;
/// Exit code when the server answers 409.
pub const EXIT_CONFLICT: i32 = 4;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The server refused the request with an error envelope (or at least a status).
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// An operation ended failed or cancelled.
    Operation { code: String, message: String },
    /// The request never got an answer, or the answer could not be read.
    Transport(String),
    /// The command line or the client configuration is unusable.
    Usage(String),
    /// Anything local: a file that cannot be read, an operation that failed.
    Other(String),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Api { status: 404, .. } => EXIT_NOT_FOUND,
            CliError::Api { status: 409, .. } => EXIT_CONFLICT,
            CliError::Usage(_) => EXIT_USAGE,
            _ => EXIT_API,
        }
    }

    /// A refusal read from the body of a non-2xx answer.
    pub fn from_response(status: u16, body: &str) -> CliError {
        match serde_json::from_str::<ErrorEnvelope>(body)
            .ok()
            .and_then(|e| e.error)
        {
            Some(error) => CliError::Api {
                status,
                code: error.code,
                message: error.message,
            },
            None => CliError::Api {
                status,
                code: format!("HTTP_{status}"),
                message: if body.trim().is_empty() {
                    "the server gave no details".into()
                } else {
                    body.trim().chars().take(500).collect()
                },
            },
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Api { code, message, .. } | CliError::Operation { code, message } => {
                write!(f, "{code}: {message}")
            }
            CliError::Transport(message) | CliError::Usage(message) | CliError::Other(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for CliError {}

impl<T> From<vapor_client::apis::Error<T>> for CliError {
    fn from(error: vapor_client::apis::Error<T>) -> Self {
        use vapor_client::apis::Error;
        match error {
            Error::ResponseError(response) => {
                CliError::from_response(response.status.as_u16(), &response.content)
            }
            Error::Reqwest(e) => CliError::Transport(describe_reqwest(&e)),
            Error::Serde(e) => {
                CliError::Transport(format!("the server's answer could not be read: {e}"))
            }
            Error::Io(e) => CliError::Other(e.to_string()),
        }
    }
}

impl From<vapor_sdk::Error> for CliError {
    fn from(error: vapor_sdk::Error) -> Self {
        use vapor_sdk::Error;
        match error {
            Error::Api {
                status,
                code,
                message,
            } if code.is_empty() => CliError::Api {
                status,
                code: format!("HTTP_{status}"),
                message: if message.trim().is_empty() {
                    "the server gave no details".into()
                } else {
                    message
                },
            },
            Error::Api {
                status,
                code,
                message,
            } => CliError::Api {
                status,
                code,
                message,
            },
            Error::Operation(op) => match op.error.clone().flatten() {
                Some(e) => CliError::Operation {
                    code: e.code,
                    message: e.message,
                },
                None => CliError::Operation {
                    code: op.status.to_string().to_uppercase(),
                    message: format!("operation {} {}", op.id, op.status),
                },
            },
            Error::Transport(e) => CliError::Transport(describe_reqwest(&e)),
            Error::OutcomeUnknown {
                idempotency_key,
                source,
            } => CliError::Transport(format!(
                "the answer to the create (Idempotency-Key {idempotency_key}) was lost, \
                 it may or may not have been done: {}",
                describe_reqwest(&source)
            )),
            Error::Decode(message) => {
                CliError::Transport(format!("the server's answer could not be read: {message}"))
            }
            Error::Invalid(message) => CliError::Usage(message),
            Error::Io(e) => CliError::Other(e.to_string()),
            other @ (Error::Timeout(_) | Error::UploadStopped { .. }) => {
                CliError::Other(other.to_string())
            }
        }
    }
}

impl From<reqwest::Error> for CliError {
    fn from(error: reqwest::Error) -> Self {
        CliError::Transport(describe_reqwest(&error))
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::Other(error.to_string())
    }
}

/// reqwest's message plus its causes ("connection refused" sits in the chain).
fn describe_reqwest(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub type Result<T> = std::result::Result<T, CliError>;
