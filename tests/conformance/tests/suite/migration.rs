//! Live migration over HTTP: start, status while it runs and after the VM
//! has left, cancel through the operation, and every declared error.
//!
//! - On every backend: request validation, 404s, a shut-off VM, an
//!   unreachable destination (a closed port on 127.0.0.1: no traffic leaves
//!   the machine) refused fast with the VM untouched; libvirt's test driver
//!   cannot migrate at all (422 `MIGRATION_UNSUPPORTED`).
//! - On the mock: whole migrations to a second mock host
//!   (`MockHypervisor::new_host`), watched, cancelled, with disks copied.
//! - `two_hosts_*`: only with `VAPOR_TEST_TWO_HOSTS=1`, against the two
//!   private libvirt hosts of `scripts/two-hosts.sh` (`scripts/test.sh`
//!   brings them up and down around it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vapor_conformance::{Backend, Reply, TestServer};
use vapor_hypervisor::{DomainState, Hypervisor, HypervisorErrorKind, StorageBackend};
use vapor_mock::MockHypervisor;

const MIB: i64 = 1024 * 1024;

async fn create_vm(server: &TestServer, name: &str, extra: Value) -> Value {
    let mut body = json!({"name": name, "memory": 128, "vcpus": 1});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    server.op("vm_create").json(body).send().await.expect(201)["vm"].clone()
}

async fn start_vm(server: &TestServer, name: &str) {
    let reply = server
        .op("vm_action")
        .path("id", name)
        .json(json!({"action": "start"}))
        .send()
        .await;
    assert_eq!(reply.expect(200)["vm"]["state"], "running");
}

async fn vm_state(server: &TestServer, name: &str) -> String {
    let reply = server.op("vm_get").path("id", name).send().await;
    reply.expect(200)["state"].as_str().unwrap().to_owned()
}

async fn migrate(server: &TestServer, id: &str, body: Value) -> Reply {
    server
        .op("migration_start")
        .path("id", id)
        .json(body)
        .send()
        .await
}

async fn status(server: &TestServer, id: &str, migration_id: Option<&str>) -> Reply {
    let mut req = server.op("migration_status_get").path("id", id);
    if let Some(mid) = migration_id {
        req = req.query("migration_id", mid);
    }
    req.send().await
}

