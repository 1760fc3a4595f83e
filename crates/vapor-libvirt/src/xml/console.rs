//! Reading where a running domain's consoles are from its live XML.

use roxmltree::Node;
use vapor_hypervisor::{
    connect_host, ConsoleAddress, ConsoleEndpoint, ConsoleKind, HypervisorError,
};

use super::{child, parse};

/// The consoles a live domain definition lists: every VNC and SPICE display
/// in order, then the first serial port (or, without one, the first
/// console). A display gets an address when it has a TCP port (QEMU fills
/// in the one autoport chose); a serial port when it is a pseudo-terminal
/// whose device QEMU reported (`<source path=.../>`).
pub(crate) fn parse_consoles(xml: &str) -> Result<Vec<ConsoleEndpoint>, HypervisorError> {
    let doc = parse(xml, "domain")?;
    let Some(devices) = child(doc.root_element(), "devices") else {
        return Ok(Vec::new());
    };
    let elements = |tag: &'static str| {
        devices
            .children()
            .filter(move |n| n.is_element() && n.has_tag_name(tag))
    };
    let mut consoles: Vec<ConsoleEndpoint> = elements("graphics").filter_map(graphics).collect();
    if let Some(serial) = elements("serial")
        .next()
        .or_else(|| elements("console").next())
    {
        consoles.push(ConsoleEndpoint {
            kind: ConsoleKind::Serial,
            address: pty(serial),
        });
    }
    Ok(consoles)
}

fn graphics(g: Node) -> Option<ConsoleEndpoint> {
    let kind = match g.attribute("type")? {
        "vnc" => ConsoleKind::Vnc,
        "spice" => ConsoleKind::Spice,
        _ => return None,
    };
    // `<listen type='socket'>` or `type='none'` leave no TCP port.
    let listen = child(g, "listen");
    let tcp =
        listen.is_none_or(|l| matches!(l.attribute("type"), None | Some("address" | "network")));
    let port = g
        .attribute("port")
        .and_then(|p| p.trim().parse::<i32>().ok())
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0);
    let host = g
        .attribute("listen")
        .or_else(|| listen.and_then(|l| l.attribute("address")));
    Some(ConsoleEndpoint {
        kind,
        address: port.filter(|_| tcp).map(|port| ConsoleAddress::Tcp {
            host: connect_host(host),
            port,
        }),
    })
}

fn pty(serial: Node) -> Option<ConsoleAddress> {
    if serial.attribute("type") != Some("pty") {
        return None;
    }
    let path = child(serial, "source")
        .and_then(|s| s.attribute("path"))
        .or_else(|| serial.attribute("tty"))
        // Only a pseudo-terminal is ever opened, whatever else the XML names.
        .filter(|p| p.starts_with("/dev/pts/") && !p.contains(".."))?;
    Some(ConsoleAddress::Pty {
        path: path.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> Option<ConsoleAddress> {
        Some(ConsoleAddress::Tcp {
            host: host.into(),
            port,
        })
    }

    #[test]
    fn running_qemu_domain() {
        let xml = "<domain type='kvm'><name>a</name><devices>
            <serial type='pty'><source path='/dev/pts/7'/><target type='isa-serial' port='0'/></serial>
            <console type='pty' tty='/dev/pts/7'><source path='/dev/pts/7'/><target type='serial' port='0'/></console>
            <graphics type='vnc' port='5903' autoport='yes' listen='127.0.0.1'>
              <listen type='address' address='127.0.0.1'/>
            </graphics>
            <graphics type='spice' port='5904' autoport='yes' listen='0.0.0.0'/>
            <graphics type='vnc' autoport='no'><listen type='socket' socket='/run/x.sock'/></graphics>
          </devices></domain>";
        let c = parse_consoles(xml).unwrap();
        assert_eq!(
            c,
            vec![
                ConsoleEndpoint {
                    kind: ConsoleKind::Vnc,
                    address: tcp("127.0.0.1", 5903)
                },
                ConsoleEndpoint {
                    kind: ConsoleKind::Spice,
                    address: tcp("127.0.0.1", 5904)
                },
                ConsoleEndpoint {
                    kind: ConsoleKind::Vnc,
                    address: None
                },
                ConsoleEndpoint {
                    kind: ConsoleKind::Serial,
                    address: Some(ConsoleAddress::Pty {
                        path: "/dev/pts/7".into()
                    })
                },
            ]
        );
    }

    #[test]
    fn only_pseudo_terminals_are_addresses() {
        for path in ["/dev/sda", "/dev/pts/../sda", "pts/1"] {
            let xml = format!(
                "<domain><name>a</name><devices><serial type='pty'><source path='{path}'/></serial></devices></domain>"
            );
            let c = parse_consoles(&xml).unwrap();
            assert_eq!(c[0].address, None, "{path}");
        }
        let xml = "<domain><name>a</name><devices>
            <serial type='file'><source path='/dev/pts/1'/></serial></devices></domain>";
        assert_eq!(parse_consoles(xml).unwrap()[0].address, None);
    }

    #[test]
    fn test_driver_allocates_nothing() {
        // What libvirt's test driver reports for a running domain.
        let xml = "<domain type='test'><name>a</name><devices>
            <serial type='pty'><target port='0'/></serial>
            <console type='pty'><target type='serial' port='0'/></console>
            <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'>
              <listen type='address' address='127.0.0.1'/>
            </graphics>
          </devices></domain>";
        let c = parse_consoles(xml).unwrap();
        assert_eq!(
            c,
            vec![
                ConsoleEndpoint {
                    kind: ConsoleKind::Vnc,
                    address: None
                },
                ConsoleEndpoint {
                    kind: ConsoleKind::Serial,
                    address: None
                },
            ]
        );
    }

    #[test]
    fn no_devices_no_consoles() {
        let xml =
            "<domain><name>a</name><devices><graphics type='egl-headless'/></devices></domain>";
        assert!(parse_consoles(xml).unwrap().is_empty());
        assert!(parse_consoles("<domain><name>a</name></domain>")
            .unwrap()
            .is_empty());
    }
}
