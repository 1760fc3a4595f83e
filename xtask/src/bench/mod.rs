//! `cargo xtask bench [--short]`: the performance benchmark. Prints one
//! table; compares with the targets (met / NOT met) but never fails
//! on a number. It fails when a request errors or a reply is wrong.
//!
//! What it runs: the real `vapor` binary as a child process (release build
//! in the full mode, debug in `--short`; `--release`/`--debug` override)
//! with a config of its own under `/tmp/vapor-bench-<run>/`, one on
//! `test:///default` and one on `qemu:///system`, and libvirt directly
//! through the `virt` crate for the baselines, in the same run. The full
//! mode re-runs itself as a release build of xtask, so that the load
//! generator is not a debug build.
//!
//! Everything it makes is named `vapor-bench-<run>-...` (domains, volumes,
//! files in /var/lib/libvirt/images) and removed at the end, panics
//! included; a run starts by removing every `vapor-bench-` leftover of a
//! killed run, so two benches must not run at once on one host.

mod direct;
mod disks;
pub(crate) mod http;
pub(crate) mod server;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hyper::{Method, StatusCode};
use serde_json::json;
use virt::connect::Connect;

use http::Conn;
use server::{Server, ServerConfig};

pub(crate) const VMS: &str = "/api/v1/virtualization/virtualmachines";
const SWEEP_PREFIX: &str = "vapor-bench-";
const QEMU: &str = "qemu:///system";
pub(crate) const TEST: &str = "test:///default";
const MIB: f64 = 1024.0 * 1024.0;

struct Opts {
    short: bool,
    release: bool,
}

impl Opts {
    fn test_sizes(&self) -> &'static [usize] {
        if self.short {
            &[100, 1000]
        } else {
            &[100, 1000, 5000]
        }
    }
    fn qemu_sizes(&self) -> &'static [usize] {
        if self.short {
            &[100]
        } else {
            &[100, 1000, 5000]
        }
    }
    fn list_iterations(&self, vms: usize) -> usize {
        match (self.short, vms) {
            (true, _) => 10,
            (false, n) if n <= 100 => 100,
            (false, n) if n <= 1000 => 50,
            _ => 20,
        }
    }
    fn load_duration(&self) -> Duration {
        Duration::from_secs(if self.short { 3 } else { 10 })
    }
    fn repeats(&self) -> usize {
        if self.short {
            1
        } else {
            3
        }
    }
}