/// Polls the migration until it has ended; returns every sample seen and the last.
async fn follow(
    server: &TestServer,
    vm: &str,
    migration_id: &str,
    timeout: Duration,
) -> (Vec<Value>, Value) {
    let deadline = Instant::now() + timeout;
    let mut samples = Vec::new();
    loop {
        let m = status(server, vm, Some(migration_id))
            .await
            .expect(200)
            .clone();
        samples.push(m.clone());
        let s = m["status"].as_str().unwrap().to_owned();
        if matches!(s.as_str(), "completed" | "failed" | "cancelled") {
            return (samples, m);
        }
        assert!(
            Instant::now() < deadline,
            "migration {migration_id} still {s} after {timeout:?}: {m}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Progress never decreases, statuses only move forward.
fn assert_monotonic(samples: &[Value]) {
    let rank = |s: &str| match s {
        "initiating" => 0,
        "migrating" => 1,
        _ => 2,
    };
    for pair in samples.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            b["progress"].as_f64().unwrap() >= a["progress"].as_f64().unwrap(),
            "progress went back: {a} then {b}"
        );
        assert!(
            rank(b["status"].as_str().unwrap()) >= rank(a["status"].as_str().unwrap()),
            "status went back: {a} then {b}"
        );
    }
}

#[tokio::test]
async fn requests_are_validated_before_anything_else() {
    let server = TestServer::start().await;
    for (body, field) in [
        (json!({}), None),
        (json!({"destination_host": ""}), None),
        (json!({"destination_host": "a b"}), Some("destination_host")),
        (
            json!({"destination_host": "b", "destination_uri": "qemu:///system"}),
            Some("destination_uri"),
        ),
        (
            json!({"destination_host": "b", "destination_uri": "test:///default"}),
            Some("destination_uri"),
        ),
        (
            json!({"destination_host": "b", "destination_uri": "qemu+tcp://b/session"}),
            Some("destination_uri"),
        ),
        (
            json!({"destination_host": "b", "destination_uri": "qemu+tcp://b:99999/system"}),
            Some("destination_uri"),
        ),
        (json!({"destination_host": "b", "max_downtime": 0}), None),
        (json!({"destination_host": "b", "max_bandwidth": -1}), None),
        (
            json!({"destination_host": "b", "copy_storage": "some"}),
            None,
        ),
        (json!({"destination_host": "b", "live": "yes"}), None),
    ] {
        let reply = migrate(&server, "no-such-vm", body.clone()).await;
        reply.expect_error(400, "VALIDATION_ERROR");
        if let Some(field) = field {
            assert_eq!(reply.body["error"]["details"]["field"], field, "{body}");
        }
    }
    migrate(&server, "no-such-vm", json!({"destination_host": "b"}))
        .await
        .expect_error(404, "NOT_FOUND");
    status(&server, "no-such-vm", None)
        .await
        .expect_error(404, "NOT_FOUND");
    status(&server, "no-such-vm", Some("mig-none"))
        .await
        .expect_error(404, "NOT_FOUND");
    let long = "m".repeat(65);
    status(&server, "no-such-vm", Some(&long))
        .await
        .expect_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_vm_that_is_off_or_never_migrated() {
    let server = TestServer::start().await;
    let name = server.name("off");
    create_vm(&server, &name, json!({})).await;
    let reply = migrate(&server, &name, json!({"destination_host": "127.0.0.1"})).await;
    reply.expect_error(409, "VM_NOT_RUNNING");
    let reply = status(&server, &name, None).await;
    reply.expect_error(404, "NOT_FOUND");
}

/// A closed port on this machine's loopback refuses at once: the start is
/// refused before anything happens, quickly, and the VM runs on. libvirt's
/// test driver cannot migrate at all, which is said first.
#[tokio::test]
async fn an_unreachable_destination_is_refused_fast_and_the_vm_is_untouched() {
    let server = TestServer::start().await;
    let name = server.name("unreach");
    let vm = create_vm(&server, &name, json!({"memory": 64})).await;
    start_vm(&server, &name).await;
    let started = Instant::now();
    let reply = migrate(
        &server,
        &name,
        json!({"destination_host": "127.0.0.1", "destination_uri": "qemu+tcp://127.0.0.1:1/system"}),
    )
    .await;
    let took = started.elapsed();
    if server.backend == Backend::LibvirtTest {
        reply.expect_error(422, "MIGRATION_UNSUPPORTED");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("test driver"), "{message}");
    } else {
        reply.expect_error(422, "DESTINATION_UNREACHABLE");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("127.0.0.1"), "{message}");
        assert!(message.contains("nothing was changed"), "{message}");
    }
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(vm_state(&server, &name).await, "running");
    assert_eq!(
        server.hypervisor.lookup_domain(&name).unwrap().uuid,
        vm["uuid"].as_str().unwrap()
    );
    // Nothing was recorded: there was no migration.
    status(&server, &name, None)
        .await
        .expect_error(404, "NOT_FOUND");
    // The VM is not locked by the refused attempt.
    let reply = server
        .op("vm_action")
        .path("id", &name)
        .json(json!({"action": "pause"}))
        .send()
        .await;
    assert_eq!(reply.expect(200)["vm"]["state"], "paused");
}

/// A second mock host, registered under a name unique to the server.
fn mock_host(server: &TestServer) -> (String, Arc<MockHypervisor>) {
    let name = server.name("dst");
    let host = MockHypervisor::new_host(&name);
    (name, host)
}

