//! Hotplug over HTTP: vCPUs, the memory balloon, disks, NICs and USB
//! devices on a running VM, and the errors the operation declares.
//!
//! The VMs here have no OS, so they never release a hot-removed device or
//! vCPU: on QEMU a removal answers `pending` (the definition drops the
//! device, the running VM keeps it until it stops), and the mock's guests
//! behave the same by default. libvirt's test driver cannot attach or
//! detach devices at all (422 `UNSUPPORTED`), but changes vCPUs and memory
//! at once (`completed`).

use std::sync::Arc;

use serde_json::{json, Value};
use vapor_conformance::{Backend, Reply, TestServer};
use vapor_hypervisor::Hypervisor;

async fn hotplug(server: &TestServer, vm: &str, body: Value) -> Reply {
    server
        .op("vm_hotplug")
        .path("id", vm)
        .json(body)
        .send()
        .await
}

async fn get(server: &TestServer, vm: &str) -> Value {
    server
        .op("vm_get")
        .path("id", vm)
        .send()
        .await
        .expect(200)
        .clone()
}

async fn power(server: &TestServer, vm: &str, action: &str) {
    server
        .op("vm_action")
        .path("id", vm)
        .json(json!({ "action": action }))
        .send()
        .await
        .expect(200);
}

/// Deletes a volume the test made, also when the test fails half-way.
struct VolumeGuard {
    hypervisor: Arc<dyn Hypervisor>,
    path: String,
}

impl Drop for VolumeGuard {
    fn drop(&mut self) {
        let _ = self.hypervisor.delete_volume_by_path(&self.path);
    }
}

/// The MAC of the NIC `running_vm` gives a VM, derived from its name: a
/// MAC another defined VM has is refused, and tests share libvirt.
fn first_mac(server: &TestServer, suffix: &str) -> String {
    let h = server
        .name(suffix)
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("52:54:00:c0:{:02x}:{:02x}", (h >> 8) & 0xff, h & 0xff)
}

/// A running VM with room for hotplug (1 of 3 vCPUs, 256 of 512 MiB), its
/// own disk (`vda`) and one user-mode NIC (MAC [`first_mac`]).
async fn running_vm(server: &TestServer, suffix: &str) -> (String, Value) {
    let name = server.name(suffix);
    let vm = server
        .op("vm_create")
        .json(json!({
            "name": name, "memory": 256, "max_memory": 512, "vcpus": 1, "max_vcpus": 3,
            "disk_size": 1, "graphics": [{"type": "none"}],
            "network": {"type": "user", "mac": first_mac(server, suffix)},
        }))
        .send()
        .await
        .expect(201)["vm"]
        .clone();
    assert_eq!(
        (
            &vm["vcpus"],
            &vm["max_vcpus"],
            &vm["memory"],
            &vm["max_memory"]
        ),
        (&json!(1), &json!(3), &json!(256), &json!(512)),
        "{vm}"
    );
    power(server, &name, "start").await;
    (name, vm)
}