pub fn run(args: &[&str]) -> Result<()> {
    let mut opts = Opts {
        short: false,
        release: true,
    };
    let mut in_release = false;
    let mut release_flag = None;
    let mut vapor_bin = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--short" => opts.short = true,
            "--vapor" => vapor_bin = Some(PathBuf::from(it.next().context("--vapor needs a path")?)),
            "--release" => release_flag = Some(true),
            "--debug" => release_flag = Some(false),
            "--in-release-xtask" => in_release = true,
            other => bail!("cargo xtask bench: unknown argument {other}\nusage: cargo xtask bench [--short] [--release|--debug | --vapor PATH]"),
        }
    }
    opts.release = release_flag.unwrap_or(!opts.short);
    let root = workspace_root();
    let target = target_dir(&root);

    if !opts.short && !in_release {
        // The load generator and the JSON checks in a release build.
        cargo(&root, &["build", "--release", "-p", "xtask"])?;
        let mut cmd = Command::new(target.join("release/xtask"));
        cmd.arg("bench").args(args).arg("--in-release-xtask");
        let status = cmd.status().context("running the release xtask")?;
        if !status.success() {
            bail!("the benchmark failed");
        }
        return Ok(());
    }

    let (bin, profile) = vapor_binary(vapor_bin, opts.release)?;

    // Errors are reported through Results; libvirt need not print them too.
    virt::error::clear_error_callback();
    let (swept_domains, swept_volumes) = direct::sweep(QEMU, SWEEP_PREFIX)?;
    if let Ok(dir) = std::fs::read_dir("/tmp") {
        for e in dir.flatten() {
            if e.file_name().to_string_lossy().starts_with(SWEEP_PREFIX) && e.path().is_dir() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let prefix = format!("{SWEEP_PREFIX}{run_id}-");
    let dir = PathBuf::from(format!("/tmp/{SWEEP_PREFIX}{run_id}"));
    std::fs::create_dir_all(&dir)?;
    let _cleanup = Cleanup {
        prefix: prefix.clone(),
        dir: dir.clone(),
    };

    let mut table = Table::default();
    let mode = if opts.short { "short" } else { "full" };
    let load_gen = if in_release { "release" } else { "debug" };
    println!("vapor bench ({mode}): {}", machine_facts());
    println!(
        "server: {} ({profile} build), default log level; load generator: xtask {load_gen} build, 1 thread; \
         run prefix {prefix}; swept {swept_domains} leftover domains, {swept_volumes} volumes",
        bin.display()
    );
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    let mut failures = Vec::new();
    let sections: [(&str, &dyn Fn(&mut Table) -> Result<()>); 2] = [
        ("test:///default", &|t: &mut Table| {
            rt.block_on(test_driver(t, &opts, &bin, &dir, &prefix))
        }),
        ("qemu:///system", &|t: &mut Table| {
            rt.block_on(qemu(t, &opts, &bin, &dir, &prefix))
        }),
    ];
    for (name, section) in sections {
        if let Err(e) = section(&mut table) {
            eprintln!("bench: the {name} part failed: {e:#}");
            failures.push(format!("{name}: {e:#}"));
        }
    }
    drop(rt);
    println!();
    table.print();
    println!("\n(bench took {:.0} s)", started.elapsed().as_secs_f64());
    if !failures.is_empty() {
        bail!(
            "the benchmark's checks failed:\n  {}",
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// Removes the run's domains, volumes and files when dropped (panics too).
struct Cleanup {
    prefix: String,
    dir: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let t = Instant::now();
        match direct::sweep(QEMU, &self.prefix) {
            Ok((d, v)) => eprintln!(
                "bench clean-up: {d} domains, {v} volumes removed in {:.1} s",
                t.elapsed().as_secs_f64()
            ),
            Err(e) => eprintln!("bench clean-up failed: {e:#}"),
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The list on libvirt's test driver, whose state is private to each
/// process: the server's VMs are created through its API, and the
/// baselines run on the bench's own `test:///default` holding as many
/// minimal domains.
async fn test_driver(
    t: &mut Table,
    opts: &Opts,
    bin: &Path,
    dir: &Path,
    prefix: &str,
) -> Result<()> {
    let cfg = ServerConfig::new(bin, &dir.join("test"), TEST)?;
    let server = Server::start(&cfg)?;
    t.row(
        "4",
        "start → health 200, test:///default, no VMs",
        ms1(server.start_to_healthy),
        "",
        "≤ 100 ms",
        Some(server.start_to_healthy <= Duration::from_millis(100)),
    );
    let own = Connect::open(Some(TEST))?;
    let mut uuids = Vec::new();
    for &n in opts.test_sizes() {
        let made = uuids.len();
        let t0 = Instant::now();
        create_vms(server.addr, &server.token, prefix, made..n, &mut uuids).await?;
        eprintln!(
            "bench: {} VMs created through the API in {:.1} s",
            n - made,
            t0.elapsed().as_secs_f64()
        );
        direct::define_minimal(&own, "test", prefix, made..n)?;
        list_rows(t, opts, &server, &own, prefix, n, "test:///default").await?;
    }
    Ok(())
}

/// Everything on qemu:///system, in an order that keeps the thousands of
/// VMs out of the create and backup measurements.
async fn qemu(t: &mut Table, opts: &Opts, bin: &Path, dir: &Path, prefix: &str) -> Result<()> {
    let cfg = ServerConfig::new(bin, &dir.join("qemu"), QEMU)?;
    let own = Arc::new(Connect::open(Some(QEMU))?);
    let others = own.list_all_domains(0)?.len();

    // (4) and (3): start with none of the bench's VMs.
    let (mut starts, mut firsts) = (Vec::new(), Vec::new());
    let mut idle_rss = 0;
    let mut idle_split = String::new();
    for r in 0..opts.repeats() {
        let server = Server::start(&cfg)?;
        starts.push(server.start_to_healthy);
        firsts.push(first_list(&server, prefix, 0).await?);
        if r + 1 == opts.repeats() {
            tokio::time::sleep(Duration::from_secs(2)).await;
            idle_rss = server.rss_kib()?;
            idle_split = rss_split(server.pid());
        }
    }
    let healthy = median(&starts);
    t.row(
        "4",
        &format!(
            "start → health 200, qemu, no bench VMs ({others} others), median of {}",
            starts.len()
        ),
        ms1(healthy),
        &format!("→ first list answered: {}", ms1(median(&firsts))),
        "≤ 100 ms",
        Some(healthy <= Duration::from_millis(100)),
    );
    t.row(
        "3",
        "RSS idle (qemu, after start + 1 list + 2 s)",
        mib(idle_rss),
        &idle_split,
        "≤ 20 MiB",
        Some(idle_rss as f64 / 1024.0 <= 20.0),
    );

    let server = Server::start(&cfg)?;
    let mut conn = Conn::open(server.addr, &server.token).await?;

    // (5)
    let iterations = if opts.short { 1 } else { 5 };
    let (api, virsh) = disks::create_to_running(&mut conn, prefix, dir, iterations).await?;
    let (a, v) = (median(&api), median(&virsh));
    let ratio = a.as_secs_f64() / v.as_secs_f64();
    t.row(
        "5",
        &format!("create (1 GiB disk) → running via API, median of {iterations}"),
        ms1(a),
        &format!(
            "virsh vol-create-as+define+start (one virsh process): {}; API/virsh = {ratio:.2}×",
            ms1(v)
        ),
        "≤ 1.1× virsh",
        Some(ratio <= 1.1),
    );

    // (6)
    let (disk, data) = if opts.short {
        (512u64 << 20, 256u64 << 20)
    } else {
        (4u64 << 30, 2u64 << 30)
    };
    let b = disks::backup(&mut conn, prefix, dir, disk, data).await?;
    let api_mibs = b.data_bytes as f64 / MIB / b.api.as_secs_f64();
    let conv_mibs = b.data_bytes as f64 / MIB / b.convert.as_secs_f64();
    t.row(
        "6",
        &format!(
            "backup API, {} GiB disk / {} GiB data, POST → succeeded",
            gib(b.disk_bytes),
            gib(b.data_bytes)
        ),
        &format!(
            "{api_mibs:.0} MiB/s ({:.2} s; file {:.0} MiB)",
            b.api.as_secs_f64(),
            b.backup_file_bytes as f64 / MIB
        ),
        &format!(
            "qemu-img convert + fsync: {conv_mibs:.0} MiB/s ({:.2} s); API/convert = {:.2}×",
            b.convert.as_secs_f64(),
            api_mibs / conv_mibs
        ),
        "≥ 0.8× convert",
        Some(api_mibs / conv_mibs >= 0.8),
    );

    // (1) and (3)
    let mut uuids = Vec::new();
    for &n in opts.qemu_sizes() {
        let made = uuids.len();
        let t0 = Instant::now();
        create_vms(server.addr, &server.token, prefix, made..n, &mut uuids).await?;
        eprintln!(
            "bench: {} VMs created through the API in {:.1} s",
            n - made,
            t0.elapsed().as_secs_f64()
        );
        list_rows(t, opts, &server, &own, prefix, n, "qemu").await?;
    }
    let n = uuids.len();
    let rss_list = server.rss_kib()?;
    t.row(
        "3",
        &format!("RSS after the {n}-VM lists (qemu)"),
        mib(rss_list),
        &rss_split(server.pid()),
        "≤ 100 MiB (5,000 VMs)",
        (n >= 5000).then_some(rss_list as f64 / 1024.0 <= 100.0),
    );

    // (2) and (3)
    let stop = Arc::new(AtomicBool::new(false));
    let pid_rss = {
        let stop = Arc::clone(&stop);
        let rss0 = rss_list;
        let pid = server_pid(&server);
        std::thread::spawn(move || {
            let mut max = rss0;
            while !stop.load(Ordering::Relaxed) {
                if let Ok(r) = server::rss_kib(pid) {
                    max = max.max(r);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            max
        })
    };
    let load = http::load_get(
        server.addr,
        &server.token,
        &uuids,
        64,
        Duration::from_secs(1),
        opts.load_duration(),
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    let rss_load = pid_rss.join().unwrap_or(0);
    let load = load?;
    let rps = load.requests as f64 / load.elapsed.as_secs_f64();
    let p99 = percentile(&load.latencies, 99.0);
    let direct = direct::get_load(&own, &uuids, 64, opts.load_duration())?;
    let d_rps = direct.len() as f64 / opts.load_duration().as_secs_f64();
    t.row("2", &format!("GET /virtualmachines/{{id}}, 64 keep-alive conns, {} s, {n} VMs (qemu)", opts.load_duration().as_secs()),
        &format!("{rps:.0} req/s, p50 {}, p99 {}", ms2(percentile(&load.latencies, 50.0)), ms2(p99)),
        &format!("direct lookup+info+XML, 64 threads on 1 conn: {d_rps:.0}/s, p99 {}; vapor {:.1}× the rate",
            ms2(percentile(&direct, 99.0)), rps / d_rps),
        "≥ 20,000 req/s, p99 ≤ 10 ms", Some(rps >= 20_000.0 && p99 <= Duration::from_millis(10)));
    t.row(
        "3",
        &format!("RSS under the load of (2), max of 100 ms samples ({n} VMs)"),
        mib(rss_load),
        "",
        "≤ 100 MiB (5,000 VMs)",
        (n >= 5000).then_some(rss_load as f64 / 1024.0 <= 100.0),
    );
    drop(conn);
    drop(server);

    // (4) with the VMs.
    let (mut starts, mut firsts) = (Vec::new(), Vec::new());
    for _ in 0..opts.repeats() {
        let server = Server::start(&cfg)?;
        starts.push(server.start_to_healthy);
        firsts.push(first_list(&server, prefix, n).await?);
    }
    let healthy = median(&starts);
    t.row(
        "4",
        &format!(
            "start → health 200, qemu, {n} VMs, median of {}",
            starts.len()
        ),
        ms1(healthy),
        &format!(
            "→ first list with all {n} answered: {}",
            ms1(median(&firsts))
        ),
        "≤ 100 ms",
        Some(healthy <= Duration::from_millis(100)),
    );
    Ok(())
}

fn server_pid(server: &Server) -> u32 {
    server.pid()
}

/// Creates `<prefix>vm-<i>` for every i of `range` through the API (64 MiB,
/// 1 vCPU, no disk), over 4 connections; appends their UUIDs.
pub(crate) async fn create_vms(
    addr: SocketAddr,
    token: &str,
    prefix: &str,
    range: std::ops::Range<usize>,
    uuids: &mut Vec<String>,
) -> Result<()> {
    let workers = 4;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let mut conn = Conn::open(addr, token).await?;
        let names: Vec<String> = range
            .clone()
            .filter(|i| i % workers == w)
            .map(|i| format!("{prefix}vm-{i}"))
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            for name in names {
                let v = conn
                    .expect(
                        Method::POST,
                        VMS,
                        Some(&json!({"name": name, "memory": 64, "vcpus": 1})),
                        StatusCode::CREATED,
                    )
                    .await?;
                made.push(
                    v["data"]["vm"]["uuid"]
                        .as_str()
                        .context("no data.vm.uuid")?
                        .to_owned(),
                );
            }
            Ok::<_, anyhow::Error>(made)
        }));
    }
    for task in tasks {
        uuids.extend(task.await??);
    }
    Ok(())
}

/// One timed list on a fresh connection, checked to hold `expect` bench VMs.
async fn first_list(server: &Server, prefix: &str, expect: usize) -> Result<Duration> {
    let mut conn = Conn::open(server.addr, &server.token).await?;
    let t = Instant::now();
    let (status, body) = conn.send(Method::GET, VMS, None).await?;
    let took = t.elapsed();
    check_list(status, &body, prefix, expect, true)?;
    Ok(took)
}

/// Checks a list reply: 200, and exactly `expect` VMs named `prefix...`
/// (the cheap count of `"name":"<prefix>` always; with `full`, the JSON's
/// `count` and `total` agree with its `vms`).
pub(crate) fn check_list(
    status: StatusCode,
    body: &[u8],
    prefix: &str,
    expect: usize,
    full: bool,
) -> Result<()> {
    if status != StatusCode::OK {
        bail!(
            "GET {VMS} answered {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(500)])
        );
    }
    let needle = format!("\"name\":\"{prefix}vm-");
    let seen = count(body, needle.as_bytes());
    if seen != expect {
        bail!("GET {VMS} listed {seen} of the run's VMs, not {expect}");
    }
    if full {
        let v: serde_json::Value = serde_json::from_slice(body)?;
        let vms = v["data"]["vms"].as_array().context("no data.vms")?.len() as u64;
        if v["data"]["count"] != vms || v["data"]["total"] != vms {
            bail!(
                "GET {VMS}: count {} and total {} but {vms} VMs",
                v["data"]["count"],
                v["data"]["total"]
            );
        }
    }
    Ok(())
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while let Some(p) = haystack[i..]
        .windows(needle.len())
        .position(|w| w == needle)
    {
        n += 1;
        i += p + needle.len();
    }
    n
}

/// (1): the API's list, then the three direct baselines, `n` bench VMs.
async fn list_rows(
    t: &mut Table,
    opts: &Opts,
    server: &Server,
    own: &Connect,
    prefix: &str,
    n: usize,
    backend: &str,
) -> Result<()> {
    let iterations = opts.list_iterations(n);
    let mut conn = Conn::open(server.addr, &server.token).await?;
    let mut times = Vec::with_capacity(iterations);
    let mut size = 0;
    for i in 0..iterations + 2 {
        let t0 = Instant::now();
        let (status, body) = conn.send(Method::GET, VMS, None).await?;
        let took = t0.elapsed();
        check_list(status, &body, prefix, n, i == iterations + 1)?;
        size = body.len();
        if i >= 2 {
            times.push(took);
        }
    }
    let info = direct::time_loop(iterations, n, || direct::list_info(own))?;
    let xml = direct::time_loop(iterations, n, || direct::list_info_xml(own))?;
    let stats = direct::time_loop(iterations, n, || direct::all_stats(own))?;
    let p50 = percentile(&times, 50.0);
    let faster = |base: &[Duration]| percentile(base, 50.0).as_secs_f64() / p50.as_secs_f64();
    let (target, met) = match (backend, n) {
        ("qemu", 1000) => (
            "p50 ≤ 10 ms and ≥ 25× faster than list+info+XML",
            Some(p50 <= Duration::from_millis(10) && faster(&xml) >= 25.0),
        ),
        ("qemu", 5000) => ("p50 ≤ 50 ms", Some(p50 <= Duration::from_millis(50))),
        _ => ("", None),
    };
    t.row(
        "1",
        &format!(
            "GET list, {backend}, {n} VMs ({iterations} requests, {} KiB body)",
            size / 1024
        ),
        &format!("p50 {} p99 {}", ms2(p50), ms2(percentile(&times, 99.0))),
        "",
        target,
        met,
    );
    for (what, base) in [
        ("list + info each", &info),
        ("list + info + XML each", &xml),
        ("virConnectGetAllDomainStats", &stats),
    ] {
        t.row(
            "1",
            &format!("  direct {what}, {backend}, {n}"),
            &format!(
                "p50 {} p99 {}",
                ms2(percentile(base, 50.0)),
                ms2(percentile(base, 99.0))
            ),
            &relative(faster(base)),
            "",
            None,
        );
    }
    Ok(())
}

#[derive(Default)]
struct Table {
    rows: Vec<[String; 6]>,
}

impl Table {
    fn row(
        &mut self,
        n: &str,
        what: &str,
        value: impl Into<String>,
        baseline: &str,
        target: &str,
        met: Option<bool>,
    ) {
        let status = match (target.is_empty(), met) {
            (true, _) => String::new(),
            (false, Some(true)) => "met".into(),
            (false, Some(false)) => "NOT met".into(),
            (false, None) => "not measured".into(),
        };
        let r = [
            n.into(),
            what.into(),
            value.into(),
            baseline.into(),
            target.into(),
            status,
        ];
        println!(
            "  [{}] {} | {} | {} | {} | {}",
            r[0], r[1], r[2], r[3], r[4], r[5]
        );
        self.rows.push(r);
    }

    fn print(&self) {
        let head = [
            "#",
            "measurement",
            "value",
            "baseline (same run)",
            "target",
            "result",
        ];
        let mut w = head.map(|h| h.chars().count());
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String; 6]| {
            let s: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c}{}", " ".repeat(w[i] - c.chars().count())))
                .collect();
            println!("| {} |", s.join(" | "));
        };
        line(&head.map(String::from));
        println!(
            "|{}|",
            w.iter()
                .map(|n| "-".repeat(n + 2))
                .collect::<Vec<_>>()
                .join("|")
        );
        for r in &self.rows {
            line(r);
        }
    }
}

/// `ratio` is the baseline's time over Vapor's.
fn relative(ratio: f64) -> String {
    if ratio >= 1.0 {
        format!("vapor p50 {ratio:.1}× faster")
    } else {
        format!("vapor p50 {:.1}× slower", 1.0 / ratio)
    }
}

/// "anon X, file Y" from /proc/<pid>/status: heap and stacks versus the
/// mapped binary and libraries.
fn rss_split(pid: u32) -> String {
    match (
        server::status_kib(pid, "RssAnon:"),
        server::status_kib(pid, "RssFile:"),
    ) {
        (Ok(a), Ok(f)) => format!("anon {}, file {}", mib(a), mib(f)),
        _ => String::new(),
    }
}

pub(crate) fn percentile(times: &[Duration], p: f64) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(times: &[Duration]) -> Duration {
    percentile(times, 50.0)
}

fn ms1(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub(crate) fn ms2(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub(crate) fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn gib(bytes: u64) -> String {
    let g = bytes as f64 / (1u64 << 30) as f64;
    if g.fract() == 0.0 {
        format!("{g:.0}")
    } else {
        format!("{g:.2}")
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// `$CARGO_TARGET_DIR`, or the workspace's `target/`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The `vapor` binary to run and what it is ("given", "debug", "release"):
/// `given`, or the workspace's, built first with `cargo build -p vapor
/// [--release]` (a no-op when it is up to date).
pub(crate) fn vapor_binary(
    given: Option<PathBuf>,
    release: bool,
) -> Result<(PathBuf, &'static str)> {
    if let Some(path) = given {
        return Ok((path, "given"));
    }
    let root = workspace_root();
    let profile = if release { "release" } else { "debug" };
    let mut build = vec!["build", "-p", "vapor"];
    if release {
        build.push("--release");
    }
    cargo(&root, &build)?;
    Ok((target_dir(&root).join(profile).join("vapor"), profile))
}

fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo).args(args).current_dir(root).status()?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    Ok(())
}

/// `nproc`, memory and libvirt/QEMU versions of this host.
fn machine_facts() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    let versions = disks::run("virsh", &["-c", QEMU, "version"]).unwrap_or_default();
    let pick = |p: &str| {
        versions
            .lines()
            .find_map(|l| l.strip_prefix(p))
            .unwrap_or("?")
            .trim()
            .to_owned()
    };
    let kvm = if Path::new("/dev/kvm").exists() {
        "KVM"
    } else {
        "no KVM"
    };
    format!(
        "{cpus} CPUs, {mem:.1} GiB RAM, {kvm}, {}, QEMU {}",
        pick("Using library: "),
        pick("Running hypervisor: QEMU ")
    )
}
