//! Snapshot XML: writing a `<domainsnapshot>` request from a
//! [`SnapshotSpec`], reading a snapshot's description back, and reading the
//! facts that decide which snapshots a domain supports from its domain XML.

use roxmltree::Node;
use vapor_hypervisor::{
    DiskSourceType, GuestAgent, HypervisorError, SnapshotDisk, SnapshotDiskFacts, SnapshotLocation,
    SnapshotSpec, SnapshotState,
};

use super::{child, child_text, parse, XmlWriter};

/// The name of the QEMU guest agent's virtio-serial channel.
pub(crate) const GUEST_AGENT_CHANNEL: &str = "org.qemu.guest_agent.0";

/// The `<domainsnapshot>` document that asks libvirt for `spec`.
///
/// Every disk is named with its location; external disks get no file name,
/// so libvirt puts the overlay beside the disk's image (the image's name
/// with its extension replaced by the snapshot's name). Fails with
/// `InvalidArgument` when a value holds a character XML cannot carry.
pub(crate) fn snapshot_xml(spec: &SnapshotSpec) -> Result<String, HypervisorError> {
    let mut w = XmlWriter::new();
    w.start("domainsnapshot", &[])?;
    w.text_element("name", &[], &spec.name)?;
    if let Some(description) = spec.description.as_deref().filter(|d| !d.is_empty()) {
        w.text_element("description", &[], description)?;
    }
    w.empty("memory", &[("snapshot", spec.memory.as_str())])?;
    if !spec.disks.is_empty() {
        w.start("disks", &[])?;
        for (target, location) in &spec.disks {
            w.empty(
                "disk",
                &[("name", target.as_str()), ("snapshot", location.as_str())],
            )?;
        }
        w.end("disks")?;
    }
    w.end("domainsnapshot")?;
    w.finish()
}

/// What a snapshot's XML says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedSnapshot {
    pub name: String,
    pub description: Option<String>,
    pub state: SnapshotState,
    pub parent: Option<String>,
    pub created_unix_secs: i64,
    pub memory: SnapshotLocation,
    pub memory_file: Option<String>,
    pub disks: Vec<SnapshotDisk>,
}

/// Reads a `<domainsnapshot>` document as libvirt returns it.
pub(crate) fn parse_snapshot(xml: &str) -> Result<ParsedSnapshot, HypervisorError> {
    let doc = parse(xml, "domainsnapshot")?;
    let root = doc.root_element();
    let name = child_text(root, "name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| HypervisorError::failed("snapshot XML has no <name>"))?
        .to_string();
    let description = child_text(root, "description")
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    let state_text = child_text(root, "state")
        .map(str::trim)
        .unwrap_or("nostate");
    let state = SnapshotState::parse(state_text).ok_or_else(|| {
        HypervisorError::failed(format!(
            "snapshot '{name}' has an unknown state {state_text:?}"
        ))
    })?;
    let parent = child(root, "parent")
        .and_then(|p| child_text(p, "name"))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let created_unix_secs = match child_text(root, "creationTime") {
        Some(t) => t.trim().parse().map_err(|_| {
            HypervisorError::failed(format!(
                "snapshot '{name}' has a malformed creationTime {t:?}"
            ))
        })?,
        None => 0,
    };
    let memory_node = child(root, "memory");
    let memory = match memory_node.and_then(|m| m.attribute("snapshot")) {
        Some(s) => location(s),
        // Old snapshots have no <memory>: libvirt then holds the memory of
        // an active domain's snapshot internally.
        None => match state {
            SnapshotState::Shutoff | SnapshotState::DiskSnapshot | SnapshotState::NoState => {
                SnapshotLocation::No
            }
            _ => SnapshotLocation::Internal,
        },
    };
    let memory_file = memory_node
        .and_then(|m| m.attribute("file"))
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    let disks = child(root, "disks")
        .into_iter()
        .flat_map(|d| d.children())
        .filter(|n| n.is_element() && n.has_tag_name("disk"))
        .map(read_snapshot_disk)
        .collect();
    Ok(ParsedSnapshot {
        name,
        description,
        state,
        parent,
        created_unix_secs,
        memory,
        memory_file,
        disks,
    })
}

/// libvirt's `snapshot='...'` values; `manual` (the user takes care) reads
/// as external, an unknown value as not captured.
fn location(s: &str) -> SnapshotLocation {
    match s {
        "internal" => SnapshotLocation::Internal,
        "external" | "manual" => SnapshotLocation::External,
        _ => SnapshotLocation::No,
    }
}

fn read_snapshot_disk(disk: Node) -> SnapshotDisk {
    let file = child(disk, "source")
        .and_then(|s| {
            s.attribute("file")
                .or(s.attribute("dev"))
                .or(s.attribute("name"))
        })
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    // A disk with a source and no attribute is external (libvirt's default
    // when a file is given).
    let location = match disk.attribute("snapshot") {
        Some(s) => location(s),
        None if file.is_some() => SnapshotLocation::External,
        None => SnapshotLocation::No,
    };
    SnapshotDisk {
        target: disk.attribute("name").unwrap_or_default().to_string(),
        location,
        file,
    }
}

/// What a domain's XML says about its snapshot support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DomainSnapshotXmlFacts {
    pub name: String,
    /// Every disk; `size_bytes` is `None`, for the caller to fill in.
    pub disks: Vec<SnapshotDiskFacts>,
    pub has_nvram_pflash: bool,
    pub has_hostdev: bool,
    pub guest_agent: GuestAgent,
}

