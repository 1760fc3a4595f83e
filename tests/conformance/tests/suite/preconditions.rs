//! Entity tags and `If-Match`: a GET's `ETag` names what the client saw; a
//! change, power action or deletion sent with it is carried out only if the
//! object is still that, and is otherwise refused with 412 and changes
//! nothing. Two clients that read the same VM and both change it lose no
//! update: one wins, the other learns it was too late.

use std::sync::Arc;

use serde_json::{json, Value};
use vapor_conformance::TestServer;

async fn create_vm(server: &TestServer, name: &str) {
    server
        .op("vm_create")
        .json(json!({
            "name": name, "memory": 128, "vcpus": 1,
            "graphics": [{"type": "none"}]
        }))
        .send()
        .await
        .expect(201);
}

/// The VM and its entity tag.
async fn get_vm(server: &TestServer, name: &str) -> (Value, String) {
    let reply = server.op("vm_get").path("id", name).send().await;
    let vm = reply.expect(200).clone();
    let tag = reply
        .header("etag")
        .expect("GET answers an ETag")
        .to_owned();
    (vm, tag)
}

fn is_strong_tag(tag: &str) -> bool {
    tag.len() > 2
        && tag.starts_with('"')
        && tag.ends_with('"')
        && !tag[1..tag.len() - 1].contains('"')
}

#[tokio::test]
async fn vm_changes_honour_if_match() {
    let server = TestServer::start().await;
    let vm = server.name("etag");
    create_vm(&server, &vm).await;

    let (_, tag) = get_vm(&server, &vm).await;
    assert!(is_strong_tag(&tag), "{tag}");
    assert_eq!(
        get_vm(&server, &vm).await.1,
        tag,
        "an unchanged VM keeps its tag"
    );

    // A change under the current tag is made, and the reply carries the new tag.
    let reply = server
        .op("vm_update")
        .path("id", &vm)
        .header("If-Match", &tag)
        .json(json!({"memory": 192}))
        .send()
        .await;
    reply.expect(200);
    let new_tag = reply
        .header("etag")
        .expect("PUT answers an ETag")
        .to_owned();
    assert_ne!(new_tag, tag, "a change changes the tag");
    let (now, read_tag) = get_vm(&server, &vm).await;
    assert_eq!(read_tag, new_tag, "the PUT's tag is what a GET then shows");
    assert_eq!(now["memory"], 192);

    // The old tag is stale: update, action and delete are refused, nothing changes.
    server
        .op("vm_update")
        .path("id", &vm)
        .header("If-Match", &tag)
        .json(json!({"memory": 256}))
        .send()
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    server
        .op("vm_action")
        .path("id", &vm)
        .header("If-Match", &tag)
        .json(json!({"action": "start"}))
        .send()
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    server
        .op("vm_delete")
        .path("id", &vm)
        .header("If-Match", &tag)
        .send()
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    let (after, after_tag) = get_vm(&server, &vm).await;
    assert_eq!(after_tag, new_tag);
    assert_eq!(after["memory"], 192);
    assert_eq!(after["state"], "shutoff");

    // A weak tag never matches (If-Match compares strongly); a list matches
    // when one of its tags does; `*` matches any existing VM.
    server
        .op("vm_update")
        .path("id", &vm)
        .header("If-Match", &format!("W/{new_tag}"))
        .json(json!({"memory": 256}))
        .send()
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    server
        .op("vm_action")
        .path("id", &vm)
        .header("If-Match", &format!("{tag}, {new_tag}"))
        .json(json!({"action": "start"}))
        .send()
        .await
        .expect(200);
    let (running, running_tag) = get_vm(&server, &vm).await;
    assert_eq!(running["state"], "running");
    assert_ne!(running_tag, new_tag, "a power change changes the tag");
    server
        .op("vm_action")
        .path("id", &vm)
        .header("If-Match", "*")
        .json(json!({"action": "force_stop"}))
        .send()
        .await
        .expect(200);

    // A malformed precondition is a client error, never a silent pass.
    for bad in ["not-quoted", "\"a\"b\"", "\"a\",,\"b\""] {
        server
            .op("vm_update")
            .path("id", &vm)
            .header("If-Match", bad)
            .json(json!({"memory": 256}))
            .send()
            .await
            .expect_error(400, "VALIDATION_ERROR");
    }

    // Deleting under the current tag works; `*` on a VM that is gone is 404.
    let (_, current) = get_vm(&server, &vm).await;
    server
        .op("vm_delete")
        .path("id", &vm)
        .header("If-Match", &current)
        .send()
        .await
        .expect(204);
    server
        .op("vm_update")
        .path("id", &vm)
        .header("If-Match", "*")
        .json(json!({"memory": 256}))
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
}

