//! `cargo xtask fuzz [--seconds N] [--build-only] [TARGET...]`: builds the
//! libFuzzer targets in `fuzz/` and runs each for N seconds (default 30).
//!
//! The targets are built the way cargo-fuzz builds them (SanitizerCoverage
//! instrumentation through LLVM passes, `--cfg fuzzing`, debug assertions
//! and overflow checks), but with flags the stable compiler accepts, so no
//! nightly toolchain and no cargo-fuzz install is needed. No sanitizer is
//! used: the code is safe Rust, and what is looked for is panics (failed
//! assertions, overflows, out-of-bounds indexing, properties of the
//! targets), crashes and hangs.
//!
//! Each target keeps a corpus in `fuzz/corpus/TARGET` (not committed),
//! starts from the committed seeds in `fuzz/seeds/TARGET`, and writes a
//! failing input to `fuzz/artifacts/TARGET/`; replay one with
//! `fuzz/target/<host>/release/TARGET fuzz/artifacts/TARGET/crash-...`.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::codegen::project_root;

pub const TARGETS: &[&str] = &[
    "domain_xml_parse",
    "domain_xml_roundtrip",
    "config_ini",
    "request_body",
];

/// libFuzzer's seed: the same corpus and seed make the same run.
const SEED: u32 = 20251126;

const RUSTFLAGS: &[&str] = &[
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "--cfg=fuzzing",
    "-Cdebug-assertions",
    "-Coverflow-checks",
];

pub fn run(args: &[&str]) -> Result<()> {
    let mut seconds: u64 = 30;
    let mut build_only = false;
    let mut targets = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--seconds" => {
                seconds = rest
                    .next()
                    .and_then(|s| s.parse().ok())
                    .context("--seconds needs a number")?
            }
            "--build-only" => build_only = true,
            t if TARGETS.contains(&t) => targets.push(t),
            other => bail!(
                "unknown argument {other}; usage: cargo xtask fuzz [--seconds N] [--build-only] [{}]",
                TARGETS.join("|")
            ),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }

    let root = project_root();
    let fuzz = root.join("fuzz");
    let host = host_triple()?;
    // A first build resolves from the workspace's lock file, so the fuzz
    // targets test the dependency versions the service ships with.
    if !fuzz.join("Cargo.lock").exists() {
        fs::copy(root.join("Cargo.lock"), fuzz.join("Cargo.lock"))?;
    }
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&fuzz)
        .args(["build", "--release", "--bins", "--target", &host])
        .env("RUSTFLAGS", RUSTFLAGS.join(" "))
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .status()
        .context("running cargo build for fuzz/")?;
    if !status.success() {
        bail!("building the fuzz targets failed");
    }
    println!(
        "fuzz targets built in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if build_only {
        return Ok(());
    }

    let bin_dir = fuzz.join("target").join(&host).join("release");
    let mut failed = Vec::new();
    let mut rows = Vec::new();
    for target in &targets {
        let corpus = fuzz.join("corpus").join(target);
        let seeds = fuzz.join("seeds").join(target);
        let artifacts = fuzz.join("artifacts").join(target);
        fs::create_dir_all(&corpus)?;
        fs::create_dir_all(&seeds)?;
        fs::create_dir_all(&artifacts)?;
        let log_path = fuzz.join("artifacts").join(format!("{target}.log"));
        let log = fs::File::create(&log_path)?;
        println!(
            "== fuzz {target} for {seconds} s (log: {})",
            log_path.display()
        );
        let status = Command::new(bin_dir.join(target))
            .arg(&corpus)
            .arg(&seeds)
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-seed={SEED}"))
            .arg("-timeout=20")
            .arg("-rss_limit_mb=3072")
            .arg("-max_len=65536")
            .arg("-print_final_stats=1")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .stdout(Stdio::null())
            .stderr(log)
            .status()
            .with_context(|| format!("running {target}"))?;
        let summary = summarize(&log_path);
        if status.success() {
            rows.push(format!("{target:22} ok      {summary}"));
        } else {
            rows.push(format!("{target:22} FAILED  {summary}"));
            failed.push(*target);
            print_tail(&log_path, 40);
        }
    }
    println!("\ntarget                 result  (libFuzzer seed {SEED}, {seconds} s each)");
    for row in rows {
        println!("{row}");
    }
    if !failed.is_empty() {
        bail!(
            "fuzz targets failed: {} (inputs in fuzz/artifacts/)",
            failed.join(", ")
        );
    }
    Ok(())
}

fn host_triple() -> Result<String> {
    let out = Command::new("rustc").arg("-vV").output()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV names no host")
}

/// "N runs, cov: C, corpus: K" from libFuzzer's last status line and final stats.
fn summarize(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let runs = text
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .map(str::trim)
        .unwrap_or("?");
    let last = text
        .lines()
        .filter(|l| l.starts_with('#') && l.contains("cov:"))
        .last()
        .unwrap_or("");
    let field = |name: &str| {
        last.split_whitespace()
            .skip_while(|w| *w != name)
            .nth(1)
            .unwrap_or("?")
            .to_owned()
    };
    format!(
        "{runs} runs, cov {}, features {}, corpus {}",
        field("cov:"),
        field("ft:"),
        field("corp:")
    )
}

fn print_tail(log: &Path, lines: usize) {
    let text = fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    for line in &all[all.len().saturating_sub(lines)..] {
        eprintln!("{line}");
    }
}
