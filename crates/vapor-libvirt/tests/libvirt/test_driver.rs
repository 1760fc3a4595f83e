//! The libvirt backend against libvirt's in-process test driver
//! (`test:///default`), which needs no daemon.
//!
//! All connections to `test:///default` in one process share the driver's
//! state, which starts with a running domain `test` and a directory pool
//! `default-pool` at `/default-pool`, and vanishes when the last connection
//! closes. Every test uses its own names (`vapor-lt-` and a random suffix)
//! and removes what it created.

use std::sync::Arc;
use std::thread;

use vapor_hypervisor::{
    BootDevice, ChangeScope, DiskBus, DiskDevice, DiskFormat, DiskSpec, DomainSpec, DomainState,
    GraphicsKind, GraphicsSpec, Hypervisor, HypervisorErrorKind, InterfaceKind, InterfaceSpec,
    PowerAction, StorageBackend, VaporMetadata, VolumeSpec,
};
use vapor_libvirt::LibvirtHypervisor;

const URI: &str = "test:///default";
const POOL: &str = "default-pool";
const GIB: u64 = 1 << 30;

fn connect() -> LibvirtHypervisor {
    LibvirtHypervisor::connect(URI).expect("test:///default opens")
}

fn unique(prefix: &str) -> String {
    format!(
        "vapor-lt-{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

fn spec(name: &str) -> DomainSpec {
    DomainSpec {
        name: name.to_string(),
        uuid: uuid::Uuid::new_v4().to_string(),
        domain_type: "test".into(),
        arch: "i686".into(),
        memory_mib: 512,
        vcpus: 2,
        disks: vec![],
        interfaces: vec![InterfaceSpec {
            kind: InterfaceKind::Network,
            source: Some("default".into()),
            model: "virtio".into(),
            mac: "52:54:00:aa:bb:01".into(),
        }],
        graphics: vec![GraphicsSpec {
            kind: GraphicsKind::Vnc,
            listen: "127.0.0.1".into(),
            port: None,
            password: Some(r#"<&'"secret"#.into()),
        }],
        boot: vec![BootDevice::Hd],
        firmware: Default::default(),
        tpm: false,
        metadata: VaporMetadata {
            created_at: Some("2024-05-01T12:00:00Z".into()),
            updated_at: None,
            owned_volumes: vec![],
            ephemeral_volumes: vec![],
            labels: Default::default(),
        },
    }
}

/// Removes the domain when dropped, even if the test failed half-way.
struct DomainGuard<'a> {
    hv: &'a LibvirtHypervisor,
    uuid: String,
}

impl Drop for DomainGuard<'_> {
    fn drop(&mut self) {
        let _ = self.hv.undefine_domain(&self.uuid);
    }
}

/// Deletes the volume when dropped.
struct VolumeGuard<'a> {
    hv: &'a LibvirtHypervisor,
    path: String,
}

impl Drop for VolumeGuard<'_> {
    fn drop(&mut self) {
        let _ = self.hv.delete_volume_by_path(&self.path);
    }
}

fn state(hv: &LibvirtHypervisor, uuid: &str) -> DomainState {
    hv.lookup_domain(uuid).expect("domain exists").state
}

#[test]
fn host_info_describes_the_test_driver() {
    let info = connect().host_info().unwrap();
    assert_eq!(info.backend, "libvirt");
    assert_eq!(info.uri, URI);
    assert!(info.hypervisor.starts_with("TEST "), "{}", info.hypervisor);
    let version = info.libvirt_version.expect("libvirt version");
    assert_eq!(version.split('.').count(), 3, "{version}");
    assert!(
        version.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{version}"
    );
    assert_eq!(info.arch, "i686");
    assert_eq!(info.domain_types, vec!["test"]);
}