/// Two clients read the VM, then both change it under the tag they read:
/// exactly one change is made; the other is refused (412, or 409 while the
/// first still holds the VM) and the VM shows the winner's value.
#[tokio::test]
async fn of_two_writers_with_one_tag_exactly_one_wins() {
    let server = Arc::new(TestServer::start().await);
    let vm = server.name("race");
    create_vm(&server, &vm).await;
    for round in 0..5u64 {
        let (_, tag) = get_vm(&server, &vm).await;
        let writers = [256 + round * 16, 264 + round * 16].map(|memory| {
            let server = server.clone();
            let (vm, tag) = (vm.clone(), tag.clone());
            tokio::spawn(async move {
                let reply = server
                    .op("vm_update")
                    .path("id", &vm)
                    .header("If-Match", &tag)
                    .json(json!({"memory": memory}))
                    .send()
                    .await;
                (memory, reply)
            })
        });
        let mut winners = Vec::new();
        for writer in writers {
            let (memory, reply) = writer.await.unwrap();
            match reply.status {
                200 => winners.push(memory),
                412 => reply.expect_error(412, "PRECONDITION_FAILED"),
                409 => reply.expect_error(409, "CONFLICT"),
                other => panic!("unexpected {other}: {}", reply.body),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let (now, _) = get_vm(&server, &vm).await;
        assert_eq!(now["memory"], winners[0], "round {round}");
    }
}

/// The template and its entity tag.
async fn get_template(server: &TestServer, id: &str) -> (Value, String) {
    let reply = server
        .op("template_get")
        .path("template_id", id)
        .send()
        .await;
    let body = reply.expect(200).clone();
    (
        body,
        reply
            .header("etag")
            .expect("GET answers an ETag")
            .to_owned(),
    )
}

#[tokio::test]
async fn template_changes_honour_if_match() {
    let server = TestServer::start().await;
    let created = server
        .op("template_create")
        .json(json!({
            "name": server.name("tpl-etag"), "display_name": "Tagged", "os_type": "linux",
            "os_variant": "generic", "min_memory": 128, "recommended_memory": 256,
            "min_vcpus": 1, "recommended_vcpus": 1, "min_disk": 1, "recommended_disk": 1
        }))
        .send()
        .await
        .expect(201)
        .clone();
    let id = created["id"].as_i64().unwrap().to_string();
    let (_, tag) = get_template(&server, &id).await;
    assert!(is_strong_tag(&tag), "{tag}");
    assert_eq!(get_template(&server, &id).await.1, tag);

    let reply = server
        .op("template_update")
        .path("template_id", &id)
        .header("If-Match", &tag)
        .json(json!({"display_name": "Renamed"}))
        .send()
        .await;
    reply.expect(200);
    let new_tag = reply.header("etag").expect("ETag").to_owned();
    assert_ne!(new_tag, tag);
    assert_eq!(get_template(&server, &id).await.1, new_tag);

    server
        .op("template_update")
        .path("template_id", &id)
        .header("If-Match", &tag)
        .json(json!({"display_name": "Lost"}))
        .send()
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    server
        .op("template_delete")
        .path("template_id", &id)
        .header("If-Match", &tag)
        .send()
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    let (kept, _) = get_template(&server, &id).await;
    assert_eq!(kept["display_name"], "Renamed");

    server
        .op("template_delete")
        .path("template_id", &id)
        .header("If-Match", &new_tag)
        .send()
        .await
        .expect(204);
    server
        .op("template_get")
        .path("template_id", &id)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
}

/// Snapshot revert, migration and hotplug are changes of the VM too: a stale
/// tag stops them before anything is done, the current one lets them through.
#[tokio::test]
async fn snapshot_revert_migration_and_hotplug_honour_if_match() {
    let server = TestServer::start().await;
    let vm = server.name("etag-more");
    server
        .op("vm_create")
        .json(json!({
            "name": vm, "memory": 128, "vcpus": 1, "disk_size": 1,
            "graphics": [{"type": "none"}]
        }))
        .send()
        .await
        .expect(201);
    server
        .op("snapshot_create")
        .path("id", &vm)
        .json(json!({"name": "base"}))
        .send()
        .await
        .expect(201);
    let (_, stale) = get_vm(&server, &vm).await;
    server
        .op("vm_update")
        .path("id", &vm)
        .json(json!({"memory": 192}))
        .send()
        .await
        .expect(200);
    let (changed, current) = get_vm(&server, &vm).await;
    assert_ne!(stale, current);

    server
        .op("snapshot_revert")
        .path("id", &vm)
        .path("snapshot", "base")
        .header("If-Match", &stale)
        .send()
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    let (after, after_tag) = get_vm(&server, &vm).await;
    assert_eq!(
        after["memory"], changed["memory"],
        "a refused revert changes nothing"
    );
    assert_eq!(after_tag, current);

    // The migration's precondition is checked before its destination is
    // contacted: a stale tag is 412, the current one reaches the next check
    // (a shut-off VM does not migrate).
    let migrate = |tag: String| {
        let server = &server;
        let vm = vm.clone();
        async move {
            server
                .op("migration_start")
                .path("id", &vm)
                .header("If-Match", &tag)
                .json(json!({"destination_host": "elsewhere"}))
                .send()
                .await
        }
    };
    migrate(stale.clone())
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    // So is a hotplug's, before the VM's state: the stale tag is 412, the
    // current one reaches the next check (a shut-off VM is changed by PUT).
    let hotplug = |tag: String| {
        let server = &server;
        let vm = vm.clone();
        async move {
            server
                .op("vm_hotplug")
                .path("id", &vm)
                .header("If-Match", &tag)
                .json(json!({"resource_type": "memory", "action": "add",
                             "configuration": {"memory": 256}}))
                .send()
                .await
        }
    };
    hotplug(stale.clone())
        .await
        .expect_error(412, "PRECONDITION_FAILED");
    hotplug(current.clone()).await.expect_error(409, "CONFLICT");
    migrate(current.clone())
        .await
        .expect_error(409, "VM_NOT_RUNNING");

    let reverted = server
        .op("snapshot_revert")
        .path("id", &vm)
        .path("snapshot", "base")
        .header("If-Match", &current)
        .send()
        .await;
    assert_eq!(
        reverted.expect(200)["vm"]["memory"],
        128,
        "the snapshot's definition is back"
    );
    assert_ne!(
        get_vm(&server, &vm).await.1,
        current,
        "the revert changed the tag"
    );

    server
        .op("vm_delete")
        .path("id", &vm)
        .query("remove_disks", "true")
        .send()
        .await
        .expect(204);
}
