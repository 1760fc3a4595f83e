//! Reading a libvirt domain description into a [`Domain`].

use roxmltree::Node;
use vapor_hypervisor::{
    DiskInfo, Domain, DomainState, GraphicsInfo, HypervisorError, InterfaceInfo, OsInfo,
    VaporMetadata,
};

use super::{child, child_text, parse, VAPOR_NAMESPACE};

const MIB: u128 = 1024 * 1024;

/// Reads what a domain's XML says about it.
///
/// The XML does not say everything: the returned domain's `state` is
/// `NoState`, `autostart` and `persistent` are `false` and every disk's
/// `capacity_bytes` is `None`; the caller fills them in from the API.
/// Memory is converted to MiB (rounded down) from whatever unit libvirt used.
pub fn parse_domain(xml: &str) -> Result<Domain, HypervisorError> {
    let doc = parse(xml, "domain")?;
    let root = doc.root_element();

    let name = required_text(root, "name")?;
    let uuid = required_text(root, "uuid")?;
    let domain_type = root.attribute("type").unwrap_or_default().to_string();

    let max_memory_mib = match child(root, "memory") {
        Some(node) => memory_mib(node)?,
        None => {
            return Err(HypervisorError::failed(format!(
                "domain '{name}' has no <memory>"
            )))
        }
    };
    let memory_mib = match child(root, "currentMemory") {
        Some(node) => memory_mib(node)?,
        None => max_memory_mib,
    };

    let (vcpus, max_vcpus) = match child(root, "vcpu") {
        Some(node) => {
            let max = parse_number::<u32>(node.text().unwrap_or_default(), "vcpu")?;
            let current = match node.attribute("current") {
                Some(c) => parse_number::<u32>(c, "vcpu current")?,
                None => max,
            };
            (current, max)
        }
        None => (1, 1),
    };

    let os = match child(root, "os").and_then(|os| child(os, "type")) {
        Some(t) => OsInfo {
            os_type: t.text().unwrap_or_default().trim().to_string(),
            arch: t.attribute("arch").unwrap_or_default().to_string(),
            machine: t.attribute("machine").map(str::to_string),
        },
        None => OsInfo {
            os_type: String::new(),
            arch: String::new(),
            machine: None,
        },
    };

    let os_node = child(root, "os");
    let loader = os_node.and_then(|os| child(os, "loader"));
    let firmware_feature = |name: &str| {
        os_node
            .and_then(|os| child(os, "firmware"))
            .into_iter()
            .flat_map(|f| f.children())
            .any(|f| {
                f.has_tag_name("feature")
                    && f.attribute("name") == Some(name)
                    && f.attribute("enabled") == Some("yes")
            })
    };
    let efi = os_node.and_then(|os| os.attribute("firmware")) == Some("efi")
        || loader.is_some_and(|l| l.attribute("type") == Some("pflash"));
    let secure_boot = efi
        && (loader.and_then(|l| l.attribute("secure")) == Some("yes")
            || firmware_feature("secure-boot"));

    let devices = child(root, "devices");
    let elements = |tag: &'static str| {
        devices
            .into_iter()
            .flat_map(|d| d.children())
            .filter(move |n| n.is_element() && n.has_tag_name(tag))
    };
    let disks = elements("disk").map(read_disk).collect();
    let interfaces = elements("interface").map(read_interface).collect();
    let graphics = elements("graphics").map(read_graphics).collect();
    let tpm = elements("tpm").next().is_some();

    let metadata = child(root, "metadata")
        .map(read_metadata)
        .unwrap_or_default();

    Ok(Domain {
        uuid,
        name,
        state: DomainState::NoState,
        domain_type,
        memory_mib,
        max_memory_mib,
        vcpus,
        max_vcpus,
        autostart: false,
        persistent: false,
        os,
        disks,
        interfaces,
        graphics,
        firmware: if efi { "efi" } else { "bios" }.to_string(),
        secure_boot,
        tpm,
        metadata,
    })
}

fn required_text(node: Node, name: &str) -> Result<String, HypervisorError> {
    child_text(node, name)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| HypervisorError::failed(format!("domain XML has no <{name}>")))
}

fn parse_number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, HypervisorError> {
    text.trim().parse().map_err(|_| {
        HypervisorError::failed(format!("domain XML has a malformed {what}: {text:?}"))
    })
}

