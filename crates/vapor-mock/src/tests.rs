use super::*;

fn spec(name: &str, uuid: &str) -> DomainSpec {
    DomainSpec {
        name: name.into(),
        uuid: uuid.into(),
        domain_type: "kvm".into(),
        arch: "x86_64".into(),
        memory_mib: 512,
        vcpus: 2,
        disks: vec![],
        interfaces: vec![],
        graphics: vec![GraphicsSpec {
            kind: GraphicsKind::Vnc,
            listen: "127.0.0.1".into(),
            port: None,
            password: None,
        }],
        boot: vec![BootDevice::Hd],
        firmware: Default::default(),
        tpm: false,
        metadata: VaporMetadata::default(),
    }
}

const U1: &str = "11111111-1111-4111-8111-111111111111";
const U2: &str = "22222222-2222-4222-8222-222222222222";

#[test]
fn power_transitions_follow_libvirt() {
    let hv = MockHypervisor::new();
    hv.define_domain(&spec("a", U1)).unwrap();
    let kind = |r: Result<()>| r.unwrap_err().kind;
    assert_eq!(
        kind(hv.power(U1, PowerAction::Suspend)),
        HypervisorErrorKind::OperationInvalid
    );
    assert_eq!(
        kind(hv.power(U1, PowerAction::Destroy)),
        HypervisorErrorKind::OperationInvalid
    );
    assert_eq!(
        kind(hv.power(U1, PowerAction::Resume)),
        HypervisorErrorKind::OperationInvalid
    );
    hv.power(U1, PowerAction::Start).unwrap();
    assert_eq!(hv.lookup_domain("a").unwrap().state, DomainState::Running);
    assert_eq!(
        kind(hv.power(U1, PowerAction::Start)),
        HypervisorErrorKind::OperationInvalid
    );
    assert_eq!(
        kind(hv.power(U1, PowerAction::Resume)),
        HypervisorErrorKind::OperationInvalid
    );
    hv.power(U1, PowerAction::Suspend).unwrap();
    assert_eq!(hv.lookup_domain(U1).unwrap().state, DomainState::Paused);
    hv.power(U1, PowerAction::Resume).unwrap();
    hv.power(U1, PowerAction::Shutdown).unwrap();
    assert_eq!(hv.lookup_domain(U1).unwrap().state, DomainState::Shutoff);
}

#[test]
fn display_ports_are_assigned_while_running_only() {
    let hv = MockHypervisor::new();
    hv.define_domain(&spec("a", U1)).unwrap();
    hv.define_domain(&spec("b", U2)).unwrap();
    assert_eq!(hv.lookup_domain("a").unwrap().graphics[0].port, None);
    hv.power(U1, PowerAction::Start).unwrap();
    hv.power(U2, PowerAction::Start).unwrap();
    let a = hv.lookup_domain("a").unwrap().graphics[0].port.unwrap();
    let b = hv.lookup_domain("b").unwrap().graphics[0].port.unwrap();
    assert_ne!(a, b);
    hv.power(U1, PowerAction::Destroy).unwrap();
    assert_eq!(hv.lookup_domain("a").unwrap().graphics[0].port, None);
}

