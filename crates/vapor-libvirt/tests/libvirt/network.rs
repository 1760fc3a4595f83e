//! Virtual networks through the libvirt backend, on libvirt's in-process test
//! driver (`test:///default`), which starts with an active NAT network named
//! `default` (192.168.122.0/24 on `virbr0`).
//!
//! Every test uses its own names (`vapor-lt-` and a random suffix) and
//! removes what it created, even when it fails half-way.

use std::net::Ipv4Addr;

use vapor_hypervisor::{
    DhcpHost, HypervisorErrorKind, NetworkBackend, NetworkDhcp, NetworkIp, NetworkMode, NetworkSpec,
};
use vapor_libvirt::LibvirtHypervisor;

const URI: &str = "test:///default";

fn connect() -> LibvirtHypervisor {
    LibvirtHypervisor::connect(URI).expect("test:///default opens")
}

fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

fn nat_spec(name: &str, bridge: &str, third_octet: u8) -> NetworkSpec {
    NetworkSpec {
        name: name.to_owned(),
        uuid: uuid::Uuid::new_v4().to_string(),
        mode: NetworkMode::Nat,
        bridge: Some(bridge.to_owned()),
        ip: Some(NetworkIp {
            address: Ipv4Addr::new(10, 213, third_octet, 1),
            netmask: Ipv4Addr::new(255, 255, 255, 0),
            dhcp: Some(NetworkDhcp {
                start: Ipv4Addr::new(10, 213, third_octet, 100),
                end: Ipv4Addr::new(10, 213, third_octet, 200),
                hosts: vec![DhcpHost {
                    mac: "52:54:00:0a:0b:0c".into(),
                    ip: Ipv4Addr::new(10, 213, third_octet, 10),
                    name: Some("web".into()),
                }],
            }),
        }),
    }
}

/// Stops and undefines the network when dropped.
struct NetworkGuard<'a> {
    hv: &'a LibvirtHypervisor,
    name: String,
}

impl Drop for NetworkGuard<'_> {
    fn drop(&mut self) {
        let _ = self.hv.stop_network(&self.name);
        let _ = self.hv.undefine_network(&self.name);
    }
}

fn kind<T: std::fmt::Debug>(
    r: Result<T, vapor_hypervisor::HypervisorError>,
) -> HypervisorErrorKind {
    r.unwrap_err().kind
}

#[test]
fn the_default_network_reads_back() {
    let hv = connect();
    let net = hv.lookup_network("default").unwrap();
    assert_eq!(net.mode, NetworkMode::Nat);
    assert_eq!(net.bridge.as_deref(), Some("virbr0"));
    assert!(net.active && net.persistent);
    let ip = net.ip.expect("an address");
    assert_eq!(ip.address, Ipv4Addr::new(192, 168, 122, 1));
    assert_eq!(ip.netmask, Ipv4Addr::new(255, 255, 255, 0));
    let dhcp = ip.dhcp.expect("a DHCP range");
    assert_eq!(
        (dhcp.start, dhcp.end),
        (
            Ipv4Addr::new(192, 168, 122, 2),
            Ipv4Addr::new(192, 168, 122, 254)
        )
    );
    assert!(hv
        .list_networks()
        .unwrap()
        .iter()
        .any(|n| n.name == "default"));
}

#[test]
fn network_lifecycle() {
    let hv = connect();
    let s = suffix();
    let name = format!("vapor-lt-net-{s}");
    let spec = nat_spec(&name, &format!("vbr{s}"), 61);
    let defined = hv.define_network(&spec).unwrap();
    let _guard = NetworkGuard {
        hv: &hv,
        name: name.clone(),
    };
    assert_eq!(defined.name, name);
    assert_eq!(defined.uuid, spec.uuid);
    assert_eq!(defined.mode, NetworkMode::Nat);
    assert_eq!(defined.bridge, spec.bridge);
    assert_eq!(defined.ip, spec.ip);
    assert!(!defined.active && !defined.autostart && defined.persistent);
    assert_eq!(
        kind(hv.define_network(&spec)),
        HypervisorErrorKind::AlreadyExists
    );

    // The test driver "stops" an inactive network; the backend refuses.
    assert_eq!(
        kind(hv.stop_network(&name)),
        HypervisorErrorKind::OperationInvalid
    );
    hv.start_network(&name).unwrap();
    assert!(hv.lookup_network(&name).unwrap().active);
    assert_eq!(
        kind(hv.start_network(&name)),
        HypervisorErrorKind::OperationInvalid
    );
    assert_eq!(
        kind(hv.undefine_network(&name)),
        HypervisorErrorKind::OperationInvalid
    );

    hv.set_network_autostart(&name, true).unwrap();
    assert!(hv.lookup_network(&name).unwrap().autostart);
    hv.set_network_autostart(&name, false).unwrap();
    assert!(!hv.lookup_network(&name).unwrap().autostart);

    // The test driver has no lease API.
    assert_eq!(
        kind(hv.network_dhcp_leases(&name)),
        HypervisorErrorKind::Unsupported
    );

    hv.stop_network(&name).unwrap();
    hv.undefine_network(&name).unwrap();
    assert_eq!(
        kind(hv.lookup_network(&name)),
        HypervisorErrorKind::NotFound
    );
    assert_eq!(kind(hv.start_network(&name)), HypervisorErrorKind::NotFound);
    assert_eq!(
        kind(hv.network_dhcp_leases(&name)),
        HypervisorErrorKind::NotFound
    );
    assert!(hv.list_networks().unwrap().iter().all(|n| n.name != name));
}

