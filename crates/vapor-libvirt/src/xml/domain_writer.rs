//! Writing a libvirt domain definition from a [`DomainSpec`].

use vapor_hypervisor::{
    BootDevice, DiskDevice, DiskSpec, DomainSpec, Firmware, GraphicsSpec, HypervisorError,
    InterfaceKind, InterfaceSpec, VaporMetadata,
};

use super::{XmlWriter, VAPOR_NAMESPACE};

/// The domain XML libvirt should define for `spec`.
///
/// Memory is written in MiB; the Vapor facts in `spec.metadata` go into
/// `<metadata>` under [`VAPOR_NAMESPACE`]. Fails with `InvalidArgument` when
/// a value cannot be expressed (a malformed UUID, a character XML cannot
/// carry, a network interface without a source). The UUID is written in
/// libvirt's canonical form (lowercase, hyphenated).
pub fn domain_xml(spec: &DomainSpec) -> Result<String, HypervisorError> {
    // libvirt reports a malformed UUID as an internal error; catch it here.
    let uuid = uuid::Uuid::parse_str(&spec.uuid)
        .map_err(|e| {
            HypervisorError::invalid_argument(format!("invalid uuid '{}': {e}", spec.uuid))
        })?
        .hyphenated()
        .to_string();
    let mut w = XmlWriter::new();
    let memory = spec.memory_mib.to_string();
    let vcpus = spec.vcpus.to_string();

    w.start("domain", &[("type", &spec.domain_type)])?;
    w.text_element("name", &[], &spec.name)?;
    w.text_element("uuid", &[], &uuid)?;
    write_metadata(&mut w, &spec.metadata)?;
    w.text_element("memory", &[("unit", "MiB")], &memory)?;
    w.text_element("currentMemory", &[("unit", "MiB")], &memory)?;
    w.text_element("vcpu", &[("placement", "static")], &vcpus)?;

    match spec.firmware {
        Firmware::Bios => w.start("os", &[])?,
        Firmware::Efi { .. } => w.start("os", &[("firmware", "efi")])?,
    }
    if matches!(spec.firmware, Firmware::Efi { secure_boot: true }) {
        // Secure Boot needs SMM, which QEMU offers on the q35 machine only.
        w.text_element("type", &[("arch", &spec.arch), ("machine", "q35")], "hvm")?;
    } else {
        w.text_element("type", &[("arch", &spec.arch)], "hvm")?;
    }
    if let Firmware::Efi { secure_boot } = spec.firmware {
        // Ask libvirt's firmware auto-selection for a build with (or without)
        // Secure Boot and keys enrolled.
        let enabled = if secure_boot { "yes" } else { "no" };
        w.start("firmware", &[])?;
        w.empty("feature", &[("enabled", enabled), ("name", "secure-boot")])?;
        w.empty(
            "feature",
            &[("enabled", enabled), ("name", "enrolled-keys")],
        )?;
        w.end("firmware")?;
        if secure_boot {
            w.empty("loader", &[("secure", "yes")])?;
        }
    }
    for boot in &spec.boot {
        let dev = match boot {
            BootDevice::Hd => "hd",
            BootDevice::Cdrom => "cdrom",
        };
        w.empty("boot", &[("dev", dev)])?;
    }
    w.end("os")?;

    w.start("features", &[])?;
    w.empty("acpi", &[])?;
    w.empty("apic", &[])?;
    if matches!(spec.firmware, Firmware::Efi { secure_boot: true }) {
        // Secure Boot firmware needs System Management Mode.
        w.empty("smm", &[("state", "on")])?;
    }
    w.end("features")?;
    w.empty("clock", &[("offset", "utc")])?;
    w.text_element("on_poweroff", &[], "destroy")?;
    w.text_element("on_reboot", &[], "restart")?;
    w.text_element("on_crash", &[], "destroy")?;

    w.start("devices", &[])?;
    for disk in &spec.disks {
        write_disk(&mut w, disk)?;
    }
    for iface in &spec.interfaces {
        write_interface(&mut w, iface)?;
    }
    for graphics in &spec.graphics {
        write_graphics(&mut w, graphics)?;
    }
    w.start("serial", &[("type", "pty")])?;
    w.empty("target", &[("port", "0")])?;
    w.end("serial")?;
    w.start("console", &[("type", "pty")])?;
    w.empty("target", &[("type", "serial"), ("port", "0")])?;
    w.end("console")?;
    // The QEMU guest agent's channel, as virt-install adds it; libvirt
    // chooses the socket's path.
    w.start("channel", &[("type", "unix")])?;
    w.empty(
        "target",
        &[
            ("type", "virtio"),
            ("name", super::snapshot::GUEST_AGENT_CHANNEL),
        ],
    )?;
    w.end("channel")?;
    if spec.tpm {
        w.start("tpm", &[("model", "tpm-crb")])?;
        w.empty("backend", &[("type", "emulator"), ("version", "2.0")])?;
        w.end("tpm")?;
    }
    w.empty("memballoon", &[("model", "virtio")])?;
    w.end("devices")?;

    w.end("domain")?;
    w.finish()
}

