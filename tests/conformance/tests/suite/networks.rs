//! Virtual networks over HTTP: create, read back, start/stop, autostart,
//! DHCP leases, delete, and every declared error.
//!
//! Networks are named with the server's prefix and get subnets of
//! 10.213.0.0/16 that no other network on the host overlaps, and bridges
//! named `vbr` and 8 random hex digits. No traffic is ever sent to them.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::Mutex;

use serde_json::{json, Value};
use vapor_conformance::{Backend, Reply, TestServer};

/// Third octets of 10.213.x.0/24 handed out in this process.
static TAKEN: Mutex<BTreeSet<u8>> = Mutex::new(BTreeSet::new());

/// A third octet `x` such that 10.213.x.0/24 overlaps no network on the host
/// and was not handed to another test of this process. The search starts at
/// a point derived from the server's unique prefix.
fn subnet(server: &TestServer) -> u8 {
    let used: Vec<_> = server
        .hypervisor
        .list_networks()
        .expect("networks")
        .into_iter()
        .filter_map(|n| n.ip)
        .collect();
    let start = server
        .name("")
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let mut taken = TAKEN.lock().unwrap_or_else(|p| p.into_inner());
    for i in 0..256u32 {
        let x = ((start + i) % 256) as u8;
        let address = Ipv4Addr::new(10, 213, x, 1);
        let clash = used.iter().any(|ip| {
            let mask = u32::from(ip.netmask) & 0xffff_ff00;
            u32::from(ip.address) & mask == u32::from(address) & mask
        });
        if !clash && taken.insert(x) {
            return x;
        }
    }
    panic!("no free /24 left in 10.213.0.0/16");
}

