//! Virtual networks.
//!
//! A network is addressed by its name, which is unique on a host. Addresses
//! are IPv4; a network's IPv6 addresses, if it has any, are not described.

use std::net::Ipv4Addr;

use crate::Result;

/// How a network connects its guests to the rest of the world (libvirt's
/// `<forward mode=...>`, or its absence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetworkMode {
    /// A bridge with an address; guests' traffic is NATed out of the host.
    Nat,
    /// A bridge with an address; guests' traffic is routed, not NATed.
    Route,
    /// A bridge with no way out: guests reach each other and the host only.
    Isolated,
    /// An existing host bridge, managed outside libvirt; no address, no DHCP.
    Bridge,
    /// Like `Route`, with no firewall rules added by libvirt.
    Open,
}

impl NetworkMode {
    /// The API's (and, except for `isolated`, libvirt's) name of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Nat => "nat",
            NetworkMode::Route => "route",
            NetworkMode::Isolated => "isolated",
            NetworkMode::Bridge => "bridge",
            NetworkMode::Open => "open",
        }
    }

    /// Whether libvirt creates (and names) the network's bridge itself.
    /// Only `Bridge` uses a bridge that exists on the host already.
    pub fn creates_bridge(self) -> bool {
        self != NetworkMode::Bridge
    }

    /// Whether libvirt requires an address for the mode (it refuses to
    /// define NAT, routed and open networks without one).
    pub fn needs_address(self) -> bool {
        matches!(
            self,
            NetworkMode::Nat | NetworkMode::Route | NetworkMode::Open
        )
    }
}

/// A static DHCP assignment: the guest with `mac` always gets `ip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpHost {
    /// MAC address, `52:54:00:xx:xx:xx` form.
    pub mac: String,
    pub ip: Ipv4Addr,
    /// Host name handed to the guest.
    pub name: Option<String>,
}

/// The DHCP service of a network: a dynamic range (inclusive) and static hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkDhcp {
    pub start: Ipv4Addr,
    pub end: Ipv4Addr,
    pub hosts: Vec<DhcpHost>,
}

/// The host's address on a network and the network's subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkIp {
    /// The host's (the guests' gateway's) address on the network.
    pub address: Ipv4Addr,
    /// Dotted-quad netmask, e.g. `255.255.255.0`.
    pub netmask: Ipv4Addr,
    pub dhcp: Option<NetworkDhcp>,
}

impl NetworkIp {
    /// The subnet's prefix length, or `None` when the netmask is not contiguous.
    pub fn prefix_len(&self) -> Option<u32> {
        prefix_len(self.netmask)
    }

    /// The subnet's first address (`address & netmask`).
    pub fn network_address(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.address) & u32::from(self.netmask))
    }

    /// Whether `ip` lies in this subnet.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::from(self.netmask);
        u32::from(ip) & mask == u32::from(self.address) & mask
    }

    /// Whether the two subnets share any address.
    pub fn overlaps(&self, other: &NetworkIp) -> bool {
        // The shorter (less specific) mask decides: the longer subnet lies
        // inside the shorter one or not at all.
        let mask = u32::from(self.netmask) & u32::from(other.netmask);
        u32::from(self.address) & mask == u32::from(other.address) & mask
    }
}

/// The prefix length of a contiguous netmask (`255.255.255.0` → 24).
pub fn prefix_len(netmask: Ipv4Addr) -> Option<u32> {
    let bits = u32::from(netmask);
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones)
}

/// The netmask of a prefix length (24 → `255.255.255.0`); `None` above 32.
pub fn netmask_of(prefix: u32) -> Option<Ipv4Addr> {
    match prefix {
        0 => Some(Ipv4Addr::UNSPECIFIED),
        1..=32 => Some(Ipv4Addr::from(u32::MAX << (32 - prefix))),
        _ => None,
    }
}

/// Everything needed to define a new network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSpec {
    pub name: String,
    /// Chosen by the caller, like a domain's.
    pub uuid: String,
    pub mode: NetworkMode,
    /// For `Bridge`, the host bridge to use (required). For the other modes,
    /// the name of the bridge libvirt creates; `None` lets libvirt pick one.
    pub bridge: Option<String>,
    /// Required by `Nat`, `Route` and `Open`; optional for `Isolated`; not
    /// allowed for `Bridge`.
    pub ip: Option<NetworkIp>,
}