#[test]
fn domain_lifecycle() {
    let hv = connect();
    let name = unique("life");
    let spec = spec(&name);
    let defined = hv.define_domain(&spec).unwrap();
    let _guard = DomainGuard {
        hv: &hv,
        uuid: spec.uuid.clone(),
    };

    assert_eq!(defined.name, name);
    assert_eq!(defined.uuid, spec.uuid);
    assert_eq!(defined.state, DomainState::Shutoff);
    assert_eq!(defined.domain_type, "test");
    assert!(defined.persistent);
    assert!(!defined.autostart);
    assert_eq!((defined.memory_mib, defined.max_memory_mib), (512, 512));
    assert_eq!((defined.vcpus, defined.max_vcpus), (2, 2));
    assert_eq!(defined.os.os_type, "hvm");
    assert_eq!(defined.os.arch, "i686");
    assert_eq!(defined.metadata, spec.metadata);
    assert_eq!(defined.interfaces.len(), 1);
    assert_eq!(defined.interfaces[0].kind, "network");
    assert_eq!(defined.interfaces[0].source.as_deref(), Some("default"));
    assert_eq!(
        defined.interfaces[0].mac.as_deref(),
        Some("52:54:00:aa:bb:01")
    );
    assert_eq!(defined.graphics.len(), 1);
    assert_eq!(defined.graphics[0].kind, "vnc");
    assert_eq!(defined.graphics[0].port, None);
    assert!(defined.graphics[0].autoport);

    // By name and by UUID.
    assert_eq!(hv.lookup_domain(&name).unwrap(), defined);
    assert_eq!(hv.lookup_domain(&spec.uuid).unwrap(), defined);
    assert_eq!(
        hv.lookup_domain(&spec.uuid.to_uppercase()).unwrap().uuid,
        spec.uuid
    );
    assert!(hv
        .list_domains()
        .unwrap()
        .iter()
        .any(|d| d.uuid == spec.uuid));

    // Not running: only Start applies.
    for action in [
        PowerAction::Suspend,
        PowerAction::Resume,
        PowerAction::Destroy,
        PowerAction::Shutdown,
        PowerAction::Reboot,
        PowerAction::Reset,
    ] {
        let err = hv.power(&spec.uuid, action).unwrap_err();
        assert_eq!(
            err.kind,
            HypervisorErrorKind::OperationInvalid,
            "{action:?}: {err}"
        );
    }
    assert_eq!(state(&hv, &spec.uuid), DomainState::Shutoff);

    hv.power(&spec.uuid, PowerAction::Start).unwrap();
    assert_eq!(state(&hv, &spec.uuid), DomainState::Running);
    let err = hv.power(&spec.uuid, PowerAction::Start).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");
    let err = hv.power(&spec.uuid, PowerAction::Resume).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");

    hv.power(&spec.uuid, PowerAction::Suspend).unwrap();
    assert_eq!(state(&hv, &spec.uuid), DomainState::Paused);
    let err = hv.power(&spec.uuid, PowerAction::Suspend).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");

    hv.power(&spec.uuid, PowerAction::Resume).unwrap();
    assert_eq!(state(&hv, &spec.uuid), DomainState::Running);

    hv.power(&spec.uuid, PowerAction::Reboot).unwrap();
    hv.power(&spec.uuid, PowerAction::Reset).unwrap();
    assert_eq!(state(&hv, &spec.uuid), DomainState::Running);

    hv.power(&spec.uuid, PowerAction::Destroy).unwrap();
    assert_eq!(state(&hv, &spec.uuid), DomainState::Shutoff);

    // The test driver shuts a domain down at once.
    hv.power(&spec.uuid, PowerAction::Start).unwrap();
    hv.power(&spec.uuid, PowerAction::Shutdown).unwrap();
    assert_eq!(state(&hv, &spec.uuid), DomainState::Shutoff);

    hv.set_autostart(&spec.uuid, true).unwrap();
    assert!(hv.lookup_domain(&spec.uuid).unwrap().autostart);
    hv.set_autostart(&spec.uuid, false).unwrap();
    assert!(!hv.lookup_domain(&spec.uuid).unwrap().autostart);

    hv.undefine_domain(&spec.uuid).unwrap();
    for key in [&name, &spec.uuid] {
        let err = hv.lookup_domain(key).unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
    }
    assert!(!hv
        .list_domains()
        .unwrap()
        .iter()
        .any(|d| d.uuid == spec.uuid));
}

