use std::fmt;

/// What kind of failure a backend reported. The application layer maps each
/// kind onto one API error; the message is kept for the error's details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HypervisorErrorKind {
    /// The named object does not exist.
    NotFound,
    /// An object with that name or UUID already exists.
    AlreadyExists,
    /// The request is not valid for the object's current state
    /// (libvirt's `VIR_ERR_OPERATION_INVALID`).
    OperationInvalid,
    /// The backend rejected an argument or a definition.
    InvalidArgument,
    /// The backend or host cannot do this at all.
    Unsupported,
    /// The backend could not be reached.
    Unavailable,
    /// Anything else.
    Failed,
}

/// A failure reported by a [`crate::Hypervisor`] implementation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HypervisorError {
    pub kind: HypervisorErrorKind,
    /// The backend's own description of the failure.
    pub message: String,
}

pub type Result<T, E = HypervisorError> = std::result::Result<T, E>;

impl HypervisorError {
    pub fn new(kind: HypervisorErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(HypervisorErrorKind::NotFound, message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(HypervisorErrorKind::AlreadyExists, message)
    }

    pub fn operation_invalid(message: impl Into<String>) -> Self {
        Self::new(HypervisorErrorKind::OperationInvalid, message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(HypervisorErrorKind::InvalidArgument, message)
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(HypervisorErrorKind::Failed, message)
    }
}

impl fmt::Display for HypervisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HypervisorError {}