/// A bridge name no other test uses: `vbr` and 8 hex digits (11 characters).
fn bridge() -> String {
    format!("vbr{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

fn nat_body(name: &str, bridge: &str, x: u8) -> Value {
    json!({
        "name": name,
        "mode": "nat",
        "bridge": bridge,
        "ip_range": {"address": format!("10.213.{x}.1"), "netmask": "255.255.255.0"},
        "dhcp": {
            "start": format!("10.213.{x}.100"),
            "end": format!("10.213.{x}.200"),
            "hosts": [
                {"mac": "52:54:00:AB:00:01", "ip": format!("10.213.{x}.10"), "name": "web-1"},
                {"mac": "52:54:00:ab:00:02", "ip": format!("10.213.{x}.11")}
            ]
        }
    })
}

async fn create(server: &TestServer, body: Value) -> Reply {
    server.op("network_create").json(body).send().await
}

async fn get(server: &TestServer, name: &str) -> Reply {
    server.op("network_get").path("name", name).send().await
}

async fn action(server: &TestServer, name: &str, action: &str) -> Reply {
    server
        .op("network_action")
        .path("name", name)
        .json(json!({"action": action}))
        .send()
        .await
}

async fn delete(server: &TestServer, name: &str) -> Reply {
    server.op("network_delete").path("name", name).send().await
}

async fn leases(server: &TestServer, name: &str) -> Reply {
    server
        .op("network_dhcp_leases_list")
        .path("name", name)
        .send()
        .await
}

/// Asserts the lease list of a network with no guests: empty, or on the
/// test driver, which has no lease API, 422.
fn assert_no_leases(server: &TestServer, reply: &Reply) {
    if server.backend == Backend::LibvirtTest {
        reply.expect_error(422, "UNSUPPORTED");
        return;
    }
    let data = reply.expect(200);
    assert_eq!(data["count"], 0, "{data}");
    assert_eq!(data["leases"], json!([]), "{data}");
}

#[tokio::test]
async fn nat_network_lifecycle() {
    let server = TestServer::start().await;
    let name = server.name("nat");
    let br = bridge();
    let x = subnet(&server);
    let created = create(&server, nat_body(&name, &br, x)).await;
    let net = created.expect(201).clone();
    assert_eq!(created.status, 201);
    assert_eq!(net["name"], name.as_str());
    assert_eq!(net["mode"], "nat");
    assert_eq!(net["bridge"], br.as_str());
    assert_eq!(net["state"], "active");
    assert_eq!(net["autostart"], false);
    assert_eq!(net["persistent"], true);
    uuid::Uuid::parse_str(net["uuid"].as_str().unwrap()).expect("a UUID");
    assert_eq!(
        net["ip_range"],
        json!({"address": format!("10.213.{x}.1"), "netmask": "255.255.255.0"})
    );
    // As libvirt holds it: MACs in lower case, a host without a name has none.
    assert_eq!(
        net["dhcp"],
        json!({
            "start": format!("10.213.{x}.100"),
            "end": format!("10.213.{x}.200"),
            "hosts": [
                {"mac": "52:54:00:ab:00:01", "ip": format!("10.213.{x}.10"), "name": "web-1"},
                {"mac": "52:54:00:ab:00:02", "ip": format!("10.213.{x}.11")}
            ]
        })
    );

    let got = get(&server, &name).await;
    assert_eq!(got.expect(200), &net);
    let list = server.op("network_list").send().await;
    let list = list.expect(200);
    let all = list["networks"].as_array().unwrap();
    assert_eq!(list["count"].as_u64().unwrap() as usize, all.len());
    assert_eq!(all.iter().filter(|n| n["name"] == name.as_str()).count(), 1);

    assert_no_leases(&server, &leases(&server, &name).await);

    let stopped = action(&server, &name, "stop").await;
    assert_eq!(stopped.expect(200)["state"], "inactive");
    action(&server, &name, "stop")
        .await
        .expect_error(409, "CONFLICT");
    // An inactive network has no leases either.
    assert_no_leases(&server, &leases(&server, &name).await);
    let started = action(&server, &name, "start").await;
    let started = started.expect(200);
    assert_eq!(started["state"], "active");
    assert_eq!(started["dhcp"], net["dhcp"]);
    action(&server, &name, "start")
        .await
        .expect_error(409, "CONFLICT");

    let on = action(&server, &name, "autostart_on").await;
    assert_eq!(on.expect(200)["autostart"], true);
    assert_eq!(get(&server, &name).await.expect(200)["autostart"], true);
    let off = action(&server, &name, "autostart_off").await;
    assert_eq!(off.expect(200)["autostart"], false);

    delete(&server, &name).await.expect(204);
    get(&server, &name).await.expect_error(404, "NOT_FOUND");
    assert!(server
        .hypervisor
        .list_networks()
        .unwrap()
        .iter()
        .all(|n| n.name != name));
}

#[tokio::test]
async fn isolated_networks_with_and_without_addresses() {
    let server = TestServer::start().await;

    // No address, no bridge name: libvirt's QEMU driver picks a bridge
    // (virbrN); the test driver and the mock name none.
    let bare = server.name("iso-bare");
    let reply = create(&server, json!({"name": bare, "mode": "isolated"})).await;
    let net = reply.expect(201).clone();
    assert_eq!(net["mode"], "isolated");
    assert_eq!(net["state"], "active");
    assert!(net.get("ip_range").is_none(), "{net}");
    assert!(net.get("dhcp").is_none(), "{net}");
    match server.backend {
        Backend::LibvirtQemu => assert!(
            net["bridge"]
                .as_str()
                .is_some_and(|b| b.starts_with("virbr")),
            "{net}"
        ),
        Backend::Mock | Backend::LibvirtTest => assert_eq!(net["bridge"], Value::Null),
    }

    // An address and DHCP, started with autostart.
    let lab = server.name("iso-lab");
    let x = subnet(&server);
    let br = bridge();
    let reply = create(
        &server,
        json!({
            "name": lab, "mode": "isolated", "bridge": br, "autostart": true,
            "ip_range": {"address": format!("10.213.{x}.254"), "netmask": "255.255.255.0"},
            "dhcp": {"start": format!("10.213.{x}.2"), "end": format!("10.213.{x}.9")}
        }),
    )
    .await;
    let net = reply.expect(201).clone();
    assert_eq!(net["mode"], "isolated");
    assert_eq!(net["bridge"], br.as_str());
    assert_eq!(net["autostart"], true);
    assert_eq!(net["ip_range"]["address"], format!("10.213.{x}.254"));
    assert_eq!(
        net["dhcp"],
        json!({"start": format!("10.213.{x}.2"), "end": format!("10.213.{x}.9"), "hosts": []})
    );
    assert_eq!(get(&server, &lab).await.expect(200), &net);
    assert_no_leases(&server, &leases(&server, &lab).await);

    for name in [&bare, &lab] {
        delete(&server, name).await.expect(204);
        get(&server, name).await.expect_error(404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_with_the_field_at_fault() {
    let server = TestServer::start().await;
    let name = server.name("bad");
    let x = subnet(&server);
    let br = bridge();
    let valid = nat_body(&name, &br, x);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut body = valid.clone();
        edit(&mut body);
        body
    };
    let ip = |a: &str, m: &str| json!({"address": a, "netmask": m});
    let net = |last: u8| format!("10.213.{x}.{last}");
    let cases: Vec<(Value, &str)> = vec![
        (with(&|b| b["bridge"] = json!("br 0")), "bridge"),
        (with(&|b| b["bridge"] = json!("br/0")), "bridge"),
        (
            with(&|b| b["ip_range"] = ip("10.213.0", "255.255.255.0")),
            "ip_range",
        ),
        (
            with(&|b| b["ip_range"] = ip("fd00::1", "255.255.255.0")),
            "ip_range",
        ),
        (
            with(&|b| b["ip_range"] = ip(&net(1), "255.0.255.0")),
            "ip_range",
        ),
        (with(&|b| b["ip_range"] = ip(&net(1), "24")), "ip_range"),
        (
            with(&|b| b["ip_range"] = ip(&net(0), "255.255.255.0")),
            "ip_range",
        ),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("ip_range");
                b.as_object_mut().unwrap().remove("dhcp");
            }),
            "ip_range",
        ),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("ip_range");
            }),
            "dhcp",
        ),
        (with(&|b| b["dhcp"]["start"] = json!("10.214.0.5")), "dhcp"),
        (with(&|b| b["dhcp"]["end"] = json!(net(255))), "dhcp"),
        (with(&|b| b["dhcp"]["end"] = json!(net(50))), "dhcp"),
        (with(&|b| b["dhcp"]["start"] = json!("ten")), "dhcp"),
        (
            with(&|b| b["dhcp"]["hosts"][0]["ip"] = json!("10.214.0.10")),
            "dhcp",
        ),
        (
            with(&|b| b["dhcp"]["hosts"][0]["ip"] = json!(net(1))),
            "dhcp",
        ),
        (
            with(&|b| b["dhcp"]["hosts"][1]["ip"] = json!(net(10))),
            "dhcp",
        ),
        (
            with(&|b| b["dhcp"]["hosts"][1]["mac"] = json!("52:54:00:ab:00:01")),
            "dhcp",
        ),
        (
            with(&|b| b["dhcp"]["hosts"][0]["mac"] = json!("01:00:5e:00:00:01")),
            "dhcp",
        ),
        (
            with(&|b| b["dhcp"]["hosts"][0]["name"] = json!("a,b")),
            "dhcp",
        ),
        (
            with(&|b| b["dhcp"]["hosts"][0]["name"] = json!("x'y")),
            "dhcp",
        ),
        (json!({"name": name, "mode": "bridge"}), "bridge"),
        (
            json!({"name": name, "mode": "bridge", "bridge": "br0", "ip_range": ip(&net(1), "255.255.255.0")}),
            "ip_range",
        ),
        (
            json!({"name": name, "mode": "bridge", "bridge": "br0", "dhcp": {"start": net(2), "end": net(3)}}),
            "dhcp",
        ),
        (json!({"name": name, "mode": "route"}), "ip_range"),
        (json!({"name": name, "mode": "open"}), "ip_range"),
    ];
    for (body, field) in cases {
        let reply = create(&server, body.clone()).await;
        reply.expect_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"]["field"], field, "{body}");
    }
    // Refused by the generated request validation (no field named); the
    // application checks the same rules again.
    for body in [
        with(&|b| b["name"] = json!("has space")),
        with(&|b| b["name"] = json!("-dash")),
        with(&|b| b["name"] = json!("x".repeat(65))),
        with(&|b| b["bridge"] = json!("vbr-much-too-long")),
        with(&|b| b["mode"] = json!("wormhole")),
        with(&|b| b["dhcp"]["hosts"][0]["mac"] = json!("52:54:00:ab:00")),
        with(&|b| b["dhcp"]["hosts"][0]["name"] = json!("<b>web</b>")),
        json!({"mode": "nat"}),
    ] {
        create(&server, body)
            .await
            .expect_error(400, "VALIDATION_ERROR");
    }
    // Nothing was left behind.
    get(&server, &name).await.expect_error(404, "NOT_FOUND");

    create(&server, valid.clone()).await.expect(201);
    // The same name again.
    let mut again = nat_body(&name, &bridge(), subnet(&server));
    again["mode"] = json!("route");
    create(&server, again)
        .await
        .expect_error(409, "ALREADY_EXISTS");

    let action = |body: Value| {
        server
            .op("network_action")
            .path("name", &name)
            .json(body)
            .send()
    };
    action(json!({"action": "explode"}))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    action(json!({}))
        .await
        .expect_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn missing_networks_are_404() {
    let server = TestServer::start().await;
    let missing = server.name("missing");
    get(&server, &missing).await.expect_error(404, "NOT_FOUND");
    delete(&server, &missing)
        .await
        .expect_error(404, "NOT_FOUND");
    for a in ["start", "stop", "autostart_on", "autostart_off"] {
        action(&server, &missing, a)
            .await
            .expect_error(404, "NOT_FOUND");
    }
    leases(&server, &missing)
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn overlapping_subnets_and_shared_bridges_are_conflicts() {
    let server = TestServer::start().await;
    let x = subnet(&server);
    let first = server.name("ovl-a");
    let first_bridge = bridge();
    create(&server, nat_body(&first, &first_bridge, x))
        .await
        .expect(201);

    // A subnet inside the active network's: refused, nothing left defined.
    let second = server.name("ovl-b");
    let mut inside = nat_body(&second, &bridge(), x);
    inside["ip_range"] =
        json!({"address": format!("10.213.{x}.129"), "netmask": "255.255.255.128"});
    inside["dhcp"] = json!({"start": format!("10.213.{x}.130"), "end": format!("10.213.{x}.140")});
    let reply = create(&server, inside.clone()).await;
    reply.expect_error(409, "CONFLICT");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&first),
        "{}",
        reply.body
    );
    get(&server, &second).await.expect_error(404, "NOT_FOUND");

    // The bridge of another network: refused, nothing left defined.
    let third = server.name("ovl-c");
    let y = subnet(&server);
    create(&server, nat_body(&third, &first_bridge, y))
        .await
        .expect_error(409, "CONFLICT");
    get(&server, &third).await.expect_error(404, "NOT_FOUND");

    // While the first is stopped, the overlapping one can be made and run;
    // then the first cannot start.
    action(&server, &first, "stop").await.expect(200);
    create(&server, inside).await.expect(201);
    action(&server, &first, "start")
        .await
        .expect_error(409, "CONFLICT");
    assert_eq!(get(&server, &first).await.expect(200)["state"], "inactive");
    delete(&server, &second).await.expect(204);
    action(&server, &first, "start").await.expect(200);
    delete(&server, &first).await.expect(204);
}

