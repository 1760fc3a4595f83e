//! Virtual network XML: writing a definition from a [`NetworkSpec`] and
//! reading a network's description back.

use std::net::Ipv4Addr;

use roxmltree::Node;
use vapor_hypervisor::{
    netmask_of, DhcpHost, HypervisorError, Network, NetworkDhcp, NetworkIp, NetworkMode,
    NetworkSpec,
};

use super::{child, child_text, parse, XmlWriter};

/// The network XML libvirt should define for `spec`.
///
/// `Isolated` has no `<forward>`; `Bridge` is `<forward mode='bridge'/>`
/// over the named host bridge, with no address. Fails with
/// `InvalidArgument` when the spec cannot be expressed: a malformed UUID, a
/// character XML cannot carry, a bridge network without a bridge or with an
/// address, or a DHCP host name with a character XML must escape (see
/// [`check_host_name`]).
pub(crate) fn network_xml(spec: &NetworkSpec) -> Result<String, HypervisorError> {
    let uuid = uuid::Uuid::parse_str(&spec.uuid)
        .map_err(|e| {
            HypervisorError::invalid_argument(format!("invalid uuid '{}': {e}", spec.uuid))
        })?
        .hyphenated()
        .to_string();
    let bridge = spec.bridge.as_deref().filter(|b| !b.is_empty());
    if spec.mode == NetworkMode::Bridge {
        if bridge.is_none() {
            return Err(HypervisorError::invalid_argument(
                "a bridge network needs the name of a host bridge",
            ));
        }
        if spec.ip.is_some() {
            return Err(HypervisorError::invalid_argument(
                "a bridge network has no address of its own",
            ));
        }
    }

    let mut w = XmlWriter::new();
    w.start("network", &[])?;
    w.text_element("name", &[], &spec.name)?;
    w.text_element("uuid", &[], &uuid)?;
    if spec.mode != NetworkMode::Isolated {
        w.empty("forward", &[("mode", spec.mode.as_str())])?;
    }
    if let Some(bridge) = bridge {
        w.empty("bridge", &[("name", bridge)])?;
    }
    if let Some(ip) = &spec.ip {
        write_ip(&mut w, ip)?;
    }
    w.end("network")?;
    w.finish()
}

fn write_ip(w: &mut XmlWriter, ip: &NetworkIp) -> Result<(), HypervisorError> {
    let address = ip.address.to_string();
    let netmask = ip.netmask.to_string();
    let attrs = [("address", address.as_str()), ("netmask", netmask.as_str())];
    let Some(dhcp) = &ip.dhcp else {
        return w.empty("ip", &attrs);
    };
    w.start("ip", &attrs)?;
    w.start("dhcp", &[])?;
    let start = dhcp.start.to_string();
    let end = dhcp.end.to_string();
    w.empty("range", &[("start", &start), ("end", &end)])?;
    for host in &dhcp.hosts {
        let ip = host.ip.to_string();
        let mut attrs = vec![("mac", host.mac.as_str())];
        if let Some(name) = host.name.as_deref().filter(|n| !n.is_empty()) {
            check_host_name(name)?;
            attrs.push(("name", name));
        }
        attrs.push(("ip", &ip));
        w.empty("host", &attrs)?;
    }
    w.end("dhcp")?;
    w.end("ip")
}

/// Refuses a DHCP host name with a character XML must escape. libvirt (9.0
/// at least) writes `<host name='...'>` back without escaping it, in the XML
/// it returns and in the definition it stores, so such a name would come
/// back as markup: a name `x'/><host .../>` adds a host.
fn check_host_name(name: &str) -> Result<(), HypervisorError> {
    match name
        .chars()
        .find(|c| matches!(c, '<' | '>' | '&' | '\'' | '"'))
    {
        Some(c) => Err(HypervisorError::invalid_argument(format!(
            "the DHCP host name {name:?} contains {c:?}, which libvirt would not escape"
        ))),
        None => Ok(()),
    }
}

