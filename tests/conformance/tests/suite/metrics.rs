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
use vapor_conformance::{make_iso, Backend, Reply, SseReader, TestServer};

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
            // No fixed MAC: a MAC another defined VM has is refused.
            "network": {"type": "user"},
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

// ------------------------------------------------------------ Prometheus

/// A sample of the text exposition: its name and labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Series {
    name: String,
    labels: std::collections::BTreeMap<String, String>,
}

/// Parses the text exposition format (what Vapor writes of it: one sample
/// per line, label values quoted with `\\`, `\"` and `\n` escaped).
fn parse_exposition(text: &str) -> std::collections::BTreeMap<Series, f64> {
    let mut out = std::collections::BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').expect("name and value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|e| panic!("{line}: {e}")),
        };
        let (name, mut rest) = match series.split_once('{') {
            Some((n, r)) => (n, r.strip_suffix('}').expect("closing brace")),
            None => (series, ""),
        };
        let mut labels = std::collections::BTreeMap::new();
        while !rest.is_empty() {
            let (label, after) = rest.split_once("=\"").expect("label=\"");
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next().expect("closing quote") {
                    (_, '\\') => match chars.next().expect("escaped").1 {
                        'n' => value.push('\n'),
                        c => value.push(c),
                    },
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            labels.insert(label.to_owned(), value);
            rest = after[end + 1..].trim_start_matches(',');
        }
        let key = Series {
            name: name.to_owned(),
            labels,
        };
        assert!(out.insert(key, value).is_none(), "duplicate series: {line}");
    }
    out
}

/// Scrapes `GET /metrics` with `token`: the content type and the samples.
async fn scrape(
    server: &TestServer,
    token: &str,
) -> (String, std::collections::BTreeMap<Series, f64>) {
    let resp = server
        .op("metrics_prometheus")
        .token(Some(token))
        .send_raw()
        .await;
    assert_eq!(resp.status(), 200);
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.expect("body");
    (content_type, parse_exposition(&text))
}

/// The value of the series `name` whose labels include `labels`.
fn value_of(
    samples: &std::collections::BTreeMap<Series, f64>,
    name: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    let found: Vec<f64> = samples
        .iter()
        .filter(|(s, _)| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, v)| *v)
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} is ambiguous");
    found.first().copied()
}

