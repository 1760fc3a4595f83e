//! The one place where libvirt errors become [`HypervisorError`]s.
//!
//! Inside the crate, fallible code returns [`Error`], which carries either a
//! raw libvirt error (so callers can still look at its code, e.g. to retry an
//! `undefine` with fewer flags) or an already classified [`HypervisorError`].
//! Everything leaves the crate through [`Error::into_hypervisor`], which uses
//! [`classify`].

use vapor_hypervisor::{HypervisorError, HypervisorErrorKind};
use virt::error::{Error as VirtError, ErrorDomain, ErrorNumber};

/// An error inside this crate: raw from libvirt, or already classified.
#[derive(Debug)]
pub(crate) enum Error {
    Virt(VirtError),
    Hypervisor(HypervisorError),
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

impl From<VirtError> for Error {
    fn from(err: VirtError) -> Self {
        Error::Virt(err)
    }
}

impl From<HypervisorError> for Error {
    fn from(err: HypervisorError) -> Self {
        Error::Hypervisor(err)
    }
}

impl Error {
    /// The kind this error will have once it leaves the crate.
    pub(crate) fn kind(&self) -> HypervisorErrorKind {
        match self {
            Error::Virt(e) => classify(e),
            Error::Hypervisor(e) => e.kind,
        }
    }

    /// The raw libvirt error, when there is one.
    pub(crate) fn virt(&self) -> Option<&VirtError> {
        match self {
            Error::Virt(e) => Some(e),
            Error::Hypervisor(_) => None,
        }
    }

    /// Converts into the public error, keeping libvirt's message.
    pub(crate) fn into_hypervisor(self) -> HypervisorError {
        match self {
            Error::Virt(e) => to_hypervisor_error(&e),
            Error::Hypervisor(e) => e,
        }
    }

    /// The same error with its kind replaced (the message is kept).
    pub(crate) fn with_kind(self, kind: HypervisorErrorKind) -> Error {
        let mut e = self.into_hypervisor();
        e.kind = kind;
        Error::Hypervisor(e)
    }
}

/// Converts a libvirt error into a [`HypervisorError`], keeping libvirt's message.
pub(crate) fn to_hypervisor_error(err: &VirtError) -> HypervisorError {
    HypervisorError::new(classify(err), err.message().to_string())
}

/// Maps a libvirt error onto the kinds the application layer knows.
pub(crate) fn classify(err: &VirtError) -> HypervisorErrorKind {
    use ErrorNumber as N;
    use HypervisorErrorKind as K;

    let Some(code) = err.code().known() else {
        return K::Failed;
    };
    match code {
        N::NoDomain
        | N::NoStoragePool
        | N::NoStorageVolume
        | N::NoNetwork
        | N::NoDomainSnapshot
        | N::NoDomainCheckpoint
        | N::NoInterface
        | N::NoNodeDevice
        | N::NoSecret
        | N::NoNwfilter
        | N::NoNetworkPort => return K::NotFound,
        N::OperationInvalid => return K::OperationInvalid,
        N::DomExist | N::StorageVolExist | N::NetworkExist | N::NetworkPortExists => {
            return K::AlreadyExists
        }
        _ => {}
    }
    // Several drivers report a name clash as a generic "operation failed".
    if mentions_existing(err.message()) {
        return K::AlreadyExists;
    }
    match code {
        N::InvalidArg
        | N::XmlError
        | N::XmlDetail
        | N::XmlInvalidSchema
        | N::ConfigUnsupported
        | N::InvalidMac => K::InvalidArgument,
        N::NoSupport | N::OperationUnsupported | N::ArgumentUnsupported => K::Unsupported,
        N::SystemError | N::Rpc | N::NoConnect => K::Unavailable,
        // The remote driver reports a closed socket as an internal RPC error.
        N::InternalError
            if err
                .domain()
                .is_any(vec![ErrorDomain::Rpc, ErrorDomain::Remote]) =>
        {
            K::Unavailable
        }
        _ => K::Failed,
    }
}

/// Whether a message says that an object with that name or UUID exists.
fn mentions_existing(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("already exists") || m.contains("exists already") || m.contains("already defined")
}

/// Whether libvirt rejected a call's flags (`virCheckFlags` reports
/// `VIR_ERR_INVALID_ARG` "unsupported flags (0x..) in function ...";
/// some drivers use the dedicated codes instead).
pub(crate) fn is_unsupported_flags(err: &Error) -> bool {
    let Some(v) = err.virt() else { return false };
    let c = v.code();
    c.is(ErrorNumber::NoSupport)
        || c.is(ErrorNumber::ArgumentUnsupported)
        || c.is(ErrorNumber::OperationUnsupported)
        || (c.is(ErrorNumber::InvalidArg) && v.message().contains("unsupported flags"))
}

/// The flag bits named in an "unsupported flags (0x..)" message, if any.
pub(crate) fn rejected_flag_bits(err: &Error) -> Option<u32> {
    let msg = err.virt()?.message();
    let start = msg.find("unsupported flags (0x")? + "unsupported flags (0x".len();
    let hex: String = msg[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    u32::from_str_radix(&hex, 16).ok().filter(|bits| *bits != 0)
}

/// Whether a driver refused to apply a change to the live domain and its
/// definition in one call (the test driver treats `AFFECT_LIVE` and
/// `AFFECT_CONFIG` as mutually exclusive).
pub(crate) fn is_exclusive_flags(err: &Error) -> bool {
    err.virt().is_some_and(|v| {
        v.code().is(ErrorNumber::InvalidArg) && v.message().contains("mutually exclusive")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_exists_wording() {
        assert!(mentions_existing(
            "operation failed: domain 'x' already exists with uuid y"
        ));
        assert!(mentions_existing(
            "operation failed: storage vol already exists"
        ));
        assert!(mentions_existing(
            "operation failed: domain 'vt1' is already defined with uuid u"
        ));
        assert!(mentions_existing("storage volume 'v' exists already"));
        assert!(!mentions_existing(
            "Requested operation is not valid: domain is already running"
        ));
    }
}