#[tokio::test]
async fn a_network_in_use_by_a_running_vm_cannot_be_deleted() {
    let server = TestServer::start().await;
    let name = server.name("used");
    // Isolated and without addresses: whatever the blank guest's firmware
    // sends stays on a bridge that leads nowhere.
    create(
        &server,
        json!({"name": name, "mode": "isolated", "bridge": bridge()}),
    )
    .await
    .expect(201);
    let vm = server.name("used-vm");
    server
        .op("vm_create")
        .json(json!({
            "name": vm, "memory": 256, "vcpus": 1, "graphics": [{"type": "none"}],
            "network": {"type": "network", "source": name}
        }))
        .send()
        .await
        .expect(201);
    // A stopped VM does not hold the network.
    let vm_action = |a: &'static str| {
        server
            .op("vm_action")
            .path("id", &vm)
            .json(json!({"action": a}))
            .send()
    };
    vm_action("start").await.expect(200);
    let refused = delete(&server, &name).await;
    refused.expect_error(409, "CONFLICT");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&vm),
        "{}",
        refused.body
    );
    assert_eq!(get(&server, &name).await.expect(200)["state"], "active");
    vm_action("force_stop").await.expect(200);
    delete(&server, &name).await.expect(204);
    get(&server, &name).await.expect_error(404, "NOT_FOUND");
}