/// A running VM with a new disk, an ISO as its cdrom, and an interface:
/// on QEMU, on an isolated network this test makes, so that QEMU has a
/// host device to count its traffic on; elsewhere `user`-mode, which the
/// mock and the test driver count too (and a `network` interface makes
/// libvirt 9.0's test driver crash when the VM's addresses are read).
/// Returns the VM as GET reads it.
async fn running_vm_on_a_network(server: &TestServer, suffix: &str) -> Value {
    let mut network = json!({"type": "user", "mac": "52:54:00:6d:70:01"});
    if server.backend == Backend::LibvirtQemu {
        let net = server.name(&format!("{suffix}-net"));
        let bridge = format!("vbm{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        server
            .op("network_create")
            .json(json!({"name": net, "mode": "isolated", "bridge": bridge}))
            .send()
            .await
            .expect(201);
        network = json!({"type": "network", "source": net, "mac": "52:54:00:6d:70:01"});
    }
    let name = server.name(suffix);
    let iso = make_iso(server.dir(), &format!("{suffix}.iso"), 64 * 1024);
    server
        .op("vm_create")
        .json(json!({
            "name": name, "memory": 128, "vcpus": 2, "disk_size": 1,
            "iso_path": iso.to_str().unwrap(),
            "network": network,
            "graphics": [{"type": "none"}]
        }))
        .send()
        .await
        .expect(201);
    action(server, &name, "start").await;
    let vm = server.op("vm_get").path("id", &name).send().await;
    vm.expect(200).clone()
}

#[tokio::test]
async fn prometheus_metrics_need_a_token() {
    let server = TestServer::start().await;
    for token in [None, Some("vapor_not-a-token")] {
        server
            .op("metrics_prometheus")
            .token(token)
            .send()
            .await
            .expect_error(401, "UNAUTHORIZED");
    }
}

#[tokio::test]
async fn prometheus_metrics_describe_every_vm_as_its_metrics_do() {
    let server = TestServer::start().await;
    let vm = running_vm_on_a_network(&server, "prom").await;
    let name = vm["name"].as_str().unwrap().to_owned();
    let uuid = vm["uuid"].as_str().unwrap().to_owned();
    let off = server.name("prom-off");
    server
        .op("vm_create")
        .json(json!({"name": off, "memory": 128, "vcpus": 1, "graphics": [{"type": "none"}]}))
        .send()
        .await
        .expect(201);
    let per_vm = metrics(&server, &name).await.expect(200).clone();

    // A read token is enough.
    let read = server.create_token("prom-read", vapor_core::auth::Scope::Read);
    let (content_type, samples) = scrape(&server, &read).await;
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    assert_eq!(value_of(&samples, "vapor_vm_stats_up", &[]), Some(1.0));
    let this = [("vm", name.as_str()), ("uuid", uuid.as_str())];
    assert_eq!(value_of(&samples, "vapor_vm_state", &this), Some(1.0));
    assert_eq!(
        value_of(&samples, "vapor_vm_state", &[("vm", off.as_str())]),
        Some(5.0),
        "a shut-off VM"
    );

    if server.backend == Backend::LibvirtTest {
        // libvirt's test driver reports only the state in its one call for
        // every domain, and a scrape makes no call per VM: nothing else.
        assert_eq!(value_of(&samples, "vapor_vm_vcpus", &this), None);
        assert_eq!(
            value_of(&samples, "vapor_vm_disk_read_bytes_total", &this),
            None
        );
        return;
    }

    // The same figures as the VM's own metrics.
    assert_eq!(
        value_of(&samples, "vapor_vm_vcpus", &this),
        Some(per_vm["vcpus"].as_f64().unwrap())
    );
    assert_eq!(
        value_of(&samples, "vapor_vm_memory_current_bytes", &this),
        Some(per_vm["memory_total_bytes"].as_f64().unwrap())
    );
    assert_eq!(
        value_of(&samples, "vapor_vm_memory_max_bytes", &this),
        Some(per_vm["memory_max_bytes"].as_f64().unwrap())
    );
    let cpu = value_of(&samples, "vapor_vm_cpu_seconds_total", &this).expect("CPU time");
    assert!(
        cpu * 1e9 >= per_vm["cpu_time_ns"].as_f64().unwrap(),
        "{cpu}"
    );

    // Every disk and interface, by device, with counters no smaller than
    // the earlier per-VM sample's.
    let disks = per_vm["disks"].as_array().unwrap();
    assert!(disks.len() >= 2, "{per_vm}");
    for disk in disks {
        let device = [
            ("vm", name.as_str()),
            ("device", disk["target"].as_str().unwrap()),
        ];
        for (series, field) in [
            ("vapor_vm_disk_read_bytes_total", "read_bytes"),
            ("vapor_vm_disk_write_bytes_total", "write_bytes"),
            ("vapor_vm_disk_read_requests_total", "read_requests"),
            ("vapor_vm_disk_write_requests_total", "write_requests"),
        ] {
            let v = value_of(&samples, series, &device);
            match disk[field].as_f64() {
                Some(earlier) => assert!(v.expect(series) >= earlier, "{series} {disk}"),
                None => assert_eq!(v, None, "{series} {disk}"),
            }
        }
    }
    let nic = &per_vm["networks"][0];
    let device = nic["device"].as_str().expect("a host device");
    let device = [("vm", name.as_str()), ("device", device)];
    for (series, field) in [
        ("vapor_vm_network_receive_bytes_total", "rx_bytes"),
        ("vapor_vm_network_transmit_bytes_total", "tx_bytes"),
        ("vapor_vm_network_receive_packets_total", "rx_packets"),
        ("vapor_vm_network_transmit_packets_total", "tx_packets"),
    ] {
        let v = value_of(&samples, series, &device).expect(series);
        assert!(v >= nic[field].as_f64().unwrap(), "{series} {nic}");
    }

    if server.backend == Backend::LibvirtQemu {
        // What libvirt itself says of the disk, read just after.
        let (_, samples) = scrape(&server, &read).await;
        let ours = value_of(
            &samples,
            "vapor_vm_disk_read_bytes_total",
            &[("vm", name.as_str()), ("device", "vda")],
        )
        .expect("vda");
        let out = std::process::Command::new("virsh")
            .args(["-c", "qemu:///system", "domstats", "--block", &name])
            .output()
            .expect("virsh runs");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(&format!("{key}=")).map(str::to_owned))
        };
        let index = (0..8)
            .find(|i| field(&format!("block.{i}.name")).as_deref() == Some("vda"))
            .expect("vda in virsh domstats");
        let theirs: f64 = field(&format!("block.{index}.rd.bytes"))
            .expect("rd.bytes")
            .parse()
            .unwrap();
        // The guest may read between the two reads; not much.
        assert!(
            theirs >= ours && theirs - ours <= 4.0 * 1024.0 * 1024.0,
            "ours {ours}, virsh {theirs}"
        );
    }
}

