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

/// Linked clones are refused before anything is made.
#[tokio::test]
async fn a_linked_clone_is_refused() {
    let server = TestServer::start().await;
    let source = server.name("base");
    server
        .op("vm_create")
        .json(
            json!({"name": source, "memory": 128, "vcpus": 1, "disk_size": 1,
                     "graphics": [{"type": "none"}]}),
        )
        .send()
        .await
        .expect(201);
    let copy = server.name("linked");
    server
        .op("vm_clone")
        .path("id", &source)
        .json(json!({"name": copy, "full_clone": false}))
        .send()
        .await
        .expect_error(422, "LINKED_CLONE_UNSUPPORTED");
    server
        .op("vm_get")
        .path("id", &copy)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
}

/// On QEMU, a UEFI VM's clone starts with a copy of the source's variable
/// store (boot entries, enrolled keys), not a fresh one from the template.
/// The mock and the test driver keep no firmware variables.
#[tokio::test]
async fn a_uefi_clone_gets_a_copy_of_the_nvram() {
    use vapor_conformance::Backend;
    if Backend::from_env() != Backend::LibvirtQemu {
        return;
    }
    // A plain-emulation domain, as in create_enhanced's UEFI test: this
    // host's nested KVM lacks what some firmware builds need.
    let server = TestServer::start_with(|c| {
        c.domain_type = vapor_core::app::DomainTypeChoice::Qemu;
    })
    .await;
    let source = server.name("efi");
    server
        .op("vm_create_enhanced")
        .json(
            json!({"name": source, "memory": 256, "vcpus": 1, "features": {"uefi": true},
                     "graphics": [{"type": "none"}]}),
        )
        .send()
        .await
        .expect(201);
    let nvram = |name: &str| format!("/var/lib/libvirt/qemu/nvram/{name}_VARS.fd");
    // libvirt makes the store from the firmware's template at the first start.
    for action in ["start", "force_stop"] {
        server
            .op("vm_action")
            .path("id", &source)
            .json(json!({"action": action}))
            .send()
            .await
            .expect(200);
    }
    let mut vars = std::fs::read(nvram(&source)).expect("the source's NVRAM exists");
    // Mark it, so that a fresh store from the template could not pass for a copy.
    let n = vars.len();
    vars[n - 16..].copy_from_slice(b"vapor-clone-mark");
    std::fs::write(nvram(&source), &vars).unwrap();

    let copy = server.name("efi-copy");
    let reply = server
        .op("vm_clone")
        .path("id", &source)
        .json(json!({"name": copy}))
        .send()
        .await;
    let op = reply.expect(202)["id"].as_str().unwrap().to_owned();
    let done = server.wait_operation(&op, Duration::from_secs(120)).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let copied = std::fs::read(nvram(&copy)).expect("the clone has an NVRAM before it ever ran");
    assert!(
        copied == vars,
        "the clone's NVRAM is the source's, byte for byte"
    );

    // Deleting the clone removes its store and leaves the source's.
    server
        .op("vm_delete")
        .path("id", &copy)
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);
    assert!(!std::path::Path::new(&nvram(&copy)).exists());
    assert!(std::path::Path::new(&nvram(&source)).exists());
}
