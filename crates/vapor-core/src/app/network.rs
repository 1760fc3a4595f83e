//! Virtual networks: create, read, delete, start/stop/autostart, DHCP leases.
//!
//! A network is addressed by its name. Mutations of one network are
//! serialised by a guard on its name; a second concurrent one gets 409.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use vapor_hypervisor::{
    prefix_len, DhcpHost, DhcpLease, HypervisorErrorKind, Network, NetworkDhcp, NetworkIp,
    NetworkMode, NetworkSpec,
};

use super::Vapor;
use crate::error::{Error, Result};

const KIND: &str = "network";

/// The longest bridge name Linux accepts (`IFNAMSIZ` - 1).
const MAX_BRIDGE_LEN: usize = 15;

/// The subnet sizes Vapor creates: /8 to /30 (a /31 or /32 leaves no
/// address for a guest).
const PREFIXES: std::ops::RangeInclusive<u32> = 8..=30;

/// `POST /networks`, as the request gives it: addresses still unparsed.
#[derive(Debug, Clone)]
pub struct NetworkCreate {
    pub name: String,
    pub mode: NetworkMode,
    pub bridge: Option<String>,
    pub ip_range: Option<IpRangeRequest>,
    pub dhcp: Option<DhcpRequest>,
    pub autostart: bool,
}

#[derive(Debug, Clone)]
pub struct IpRangeRequest {
    pub address: String,
    pub netmask: String,
}

#[derive(Debug, Clone)]
pub struct DhcpRequest {
    pub start: String,
    pub end: String,
    pub hosts: Vec<DhcpHostRequest>,
}

#[derive(Debug, Clone)]
pub struct DhcpHostRequest {
    pub mac: String,
    pub ip: String,
    pub name: Option<String>,
}

/// `POST /networks/{name}/action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkAction {
    Start,
    Stop,
    AutostartOn,
    AutostartOff,
}

impl Vapor {
    pub async fn list_networks(&self) -> Result<Vec<Network>> {
        let mut nets = self
            .blocking(|hv| hv.list_networks())
            .await
            .map_err(|e| Error::from_hypervisor("listing networks", KIND, "*", e))?;
        nets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(nets)
    }

    pub async fn get_network(&self, name: &str) -> Result<Network> {
        let key = name.to_owned();
        self.blocking(move |hv| hv.lookup_network(&key))
            .await
            .map_err(|e| Error::from_hypervisor("looking up the network", KIND, name, e))
    }

    /// Defines, starts and (if asked) marks the network for autostart. When a
    /// step after the definition fails, the network is stopped and undefined
    /// again, so a failed create leaves nothing behind.
    pub async fn create_network(&self, req: NetworkCreate) -> Result<Network> {
        let spec = validate_create(&req)?;
        let name = spec.name.clone();
        let _guard = self.locks.try_acquire(KIND, &name)?;

        let existing = self.list_networks().await?;
        if existing.iter().any(|n| n.name == name) {
            return Err(Error::AlreadyExists {
                kind: KIND,
                id: name,
            });
        }
        check_bridge_free(&spec, &existing)?;
        if let Some(ip) = &spec.ip {
            check_subnet_free(&name, ip, &existing)?;
        }

        let defined = {
            let spec = spec.clone();
            self.blocking(move |hv| hv.define_network(&spec)).await
        };
        defined.map_err(|e| Error::from_hypervisor("defining the network", KIND, &name, e))?;

        let n = name.clone();
        if let Err(e) = self.blocking(move |hv| hv.start_network(&n)).await {
            self.undo_create(&name, false).await;
            return Err(start_error(&name, e));
        }
        if req.autostart {
            let n = name.clone();
            if let Err(e) = self
                .blocking(move |hv| hv.set_network_autostart(&n, true))
                .await
            {
                self.undo_create(&name, true).await;
                return Err(Error::from_hypervisor("enabling autostart", KIND, &name, e));
            }
        }
        self.get_network(&name).await
    }