#[test]
fn undefine_destroys_a_running_domain() {
    let hv = connect();
    let spec = spec(&unique("undef"));
    hv.define_domain(&spec).unwrap();
    let _guard = DomainGuard {
        hv: &hv,
        uuid: spec.uuid.clone(),
    };
    hv.power(&spec.uuid, PowerAction::Start).unwrap();
    hv.power(&spec.uuid, PowerAction::Suspend).unwrap();
    hv.undefine_domain(&spec.uuid).unwrap();
    assert_eq!(
        hv.lookup_domain(&spec.uuid).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
    let err = hv.undefine_domain(&spec.uuid).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
}

#[test]
fn duplicate_definitions_are_rejected() {
    let hv = connect();
    let first = spec(&unique("dup"));
    hv.define_domain(&first).unwrap();
    let _guard = DomainGuard {
        hv: &hv,
        uuid: first.uuid.clone(),
    };

    // Same name and UUID: libvirt alone would redefine it.
    let err = hv.define_domain(&first).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::AlreadyExists, "{err}");

    // Same name, new UUID.
    let mut same_name = first.clone();
    same_name.uuid = uuid::Uuid::new_v4().to_string();
    let err = hv.define_domain(&same_name).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::AlreadyExists, "{err}");

    // New name, same UUID.
    let mut same_uuid = first.clone();
    same_uuid.name = unique("dup");
    let err = hv.define_domain(&same_uuid).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::AlreadyExists, "{err}");

    // The original is untouched.
    assert_eq!(hv.lookup_domain(&first.uuid).unwrap().name, first.name);
}

#[test]
fn invalid_definitions_are_rejected() {
    let hv = connect();
    let mut bad = spec(&unique("bad"));
    bad.uuid = "not-a-uuid".into();
    let err = hv.define_domain(&bad).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::InvalidArgument, "{err}");

    let mut bad = spec(&unique("bad"));
    bad.name = "bad\u{7}name".into();
    let err = hv.define_domain(&bad).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::InvalidArgument, "{err}");
}

#[test]
fn hostile_strings_round_trip_as_data() {
    let hv = connect();
    let mut spec = spec(&unique("xml"));
    spec.metadata.created_at = Some(r#"</vapor:created-at><evil a="1"/>&amp;'"#.into());
    spec.metadata.owned_volumes = vec![r#"/tmp/a"b'c<d>&e.qcow2"#.into()];
    spec.disks = vec![DiskSpec {
        device: DiskDevice::Disk,
        path: r#"/tmp/x'/><source file="/etc/shadow"/>"#.into(),
        format: DiskFormat::Raw,
        bus: DiskBus::Virtio,
        target: "vda".into(),
        readonly: false,
        cache: None,
    }];
    let d = hv.define_domain(&spec).unwrap();
    let _guard = DomainGuard {
        hv: &hv,
        uuid: spec.uuid.clone(),
    };
    assert_eq!(d.metadata, spec.metadata);
    assert_eq!(d.disks.len(), 1);
    assert_eq!(
        d.disks[0].path.as_deref(),
        Some(spec.disks[0].path.as_str())
    );
}

#[test]
fn memory_and_vcpus_of_a_shut_off_domain() {
    let hv = connect();
    let spec = spec(&unique("cfg"));
    hv.define_domain(&spec).unwrap();
    let _guard = DomainGuard {
        hv: &hv,
        uuid: spec.uuid.clone(),
    };

    // Raising and lowering both move the maximum with the current value.
    assert_eq!(
        hv.set_memory(&spec.uuid, 1024).unwrap(),
        ChangeScope::Config
    );
    let d = hv.lookup_domain(&spec.uuid).unwrap();
    assert_eq!((d.memory_mib, d.max_memory_mib), (1024, 1024));
    assert_eq!(hv.set_memory(&spec.uuid, 256).unwrap(), ChangeScope::Config);
    let d = hv.lookup_domain(&spec.uuid).unwrap();
    assert_eq!((d.memory_mib, d.max_memory_mib), (256, 256));

    assert_eq!(hv.set_vcpus(&spec.uuid, 4).unwrap(), ChangeScope::Config);
    let d = hv.lookup_domain(&spec.uuid).unwrap();
    assert_eq!((d.vcpus, d.max_vcpus), (4, 4));
    assert_eq!(hv.set_vcpus(&spec.uuid, 1).unwrap(), ChangeScope::Config);
    let d = hv.lookup_domain(&spec.uuid).unwrap();
    assert_eq!((d.vcpus, d.max_vcpus), (1, 1));

    let err = hv.set_memory(&spec.uuid, 0).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::InvalidArgument);
    let err = hv.set_vcpus(&spec.uuid, 0).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::InvalidArgument);
}