/// Reads the snapshot facts from a domain's XML (the live XML while it runs,
/// which says whether the guest agent is connected).
pub(crate) fn parse_domain_facts(xml: &str) -> Result<DomainSnapshotXmlFacts, HypervisorError> {
    let doc = parse(xml, "domain")?;
    let root = doc.root_element();
    let name = child_text(root, "name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| HypervisorError::failed("domain XML has no <name>"))?
        .to_string();
    let os = child(root, "os");
    // UEFI on x86 QEMU is pflash firmware with an NVRAM store: firmware
    // auto-selection (`firmware='efi'`, expanded only when the domain
    // starts), an explicit pflash loader, or an NVRAM file.
    let has_nvram_pflash = os.is_some_and(|os| {
        os.attribute("firmware") == Some("efi")
            || child(os, "loader").is_some_and(|l| l.attribute("type") == Some("pflash"))
            || child(os, "nvram").is_some()
    });
    let devices: Vec<Node> = child(root, "devices")
        .into_iter()
        .flat_map(|d| d.children())
        .filter(|n| n.is_element())
        .collect();
    let has_hostdev = devices.iter().any(|n| {
        n.has_tag_name("hostdev")
            || (n.has_tag_name("interface") && n.attribute("type") == Some("hostdev"))
    });
    let guest_agent = devices
        .iter()
        .filter(|n| n.has_tag_name("channel"))
        .filter_map(|c| child(*c, "target"))
        .find(|t| t.attribute("name") == Some(GUEST_AGENT_CHANNEL))
        .map_or(GuestAgent::Absent, |t| {
            if t.attribute("state") == Some("connected") {
                GuestAgent::Connected
            } else {
                GuestAgent::Disconnected
            }
        });
    let disks = devices
        .iter()
        .filter(|n| n.has_tag_name("disk"))
        .map(|disk| {
            let source = child(*disk, "source");
            SnapshotDiskFacts {
                target: child(*disk, "target")
                    .and_then(|t| t.attribute("dev"))
                    .unwrap_or_default()
                    .to_string(),
                device: disk.attribute("device").unwrap_or("disk").to_string(),
                source_type: DiskSourceType::parse(disk.attribute("type")),
                format: child(*disk, "driver")
                    .and_then(|d| d.attribute("type"))
                    .map(str::to_string),
                path: source
                    .and_then(|s| {
                        s.attribute("file")
                            .or(s.attribute("dev"))
                            .or(s.attribute("name"))
                            .or(s.attribute("volume"))
                    })
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
                readonly: child(*disk, "readonly").is_some(),
                size_bytes: None,
            }
        })
        .collect();
    Ok(DomainSnapshotXmlFacts {
        name,
        disks,
        has_nvram_pflash,
        has_hostdev,
        guest_agent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::HypervisorErrorKind;

    fn spec() -> SnapshotSpec {
        SnapshotSpec {
            name: "before-upgrade".into(),
            description: Some("Before the kernel upgrade".into()),
            memory: SnapshotLocation::No,
            disks: vec![
                ("vda".into(), SnapshotLocation::Internal),
                ("sda".into(), SnapshotLocation::No),
            ],
            quiesce: false,
        }
    }

    #[test]
    fn internal_disk_snapshot() {
        insta::assert_snapshot!(snapshot_xml(&spec()).unwrap());
    }

    #[test]
    fn full_system_snapshot() {
        let mut s = spec();
        s.memory = SnapshotLocation::Internal;
        s.description = None;
        insta::assert_snapshot!(snapshot_xml(&s).unwrap());
    }

    #[test]
    fn external_disk_only_snapshot() {
        let mut s = spec();
        s.disks = vec![
            ("vda".into(), SnapshotLocation::External),
            ("vdb".into(), SnapshotLocation::External),
            ("sda".into(), SnapshotLocation::No),
        ];
        s.quiesce = true;
        insta::assert_snapshot!(snapshot_xml(&s).unwrap());
    }

    #[test]
    fn hostile_description_is_escaped() {
        let mut s = spec();
        s.description = Some("</description><memory snapshot='external'/><x>".into());
        let xml = snapshot_xml(&s).unwrap();
        insta::assert_snapshot!(xml);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(
            doc.root_element()
                .descendants()
                .filter(|n| n.has_tag_name("memory"))
                .count(),
            1
        );
        let read = parse_snapshot(&xml).unwrap();
        assert_eq!(read.description, s.description);
        assert_eq!(read.memory, SnapshotLocation::No);
    }

    #[test]
    fn control_characters_are_refused() {
        let mut s = spec();
        s.description = Some("bell\u{7}".into());
        assert_eq!(
            snapshot_xml(&s).unwrap_err().kind,
            HypervisorErrorKind::InvalidArgument
        );
    }

    /// An internal full-system snapshot as libvirt 9.0's QEMU driver reports it (abridged).
    const QEMU_INTERNAL: &str = r#"<domainsnapshot>
  <name>s3</name>
  <description>with &lt;memory&gt;</description>
  <state>running</state>
  <parent>
    <name>s1</name>
  </parent>
  <creationTime>1795691478</creationTime>
  <memory snapshot='internal'/>
  <disks>
    <disk name='vda' snapshot='internal'/>
    <disk name='sda' snapshot='no'/>
  </disks>
  <domain type='kvm'>
    <name>snapexp</name>
    <memory unit='KiB'>131072</memory>
    <devices>
      <disk type='file' device='disk'>
        <source file='/var/lib/libvirt/images/snapexp.qcow2'/>
        <target dev='vda' bus='virtio'/>
      </disk>
    </devices>
  </domain>
</domainsnapshot>"#;

    /// An external disk-only snapshot of a running domain (libvirt 9.0, QEMU).
    const QEMU_EXTERNAL: &str = r#"<domainsnapshot>
  <name>e1</name>
  <state>disk-snapshot</state>
  <parent>
    <name>s3</name>
  </parent>
  <creationTime>1795691481</creationTime>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='external' type='file'>
      <driver type='qcow2'/>
      <source file='/var/lib/libvirt/images/snapexp.e1'/>
    </disk>
    <disk name='sda' snapshot='no'/>
  </disks>
</domainsnapshot>"#;

    #[test]
    fn reads_an_internal_snapshot() {
        let s = parse_snapshot(QEMU_INTERNAL).unwrap();
        assert_eq!(
            s,
            ParsedSnapshot {
                name: "s3".into(),
                description: Some("with <memory>".into()),
                state: SnapshotState::Running,
                parent: Some("s1".into()),
                created_unix_secs: 1795691478,
                memory: SnapshotLocation::Internal,
                memory_file: None,
                disks: vec![
                    SnapshotDisk {
                        target: "vda".into(),
                        location: SnapshotLocation::Internal,
                        file: None
                    },
                    SnapshotDisk {
                        target: "sda".into(),
                        location: SnapshotLocation::No,
                        file: None
                    },
                ],
            }
        );
    }

    #[test]
    fn reads_an_external_snapshot() {
        let s = parse_snapshot(QEMU_EXTERNAL).unwrap();
        assert_eq!(s.state, SnapshotState::DiskSnapshot);
        assert_eq!(s.memory, SnapshotLocation::No);
        assert_eq!(s.description, None);
        assert_eq!(
            s.disks[0],
            SnapshotDisk {
                target: "vda".into(),
                location: SnapshotLocation::External,
                file: Some("/var/lib/libvirt/images/snapexp.e1".into())
            }
        );
    }

    #[test]
    fn reads_what_the_test_driver_writes() {
        // No parent, no <disks> of its own beyond the domain's.
        let s = parse_snapshot(
            "<domainsnapshot><name>t1</name><state>shutoff</state>\
             <creationTime>1795691527</creationTime><memory snapshot='no'/></domainsnapshot>",
        )
        .unwrap();
        assert_eq!(s.parent, None);
        assert_eq!(s.state, SnapshotState::Shutoff);
        assert!(s.disks.is_empty());
        // Without <memory>, an active state means internal memory.
        let s = parse_snapshot(
            "<domainsnapshot><name>old</name><state>running</state></domainsnapshot>",
        )
        .unwrap();
        assert_eq!(s.memory, SnapshotLocation::Internal);
        assert_eq!(s.created_unix_secs, 0);
    }

    #[test]
    fn malformed_snapshots() {
        assert!(parse_snapshot("<domain/>").is_err());
        assert!(parse_snapshot("<domainsnapshot/>").is_err());
        assert!(parse_snapshot(
            "<domainsnapshot><name>a</name><state>odd</state></domainsnapshot>"
        )
        .is_err());
        assert!(parse_snapshot(
            "<domainsnapshot><name>a</name><creationTime>soon</creationTime></domainsnapshot>"
        )
        .is_err());
    }

    #[test]
    fn domain_facts() {
        let xml = r#"<domain type='kvm'>
  <name>f</name>
  <os firmware='efi'><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/images/root.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/vg0/data'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <source protocol='rbd' name='pool/image'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
    </channel>
    <hostdev mode='subsystem' type='pci' managed='yes'/>
  </devices>
</domain>"#;
        let f = parse_domain_facts(xml).unwrap();
        assert_eq!(f.name, "f");
        assert!(f.has_nvram_pflash);
        assert!(f.has_hostdev);
        assert_eq!(f.guest_agent, GuestAgent::Connected);
        assert_eq!(
            f.disks,
            vec![
                SnapshotDiskFacts {
                    target: "vda".into(),
                    device: "disk".into(),
                    source_type: DiskSourceType::File,
                    format: Some("qcow2".into()),
                    path: Some("/images/root.qcow2".into()),
                    readonly: false,
                    size_bytes: None,
                },
                SnapshotDiskFacts {
                    target: "vdb".into(),
                    device: "disk".into(),
                    source_type: DiskSourceType::Block,
                    format: Some("raw".into()),
                    path: Some("/dev/vg0/data".into()),
                    readonly: false,
                    size_bytes: None,
                },
                SnapshotDiskFacts {
                    target: "vdc".into(),
                    device: "disk".into(),
                    source_type: DiskSourceType::Network,
                    format: Some("raw".into()),
                    path: Some("pool/image".into()),
                    readonly: false,
                    size_bytes: None,
                },
                SnapshotDiskFacts {
                    target: "sda".into(),
                    device: "cdrom".into(),
                    source_type: DiskSourceType::File,
                    format: Some("raw".into()),
                    path: None,
                    readonly: true,
                    size_bytes: None,
                },
            ]
        );

        let plain = parse_domain_facts(
            "<domain><name>p</name><os><type>hvm</type></os><devices>\
             <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/></channel>\
             <interface type='network'/></devices></domain>",
        )
        .unwrap();
        assert!(!plain.has_nvram_pflash && !plain.has_hostdev);
        assert_eq!(plain.guest_agent, GuestAgent::Disconnected);
        assert!(plain.disks.is_empty());

        let pflash = parse_domain_facts(
            "<domain><name>p</name><os><type>hvm</type>\
             <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>\
             <nvram>/var/lib/libvirt/qemu/nvram/p_VARS.fd</nvram></os>\
             <devices><interface type='hostdev'/></devices></domain>",
        )
        .unwrap();
        assert!(pflash.has_nvram_pflash && pflash.has_hostdev);
        assert_eq!(pflash.guest_agent, GuestAgent::Absent);
        assert!(parse_domain_facts("<domain><os/></domain>").is_err());
        assert!(parse_domain_facts("<domainsnapshot/>").is_err());
    }
}
