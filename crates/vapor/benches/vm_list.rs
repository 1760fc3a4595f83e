//! How long `GET /api/v1/virtualization/virtualmachines` takes with many
//! VMs, how many libvirt calls it makes, and how that compares with asking
//! libvirt directly. Prints numbers; asserts nothing about time.
//!
//! ```text
//! cargo bench -p vapor --bench vm_list
//! VAPOR_BENCH_URI=qemu:///system cargo bench -p vapor --bench vm_list
//! ```
//!
//! Environment:
//! - `VAPOR_BENCH_URI`: libvirt URI (default `test:///default`).
//! - `VAPOR_BENCH_VMS`: blank VMs to define (default 1000).
//! - `VAPOR_BENCH_ITERATIONS`: timed requests per row (default 50 on the
//!   test driver, 20 elsewhere).
//!
//! The VMs are defined through the `Hypervisor` trait as
//! `vapor-bench-<random>-<i>` (64 MiB, 1 vCPU, no disks, no graphics) and
//! undefined when the bench ends, panics included. A killed bench leaves
//! them behind: remove every `vapor-bench-` domain by hand then.
//!
//! The server is built as the conformance harness builds it, over the same
//! `LibvirtHypervisor` instance, whose call counter therefore sees exactly
//! the calls the requests cause. Latency is measured on the client, from
//! sending the request to the last byte of the body; parsing the JSON to
//! check `data.count` happens after the clock stops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use vapor_hypervisor::{DomainSpec, Hypervisor, VaporMetadata};
use vapor_libvirt::LibvirtHypervisor;

/// Untimed requests before each row's timed ones.
const WARMUP: usize = 3;

