//! A real guest OS under Vapor: what only a guest that runs can show.
//!
//! The guest is the test guest `scripts/build-test-guest.sh` builds from
//! Debian packages (a cloud kernel, busybox and qemu-guest-agent on a tiny
//! FAT disk that SYSLINUX boots). It prints `VAPOR-TEST-GUEST READY
//! boot=<boot id>` on its serial console at boot and every 2 s after, powers
//! off on the ACPI power button, runs the QEMU guest agent, takes a DHCP
//! address on each NIC and lets the kernel handle ACPI PCI hot-unplug.
//!
//! These tests need QEMU: on the mock and libvirt's test driver nothing
//! boots, and they return early saying so (the mock's side of the agent is
//! tested in `vapor-mock`; quiesce refused without an agent in
//! `snapshots.rs`), except `guest_ip_addresses`, which checks that a guest
//! without an agent has no addresses. The VMs use domain type `qemu` (TCG):
//! a Linux kernel does not run under this host's nested KVM.
//!
//! The image comes from `VAPOR_TEST_GUEST_IMAGE` (set by `scripts/test.sh`)
//! or, when that is unset, from running the script, which answers from its
//! cache once built. Each VM boots a copy in the server's own directory,
//! attached as an `existing` disk; the directory goes with the server.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use vapor_conformance::{Backend, TestServer};
use vapor_core::app::DomainTypeChoice;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the guest prints on its serial console, followed by its boot id.
const BANNER: &str = "VAPOR-TEST-GUEST READY boot=";

/// Time for a TCG guest to boot (firmware, SYSLINUX, kernel, init), with
/// room for several guests booting at once on a small host.
const BOOT: Duration = Duration::from_secs(90);

/// The test guest's disk image, built (or found in the cache) once per run.
fn guest_image() -> PathBuf {
    static IMAGE: OnceLock<PathBuf> = OnceLock::new();
    IMAGE
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("VAPOR_TEST_GUEST_IMAGE") {
                return PathBuf::from(path);
            }
            let script =
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-test-guest.sh");
            let out = std::process::Command::new("bash")
                .arg(&script)
                .stderr(std::process::Stdio::inherit())
                .output()
                .expect("bash runs scripts/build-test-guest.sh");
            assert!(out.status.success(), "scripts/build-test-guest.sh failed");
            let stdout = String::from_utf8_lossy(&out.stdout);
            PathBuf::from(stdout.lines().last().expect("the image's path").trim())
        })
        .clone()
}

/// A server whose VMs are plain QEMU emulation, or `None` (after saying
/// why) when the backend cannot boot a guest.
async fn qemu_server(test: &str) -> Option<TestServer> {
    let server = TestServer::start_with(|c| c.domain_type = DomainTypeChoice::Qemu).await;
    if server.backend != Backend::LibvirtQemu {
        eprintln!(
            "{test}: skipped on {:?}: no guest boots there",
            server.backend
        );
        return None;
    }
    Some(server)
}

/// Creates a VM that boots a copy of the test guest, with these NICs, and
/// starts it. Returns its name.
async fn guest_vm(server: &TestServer, suffix: &str, networks: Value) -> String {
    let name = server.name(suffix);
    let disk = server.dir().join(format!("{suffix}.img"));
    std::fs::copy(guest_image(), &disk).expect("copy of the guest image");
    server
        .op("vm_create_enhanced")
        .json(json!({
            "name": name,
            "memory": 256,
            "vcpus": 1,
            "disks": [{"action": "existing", "path": disk, "format": "raw"}],
            "networks": networks,
        }))
        .send()
        .await
        .expect(201);
    action(server, &name, json!({"action": "start"})).await;
    name
}

/// A power action that answers 200 (202 actions are waited for by the caller).
async fn action(server: &TestServer, id: &str, body: Value) -> Value {
    let reply = server
        .op("vm_action")
        .path("id", id)
        .json(body)
        .send()
        .await;
    assert!(
        matches!(reply.status, 200 | 202),
        "{} {}",
        reply.status,
        reply.body
    );
    reply.body["data"].clone()
}

async fn get(server: &TestServer, id: &str) -> Value {
    server
        .op("vm_get")
        .path("id", id)
        .send()
        .await
        .expect(200)
        .clone()
}