/// A network as the backend reports it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub name: String,
    pub uuid: String,
    /// Networks made outside Vapor with a forward mode Vapor does not offer
    /// (`passthrough`, `private`, `vepa`, `hostdev`: guests attach to host
    /// devices directly) are reported as `Bridge`.
    pub mode: NetworkMode,
    /// The bridge device, when the network has one (libvirt's test driver
    /// names none unless told).
    pub bridge: Option<String>,
    pub active: bool,
    pub autostart: bool,
    pub persistent: bool,
    /// The network's first IPv4 address, when it has one.
    pub ip: Option<NetworkIp>,
}

/// A DHCP lease handed out on a network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpLease {
    pub mac: String,
    /// IPv4 or IPv6 address, as text.
    pub ip_address: String,
    /// Prefix length of the leased address.
    pub prefix: u32,
    pub hostname: Option<String>,
    pub client_id: Option<String>,
    /// When the lease expires, in seconds since the Unix epoch.
    pub expiry_unix_secs: i64,
}

/// Virtual networks. Part of [`crate::Hypervisor`].
pub trait NetworkBackend {
    /// Every defined or running network, by name.
    fn list_networks(&self) -> Result<Vec<Network>>;

    /// A network by name. `NotFound` when there is none.
    fn lookup_network(&self, name: &str) -> Result<Network>;

    /// Defines a persistent network (not started, no autostart).
    /// `AlreadyExists` when the name is taken.
    fn define_network(&self, spec: &NetworkSpec) -> Result<Network>;

    /// Starts an inactive network. `OperationInvalid` when it is active, or
    /// when its subnet or bridge clashes with one in use on the host.
    fn start_network(&self, name: &str) -> Result<()>;

    /// Stops an active network. `OperationInvalid` when it is not active.
    fn stop_network(&self, name: &str) -> Result<()>;

    /// Removes an inactive network's definition. `OperationInvalid` when it
    /// is active (stop it first).
    fn undefine_network(&self, name: &str) -> Result<()>;

    /// Marks a persistent network to start with the host, or not.
    fn set_network_autostart(&self, name: &str, autostart: bool) -> Result<()>;

    /// The network's current DHCP leases. `Unsupported` when the backend
    /// cannot tell (libvirt's test driver).
    fn network_dhcp_leases(&self, name: &str) -> Result<Vec<DhcpLease>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(a: &str, m: &str) -> NetworkIp {
        NetworkIp {
            address: a.parse().unwrap(),
            netmask: m.parse().unwrap(),
            dhcp: None,
        }
    }

    #[test]
    fn masks_and_prefixes() {
        assert_eq!(prefix_len("255.255.255.0".parse().unwrap()), Some(24));
        assert_eq!(prefix_len("255.255.255.255".parse().unwrap()), Some(32));
        assert_eq!(prefix_len("0.0.0.0".parse().unwrap()), Some(0));
        assert_eq!(prefix_len("255.0.255.0".parse().unwrap()), None);
        assert_eq!(prefix_len("255.255.255.1".parse().unwrap()), None);
        for p in 0..=32 {
            assert_eq!(prefix_len(netmask_of(p).unwrap()), Some(p));
        }
        assert_eq!(netmask_of(33), None);
    }

    #[test]
    fn subnets() {
        let a = ip("10.213.4.1", "255.255.255.0");
        assert!(a.contains("10.213.4.254".parse().unwrap()));
        assert!(!a.contains("10.213.5.1".parse().unwrap()));
        assert_eq!(
            a.network_address(),
            "10.213.4.0".parse::<Ipv4Addr>().unwrap()
        );
        assert!(a.overlaps(&ip("10.213.4.129", "255.255.255.128")));
        assert!(a.overlaps(&ip("10.0.0.1", "255.0.0.0")));
        assert!(!a.overlaps(&ip("10.213.5.1", "255.255.255.0")));
        assert!(!a.overlaps(&ip("192.168.122.1", "255.255.255.0")));
    }
}
