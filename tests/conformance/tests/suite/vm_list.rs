//! The VM list: filters, pages, and agreement with the backend after a burst
//! of changes made through the API and behind its back.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vapor_conformance::TestServer;
use vapor_hypervisor::{Domain, DomainSpec, PowerAction, VaporMetadata};

async fn create(server: &TestServer, name: &str) -> Value {
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 64, "vcpus": 1}))
        .send()
        .await
        .expect(201)["vm"]
        .clone()
}

async fn action(server: &TestServer, vm: &str, action: &str) {
    server
        .op("vm_action")
        .path("id", vm)
        .json(json!({"action": action}))
        .send()
        .await
        .expect(200);
}

async fn delete(server: &TestServer, vm: &str) {
    server
        .op("vm_delete")
        .path("id", vm)
        .send()
        .await
        .expect(204);
}

async fn list(server: &TestServer, query: &[(&str, &str)]) -> Value {
    let mut req = server.op("vm_list");
    for (name, value) in query {
        req = req.query(name, value);
    }
    req.send().await.expect(200).clone()
}

fn names(page: &Value) -> Vec<String> {
    page["vms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_follow_the_name_order_and_filters() {
    let server = TestServer::start().await;
    let prefix = server.name("pg-");
    let all: Vec<String> = (0..5).map(|i| format!("{prefix}{i}")).collect();
    for name in &all {
        create(&server, name).await;
    }

    let first = list(&server, &[("name", &prefix), ("limit", "2")]).await;
    assert_eq!(names(&first), all[..2]);
    assert_eq!(first["count"], 2);
    assert_eq!(first["total"], 5);
    let token = first["next_page_token"].as_str().unwrap().to_owned();

    // A VM deleted between pages shifts nothing: the next page starts after
    // the last name seen.
    delete(&server, &all[0]).await;
    let second = list(
        &server,
        &[("name", &prefix), ("limit", "2"), ("page_token", &token)],
    )
    .await;
    assert_eq!(names(&second), all[2..4]);
    assert_eq!(second["total"], 4);
    let token = second["next_page_token"].as_str().unwrap().to_owned();
    let last = list(
        &server,
        &[("name", &prefix), ("limit", "2"), ("page_token", &token)],
    )
    .await;
    assert_eq!(names(&last), all[4..]);
    assert!(last.get("next_page_token").is_none(), "{last}");

    // Without a limit, everything in one reply, and no token.
    let whole = list(&server, &[("name", &prefix)]).await;
    assert_eq!(names(&whole), all[1..]);
    assert!(whole.get("next_page_token").is_none(), "{whole}");

    // By state.
    action(&server, &all[3], "start").await;
    let running = list(&server, &[("name", &prefix), ("state", "running")]).await;
    assert_eq!(names(&running), [all[3].clone()]);
    assert_eq!(running["vms"][0]["state"], "running");
    let stopped = list(&server, &[("name", &prefix), ("state", "shutoff")]).await;
    assert_eq!(stopped["total"], 3);

    // Bad input.
    for (name, value) in [
        ("page_token", "not-a-token!"),
        ("limit", "0"),
        ("limit", "1001"),
        ("state", "sideways"),
    ] {
        server
            .op("vm_list")
            .query(name, value)
            .send()
            .await
            .expect_error(400, "VALIDATION_ERROR");
    }
    action(&server, &all[3], "force_stop").await;
    for name in &all[1..] {
        delete(&server, name).await;
    }
}

/// The fields of a VM that the list must get right.
fn facts(vm: &Value) -> Value {
    json!({
        "uuid": vm["uuid"], "state": vm["state"], "memory": vm["memory"],
        "vcpus": vm["vcpus"], "autostart": vm["autostart"],
        "disks": vm["disks"].as_array().map(Vec::len),
        "networks": vm["networks"].as_array().map(Vec::len),
    })
}

fn backend_facts(d: &Domain) -> Value {
    let state = match d.state {
        vapor_hypervisor::DomainState::Running => "running",
        vapor_hypervisor::DomainState::Paused => "paused",
        vapor_hypervisor::DomainState::Shutoff => "shutoff",
        _ => "other",
    };
    json!({
        "uuid": d.uuid, "state": state, "memory": d.memory_mib, "vcpus": d.vcpus,
        "autostart": d.autostart, "disks": d.disks.len(), "networks": d.interfaces.len(),
    })
}

#[tokio::test]
async fn the_list_agrees_with_the_backend_after_a_burst_of_changes() {
    let server = TestServer::start().await;
    let prefix = server.name("burst-");
    let through_api: Vec<String> = (0..4).map(|i| format!("{prefix}api{i}")).collect();
    for name in &through_api {
        create(&server, name).await;
    }
    // Changes through the API show at once: the list is never behind a
    // mutation that has answered.
    action(&server, &through_api[0], "start").await;
    action(&server, &through_api[1], "start").await;
    action(&server, &through_api[1], "pause").await;
    server
        .op("vm_update")
        .path("id", &through_api[2])
        .json(json!({"memory": 96, "vcpus": 2}))
        .send()
        .await
        .expect(200);
    delete(&server, &through_api[3]).await;
    let now = list(&server, &[("name", &prefix)]).await;
    let by_name: BTreeMap<String, Value> = now["vms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap().to_owned(), v.clone()))
        .collect();
    assert_eq!(by_name.len(), 3, "{now}");
    assert_eq!(by_name[&through_api[0]]["state"], "running");
    assert_eq!(by_name[&through_api[1]]["state"], "paused");
    assert_eq!(by_name[&through_api[2]]["memory"], 96);
    assert_eq!(by_name[&through_api[2]]["vcpus"], 2);

    // Changes behind the API's back, as `virsh` would make them.
    let hv = server.hypervisor.clone();
    let behind = format!("{prefix}virsh");
    let (uuid0, uuid2) = (
        by_name[&through_api[0]]["uuid"]
            .as_str()
            .unwrap()
            .to_owned(),
        by_name[&through_api[2]]["uuid"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let defined = behind.clone();
    tokio::task::spawn_blocking(move || {
        let host = hv.host_info().unwrap();
        hv.define_domain(&DomainSpec {
            name: defined,
            uuid: uuid::Uuid::new_v4().to_string(),
            domain_type: host.domain_types[0].clone(),
            arch: host.arch.clone(),
            memory_mib: 64,
            vcpus: 1,
            disks: vec![],
            interfaces: vec![],
            graphics: vec![],
            boot: vec![],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        })
        .unwrap();
        hv.power(&uuid0, PowerAction::Destroy).unwrap();
        hv.power(&uuid2, PowerAction::Start).unwrap();
    })
    .await
    .unwrap();

    // The backend's events reach the list; compare with a fresh read.
    let hv = server.hypervisor.clone();
    let wanted = prefix.clone();
    let fresh = tokio::task::spawn_blocking(move || hv.list_domains().unwrap())
        .await
        .unwrap();
    let expected: BTreeMap<String, Value> = fresh
        .iter()
        .filter(|d| d.name.starts_with(&wanted))
        .map(|d| (d.name.clone(), backend_facts(d)))
        .collect();
    assert_eq!(expected.len(), 4);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = list(&server, &[("name", &prefix)]).await;
        let got: BTreeMap<String, Value> = listed["vms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["name"].as_str().unwrap().to_owned(), facts(v)))
            .collect();
        if got == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the list still differs from the backend:\n{got:#?}\n{expected:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Each VM read alone agrees too.
    for (name, want) in &expected {
        let vm = server
            .op("vm_get")
            .path("id", name)
            .send()
            .await
            .expect(200)
            .clone();
        assert_eq!(&facts(&vm), want, "{name}");
    }
    for name in expected.keys() {
        server
            .op("vm_action")
            .path("id", name)
            .json(json!({"action": "force_stop"}))
            .send()
            .await;
        delete(&server, name).await;
    }
}
