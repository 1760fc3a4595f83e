//! Consoles: where a running domain's graphics and serial consoles can be reached.

use crate::Result;

/// A kind of console a domain can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsoleKind {
    /// A VNC display (RFB over TCP).
    Vnc,
    /// A SPICE display.
    Spice,
    /// The first serial port, as a character device on the host.
    Serial,
}

impl ConsoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsoleKind::Vnc => "vnc",
            ConsoleKind::Spice => "spice",
            ConsoleKind::Serial => "serial",
        }
    }

    /// Whether this is a graphical display (VNC or SPICE).
    pub fn is_graphics(self) -> bool {
        matches!(self, ConsoleKind::Vnc | ConsoleKind::Spice)
    }
}

/// How the host reaches a console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleAddress {
    /// A display server on a TCP port. `host` is an address to connect to:
    /// a wildcard listen address (`0.0.0.0`, `::`) is given as the loopback
    /// address of its family.
    Tcp { host: String, port: u16 },
    /// A pseudo-terminal device on the host (`/dev/pts/N`).
    Pty { path: String },
}

/// One console of a running domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEndpoint {
    pub kind: ConsoleKind,
    /// Where to connect; `None` when the backend did not give the console an
    /// address the host can reach (libvirt's test driver allocates no ports
    /// or pseudo-terminals; a display may listen on a UNIX socket only).
    pub address: Option<ConsoleAddress>,
}

/// Consoles of a [`crate::Hypervisor`].
pub trait ConsoleBackend {
    /// The consoles of a running (or paused) domain as its live definition
    /// lists them: graphics in order, then the first serial port.
    /// `NotFound` for an unknown domain, `OperationInvalid` for one that is
    /// not running, since a console's port or device exists only while it runs.
    fn consoles(&self, uuid: &str) -> Result<Vec<ConsoleEndpoint>>;
}

/// The address to connect to for a display server listening on `listen`:
/// the loopback address of the family for a wildcard or missing address.
pub fn connect_host(listen: Option<&str>) -> String {
    match listen.map(str::trim) {
        None | Some("") | Some("0.0.0.0") => "127.0.0.1".to_owned(),
        Some("::") | Some("[::]") => "::1".to_owned(),
        Some(other) => other
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_connect_to_loopback() {
        assert_eq!(connect_host(None), "127.0.0.1");
        assert_eq!(connect_host(Some("0.0.0.0")), "127.0.0.1");
        assert_eq!(connect_host(Some("::")), "::1");
        assert_eq!(connect_host(Some("127.0.0.1")), "127.0.0.1");
        assert_eq!(connect_host(Some("[fd00::1]")), "fd00::1");
    }
}