    /// Stops (when `started`) and undefines a network a failed create made,
    /// logging what cannot be undone.
    async fn undo_create(&self, name: &str, started: bool) {
        if started {
            let n = name.to_owned();
            if let Err(e) = self.blocking(move |hv| hv.stop_network(&n)).await {
                tracing::error!(network = %name, error = %e, "could not stop after a failed create");
            }
        }
        let n = name.to_owned();
        match self.blocking(move |hv| hv.undefine_network(&n)).await {
            Ok(()) => {}
            Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
            Err(e) => {
                tracing::error!(network = %name, error = %e, "could not undefine after a failed create")
            }
        }
    }

    /// Stops the network if it is active, then undefines it. Refused with 409
    /// while a running VM has an interface on it.
    pub async fn delete_network(&self, name: &str) -> Result<()> {
        let net = self.get_network(name).await?;
        let _guard = self.locks.try_acquire(KIND, name)?;
        let users = self.running_vms_on(name).await?;
        if !users.is_empty() {
            return Err(Error::conflict(format!(
                "network '{name}' is in use by running virtual machines ({}); stop them or detach them first",
                users.join(", ")
            )));
        }
        if net.active {
            let n = name.to_owned();
            match self.blocking(move |hv| hv.stop_network(&n)).await {
                Ok(()) => {}
                // Stopped by someone else in the meantime.
                Err(e) if e.kind == HypervisorErrorKind::OperationInvalid => {}
                Err(e) => {
                    return Err(Error::from_hypervisor(
                        "stopping the network",
                        KIND,
                        name,
                        e,
                    ))
                }
            }
        }
        let n = name.to_owned();
        match self.blocking(move |hv| hv.undefine_network(&n)).await {
            Ok(()) => Ok(()),
            // A transient network is gone once stopped.
            Err(e) if e.kind == HypervisorErrorKind::NotFound && !net.persistent => Ok(()),
            Err(e) => Err(Error::from_hypervisor(
                "undefining the network",
                KIND,
                name,
                e,
            )),
        }
    }

    /// Names of the running (or paused) VMs with an interface on the network.
    async fn running_vms_on(&self, network: &str) -> Result<Vec<String>> {
        Ok(self
            .list_vms()
            .await?
            .into_iter()
            .filter(|vm| vm.state.is_active())
            .filter(|vm| {
                vm.interfaces
                    .iter()
                    .any(|i| i.kind == "network" && i.source.as_deref() == Some(network))
            })
            .map(|vm| vm.name)
            .collect())
    }

    /// Starts or stops the network, or switches its autostart; returns it as
    /// it is afterwards. Starting an active network or stopping an inactive
    /// one is 409, as is starting one whose subnet overlaps an active network's.
    pub async fn network_action(&self, name: &str, action: NetworkAction) -> Result<Network> {
        let net = self.get_network(name).await?;
        let _guard = self.locks.try_acquire(KIND, name)?;
        let n = name.to_owned();
        match action {
            NetworkAction::Start => {
                if net.active {
                    return Err(Error::conflict(format!(
                        "network '{name}' is already active"
                    )));
                }
                if let Some(ip) = &net.ip {
                    check_subnet_free(name, ip, &self.list_networks().await?)?;
                }
                self.blocking(move |hv| hv.start_network(&n))
                    .await
                    .map_err(|e| start_error(name, e))?;
            }
            NetworkAction::Stop => {
                if !net.active {
                    return Err(Error::conflict(format!("network '{name}' is not active")));
                }
                self.blocking(move |hv| hv.stop_network(&n))
                    .await
                    .map_err(|e| Error::from_hypervisor("stopping the network", KIND, name, e))?;
            }
            NetworkAction::AutostartOn | NetworkAction::AutostartOff => {
                let on = action == NetworkAction::AutostartOn;
                self.blocking(move |hv| hv.set_network_autostart(&n, on))
                    .await
                    .map_err(|e| Error::from_hypervisor("setting autostart", KIND, name, e))?;
            }
        }
        self.get_network(name).await
    }

    /// The network's DHCP leases, by address.
    pub async fn network_dhcp_leases(&self, name: &str) -> Result<Vec<DhcpLease>> {
        let key = name.to_owned();
        self.blocking(move |hv| hv.network_dhcp_leases(&key))
            .await
            .map_err(|e| Error::from_hypervisor("reading the DHCP leases", KIND, name, e))
    }
}

