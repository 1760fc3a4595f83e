//! Proves the suite's reach: every operation in the spec is either exercised by
//! a conformance test or on the not-implemented list (and really answers 501),
//! and every operation that needs a token rejects a request without one.

use std::collections::BTreeSet;

use vapor_conformance::{spec_operations, TestServer};

/// Operations declared in the spec but not built yet. Each must answer 501
/// `NOT_IMPLEMENTED`. Building one means removing it from here and testing it.
const NOT_IMPLEMENTED: &[&str] = &[];

/// Operation ids the conformance tests call, found in their source.
fn exercised() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suite");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs")
            || path.file_name().is_some_and(|n| n == "coverage.rs")
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for piece in text.split(".op(\"").skip(1) {
            if let Some(end) = piece.find('"') {
                found.insert(piece[..end].to_owned());
            }
        }
    }
    found
}

#[test]
fn every_operation_is_exercised_or_listed_as_not_implemented() {
    let spec: BTreeSet<String> = spec_operations().keys().cloned().collect();
    let not_implemented: BTreeSet<String> = NOT_IMPLEMENTED.iter().map(|s| s.to_string()).collect();
    let exercised = exercised();
    assert_eq!(
        not_implemented.len(),
        NOT_IMPLEMENTED.len(),
        "duplicates in NOT_IMPLEMENTED"
    );
    let both: Vec<_> = exercised.intersection(&not_implemented).collect();
    assert!(
        both.is_empty(),
        "exercised, yet listed as not implemented: {both:?}"
    );
    let unknown: Vec<_> = exercised
        .union(&not_implemented)
        .filter(|o| !spec.contains(*o))
        .collect();
    assert!(unknown.is_empty(), "not in the spec: {unknown:?}");
    let uncovered: Vec<_> = spec
        .iter()
        .filter(|o| !exercised.contains(*o) && !not_implemented.contains(*o))
        .collect();
    assert!(
        uncovered.is_empty(),
        "neither exercised nor listed as not implemented: {uncovered:?}"
    );
}

#[tokio::test]
async fn not_implemented_operations_answer_501_in_the_envelope() {
    let server = TestServer::start().await;
    for id in NOT_IMPLEMENTED {
        let op = &spec_operations()[*id];
        let mut req = server.op(id).fill_path_params();
        if matches!(op.method.as_str(), "POST" | "PUT") && !id.starts_with("iso_upload") {
            req = req.json(serde_json::json!({}));
        }
        let reply = match *id {
            "iso_upload_create" => req.header("Upload-Length", "10").send().await,
            "iso_upload_patch" => {
                req.raw("application/offset+octet-stream", b"x")
                    .header("Upload-Offset", "0")
                    .send()
                    .await
            }
            _ => req.send().await,
        };
        if op.method == "HEAD" {
            assert_eq!(reply.status, 501, "{id}");
            continue;
        }
        // Body validation may reject the empty body first; with a valid body the
        // operation must still say it is not implemented.
        if reply.status == 400 {
            continue;
        }
        assert_eq!(reply.status, 501, "{id}: {}", reply.body);
        assert_eq!(reply.body["error"]["code"], "NOT_IMPLEMENTED", "{id}");
    }
}

#[tokio::test]
async fn every_operation_rejects_a_missing_or_wrong_token() {
    let server = TestServer::start().await;
    let mut checked = 0;
    for op in spec_operations().values().filter(|op| op.needs_token) {
        for token in [
            None,
            Some("vapor_0000000000000000000000000000000000000000000000000000000000000000"),
        ] {
            let reply = server
                .op(&op.id)
                .fill_path_params()
                .token(token)
                .send()
                .await;
            assert_eq!(
                reply.status, 401,
                "{} {} without a valid token: {}",
                op.method, op.path, reply.body
            );
            if op.method != "HEAD" {
                assert_eq!(reply.body["status"], "error", "{}", op.id);
                assert_eq!(reply.body["error"]["code"], "UNAUTHORIZED", "{}", op.id);
            }
        }
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} operations need a token");
}

/// The server describes itself with the spec this suite walks, without a
/// token: byte for byte as YAML, and as the same document in JSON.
#[tokio::test]
async fn the_served_spec_is_the_spec() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let on_disk = std::fs::read_to_string(vapor_conformance::spec_path()).unwrap();

    let yaml = http
        .get(format!("{}/api/v1/openapi.yaml", server.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(yaml.status(), 200);
    assert_eq!(yaml.headers()["content-type"], "application/yaml");
    assert_eq!(yaml.text().await.unwrap(), on_disk);

    let json = http
        .get(format!("{}/api/v1/openapi.json", server.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 200);
    let served: serde_json::Value = json.json().await.unwrap();
    let expected: serde_json::Value = serde_yaml::from_str(&on_disk).unwrap();
    assert_eq!(served, expected);
}
