//! Many clients at once: concurrent mutations of one VM are serialised (each
//! is applied or refused with 409, none fails with 5xx, none is lost), and a
//! crowd of mixed requests over many VMs neither fails nor deadlocks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vapor_conformance::{Reply, TestServer};

/// Creates a VM without disks or displays, shut off.
async fn create_vm(server: &TestServer, name: &str, memory: u64) {
    let reply = server
        .op("vm_create")
        .json(json!({
            "name": name, "memory": memory, "vcpus": 1,
            "graphics": [{"type": "none"}]
        }))
        .send()
        .await;
    reply.expect(201);
}

/// The part of a VM that the mutations below change.
fn facts(vm: &Value) -> Value {
    json!({"state": vm["state"], "memory": vm["memory"], "max_memory": vm["max_memory"]})
}

/// Whether a mutation's answer is one contention allows: done, or refused
/// because another mutation runs or the VM's state does not fit (409), or a
/// precondition does not hold (412). Never a server error.
fn acceptable(reply: &Reply) -> bool {
    matches!(reply.status, 200 | 409 | 412)
}

/// Mutation `i` of the single-VM test: a memory change or a power action.
async fn mutate(server: &TestServer, vm: &str, i: usize) -> Reply {
    match i % 4 {
        0 | 2 => {
            server
                .op("vm_update")
                .path("id", vm)
                .json(json!({"memory": 128 + 8 * (i as u64 % 16)}))
                .send()
                .await
        }
        1 => {
            server
                .op("vm_action")
                .path("id", vm)
                .json(json!({"action": "start"}))
                .send()
                .await
        }
        _ => {
            server
                .op("vm_action")
                .path("id", vm)
                .json(json!({"action": "force_stop"}))
                .send()
                .await
        }
    }
}

/// A finished mutation: when it was sent and answered, and the answer.
struct Done {
    sent: Instant,
    answered: Instant,
    reply: Reply,
}

#[tokio::test]
async fn concurrent_mutations_of_one_vm_are_serialised() {
    let server = Arc::new(TestServer::start().await);
    let vm = server.name("contended");
    create_vm(&server, &vm, 256).await;

    // Ten waves of five mutations, 50 ms apart: within a wave they contend;
    // waves overlap whenever a mutation takes longer than that.
    let mut tasks = Vec::new();
    for i in 0..50 {
        if i > 0 && i % 5 == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let server = server.clone();
        let vm = vm.clone();
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let reply = mutate(&server, &vm, i).await;
            Done {
                sent,
                answered: Instant::now(),
                reply,
            }
        }));
    }
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.expect("request task"));
    }
    for d in &done {
        assert!(
            acceptable(&d.reply),
            "a contended mutation answered {}: {}",
            d.reply.status,
            d.reply.body
        );
        if d.reply.status >= 400 {
            d.reply.expect(d.reply.status);
        }
    }
    let applied: Vec<&Done> = done.iter().filter(|d| d.reply.status == 200).collect();
    let busy = done
        .iter()
        .filter(|d| d.reply.body["error"]["details"]["kind"] == "vm")
        .count();
    eprintln!(
        "{} of {} mutations applied, {busy} refused as busy",
        applied.len(),
        done.len()
    );
    assert!(!applied.is_empty(), "no mutation was applied");

    // Mutations hold the VM's guard while they change it, so the last one
    // applied decides the VM's final state, and each reply shows the VM right
    // after its own change. The last one applied was answered after every
    // other applied one was sent; among those, one must show the final VM.
    let last_candidates: Vec<&&Done> = applied
        .iter()
        .filter(|x| {
            applied
                .iter()
                .all(|y| std::ptr::eq(**x, *y) || y.sent < x.answered)
        })
        .collect();
    let now = server.op("vm_get").path("id", &vm).send().await;
    let now = facts(now.expect(200));
    let shown: Vec<Value> = last_candidates
        .iter()
        .map(|d| facts(&d.reply.body["data"]["vm"]))
        .collect();
    assert!(
        shown.contains(&now),
        "the VM is {now}, which no mutation that may have been the last one left: {shown:?}"
    );

    let _ = server
        .op("vm_action")
        .path("id", &vm)
        .json(json!({"action": "force_stop"}))
        .send()
        .await;
}

#[tokio::test]
async fn a_crowd_of_mixed_requests_over_many_vms_finishes_without_errors() {
    const VMS: usize = 20;
    const REQUESTS: usize = 200;
    let server = Arc::new(TestServer::start().await);
    let names: Vec<String> = (0..VMS)
        .map(|i| server.name(&format!("crowd{i:02}")))
        .collect();
    for name in &names {
        create_vm(&server, name, 128).await;
    }

    let crowd = async {
        let mut tasks = Vec::new();
        for i in 0..REQUESTS {
            let server = server.clone();
            let vm = names[i % VMS].clone();
            tasks.push(tokio::spawn(async move {
                let request = match (i / VMS) % 5 {
                    0 => server.op("vm_get").path("id", &vm),
                    1 => server.op("vm_list"),
                    2 => server
                        .op("vm_update")
                        .path("id", &vm)
                        .json(json!({"memory": 96 + 16 * (i as u64 % 3)})),
                    3 => server
                        .op("vm_action")
                        .path("id", &vm)
                        .json(json!({"action": "start"})),
                    _ => server
                        .op("vm_action")
                        .path("id", &vm)
                        .json(json!({"action": "force_stop"})),
                };
                let operation = request_name(i);
                (operation, request.send().await)
            }));
        }
        let mut replies = Vec::new();
        for task in tasks {
            replies.push(task.await.expect("request task"));
        }
        replies
    };
    let replies = tokio::time::timeout(Duration::from_secs(120), crowd)
        .await
        .expect("200 concurrent requests did not finish within 120 s");
    assert_eq!(replies.len(), REQUESTS);
    for (operation, reply) in &replies {
        assert!(
            reply.status < 500,
            "{operation} answered {}: {}",
            reply.status,
            reply.body
        );
        if *operation == "vm_get" || *operation == "vm_list" {
            reply.expect(200);
        } else {
            assert!(
                acceptable(reply),
                "{operation} answered {}: {}",
                reply.status,
                reply.body
            );
            reply.expect(reply.status);
        }
    }

    // Every VM still answers and can be brought to a known state.
    for name in &names {
        let _ = server
            .op("vm_action")
            .path("id", name)
            .json(json!({"action": "force_stop"}))
            .send()
            .await;
        let vm = server.op("vm_get").path("id", name).send().await;
        assert_eq!(vm.expect(200)["state"], "shutoff");
    }
}

/// The operation request `i` of the crowd makes.
fn request_name(i: usize) -> &'static str {
    ["vm_get", "vm_list", "vm_update", "vm_action", "vm_action"][(i / 20) % 5]
}
