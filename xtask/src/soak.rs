//! `cargo xtask soak`: the reliability soak. The real `vapor` binary on
//! libvirt's `test:///default` (no daemon needed), V VMs created through the
//! API, then C keep-alive connections sending `GET .../virtualmachines/{id}`
//! back to back, every 8th request the list, for N seconds after a 1 s
//! warm-up. Prints one table: throughput, errors, latency, the server's RSS
//! and open file descriptors from the start to the end of the load.
//!
//! It fails when a reply is wrong (status, body, a list without exactly the
//! run's VMs), a request gets no reply, or the server dies; never on a
//! number: RSS growth above 25 % and growing file descriptors are printed as
//! WARNING lines.
//!
//! The server and its load generator come from the bench (`bench/server.rs`,
//! `bench/http.rs`). Everything the run makes is under
//! `/tmp/vapor-soak-<run>/` and named `vapor-soak-<run>-...`; the folder is
//! removed at the end, panics included, and a run starts by removing every
//! `vapor-soak-` folder a killed run left, so two soaks must not run at once
//! on one host. The VMs live in the server's private test driver and go with
//! it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hyper::{Method, StatusCode};

use crate::bench::http::{self, Conn, ListCheck, Mix, MixedLoad};
use crate::bench::server::{self, Server, ServerConfig};
use crate::bench::{self, mib, ms2, percentile, TEST, VMS};

pub const USAGE: &str = "cargo xtask soak [--seconds N] [--connections C] [--vms V] \
     [--vapor PATH] [--release|--debug]";

const PREFIX: &str = "vapor-soak-";
const WARMUP: Duration = Duration::from_secs(1);
/// Every 8th request of a connection is the list.
const LIST_EVERY: usize = 8;
/// RSS growth from start to end, relative to the start, above which a
/// WARNING is printed.
const RSS_WARN_GROWTH: f64 = 0.25;
/// How long the server gets to end after SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, PartialEq)]
struct Opts {
    seconds: u64,
    connections: usize,
    vms: usize,
    vapor: Option<PathBuf>,
    release: bool,
}

fn parse(args: &[&str]) -> Result<Opts> {
    let mut o = Opts {
        seconds: 60,
        connections: 64,
        vms: 20,
        vapor: None,
        release: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .copied()
                .with_context(|| format!("{a} needs a value\nusage: {USAGE}"))
        };
        let number = |v: &str| -> Result<u64> {
            match v.parse() {
                Ok(n) if n >= 1 => Ok(n),
                _ => bail!("{a} wants a whole number of at least 1, not {v:?}"),
            }
        };
        match *a {
            "--seconds" => o.seconds = number(value()?)?,
            "--connections" => o.connections = number(value()?)? as usize,
            "--vms" => o.vms = number(value()?)? as usize,
            "--vapor" => o.vapor = Some(PathBuf::from(value()?)),
            "--release" => o.release = true,
            "--debug" => o.release = false,
            other => bail!("cargo xtask soak: unknown argument {other}\nusage: {USAGE}"),
        }
    }
    Ok(o)
}