fn write_metadata(w: &mut XmlWriter, meta: &VaporMetadata) -> Result<(), HypervisorError> {
    w.start("metadata", &[])?;
    let vm_attrs = [("xmlns:vapor", VAPOR_NAMESPACE)];
    if meta == &VaporMetadata::default() {
        w.empty("vapor:vm", &vm_attrs)?;
        return w.end("metadata");
    }
    w.start("vapor:vm", &vm_attrs)?;
    if let Some(created) = &meta.created_at {
        w.text_element("vapor:created-at", &[], created)?;
    }
    if let Some(updated) = &meta.updated_at {
        w.text_element("vapor:updated-at", &[], updated)?;
    }
    for path in &meta.owned_volumes {
        w.empty("vapor:owned-volume", &[("path", path)])?;
    }
    for path in &meta.ephemeral_volumes {
        w.empty("vapor:ephemeral-volume", &[("path", path)])?;
    }
    for (key, value) in &meta.labels {
        w.empty("vapor:label", &[("key", key), ("value", value)])?;
    }
    w.end("vapor:vm")?;
    w.end("metadata")
}

pub(crate) fn write_disk(w: &mut XmlWriter, disk: &DiskSpec) -> Result<(), HypervisorError> {
    let device = match disk.device {
        DiskDevice::Disk => "disk",
        DiskDevice::Cdrom => "cdrom",
    };
    // Host block devices are attached as such; everything else is a file.
    let (kind, source_attr) = if disk.path.starts_with("/dev/") {
        ("block", "dev")
    } else {
        ("file", "file")
    };
    w.start("disk", &[("type", kind), ("device", device)])?;
    let mut driver = vec![("name", "qemu"), ("type", disk.format.as_str())];
    if let Some(cache) = disk.cache {
        driver.push(("cache", cache.as_str()));
    }
    w.empty("driver", &driver)?;
    // A cdrom may be empty (no medium); libvirt accepts it without a source.
    if !disk.path.is_empty() {
        w.empty("source", &[(source_attr, &disk.path)])?;
    }
    w.empty(
        "target",
        &[("dev", &disk.target), ("bus", disk.bus.as_str())],
    )?;
    if disk.readonly {
        w.empty("readonly", &[])?;
    }
    w.end("disk")
}

pub(crate) fn write_interface(
    w: &mut XmlWriter,
    iface: &InterfaceSpec,
) -> Result<(), HypervisorError> {
    let kind = iface.kind.as_str();
    let source = iface.source.as_deref().filter(|s| !s.is_empty());
    if iface.kind != InterfaceKind::User && source.is_none() {
        return Err(HypervisorError::invalid_argument(format!(
            "a {kind} interface needs a source"
        )));
    }
    w.start("interface", &[("type", kind)])?;
    if !iface.mac.is_empty() {
        w.empty("mac", &[("address", &iface.mac)])?;
    }
    if let Some(source) = source {
        match iface.kind {
            InterfaceKind::Network => w.empty("source", &[("network", source)])?,
            InterfaceKind::Bridge => w.empty("source", &[("bridge", source)])?,
            InterfaceKind::Direct => w.empty("source", &[("dev", source), ("mode", "bridge")])?,
            // User-mode networking has no source; one given is ignored.
            InterfaceKind::User => {}
        }
    }
    if !iface.model.is_empty() {
        w.empty("model", &[("type", &iface.model)])?;
    }
    w.end("interface")
}

