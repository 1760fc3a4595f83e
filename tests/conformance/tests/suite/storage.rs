//! Storage pools and volumes over HTTP, compared with what the backend holds.
//!
//! Every pool lives in a fresh temporary directory, declared before the
//! server so that it outlives it: the server's clean-up undefines whatever
//! pools with its prefix a failed test left, then the directory goes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{json, Value};
use vapor_conformance::{Backend, Reply, TestServer};
use vapor_hypervisor::{HypervisorErrorKind, StoragePool, VolumeDetails};

const GIB: u64 = 1 << 30;

/// A temporary directory for pools. QEMU may run as its own user: let it in.
fn pool_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("vapor-ct-pool-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

fn path_in(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_owned()
}

/// What the API must say about a pool, from the backend's own record.
fn pool_json(p: &StoragePool) -> Value {
    json!({
        "name": p.name,
        "type": p.pool_type,
        "path": p.path,
        "state": if p.active { "running" } else { "inactive" },
        "capacity_bytes": p.capacity_bytes,
        "allocation_bytes": p.allocation_bytes,
        "available_bytes": p.available_bytes,
        "autostart": p.autostart,
        "persistent": p.persistent,
    })
}

/// What the API must say about a volume, from the backend's own record.
fn volume_json(v: &VolumeDetails) -> Value {
    json!({
        "name": v.volume.name,
        "pool": v.volume.pool,
        "path": v.volume.path,
        "type": v.volume_type,
        "format": v.volume.format,
        "capacity_bytes": v.volume.capacity_bytes,
        "allocation_bytes": v.volume.allocation_bytes,
    })
}

async fn create_pool(server: &TestServer, body: Value) -> Reply {
    server.op("pool_create").json(body).send().await
}

async fn pool_action(server: &TestServer, name: &str, action: &str) -> Reply {
    server
        .op("pool_action")
        .path("name", name)
        .json(json!({ "action": action }))
        .send()
        .await
}

async fn create_volume(server: &TestServer, pool: &str, body: Value) -> Reply {
    server
        .op("volume_create")
        .path("name", pool)
        .json(body)
        .send()
        .await
}

async fn get_volume(server: &TestServer, pool: &str, name: &str) -> Reply {
    server
        .op("volume_get")
        .path("name", pool)
        .path("vol_name", name)
        .send()
        .await
}

async fn delete_volume(server: &TestServer, pool: &str, name: &str) -> Reply {
    server
        .op("volume_delete")
        .path("name", pool)
        .path("vol_name", name)
        .send()
        .await
}

async fn delete_pool(server: &TestServer, name: &str, delete_volumes: Option<&str>) -> Reply {
    let mut req = server.op("pool_delete").path("name", name);
    if let Some(v) = delete_volumes {
        req = req.query("delete_volumes", v);
    }
    req.send().await
}

fn assert_pool_matches_backend(server: &TestServer, data: &Value) {
    let name = data["name"].as_str().unwrap();
    let held = server
        .hypervisor
        .lookup_pool(name)
        .expect("the backend has the pool");
    assert_eq!(
        data,
        &pool_json(&held),
        "the API reports the backend's numbers"
    );
}

fn assert_volume_matches_backend(server: &TestServer, data: &Value) {
    let held = server
        .hypervisor
        .lookup_volume(
            data["pool"].as_str().unwrap(),
            data["name"].as_str().unwrap(),
        )
        .expect("the backend has the volume");
    assert_eq!(
        data,
        &volume_json(&held),
        "the API reports the backend's values"
    );
}

fn assert_pool_gone(server: &TestServer, name: &str) {
    let err = server.hypervisor.lookup_pool(name).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{name}: {err}");
}

#[tokio::test]
async fn a_dir_pool_and_its_volumes_from_creation_to_deletion() {
    let dir = pool_dir();
    let server = TestServer::start().await;
    let name = server.name("pool");
    // A directory that does not exist yet: creating the pool makes it.
    let path = path_in(&dir, "images");

    let reply = create_pool(&server, json!({"name": name, "type": "dir", "path": path})).await;
    let pool = reply.expect(201).clone();
    assert_eq!(pool["name"], name.as_str());
    assert_eq!(pool["type"], "dir");
    assert_eq!(pool["path"], path.as_str());
    assert_eq!(pool["state"], "running");
    assert_eq!(pool["autostart"], true);
    assert_eq!(pool["persistent"], true);
    assert_pool_matches_backend(&server, &pool);
    if server.backend == Backend::LibvirtQemu {
        assert!(Path::new(&path).is_dir(), "libvirt made the directory");
        assert!(pool["capacity_bytes"].as_u64().unwrap() > 0);
    }

    // Read back, alone and in the list.
    let got = server.op("pool_get").path("name", &name).send().await;
    assert_pool_matches_backend(&server, got.expect(200));
    let list = server.op("pool_list").send().await;
    let list = list.expect(200);
    let pools = list["pools"].as_array().unwrap();
    assert_eq!(list["count"].as_u64().unwrap() as usize, pools.len());
    let names: Vec<&str> = pools.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "pools are listed by name");
    let listed = pools.iter().find(|p| p["name"] == name.as_str()).unwrap();
    assert_pool_matches_backend(&server, listed);

    // The name and the directory are taken.
    create_pool(
        &server,
        json!({"name": name, "type": "dir", "path": path_in(&dir, "other")}),
    )
    .await
    .expect_error(409, "ALREADY_EXISTS");
    create_pool(
        &server,
        json!({"name": server.name("pool2"), "type": "dir", "path": path}),
    )
    .await
    .expect_error(409, "CONFLICT");
    assert_pool_gone(&server, &server.name("pool2"));

    // Volumes.
    let empty = server.op("volume_list").path("name", &name).send().await;
    assert_eq!(empty.expect(200), &json!({"volumes": [], "count": 0}));
    let qcow = create_volume(
        &server,
        &name,
        json!({"name": "disk1.qcow2", "capacity": 1}),
    )
    .await;
    let qcow = qcow.expect(201).clone();
    assert_eq!(qcow["name"], "disk1.qcow2");
    assert_eq!(qcow["pool"], name.as_str());
    assert_eq!(qcow["format"], "qcow2", "qcow2 is the default");
    assert_eq!(qcow["type"], "file");
    assert_eq!(qcow["capacity_bytes"], GIB);
    assert_eq!(qcow["path"], format!("{path}/disk1.qcow2").as_str());
    assert_volume_matches_backend(&server, &qcow);
    let raw = create_volume(
        &server,
        &name,
        json!({"name": "data.img", "capacity": 2, "format": "raw"}),
    )
    .await;
    let raw = raw.expect(201).clone();
    assert_eq!(raw["format"], "raw");
    assert_eq!(raw["capacity_bytes"], 2 * GIB);
    assert_volume_matches_backend(&server, &raw);
    if server.backend == Backend::LibvirtQemu {
        assert!(Path::new(&format!("{path}/disk1.qcow2")).is_file());
        assert!(Path::new(&format!("{path}/data.img")).is_file());
    }
    create_volume(&server, &name, json!({"name": "data.img", "capacity": 1}))
        .await
        .expect_error(409, "ALREADY_EXISTS");

    let got = get_volume(&server, &name, "disk1.qcow2").await;
    assert_volume_matches_backend(&server, got.expect(200));
    let list = server.op("volume_list").path("name", &name).send().await;
    let list = list.expect(200).clone();
    assert_eq!(list["count"], 2);
    let vols = list["volumes"].as_array().unwrap();
    assert_eq!(vols[0]["name"], "data.img", "volumes are listed by name");
    assert_eq!(vols[1]["name"], "disk1.qcow2");
    for v in vols {
        assert_volume_matches_backend(&server, v);
    }
    // The pool's sizes follow libvirt's, volumes included.
    let got = server.op("pool_get").path("name", &name).send().await;
    assert_pool_matches_backend(&server, got.expect(200));

    // Actions.
    let refreshed = pool_action(&server, &name, "refresh").await;
    assert_pool_matches_backend(&server, refreshed.expect(200));
    pool_action(&server, &name, "start")
        .await
        .expect_error(409, "CONFLICT");
    let off = pool_action(&server, &name, "autostart_off").await;
    assert_eq!(off.expect(200)["autostart"], false);
    assert!(!server.hypervisor.lookup_pool(&name).unwrap().autostart);
    let on = pool_action(&server, &name, "autostart_on").await;
    assert_eq!(on.expect(200)["autostart"], true);
    let stopped = pool_action(&server, &name, "stop").await;
    let stopped = stopped.expect(200).clone();
    assert_eq!(stopped["state"], "inactive");
    assert_pool_matches_backend(&server, &stopped);
    for action in ["stop", "refresh"] {
        pool_action(&server, &name, action)
            .await
            .expect_error(409, "CONFLICT");
    }
    // A stopped pool's volumes are out of reach.
    server
        .op("volume_list")
        .path("name", &name)
        .send()
        .await
        .expect_error(409, "CONFLICT");
    get_volume(&server, &name, "disk1.qcow2")
        .await
        .expect_error(409, "CONFLICT");
    create_volume(&server, &name, json!({"name": "late", "capacity": 1}))
        .await
        .expect_error(409, "CONFLICT");
    delete_volume(&server, &name, "disk1.qcow2")
        .await
        .expect_error(409, "CONFLICT");
    delete_pool(&server, &name, Some("true"))
        .await
        .expect_error(409, "CONFLICT");
    let started = pool_action(&server, &name, "start").await;
    assert_eq!(started.expect(200)["state"], "running");
    let list = server.op("volume_list").path("name", &name).send().await;
    assert_eq!(list.expect(200)["count"], 2, "stopping kept the volumes");

    // Delete one volume.
    delete_volume(&server, &name, "data.img").await.expect(204);
    get_volume(&server, &name, "data.img")
        .await
        .expect_error(404, "NOT_FOUND");
    delete_volume(&server, &name, "data.img")
        .await
        .expect_error(404, "NOT_FOUND");
    let err = server
        .hypervisor
        .lookup_volume(&name, "data.img")
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound);
    if server.backend == Backend::LibvirtQemu {
        assert!(!Path::new(&format!("{path}/data.img")).exists());
    }

    // Delete the pool with its volumes: the directory stays.
    delete_pool(&server, &name, Some("true")).await.expect(204);
    assert_pool_gone(&server, &name);
    server
        .op("pool_get")
        .path("name", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    delete_pool(&server, &name, None)
        .await
        .expect_error(404, "NOT_FOUND");
    assert!(
        dir.path().is_dir(),
        "the pool's parent directory is untouched"
    );
    if server.backend == Backend::LibvirtQemu {
        assert!(Path::new(&path).is_dir(), "the pool's directory is kept");
        assert!(!Path::new(&format!("{path}/disk1.qcow2")).exists());
    }
}

