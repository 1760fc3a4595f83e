//! Hotplug through the libvirt backend on libvirt's test driver
//! (`test:///default`): maximums, vCPUs and memory change there; attaching
//! and detaching devices is not implemented by the driver and answers
//! `Unsupported`. QEMU's behaviour (a blank guest that never releases a
//! device) is covered by the conformance suite on `qemu:///system`.

use vapor_hypervisor::{
    BootDevice, DiskBus, DiskDevice, DiskFormat, DiskSpec, DomainSpec, HotplugBackend,
    HotplugState, Hypervisor, HypervisorErrorKind, InterfaceKind, InterfaceSpec, PowerAction,
    UsbHostdev, VaporMetadata,
};
use vapor_libvirt::LibvirtHypervisor;

fn spec(name: &str) -> DomainSpec {
    DomainSpec {
        name: name.to_owned(),
        uuid: uuid::Uuid::new_v4().to_string(),
        domain_type: "test".into(),
        arch: "i686".into(),
        memory_mib: 256,
        vcpus: 1,
        disks: vec![],
        interfaces: vec![],
        graphics: vec![],
        boot: vec![BootDevice::Hd],
        firmware: Default::default(),
        tpm: false,
        metadata: VaporMetadata::default(),
    }
}

#[test]
fn maximums_vcpus_and_memory_on_the_test_driver() {
    let hv = LibvirtHypervisor::connect("test:///default").unwrap();
    let name = format!(
        "vapor-lt-hotplug-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let d = hv.define_domain(&spec(&name)).unwrap();
    let uuid = d.uuid.clone();
    let kind = |r: Result<HotplugState, vapor_hypervisor::HypervisorError>| r.unwrap_err().kind;

    // Stopped: only the maximums change, and never below the current counts.
    assert_eq!(
        hv.set_hotplug_maximums(&uuid, 0, 512).unwrap_err().kind,
        HypervisorErrorKind::InvalidArgument
    );
    hv.set_hotplug_maximums(&uuid, 4, 512).unwrap();
    let d = hv.lookup_domain(&uuid).unwrap();
    assert_eq!(
        (d.vcpus, d.max_vcpus, d.memory_mib, d.max_memory_mib),
        (1, 4, 256, 512)
    );
    assert_eq!(
        kind(hv.hotplug_vcpus(&uuid, 2)),
        HypervisorErrorKind::OperationInvalid
    );

    hv.power(&uuid, PowerAction::Start).unwrap();
    assert_eq!(
        hv.set_hotplug_maximums(&uuid, 8, 512).unwrap_err().kind,
        HypervisorErrorKind::OperationInvalid
    );
    assert_eq!(hv.hotplug_vcpus(&uuid, 3).unwrap(), HotplugState::Completed);
    assert_eq!(
        kind(hv.hotplug_vcpus(&uuid, 5)),
        HypervisorErrorKind::OperationInvalid
    );
    assert_eq!(hv.hotplug_vcpus(&uuid, 2).unwrap(), HotplugState::Completed);
    assert_eq!(
        hv.hotplug_memory(&uuid, 400).unwrap(),
        HotplugState::Completed
    );
    assert_eq!(
        kind(hv.hotplug_memory(&uuid, 1024)),
        HypervisorErrorKind::OperationInvalid
    );
    let d = hv.lookup_domain(&uuid).unwrap();
    assert_eq!((d.vcpus, d.memory_mib), (2, 400));

    // Devices: the driver has no attach or detach.
    let disk = DiskSpec {
        device: DiskDevice::Disk,
        path: "/default-pool/nothing.img".into(),
        format: DiskFormat::Raw,
        bus: DiskBus::Virtio,
        target: "vdb".into(),
        readonly: false,
        cache: None,
    };
    assert_eq!(
        hv.attach_disk(&uuid, &disk).unwrap_err().kind,
        HypervisorErrorKind::Unsupported
    );
    let nic = InterfaceSpec {
        kind: InterfaceKind::User,
        source: None,
        model: "virtio".into(),
        mac: "52:54:00:aa:bb:77".into(),
    };
    assert_eq!(
        hv.attach_interface(&uuid, &nic).unwrap_err().kind,
        HypervisorErrorKind::Unsupported
    );
    assert_eq!(
        kind(hv.detach_disk(&uuid, "vdq")),
        HypervisorErrorKind::NotFound
    );
    let usb = UsbHostdev {
        vendor_id: 0xdead,
        product_id: 0xbeef,
    };
    assert_eq!(
        kind(hv.detach_usb_device(&uuid, &usb)),
        HypervisorErrorKind::NotFound
    );
    assert!(hv
        .list_usb_devices()
        .unwrap()
        .iter()
        .all(|d| (d.vendor_id, d.product_id) != (0xdead, 0xbeef)));

    // The definition has the counts set while running.
    hv.power(&uuid, PowerAction::Destroy).unwrap();
    let d = hv.lookup_domain(&uuid).unwrap();
    assert_eq!((d.vcpus, d.max_vcpus, d.memory_mib), (2, 4, 400));
    hv.undefine_domain(&uuid).unwrap();
}
