//! VM backups over HTTP: create (full, incremental), list, restore, delete.
//!
//! Backends differ where libvirt's drivers do: libvirt's test driver has no
//! backup API, so a backup there is 422 `UNSUPPORTED`; QEMU and the mock back
//! running VMs up. The disk-data test runs on QEMU only: a pattern is written
//! into the image before the VM starts (`qemu-io`) and another through the
//! running VM's monitor, and the VM restored from the chain must hold
//! exactly the source disk's bytes (`qemu-img compare`).
//!
//! Backups go into the server's private directory (removed with it); VMs
//! are named with `server.name(...)` and removed, with their volumes, by the
//! server even when a test fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use vapor_conformance::{Backend, Reply, TestServer};

const WAIT: Duration = Duration::from_secs(300);

/// A server whose backups go into its own directory.
async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.backup_dir = c.database_path.parent().unwrap().join("backups");
    })
    .await
}

fn backup_root(server: &TestServer) -> PathBuf {
    server.dir().join("backups")
}

async fn create_vm(server: &TestServer, name: &str) -> Value {
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1, "disk_size": 1}))
        .send()
        .await
        .expect(201)["vm"]
        .clone()
}

async fn action(server: &TestServer, id: &str, action: &str) {
    server
        .op("vm_action")
        .path("id", id)
        .json(json!({"action": action, "force": true}))
        .send()
        .await
        .expect(200);
}

async fn backup(server: &TestServer, id: &str, body: Value) -> Reply {
    server
        .op("backup_create")
        .path("id", id)
        .json(body)
        .send()
        .await
}

/// Starts a backup, waits for its operation, and returns the backup.
async fn backup_ok(server: &TestServer, id: &str, body: Value) -> Value {
    let op = backup(server, id, body).await.expect(202).clone();
    assert_eq!(op["kind"], "vm_backup");
    let done = server
        .wait_operation(op["id"].as_str().unwrap(), WAIT)
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["progress"]["percent"], 100.0);
    let all = list(server, id).await;
    all["backups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["operation_id"] == op["id"])
        .cloned()
        .expect("the backup is listed")
}

async fn list(server: &TestServer, id: &str) -> Value {
    server
        .op("backup_list")
        .path("id", id)
        .send()
        .await
        .expect(200)
        .clone()
}

async fn restore(server: &TestServer, body: Value) -> Reply {
    server.op("backup_restore").json(body).send().await
}

async fn delete(server: &TestServer, backup_id: &str, cascade: bool) -> Reply {
    let mut req = server.op("backup_delete").path("backup_id", backup_id);
    if cascade {
        req = req.query("cascade", "true");
    }
    req.send().await
}

fn id_of(b: &Value) -> &str {
    b["backup_id"].as_str().unwrap()
}

