//! Many clients at once: concurrent mutations of one VM are serialised (each
//! is applied or refused with 409 or 412, none fails with 5xx, none is
//! lost), and a crowd of mixed requests over many VMs neither fails nor
//! deadlocks.
//!
//! Every mutation is a read-modify-write: it reads the VM (its state and
//! `ETag`) and sends its change with `If-Match`. An applied change was
//! therefore applied to exactly the state it read, so the applied changes of
//! one VM must chain: from the state before the crowd, each leaves the state
//! the next one read, and the last leaves the VM as it is at the end. A lost
//! or doubly applied change breaks the chain.
//!
//! The final state is read from the backend itself, not through Vapor: with
//! `virsh -c qemu:///system` on QEMU; through the backend handle the server
//! was built with on the mock and on `test:///default` (whose state lives in
//! this process, where `virsh` cannot see it). It is also compared with
//! Vapor's `GET` and its `ETag`.

use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::Barrier;
use vapor_conformance::{Backend, Reply, TestServer};
use vapor_hypervisor::DomainState;

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
    json!({"state": vm["state"], "memory": vm["memory"]})
}

/// Whether a mutation's answer is one contention allows: done, or refused
/// because another mutation runs or the VM's state does not fit (409), or the
/// VM changed since it was read (412). Never a server error.
fn acceptable(reply: &Reply) -> bool {
    matches!(reply.status, 200 | 409 | 412)
}

/// A change to send: a memory size or a power action.
#[derive(Debug, Clone, Copy)]
enum Change {
    Memory(u64),
    Start,
    ForceStop,
}

/// A mutation sent: the state it read, and the answer to its change.
struct Sent {
    change: Change,
    read: Value,
    reply: Reply,
}

/// Reads the VM, then sends `change` under the `ETag` it read.
async fn read_modify_write(server: &TestServer, vm: &str, change: Change) -> Sent {
    let (read, tag) = get_vm(server, vm).await;
    let request = match change {
        Change::Memory(mib) => server
            .op("vm_update")
            .path("id", vm)
            .json(json!({ "memory": mib })),
        Change::Start => server
            .op("vm_action")
            .path("id", vm)
            .json(json!({"action": "start"})),
        Change::ForceStop => server
            .op("vm_action")
            .path("id", vm)
            .json(json!({"action": "force_stop"})),
    };
    let reply = request.header("If-Match", &tag).send().await;
    Sent {
        change,
        read: facts(&read),
        reply,
    }
}

/// Sends `change` as [`read_modify_write`] does, again while it is refused
/// because another mutation runs (409 busy) or ran since the read (412), at
/// most `attempts` times; returns every attempt.
async fn read_modify_write_retried(
    server: &TestServer,
    vm: &str,
    change: Change,
    attempts: usize,
) -> Vec<Sent> {
    let mut sent = Vec::new();
    for attempt in 0..attempts {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(20 * attempt as u64)).await;
        }
        let this = read_modify_write(server, vm, change).await;
        let again = this.reply.status == 412
            || (this.reply.status == 409 && this.reply.body["error"]["details"]["kind"] == "vm");
        sent.push(this);
        if !again {
            break;
        }
    }
    sent
}

/// The VM as Vapor shows it, and its entity tag.
async fn get_vm(server: &TestServer, vm: &str) -> (Value, String) {
    let reply = server.op("vm_get").path("id", vm).send().await;
    let data = reply.expect(200).clone();
    let tag = reply
        .header("etag")
        .expect("GET answers an ETag")
        .to_owned();
    (data, tag)
}

/// Checks the answers of one VM's mutations: each is acceptable, and the
/// applied ones chain from `initial` to `last` ([`chain_fault`]). Returns
/// how many were applied.
fn assert_chained(vm: &str, initial: &Value, last: &Value, sent: &[Sent]) -> usize {
    for s in sent {
        assert!(
            acceptable(&s.reply),
            "{vm}: {:?} answered {}: {}",
            s.change,
            s.reply.status,
            s.reply.body
        );
        s.reply.expect(s.reply.status);
    }
    let applied: Vec<(Value, Value)> = sent
        .iter()
        .filter(|s| s.reply.status == 200)
        .map(|s| (s.read.clone(), facts(&s.reply.body["data"]["vm"])))
        .collect();
    if let Some(fault) = chain_fault(initial, last, &applied) {
        panic!("{vm}: {fault}");
    }
    applied.len()
}

