//! VM consoles over HTTP: one-time tokens, the WebSocket and the browser page.
//!
//! Tokens (issue, spend, expiry, binding to a VM) behave the same on every
//! backend. What a console's WebSocket reaches differs: on QEMU a real VNC
//! server and serial pseudo-terminal, whose bytes the tests read; libvirt's
//! test driver gives consoles no port or device, so connecting is a 409
//! `NO_SUCH_CONSOLE`; the mock's displays have ports (from 5900, as QEMU's)
//! on which no server of its own listens.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use vapor_conformance::{Backend, Reply, TestServer};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Creates a VM (VNC display unless `graphics` says otherwise) and starts it.
async fn running_vm(server: &TestServer, suffix: &str, graphics: Value) -> (String, String) {
    let name = server.name(suffix);
    let created = server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1, "graphics": graphics}))
        .send()
        .await;
    let uuid = created.expect(201)["vm"]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    action(server, &name, "start").await;
    (name, uuid)
}

async fn action(server: &TestServer, id: &str, action: &str) {
    let reply = server
        .op("vm_action")
        .path("id", id)
        .json(json!({"action": action}))
        .send()
        .await;
    reply.expect(200);
}

async fn session(server: &TestServer, id: &str, kind: Option<&str>) -> Reply {
    let mut req = server.op("vm_console_get").path("id", id);
    if let Some(kind) = kind {
        req = req.query("type", kind);
    }
    req.send().await
}

/// Issues a session and checks its shape; returns `data`.
async fn issue(server: &TestServer, id: &str, kind: Option<&str>) -> Value {
    let reply = session(server, id, kind).await;
    let data = reply.expect(200).clone();
    let sdk: vapor_client::models::ConsoleSession =
        serde_json::from_value(data.clone()).unwrap_or_else(|e| panic!("{e}: {data}"));
    assert!(sdk.token.starts_with("vcon_"), "{data}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expires = sdk.expires_at.timestamp();
    assert!(
        expires >= now - 1 && expires <= now + 61,
        "expires in seconds, not minutes: {data}"
    );
    data
}

/// Opens the console WebSocket of `id` with `token`, offering the `binary`
/// subprotocol. `Err` carries the refusal's status and body.
async fn open(server: &TestServer, id: &str, token: &str) -> Result<Socket, (u16, Value)> {
    let path = format!("/virtualization/virtualmachines/{id}/console/ws?token={token}");
    open_path(server, &path).await
}

async fn open_path(server: &TestServer, ws_path: &str) -> Result<Socket, (u16, Value)> {
    let url = format!(
        "{}/api/v1{ws_path}",
        server.base_url.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "binary".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, response)) => {
            assert_eq!(response.status(), 101);
            assert_eq!(
                response
                    .headers()
                    .get("sec-websocket-protocol")
                    .and_then(|v| v.to_str().ok()),
                Some("binary"),
                "the subprotocol is echoed"
            );
            Ok(socket)
        }
        Err(WsError::Http(response)) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_deref()
                .map(|b| {
                    serde_json::from_slice(b).unwrap_or_else(|e| {
                        panic!(
                            "{status} with non-JSON {:?}: {e}",
                            String::from_utf8_lossy(b)
                        )
                    })
                })
                .unwrap_or(Value::Null);
            Err((status, body))
        }
        Err(e) => panic!("WebSocket handshake failed: {e}"),
    }
}

fn refused(result: Result<Socket, (u16, Value)>) -> (u16, Value) {
    match result {
        Ok(_) => panic!("the WebSocket was accepted"),
        Err(e) => e,
    }
}

fn assert_token_refused(result: Result<Socket, (u16, Value)>, says: &str) {
    let (status, body) = refused(result);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["status"], "error");
    assert_eq!(body["error"]["code"], "CONSOLE_TOKEN_INVALID", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(says), "{message}");
}

