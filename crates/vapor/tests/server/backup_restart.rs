//! A backup interrupted by a SIGKILL of the service is settled when the
//! service starts again. On QEMU libvirt's push backup outlives the process:
//! the restarted service follows the job in a new operation and seals the
//! backup (`completed`, restorable); when the VM was destroyed meanwhile the
//! job is gone, and the backup is `failed` with its partial files and
//! checkpoint removed. The mock's jobs live in the process (made slow with
//! `VAPOR_MOCK_BACKUP_MS`), so there the backup is always `failed` and
//! cleaned up. A backup can also be cancelled through its operation. Runs on
//! the backend `VAPOR_TEST_BACKEND` names (the mock by default; on QEMU the
//! disk holds 2 GiB of data, so that the copy is still running when the
//! service is killed right after it started). libvirt's test driver has no
//! backups: there the test checks that nothing is left by the refusal.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{
    backend_uri, create_token, free_port, serve_with_env, stop, write_config_for, Api,
    Running as Server,
};

/// The mock's backup jobs take a minute, so a kill or a cancel lands in the middle.
const SLOW_MOCK_BACKUPS: &[(&str, &str)] = &[("VAPOR_MOCK_BACKUP_MS", "60000")];
use serde_json::{json, Value};

/// Removes the test's VM (with its checkpoints and disk) from libvirt even
/// when the test fails half-way.
struct VmGuard {
    uri: String,
    name: String,
}

impl Drop for VmGuard {
    fn drop(&mut self) {
        if self.uri.starts_with("mock:") {
            return;
        }
        for args in [
            vec!["destroy", self.name.as_str()],
            vec!["undefine", self.name.as_str(), "--checkpoints-metadata"],
        ] {
            let _ = virsh(&self.uri, &args);
        }
        // The disk Vapor made for it: `<name>.qcow2` in the default pool.
        let volume = format!("{}.qcow2", self.name);
        let _ = virsh(&self.uri, &["vol-delete", "--pool", "default", &volume]);
    }
}

/// Deletes the volumes of the default pool whose names start with `prefix`
/// when dropped (a restore names its volumes after the VM and the disk).
struct VolumeSweep {
    uri: String,
    prefix: String,
}

impl Drop for VolumeSweep {
    fn drop(&mut self) {
        for line in virsh(&self.uri, &["vol-list", "default"]).lines() {
            if let Some(volume) = line.split_whitespace().next() {
                if volume.starts_with(&self.prefix) {
                    let _ = virsh(&self.uri, &["vol-delete", "--pool", "default", volume]);
                }
            }
        }
    }
}

fn virsh(uri: &str, args: &[&str]) -> String {
    let out = Command::new("virsh")
        .args(["-c", uri])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The service's configuration, with backups under `dir/backups`.
fn config(dir: &Path, port: u16, uri: &str) -> (PathBuf, PathBuf) {
    let config = write_config_for(dir, port, uri);
    let backups = dir.join("backups");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("backup_dir = {}\n", backups.display()));
    std::fs::write(&config, text).unwrap();
    (config, backups)
}

impl Api {
    async fn backups(&self, vm: &str) -> Vec<Value> {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/virtualization/virtualmachines/{vm}/backups"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["data"]["backups"].as_array().unwrap().clone()
    }

