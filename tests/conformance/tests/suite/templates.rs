//! VM templates: CRUD, validation, and VMs made from templates, over HTTP.

use serde_json::{json, Value};
use vapor_conformance::{Backend, TestServer};

use crate::create_enhanced_firmware::{
    attribute, domain_xml, seed_file, smm_missing, swtpm_command_lines, text,
};

const GIB: i64 = 1024 * 1024 * 1024;

async fn create_template(server: &TestServer, body: Value) -> Value {
    server
        .op("template_create")
        .json(body)
        .send()
        .await
        .expect(201)
        .clone()
}

/// A small template: VMs made from it are cheap on every backend.
async fn small_template(server: &TestServer, name: &str, extra: Value) -> i64 {
    let mut body = json!({
        "name": name, "display_name": "Small", "os_type": "linux", "os_variant": "generic",
        "min_memory": 128, "recommended_memory": 256,
        "min_vcpus": 1, "recommended_vcpus": 2,
        "min_disk": 1, "recommended_disk": 2,
        "network_model": "e1000"
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    create_template(server, body).await["id"].as_i64().unwrap()
}

async fn from_template(server: &TestServer, body: Value) -> vapor_conformance::Reply {
    server.op("vm_create_from_template").json(body).send().await
}

async fn delete_vm(server: &TestServer, name: &str) {
    server
        .op("vm_delete")
        .path("id", name)
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);
}

#[tokio::test]
async fn template_crud_round_trip() {
    let server = TestServer::start().await;
    let body = json!({
        "name": "win-11_pro.x", "display_name": "Windows 11 Pro", "description": "Desktop",
        "os_type": "windows", "os_variant": "win11",
        "min_memory": 4096, "recommended_memory": 8192,
        "min_vcpus": 2, "recommended_vcpus": 4,
        "min_disk": 64, "recommended_disk": 128,
        "disk_bus": "sata", "network_model": "e1000e",
        "features": {"uefi": true, "secure_boot": true, "tpm": true, "virtio_drivers": false},
        "cloud_init_support": false, "default_user": "admin", "icon": "windows.svg",
        "tags": ["desktop", "windows"], "is_active": true
    });
    let created = create_template(&server, body.clone()).await;
    let id = created["id"].as_i64().expect("integer id");
    assert!(id >= 1);
    for (k, v) in body.as_object().unwrap() {
        assert_eq!(&created[k], v, "{k} is read back");
    }
    assert!(created["created_at"].is_string());
    assert_eq!(created["created_at"], created["updated_at"]);

    let id_text = id.to_string();
    let got = server
        .op("template_get")
        .path("template_id", &id_text)
        .send()
        .await;
    assert_eq!(got.expect(200), &created);

    // Defaults, with every optional field absent.
    let minimal = create_template(
        &server,
        json!({"name": "minimal", "display_name": "Minimal", "os_type": "bsd", "os_variant": "freebsd14"}),
    )
    .await;
    assert_eq!(minimal["description"], Value::Null);
    assert_eq!(minimal["default_user"], Value::Null);
    assert_eq!(minimal["icon"], Value::Null);
    assert_eq!(
        (
            &minimal["min_memory"],
            &minimal["recommended_memory"],
            &minimal["min_vcpus"],
            &minimal["recommended_vcpus"],
            &minimal["min_disk"],
            &minimal["recommended_disk"]
        ),
        (
            &json!(512),
            &json!(2048),
            &json!(1),
            &json!(2),
            &json!(10),
            &json!(20)
        )
    );
    assert_eq!(minimal["disk_bus"], "virtio");
    assert_eq!(minimal["network_model"], "virtio");
    assert_eq!(
        minimal["features"],
        json!({"uefi": false, "secure_boot": false, "tpm": false, "virtio_drivers": true})
    );
    assert_eq!(minimal["cloud_init_support"], false);
    assert_eq!(minimal["tags"], json!([]));
    assert_eq!(minimal["is_active"], true);
    // A minimum alone raises the omitted recommended value with it.
    let big = create_template(
        &server,
        json!({"name": "big", "display_name": "Big", "os_type": "other", "os_variant": "x", "min_memory": 4096}),
    )
    .await;
    assert_eq!(big["recommended_memory"], 4096);

    let list = server.op("template_list").send().await;
    let list = list.expect(200);
    assert_eq!(list["count"], 3);
    let ids: Vec<_> = list["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![
            created["id"].clone(),
            minimal["id"].clone(),
            big["id"].clone()
        ]
    );
    assert_eq!(list["templates"][0], created);

    // Update: os_type and os_variant can change; features merge; "" clears.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let change = json!({
        "display_name": "Windows Server 2022", "description": "", "os_type": "windows",
        "os_variant": "win2k22", "min_memory": 2048, "recommended_memory": 4096,
        "min_vcpus": 1, "recommended_vcpus": 2, "min_disk": 32, "recommended_disk": 64,
        "disk_bus": "virtio", "network_model": "virtio",
        "features": {"secure_boot": false, "uefi": false, "virtio_drivers": true},
        "cloud_init_support": true, "default_user": "", "icon": "server.svg",
        "tags": ["server"], "is_active": false
    });
    let updated = server
        .op("template_update")
        .path("template_id", &id_text)
        .json(change.clone())
        .send()
        .await;
    let updated = updated.expect(200).clone();
    assert_eq!(updated["id"], id);
    assert_eq!(updated["name"], "win-11_pro.x", "the name does not change");
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_ne!(updated["updated_at"], created["updated_at"]);
    for (k, v) in change.as_object().unwrap() {
        match k.as_str() {
            "description" | "default_user" => assert_eq!(updated[k], Value::Null, "{k} cleared"),
            "features" => assert_eq!(
                updated[k],
                json!({"uefi": false, "secure_boot": false, "tpm": true, "virtio_drivers": true}),
                "unnamed flags keep their value"
            ),
            _ => assert_eq!(&updated[k], v, "{k} is updated"),
        }
    }
    let again = server
        .op("template_get")
        .path("template_id", &id_text)
        .send()
        .await;
    assert_eq!(again.expect(200), &updated);

    // An update naming only the OS.
    let os = server
        .op("template_update")
        .path("template_id", &id_text)
        .json(json!({"os_type": "linux", "os_variant": "rhel9"}))
        .send()
        .await;
    let os = os.expect(200);
    assert_eq!(
        (&os["os_type"], &os["os_variant"]),
        (&json!("linux"), &json!("rhel9"))
    );
    assert_eq!(os["display_name"], "Windows Server 2022");

    server
        .op("template_delete")
        .path("template_id", &id_text)
        .send()
        .await
        .expect(204);
    server
        .op("template_get")
        .path("template_id", &id_text)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    let list = server.op("template_list").send().await;
    assert_eq!(list.expect(200)["count"], 2);
}