/// What connecting to a VNC console gives on each backend, once the token is accepted.
fn assert_vnc_reached(server: &TestServer, result: Result<Socket, (u16, Value)>) {
    match (server.backend, result) {
        (Backend::LibvirtQemu, Ok(_)) => {}
        (Backend::LibvirtTest, Err((409, body))) => {
            assert_eq!(body["error"]["code"], "NO_SUCH_CONSOLE", "{body}");
        }
        // A real server may happen to listen on the mock's port.
        (Backend::Mock, Ok(_)) => {}
        (Backend::Mock, Err((409, body))) => {
            assert_eq!(body["error"]["code"], "CONSOLE_UNREACHABLE", "{body}");
        }
        (backend, Ok(_)) => panic!("{backend:?}: the WebSocket was accepted"),
        (backend, Err((status, body))) => panic!("{backend:?}: {status} {body}"),
    }
}

/// Reads binary frames until `n` bytes came, or fails after 20 s.
async fn read_bytes(socket: &mut Socket, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < n {
        let next = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("bytes within 20 s");
        match next {
            Some(Ok(Message::Binary(b))) => got.extend_from_slice(&b),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected bytes, got {other:?} after {got:?}"),
        }
    }
    got
}

/// Waits until the server closes the socket; returns the close reason.
async fn closed(socket: &mut Socket) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("the socket closes within 30 s");
        match next {
            Some(Ok(Message::Close(frame))) => {
                return frame.map(|f| f.reason.to_string()).unwrap_or_default()
            }
            None | Some(Err(_)) => return String::new(),
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_session_is_issued_for_a_running_vm() {
    let server = TestServer::start().await;
    let (name, uuid) = running_vm(&server, "vnc", json!([{"type": "vnc"}])).await;

    // The default is the first display.
    let data = issue(&server, &name, None).await;
    assert_eq!(data["type"], "vnc");
    let token = data["token"].as_str().unwrap();
    assert_eq!(
        data["ws_path"],
        format!("/virtualization/virtualmachines/{uuid}/console/ws?token={token}")
    );
    // Each session has a token of its own.
    let again = issue(&server, &uuid, Some("vnc")).await;
    assert_ne!(again["token"], data["token"]);
    // Every VM Vapor defines has a serial console.
    assert_eq!(
        issue(&server, &name, Some("serial")).await["type"],
        "serial"
    );
    session(&server, &name, Some("spice"))
        .await
        .expect_error(409, "NO_SUCH_CONSOLE");

    // A VM without graphics defaults to its serial console.
    let (bare, _) = running_vm(&server, "bare", json!([{"type": "none"}])).await;
    assert_eq!(issue(&server, &bare, None).await["type"], "serial");
    session(&server, &bare, Some("vnc"))
        .await
        .expect_error(409, "NO_SUCH_CONSOLE");
}

#[tokio::test]
async fn sessions_need_a_running_vm_that_exists() {
    let server = TestServer::start().await;
    let name = server.name("off");
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1}))
        .send()
        .await
        .expect(201);
    let reply = session(&server, &name, None).await;
    reply.expect_error(409, "VM_NOT_RUNNING");
    assert!(reply.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not running"));
    session(&server, &server.name("missing"), None)
        .await
        .expect_error(404, "NOT_FOUND");
    session(&server, &name, Some("telnet"))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    let anonymous = server
        .op("vm_console_get")
        .path("id", &name)
        .token(None)
        .send()
        .await;
    anonymous.expect_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn a_token_is_spent_once_and_only_for_its_vm() {
    let server = TestServer::start().await;
    let (a, a_uuid) = running_vm(&server, "a", json!([{"type": "vnc"}])).await;
    let (b, _) = running_vm(&server, "b", json!([{"type": "vnc"}])).await;

    // No token, a made-up one, an API token: 401 in the envelope.
    assert_token_refused(
        open_path(
            &server,
            &format!("/virtualization/virtualmachines/{a}/console/ws"),
        )
        .await,
        "required",
    );
    assert_token_refused(
        open(&server, &a, &format!("vcon_{}", "0".repeat(64))).await,
        "not valid",
    );
    assert_token_refused(open(&server, &a, &server.token).await, "not valid");

    // Another VM's token is refused, and spent.
    let token = issue(&server, &a, None).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_token_refused(open(&server, &b, &token).await, "another virtual machine");
    assert_token_refused(open(&server, &a, &token).await, "already used");

    // A request without an upgrade is refused and leaves the token unspent.
    let data = issue(&server, &a, None).await;
    let token = data["token"].as_str().unwrap().to_owned();
    let plain = server
        .op("vm_console_connect")
        .path("id", &a_uuid)
        .query("token", &token)
        .token(None)
        .send()
        .await;
    plain.expect_error(400, "VALIDATION_ERROR");
    assert!(plain.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("WebSocket upgrade required"));

    // The token opens the console once, by the path it came with; then it is spent.
    let first = open_path(&server, data["ws_path"].as_str().unwrap()).await;
    assert_vnc_reached(&server, first);
    assert_token_refused(open(&server, &a_uuid, &token).await, "already used");
}

#[tokio::test]
async fn tokens_expire() {
    let server = TestServer::start_with(|c| c.console_token_ttl_seconds = 1).await;
    let (name, _) = running_vm(&server, "exp", json!([{"type": "vnc"}])).await;
    let token = issue(&server, &name, None).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_token_refused(open(&server, &name, &token).await, "expired");
}

#[tokio::test]
async fn a_vm_that_stopped_since_the_token_is_409() {
    let server = TestServer::start().await;
    let (name, _) = running_vm(&server, "stopped", json!([{"type": "vnc"}])).await;
    let token = issue(&server, &name, None).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    action(&server, &name, "force_stop").await;
    let (status, body) = refused(open(&server, &name, &token).await);
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "VM_NOT_RUNNING", "{body}");
}