#[tokio::test]
async fn prometheus_metrics_count_the_services_requests() {
    let server = TestServer::start().await;
    let get_2xx = [("operation", "health_get"), ("status_class", "2xx")];
    let vm_4xx = [("operation", "vm_get"), ("status_class", "4xx")];
    let (_, before) = scrape(&server, &server.token).await;
    let count = |s: &std::collections::BTreeMap<Series, f64>, labels: &[(&str, &str)]| {
        value_of(s, "vapor_http_requests_total", labels).unwrap_or(0.0)
    };

    for _ in 0..3 {
        server.op("health_get").send().await.expect(200);
    }
    server
        .op("vm_get")
        .path("id", &server.name("missing"))
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    let (_, after) = scrape(&server, &server.token).await;
    assert_eq!(count(&after, &get_2xx) - count(&before, &get_2xx), 3.0);
    assert_eq!(count(&after, &vm_4xx) - count(&before, &vm_4xx), 1.0);
    // The scrape before this one was counted too.
    assert!(
        count(
            &after,
            &[("operation", "metrics_prometheus"), ("status_class", "2xx")]
        ) >= 1.0
    );

    // The latency histogram: every request in the +Inf bucket, buckets cumulative.
    let health = [("operation", "health_get")];
    let total = value_of(&after, "vapor_http_request_duration_seconds_count", &health).unwrap();
    assert!(total >= 3.0);
    let inf = [("operation", "health_get"), ("le", "+Inf")];
    assert_eq!(
        value_of(&after, "vapor_http_request_duration_seconds_bucket", &inf),
        Some(total)
    );
    let mut buckets: Vec<(f64, f64)> = after
        .iter()
        .filter(|(s, _)| {
            s.name == "vapor_http_request_duration_seconds_bucket"
                && s.labels["operation"] == "health_get"
        })
        .map(|(s, v)| (s.labels["le"].parse::<f64>().unwrap_or(f64::INFINITY), *v))
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.len() > 5);
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
    assert!(value_of(&after, "vapor_http_request_duration_seconds_sum", &health).unwrap() >= 0.0);
}

// ------------------------------------------------------------ the stream

async fn stream(server: &TestServer, id: &str, interval: Option<&str>) -> reqwest::Response {
    let mut req = server.op("vm_metrics_stream").path("id", id);
    if let Some(interval) = interval {
        req = req.query("interval", interval);
    }
    req.send_raw().await
}