/// A volume or VM disk larger than the pool's free space is the client's
/// problem (409 `INSUFFICIENT_SPACE`), not a server error; nothing is left.
/// (Found by scripts/contract-fuzz.sh: a 369 GiB `disk_size` was a 500.)
#[tokio::test]
async fn a_volume_that_does_not_fit_its_pool_is_a_conflict() {
    let dir = pool_dir();
    let server = TestServer::start().await;
    let name = server.name("full");
    let path = path_in(&dir, "full");
    create_pool(&server, json!({"name": name, "type": "dir", "path": path}))
        .await
        .expect(201);
    let huge = 65536; // GiB, the largest the spec allows
    let reply = create_volume(
        &server,
        &name,
        json!({"name": "huge.qcow2", "capacity": huge}),
    )
    .await;
    if server.backend == Backend::LibvirtQemu && reply.status == 201 {
        // A real dir pool makes a sparse qcow2 of any size.
        delete_volume(&server, &name, "huge.qcow2")
            .await
            .expect(204);
    } else {
        reply.expect_error(409, "INSUFFICIENT_SPACE");
        get_volume(&server, &name, "huge.qcow2")
            .await
            .expect_error(404, "NOT_FOUND");
    }
    if server.backend != Backend::LibvirtQemu {
        let vm = server.name("fullvm");
        server
            .op("vm_create")
            .json(json!({
                "name": vm, "memory": 64, "vcpus": 1, "disk_size": huge, "storage_pool": name
            }))
            .send()
            .await
            .expect_error(409, "INSUFFICIENT_SPACE");
        server
            .op("vm_get")
            .path("id", &vm)
            .send()
            .await
            .expect_error(404, "NOT_FOUND");
    }
    delete_pool(&server, &name, Some("true")).await.expect(204);
}

