//! `Idempotency-Key` on the creates, on every backend: a repeat with the
//! same key and body is answered with the first reply and makes nothing; the
//! same key with another body is 422 and makes nothing. JSON bodies are
//! compared in canonical form (spacing and key order do not matter).
//!
//! Pools live in temporary directories declared before the server, which
//! undefines what a failed test left (named with its prefix).

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::{json, Value};
use vapor_conformance::{Backend, Reply, TestServer};

#[tokio::test]
async fn a_network_create_repeated_with_its_key_makes_one_network() {
    let server = TestServer::start().await;
    let name = server.name("idem-net");
    // No address, and a bridge name of its own: nothing another test uses.
    let bridge = format!("vbr{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let body = json!({"name": name, "mode": "isolated", "bridge": bridge});
    let key = uuid::Uuid::new_v4().to_string();
    let create = || {
        server
            .op("network_create")
            .header("Idempotency-Key", &key)
            .json(body.clone())
            .send()
    };

    let first = create().await;
    let created = first.expect(201).clone();
    assert_eq!(created["name"], name.as_str());
    assert_eq!(first.header("idempotent-replayed"), None);

    let second = create().await;
    assert_eq!(second.expect(201), &created, "the first reply again");
    assert_eq!(second.header("idempotent-replayed"), Some("true"));

    // The same key with another body is refused, and makes nothing.
    let other = server.name("idem-net2");
    server
        .op("network_create")
        .header("Idempotency-Key", &key)
        .json(json!({"name": other, "mode": "isolated"}))
        .send()
        .await
        .expect_error(422, "IDEMPOTENCY_KEY_REUSED");

    let list = server.op("network_list").send().await;
    let networks = list.expect(200)["networks"].as_array().unwrap().clone();
    assert_eq!(
        networks
            .iter()
            .filter(|n| n["name"] == name.as_str())
            .count(),
        1,
        "{networks:?}"
    );
    assert!(!networks.iter().any(|n| n["name"] == other.as_str()));
}

/// Sends `operation`, its path parameters filled from `path`, with `key` and `body`.
async fn keyed(
    server: &TestServer,
    operation: &str,
    path: &[(&str, &str)],
    key: &str,
    body: &Value,
) -> Reply {
    let mut request = server
        .op(operation)
        .header("Idempotency-Key", key)
        .json(body.clone());
    for (name, value) in path {
        request = request.path(name, value);
    }
    request.send().await
}

/// Sends a create twice with one key and `body`, then once with the same key
/// and `other`: the first is answered `status`, the second with the first
/// reply again (marked replayed), the third 422. Returns the first reply's data.
async fn assert_replayed(
    server: &TestServer,
    operation: &str,
    path: &[(&str, &str)],
    body: Value,
    other: Value,
    status: u16,
) -> Value {
    let key = uuid::Uuid::new_v4().to_string();
    let first = keyed(server, operation, path, &key, &body).await;
    let data = first.expect(status).clone();
    assert_eq!(first.header("idempotent-replayed"), None);

    let second = keyed(server, operation, path, &key, &body).await;
    assert_eq!(second.status, first.status, "{}", second.body);
    assert_eq!(second.body, first.body, "the first reply again");
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.header("location"), first.header("location"));

    keyed(server, operation, path, &key, &other)
        .await
        .expect_error(422, "IDEMPOTENCY_KEY_REUSED");
    data
}

/// How many of `items` are named `name`.
fn named(items: &Value, name: &str) -> usize {
    items
        .as_array()
        .expect("a list")
        .iter()
        .filter(|item| item["name"] == name)
        .count()
}