/// A failed start; a clash with the host's state (a subnet or bridge in
/// use) is a conflict.
fn start_error(name: &str, e: vapor_hypervisor::HypervisorError) -> Error {
    Error::from_hypervisor(
        format!("network '{name}' could not be started"),
        KIND,
        name,
        e,
    )
}

/// A bridge libvirt is to create must not be any other network's bridge
/// (libvirt's own rule; its QEMU driver reports it as an internal error).
fn check_bridge_free(spec: &NetworkSpec, others: &[Network]) -> Result<()> {
    let Some(bridge) = spec
        .bridge
        .as_deref()
        .filter(|_| spec.mode.creates_bridge())
    else {
        return Ok(());
    };
    match others.iter().find(|n| n.bridge.as_deref() == Some(bridge)) {
        Some(other) => Err(Error::conflict(format!(
            "bridge '{bridge}' is already the bridge of network '{}'",
            other.name
        ))),
        None => Ok(()),
    }
}

/// Two active networks may not share addresses: libvirt refuses to start a
/// network whose subnet overlaps one in use (its test driver does not check,
/// so Vapor does, for every backend alike).
fn check_subnet_free(name: &str, ip: &NetworkIp, others: &[Network]) -> Result<()> {
    let clash = others
        .iter()
        .filter(|n| n.active && n.name != name)
        .find_map(|n| n.ip.as_ref().filter(|o| o.overlaps(ip)).map(|o| (n, o)));
    match clash {
        Some((other, oip)) => Err(Error::conflict(format!(
            "subnet {} overlaps the subnet {} of network '{}', which is active",
            cidr(ip),
            cidr(oip),
            other.name
        ))),
        None => Ok(()),
    }
}

fn cidr(ip: &NetworkIp) -> String {
    match ip.prefix_len() {
        Some(p) => format!("{}/{p}", ip.network_address()),
        None => format!("{}/{}", ip.address, ip.netmask),
    }
}

/// Checks a create request and turns it into a definition with a new UUID.
fn validate_create(req: &NetworkCreate) -> Result<NetworkSpec> {
    validate_network_name(&req.name)?;
    if let Some(bridge) = &req.bridge {
        validate_bridge(bridge)?;
    }
    let mode = req.mode.as_str();
    if req.mode == NetworkMode::Bridge {
        if req.bridge.is_none() {
            return Err(Error::invalid(
                "bridge",
                "a bridge network needs `bridge`, the name of an existing host bridge",
            ));
        }
        if req.ip_range.is_some() {
            return Err(Error::invalid(
                "ip_range",
                "a bridge network has no ip_range: addresses come from the host bridge's own network",
            ));
        }
        if req.dhcp.is_some() {
            return Err(Error::invalid(
                "dhcp",
                "a bridge network has no dhcp: libvirt runs no DHCP server on a host bridge",
            ));
        }
    }
    if req.dhcp.is_some() && req.ip_range.is_none() {
        return Err(Error::invalid("dhcp", "dhcp needs an ip_range"));
    }
    if req.ip_range.is_none() && req.mode.needs_address() {
        return Err(Error::invalid(
            "ip_range",
            format!("a {mode} network needs an ip_range"),
        ));
    }
    let ip = match &req.ip_range {
        None => None,
        Some(range) => {
            let mut ip = parse_ip_range(range)?;
            if let Some(dhcp) = &req.dhcp {
                ip.dhcp = Some(parse_dhcp(&ip, dhcp)?);
            }
            Some(ip)
        }
    };
    Ok(NetworkSpec {
        name: req.name.clone(),
        uuid: uuid::Uuid::new_v4().to_string(),
        mode: req.mode,
        bridge: req.bridge.clone(),
        ip,
    })
}

/// Network names: like VM names, 1-64 letters, digits, '.', '_' or '-',
/// starting with a letter or digit.
fn validate_network_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            format!("'{name}' is not a valid network name: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ))
    }
}

/// Linux interface names: 1-15 characters; Vapor allows letters, digits,
/// '_', '.' and '-', and not `.` or `..`.
fn validate_bridge(bridge: &str) -> Result<()> {
    let ok = (1..=MAX_BRIDGE_LEN).contains(&bridge.len())
        && bridge
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && bridge != "."
        && bridge != "..";
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "bridge",
            format!("'{bridge}' is not a valid bridge name: 1-{MAX_BRIDGE_LEN} letters, digits, '_', '.' or '-'"),
        ))
    }
}