    async fn operation(&self, id: &str) -> Value {
        let (status, body) = self
            .call(reqwest::Method::GET, &format!("/operations/{id}"), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    async fn wait(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let op = self.operation(id).await;
            if matches!(
                op["status"].as_str(),
                Some("succeeded" | "failed" | "cancelled")
            ) {
                return op;
            }
            assert!(Instant::now() < deadline, "operation {id} did not end");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Creates the VM (with 2 GiB of data on QEMU) and starts it; returns its disk.
async fn running_vm(api: &Api, uri: &str, name: &str) -> String {
    let size = if uri.starts_with("qemu") { 3 } else { 1 };
    let (status, body) = api
        .call(
            reqwest::Method::POST,
            "/virtualization/virtualmachines",
            Some(
                json!({"name": name, "memory": 128, "vcpus": 1, "disk_size": size,
                        "graphics": [{"type": "none"}]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let disk = body["data"]["vm"]["disks"][0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    if uri.starts_with("qemu") {
        let out = Command::new("qemu-io")
            .args([
                "-f",
                "qcow2",
                "-c",
                "write -P 0x5a 0 1G",
                "-c",
                "write -P 0x5a 1G 1G",
            ])
            .arg(&disk)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let (status, body) = api
        .call(
            reqwest::Method::POST,
            &format!("/virtualization/virtualmachines/{name}/action"),
            Some(json!({"action": "start"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    disk
}

/// The operations still running on `target`.
async fn running_operations(api: &Api, target: &str) -> Vec<Value> {
    let (status, body) = api
        .call(
            reqwest::Method::GET,
            &format!("/operations?status=running&target={target}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["operations"].as_array().unwrap().clone()
}

/// The VM's checkpoints, as libvirt lists them.
fn checkpoints(uri: &str, vm: &str) -> String {
    virsh(uri, &["checkpoint-list", vm, "--name"])
        .trim()
        .to_owned()
}

/// What the service knew of a backup when it was killed.
struct Killed {
    operation: String,
    directory: PathBuf,
    vm_uuid: String,
}

/// Starts the service, a VM and a backup of it, and kills the service with
/// SIGKILL while the copy runs. `None` on libvirt's test driver, after
/// checking that the refused backup left nothing.
fn kill_during_backup(
    rt: &tokio::runtime::Runtime,
    api: &Api,
    config: &Path,
    backups: &Path,
    uri: &str,
    name: &str,
) -> Option<Killed> {
    let mut server = Server(serve_with_env(config, SLOW_MOCK_BACKUPS));
    let started = rt.block_on(async {
        running_vm(api, uri, name).await;
        api.call(
            reqwest::Method::POST,
            &format!("/virtualization/virtualmachines/{name}/backups"),
            Some(json!({})),
        )
        .await
    });
    if uri == "test:///default" {
        assert_eq!(started.0, 422, "{}", started.1);
        assert_eq!(started.1["error"]["code"], "UNSUPPORTED");
        stop(&mut server.0, "-KILL");
        assert!(std::fs::read_dir(backups)
            .map(|d| d.count() == 0)
            .unwrap_or(true));
        return None;
    }
    assert_eq!(started.0, 202, "{}", started.1);
    let operation = started.1["data"]["id"].as_str().unwrap().to_owned();
    let backup = rt.block_on(api.backups(name))[0].clone();
    assert_eq!(backup["status"], "running");
    let directory = PathBuf::from(backup["destination_path"].as_str().unwrap());
    assert!(
        directory.join("pending.json").is_file(),
        "what sealing needs is on disk before the job runs"
    );
    // No graceful shutdown: the process dies while the copy runs.
    stop(&mut server.0, "-KILL");
    if uri.starts_with("qemu") {
        eprintln!("job after the kill: {}", virsh(uri, &["domjobinfo", name]));
    }
    Some(Killed {
        operation,
        directory,
        vm_uuid: backup["vm_uuid"].as_str().unwrap().to_owned(),
    })
}

#[test]
fn a_backup_interrupted_by_a_kill_is_settled_on_restart() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let uri = backend_uri();
    let (config, backups) = config(dir.path(), port, &uri);
    let name = format!("vapor-rt-bk-{}", std::process::id());
    let restored = format!("{name}-back");
    let _vm = VmGuard {
        uri: uri.clone(),
        name: name.clone(),
    };
    let _restored = VmGuard {
        uri: uri.clone(),
        name: restored.clone(),
    };
    let _restored_volumes = VolumeSweep {
        uri: uri.clone(),
        prefix: restored.clone(),
    };
    let api = Api::new(port, create_token(&config));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(killed) = kill_during_backup(&rt, &api, &config, &backups, &uri, &name) else {
        return;
    };

    let mut server = Server(serve_with_env(&config, SLOW_MOCK_BACKUPS));
    rt.block_on(async {
        let old = api.operation(&killed.operation).await;
        assert_eq!(old["status"], "failed", "{old}");
        assert_eq!(old["error"]["code"], "INTERRUPTED", "{old}");
        if !uri.starts_with("qemu") {
            // The mock's job died with the process.
            let listed = api.backups(&name).await;
            assert_eq!(listed.len(), 1, "{listed:?}");
            let b = &listed[0];
            assert_eq!(b["status"], "failed", "{b}");
            assert!(
                b["error_message"].as_str().unwrap().contains("stopped"),
                "{b}"
            );
            assert!(b["completed_at"].is_string());
            assert!(!killed.directory.exists(), "the partial files are removed");
            assert!(running_operations(&api, &killed.vm_uuid).await.is_empty());
            let failed = b["backup_id"].as_str().unwrap();
            let (status, body) = api
                .call(
                    reqwest::Method::DELETE,
                    &format!("/virtualization/virtualmachines/backups/{failed}"),
                    None,
                )
                .await;
            assert_eq!(status, 204, "{body}");
            return;
        }

        // libvirt's job went on without the service; it is followed to its
        // end by a new operation and the backup sealed.
        let deadline = Instant::now() + Duration::from_secs(300);
        let b = loop {
            let b = api.backups(&name).await[0].clone();
            if b["status"] != "running" {
                break b;
            }
            assert!(Instant::now() < deadline, "the backup stayed running: {b}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(b["status"], "completed", "{b}");
        let follower = b["operation_id"].as_str().unwrap().to_owned();
        assert_ne!(follower, killed.operation);
        let done = api.wait(&follower).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        assert_eq!(done["kind"], "vm_backup", "{done}");
        let old = api.operation(&killed.operation).await;
        assert!(
            old["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&follower),
            "the interrupted operation names the one that took over: {old}"
        );
        assert!(running_operations(&api, &killed.vm_uuid).await.is_empty());
        assert!(killed.directory.join("manifest.json").is_file());
        assert!(!killed.directory.join("pending.json").exists());
        let backup_id = b["backup_id"].as_str().unwrap().to_owned();
        assert_eq!(
            checkpoints(&uri, &name),
            format!("vapor-{backup_id}"),
            "the completed backup keeps its checkpoint"
        );

        // The restore checks every checksum against the manifest first.
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                "/virtualization/virtualmachines/restore",
                Some(json!({"backup_id": backup_id, "new_vm_name": restored})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let done = api.wait(body["data"]["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        let (status, body) = api
            .call(
                reqwest::Method::GET,
                &format!("/virtualization/virtualmachines/{restored}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let restored_disk = body["data"]["disks"][0]["path"]
            .as_str()
            .unwrap()
            .to_owned();
        let image = std::fs::read_dir(&killed.directory)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "qcow2"))
            .unwrap();
        let compared = Command::new("qemu-img")
            .args(["compare", "-f", "qcow2", "-F", "qcow2", "-U"])
            .arg(&restored_disk)
            .arg(&image)
            .output()
            .unwrap();
        assert!(compared.status.success(), "{compared:?}");

        let (status, body) = api
            .call(
                reqwest::Method::DELETE,
                &format!("/virtualization/virtualmachines/backups/{backup_id}"),
                None,
            )
            .await;
        assert_eq!(status, 204, "{body}");
        assert!(checkpoints(&uri, &name).is_empty());
    });
    stop(&mut server.0, "-TERM");
}

/// On QEMU: a VM destroyed while the service was down takes its backup job
/// with it; the backup is `failed` once the service is back, with nothing
/// left of it.
#[test]
fn a_backup_whose_vm_was_destroyed_while_the_service_was_down_is_failed() {
    let _libvirtd = crate::common::shares_libvirtd();
    let uri = backend_uri();
    if !uri.starts_with("qemu") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (config, backups) = config(dir.path(), port, &uri);
    let name = format!("vapor-rt-bd-{}", std::process::id());
    let _vm = VmGuard {
        uri: uri.clone(),
        name: name.clone(),
    };
    let api = Api::new(port, create_token(&config));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let killed = kill_during_backup(&rt, &api, &config, &backups, &uri, &name).unwrap();
    let out = Command::new("virsh")
        .args(["-c", &uri, "destroy", &name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let mut server = Server(serve_with_env(&config, &[]));
    rt.block_on(async {
        let listed = api.backups(&name).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        let b = &listed[0];
        assert_eq!(b["status"], "failed", "{b}");
        let message = b["error_message"].as_str().unwrap();
        assert!(message.contains("stopped"), "{b}");
        assert!(message.contains("job"), "{b}");
        assert!(b["completed_at"].is_string());
        assert!(!killed.directory.exists(), "the partial files are removed");
        // libvirt 9.0 deletes checkpoints of running VMs only: the message
        // says it is kept, and deleting the backup later removes it.
        let checkpoint = b["checkpoint"].as_str().unwrap().to_owned();
        assert!(
            checkpoints(&uri, &name).is_empty()
                || message.contains(&format!("checkpoint {checkpoint} is kept")),
            "{b}"
        );
        let op = api.operation(&killed.operation).await;
        assert_eq!(op["status"], "failed", "{op}");
        assert_eq!(op["error"]["code"], "INTERRUPTED", "{op}");
        assert!(running_operations(&api, &killed.vm_uuid).await.is_empty());
        assert!(api
            .backups(&name)
            .await
            .iter()
            .all(|b| b["status"] != "running"));

        // The VM runs and backs up again.
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                &format!("/virtualization/virtualmachines/{name}/action"),
                Some(json!({"action": "start"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                &format!("/virtualization/virtualmachines/{name}/backups"),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let done = api.wait(body["data"]["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        let failed = b["backup_id"].as_str().unwrap();
        let (status, body) = api
            .call(
                reqwest::Method::DELETE,
                &format!("/virtualization/virtualmachines/backups/{failed}"),
                None,
            )
            .await;
        assert_eq!(status, 204, "{body}");
        let left = checkpoints(&uri, &name);
        assert!(
            !left.lines().any(|c| c == checkpoint),
            "the failed backup's checkpoint is gone: {left}"
        );
    });
    stop(&mut server.0, "-TERM");
}

#[test]
fn a_cancelled_backup_leaves_nothing_behind() {
    let _libvirtd = crate::common::shares_libvirtd();
    if backend_uri() != "mock:///default" {
        // A QEMU backup of a small disk ends before a cancel could reach it.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (config, _) = config(dir.path(), port, "mock:///default");
    let token = create_token(&config);
    let api = Api::new(port, token);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut server = Server(serve_with_env(&config, SLOW_MOCK_BACKUPS));
    rt.block_on(async {
        let name = "cancel-me";
        running_vm(&api, "mock:///default", name).await;
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                &format!("/virtualization/virtualmachines/{name}/backups"),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let op_id = body["data"]["id"].as_str().unwrap().to_owned();
        // Another backup of the same VM waits its turn.
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                &format!("/virtualization/virtualmachines/{name}/backups"),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        tokio::time::sleep(Duration::from_millis(700)).await;
        let running = api.operation(&op_id).await;
        assert_eq!(running["status"], "running", "{running}");
        assert!(
            running["progress"]["processed"].as_i64().unwrap() > 0,
            "{running}"
        );
        assert_eq!(running["progress"]["total"].as_i64().unwrap(), 1 << 30);
        let b = api.backups(name).await[0].clone();
        let id = b["backup_id"].as_str().unwrap().to_owned();
        let (status, body) = api
            .call(
                reqwest::Method::DELETE,
                &format!("/virtualization/virtualmachines/backups/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 409, "a running backup is not deleted: {body}");
        let (status, body) = api
            .call(
                reqwest::Method::DELETE,
                &format!("/operations/{op_id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let done = api.wait(&op_id).await;
        assert_eq!(done["status"], "cancelled", "{done}");
        let b = api.backups(name).await[0].clone();
        assert_eq!(b["status"], "failed", "{b}");
        assert!(b["error_message"].as_str().unwrap().contains("cancelled"));
        assert!(!Path::new(b["destination_path"].as_str().unwrap()).exists());
    });
    stop(&mut server.0, "-TERM");
}

/// A restore killed while it writes the backup into the new VM's volume
/// leaves nothing once the service is back: no VM, no volume, the
/// operation `failed`. On QEMU only: the restore runs `qemu-img` over 2 GiB
/// of data, and libvirt's state outlives the process (the mock's does not).
/// Restores take the one create path, whose journal this checks for them.
#[test]
fn a_restore_killed_while_writing_leaves_nothing_after_the_restart() {
    let _libvirtd = crate::common::shares_libvirtd();
    let uri = backend_uri();
    if !uri.starts_with("qemu") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (config, _) = config(dir.path(), port, &uri);
    let name = format!("vapor-rt-rs-{}", std::process::id());
    let restored = format!("{name}-back");
    let _vm = VmGuard {
        uri: uri.clone(),
        name: name.clone(),
    };
    let _restored = VmGuard {
        uri: uri.clone(),
        name: restored.clone(),
    };
    let _restored_volumes = VolumeSweep {
        uri: uri.clone(),
        prefix: restored.clone(),
    };
    let api = Api::new(port, create_token(&config));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let volumes = || -> Vec<String> {
        virsh(&uri, &["vol-list", "default"])
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|v| v.starts_with(&restored))
            .map(str::to_owned)
            .collect()
    };

    let mut server = Server(serve_with_env(&config, &[]));
    let op_id = rt.block_on(async {
        running_vm(&api, &uri, &name).await;
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                &format!("/virtualization/virtualmachines/{name}/backups"),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let done = api.wait(body["data"]["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        let backup = api.backups(&name).await[0]["backup_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                "/virtualization/virtualmachines/restore",
                Some(json!({"backup_id": backup, "new_vm_name": restored})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        body["data"]["id"].as_str().unwrap().to_owned()
    });
    // Kill while `qemu-img` writes the backup into the restored volume.
    let writing = || {
        Command::new("pgrep")
            .args(["-f", &format!("qemu-img convert.*{restored}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    // Verifying 2 GiB of checksums comes first, slow on a busy host.
    let deadline = Instant::now() + Duration::from_secs(240);
    while !writing() {
        assert!(
            Instant::now() < deadline,
            "the restore never started writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    stop(&mut server.0, "-KILL");
    assert!(!volumes().is_empty(), "the restored volume exists");
    assert!(
        virsh(&uri, &["dominfo", &restored]).trim().is_empty(),
        "the kill landed before the restored VM was defined"
    );

    let mut server = Server(serve_with_env(&config, &[]));
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !volumes().is_empty() {
            assert!(
                Instant::now() < deadline,
                "the interrupted restore's volumes were not removed: {:?}",
                volumes()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let op = api.operation(&op_id).await;
        assert_eq!(op["status"], "failed", "{op}");
        assert_eq!(op["error"]["code"], "INTERRUPTED", "{op}");
        let (status, body) = api
            .call(
                reqwest::Method::GET,
                &format!("/virtualization/virtualmachines/{restored}"),
                None,
            )
            .await;
        assert_eq!(status, 404, "{body}");
        let (status, body) = api
            .call(
                reqwest::Method::GET,
                &format!("/virtualization/virtualmachines/{name}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "the source is untouched: {body}");
    });
    stop(&mut server.0, "-TERM");
}