pub fn run(args: &[&str]) -> Result<()> {
    let opts = parse(args)?;
    let (bin, profile) = bench::vapor_binary(opts.vapor.clone(), opts.release)?;

    if let Ok(dir) = std::fs::read_dir("/tmp") {
        for e in dir.flatten() {
            if e.file_name().to_string_lossy().starts_with(PREFIX) && e.path().is_dir() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let prefix = format!("{PREFIX}{run_id}-");
    let dir = PathBuf::from(format!("/tmp/{PREFIX}{run_id}"));
    std::fs::create_dir_all(&dir)?;
    let _cleanup = Cleanup(dir.clone());

    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "vapor soak: {} s (after a {} s warm-up) at {} keep-alive connections on {} VMs, \
         get by id and every {LIST_EVERY}th request the list; {TEST}; server {} ({profile} build), \
         default log level; load generator: this xtask, 1 thread; {cpus} CPUs; run prefix {prefix}",
        opts.seconds,
        WARMUP.as_secs(),
        opts.connections,
        opts.vms,
        bin.display(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = rt.block_on(soak(&opts, &bin, &dir, &prefix))?;
    drop(rt);

    println!();
    print!("{}", table(&outcome.report));
    for w in warnings(&outcome.report) {
        println!("WARNING: {w}");
    }
    if !outcome.report.first_errors.is_empty() {
        println!("first errors:");
        for e in &outcome.report.first_errors {
            println!("  {e}");
        }
    }
    if let Some(how) = &outcome.died {
        println!("the server died ({how}); the end of its log:");
        for line in log_tail(&dir.join("vapor.log"), 20) {
            println!("  {line}");
        }
    }
    match (&outcome.died, outcome.report.errors) {
        (None, 0) => Ok(()),
        (None, n) => bail!("the soak failed: {n} requests failed"),
        (Some(how), n) => bail!("the soak failed: the server died ({how}); {n} requests failed"),
    }
}

/// Removes the run's folder when dropped (panics too).
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Outcome {
    report: Report,
    /// How the server ended when it died during the run.
    died: Option<String>,
}

/// The server's RSS and open file descriptors at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Sample {
    rss_kib: u64,
    /// Of which heap and stacks (RssAnon), and mapped files (RssFile).
    anon_kib: u64,
    file_kib: u64,
    fds: usize,
    threads: u64,
}

impl Sample {
    fn take(pid: u32) -> Result<Sample> {
        Ok(Sample {
            rss_kib: server::rss_kib(pid)?,
            anon_kib: server::status_kib(pid, "RssAnon:")?,
            file_kib: server::status_kib(pid, "RssFile:")?,
            fds: server::fd_count(pid)?,
            threads: server::status_kib(pid, "Threads:")?,
        })
    }
}

async fn soak(opts: &Opts, bin: &Path, dir: &Path, prefix: &str) -> Result<Outcome> {
    let cfg = ServerConfig::new(bin, dir, TEST)?;
    let mut server = Server::start(&cfg)?;
    let pid = server.pid();

    // The driver's own domains, then the run's VMs, and one full check.
    let mut conn = Conn::open(server.addr, &server.token).await?;
    let before = conn.expect(Method::GET, VMS, None, StatusCode::OK).await?;
    let others = before["data"]["total"]
        .as_u64()
        .context("the list has no data.total")?;
    let t0 = Instant::now();
    let mut ids = Vec::with_capacity(opts.vms);
    bench::create_vms(server.addr, &server.token, prefix, 0..opts.vms, &mut ids).await?;
    eprintln!(
        "soak: {} VMs created through the API in {:.1} s",
        opts.vms,
        t0.elapsed().as_secs_f64()
    );
    let check_list = list_check(prefix, opts.vms, others + opts.vms as u64);
    let (status, body) = conn.send(Method::GET, VMS, None).await?;
    check_list(status, &body)?;
    drop(conn);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let idle_before = Sample::take(pid)?;

    let stop = Arc::new(AtomicBool::new(false));
    let duration = Duration::from_secs(opts.seconds);
    let start_at = Instant::now() + WARMUP;
    let sampler = sample_during(pid, start_at, start_at + duration, Arc::clone(&stop));
    let load = http::load_mixed(
        server.addr,
        &server.token,
        Mix {
            ids,
            list_every: LIST_EVERY,
            check_list,
            connections: opts.connections,
            warmup: WARMUP,
            duration,
            stop: Arc::clone(&stop),
        },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    let sampled = sampler.join().unwrap_or_default();
    let load = load?;

    // The end, with the load's connections still open like at the start;
    // then without them, to compare with before the load.
    let end = Sample::take(pid).ok();
    let mut died = server.try_wait()?.map(|s| s.to_string());
    let MixedLoad {
        gets,
        lists,
        errors,
        elapsed,
        conns,
    } = load;
    drop(conns);
    let mut idle_after = None;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        idle_after = Sample::take(pid).ok();
        if idle_after.is_none_or(|s| s.fds <= idle_before.fds) {
            break;
        }
    }
    if died.is_none() && (sampled.lost || end.is_none()) {
        died = Some("its /proc entry has no VmRSS: it ended".into());
    }
    if died.is_none() {
        let (status, in_time) = server.stop(STOP_GRACE)?;
        eprintln!("soak: server stopped by SIGTERM ({status})");
        if !in_time {
            println!("WARNING: the server did not end within {STOP_GRACE:?} of SIGTERM; killed");
        }
    }

    let mut all = gets.clone();
    all.extend_from_slice(&lists);
    let report = Report {
        seconds: opts.seconds,
        measured: elapsed,
        connections: opts.connections,
        vms: opts.vms,
        others,
        gets: gets.len() as u64,
        lists: lists.len() as u64,
        errors: errors.count,
        first_errors: errors.first,
        p50: percentile(&all, 50.0),
        p99: percentile(&all, 99.0),
        get_p99: percentile(&gets, 99.0),
        list_p99: percentile(&lists, 99.0),
        start: sampled.start,
        end,
        max_rss_kib: sampled.max_rss_kib.max(end.map_or(0, |s| s.rss_kib)),
        max_threads: sampled.max_threads.max(end.map_or(0, |s| s.threads)),
        idle_before,
        idle_after,
    };
    Ok(Outcome { report, died })
}

/// A list must answer 200 with exactly the run's `vms` VMs and `total` in
/// all (the driver has domains of its own), `count` and `total` agreeing.
fn list_check(prefix: &str, vms: usize, total: u64) -> ListCheck {
    let prefix = prefix.to_owned();
    Arc::new(move |status, body| {
        bench::check_list(status, body, &prefix, vms, true)?;
        let v: serde_json::Value = serde_json::from_slice(body)?;
        if v["data"]["total"] != total {
            bail!("GET {VMS}: total {}, not {total}", v["data"]["total"]);
        }
        Ok(())
    })
}

/// What the sampling thread saw.
#[derive(Default)]
struct Sampled {
    /// At the end of the warm-up.
    start: Option<Sample>,
    /// The largest VmRSS of the samples, one a second.
    max_rss_kib: u64,
    max_threads: u64,
    /// The process's VmRSS could no longer be read: it has ended.
    lost: bool,
}

/// Samples `pid` at `start_at` and every second after, until `end_at` or
/// `stop`; sets `stop` when the process has ended, so that the load stops.
fn sample_during(
    pid: u32,
    start_at: Instant,
    end_at: Instant,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Sampled> {
    std::thread::spawn(move || {
        let mut s = Sampled::default();
        let mut next = start_at;
        let mut taken = 0u64;
        loop {
            // Sleep to `next` in short steps, to notice `stop`.
            loop {
                if stop.load(Ordering::Relaxed) {
                    return s;
                }
                let now = Instant::now();
                if now >= next {
                    break;
                }
                std::thread::sleep((next - now).min(Duration::from_millis(100)));
            }
            match Sample::take(pid) {
                Ok(x) => {
                    s.start.get_or_insert(x);
                    s.max_rss_kib = s.max_rss_kib.max(x.rss_kib);
                    s.max_threads = s.max_threads.max(x.threads);
                    if taken > 0 && taken.is_multiple_of(10) {
                        eprintln!(
                            "soak: {taken} s, RSS {} (anon {}), {} fds, {} threads",
                            mib(x.rss_kib),
                            mib(x.anon_kib),
                            x.fds,
                            x.threads
                        );
                    }
                }
                Err(_) => {
                    s.lost = true;
                    stop.store(true, Ordering::Relaxed);
                    return s;
                }
            }
            taken += 1;
            next += Duration::from_secs(1);
            if next > end_at {
                return s;
            }
        }
    })
}

/// The last `n` lines of the server's log.
fn log_tail(path: &Path, n: usize) -> Vec<String> {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| without_colours(l))
        .collect()
}

/// `line` without its terminal colour sequences (`ESC [ ... m`).
fn without_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The figures of one run, as printed.
struct Report {
    seconds: u64,
    /// The load after the warm-up: `seconds`, or less when the server died.
    measured: Duration,
    connections: usize,
    vms: usize,
    /// Domains of the driver's own, in the list beside the run's.
    others: u64,
    /// Replies checked after the warm-up, by kind.
    gets: u64,
    lists: u64,
    /// Warm-up included.
    errors: u64,
    first_errors: Vec<String>,
    p50: Duration,
    p99: Duration,
    get_p99: Duration,
    list_p99: Duration,
    /// Under load, at the end of the warm-up.
    start: Option<Sample>,
    /// Just after the load, its connections still open.
    end: Option<Sample>,
    max_rss_kib: u64,
    max_threads: u64,
    /// With no client connection, before and after the load.
    idle_before: Sample,
    idle_after: Option<Sample>,
}

impl Report {
    /// End minus start, in KiB and relative to the start.
    fn rss_growth(&self) -> Option<(i64, f64)> {
        let (s, e) = (self.start?, self.end?);
        let d = e.rss_kib as i64 - s.rss_kib as i64;
        Some((d, d as f64 / s.rss_kib.max(1) as f64))
    }
}

fn table(r: &Report) -> String {
    let requests = r.gets + r.lists;
    let na = || "n/a".to_owned();
    let rss =
        |s: Option<Sample>| s.map_or_else(na, |s| format!("{:.1}", s.rss_kib as f64 / 1024.0));
    let fds = |s: Option<Sample>| s.map_or_else(na, |s| s.fds.to_string());
    let rows = [
        (
            "duration",
            if r.measured.as_secs_f64() + 0.5 < r.seconds as f64 {
                format!(
                    "{:.1} s of {} s (ended early), after a {} s warm-up",
                    r.measured.as_secs_f64(),
                    r.seconds,
                    WARMUP.as_secs()
                )
            } else {
                format!("{} s (after a {} s warm-up)", r.seconds, WARMUP.as_secs())
            },
        ),
        ("connections", format!("{} keep-alive", r.connections)),
        (
            "VMs",
            format!("{} (+{} of the driver's own)", r.vms, r.others),
        ),
        (
            "requests",
            format!("{requests}: {} get, {} list", r.gets, r.lists),
        ),
        (
            "requests/s",
            format!(
                "{:.0}",
                requests as f64 / r.measured.as_secs_f64().max(0.001)
            ),
        ),
        ("errors", r.errors.to_string()),
        (
            "latency p50 / p99",
            format!(
                "{} / {} (get p99 {}, list p99 {})",
                ms2(r.p50),
                ms2(r.p99),
                ms2(r.get_p99),
                ms2(r.list_p99)
            ),
        ),
        (
            "RSS start / end / max",
            format!(
                "{} / {} / {:.1} MiB",
                rss(r.start),
                rss(r.end),
                r.max_rss_kib as f64 / 1024.0
            ),
        ),
        (
            "RSS start → end by kind",
            match (r.start, r.end) {
                (Some(s), Some(e)) => format!(
                    "anon {:.1} → {:.1} MiB, file {:.1} → {:.1} MiB",
                    s.anon_kib as f64 / 1024.0,
                    e.anon_kib as f64 / 1024.0,
                    s.file_kib as f64 / 1024.0,
                    e.file_kib as f64 / 1024.0
                ),
                _ => na(),
            },
        ),
        (
            "RSS growth end − start",
            r.rss_growth().map_or_else(na, |(d, rel)| {
                format!("{:+.1} MiB ({:+.1} %)", d as f64 / 1024.0, rel * 100.0)
            }),
        ),
        (
            "fds start / end",
            format!(
                "{} / {} (no client connection, before / after: {} / {})",
                fds(r.start),
                fds(r.end),
                r.idle_before.fds,
                fds(r.idle_after)
            ),
        ),
        (
            "threads start / end / max",
            format!(
                "{} / {} / {}",
                r.start.map_or_else(na, |s| s.threads.to_string()),
                r.end.map_or_else(na, |s| s.threads.to_string()),
                r.max_threads
            ),
        ),
    ];
    let w0 = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let w1 = rows
        .iter()
        .map(|(_, v)| v.chars().count())
        .max()
        .unwrap_or(0);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w - s.chars().count()));
    let mut out = format!(
        "| {} | {} |\n|{}|{}|\n",
        pad("measurement", w0),
        pad("value", w1),
        "-".repeat(w0 + 2),
        "-".repeat(w1 + 2)
    );
    for (k, v) in &rows {
        out += &format!("| {} | {} |\n", pad(k, w0), pad(v, w1));
    }
    out
}

