//! Cloning a VM: same configuration, copied disks, new identity.

use std::time::Duration;

use serde_json::json;
use vapor_conformance::TestServer;

#[tokio::test]
async fn a_clone_has_the_configuration_and_copies_of_the_disks() {
    let server = TestServer::start().await;
    let source = server.name("orig");
    let reply = server
        .op("vm_create_enhanced")
        .json(json!({
            "name": source, "memory": 256, "vcpus": 2,
            "disks": [{"action": "create", "size": 1}, {"action": "create", "size": 1, "bus": "sata", "format": "raw"}],
            "networks": [{"type": "user", "model": "e1000"}],
            "graphics": [{"type": "vnc"}]
        }))
        .send()
        .await;
    let original = reply.expect(201)["vm"].clone();

    // A running source is refused: its disks would not be consistent.
    server
        .op("vm_action")
        .path("id", &source)
        .json(json!({"action": "start"}))
        .send()
        .await
        .expect(200);
    let name = server.name("copy");
    let running = server
        .op("vm_clone")
        .path("id", &source)
        .json(json!({"name": name}))
        .send()
        .await;
    running.expect_error(409, "CONFLICT");
    server
        .op("vm_action")
        .path("id", &source)
        .json(json!({"action": "force_stop"}))
        .send()
        .await
        .expect(200);

    let reply = server
        .op("vm_clone")
        .path("id", &source)
        .json(json!({"name": name}))
        .send()
        .await;
    let op = reply.expect(202).clone();
    assert_eq!(op["kind"], "vm_clone");
    let done = server
        .wait_operation(op["id"].as_str().unwrap(), Duration::from_secs(120))
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");

    let clone = server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect(200)
        .clone();
    assert_ne!(clone["uuid"], original["uuid"]);
    assert_eq!(clone["memory"], original["memory"]);
    assert_eq!(clone["vcpus"], original["vcpus"]);
    assert_eq!(clone["state"], "shutoff");
    let disks = |vm: &serde_json::Value| -> Vec<(String, String, String, i64)> {
        vm["disks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["target"].as_str().unwrap().to_owned(),
                    d["bus"].as_str().unwrap().to_owned(),
                    d["format"].as_str().unwrap().to_owned(),
                    d["capacity_bytes"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(disks(&clone), disks(&original), "same disks, same sizes");
    for (a, b) in clone["disks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(original["disks"].as_array().unwrap())
    {
        assert_ne!(a["path"], b["path"], "the clone has its own copies");
    }
    assert_eq!(clone["networks"][0]["model"], "e1000");
    assert_ne!(
        clone["networks"][0]["mac"], original["networks"][0]["mac"],
        "a new MAC"
    );
    assert_eq!(clone["graphics"][0]["type"], "vnc");

    let started = server
        .op("vm_action")
        .path("id", &name)
        .json(json!({"action": "start"}))
        .send()
        .await;
    assert_eq!(started.expect(200)["vm"]["state"], "running");

    // A taken name is refused at once.
    server
        .op("vm_clone")
        .path("id", &source)
        .json(json!({"name": name}))
        .send()
        .await
        .expect_error(409, "ALREADY_EXISTS");
    server
        .op("vm_clone")
        .path("id", &server.name("none"))
        .json(json!({"name": server.name("x")}))
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("vm_clone")
        .path("id", &source)
        .json(json!({"name": "bad name"}))
        .send()
        .await
        .expect_error(400, "VALIDATION_ERROR");

    for vm in [&name, &source] {
        server
            .op("vm_delete")
            .path("id", vm)
            .query("remove_disks", "true")
            .send()
            .await
            .expect(204);
    }
}
