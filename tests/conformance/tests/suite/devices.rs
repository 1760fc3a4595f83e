//! PCI passthrough over HTTP: the host's PCI devices, the `?type=` filter,
//! and attach/detach with their declared errors.
//!
//! No host these tests run on has an IOMMU (the mock's default host has
//! none either), so attaching ends at 422 `IOMMU_UNAVAILABLE`; the attach
//! and detach state machine with an IOMMU is tested in vapor-core against a
//! mock that has one (`tests/pci_passthrough.rs`).

use std::collections::BTreeSet;

use serde_json::{json, Value};
use vapor_conformance::TestServer;

const TYPES: [&str; 5] = ["gpu", "network", "storage", "usb", "other"];

async fn list(server: &TestServer, r#type: Option<&str>) -> Vec<Value> {
    let mut op = server.op("pci_device_list");
    if let Some(t) = r#type {
        op = op.query("type", t);
    }
    let reply = op.send().await;
    let data = reply.expect(200);
    let devices = data["devices"].as_array().expect("devices").clone();
    assert_eq!(data["count"].as_u64(), Some(devices.len() as u64));
    devices
}

fn hex_id(v: &Value) -> bool {
    v.is_null()
        || v.as_str().is_some_and(|s| {
            s.len() == 6 && s.starts_with("0x") && s[2..].chars().all(|c| c.is_ascii_hexdigit())
        })
}

fn well_formed(d: &Value) {
    let addr = d["pci_address"].as_str().expect("pci_address");
    let parts: Vec<&str> = addr.split([':', '.']).collect();
    assert_eq!(parts.len(), 4, "{addr}");
    for (p, len) in parts.iter().zip([4, 2, 2, 1]) {
        assert_eq!(p.len(), len, "{addr}");
        assert!(p.chars().all(|c| c.is_ascii_hexdigit()), "{addr}");
    }
    let id = d["device_id"].as_str().expect("device_id");
    assert!(id.starts_with("pci_"), "{id}");
    assert!(hex_id(&d["vendor_id"]) && hex_id(&d["product_id"]), "{d}");
    assert!(TYPES.contains(&d["device_type"].as_str().unwrap()), "{d}");
    assert!(
        d["iommu_group"].is_null() || d["iommu_group"].is_u64(),
        "{d}"
    );
    let available = d["is_available"].as_bool().expect("is_available");
    assert_eq!(available, d["assigned_to_vm"].is_null(), "{d}");
}

