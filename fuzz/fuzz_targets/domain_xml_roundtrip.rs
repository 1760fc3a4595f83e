//! The domain writer and reader agree: for any `DomainSpec` the writer
//! accepts, reading its XML back gives every field that was written.
//! Strings are arbitrary (control characters, markup, quotes, non-ASCII):
//! the writer must refuse what XML cannot carry and escape the rest.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use vapor_hypervisor::{
    BootDevice, DiskBus, DiskCache, DiskDevice, DiskFormat, DiskSpec, DomainSpec, Firmware,
    GraphicsKind, GraphicsSpec, InterfaceKind, InterfaceSpec, VaporMetadata,
};

#[derive(Debug, Arbitrary)]
struct Input {
    name: String,
    uuid: [u8; 16],
    domain_type: String,
    arch: String,
    memory_mib: u64,
    vcpus: u32,
    disks: Vec<Disk>,
    interfaces: Vec<Interface>,
    graphics: Vec<Graphics>,
    boot: Vec<bool>,
    firmware: u8,
    tpm: bool,
    created_at: Option<String>,
    updated_at: Option<String>,
    owned_volumes: Vec<String>,
    ephemeral_volumes: Vec<String>,
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Arbitrary)]
struct Disk {
    cdrom: bool,
    path: String,
    raw: bool,
    bus: u8,
    target: String,
    readonly: bool,
    cache: Option<u8>,
}

#[derive(Debug, Arbitrary)]
struct Interface {
    kind: u8,
    source: Option<String>,
    model: String,
    mac: String,
}

#[derive(Debug, Arbitrary)]
struct Graphics {
    spice: bool,
    listen: String,
    port: Option<u16>,
    password: Option<String>,
}

fn spec(i: Input) -> DomainSpec {
    DomainSpec {
        name: i.name,
        uuid: uuid::Uuid::from_bytes(i.uuid).hyphenated().to_string(),
        domain_type: i.domain_type,
        arch: i.arch,
        memory_mib: i.memory_mib,
        vcpus: i.vcpus,
        disks: i
            .disks
            .into_iter()
            .map(|d| DiskSpec {
                device: if d.cdrom {
                    DiskDevice::Cdrom
                } else {
                    DiskDevice::Disk
                },
                path: d.path,
                format: if d.raw {
                    DiskFormat::Raw
                } else {
                    DiskFormat::Qcow2
                },
                bus: [DiskBus::Virtio, DiskBus::Sata, DiskBus::Scsi, DiskBus::Ide]
                    [usize::from(d.bus % 4)],
                target: d.target,
                readonly: d.readonly,
                cache: d.cache.map(|c| {
                    [
                        DiskCache::None,
                        DiskCache::Writethrough,
                        DiskCache::Writeback,
                        DiskCache::Directsync,
                        DiskCache::Unsafe,
                    ][usize::from(c % 5)]
                }),
            })
            .collect(),
        interfaces: i
            .interfaces
            .into_iter()
            .map(|n| InterfaceSpec {
                kind: [
                    InterfaceKind::Network,
                    InterfaceKind::Bridge,
                    InterfaceKind::Direct,
                    InterfaceKind::User,
                ][usize::from(n.kind % 4)],
                source: n.source,
                model: n.model,
                mac: n.mac,
            })
            .collect(),
        graphics: i
            .graphics
            .into_iter()
            .map(|g| GraphicsSpec {
                kind: if g.spice {
                    GraphicsKind::Spice
                } else {
                    GraphicsKind::Vnc
                },
                listen: g.listen,
                port: g.port,
                password: g.password,
            })
            .collect(),
        boot: i
            .boot
            .into_iter()
            .map(|cd| {
                if cd {
                    BootDevice::Cdrom
                } else {
                    BootDevice::Hd
                }
            })
            .collect(),
        firmware: match i.firmware % 3 {
            0 => Firmware::Bios,
            1 => Firmware::Efi { secure_boot: false },
            _ => Firmware::Efi { secure_boot: true },
        },
        tpm: i.tpm,
        metadata: VaporMetadata {
            // Vapor writes RFC 3339 times here, never an empty string (an
            // empty element reads back as no time).
            created_at: i.created_at.filter(|t| !t.is_empty()),
            updated_at: i.updated_at.filter(|t| !t.is_empty()),
            owned_volumes: i.owned_volumes,
            ephemeral_volumes: i.ephemeral_volumes,
            labels: i.labels,
        },
    }
}

