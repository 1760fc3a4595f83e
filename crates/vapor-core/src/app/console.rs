//! VM consoles (`GET .../virtualmachines/{id}/console` and its WebSocket).
//!
//! A client with an API token asks for a console session and gets a
//! one-time console token bound to the VM and the console's kind
//! ([`crate::console_tokens`]). The WebSocket request carries that token
//! instead of a bearer token (browsers cannot set headers on WebSockets);
//! [`Vapor::console_connect`] spends it and says where the console is now,
//! from the running domain's live definition. The HTTP layer then carries
//! the bytes.
//!
//! A session is issued for a console the running VM has; whether that
//! console has an address the host can reach (a display port, a
//! pseudo-terminal) is checked when connecting, because only then does it
//! matter, and the port may differ by then (the VM restarted).

use chrono::{DateTime, Utc};
use vapor_hypervisor::{ConsoleAddress, ConsoleEndpoint, ConsoleKind, HypervisorErrorKind};

use super::{Vapor, VM_NOT_RUNNING};
use crate::console_tokens::ConsoleGrant;
use crate::error::{Error, Refusal, Result};

const KIND: &str = "virtual machine";

/// The error code of a request for a console the VM does not have, or one
/// the host cannot reach.
pub const NO_SUCH_CONSOLE: &str = "NO_SUCH_CONSOLE";

/// The error code of a console WebSocket whose token is missing, unknown,
/// used, expired or issued for another VM (401).
pub const CONSOLE_TOKEN_INVALID: &str = "CONSOLE_TOKEN_INVALID";

/// A console session as issued to a client.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub kind: ConsoleKind,
    /// One-time; spent when the WebSocket opens.
    pub token: String,
    /// The WebSocket path under `/api/v1`, token included.
    pub ws_path: String,
    pub expires_at: DateTime<Utc>,
}

/// Where an accepted WebSocket connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConnection {
    pub vm_uuid: String,
    pub vm_name: String,
    pub kind: ConsoleKind,
    pub address: ConsoleAddress,
}

impl Vapor {
    /// Issues a one-time token for a console of the running VM `id`: of
    /// `kind`, or else its first display, or else its serial console.
    /// 404 for an unknown VM, 409 `VM_NOT_RUNNING` for one that is off,
    /// 409 `NO_SUCH_CONSOLE` when it has no console of that kind.
    pub async fn console_session(
        &self,
        id: &str,
        kind: Option<ConsoleKind>,
    ) -> Result<ConsoleSession> {
        let vm = self.get_vm(id).await?;
        let consoles = self.consoles_of(&vm.uuid, &vm.name).await?;
        let kind = match kind {
            Some(kind) => kind,
            None => default_kind(&consoles).ok_or_else(|| {
                Error::refused(
                    Refusal::Conflict,
                    NO_SUCH_CONSOLE,
                    format!("virtual machine '{}' has no console", vm.name),
                )
            })?,
        };
        if !consoles.iter().any(|c| c.kind == kind) {
            return Err(no_such_console(&vm.name, kind));
        }
        let issued = self.console_tokens.issue(ConsoleGrant {
            vm_uuid: vm.uuid.clone(),
            vm_name: vm.name.clone(),
            kind,
        });
        Ok(ConsoleSession {
            kind,
            ws_path: format!(
                "/virtualization/virtualmachines/{}/console/ws?token={}",
                vm.uuid, issued.token
            ),
            token: issued.token,
            expires_at: issued.expires_at,
        })
    }

    /// Spends a console token presented for VM `id` (its UUID or name) and
    /// says where its console is now. 401 `CONSOLE_TOKEN_INVALID` for a
    /// token that is missing, unknown, used, expired or issued for another
    /// VM; then 404 when the VM is gone, 409 `VM_NOT_RUNNING` when it
    /// stopped, 409 `NO_SUCH_CONSOLE` when the console has no address the
    /// host can connect to.
    pub async fn console_connect(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<ConsoleConnection> {
        let refused =
            |message: &str| Error::refused(Refusal::Unauthorized, CONSOLE_TOKEN_INVALID, message);
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| refused("a console token is required in the query (?token=)"))?;
        let grant = self
            .console_tokens
            .redeem(token, id)
            .map_err(|why| refused(why.message()))?;
        let consoles = self.consoles_of(&grant.vm_uuid, &grant.vm_name).await?;
        let console = consoles
            .into_iter()
            .find(|c| c.kind == grant.kind)
            .ok_or_else(|| no_such_console(&grant.vm_name, grant.kind))?;
        let address = console.address.ok_or_else(|| {
            Error::refused(
                Refusal::Conflict,
                NO_SUCH_CONSOLE,
                format!(
                    "the {} console of virtual machine '{}' has no address this host can connect to \
                     (the hypervisor gave it no port or device)",
                    grant.kind.as_str(),
                    grant.vm_name
                ),
            )
        })?;
        Ok(ConsoleConnection {
            vm_uuid: grant.vm_uuid,
            vm_name: grant.vm_name,
            kind: grant.kind,
            address,
        })
    }

    /// Whether a connected console is still where it was: false once the VM
    /// stopped, was removed, or restarted with another port or device.
    pub async fn console_still_open(&self, connection: &ConsoleConnection) -> bool {
        let uuid = connection.vm_uuid.clone();
        match self.blocking(move |hv| hv.consoles(&uuid)).await {
            Ok(consoles) => consoles.iter().any(|c| {
                c.kind == connection.kind && c.address.as_ref() == Some(&connection.address)
            }),
            Err(e) => !matches!(
                e.kind,
                HypervisorErrorKind::NotFound | HypervisorErrorKind::OperationInvalid
            ),
        }
    }

    /// The consoles of the running VM `uuid`, or 404 / 409 `VM_NOT_RUNNING`.
    async fn consoles_of(&self, uuid: &str, name: &str) -> Result<Vec<ConsoleEndpoint>> {
        let key = uuid.to_owned();
        self.blocking(move |hv| hv.consoles(&key))
            .await
            .map_err(|e| match e.kind {
                HypervisorErrorKind::OperationInvalid => Error::refused(
                    Refusal::Conflict,
                    VM_NOT_RUNNING,
                    format!(
                        "virtual machine '{name}' is not running; its consoles exist only while it runs"
                    ),
                ),
                _ => Error::from_hypervisor("reading the virtual machine's consoles", KIND, name, e),
            })
    }
}

/// The first display, else the serial console.
fn default_kind(consoles: &[ConsoleEndpoint]) -> Option<ConsoleKind> {
    consoles
        .iter()
        .find(|c| c.kind.is_graphics())
        .or_else(|| consoles.iter().find(|c| c.kind == ConsoleKind::Serial))
        .map(|c| c.kind)
}

fn no_such_console(name: &str, kind: ConsoleKind) -> Error {
    Error::refused(
        Refusal::Conflict,
        NO_SUCH_CONSOLE,
        format!("virtual machine '{name}' has no {} console", kind.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console(kind: ConsoleKind) -> ConsoleEndpoint {
        ConsoleEndpoint {
            kind,
            address: None,
        }
    }

    #[test]
    fn the_first_display_is_the_default() {
        use ConsoleKind::*;
        assert_eq!(default_kind(&[]), None);
        assert_eq!(default_kind(&[console(Serial)]), Some(Serial));
        assert_eq!(
            default_kind(&[console(Spice), console(Vnc), console(Serial)]),
            Some(Spice)
        );
    }
}