/// A temporary directory for a pool. QEMU may run as its own user: let it in.
fn pool_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("vapor-ct-idem-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

#[tokio::test]
async fn a_vm_create_repeated_with_its_key_makes_one_vm() {
    let server = TestServer::start().await;
    let name = server.name("idem-vm");
    let other = server.name("idem-vm2");
    let body = |name: &str| json!({"name": name, "memory": 128, "vcpus": 1, "graphics": [{"type": "none"}]});
    let created = assert_replayed(&server, "vm_create", &[], body(&name), body(&other), 201).await;
    assert_eq!(created["vm"]["name"], name.as_str());

    let list = server.op("vm_list").send().await;
    let vms = &list.expect(200)["vms"];
    assert_eq!(named(vms, &name), 1, "{vms}");
    assert_eq!(named(vms, &other), 0, "{vms}");
    let uuid = created["vm"]["uuid"].as_str().expect("uuid");
    let domain = server
        .hypervisor
        .lookup_domain(&name)
        .expect("the domain exists");
    assert_eq!(domain.uuid, uuid, "the replay names the one domain made");
}

#[tokio::test]
async fn a_template_create_repeated_with_its_key_makes_one_template() {
    let server = TestServer::start().await;
    let name = server.name("idem-tpl");
    let other = server.name("idem-tpl2");
    let body = |name: &str| json!({"name": name, "display_name": "Idempotent", "os_type": "linux", "os_variant": "generic"});
    let created = assert_replayed(
        &server,
        "template_create",
        &[],
        body(&name),
        body(&other),
        201,
    )
    .await;
    let list = server.op("template_list").send().await;
    let templates = list.expect(200)["templates"].clone();
    assert_eq!(named(&templates, &name), 1, "{templates}");
    assert_eq!(named(&templates, &other), 0, "{templates}");
    let listed = templates
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name.as_str())
        .unwrap();
    assert_eq!(
        listed["id"], created["id"],
        "the replay names the one template made"
    );
}

#[tokio::test]
async fn the_same_json_spaced_and_ordered_otherwise_is_the_same_request() {
    let server = TestServer::start().await;
    let name = server.name("idem-canon");
    let key = uuid::Uuid::new_v4().to_string();
    let compact = format!(
        r#"{{"name":"{name}","display_name":"Canonical","os_type":"linux","os_variant":"generic","min_memory":128}}"#
    );
    let spaced = format!(
        "{{\n  \"os_variant\" : \"generic\",\n  \"min_memory\": 128,\n\t\"display_name\": \"Canonical\",\n  \"name\": \"{name}\", \"os_type\": \"linux\"\n}}\n"
    );
    let send = |body: String| {
        server
            .op("template_create")
            .header("Idempotency-Key", &key)
            .raw("application/json", body.as_bytes())
            .send()
    };
    let first = send(compact).await;
    first.expect(201);
    let second = send(spaced).await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    // Another value under the same key is still another request.
    let changed = format!(
        r#"{{"name":"{name}","display_name":"Canonical","os_type":"linux","os_variant":"generic","min_memory":256}}"#
    );
    send(changed)
        .await
        .expect_error(422, "IDEMPOTENCY_KEY_REUSED");
    let list = server.op("template_list").send().await;
    assert_eq!(named(&list.expect(200)["templates"], &name), 1);
}

#[tokio::test]
async fn pool_and_volume_creates_repeated_with_their_keys_make_one_each() {
    let dir = pool_dir();
    let server = TestServer::start().await;
    let pool = server.name("idem-pool");
    let other = server.name("idem-pool2");
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let created = assert_replayed(
        &server,
        "pool_create",
        &[],
        json!({"name": pool, "type": "dir", "path": path("images")}),
        json!({"name": other, "type": "dir", "path": path("other")}),
        201,
    )
    .await;
    assert_eq!(created["name"], pool.as_str());
    let list = server.op("pool_list").send().await;
    let pools = &list.expect(200)["pools"];
    assert_eq!(named(pools, &pool), 1, "{pools}");
    assert_eq!(named(pools, &other), 0, "{pools}");
    assert!(server.hypervisor.lookup_pool(&other).is_err());

    let volume = assert_replayed(
        &server,
        "volume_create",
        &[("name", &pool)],
        json!({"name": "disk.qcow2", "capacity": 1}),
        json!({"name": "other.qcow2", "capacity": 1}),
        201,
    )
    .await;
    assert_eq!(volume["name"], "disk.qcow2");
    let list = server.op("volume_list").path("name", &pool).send().await;
    let volumes = list.expect(200).clone();
    assert_eq!(volumes["count"], 1, "{volumes}");
    assert_eq!(named(&volumes["volumes"], "disk.qcow2"), 1, "{volumes}");

    server
        .op("pool_delete")
        .path("name", &pool)
        .query("delete_volumes", "true")
        .send()
        .await
        .expect(204);
}

