//! Token scopes and the audit log: a read token may GET everything but the
//! audit log and console sessions, and nothing else (403 `FORBIDDEN`, decided before any body is
//! read); every mutation made with a valid token is recorded, failures
//! included; only admin tokens read the log.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use vapor_conformance::{spec_operations, spec_path, TestServer};
use vapor_core::auth::Scope;

fn is_mutation(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Reads that need an admin token: the audit log, and console sessions,
/// whose keystrokes reach the guest.
const ADMIN_ONLY_READS: &[&str] = &["audit_list", "vm_console_get"];

fn needs_admin(id: &str, method: &str) -> bool {
    is_mutation(method) || ADMIN_ONLY_READS.contains(&id)
}

/// The status codes each operation declares, by `operationId`.
fn declared_statuses() -> Vec<(String, String, BTreeSet<String>)> {
    let text = std::fs::read_to_string(spec_path()).unwrap();
    let spec: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut out = Vec::new();
    for (_, item) in spec["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap().to_uppercase();
            if method == "PARAMETERS" {
                continue;
            }
            let codes = op["responses"]
                .as_mapping()
                .unwrap()
                .keys()
                .map(|k| k.as_str().unwrap().to_owned())
                .collect();
            out.push((
                op["operationId"].as_str().unwrap().to_owned(),
                method,
                codes,
            ));
        }
    }
    out
}

#[test]
fn the_spec_declares_403_on_every_mutation_and_the_audit_log() {
    for (id, method, codes) in declared_statuses() {
        let needs_token = spec_operations()[&id].needs_token;
        let expected = needs_token && needs_admin(&id, &method);
        assert_eq!(
            codes.contains("403"),
            expected,
            "{id} ({method}) should {}declare 403",
            if expected { "" } else { "not " }
        );
    }
}