/// Opens the VM's serial console WebSocket.
async fn serial(server: &TestServer, id: &str) -> Socket {
    let session = server
        .op("vm_console_get")
        .path("id", id)
        .query("type", "serial")
        .send()
        .await
        .expect(200)
        .clone();
    let url = format!(
        "{}/api/v1{}",
        server.base_url.replacen("http://", "ws://", 1),
        session["ws_path"].as_str().expect("ws_path")
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "binary".parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the serial console opens");
    socket
}

/// Reads the console until a banner line whose boot id is not `not` comes;
/// returns that boot id.
async fn banner(socket: &mut Socket, not: Option<&str>) -> String {
    let deadline = tokio::time::Instant::now() + BOOT;
    let mut text = String::new();
    loop {
        // A complete line: the banner, then its boot id (36 characters).
        let mut from = 0;
        while let Some(at) = text[from..].find(BANNER) {
            let start = from + at + BANNER.len();
            let rest = &text[start..];
            if let Some(end) = rest.find(['\r', '\n']) {
                let id = rest[..end].trim().to_owned();
                if id.len() == 36 && Some(id.as_str()) != not {
                    return id;
                }
            }
            from = start;
        }
        let next = tokio::time::timeout_at(deadline, socket.next()).await;
        match next {
            Ok(Some(Ok(Message::Binary(b)))) => text.push_str(&String::from_utf8_lossy(&b)),
            Ok(Some(Ok(_))) => {}
            Ok(other) => panic!("the console ended ({other:?}); it showed: {text}"),
            Err(_) => panic!("no banner within {BOOT:?}; the console showed: {text}"),
        }
    }
}

/// Waits until the guest agent is connected, as snapshot capabilities say.
async fn agent_connected(server: &TestServer, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + BOOT;
    loop {
        let caps = server
            .op("snapshot_capabilities_get")
            .path("id", id)
            .send()
            .await
            .expect(200)
            .clone();
        if caps["supports_quiesce"] == true {
            return caps;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the guest agent did not connect within {BOOT:?}: {caps}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn guest_console_banner() {
    let Some(server) = qemu_server("guest_console_banner").await else {
        return;
    };
    let name = guest_vm(&server, "banner", json!([])).await;
    let mut socket = serial(&server, &name).await;
    let boot = banner(&mut socket, None).await;
    assert!(uuid::Uuid::parse_str(&boot).is_ok(), "{boot}");
    // The guest keeps printing the same boot's banner.
    assert_eq!(banner(&mut socket, None).await, boot);
}

#[tokio::test]
async fn guest_acpi_shutdown() {
    let Some(server) = qemu_server("guest_acpi_shutdown").await else {
        return;
    };
    let name = guest_vm(&server, "acpi", json!([])).await;
    let mut socket = serial(&server, &name).await;
    banner(&mut socket, None).await;

    // `stop` without force: the ACPI power button, an operation that ends
    // when the guest has powered itself off.
    let op = action(
        &server,
        &name,
        json!({"action": "stop", "timeout_seconds": 60}),
    )
    .await;
    let id = op["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an operation: {op}"))
        .to_owned();
    let done = server.wait_operation(&id, Duration::from_secs(70)).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(get(&server, &name).await["state"], "shutoff");
}

#[tokio::test]
async fn guest_reboot() {
    let Some(server) = qemu_server("guest_reboot").await else {
        return;
    };
    let name = guest_vm(&server, "reboot", json!([])).await;
    let mut socket = serial(&server, &name).await;
    let first = banner(&mut socket, None).await;
    action(&server, &name, json!({"action": "restart"})).await;
    // The same console (QEMU keeps running) shows a new boot.
    let second = banner(&mut socket, Some(&first)).await;
    assert_ne!(first, second);
    assert_eq!(get(&server, &name).await["state"], "running");
}

#[tokio::test]
async fn guest_quiesced_snapshot() {
    let Some(server) = qemu_server("guest_quiesced_snapshot").await else {
        return;
    };
    let name = guest_vm(&server, "quiesce", json!([])).await;
    let caps = agent_connected(&server, &name).await;
    assert_eq!(caps["supports_external"], true, "{caps}");
    assert!(
        !caps["recommendations"]
            .to_string()
            .contains("qemu-guest-agent"),
        "{caps}"
    );
    let snap = server
        .op("snapshot_create")
        .path("id", &name)
        .json(json!({"name": "frozen", "quiesce": true}))
        .send()
        .await;
    let snap = snap.expect(201);
    assert_eq!(snap["type"], "external", "{snap}");
    assert_eq!(snap["state"], "disk-snapshot", "{snap}");

    // A blank VM (no OS, so no agent) has the channel but nothing on it.
    let blank = server.name("blank");
    server
        .op("vm_create")
        .json(json!({"name": blank, "memory": 128, "vcpus": 1, "disk_size": 1}))
        .send()
        .await
        .expect(201);
    action(&server, &blank, json!({"action": "start"})).await;
    let caps = server
        .op("snapshot_capabilities_get")
        .path("id", &blank)
        .send()
        .await
        .expect(200)
        .clone();
    assert_eq!(caps["supports_quiesce"], false, "{caps}");
    assert!(caps["warnings"].to_string().contains("no agent"), "{caps}");
    let refused = server
        .op("snapshot_create")
        .path("id", &blank)
        .json(json!({"name": "frozen", "quiesce": true}))
        .send()
        .await;
    refused.expect_error(422, "QUIESCE_UNAVAILABLE");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("agent"),
        "{}",
        refused.body
    );
}

/// A /24 in 10.214.0.0/16 that no network on the host uses.
fn free_subnet(server: &TestServer) -> u8 {
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
    (0..256u32)
        .map(|i| ((start + i) % 256) as u8)
        .find(|x| {
            let ours = u32::from(Ipv4Addr::new(10, 214, *x, 0));
            !used
                .iter()
                .any(|ip| u32::from(ip.address) & 0xffff_ff00 == ours)
        })
        .expect("a free /24 in 10.214.0.0/16")
}

#[tokio::test]
async fn guest_ip_addresses() {
    let server = TestServer::start_with(|c| c.domain_type = DomainTypeChoice::Qemu).await;
    match server.backend {
        Backend::LibvirtQemu => {}
        Backend::Mock => {
            // The mock's guests run no agent: a running VM's NIC has no
            // known addresses (null), and so has one that is off.
            let name = server.name("noagent");
            server
                .op("vm_create")
                .json(json!({"name": name, "memory": 128, "vcpus": 1, "network": {"type": "user"}}))
                .send()
                .await
                .expect(201);
            assert_eq!(
                get(&server, &name).await["networks"][0]["ip_addresses"],
                Value::Null
            );
            action(&server, &name, json!({"action": "start"})).await;
            let vm = get(&server, &name).await;
            assert_eq!(vm["networks"][0]["ip_addresses"], Value::Null, "{vm}");
            return;
        }
        Backend::LibvirtTest => {
            eprintln!("guest_ip_addresses: skipped on libvirt's test driver: no guest runs there");
            return;
        }
    }
    let x = free_subnet(&server);
    let net = server.name("net");
    server
        .op("network_create")
        .json(json!({
            "name": net,
            "mode": "nat",
            "ip_range": {"address": format!("10.214.{x}.1"), "netmask": "255.255.255.0"},
            "dhcp": {"start": format!("10.214.{x}.100"), "end": format!("10.214.{x}.200")}
        }))
        .send()
        .await
        .expect(201);
    let name = guest_vm(
        &server,
        "ip",
        json!([{"type": "network", "source": net, "model": "virtio"}]),
    )
    .await;
    // Before the agent answers the addresses are unknown (null); then the
    // guest's DHCP address on the network shows, with its prefix.
    let deadline = tokio::time::Instant::now() + BOOT;
    let address = loop {
        let vm = get(&server, &name).await;
        let nic = &vm["networks"][0];
        assert_eq!(nic["source"], json!(net), "{vm}");
        if let Some(list) = nic["ip_addresses"].as_array() {
            if let Some(v4) = list.iter().find(|a| a["family"] == "ipv4") {
                assert_eq!(v4["prefix"], 24, "{vm}");
                break v4["address"].as_str().unwrap().to_owned();
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no IPv4 address within {BOOT:?}: {vm}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let ip: Ipv4Addr = address.parse().expect("an IPv4 address");
    let [a, b, c, d] = ip.octets();
    assert_eq!((a, b, c), (10, 214, x), "{address}");
    assert!((100..=200).contains(&d), "in the DHCP range: {address}");
    // The network's DHCP server gave that address to this NIC.
    let leases = server
        .op("network_dhcp_leases_list")
        .path("name", &net)
        .send()
        .await
        .expect(200)
        .clone();
    assert!(leases.to_string().contains(&address), "{leases}");
    // Other endpoints do not ask the agent.
    let list = server.op("vm_list").send().await.expect(200).clone();
    let listed = list["vms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == json!(name))
        .expect("the VM is listed");
    assert_eq!(listed["networks"][0]["ip_addresses"], Value::Null);
}

#[tokio::test]
async fn guest_hot_unplug() {
    let Some(server) = qemu_server("guest_hot_unplug").await else {
        return;
    };
    let name = guest_vm(&server, "unplug", json!([])).await;
    let mut socket = serial(&server, &name).await;
    banner(&mut socket, None).await;

    let extra = server.dir().join("extra.qcow2");
    let made = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&extra)
        .arg("16M")
        .status()
        .expect("qemu-img runs");
    assert!(made.success());
    let hotplug = |body: Value| {
        let server = &server;
        let name = &name;
        async move {
            server
                .op("vm_hotplug")
                .path("id", name)
                .json(body)
                .send()
                .await
        }
    };
    let added = hotplug(
        json!({"resource_type": "disk", "action": "add", "configuration": {"source": extra}}),
    )
    .await;
    assert_eq!(added.expect(200)["details"]["state"], "completed");
    let added = hotplug(
        json!({"resource_type": "network", "action": "add", "configuration": {"type": "user"}}),
    )
    .await;
    let mac = added.expect(200)["details"]["mac"]
        .as_str()
        .unwrap()
        .to_owned();

    // The guest's kernel releases both when asked (ACPI PCI hotplug).
    let removed = hotplug(
        json!({"resource_type": "disk", "action": "remove", "configuration": {"target": "vdb"}}),
    )
    .await;
    let data = removed.expect(200);
    assert_eq!(data["details"]["state"], "completed", "{data}");
    let removed = hotplug(
        json!({"resource_type": "network", "action": "remove", "configuration": {"mac": mac}}),
    )
    .await;
    let data = removed.expect(200);
    assert_eq!(data["details"]["state"], "completed", "{data}");
    let vm = get(&server, &name).await;
    assert_eq!(vm["disks"].as_array().unwrap().len(), 1, "{vm}");
    assert_eq!(vm["networks"].as_array().unwrap().len(), 0, "{vm}");
    assert_eq!(vm["state"], "running");
}