fn parse_ipv4(field: &'static str, what: &str, value: &str) -> Result<Ipv4Addr> {
    value.parse().map_err(|_| {
        Error::invalid(
            field,
            format!("{what} '{value}' is not an IPv4 address in dotted-quad form"),
        )
    })
}

fn parse_ip_range(range: &IpRangeRequest) -> Result<NetworkIp> {
    let address = parse_ipv4("ip_range", "ip_range.address", &range.address)?;
    let netmask = parse_ipv4("ip_range", "ip_range.netmask", &range.netmask)?;
    match prefix_len(netmask) {
        Some(p) if PREFIXES.contains(&p) => {}
        Some(p) => {
            return Err(Error::invalid(
                "ip_range",
                format!(
                    "netmask {netmask} (/{p}) is out of range: from /{} to /{}",
                    PREFIXES.start(),
                    PREFIXES.end()
                ),
            ))
        }
        None => {
            return Err(Error::invalid(
                "ip_range",
                format!("netmask {netmask} is not a contiguous netmask"),
            ))
        }
    }
    let ip = NetworkIp {
        address,
        netmask,
        dhcp: None,
    };
    if !is_host_address(&ip, address) {
        return Err(Error::invalid(
            "ip_range",
            format!(
                "ip_range.address {address} is the network or broadcast address of {}; use a host address such as {}",
                cidr(&ip),
                Ipv4Addr::from(u32::from(ip.network_address()) + 1)
            ),
        ));
    }
    Ok(ip)
}

/// Whether `addr` is a host address of the subnet: inside it, and neither its
/// network address nor its broadcast address.
fn is_host_address(ip: &NetworkIp, addr: Ipv4Addr) -> bool {
    let mask = u32::from(ip.netmask);
    ip.contains(addr) && u32::from(addr) & !mask != 0 && u32::from(addr) | mask != u32::MAX
}

fn parse_dhcp(ip: &NetworkIp, dhcp: &DhcpRequest) -> Result<NetworkDhcp> {
    let start = parse_ipv4("dhcp", "dhcp.start", &dhcp.start)?;
    let end = parse_ipv4("dhcp", "dhcp.end", &dhcp.end)?;
    for (what, addr) in [("dhcp.start", start), ("dhcp.end", end)] {
        if !is_host_address(ip, addr) {
            return Err(Error::invalid(
                "dhcp",
                format!("{what} {addr} is not a host address of {}", cidr(ip)),
            ));
        }
    }
    if start > end {
        return Err(Error::invalid(
            "dhcp",
            format!("dhcp.start {start} is after dhcp.end {end}"),
        ));
    }
    let mut macs = HashSet::new();
    let mut ips = HashSet::new();
    let mut hosts = Vec::with_capacity(dhcp.hosts.len());
    for host in &dhcp.hosts {
        validate_mac(&host.mac)?;
        let addr = parse_ipv4("dhcp", "dhcp.hosts[].ip", &host.ip)?;
        if !is_host_address(ip, addr) || addr == ip.address {
            return Err(Error::invalid(
                "dhcp",
                format!(
                    "static host {} gets {addr}, which is not a free host address of {}",
                    host.mac,
                    cidr(ip)
                ),
            ));
        }
        if let Some(name) = &host.name {
            validate_host_name(name)?;
        }
        let mac = host.mac.to_ascii_lowercase();
        if !macs.insert(mac.clone()) {
            return Err(Error::invalid(
                "dhcp",
                format!("MAC {mac} has more than one static host"),
            ));
        }
        if !ips.insert(addr) {
            return Err(Error::invalid(
                "dhcp",
                format!("{addr} is given to more than one static host"),
            ));
        }
        hosts.push(DhcpHost {
            mac,
            ip: addr,
            name: host.name.clone(),
        });
    }
    Ok(NetworkDhcp { start, end, hosts })
}

/// A unicast MAC address, `xx:xx:xx:xx:xx:xx`.
fn validate_mac(mac: &str) -> Result<()> {
    let parts: Vec<&str> = mac.split(':').collect();
    let ok = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()));
    let multicast = u8::from_str_radix(parts[0], 16).map_or(true, |b| b & 1 == 1);
    if ok && !multicast {
        Ok(())
    } else {
        Err(Error::invalid(
            "dhcp",
            format!("'{mac}' is not a unicast MAC address"),
        ))
    }
}

