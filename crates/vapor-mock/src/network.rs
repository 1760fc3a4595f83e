//! Virtual networks.
//!
//! The rules follow libvirt's: names and UUIDs are unique; NAT, routed and
//! open networks need an address and a bridge network needs a bridge and no
//! address (the XML checks); a bridge name libvirt would create belongs to
//! one network (QEMU's define check); starting an active network, or one
//! whose subnet overlaps an active network's, and stopping or undefining
//! where the state does not allow it are `OperationInvalid`. Like the test
//! driver, the mock names no bridge on its own. No guest ever asks the mock
//! for an address, so a network's lease list is empty.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use vapor_hypervisor::*;

use crate::MockHypervisor;

/// The mock's networks, by name.
#[derive(Default)]
pub(crate) struct MockNetworks {
    state: Mutex<BTreeMap<String, MockNetwork>>,
}

impl MockNetworks {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, MockNetwork>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, Clone)]
struct MockNetwork {
    spec: NetworkSpec,
    active: bool,
    autostart: bool,
}

impl MockNetwork {
    fn view(&self) -> Network {
        Network {
            name: self.spec.name.clone(),
            uuid: self.spec.uuid.clone(),
            mode: self.spec.mode,
            bridge: self.spec.bridge.clone(),
            active: self.active,
            autostart: self.autostart,
            persistent: true,
            ip: self.spec.ip.clone(),
        }
    }
}

fn no_network(name: &str) -> HypervisorError {
    HypervisorError::not_found(format!(
        "Network not found: no network with matching name '{name}'"
    ))
}

fn invalid(what: String) -> HypervisorError {
    HypervisorError::operation_invalid(format!("Requested operation is not valid: {what}"))
}

/// The checks libvirt's network XML parser makes.
fn check_definition(spec: &NetworkSpec) -> Result<()> {
    let xml_error = |msg: String| {
        Err(HypervisorError::invalid_argument(format!(
            "XML error: {msg}"
        )))
    };
    if spec.name.is_empty() || spec.name.contains('/') {
        return xml_error(format!("name '{}' cannot contain '/'", spec.name));
    }
    let mode = spec.mode.as_str();
    match (&spec.ip, spec.bridge.as_deref()) {
        (None, _) if spec.mode.needs_address() => {
            return xml_error(format!(
                "{mode} forwarding requested, but no IP address provided for network '{}'",
                spec.name
            ))
        }
        (Some(_), _) if spec.mode == NetworkMode::Bridge => {
            return xml_error(format!(
                "Unsupported <ip> element in network {} with forward mode='bridge'",
                spec.name
            ))
        }
        (_, None) if spec.mode == NetworkMode::Bridge => {
            return xml_error(format!(
                "network '{}' has forward mode 'bridge' but no bridge device",
                spec.name
            ))
        }
        _ => {}
    }
    if let Some(ip) = &spec.ip {
        if ip.prefix_len().is_none() {
            return xml_error(format!("Invalid netmask '{}'", ip.netmask));
        }
        if let Some(dhcp) = &ip.dhcp {
            if !ip.contains(dhcp.start) || !ip.contains(dhcp.end) {
                return xml_error(format!(
                    "DHCP range '{}' to '{}' is not entirely within network",
                    dhcp.start, dhcp.end
                ));
            }
            if dhcp.start > dhcp.end {
                return xml_error(format!(
                    "DHCP range '{}' to '{}' is reversed",
                    dhcp.start, dhcp.end
                ));
            }
            for host in &dhcp.hosts {
                if !ip.contains(host.ip) {
                    return xml_error(format!("DHCP host IP {} is not within network", host.ip));
                }
            }
        }
    }
    Ok(())
}

impl NetworkBackend for MockHypervisor {
    fn list_networks(&self) -> Result<Vec<Network>> {
        Ok(self
            .networks
            .lock()
            .values()
            .map(MockNetwork::view)
            .collect())
    }

    fn lookup_network(&self, name: &str) -> Result<Network> {
        self.networks
            .lock()
            .get(name)
            .map(MockNetwork::view)
            .ok_or_else(|| no_network(name))
    }