#[test]
fn duplicates_and_missing_objects() {
    let hv = MockHypervisor::new();
    hv.define_domain(&spec("a", U1)).unwrap();
    assert_eq!(
        hv.define_domain(&spec("a", U2)).unwrap_err().kind,
        HypervisorErrorKind::AlreadyExists
    );
    assert_eq!(
        hv.define_domain(&spec("b", U1)).unwrap_err().kind,
        HypervisorErrorKind::AlreadyExists
    );
    assert_eq!(
        hv.lookup_domain("nope").unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
    hv.undefine_domain(U1).unwrap();
    assert_eq!(
        hv.undefine_domain(U1).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
}

#[test]
fn live_changes_are_bounded_by_the_maximum() {
    let hv = MockHypervisor::new();
    hv.define_domain(&spec("a", U1)).unwrap();
    assert_eq!(hv.set_memory(U1, 1024).unwrap(), ChangeScope::Config);
    assert_eq!(hv.lookup_domain(U1).unwrap().max_memory_mib, 1024);
    hv.power(U1, PowerAction::Start).unwrap();
    assert_eq!(hv.set_memory(U1, 768).unwrap(), ChangeScope::LiveAndConfig);
    assert_eq!(
        hv.set_memory(U1, 2048).unwrap_err().kind,
        HypervisorErrorKind::OperationInvalid
    );
    assert_eq!(
        hv.set_vcpus(U1, 4).unwrap_err().kind,
        HypervisorErrorKind::OperationInvalid
    );
    assert_eq!(hv.set_vcpus(U1, 1).unwrap(), ChangeScope::LiveAndConfig);
    let d = hv.lookup_domain(U1).unwrap();
    assert_eq!(
        (d.memory_mib, d.max_memory_mib, d.vcpus, d.max_vcpus),
        (768, 1024, 1, 2)
    );
}

#[test]
fn volumes_live_in_pools() {
    let hv = MockHypervisor::new();
    let vol = VolumeSpec {
        name: "a.qcow2".into(),
        capacity_bytes: 1 << 30,
        format: DiskFormat::Qcow2,
    };
    assert_eq!(
        hv.create_volume("default", &vol).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
    hv.create_dir_pool("default", "/var/lib/libvirt/images")
        .unwrap();
    let created = hv.create_volume("default", &vol).unwrap();
    assert_eq!(created.path, "/var/lib/libvirt/images/a.qcow2");
    assert_eq!(
        hv.create_volume("default", &vol).unwrap_err().kind,
        HypervisorErrorKind::AlreadyExists
    );
    let bad = VolumeSpec {
        name: "../x".into(),
        ..vol.clone()
    };
    assert_eq!(
        hv.create_volume("default", &bad).unwrap_err().kind,
        HypervisorErrorKind::InvalidArgument
    );
    assert_eq!(
        hv.lookup_volume_by_path(&created.path)
            .unwrap()
            .capacity_bytes,
        1 << 30
    );
    let mut s = spec("a", U1);
    s.disks.push(DiskSpec {
        device: DiskDevice::Disk,
        path: created.path.clone(),
        format: DiskFormat::Qcow2,
        bus: DiskBus::Virtio,
        target: "vda".into(),
        readonly: false,
        cache: None,
    });
    hv.define_domain(&s).unwrap();
    assert_eq!(
        hv.lookup_domain("a").unwrap().disks[0].capacity_bytes,
        Some(1 << 30)
    );
    hv.delete_volume_by_path(&created.path).unwrap();
    assert_eq!(
        hv.delete_volume_by_path(&created.path).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
    assert_eq!(hv.lookup_domain("a").unwrap().disks[0].capacity_bytes, None);
}

#[test]
fn an_injected_failure_fails_one_call_and_changes_nothing() {
    let hv = MockHypervisor::new();
    hv.fail_next(MockOperation::Define);
    let err = hv.define_domain(&spec("a", U1)).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::Failed);
    assert_eq!(err.message, "injected failure of define");
    assert!(hv.lookup_domain("a").is_err(), "nothing was defined");
    hv.define_domain(&spec("a", U1)).unwrap();

    hv.fail_next(MockOperation::Start);
    assert!(hv.failure_armed(MockOperation::Start));
    assert!(hv.power(U1, PowerAction::Start).is_err());
    assert!(!hv.failure_armed(MockOperation::Start));
    assert_eq!(hv.lookup_domain(U1).unwrap().state, DomainState::Shutoff);
    hv.power(U1, PowerAction::Start).unwrap();
    assert_eq!(hv.lookup_domain(U1).unwrap().state, DomainState::Running);

    hv.fail_next(MockOperation::SetAutostart);
    assert!(hv.set_autostart(U1, true).is_err());
    assert!(!hv.lookup_domain(U1).unwrap().autostart);
    assert_eq!(hv.domain_spec("a").unwrap().uuid, U1);
}
