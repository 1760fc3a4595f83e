//! Virtual machine lifecycle, power actions, operations and bad input, over HTTP.

use std::time::Duration;

use serde_json::{json, Value};
use vapor_conformance::{Backend, TestServer};
use vapor_hypervisor::HypervisorErrorKind;

const GIB: i64 = 1024 * 1024 * 1024;

async fn create(server: &TestServer, body: Value) -> Value {
    server.op("vm_create").json(body).send().await.expect(201)["vm"].clone()
}

async fn action(server: &TestServer, id: &str, body: Value) -> vapor_conformance::Reply {
    server
        .op("vm_action")
        .path("id", id)
        .json(body)
        .send()
        .await
}

async fn state(server: &TestServer, id: &str) -> String {
    let reply = server.op("vm_get").path("id", id).send().await;
    reply.expect(200)["state"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn health_needs_no_token_and_names_the_backend() {
    let server = TestServer::start().await;
    let reply = server.op("health_get").token(None).send().await;
    let data = reply.expect(200);
    assert_eq!(data["status"], "ok");
    assert_eq!(data["uri"], server.backend.uri());
    assert_eq!(
        data["backend"],
        if server.backend == Backend::Mock {
            "mock"
        } else {
            "libvirt"
        }
    );
}

#[tokio::test]
async fn vm_lifecycle_with_a_disk() {
    let server = TestServer::start().await;
    let name = server.name("life");
    let vm = create(
        &server,
        json!({"name": name, "memory": 512, "vcpus": 1, "disk_size": 1}),
    )
    .await;
    assert_eq!(vm["name"], name.as_str());
    assert_eq!(vm["state"], "shutoff");
    assert_eq!(vm["memory"], 512);
    assert_eq!(vm["max_memory"], 512);
    assert_eq!(vm["vcpus"], 1);
    assert_eq!(vm["autostart"], false);
    assert_eq!(vm["persistent"], true);
    assert!(vm["created_at"].is_string());
    assert_eq!(vm["os"]["type"], "hvm");
    let disks = vm["disks"].as_array().unwrap();
    assert_eq!(disks.len(), 1);
    assert_eq!(disks[0]["target"], "vda");
    assert_eq!(disks[0]["device"], "disk");
    assert_eq!(disks[0]["format"], "qcow2");
    assert_eq!(disks[0]["capacity_bytes"], GIB);
    let disk_path = disks[0]["path"].as_str().unwrap().to_owned();
    assert!(
        disk_path.ends_with(&format!("/{name}.qcow2")),
        "{disk_path}"
    );
    assert_eq!(vm["graphics"][0]["type"], "vnc");
    assert_eq!(vm["graphics"][0]["listen"], "127.0.0.1");
    let uuid = vm["uuid"].as_str().unwrap().to_owned();

    // Get by name and by UUID; the list has it.
    let by_uuid = server.op("vm_get").path("id", &uuid).send().await;
    assert_eq!(by_uuid.expect(200)["name"], name.as_str());
    let list = server.op("vm_list").send().await;
    let list = list.expect(200);
    assert_eq!(
        list["count"].as_u64().unwrap() as usize,
        list["vms"].as_array().unwrap().len()
    );
    assert!(list["vms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["uuid"] == uuid.as_str()));

    // start -> pause -> resume
    let started = action(&server, &name, json!({"action": "start"})).await;
    assert_eq!(started.expect(200)["vm"]["state"], "running");
    let paused = action(&server, &name, json!({"action": "pause"})).await;
    assert_eq!(paused.expect(200)["vm"]["state"], "paused");
    action(&server, &name, json!({"action": "pause"}))
        .await
        .expect_error(409, "CONFLICT");
    let resumed = action(&server, &name, json!({"action": "resume"})).await;
    assert_eq!(resumed.expect(200)["vm"]["state"], "running");
    action(&server, &name, json!({"action": "start"}))
        .await
        .expect_error(409, "CONFLICT");
    action(&server, &name, json!({"action": "resume"}))
        .await
        .expect_error(409, "CONFLICT");

    // Live change within the maximum; beyond it is refused and changes nothing.
    let updated = server
        .op("vm_update")
        .path("id", &name)
        .json(json!({"memory": 384}))
        .send()
        .await;
    let updated = updated.expect(200);
    assert_eq!(
        updated["changes"],
        json!([{"field": "memory", "scope": "live_and_config"}])
    );
    let refused = server
        .op("vm_update")
        .path("id", &name)
        .json(json!({"memory": 1024, "autostart": true}))
        .send()
        .await;
    refused.expect_error(409, "CONFLICT");
    assert_eq!(
        server
            .op("vm_get")
            .path("id", &name)
            .send()
            .await
            .expect(200)["autostart"],
        false
    );

    // stop with force, then config changes.
    let stopped = action(&server, &name, json!({"action": "stop", "force": true})).await;
    assert_eq!(stopped.expect(200)["vm"]["state"], "shutoff");
    let reply = server
        .op("vm_update")
        .path("id", &name)
        .json(json!({"memory": 1024, "vcpus": 2, "autostart": true}))
        .send()
        .await;
    let data = reply.expect(200);
    assert_eq!(
        data["changes"],
        json!([
            {"field": "vcpus", "scope": "config"},
            {"field": "memory", "scope": "config"},
            {"field": "autostart", "scope": "config"}
        ])
    );
    assert_eq!(data["vm"]["memory"], 1024);
    assert_eq!(data["vm"]["max_memory"], 1024);
    assert_eq!(data["vm"]["vcpus"], 2);
    assert_eq!(data["vm"]["autostart"], true);

    // restart with force needs a running VM.
    action(&server, &name, json!({"action": "restart", "force": true}))
        .await
        .expect_error(409, "CONFLICT");
    action(&server, &name, json!({"action": "start"}))
        .await
        .expect(200);
    let restarted = action(&server, &name, json!({"action": "restart", "force": true})).await;
    assert_eq!(restarted.expect(200)["vm"]["state"], "running");
    let reset = action(&server, &name, json!({"action": "reset"})).await;
    assert_eq!(reset.expect(200)["vm"]["state"], "running");

    // Delete a running VM with its disk.
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
    let gone = server
        .hypervisor
        .lookup_volume_by_path(&disk_path)
        .unwrap_err();
    assert_eq!(
        gone.kind,
        HypervisorErrorKind::NotFound,
        "the disk is removed with the VM"
    );
}

#[tokio::test]
async fn delete_keeps_disks_unless_asked() {
    let server = TestServer::start().await;
    let name = server.name("keep");
    let vm = create(
        &server,
        json!({"name": name, "memory": 256, "vcpus": 1, "disk_size": 1}),
    )
    .await;
    let disk_path = vm["disks"][0]["path"].as_str().unwrap().to_owned();
    server
        .op("vm_delete")
        .path("id", &name)
        .send()
        .await
        .expect(204);
    let volume = server
        .hypervisor
        .lookup_volume_by_path(&disk_path)
        .expect("the disk is kept");
    assert_eq!(volume.capacity_bytes, GIB as u64);
    server.hypervisor.delete_volume_by_path(&disk_path).unwrap();
}

#[tokio::test]
async fn graceful_shutdown_is_an_operation() {
    let server = TestServer::start().await;
    let name = server.name("acpi");
    let vm = create(&server, json!({"name": name, "memory": 256, "vcpus": 1})).await;
    let uuid = vm["uuid"].as_str().unwrap().to_owned();
    action(&server, &name, json!({"action": "shutdown"}))
        .await
        .expect_error(409, "CONFLICT");
    action(&server, &name, json!({"action": "start"}))
        .await
        .expect(200);

    let reply = action(
        &server,
        &name,
        json!({"action": "shutdown", "timeout_seconds": 3}),
    )
    .await;
    let op = reply.expect(202).clone();
    assert_eq!(reply.status, 202);
    assert_eq!(op["kind"], "vm_shutdown");
    assert_eq!(op["target"], uuid.as_str());
    let id = op["id"].as_str().unwrap().to_owned();
    let done = server.wait_operation(&id, Duration::from_secs(30)).await;
    assert!(done["finished_at"].is_string());
    match done["status"].as_str().unwrap() {
        // The guest honoured ACPI (mock and test driver): the VM is off.
        "succeeded" => assert_eq!(state(&server, &name).await, "shutoff"),
        // A VM without an OS ignores ACPI (blank QEMU guest): the operation says so.
        "failed" => {
            assert_eq!(done["error"]["code"], "TIMEOUT", "{done}");
            assert_eq!(state(&server, &name).await, "running");
            action(&server, &name, json!({"action": "force_stop"}))
                .await
                .expect(200);
        }
        other => panic!("unexpected end state {other}: {done}"),
    }
    let listed = server
        .op("operation_list")
        .query("target", &uuid)
        .send()
        .await;
    let listed = listed.expect(200);
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["operations"][0]["id"], id.as_str());
    let by_status = server
        .op("operation_list")
        .query("status", "running")
        .send()
        .await;
    assert!(by_status.expect(200)["operations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["id"] != id.as_str()));
    server
        .op("operation_cancel")
        .path("operation_id", &id)
        .send()
        .await
        .expect_error(409, "CONFLICT");
    server
        .op("operation_get")
        .path("operation_id", "op-nope")
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("operation_cancel")
        .path("operation_id", "op-nope")
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("operation_list")
        .query("status", "sleeping")
        .send()
        .await
        .expect_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_shutdown_wait_can_be_cancelled() {
    let server = TestServer::start().await;
    let name = server.name("cancel");
    create(&server, json!({"name": name, "memory": 256, "vcpus": 1})).await;
    action(&server, &name, json!({"action": "start"}))
        .await
        .expect(200);
    let reply = action(
        &server,
        &name,
        json!({"action": "stop", "timeout_seconds": 600}),
    )
    .await;
    let id = reply.expect(202)["id"].as_str().unwrap().to_owned();
    let cancel = server
        .op("operation_cancel")
        .path("operation_id", &id)
        .send()
        .await;
    match cancel.status {
        200 => {
            let done = server.wait_operation(&id, Duration::from_secs(10)).await;
            // Either the cancel won, or the guest was already off.
            assert!(
                matches!(
                    done["status"].as_str(),
                    Some("cancelled") | Some("succeeded")
                ),
                "{done}"
            );
        }
        409 => assert_eq!(
            server.wait_operation(&id, Duration::from_secs(1)).await["status"],
            "succeeded"
        ),
        other => panic!("cancel answered {other}: {}", cancel.body),
    }
}

#[tokio::test]
async fn create_options_are_read_back_from_the_domain() {
    let server = TestServer::start().await;
    let name = server.name("opts");
    let iso = tempfile::Builder::new().suffix(".iso").tempfile().unwrap();
    std::fs::write(iso.path(), vec![0u8; 64 * 1024]).unwrap();
    let iso_path = iso.path().to_str().unwrap().to_owned();
    let vm = create(
        &server,
        json!({
            "name": name, "memory": 256, "vcpus": 2, "iso_path": iso_path, "autostart": true,
            "network": {"type": "user", "model": "e1000", "mac": "52:54:00:12:34:56"},
            "graphics": [{"type": "spice", "listen": "127.0.0.1"}, {"type": "vnc"}]
        }),
    )
    .await;
    assert_eq!(vm["autostart"], true);
    assert_eq!(vm["vcpus"], 2);
    let cdrom = vm["disks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device"] == "cdrom")
        .expect("a cdrom");
    assert_eq!(cdrom["path"], iso_path.as_str());
    assert_eq!(cdrom["readonly"], true);
    assert_eq!(
        vm["networks"],
        json!([{"type": "user", "source": null, "model": "e1000", "mac": "52:54:00:12:34:56", "ip_addresses": null}])
    );
    let kinds: Vec<_> = vm["graphics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["type"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("spice"), json!("vnc")]);

    let bare = create(&server, json!({"name": server.name("bare"), "memory": 256, "vcpus": 1, "graphics": [{"type": "none"}]})).await;
    assert_eq!(bare["graphics"], json!([]));
    assert_eq!(bare["disks"], json!([]));
}

#[tokio::test]
async fn bad_input_is_a_4xx_in_the_envelope() {
    let server = TestServer::start().await;
    let name = server.name("bad");
    let valid = json!({"name": name, "memory": 256, "vcpus": 1});
    let with = |k: &str, v: Value| {
        let mut body = valid.clone();
        body[k] = v;
        body
    };
    let cases = [
        with("name", json!("has space")),
        with("name", json!("templates")),
        with("name", json!("")),
        with("memory", json!(0)),
        with("memory", json!(-5)),
        with("vcpus", json!(0)),
        with("vcpus", json!(1000)),
        with("disk_size", json!(0)),
        with("iso_path", json!("relative/path.iso")),
        with("iso_path", json!("/nonexistent/vapor.iso")),
        with("disk_path", json!("/etc/../etc/passwd")),
        with("network", json!({"type": "carrier-pigeon"})),
        with(
            "network",
            json!({"type": "user", "mac": "01:00:00:00:00:00"}),
        ),
        with("network", json!({"type": "bridge"})),
        with("graphics", json!([{"type": "vnc", "listen": "everywhere"}])),
        json!({"name": name, "vcpus": 1}),
        json!({"name": name, "memory": "lots", "vcpus": 1}),
        // A field the spec does not declare is refused, not ignored.
        with("cpu_model", json!("host-passthrough")),
    ];
    for body in cases {
        let reply = server.op("vm_create").json(body.clone()).send().await;
        reply.expect_error(400, "VALIDATION_ERROR");
        let _ = body;
    }
    let both = json!({"name": name, "memory": 256, "vcpus": 1, "disk_size": 1, "disk_path": "/etc/hostname"});
    server
        .op("vm_create")
        .json(both)
        .send()
        .await
        .expect_error(400, "VALIDATION_ERROR");
    let malformed = server
        .op("vm_create")
        .raw("application/json", b"{\"name\": ")
        .send()
        .await;
    malformed.expect_error(400, "VALIDATION_ERROR");
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    server
        .op("vm_create")
        .raw("application/json", huge.as_bytes())
        .send()
        .await
        .expect_error(413, "PAYLOAD_TOO_LARGE");
    let not_json = server
        .op("vm_create")
        .raw("text/plain", b"name=x")
        .send()
        .await;
    not_json.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    let no_pool = with("disk_size", json!(1));
    let mut no_pool = no_pool;
    no_pool["storage_pool"] = json!("vapor-no-such-pool");
    server
        .op("vm_create")
        .json(no_pool)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");

    // Nothing was left behind by the rejected requests.
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");

    create(&server, valid.clone()).await;
    server
        .op("vm_create")
        .json(valid)
        .send()
        .await
        .expect_error(409, "ALREADY_EXISTS");

    let missing = server.name("missing");
    server
        .op("vm_get")
        .path("id", &missing)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("vm_update")
        .path("id", &missing)
        .json(json!({"vcpus": 2}))
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("vm_delete")
        .path("id", &missing)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    action(&server, &missing, json!({"action": "start"}))
        .await
        .expect_error(404, "NOT_FOUND");

    server
        .op("vm_update")
        .path("id", &name)
        .json(json!({}))
        .send()
        .await
        .expect_error(400, "VALIDATION_ERROR");
    server
        .op("vm_update")
        .path("id", &name)
        .json(json!({"vcpus": 0}))
        .send()
        .await
        .expect_error(400, "VALIDATION_ERROR");
    server
        .op("vm_delete")
        .path("id", &name)
        .query("remove_disks", "maybe")
        .send()
        .await
        .expect_error(400, "VALIDATION_ERROR");
    action(&server, &name, json!({"action": "explode"}))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    action(
        &server,
        &name,
        json!({"action": "start", "timeout_seconds": 0}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR");
    action(&server, &name, json!({"action": "pause"}))
        .await
        .expect_error(409, "CONFLICT");
    action(&server, &name, json!({"action": "force_stop"}))
        .await
        .expect_error(409, "CONFLICT");
    assert_eq!(state(&server, &name).await, "shutoff");
}

#[tokio::test]
async fn a_volume_name_clash_leaves_nothing_behind() {
    let server = TestServer::start().await;
    let first = server.name("clash");
    let vm = create(
        &server,
        json!({"name": first, "memory": 256, "vcpus": 1, "disk_size": 1}),
    )
    .await;
    let disk = vm["disks"][0]["path"].as_str().unwrap().to_owned();
    // Delete the VM but keep its disk: a new VM of the same name would need the same volume name.
    server
        .op("vm_delete")
        .path("id", &first)
        .send()
        .await
        .expect(204);
    let reply = server
        .op("vm_create")
        .json(json!({"name": first, "memory": 256, "vcpus": 1, "disk_size": 1}))
        .send()
        .await;
    reply.expect_error(409, "ALREADY_EXISTS");
    server
        .op("vm_get")
        .path("id", &first)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    assert!(
        server.hypervisor.lookup_volume_by_path(&disk).is_ok(),
        "the existing volume is untouched"
    );
    server.hypervisor.delete_volume_by_path(&disk).unwrap();
}

#[tokio::test]
async fn the_generated_sdk_reads_vms() {
    let server = TestServer::start().await;
    let name = server.name("sdk");
    let created = create(&server, json!({"name": name, "memory": 256, "vcpus": 1})).await;
    let mut config = vapor_client::apis::configuration::Configuration::new();
    config.base_path = format!("{}/api/v1", server.base_url);
    config.bearer_access_token = Some(server.token.clone());
    let got = vapor_client::apis::virtual_machines_api::vm_get(&config, &name)
        .await
        .expect("vm_get through the SDK");
    assert_eq!(got.data.name, name);
    assert_eq!(got.data.uuid.to_string(), created["uuid"].as_str().unwrap());
    let list = vapor_client::apis::virtual_machines_api::vm_list(&config, None, None, None, None)
        .await
        .expect("vm_list through the SDK");
    assert!(list.data.vms.iter().any(|v| v.name == name));
    config.bearer_access_token = None;
    let denied =
        vapor_client::apis::virtual_machines_api::vm_list(&config, None, None, None, None).await;
    assert!(denied.is_err(), "no token, no list");
}

#[tokio::test]
async fn vm_json_shape() {
    let server = TestServer::start().await;
    if server.backend != Backend::Mock {
        // The shape is backend-independent; the values (domain type, machine) are not.
        return;
    }
    let vm = create(
        &server,
        json!({"name": "shape", "memory": 256, "vcpus": 1, "disk_size": 2}),
    )
    .await;
    insta::assert_json_snapshot!(vm, {
        ".uuid" => "[uuid]",
        ".created_at" => "[timestamp]",
        ".updated_at" => "[timestamp]",
    });
    server
        .op("vm_delete")
        .path("id", "shape")
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);
}
