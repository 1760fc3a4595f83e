//! VM metrics over HTTP: every disk and interface of a running VM, counters
//! that only grow, CPU usage from two samples, and the declared errors.
//!
//! What each backend can tell differs, and the tests say so: QEMU keeps no
//! counters for a `user`-mode interface (it has no host device), reports
//! the process's RSS but no guest figures for a guest without a balloon
//! driver, and its blank guest does next to no I/O; libvirt's test driver
//! derives its counters from the time of day and reports no memory use
//! beyond the balloon's size; the mock's guests run at a fixed load.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vapor_conformance::{make_iso, Backend, Reply, TestServer};

const MIB: u64 = 1024 * 1024;

async fn metrics(server: &TestServer, id: &str) -> Reply {
    server.op("vm_metrics_get").path("id", id).send().await
}

async fn action(server: &TestServer, id: &str, action: &str) {
    let reply = server
        .op("vm_action")
        .path("id", id)
        .json(json!({"action": action, "force": true}))
        .send()
        .await;
    reply.expect(200);
}

/// A VM with a new qcow2 disk, an ISO as its cdrom and a `user`-mode
/// interface, running. Returns the VM as GET reads it.
async fn running_vm(server: &TestServer, suffix: &str) -> Value {
    let name = server.name(suffix);
    let iso = make_iso(server.dir(), &format!("{suffix}.iso"), 64 * 1024);
    let created = server
        .op("vm_create")
        .json(json!({
            "name": name, "memory": 128, "vcpus": 2, "disk_size": 1,
            "iso_path": iso.to_str().unwrap(),
            "network": {"type": "user", "mac": "52:54:00:6d:65:01"},
            "graphics": [{"type": "none"}]
        }))
        .send()
        .await;
    created.expect(201);
    action(server, &name, "start").await;
    let vm = server.op("vm_get").path("id", &name).send().await;
    let vm = vm.expect(200).clone();
    assert_eq!(vm["state"], "running");
    vm
}

fn u64_of(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("a non-negative integer: {v}"))
}

/// The counter fields of a disk or interface.
const DISK_COUNTERS: [&str; 4] = [
    "read_bytes",
    "write_bytes",
    "read_requests",
    "write_requests",
];
const NIC_COUNTERS: [&str; 4] = ["rx_bytes", "tx_bytes", "rx_packets", "tx_packets"];

/// Checks one sample against the VM it measures.
fn check_sample(server: &TestServer, vm: &Value, m: &Value) {
    // The generated SDK reads it: every field is there, with its type.
    let sdk: vapor_client::models::VmMetrics =
        serde_json::from_value(m.clone()).unwrap_or_else(|e| panic!("{e}: {m}"));
    assert_eq!(sdk.uuid, vm["uuid"].as_str().unwrap());
    u64_of(&m["cpu_time_ns"]);
    let usage = m["cpu_usage_percent"].as_f64().expect("a number");
    assert!((0.0..=100.0).contains(&usage), "{m}");
    let window = u64_of(&m["cpu_usage_window_ms"]);
    assert!((200..=61_000).contains(&window), "{m}");
    assert_eq!(m["vcpus"], vm["vcpus"]);
    assert_eq!(
        u64_of(&m["memory_total_bytes"]),
        u64_of(&vm["memory"]) * MIB,
        "the VM's memory: {m}"
    );
    assert_eq!(
        u64_of(&m["memory_max_bytes"]),
        u64_of(&vm["max_memory"]) * MIB
    );
    let used = u64_of(&m["memory_used_bytes"]);
    assert!(used > 0, "{m}");
    let source = m["memory_used_source"].as_str().unwrap();
    match server.backend {
        // A guest at the mock's load reports through its balloon driver.
        Backend::Mock => assert_eq!(source, "guest"),
        // The test driver reports only the balloon's size.
        Backend::LibvirtTest => {
            assert_eq!(source, "balloon");
            assert_eq!(m["memory_used_bytes"], m["memory_total_bytes"]);
        }
        // A blank guest has no balloon driver; QEMU reports its RSS.
        Backend::LibvirtQemu => assert_eq!(source, "rss"),
    }

    // Every disk of the VM, by target and in order.
    let targets = |list: &Value, key: &str| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|d| d[key].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        targets(&m["disks"], "target"),
        targets(&vm["disks"], "target")
    );
    assert_eq!(
        m["disks"].as_array().unwrap().len(),
        2,
        "a disk and a cdrom"
    );
    for disk in m["disks"].as_array().unwrap() {
        for counter in DISK_COUNTERS {
            // Every backend here reports every disk counter.
            u64_of(&disk[counter]);
        }
    }
    // Every interface of the VM, by MAC and in order.
    assert_eq!(
        targets(&m["networks"], "mac"),
        targets(&vm["networks"], "mac")
    );
    let nic = &m["networks"][0];
    if server.backend == Backend::LibvirtQemu {
        // User-mode networking has no host device: libvirt cannot count it.
        assert_eq!(nic["device"], Value::Null, "{nic}");
        for counter in NIC_COUNTERS {
            assert_eq!(nic[counter], Value::Null, "{nic}");
        }
    } else {
        assert!(!nic["device"].as_str().unwrap().is_empty(), "{nic}");
        for counter in NIC_COUNTERS {
            u64_of(&nic[counter]);
        }
    }
}