/// A `<memory unit=...>N</memory>`-style element in MiB.
fn memory_mib(node: Node) -> Result<u64, HypervisorError> {
    let what = node.tag_name().name();
    let value = parse_number::<u64>(node.text().unwrap_or_default(), what)?;
    let bytes = u128::from(value) * unit_scale(node.attribute("unit"), what)?;
    u64::try_from(bytes / MIB).map_err(|_| HypervisorError::failed(format!("{what} is too large")))
}

/// Bytes per unit, following libvirt's rules: no unit means KiB; `b` or
/// `bytes`; a prefix letter alone or with `iB` is a power of 1024; with `B`,
/// a power of 1000.
fn unit_scale(unit: Option<&str>, what: &str) -> Result<u128, HypervisorError> {
    let unit = unit.unwrap_or("KiB");
    if unit.eq_ignore_ascii_case("b") || unit.eq_ignore_ascii_case("bytes") {
        return Ok(1);
    }
    let bad = || HypervisorError::failed(format!("{what} has an unknown unit {unit:?}"));
    let mut chars = unit.chars();
    let power = match chars.next().map(|c| c.to_ascii_lowercase()) {
        Some('k') => 1,
        Some('m') => 2,
        Some('g') => 3,
        Some('t') => 4,
        Some('p') => 5,
        Some('e') => 6,
        _ => return Err(bad()),
    };
    let base: u128 = match chars.as_str() {
        "" | "iB" | "ib" => 1024,
        "B" | "b" => 1000,
        _ => return Err(bad()),
    };
    Ok(base.pow(power))
}

fn read_disk(disk: Node) -> DiskInfo {
    let target = child(disk, "target");
    let source = child(disk, "source");
    DiskInfo {
        device: disk.attribute("device").unwrap_or("disk").to_string(),
        target: target
            .and_then(|t| t.attribute("dev"))
            .unwrap_or_default()
            .to_string(),
        bus: target.and_then(|t| t.attribute("bus")).map(str::to_string),
        format: child(disk, "driver")
            .and_then(|d| d.attribute("type"))
            .map(str::to_string),
        path: source
            .and_then(|s| {
                s.attribute("file")
                    .or(s.attribute("dev"))
                    .or(s.attribute("name"))
            })
            .map(str::to_string),
        readonly: child(disk, "readonly").is_some(),
        cache: child(disk, "driver")
            .and_then(|d| d.attribute("cache"))
            .map(str::to_string),
        capacity_bytes: None,
    }
}

fn read_interface(iface: Node) -> InterfaceInfo {
    let kind = iface.attribute("type").unwrap_or_default().to_string();
    let source = child(iface, "source");
    // The live XML of a `network` interface also names the bridge it got;
    // report the attribute that matches the interface type.
    let preferred = match kind.as_str() {
        "network" => "network",
        "bridge" => "bridge",
        "direct" => "dev",
        _ => "",
    };
    let source = source.and_then(|s| {
        s.attribute(preferred)
            .or(s.attribute("network"))
            .or(s.attribute("bridge"))
            .or(s.attribute("dev"))
    });
    InterfaceInfo {
        source: source.map(str::to_string),
        model: child(iface, "model")
            .and_then(|m| m.attribute("type"))
            .map(str::to_string),
        mac: child(iface, "mac")
            .and_then(|m| m.attribute("address"))
            .map(str::to_string),
        kind,
    }
}

fn read_graphics(g: Node) -> GraphicsInfo {
    let listen = g.attribute("listen").map(str::to_string).or_else(|| {
        child(g, "listen")
            .and_then(|l| l.attribute("address"))
            .map(str::to_string)
    });
    let port = g
        .attribute("port")
        .and_then(|p| p.trim().parse::<i32>().ok())
        .filter(|p| *p >= 0);
    GraphicsInfo {
        kind: g.attribute("type").unwrap_or_default().to_string(),
        listen,
        port,
        autoport: g.attribute("autoport") == Some("yes"),
    }
}

