//! `GET /api/v1/metrics`: every VM's and the service's own metrics in
//! Prometheus' text exposition format 0.0.4.
//!
//! The route sits ahead of the generated router (see [`crate::http::router`]),
//! like the console WebSocket, because its body is not JSON and because the
//! service's own request metrics live here; it stays behind the token gate
//! (a read token is enough). A scrape goes like this:
//!
//! 1. [`record`], the outermost middleware, has counted every request so
//!    far by operation (`operationId`, read from the spec as the audit log
//!    does) and status class, and observed its latency into a histogram.
//! 2. [`scrape`] reads every VM's statistics with one backend call
//!    whatever their number (`Vapor::all_vm_stats`, libvirt's
//!    `virConnectGetAllDomainStats`); a value that call does not report is
//!    left out, never filled in by a call per VM or made up.
//! 3. The VM series, then the request series, are written as text: each
//!    family's `# HELP` and `# TYPE`, then its samples, label values escaped.
//!
//! When the backend cannot be read, the scrape still answers, with
//! `vapor_vm_stats_up 0`, no VM series, and the request series.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::{header, StatusCode};
use vapor_core::app::Vapor;
use vapor_hypervisor::{DomainState, DomainStatsEntry};

/// Where the metrics are served.
pub const PATH: &str = "/api/v1/metrics";

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds, in seconds, of the request latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The label of requests that match no operation of the spec (unknown
/// paths, the console page's files).
const OTHER: &str = "other";

/// Request counts and latencies by operation, since the service started.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    by_operation: Mutex<BTreeMap<&'static str, OperationMetrics>>,
}

#[derive(Debug, Default, Clone)]
struct OperationMetrics {
    /// Requests by status class: `1xx` at index 0 to `5xx` at index 4.
    by_class: [u64; 5],
    /// Requests per bucket of [`BUCKETS`] (not cumulative: each request
    /// counts once, in the first bucket it fits), then the ones above all.
    buckets: [u64; BUCKETS.len() + 1],
    seconds: f64,
    count: u64,
}

impl HttpMetrics {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<&'static str, OperationMetrics>> {
        self.by_operation.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one answered request.
    fn observe(&self, operation: &'static str, status: StatusCode, seconds: f64) {
        let mut all = self.lock();
        let m = all.entry(operation).or_default();
        let class = usize::from(status.as_u16() / 100).clamp(1, 5) - 1;
        m.by_class[class] += 1;
        let bucket = BUCKETS
            .iter()
            .position(|le| seconds <= *le)
            .unwrap_or(BUCKETS.len());
        m.buckets[bucket] += 1;
        m.seconds += seconds;
        m.count += 1;
    }

    fn write(&self, out: &mut Exposition) {
        let all = self.lock().clone();
        out.family(
            "vapor_http_requests_total",
            "counter",
            "HTTP requests answered, by operation (operationId, or \"other\") and status class.",
        );
        for (operation, m) in &all {
            for (i, n) in m.by_class.iter().enumerate() {
                if *n > 0 {
                    let class = format!("{}xx", i + 1);
                    out.sample(
                        "vapor_http_requests_total",
                        &[("operation", operation), ("status_class", &class)],
                        n,
                    );
                }
            }
        }
        out.family(
            "vapor_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its response's head, by operation.",
        );
        for (operation, m) in &all {
            let mut cumulative = 0;
            for (i, le) in BUCKETS.iter().enumerate() {
                cumulative += m.buckets[i];
                out.sample(
                    "vapor_http_request_duration_seconds_bucket",
                    &[("operation", operation), ("le", &le.to_string())],
                    cumulative,
                );
            }
            out.sample(
                "vapor_http_request_duration_seconds_bucket",
                &[("operation", operation), ("le", "+Inf")],
                m.count,
            );
            out.sample(
                "vapor_http_request_duration_seconds_sum",
                &[("operation", operation)],
                m.seconds,
            );
            out.sample(
                "vapor_http_request_duration_seconds_count",
                &[("operation", operation)],
                m.count,
            );
        }
    }
}