#[tokio::test]
async fn deleting_a_pool_keeps_its_volumes_unless_asked() {
    let dir = pool_dir();
    let server = TestServer::start().await;
    let name = server.name("keep");
    let path = path_in(&dir, "keep");
    create_pool(
        &server,
        json!({"name": name, "type": "dir", "path": path, "autostart": false}),
    )
    .await
    .expect(201);
    let pool = server.hypervisor.lookup_pool(&name).unwrap();
    assert!(pool.active && !pool.autostart, "started, not autostarted");
    let vol = create_volume(&server, &name, json!({"name": "kept.qcow2", "capacity": 1})).await;
    let vol_path = vol.expect(201)["path"].as_str().unwrap().to_owned();

    // A stopped pool can be deleted, but not with its volumes.
    pool_action(&server, &name, "stop").await.expect(200);
    delete_pool(&server, &name, Some("true"))
        .await
        .expect_error(409, "CONFLICT");
    delete_pool(&server, &name, Some("false")).await.expect(204);
    assert_pool_gone(&server, &name);

    if server.backend == Backend::LibvirtQemu {
        assert!(Path::new(&vol_path).is_file(), "the volume's file is kept");
        // A pool over the same directory finds it again.
        let again = server.name("again");
        create_pool(&server, json!({"name": again, "type": "dir", "path": path}))
            .await
            .expect(201);
        let found = get_volume(&server, &again, "kept.qcow2").await;
        let found = found.expect(200);
        assert_eq!(found["path"], vol_path.as_str());
        assert_eq!(found["format"], "qcow2");
        assert_eq!(found["capacity_bytes"], GIB);
        delete_pool(&server, &again, Some("true")).await.expect(204);
        assert!(!Path::new(&vol_path).exists());
        assert!(Path::new(&path).is_dir());
    }
}