/// Checks what every completed backup has: its files, with the sizes listed.
fn check_files(b: &Value) {
    assert_eq!(b["status"], "completed", "{b}");
    let dir = Path::new(b["destination_path"].as_str().unwrap());
    assert!(dir.join("manifest.json").is_file(), "{b}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut total = std::fs::metadata(dir.join("manifest.json")).unwrap().len();
    for f in manifest["files"].as_array().unwrap() {
        let path = dir.join(f["name"].as_str().unwrap());
        assert_eq!(
            vapor_conformance::sha256_hex(&path),
            f["sha256"].as_str().unwrap(),
            "{}",
            path.display()
        );
        total += std::fs::metadata(&path).unwrap().len();
    }
    assert_eq!(b["size_bytes"].as_u64(), Some(total), "{b}");
    for d in b["disks"].as_array().unwrap() {
        let path = Path::new(d["file_path"].as_str().unwrap());
        assert_eq!(
            d["size_bytes"].as_u64(),
            Some(std::fs::metadata(path).unwrap().len()),
            "{b}"
        );
    }
}

#[tokio::test]
async fn unsupported_on_the_test_driver_and_404s_everywhere() {
    let server = server().await;
    let name = server.name("bk-none");
    create_vm(&server, &name).await;
    action(&server, &name, "start").await;
    assert_eq!(list(&server, &name).await["count"], 0);
    let reply = backup(&server, &name, json!({})).await;
    if server.backend == Backend::LibvirtTest {
        reply.expect_error(422, "UNSUPPORTED");
        assert!(
            std::fs::read_dir(backup_root(&server))
                .map(|d| d.count() == 0)
                .unwrap_or(true),
            "nothing is left behind"
        );
        assert_eq!(list(&server, &name).await["count"], 0);
    } else {
        let op = reply.expect(202).clone();
        let done = server
            .wait_operation(op["id"].as_str().unwrap(), WAIT)
            .await;
        assert_eq!(done["status"], "succeeded", "{done}");
    }
    server
        .op("backup_list")
        .path("id", &server.name("missing"))
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    delete(&server, "bk-missing", false)
        .await
        .expect_error(404, "NOT_FOUND");
    restore(&server, json!({"backup_id": "bk-missing"}))
        .await
        .expect_error(404, "NOT_FOUND");
    backup(&server, &server.name("missing"), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn requests_that_cannot_be_served_are_refused_before_anything_starts() {
    let server = server().await;
    let name = server.name("bk-refuse");
    create_vm(&server, &name).await;
    // A shut-off VM: libvirt backs up running VMs only.
    backup(&server, &name, json!({}))
        .await
        .expect_error(409, "VM_NOT_RUNNING");
    action(&server, &name, "start").await;
    backup(&server, &name, json!({"include_memory": true}))
        .await
        .expect_error(422, "MEMORY_BACKUP_UNSUPPORTED");
    backup(&server, &name, json!({"backup_type": "differential"}))
        .await
        .expect(400);
    // Destinations: absolute, existing, inside the backup root, no '..'.
    let root = backup_root(&server);
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    for bad in [
        "relative/dir".to_owned(),
        format!("{}/sub/../..", root.display()),
        format!("{}/missing", root.display()),
        outside.path().display().to_string(),
        "/etc".to_owned(),
    ] {
        let reply = backup(&server, &name, json!({"destination_path": bad})).await;
        reply.expect_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"]["field"], "destination_path");
    }
    // The original API's encryption fields are not offered: refused, so
    // that no one believes an unencrypted backup to be encrypted.
    let reply = backup(
        &server,
        &name,
        json!({"encryption": "AES-256", "encryption_key": "secret"}),
    )
    .await;
    reply.expect_error(400, "VALIDATION_ERROR");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("encryption")),
        "{}",
        reply.body
    );
    // A symbolic link inside the root that leads out of it.
    std::os::unix::fs::symlink(outside.path(), root.join("escape")).unwrap();
    backup(
        &server,
        &name,
        json!({"destination_path": root.join("escape").display().to_string()}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR");
    if server.backend == Backend::LibvirtTest {
        return;
    }
    // An incremental backup needs a chain to extend.
    backup(&server, &name, json!({"backup_type": "incremental"}))
        .await
        .expect_error(409, "BACKUP_CHAIN_BROKEN");
    assert_eq!(list(&server, &name).await["count"], 0);
    // A directory inside the root is a valid destination.
    let b = backup_ok(
        &server,
        &name,
        json!({"destination_path": root.join("sub").display().to_string(), "retention_days": 0}),
    )
    .await;
    assert!(b["destination_path"].as_str().unwrap().starts_with(
        &root
            .join("sub")
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    ));
    assert_eq!(b["retention_days"], 0);
    check_files(&b);
}

/// Full and incremental backups of a running VM on the mock (and QEMU): the
/// chain, the files, restore, delete.
#[tokio::test]
async fn chains_restore_and_delete() {
    let server = server().await;
    if server.backend == Backend::LibvirtTest {
        return;
    }
    let name = server.name("bk-chain");
    let vm = create_vm(&server, &name).await;
    action(&server, &name, "start").await;

    let full = backup_ok(
        &server,
        &name,
        json!({"backup_type": "full", "description": "before the upgrade"}),
    )
    .await;
    assert_eq!(full["backup_type"], "full");
    assert_eq!(full["vm_uuid"], vm["uuid"]);
    assert_eq!(full["vm_name"], name.as_str());
    assert_eq!(full["parent_backup_id"], Value::Null);
    assert_eq!(full["description"], "before the upgrade");
    assert_eq!(full["compression"], "none");
    assert_eq!(full["include_memory"], false);
    assert_eq!(full["retention_days"], 30);
    assert_eq!(full["disks"][0]["target"], "vda");
    assert!(full["checkpoint"].is_string());
    assert!(full["completed_at"].is_string());
    check_files(&full);

    let inc = backup_ok(&server, &name, json!({"backup_type": "incremental"})).await;
    assert_eq!(inc["backup_type"], "incremental");
    assert_eq!(inc["parent_backup_id"], full["backup_id"]);
    check_files(&inc);
    let inc2 = backup_ok(
        &server,
        &name,
        json!({"backup_type": "incremental", "compression": "zstd"}),
    )
    .await;
    assert_eq!(inc2["parent_backup_id"], inc["backup_id"]);
    assert_eq!(inc2["compression"], "zstd");
    let packed = inc2["disks"][0]["file_path"].as_str().unwrap();
    assert!(packed.ends_with("/vda.qcow2.zst"), "{inc2}");
    assert!(!Path::new(packed.trim_end_matches(".zst")).exists());
    check_files(&inc2);
    let listed = list(&server, &name).await;
    assert_eq!(listed["count"], 3);
    assert_eq!(
        list(&server, vm["uuid"].as_str().unwrap()).await["count"],
        3
    );

    // Deleting a base would break the chain.
    let refused = delete(&server, id_of(&full), false).await;
    refused.expect_error(409, "BACKUP_HAS_DEPENDENTS");
    assert!(refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(id_of(&inc)));

    // Restore the chain's tip as a new VM.
    let copy = server.name("bk-copy");
    let op = restore(
        &server,
        json!({"backup_id": id_of(&inc2), "new_vm_name": copy}),
    )
    .await
    .expect(202)
    .clone();
    assert_eq!(op["kind"], "vm_restore");
    let done = server
        .wait_operation(op["id"].as_str().unwrap(), WAIT)
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let restored = server
        .op("vm_get")
        .path("id", &copy)
        .send()
        .await
        .expect(200)
        .clone();
    assert_ne!(restored["uuid"], vm["uuid"]);
    assert_eq!(restored["state"], "shutoff");
    assert_eq!(restored["memory"], vm["memory"]);
    assert_eq!(restored["vcpus"], vm["vcpus"]);
    assert_eq!(restored["disks"][0]["target"], "vda");
    assert_ne!(restored["disks"][0]["path"], vm["disks"][0]["path"]);
    let staged = std::fs::read_dir(backup_root(&server))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".restore-")
        })
        .count();
    assert_eq!(staged, 0, "decompressed copies are removed");
    for (a, b) in restored["networks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(vm["networks"].as_array().unwrap())
    {
        assert_ne!(a["mac"], b["mac"], "a restored VM gets new MAC addresses");
    }

    // The name is taken now.
    restore(
        &server,
        json!({"backup_id": id_of(&inc2), "new_vm_name": copy}),
    )
    .await
    .expect_error(409, "ALREADY_EXISTS");
    restore(
        &server,
        json!({"backup_id": id_of(&inc2), "new_vm_name": copy, "restore_memory": true}),
    )
    .await
    .expect_error(422, "MEMORY_BACKUP_UNSUPPORTED");
    // Overwriting a running VM is refused; a shut-off one is replaced.
    restore(
        &server,
        json!({"backup_id": id_of(&full), "overwrite": true}),
    )
    .await
    .expect_error(409, "VM_NOT_STOPPED");
    let op = restore(
        &server,
        json!({"backup_id": id_of(&full), "new_vm_name": copy, "overwrite": true}),
    )
    .await
    .expect(202)
    .clone();
    let done = server
        .wait_operation(op["id"].as_str().unwrap(), WAIT)
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let replaced = server
        .op("vm_get")
        .path("id", &copy)
        .send()
        .await
        .expect(200)
        .clone();
    assert_ne!(replaced["disks"][0]["path"], restored["disks"][0]["path"]);
    let old_disk = restored["disks"][0]["path"].as_str().unwrap();
    if server.backend == Backend::LibvirtQemu {
        assert!(!Path::new(old_disk).exists(), "the old disk is removed");
    }
    let vol = server.hypervisor.lookup_volume_by_path(old_disk);
    assert!(vol.is_err(), "the overwritten VM's volume is gone");

    // A tampered file is noticed before anything is made.
    let image = PathBuf::from(inc["disks"][0]["file_path"].as_str().unwrap());
    let saved = std::fs::read(&image).unwrap();
    let mut bad = saved.clone();
    bad.push(0);
    std::fs::write(&image, &bad).unwrap();
    let op = restore(
        &server,
        json!({"backup_id": id_of(&inc2), "new_vm_name": server.name("bk-bad")}),
    )
    .await
    .expect(202)
    .clone();
    let done = server
        .wait_operation(op["id"].as_str().unwrap(), WAIT)
        .await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["error"]["code"], "BACKUP_CORRUPT", "{done}");
    server
        .op("vm_get")
        .path("id", &server.name("bk-bad"))
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    std::fs::write(&image, &saved).unwrap();

    // Deleting the tip, then the rest with cascade.
    delete(&server, id_of(&inc2), false).await.expect(204);
    assert!(!Path::new(inc2["destination_path"].as_str().unwrap()).exists());
    delete(&server, id_of(&full), true).await.expect(204);
    for b in [&full, &inc] {
        assert!(!Path::new(b["destination_path"].as_str().unwrap()).exists());
    }
    assert_eq!(list(&server, &name).await["count"], 0);
    let vm_uuid = vm["uuid"].as_str().unwrap();
    assert!(
        server
            .hypervisor
            .list_checkpoints(vm_uuid)
            .unwrap()
            .is_empty(),
        "the checkpoints went with their backups"
    );

    // With the chain gone, a lost checkpoint refuses an incremental backup.
    let base = backup_ok(&server, &name, json!({})).await;
    server
        .hypervisor
        .delete_checkpoint(vm_uuid, base["checkpoint"].as_str().unwrap())
        .unwrap();
    let refused = backup(&server, &name, json!({"backup_type": "incremental"})).await;
    refused.expect_error(409, "BACKUP_CHAIN_BROKEN");
    // A full backup starts a new chain.
    let fresh = backup_ok(&server, &name, json!({})).await;
    let next = backup_ok(&server, &name, json!({"backup_type": "incremental"})).await;
    assert_eq!(next["parent_backup_id"], fresh["backup_id"]);
    // Backups outlive their VM and are listed by its name.
    action(&server, &name, "force_stop").await;
    server
        .op("vm_delete")
        .path("id", &name)
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);
    assert_eq!(list(&server, &name).await["count"], 3);
    delete(&server, id_of(&base), false).await.expect(204);
    delete(&server, id_of(&fresh), true).await.expect(204);
}