/// Counts every request, whatever answers it, once its response's head is
/// known (for a stream, when it starts).
pub async fn record(
    State(metrics): State<Arc<HttpMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let operation = crate::spec_ops::operation_id(request.method().as_str(), request.uri().path())
        .unwrap_or(OTHER);
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(
        operation,
        response.status(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// What a scrape reads.
#[derive(Clone)]
struct Scrape {
    app: Arc<Vapor>,
    http: Arc<HttpMetrics>,
}

/// The metrics route.
pub fn routes(app: Arc<Vapor>, http: Arc<HttpMetrics>) -> Router {
    Router::new()
        .route(PATH, get(scrape))
        .with_state(Scrape { app, http })
}

async fn scrape(State(s): State<Scrape>) -> Response {
    let mut out = Exposition::default();
    match s.app.all_vm_stats().await {
        Ok(vms) => {
            write_up(&mut out, true);
            write_vms(&mut out, &vms);
        }
        Err(err) => {
            tracing::warn!(error = %err, "metrics: reading every VM's statistics failed");
            write_up(&mut out, false);
        }
    }
    s.http.write(&mut out);
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], out.text).into_response()
}

fn write_up(out: &mut Exposition, up: bool) {
    out.family(
        "vapor_vm_stats_up",
        "gauge",
        "1 when this scrape read the VMs' statistics, 0 when the backend failed.",
    );
    out.sample("vapor_vm_stats_up", &[], u8::from(up));
}

/// libvirt's number for a state (`virDomainState`).
fn state_code(state: DomainState) -> u8 {
    match state {
        DomainState::NoState => 0,
        DomainState::Running => 1,
        DomainState::Blocked => 2,
        DomainState::Paused => 3,
        DomainState::Shutdown => 4,
        DomainState::Shutoff => 5,
        DomainState::Crashed => 6,
        DomainState::PmSuspended => 7,
    }
}

/// A per-VM series: name, type, help, and its value for a VM, if known.
type VmSeries = (
    &'static str,
    &'static str,
    &'static str,
    fn(&DomainStatsEntry) -> Option<f64>,
);

/// A per-device series: name, help, and its value for the i-th device.
type DeviceSeries<T> = (&'static str, &'static str, fn(&T) -> Option<u64>);

const VM_SERIES: &[VmSeries] = &[
    (
        "vapor_vm_state",
        "gauge",
        "The VM's state, libvirt's number: 0 no state, 1 running, 2 blocked, 3 paused, \
         4 shutting down, 5 shut off, 6 crashed, 7 suspended by the guest.",
        |v| Some(f64::from(state_code(v.state))),
    ),
    ("vapor_vm_vcpus", "gauge", "vCPUs the VM has now.", |v| {
        v.vcpus.map(f64::from)
    }),
    (
        "vapor_vm_memory_current_bytes",
        "gauge",
        "Memory the VM has now: the balloon's actual size.",
        |v| v.memory_current_bytes.map(|b| b as f64),
    ),
    (
        "vapor_vm_memory_max_bytes",
        "gauge",
        "The most memory the VM may have.",
        |v| v.memory_maximum_bytes.map(|b| b as f64),
    ),
    (
        "vapor_vm_memory_available_bytes",
        "gauge",
        "Memory the guest sees as installed, from its balloon driver.",
        |v| v.guest_available_bytes.map(|b| b as f64),
    ),
    (
        "vapor_vm_memory_unused_bytes",
        "gauge",
        "Memory the guest leaves unused, from its balloon driver.",
        |v| v.guest_unused_bytes.map(|b| b as f64),
    ),
    (
        "vapor_vm_memory_rss_bytes",
        "gauge",
        "Resident memory of the VM's process on the host.",
        |v| v.rss_bytes.map(|b| b as f64),
    ),
    (
        "vapor_vm_cpu_seconds_total",
        "counter",
        "CPU time the VM has used since it started, all of its threads.",
        |v| v.cpu_time_ns.map(|ns| ns as f64 / 1e9),
    ),
];

const DISK_SERIES: &[DeviceSeries<vapor_hypervisor::DiskStats>] = &[
    (
        "vapor_vm_disk_read_bytes_total",
        "Bytes read from the disk since the VM started.",
        |d| d.read_bytes,
    ),
    (
        "vapor_vm_disk_write_bytes_total",
        "Bytes written to the disk since the VM started.",
        |d| d.write_bytes,
    ),
    (
        "vapor_vm_disk_read_requests_total",
        "Read requests to the disk since the VM started.",
        |d| d.read_requests,
    ),
    (
        "vapor_vm_disk_write_requests_total",
        "Write requests to the disk since the VM started.",
        |d| d.write_requests,
    ),
];

const NIC_SERIES: &[DeviceSeries<vapor_hypervisor::NicStats>] = &[
    (
        "vapor_vm_network_receive_bytes_total",
        "Bytes the VM received on the interface since it started.",
        |n| n.rx_bytes,
    ),
    (
        "vapor_vm_network_transmit_bytes_total",
        "Bytes the VM sent on the interface since it started.",
        |n| n.tx_bytes,
    ),
    (
        "vapor_vm_network_receive_packets_total",
        "Packets the VM received on the interface since it started.",
        |n| n.rx_packets,
    ),
    (
        "vapor_vm_network_transmit_packets_total",
        "Packets the VM sent on the interface since it started.",
        |n| n.tx_packets,
    ),
];

/// Every VM's series, family by family. Labels: `vm` (the name) and
/// `uuid`, and `device` (the disk's target, the interface's host device).
fn write_vms(out: &mut Exposition, vms: &[DomainStatsEntry]) {
    for (name, kind, help, value) in VM_SERIES {
        out.family(name, kind, help);
        for vm in vms {
            if let Some(v) = value(vm) {
                out.sample(name, &[("vm", &vm.name), ("uuid", &vm.uuid)], v);
            }
        }
    }
    for (name, help, value) in DISK_SERIES {
        out.family(name, "counter", help);
        for vm in vms {
            for disk in &vm.disks {
                if let Some(v) = value(disk) {
                    let labels = [
                        ("vm", &*vm.name),
                        ("uuid", &vm.uuid),
                        ("device", &disk.target),
                    ];
                    out.sample(name, &labels, v);
                }
            }
        }
    }
    for (name, help, value) in NIC_SERIES {
        out.family(name, "counter", help);
        for vm in vms {
            for nic in &vm.interfaces {
                if let (Some(device), Some(v)) = (&nic.device, value(nic)) {
                    let labels = [("vm", &*vm.name), ("uuid", &vm.uuid), ("device", device)];
                    out.sample(name, &labels, v);
                }
            }
        }
    }
}

/// A document in the text exposition format.
#[derive(Debug, Default)]
struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts a metric family: its `# HELP` and `# TYPE` lines.
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    /// One sample line.
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }
}