#[tokio::test]
async fn volumes_that_are_vm_disks_are_protected() {
    let dir = pool_dir();
    let server = TestServer::start().await;
    let pool = server.name("used");
    let path = path_in(&dir, "used");
    create_pool(&server, json!({"name": pool, "type": "dir", "path": path}))
        .await
        .expect(201);
    let vol = create_volume(&server, &pool, json!({"name": "root.qcow2", "capacity": 1})).await;
    let vol_path = vol.expect(201)["path"].as_str().unwrap().to_owned();
    if !Path::new(&vol_path).exists() {
        // The mock and the test driver keep volumes in memory; the VM API wants a file.
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(&vol_path, b"").unwrap();
    }
    let vm = server.name("vm");
    server
        .op("vm_create")
        .json(json!({"name": vm, "memory": 256, "vcpus": 1, "disk_path": vol_path}))
        .send()
        .await
        .expect(201);

    // A defined VM's disk cannot be deleted, alone or with the pool.
    let reply = delete_volume(&server, &pool, "root.qcow2").await;
    reply.expect_error(409, "CONFLICT");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&vm),
        "the VM is named: {}",
        reply.body
    );
    let reply = delete_pool(&server, &pool, Some("true")).await;
    reply.expect_error(409, "CONFLICT");
    assert!(reply.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&vm));
    assert!(server.hypervisor.lookup_volume(&pool, "root.qcow2").is_ok());
    assert!(server.hypervisor.lookup_pool(&pool).unwrap().active);

    // While the VM runs, its pool can be neither stopped nor deleted.
    server
        .op("vm_action")
        .path("id", &vm)
        .json(json!({"action": "start"}))
        .send()
        .await
        .expect(200);
    for reply in [
        pool_action(&server, &pool, "stop").await,
        delete_pool(&server, &pool, None).await,
    ] {
        reply.expect_error(409, "CONFLICT");
        assert!(reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&vm));
    }
    assert!(server.hypervisor.lookup_pool(&pool).unwrap().active);
    server
        .op("vm_action")
        .path("id", &vm)
        .json(json!({"action": "force_stop"}))
        .send()
        .await
        .expect(200);
    // Stopped, the VM still holds its disk.
    delete_volume(&server, &pool, "root.qcow2")
        .await
        .expect_error(409, "CONFLICT");

    server
        .op("vm_delete")
        .path("id", &vm)
        .send()
        .await
        .expect(204);
    delete_volume(&server, &pool, "root.qcow2")
        .await
        .expect(204);
    delete_pool(&server, &pool, Some("true")).await.expect(204);
    assert_pool_gone(&server, &pool);
}