#[test]
fn memory_and_vcpus_of_a_running_domain() {
    let hv = connect();
    let mut spec = spec(&unique("live"));
    spec.memory_mib = 1024;
    spec.vcpus = 4;
    hv.define_domain(&spec).unwrap();
    let _guard = DomainGuard {
        hv: &hv,
        uuid: spec.uuid.clone(),
    };
    hv.power(&spec.uuid, PowerAction::Start).unwrap();

    assert_eq!(
        hv.set_memory(&spec.uuid, 512).unwrap(),
        ChangeScope::LiveAndConfig
    );
    let d = hv.lookup_domain(&spec.uuid).unwrap();
    assert_eq!((d.memory_mib, d.max_memory_mib), (512, 1024));
    assert_eq!(
        hv.set_memory(&spec.uuid, 1024).unwrap(),
        ChangeScope::LiveAndConfig
    );
    let err = hv.set_memory(&spec.uuid, 2048).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");
    assert!(err.message.contains("1024 MiB"), "{err}");

    assert_eq!(
        hv.set_vcpus(&spec.uuid, 2).unwrap(),
        ChangeScope::LiveAndConfig
    );
    let d = hv.lookup_domain(&spec.uuid).unwrap();
    assert_eq!((d.vcpus, d.max_vcpus), (2, 4));
    let err = hv.set_vcpus(&spec.uuid, 5).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");

    // The definition changed too.
    hv.power(&spec.uuid, PowerAction::Destroy).unwrap();
    let d = hv.lookup_domain(&spec.uuid).unwrap();
    assert_eq!((d.memory_mib, d.vcpus), (1024, 2));
}

#[test]
fn volumes_in_the_default_pool() {
    let hv = connect();
    let pool = hv.lookup_pool(POOL).unwrap();
    assert_eq!(pool.name, POOL);
    assert_eq!(pool.pool_type, "dir");
    assert_eq!(pool.path.as_deref(), Some("/default-pool"));
    assert!(pool.active);
    assert!(pool.capacity_bytes > 0);

    let name = format!("{}.qcow2", unique("vol"));
    let vspec = VolumeSpec {
        name: name.clone(),
        capacity_bytes: GIB,
        format: DiskFormat::Qcow2,
    };
    let vol = hv.create_volume(POOL, &vspec).unwrap();
    let _guard = VolumeGuard {
        hv: &hv,
        path: vol.path.clone(),
    };
    assert_eq!(vol.name, name);
    assert_eq!(vol.pool, POOL);
    assert_eq!(vol.path, format!("/default-pool/{name}"));
    assert_eq!(vol.format.as_deref(), Some("qcow2"));
    assert_eq!(vol.capacity_bytes, GIB);

    assert_eq!(hv.lookup_volume_by_path(&vol.path).unwrap(), vol);
    let err = hv.create_volume(POOL, &vspec).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::AlreadyExists, "{err}");

    // A domain whose disk is a volume reports the volume's size.
    let mut dspec = spec(&unique("disk"));
    dspec.disks = vec![DiskSpec {
        device: DiskDevice::Disk,
        path: vol.path.clone(),
        format: DiskFormat::Qcow2,
        bus: DiskBus::Virtio,
        target: "vda".into(),
        readonly: false,
        cache: None,
    }];
    dspec.metadata.owned_volumes = vec![vol.path.clone()];
    let d = hv.define_domain(&dspec).unwrap();
    let dguard = DomainGuard {
        hv: &hv,
        uuid: dspec.uuid.clone(),
    };
    assert_eq!(d.disks[0].capacity_bytes, Some(GIB));
    assert_eq!(d.disks[0].format.as_deref(), Some("qcow2"));
    assert_eq!(d.metadata.owned_volumes, vec![vol.path.clone()]);
    drop(dguard);

    hv.delete_volume_by_path(&vol.path).unwrap();
    let err = hv.lookup_volume_by_path(&vol.path).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
    let err = hv.delete_volume_by_path(&vol.path).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
}