/// A label value as the format wants it: backslash, double quote and line
/// feed escaped.
fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A `# HELP` text: backslash and line feed escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use vapor_hypervisor::{DiskStats, NicStats};

    use super::*;

    fn entry(name: &str) -> DomainStatsEntry {
        DomainStatsEntry {
            uuid: "00000000-0000-4000-8000-000000000001".into(),
            name: name.into(),
            state: DomainState::Running,
            cpu_time_ns: Some(1_500_000_000),
            vcpus: Some(2),
            memory_current_bytes: Some(128 << 20),
            memory_maximum_bytes: Some(256 << 20),
            rss_bytes: None,
            guest_available_bytes: None,
            guest_unused_bytes: None,
            disks: vec![DiskStats {
                target: "vda".into(),
                read_bytes: Some(4096),
                write_bytes: None,
                read_requests: Some(1),
                write_requests: Some(0),
            }],
            interfaces: vec![NicStats {
                device: Some("vnet0".into()),
                mac: None,
                rx_bytes: Some(10),
                tx_bytes: Some(20),
                rx_packets: Some(1),
                tx_packets: Some(2),
            }],
        }
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(escape_label(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label("line\nnext"), "line\\nnext");
        assert_eq!(escape_label("plain-name_1"), "plain-name_1");
        assert_eq!(escape_help("a\\b\nc \"q\""), "a\\\\b\\nc \"q\"");
        let mut out = Exposition::default();
        out.sample("m", &[("vm", "x\"\\\ny")], 1);
        assert_eq!(out.text, "m{vm=\"x\\\"\\\\\\ny\"} 1\n");
    }

    #[test]
    fn vm_series_carry_their_labels_and_leave_out_what_is_unknown() {
        let mut out = Exposition::default();
        write_vms(&mut out, &[entry("web \"1\"")]);
        let t = &out.text;
        let labels = r#"vm="web \"1\"",uuid="00000000-0000-4000-8000-000000000001""#;
        assert!(
            t.contains(&format!("vapor_vm_state{{{labels}}} 1\n")),
            "{t}"
        );
        assert!(
            t.contains(&format!("vapor_vm_vcpus{{{labels}}} 2\n")),
            "{t}"
        );
        assert!(
            t.contains(&format!("vapor_vm_cpu_seconds_total{{{labels}}} 1.5\n")),
            "{t}"
        );
        assert!(
            t.contains(&format!(
                "vapor_vm_memory_current_bytes{{{labels}}} 134217728\n"
            )),
            "{t}"
        );
        assert!(
            t.contains(&format!(
                "vapor_vm_disk_read_bytes_total{{{labels},device=\"vda\"}} 4096\n"
            )),
            "{t}"
        );
        assert!(
            t.contains(&format!(
                "vapor_vm_network_transmit_packets_total{{{labels},device=\"vnet0\"}} 2\n"
            )),
            "{t}"
        );
        // Not reported: no sample, but the family is still declared.
        assert!(!t.contains("vapor_vm_disk_write_bytes_total{"), "{t}");
        assert!(!t.contains("vapor_vm_memory_rss_bytes{"), "{t}");
        assert!(
            t.contains("# TYPE vapor_vm_disk_write_bytes_total counter\n"),
            "{t}"
        );
        // Every sample line follows its family's TYPE line.
        let mut declared = std::collections::HashSet::new();
        for line in t.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                declared.insert(rest.split(' ').next().unwrap().to_owned());
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                assert!(declared.contains(name), "{name} before its TYPE");
            }
        }
    }

    #[test]
    fn the_histogram_is_cumulative_and_counts_by_status_class() {
        let m = HttpMetrics::default();
        m.observe("vm_list", StatusCode::OK, 0.003);
        m.observe("vm_list", StatusCode::OK, 0.2);
        m.observe("vm_list", StatusCode::NOT_FOUND, 100.0);
        let mut out = Exposition::default();
        m.write(&mut out);
        let t = &out.text;
        for line in [
            "vapor_http_requests_total{operation=\"vm_list\",status_class=\"2xx\"} 2\n",
            "vapor_http_requests_total{operation=\"vm_list\",status_class=\"4xx\"} 1\n",
            "vapor_http_request_duration_seconds_bucket{operation=\"vm_list\",le=\"0.005\"} 1\n",
            "vapor_http_request_duration_seconds_bucket{operation=\"vm_list\",le=\"0.1\"} 1\n",
            "vapor_http_request_duration_seconds_bucket{operation=\"vm_list\",le=\"0.25\"} 2\n",
            "vapor_http_request_duration_seconds_bucket{operation=\"vm_list\",le=\"30\"} 2\n",
            "vapor_http_request_duration_seconds_bucket{operation=\"vm_list\",le=\"+Inf\"} 3\n",
            "vapor_http_request_duration_seconds_count{operation=\"vm_list\"} 3\n",
        ] {
            assert!(t.contains(line), "missing {line:?} in\n{t}");
        }
        assert!(!t.contains("status_class=\"5xx\""), "{t}");
    }
}