#[tokio::test]
async fn bad_storage_requests_are_refused() {
    let dir = pool_dir();
    let server = TestServer::start().await;
    let name = server.name("bad");
    let path = path_in(&dir, "bad");
    let valid = json!({"name": name, "type": "dir", "path": path});
    let with = |k: &str, v: Value| {
        let mut body = valid.clone();
        body[k] = v;
        body
    };
    let without = |k: &str| {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(k);
        body
    };
    let cases = [
        with("name", json!("has space")),
        with("name", json!("")),
        with("name", json!("../escape")),
        with("name", json!("a/b")),
        with("name", json!("-dash")),
        with("name", json!("x".repeat(65))),
        with("path", json!("relative/dir")),
        with("path", json!(format!("{path}/../../etc"))),
        with("path", json!("/")),
        with("path", json!("/srv/./x")),
        with("type", json!("zfs")),
        with("source", json!("/dev/sdb")),
        with("source_host", json!("nas.example.org")),
        json!({"name": name, "type": "fs", "path": path}),
        json!({"name": name, "type": "fs", "path": path, "source": "dev/sdb"}),
        json!({"name": name, "type": "netfs", "path": path, "source": "/export"}),
        json!({"name": name, "type": "netfs", "path": path, "source_host": "nas"}),
        json!({"name": name, "type": "netfs", "path": path, "source": "/export", "source_host": "nas;reboot"}),
        json!({"name": name, "type": "logical", "path": path, "source": "/dev/sdc"}),
        without("path"),
        without("type"),
        without("name"),
    ];
    for body in cases {
        let reply = create_pool(&server, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        reply.expect_error(400, "VALIDATION_ERROR");
    }
    assert_pool_gone(&server, &name);

    // Missing pools.
    let missing = server.name("missing");
    server
        .op("pool_get")
        .path("name", &missing)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    delete_pool(&server, &missing, None)
        .await
        .expect_error(404, "NOT_FOUND");
    pool_action(&server, &missing, "start")
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("volume_list")
        .path("name", &missing)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    create_volume(&server, &missing, json!({"name": "v", "capacity": 1}))
        .await
        .expect_error(404, "NOT_FOUND");
    get_volume(&server, &missing, "v")
        .await
        .expect_error(404, "NOT_FOUND");
    delete_volume(&server, &missing, "v")
        .await
        .expect_error(404, "NOT_FOUND");

    // Bad volumes in a real pool.
    create_pool(&server, valid.clone()).await.expect(201);
    for body in [
        json!({"name": "..", "capacity": 1}),
        json!({"name": ".", "capacity": 1}),
        json!({"name": "../escape", "capacity": 1}),
        json!({"name": "sub/dir", "capacity": 1}),
        json!({"name": "/etc/passwd", "capacity": 1}),
        json!({"name": ".hidden", "capacity": 1}),
        json!({"name": "", "capacity": 1}),
        json!({"name": "v", "capacity": 0}),
        json!({"name": "v", "capacity": 65537}),
        json!({"name": "v", "capacity": "big"}),
        json!({"name": "v", "capacity": 1, "format": "vmdk"}),
        json!({"name": "v"}),
        json!({"capacity": 1}),
    ] {
        let reply = create_volume(&server, &name, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        reply.expect_error(400, "VALIDATION_ERROR");
    }
    let list = server.op("volume_list").path("name", &name).send().await;
    assert_eq!(list.expect(200)["count"], 0, "nothing was made");
    if server.backend == Backend::LibvirtQemu {
        let entries: Vec<_> = std::fs::read_dir(&path).unwrap().collect();
        assert!(entries.is_empty(), "no file was made: {entries:?}");
    }
    // Names that could leave the pool find nothing (`/` arrives encoded).
    for vol in [
        "nope",
        "..%2F..%2Fetc%2Fpasswd",
        "sub%2Fdir",
        "%2Fetc%2Fpasswd",
    ] {
        get_volume(&server, &name, vol)
            .await
            .expect_error(404, "NOT_FOUND");
        delete_volume(&server, &name, vol)
            .await
            .expect_error(404, "NOT_FOUND");
    }
    pool_action(&server, &name, "explode")
        .await
        .expect_error(400, "VALIDATION_ERROR");
    delete_pool(&server, &name, Some("maybe"))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    delete_pool(&server, &name, Some("true")).await.expect(204);
    assert_pool_gone(&server, &name);
}

/// A create that fails after the definition removes it again. On QEMU the
/// failures are real (a directory that cannot be made; a device that cannot
/// be mounted); the mock and the test driver touch no storage, so there the
/// same requests succeed and the pools are deleted.
#[tokio::test]
async fn a_failed_pool_create_leaves_nothing_behind() {
    let dir = pool_dir();
    let server = TestServer::start().await;
    let file = path_in(&dir, "a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let cases = [
        // Building fails: the directory would be inside a regular file.
        json!({"name": server.name("unbuildable"), "type": "dir", "path": format!("{file}/pool")}),
        // Starting fails: the device to mount does not exist.
        json!({
            "name": server.name("unmountable"), "type": "fs", "path": path_in(&dir, "mnt"),
            "source": "/dev/vapor-conformance-no-such-device"
        }),
    ];
    for body in cases {
        let name = body["name"].as_str().unwrap().to_owned();
        let reply = create_pool(&server, body.clone()).await;
        if server.backend == Backend::LibvirtQemu {
            reply.expect_error(500, "HYPERVISOR_ERROR");
            assert!(
                reply.body["error"]["details"]["hypervisor_message"].is_string(),
                "{}",
                reply.body
            );
            assert_pool_gone(&server, &name);
            server
                .op("pool_get")
                .path("name", &name)
                .send()
                .await
                .expect_error(404, "NOT_FOUND");
        } else {
            assert_eq!(reply.expect(201)["name"], name.as_str());
            delete_pool(&server, &name, None).await.expect(204);
            assert_pool_gone(&server, &name);
        }
    }
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"not a directory",
        "the file is untouched"
    );
}

#[tokio::test]
async fn the_generated_sdk_reads_pools_and_volumes() {
    let dir = pool_dir();
    let server = TestServer::start().await;
    let name = server.name("sdk");
    create_pool(
        &server,
        json!({"name": name, "type": "dir", "path": path_in(&dir, "sdk")}),
    )
    .await
    .expect(201);
    create_volume(
        &server,
        &name,
        json!({"name": "v.img", "capacity": 1, "format": "raw"}),
    )
    .await
    .expect(201);
    let mut config = vapor_client::apis::configuration::Configuration::new();
    config.base_path = format!("{}/api/v1", server.base_url);
    config.bearer_access_token = Some(server.token.clone());
    let pool = vapor_client::apis::storage_api::pool_get(&config, &name)
        .await
        .expect("pool_get through the SDK");
    let held = server.hypervisor.lookup_pool(&name).unwrap();
    assert_eq!(pool.data.name, name);
    assert_eq!(pool.data.capacity_bytes as u64, held.capacity_bytes);
    assert_eq!(pool.data.available_bytes as u64, held.available_bytes);
    let vols = vapor_client::apis::storage_api::volume_list(&config, &name)
        .await
        .expect("volume_list through the SDK");
    assert_eq!(vols.data.count, 1);
    assert_eq!(vols.data.volumes[0].name, "v.img");
    assert_eq!(vols.data.volumes[0].capacity_bytes as u64, GIB);
    delete_pool(&server, &name, Some("true")).await.expect(204);
}