/// A host name for a static DHCP host: 1-63 letters, digits, '-' or '.',
/// starting with a letter or digit.
fn validate_host_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = name.len() <= 63
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "dhcp",
            format!("'{name}' is not a valid host name: 1-63 letters, digits, '-' or '.', starting with a letter or digit"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(mode: NetworkMode) -> NetworkCreate {
        NetworkCreate {
            name: "lab".into(),
            mode,
            bridge: None,
            ip_range: Some(IpRangeRequest {
                address: "10.213.9.1".into(),
                netmask: "255.255.255.0".into(),
            }),
            dhcp: Some(DhcpRequest {
                start: "10.213.9.100".into(),
                end: "10.213.9.200".into(),
                hosts: vec![DhcpHostRequest {
                    mac: "52:54:00:AA:00:01".into(),
                    ip: "10.213.9.10".into(),
                    name: Some("web-1".into()),
                }],
            }),
            autostart: false,
        }
    }

    fn field(r: Result<NetworkSpec>) -> &'static str {
        match r {
            Err(Error::InvalidRequest {
                field: Some(field), ..
            }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_request_becomes_a_spec() {
        let spec = validate_create(&req(NetworkMode::Nat)).unwrap();
        assert_eq!(spec.name, "lab");
        uuid::Uuid::parse_str(&spec.uuid).unwrap();
        let ip = spec.ip.unwrap();
        assert_eq!(ip.netmask, Ipv4Addr::new(255, 255, 255, 0));
        let dhcp = ip.dhcp.unwrap();
        assert_eq!(dhcp.hosts[0].mac, "52:54:00:aa:00:01");
        assert_eq!(dhcp.hosts[0].ip, Ipv4Addr::new(10, 213, 9, 10));

        let mut isolated = req(NetworkMode::Isolated);
        isolated.ip_range = None;
        isolated.dhcp = None;
        assert_eq!(validate_create(&isolated).unwrap().ip, None);

        let mut bridge = req(NetworkMode::Bridge);
        bridge.ip_range = None;
        bridge.dhcp = None;
        bridge.bridge = Some("br0".into());
        validate_create(&bridge).unwrap();
    }

    #[test]
    fn each_mistake_names_its_field() {
        let with = |f: &dyn Fn(&mut NetworkCreate)| {
            let mut r = req(NetworkMode::Nat);
            f(&mut r);
            field(validate_create(&r))
        };
        assert_eq!(with(&|r| r.name = "has space".into()), "name");
        assert_eq!(with(&|r| r.name = "-x".into()), "name");
        assert_eq!(with(&|r| r.name = "x".repeat(65)), "name");
        assert_eq!(
            with(&|r| r.bridge = Some("a-very-long-bridge".into())),
            "bridge"
        );
        assert_eq!(with(&|r| r.bridge = Some("br 0".into())), "bridge");
        assert_eq!(with(&|r| r.bridge = Some("..".into())), "bridge");
        assert_eq!(with(&|r| r.bridge = Some(String::new())), "bridge");
        assert_eq!(with(&|r| r.ip_range = None), "dhcp");
        assert_eq!(
            with(&|r| {
                r.ip_range = None;
                r.dhcp = None
            }),
            "ip_range"
        );
        let range = |address: &str, netmask: &str| {
            with(&|r| {
                r.dhcp = None;
                r.ip_range = Some(IpRangeRequest {
                    address: address.into(),
                    netmask: netmask.into(),
                })
            })
        };
        assert_eq!(range("10.213.9", "255.255.255.0"), "ip_range");
        assert_eq!(range("10.213.9.1", "24"), "ip_range");
        assert_eq!(range("10.213.9.1", "255.0.255.0"), "ip_range");
        assert_eq!(range("10.213.9.1", "255.255.255.254"), "ip_range");
        assert_eq!(range("10.213.9.0", "255.255.255.0"), "ip_range");
        assert_eq!(range("10.213.9.255", "255.255.255.0"), "ip_range");
        assert_eq!(range("fd00::1", "255.255.255.0"), "ip_range");

        let dhcp = |f: &dyn Fn(&mut DhcpRequest)| {
            with(&|r| {
                if let Some(d) = r.dhcp.as_mut() {
                    f(d)
                }
            })
        };
        assert_eq!(dhcp(&|d| d.start = "10.213.10.5".into()), "dhcp");
        assert_eq!(dhcp(&|d| d.end = "10.213.9.255".into()), "dhcp");
        assert_eq!(dhcp(&|d| d.end = "10.213.9.50".into()), "dhcp");
        assert_eq!(dhcp(&|d| d.start = "ten".into()), "dhcp");
        assert_eq!(dhcp(&|d| d.hosts[0].ip = "10.213.8.10".into()), "dhcp");
        assert_eq!(dhcp(&|d| d.hosts[0].ip = "10.213.9.1".into()), "dhcp");
        assert_eq!(
            dhcp(&|d| d.hosts[0].mac = "01:00:5e:00:00:01".into()),
            "dhcp"
        );
        assert_eq!(dhcp(&|d| d.hosts[0].mac = "52:54:00:aa:00".into()), "dhcp");
        assert_eq!(dhcp(&|d| d.hosts[0].name = Some("a,b".into())), "dhcp");
        assert_eq!(
            dhcp(&|d| d.hosts[0].name = Some("x\"/><evil/>".into())),
            "dhcp"
        );
        assert_eq!(
            dhcp(&|d| {
                let mut twin = d.hosts[0].clone();
                twin.ip = "10.213.9.11".into();
                twin.mac = twin.mac.to_ascii_lowercase();
                d.hosts.push(twin)
            }),
            "dhcp"
        );
        assert_eq!(
            dhcp(&|d| {
                let mut twin = d.hosts[0].clone();
                twin.mac = "52:54:00:aa:00:02".into();
                d.hosts.push(twin)
            }),
            "dhcp"
        );

        let bridge = |f: &dyn Fn(&mut NetworkCreate)| {
            let mut r = req(NetworkMode::Bridge);
            r.bridge = Some("br0".into());
            r.ip_range = None;
            r.dhcp = None;
            f(&mut r);
            field(validate_create(&r))
        };
        assert_eq!(bridge(&|r| r.bridge = None), "bridge");
        assert_eq!(
            bridge(&|r| r.ip_range = req(NetworkMode::Nat).ip_range),
            "ip_range"
        );
        assert_eq!(bridge(&|r| r.dhcp = req(NetworkMode::Nat).dhcp), "dhcp");
    }

    fn net(name: &str, active: bool, bridge: Option<&str>, cidr: Option<(&str, &str)>) -> Network {
        Network {
            name: name.into(),
            uuid: String::new(),
            mode: NetworkMode::Nat,
            bridge: bridge.map(str::to_owned),
            active,
            autostart: false,
            persistent: true,
            ip: cidr.map(|(a, m)| NetworkIp {
                address: a.parse().unwrap(),
                netmask: m.parse().unwrap(),
                dhcp: None,
            }),
        }
    }

    #[test]
    fn clashes_with_other_networks() {
        let others = [
            net("a", true, Some("vbra"), Some(("10.213.0.1", "255.255.0.0"))),
            net(
                "b",
                false,
                Some("vbrb"),
                Some(("10.214.0.1", "255.255.255.0")),
            ),
        ];
        let mut spec = validate_create(&req(NetworkMode::Nat)).unwrap();
        let ip = spec.ip.clone().unwrap();
        assert!(matches!(
            check_subnet_free("lab", &ip, &others),
            Err(Error::Conflict { .. })
        ));
        // Only active networks count, and never the network itself.
        let b_ip = others[1].ip.clone().unwrap();
        check_subnet_free("lab", &b_ip, &others).unwrap();
        check_subnet_free("a", &ip, &others).unwrap();

        check_bridge_free(&spec, &others).unwrap();
        spec.bridge = Some("vbrb".into());
        assert!(matches!(
            check_bridge_free(&spec, &others),
            Err(Error::Conflict { .. })
        ));
        spec.mode = NetworkMode::Bridge;
        check_bridge_free(&spec, &others).unwrap();
    }
}
