//! Consoles: where a running domain's graphics and serial consoles can be reached.
//!
//! A running mock domain's displays have the ports it was given when it
//! started (autoport from 5900 up, as QEMU does) on their listen address;
//! no display server listens there. Every domain has a serial port, as every
//! domain Vapor defines does, but no pseudo-terminal on the host: as on
//! libvirt's test driver, it has no address.

use vapor_hypervisor::{
    connect_host, ConsoleAddress, ConsoleBackend, ConsoleEndpoint, ConsoleKind, HypervisorError,
    Result,
};

use crate::{no_domain, MockHypervisor};

impl ConsoleBackend for MockHypervisor {
    fn consoles(&self, uuid: &str) -> Result<Vec<ConsoleEndpoint>> {
        let state = self.lock();
        let d = state.domains.get(uuid).ok_or_else(|| no_domain(uuid))?;
        if !d.state.is_active() {
            return Err(HypervisorError::operation_invalid(format!(
                "Requested operation is not valid: domain '{}' is not running",
                d.spec.name
            )));
        }
        let view = state.view(d);
        let mut consoles: Vec<ConsoleEndpoint> = view
            .graphics
            .iter()
            .filter_map(|g| {
                let kind = match g.kind.as_str() {
                    "vnc" => ConsoleKind::Vnc,
                    "spice" => ConsoleKind::Spice,
                    _ => return None,
                };
                let port = g.port.and_then(|p| u16::try_from(p).ok());
                Some(ConsoleEndpoint {
                    kind,
                    address: port.map(|port| ConsoleAddress::Tcp {
                        host: connect_host(g.listen.as_deref()),
                        port,
                    }),
                })
            })
            .collect();
        consoles.push(ConsoleEndpoint {
            kind: ConsoleKind::Serial,
            address: None,
        });
        Ok(consoles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::*;

    fn spec() -> DomainSpec {
        DomainSpec {
            name: "console-a".into(),
            uuid: "33333333-3333-4333-8333-333333333333".into(),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 512,
            vcpus: 1,
            disks: vec![],
            interfaces: vec![],
            graphics: vec![GraphicsSpec {
                kind: GraphicsKind::Vnc,
                listen: "127.0.0.1".into(),
                port: None,
                password: None,
            }],
            boot: vec![BootDevice::Hd],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        }
    }

    #[test]
    fn displays_get_ports_while_running() {
        let hv = MockHypervisor::new();
        let d = hv.define_domain(&spec()).unwrap();
        let err = hv.consoles(&d.uuid).unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid);
        hv.power(&d.uuid, PowerAction::Start).unwrap();
        let consoles = hv.consoles(&d.uuid).unwrap();
        assert_eq!(consoles.len(), 2);
        assert_eq!(consoles[0].kind, ConsoleKind::Vnc);
        match &consoles[0].address {
            Some(ConsoleAddress::Tcp { host, port }) => {
                assert_eq!(host, "127.0.0.1");
                assert!(*port >= 5900);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            consoles[1],
            ConsoleEndpoint {
                kind: ConsoleKind::Serial,
                address: None
            }
        );
        hv.power(&d.uuid, PowerAction::Destroy).unwrap();
        assert!(hv.consoles(&d.uuid).is_err());
        let missing = hv.consoles("00000000-0000-0000-0000-000000000000");
        assert_eq!(missing.unwrap_err().kind, HypervisorErrorKind::NotFound);
    }
}