/// Creates a VM with one 1 GiB qcow2 disk, shut off.
async fn create_vm_with_disk(server: &TestServer, name: &str) {
    server
        .op("vm_create")
        .json(json!({
            "name": name, "memory": 128, "vcpus": 1, "disk_size": 1,
            "graphics": [{"type": "none"}]
        }))
        .send()
        .await
        .expect(201);
}

#[tokio::test]
async fn a_snapshot_create_repeated_with_its_key_makes_one_snapshot() {
    let server = TestServer::start().await;
    let vm = server.name("idem-snap");
    create_vm_with_disk(&server, &vm).await;
    // An internal snapshot of a shut-off qcow2 VM: every backend takes it.
    let created = assert_replayed(
        &server,
        "snapshot_create",
        &[("id", &vm)],
        json!({"name": "first"}),
        json!({"name": "second"}),
        201,
    )
    .await;
    assert_eq!(created["name"], "first");
    let list = server.op("snapshot_list").path("id", &vm).send().await;
    let snapshots = list.expect(200).clone();
    assert_eq!(snapshots["count"], 1, "{snapshots}");
    assert_eq!(named(&snapshots["snapshots"], "first"), 1, "{snapshots}");

    server
        .op("snapshot_delete")
        .path("id", &vm)
        .path("snapshot", "first")
        .send()
        .await
        .expect(204);
}

#[tokio::test]
async fn a_backup_create_repeated_with_its_key_starts_one_backup() {
    let server = TestServer::start_with(|c| {
        c.backup_dir = c.database_path.parent().unwrap().join("backups");
    })
    .await;
    let vm = server.name("idem-backup");
    create_vm_with_disk(&server, &vm).await;
    server
        .op("vm_action")
        .path("id", &vm)
        .json(json!({"action": "start"}))
        .send()
        .await
        .expect(200);
    let backups = || async {
        server
            .op("backup_list")
            .path("id", &vm)
            .send()
            .await
            .expect(200)
            .clone()
    };

    if server.backend == Backend::LibvirtTest {
        // libvirt's test driver has no backup API. A refusal is not kept:
        // each repeat is carried out again, and refused again, the same way.
        let key = uuid::Uuid::new_v4().to_string();
        for body in [json!({}), json!({}), json!({"description": "other"})] {
            let reply = keyed(&server, "backup_create", &[("id", &vm)], &key, &body).await;
            reply.expect_error(422, "UNSUPPORTED");
            assert_eq!(reply.header("idempotent-replayed"), None);
        }
        assert_eq!(backups().await["count"], 0);
    } else {
        let operation = assert_replayed(
            &server,
            "backup_create",
            &[("id", &vm)],
            json!({}),
            json!({"description": "other"}),
            202,
        )
        .await;
        let done = server
            .wait_operation(
                operation["id"].as_str().expect("operation id"),
                Duration::from_secs(300),
            )
            .await;
        assert_eq!(done["status"], "succeeded", "{done}");
        let list = backups().await;
        assert_eq!(list["count"], 1, "{list}");
        assert_eq!(list["backups"][0]["operation_id"], operation["id"]);
    }

    server
        .op("vm_action")
        .path("id", &vm)
        .json(json!({"action": "force_stop"}))
        .send()
        .await
        .expect(200);
}