fn read_metadata(metadata: Node) -> VaporMetadata {
    let Some(vm) = metadata.children().find(|n| {
        n.is_element()
            && n.tag_name().namespace() == Some(VAPOR_NAMESPACE)
            && n.tag_name().name() == "vm"
    }) else {
        return VaporMetadata::default();
    };
    let ours = |n: &Node, name: &str| {
        n.is_element()
            && n.tag_name().namespace() == Some(VAPOR_NAMESPACE)
            && n.tag_name().name() == name
    };
    let text = |name: &str| {
        vm.children()
            .find(|n| ours(n, name))
            .and_then(|n| n.text())
            .map(|t| t.to_string())
    };
    VaporMetadata {
        created_at: text("created-at"),
        updated_at: text("updated-at"),
        owned_volumes: vm
            .children()
            .filter(|n| ours(n, "owned-volume"))
            .filter_map(|n| n.attribute("path"))
            .map(str::to_string)
            .collect(),
        ephemeral_volumes: vm
            .children()
            .filter(|n| ours(n, "ephemeral-volume"))
            .filter_map(|n| n.attribute("path"))
            .map(str::to_string)
            .collect(),
        labels: vm
            .children()
            .filter(|n| ours(n, "label"))
            .filter_map(|n| {
                Some((
                    n.attribute("key")?.to_string(),
                    n.attribute("value")?.to_string(),
                ))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A running QEMU domain as libvirt 9.0 reports it (abridged).
    const LIVE_QEMU: &str = r#"<domain type='kvm' id='7'>
  <name>web-01</name>
  <uuid>6f1a2c3e-0000-4000-8000-000000000002</uuid>
  <metadata>
    <v:vm xmlns:v="https://vapor.dev/xmlns/domain/1">
      <v:created-at>2024-05-01T12:00:00Z</v:created-at>
      <v:owned-volume path="/var/lib/vapor/images/web-01-root.qcow2"/>
      <v:owned-volume path="/var/lib/vapor/images/web-01-data.qcow2"/>
    </v:vm>
    <other:thing xmlns:other="https://example.invalid/other"><other:created-at>x</other:created-at></other:thing>
  </metadata>
  <memory unit='KiB'>4194304</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/vapor/images/web-01-root.qcow2' index='2'/>
      <backingStore/>
      <target dev='vda' bus='virtio'/>
      <alias name='virtio-disk0'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/vg0/data'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default' portid='0b2c' bridge='virbr0'/>
      <target dev='vnet3'/>
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:12:34:57'/>
      <source bridge='br0'/>
    </interface>
    <interface type='user'>
      <mac address='52:54:00:12:34:58'/>
      <model type='e1000'/>
    </interface>
    <graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <graphics type='spice' port='-1' autoport='yes'>
      <listen type='address' address='0.0.0.0'/>
    </graphics>
  </devices>
</domain>"#;

    #[test]
    fn reads_a_live_domain() {
        let d = parse_domain(LIVE_QEMU).unwrap();
        assert_eq!(d.name, "web-01");
        assert_eq!(d.uuid, "6f1a2c3e-0000-4000-8000-000000000002");
        assert_eq!(d.domain_type, "kvm");
        assert_eq!(d.max_memory_mib, 4096);
        assert_eq!(d.memory_mib, 2048);
        assert_eq!((d.vcpus, d.max_vcpus), (2, 4));
        assert_eq!(
            d.os,
            OsInfo {
                os_type: "hvm".into(),
                arch: "x86_64".into(),
                machine: Some("pc-i440fx-7.2".into())
            }
        );
        assert_eq!(
            d.disks,
            vec![
                DiskInfo {
                    device: "disk".into(),
                    target: "vda".into(),
                    bus: Some("virtio".into()),
                    format: Some("qcow2".into()),
                    path: Some("/var/lib/vapor/images/web-01-root.qcow2".into()),
                    readonly: false,
                    cache: None,
                    capacity_bytes: None,
                },
                DiskInfo {
                    device: "disk".into(),
                    target: "vdb".into(),
                    bus: Some("virtio".into()),
                    format: Some("raw".into()),
                    path: Some("/dev/vg0/data".into()),
                    readonly: false,
                    cache: None,
                    capacity_bytes: None,
                },
                DiskInfo {
                    device: "cdrom".into(),
                    target: "sda".into(),
                    bus: Some("sata".into()),
                    format: Some("raw".into()),
                    path: None,
                    readonly: true,
                    cache: None,
                    capacity_bytes: None,
                },
            ]
        );
        assert_eq!(
            d.interfaces,
            vec![
                InterfaceInfo {
                    kind: "network".into(),
                    source: Some("default".into()),
                    model: Some("virtio".into()),
                    mac: Some("52:54:00:12:34:56".into()),
                },
                InterfaceInfo {
                    kind: "bridge".into(),
                    source: Some("br0".into()),
                    model: None,
                    mac: Some("52:54:00:12:34:57".into()),
                },
                InterfaceInfo {
                    kind: "user".into(),
                    source: None,
                    model: Some("e1000".into()),
                    mac: Some("52:54:00:12:34:58".into()),
                },
            ]
        );
        assert_eq!(
            d.graphics,
            vec![
                GraphicsInfo {
                    kind: "vnc".into(),
                    listen: Some("127.0.0.1".into()),
                    port: Some(5900),
                    autoport: true,
                },
                GraphicsInfo {
                    kind: "spice".into(),
                    listen: Some("0.0.0.0".into()),
                    port: None,
                    autoport: true,
                },
            ]
        );
        assert_eq!(
            d.metadata,
            VaporMetadata {
                created_at: Some("2024-05-01T12:00:00Z".into()),
                updated_at: None,
                owned_volumes: vec![
                    "/var/lib/vapor/images/web-01-root.qcow2".into(),
                    "/var/lib/vapor/images/web-01-data.qcow2".into(),
                ],
                ephemeral_volumes: vec![],
                labels: Default::default(),
            }
        );
        // Filled in by the caller from the API.
        assert_eq!(d.state, DomainState::NoState);
        assert!(!d.autostart && !d.persistent);
    }

    #[test]
    fn missing_optional_elements() {
        let d = parse_domain(
            "<domain type='test'><name>bare</name><uuid>u</uuid><memory>1048576</memory></domain>",
        )
        .unwrap();
        assert_eq!(d.memory_mib, 1024);
        assert_eq!(d.max_memory_mib, 1024);
        assert_eq!((d.vcpus, d.max_vcpus), (1, 1));
        assert_eq!(d.os.machine, None);
        assert!(d.disks.is_empty() && d.interfaces.is_empty() && d.graphics.is_empty());
        assert_eq!(d.metadata, VaporMetadata::default());

        let d = parse_domain(
            "<domain type='kvm'><name>n</name><uuid>u</uuid><memory unit='KiB'>524288</memory>
             <metadata><x:vm xmlns:x='https://example.invalid/not-vapor'><x:created-at>t</x:created-at></x:vm></metadata>
             <devices><disk device='disk'/><interface type='user'/><graphics type='vnc'/></devices></domain>",
        )
        .unwrap();
        assert_eq!(d.memory_mib, 512);
        assert_eq!(d.metadata, VaporMetadata::default());
        assert_eq!(d.disks[0].target, "");
        assert_eq!(
            (d.disks[0].path.as_deref(), d.disks[0].format.as_deref()),
            (None, None)
        );
        assert_eq!(d.interfaces[0].mac, None);
        assert_eq!(
            (
                d.graphics[0].port,
                d.graphics[0].autoport,
                d.graphics[0].listen.as_deref()
            ),
            (None, false, None)
        );
    }

    #[test]
    fn memory_units() {
        let mem = |unit: &str, value: &str| {
            let xml = format!(
                "<domain><name>n</name><uuid>u</uuid><memory unit='{unit}'>{value}</memory></domain>"
            );
            parse_domain(&xml).map(|d| d.memory_mib)
        };
        assert_eq!(mem("KiB", "2097152").unwrap(), 2048);
        assert_eq!(mem("k", "2097152").unwrap(), 2048);
        assert_eq!(mem("MiB", "300").unwrap(), 300);
        assert_eq!(mem("M", "300").unwrap(), 300);
        assert_eq!(mem("GiB", "2").unwrap(), 2048);
        assert_eq!(mem("bytes", "1073741824").unwrap(), 1024);
        assert_eq!(mem("b", "1048576").unwrap(), 1);
        assert_eq!(mem("MB", "1048576").unwrap(), 1_000_000);
        assert_eq!(mem("GB", "1").unwrap(), 953);
        assert_eq!(mem("TiB", "1").unwrap(), 1024 * 1024);
        // Rounded down.
        assert_eq!(mem("KiB", "1049599").unwrap(), 1024);
        assert!(mem("parsecs", "1").is_err());
        assert!(mem("KiB", "lots").is_err());
    }

    #[test]
    fn malformed_documents() {
        assert!(parse_domain("<domain><name>n</name></domain>").is_err());
        assert!(parse_domain("<pool/>").is_err());
        assert!(parse_domain("<domain>").is_err());
        assert!(parse_domain("<domain><name>n</name><uuid>u</uuid></domain>").is_err());
    }
}