#[tokio::test]
async fn template_errors() {
    let server = TestServer::start().await;
    let valid = json!({"name": "base", "display_name": "Base", "os_type": "linux", "os_variant": "debian12"});
    let with = |k: &str, v: Value| {
        let mut body = valid.clone();
        body[k] = v;
        body
    };
    let cases = [
        with("name", json!("Upper")),
        with("name", json!("-dash")),
        with("name", json!("has space")),
        with("name", json!("")),
        with("name", json!("x".repeat(65))),
        with("display_name", json!("")),
        with("os_type", json!("plan9")),
        with("os_variant", json!("")),
        with("disk_bus", json!("floppy")),
        with("network_model", json!("ne2000")),
        with("min_memory", json!(64)),
        with("min_vcpus", json!(0)),
        with("recommended_disk", json!(0)),
        with("recommended_memory", json!(5_000_000)),
        with("tags", json!(["a", "a"])),
        with("tags", json!([""])),
        with("features", json!({"secure_boot": true})),
        with("is_active", json!("yes")),
        json!({"name": "base", "display_name": "Base", "os_type": "linux"}),
        json!({"name": "base", "os_type": "linux", "os_variant": "x", "display_name": "B",
               "min_memory": 4096, "recommended_memory": 2048}),
        json!({"name": "base", "os_type": "linux", "os_variant": "x", "display_name": "B",
               "min_vcpus": 4, "recommended_vcpus": 2}),
        json!({"name": "base", "os_type": "linux", "os_variant": "x", "display_name": "B",
               "min_disk": 40, "recommended_disk": 20}),
    ];
    for body in cases {
        let reply = server.op("template_create").json(body.clone()).send().await;
        assert_eq!(reply.status, 400, "{body} answered {}", reply.body);
        reply.expect_error(400, "VALIDATION_ERROR");
    }
    let mut min_over = with("min_memory", json!(4096));
    min_over["recommended_memory"] = json!(1024);
    let min_over = server.op("template_create").json(min_over).send().await;
    min_over.expect_error(400, "VALIDATION_ERROR");
    assert_eq!(min_over.body["error"]["details"]["field"], "min_memory");
    assert_eq!(
        server.op("template_list").send().await.expect(200)["count"],
        0
    );

    let created = create_template(&server, valid.clone()).await;
    let id = created["id"].as_i64().unwrap().to_string();
    server
        .op("template_create")
        .json(valid.clone())
        .send()
        .await
        .expect_error(409, "ALREADY_EXISTS");

    // Updates are checked against the stored values.
    for body in [
        json!({"min_disk": 30}),
        json!({"recommended_memory": 256}),
        json!({"min_vcpus": 3}),
        json!({"os_type": "plan9"}),
        json!({"display_name": ""}),
        json!({"features": {"secure_boot": true}}),
        json!({}),
        json!({"name": "renamed"}),
    ] {
        let reply = server
            .op("template_update")
            .path("template_id", &id)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(reply.status, 400, "{body} answered {}", reply.body);
        reply.expect_error(400, "VALIDATION_ERROR");
    }
    let err = server
        .op("template_update")
        .path("template_id", &id)
        .json(json!({"min_disk": 30}))
        .send()
        .await;
    assert_eq!(err.body["error"]["details"]["field"], "min_disk");
    let unchanged = server
        .op("template_get")
        .path("template_id", &id)
        .send()
        .await;
    assert_eq!(
        unchanged.expect(200),
        &created,
        "refused updates change nothing"
    );

    for missing in ["999999", "9223372036854775807"] {
        server
            .op("template_get")
            .path("template_id", missing)
            .send()
            .await
            .expect_error(404, "NOT_FOUND");
        server
            .op("template_update")
            .path("template_id", missing)
            .json(json!({"display_name": "x"}))
            .send()
            .await
            .expect_error(404, "NOT_FOUND");
        server
            .op("template_delete")
            .path("template_id", missing)
            .send()
            .await
            .expect_error(404, "NOT_FOUND");
    }
    for bad in ["abc", "0", "-1"] {
        let reply = server
            .op("template_get")
            .path("template_id", bad)
            .send()
            .await;
        reply.expect_error(400, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn vm_from_template_uses_recommended_values() {
    let server = TestServer::start().await;
    let template_id = small_template(&server, "small", json!({})).await;
    let name = server.name("tmpl-defaults");
    let reply = from_template(&server, json!({"template_id": template_id, "name": name})).await;
    let data = reply.expect(201).clone();
    assert!(data["message"].as_str().unwrap().contains(&name));
    let vm = &data["vm"];
    assert_eq!(vm["name"], name.as_str());
    assert_eq!(vm["state"], "shutoff");
    assert_eq!(vm["memory"], 256);
    assert_eq!(vm["vcpus"], 2);
    assert_eq!(vm["autostart"], false);
    let disks = vm["disks"].as_array().unwrap();
    assert_eq!(disks.len(), 1);
    assert_eq!(disks[0]["device"], "disk");
    assert_eq!(disks[0]["bus"], "virtio");
    assert_eq!(disks[0]["format"], "qcow2");
    assert_eq!(disks[0]["capacity_bytes"], 2 * GIB);
    let disk_path = disks[0]["path"].as_str().unwrap().to_owned();
    assert!(
        disk_path.ends_with(&format!("/{name}.qcow2")),
        "{disk_path}"
    );
    let nics = vm["networks"].as_array().unwrap();
    assert_eq!(nics.len(), 1);
    assert_eq!(nics[0]["type"], "network");
    assert_eq!(nics[0]["source"], "default");
    assert_eq!(nics[0]["model"], "e1000", "the template's network_model");
    assert_eq!(vm["graphics"][0]["type"], "vnc");
    assert_eq!(vm["graphics"][0]["listen"], "127.0.0.1");

    // The VM really exists, and Vapor recorded where it came from.
    let got = server.op("vm_get").path("id", &name).send().await;
    let got = got.expect(200);
    assert_eq!(got["uuid"], vm["uuid"]);
    assert_eq!(got["disks"][0]["capacity_bytes"], 2 * GIB);
    assert_eq!(
        server
            .app
            .db()
            .vm_template_id(vm["uuid"].as_str().unwrap())
            .unwrap(),
        Some(template_id)
    );

    delete_vm(&server, &name).await;
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    assert!(
        server.hypervisor.lookup_volume_by_path(&disk_path).is_err(),
        "the disk went with the VM"
    );
}

#[tokio::test]
async fn vm_from_template_with_overrides() {
    let server = TestServer::start().await;
    let template_id = small_template(&server, "small", json!({})).await;
    let name = server.name("tmpl-over");
    let reply = from_template(
        &server,
        json!({
            "template_id": template_id, "name": name,
            "memory": 512, "vcpus": 1, "disk_size": 3, "storage_pool": "default",
            "network": {"type": "user", "model": "rtl8139", "mac": "52:54:00:ab:cd:01"},
            "graphics": [{"type": "spice", "listen": "127.0.0.1"}],
            "metadata": {}
        }),
    )
    .await;
    let vm = reply.expect(201)["vm"].clone();
    assert_eq!(vm["memory"], 512);
    assert_eq!(vm["vcpus"], 1, "the minimum itself is allowed");
    assert_eq!(vm["disks"][0]["capacity_bytes"], 3 * GIB);
    assert_eq!(
        vm["networks"],
        json!([{"type": "user", "source": null, "model": "rtl8139", "mac": "52:54:00:ab:cd:01", "ip_addresses": null}])
    );
    assert_eq!(vm["graphics"][0]["type"], "spice");

    // The template's model is used when the request's network names none.
    let plain = server.name("tmpl-nomodel");
    let reply = from_template(
        &server,
        json!({"template_id": template_id, "name": plain, "network": {"type": "user"},
               "graphics": [{"type": "none"}]}),
    )
    .await;
    let vm2 = reply.expect(201)["vm"].clone();
    assert_eq!(vm2["networks"][0]["model"], "e1000");
    assert_eq!(vm2["graphics"], json!([]));

    let got = server.op("vm_get").path("id", &name).send().await;
    assert_eq!(got.expect(200)["memory"], 512);
    delete_vm(&server, &name).await;
    delete_vm(&server, &plain).await;
}

#[tokio::test]
async fn vm_from_template_errors() {
    let server = TestServer::start().await;
    let template_id = small_template(&server, "small", json!({})).await;
    let name = server.name("tmpl-bad");

    for (field, value) in [("memory", 64), ("disk_size", 1)] {
        let template = if field == "disk_size" {
            small_template(
                &server,
                "bigdisk",
                json!({"min_disk": 2, "recommended_disk": 4}),
            )
            .await
        } else {
            template_id
        };
        let mut body = json!({"template_id": template, "name": name});
        body[field] = json!(value);
        let reply = from_template(&server, body).await;
        reply.expect_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"]["field"], field);
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("minimum"),
            "{}",
            reply.body
        );
    }
    let two_cpus = small_template(
        &server,
        "twocpu",
        json!({"min_vcpus": 2, "recommended_vcpus": 2}),
    )
    .await;
    let reply = from_template(
        &server,
        json!({"template_id": two_cpus, "name": name, "vcpus": 1}),
    )
    .await;
    reply.expect_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"]["field"], "vcpus");

    let inactive = small_template(&server, "retired", json!({"is_active": false})).await;
    from_template(&server, json!({"template_id": inactive, "name": name}))
        .await
        .expect_error(409, "CONFLICT");
    from_template(&server, json!({"template_id": 999_999, "name": name}))
        .await
        .expect_error(404, "NOT_FOUND");
    from_template(
        &server,
        json!({"template_id": template_id, "name": "templates"}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR");
    from_template(
        &server,
        json!({"template_id": template_id, "name": name, "network": {"type": "carrier-pigeon"}}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR");

    // Firmware, TPM, disk bus and cloud-init come from the template and the request.
    for (tname, extra, check) in [
        (
            "uefi",
            json!({"features": {"uefi": true}}),
            ("firmware", json!("efi")),
        ),
        (
            "tpm",
            json!({"features": {"tpm": true}}),
            ("tpm", json!(true)),
        ),
    ] {
        let id = small_template(&server, tname, extra).await;
        let vm_name = server.name(&format!("tmpl-{tname}"));
        let reply = from_template(&server, json!({"template_id": id, "name": vm_name})).await;
        assert_eq!(reply.expect(201)["vm"][check.0], check.1, "{tname}");
        server
            .op("vm_delete")
            .path("id", &vm_name)
            .query("remove_disks", "true")
            .send()
            .await
            .expect(204);
    }
    let sata = small_template(&server, "sata", json!({"disk_bus": "sata"})).await;
    let vm_name = server.name("tmpl-sata");
    let reply = from_template(&server, json!({"template_id": sata, "name": vm_name})).await;
    let vm = reply.expect(201)["vm"].clone();
    assert_eq!(vm["disks"][0]["bus"], "sata");
    assert_eq!(vm["disks"][0]["target"], "sda");
    server
        .op("vm_delete")
        .path("id", &vm_name)
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);

    let vm_name = server.name("tmpl-ci");
    let reply = from_template(
        &server,
        json!({"template_id": template_id, "name": vm_name,
               "cloud_init": {"hostname": "web", "users": [{"name": "ops", "ssh_keys": ["ssh-ed25519 AAAA ops"]}]}}),
    )
    .await;
    let vm = reply.expect(201)["vm"].clone();
    let seed = vm["disks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device"] == "cdrom")
        .expect("a cloud-init seed");
    let seed_path = std::path::PathBuf::from(seed["path"].as_str().unwrap());
    let bytes = std::fs::read(&seed_path).unwrap();
    assert_eq!(
        std::str::from_utf8(&bytes[0x8028..0x8048])
            .unwrap()
            .trim_end(),
        "cidata"
    );
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("#cloud-config")
            && text.contains("\"hostname\":\"web\"")
            && text.contains("ssh-ed25519 AAAA ops")
    );
    server
        .op("vm_delete")
        .path("id", &vm_name)
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);
    assert!(!seed_path.exists(), "the seed goes with the VM");

    // Metadata is kept with the VM.
    let labelled = server.name("tpl-meta");
    let vm = from_template(
        &server,
        json!({"template_id": template_id, "name": labelled, "metadata": {"owner": "ops"}}),
    )
    .await
    .expect(201)["vm"]
        .clone();
    assert_eq!(vm["metadata"], json!({"owner": "ops"}));
    let read = server.op("vm_get").path("id", &labelled).send().await;
    assert_eq!(read.expect(200)["metadata"], json!({"owner": "ops"}));
    delete_vm(&server, &labelled).await;

    // Nothing was left behind by the refused requests.
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");

    // A name in use is refused like any VM create.
    let taken = server.name("tmpl-taken");
    from_template(&server, json!({"template_id": template_id, "name": taken}))
        .await
        .expect(201);
    from_template(&server, json!({"template_id": template_id, "name": taken}))
        .await
        .expect_error(409, "ALREADY_EXISTS");
    delete_vm(&server, &taken).await;
}

#[tokio::test]
async fn the_generated_sdk_reads_templates() {
    let server = TestServer::start().await;
    let id = small_template(&server, "sdk", json!({"tags": ["a"]})).await;
    let mut config = vapor_client::apis::configuration::Configuration::new();
    config.base_path = format!("{}/api/v1", server.base_url);
    config.bearer_access_token = Some(server.token.clone());
    let got = vapor_client::apis::templates_api::template_get(&config, id)
        .await
        .expect("template_get through the SDK");
    assert_eq!(got.data.name, "sdk");
    assert_eq!(got.data.recommended_memory, 256);
    assert_eq!(got.data.tags, vec!["a".to_owned()]);
    let list = vapor_client::apis::templates_api::template_list(&config)
        .await
        .expect("template_list through the SDK");
    assert_eq!(list.data.count, 1);
}

#[tokio::test]
async fn enhanced_create_with_a_template_fills_gaps_and_enforces_minimums() {
    let server = TestServer::start().await;
    let tname = server.name("enh").to_lowercase();
    let template = create_template(
        &server,
        json!({
            "name": tname, "display_name": "No virtio", "os_type": "windows", "os_variant": "win10",
            "min_memory": 256, "recommended_memory": 512, "min_vcpus": 2, "recommended_vcpus": 2,
            "min_disk": 2, "recommended_disk": 4, "disk_bus": "sata", "network_model": "e1000",
            "features": {"uefi": false, "secure_boot": false, "tpm": false, "virtio_drivers": false}
        }),
    )
    .await;
    let id = template["id"].as_i64().unwrap();
    let name = server.name("enh-vm");
    let body = |extra: Value| {
        let mut b = json!({
            "name": name, "memory": 256, "vcpus": 2, "template": tname,
            "disks": [{"action": "create", "size": 2}],
            "networks": [{"type": "user"}]
        });
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let enhanced = |b: Value| server.op("vm_create_enhanced").json(b).send();

    // Below a minimum: 400 naming the field, nothing made.
    for (extra, field) in [
        (json!({"memory": 128}), "memory"),
        (json!({"vcpus": 1}), "vcpus"),
        (json!({"disks": [{"action": "create", "size": 1}]}), "disks"),
        (
            json!({"networks": [{"type": "user", "model": "virtio"}]}),
            "networks",
        ),
    ] {
        let reply = enhanced(body(extra.clone())).await;
        assert_eq!(reply.status, 400, "{extra}: {}", reply.body);
        assert_eq!(
            reply.body["error"]["details"]["field"], field,
            "{extra}: {}",
            reply.body
        );
    }
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    enhanced(body(json!({"template": "no-such-template"})))
        .await
        .expect_error(404, "NOT_FOUND");

    // The template fills the bus and the model left out; by name and by id.
    for template in [json!(tname), json!(id.to_string())] {
        let vm = enhanced(body(json!({"template": template})))
            .await
            .expect(201)["vm"]
            .clone();
        assert_eq!(vm["disks"][0]["bus"], "sata", "{vm}");
        assert_eq!(vm["networks"][0]["model"], "e1000", "{vm}");
        server
            .op("vm_delete")
            .path("id", &name)
            .query("remove_disks", "true")
            .send()
            .await
            .expect(204);
    }

    // A template whose guests lack virtio drivers cannot ask for virtio devices.
    let reply = server
        .op("template_create")
        .json(json!({
            "name": format!("{tname}-bad"), "display_name": "Bad", "os_type": "windows",
            "os_variant": "win10", "features": {"virtio_drivers": false}
        }))
        .send()
        .await;
    reply.expect_error(400, "VALIDATION_ERROR");
}

/// Makes a VM from a Secure Boot + TPM template on `server` and, on
/// qemu:///system, starts it. `None` when the host's KVM has no SMM (the
/// start is refused and the VM deleted again); else the VM as started.
async fn secure_template_vm(server: &TestServer) -> Option<Value> {
    let template_id = small_template(
        server,
        "secure",
        json!({"features": {"uefi": true, "secure_boot": true, "tpm": true}}),
    )
    .await;
    let name = server.name("tmpl-secure");
    let reply = from_template(
        server,
        json!({"template_id": template_id, "name": name,
               "network": {"type": "user"}, "graphics": [{"type": "none"}]}),
    )
    .await;
    let vm = reply.expect(201)["vm"].clone();
    assert_eq!(
        (&vm["firmware"], &vm["secure_boot"], &vm["tpm"]),
        (&json!("efi"), &json!(true), &json!(true)),
        "{vm}"
    );
    if server.backend != Backend::LibvirtQemu {
        return Some(vm);
    }
    let started = server
        .op("vm_action")
        .path("id", &name)
        .json(json!({"action": "start"}))
        .send()
        .await;
    if smm_missing(&started) {
        delete_vm(server, &name).await;
        return None;
    }
    Some(started.expect(200)["vm"].clone())
}

#[tokio::test]
async fn a_secure_boot_template_makes_a_vm_with_secure_firmware_and_a_tpm() {
    let kvm_server = TestServer::start().await;
    let (server, vm) = match secure_template_vm(&kvm_server).await {
        Some(vm) => (kvm_server, vm),
        None => {
            // This host's nested KVM has no System Management Mode, which
            // the Secure Boot firmware needs ("System Management Mode not
            // supported by this hypervisor" in QEMU's log): full emulation has it.
            drop(kvm_server);
            let tcg_server = TestServer::start_with(|c| {
                c.domain_type = vapor_core::app::DomainTypeChoice::Qemu;
            })
            .await;
            let vm = secure_template_vm(&tcg_server)
                .await
                .expect("full emulation has SMM");
            (tcg_server, vm)
        }
    };
    let name = vm["name"].as_str().unwrap().to_owned();
    let uuid = vm["uuid"].as_str().unwrap().to_owned();
    let xml = domain_xml(&server, &name);
    assert_eq!(
        attribute(&xml, "loader", "secure").as_deref(),
        Some("yes"),
        "{xml}"
    );
    assert!(xml.contains("<smm state=\"on\"/>"), "{xml}");
    assert_eq!(
        (
            attribute(&xml, "tpm", "model").as_deref(),
            attribute(&xml, "backend", "type").as_deref(),
            attribute(&xml, "backend", "version").as_deref()
        ),
        (Some("tpm-crb"), Some("emulator"), Some("2.0")),
        "{xml}"
    );
    let nvram = format!("/var/lib/libvirt/qemu/nvram/{name}_VARS.fd");
    let tpm_state = format!("/var/lib/libvirt/swtpm/{uuid}");
    if server.backend == Backend::LibvirtQemu {
        assert_eq!(vm["state"], "running", "{vm}");
        let loader = text(&xml, "loader").unwrap_or_default();
        assert!(
            loader.starts_with("/usr/share/OVMF/OVMF_CODE")
                && (loader.contains(".ms.") || loader.contains("secboot")),
            "{loader}"
        );
        assert_eq!(text(&xml, "nvram").as_deref(), Some(nvram.as_str()));
        assert!(
            swtpm_command_lines()
                .iter()
                .any(|line| line.contains(&format!("{tpm_state}/"))),
            "a swtpm runs for {uuid}"
        );
    } else {
        assert!(
            xml.contains("<feature enabled=\"yes\" name=\"secure-boot\"/>"),
            "{xml}"
        );
    }
    delete_vm(&server, &name).await;
    assert!(server.hypervisor.lookup_domain(&name).is_err());
    if server.backend == Backend::LibvirtQemu {
        assert!(!std::path::Path::new(&nvram).exists(), "{nvram} is removed");
        assert!(
            !std::path::Path::new(&tpm_state).exists(),
            "{tpm_state} is removed"
        );
    }
}

/// The seed cdrom of a VM, from its JSON.
fn seed_of(vm: &Value) -> std::path::PathBuf {
    let seed = vm["disks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device"] == "cdrom")
        .unwrap_or_else(|| panic!("a cloud-init seed: {vm}"));
    std::path::PathBuf::from(seed["path"].as_str().unwrap())
}

/// A seed's `user-data`, checked to be a `#cloud-config` document, parsed as
/// the YAML cloud-init reads.
fn cloud_config(seed: &std::path::Path) -> Value {
    let user_data = seed_file(seed, "user-data").expect("the seed has user-data");
    assert!(user_data.starts_with("#cloud-config\n"), "{user_data}");
    serde_yaml::from_str(&user_data).expect("user-data is YAML")
}

#[tokio::test]
async fn template_cloud_init_users_and_commands_reach_the_seed() {
    let server = TestServer::start().await;
    let template_id = small_template(
        &server,
        "cloudy",
        json!({"cloud_init_support": true, "default_user": "debian"}),
    )
    .await;
    let name = server.name("tmpl-cloud");
    let runcmd = json!([
        "echo 'key: value' > /etc/motd",
        "systemctl enable --now nginx",
        "sh -c \"echo done\" # not a comment to YAML"
    ]);
    let reply = from_template(
        &server,
        json!({
            "template_id": template_id, "name": name,
            "network": {"type": "user"}, "graphics": [{"type": "none"}],
            "cloud_init": {
                "hostname": "web-1",
                "users": [
                    {"name": "ops", "password": "pa: ss\nword", "ssh_keys": ["ssh-ed25519 AAAA ops@host"],
                     "sudo": "ALL=(ALL) NOPASSWD:ALL", "groups": "adm, wheel", "shell": "/bin/zsh"},
                    {"name": "svc"}
                ],
                "packages": ["nginx"],
                "runcmd": runcmd
            }
        }),
    )
    .await;
    let vm = reply.expect(201)["vm"].clone();
    let seed = seed_of(&vm);
    let config = cloud_config(&seed);
    assert_eq!(
        config["users"],
        json!([
            {"name": "ops", "plain_text_passwd": "pa: ss\nword", "lock_passwd": false,
             "ssh_authorized_keys": ["ssh-ed25519 AAAA ops@host"],
             "sudo": "ALL=(ALL) NOPASSWD:ALL", "groups": "adm, wheel", "shell": "/bin/zsh"},
            {"name": "svc"}
        ]),
        "the request's users replace the template's default user"
    );
    assert_eq!(config["runcmd"], runcmd);
    assert_eq!(config["hostname"], "web-1");
    assert_eq!(config["packages"], json!(["nginx"]));
    // Without meta-data in the request, Vapor writes the instance id and hostname.
    let meta_data = seed_file(&seed, "meta-data").expect("the seed has meta-data");
    let meta: Value = serde_yaml::from_str(&meta_data).expect("meta-data is YAML");
    assert_eq!(
        meta,
        json!({"instance-id": vm["uuid"], "local-hostname": name}),
        "{meta_data}"
    );
    assert_eq!(seed_file(&seed, "network-config"), None);

    // Without users, the template's default user is the one created.
    let plain = server.name("tmpl-cloud-default");
    let reply = from_template(
        &server,
        json!({"template_id": template_id, "name": plain, "network": {"type": "user"},
               "graphics": [{"type": "none"}], "cloud_init": {"runcmd": ["true"]}}),
    )
    .await;
    let plain_vm = reply.expect(201)["vm"].clone();
    let plain_seed = seed_of(&plain_vm);
    let config = cloud_config(&plain_seed);
    assert_eq!(
        config["users"],
        json!([{"name": "debian", "sudo": "ALL=(ALL) NOPASSWD:ALL", "shell": "/bin/bash"}])
    );
    assert_eq!(config["runcmd"], json!(["true"]));

    delete_vm(&server, &name).await;
    delete_vm(&server, &plain).await;
    assert!(
        !seed.exists() && !plain_seed.exists(),
        "the seeds go with the VMs"
    );
}