    fn define_network(&self, spec: &NetworkSpec) -> Result<Network> {
        let mut nets = self.networks.lock();
        if let Some(existing) = nets.get(&spec.name) {
            return Err(HypervisorError::already_exists(format!(
                "operation failed: network '{}' already exists with uuid {}",
                spec.name, existing.spec.uuid
            )));
        }
        let uuid = spec.uuid.to_ascii_lowercase();
        if let Some(other) = nets.values().find(|n| n.spec.uuid == uuid) {
            return Err(HypervisorError::already_exists(format!(
                "operation failed: network '{}' is already defined with uuid {uuid}",
                other.spec.name
            )));
        }
        check_definition(spec)?;
        if let Some(bridge) = spec
            .bridge
            .as_deref()
            .filter(|_| spec.mode.creates_bridge())
        {
            if nets
                .values()
                .any(|n| n.spec.bridge.as_deref() == Some(bridge))
            {
                return Err(invalid(format!("bridge name '{bridge}' already in use.")));
            }
        }
        let mut spec = spec.clone();
        spec.uuid = uuid;
        let net = MockNetwork {
            spec,
            active: false,
            autostart: false,
        };
        let view = net.view();
        nets.insert(view.name.clone(), net);
        Ok(view)
    }

    fn start_network(&self, name: &str) -> Result<()> {
        let mut nets = self.networks.lock();
        let net = nets.get(name).ok_or_else(|| no_network(name))?;
        if net.active {
            return Err(invalid(format!("network '{name}' is already active")));
        }
        if let Some(ip) = &net.spec.ip {
            if let Some(other) = nets
                .values()
                .filter(|o| o.active && o.spec.name != name)
                .find(|o| o.spec.ip.as_ref().is_some_and(|oip| oip.overlaps(ip)))
            {
                let by = other.spec.bridge.as_deref().unwrap_or(&other.spec.name);
                return Err(invalid(format!(
                    "Network is already in use by interface {by}"
                )));
            }
        }
        if let Some(net) = nets.get_mut(name) {
            net.active = true;
        }
        Ok(())
    }

    fn stop_network(&self, name: &str) -> Result<()> {
        let mut nets = self.networks.lock();
        let net = nets.get_mut(name).ok_or_else(|| no_network(name))?;
        if !net.active {
            return Err(invalid(format!("network '{name}' is not active")));
        }
        net.active = false;
        Ok(())
    }

    fn undefine_network(&self, name: &str) -> Result<()> {
        let mut nets = self.networks.lock();
        let net = nets.get(name).ok_or_else(|| no_network(name))?;
        if net.active {
            return Err(invalid(format!("network '{name}' is still active")));
        }
        nets.remove(name);
        Ok(())
    }

    fn set_network_autostart(&self, name: &str, autostart: bool) -> Result<()> {
        let mut nets = self.networks.lock();
        nets.get_mut(name)
            .ok_or_else(|| no_network(name))?
            .autostart = autostart;
        Ok(())
    }