fn write_graphics(w: &mut XmlWriter, g: &GraphicsSpec) -> Result<(), HypervisorError> {
    let port = g.port.map(|p| p.to_string());
    let mut attrs: Vec<(&str, &str)> = vec![("type", g.kind.as_str())];
    match &port {
        Some(port) => attrs.extend([("port", port.as_str()), ("autoport", "no")]),
        None => attrs.extend([("port", "-1"), ("autoport", "yes")]),
    }
    if !g.listen.is_empty() {
        attrs.push(("listen", &g.listen));
    }
    if let Some(password) = &g.password {
        attrs.push(("passwd", password));
    }
    if g.listen.is_empty() {
        return w.empty("graphics", &attrs);
    }
    w.start("graphics", &attrs)?;
    w.empty("listen", &[("type", "address"), ("address", &g.listen)])?;
    w.end("graphics")
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::{DiskBus, DiskFormat, GraphicsKind};

    fn minimal() -> DomainSpec {
        DomainSpec {
            name: "minimal".into(),
            uuid: "6f1a2c3e-0000-4000-8000-000000000001".into(),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 512,
            vcpus: 1,
            disks: vec![],
            interfaces: vec![],
            graphics: vec![],
            boot: vec![],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        }
    }

    fn full() -> DomainSpec {
        DomainSpec {
            name: "web-01".into(),
            uuid: "6f1a2c3e-0000-4000-8000-000000000002".into(),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 2048,
            vcpus: 2,
            disks: vec![
                DiskSpec {
                    device: DiskDevice::Disk,
                    path: "/var/lib/vapor/images/web-01-root.qcow2".into(),
                    format: DiskFormat::Qcow2,
                    bus: DiskBus::Virtio,
                    target: "vda".into(),
                    readonly: false,
                    cache: None,
                },
                DiskSpec {
                    device: DiskDevice::Disk,
                    path: "/var/lib/vapor/images/web-01-data.raw".into(),
                    format: DiskFormat::Raw,
                    bus: DiskBus::Virtio,
                    target: "vdb".into(),
                    readonly: false,
                    cache: None,
                },
                DiskSpec {
                    device: DiskDevice::Cdrom,
                    path: "/var/lib/vapor/iso/debian-12.iso".into(),
                    format: DiskFormat::Raw,
                    bus: DiskBus::Sata,
                    target: "sda".into(),
                    readonly: true,
                    cache: None,
                },
            ],
            interfaces: vec![InterfaceSpec {
                kind: InterfaceKind::Network,
                source: Some("default".into()),
                model: "virtio".into(),
                mac: "52:54:00:12:34:56".into(),
            }],
            graphics: vec![GraphicsSpec {
                kind: GraphicsKind::Vnc,
                listen: "127.0.0.1".into(),
                port: None,
                password: Some(r#"p<a&s's"w>"#.into()),
            }],
            boot: vec![BootDevice::Cdrom, BootDevice::Hd],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata {
                created_at: Some("2024-05-01T12:00:00Z".into()),
                updated_at: Some("2024-05-02T08:30:00Z".into()),
                owned_volumes: vec!["/var/lib/vapor/images/web-01-root.qcow2".into()],
                ephemeral_volumes: vec![],
                labels: [
                    ("owner".to_string(), r#"ops <team> & "co"'s"#.to_string()),
                    ("tier".to_string(), "web".to_string()),
                ]
                .into(),
            },
        }
    }

    #[test]
    fn minimal_domain() {
        insta::assert_snapshot!(domain_xml(&minimal()).unwrap());
    }

    #[test]
    fn full_domain() {
        let xml = domain_xml(&full()).unwrap();
        insta::assert_snapshot!(xml);
        // Labels come back as they went in, markup and all.
        let read = crate::xml::parse_domain(&xml).unwrap();
        assert_eq!(read.metadata.labels, full().metadata.labels);
    }

    #[test]
    fn uefi_secure_boot_tpm_and_cache() {
        let mut spec = minimal();
        spec.firmware = Firmware::Efi { secure_boot: true };
        spec.tpm = true;
        spec.disks.push(DiskSpec {
            device: DiskDevice::Disk,
            path: "/dev/vg0/data".into(),
            format: DiskFormat::Raw,
            bus: DiskBus::Virtio,
            target: "vda".into(),
            readonly: false,
            cache: Some(vapor_hypervisor::DiskCache::Writeback),
        });
        spec.metadata
            .ephemeral_volumes
            .push("/var/lib/vapor/seeds/x-cidata.iso".into());
        let xml = domain_xml(&spec).unwrap();
        insta::assert_snapshot!(xml);
        let read = crate::xml::parse_domain(&xml).unwrap();
        assert_eq!(
            (read.firmware.as_str(), read.secure_boot, read.tpm),
            ("efi", true, true)
        );
        assert_eq!(read.disks[0].cache.as_deref(), Some("writeback"));
        assert_eq!(
            read.metadata.ephemeral_volumes,
            spec.metadata.ephemeral_volumes
        );
        let plain = crate::xml::parse_domain(&domain_xml(&minimal()).unwrap()).unwrap();
        assert_eq!(
            (plain.firmware.as_str(), plain.secure_boot, plain.tpm),
            ("bios", false, false)
        );
    }

    #[test]
    fn other_devices() {
        let mut spec = minimal();
        spec.name = "devices".into();
        spec.interfaces = vec![
            InterfaceSpec {
                kind: InterfaceKind::Bridge,
                source: Some("br0".into()),
                model: "e1000".into(),
                mac: "52:54:00:00:00:01".into(),
            },
            InterfaceSpec {
                kind: InterfaceKind::Direct,
                source: Some("eth0".into()),
                model: "virtio".into(),
                mac: "52:54:00:00:00:02".into(),
            },
            InterfaceSpec {
                kind: InterfaceKind::User,
                source: None,
                model: "virtio".into(),
                mac: "52:54:00:00:00:03".into(),
            },
        ];
        spec.graphics = vec![GraphicsSpec {
            kind: GraphicsKind::Spice,
            listen: "0.0.0.0".into(),
            port: Some(5930),
            password: None,
        }];
        spec.disks = vec![DiskSpec {
            device: DiskDevice::Cdrom,
            path: String::new(),
            format: DiskFormat::Raw,
            bus: DiskBus::Ide,
            target: "hdc".into(),
            readonly: true,
            cache: None,
        }];
        insta::assert_snapshot!(domain_xml(&spec).unwrap());
    }

    #[test]
    fn user_strings_cannot_inject_elements() {
        let mut spec = full();
        spec.name = "x</name><on_crash>preserve</on_crash><name>y".into();
        spec.disks[0].path = "/a'/><source file='/etc/shadow'/><x a='".into();
        spec.metadata.created_at = Some("</vapor:created-at><evil/>".into());
        let xml = domain_xml(&spec).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(
            super::super::child_text(root, "name"),
            Some(spec.name.as_str())
        );
        assert_eq!(
            root.descendants()
                .filter(|n| n.has_tag_name("on_crash"))
                .count(),
            1
        );
        assert_eq!(
            root.descendants()
                .filter(|n| n.has_tag_name("evil"))
                .count(),
            0
        );
        let sources: Vec<_> = root
            .descendants()
            .filter(|n| n.has_tag_name("source"))
            .filter_map(|n| n.attribute("file"))
            .collect();
        assert_eq!(sources[0], spec.disks[0].path);
        assert!(!sources.contains(&"/etc/shadow"));
        // The reader gets every value back unchanged.
        let read = super::super::parse_domain(&xml).unwrap();
        assert_eq!(read.name, spec.name);
        assert_eq!(read.metadata, spec.metadata);
    }

    #[test]
    fn control_characters_are_rejected() {
        let mut spec = minimal();
        spec.name = "bad\u{1b}[31m".into();
        let err = domain_xml(&spec).unwrap_err();
        assert_eq!(
            err.kind,
            vapor_hypervisor::HypervisorErrorKind::InvalidArgument
        );
    }

    #[test]
    fn network_interface_needs_a_source() {
        let mut spec = minimal();
        spec.interfaces = vec![InterfaceSpec {
            kind: InterfaceKind::Network,
            source: None,
            model: "virtio".into(),
            mac: String::new(),
        }];
        let err = domain_xml(&spec).unwrap_err();
        assert_eq!(
            err.kind,
            vapor_hypervisor::HypervisorErrorKind::InvalidArgument
        );
    }

    #[test]
    fn written_spec_reads_back() {
        let spec = full();
        let d = super::super::parse_domain(&domain_xml(&spec).unwrap()).unwrap();
        assert_eq!(d.name, spec.name);
        assert_eq!(d.uuid, spec.uuid);
        assert_eq!(d.domain_type, "kvm");
        assert_eq!(d.memory_mib, 2048);
        assert_eq!(d.max_memory_mib, 2048);
        assert_eq!((d.vcpus, d.max_vcpus), (2, 2));
        assert_eq!(d.os.arch, "x86_64");
        assert_eq!(d.disks.len(), 3);
        assert_eq!(d.disks[2].device, "cdrom");
        assert!(d.disks[2].readonly);
        assert_eq!(d.interfaces[0].source.as_deref(), Some("default"));
        assert_eq!(d.graphics[0].port, None);
        assert!(d.graphics[0].autoport);
        assert_eq!(d.metadata, spec.metadata);
    }
}