fn targets(vm: &Value) -> Vec<String> {
    vm["disks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["target"].as_str().unwrap().to_owned())
        .collect()
}

fn macs(vm: &Value) -> Vec<String> {
    vm["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["mac"].as_str().unwrap().to_ascii_lowercase())
        .collect()
}

/// The state a removal reports: the test driver cannot detach at all; a
/// blank guest on QEMU, like the mock's default guest, never lets go.
fn removal_state(server: &TestServer) -> &'static str {
    match server.backend {
        Backend::LibvirtTest => "completed",
        Backend::Mock | Backend::LibvirtQemu => "pending",
    }
}

#[tokio::test]
async fn disks_and_nics_come_and_go_on_a_running_vm() {
    let server = TestServer::start().await;
    let (name, _) = running_vm(&server, "dev").await;
    let devices = server.backend != Backend::LibvirtTest;

    // A volume to attach, in the pool the VM's own disk went to.
    let volume = server
        .op("volume_create")
        .path("name", "default")
        .json(json!({"name": format!("{}.qcow2", server.name("data")), "capacity": 1, "format": "qcow2"}))
        .send()
        .await
        .expect(201)
        .clone();
    let path = volume["path"].as_str().unwrap().to_owned();
    let _volume = VolumeGuard {
        hypervisor: server.hypervisor.clone(),
        path: path.clone(),
    };

    let added = hotplug(
        &server,
        &name,
        json!({"resource_type": "disk", "action": "add", "configuration": {"source": path}}),
    )
    .await;
    if !devices {
        added.expect_error(422, "UNSUPPORTED");
    } else {
        let data = added.expect(200);
        assert_eq!(data["resource_type"], "disk");
        assert_eq!(data["action"], "add");
        assert_eq!(data["details"]["target"], "vdb", "the next free target");
        assert_eq!(data["details"]["state"], "completed");
        assert_eq!(data["details"]["format"], "qcow2");
        assert_eq!(data["vm_id"], get(&server, &name).await["uuid"]);
        let vm = get(&server, &name).await;
        assert_eq!(targets(&vm), ["vda", "vdb"], "{vm}");
        let vdb = &vm["disks"][1];
        assert_eq!(
            (&vdb["path"], &vdb["bus"]),
            (&json!(path), &json!("virtio"))
        );

        // The same target again, or the same image again: 409.
        hotplug(
            &server,
            &name,
            json!({"resource_type": "disk", "action": "add", "configuration": {"source": path, "target": "vdc"}}),
        )
        .await
        .expect_error(409, "CONFLICT");
    }
    // A target in use, whatever the source.
    let own_disk = get(&server, &name).await["disks"][0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    hotplug(
        &server,
        &name,
        json!({"resource_type": "disk", "action": "add", "configuration": {"source": own_disk, "target": "vda"}}),
    )
    .await
    .expect_error(409, "CONFLICT");

    // NIC: type, model and a generated locally administered MAC.
    let added = hotplug(
        &server,
        &name,
        json!({"resource_type": "network", "action": "add", "configuration": {"type": "user", "model": "e1000"}}),
    )
    .await;
    let mut new_mac = String::new();
    if !devices {
        added.expect_error(422, "UNSUPPORTED");
    } else {
        let data = added.expect(200);
        new_mac = data["details"]["mac"].as_str().unwrap().to_owned();
        assert!(new_mac.starts_with("52:54:00:"), "{new_mac}");
        assert_eq!(data["details"]["state"], "completed");
        assert_eq!(
            macs(&get(&server, &name).await),
            [first_mac(&server, "dev").as_str(), new_mac.as_str()]
        );
    }
    hotplug(
        &server,
        &name,
        json!({"resource_type": "network", "action": "add",
               "configuration": {"type": "user", "mac": first_mac(&server, "dev").to_ascii_uppercase()}}),
    )
    .await
    .expect_error(409, "CONFLICT");

    if devices {
        // Removal: the definition drops the device at once; the blank guest
        // never releases it, so the running VM keeps it until it stops.
        let removed = hotplug(
            &server,
            &name,
            json!({"resource_type": "disk", "action": "remove", "configuration": {"target": "vdb"}}),
        )
        .await;
        let data = removed.expect(200);
        assert_eq!(data["details"]["state"], removal_state(&server), "{data}");
        assert_eq!(data["details"]["source"], json!(path));
        let removed = hotplug(
            &server,
            &name,
            json!({"resource_type": "network", "action": "remove", "configuration": {"mac": new_mac}}),
        )
        .await;
        assert_eq!(
            removed.expect(200)["details"]["state"],
            removal_state(&server)
        );
        let vm = get(&server, &name).await;
        assert_eq!(targets(&vm), ["vda", "vdb"], "still in the running VM");
        assert_eq!(macs(&vm).len(), 2);
        if server.backend == Backend::LibvirtQemu {
            // libvirt's own view: live XML has the disk, the persistent one not.
            let dumpxml = |inactive: bool| {
                let mut cmd = std::process::Command::new("virsh");
                cmd.args(["-c", "qemu:///system", "dumpxml", &name]);
                if inactive {
                    cmd.arg("--inactive");
                }
                String::from_utf8(cmd.output().expect("virsh runs").stdout).unwrap()
            };
            assert!(dumpxml(false).contains(&path));
            assert!(!dumpxml(true).contains(&path));
            assert!(!dumpxml(true).contains(&new_mac));
        }

        power(&server, &name, "force_stop").await;
        let vm = get(&server, &name).await;
        assert_eq!(targets(&vm), ["vda"], "gone from the definition: {vm}");
        assert_eq!(macs(&vm), [first_mac(&server, "dev")]);
    } else {
        hotplug(
            &server,
            &name,
            json!({"resource_type": "disk", "action": "remove", "configuration": {"target": "vda"}}),
        )
        .await
        .expect_error(422, "UNSUPPORTED");
        power(&server, &name, "force_stop").await;
    }

    // Not running: 409, and nothing changes.
    hotplug(
        &server,
        &name,
        json!({"resource_type": "disk", "action": "add", "configuration": {"source": path}}),
    )
    .await
    .expect_error(409, "CONFLICT");
    assert_eq!(targets(&get(&server, &name).await), ["vda"]);
}

#[tokio::test]
async fn vcpus_and_balloon_within_the_maximums() {
    let server = TestServer::start().await;
    let (name, _) = running_vm(&server, "cpu").await;

    let cpu = |action: &str, vcpus: u64| json!({"resource_type": "cpu", "action": action, "configuration": {"vcpus": vcpus}});
    let data = hotplug(&server, &name, cpu("add", 2))
        .await
        .expect(200)
        .clone();
    assert_eq!(data["details"]["state"], "completed");
    assert_eq!(data["details"]["vcpus"], "2");
    assert_eq!(get(&server, &name).await["vcpus"], 2);
    // Above the maximum, or not an increase: 409 and nothing changes.
    hotplug(&server, &name, cpu("add", 4))
        .await
        .expect_error(409, "CONFLICT");
    hotplug(&server, &name, cpu("add", 2))
        .await
        .expect_error(409, "CONFLICT");
    hotplug(&server, &name, cpu("remove", 3))
        .await
        .expect_error(409, "CONFLICT");
    assert_eq!(get(&server, &name).await["vcpus"], 2);

    // Lowering needs the guest: QEMU refuses to ask a guest that has not
    // enabled CPU hotplug (no OS), so the running VM keeps 2 until it stops.
    let data = hotplug(&server, &name, cpu("remove", 1))
        .await
        .expect(200)
        .clone();
    assert_eq!(data["details"]["state"], removal_state(&server), "{data}");
    let expected_live = if removal_state(&server) == "pending" {
        2
    } else {
        1
    };
    assert_eq!(get(&server, &name).await["vcpus"], expected_live);

    // The balloon, within the maximum memory.
    let mem = |action: &str, memory: u64| json!({"resource_type": "memory", "action": action, "configuration": {"memory": memory}});
    hotplug(&server, &name, mem("add", 1024))
        .await
        .expect_error(409, "CONFLICT");
    let data = hotplug(&server, &name, mem("remove", 200))
        .await
        .expect(200)
        .clone();
    assert_eq!(data["details"]["memory"], "200");
    // A guest without a balloon driver never gives the memory back.
    assert_eq!(data["details"]["state"], removal_state(&server), "{data}");
    let live = get(&server, &name).await["memory"].as_u64().unwrap();
    match server.backend {
        Backend::LibvirtTest => assert_eq!(live, 200),
        // QEMU shows what the guest has: all of it, as the balloon never inflated.
        Backend::LibvirtQemu => assert_eq!(live, 512),
        Backend::Mock => assert_eq!(live, 256),
    }

    // The definition has the new counts: they apply from the next boot.
    power(&server, &name, "force_stop").await;
    let vm = get(&server, &name).await;
    assert_eq!(
        (&vm["vcpus"], &vm["memory"]),
        (&json!(1), &json!(200)),
        "{vm}"
    );
    assert_eq!(
        (&vm["max_vcpus"], &vm["max_memory"]),
        (&json!(3), &json!(512))
    );
    hotplug(&server, &name, cpu("add", 2))
        .await
        .expect_error(409, "CONFLICT");
}

#[tokio::test]
async fn usb_devices_are_found_by_vendor_and_product() {
    let server = TestServer::start().await;
    let (name, _) = running_vm(&server, "usb").await;
    // No host these tests run on has this device (the mock host has no USB
    // devices at all): 404 with or without `0x`.
    for (vendor, product) in [("0xdead", "0xbeef"), ("DEAD", "beef")] {
        let reply = hotplug(
            &server,
            &name,
            json!({"resource_type": "usb", "action": "add",
                   "configuration": {"vendor_id": vendor, "product_id": product}}),
        )
        .await;
        reply.expect_error(404, "NOT_FOUND");
        assert_eq!(reply.body["error"]["details"]["id"], "dead:beef");
    }
    hotplug(
        &server,
        &name,
        json!({"resource_type": "usb", "action": "remove",
               "configuration": {"vendor_id": "dead", "product_id": "beef"}}),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    hotplug(
        &server,
        &name,
        json!({"resource_type": "usb", "action": "add", "configuration": {"vendor_id": "dead"}}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn bad_requests_are_refused_before_anything_changes() {
    let server = TestServer::start().await;
    let (name, _) = running_vm(&server, "bad").await;
    let before = get(&server, &name).await;
    let bad = |resource: &str, action: &str, configuration: Value| json!({"resource_type": resource, "action": action, "configuration": configuration});
    // Fields missing for the type, or not applying to it: 400 naming the field.
    for (body, field) in [
        (bad("cpu", "add", json!({})), "vcpus"),
        (bad("memory", "add", json!({})), "memory"),
        (bad("disk", "add", json!({})), "source"),
        (bad("disk", "remove", json!({})), "target"),
        (bad("network", "remove", json!({})), "mac"),
        (bad("network", "add", json!({"type": "bridge"})), "source"),
        (
            bad(
                "cpu",
                "add",
                json!({"vcpus": 2, "mac": "52:54:00:00:00:09"}),
            ),
            "configuration",
        ),
        (
            bad("disk", "remove", json!({"target": "vda", "bus": "virtio"})),
            "configuration",
        ),
        (
            bad("disk", "add", json!({"source": "relative/path.img"})),
            "source",
        ),
        (
            bad(
                "disk",
                "add",
                json!({"source": "/var/lib/x.img", "target": "sdb"}),
            ),
            "target",
        ),
    ] {
        let reply = hotplug(&server, &name, body.clone()).await;
        reply.expect_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"]["field"], field, "{body}");
    }
    // Out of the schema's range, an unknown type or action: 400.
    for body in [
        bad("cpu", "add", json!({"vcpus": 0})),
        bad("cpu", "add", json!({"vcpus": 257})),
        bad("memory", "add", json!({"memory": 8})),
        bad("gpu", "add", json!({})),
        bad("cpu", "replace", json!({"vcpus": 2})),
        bad(
            "usb",
            "add",
            json!({"vendor_id": "0x12", "product_id": "0x1234"}),
        ),
        json!({"resource_type": "cpu", "action": "add"}),
        // Unknown fields, in the request or in its configuration.
        bad("cpu", "add", json!({"vcpus": 2, "cores": 2})),
        json!({"resource_type": "cpu", "action": "add", "configuration": {"vcpus": 2}, "live": true}),
    ] {
        let reply = hotplug(&server, &name, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(reply.body["status"], "error");
    }
    // An image that does not exist: 404; a bus QEMU cannot hot-plug: 422.
    let missing = format!("/var/lib/libvirt/images/{}.qcow2", server.name("missing"));
    let reply = hotplug(
        &server,
        &name,
        bad("disk", "add", json!({"source": missing})),
    )
    .await;
    reply.expect_error(404, "NOT_FOUND");
    assert_eq!(reply.body["error"]["details"]["kind"], "volume");
    hotplug(
        &server,
        &name,
        bad("disk", "add", json!({"source": missing, "bus": "sata"})),
    )
    .await
    .expect_error(422, "UNSUPPORTED");
    // Devices the VM does not have: 404.
    hotplug(
        &server,
        &name,
        bad("disk", "remove", json!({"target": "vdq"})),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    hotplug(
        &server,
        &name,
        bad("network", "remove", json!({"mac": "52:54:00:00:00:99"})),
    )
    .await
    .expect_error(404, "NOT_FOUND");
    // A VM that does not exist: 404.
    hotplug(
        &server,
        &server.name("nope"),
        bad("cpu", "add", json!({"vcpus": 2})),
    )
    .await
    .expect_error(404, "NOT_FOUND");

    let after = get(&server, &name).await;
    for field in ["vcpus", "memory", "disks", "networks"] {
        assert_eq!(before[field].clone(), after[field].clone(), "{field}");
    }
}

#[tokio::test]
async fn create_takes_maximums_at_least_the_current_counts() {
    let server = TestServer::start().await;
    let base = |name: &str| json!({"name": server.name(name), "memory": 128, "vcpus": 2, "graphics": [{"type": "none"}]});
    for (extra, field) in [
        (json!({"max_vcpus": 1}), "max_vcpus"),
        (json!({"max_memory": 64}), "max_memory"),
    ] {
        for op in ["vm_create", "vm_create_enhanced"] {
            let mut body = base("low");
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let reply = server.op(op).json(body).send().await;
            reply.expect_error(400, "VALIDATION_ERROR");
            assert_eq!(reply.body["error"]["details"]["field"], field);
        }
    }
    let mut body = base("room");
    body["max_vcpus"] = json!(4);
    body["max_memory"] = json!(256);
    let vm = server
        .op("vm_create_enhanced")
        .json(body)
        .send()
        .await
        .expect(201)["vm"]
        .clone();
    assert_eq!(
        (
            &vm["vcpus"],
            &vm["max_vcpus"],
            &vm["memory"],
            &vm["max_memory"]
        ),
        (&json!(2), &json!(4), &json!(128), &json!(256))
    );
    // Without maximums a VM has no room: they equal the current counts.
    let vm = server
        .op("vm_create")
        .json(base("plain"))
        .send()
        .await
        .expect(201)["vm"]
        .clone();
    assert_eq!(
        (&vm["max_vcpus"], &vm["max_memory"]),
        (&json!(2), &json!(128))
    );
}