fuzz_target!(|input: Input| {
    // Names reach the writer validated (`app::vm::validate_name`: a letter or
    // digit first, no white space); libvirt and the reader trim the text of
    // <name>, so a name with white space at its ends is out of the domain.
    if input.name.is_empty() || input.name.trim() != input.name {
        return;
    }
    let spec = spec(input);
    let Ok(xml) = vapor_libvirt::xml::domain_xml(&spec) else {
        return;
    };
    let d = vapor_libvirt::xml::parse_domain(&xml)
        .unwrap_or_else(|e| panic!("the writer's own XML does not read back: {e:?}\n{xml}"));
    let ctx = || format!("\n{spec:#?}\n{xml}");
    assert_eq!(d.name, spec.name, "name{}", ctx());
    assert_eq!(d.uuid, spec.uuid, "uuid{}", ctx());
    assert_eq!(d.domain_type, spec.domain_type, "domain type{}", ctx());
    assert_eq!(d.os.arch, spec.arch, "arch{}", ctx());
    assert_eq!(d.memory_mib, spec.memory_mib, "memory{}", ctx());
    assert_eq!(d.max_memory_mib, spec.memory_mib, "max memory{}", ctx());
    assert_eq!(d.vcpus, spec.vcpus, "vcpus{}", ctx());
    assert_eq!(d.tpm, spec.tpm, "tpm{}", ctx());
    match spec.firmware {
        Firmware::Bios => assert_eq!((d.firmware.as_str(), d.secure_boot), ("bios", false)),
        Firmware::Efi { secure_boot } => {
            assert_eq!((d.firmware.as_str(), d.secure_boot), ("efi", secure_boot))
        }
    }
    assert_eq!(d.disks.len(), spec.disks.len(), "disks{}", ctx());
    for (got, want) in d.disks.iter().zip(&spec.disks) {
        let device = match want.device {
            DiskDevice::Disk => "disk",
            DiskDevice::Cdrom => "cdrom",
        };
        assert_eq!(got.device, device, "disk device{}", ctx());
        assert_eq!(got.target, want.target, "disk target{}", ctx());
        assert_eq!(
            got.bus.as_deref(),
            Some(want.bus.as_str()),
            "disk bus{}",
            ctx()
        );
        // An empty path is a cdrom without medium: no <source>.
        let path = Some(want.path.as_str()).filter(|p| !p.is_empty());
        assert_eq!(got.path.as_deref(), path, "disk path{}", ctx());
        assert_eq!(got.readonly, want.readonly, "disk readonly{}", ctx());
        assert_eq!(
            got.cache.as_deref(),
            want.cache.map(|c| c.as_str()),
            "disk cache{}",
            ctx()
        );
    }
    assert_eq!(
        d.interfaces.len(),
        spec.interfaces.len(),
        "interfaces{}",
        ctx()
    );
    for (got, want) in d.interfaces.iter().zip(&spec.interfaces) {
        assert_eq!(got.kind, want.kind.as_str(), "interface kind{}", ctx());
        // User-mode networking has no source; empty model and MAC are left to libvirt.
        let source = want
            .source
            .as_deref()
            .filter(|_| want.kind != InterfaceKind::User);
        let model = Some(want.model.as_str()).filter(|m| !m.is_empty());
        let mac = Some(want.mac.as_str()).filter(|m| !m.is_empty());
        assert_eq!(got.source.as_deref(), source, "interface source{}", ctx());
        assert_eq!(got.model.as_deref(), model, "interface model{}", ctx());
        assert_eq!(got.mac.as_deref(), mac, "interface mac{}", ctx());
    }
    assert_eq!(d.graphics.len(), spec.graphics.len(), "graphics{}", ctx());
    for (got, want) in d.graphics.iter().zip(&spec.graphics) {
        assert_eq!(got.kind, want.kind.as_str(), "graphics kind{}", ctx());
        let listen = Some(want.listen.as_str()).filter(|l| !l.is_empty());
        assert_eq!(got.listen.as_deref(), listen, "graphics listen{}", ctx());
    }
    assert_eq!(d.metadata, spec.metadata, "metadata{}", ctx());
});