#[tokio::test]
async fn a_running_vms_metrics_stream_until_it_stops() {
    let server = TestServer::start().await;
    let vm = running_vm(&server, "stream").await;
    let name = vm["name"].as_str().unwrap().to_owned();

    let resp = stream(&server, &name, Some("1")).await;
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let mut events = SseReader::new(resp);
    let started = Instant::now();
    let mut samples = Vec::new();
    for _ in 0..2 {
        let e = events
            .next(Duration::from_secs(10))
            .await
            .expect("an event");
        assert_eq!(e.event, "metrics", "{e:?}");
        let m: Value = serde_json::from_str(&e.data).unwrap();
        check_sample(&server, &vm, &m);
        samples.push(m);
    }
    // The first at once, the second an interval later.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_monotonic(&samples[0], &samples[1]);

    action(&server, &name, "force_stop").await;
    // The sample after the stop (within an interval) ends the stream.
    let end = loop {
        let e = events.next(Duration::from_secs(10)).await.expect("the end");
        if e.event != "metrics" {
            break e;
        }
    };
    assert_eq!(end.event, "end");
    let data: Value = serde_json::from_str(&end.data).unwrap();
    assert_eq!(data["reason"], "VM_NOT_RUNNING");
    assert!(
        events.next(Duration::from_secs(10)).await.is_none(),
        "closed"
    );
}

#[tokio::test]
async fn a_stream_stops_sampling_when_its_client_leaves() {
    let server = TestServer::start().await;
    let vm = running_vm(&server, "leave").await;
    let name = vm["name"].as_str().unwrap().to_owned();
    // The sampling task holds the application: count its holders. Each
    // connection's router holds it too, so the stream has a client, and a
    // connection, of its own, gone once the response is dropped.
    let idle = std::sync::Arc::strong_count(&server.app);
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/virtualization/virtualmachines/{name}/metrics/stream?interval=60",
            server.base_url
        ))
        .bearer_auth(&server.token)
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(resp.status(), 200);
    let mut events = SseReader::new(resp);
    let first = events.next(Duration::from_secs(10)).await.expect("at once");
    assert_eq!(first.event, "metrics");
    assert!(std::sync::Arc::strong_count(&server.app) > idle);
    drop(events);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::sync::Arc::strong_count(&server.app) > idle {
        assert!(
            Instant::now() < deadline,
            "still sampling after the client left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_stream_needs_a_running_vm_and_a_valid_interval() {
    let server = TestServer::start().await;
    let name = server.name("stream-off");
    server
        .op("vm_create")
        .json(json!({"name": name, "memory": 128, "vcpus": 1, "graphics": [{"type": "none"}]}))
        .send()
        .await
        .expect(201);
    // Errors come before the stream, as envelopes.
    server
        .op("vm_metrics_stream")
        .path("id", &name)
        .send()
        .await
        .expect_error(409, "VM_NOT_RUNNING");
    server
        .op("vm_metrics_stream")
        .path("id", &server.name("missing"))
        .query("interval", "1")
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    for bad in ["0", "61", "-1", "1000", "often"] {
        server
            .op("vm_metrics_stream")
            .path("id", &name)
            .query("interval", bad)
            .send()
            .await
            .expect_error(400, "VALIDATION_ERROR");
    }
    server
        .op("vm_metrics_stream")
        .path("id", &name)
        .token(None)
        .send()
        .await
        .expect_error(401, "UNAUTHORIZED");

    // A read token may watch a running VM; the default interval is 5 s.
    action(&server, &name, "start").await;
    let read = server.create_token("stream-read", vapor_core::auth::Scope::Read);
    let resp = server
        .op("vm_metrics_stream")
        .path("id", &name)
        .token(Some(&read))
        .send_raw()
        .await;
    assert_eq!(resp.status(), 200);
    let mut events = SseReader::new(resp);
    let first = events.next(Duration::from_secs(10)).await.expect("at once");
    assert_eq!(first.event, "metrics");
    let started = Instant::now();
    let second = events.next(Duration::from_secs(15)).await.expect("later");
    assert_eq!(second.event, "metrics");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(4), "{waited:?}");
}
