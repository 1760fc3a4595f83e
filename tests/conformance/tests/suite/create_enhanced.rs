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

/// The domain definition as the backend holds it, with double quotes: the
/// mock's spec written by the libvirt backend's own writer, or libvirt's
/// persistent XML (without secrets such as display passwords).
fn definition(server: &TestServer, name: &str) -> String {
    let xml = match &server.mock {
        Some(mock) => {
            let spec = mock.domain_spec(name).expect("the mock has the domain");
            vapor_libvirt::xml::domain_xml(&spec).expect("the spec is writable as XML")
        }
        None => {
            let uuid = server.hypervisor.lookup_domain(name).expect("domain").uuid;
            server
                .hypervisor
                .domain_definition(&uuid)
                .expect("definition")
                .text
        }
    };
    xml.replace('\'', "\"")
}

/// `virsh dumpxml --security-info` on qemu:///system (display passwords included).
fn qemu_secure_xml(name: &str) -> String {
    let out = std::process::Command::new("virsh")
        .args(["-c", "qemu:///system", "dumpxml", "--security-info", name])
        .output()
        .expect("virsh");
    assert!(out.status.success(), "virsh dumpxml {name}");
    String::from_utf8_lossy(&out.stdout).replace('\'', "\"")
}

async fn create(server: &TestServer, body: Value) -> vapor_conformance::Reply {
    server.op("vm_create_enhanced").json(body).send().await
}

