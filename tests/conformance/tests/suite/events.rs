//! The event stream (`GET /events`): VM lifecycle events in order and once,
//! replay after a reconnect with `Last-Event-ID`, `resync` when the buffer
//! no longer holds what was missed, operation events, and bad input.

use std::time::Duration;

use serde_json::{json, Value};
use vapor_conformance::{Backend, SseEvent, SseReader, TestServer};

const WAIT: Duration = Duration::from_secs(60);

/// Opens the stream with these query parameters and `Last-Event-ID`.
async fn open(server: &TestServer, query: &[(&str, &str)], last_id: Option<&str>) -> SseReader {
    let mut req = server.op("events_stream");
    for (name, value) in query {
        req = req.query(name, value);
    }
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    let resp = req.send_raw().await;
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    SseReader::new(resp)
}

/// The event's id, which must be the `id` of its data too.
fn id_of(event: &SseEvent) -> u64 {
    let id: u64 = event
        .id
        .as_deref()
        .expect("an id line")
        .parse()
        .expect("a number");
    assert_eq!(data(event)["id"], id, "{event:?}");
    id
}

fn data(event: &SseEvent) -> Value {
    serde_json::from_str(&event.data).unwrap_or_else(|e| panic!("{event:?}: {e}"))
}

/// `type(detail)` of a VM event, checking it is about `name`.
fn summary(event: &SseEvent, name: &str) -> String {
    let d = data(event);
    assert_eq!(d["type"], event.event.as_str());
    assert_eq!(d["vm"]["name"], name, "{d}");
    match d["detail"].as_str() {
        Some(detail) => format!("{}({detail})", event.event),
        None => event.event.clone(),
    }
}

/// Reads `n` events.
async fn take(reader: &mut SseReader, n: usize) -> Vec<SseEvent> {
    let mut out = Vec::new();
    while out.len() < n {
        out.push(reader.next(WAIT).await.expect("the stream stays open"));
    }
    out
}

/// Reads events up to and including the first of type `kind`.
async fn take_until(reader: &mut SseReader, kind: &str) -> Vec<SseEvent> {
    let mut out = Vec::new();
    loop {
        let event = reader.next(WAIT).await.expect("the stream stays open");
        let done = event.event == kind;
        out.push(event);
        if done {
            return out;
        }
    }
}

/// Asserts nothing more arrives for a moment.
async fn assert_quiet(reader: &mut SseReader) {
    if let Some(extra) = reader.next_within(Duration::from_millis(700)).await {
        panic!("unexpected event {extra:?}");
    }
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

async fn create(server: &TestServer, name: &str) -> Value {
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1}))
        .send()
        .await
        .expect(201)["vm"]
        .clone()
}

/// What the backend reports for create, start, pause, resume, force stop
/// and delete. QEMU starts a guest paused and then resumes it, and reports
/// the end of the QEMU process it stops; the test driver and the mock
/// report only the state changes.
fn lifecycle(server: &TestServer) -> Vec<&'static str> {
    let mut events = vec!["vm.defined(added)"];
    if server.backend == Backend::LibvirtQemu {
        events.push("vm.resumed(unpaused)");
    }
    events.extend([
        "vm.started(booted)",
        "vm.paused(paused)",
        "vm.resumed(unpaused)",
    ]);
    if server.backend == Backend::LibvirtQemu {
        events.push("vm.shutting_down(host)");
    }
    events.extend(["vm.stopped(destroyed)", "vm.undefined(removed)"]);
    events
}