/// Reads what a network's XML says about it.
///
/// The XML does not say everything: `active`, `autostart` and `persistent`
/// are `false`; the caller fills them in from the API. Of the network's
/// addresses, the first IPv4 one is read, with its first IPv4 DHCP range and
/// the static hosts that have both a MAC and an IPv4 address.
pub(crate) fn parse_network(xml: &str) -> Result<Network, HypervisorError> {
    let doc = parse(xml, "network")?;
    let root = doc.root_element();
    let text = |name: &str| {
        child_text(root, name)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| HypervisorError::failed(format!("network XML has no <{name}>")))
    };
    let name = text("name")?;
    let uuid = text("uuid")?;
    let mode = match child(root, "forward") {
        None => NetworkMode::Isolated,
        // libvirt's default forward mode is NAT.
        Some(f) => match f.attribute("mode").unwrap_or("nat") {
            "nat" => NetworkMode::Nat,
            "route" => NetworkMode::Route,
            "open" => NetworkMode::Open,
            // bridge, and the modes that attach guests to host devices
            // directly (passthrough, private, vepa, hostdev).
            _ => NetworkMode::Bridge,
        },
    };
    let bridge = child(root, "bridge")
        .and_then(|b| b.attribute("name"))
        .filter(|b| !b.is_empty())
        .map(str::to_string);
    let ip = elements(root, "ip").find_map(read_ip);
    Ok(Network {
        name,
        uuid,
        mode,
        bridge,
        active: false,
        autostart: false,
        persistent: false,
        ip,
    })
}

/// The child elements named `name`.
fn elements<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

fn ipv4(node: Node, attr: &str) -> Option<Ipv4Addr> {
    node.attribute(attr)?.trim().parse().ok()
}