fn main() {
    // `cargo test --all-targets` runs bench targets too, without `--bench`;
    // defining a thousand VMs is not a test.
    if !std::env::args().any(|a| a == "--bench") {
        println!("vm_list: skipped (run it with `cargo bench -p vapor --bench vm_list`)");
        return;
    }
    let uri = env_or("VAPOR_BENCH_URI", "test:///default".to_string());
    let vms: usize = env_or("VAPOR_BENCH_VMS", 1000);
    let default_iterations = if uri.starts_with("test:") { 50 } else { 20 };
    let iterations: usize = env_or("VAPOR_BENCH_ITERATIONS", default_iterations);
    assert!(iterations > 0, "VAPOR_BENCH_ITERATIONS must be at least 1");
    println!("vm_list: {uri}, {vms} VMs, {iterations} timed requests per row");

    let setup_started = Instant::now();
    let hv = Arc::new(LibvirtHypervisor::connect(&uri).expect("connect to libvirt"));
    let host = hv.host_info().expect("host info");
    let domain_type = pick_domain_type(&host.domain_types);
    let prefix = format!(
        "vapor-bench-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut defined = Defined {
        hv: Arc::clone(&hv),
        uuids: Vec::with_capacity(vms),
    };
    let define_started = Instant::now();
    for i in 0..vms {
        let spec = DomainSpec {
            name: format!("{prefix}-{i}"),
            uuid: uuid::Uuid::new_v4().to_string(),
            domain_type: domain_type.clone(),
            arch: host.arch.clone(),
            memory_mib: 64,
            vcpus: 1,
            disks: vec![],
            interfaces: vec![],
            graphics: vec![],
            boot: vec![],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        };
        hv.define_domain(&spec)
            .unwrap_or_else(|e| panic!("defining {}: {e}", spec.name));
        defined.uuids.push(spec.uuid);
    }
    let define_time = define_started.elapsed();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = vapor::Config {
        host: "127.0.0.1".into(),
        port: 0,
        database_path: dir.path().join("vapor.db"),
        libvirt_uri: uri.clone(),
        ..vapor::Config::default()
    };
    let (base_url, token) = runtime.block_on(async {
        let app = vapor::build(&config, Arc::clone(&hv) as Arc<dyn Hypervisor>).expect("app");
        let token = vapor_core::auth::create_token(app.db(), "bench").expect("token");
        let router = vapor::http::router(app, vapor::http::BodyLimits::from(&config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (format!("http://{addr}"), token)
    });
    println!(
        "setup: {:.2} s ({vms} VMs defined in {:.2} s, {:.2} ms each; domain type {domain_type}, arch {})",
        setup_started.elapsed().as_secs_f64(),
        define_time.as_secs_f64(),
        ms(define_time) / vms.max(1) as f64,
        host.arch,
    );

    // Vapor over HTTP.
    let url = format!("{base_url}/api/v1/virtualization/virtualmachines");
    let client = reqwest::Client::new();
    let list = || {
        runtime.block_on(async {
            let started = Instant::now();
            let resp = client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("request reaches the server");
            let status = resp.status();
            let body = resp.bytes().await.expect("body");
            let size = body.len();
            let elapsed = started.elapsed();
            assert!(
                status.is_success(),
                "GET list answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
            let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
            let count = json["data"]["count"].as_u64().expect("data.count") as usize;
            assert!(
                count >= vms,
                "data.count is {count}, fewer than the {vms} VMs defined"
            );
            (elapsed, count, size)
        })
    };
    for _ in 0..WARMUP {
        list();
    }
    let calls_before = hv.libvirt_calls();
    let (mut listed, mut body_bytes) = (0, 0);
    let vapor_times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let (t, count, size) = list();
            (listed, body_bytes) = (count, size);
            t
        })
        .collect();
    let vapor_calls = (hv.libvirt_calls() - calls_before) as f64 / iterations as f64;

    // The backend alone, without HTTP, JSON or the blocking pool: not a row
    // of the table, but it tells where the time goes.
    let backend = measure(iterations, vms, || {
        let before = hv.libvirt_calls();
        let n = hv.list_domains().expect("list_domains").len();
        (n, hv.libvirt_calls() - before)
    });

    // libvirt directly, on a connection of its own.
    let direct = virt::connect::Connect::open(Some(&uri)).expect("direct connection");
    let list_info = measure(iterations, vms, || {
        let mut calls = 1;
        let domains = direct.list_all_domains(0).expect("list_all_domains");
        for dom in &domains {
            dom.info().expect("virDomainGetInfo");
            calls += 1;
        }
        (domains.len(), calls)
    });
    let list_info_xml = measure(iterations, vms, || {
        let mut calls = 1;
        let domains = direct.list_all_domains(0).expect("list_all_domains");
        for dom in &domains {
            dom.info().expect("virDomainGetInfo");
            dom.xml_desc(0).expect("virDomainGetXMLDesc");
            calls += 2;
        }
        (domains.len(), calls)
    });
    drop(direct);

    let base = percentile(&list_info_xml.0, 50.0);
    println!();
    println!(
        "{:<24} {:>9} {:>9} {:>15} {:>14}",
        "", "p50 ms", "p99 ms", "calls/request", "p50 ratio"
    );
    for (label, times, calls) in [
        ("vapor GET list", &vapor_times, vapor_calls),
        ("direct list+info", &list_info.0, list_info.1),
        ("direct list+info+xml", &list_info_xml.0, list_info_xml.1),
    ] {
        let p50 = percentile(times, 50.0);
        println!(
            "{label:<24} {:>9.2} {:>9.2} {calls:>15.1} {:>14.2}",
            ms(p50),
            ms(percentile(times, 99.0)),
            p50.as_secs_f64() / base.as_secs_f64(),
        );
    }
    println!();
    println!(
        "breakdown: LibvirtHypervisor::list_domains alone (no HTTP): p50 {:.2} ms, p99 {:.2} ms, \
         {:.1} calls; the list's JSON body is {body_bytes} bytes",
        ms(percentile(&backend.0, 50.0)),
        ms(percentile(&backend.0, 99.0)),
        backend.1,
    );
    println!(
        "domains listed: {listed} ({vms} bench VMs); vapor: {:.3} libvirt calls per listed domain; \
         p50 ratio is to direct list+info+xml's p50; p99 of {iterations} samples is their maximum or close to it",
        vapor_calls / listed.max(1) as f64,
    );

    drop(runtime);
    drop(defined);
}

/// Times `iterations` runs of `op` (after [`WARMUP`] untimed ones); `op`
/// returns the domains it saw and the libvirt calls it made. Returns the
/// times and the calls per run.
fn measure(iterations: usize, vms: usize, op: impl Fn() -> (usize, u64)) -> (Vec<Duration>, f64) {
    for _ in 0..WARMUP {
        op();
    }
    let mut calls = 0;
    let times = (0..iterations)
        .map(|_| {
            let started = Instant::now();
            let (seen, made) = op();
            let elapsed = started.elapsed();
            assert!(
                seen >= vms,
                "libvirt listed {seen} domains, fewer than {vms}"
            );
            calls += made;
            elapsed
        })
        .collect();
    (times, calls as f64 / iterations as f64)
}

/// Undefines the bench's VMs when dropped, also while a panic unwinds.
struct Defined {
    hv: Arc<LibvirtHypervisor>,
    uuids: Vec<String>,
}

impl Drop for Defined {
    fn drop(&mut self) {
        let started = Instant::now();
        let mut failed = 0;
        for uuid in &self.uuids {
            if let Err(e) = self.hv.undefine_domain(uuid) {
                failed += 1;
                eprintln!("teardown: could not undefine {uuid}: {e}");
            }
        }
        println!(
            "teardown: {} VMs undefined in {:.2} s{}",
            self.uuids.len() - failed,
            started.elapsed().as_secs_f64(),
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            },
        );
    }
}

/// What `[libvirt] domain_type = auto` would pick: kvm, else qemu, else
/// the first type offered.
fn pick_domain_type(offered: &[String]) -> String {
    ["kvm", "qemu"]
        .iter()
        .find(|t| offered.iter().any(|o| o == *t))
        .map(|t| t.to_string())
        .or_else(|| offered.first().cloned())
        .expect("the host offers a domain type")
}

/// The nearest-rank percentile.
fn percentile(times: &[Duration], p: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not valid")),
        _ => default,
    }
}
