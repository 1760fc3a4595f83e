//! The console page in a real browser: headless Chromium opens
//! `/console/{id}#token=...`, the page loads noVNC from Vapor, and noVNC
//! draws the screen of a QEMU VM through the console WebSocket; for a
//! serial console the page's own terminal connects instead.
//!
//! Runs on `qemu:///system` only (the other backends have no console servers),
//! and only where Debian's `chromium` is installed; elsewhere it says so
//! and passes. The page is driven over Chromium's DevTools protocol.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use vapor_conformance::{Backend, TestServer};

use super::browser::{start_browser, Browser, Page, CHROMIUM};

/// Evaluates `expression` in the page and returns its value.
async fn evaluate(page: &mut Page, id: u64, expression: &str) -> Value {
    let call = json!({"id": id, "method": "Runtime.evaluate",
                      "params": {"expression": expression, "returnByValue": true}});
    page.send(Message::text(call.to_string())).await.unwrap();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), page.next())
            .await
            .expect("DevTools answers")
            .expect("DevTools stays open")
            .unwrap();
        let Message::Text(text) = message else {
            continue;
        };
        let reply: Value = serde_json::from_str(text.as_str()).unwrap();
        if reply["id"] == id {
            return reply["result"]["result"]["value"].clone();
        }
    }
}

/// A browser showing the console page of a new running VM with `graphics`,
/// for a console of `kind`; `None` where the test cannot run.
async fn console_page(
    server: &TestServer,
    suffix: &str,
    graphics: Value,
    kind: &str,
) -> Option<(Browser, Page)> {
    if server.backend != Backend::LibvirtQemu {
        return None; // No console server runs on the mock or libvirt's test driver.
    }
    if !std::path::Path::new(CHROMIUM).exists() {
        // `scripts/test.sh` installs the browser and sets this, so that there
        // a missing browser fails the test instead of skipping it.
        assert!(
            std::env::var_os("VAPOR_TEST_REQUIRE_BROWSER").is_none(),
            "{CHROMIUM} is required (VAPOR_TEST_REQUIRE_BROWSER is set)"
        );
        eprintln!(
            "{CHROMIUM} is not installed (apt-get install chromium): not testing in a browser"
        );
        return None;
    }
    let name = server.name(suffix);
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1, "graphics": graphics}))
        .send()
        .await
        .expect(201);
    server
        .op("vm_action")
        .path("id", &name)
        .json(json!({"action": "start"}))
        .send()
        .await
        .expect(200);
    let session = server
        .op("vm_console_get")
        .path("id", &name)
        .query("type", kind)
        .send()
        .await
        .expect(200)
        .clone();
    let url = format!(
        "{}/console/{name}#token={}&type={kind}",
        server.base_url,
        session["token"].as_str().unwrap()
    );
    let browser = tokio::task::spawn_blocking(start_browser).await.unwrap();
    let target: Value = reqwest::Client::new()
        .put(format!("http://{}/json/new?about:blank", browser.devtools))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (mut page, _) =
        tokio_tungstenite::connect_async(target["webSocketDebuggerUrl"].as_str().unwrap())
            .await
            .expect("DevTools page socket");
    let navigate = json!({"id": 1, "method": "Page.navigate", "params": {"url": url}});
    page.send(Message::text(navigate.to_string()))
        .await
        .unwrap();
    Some((browser, page))
}

/// Polls `expression` in the page until `done` accepts its value, for up to 30 s.
async fn wait_for(
    page: &mut Page,
    next_id: &mut u64,
    expression: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        *next_id += 1;
        let value = evaluate(page, *next_id, expression).await;
        if done(&value) || tokio::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

const STATUS: &str = "document.getElementById('status').textContent";

async fn force_stop(server: &TestServer, suffix: &str) {
    server
        .op("vm_action")
        .path("id", &server.name(suffix))
        .json(json!({"action": "force_stop"}))
        .send()
        .await
        .expect(200);
}

fn starts_with(prefix: &'static str) -> impl Fn(&Value) -> bool {
    move |v| v.as_str().unwrap_or_default().starts_with(prefix)
}

#[tokio::test]
async fn the_page_shows_a_qemu_vms_screen_with_novnc() {
    let server = TestServer::start().await;
    let Some((browser, mut page)) =
        console_page(&server, "page", json!([{"type": "vnc"}]), "vnc").await
    else {
        return;
    };
    let mut id = 1;
    // noVNC connects and draws: the status says so, and the canvas has the
    // guest's screen size.
    let status = wait_for(&mut page, &mut id, STATUS, |v| v == "Connected").await;
    assert_eq!(status, "Connected", "the page's status");
    let width = wait_for(
        &mut page,
        &mut id,
        "(document.querySelector('#screen canvas') || {width: 0}).width",
        |v| v.as_u64().unwrap_or(0) >= 320,
    )
    .await;
    assert!(width.as_u64().unwrap_or(0) >= 320, "canvas width {width}");
    // The address bar no longer shows the token.
    let href = wait_for(&mut page, &mut id, "location.href", |_| true).await;
    assert!(!href.as_str().unwrap().contains("token"), "{href}");

    // Stopping the VM disconnects the page.
    force_stop(&server, "page").await;
    let status = wait_for(&mut page, &mut id, STATUS, starts_with("Disconnected")).await;
    assert!(starts_with("Disconnected")(&status), "{status}");
    drop(page);
    drop(browser);
}

#[tokio::test]
async fn the_page_shows_a_qemu_vms_serial_console() {
    let server = TestServer::start().await;
    let Some((browser, mut page)) =
        console_page(&server, "tty", json!([{"type": "none"}]), "serial").await
    else {
        return;
    };
    let mut id = 1;
    let status = wait_for(&mut page, &mut id, STATUS, starts_with("Connected")).await;
    assert!(starts_with("Connected")(&status), "{status}");
    let shown = wait_for(
        &mut page,
        &mut id,
        "!document.getElementById('terminal').hidden",
        |v| v == true,
    )
    .await;
    assert_eq!(shown, true, "the terminal is shown");
    force_stop(&server, "tty").await;
    let status = wait_for(&mut page, &mut id, STATUS, starts_with("Disconnected")).await;
    assert_eq!(
        status,
        "Disconnected: the virtual machine stopped. Request a new token to connect again."
    );
    drop(page);
    drop(browser);
}
