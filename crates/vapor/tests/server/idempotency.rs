//! `Idempotency-Key` on creates, against `vapor serve` on the mock backend:
//! a repeat is answered with the first reply and makes nothing, a key given
//! to another request is refused, failures are not remembered, keys belong
//! to their token, concurrent repeats make one object, and requests without
//! the header, or to operations that do not declare it, are unchanged.

use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use crate::common::{create_token_with, free_port, serve, write_config};

const VMS: &str = "/api/v1/virtualization/virtualmachines";

/// A `vapor serve` on the mock backend with two admin tokens; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    base: String,
    /// The admin tokens `ops` and `other`.
    ops: String,
    other: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let ops = create_token_with(&config, "ops", &[]);
    let other = create_token_with(&config, "other", &[]);
    let child = serve(&config);
    Server {
        child,
        port,
        base: format!("http://127.0.0.1:{port}"),
        ops,
        other,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

/// A reply: status, the `Idempotent-Replayed` header, the body as sent and as JSON.
#[derive(Debug)]
struct Reply {
    status: u16,
    replayed: Option<String>,
    content_type: Option<String>,
    text: String,
    body: Value,
}

impl Reply {
    #[track_caller]
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.body["status"], "error", "{self:?}");
        assert_eq!(self.body["error"]["code"], code, "{self:?}");
        assert_eq!(self.replayed, None, "{self:?}");
    }
}

impl Server {
    async fn post(&self, token: &str, path: &str, key: Option<&str>, body: &Value) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let status = response.status().as_u16();
        let replayed = header("idempotent-replayed");
        let content_type = header("content-type");
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            replayed,
            content_type,
            text,
            body,
        }
    }

    async fn create_vm(&self, token: &str, key: Option<&str>, body: &Value) -> Reply {
        self.post(token, VMS, key, body).await
    }

    /// The names of every VM.
    async fn vm_names(&self) -> Vec<String> {
        let reply: Value = self
            .http
            .get(format!("{}{VMS}", self.base))
            .bearer_auth(&self.ops)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reply["data"]["vms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|vm| vm["name"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn count_vms(&self, name: &str) -> usize {
        self.vm_names().await.iter().filter(|n| *n == name).count()
    }

    async fn delete_vm(&self, name: &str) {
        let status = self
            .http
            .delete(format!("{}{VMS}/{name}", self.base))
            .bearer_auth(&self.ops)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 204);
    }
}

fn vm(name: &str) -> Value {
    json!({"name": name, "memory": 128, "vcpus": 1})
}

