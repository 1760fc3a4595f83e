//! Enhanced create: several disks, cdroms, NICs, displays, cloud-init,
//! firmware and TPM, all read back from the domain.

use serde_json::{json, Value};
use vapor_conformance::{make_iso, Backend, TestServer};

const GIB: u64 = 1024 * 1024 * 1024;

fn qemu_img(args: &[&str]) {
    let status = std::process::Command::new("qemu-img")
        .args(args)
        .status()
        .expect("qemu-img");
    assert!(status.success(), "qemu-img {args:?}");
}

fn disk<'a>(vm: &'a Value, target: &str) -> &'a Value {
    vm["disks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["target"] == target)
        .unwrap_or_else(|| panic!("no disk {target}: {vm}"))
}

#[tokio::test]
async fn disks_cdroms_nics_displays_and_cloud_init_are_all_real() {
    let server = TestServer::start().await;
    // A source VM whose disk is cloned, and an existing image file.
    let source = server
        .op("vm_create")
        .json(json!({"name": server.name("src"), "memory": 128, "vcpus": 1, "disk_size": 1}))
        .send()
        .await;
    let source_disk = source.expect(201)["vm"]["disks"][0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let existing = server.dir().join("existing.qcow2");
    qemu_img(&[
        "create",
        "-q",
        "-f",
        "qcow2",
        existing.to_str().unwrap(),
        "64M",
    ]);
    let iso = make_iso(server.dir(), "install.iso", 4096);

    let name = server.name("rich");
    let reply = server
        .op("vm_create_enhanced")
        .json(json!({
            "name": name, "memory": 256, "vcpus": 2, "autostart": true,
            "disks": [
                {"action": "create", "size": 1, "format": "qcow2", "bus": "virtio", "cache": "none"},
                {"action": "create", "size": 1, "format": "raw", "bus": "sata"},
                {"action": "existing", "path": existing, "bus": "virtio", "target": "vdd", "readonly": true},
                {"action": "clone", "source_path": source_disk}
            ],
            "iso_path": iso,
            "networks": [{"type": "user"}, {"type": "user", "model": "e1000"}],
            "graphics": [{"type": "vnc"}, {"type": "spice", "listen": "127.0.0.1"}],
            "cloud_init": {"user_data": "#cloud-config\nhostname: rich\n", "network_config": "version: 2\n"}
        }))
        .send()
        .await;
    let vm = reply.expect(201)["vm"].clone();
    assert_eq!(vm["autostart"], true);
    assert_eq!(vm["vcpus"], 2);

    let first = disk(&vm, "vda");
    assert_eq!(
        (
            first["bus"].as_str(),
            first["format"].as_str(),
            first["cache"].as_str()
        ),
        (Some("virtio"), Some("qcow2"), Some("none"))
    );
    assert_eq!(first["capacity_bytes"], GIB);
    let raw = disk(&vm, "sda");
    assert_eq!(
        (raw["bus"].as_str(), raw["format"].as_str()),
        (Some("sata"), Some("raw"))
    );
    assert_eq!(raw["capacity_bytes"], GIB);
    let attached = disk(&vm, "vdd");
    assert_eq!(attached["path"], existing.to_str().unwrap());
    assert_eq!(attached["readonly"], true);
    let cloned = disk(&vm, "vdb");
    assert_eq!(
        cloned["capacity_bytes"], GIB,
        "the clone has the source's size"
    );
    assert_ne!(cloned["path"], source_disk.as_str());

    let cdroms: Vec<&Value> = vm["disks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["device"] == "cdrom")
        .collect();
    assert_eq!(cdroms.len(), 2, "the ISO and the cloud-init seed");
    assert_eq!(cdroms[0]["path"], iso.to_str().unwrap());
    let seed_path = std::path::PathBuf::from(cdroms[1]["path"].as_str().unwrap());
    let seed = std::fs::read(&seed_path).expect("the seed exists on the host");
    assert_eq!(&seed[0x8001..0x8006], b"CD001");
    assert_eq!(
        std::str::from_utf8(&seed[0x8028..0x8048])
            .unwrap()
            .trim_end(),
        "cidata"
    );

    let nics = vm["networks"].as_array().unwrap();
    assert_eq!(nics.len(), 2);
    let macs: Vec<&str> = nics.iter().map(|n| n["mac"].as_str().unwrap()).collect();
    assert_ne!(macs[0], macs[1]);
    assert!(macs.iter().all(|m| m.starts_with("52:54:00:")));
    assert_eq!(nics[1]["model"], "e1000");
    let displays: Vec<&str> = vm["graphics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["type"].as_str().unwrap())
        .collect();
    assert_eq!(displays, vec!["vnc", "spice"]);

    let started = server
        .op("vm_action")
        .path("id", &name)
        .json(json!({"action": "start"}))
        .send()
        .await;
    assert_eq!(started.expect(200)["vm"]["state"], "running");

    server
        .op("vm_delete")
        .path("id", &name)
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);
    for d in [first, raw, cloned] {
        let gone = server
            .hypervisor
            .lookup_volume_by_path(d["path"].as_str().unwrap());
        assert!(gone.is_err(), "{} is removed with the VM", d["path"]);
    }
    assert!(!seed_path.exists(), "the seed is removed with the VM");
    assert!(existing.exists(), "a disk the client brought is kept");
    assert!(
        server
            .hypervisor
            .lookup_volume_by_path(&source_disk)
            .is_ok(),
        "the clone source is kept"
    );
}

#[tokio::test]
async fn uefi_secure_boot_and_tpm() {
    // On qemu:///system these VMs are plain-emulation (`qemu`) domains: under
    // this host's nested KVM, guest firmware can stop on an emulation failure
    // (the domain ends paused) and SMM, which Secure Boot needs, is missing.
    let server = TestServer::start_with(|c| {
        if Backend::from_env() == Backend::LibvirtQemu {
            c.domain_type = vapor_core::app::DomainTypeChoice::Qemu;
        }
    })
    .await;
    let plain_uefi = server.name("uefi");
    let reply = server
        .op("vm_create_enhanced")
        .json(json!({"name": plain_uefi, "memory": 256, "vcpus": 1, "features": {"uefi": true}, "graphics": [{"type": "none"}]}))
        .send()
        .await;
    let vm = reply.expect(201)["vm"].clone();
    assert_eq!(vm["firmware"], "efi");
    assert_eq!(vm["secure_boot"], false);
    assert_eq!(vm["tpm"], false);

    let secure = server.name("sb");
    let reply = server
        .op("vm_create_enhanced")
        .json(json!({
            "name": secure, "memory": 256, "vcpus": 1, "graphics": [{"type": "none"}],
            "features": {"uefi": true, "secure_boot": true, "tpm": true}
        }))
        .send()
        .await;
    let vm = reply.expect(201)["vm"].clone();
    assert_eq!(vm["firmware"], "efi");
    assert_eq!(vm["secure_boot"], true);
    assert_eq!(vm["tpm"], true);

    if server.backend == Backend::LibvirtQemu {
        // The firmware and the TPM emulator really start with the guest.
        for name in [&plain_uefi, &secure] {
            let started = server
                .op("vm_action")
                .path("id", name)
                .json(json!({"action": "start"}))
                .send()
                .await;
            let started = started.expect(200)["vm"].clone();
            assert_eq!(started["state"], "running", "{name}");
            assert_eq!(started["domain_type"], "qemu");
        }
    }
    let bios = server
        .op("vm_create")
        .json(json!({"name": server.name("bios"), "memory": 128, "vcpus": 1}))
        .send()
        .await;
    assert_eq!(bios.expect(201)["vm"]["firmware"], "bios");
}

#[tokio::test]
async fn enhanced_create_refuses_bad_input_and_leaves_nothing() {
    let server = TestServer::start().await;
    let name = server.name("bad");
    let base = json!({"name": name, "memory": 256, "vcpus": 1});
    let with = |k: &str, v: Value| {
        let mut body = base.clone();
        body[k] = v;
        body
    };
    for body in [
        with("disks", json!([{"action": "create"}])),
        with("disks", json!([{"action": "existing"}])),
        with(
            "disks",
            json!([{"action": "existing", "path": "/nonexistent/disk.qcow2"}]),
        ),
        with("disks", json!([{"action": "clone"}])),
        with(
            "disks",
            json!([{"action": "create", "size": 1, "bus": "sata", "target": "vda"}]),
        ),
        with(
            "disks",
            json!([{"action": "create", "size": 1, "target": "vdb"}, {"action": "create", "size": 1, "target": "vdb"}]),
        ),
        with(
            "disks",
            json!([{"action": "create", "size": 1, "bus": "floppy"}]),
        ),
        with(
            "networks",
            json!([{"type": "user", "mac": "52:54:00:00:00:01"}, {"type": "user", "mac": "52:54:00:00:00:01"}]),
        ),
        with("features", json!({"secure_boot": true})),
    ] {
        let reply = server
            .op("vm_create_enhanced")
            .json(body.clone())
            .send()
            .await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(reply.body["error"]["code"], "VALIDATION_ERROR", "{body}");
    }
    let pci = server
        .op("vm_create_enhanced")
        .json(with("pci_devices", json!(["pci_ffff_ff_1f_7"])))
        .send()
        .await;
    // The mock host has no IOMMU; libvirt's hosts are this machine.
    if server.backend == Backend::Mock
        || std::fs::read_dir("/sys/kernel/iommu_groups")
            .map(|mut d| d.next().is_none())
            .unwrap_or(true)
    {
        pci.expect_error(422, "IOMMU_UNAVAILABLE");
    } else {
        pci.expect_error(404, "NOT_FOUND");
    }

    // The first disk is made, the clone of a missing volume fails: the first is removed again.
    let reply = server
        .op("vm_create_enhanced")
        .json(with("disks", json!([{"action": "create", "size": 1}, {"action": "clone", "source_path": "/var/lib/libvirt/images/vapor-no-such-volume.qcow2"}])))
        .send()
        .await;
    reply.expect_error(404, "NOT_FOUND");
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    let pool = server
        .hypervisor
        .lookup_pool("default")
        .expect("the default pool exists by now");
    let leftover = server
        .hypervisor
        .lookup_volume_by_path(&format!("{}/{name}.qcow2", pool.path.unwrap()));
    assert!(
        leftover.is_err(),
        "the disk made before the failure is removed"
    );
}

#[tokio::test]
async fn metadata_is_kept_with_the_vm_and_checked() {
    let server = TestServer::start().await;
    let name = server.name("meta");
    let metadata = json!({"owner": "ops team \"co\"", "cost-center/eu": "42", "empty": ""});
    let vm = server
        .op("vm_create_enhanced")
        .json(json!({"name": name, "memory": 64, "vcpus": 1, "metadata": metadata}))
        .send()
        .await
        .expect(201)["vm"]
        .clone();
    assert_eq!(vm["metadata"], metadata);
    // Read back from the backend, not from the request.
    let read = server.op("vm_get").path("id", &name).send().await;
    assert_eq!(read.expect(200)["metadata"], metadata);
    let listed = server.op("vm_list").query("name", &name).send().await;
    assert_eq!(listed.expect(200)["vms"][0]["metadata"], metadata);
    server
        .op("vm_delete")
        .path("id", &name)
        .send()
        .await
        .expect(204);

    // A VM created without metadata has an empty map.
    let plain = server.name("meta-none");
    let vm = server
        .op("vm_create")
        .json(json!({"name": plain, "memory": 64, "vcpus": 1}))
        .send()
        .await
        .expect(201)["vm"]
        .clone();
    assert_eq!(vm["metadata"], json!({}));
    server
        .op("vm_delete")
        .path("id", &plain)
        .send()
        .await
        .expect(204);

    let too_many: serde_json::Map<String, Value> =
        (0..65).map(|i| (format!("k{i}"), json!("v"))).collect();
    for bad in [
        json!({"-leading-dash": "x"}),
        json!({"sp ace": "x"}),
        json!({"ctl": "a\u{1}b"}),
        // Values are plain text: markup is refused, not stored.
        json!({"html": "<b>x</b>"}),
        json!({"long": "x".repeat(1025)}),
        json!({"k": 1}),
        Value::Object(too_many),
    ] {
        let reply = server
            .op("vm_create_enhanced")
            .json(
                json!({"name": server.name("meta-bad"), "memory": 64, "vcpus": 1, "metadata": bad}),
            )
            .send()
            .await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
    }
    // Raw domain XML is not accepted: the request schema is closed.
    let reply = server
        .op("vm_create_enhanced")
        .json(
            json!({"name": server.name("meta-bad"), "memory": 64, "vcpus": 1,
                     "custom_xml": "<devices><hostdev/></devices>"}),
        )
        .send()
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    server
        .op("vm_get")
        .path("id", &server.name("meta-bad"))
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
}