#[tokio::test]
async fn serial_consoles_without_a_device_are_409_off_qemu() {
    let server = TestServer::start().await;
    if server.backend == Backend::LibvirtQemu {
        return; // QEMU gives the serial port a pseudo-terminal: see `serial_bytes_are_carried_on_qemu`.
    }
    let (name, _) = running_vm(&server, "ser", json!([{"type": "none"}])).await;
    let token = issue(&server, &name, Some("serial")).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = refused(open(&server, &name, &token).await);
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "NO_SUCH_CONSOLE", "{body}");
}

#[tokio::test]
async fn vnc_bytes_are_carried_on_qemu() {
    let server = TestServer::start().await;
    if server.backend != Backend::LibvirtQemu {
        return; // No VNC server runs on the mock or libvirt's test driver.
    }
    let (name, _) = running_vm(&server, "rfb", json!([{"type": "vnc"}])).await;
    let data = issue(&server, &name, Some("vnc")).await;
    let mut socket = open_path(&server, data["ws_path"].as_str().unwrap())
        .await
        .unwrap_or_else(|(s, b)| panic!("{s} {b}"));
    // QEMU's VNC server speaks first: its protocol version.
    assert_eq!(read_bytes(&mut socket, 12).await, b"RFB 003.008\n");
    // Our answer reaches it: it offers its security types (count, then types).
    socket
        .send(Message::binary(b"RFB 003.008\n".to_vec()))
        .await
        .unwrap();
    let offer = read_bytes(&mut socket, 2).await;
    assert!(offer[0] >= 1, "{offer:?}");
    // The client closing gets a close frame back.
    socket.close(None).await.unwrap();
    assert_eq!(closed(&mut socket).await, "");

    // A new session reaches the display again; stopping the VM closes it.
    let data = issue(&server, &name, None).await;
    let mut socket = open_path(&server, data["ws_path"].as_str().unwrap())
        .await
        .unwrap_or_else(|(s, b)| panic!("{s} {b}"));
    assert_eq!(read_bytes(&mut socket, 12).await, b"RFB 003.008\n");
    action(&server, &name, "force_stop").await;
    assert_eq!(closed(&mut socket).await, "the virtual machine stopped");
}

#[tokio::test]
async fn spice_bytes_are_carried_on_qemu() {
    let server = TestServer::start().await;
    if server.backend != Backend::LibvirtQemu {
        return; // No SPICE server runs on the mock or libvirt's test driver.
    }
    let (name, _) = running_vm(&server, "spice", json!([{"type": "spice"}])).await;
    let data = issue(&server, &name, None).await;
    assert_eq!(data["type"], "spice");
    let mut socket = open_path(&server, data["ws_path"].as_str().unwrap())
        .await
        .unwrap_or_else(|(s, b)| panic!("{s} {b}"));
    // A SPICE client speaks first: a link header ("REDQ", version 2.2, the
    // size of the message) and a link message for the main channel.
    let mut link = b"REDQ".to_vec();
    for word in [2u32, 2, 18, 0] {
        link.extend_from_slice(&word.to_le_bytes());
    }
    link.extend_from_slice(&[1, 0]); // channel type main, channel id 0
    for word in [0u32, 0, 18] {
        link.extend_from_slice(&word.to_le_bytes());
    }
    socket.send(Message::binary(link)).await.unwrap();
    // The server answers with a link header of its own.
    assert_eq!(&read_bytes(&mut socket, 4).await[..4], b"REDQ");
    action(&server, &name, "force_stop").await;
    assert_eq!(closed(&mut socket).await, "the virtual machine stopped");
}