/// Signs of a leak; printed, never a failure.
fn warnings(r: &Report) -> Vec<String> {
    let mut w = Vec::new();
    if let Some((d, rel)) = r.rss_growth() {
        if rel > RSS_WARN_GROWTH {
            w.push(format!(
                "RSS grew by {} ({:+.1} %) from start to end, more than {:.0} %",
                mib(d.unsigned_abs()),
                rel * 100.0,
                RSS_WARN_GROWTH * 100.0
            ));
        }
    }
    if let (Some(s), Some(e)) = (r.start, r.end) {
        if e.fds > s.fds {
            w.push(format!(
                "open file descriptors grew from {} to {} under the same connections",
                s.fds, e.fds
            ));
        }
    }
    if let Some(a) = r.idle_after {
        if a.fds > r.idle_before.fds {
            w.push(format!(
                "{} file descriptors open after the load's connections closed, {} before it",
                a.fds, r.idle_before.fds
            ));
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rss_kib: u64, fds: usize) -> Sample {
        Sample {
            rss_kib,
            anon_kib: rss_kib / 4,
            file_kib: rss_kib - rss_kib / 4,
            fds,
            threads: 30 + fds as u64 / 4,
        }
    }

    fn report(start_kib: u64, end_kib: u64, fds: [usize; 4]) -> Report {
        let ms = Duration::from_millis;
        Report {
            seconds: 60,
            measured: Duration::from_secs(60),
            connections: 64,
            vms: 20,
            others: 1,
            gets: 105_000,
            lists: 15_000,
            errors: 0,
            first_errors: Vec::new(),
            p50: ms(2),
            p99: ms(12),
            get_p99: ms(11),
            list_p99: ms(15),
            start: Some(sample(start_kib, fds[1])),
            end: Some(sample(end_kib, fds[2])),
            max_rss_kib: end_kib.max(start_kib),
            max_threads: 51,
            idle_before: sample(start_kib, fds[0]),
            idle_after: Some(sample(end_kib, fds[3])),
        }
    }

    #[test]
    fn the_table_has_every_figure() {
        let t = table(&report(40 * 1024, 41 * 1024, [20, 84, 84, 20]));
        for row in [
            "| duration                  | 60 s (after a 1 s warm-up)",
            "| requests                  | 120000: 105000 get, 15000 list",
            "| requests/s                | 2000 ",
            "| errors                    | 0 ",
            "| latency p50 / p99         | 2.00 ms / 12.00 ms (get p99 11.00 ms, list p99 15.00 ms)",
            "| RSS start / end / max     | 40.0 / 41.0 / 41.0 MiB",
            "| RSS start → end by kind   | anon 10.0 → 10.2 MiB, file 30.0 → 30.8 MiB",
            "| RSS growth end − start    | +1.0 MiB (+2.5 %)",
            "| fds start / end           | 84 / 84 (no client connection, before / after: 20 / 20)",
            "| threads start / end / max | 51 / 51 / 51",
        ] {
            assert!(t.contains(row), "no {row:?} in\n{t}");
        }
        // Every line is as wide as the first.
        let widths: Vec<usize> = t.lines().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|&w| w == widths[0]), "{t}");
    }

    #[test]
    fn growth_is_a_warning_above_a_quarter_and_fds_above_their_start() {
        assert!(warnings(&report(40 * 1024, 50 * 1024, [20, 84, 84, 20])).is_empty());
        let w = warnings(&report(40 * 1024, 51 * 1024, [20, 84, 85, 21]));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].starts_with("RSS grew by 11.0 MiB (+27.5 %)"), "{w:?}");
        assert!(w[1].contains("from 84 to 85"), "{w:?}");
        assert!(w[2].starts_with("21 file descriptors open after"), "{w:?}");
        // Shrinking is no warning.
        assert!(warnings(&report(40 * 1024, 30 * 1024, [20, 84, 80, 19])).is_empty());
    }

    #[test]
    fn a_missing_sample_is_n_a_and_no_warning() {
        let mut r = report(40 * 1024, 80 * 1024, [20, 84, 84, 20]);
        r.end = None;
        assert!(table(&r).contains("| RSS growth end − start    | n/a"));
        assert!(warnings(&r).is_empty());
    }

    #[test]
    fn an_early_end_is_said_and_the_rate_is_over_the_time_measured() {
        let mut r = report(40 * 1024, 41 * 1024, [20, 84, 84, 20]);
        r.measured = Duration::from_secs(30);
        let t = table(&r);
        assert!(
            t.contains("| 30.0 s of 60 s (ended early), after a 1 s warm-up"),
            "{t}"
        );
        assert!(t.contains("| requests/s                | 4000 "), "{t}");
    }

    #[test]
    fn log_lines_lose_their_colours() {
        assert_eq!(
            without_colours("\u{1b}[2m2026\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m path=/a"),
            "2026  INFO path=/a"
        );
    }

    #[test]
    fn options() {
        let o = parse(&[]).unwrap();
        assert_eq!(
            o,
            Opts {
                seconds: 60,
                connections: 64,
                vms: 20,
                vapor: None,
                release: false
            }
        );
        let o = parse(&[
            "--seconds",
            "10",
            "--connections",
            "8",
            "--vms",
            "3",
            "--vapor",
            "/x/vapor",
            "--release",
        ])
        .unwrap();
        assert_eq!(
            (o.seconds, o.connections, o.vms, o.release),
            (10, 8, 3, true)
        );
        assert_eq!(o.vapor, Some(PathBuf::from("/x/vapor")));
        for bad in [
            &["--seconds"][..],
            &["--seconds", "0"],
            &["--vms", "x"],
            &["--fast"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