/// Every counter of `later` is at least the one of `earlier`; a counter
/// the backend does not report stays null.
fn assert_monotonic(earlier: &Value, later: &Value) {
    assert!(u64_of(&later["cpu_time_ns"]) >= u64_of(&earlier["cpu_time_ns"]));
    for (list, counters) in [("disks", DISK_COUNTERS), ("networks", NIC_COUNTERS)] {
        let a = earlier[list].as_array().unwrap();
        let b = later[list].as_array().unwrap();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            for c in counters {
                if x[c].is_null() {
                    assert!(y[c].is_null(), "{c}: {x} then {y}");
                } else {
                    assert!(u64_of(&y[c]) >= u64_of(&x[c]), "{c}: {x} then {y}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_running_vm_reports_every_device_and_counters_only_grow() {
    let server = TestServer::start().await;
    let vm = running_vm(&server, "metrics").await;
    let name = vm["name"].as_str().unwrap().to_owned();

    // The first request takes two samples, 0.2 s apart.
    let started = Instant::now();
    let first = metrics(&server, &name).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    let first = first.expect(200).clone();
    check_sample(&server, &vm, &first);

    // By UUID too; the previous sample is reused once it is old enough.
    let mut second = metrics(&server, vm["uuid"].as_str().unwrap()).await;
    // CPU time grows; on QEMU an idle blank guest may need a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    while u64_of(&second.expect(200)["cpu_time_ns"]) <= u64_of(&first["cpu_time_ns"]) {
        assert!(Instant::now() < deadline, "CPU time did not grow: {first}");
        tokio::time::sleep(Duration::from_millis(250)).await;
        second = metrics(&server, &name).await;
    }
    let second = second.expect(200).clone();
    check_sample(&server, &vm, &second);
    assert_monotonic(&first, &second);

    if server.backend == Backend::Mock {
        // The mock's guests keep each vCPU 25 % busy, and its disks and
        // interfaces move data all the time.
        let usage = second["cpu_usage_percent"].as_f64().unwrap();
        // Wide enough for a busy test machine: the mock and the API read the clock at different moments.
        assert!((usage - 25.0).abs() < 5.0, "{second}");
        assert!(
            u64_of(&second["disks"][0]["read_bytes"]) > u64_of(&first["disks"][0]["read_bytes"])
        );
        assert!(u64_of(&second["networks"][0]["rx_bytes"]) > 0);
    }

    // A paused VM still has its counters.
    action(&server, &name, "pause").await;
    let paused = metrics(&server, &name).await;
    let paused = paused.expect(200).clone();
    check_sample(&server, &vm, &paused);
    assert_monotonic(&second, &paused);
    if server.backend == Backend::Mock {
        let again = metrics(&server, &name).await;
        assert_eq!(again.expect(200)["cpu_usage_percent"], 0.0, "paused");
    }

    // Stopped: nothing to measure.
    action(&server, &name, "force_stop").await;
    let stopped = metrics(&server, &name).await;
    stopped.expect_error(409, "VM_NOT_RUNNING");

    // Started again: counters start over, and the first request measures
    // the new run rather than compare with the old one.
    action(&server, &name, "start").await;
    let rerun = metrics(&server, &name).await;
    let rerun = rerun.expect(200).clone();
    check_sample(&server, &vm, &rerun);
    if server.backend == Backend::Mock {
        assert!(u64_of(&rerun["cpu_time_ns"]) < u64_of(&second["cpu_time_ns"]));
    }
}

#[tokio::test]
async fn metrics_need_a_running_vm_that_exists() {
    let server = TestServer::start().await;
    let name = server.name("off");
    let created = server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1, "graphics": [{"type": "none"}]}))
        .send()
        .await;
    let vm = created.expect(201)["vm"].clone();
    metrics(&server, &name)
        .await
        .expect_error(409, "VM_NOT_RUNNING");
    metrics(&server, vm["uuid"].as_str().unwrap())
        .await
        .expect_error(409, "VM_NOT_RUNNING");

    metrics(&server, &server.name("missing"))
        .await
        .expect_error(404, "NOT_FOUND");
    metrics(&server, &uuid::Uuid::new_v4().to_string())
        .await
        .expect_error(404, "NOT_FOUND");
}
