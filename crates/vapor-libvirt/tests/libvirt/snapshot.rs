//! Domain snapshots through the libvirt backend, on libvirt's in-process
//! test driver (`test:///default`), which keeps a snapshot tree per domain,
//! captures the domain's state and restores it on revert, but takes no
//! external (disk-only) snapshots.
//!
//! Every test uses its own names (`vapor-lt-` and a random suffix) and
//! removes what it created, even when it fails half-way.

use vapor_hypervisor::{
    BootDevice, DiskBus, DiskDevice, DiskFormat, DiskSourceType, DiskSpec, DomainSpec, DomainState,
    GuestAgent, Hypervisor, HypervisorErrorKind, LibvirtVersion, PowerAction, SnapshotBackend,
    SnapshotLocation, SnapshotSpec, SnapshotState, VaporMetadata,
};
use vapor_libvirt::LibvirtHypervisor;

const URI: &str = "test:///default";

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
        disks: vec![
            DiskSpec {
                device: DiskDevice::Disk,
                path: format!("/guest/{name}.qcow2"),
                format: DiskFormat::Qcow2,
                bus: DiskBus::Virtio,
                target: "vda".into(),
                readonly: false,
                cache: None,
            },
            DiskSpec {
                device: DiskDevice::Cdrom,
                path: "/guest/install.iso".into(),
                format: DiskFormat::Raw,
                bus: DiskBus::Sata,
                target: "sda".into(),
                readonly: true,
                cache: None,
            },
        ],
        interfaces: vec![],
        graphics: vec![],
        boot: vec![BootDevice::Hd],
        firmware: Default::default(),
        tpm: false,
        metadata: VaporMetadata::default(),
    }
}

/// Removes the domain (and its snapshot metadata) when dropped.
struct DomainGuard<'a> {
    hv: &'a LibvirtHypervisor,
    uuid: String,
}

impl Drop for DomainGuard<'_> {
    fn drop(&mut self) {
        let _ = self.hv.undefine_domain(&self.uuid);
    }
}

fn define<'a>(hv: &'a LibvirtHypervisor, prefix: &str) -> DomainGuard<'a> {
    let d = hv.define_domain(&spec(&unique(prefix))).unwrap();
    DomainGuard { hv, uuid: d.uuid }
}

fn internal(name: &str, memory: bool) -> SnapshotSpec {
    SnapshotSpec {
        name: name.into(),
        description: Some(format!("<{name}> & 'more'")),
        memory: if memory {
            SnapshotLocation::Internal
        } else {
            SnapshotLocation::No
        },
        disks: vec![
            ("vda".into(), SnapshotLocation::Internal),
            ("sda".into(), SnapshotLocation::No),
        ],
        quiesce: false,
    }
}

#[test]
fn facts_of_a_domain() {
    let hv = connect();
    let dom = define(&hv, "facts");
    let f = hv.snapshot_facts(&dom.uuid).unwrap();
    assert_eq!(f.uuid, dom.uuid);
    assert_eq!(f.state, DomainState::Shutoff);
    assert!(f.persistent);
    assert!(!f.has_nvram_pflash && !f.has_hostdev);
    // Every domain Vapor defines has the agent channel; nothing answers on
    // it while the domain is off.
    assert_eq!(f.guest_agent, GuestAgent::Disconnected);
    assert!(!f.has_external_snapshots);
    assert!(f.libvirt_version.unwrap() >= LibvirtVersion::new(9, 0, 0));
    // The test driver takes no external snapshots.
    assert!(!f.external_supported);
    assert_eq!(f.disks.len(), 2);
    assert_eq!(f.disks[0].target, "vda");
    assert_eq!(f.disks[0].source_type, DiskSourceType::File);
    assert_eq!(f.disks[0].format.as_deref(), Some("qcow2"));
    assert!(!f.disks[0].readonly);
    assert!(f.disks[1].readonly);
    assert_eq!(f.disks[1].device, "cdrom");

    assert_eq!(
        hv.snapshot_facts(&uuid::Uuid::new_v4().to_string())
            .unwrap_err()
            .kind,
        HypervisorErrorKind::NotFound
    );
}