#[tokio::test]
async fn a_vm_migrates_to_another_host_and_its_record_outlives_it() {
    let server = TestServer::start().await;
    if server.backend != Backend::Mock {
        return;
    }
    let (dst, b) = mock_host(&server);
    let name = server.name("mig");
    let vm = create_vm(&server, &name, json!({"memory": 256})).await;
    let uuid = vm["uuid"].as_str().unwrap().to_owned();
    start_vm(&server, &name).await;

    let reply = migrate(
        &server,
        &name,
        json!({
            "destination_host": dst,
            "destination_uri": format!("qemu+tcp://{dst}/system"),
            "max_bandwidth": 128,
            "max_downtime": 100,
            "auto_converge": true
        }),
    )
    .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let m = reply.expect(202).clone();
    assert_eq!(m["status"], "initiating");
    assert_eq!(m["vm_name"], name.as_str());
    assert_eq!(m["vm_uuid"], uuid.as_str());
    assert_eq!(m["dest_host"], dst.as_str());
    assert_eq!(m["source_host"], "mock");
    assert_eq!(m["destination_uri"], format!("qemu+tcp://{dst}/system"));
    assert_eq!(m["progress"], 0.0);
    assert_eq!(m["completed_at"], Value::Null);
    let mid = m["migration_id"].as_str().unwrap().to_owned();
    assert!(mid.starts_with("mig-"), "{mid}");
    let op_id = m["operation_id"].as_str().unwrap().to_owned();

    // While it runs: a second migration, or any other change, is refused.
    migrate(&server, &name, json!({"destination_host": dst}))
        .await
        .expect_error(409, "MIGRATION_IN_PROGRESS");
    server
        .op("vm_action")
        .path("id", &name)
        .json(json!({"action": "pause"}))
        .send()
        .await
        .expect_error(409, "CONFLICT");
    let op = server
        .op("operation_get")
        .path("operation_id", &op_id)
        .send()
        .await;
    let op = op.expect(200);
    assert_eq!(op["kind"], "vm_migration");
    assert_eq!(op["target"], uuid.as_str());

    let (samples, last) = follow(&server, &name, &mid, Duration::from_secs(20)).await;
    assert_monotonic(&samples);
    assert_eq!(last["status"], "completed", "{last}");
    let running: Vec<_> = samples
        .iter()
        .filter(|s| s["status"] == "migrating" && s["progress"].as_f64().unwrap() > 0.0)
        .collect();
    assert!(!running.is_empty(), "no sample while it ran: {samples:?}");
    let sample = running[0];
    assert_eq!(sample["mem_total_bytes"], 256 * MIB);
    assert!(sample["data_processed_bytes"].as_i64().unwrap() > 0);
    assert!(sample["data_remaining_bytes"].as_i64().unwrap() > 0);
    assert!(sample["iteration"].as_i64().unwrap() >= 1);
    assert!(sample["progress"].as_f64().unwrap() < 100.0);

    // The VM has left: it runs, persistent, on the destination.
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    let there = b.lookup_domain(&name).unwrap();
    assert_eq!(there.uuid, uuid);
    assert_eq!(there.state, DomainState::Running);
    assert!(there.persistent);

    // Its record is still served: by migration id, by name, by UUID.
    let done = status(&server, &name, None).await.expect(200).clone();
    assert_eq!(done["migration_id"], mid.as_str());
    assert_eq!(done["status"], "completed");
    assert_eq!(done["progress"], 100.0);
    assert_eq!(done["data_remaining_bytes"], 0);
    assert!(done["downtime_ms"].as_i64().unwrap() <= 100, "{done}");
    assert!(done["completed_at"].is_string());
    assert_eq!(done["error_message"], Value::Null);
    let by_uuid = status(&server, &uuid, None).await.expect(200).clone();
    assert_eq!(by_uuid["migration_id"], mid.as_str());
    let op = server.wait_operation(&op_id, Duration::from_secs(5)).await;
    assert_eq!(op["status"], "succeeded", "{op}");
    assert_eq!(op["progress"]["percent"], 100.0);
    // A migration id of this VM through another VM's path is not found.
    status(&server, "someone-else", Some(&mid))
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn cancelling_the_operation_aborts_the_migration() {
    let server = TestServer::start().await;
    if server.backend != Backend::Mock {
        return;
    }
    let (dst, b) = mock_host(&server);
    let name = server.name("cancel");
    create_vm(&server, &name, json!({"memory": 256})).await;
    start_vm(&server, &name).await;
    let body = json!({
        "destination_host": dst,
        "destination_uri": format!("qemu+tcp://{dst}/system"),
        "max_bandwidth": 16
    });
    let m = migrate(&server, &name, body.clone())
        .await
        .expect(202)
        .clone();
    let mid = m["migration_id"].as_str().unwrap().to_owned();
    let op_id = m["operation_id"].as_str().unwrap().to_owned();
    // Mid-way: it has sent something and has a lot left.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = status(&server, &name, Some(&mid)).await.expect(200).clone();
        if s["status"] == "migrating" && s["data_processed_bytes"].as_i64().unwrap_or(0) > 0 {
            assert!(s["progress"].as_f64().unwrap() < 50.0, "{s}");
            break;
        }
        assert!(Instant::now() < deadline, "never migrating: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reply = server
        .op("operation_cancel")
        .path("operation_id", &op_id)
        .send()
        .await;
    reply.expect(200);
    let op = server.wait_operation(&op_id, Duration::from_secs(5)).await;
    assert_eq!(op["status"], "cancelled", "{op}");
    let s = status(&server, &name, None).await.expect(200).clone();
    assert_eq!(s["status"], "cancelled", "{s}");
    assert!(s["progress"].as_f64().unwrap() < 100.0);
    assert!(s["completed_at"].is_string());
    assert!(s["error_message"]
        .as_str()
        .unwrap()
        .contains("canceled by client"));
    // The VM runs on here; nothing arrived there.
    assert_eq!(vm_state(&server, &name).await, "running");
    assert!(b.lookup_domain(&name).is_err());
    // Cancelling again is a conflict; migrating again is allowed.
    server
        .op("operation_cancel")
        .path("operation_id", &op_id)
        .send()
        .await
        .expect_error(409, "CONFLICT");
    let again = migrate(
        &server,
        &name,
        json!({"destination_host": dst, "destination_uri": format!("qemu+tcp://{dst}/system")}),
    )
    .await
    .expect(202)
    .clone();
    let again_id = again["migration_id"].as_str().unwrap().to_owned();
    let (_, last) = follow(&server, &name, &again_id, Duration::from_secs(10)).await;
    assert_eq!(last["status"], "completed");
    assert!(b.lookup_domain(&name).is_ok());
    // The first record is still there, under its id.
    let first = status(&server, &name, Some(&mid)).await.expect(200).clone();
    assert_eq!(first["status"], "cancelled");
}

/// A migration whose service stopped while it ran is settled, at the next
/// start, by where the VM is. The restart is a second application built on
/// the same database and backend; the record is put back to `migrating`, as
/// a process killed before writing the end would have left it.
#[tokio::test]
async fn an_interrupted_migration_is_settled_by_where_the_vm_is() {
    let server = TestServer::start().await;
    if server.backend != Backend::Mock {
        return;
    }
    let (dst, b) = mock_host(&server);
    let to = |extra: Value| {
        let mut body = json!({
            "destination_host": dst,
            "destination_uri": format!("qemu+tcp://{dst}/system")
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let db = server.app.db().clone();
    let reopen = |mid: &str| {
        let mut row = db.migration(mid).unwrap().unwrap();
        row.status = "migrating".into();
        row.completed_at = None;
        row.error_message = None;
        db.save_migration(&row).unwrap();
        vapor::build(&server.config, server.hypervisor.clone()).unwrap()
    };

    // 1. Still running in the backend: left as it is.
    let slow = server.name("slow");
    create_vm(&server, &slow, json!({"memory": 256})).await;
    start_vm(&server, &slow).await;
    let m = migrate(&server, &slow, to(json!({"max_bandwidth": 16})))
        .await
        .expect(202)
        .clone();
    let mid = m["migration_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&server, &slow, Some(&mid)).await.expect(200)["status"] != "migrating" {
        assert!(Instant::now() < deadline, "never migrating");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let restarted = vapor::build(&server.config, server.hypervisor.clone()).unwrap();
    let row = restarted.migration_status(&slow, Some(&mid)).await.unwrap();
    assert_eq!(row.status, "migrating", "a job still runs: {row:?}");
    // The first application still drives it: abort it in the backend, and
    // let that application record the end before the record is reopened.
    let uuid = server.hypervisor.lookup_domain(&slow).unwrap().uuid;
    server.hypervisor.abort_migration(&uuid).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.migration(&mid).unwrap().unwrap().status == "migrating" {
        assert!(
            Instant::now() < deadline,
            "the abort did not end the migration"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // 2. Abandoned: the VM runs here, the migration failed.
    let row = reopen(&mid)
        .migration_status(&slow, Some(&mid))
        .await
        .unwrap();
    assert_eq!(row.status, "failed", "{row:?}");
    let message = row.error_message.unwrap();
    assert!(message.contains("still runs on"), "{message}");
    assert!(row.completed_at.is_some());
    assert_eq!(vm_state(&server, &slow).await, "running");

    // 3. Finished: the VM runs there, the migration completed.
    let fast = server.name("fast");
    create_vm(&server, &fast, json!({"memory": 256})).await;
    start_vm(&server, &fast).await;
    let m = migrate(&server, &fast, to(json!({})))
        .await
        .expect(202)
        .clone();
    let mid = m["migration_id"].as_str().unwrap().to_owned();
    let (_, last) = follow(&server, &fast, &mid, Duration::from_secs(10)).await;
    assert_eq!(last["status"], "completed");
    assert!(b.lookup_domain(&fast).is_ok());
    let row = reopen(&mid)
        .migration_status(&fast, Some(&mid))
        .await
        .unwrap();
    assert_eq!(row.status, "completed", "{row:?}");
    assert_eq!(row.error_message, None);
    assert_eq!(row.progress, 100.0);

    // 4. Neither: gone from here and never arrived there.
    b.undefine_domain(&b.lookup_domain(&fast).unwrap().uuid)
        .unwrap();
    let row = reopen(&mid)
        .migration_status(&fast, Some(&mid))
        .await
        .unwrap();
    assert_eq!(row.status, "failed", "{row:?}");
    let message = row.error_message.unwrap();
    assert!(message.contains("nor defined on"), "{message}");
}

#[tokio::test]
async fn disks_are_copied_into_volumes_made_on_the_destination() {
    let server = TestServer::start().await;
    if server.backend != Backend::Mock {
        return;
    }
    let (dst, b) = mock_host(&server);
    let uri = format!("qemu+tcp://{dst}/system");
    let name = server.name("disk");
    let vm = create_vm(&server, &name, json!({"disk_size": 1})).await;
    let path = vm["disks"][0]["path"].as_str().unwrap().to_owned();
    start_vm(&server, &name).await;

    // Not copied and not shared: the hypervisor refuses, the VM stays.
    let m = migrate(
        &server,
        &name,
        json!({"destination_host": dst, "destination_uri": uri}),
    )
    .await
    .expect(202)
    .clone();
    let (_, last) = follow(
        &server,
        &name,
        m["migration_id"].as_str().unwrap(),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(last["status"], "failed", "{last}");
    assert!(last["error_message"]
        .as_str()
        .unwrap()
        .contains("Unsafe migration"));
    let op = server
        .wait_operation(
            last["operation_id"].as_str().unwrap(),
            Duration::from_secs(5),
        )
        .await;
    assert_eq!(op["error"]["code"], "INVALID_ARGUMENT", "{op}");
    assert_eq!(vm_state(&server, &name).await, "running");

    // Copied, then cancelled: what was made there is removed again.
    let m = migrate(
        &server,
        &name,
        json!({"destination_host": dst, "destination_uri": uri, "copy_storage": "all", "max_bandwidth": 64}),
    )
    .await
    .expect(202)
    .clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.lookup_volume_by_path(&path).is_err() {
        assert!(
            Instant::now() < deadline,
            "no volume made on the destination"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server
        .op("operation_cancel")
        .path("operation_id", m["operation_id"].as_str().unwrap())
        .send()
        .await
        .expect(200);
    let (_, last) = follow(
        &server,
        &name,
        m["migration_id"].as_str().unwrap(),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(last["status"], "cancelled", "{last}");
    assert_eq!(
        b.lookup_volume_by_path(&path).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
    assert_eq!(
        b.lookup_pool("default").unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );

    // Copied: the pool and a volume of the same size are made there first.
    let m = migrate(
        &server,
        &name,
        json!({"destination_host": dst, "destination_uri": uri, "copy_storage": "all"}),
    )
    .await
    .expect(202)
    .clone();
    let (samples, last) = follow(
        &server,
        &name,
        m["migration_id"].as_str().unwrap(),
        Duration::from_secs(20),
    )
    .await;
    assert_monotonic(&samples);
    assert_eq!(last["status"], "completed", "{last}");
    assert!(last["data_total_bytes"].as_i64().unwrap() >= 1024 * MIB + 128 * MIB);
    let copied = b.lookup_volume_by_path(&path).unwrap();
    assert_eq!(copied.capacity_bytes, 1024 * 1024 * 1024);
    assert_eq!(copied.format.as_deref(), Some("qcow2"));
    assert_eq!(
        b.lookup_domain(&name).unwrap().disks[0].path.as_deref(),
        Some(path.as_str())
    );
    // The source's copy stays where it was.
    assert!(server.hypervisor.lookup_volume_by_path(&path).is_ok());
    server.hypervisor.delete_volume_by_path(&path).unwrap();
}

#[tokio::test]
async fn a_name_taken_on_the_destination_is_a_conflict() {
    let server = TestServer::start().await;
    if server.backend != Backend::Mock {
        return;
    }
    let (dst, b) = mock_host(&server);
    let name = server.name("taken");
    let vm = create_vm(&server, &name, json!({})).await;
    start_vm(&server, &name).await;
    b.define_domain(&vapor_hypervisor::DomainSpec {
        name: name.clone(),
        uuid: uuid::Uuid::new_v4().to_string(),
        domain_type: "kvm".into(),
        arch: "x86_64".into(),
        memory_mib: 64,
        vcpus: 1,
        disks: vec![],
        interfaces: vec![],
        graphics: vec![],
        boot: vec![],
        firmware: Default::default(),
        tpm: false,
        metadata: Default::default(),
    })
    .unwrap();
    let reply = migrate(
        &server,
        vm["uuid"].as_str().unwrap(),
        json!({"destination_host": dst, "destination_uri": format!("qemu+tls://{dst}/system")}),
    )
    .await;
    reply.expect_error(409, "ALREADY_EXISTS");
    status(&server, &name, None)
        .await
        .expect_error(404, "NOT_FOUND");
}

// ------------------------------------------------------------------ two hosts

/// The URI of host `a` or `b` of `scripts/two-hosts.sh`.
/// Where `scripts/two-hosts.sh` keeps the hosts' private directories.
fn two_hosts_dir() -> String {
    std::env::var("VAPOR_TWO_HOSTS_DIR").unwrap_or_else(|_| "/tmp/vapor-two-hosts".to_owned())
}

/// The path, as this process sees it, of a file that host `host` sees at
/// `path` under its private `/var/lib/libvirt`.
fn host_file(host: &str, path: &str) -> String {
    let rest = path
        .strip_prefix("/var/lib/libvirt/")
        .unwrap_or_else(|| panic!("{path} is not under /var/lib/libvirt"));
    format!("{}/{host}/lib/{rest}", two_hosts_dir())
}

fn host_uri(host: &str) -> String {
    let var = format!("VAPOR_TWO_HOSTS_{}_URI", host.to_uppercase());
    std::env::var(var).unwrap_or_else(|_| {
        format!(
            "qemu+tcp://{}/system",
            if host == "a" {
                "10.77.0.1"
            } else {
                "10.77.0.2"
            }
        )
    })
}

/// Prints a status sample while a migration runs.
fn print_sample(what: &str, s: &Value) {
    eprintln!(
        "{what}: {} progress {:5.1} data {}/{} (left {}) mem {}/{} (left {}) dirty {} pages/s iteration {}",
        s["status"].as_str().unwrap_or_default(),
        s["progress"].as_f64().unwrap_or_default(),
        s["data_processed_bytes"],
        s["data_total_bytes"],
        s["data_remaining_bytes"],
        s["mem_processed_bytes"],
        s["mem_total_bytes"],
        s["mem_remaining_bytes"],
        s["dirty_rate_pages_per_second"],
        s["iteration"],
    );
}

/// Real live migrations between the two private libvirt hosts, through a
/// Vapor server connected to host a, of blank VMs with a 1 GiB disk:
/// 1. one moves to host b with its disk copied, at 256 MiB/s so that it
///    can be watched (libvirt's disk copy counts the disk's unallocated
///    space against the limit too);
/// 2. another is cancelled half-way through the copy, at 16 MiB/s: it runs
///    on here, and the volume made for it on host b is gone;
/// 3. a closed port on host b is refused at once, the VM untouched, and so
///    is host a itself;
/// 4. the cancelled one migrates when asked again, without a limit;
/// 5. a third, whose disk lies in a directory both hosts see, migrates
///    tunnelled through the libvirt connection, its disk not copied.
///
/// The first VM's disk holds a pattern written before it started: on host b
/// the copy has exactly the bytes of the source (`qemu-img compare`).
///
/// Disks are copied (`copy_storage: all`) rather than `allow_unsafe`: the
/// two hosts have separate storage (each its own private /var/lib/libvirt),
/// so the disk must be copied; `allow_unsafe` would only silence libvirt's
/// check, and the destination's QEMU could not even open the file.
#[tokio::test]
async fn two_hosts_live_migration() {
    if std::env::var("VAPOR_TEST_TWO_HOSTS").as_deref() != Ok("1") {
        eprintln!("skipped: set VAPOR_TEST_TWO_HOSTS=1 after scripts/two-hosts.sh up");
        return;
    }
    let began = Instant::now();
    let (a_uri, b_uri) = (host_uri("a"), host_uri("b"));
    let server = TestServer::start_with(|c| c.libvirt_uri = a_uri.clone()).await;
    let b: Arc<dyn Hypervisor> =
        Arc::new(vapor_libvirt::LibvirtHypervisor::connect(&b_uri).expect("host b answers"));
    let pool = server.name("pool");
    let pool_path = format!("/var/lib/libvirt/images/{pool}");
    let vm1 = server.name("live");
    let vm2 = server.name("cancel");
    let vm3 = server.name("tunnel");
    // Outside the private directories of the hosts: both see it.
    let shared_pool = server.name("shared");
    let shared_dir = format!("{}/{shared_pool}", two_hosts_dir());
    let mut cleanup = TwoHostCleanup {
        a: server.hypervisor.clone(),
        b: b.clone(),
        vms: vec![vm1.clone(), vm2.clone(), vm3.clone()],
        disks: Vec::new(),
        pools: vec![pool.clone(), shared_pool.clone()],
    };
    server
        .op("pool_create")
        .json(json!({"name": pool, "type": "dir", "path": pool_path}))
        .send()
        .await
        .expect(201);
    for vm in [&vm1, &vm2] {
        let made = create_vm(
            &server,
            vm,
            json!({"disk_size": 1, "storage_pool": pool, "graphics": [{"type": "none"}]}),
        )
        .await;
        cleanup
            .disks
            .push(made["disks"][0]["path"].as_str().unwrap().to_owned());
    }
    // A pattern on the first disk, and a copy of the disk as it is before
    // the VM starts (a guest without an OS never writes to it).
    let source = host_file("a", &cleanup.disks[0]);
    let out = std::process::Command::new("qemu-io")
        .args(["-f", "qcow2", "-c", "write -P 0xab 0 4M", &source])
        .output()
        .expect("qemu-io runs");
    assert!(out.status.success(), "{out:?}");
    let before = tempfile::tempdir().unwrap();
    let expected = before.path().join("disk.qcow2");
    std::fs::copy(&source, &expected).unwrap();
    for vm in [&vm1, &vm2] {
        start_vm(&server, vm).await;
    }
    let disks = cleanup.disks.clone();
    let dest_host = b_uri
        .trim_start_matches("qemu+tcp://")
        .trim_end_matches("/system")
        .to_owned();
    let to_b = |extra: Value| {
        let mut body = json!({"destination_host": dest_host, "destination_uri": b_uri});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };

    // 1. With the disk copied, watched.
    let t0 = Instant::now();
    let m = migrate(
        &server,
        &vm1,
        to_b(json!({"copy_storage": "all", "max_bandwidth": 256})),
    )
    .await;
    assert_eq!(m.status, 202, "{}", m.body);
    assert_eq!(m.body["data"]["status"], "initiating");
    let mid = m.body["data"]["migration_id"].as_str().unwrap().to_owned();
    let (samples, last) = follow(&server, &vm1, &mid, Duration::from_secs(30)).await;
    let took = t0.elapsed();
    assert_eq!(last["status"], "completed", "{last}");
    assert_monotonic(&samples);
    let watched: Vec<_> = samples
        .iter()
        .filter(|s| s["status"] == "migrating" && s["data_processed_bytes"].as_i64() > Some(0))
        .collect();
    assert!(
        watched.len() >= 3,
        "too little seen while it ran: {samples:?}"
    );
    let mut shown: Option<&Value> = None;
    for s in &samples {
        let changed = |p: &&Value| {
            p["status"] != s["status"] || p["data_processed_bytes"] != s["data_processed_bytes"]
        };
        if shown.is_none_or(|p| changed(&p)) {
            print_sample("watched migration", s);
            shown = Some(s);
        }
    }
    print_sample("watched migration", &last);
    eprintln!(
        "watched migration {mid}: {:.2} s from the request to completed, downtime {} ms, {} samples",
        took.as_secs_f64(),
        last["downtime_ms"],
        samples.len()
    );
    assert_eq!(last["progress"], 100.0);
    let there = b.lookup_domain(&vm1).expect("the VM is on host b");
    assert_eq!(there.state, DomainState::Running);
    assert!(there.persistent);
    assert_eq!(there.disks[0].path.as_deref(), Some(disks[0].as_str()));
    assert_eq!(
        server.hypervisor.lookup_domain(&vm1).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
    let copied = b
        .lookup_volume_by_path(&disks[0])
        .expect("the disk is on b");
    assert_eq!(copied.capacity_bytes, 1 << 30);
    assert_eq!(copied.pool, pool);
    let out = std::process::Command::new("qemu-img")
        .args(["compare", "-U"])
        .arg(&expected)
        .arg(host_file("b", &disks[0]))
        .output()
        .expect("qemu-img runs");
    assert!(
        out.status.success(),
        "the copied disk differs: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    server
        .op("vm_get")
        .path("id", &vm1)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    let record = status(&server, &vm1, None).await.expect(200).clone();
    assert_eq!(record["status"], "completed");

    // 2. Cancelled half-way through the disk copy.
    let m = migrate(
        &server,
        &vm2,
        to_b(json!({"copy_storage": "all", "max_bandwidth": 16})),
    )
    .await;
    assert_eq!(m.status, 202, "{}", m.body);
    let mid = m.body["data"]["migration_id"].as_str().unwrap().to_owned();
    let op_id = m.body["data"]["operation_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    let seen = loop {
        let s = status(&server, &vm2, Some(&mid)).await.expect(200).clone();
        if s["status"] == "migrating" && s["data_processed_bytes"].as_i64() > Some(0) {
            break s;
        }
        assert!(
            !matches!(s["status"].as_str(), Some("completed" | "failed")),
            "ended before it could be cancelled: {s}"
        );
        assert!(Instant::now() < deadline, "never migrating: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    print_sample("cancelling at", &seen);
    assert!(seen["progress"].as_f64().unwrap() < 50.0, "{seen}");
    assert!(
        b.lookup_volume_by_path(&disks[1]).is_ok(),
        "made on b first"
    );
    let t0 = Instant::now();
    server
        .op("operation_cancel")
        .path("operation_id", &op_id)
        .send()
        .await
        .expect(200);
    let op = server.wait_operation(&op_id, Duration::from_secs(15)).await;
    assert_eq!(op["status"], "cancelled", "{op}");
    let record = status(&server, &vm2, None).await.expect(200).clone();
    assert_eq!(record["status"], "cancelled", "{record}");
    eprintln!(
        "cancelled in {:.2} s: {}",
        t0.elapsed().as_secs_f64(),
        record["error_message"]
    );
    assert_eq!(vm_state(&server, &vm2).await, "running");
    assert_eq!(
        b.lookup_domain(&vm2).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
    assert_eq!(
        b.lookup_volume_by_path(&disks[1]).unwrap_err().kind,
        HypervisorErrorKind::NotFound,
        "the volume made on b for the cancelled migration is removed"
    );

    // 3. A closed port on b: refused at once, the VM untouched.
    let t0 = Instant::now();
    let reply = migrate(
        &server,
        &vm2,
        json!({"destination_host": dest_host,
               "destination_uri": format!("qemu+tcp://{dest_host}:1/system")}),
    )
    .await;
    reply.expect_error(422, "DESTINATION_UNREACHABLE");
    eprintln!(
        "refused in {:.3} s: {}",
        t0.elapsed().as_secs_f64(),
        reply.body["error"]["message"]
    );
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(vm_state(&server, &vm2).await, "running");
    // Host a itself is refused too.
    let reply = migrate(
        &server,
        &vm2,
        json!({"destination_host": "10.77.0.1", "destination_uri": a_uri}),
    )
    .await;
    reply.expect_error(422, "MIGRATION_SAME_HOST");
    let record = status(&server, &vm2, None).await.expect(200).clone();
    assert_eq!(
        record["migration_id"],
        mid.as_str(),
        "nothing new was recorded"
    );

    // 4. The cancelled VM migrates when asked again, without a limit.
    let t0 = Instant::now();
    let m = migrate(&server, &vm2, to_b(json!({"copy_storage": "all"}))).await;
    assert_eq!(m.status, 202, "{}", m.body);
    let mid = m.body["data"]["migration_id"].as_str().unwrap().to_owned();
    let (_, last) = follow(&server, &vm2, &mid, Duration::from_secs(20)).await;
    assert_eq!(last["status"], "completed", "{last}");
    print_sample("unlimited migration", &last);
    eprintln!(
        "unlimited migration {mid}: {:.2} s from the request to completed, downtime {} ms",
        t0.elapsed().as_secs_f64(),
        last["downtime_ms"]
    );
    assert_eq!(b.lookup_domain(&vm2).unwrap().state, DomainState::Running);

    // 5. Tunnelled, over storage both hosts share. The disk is a plain file
    // on one file system, not a cluster file system, so libvirt wants
    // `allow_unsafe` to believe it is shared.
    server
        .op("pool_create")
        .json(json!({"name": shared_pool, "type": "dir", "path": shared_dir}))
        .send()
        .await
        .expect(201);
    b.create_dir_pool(&shared_pool, &shared_dir)
        .expect("host b defines the same pool");
    let made = create_vm(
        &server,
        &vm3,
        json!({"disk_size": 1, "storage_pool": shared_pool, "graphics": [{"type": "none"}]}),
    )
    .await;
    let shared_disk = made["disks"][0]["path"].as_str().unwrap().to_owned();
    cleanup.disks.push(shared_disk.clone());
    start_vm(&server, &vm3).await;
    let t0 = Instant::now();
    let m = migrate(
        &server,
        &vm3,
        to_b(json!({"tunneled": true, "allow_unsafe": true})),
    )
    .await;
    assert_eq!(m.status, 202, "{}", m.body);
    let mid = m.body["data"]["migration_id"].as_str().unwrap().to_owned();
    let (_, last) = follow(&server, &vm3, &mid, Duration::from_secs(20)).await;
    assert_eq!(last["status"], "completed", "{last}");
    eprintln!(
        "tunnelled migration {mid}: {:.2} s from the request to completed, downtime {} ms",
        t0.elapsed().as_secs_f64(),
        last["downtime_ms"]
    );
    let there = b.lookup_domain(&vm3).expect("the VM is on host b");
    assert_eq!(there.state, DomainState::Running);
    assert_eq!(there.disks[0].path.as_deref(), Some(shared_disk.as_str()));
    assert_eq!(
        server.hypervisor.lookup_domain(&vm3).unwrap_err().kind,
        HypervisorErrorKind::NotFound
    );
    eprintln!("two-host test took {:.1} s", began.elapsed().as_secs_f64());
}

/// Removes, also when the test fails, what the two-host test left on host
/// b, and on host a the disks of VMs that left it (the server removes the
/// VMs, their volumes and its pools on a when it is dropped, after this).
struct TwoHostCleanup {
    a: Arc<dyn Hypervisor>,
    b: Arc<dyn Hypervisor>,
    vms: Vec<String>,
    disks: Vec<String>,
    pools: Vec<String>,
}

impl Drop for TwoHostCleanup {
    fn drop(&mut self) {
        for vm in &self.vms {
            if let Ok(d) = self.b.lookup_domain(vm) {
                if let Err(e) = self.b.undefine_domain(&d.uuid) {
                    eprintln!("cleanup: could not remove {vm} from host b: {e}");
                }
            }
        }
        for path in &self.disks {
            let _ = self.b.delete_volume_by_path(path);
        }
        for pool in &self.pools {
            let _ = self.b.undefine_pool(pool);
        }
        for (vm, path) in self.vms.iter().zip(&self.disks) {
            if self.a.lookup_domain(vm).is_err() {
                let _ = self.a.delete_volume_by_path(path);
            }
        }
        for pool in &self.pools {
            // The directory of a pool both hosts share, once empty.
            let _ = std::fs::remove_dir(format!("{}/{pool}", two_hosts_dir()));
        }
    }
}