/// Why the changes `applied` (each from the state it read to the state it
/// left) cannot be put in an order in which each starts where the one before
/// ended, the first at `initial` and the last ending at `last`; `None` when
/// they can. Such an order exists exactly when every state is left as often
/// as it is reached, except that `initial` is left once more and `last`
/// reached once more (when they differ), and every state the changes touch
/// is connected to `initial`.
fn chain_fault(initial: &Value, last: &Value, applied: &[(Value, Value)]) -> Option<String> {
    let steps: Vec<String> = applied
        .iter()
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    // States by their JSON text: out-degree minus in-degree, and a
    // union-find of the states changes connect.
    let mut balance: HashMap<String, i64> = HashMap::new();
    let mut parent: HashMap<String, String> = HashMap::new();
    fn root(parent: &HashMap<String, String>, node: &str) -> String {
        let mut node = node.to_owned();
        while let Some(up) = parent.get(&node).filter(|up| **up != node) {
            node = up.clone();
        }
        node
    }
    for (from, to) in applied {
        let (from, to) = (from.to_string(), to.to_string());
        *balance.entry(from.clone()).or_default() += 1;
        *balance.entry(to.clone()).or_default() -= 1;
        let (a, b) = (root(&parent, &from), root(&parent, &to));
        if a != b {
            parent.insert(a, b);
        }
    }
    *balance.entry(initial.to_string()).or_default() -= 1;
    *balance.entry(last.to_string()).or_default() += 1;
    if let Some((state, off)) = balance.iter().find(|(_, b)| **b != 0) {
        return Some(format!(
            "the applied changes do not chain from {initial} to {last} \
             (state {state} is off by {off}): {steps:?}"
        ));
    }
    if applied.is_empty() {
        return None;
    }
    let start = root(&parent, &initial.to_string());
    std::iter::once(last)
        .chain(applied.iter().map(|(from, _)| from))
        .find(|state| root(&parent, &state.to_string()) != start)
        .map(|state| format!("no chain from {initial} reaches {state}: {steps:?}"))
}

/// The VM's state and memory as the backend holds them, read around Vapor,
/// and the entity tag of the backend's record.
fn backend_facts(server: &TestServer, vm: &str) -> (Value, String) {
    let domain = server
        .hypervisor
        .lookup_domain(vm)
        .expect("the backend knows the VM");
    let tag = vapor_core::etag::of(&domain);
    if server.backend == Backend::LibvirtQemu {
        return (virsh_facts(vm), tag);
    }
    let state = match domain.state {
        DomainState::Running => "running".to_owned(),
        DomainState::Shutoff => "shutoff".to_owned(),
        other => format!("{other:?}"),
    };
    (json!({"state": state, "memory": domain.memory_mib}), tag)
}