/// On a real host, starting a network whose bridge name is taken by a host
/// device fails after the network was defined; the create must undo the
/// definition. (The mock and the test driver model no host devices.)
#[tokio::test]
async fn a_start_that_fails_leaves_nothing_defined() {
    let server = TestServer::start().await;
    if server.backend != Backend::LibvirtQemu {
        return;
    }
    let name = server.name("lo");
    let reply = create(
        &server,
        json!({"name": name, "mode": "isolated", "bridge": "lo"}),
    )
    .await;
    reply.expect_error(409, "CONFLICT");
    get(&server, &name).await.expect_error(404, "NOT_FOUND");
    assert!(server
        .hypervisor
        .list_networks()
        .unwrap()
        .iter()
        .all(|n| n.name != name));
}

#[tokio::test]
async fn the_generated_sdk_reads_networks() {
    let server = TestServer::start().await;
    let name = server.name("sdk");
    let x = subnet(&server);
    create(&server, nat_body(&name, &bridge(), x))
        .await
        .expect(201);
    let mut config = vapor_client::apis::configuration::Configuration::new();
    config.base_path = format!("{}/api/v1", server.base_url);
    config.bearer_access_token = Some(server.token.clone());
    let got = vapor_client::apis::networks_api::network_get(&config, &name)
        .await
        .expect("network_get through the SDK");
    assert_eq!(got.data.name, name);
    assert_eq!(got.data.mode, vapor_client::models::NetworkMode::Nat);
    let dhcp = got.data.dhcp.expect("dhcp");
    assert_eq!(dhcp.hosts.map(|h| h.len()), Some(2));
    let list = vapor_client::apis::networks_api::network_list(&config)
        .await
        .expect("network_list through the SDK");
    assert!(list.data.networks.iter().any(|n| n.name == name));
    let leases = vapor_client::apis::networks_api::network_dhcp_leases_list(&config, &name).await;
    match server.backend {
        Backend::LibvirtTest => assert!(leases.is_err(), "the test driver has no lease API"),
        _ => assert_eq!(leases.expect("leases through the SDK").data.count, 0),
    }
}
