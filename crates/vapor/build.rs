//! Embeds Swagger UI, which the API reference page (`GET /api/v1/docs`)
//! loads, into the binary, so that the page needs no file on disk.
//!
//! Swagger UI is not in this repository: `packaging/fetch-swagger-ui.sh`
//! installs a pinned release from the npm registry (`scripts/install-libvirt.sh`
//! runs it before any build). This looks for it in `VAPOR_SWAGGER_UI_DIR`, else
//! in `/usr/local/share/vapor/swagger-ui`, where that script installs it, and
//! embeds it when the directory's `VERSION` is the version the script pins
//! and every file the script installs is there. It writes
//! `OUT_DIR/swagger_ui.rs`, which `src/docs_page.rs` includes:
//!
//! ```text
//! const EMBEDDED_SWAGGER_UI: Option<EmbeddedSwaggerUi> = Some(EmbeddedSwaggerUi {
//!     version: "5.35.0",
//!     files: &[("swagger-ui-bundle.js", include_bytes!("/usr/local/.../swagger-ui-bundle.js")), ...],
//! });
//! ```
//!
//! or `None` (with a build warning saying why), in which case the page is
//! served from `[docs] assets_dir` on disk.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The script that installs Swagger UI: the one place its version and files are named.
const FETCH_SCRIPT: &str = "../../packaging/fetch-swagger-ui.sh";
/// [`FETCH_SCRIPT`] as the repository names it, for messages.
const FETCH_SCRIPT_NAME: &str = "packaging/fetch-swagger-ui.sh";
/// Where the script installs Swagger UI when given no directory.
const DEFAULT_DIR: &str = "/usr/local/share/vapor/swagger-ui";
/// Overrides [`DEFAULT_DIR`].
const DIR_VARIABLE: &str = "VAPOR_SWAGGER_UI_DIR";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={FETCH_SCRIPT}");
    println!("cargo:rerun-if-env-changed={DIR_VARIABLE}");
    let out_dir = match std::env::var_os("OUT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => fail("cargo did not set OUT_DIR"),
    };
    let script = match std::fs::read_to_string(FETCH_SCRIPT) {
        Ok(text) => text,
        Err(e) => fail(&format!("reading {FETCH_SCRIPT}: {e}")),
    };
    let Some(version) = pinned_version(&script) else {
        fail(&format!("{FETCH_SCRIPT_NAME} has no `version=` line"))
    };
    let files = installed_files(&script);
    if files.is_empty() {
        fail(&format!("{FETCH_SCRIPT_NAME} has no `files=(...)` list"));
    }
    let dir = std::env::var_os(DIR_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    watch(&dir, &files);

    let code = match embeddable(&dir, &version, &files) {
        Ok(()) => embedded(&dir, &version, &files),
        Err(why) => {
            println!(
                "cargo:warning=Swagger UI is not embedded ({why}); the API reference page \
                 will load it from [docs] assets_dir. Run {FETCH_SCRIPT_NAME} \
                 (or set {DIR_VARIABLE}) and build again to embed it."
            );
            "/// Swagger UI was not found at build time.\n\
             const EMBEDDED_SWAGGER_UI: Option<EmbeddedSwaggerUi> = None;\n"
                .to_owned()
        }
    };
    let target = out_dir.join("swagger_ui.rs");
    // Written only when it changes, so that an unchanged file does not rebuild the crate.
    if std::fs::read_to_string(&target).ok().as_deref() != Some(code.as_str()) {
        if let Err(e) = std::fs::write(&target, code) {
            fail(&format!("writing {}: {e}", target.display()));
        }
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

/// The value of the script's `version=` line.
fn pinned_version(script: &str) -> Option<String> {
    script
        .lines()
        .find_map(|line| line.strip_prefix("version="))
        .map(|v| v.trim().trim_matches(['"', '\'']).to_owned())
        .filter(|v| !v.is_empty())
}

/// The names in the script's `files=(...)` list, which may span lines.
fn installed_files(script: &str) -> Vec<String> {
    let Some(start) = script.find("\nfiles=(") else {
        return Vec::new();
    };
    let list = &script[start + "\nfiles=(".len()..];
    let Some(end) = list.find(')') else {
        return Vec::new();
    };
    list[..end].split_whitespace().map(str::to_owned).collect()
}

/// Asks cargo to run this again when Swagger UI appears, changes or goes.
/// A path that does not exist would make cargo run this on every build, so
/// while the directory is missing its nearest existing ancestor is watched
/// (its modification time changes when the directory is made in it).
fn watch(dir: &Path, files: &[String]) {
    if dir.is_dir() {
        println!("cargo:rerun-if-changed={}", dir.display());
        for name in files.iter().map(String::as_str).chain(["VERSION"]) {
            println!("cargo:rerun-if-changed={}", dir.join(name).display());
        }
        return;
    }
    let mut ancestor = dir.parent();
    while let Some(parent) = ancestor {
        if parent.is_dir() {
            // The root would have cargo scan the whole file system.
            if parent.parent().is_some() {
                println!("cargo:rerun-if-changed={}", parent.display());
            }
            return;
        }
        ancestor = parent.parent();
    }
}

/// Whether `dir` holds the pinned release, complete; if not, why not.
fn embeddable(dir: &Path, version: &str, files: &[String]) -> Result<(), String> {
    let found = std::fs::read_to_string(dir.join("VERSION"))
        .map_err(|e| format!("{}: {e}", dir.join("VERSION").display()))?;
    if found.trim() != version {
        return Err(format!(
            "{} holds version {}, {FETCH_SCRIPT_NAME} pins {version}",
            dir.display(),
            found.trim()
        ));
    }
    for name in files {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(format!("{} is missing", path.display()));
        }
    }
    Ok(())
}

/// The Rust source that embeds `files` of `dir`.
fn embedded(dir: &Path, version: &str, files: &[String]) -> String {
    let mut code = format!(
        "/// Swagger UI {version}, embedded from {} at build time.\n\
         const EMBEDDED_SWAGGER_UI: Option<EmbeddedSwaggerUi> = Some(EmbeddedSwaggerUi {{\n    \
         version: {version:?},\n    files: &[\n",
        dir.display()
    );
    for name in files {
        let path = dir.join(name);
        let path = path.canonicalize().unwrap_or(path);
        let _ = writeln!(
            code,
            "        ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("    ],\n});\n");
    code
}