#[test]
fn invalid_volumes_are_rejected() {
    let hv = connect();
    let raw = |name: &str| VolumeSpec {
        name: name.into(),
        capacity_bytes: GIB,
        format: DiskFormat::Raw,
    };
    for name in ["a/b", "../escape", ""] {
        let err = hv.create_volume(POOL, &raw(name)).unwrap_err();
        assert_eq!(
            err.kind,
            HypervisorErrorKind::InvalidArgument,
            "{name:?}: {err}"
        );
    }
    let err = hv
        .create_volume(&unique("nopool"), &raw(&unique("v")))
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
}

#[test]
fn dir_pools() {
    let hv = connect();
    let name = unique("pool");
    let path = format!("/{name}");
    let pool = hv.create_dir_pool(&name, &path).unwrap();
    assert_eq!(pool.name, name);
    assert_eq!(pool.pool_type, "dir");
    assert_eq!(pool.path.as_deref(), Some(path.as_str()));
    assert!(pool.active && pool.autostart && pool.persistent);
    assert_eq!(hv.lookup_pool(&name).unwrap(), pool);

    let err = hv
        .create_dir_pool(&name, &format!("{path}-other"))
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::AlreadyExists, "{err}");

    let vol = hv
        .create_volume(
            &name,
            &VolumeSpec {
                name: "v.raw".into(),
                capacity_bytes: GIB,
                format: DiskFormat::Raw,
            },
        )
        .unwrap();
    assert_eq!(vol.pool, name);
    assert_eq!(vol.path, format!("{path}/v.raw"));
    hv.delete_volume_by_path(&vol.path).unwrap();
    // The test driver's state ends with the process; there is no pool removal in the trait.
}

#[test]
fn missing_objects_are_not_found() {
    let hv = connect();
    let missing_uuid = uuid::Uuid::new_v4().to_string();
    for key in [unique("ghost"), missing_uuid.clone()] {
        let err = hv.lookup_domain(&key).unwrap_err();
        assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{key}: {err}");
    }
    for uuid in [missing_uuid.as_str(), "not-a-uuid"] {
        let errs = [
            hv.power(uuid, PowerAction::Start).unwrap_err(),
            hv.undefine_domain(uuid).unwrap_err(),
            hv.set_memory(uuid, 512).unwrap_err(),
            hv.set_vcpus(uuid, 1).unwrap_err(),
            hv.set_autostart(uuid, true).unwrap_err(),
        ];
        for err in errs {
            assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{uuid}: {err}");
        }
    }
    let err = hv.lookup_pool(&unique("nopool")).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
    let err = hv
        .lookup_volume_by_path("/default-pool/vapor-lt-missing.qcow2")
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
    let err = hv.delete_volume_by_path("/nowhere/at/all").unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
}

#[test]
fn lists_the_drivers_own_domain() {
    let domains = connect().list_domains().unwrap();
    let test = domains
        .iter()
        .find(|d| d.name == "test")
        .expect("the test driver's domain");
    assert_eq!(test.domain_type, "test");
    assert!(test.memory_mib > 0);
}

