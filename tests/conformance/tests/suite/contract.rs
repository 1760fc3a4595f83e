//! What the server answers is what the spec declares, for the requests
//! every operation can get wrong: a path parameter out of its bounds (400)
//! and a body that is not JSON (415). Found by `scripts/contract-fuzz.sh`
//! (Schemathesis), which flagged both as undocumented status codes on
//! dozens of operations; the fuzzer itself runs outside `cargo test`.

use std::collections::BTreeSet;

use vapor_conformance::{spec_path, TestServer};

/// Operations a plain request cannot exercise: the console WebSocket.
const SKIPPED: &[&str] = &["vm_console_connect"];

struct Op {
    id: String,
    params: Vec<String>,
    json_body: bool,
    declared: BTreeSet<u16>,
}

fn operations() -> Vec<Op> {
    let text = std::fs::read_to_string(spec_path()).unwrap();
    let spec: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        let path = path.as_str().unwrap();
        let params = path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap().to_owned())
            .collect::<Vec<_>>();
        for (method, op) in item.as_mapping().unwrap() {
            if method.as_str() == Some("parameters") {
                continue;
            }
            let id = op["operationId"].as_str().unwrap().to_owned();
            if SKIPPED.contains(&id.as_str()) {
                continue;
            }
            ops.push(Op {
                id,
                params: params.clone(),
                json_body: op["requestBody"]["content"]
                    .get("application/json")
                    .is_some(),
                declared: op["responses"]
                    .as_mapping()
                    .unwrap()
                    .keys()
                    .map(|k| k.as_str().unwrap().parse().unwrap())
                    .collect(),
            });
        }
    }
    ops
}

/// A path parameter longer than any the spec allows is refused with a
/// status the operation declares (400 where the parameter has bounds).
#[tokio::test]
async fn an_out_of_bounds_path_parameter_gets_a_declared_status() {
    let server = TestServer::start().await;
    let long = "a".repeat(300);
    let mut undeclared = Vec::new();
    for op in operations().iter().filter(|op| !op.params.is_empty()) {
        let mut request = server.op(&op.id);
        for p in &op.params {
            request = request.path(p, &long);
        }
        if op.json_body {
            request = request.raw("application/json", b"{}");
        }
        let status = request.send_raw().await.status().as_u16();
        assert!(status < 500, "{}: {status}", op.id);
        if !op.declared.contains(&status) {
            undeclared.push(format!("{}: {status}", op.id));
        }
    }
    assert!(undeclared.is_empty(), "undeclared statuses: {undeclared:?}");
}

/// A body that is not JSON is 415, and every operation with a JSON body
/// declares it.
#[tokio::test]
async fn a_body_that_is_not_json_is_a_declared_415() {
    let server = TestServer::start().await;
    let mut undeclared = Vec::new();
    for op in operations().iter().filter(|op| op.json_body) {
        let reply = server
            .op(&op.id)
            .fill_path_params()
            .raw("text/plain", b"name=web")
            .send()
            .await;
        reply.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
        if !op.declared.contains(&415) {
            undeclared.push(op.id.clone());
        }
    }
    assert!(undeclared.is_empty(), "415 not declared by {undeclared:?}");
}