#[tokio::test]
async fn the_list_is_well_formed_and_filters_by_type() {
    let server = TestServer::start().await;
    let all = list(&server, None).await;
    all.iter().for_each(well_formed);
    let mut union = BTreeSet::new();
    for t in TYPES {
        for d in list(&server, Some(t)).await {
            assert_eq!(d["device_type"], t);
            assert!(union.insert(d["device_id"].as_str().unwrap().to_owned()));
        }
    }
    let whole: BTreeSet<String> = all
        .iter()
        .map(|d| d["device_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(union, whole);

    let reply = server
        .op("pci_device_list")
        .query("type", "fpga")
        .send()
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
}

#[tokio::test]
async fn attach_needs_an_iommu_and_a_vm() {
    let server = TestServer::start().await;
    let name = server.name("pci");
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1, "graphics": [{"type": "none"}]}))
        .send()
        .await
        .expect(201);
    let device = list(&server, None)
        .await
        .first()
        .map(|d| d["device_id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| "pci_0000_00_00_0".into());

    let attach = |vm: String, body: Value| {
        let server = &server;
        async move {
            server
                .op("pci_device_attach")
                .path("id", &vm)
                .json(body)
                .send()
                .await
        }
    };
    attach(name.clone(), json!({"device_id": device}))
        .await
        .expect_error(422, "IOMMU_UNAVAILABLE");
    attach(
        name.clone(),
        json!({"device_id": device, "vfio_options": {"x_vga": true}}),
    )
    .await
    .expect_error(422, "VFIO_OPTION_UNSUPPORTED");
    attach(
        name.clone(),
        json!({"device_id": device, "vfio_options": {"display": "on"}}),
    )
    .await
    .expect_error(422, "VFIO_OPTION_UNSUPPORTED");
    attach(server.name("missing"), json!({"device_id": device}))
        .await
        .expect_error(404, "NOT_FOUND");
    // Nothing changed.
    assert!(list(&server, None)
        .await
        .iter()
        .all(|d| d["assigned_to_vm"] != json!(name)));

    // Detaching what the VM does not have, or from a VM that does not exist.
    let detach = |vm: String, dev: String| {
        let server = &server;
        async move {
            server
                .op("pci_device_detach")
                .path("id", &vm)
                .path("device_id", &dev)
                .send()
                .await
        }
    };
    detach(name.clone(), device.clone())
        .await
        .expect_error(404, "NOT_FOUND");
    detach(name.clone(), "pci_ffff_ff_1f_7".into())
        .await
        .expect_error(404, "NOT_FOUND");
    detach(server.name("missing"), device)
        .await
        .expect_error(404, "NOT_FOUND");
}

/// The attach/detach state machine, through the application over a mock
/// host that has an IOMMU (the HTTP server's backend cannot be given one).
#[tokio::test]
async fn with_an_iommu_devices_are_attached_once_and_detached() {
    use std::sync::Arc;
    use vapor_core::app::{PciAttach, Settings, Vapor};
    use vapor_core::db::Database;
    use vapor_hypervisor::*;
    use vapor_mock::MockHypervisor;

    let hv = Arc::new(MockHypervisor::with_pci_devices(
        MockHypervisor::default_pci_devices(),
        true,
    ));
    let spec = |name: &str, uuid: &str| DomainSpec {
        name: name.into(),
        uuid: uuid.into(),
        domain_type: "kvm".into(),
        arch: "x86_64".into(),
        memory_mib: 512,
        vcpus: 1,
        disks: vec![],
        interfaces: vec![],
        graphics: vec![],
        boot: vec![BootDevice::Hd],
        firmware: Default::default(),
        tpm: false,
        metadata: VaporMetadata::default(),
    };
    hv.define_domain(&spec("a", "11111111-1111-4111-8111-111111111111"))
        .unwrap();
    hv.define_domain(&spec("b", "22222222-2222-4222-8222-222222222222"))
        .unwrap();
    let app = Vapor::new(
        hv.clone(),
        Arc::new(Database::open_in_memory().unwrap()),
        Settings::default(),
    )
    .unwrap();
    let gpu = app
        .list_pci_devices(Some(PciDeviceClass::Gpu))
        .await
        .unwrap()
        .remove(0);
    let req = |id: &str| PciAttach {
        device_id: id.into(),
        managed: true,
        display: None,
        x_vga: false,
        romfile: None,
    };
    let code = |e: vapor_core::Error| (e.http_status(), e.code());

    let (_, dev) = app
        .attach_pci_device("a", req(&gpu.name), None)
        .await
        .unwrap();
    assert_eq!(dev.address, gpu.address);
    let listed = app.list_pci_devices(None).await.unwrap();
    let now = listed.iter().find(|d| d.name == gpu.name).unwrap();
    assert_eq!(now.assigned_to.as_deref(), Some("a"));

    let again = app
        .attach_pci_device("b", req(&gpu.name), None)
        .await
        .unwrap_err();
    assert_eq!(code(again), (409, "DEVICE_IN_USE"));
    let unknown = app
        .attach_pci_device("a", req("pci_ffff_ff_1f_7"), None)
        .await
        .unwrap_err();
    assert_eq!(code(unknown).0, 404);
    let not_b = app
        .detach_pci_device("b", &gpu.name, None)
        .await
        .unwrap_err();
    assert_eq!(code(not_b).0, 404);

    app.detach_pci_device("a", &gpu.name, None).await.unwrap();
    let listed = app.list_pci_devices(None).await.unwrap();
    assert!(listed.iter().all(|d| d.assigned_to.is_none()));
    let twice = app
        .detach_pci_device("a", &gpu.name, None)
        .await
        .unwrap_err();
    assert_eq!(code(twice).0, 404);
    // Free again: b can have it, but not under an entity tag b no longer has.
    let stale = vapor_core::etag::IfMatch::parse("\"not-b-any-more\"").unwrap();
    let refused = app
        .attach_pci_device("b", req(&gpu.name), Some(&stale))
        .await
        .unwrap_err();
    assert_eq!(code(refused), (412, "PRECONDITION_FAILED"));
    let listed = app.list_pci_devices(None).await.unwrap();
    assert!(
        listed.iter().all(|d| d.assigned_to.is_none()),
        "a refused attach assigns nothing"
    );
    let current =
        vapor_core::etag::IfMatch::parse(&vapor_core::etag::of(&app.get_vm("b").await.unwrap()))
            .unwrap();
    app.attach_pci_device("b", req(&gpu.name), Some(&current))
        .await
        .unwrap();
    // The tag is of the VM as GET shows it, which names no PCI device: an
    // assignment is seen in the device list, and leaves the tag alone.
    let refused = app
        .detach_pci_device("b", &gpu.name, Some(&stale))
        .await
        .unwrap_err();
    assert_eq!(code(refused), (412, "PRECONDITION_FAILED"));
    app.detach_pci_device("b", &gpu.name, Some(&current))
        .await
        .unwrap();
}

/// `pci_devices` at create time, through the application over a mock host
/// with an IOMMU: the new VM has the devices; a device another VM has, an
/// unknown one or one listed twice is refused before anything is made.
#[tokio::test]
async fn devices_given_at_create_are_assigned_to_the_new_vm() {
    use std::sync::Arc;
    use vapor_core::app::{Settings, Vapor, VmCreateEnhanced};
    use vapor_core::db::Database;
    use vapor_hypervisor::*;
    use vapor_mock::MockHypervisor;

    let hv = Arc::new(MockHypervisor::with_pci_devices(
        MockHypervisor::default_pci_devices(),
        true,
    ));
    let app = Vapor::new(
        hv.clone(),
        Arc::new(Database::open_in_memory().unwrap()),
        Settings::default(),
    )
    .unwrap();
    let devices = app.list_pci_devices(None).await.unwrap();
    let (first, second) = (devices[0].name.clone(), devices[1].name.clone());
    let request = |name: &str, pci: &[&str]| VmCreateEnhanced {
        name: name.into(),
        memory_mib: 256,
        vcpus: 1,
        disks: vec![],
        iso_path: None,
        storage_pool: "default".into(),
        networks: vec![],
        graphics: Some(vec![]),
        cloud_init: None,
        firmware: Firmware::Bios,
        tpm: false,
        pci_devices: pci.iter().map(|s| s.to_string()).collect(),
        autostart: false,
        start: false,
        labels: Default::default(),
    };
    let code = |e: vapor_core::Error| (e.http_status(), e.code());

    let vm = app
        .create_vm_enhanced(request("gpu-host", &[&first, &second]))
        .await
        .unwrap();
    let listed = app.list_pci_devices(None).await.unwrap();
    for id in [&first, &second] {
        let d = listed.iter().find(|d| &d.name == id).unwrap();
        assert_eq!(d.assigned_to.as_deref(), Some(vm.name.as_str()), "{id}");
    }

    for (name, pci, expected) in [
        ("taken", vec![first.as_str()], (409, "DEVICE_IN_USE")),
        ("unknown", vec!["pci_ffff_ff_1f_7"], (404, "NOT_FOUND")),
        (
            "twice",
            vec![second.as_str(), second.as_str()],
            (400, "VALIDATION_ERROR"),
        ),
    ] {
        let err = app
            .create_vm_enhanced(request(name, &pci))
            .await
            .unwrap_err();
        assert_eq!(code(err), expected, "{name}");
        assert_eq!(
            hv.lookup_domain(name).unwrap_err().kind,
            HypervisorErrorKind::NotFound,
            "{name}: nothing is made"
        );
    }
    // Deleting the VM frees its devices for another.
    app.delete_vm("gpu-host", false, None).await.unwrap();
    app.create_vm_enhanced(request("next", &[&first]))
        .await
        .unwrap();
}