#[test]
fn a_snapshot_tree() {
    let hv = connect();
    let dom = define(&hv, "tree");
    let uuid = &dom.uuid;
    assert!(hv.list_snapshots(uuid).unwrap().is_empty());

    let off = hv.create_snapshot(uuid, &internal("off", false)).unwrap();
    assert_eq!(off.name, "off");
    assert_eq!(off.state, SnapshotState::Shutoff);
    assert_eq!(off.description.as_deref(), Some("<off> & 'more'"));
    assert_eq!(off.parent, None);
    assert!(off.is_current);
    assert_eq!(off.memory, SnapshotLocation::No);
    assert_eq!(off.disks[0].location, SnapshotLocation::Internal);
    assert_eq!(off.size_bytes, None, "libvirt reports no size for internal");
    assert!(off.created_unix_secs > 1_600_000_000);

    hv.power(uuid, PowerAction::Start).unwrap();
    let live = hv.create_snapshot(uuid, &internal("live", true)).unwrap();
    assert_eq!(live.state, SnapshotState::Running);
    assert_eq!(live.memory, SnapshotLocation::Internal);
    assert_eq!(live.parent.as_deref(), Some("off"));
    let leaf = hv.create_snapshot(uuid, &internal("leaf", true)).unwrap();
    assert_eq!(leaf.parent.as_deref(), Some("live"));

    let all = hv.list_snapshots(uuid).unwrap();
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    // Oldest first; within a second, parents first.
    assert_eq!(names, ["off", "live", "leaf"]);
    let by = |n: &str| all.iter().find(|s| s.name == n).unwrap().clone();
    assert_eq!(by("off").children, ["live"]);
    assert_eq!(by("live").children, ["leaf"]);
    assert!(by("leaf").is_current && !by("off").is_current);

    // The same, one at a time.
    let got = hv.lookup_snapshot(uuid, "live").unwrap();
    assert_eq!(got, by("live"));

    assert_eq!(
        hv.create_snapshot(uuid, &internal("live", true))
            .unwrap_err()
            .kind,
        HypervisorErrorKind::AlreadyExists
    );
    assert_eq!(
        hv.lookup_snapshot(uuid, "nope").unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );

    // Deleting the middle one re-parents its child.
    hv.delete_snapshot(uuid, "live").unwrap();
    assert_eq!(
        hv.lookup_snapshot(uuid, "leaf").unwrap().parent.as_deref(),
        Some("off")
    );
    assert_eq!(hv.lookup_snapshot(uuid, "off").unwrap().children, ["leaf"]);
    assert_eq!(
        hv.delete_snapshot(uuid, "live").unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
}

#[test]
fn revert_restores_the_captured_state() {
    let hv = connect();
    let dom = define(&hv, "revert");
    let uuid = &dom.uuid;
    hv.create_snapshot(uuid, &internal("off", false)).unwrap();
    hv.power(uuid, PowerAction::Start).unwrap();
    hv.create_snapshot(uuid, &internal("live", true)).unwrap();
    hv.power(uuid, PowerAction::Destroy).unwrap();

    hv.revert_snapshot(uuid, "live").unwrap();
    assert_eq!(hv.lookup_domain(uuid).unwrap().state, DomainState::Running);
    assert!(hv.lookup_snapshot(uuid, "live").unwrap().is_current);

    hv.revert_snapshot(uuid, "off").unwrap();
    assert_eq!(hv.lookup_domain(uuid).unwrap().state, DomainState::Shutoff);
    assert!(hv.lookup_snapshot(uuid, "off").unwrap().is_current);
    assert_eq!(
        hv.revert_snapshot(uuid, "nope").unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
}

#[test]
fn the_test_driver_takes_no_external_snapshots() {
    let hv = connect();
    let dom = define(&hv, "ext");
    let mut s = internal("ext", false);
    s.disks[0].1 = SnapshotLocation::External;
    let err = hv.create_snapshot(&dom.uuid, &s).unwrap_err();
    assert_ne!(err.kind, HypervisorErrorKind::NotFound, "{err:?}");
    assert!(hv.list_snapshots(&dom.uuid).unwrap().is_empty());

    // Mixing is refused before libvirt is asked.
    s.disks.push(("vdb".into(), SnapshotLocation::Internal));
    assert_eq!(
        hv.create_snapshot(&dom.uuid, &s).unwrap_err().kind,
        HypervisorErrorKind::InvalidArgument
    );
}

#[test]
fn a_domain_with_snapshots_can_be_undefined() {
    let hv = connect();
    let dom = define(&hv, "undef");
    hv.create_snapshot(&dom.uuid, &internal("a", false))
        .unwrap();
    hv.create_snapshot(&dom.uuid, &internal("b", false))
        .unwrap();
    hv.undefine_domain(&dom.uuid).unwrap();
    assert_eq!(
        hv.list_snapshots(&dom.uuid).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
}

#[test]
fn snapshot_calls_are_counted() {
    let hv = connect();
    let dom = define(&hv, "count");
    hv.create_snapshot(&dom.uuid, &internal("a", false))
        .unwrap();
    hv.create_snapshot(&dom.uuid, &internal("b", false))
        .unwrap();
    let before = hv.libvirt_calls();
    hv.list_snapshots(&dom.uuid).unwrap();
    // isAlive, lookupByUUID, current, its name, listAll, one XML each.
    assert_eq!(hv.libvirt_calls() - before, 1 + 1 + 2 + 1 + 2);
    let before = hv.libvirt_calls();
    hv.lookup_snapshot(&dom.uuid, "a").unwrap();
    // isAlive, lookupByUUID, lookupByName, XML, isCurrent, children, a name each.
    assert_eq!(hv.libvirt_calls() - before, 1 + 1 + 1 + 1 + 1 + 1 + 1);
}