/// `virsh -c qemu:///system ARGS`'s output.
fn virsh(args: &[&str]) -> String {
    let out = Command::new("virsh")
        .args(["-c", "qemu:///system"])
        .args(args)
        .output()
        .expect("virsh runs");
    assert!(
        out.status.success(),
        "virsh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("virsh prints text")
}

/// The state (`virsh domstate`) and current memory (`<currentMemory>` of
/// `virsh dumpxml`) of a VM on qemu:///system.
fn virsh_facts(vm: &str) -> Value {
    let state = match virsh(&["domstate", vm]).trim() {
        "running" => "running".to_owned(),
        "shut off" => "shutoff".to_owned(),
        other => other.to_owned(),
    };
    let xml = virsh(&["dumpxml", vm]);
    let element = xml
        .split("<currentMemory")
        .nth(1)
        .expect("the domain XML has <currentMemory>");
    let (attributes, rest) = element.split_once('>').expect("a complete element");
    assert!(attributes.contains("KiB"), "memory in KiB: {attributes}");
    let kib: u64 = rest
        .split('<')
        .next()
        .and_then(|text| text.trim().parse().ok())
        .expect("a memory size");
    json!({"state": state, "memory": kib / 1024})
}

/// Checks that the backend holds `expected`, and that Vapor shows it too.
async fn assert_backend_holds(server: &TestServer, vm: &str, expected: &Value) {
    let (held, backend_tag) = backend_facts(server, vm);
    assert_eq!(
        &held, expected,
        "{vm}: the backend holds {held}, the last applied change left {expected}"
    );
    let (shown, tag) = get_vm(server, vm).await;
    assert_eq!(&facts(&shown), expected, "{vm}: Vapor shows {shown}");
    assert_eq!(
        tag, backend_tag,
        "{vm}: Vapor's ETag is the backend record's"
    );
}

#[tokio::test]
async fn concurrent_mutations_of_one_vm_are_serialised() {
    const MUTATIONS: usize = 50;
    let server = Arc::new(TestServer::start().await);
    let vm = server.name("contended");
    create_vm(&server, &vm, 256).await;
    let initial = facts(&get_vm(&server, &vm).await.0);

    // All 50 start together: each reads the VM and sends its change at once,
    // and again (up to ten times) while it finds the VM busy or changed since
    // its read, so that many are applied. Memory sizes are distinct, within
    // the VM's maximum.
    let barrier = Arc::new(Barrier::new(MUTATIONS));
    let tasks: Vec<_> = (0..MUTATIONS)
        .map(|i| {
            let change = match i % 4 {
                0 | 2 => Change::Memory(128 + 4 * (i as u64 / 2)),
                1 => Change::Start,
                _ => Change::ForceStop,
            };
            let (server, vm, barrier) = (server.clone(), vm.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                read_modify_write_retried(&server, &vm, change, 10).await
            })
        })
        .collect();
    let run = async {
        let mut sent = Vec::new();
        for task in tasks {
            sent.extend(task.await.expect("request task"));
        }
        sent
    };
    let sent = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("50 concurrent mutations did not finish within 120 s");

    let (last, _) = backend_facts(&server, &vm);
    let applied = assert_chained(&vm, &initial, &last, &sent);
    let busy = sent
        .iter()
        .filter(|s| s.reply.body["error"]["details"]["kind"] == "vm")
        .count();
    let stale = sent.iter().filter(|s| s.reply.status == 412).count();
    eprintln!(
        "{applied} of {MUTATIONS} mutations applied in {} requests, {busy} refused as busy, \
         {stale} as stale",
        sent.len()
    );
    assert!(applied > 0, "no mutation was applied");
    assert_backend_holds(&server, &vm, &last).await;

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
    let mut initial = Vec::new();
    for name in &names {
        create_vm(&server, name, 128).await;
        initial.push(facts(&get_vm(&server, name).await.0));
    }

    // Request i goes to VM i % 20; each VM gets two of each kind, all
    // released together.
    let barrier = Arc::new(Barrier::new(REQUESTS));
    let tasks: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let (server, barrier) = (server.clone(), barrier.clone());
            let vm = names[i % VMS].clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let change = match (i / VMS) % 5 {
                    0 => {
                        let reply = server.op("vm_get").path("id", &vm).send().await;
                        return (i, Err(reply));
                    }
                    1 => return (i, Err(server.op("vm_list").send().await)),
                    2 => Change::Memory(96 + 4 * (i / VMS) as u64),
                    3 => Change::Start,
                    _ => Change::ForceStop,
                };
                (i, Ok(read_modify_write(&server, &vm, change).await))
            })
        })
        .collect();
    let crowd = async {
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

    let mut sent_to: Vec<Vec<Sent>> = (0..VMS).map(|_| Vec::new()).collect();
    for (i, outcome) in replies {
        match outcome {
            Err(read) => {
                assert!(
                    read.status < 500,
                    "read {i} answered {}: {}",
                    read.status,
                    read.body
                );
                read.expect(200);
            }
            Ok(sent) => sent_to[i % VMS].push(sent),
        }
    }
    // For each VM, the applied changes chain to the state the backend holds.
    let mut applied = 0;
    for ((name, initial), sent) in names.iter().zip(&initial).zip(&sent_to) {
        let (last, _) = backend_facts(&server, name);
        applied += assert_chained(name, initial, &last, sent);
        assert_backend_holds(&server, name, &last).await;
    }
    eprintln!("{applied} of {} mutations applied", VMS * 6);
    assert!(applied > 0, "no mutation was applied");

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

#[test]
fn changes_that_chain_pass_and_a_lost_change_is_caught() {
    let vm = |memory: u64| json!({"state": "shutoff", "memory": memory});
    let changes = |pairs: &[(u64, u64)]| -> Vec<(Value, Value)> {
        pairs.iter().map(|&(from, to)| (vm(from), vm(to))).collect()
    };
    // 128 -> 136 -> 128 -> 144: a chain, in whatever order the answers came.
    let chained = changes(&[(128, 144), (136, 128), (128, 136)]);
    assert_eq!(chain_fault(&vm(128), &vm(144), &chained), None);
    assert_eq!(chain_fault(&vm(128), &vm(128), &[]), None);
    // Two changes applied to the same state: one of them was lost.
    let lost = changes(&[(128, 136), (128, 144)]);
    assert!(chain_fault(&vm(128), &vm(144), &lost).is_some());
    // The last change applied is not what the VM holds.
    let stale = changes(&[(128, 136)]);
    assert!(chain_fault(&vm(128), &vm(144), &stale).is_some());
    assert!(chain_fault(&vm(128), &vm(136), &[]).is_some());
    // A change applied to a state no chain reaches.
    let apart = changes(&[(128, 136), (152, 160), (160, 152)]);
    let fault = chain_fault(&vm(128), &vm(136), &apart).expect("a fault");
    assert!(fault.contains("no chain"), "{fault}");
}