    fn network_dhcp_leases(&self, name: &str) -> Result<Vec<DhcpLease>> {
        let nets = self.networks.lock();
        nets.get(name).ok_or_else(|| no_network(name))?;
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U1: &str = "aaaaaaaa-1111-4111-8111-111111111111";
    const U2: &str = "bbbbbbbb-2222-4222-8222-222222222222";

    fn nat(name: &str, uuid: &str, third_octet: u8) -> NetworkSpec {
        NetworkSpec {
            name: name.into(),
            uuid: uuid.into(),
            mode: NetworkMode::Nat,
            bridge: Some(format!("vbr-{name}")),
            ip: Some(NetworkIp {
                address: [10, 213, third_octet, 1].into(),
                netmask: [255, 255, 255, 0].into(),
                dhcp: Some(NetworkDhcp {
                    start: [10, 213, third_octet, 100].into(),
                    end: [10, 213, third_octet, 200].into(),
                    hosts: vec![DhcpHost {
                        mac: "52:54:00:00:00:01".into(),
                        ip: [10, 213, third_octet, 10].into(),
                        name: Some("web".into()),
                    }],
                }),
            }),
        }
    }

    fn kind<T: std::fmt::Debug>(r: Result<T>) -> HypervisorErrorKind {
        r.unwrap_err().kind
    }

    #[test]
    fn lifecycle_follows_libvirt() {
        let hv = MockHypervisor::new();
        assert!(hv.list_networks().unwrap().is_empty());
        let spec = nat("a", U1, 1);
        let defined = hv.define_network(&spec).unwrap();
        assert_eq!(defined.ip, spec.ip);
        assert_eq!(defined.bridge.as_deref(), Some("vbr-a"));
        assert!(!defined.active && !defined.autostart && defined.persistent);
        assert_eq!(
            kind(hv.define_network(&spec)),
            HypervisorErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(hv.stop_network("a")),
            HypervisorErrorKind::OperationInvalid
        );

        hv.start_network("a").unwrap();
        assert!(hv.lookup_network("a").unwrap().active);
        assert_eq!(
            kind(hv.start_network("a")),
            HypervisorErrorKind::OperationInvalid
        );
        assert_eq!(
            kind(hv.undefine_network("a")),
            HypervisorErrorKind::OperationInvalid
        );
        hv.set_network_autostart("a", true).unwrap();
        assert!(hv.lookup_network("a").unwrap().autostart);
        assert!(hv.network_dhcp_leases("a").unwrap().is_empty());

        hv.stop_network("a").unwrap();
        hv.undefine_network("a").unwrap();
        assert_eq!(kind(hv.lookup_network("a")), HypervisorErrorKind::NotFound);
        assert_eq!(kind(hv.start_network("a")), HypervisorErrorKind::NotFound);
        assert_eq!(
            kind(hv.network_dhcp_leases("a")),
            HypervisorErrorKind::NotFound
        );
        assert_eq!(
            kind(hv.undefine_network("a")),
            HypervisorErrorKind::NotFound
        );
    }

    #[test]
    fn overlapping_subnets_cannot_run_together() {
        let hv = MockHypervisor::new();
        hv.define_network(&nat("a", U1, 1)).unwrap();
        let mut b = nat("b", U2, 1);
        if let Some(ip) = &mut b.ip {
            ip.netmask = [255, 255, 0, 0].into();
            ip.dhcp = None;
        }
        // Defining is allowed; running both is not.
        hv.define_network(&b).unwrap();
        hv.start_network("a").unwrap();
        assert_eq!(
            kind(hv.start_network("b")),
            HypervisorErrorKind::OperationInvalid
        );
        hv.stop_network("a").unwrap();
        hv.start_network("b").unwrap();
        assert_eq!(
            kind(hv.start_network("a")),
            HypervisorErrorKind::OperationInvalid
        );
    }

    #[test]
    fn definitions_are_checked() {
        let hv = MockHypervisor::new();
        let mut no_ip = nat("a", U1, 1);
        no_ip.ip = None;
        assert_eq!(
            kind(hv.define_network(&no_ip)),
            HypervisorErrorKind::InvalidArgument
        );
        no_ip.mode = NetworkMode::Isolated;
        hv.define_network(&no_ip).unwrap();

        let mut same_uuid = nat("b", U1, 2);
        assert_eq!(
            kind(hv.define_network(&same_uuid)),
            HypervisorErrorKind::AlreadyExists
        );
        same_uuid.uuid = U2.into();
        same_uuid.bridge = Some("vbr-a".into());
        assert_eq!(
            kind(hv.define_network(&same_uuid)),
            HypervisorErrorKind::OperationInvalid
        );

        let mut bridge = nat("c", U2, 3);
        bridge.mode = NetworkMode::Bridge;
        assert_eq!(
            kind(hv.define_network(&bridge)),
            HypervisorErrorKind::InvalidArgument
        );
        bridge.ip = None;
        bridge.bridge = None;
        assert_eq!(
            kind(hv.define_network(&bridge)),
            HypervisorErrorKind::InvalidArgument
        );
        // Bridge networks share host bridges freely, even one a NAT network made.
        bridge.bridge = Some("vbr-a".into());
        hv.define_network(&bridge).unwrap();

        let mut reversed = nat("d", "dddddddd-4444-4444-8444-444444444444", 4);
        if let Some(dhcp) = reversed.ip.as_mut().and_then(|ip| ip.dhcp.as_mut()) {
            std::mem::swap(&mut dhcp.start, &mut dhcp.end);
        }
        assert_eq!(
            kind(hv.define_network(&reversed)),
            HypervisorErrorKind::InvalidArgument
        );
        let mut outside = nat("d", "dddddddd-4444-4444-8444-444444444444", 4);
        if let Some(dhcp) = outside.ip.as_mut().and_then(|ip| ip.dhcp.as_mut()) {
            dhcp.hosts[0].ip = [10, 213, 5, 10].into();
        }
        assert_eq!(
            kind(hv.define_network(&outside)),
            HypervisorErrorKind::InvalidArgument
        );
        assert_eq!(
            hv.list_networks()
                .unwrap()
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "c"]
        );
    }
}