#[tokio::test]
async fn lifecycle_events_arrive_in_order_once() {
    let server = TestServer::start().await;
    let name = server.name("ev-life");
    let mut events = open(&server, &[("vm", &name), ("types", "vm.*")], None).await;

    let vm = create(&server, &name).await;
    for a in ["start", "pause", "resume", "force_stop"] {
        action(&server, &name, a).await;
    }
    server
        .op("vm_delete")
        .path("id", &name)
        .send()
        .await
        .expect(204);

    let expected = lifecycle(&server);
    let got = take(&mut events, expected.len()).await;
    let seen: Vec<String> = got.iter().map(|e| summary(e, &name)).collect();
    assert_eq!(seen, expected);
    for e in &got {
        assert_eq!(data(e)["vm"]["uuid"], vm["uuid"]);
    }
    let ids: Vec<u64> = got.iter().map(id_of).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_quiet(&mut events).await;
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_replays_the_gap_exactly_once() {
    let server = TestServer::start().await;
    let name = server.name("ev-gap");
    let filter = [("vm", name.as_str()), ("types", "vm.*")];
    let mut events = open(&server, &filter, None).await;
    create(&server, &name).await;
    action(&server, &name, "start").await;
    let before = take_until(&mut events, "vm.started").await;
    let started = before.last().unwrap();
    let last = started.id.clone().unwrap();
    drop(events);

    // Missed while disconnected.
    action(&server, &name, "pause").await;
    action(&server, &name, "resume").await;

    let mut events = open(&server, &filter, Some(&last)).await;
    let replayed = take(&mut events, 2).await;
    assert_eq!(
        replayed
            .iter()
            .map(|e| summary(e, &name))
            .collect::<Vec<_>>(),
        ["vm.paused(paused)", "vm.resumed(unpaused)"]
    );
    // Then live, with nothing repeated.
    action(&server, &name, "force_stop").await;
    let live = take_until(&mut events, "vm.stopped").await;
    assert_eq!(
        summary(live.last().unwrap(), &name),
        "vm.stopped(destroyed)"
    );
    let ids: Vec<u64> = std::iter::once(started)
        .chain(&replayed)
        .chain(&live)
        .map(id_of)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_quiet(&mut events).await;

    // The same replay through the `after` parameter.
    let mut again = open(
        &server,
        &[("vm", &name), ("types", "vm.*"), ("after", &last)],
        None,
    )
    .await;
    let replayed_again = take(&mut again, ids.len() - 1).await;
    assert_eq!(
        replayed_again.iter().map(id_of).collect::<Vec<_>>(),
        ids[1..]
    );
    server
        .op("vm_delete")
        .path("id", &name)
        .send()
        .await
        .expect(204);
}

#[tokio::test]
async fn a_gap_the_buffer_no_longer_holds_is_a_resync() {
    let server = TestServer::start_with(|c| c.event_replay_buffer = 2).await;
    let name = server.name("ev-resync");
    let mut events = open(&server, &[("vm", &name)], None).await;
    create(&server, &name).await;
    let first = take(&mut events, 1).await;
    let first_id = id_of(&first[0]);
    drop(events);
    for a in ["start", "pause", "resume", "force_stop"] {
        action(&server, &name, a).await;
    }

    // Four events since, the buffer holds two: the client must re-read.
    let mut events = open(&server, &[("vm", &name)], Some(&first_id.to_string())).await;
    let resync = take(&mut events, 1).await.remove(0);
    assert_eq!(resync.event, "resync");
    let body = data(&resync);
    assert_eq!(body["type"], "resync");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains(&first_id.to_string()));
    let newest = id_of(&resync);
    assert!(newest >= first_id + 4, "{newest} after {first_id}");
    // Live events follow the resync.
    server
        .op("vm_delete")
        .path("id", &name)
        .send()
        .await
        .expect(204);
    let next = take(&mut events, 1).await;
    assert_eq!(summary(&next[0], &name), "vm.undefined(removed)");
    assert!(id_of(&next[0]) > newest);

    // An id this process never gave out (an earlier process's) is a resync too.
    let mut old = open(&server, &[], Some("1")).await;
    assert_eq!(take(&mut old, 1).await[0].event, "resync");
}

#[tokio::test]
async fn operations_report_creation_and_end() {
    let server = TestServer::start().await;
    let source = server.name("ev-src");
    let copy = server.name("ev-copy");
    server
        .op("vm_create")
        .json(json!({"name": source, "memory": 128, "vcpus": 1, "disk_size": 1}))
        .send()
        .await
        .expect(201);
    let mut events = open(&server, &[("types", "operation.*")], None).await;
    let op = server
        .op("vm_clone")
        .path("id", &source)
        .json(json!({"name": copy}))
        .send()
        .await
        .expect(202)
        .clone();
    let op_id = op["id"].as_str().unwrap();
    let mut seen = Vec::new();
    loop {
        let event = events.next(Duration::from_secs(120)).await.unwrap();
        let d = data(&event);
        assert!(event.event.starts_with("operation."), "{event:?}");
        if d["operation"]["id"] != op_id {
            continue;
        }
        assert_eq!(d["operation"]["kind"], "vm_clone");
        seen.push(event.event.clone());
        if event.event != "operation.created" && event.event != "operation.progress" {
            assert_eq!(d["operation"]["status"], "succeeded", "{d}");
            break;
        }
    }
    assert_eq!(seen.first().map(String::as_str), Some("operation.created"));
    assert_eq!(seen.last().map(String::as_str), Some("operation.succeeded"));
    server.wait_operation(op_id, Duration::from_secs(60)).await;
    for vm in [&copy, &source] {
        server
            .op("vm_delete")
            .path("id", vm)
            .send()
            .await
            .expect(204);
    }
}

#[tokio::test]
async fn bad_filters_and_ids_are_400() {
    let server = TestServer::start().await;
    server
        .op("events_stream")
        .query("types", "vm.exploded")
        .send()
        .await
        .expect_error(400, "VALIDATION_ERROR");
    server
        .op("events_stream")
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .expect_error(400, "VALIDATION_ERROR");
    server
        .op("events_stream")
        .token(None)
        .send()
        .await
        .expect_error(401, "UNAUTHORIZED");
}