#[test]
fn every_mode_reads_back_as_libvirt_holds_it() {
    let hv = connect();
    for (i, mode) in [
        NetworkMode::Nat,
        NetworkMode::Route,
        NetworkMode::Open,
        NetworkMode::Isolated,
        NetworkMode::Bridge,
    ]
    .into_iter()
    .enumerate()
    {
        let s = suffix();
        let name = format!("vapor-lt-{}-{s}", mode.as_str());
        let mut spec = nat_spec(&name, &format!("vbr{s}"), 70 + i as u8);
        spec.mode = mode;
        if mode == NetworkMode::Bridge {
            spec.ip = None;
        }
        if mode == NetworkMode::Isolated {
            spec.bridge = None;
        }
        hv.define_network(&spec).unwrap();
        let _guard = NetworkGuard {
            hv: &hv,
            name: name.clone(),
        };
        let read = hv.lookup_network(&name).unwrap();
        assert_eq!(read.mode, mode, "{name}");
        assert_eq!(read.bridge, spec.bridge, "{name}");
        assert_eq!(read.ip, spec.ip, "{name}");
    }
}

#[test]
fn hostile_strings_survive_the_round_trip() {
    let hv = connect();
    let s = suffix();
    let name = format!("vapor-lt-<&'\">-{s}");
    let spec = nat_spec(&name, &format!("vbr{s}"), 62);
    hv.define_network(&spec).unwrap();
    let _guard = NetworkGuard {
        hv: &hv,
        name: name.clone(),
    };
    let read = hv.lookup_network(&name).unwrap();
    assert_eq!(read.name, name);
    assert_eq!(read.ip, spec.ip);
}

/// libvirt writes a DHCP host's name back unescaped, so a name with markup
/// in it would come back as markup (here: a second host). The backend
/// refuses such names before libvirt sees them.
#[test]
fn host_names_libvirt_would_echo_as_markup_are_refused() {
    let hv = connect();
    let s = suffix();
    let mut spec = nat_spec(&format!("vapor-lt-inject-{s}"), &format!("vbr{s}"), 64);
    if let Some(dhcp) = spec.ip.as_mut().and_then(|ip| ip.dhcp.as_mut()) {
        dhcp.hosts[0].name = Some("x'/><host mac='52:54:00:66:66:66' ip='10.213.64.66'/>".into());
    }
    assert_eq!(
        kind(hv.define_network(&spec)),
        HypervisorErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(hv.lookup_network(&spec.name)),
        HypervisorErrorKind::NotFound
    );
}

#[test]
fn a_bridge_network_needs_its_bridge() {
    let hv = connect();
    let s = suffix();
    let mut spec = nat_spec(&format!("vapor-lt-br-{s}"), "", 63);
    spec.mode = NetworkMode::Bridge;
    spec.bridge = None;
    spec.ip = None;
    assert_eq!(
        kind(hv.define_network(&spec)),
        HypervisorErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(hv.lookup_network(&spec.name)),
        HypervisorErrorKind::NotFound
    );
}

#[test]
fn reading_a_network_costs_five_calls_and_a_liveness_check() {
    let hv = connect();
    let before = hv.libvirt_calls();
    hv.lookup_network("default").unwrap();
    // virConnectIsAlive, virNetworkLookupByName, virNetworkGetXMLDesc,
    // virNetworkIsActive, virNetworkGetAutostart, virNetworkIsPersistent.
    assert_eq!(hv.libvirt_calls() - before, 6);
}