#[tokio::test]
async fn without_virtio_drivers_disks_default_to_sata_and_nics_to_e1000() {
    let server = TestServer::start().await;
    let name = server.name("novirtio");
    let reply = create(
        &server,
        json!({
            "name": name, "memory": 128, "vcpus": 1,
            "features": {"virtio_drivers": false},
            "disks": [{"action": "create", "size": 1}, {"action": "create", "size": 1, "bus": "virtio"}],
            "networks": [{"type": "user"}, {"type": "user", "model": "rtl8139"}]
        }),
    )
    .await;
    let vm = reply.expect(201)["vm"].clone();
    assert_eq!(disk(&vm, "sda")["bus"], "sata");
    assert_eq!(disk(&vm, "vda")["bus"], "virtio", "an explicit bus wins");
    let models: Vec<&str> = vm["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, vec!["e1000", "rtl8139"]);
    let xml = definition(&server, &name);
    assert!(xml.contains(r#"<target dev="sda" bus="sata"/>"#), "{xml}");
    assert!(xml.contains(r#"<target dev="vda" bus="virtio"/>"#), "{xml}");
    assert!(xml.contains(r#"<model type="e1000"/>"#), "{xml}");
    assert!(xml.contains(r#"<model type="rtl8139"/>"#), "{xml}");

    // With virtio drivers (the default) the same request gets virtio devices.
    let plain = server.name("virtio");
    create(
        &server,
        json!({
            "name": plain, "memory": 128, "vcpus": 1,
            "features": {"virtio_drivers": true},
            "disks": [{"action": "create", "size": 1}],
            "networks": [{"type": "user"}]
        }),
    )
    .await
    .expect(201);
    let xml = definition(&server, &plain);
    assert!(xml.contains(r#"<target dev="vda" bus="virtio"/>"#), "{xml}");
    assert!(xml.contains(r#"<model type="virtio"/>"#), "{xml}");
    assert!(!xml.contains("e1000"), "{xml}");

    // With a template whose devices are virtio, the request's word holds.
    let template = server
        .op("template_create")
        .json(
            json!({"name": server.name("tpl-virtio"), "display_name": "V", "os_type": "linux",
                     "os_variant": "generic", "disk_bus": "virtio", "network_model": "virtio",
                     "min_disk": 1, "recommended_disk": 1}),
        )
        .send()
        .await;
    let template_id = template.expect(201)["id"].to_string();
    let templated = server.name("tpl-novirtio");
    let vm = create(
        &server,
        json!({
            "name": templated, "memory": 1024, "vcpus": 1, "template": template_id,
            "features": {"virtio_drivers": false},
            "disks": [{"action": "create", "size": 1}],
            "networks": [{"type": "user"}]
        }),
    )
    .await
    .expect(201)["vm"]
        .clone();
    assert_eq!(disk(&vm, "sda")["bus"], "sata", "{vm}");
    assert_eq!(vm["networks"][0]["model"], "e1000", "{vm}");
}

#[tokio::test]
async fn fields_that_would_be_ignored_are_refused() {
    let server = TestServer::start().await;
    let name = server.name("ignored");
    let existing = server.dir().join("existing.qcow2");
    qemu_img(&[
        "create",
        "-q",
        "-f",
        "qcow2",
        existing.to_str().unwrap(),
        "16M",
    ]);
    let existing = existing.to_str().unwrap().to_owned();
    let clone_source = "/var/lib/libvirt/images/vapor-no-such-volume.qcow2";
    let cases = [
        (
            json!({"graphics": [{"type": "vnc", "autoport": false}]}),
            "graphics[].autoport",
        ),
        (
            json!({"graphics": [{"type": "vnc", "autoport": false, "port": -1}]}),
            "graphics[].autoport",
        ),
        (
            json!({"graphics": [{"type": "none", "password": "secret"}]}),
            "graphics",
        ),
        // QEMU takes at most 8 characters for VNC; every backend refuses more.
        (
            json!({"graphics": [{"type": "vnc", "password": "123456789"}]}),
            "graphics[].password",
        ),
        (
            json!({"graphics": [{"type": "none"}, {"type": "vnc"}]}),
            "graphics",
        ),
        (
            json!({"networks": [{"type": "user", "source": "default"}]}),
            "networks[].source",
        ),
        (
            json!({"storage_pool": "default", "disks": [{"action": "existing", "path": existing}]}),
            "storage_pool",
        ),
        (
            json!({"disks": [{"action": "existing", "path": existing, "size": 1}]}),
            "disks[].size",
        ),
        (
            json!({"disks": [{"action": "clone", "source_path": clone_source, "size": 1}]}),
            "disks[].size",
        ),
        (
            json!({"disks": [{"action": "create", "size": 1, "path": existing}]}),
            "disks[].path",
        ),
        (
            json!({"disks": [{"action": "clone", "source_path": clone_source, "path": existing}]}),
            "disks[].path",
        ),
        (
            json!({"disks": [{"action": "create", "size": 1, "source_path": clone_source}]}),
            "disks[].source_path",
        ),
        (
            json!({"disks": [{"action": "existing", "path": existing, "source_path": clone_source}]}),
            "disks[].source_path",
        ),
    ];
    for (extra, field) in cases {
        let mut body = json!({"name": name, "memory": 128, "vcpus": 1});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let reply = create(&server, body.clone()).await;
        reply.expect_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"]["field"], field, "{body}");
    }
    // from-template's network goes through the same checks.
    let template = server
        .op("template_create")
        .json(json!({"name": server.name("tpl"), "display_name": "T", "os_type": "linux", "os_variant": "generic"}))
        .send()
        .await;
    let template_id = template.expect(201)["id"].clone();
    let reply = server
        .op("vm_create_from_template")
        .json(json!({"template_id": template_id, "name": name, "network": {"type": "user", "source": "br0"}}))
        .send()
        .await;
    reply.expect_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"]["field"], "networks[].source");
    let reply = server
        .op("vm_create_from_template")
        .json(json!({"template_id": template_id, "name": name, "graphics": [{"type": "spice", "autoport": false}]}))
        .send()
        .await;
    reply.expect_error(400, "VALIDATION_ERROR");
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    let pool = server
        .hypervisor
        .list_volumes("default")
        .unwrap_or_default();
    assert!(
        pool.iter().all(|v| !v.volume.name.starts_with(&name)),
        "no refused request made a volume"
    );
}

#[tokio::test]
async fn macs_are_unique_across_vms() {
    let server = TestServer::start().await;
    let nics = json!([{"type": "user"}, {"type": "user"}, {"type": "user"}]);
    let mut macs = Vec::new();
    for suffix in ["mac-a", "mac-b"] {
        let reply = create(
            &server,
            json!({"name": server.name(suffix), "memory": 64, "vcpus": 1, "networks": nics}),
        )
        .await;
        let vm = reply.expect(201)["vm"].clone();
        macs.extend(
            vm["networks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["mac"].as_str().unwrap().to_owned()),
        );
    }
    let distinct: std::collections::BTreeSet<_> = macs.iter().collect();
    assert_eq!(distinct.len(), 6, "{macs:?}");

    // A MAC another VM has is refused, in any case, and nothing is made.
    let taken = macs[4].to_ascii_uppercase();
    let name = server.name("mac-c");
    let reply = create(
        &server,
        json!({"name": name, "memory": 64, "vcpus": 1,
               "disks": [{"action": "create", "size": 1}],
               "networks": [{"type": "user", "mac": taken}]}),
    )
    .await;
    reply.expect_error(409, "CONFLICT");
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&macs[4]) && message.contains(&server.name("mac-b")),
        "{message}"
    );
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    // A MAC no VM has is taken as given.
    let free = "52:54:00:7e:57:01";
    let reply = create(
        &server,
        json!({"name": name, "memory": 64, "vcpus": 1, "networks": [{"type": "user", "mac": free}]}),
    )
    .await;
    assert_eq!(reply.expect(201)["vm"]["networks"][0]["mac"], free);
}

#[tokio::test]
async fn displays_keep_port_listen_and_password_and_never_return_it() {
    let server = TestServer::start().await;
    let name = server.name("displays");
    let password = "s3cr3tpw";
    let reply = create(
        &server,
        json!({
            "name": name, "memory": 64, "vcpus": 1,
            "graphics": [
                {"type": "vnc", "port": 5977, "autoport": false, "listen": "127.0.0.1", "password": password},
                {"type": "spice", "listen": "0.0.0.0"}
            ]
        }),
    )
    .await;
    let vm = reply.expect(201)["vm"].clone();
    assert!(
        !reply.body.to_string().contains(password),
        "the password is not in the reply"
    );
    let graphics = vm["graphics"].as_array().unwrap();
    assert_eq!(
        (
            &graphics[0]["type"],
            &graphics[0]["port"],
            &graphics[0]["autoport"],
            &graphics[0]["listen"]
        ),
        (
            &json!("vnc"),
            &json!(5977),
            &json!(false),
            &json!("127.0.0.1")
        )
    );
    assert_eq!(
        (
            &graphics[1]["type"],
            &graphics[1]["autoport"],
            &graphics[1]["listen"]
        ),
        (&json!("spice"), &json!(true), &json!("0.0.0.0"))
    );
    let read = server.op("vm_get").path("id", &name).send().await;
    let read_text = read.body.to_string();
    assert_eq!(read.expect(200)["graphics"], vm["graphics"]);
    assert!(
        !read_text.contains(password),
        "GET never returns the password"
    );

    let xml = definition(&server, &name);
    assert!(
        xml.contains(r#"type="vnc" port="5977" autoport="no" listen="127.0.0.1""#),
        "{xml}"
    );
    // libvirt leaves out the port of an automatic display it has not started.
    let spice = xml
        .split("<graphics ")
        .find(|g| g.starts_with(r#"type="spice""#))
        .unwrap_or_else(|| panic!("a spice display: {xml}"));
    assert!(
        spice.contains(r#"autoport="yes" listen="0.0.0.0""#),
        "{xml}"
    );
    match server.backend {
        // The writer puts the password into the definition it defines.
        Backend::Mock => assert!(xml.contains(&format!(r#"passwd="{password}""#)), "{xml}"),
        // libvirt keeps it, and shows it only when asked for secrets.
        Backend::LibvirtQemu => {
            assert!(!xml.contains(password), "{xml}");
            let secure = qemu_secure_xml(&name);
            assert!(
                secure.contains(&format!(r#"passwd="{password}""#)),
                "{secure}"
            );
        }
        Backend::LibvirtTest => assert!(!xml.contains(password), "{xml}"),
    }
}

#[tokio::test]
async fn network_bridge_and_direct_nics() {
    let server = TestServer::start().await;
    let name = server.name("nics");
    let networks = if server.backend == Backend::LibvirtQemu {
        // Only sources that exist on this host: a network this test makes.
        let network = server.name("net");
        let bridge = format!("vbr{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        server
            .op("network_create")
            .json(json!({"name": network, "mode": "isolated", "bridge": bridge}))
            .send()
            .await
            .expect(201);
        json!([{"type": "network", "source": network, "model": "e1000e"}])
    } else {
        json!([
            {"type": "network", "source": "default"},
            {"type": "bridge", "source": "br0", "model": "e1000"},
            {"type": "direct", "source": "eth0", "model": "rtl8139"}
        ])
    };
    let reply = create(
        &server,
        json!({"name": name, "memory": 64, "vcpus": 1, "networks": networks}),
    )
    .await;
    let vm = reply.expect(201)["vm"].clone();
    let xml = definition(&server, &name);
    for (given, got) in networks
        .as_array()
        .unwrap()
        .iter()
        .zip(vm["networks"].as_array().unwrap())
    {
        assert_eq!(got["type"], given["type"], "{vm}");
        assert_eq!(got["source"], given["source"], "{vm}");
        assert_eq!(
            &got["model"],
            given.get("model").unwrap_or(&json!("virtio"))
        );
        let source = given["source"].as_str().unwrap();
        let element = match given["type"].as_str().unwrap() {
            "network" => format!(r#"<source network="{source}""#),
            "bridge" => format!(r#"<source bridge="{source}""#),
            _ => format!(r#"<source dev="{source}" mode="bridge""#),
        };
        assert!(xml.contains(&element), "{element} in {xml}");
        assert!(
            xml.contains(&format!(
                r#"<mac address="{}"/>"#,
                got["mac"].as_str().unwrap()
            )),
            "{xml}"
        );
    }
    assert_eq!(
        vm["networks"].as_array().unwrap().len(),
        networks.as_array().unwrap().len()
    );
}

#[tokio::test]
async fn iso_path_takes_an_iso_id_or_name() {
    let server = TestServer::start().await;
    let iso = make_iso(server.dir(), "library.iso", 4096);
    let registered = server
        .op("iso_register")
        .json(json!({"path": iso, "name": server.name("library.iso")}))
        .send()
        .await;
    let registered = registered.expect(201).clone();
    let id = registered["id"].as_str().unwrap();
    for (suffix, key) in [
        ("by-id", id.to_owned()),
        ("by-name", server.name("library.iso")),
    ] {
        let name = server.name(suffix);
        let reply = create(
            &server,
            json!({"name": name, "memory": 64, "vcpus": 1, "iso_path": key}),
        )
        .await;
        let vm = reply.expect(201)["vm"].clone();
        let cdrom = vm["disks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["device"] == "cdrom")
            .unwrap_or_else(|| panic!("a cdrom: {vm}"));
        assert_eq!(cdrom["path"], registered["path"], "{suffix}");
        let xml = definition(&server, &name);
        assert!(xml.contains(r#"<boot dev="cdrom"/>"#), "{xml}");
    }
    let reply = create(
        &server,
        json!({"name": server.name("no-iso"), "memory": 64, "vcpus": 1, "iso_path": "no-such-iso"}),
    )
    .await;
    reply.expect_error(404, "NOT_FOUND");
}

/// Files in the server's seed directory.
fn seeds(server: &TestServer) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(&server.config.seed_dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// Asserts that nothing of the VM `name` is left: no domain, no volume named
/// after it, no seed, no creation journal row.
fn assert_nothing_left(server: &TestServer, name: &str) {
    assert!(
        server.hypervisor.lookup_domain(name).is_err(),
        "the domain {name} is undefined"
    );
    let volumes = server
        .hypervisor
        .list_volumes("default")
        .unwrap_or_default();
    let left: Vec<_> = volumes
        .iter()
        .filter(|v| v.volume.name.starts_with(name))
        .map(|v| v.volume.path.clone())
        .collect();
    assert!(left.is_empty(), "volumes left: {left:?}");
    assert_eq!(
        seeds(server),
        Vec::<std::path::PathBuf>::new(),
        "seeds left"
    );
    let rows = server
        .app
        .db()
        .interrupted_creations("")
        .expect("the creation journal");
    assert!(
        rows.iter().all(|r| r.name != name),
        "journal rows left: {:?}",
        rows.iter().map(|r| &r.name).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_failure_after_define_undoes_the_whole_create() {
    let server = TestServer::start().await;
    let Some(mock) = server.mock.clone() else {
        // Failures are injected into the mock only; qemu:///system shows a
        // real one in `a_start_that_fails_on_qemu_undoes_the_whole_create`.
        return;
    };
    use vapor_mock::MockOperation as Op;
    let cases = [
        (Op::Start, json!({"start": true})),
        (Op::SetAutostart, json!({"autostart": true})),
        (Op::SetHotplugMaximums, json!({"max_vcpus": 4})),
        (Op::Define, json!({})),
    ];
    for (operation, extra) in cases {
        let name = server.name(&format!("fail-{operation:?}").to_ascii_lowercase());
        let mut body = json!({
            "name": name, "memory": 128, "vcpus": 1,
            "disks": [{"action": "create", "size": 1}, {"action": "create", "size": 1, "format": "raw"}],
            "cloud_init": {"user_data": "#cloud-config\n"},
            "features": {"uefi": true, "tpm": true},
            "networks": [{"type": "user"}]
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        mock.fail_next(operation);
        let reply = create(&server, body).await;
        reply.expect_error(500, "HYPERVISOR_ERROR");
        assert!(!mock.failure_armed(operation), "{operation:?} was called");
        assert_eq!(
            reply.body["error"]["details"]["hypervisor_message"],
            format!("injected failure of {}", operation_name(operation)),
            "{}",
            reply.body
        );
        assert_nothing_left(&server, &name);
        server
            .op("vm_get")
            .path("id", &name)
            .send()
            .await
            .expect_error(404, "NOT_FOUND");
    }
    // Without an injected failure the same request starts the VM.
    let name = server.name("started");
    let reply = create(
        &server,
        json!({"name": name, "memory": 128, "vcpus": 1, "start": true,
               "disks": [{"action": "create", "size": 1}],
               "cloud_init": {"user_data": "#cloud-config\n"}}),
    )
    .await;
    assert_eq!(reply.expect(201)["vm"]["state"], "running");
    assert_eq!(seeds(&server).len(), 1);
}

fn operation_name(operation: vapor_mock::MockOperation) -> &'static str {
    use vapor_mock::MockOperation as Op;
    match operation {
        Op::Define => "define",
        Op::Start => "start",
        Op::SetAutostart => "set_autostart",
        Op::SetHotplugMaximums => "set_hotplug_maximums",
        Op::AttachPciDevice => "attach_pci_device",
    }
}

/// Entries of a host directory (empty when it does not exist).
fn entries(dir: &str) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_start_that_fails_on_qemu_undoes_the_whole_create() {
    let server = TestServer::start().await;
    if server.backend != Backend::LibvirtQemu {
        // Only a real QEMU checks a bridge when the VM starts; the mock's
        // injected failures cover the other backends' undo.
        return;
    }
    let name = server.name("nobridge");
    // libvirt defines the domain; the start writes its NVRAM and TPM state,
    // then fails on the missing bridge. The undo must remove all of it.
    let nvram = "/var/lib/libvirt/qemu/nvram";
    let swtpm = "/var/lib/libvirt/swtpm";
    let (nvram_before, swtpm_before) = (entries(nvram), entries(swtpm));
    let reply = create(
        &server,
        json!({
            "name": name, "memory": 128, "vcpus": 1, "start": true,
            "features": {"uefi": true, "tpm": true},
            "disks": [{"action": "create", "size": 1}, {"action": "create", "size": 1, "format": "raw", "bus": "sata"}],
            "networks": [{"type": "bridge", "source": "vapornobr0"}],
            "cloud_init": {"user_data": "#cloud-config\nhostname: nobridge\n"},
            "graphics": [{"type": "none"}]
        }),
    )
    .await;
    assert!(reply.status >= 400, "{}", reply.body);
    reply.expect(reply.status);
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("starting"), "{}", reply.body);
    assert!(
        reply.body["error"]["details"]["hypervisor_message"]
            .as_str()
            .is_some_and(|m| m.contains("vapornobr0")),
        "{}",
        reply.body
    );
    let listed = std::process::Command::new("virsh")
        .args(["-c", "qemu:///system", "list", "--all", "--name"])
        .output()
        .expect("virsh");
    assert!(
        !String::from_utf8_lossy(&listed.stdout).contains(&name),
        "virsh still lists {name}"
    );
    assert_nothing_left(&server, &name);
    let images: Vec<_> = entries("/var/lib/libvirt/images")
        .into_iter()
        .filter(|f| f.starts_with(&name))
        .collect();
    assert!(images.is_empty(), "image files left: {images:?}");
    let nvram_new: Vec<_> = entries(nvram).difference(&nvram_before).cloned().collect();
    assert!(nvram_new.is_empty(), "NVRAM left: {nvram_new:?}");
    let swtpm_new: Vec<_> = entries(swtpm).difference(&swtpm_before).cloned().collect();
    assert!(swtpm_new.is_empty(), "TPM state left: {swtpm_new:?}");
}

/// The XML Vapor defines for three representative requests, on the mock
/// (whose definitions the libvirt backend's writer turns into XML), with
/// what differs between runs replaced: UUIDs, MACs, paths, names, times.
#[tokio::test]
async fn domain_xml_of_representative_requests() {
    let server = TestServer::start().await;
    let Some(mock) = server.mock.clone() else {
        return;
    };
    let requests = [
        (
            "minimal",
            json!({"name": server.name("minimal"), "memory": 512, "vcpus": 1}),
        ),
        (
            "server",
            json!({
                "name": server.name("server"), "memory": 2048, "vcpus": 2, "autostart": true,
                "disks": [
                    {"action": "create", "size": 2, "cache": "none"},
                    {"action": "create", "size": 3, "format": "raw", "bus": "scsi"}
                ],
                "networks": [{"type": "bridge", "source": "br0"}, {"type": "user", "model": "e1000"}],
                "graphics": [{"type": "vnc", "port": 5901, "autoport": false, "password": "pw"}],
                "cloud_init": {"user_data": "#cloud-config\n"},
                "metadata": {"role": "web"}
            }),
        ),
        (
            "windows",
            json!({
                "name": server.name("windows"), "memory": 4096, "vcpus": 4,
                "features": {"uefi": true, "secure_boot": true, "tpm": true, "virtio_drivers": false},
                "disks": [{"action": "create", "size": 4}],
                "networks": [{"type": "network", "source": "default"}],
                "graphics": [{"type": "spice"}]
            }),
        ),
    ];
    for (label, request) in requests {
        let name = request["name"].as_str().unwrap().to_owned();
        let reply = create(&server, request).await;
        let vm = reply.expect(201)["vm"].clone();
        let spec = mock.domain_spec(&name).expect("defined");
        let mut xml = vapor_libvirt::xml::domain_xml(&spec).expect("XML");
        xml = xml.replace(&spec.uuid, "[uuid]");
        for (i, nic) in spec.interfaces.iter().enumerate() {
            xml = xml.replace(&nic.mac, &format!("[mac{i}]"));
        }
        for time in [&spec.metadata.created_at, &spec.metadata.updated_at]
            .into_iter()
            .flatten()
        {
            xml = xml.replace(time.as_str(), "[time]");
        }
        let pool = server.hypervisor.lookup_pool("default").ok();
        if let Some(path) = pool.and_then(|p| p.path) {
            xml = xml.replace(&path, "[pool]");
        }
        xml = xml.replace(server.dir().to_str().unwrap(), "[dir]");
        xml = xml.replace(&name, "[name]");
        assert_eq!(vm["uuid"], spec.uuid.as_str());
        insta::assert_snapshot!(format!("create_enhanced_{label}"), xml);
    }
}