fn qemu_io_hmp(vm: &str, command: &str) {
    let out = Command::new("virsh")
        .args(["-c", "qemu:///system", "qemu-monitor-command", "--hmp", vm])
        .arg(format!(
            "qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \"{command}\""
        ))
        .output()
        .expect("virsh runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !text.contains("rror"),
        "{command}: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn qemu_io(path: &str, command: &str) -> bool {
    Command::new("qemu-io")
        .args(["-U", "-r", "-f", "qcow2", "-c", command, path])
        .output()
        .expect("qemu-io runs")
        .stdout
        .windows(b"Pattern verification failed".len())
        .all(|w| w != b"Pattern verification failed")
}

/// On QEMU: the VM restored from a full backup and an incremental one holds
/// exactly the source disk's bytes, both the data written before the full
/// backup and what the guest wrote after it.
#[tokio::test]
async fn a_restored_chain_is_byte_identical_on_qemu() {
    let server = server().await;
    if server.backend != Backend::LibvirtQemu {
        return;
    }
    let name = server.name("bk-data");
    let vm = create_vm(&server, &name).await;
    let disk = vm["disks"][0]["path"].as_str().unwrap().to_owned();
    let out = Command::new("qemu-io")
        .args(["-f", "qcow2", "-c", "write -P 0xab 0 4M", &disk])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    action(&server, &name, "start").await;
    let full = backup_ok(&server, &name, json!({})).await;
    qemu_io_hmp(&name, "write -P 0xcd 8M 4M");
    // The incremental image is compressed: the restore decompresses it.
    let inc = backup_ok(
        &server,
        &name,
        json!({"backup_type": "incremental", "compression": "zstd"}),
    )
    .await;
    assert_eq!(inc["parent_backup_id"], full["backup_id"]);
    // The incremental image holds the changed clusters only (compressed).
    let inc_size = inc["disks"][0]["size_bytes"].as_u64().unwrap();
    let full_size = full["disks"][0]["size_bytes"].as_u64().unwrap();
    assert!(inc_size < 6 << 20, "{inc_size}");
    assert!(full_size >= 4 << 20, "{full_size}");
    // The source as it is now; the VM stops so that its image is settled.
    qemu_io_hmp(&name, "flush");
    action(&server, &name, "force_stop").await;

    let copy = server.name("bk-data-copy");
    let op = restore(
        &server,
        json!({"backup_id": id_of(&inc), "new_vm_name": copy}),
    )
    .await
    .expect(202)
    .clone();
    let done = server
        .wait_operation(op["id"].as_str().unwrap(), WAIT)
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let restored = server
        .op("vm_get")
        .path("id", &copy)
        .send()
        .await
        .expect(200)
        .clone();
    let restored_disk = restored["disks"][0]["path"].as_str().unwrap().to_owned();
    let out = Command::new("qemu-img")
        .args(["compare", "-U", &disk, &restored_disk])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "restored disk differs: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(qemu_io(&restored_disk, "read -P 0xab 0 4M"));
    assert!(qemu_io(&restored_disk, "read -P 0xcd 8M 4M"));
    assert!(qemu_io(&restored_disk, "read -P 0 4M 4M"));

    // Restoring the full backup alone gives the disk before the guest wrote.
    let before = server.name("bk-data-before");
    let op = restore(
        &server,
        json!({"backup_id": id_of(&full), "new_vm_name": before}),
    )
    .await
    .expect(202)
    .clone();
    let done = server
        .wait_operation(op["id"].as_str().unwrap(), WAIT)
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let old = server
        .op("vm_get")
        .path("id", &before)
        .send()
        .await
        .expect(200)["disks"][0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(qemu_io(&old, "read -P 0xab 0 4M"));
    assert!(qemu_io(&old, "read -P 0 8M 4M"));

    delete(&server, id_of(&full), true).await.expect(204);
    assert_eq!(list(&server, &name).await["count"], 0);
}

/// Retention: expired backups are pruned, leaves of a chain first; a backup
/// an unexpired one builds on stays, and `retention_days: 0` keeps one for
/// ever.
#[tokio::test]
async fn retention_prunes_expired_backups_without_breaking_chains() {
    let server = server().await;
    if server.backend == Backend::LibvirtTest {
        return;
    }
    let name = server.name("bk-keep");
    create_vm(&server, &name).await;
    action(&server, &name, "start").await;
    let full = backup_ok(&server, &name, json!({"retention_days": 1})).await;
    let inc1 = backup_ok(
        &server,
        &name,
        json!({"backup_type": "incremental", "retention_days": 5}),
    )
    .await;
    let inc2 = backup_ok(
        &server,
        &name,
        json!({"backup_type": "incremental", "retention_days": 1}),
    )
    .await;
    let forever = backup_ok(&server, &name, json!({"retention_days": 0})).await;
    let db = server.app.db();
    // Makes backups look as if they completed long ago.
    let age = |backups: &[&Value]| {
        for b in backups {
            let mut row = db.backup(id_of(b)).unwrap().unwrap();
            row.completed_at = Some("2000-01-01T00:00:00.000000Z".to_owned());
            db.save_backup(&row).unwrap();
        }
    };
    let ids = |v: Value| -> Vec<String> {
        v["backups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| id_of(b).to_owned())
            .collect()
    };
    assert_eq!(server.app.prune_expired_backups().await.unwrap(), 0);
    age(&[&full, &inc2, &forever]);
    // inc2 has expired and nothing builds on it; full has expired too, but
    // inc1 (not expired) builds on it.
    assert_eq!(server.app.prune_expired_backups().await.unwrap(), 1);
    assert_eq!(
        ids(list(&server, &name).await),
        [id_of(&full), id_of(&inc1), id_of(&forever)]
    );
    assert!(!Path::new(inc2["destination_path"].as_str().unwrap()).exists());
    age(&[&inc1]);
    assert_eq!(server.app.prune_expired_backups().await.unwrap(), 2);
    assert_eq!(ids(list(&server, &name).await), [id_of(&forever)]);
    delete(&server, id_of(&forever), false).await.expect(204);
}

/// A disk that cannot hold a checkpoint (raw) is backed up in full, without
/// a checkpoint; an incremental backup is refused with the reason.
#[tokio::test]
async fn a_raw_disk_gets_full_backups_only() {
    let images = tempfile::Builder::new()
        .prefix("vapor-ct-bk-")
        .tempdir()
        .unwrap();
    let server = server().await;
    if server.backend == Backend::LibvirtTest {
        return;
    }
    let disk = images.path().join("raw.img");
    std::fs::File::create(&disk)
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    let name = server.name("bk-raw");
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1,
                     "disk_path": disk.to_str().unwrap()}))
        .send()
        .await
        .expect(201);
    action(&server, &name, "start").await;
    let full = backup_ok(&server, &name, json!({})).await;
    assert_eq!(full["checkpoint"], Value::Null, "{full}");
    check_files(&full);
    let refused = backup(&server, &name, json!({"backup_type": "incremental"})).await;
    refused.expect_error(422, "INCREMENTAL_UNSUPPORTED");
    assert!(refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("vda"));
    if server.backend == Backend::LibvirtQemu {
        let copy = server.name("bk-raw-copy");
        let op = restore(
            &server,
            json!({"backup_id": id_of(&full), "new_vm_name": copy}),
        )
        .await
        .expect(202)
        .clone();
        let done = server
            .wait_operation(op["id"].as_str().unwrap(), WAIT)
            .await;
        assert_eq!(done["status"], "succeeded", "{done}");
        let restored = server
            .op("vm_get")
            .path("id", &copy)
            .send()
            .await
            .expect(200)
            .clone();
        assert_eq!(restored["disks"][0]["format"], "raw");
        let out = Command::new("qemu-img")
            .args(["compare", "-U", "-f", "raw", "-F", "raw"])
            .arg(&disk)
            .arg(restored["disks"][0]["path"].as_str().unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    delete(&server, id_of(&full), false).await.expect(204);
}
