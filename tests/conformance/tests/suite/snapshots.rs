//! VM snapshots over HTTP: capabilities, create, list, get, delete, revert.
//!
//! Backends differ where libvirt's drivers do: libvirt's test driver takes
//! no external snapshots (and keeps no disk data); QEMU and the mock take
//! external disk-only snapshots but, like libvirt 9.0, cannot revert them.
//! The disk-data test runs on QEMU only, with `qemu-io` on the stopped VM's
//! image.
//!
//! Disk images a test makes itself live in a temporary directory declared
//! before the server, so that it outlives the server's clean-up; VMs are
//! named with `server.name(...)` and removed by the server even when a test
//! fails.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::{json, Value};
use vapor_conformance::{Backend, Reply, TestServer};

/// A temporary directory for disk images. QEMU may run as its own user: let it in.
fn image_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("vapor-ct-snap-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

/// Makes an image with `qemu-img create`; returns its path.
fn qemu_img(dir: &tempfile::TempDir, name: &str, format: &str) -> String {
    let path = dir.path().join(name);
    let status = Command::new("qemu-img")
        .args(["create", "-q", "-f", format])
        .arg(&path)
        .arg("64M")
        .status()
        .expect("qemu-img runs");
    assert!(status.success(), "qemu-img create failed");
    path.to_str().unwrap().to_owned()
}

/// Runs one `qemu-io` command on a qcow2 image; true when it succeeded.
fn qemu_io(path: &str, read_only: bool, command: &str) -> bool {
    let mut cmd = Command::new("qemu-io");
    cmd.args(["-f", "qcow2"]);
    if read_only {
        cmd.arg("-r");
    }
    let out = cmd
        .args(["-c", command, path])
        .output()
        .expect("qemu-io runs");
    out.status.success()
}

async fn create_vm(server: &TestServer, body: Value) -> Value {
    server.op("vm_create").json(body).send().await.expect(201)["vm"].clone()
}

async fn action(server: &TestServer, id: &str, action: &str) -> Value {
    server
        .op("vm_action")
        .path("id", id)
        .json(json!({"action": action, "force": true}))
        .send()
        .await
        .expect(200)["vm"]
        .clone()
}

async fn caps(server: &TestServer, id: &str) -> Value {
    server
        .op("snapshot_capabilities_get")
        .path("id", id)
        .send()
        .await
        .expect(200)
        .clone()
}

async fn snap(server: &TestServer, id: &str, body: Value) -> Reply {
    server
        .op("snapshot_create")
        .path("id", id)
        .json(body)
        .send()
        .await
}

async fn get(server: &TestServer, id: &str, name: &str) -> Reply {
    server
        .op("snapshot_get")
        .path("id", id)
        .path("snapshot", name)
        .send()
        .await
}

async fn list(server: &TestServer, id: &str) -> Value {
    server
        .op("snapshot_list")
        .path("id", id)
        .send()
        .await
        .expect(200)
        .clone()
}

async fn revert(server: &TestServer, id: &str, name: &str) -> Reply {
    server
        .op("snapshot_revert")
        .path("id", id)
        .path("snapshot", name)
        .send()
        .await
}

async fn delete(server: &TestServer, id: &str, name: &str) -> Reply {
    server
        .op("snapshot_delete")
        .path("id", id)
        .path("snapshot", name)
        .send()
        .await
}

fn names(list: &Value) -> Vec<String> {
    list["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn capabilities_of_a_qcow2_vm() {
    let server = TestServer::start().await;
    let name = server.name("caps-qcow2");
    create_vm(
        &server,
        json!({"name": name, "memory": 256, "vcpus": 1, "disk_size": 1}),
    )
    .await;
    let c = caps(&server, &name).await;
    assert_eq!(c["supports_snapshots"], true, "{c}");
    assert_eq!(c["supports_internal"], true, "{c}");
    // Memory needs a running VM.
    assert_eq!(c["supports_memory"], false, "{c}");
    assert_eq!(c["supports_quiesce"], false, "{c}");
    // libvirt's test driver takes no external snapshots; none reverts them before 9.9.
    assert_eq!(
        c["supports_external"],
        server.backend != Backend::LibvirtTest,
        "{c}"
    );
    assert_eq!(c["supports_external_revert"], false, "{c}");
    let disks = c["disk_formats"].as_array().unwrap();
    assert_eq!(disks.len(), 1, "{c}");
    assert_eq!(disks[0]["name"], "vda");
    assert_eq!(disks[0]["format"], "qcow2");
    assert_eq!(disks[0]["type"], "file");
    assert_eq!(disks[0]["readonly"], false);
    assert_eq!(disks[0]["supports_internal"], true);
    assert_eq!(disks[0]["size_bytes"], 1i64 << 30);
    assert!(disks[0]["path"].as_str().unwrap().ends_with(".qcow2"));
    assert!(c["warnings"].is_array() && c["recommendations"].is_array());
    // No agent answers on the channel: the capabilities say how to get one.
    assert!(
        c["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("guest agent")),
        "{c}"
    );

    action(&server, &name, "start").await;
    let running = caps(&server, &name).await;
    assert_eq!(running["supports_memory"], true, "{running}");
    action(&server, &name, "force_stop").await;

    server
        .op("snapshot_capabilities_get")
        .path("id", &server.name("nope"))
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_raw_disk_allows_external_snapshots_only() {
    let images = image_dir();
    let server = TestServer::start().await;
    let disk = qemu_img(&images, "raw-disk.img", "raw");
    let name = server.name("caps-raw");
    let vm = create_vm(
        &server,
        json!({"name": name, "memory": 256, "vcpus": 1, "disk_path": disk}),
    )
    .await;
    assert_eq!(vm["disks"][0]["format"], "raw");

    let c = caps(&server, &name).await;
    assert_eq!(c["supports_internal"], false, "{c}");
    assert_eq!(c["supports_memory"], false, "{c}");
    assert_eq!(c["disk_formats"][0]["format"], "raw");
    assert_eq!(c["disk_formats"][0]["supports_internal"], false);
    assert_eq!(c["disk_formats"][0]["path"], disk.as_str());
    assert!(
        c["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("vda is raw")),
        "{c}"
    );

    // Memory snapshots are internal: refused up front, whatever the state.
    snap(&server, &name, json!({"name": "m", "include_memory": true}))
        .await
        .expect_error(422, "MEMORY_SNAPSHOT_UNAVAILABLE");

    if server.backend == Backend::LibvirtTest {
        assert_eq!(c["supports_external"], false, "{c}");
        assert_eq!(c["supports_snapshots"], false, "{c}");
        snap(&server, &name, json!({"name": "x"}))
            .await
            .expect_error(422, "INVALID_DISK_FORMAT");
        assert_eq!(list(&server, &name).await["count"], 0);
        return;
    }

    // External disk-only, with overlays beside the image; not revertible on libvirt 9.0.
    assert_eq!(c["supports_external"], true, "{c}");
    assert_eq!(c["supports_snapshots"], true, "{c}");
    let created = snap(&server, &name, json!({"name": "ext-off"})).await;
    let s = created.expect(201).clone();
    assert_eq!(s["type"], "external", "{s}");
    assert_eq!(s["state"], "shutoff", "{s}");
    assert_eq!(s["revertible"], false, "{s}");
    let warnings = s["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("cannot revert")),
        "{s}"
    );
    let overlay = images.path().join("raw-disk.ext-off");
    let detail = get(&server, &name, "ext-off").await.expect(200).clone();
    assert_eq!(detail["disks"][0]["disk_name"], "vda");
    assert_eq!(detail["disks"][0]["type"], "external");
    assert_eq!(detail["disks"][0]["file_path"], overlay.to_str().unwrap());
    assert_eq!(detail["memory_state"], Value::Null);
    let vm = server.op("vm_get").path("id", &name).send().await;
    assert_eq!(
        vm.expect(200)["disks"][0]["path"],
        overlay.to_str().unwrap(),
        "the VM now writes to the overlay"
    );
    if server.backend == Backend::LibvirtQemu {
        assert!(overlay.exists());
    }
    revert(&server, &name, "ext-off")
        .await
        .expect_error(409, "SNAPSHOT_NOT_REVERTIBLE");

    // The disk is a qcow2 overlay now, but the chain stays external.
    let c = caps(&server, &name).await;
    assert_eq!(c["disk_formats"][0]["format"], "qcow2", "{c}");
    assert_eq!(c["supports_internal"], false, "{c}");
    assert_eq!(c["supports_external"], true, "{c}");
    let child = snap(&server, &name, json!({"name": "ext-child"})).await;
    let child = child.expect(201).clone();
    assert_eq!(child["type"], "external", "{child}");
    assert_eq!(child["parent"], "ext-off");
    assert_eq!(
        get(&server, &name, "ext-off").await.expect(200)["children"],
        json!(["ext-child"])
    );
    // libvirt refuses to delete an external snapshot below another one.
    let refused = delete(&server, &name, "ext-off").await;
    refused.expect_error(409, "CONFLICT");
    assert!(refused.body["error"]["details"]["hypervisor_message"].is_string());
    // The leaf, then its parent: the VM is back on its raw image.
    delete(&server, &name, "ext-child").await.expect(204);
    delete(&server, &name, "ext-off").await.expect(204);
    assert_eq!(list(&server, &name).await["count"], 0);
    let vm = server.op("vm_get").path("id", &name).send().await;
    let vm = vm.expect(200);
    assert_eq!(vm["disks"][0]["path"], disk.as_str());
    assert_eq!(vm["disks"][0]["format"], "raw");
    if server.backend == Backend::LibvirtQemu {
        assert!(!overlay.exists(), "the overlay was merged and removed");
    }

    // A running VM gets an external disk-only snapshot too.
    action(&server, &name, "start").await;
    let live = snap(&server, &name, json!({"name": "ext-live"})).await;
    let live = live.expect(201).clone();
    assert_eq!(live["type"], "external", "{live}");
    assert_eq!(live["state"], "disk-snapshot", "{live}");
    assert_eq!(live["parent"], Value::Null);
    // Quiesce needs the guest agent.
    snap(&server, &name, json!({"name": "q", "quiesce": true}))
        .await
        .expect_error(422, "QUIESCE_UNAVAILABLE");
    action(&server, &name, "force_stop").await;
    delete(&server, &name, "ext-live").await.expect(204);
    let vm = server.op("vm_get").path("id", &name).send().await;
    assert_eq!(vm.expect(200)["disks"][0]["path"], disk.as_str());
}

#[tokio::test]
async fn create_list_get_delete() {
    let server = TestServer::start().await;
    let name = server.name("snaps");
    let vm = create_vm(
        &server,
        json!({"name": name, "memory": 256, "vcpus": 1, "disk_size": 1}),
    )
    .await;
    let uuid = vm["uuid"].as_str().unwrap().to_owned();
    assert_eq!(
        list(&server, &name).await,
        json!({"snapshots": [], "count": 0})
    );

    let first = snap(
        &server,
        &name,
        json!({"name": "first", "description": "Before the upgrade"}),
    )
    .await;
    let first = first.expect(201).clone();
    assert_eq!(first["name"], "first");
    assert_eq!(first["description"], "Before the upgrade");
    assert_eq!(first["vm_name"], name.as_str());
    assert_eq!(first["vm_uuid"], uuid.as_str());
    assert_eq!(first["type"], "internal");
    assert_eq!(first["state"], "shutoff");
    assert_eq!(first["parent"], Value::Null);
    assert_eq!(first["is_current"], true);
    assert_eq!(first["revertible"], true);
    assert_eq!(first["warnings"], json!([]));
    assert_eq!(first["size_bytes"], Value::Null, "libvirt cannot tell");
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));

    snap(&server, &name, json!({"name": "first"}))
        .await
        .expect_error(409, "ALREADY_EXISTS");

    // By UUID too.
    let second = snap(&server, &uuid, json!({"name": "second"})).await;
    let second = second.expect(201).clone();
    assert_eq!(second["parent"], "first");
    assert_eq!(second["description"], Value::Null);

    let all = list(&server, &name).await;
    assert_eq!(all["count"], 2);
    assert_eq!(names(&all), ["first", "second"]);
    assert_eq!(all["snapshots"][0]["is_current"], false);
    assert_eq!(all["snapshots"][1]["is_current"], true);

    let detail = get(&server, &name, "first").await.expect(200).clone();
    assert_eq!(detail["snapshot"]["name"], "first");
    assert_eq!(detail["snapshot"]["description"], "Before the upgrade");
    assert_eq!(detail["children"], json!(["second"]));
    assert_eq!(detail["memory_state"], Value::Null);
    assert_eq!(detail["disks"][0]["disk_name"], "vda");
    assert_eq!(detail["disks"][0]["type"], "internal");

    // Impossible or malformed requests change nothing.
    snap(&server, &name, json!({"name": "m", "include_memory": true}))
        .await
        .expect_error(422, "MEMORY_SNAPSHOT_UNAVAILABLE");
    snap(&server, &name, json!({"name": "q", "quiesce": true}))
        .await
        .expect_error(422, "QUIESCE_UNAVAILABLE");
    for bad in ["-x", "a b", "a/b", ""] {
        let reply = snap(&server, &name, json!({"name": bad})).await;
        reply.expect_error(400, "VALIDATION_ERROR");
    }
    snap(
        &server,
        &name,
        json!({"name": "d", "description": "x".repeat(1025)}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR");
    assert_eq!(list(&server, &name).await["count"], 2);

    // Unknown VM or snapshot.
    let nope = server.name("nope");
    server
        .op("snapshot_list")
        .path("id", &nope)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    snap(&server, &nope, json!({"name": "x"}))
        .await
        .expect_error(404, "NOT_FOUND");
    get(&server, &name, "nope")
        .await
        .expect_error(404, "NOT_FOUND");
    get(&server, &nope, "first")
        .await
        .expect_error(404, "NOT_FOUND");
    delete(&server, &name, "nope")
        .await
        .expect_error(404, "NOT_FOUND");
    revert(&server, &name, "nope")
        .await
        .expect_error(404, "NOT_FOUND");

    // Deleting the parent re-parents its child.
    delete(&server, &name, "first").await.expect(204);
    get(&server, &name, "first")
        .await
        .expect_error(404, "NOT_FOUND");
    let second = get(&server, &name, "second").await.expect(200).clone();
    assert_eq!(second["snapshot"]["parent"], Value::Null);
    assert_eq!(second["snapshot"]["is_current"], true);

    // A VM with internal snapshots can be deleted; its snapshots go with it.
    snap(&server, &name, json!({"name": "third"}))
        .await
        .expect(201);
    server
        .op("vm_delete")
        .path("id", &name)
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("snapshot_list")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    if server.backend == Backend::LibvirtQemu {
        let out = Command::new("virsh")
            .args(["-c", "qemu:///system", "list", "--all", "--name"])
            .output()
            .expect("virsh runs");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(&name),
            "libvirt still has {name}"
        );
    }
}

#[tokio::test]
async fn a_memory_snapshot_reverts_to_running() {
    let server = TestServer::start().await;
    let name = server.name("memsnap");
    create_vm(
        &server,
        json!({"name": name, "memory": 256, "vcpus": 1, "disk_size": 1}),
    )
    .await;
    let off = snap(&server, &name, json!({"name": "off"})).await;
    assert_eq!(off.expect(201)["state"], "shutoff");
    action(&server, &name, "start").await;

    // A running VM's internal snapshot holds its memory: the client must say so.
    snap(&server, &name, json!({"name": "disk-only"}))
        .await
        .expect_error(422, "INCLUDE_MEMORY_REQUIRED");
    snap(&server, &name, json!({"name": "q", "quiesce": true}))
        .await
        .expect_error(422, "QUIESCE_UNAVAILABLE");
    snap(
        &server,
        &name,
        json!({"name": "q", "quiesce": true, "include_memory": true}),
    )
    .await
    .expect_error(422, "QUIESCE_UNAVAILABLE");

    let live = snap(
        &server,
        &name,
        json!({"name": "live", "include_memory": true}),
    )
    .await;
    let live = live.expect(201).clone();
    assert_eq!(live["type"], "internal-memory", "{live}");
    assert_eq!(live["state"], "running");
    assert_eq!(live["parent"], "off");
    assert_eq!(live["revertible"], true);
    let detail = get(&server, &name, "live").await.expect(200).clone();
    assert_eq!(detail["memory_state"]["type"], "internal", "{detail}");

    // Off again, then back to the running snapshot.
    action(&server, &name, "force_stop").await;
    let reverted = revert(&server, &name, "live").await;
    let reverted = reverted.expect(200).clone();
    assert_eq!(reverted["vm_name"], name.as_str());
    assert_eq!(reverted["snapshot_name"], "live");
    assert_eq!(reverted["vm"]["state"], "running", "{reverted}");
    assert!(reverted["reverted_at"].is_string());
    assert!(reverted["message"].as_str().unwrap().contains("running"));
    let vm = server.op("vm_get").path("id", &name).send().await;
    assert_eq!(vm.expect(200)["state"], "running");
    assert_eq!(
        get(&server, &name, "live").await.expect(200)["snapshot"]["is_current"],
        true
    );

    // Back to the shut-off snapshot: the running VM stops.
    let reverted = revert(&server, &name, "off").await;
    assert_eq!(reverted.expect(200)["vm"]["state"], "shutoff");
    let all = list(&server, &name).await;
    let current: Vec<String> = all["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["is_current"] == true)
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(current, ["off"]);
}

/// On QEMU: a disk snapshot of a stopped VM brings its data back.
#[tokio::test]
async fn a_disk_snapshot_reverts_the_data() {
    let server = TestServer::start().await;
    if server.backend != Backend::LibvirtQemu {
        return;
    }
    let name = server.name("data");
    let vm = create_vm(
        &server,
        json!({"name": name, "memory": 256, "vcpus": 1, "disk_size": 1}),
    )
    .await;
    let path = vm["disks"][0]["path"].as_str().unwrap().to_owned();
    assert!(qemu_io(&path, false, "write -P 0xab 0 4M"), "write 0xab");
    snap(&server, &name, json!({"name": "ab"}))
        .await
        .expect(201);
    assert!(qemu_io(&path, false, "write -P 0xcd 0 4M"), "write 0xcd");
    assert!(!qemu_io(&path, true, "read -P 0xab 0 4M"), "0xcd over 0xab");

    let reverted = revert(&server, &name, "ab").await;
    assert_eq!(reverted.expect(200)["vm"]["state"], "shutoff");
    assert!(
        qemu_io(&path, true, "read -P 0xab 0 4M"),
        "the revert brought 0xab back"
    );
}

/// A read-only CD-ROM is left out of snapshots and does not stop internal ones.
#[tokio::test]
async fn a_cdrom_is_left_out() {
    let images = image_dir();
    let server = TestServer::start().await;
    let iso = vapor_conformance::make_iso(images.path(), "install.iso", 4096);
    let name = server.name("cdrom");
    create_vm(
        &server,
        json!({"name": name, "memory": 256, "vcpus": 1, "disk_size": 1, "iso_path": iso}),
    )
    .await;
    let c = caps(&server, &name).await;
    assert_eq!(c["supports_internal"], true, "{c}");
    let disks = c["disk_formats"].as_array().unwrap();
    assert_eq!(disks.len(), 2, "{c}");
    let cdrom = disks.iter().find(|d| d["name"] == "sda").expect("sda");
    assert_eq!(cdrom["readonly"], true);
    assert_eq!(cdrom["supports_internal"], false);

    action(&server, &name, "start").await;
    action(&server, &name, "pause").await;
    let s = snap(
        &server,
        &name,
        json!({"name": "paused", "include_memory": true}),
    )
    .await;
    let s = s.expect(201).clone();
    assert_eq!(s["type"], "internal-memory", "{s}");
    assert_eq!(s["state"], "paused", "{s}");
    let detail = get(&server, &name, "paused").await.expect(200).clone();
    let by = |target: &str| {
        detail["disks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["disk_name"] == target)
            .unwrap_or_else(|| panic!("{target} in {detail}"))["type"]
            .clone()
    };
    assert_eq!(by("vda"), "internal");
    assert_eq!(by("sda"), "no");

    // Reverting a paused snapshot of a running VM leaves it paused.
    action(&server, &name, "resume").await;
    let reverted = revert(&server, &name, "paused").await;
    assert_eq!(reverted.expect(200)["vm"]["state"], "paused");
    action(&server, &name, "force_stop").await;
}