#[test]
fn one_connection_serves_many_threads() {
    let hv = Arc::new(connect());
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let hv = Arc::clone(&hv);
            thread::spawn(move || {
                let spec = spec(&unique(&format!("mt{i}")));
                hv.define_domain(&spec).unwrap();
                for _ in 0..5 {
                    hv.power(&spec.uuid, PowerAction::Start).unwrap();
                    assert!(hv
                        .list_domains()
                        .unwrap()
                        .iter()
                        .any(|d| d.uuid == spec.uuid));
                    hv.power(&spec.uuid, PowerAction::Destroy).unwrap();
                }
                hv.undefine_domain(&spec.uuid).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread");
    }
}

/// A domain with nothing attached: reading it costs no storage calls.
fn blank(name: &str) -> DomainSpec {
    DomainSpec {
        disks: vec![],
        interfaces: vec![],
        graphics: vec![],
        ..spec(name)
    }
}

/// The libvirt calls `op` makes through `hv`.
fn cost<T>(hv: &LibvirtHypervisor, op: impl FnOnce(&LibvirtHypervisor) -> T) -> (u64, T) {
    let before = hv.libvirt_calls();
    let value = op(hv);
    (hv.libvirt_calls() - before, value)
}

/// The calls each operation costs, counted exactly. It runs on a private
/// test driver (`test:///<file>` gets its own state, unlike the shared
/// `test:///default`), so other tests' domains never show up in its lists.
///
/// Every `Hypervisor` method costs one `virConnectIsAlive` (the liveness
/// check before the call) plus its own calls; reading a domain without
/// disks costs four: `virDomainGetState`, `virDomainGetXMLDesc`,
/// `virDomainGetAutostart`, `virDomainIsPersistent`.
#[test]
fn libvirt_calls_are_counted_exactly() {
    const IS_ALIVE: u64 = 1;
    const READ_DOMAIN: u64 = 4;

    let node = std::env::temp_dir().join(format!("{}.xml", unique("node")));
    std::fs::write(&node, "<node/>").expect("write the driver's node file");
    let hv = LibvirtHypervisor::connect(&format!("test://{}", node.display()));
    // The driver reads the file while opening.
    let _ = std::fs::remove_file(&node);
    let hv = hv.expect("a private test driver opens");

    // virConnectOpen; the test driver gets no keepalive.
    assert_eq!(hv.libvirt_calls(), 1);

    // virConnectListAllDomains, and nothing to read.
    let (calls, empty) = cost(&hv, |hv| hv.list_domains().unwrap());
    assert!(empty.is_empty());
    assert_eq!(calls, IS_ALIVE + 1);

    // Lookups by name and by UUID that find nothing, virDomainDefineXML,
    // and the read of the new domain.
    let specs: Vec<_> = (0..4)
        .map(|i| blank(&unique(&format!("count{i}"))))
        .collect();
    for s in &specs[..2] {
        let (calls, _) = cost(&hv, |hv| hv.define_domain(s).unwrap());
        assert_eq!(calls, IS_ALIVE + 3 + READ_DOMAIN);
    }

    // virDomainLookupByName, then the read.
    let (by_name, d) = cost(&hv, |hv| hv.lookup_domain(&specs[0].name).unwrap());
    assert_eq!(d.uuid, specs[0].uuid);
    assert_eq!(by_name, IS_ALIVE + 1 + READ_DOMAIN);
    // A UUID is tried as a name first.
    let (by_uuid, d) = cost(&hv, |hv| hv.lookup_domain(&specs[0].uuid).unwrap());
    assert_eq!(d.name, specs[0].name);
    assert_eq!(by_uuid, IS_ALIVE + 2 + READ_DOMAIN);
    // A failed call checks the connection again before reporting the error.
    let (missing, err) = cost(&hv, |hv| hv.lookup_domain(&unique("ghost")).unwrap_err());
    assert_eq!(err.kind, HypervisorErrorKind::NotFound);
    assert_eq!(missing, IS_ALIVE + 1 + IS_ALIVE);

    // Listing: one virConnectListAllDomains, then one read per domain, the
    // same read a lookup makes.
    let per_domain = by_name - IS_ALIVE - 1;
    let (two, listed) = cost(&hv, |hv| hv.list_domains().unwrap());
    assert_eq!(listed.len(), 2);
    for s in &specs[2..] {
        hv.define_domain(s).unwrap();
    }
    let (four, listed) = cost(&hv, |hv| hv.list_domains().unwrap());
    assert_eq!(listed.len(), 4);
    assert_eq!(two, IS_ALIVE + 1 + 2 * per_domain);
    assert_eq!(four, IS_ALIVE + 1 + 4 * per_domain);
    assert_eq!(four - two, 2 * per_domain);

    for s in &specs {
        hv.undefine_domain(&s.uuid).unwrap();
    }
}

/// The test driver reports a running domain's interfaces without names; the
/// addresses are read without crashing, and the driver's fixed address is
/// reported against the interface's MAC.
#[test]
fn guest_interfaces_of_a_running_domain() {
    let hv = connect();
    let name = unique("addrs");
    let d = hv.define_domain(&spec(&name)).expect("defines");
    let _guard = DomainGuard {
        hv: &hv,
        uuid: d.uuid.clone(),
    };
    hv.power(&d.uuid, vapor_hypervisor::PowerAction::Start)
        .expect("starts");
    let found = hv.guest_interfaces(&d.uuid).expect("answers");
    let nic = found
        .iter()
        .find(|i| i.mac.as_deref() == Some("52:54:00:aa:bb:01"))
        .unwrap_or_else(|| panic!("the NIC is reported: {found:?}"));
    assert!(!nic.addresses.is_empty(), "{found:?}");
    assert!(nic.addresses.iter().all(|a| !a.address.is_empty()));
}