#[tokio::test]
async fn a_read_token_may_get_and_nothing_else() {
    let server = TestServer::start().await;
    let read = server.create_token("viewer", Scope::Read);
    let mut mutations = 0;
    let mut reads = 0;
    for op in spec_operations().values().filter(|op| op.needs_token) {
        let mut req = server.op(&op.id).fill_path_params().token(Some(&read));
        if matches!(op.method.as_str(), "POST" | "PUT") {
            // A body that would pass validation is not needed: the scope is
            // decided before the body is read.
            req = req.json(json!({}));
        }
        if op.id == "metrics_prometheus" || op.id == "events_stream" {
            // Its success is text (or a stream that never ends), not an
            // envelope: the status says enough.
            let status = req.send_raw().await.status();
            assert_eq!(status, 200, "{} with a read token", op.path);
            reads += 1;
            continue;
        }
        let reply = req.send().await;
        if needs_admin(&op.id, &op.method) {
            assert_eq!(
                reply.status, 403,
                "{} {} with a read token: {}",
                op.method, op.path, reply.body
            );
            reply.expect_error(403, "FORBIDDEN");
            mutations += 1;
        } else {
            assert!(
                reply.status != 401 && reply.status != 403,
                "{} {} with a read token answered {}: {}",
                op.method,
                op.path,
                reply.status,
                reply.body
            );
            reads += 1;
        }
    }
    assert!(mutations >= 30, "only {mutations} mutations checked");
    assert!(reads >= 20, "only {reads} reads checked");
    // A real read succeeds.
    server
        .op("vm_list")
        .token(Some(&read))
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn a_read_token_is_refused_before_the_body_is_read() {
    let server = TestServer::start().await;
    let read = server.create_token("viewer", Scope::Read);
    // A valid body, one that is not JSON at all, and one over the size limit:
    // the scope answers first.
    let name = server.name("refused");
    let reply = server
        .op("vm_create")
        .token(Some(&read))
        .json(json!({"name": name, "memory": 256, "vcpus": 1}))
        .send()
        .await;
    reply.expect_error(403, "FORBIDDEN");
    let reply = server
        .op("vm_create")
        .token(Some(&read))
        .raw("application/json", b"{not json")
        .send()
        .await;
    reply.expect_error(403, "FORBIDDEN");
    let reply = server
        .op("vm_create")
        .token(Some(&read))
        .raw("application/json", &vec![b' '; 2 * 1024 * 1024])
        .send()
        .await;
    reply.expect_error(403, "FORBIDDEN");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("viewer"),
        "{}",
        reply.body
    );
    // Nothing was made.
    server
        .op("vm_get")
        .path("id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn audit(server: &TestServer, query: &[(&str, &str)]) -> Value {
    let mut req = server.op("audit_list");
    for (k, v) in query {
        req = req.query(k, v);
    }
    req.send().await.expect(200).clone()
}

#[tokio::test]
async fn mutations_are_audited_with_token_and_status() {
    let server = TestServer::start().await;
    let read = server.create_token("viewer", Scope::Read);
    let empty = audit(&server, &[]).await;
    assert_eq!(empty["count"], 0, "{empty}");
    assert_eq!(empty["next_before"], Value::Null);

    let name = server.name("audited");
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 256, "vcpus": 1}))
        .send()
        .await
        .expect(201);
    // A failure is recorded too.
    server
        .op("operation_cancel")
        .path("operation_id", "no-such-operation")
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    // So is a scope refusal.
    server
        .op("vm_delete")
        .path("id", &name)
        .token(Some(&read))
        .send()
        .await
        .expect_error(403, "FORBIDDEN");
    // Reads and requests without a valid token are not.
    server.op("vm_list").send().await.expect(200);
    server
        .op("vm_list")
        .token(Some(&read))
        .send()
        .await
        .expect(200);
    let anonymous = server
        .op("vm_delete")
        .path("id", &name)
        .token(None)
        .send()
        .await;
    assert_eq!(anonymous.status, 401);
    server
        .op("vm_delete")
        .path("id", &name)
        .send()
        .await
        .expect(204);

    let log = audit(&server, &[]).await;
    assert_eq!(log["count"], 4, "{log}");
    let entries = log["entries"].as_array().unwrap();
    let summary: Vec<(String, String, String, Value, Value, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["token_name"].as_str().unwrap().to_owned(),
                e["method"].as_str().unwrap().to_owned(),
                e["path"].as_str().unwrap().to_owned(),
                e["operation"].clone(),
                e["target"].clone(),
                e["status_code"].as_i64().unwrap(),
            )
        })
        .collect();
    let vm_path = format!("/api/v1/virtualization/virtualmachines/{name}");
    assert_eq!(
        summary,
        vec![
            (
                "conformance".into(),
                "DELETE".into(),
                vm_path.clone(),
                json!("vm_delete"),
                json!(name),
                204
            ),
            (
                "viewer".into(),
                "DELETE".into(),
                vm_path,
                json!("vm_delete"),
                json!(name),
                403
            ),
            (
                "conformance".into(),
                "DELETE".into(),
                "/api/v1/operations/no-such-operation".into(),
                json!("operation_cancel"),
                json!("no-such-operation"),
                404
            ),
            (
                "conformance".into(),
                "POST".into(),
                "/api/v1/virtualization/virtualmachines".into(),
                json!("vm_create"),
                json!(name),
                201
            ),
        ],
        "newest first: {log}"
    );
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    for e in entries {
        assert!(e["at"].as_str().is_some_and(|t| t.contains('T')), "{e}");
    }

    // Paging: `next_before` leads to the older entries, and the last page says so.
    let first = audit(&server, &[("limit", "3")]).await;
    assert_eq!(first["count"], 3);
    assert_eq!(first["next_before"], ids[2]);
    let before = ids[2].to_string();
    let rest = audit(&server, &[("limit", "3"), ("before", &before)]).await;
    assert_eq!(rest["count"], 1);
    assert_eq!(rest["entries"][0]["id"], ids[3]);
    assert_eq!(rest["next_before"], Value::Null);
    for bad in ["0", "1001", "x"] {
        server
            .op("audit_list")
            .query("limit", bad)
            .send()
            .await
            .expect_error(400, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn only_admin_tokens_read_the_audit_log() {
    let server = TestServer::start().await;
    let read = server.create_token("viewer", Scope::Read);
    let admin = server.create_token("auditor", Scope::Admin);
    server
        .op("audit_list")
        .token(Some(&read))
        .send()
        .await
        .expect_error(403, "FORBIDDEN");
    server
        .op("audit_list")
        .token(Some(&admin))
        .send()
        .await
        .expect(200);
    let denied = server.op("audit_list").token(None).send().await;
    denied.expect_error(401, "UNAUTHORIZED");
    // Reading the log is a GET: it records nothing.
    assert_eq!(audit(&server, &[]).await["count"], 0);
}

/// Literal path segments under `/virtualization/virtualmachines/` are routes,
/// so no VM may be called like one (`RESERVED_VM_NAMES`).
#[test]
fn every_route_segment_under_virtualmachines_is_a_reserved_vm_name() {
    let prefix = "/api/v1/virtualization/virtualmachines/";
    let reserved: BTreeSet<&str> = vapor_core::app::RESERVED_VM_NAMES.iter().copied().collect();
    for op in spec_operations().values() {
        if let Some(rest) = op.path.strip_prefix(prefix) {
            let segment = rest.split('/').next().unwrap();
            if !segment.starts_with('{') {
                assert!(
                    reserved.contains(segment),
                    "{segment} (in {}) is missing from RESERVED_VM_NAMES",
                    op.path
                );
            }
        }
    }
}