#[tokio::test]
async fn a_repeat_is_answered_with_the_first_reply_and_makes_nothing() {
    let server = start();
    let body = vm("idem-web");
    let first = server.create_vm(&server.ops, Some("key-1"), &body).await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_eq!(first.replayed, None, "a first reply is not a replay");
    assert_eq!(first.body["data"]["vm"]["name"], "idem-web");

    let second = server.create_vm(&server.ops, Some("key-1"), &body).await;
    assert_eq!(second.status, 201, "{second:?}");
    assert_eq!(second.replayed.as_deref(), Some("true"));
    assert_eq!(second.text, first.text, "the same body, byte for byte");
    assert_eq!(second.content_type, first.content_type);
    assert_eq!(server.count_vms("idem-web").await, 1);

    // The audit log records the replay like the first request.
    let audit: Value = server
        .http
        .get(format!("{}/api/v1/audit", server.base))
        .bearer_auth(&server.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let creates: Vec<_> = audit["data"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "vm_create")
        .map(|e| (e["token_name"].clone(), e["status_code"].clone()))
        .collect();
    assert_eq!(
        creates,
        [(json!("ops"), json!(201)), (json!("ops"), json!(201))]
    );

    // Still the first reply after the VM changed, and after it is gone: the
    // reply is remembered, the request is not carried out again.
    server.delete_vm("idem-web").await;
    let third = server.create_vm(&server.ops, Some("key-1"), &body).await;
    assert_eq!(third.status, 201, "{third:?}");
    assert_eq!(third.replayed.as_deref(), Some("true"));
    assert_eq!(third.text, first.text);
    assert_eq!(server.count_vms("idem-web").await, 0);
}

#[tokio::test]
async fn a_key_given_to_another_request_is_refused() {
    let server = start();
    let first = server
        .create_vm(&server.ops, Some("key-2"), &vm("idem-a"))
        .await;
    assert_eq!(first.status, 201, "{first:?}");

    // Another body.
    server
        .create_vm(&server.ops, Some("key-2"), &vm("idem-b"))
        .await
        .assert_error(422, "IDEMPOTENCY_KEY_REUSED");
    // The same body on another path: the query counts.
    server
        .post(
            &server.ops,
            &format!("{VMS}?x=1"),
            Some("key-2"),
            &vm("idem-a"),
        )
        .await
        .assert_error(422, "IDEMPOTENCY_KEY_REUSED");
    // Another operation that declares the header.
    server
        .post(
            &server.ops,
            &format!("{VMS}/idem-a/clone"),
            Some("key-2"),
            &json!({"name": "idem-copy"}),
        )
        .await
        .assert_error(422, "IDEMPOTENCY_KEY_REUSED");
    let names = server.vm_names().await;
    assert!(names.iter().any(|n| n == "idem-a"), "{names:?}");
    assert!(
        !names.iter().any(|n| n == "idem-b" || n == "idem-copy"),
        "{names:?}"
    );
}

#[tokio::test]
async fn a_failed_request_is_not_remembered() {
    let server = start();
    // Refused input (400): the key is free again, for a corrected body.
    let bad = json!({"name": "idem-fix", "memory": 1, "vcpus": 1});
    let refused = server.create_vm(&server.ops, Some("key-3"), &bad).await;
    assert_eq!(refused.status, 400, "{refused:?}");
    assert_eq!(refused.replayed, None);
    let fixed = server
        .create_vm(&server.ops, Some("key-3"), &vm("idem-fix"))
        .await;
    assert_eq!(fixed.status, 201, "{fixed:?}");
    assert_eq!(fixed.replayed, None);

    // A conflict (409) is carried out again by the same request once the
    // conflict is gone.
    let taken = server.create_vm(&server.ops, None, &vm("idem-taken")).await;
    assert_eq!(taken.status, 201, "{taken:?}");
    server
        .create_vm(&server.ops, Some("key-4"), &vm("idem-taken"))
        .await
        .assert_error(409, "ALREADY_EXISTS");
    server
        .create_vm(&server.ops, Some("key-4"), &vm("idem-taken"))
        .await
        .assert_error(409, "ALREADY_EXISTS");
    server.delete_vm("idem-taken").await;
    let retried = server
        .create_vm(&server.ops, Some("key-4"), &vm("idem-taken"))
        .await;
    assert_eq!(retried.status, 201, "{retried:?}");
    assert_eq!(retried.replayed, None);
    assert_eq!(server.count_vms("idem-taken").await, 1);
}

#[tokio::test]
async fn keys_belong_to_their_token() {
    let server = start();
    let mine = server
        .create_vm(&server.ops, Some("shared"), &vm("idem-ops"))
        .await;
    assert_eq!(mine.status, 201, "{mine:?}");
    // The other token's key of the same name is its own: another body is
    // neither refused nor answered with the first token's reply...
    let theirs = server
        .create_vm(&server.other, Some("shared"), &vm("idem-other"))
        .await;
    assert_eq!(theirs.status, 201, "{theirs:?}");
    assert_eq!(theirs.replayed, None);
    assert_eq!(theirs.body["data"]["vm"]["name"], "idem-other");
    // ...and is remembered for that token.
    let again = server
        .create_vm(&server.other, Some("shared"), &vm("idem-other"))
        .await;
    assert_eq!(again.replayed.as_deref(), Some("true"));
    assert_eq!(again.text, theirs.text);
    // The first token's request under the other token is carried out
    // afresh: the name is taken.
    server
        .create_vm(&server.other, Some("other-key"), &vm("idem-ops"))
        .await
        .assert_error(409, "ALREADY_EXISTS");
    assert_eq!(server.count_vms("idem-ops").await, 1);
    assert_eq!(server.count_vms("idem-other").await, 1);
}

#[tokio::test]
async fn concurrent_repeats_make_one_vm() {
    let server = std::sync::Arc::new(start());
    let body = vm("idem-race");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (server, body) = (server.clone(), body.clone());
            tokio::spawn(async move { server.create_vm(&server.ops, Some("race"), &body).await })
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    let mut first = None;
    for reply in &replies {
        match reply.status {
            201 => {
                if reply.replayed.is_none() {
                    assert!(first.is_none(), "two first replies: {replies:?}");
                    first = Some(reply.text.clone());
                }
            }
            409 => reply.assert_error(409, "IDEMPOTENCY_KEY_IN_USE"),
            _ => panic!("unexpected reply {reply:?}"),
        }
    }
    let first = first.expect("one request was carried out");
    for reply in replies.iter().filter(|r| r.status == 201) {
        assert_eq!(reply.text, first);
    }
    assert_eq!(server.count_vms("idem-race").await, 1);
    // Once the first is answered, every repeat is a replay.
    let late = server.create_vm(&server.ops, Some("race"), &body).await;
    assert_eq!(late.replayed.as_deref(), Some("true"), "{late:?}");
    assert_eq!(late.text, first);
}

#[tokio::test]
async fn a_request_whose_client_hung_up_is_found_by_its_retry() {
    let server = start();
    let body = vm("idem-gone").to_string();
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let request = format!(
        "POST {VMS} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {}\r\n\
         idempotency-key: gone\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        server.ops,
        body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    drop(socket);

    // Whether the server read the request before the hang-up or not, the
    // retry makes the VM exist once, and answers 201.
    let deadline = Instant::now() + Duration::from_secs(10);
    let retry = loop {
        let reply = server
            .create_vm(&server.ops, Some("gone"), &vm("idem-gone"))
            .await;
        if reply.status != 409 || Instant::now() > deadline {
            break reply;
        }
        reply.assert_error(409, "IDEMPOTENCY_KEY_IN_USE");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(retry.status, 201, "{retry:?}");
    assert_eq!(server.count_vms("idem-gone").await, 1);
}

#[tokio::test]
async fn without_the_header_creates_are_unchanged() {
    let server = start();
    let body = vm("idem-plain");
    let first = server.create_vm(&server.ops, None, &body).await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_eq!(first.replayed, None);
    server
        .create_vm(&server.ops, None, &body)
        .await
        .assert_error(409, "ALREADY_EXISTS");
    // A key the spec does not allow is refused by validation, before
    // anything is made.
    let long = "k".repeat(256);
    let refused = server
        .create_vm(&server.ops, Some(&long), &vm("idem-long"))
        .await;
    refused.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(server.count_vms("idem-long").await, 0);
}

#[tokio::test]
async fn operations_that_do_not_declare_the_header_ignore_it() {
    let server = start();
    let created = server.create_vm(&server.ops, None, &vm("idem-act")).await;
    assert_eq!(created.status, 201, "{created:?}");
    let action = format!("{VMS}/idem-act/action");
    // Two different actions under one key: both are carried out.
    let started = server
        .post(
            &server.ops,
            &action,
            Some("act"),
            &json!({"action": "start"}),
        )
        .await;
    assert_eq!(started.status, 200, "{started:?}");
    assert_eq!(started.replayed, None);
    let stopped = server
        .post(
            &server.ops,
            &action,
            Some("act"),
            &json!({"action": "force_stop"}),
        )
        .await;
    assert_eq!(stopped.status, 200, "{stopped:?}");
    assert_eq!(stopped.replayed, None);
    // The same action twice is carried out twice: the second start of a
    // running VM is refused, not replayed.
    let again = server
        .post(
            &server.ops,
            &action,
            Some("act2"),
            &json!({"action": "start"}),
        )
        .await;
    assert_eq!(again.status, 200, "{again:?}");
    let twice = server
        .post(
            &server.ops,
            &action,
            Some("act2"),
            &json!({"action": "start"}),
        )
        .await;
    assert_eq!(twice.status, 409, "{twice:?}");
    assert_eq!(twice.replayed, None);
}

#[tokio::test]
async fn keys_left_in_progress_by_a_dead_process_are_forgotten_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let ops = create_token_with(&config, "ops", &[]);
    // What a process killed during a request leaves: a key in progress, and
    // one completed.
    {
        use vapor_core::idempotency_store::{Claim, StoredReply};
        let db = vapor_core::db::Database::open(&dir.path().join("state/vapor.db")).unwrap();
        let now = chrono::Utc::now();
        db.claim_idempotency_key("ops", "cut-off", "a request never answered", now)
            .unwrap();
        let Claim::Claimed(done) = db
            .claim_idempotency_key("ops", "done", "a request answered", now)
            .unwrap()
        else {
            panic!("the key is free");
        };
        let reply = StoredReply {
            status_code: 201,
            content_type: Some("application/json".into()),
            location: None,
            body: b"{}".to_vec(),
        };
        assert!(db.complete_idempotency_key(done, &reply, now).unwrap());
    }
    let server = Server {
        child: serve(&config),
        port,
        base: format!("http://127.0.0.1:{port}"),
        other: ops.clone(),
        ops,
        http: reqwest::Client::new(),
        _dir: dir,
    };
    // The key in progress is free: neither 409 nor 422.
    let fresh = server
        .create_vm(&server.ops, Some("cut-off"), &vm("idem-restart"))
        .await;
    assert_eq!(fresh.status, 201, "{fresh:?}");
    assert_eq!(fresh.replayed, None);
    // The completed one is kept.
    server
        .create_vm(&server.ops, Some("done"), &vm("idem-restart-2"))
        .await
        .assert_error(422, "IDEMPOTENCY_KEY_REUSED");
}