/// An IPv4 `<ip>` element; `None` for IPv6 or unreadable ones.
fn read_ip(node: Node) -> Option<NetworkIp> {
    if node.attribute("family").is_some_and(|f| f != "ipv4") {
        return None;
    }
    let address = ipv4(node, "address")?;
    let netmask = match (ipv4(node, "netmask"), node.attribute("prefix")) {
        (Some(mask), _) => mask,
        (None, Some(prefix)) => netmask_of(prefix.trim().parse().ok()?)?,
        // libvirt falls back on the address's class.
        (None, None) => netmask_of(match address.octets()[0] {
            0..=127 => 8,
            128..=191 => 16,
            _ => 24,
        })?,
    };
    let dhcp = child(node, "dhcp").and_then(|d| {
        let range =
            elements(d, "range").find_map(|r| Some((ipv4(r, "start")?, ipv4(r, "end")?)))?;
        let hosts = elements(d, "host")
            .filter_map(|h| {
                Some(DhcpHost {
                    mac: h.attribute("mac")?.to_string(),
                    ip: ipv4(h, "ip")?,
                    name: h.attribute("name").map(str::to_string),
                })
            })
            .collect();
        Some(NetworkDhcp {
            start: range.0,
            end: range.1,
            hosts,
        })
    });
    Some(NetworkIp {
        address,
        netmask,
        dhcp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::HypervisorErrorKind;

    const UUID: &str = "6f1a2c3e-0000-4000-8000-0000000000a1";

    fn spec(mode: NetworkMode) -> NetworkSpec {
        NetworkSpec {
            name: format!("net-{}", mode.as_str()),
            uuid: UUID.into(),
            mode,
            bridge: None,
            ip: None,
        }
    }

    fn ip(dhcp: bool) -> NetworkIp {
        NetworkIp {
            address: "10.213.7.1".parse().unwrap(),
            netmask: "255.255.255.0".parse().unwrap(),
            dhcp: dhcp.then(|| NetworkDhcp {
                start: "10.213.7.100".parse().unwrap(),
                end: "10.213.7.200".parse().unwrap(),
                hosts: vec![
                    DhcpHost {
                        mac: "52:54:00:00:07:01".into(),
                        ip: "10.213.7.10".parse().unwrap(),
                        name: Some("web".into()),
                    },
                    DhcpHost {
                        mac: "52:54:00:00:07:02".into(),
                        ip: "10.213.7.11".parse().unwrap(),
                        name: None,
                    },
                ],
            }),
        }
    }

    #[test]
    fn nat_network() {
        let mut s = spec(NetworkMode::Nat);
        s.bridge = Some("vbr0123abcd".into());
        s.ip = Some(ip(true));
        insta::assert_snapshot!(network_xml(&s).unwrap());
    }

    #[test]
    fn route_network() {
        let mut s = spec(NetworkMode::Route);
        s.ip = Some(ip(false));
        insta::assert_snapshot!(network_xml(&s).unwrap());
    }

    #[test]
    fn open_network() {
        let mut s = spec(NetworkMode::Open);
        s.ip = Some(ip(true));
        insta::assert_snapshot!(network_xml(&s).unwrap());
    }

    #[test]
    fn isolated_network() {
        let mut s = spec(NetworkMode::Isolated);
        s.bridge = Some("vbriso".into());
        insta::assert_snapshot!(network_xml(&s).unwrap());
    }

    #[test]
    fn isolated_network_with_dhcp() {
        let mut s = spec(NetworkMode::Isolated);
        s.ip = Some(ip(true));
        insta::assert_snapshot!(network_xml(&s).unwrap());
    }

    #[test]
    fn bridge_network() {
        let mut s = spec(NetworkMode::Bridge);
        s.bridge = Some("br0".into());
        insta::assert_snapshot!(network_xml(&s).unwrap());
    }

    #[test]
    fn bridge_network_needs_a_bridge_and_no_address() {
        let s = spec(NetworkMode::Bridge);
        assert_eq!(
            network_xml(&s).unwrap_err().kind,
            HypervisorErrorKind::InvalidArgument
        );
        let mut s = spec(NetworkMode::Bridge);
        s.bridge = Some("br0".into());
        s.ip = Some(ip(false));
        assert_eq!(
            network_xml(&s).unwrap_err().kind,
            HypervisorErrorKind::InvalidArgument
        );
    }

    #[test]
    fn bad_uuid_and_control_characters_are_rejected() {
        let mut s = spec(NetworkMode::Isolated);
        s.uuid = "not-a-uuid".into();
        assert_eq!(
            network_xml(&s).unwrap_err().kind,
            HypervisorErrorKind::InvalidArgument
        );
        let mut s = spec(NetworkMode::Isolated);
        s.name = "bell\u{7}".into();
        assert_eq!(
            network_xml(&s).unwrap_err().kind,
            HypervisorErrorKind::InvalidArgument
        );
    }

    fn hostile() -> NetworkSpec {
        let mut s = spec(NetworkMode::Nat);
        s.name = "x</name><forward mode='open'/><name>y&amp;".into();
        s.bridge = Some("br'/><evil/><x a='".into());
        let mut ip = ip(true);
        if let Some(dhcp) = &mut ip.dhcp {
            dhcp.hosts[1].mac = "52:54:00:00:07:02' name='injected\"/><x/>".into();
        }
        s.ip = Some(ip);
        s
    }

    #[test]
    fn host_names_libvirt_would_not_escape_are_refused() {
        for bad in [
            "x'/><host mac='52:54:00:66:66:66' ip='10.0.0.1'/>",
            "a<b",
            "a&b",
            "a\"b",
            "a>b",
        ] {
            let mut s = spec(NetworkMode::Nat);
            let mut ip = ip(true);
            if let Some(dhcp) = &mut ip.dhcp {
                dhcp.hosts[0].name = Some(bad.into());
            }
            s.ip = Some(ip);
            assert_eq!(
                network_xml(&s).unwrap_err().kind,
                HypervisorErrorKind::InvalidArgument,
                "{bad}"
            );
        }
    }

    #[test]
    fn hostile_strings_are_escaped() {
        let s = hostile();
        let xml = network_xml(&s).unwrap();
        insta::assert_snapshot!(xml);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        let count = |tag: &str| root.descendants().filter(|n| n.has_tag_name(tag)).count();
        assert_eq!(count("forward"), 1);
        assert_eq!(count("host"), 2);
        assert_eq!(count("evil"), 0);
        assert_eq!(count("x"), 0);
        // Every value reads back unchanged.
        let read = parse_network(&xml).unwrap();
        assert_eq!(read.name, s.name);
        assert_eq!(read.bridge, s.bridge);
        assert_eq!(read.mode, NetworkMode::Nat);
        assert_eq!(read.ip, s.ip);
    }

    #[test]
    fn written_specs_read_back() {
        for mode in [
            NetworkMode::Nat,
            NetworkMode::Route,
            NetworkMode::Open,
            NetworkMode::Isolated,
            NetworkMode::Bridge,
        ] {
            let mut s = spec(mode);
            s.bridge = Some("vbrtest".into());
            if mode != NetworkMode::Bridge {
                s.ip = Some(ip(true));
            }
            let n = parse_network(&network_xml(&s).unwrap()).unwrap();
            assert_eq!(n.name, s.name);
            assert_eq!(n.uuid, UUID);
            assert_eq!(n.mode, mode);
            assert_eq!(n.bridge, s.bridge);
            assert_eq!(n.ip, s.ip);
            assert!(!n.active && !n.autostart && !n.persistent);
        }
    }

    #[test]
    fn reads_what_libvirt_writes() {
        // The default network of libvirt's test driver.
        let n = parse_network(
            "<network>\n  <name>default</name>\n  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\n  \
             <forward mode='nat'/>\n  <bridge name='virbr0' stp='on' delay='0'/>\n  \
             <ip address='192.168.122.1' netmask='255.255.255.0'>\n    <dhcp>\n      \
             <range start='192.168.122.2' end='192.168.122.254'/>\n    </dhcp>\n  </ip>\n</network>",
        )
        .unwrap();
        assert_eq!(n.mode, NetworkMode::Nat);
        assert_eq!(n.bridge.as_deref(), Some("virbr0"));
        let ip = n.ip.unwrap();
        assert_eq!(ip.address, "192.168.122.1".parse::<Ipv4Addr>().unwrap());
        let dhcp = ip.dhcp.unwrap();
        assert_eq!(dhcp.start, "192.168.122.2".parse::<Ipv4Addr>().unwrap());
        assert!(dhcp.hosts.is_empty());

        // QEMU's live XML: NAT details, a prefix instead of a netmask, IPv6
        // first, a host without an address, a DHCP range per family.
        let n = parse_network(
            "<network connections='1'><name>lab</name><uuid>cee820fc-02b1-4884-9900-7776bf93598a</uuid>\
             <forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>\
             <bridge name='virbr9' stp='on' delay='0'/><mac address='52:54:00:bb:8d:27'/>\
             <ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::10' end='fd00::20'/></dhcp></ip>\
             <ip address='10.9.0.1' prefix='16'><dhcp>\
             <range start='10.9.1.0' end='10.9.1.255'/>\
             <host mac='52:54:00:00:00:01' name='named-only'/>\
             <host mac='52:54:00:00:00:02' ip='10.9.0.2'/>\
             </dhcp></ip></network>",
        )
        .unwrap();
        assert_eq!(n.bridge.as_deref(), Some("virbr9"));
        let ip = n.ip.unwrap();
        assert_eq!(ip.netmask, "255.255.0.0".parse::<Ipv4Addr>().unwrap());
        let dhcp = ip.dhcp.unwrap();
        assert_eq!(dhcp.end, "10.9.1.255".parse::<Ipv4Addr>().unwrap());
        assert_eq!(
            dhcp.hosts,
            vec![DhcpHost {
                mac: "52:54:00:00:00:02".into(),
                ip: "10.9.0.2".parse().unwrap(),
                name: None
            }]
        );

        // Forward modes: none is isolated, no mode is NAT, direct modes are bridge.
        let mode = |xml: &str| parse_network(xml).unwrap().mode;
        assert_eq!(
            mode("<network><name>n</name><uuid>u</uuid></network>"),
            NetworkMode::Isolated
        );
        assert_eq!(
            mode("<network><name>n</name><uuid>u</uuid><forward/></network>"),
            NetworkMode::Nat
        );
        assert_eq!(
            mode("<network><name>n</name><uuid>u</uuid><forward mode='route'/></network>"),
            NetworkMode::Route
        );
        assert_eq!(
            mode("<network><name>n</name><uuid>u</uuid><forward mode='open'/></network>"),
            NetworkMode::Open
        );
        let direct = parse_network(
            "<network><name>n</name><uuid>u</uuid>\
             <forward mode='passthrough'><interface dev='eth1'/></forward></network>",
        )
        .unwrap();
        assert_eq!(direct.mode, NetworkMode::Bridge);
        assert_eq!(direct.bridge, None);
        assert_eq!(direct.ip, None);
    }

    #[test]
    fn malformed_documents_fail() {
        assert!(parse_network("<pool/>").is_err());
        assert!(parse_network("<network><uuid>u</uuid></network>").is_err());
        assert!(parse_network("not xml").is_err());
    }
}