#[tokio::test]
async fn serial_bytes_are_carried_on_qemu() {
    let server = TestServer::start().await;
    if server.backend != Backend::LibvirtQemu {
        return; // Only QEMU gives the serial port a pseudo-terminal on the host.
    }
    let (name, _) = running_vm(&server, "tty", json!([{"type": "none"}])).await;
    let data = issue(&server, &name, None).await;
    assert_eq!(data["type"], "serial");
    let mut socket = open_path(&server, data["ws_path"].as_str().unwrap())
        .await
        .unwrap_or_else(|(s, b)| panic!("{s} {b}"));
    // A blank guest prints nothing; what we type must still be accepted.
    socket.send(Message::binary(b"\r".to_vec())).await.unwrap();
    action(&server, &name, "force_stop").await;
    assert_eq!(closed(&mut socket).await, "the virtual machine stopped");
}

#[tokio::test]
async fn the_console_page_and_novnc_are_served_without_a_bearer_token() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", server.base_url)).send();

    let page = get("/console/web-1").await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.headers().contains_key("content-security-policy"));
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="static/console.js">"#));

    let script = get("/console/static/console.js").await.unwrap();
    assert_eq!(script.status(), 200);
    let js = script.text().await.unwrap();
    assert!(js.contains("../novnc/core/rfb.js"), "the page loads noVNC");
    assert!(
        js.contains("/console/ws?token="),
        "and connects to the WebSocket"
    );

    let rfb = get("/console/novnc/core/rfb.js").await.unwrap();
    assert_eq!(rfb.status(), 200);
    assert!(rfb.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(rfb
        .text()
        .await
        .unwrap()
        .contains("export default class RFB"));

    for path in [
        "/console/novnc/core/no-such.js",
        "/console/novnc/core%2F..%2F..%2F..%2Fetc%2Fpasswd",
    ] {
        let reply = get(path).await.unwrap();
        assert_eq!(reply.status(), 404, "{path}");
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["error"]["code"], "NOT_FOUND", "{path}");
    }
}

#[tokio::test]
async fn the_console_page_says_when_novnc_is_missing() {
    let server = TestServer::start_with(|c| c.novnc_dir = "/nonexistent/novnc".into()).await;
    let reply = reqwest::get(format!("{}/console/web-1", server.base_url))
        .await
        .unwrap();
    assert_eq!(reply.status(), 503);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["error"]["code"], "CONSOLE_PAGE_UNAVAILABLE");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/novnc"));
}

#[tokio::test]
async fn console_grants_are_audited() {
    let server = TestServer::start().await;
    let (name, _) = running_vm(&server, "audited", json!([{"type": "vnc"}])).await;
    issue(&server, &name, Some("vnc")).await;
    session(&server, &name, Some("spice"))
        .await
        .expect_error(409, "NO_SUCH_CONSOLE");
    // Other reads are not recorded.
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect(200);

    let log = server
        .op("audit_list")
        .query("limit", "1000")
        .send()
        .await
        .expect(200)
        .clone();
    let grants: Vec<(Value, Value, Value, Value)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "GET")
        .map(|e| {
            (
                e["operation"].clone(),
                e["target"].clone(),
                e["status_code"].clone(),
                e["token_name"].clone(),
            )
        })
        .collect();
    assert_eq!(
        grants,
        vec![
            (
                json!("vm_console_get"),
                json!(name),
                json!(409),
                json!("conformance")
            ),
            (
                json!("vm_console_get"),
                json!(name),
                json!(200),
                json!("conformance")
            ),
        ],
        "newest first, and no other GET: {log}"
    );
}
