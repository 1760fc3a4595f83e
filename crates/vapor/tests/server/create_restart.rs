//! A create killed half-way is cleaned up when the service starts again.
//!
//! On `qemu:///system` only: libvirt's state outlives the process there, and
//! a clone of a disk holding 2 GiB of data takes long enough for a SIGKILL
//! to land while libvirt copies it. The mock and the test driver live in the
//! `vapor` process and die with it; their side of the journal is covered by
//! the conformance suite (`crash_recovery`).
//!
//! The clone (`POST .../{id}/clone`) goes through the one create path every
//! create takes (basic, enhanced, from a template, restore), so this is the
//! SIGKILL test of all of them.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{
    backend_uri, create_token, free_port, serve, stop, write_config_for, Api, Running as Server,
};

fn virsh(args: &[&str]) -> (bool, String) {
    let out = Command::new("virsh")
        .args(["-c", "qemu:///system"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn volume_exists(name: &str) -> bool {
    virsh(&["vol-list", "default"])
        .1
        .lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

/// Removes the test's VMs and volumes even when it fails half-way.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = virsh(&["undefine", name, "--nvram"]);
            let _ = virsh(&["vol-delete", "--pool", "default", &format!("{name}.qcow2")]);
        }
    }
}

#[test]
fn a_clone_killed_while_copying_leaves_nothing_after_the_restart() {
    if backend_uri() != "qemu:///system" {
        return;
    }
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config_for(dir.path(), port, "qemu:///system");
    let api = Api::new(port, create_token(&config));
    let source = format!("vapor-rt-src-{}", std::process::id());
    let copy = format!("vapor-rt-copy-{}", std::process::id());
    let _cleanup = Cleanup(vec![source.clone(), copy.clone()]);
    let rt = tokio::runtime::Runtime::new().unwrap();

    let mut server = Server(serve(&config));
    let op_id = rt.block_on(async {
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                "/virtualization/virtualmachines",
                Some(
                    json!({"name": source, "memory": 128, "vcpus": 1, "disk_size": 3,
                        "graphics": [{"type": "none"}]}),
                ),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let disk = body["data"]["vm"]["disks"][0]["path"]
            .as_str()
            .unwrap()
            .to_owned();
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
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                &format!("/virtualization/virtualmachines/{source}/clone"),
                Some(json!({"name": copy})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        body["data"]["id"].as_str().unwrap().to_owned()
    });

    // The copy's volume appears as libvirt starts to fill it: kill then.
    let volume = format!("{copy}.qcow2");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !volume_exists(&volume) {
        assert!(
            Instant::now() < deadline,
            "the clone's volume never appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    stop(&mut server.0, "-KILL");
    assert!(
        !virsh(&["dominfo", &copy]).0,
        "the kill landed before the copy was defined"
    );

    let mut server = Server(serve(&config));
    rt.block_on(async {
        // libvirt may still be copying for the dead process; the clean-up
        // retries until it can delete the volume.
        let deadline = Instant::now() + Duration::from_secs(120);
        while volume_exists(&volume) {
            assert!(
                Instant::now() < deadline,
                "the interrupted clone's volume was not removed"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert!(!virsh(&["dominfo", &copy]).0, "no VM was made");
        let (status, op) = api
            .call(reqwest::Method::GET, &format!("/operations/{op_id}"), None)
            .await;
        assert_eq!(status, 200, "{op}");
        assert_eq!(op["data"]["status"], "failed", "{op}");
        assert_eq!(op["data"]["error"]["code"], "INTERRUPTED", "{op}");
        // The source is untouched, and the name is free again.
        let (status, body) = api
            .call(
                reqwest::Method::GET,
                &format!("/virtualization/virtualmachines/{source}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = api
            .call(
                reqwest::Method::GET,
                &format!("/virtualization/virtualmachines/{copy}"),
                None,
            )
            .await;
        assert_eq!(status, 404, "{body}");
    });
    stop(&mut server.0, "-TERM");
}
