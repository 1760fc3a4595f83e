//! A live migration whose service is killed half-way, between the two
//! private libvirt hosts of `scripts/two-hosts.sh` (only with
//! `VAPOR_TEST_TWO_HOSTS=1`, as `scripts/test.sh` runs it).
//!
//! Vapor drives a migration that copies disks itself (libvirt's
//! client-driven protocol), so libvirt abandons it when the process dies:
//! the VM goes on running on the source. When the service starts again, the
//! migration's record is settled from where the VM is (`failed`, the VM
//! still on host a) and the volume Vapor had made for it on host b is
//! removed.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{
    create_token, free_port, serve, stop, write_config_for, Api, Running as Server,
};

fn host_uri(host: &str) -> String {
    let var = format!("VAPOR_TWO_HOSTS_{}_URI", host.to_uppercase());
    std::env::var(var).unwrap_or_else(|_| {
        let ip = if host == "a" {
            "10.77.0.1"
        } else {
            "10.77.0.2"
        };
        format!("qemu+tcp://{ip}/system")
    })
}

fn virsh(uri: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("virsh")
        .args(["-c", uri])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Removes the VM, its volume and the pool from both hosts, even when the
/// test fails half-way.
struct Cleanup {
    vm: String,
    pool: String,
    volume: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for host in ["a", "b"] {
            let uri = host_uri(host);
            let _ = virsh(&uri, &["destroy", &self.vm]);
            let _ = virsh(&uri, &["undefine", &self.vm]);
            let _ = virsh(&uri, &["vol-delete", "--pool", &self.pool, &self.volume]);
            let _ = virsh(&uri, &["pool-destroy", &self.pool]);
            let _ = virsh(&uri, &["pool-undefine", &self.pool]);
        }
    }
}

impl Api {
    async fn expect(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (got, reply) = self.call(method, path, body).await;
        assert_eq!(got, status, "{path}: {reply}");
        reply["data"].clone()
    }

    async fn migration(&self, vm: &str, id: &str) -> Value {
        self.expect(
            reqwest::Method::GET,
            &format!("/virtualization/virtualmachines/{vm}/migration/status?migration_id={id}"),
            None,
            200,
        )
        .await
    }
}

#[test]
fn two_hosts_migration_killed_half_way_is_settled_on_restart() {
    if std::env::var("VAPOR_TEST_TWO_HOSTS").as_deref() != Ok("1") {
        eprintln!("skipped: set VAPOR_TEST_TWO_HOSTS=1 after scripts/two-hosts.sh up");
        return;
    }
    let (a, b) = (host_uri("a"), host_uri("b"));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config_for(dir.path(), port, &a);
    let api = Api::new(port, create_token(&config));
    let run = std::process::id();
    let (vm, pool) = (
        format!("vapor-rt-mig-{run}"),
        format!("vapor-rt-migpool-{run}"),
    );
    let volume = format!("{vm}.qcow2");
    let _cleanup = Cleanup {
        vm: vm.clone(),
        pool: pool.clone(),
        volume: volume.clone(),
    };
    let dest_host = b
        .trim_start_matches("qemu+tcp://")
        .trim_end_matches("/system")
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let post = reqwest::Method::POST;

    let mut server = Server(serve(&config));
    let (mid, disk) = rt.block_on(async {
        api.expect(
            post.clone(),
            "/virtualization/storages/pools",
            Some(json!({"name": pool, "type": "dir", "path": format!("/var/lib/libvirt/images/{pool}")})),
            201,
        )
        .await;
        let made = api
            .expect(
                post.clone(),
                "/virtualization/virtualmachines",
                Some(json!({"name": vm, "memory": 128, "vcpus": 1, "disk_size": 1,
                            "storage_pool": pool, "graphics": [{"type": "none"}]})),
                201,
            )
            .await;
        let disk = made["vm"]["disks"][0]["path"].as_str().unwrap().to_owned();
        api.expect(
            post.clone(),
            &format!("/virtualization/virtualmachines/{vm}/action"),
            Some(json!({"action": "start"})),
            200,
        )
        .await;
        // 1 GiB at 16 MiB/s: a minute of disk copy to land the kill in.
        let m = api
            .expect(
                post.clone(),
                &format!("/virtualization/virtualmachines/{vm}/migrate"),
                Some(json!({"destination_host": dest_host, "destination_uri": b,
                            "copy_storage": "all", "max_bandwidth": 16})),
                202,
            )
            .await;
        let mid = m["migration_id"].as_str().unwrap().to_owned();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = api.migration(&vm, &mid).await;
            if s["status"] == "migrating" && s["data_processed_bytes"].as_i64() > Some(0) {
                assert!(s["progress"].as_f64().unwrap() < 50.0, "{s}");
                break;
            }
            assert!(Instant::now() < deadline, "never migrating: {s}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (mid, disk)
    });
    assert!(
        virsh(&b, &["vol-path", "--pool", &pool, &volume]).0,
        "Vapor made the volume on host b before the copy"
    );

    // No graceful shutdown: the process dies while libvirt copies the disk.
    stop(&mut server.0, "-KILL");

    let mut server = Server(serve(&config));
    rt.block_on(async {
        // libvirt may take a moment to notice the driver is gone; until
        // then the record is left as it is.
        let deadline = Instant::now() + Duration::from_secs(120);
        let settled = loop {
            let s = api.migration(&vm, &mid).await;
            if s["status"] != "migrating" && s["status"] != "initiating" {
                break s;
            }
            assert!(Instant::now() < deadline, "never settled: {s}");
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        assert_eq!(settled["status"], "failed", "{settled}");
        let message = settled["error_message"].as_str().unwrap();
        assert!(message.contains("still runs on"), "{message}");
        assert!(settled["completed_at"].is_string(), "{settled}");

        // The VM runs on host a, on its own disk; host b has neither it nor
        // the copy Vapor had made there.
        let (_, state) = virsh(&a, &["domstate", &vm]);
        assert_eq!(state.trim(), "running");
        let vm_json = api
            .expect(
                reqwest::Method::GET,
                &format!("/virtualization/virtualmachines/{vm}"),
                None,
                200,
            )
            .await;
        assert_eq!(vm_json["disks"][0]["path"], disk.as_str());
        assert!(!virsh(&b, &["dominfo", &vm]).0, "nothing arrived on host b");
        assert!(
            !virsh(&b, &["vol-path", "--pool", &pool, &volume]).0,
            "the volume made on host b is removed"
        );
        // And it migrates again when asked.
        let (status, body) = api
            .call(
                post.clone(),
                &format!("/virtualization/virtualmachines/{vm}/migrate"),
                Some(json!({"destination_host": dest_host, "destination_uri": b,
                            "copy_storage": "all"})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let again = body["data"]["migration_id"].as_str().unwrap().to_owned();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let s = api.migration(&vm, &again).await;
            if s["status"] == "completed" {
                break;
            }
            assert_ne!(s["status"], "failed", "{s}");
            assert!(
                Instant::now() < deadline,
                "the second migration never ended: {s}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert!(virsh(&b, &["dominfo", &vm]).0);
    });
    stop(&mut server.0, "-TERM");
}
