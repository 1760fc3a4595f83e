//! `Idempotency-Key` on a create, on every backend: a repeat with the same
//! key and body is answered with the first reply and makes nothing.

use serde_json::json;
use vapor_conformance::TestServer;

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
