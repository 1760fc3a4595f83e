//! The guest agent of the mock's guests.
//!
//! Every domain has the agent channel (`org.qemu.guest_agent.0`), as every
//! domain Vapor defines does. By default no agent runs in the guest, like a
//! guest without an OS: the channel is disconnected, quiesce is refused and
//! no interface addresses are known. [`MockHypervisor::set_guest_agents_run`]
//! makes running guests run one: the channel is connected and the agent
//! reports the guest's loopback and one interface per NIC, named by MAC.
//! Mock guests never ask a network for an address (its lease list stays
//! empty), so those interfaces have none.

use std::sync::atomic::{AtomicBool, Ordering};

use vapor_hypervisor::*;

use crate::{no_domain, MockHypervisor};

#[derive(Default)]
pub(crate) struct MockGuests {
    agents_run: AtomicBool,
}

impl MockHypervisor {
    /// Whether running guests run the QEMU guest agent (default: no).
    pub fn set_guest_agents_run(&self, run: bool) {
        self.guests.agents_run.store(run, Ordering::Relaxed);
    }

    /// The agent channel's state for a domain in `state`.
    pub(crate) fn guest_agent(&self, state: DomainState) -> GuestAgent {
        if state == DomainState::Running && self.guests.agents_run.load(Ordering::Relaxed) {
            GuestAgent::Connected
        } else {
            GuestAgent::Disconnected
        }
    }

    pub(crate) fn mock_guest_interfaces(&self, uuid: &str) -> Result<Vec<GuestInterface>> {
        let state = self.lock();
        let d = state.domains.get(uuid).ok_or_else(|| no_domain(uuid))?;
        if !d.state.is_active() {
            return Err(HypervisorError::operation_invalid(
                "Requested operation is not valid: domain is not running",
            ));
        }
        if self.guest_agent(d.state) != GuestAgent::Connected {
            return Err(HypervisorError::new(
                HypervisorErrorKind::Unavailable,
                "Guest agent is not responding: QEMU guest agent is not connected",
            ));
        }
        let mut out = vec![GuestInterface {
            name: "lo".into(),
            mac: Some("00:00:00:00:00:00".into()),
            addresses: vec![GuestIpAddress {
                family: "ipv4".into(),
                address: "127.0.0.1".into(),
                prefix: 8,
            }],
        }];
        out.extend(
            d.spec
                .interfaces
                .iter()
                .enumerate()
                .map(|(i, nic)| GuestInterface {
                    name: format!("eth{i}"),
                    mac: Some(nic.mac.to_ascii_lowercase()).filter(|m| !m.is_empty()),
                    addresses: Vec::new(),
                }),
        );
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(hv: &MockHypervisor) -> String {
        let spec = DomainSpec {
            name: "g".into(),
            uuid: "6f1a2c3e-0000-4000-8000-0000000000aa".into(),
            domain_type: "test".into(),
            arch: "x86_64".into(),
            memory_mib: 256,
            vcpus: 1,
            disks: vec![],
            interfaces: vec![InterfaceSpec {
                kind: InterfaceKind::User,
                source: None,
                model: "virtio".into(),
                mac: "52:54:00:AA:00:01".into(),
            }],
            graphics: vec![],
            boot: vec![],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        };
        let uuid = hv.define_domain(&spec).unwrap().uuid;
        hv.power(&uuid, PowerAction::Start).unwrap();
        uuid
    }

    #[test]
    fn no_agent_by_default() {
        let hv = MockHypervisor::new();
        let uuid = running(&hv);
        let err = hv.guest_interfaces(&uuid).unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::Unavailable);
        assert_eq!(
            hv.snapshot_facts(&uuid).unwrap().guest_agent,
            GuestAgent::Disconnected
        );
    }

    #[test]
    fn a_running_agent_reports_the_nics() {
        let hv = MockHypervisor::new();
        hv.set_guest_agents_run(true);
        let uuid = running(&hv);
        assert_eq!(
            hv.snapshot_facts(&uuid).unwrap().guest_agent,
            GuestAgent::Connected
        );
        let ifaces = hv.guest_interfaces(&uuid).unwrap();
        assert_eq!(ifaces.len(), 2);
        assert_eq!(ifaces[0].addresses[0].address, "127.0.0.1");
        assert_eq!(ifaces[1].mac.as_deref(), Some("52:54:00:aa:00:01"));
        assert!(ifaces[1].addresses.is_empty());
        hv.power(&uuid, PowerAction::Destroy).unwrap();
        assert_eq!(
            hv.guest_interfaces(&uuid).unwrap_err().kind,
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            hv.snapshot_facts(&uuid).unwrap().guest_agent,
            GuestAgent::Disconnected
        );
    }
}
