//! `cargo xtask <command>`: project automation.
//!
//! - `codegen`: regenerates `crates/vapor-api` (server, `rust-axum`) and
//!   `crates/vapor-client` (SDK, `rust` + reqwest) from `spec/vapor.yaml` with a
//!   pinned OpenAPI Generator, installed from PyPI into `.codegen/venv`.
//! - `codegen --check`: generates into a scratch folder and fails when the
//!   committed crates differ.
//! - `bench [--short]`: the performance benchmark (`bench/mod.rs`); prints one
//!   table, fails only when a request errors or a reply is wrong.
//! - `fuzz [--seconds N] [TARGET...]`: builds the libFuzzer targets in `fuzz/`
//!   and runs each for N seconds (`fuzz.rs`).
//! - `soak [--seconds N] [--connections C] [--vms V]`: the reliability soak,
//!   get/list load on `test:///default` for 60 s at 64 connections; fails
//!   only on a wrong reply or a dead server (`soak.rs`).

mod bench;
mod codegen;
mod fuzz;
mod soak;

use anyhow::{bail, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen::run(codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(codegen::Mode::Check),
        ["bench", rest @ ..] => bench::run(rest),
        ["fuzz", rest @ ..] => fuzz::run(rest),
        ["soak", rest @ ..] => soak::run(rest),
        _ => bail!(
            "usage:\n  cargo xtask codegen [--check]\n  cargo xtask bench [--short] [--release|--debug | --vapor PATH]\n  \
             cargo xtask fuzz [--seconds N] [--build-only] [TARGET...]\n  {}",
            soak::USAGE
        ),
    }
}
