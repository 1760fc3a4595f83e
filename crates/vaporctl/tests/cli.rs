//! `vaporctl` against a live `vapor` server.
//!
//! The server is the workspace's `vapor` binary, found next to `vaporctl` in
//! the target directory (`cargo build --workspace` builds both; run
//! `cargo build -p vapor` first when testing this crate alone). It runs on
//! the mock backend, or on the libvirt URI in `VAPOR_TEST_BACKEND`
//! (`test:///default`, `qemu:///system`), with its state in a temporary
//! directory. Every `vaporctl` run gets a temporary `HOME` and no `VAPOR_*`
//! variables other than those a test sets.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;

fn vapor_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_vaporctl")).with_file_name("vapor");
    assert!(
        path.exists(),
        "{} is missing: build the server first (cargo build -p vapor)",
        path.display()
    );
    path
}

fn backend_uri() -> String {
    match std::env::var("VAPOR_TEST_BACKEND").as_deref() {
        Ok(uri @ ("test:///default" | "qemu:///system")) => uri.to_owned(),
        _ => "mock:///default".into(),
    }
}

/// A name no other test (or earlier run on a shared libvirt) uses.
fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "vctl-{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A running `vapor serve` with its own state; stopped when dropped.
struct Server {
    dir: tempfile::TempDir,
    url: String,
    token: String,
    child: Child,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = dir.path();
        std::fs::create_dir_all(d.join("backups")).unwrap();
        let config = d.join("vapor.conf");
        std::fs::write(
            &config,
            format!(
                "[server]\nhost = 127.0.0.1\nport = {port}\n\n[database]\npath = {db}\n\n\
                 [libvirt]\nuri = {uri}\n\n[storage]\niso_dir = {isos}\niso_pool =\n\
                 upload_dir = {uploads}\nbackup_dir = {backups}\nmax_chunk_bytes = 8388608\n\
                 host_file_roots = /var/lib/libvirt/images, {root}\n",
                root = d.display(),
                db = d.join("state/vapor.db").display(),
                uri = backend_uri(),
                isos = d.join("isos").display(),
                uploads = d.join("uploads").display(),
                backups = d.join("backups").display(),
            ),
        )
        .unwrap();
        let out = Command::new(vapor_binary())
            .args(["token", "create", "ops", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

        let mut child = Command::new(vapor_binary())
            .args(["serve", "--config"])
            .arg(&config)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut line = String::new();
        while !line.contains("vapor is serving") {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "vapor exited before serving"
            );
            assert!(Instant::now() < deadline, "vapor did not start");
        }
        std::thread::spawn(move || {
            let mut sink = String::new();
            while stderr.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        std::fs::create_dir_all(d.join("home")).unwrap();
        Server {
            url: format!("http://127.0.0.1:{port}"),
            token,
            child,
            dir,
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// `vaporctl` with no server settings at all.
    fn bare(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vaporctl"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("VAPOR") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", self.home());
        cmd
    }

    /// `vaporctl` with the server and token in the environment.
    fn ctl(&self) -> Command {
        let mut cmd = self.bare();
        cmd.env("VAPOR_URL", &self.url)
            .env("VAPOR_TOKEN", &self.token);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.ctl().args(args).output().unwrap()
    }

    /// Runs and expects success; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "vaporctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_vm_is_created_listed_started_stopped_and_deleted() {
    let server = Server::start();
    let name = unique("life");
    let created = server.ok(&[
        "vm", "create", "--name", &name, "--memory", "128", "--vcpus", "1",
    ]);
    assert!(created.contains(&name), "{created}");

    // The table: a header, and the state in the STATE column.
    let table = server.ok(&["vm", "list"]);
    let header = table.lines().next().unwrap();
    assert!(header.starts_with("NAME"), "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} listed: {table}"));
    let state_at = header.find("STATE").unwrap();
    assert!(
        row[state_at..].starts_with("shutoff"),
        "aligned: {header:?} / {row:?}"
    );
    assert!(!table.contains('\x1b'), "no colour when stdout is a pipe");

    // JSON is the envelope's data.
    let list = server.json(&["vm", "list"]);
    let vms = list["vms"].as_array().unwrap();
    assert_eq!(list["count"].as_u64().unwrap() as usize, vms.len());
    let vm = vms.iter().find(|v| v["name"] == name.as_str()).unwrap();
    assert_eq!(vm["memory"], 128);
    // Filters: by name prefix and by state.
    let mine = server.json(&["vm", "list", "--name", &name, "--state", "shutoff"]);
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["vms"][0]["name"], name.as_str());
    let running = server.json(&["vm", "list", "--name", &name, "--state", "running"]);
    assert_eq!(running["total"], 0, "{running}");
    let bad = server.run(&["vm", "list", "--state", "sideways"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let yaml = server.ok(&["vm", "get", &name, "--output", "yaml"]);
    assert!(yaml.contains(&format!("name: {name}")), "{yaml}");

    let got = server.json(&["vm", "get", &name]);
    assert_eq!(got["uuid"], vm["uuid"]);
    assert_eq!(got["vcpus"], 1);

    server.ok(&["vm", "start", &name]);
    assert_eq!(server.json(&["vm", "get", &name])["state"], "running");
    let console = server.ok(&["vm", "console", &name]);
    assert!(
        console.starts_with(&format!("{}/console/{name}#token=", server.url)),
        "{console}"
    );
    // On a terminal (a pseudo-terminal from util-linux's `script`), states are coloured.
    let settings = server.ctl();
    let mut tty = Command::new("script");
    for (key, value) in settings.get_envs() {
        match value {
            Some(value) => tty.env(key, value),
            None => tty.env_remove(key),
        };
    }
    let shown = tty
        .args([
            "-qec",
            &format!("'{}' vm list", env!("CARGO_BIN_EXE_vaporctl")),
            "/dev/null",
        ])
        .output()
        .expect("util-linux's script runs");
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("\x1b[32mrunning"), "{shown:?}");
    let stopped = server.json(&["vm", "stop", &name, "--force"]);
    assert_eq!(stopped["action"], "force_stop");
    assert_eq!(server.json(&["vm", "get", &name])["state"], "shutoff");

    server.ok(&["vm", "delete", &name]);
    let gone = server.run(&["vm", "get", &name]);
    assert_eq!(gone.status.code(), Some(3), "{}", stderr(&gone));
    assert!(
        stderr(&gone).starts_with("error: NOT_FOUND: "),
        "{}",
        stderr(&gone)
    );
}

#[test]
fn exit_codes_tell_not_found_conflict_and_usage_apart() {
    let server = Server::start();
    let unknown = server.run(&["vm", "get", &unique("nobody")]);
    assert_eq!(unknown.status.code(), Some(3));
    assert!(unknown.stdout.is_empty());

    let name = unique("dup");
    let create = [
        "vm", "create", "--name", &name, "--memory", "128", "--vcpus", "1",
    ];
    server.ok(&create);
    let again = server.run(&create);
    assert_eq!(again.status.code(), Some(4), "{}", stderr(&again));
    let text = stderr(&again);
    let code = text
        .strip_prefix("error: ")
        .and_then(|t| t.split(':').next())
        .unwrap_or_default();
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
        "error: CODE: message, got {text:?}"
    );

    for args in [
        &["vm", "create", "--name", "x"][..],
        &["vm", "frobnicate"][..],
        &["vm", "list", "--output", "xml"][..],
        &["vm", "stop", "a", "--force=maybe"][..],
    ] {
        let out = server.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    // No server configured anywhere is a usage error too.
    let nowhere = server.bare().args(["vm", "list"]).output().unwrap();
    assert_eq!(nowhere.status.code(), Some(2), "{}", stderr(&nowhere));
    assert!(stderr(&nowhere).contains("--url"), "{}", stderr(&nowhere));

    // A rejected token is an API error.
    let denied = server
        .ctl()
        .env("VAPOR_TOKEN", "vapor_wrong")
        .args(["vm", "list"])
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert!(
        stderr(&denied).starts_with("error: "),
        "{}",
        stderr(&denied)
    );
    server.ok(&["vm", "delete", &name]);
}

#[test]
fn settings_come_from_flag_then_environment_then_profile() {
    let server = Server::start();
    let config_dir = server.home().join(".config/vapor");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("client.toml"),
        format!(
            "default_profile = \"good\"\n\n[profiles.good]\nurl = \"{url}\"\ntoken = \"{token}\"\n\n\
             [profiles.stale]\nurl = \"{url}/api/v1/\"\ntoken = \"vapor_stale\"\n",
            url = server.url,
            token = server.token
        ),
    )
    .unwrap();
    let code = |cmd: &mut Command| cmd.args(["vm", "list"]).output().unwrap();

    // The default profile alone is enough.
    let out = code(&mut server.bare());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A profile chosen by flag or environment replaces the default one.
    let out = code(server.bare().args(["--profile", "stale"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = code(server.bare().env("VAPOR_PROFILE", "stale"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The environment's token beats the profile's, the flag beats both.
    let out = code(
        server
            .bare()
            .args(["--profile", "stale"])
            .env("VAPOR_TOKEN", &server.token),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = code(server.bare().env("VAPOR_TOKEN", "vapor_wrong"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = code(
        server
            .bare()
            .env("VAPOR_TOKEN", "vapor_wrong")
            .args(["--token", &server.token]),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The same for the URL: a flag pointing nowhere is used even with a good profile.
    let out = code(server.bare().args(["--url", "http://127.0.0.1:9"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // An unknown profile is a usage error.
    let out = code(server.bare().args(["--profile", "missing"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("missing"), "{}", stderr(&out));
}

/// A file the server takes for an ISO 9660 image: the `CD001` signature at 0x8001.
fn fake_iso(path: &Path, len: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut data: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    data[0x8001..0x8006].copy_from_slice(b"CD001");
    std::fs::write(path, &data).unwrap();
    data
}

impl Server {
    /// The server's offset of the upload at `upload_url` (`HEAD`, TUS), or
    /// `None` when it has none (404 or 410).
    fn upload_offset(&self, upload_url: &str) -> Option<u64> {
        use std::io::{Read, Write};
        let path = match upload_url.find("/api/") {
            Some(at) => &upload_url[at..],
            None => panic!("not an upload URL: {upload_url}"),
        };
        let address = self.url.trim_start_matches("http://");
        let mut conn = std::net::TcpStream::connect(address).unwrap();
        write!(
            conn,
            "HEAD {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
             Tus-Resumable: 1.0.0\r\nConnection: close\r\n\r\n",
            self.token
        )
        .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        let status = answer.split_whitespace().nth(1).unwrap_or_default();
        if matches!(status, "404" | "410") {
            return None;
        }
        assert_eq!(status, "200", "{answer}");
        let offset = answer
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("upload-offset")
                    .then(|| value.trim().parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no Upload-Offset: {answer}"));
        Some(offset)
    }
}

/// The upload URLs `vaporctl iso upload` remembers under `home`.
fn remembered_uploads(home: &Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(home.join(".cache/vapor/uploads")) else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let text = std::fs::read_to_string(entry.ok()?.path()).ok()?;
        let state: Value = serde_json::from_str(&text).ok()?;
        state["upload_url"].as_str().map(str::to_owned)
    })
    .collect()
}

/// `vaporctl iso upload` is killed (SIGKILL) in the middle of sending; the
/// same command run again continues from the server's offset.
#[test]
fn a_killed_iso_upload_resumes_from_the_servers_offset() {
    let server = Server::start();
    let name = format!("{}.iso", unique("up"));
    let file = server.dir.path().join(&name);
    // Small chunks make many requests: the upload takes long enough to be killed.
    let data = fake_iso(&file, 48 * MIB + 123);
    let size = data.len() as u64;
    let expected: String = Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let upload = || {
        let mut cmd = server.ctl();
        cmd.args(["iso", "upload", file.to_str().unwrap()])
            .args(["--chunk-size", "16K", "--output", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };

    let mut first = upload().spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the upload ended before it could be interrupted"
        );
        assert!(Instant::now() < deadline, "the upload never got going");
        if let Some(url) = remembered_uploads(&server.home()).pop() {
            if server.upload_offset(&url).is_some_and(|offset| offset > 0) {
                break url;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    first.kill().unwrap();
    let killed = first.wait_with_output().unwrap();
    assert!(!killed.status.success(), "killed: {}", stderr(&killed));
    // A request the server was reading when the client died has settled by now.
    std::thread::sleep(Duration::from_millis(500));
    let offset = server
        .upload_offset(&url)
        .expect("the server keeps the upload");
    assert!(0 < offset && offset < size, "{offset} of {size}");
    assert_eq!(
        remembered_uploads(&server.home()),
        std::slice::from_ref(&url)
    );

    let second = upload().output().unwrap();
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stderr(&second).contains(&format!("resuming the upload at byte {offset} of {size}")),
        "{}",
        stderr(&second)
    );
    let iso: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(iso["name"], name.as_str());
    assert_eq!(iso["size_bytes"], size);
    assert_eq!(iso["checksum"], expected.as_str());
    let stored = std::fs::read(iso["path"].as_str().unwrap()).unwrap();
    let stored_sha: String = Sha256::digest(&stored)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(stored_sha, expected, "the stored image is byte-identical");
    assert!(
        remembered_uploads(&server.home()).is_empty(),
        "state removed"
    );

    let list = server.json(&["iso", "list"]);
    let matching = list["isos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["name"] == name.as_str())
        .count();
    assert_eq!(matching, 1, "{list}");
    let id = iso["id"].as_str().unwrap();
    server.ok(&["iso", "delete", id]);
    let again = server.run(&["iso", "delete", id]);
    assert_eq!(again.status.code(), Some(3), "{}", stderr(&again));
}

#[test]
fn a_backup_waits_for_its_operation_or_returns_its_id() {
    let server = Server::start();
    let name = unique("bk");
    server.ok(&[
        "vm",
        "create",
        "--name",
        &name,
        "--memory",
        "128",
        "--vcpus",
        "1",
        "--disk-size",
        "1",
    ]);
    server.ok(&["vm", "start", &name]);

    if backend_uri() == "test:///default" {
        // libvirt's test driver has no backup API: the refusal is reported.
        let refused = server.run(&["vm", "backup", "create", &name]);
        assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
        assert!(
            stderr(&refused).starts_with("error: UNSUPPORTED: "),
            "{}",
            stderr(&refused)
        );
        server.ok(&["vm", "stop", &name, "--force"]);
        server.ok(&["vm", "delete", &name, "--remove-disks"]);
        return;
    }
    let waited = server.json(&["vm", "backup", "create", &name]);
    assert_eq!(waited["status"], "succeeded", "{waited}");
    assert_eq!(waited["kind"], "vm_backup");

    let id = server.ok(&["vm", "backup", "create", &name, "--no-wait"]);
    let id = id.trim();
    assert!(
        !id.is_empty() && !id.contains(char::is_whitespace),
        "{id:?}"
    );
    let done = server.json(&["operation", "wait", id]);
    assert_eq!(done["id"], id);
    assert_eq!(done["status"], "succeeded");
    let late = server.run(&["operation", "cancel", id]);
    assert_eq!(late.status.code(), Some(4), "finished: {}", stderr(&late));
    let missing = server.run(&[
        "operation",
        "get",
        "op-00000000-0000-0000-0000-000000000000",
    ]);
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));
    let ops = server.json(&["operation", "list"]);
    assert!(
        ops["operations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id),
        "{ops}"
    );

    let backups = server.json(&["vm", "backup", "list", &name]);
    let backups = backups["backups"].as_array().unwrap();
    assert_eq!(backups.len(), 2);
    let restored = unique("restored");
    let backup_id = backups[0]["backup_id"].as_str().unwrap();
    let op = server.json(&["vm", "restore", backup_id, "--name", &restored]);
    assert_eq!(op["status"], "succeeded", "{op}");
    assert_eq!(
        server.json(&["vm", "get", &restored])["name"],
        restored.as_str()
    );

    // Deleting a backup removes it from the list; again, it is not found.
    let deleted = backups[1]["backup_id"].as_str().unwrap();
    let said = server.ok(&["vm", "backup", "delete", deleted]);
    assert_eq!(said.trim(), format!("deleted backup {deleted}"));
    let left = server.json(&["vm", "backup", "list", &name]);
    let left: Vec<&str> = left["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["backup_id"].as_str().unwrap())
        .collect();
    assert_eq!(left, [backup_id], "{deleted} deleted");
    let again = server.run(&["vm", "backup", "delete", deleted]);
    assert_eq!(again.status.code(), Some(3), "{}", stderr(&again));
    server.ok(&["vm", "backup", "delete", backup_id, "--cascade"]);
    assert_eq!(
        server.json(&["vm", "backup", "list", &name])["count"],
        0,
        "all deleted"
    );

    server.ok(&["vm", "stop", &name, "--force"]);
    for vm in [&name, &restored] {
        server.ok(&["vm", "delete", vm, "--remove-disks"]);
    }
}

#[test]
fn completions_are_printed_without_a_server() {
    let server = Server::start();
    for shell in ["bash", "zsh", "fish"] {
        let out = server.bare().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(
            script.contains("vaporctl") && script.contains("snapshot"),
            "{shell}"
        );
    }
}

#[test]
fn a_graceful_stop_follows_its_operation() {
    let server = Server::start();
    let name = unique("acpi");
    server.ok(&[
        "vm", "create", "--name", &name, "--memory", "128", "--vcpus", "1",
    ]);
    server.ok(&["vm", "start", &name]);
    if backend_uri() == "qemu:///system" {
        // A real VM without an OS ignores the ACPI button: the operation fails.
        let out = server.run(&["vm", "stop", &name, "--timeout", "2"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: TIMEOUT: "),
            "{}",
            stderr(&out)
        );
        // A pending shutdown can be cancelled; waiting for it then fails.
        let id = server.ok(&["vm", "stop", &name, "--timeout", "600", "--no-wait"]);
        let id = id.trim();
        server.ok(&["operation", "cancel", id]);
        let waited = server.run(&["operation", "wait", id]);
        assert_eq!(waited.status.code(), Some(1), "{}", stderr(&waited));
        assert_eq!(
            server.json(&["operation", "get", id])["status"],
            "cancelled"
        );
        server.ok(&["vm", "stop", &name, "--force"]);
        server.ok(&["vm", "delete", &name]);
        return;
    }
    let op = server.json(&["vm", "stop", &name, "--timeout", "60"]);
    assert_eq!(op["status"], "succeeded", "{op}");
    assert_eq!(server.json(&["vm", "get", &name])["state"], "shutoff");

    server.ok(&["vm", "start", &name]);
    let id = server.ok(&["vm", "stop", &name, "--no-wait"]);
    let done = server.json(&["operation", "wait", id.trim()]);
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(server.json(&["vm", "get", &name])["state"], "shutoff");
    let again = server.run(&["vm", "stop", &name]);
    assert_eq!(again.status.code(), Some(4), "{}", stderr(&again));
    server.ok(&["vm", "delete", &name]);
}

#[test]
fn pools_volumes_and_networks_are_managed() {
    let server = Server::start();
    let pool = unique("pool");
    let path = server.dir.path().join(&pool);
    std::fs::create_dir_all(&path).unwrap();
    server.ok(&["pool", "create", &pool, "--path", path.to_str().unwrap()]);
    assert_eq!(server.json(&["pool", "get", &pool])["state"], "running");
    let listed = server.ok(&["pool", "list"]);
    assert!(
        listed.lines().any(|l| l.starts_with(&format!("{pool} "))),
        "{listed}"
    );

    server.ok(&[
        "volume",
        "create",
        &pool,
        "v1",
        "--capacity",
        "1",
        "--format",
        "qcow2",
    ]);
    let vol = server.json(&["volume", "get", &pool, "v1"]);
    assert_eq!(vol["capacity_bytes"], 1u64 << 30);
    let vols = server.json(&["volume", "list", &pool]);
    assert_eq!(vols["count"], 1);
    server.ok(&["volume", "delete", &pool, "v1"]);
    let gone = server.run(&["volume", "get", &pool, "v1"]);
    assert_eq!(gone.status.code(), Some(3), "{}", stderr(&gone));
    server.ok(&["pool", "delete", &pool]);
    let gone = server.run(&["pool", "get", &pool]);
    assert_eq!(gone.status.code(), Some(3), "{}", stderr(&gone));

    let net = unique("net").replace('-', "");
    let net = &net[..net.len().min(15)];
    let create = [
        "network",
        "create",
        net,
        "--address",
        "192.168.231.1",
        "--netmask",
        "255.255.255.0",
        "--dhcp-start",
        "192.168.231.10",
        "--dhcp-end",
        "192.168.231.50",
    ];
    server.ok(&create);
    let got = server.json(&["network", "get", net]);
    assert_eq!(got["ip_range"]["address"], "192.168.231.1");
    assert_eq!(got["dhcp"]["end"], "192.168.231.50");
    assert_eq!(server.json(&["network", "stop", net])["state"], "inactive");
    assert_eq!(server.json(&["network", "start", net])["state"], "active");
    let dup = server.run(&create);
    assert_eq!(dup.status.code(), Some(4), "{}", stderr(&dup));
    server.ok(&["network", "delete", net]);
    let gone = server.run(&["network", "get", net]);
    assert_eq!(gone.status.code(), Some(3), "{}", stderr(&gone));
}

#[test]
fn a_migration_to_an_unreachable_host_is_refused_and_the_vm_stays() {
    let server = Server::start();
    let name = unique("mig");
    server.ok(&[
        "vm", "create", "--name", &name, "--memory", "64", "--vcpus", "1",
    ]);
    server.ok(&["vm", "start", &name]);
    let out = server.run(&[
        "vm",
        "migrate",
        &name,
        "--to",
        "127.0.0.1",
        "--uri",
        "qemu+tcp://127.0.0.1:1/system",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let expected = if backend_uri() == "test:///default" {
        "error: MIGRATION_UNSUPPORTED: "
    } else {
        "error: DESTINATION_UNREACHABLE: "
    };
    assert!(stderr(&out).starts_with(expected), "{}", stderr(&out));
    assert_eq!(server.json(&["vm", "get", &name])["state"], "running");
    // A refused start records no migration: there is none to show. (A
    // migration that runs needs a second host, which these tests lack; the
    // conformance suite follows one between two mock hosts.)
    let none = server.run(&["vm", "migration-status", &name]);
    assert_eq!(none.status.code(), Some(3), "{}", stderr(&none));
    assert!(
        stderr(&none).starts_with("error: NOT_FOUND: "),
        "{}",
        stderr(&none)
    );
    let unknown = server.run(&[
        "vm",
        "migration-status",
        &name,
        "--migration-id",
        "mig-none",
    ]);
    assert_eq!(unknown.status.code(), Some(3), "{}", stderr(&unknown));
    let malformed = "m".repeat(65);
    let bad = server.run(&[
        "vm",
        "migration-status",
        &name,
        "--migration-id",
        &malformed,
    ]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(
        stderr(&bad).starts_with("error: VALIDATION_ERROR: "),
        "{}",
        stderr(&bad)
    );
    let usage = server.run(&["vm", "migrate", &name]);
    assert_eq!(usage.status.code(), Some(2), "--to is required");
    server.ok(&["vm", "stop", &name, "--force"]);
    server.ok(&["vm", "delete", &name]);
}

/// Waits for a child to exit, at most `limit`; kills it and fails after that.
fn wait_with_deadline(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}; stdout {:?}, stderr {:?}",
                String::from_utf8_lossy(&out.stdout),
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// An id after every id the server has given out: the stream starts with a
/// `resync`, whose warning on stderr tells that the follower is connected.
const FUTURE_ID: &str = "9000000000000000000";

/// Spawns `vaporctl events ARGS --after FUTURE_ID` and returns once it is connected.
fn follow_events(server: &Server, args: &[&str]) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = server
        .ctl()
        .arg("events")
        .args(args)
        .args(["--after", FUTURE_ID])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    assert!(err.read_line(&mut line).unwrap() > 0, "events exited early");
    assert!(line.starts_with("warning: resync: "), "{line:?}");
    (child, err)
}

#[test]
fn events_show_what_another_process_does_to_a_vm() {
    let server = Server::start();
    let name = unique("ev");
    let (child, _err) = follow_events(
        &server,
        &[
            "--vm",
            &name,
            "--types",
            "vm.defined,vm.started",
            "--count",
            "2",
            "--output",
            "json",
        ],
    );
    server.ok(&[
        "vm", "create", "--name", &name, "--memory", "128", "--vcpus", "1",
    ]);
    server.ok(&["vm", "start", &name]);
    let out = wait_with_deadline(child, Duration::from_secs(30));
    assert!(out.status.success(), "{}", stderr(&out));
    let events: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["vm.defined", "vm.started"], "{events:?}");
    for e in &events {
        assert_eq!(e["vm"]["name"], name.as_str(), "{e}");
    }
    let first = events[0]["id"].as_i64().unwrap();
    assert!(events[1]["id"].as_i64().unwrap() > first);

    // --after replays from the server's buffer; table lines name the VM.
    let after = (first - 1).to_string();
    // (QEMU reports `vm.resumed` too as a guest starts; the types leave it out.)
    let table = server.ok(&[
        "events",
        "--vm",
        &name,
        "--types",
        "vm.defined,vm.started",
        "--after",
        &after,
        "--count",
        "2",
    ]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[0].starts_with(&format!("{first} ")), "{table}");
    for (line, kind) in lines.iter().zip(["vm.defined", "vm.started"]) {
        assert!(line.contains(kind) && line.contains(&name), "{table}");
    }

    // An operation's events name the operation.
    server.ok(&["vm", "stop", &name, "--force"]);
    let (child, _err) = follow_events(
        &server,
        &["--types", "operation.*", "--vm", &name, "--count", "1"],
    );
    let clone = unique("evc");
    let op = server.json(&["vm", "clone", &name, &clone, "--no-wait"]);
    let out = wait_with_deadline(child, Duration::from_secs(30));
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(
        line.contains("operation.created") && line.contains(op["id"].as_str().unwrap()),
        "{line}"
    );
    server.json(&["operation", "wait", op["id"].as_str().unwrap()]);

    // Ctrl-C ends a follower with success; an unknown type is the API's refusal.
    let (child, _err) = follow_events(&server, &[]);
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = wait_with_deadline(child, Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bad = server.run(&["events", "--types", "vm.nonsense", "--count", "1"]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).starts_with("error: "), "{}", stderr(&bad));
    for vm in [&name, &clone] {
        server.ok(&["vm", "delete", vm]);
    }
}

/// A dropped stream is resumed with `Last-Event-ID`: an event the server sends
/// again is not printed twice. The server is a stand-in that drops the first
/// connection after two events.
#[test]
fn events_reconnect_after_the_last_id_seen() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let event = |id: u32, kind: &str| {
        format!(
            "id: {id}\nevent: {kind}\ndata: {{\"id\": {id}, \"type\": \"{kind}\", \
             \"time\": \"2025-01-01T00:00:0{id}Z\", \"vm\": {{\"uuid\": \"u\", \"name\": \"v\"}}}}\n\n"
        )
    };
    let replies = [
        format!(
            ": keepalive\n\n{}{}",
            event(1, "vm.defined"),
            event(2, "vm.started")
        ),
        format!("{}{}", event(2, "vm.started"), event(3, "vm.stopped")),
    ];
    let stand_in = std::thread::spawn(move || {
        let mut requests = Vec::new();
        for reply in replies {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") {
                conn.read_exact(&mut byte).unwrap();
                request.push(byte[0]);
            }
            requests.push(String::from_utf8(request).unwrap().to_ascii_lowercase());
            write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n{reply}"
            )
            .unwrap();
        }
        requests
    });
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vaporctl"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("VAPOR") {
            cmd.env_remove(&key);
        }
    }
    let child = cmd
        .env("HOME", home.path())
        .args(["--url", &url, "--token", "t", "events", "--types", "vm.*"])
        .args(["--count", "3", "--output", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_with_deadline(child, Duration::from_secs(30));
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<i64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    let requests = stand_in.join().unwrap();
    assert!(
        requests[0].starts_with("get /api/v1/events?types=vm.* "),
        "{}",
        requests[0]
    );
    assert!(!requests[0].contains("last-event-id"), "{}", requests[0]);
    assert!(
        requests[1].contains("\r\nlast-event-id: 2\r\n"),
        "{}",
        requests[1]
    );
    assert!(
        requests[1].contains("authorization: bearer t\r\n"),
        "{}",
        requests[1]
    );
}

#[test]
fn a_vm_is_cloned_waiting_for_the_operation() {
    let server = Server::start();
    let name = unique("src");
    server.ok(&[
        "vm",
        "create",
        "--name",
        &name,
        "--memory",
        "128",
        "--vcpus",
        "1",
        "--disk-size",
        "1",
    ]);
    let copy = unique("copy");
    let op = server.json(&["vm", "clone", &name, &copy, "--wait"]);
    assert_eq!(op["status"], "succeeded", "{op}");
    assert_eq!(op["kind"], "vm_clone");
    let cloned = server.json(&["vm", "get", &copy]);
    assert_eq!(cloned["state"], "shutoff");
    assert_eq!(cloned["memory"], 128);
    assert_ne!(cloned["uuid"], server.json(&["vm", "get", &name])["uuid"]);

    // A taken name is a conflict (409, exit 4).
    let taken = server.run(&["vm", "clone", &name, &copy]);
    assert_eq!(taken.status.code(), Some(4), "{}", stderr(&taken));
    assert!(
        stderr(&taken).starts_with("error: ALREADY_EXISTS: "),
        "{}",
        stderr(&taken)
    );
    let missing = server.run(&["vm", "clone", &unique("nobody"), &unique("x")]);
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));
    let both = server.run(&["vm", "clone", &name, "x", "--wait", "--no-wait"]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    for vm in [&name, &copy] {
        server.ok(&["vm", "delete", vm, "--remove-disks"]);
    }
}

#[test]
fn pci_devices_are_listed_and_attaching_is_refused_without_an_iommu() {
    let server = Server::start();
    let table = server.ok(&["pci", "list"]);
    assert!(table.starts_with("ID "), "{table}");
    let list = server.json(&["pci", "list"]);
    let devices = list["devices"].as_array().unwrap();
    assert_eq!(list["count"].as_u64().unwrap() as usize, devices.len());
    let gpus = server.json(&["pci", "list", "--type", "gpu"]);
    assert!(gpus["devices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["device_type"] == "gpu"));
    let bad = server.run(&["pci", "list", "--type", "fpga"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));

    let name = unique("pci");
    server.ok(&[
        "vm", "create", "--name", &name, "--memory", "128", "--vcpus", "1",
    ]);
    if let Some(device) = devices.first() {
        // No test host has an IOMMU; the device is named by its address here.
        let address = device["pci_address"].as_str().unwrap();
        let out = server.run(&["vm", "pci", "attach", &name, address]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: IOMMU_UNAVAILABLE: "),
            "{}",
            stderr(&out)
        );
        let id = device["device_id"].as_str().unwrap();
        let out = server.run(&["vm", "pci", "detach", &name, id]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    }
    let out = server.run(&["vm", "pci", "attach", &name, "ffff:ff:1f.7"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    server.ok(&["vm", "delete", &name]);
}

#[test]
fn metrics_are_shown_once_or_followed() {
    let server = Server::start();
    let name = unique("met");
    server.ok(&[
        "vm",
        "create",
        "--name",
        &name,
        "--memory",
        "128",
        "--vcpus",
        "1",
        "--disk-size",
        "1",
    ]);
    let stopped = server.run(&["vm", "metrics", &name]);
    assert_eq!(stopped.status.code(), Some(4), "{}", stderr(&stopped));
    server.ok(&["vm", "start", &name]);
    let uuid = server.json(&["vm", "get", &name])["uuid"].clone();

    let table = server.ok(&["vm", "metrics", &name]);
    assert!(table.starts_with("UUID:"), "{table}");
    assert!(table.contains("CPU (%):"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with("DISK ")),
        "a table of disks: {table}"
    );
    let sample = server.json(&["vm", "metrics", &name]);
    assert_eq!(sample["uuid"], uuid);
    let cpu = sample["cpu_usage_percent"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&cpu), "{sample}");
    assert_eq!(sample["vcpus"], 1);

    let watched = server.ok(&[
        "vm",
        "metrics",
        &name,
        "--watch",
        "--interval",
        "1",
        "--count",
        "2",
        "--output",
        "json",
    ]);
    let samples: Vec<Value> = watched
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(samples.len(), 2, "{watched}");
    assert!(samples.iter().all(|s| s["uuid"] == uuid));
    let lines = server.ok(&[
        "vm",
        "metrics",
        &name,
        "--watch",
        "--interval",
        "1",
        "--count",
        "1",
    ]);
    assert!(lines.starts_with("TIME "), "{lines}");
    assert_eq!(lines.lines().count(), 2, "{lines}");

    for args in [
        &["vm", "metrics", &name, "--interval", "2"][..],
        &["vm", "metrics", &name, "--watch", "--interval", "0"][..],
    ] {
        let out = server.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    server.ok(&["vm", "stop", &name, "--force"]);
    server.ok(&["vm", "delete", &name, "--remove-disks"]);
}

#[test]
fn templates_are_created_from_a_file_or_flags() {
    let server = Server::start();
    let name = unique("tpl").to_ascii_lowercase();
    let file = server.dir.path().join("template.yaml");
    std::fs::write(
        &file,
        format!(
            "name: {name}\ndisplay_name: Test template\nos_type: linux\nos_variant: debian12\n\
             recommended_memory: 1024\nfeatures:\n  uefi: true\ntags: [test, cli]\n"
        ),
    )
    .unwrap();
    let created = server.json(&["template", "create", "--file", file.to_str().unwrap()]);
    assert_eq!(created["name"], name.as_str());
    assert_eq!(created["recommended_memory"], 1024);
    assert_eq!(created["features"]["uefi"], true);
    let id = created["id"].as_i64().unwrap().to_string();
    assert_eq!(
        server.json(&["template", "get", &id])["display_name"],
        "Test template"
    );

    // The same name again is a conflict.
    let dup = server.run(&["template", "create", "--file", file.to_str().unwrap()]);
    assert_eq!(dup.status.code(), Some(4), "{}", stderr(&dup));

    // JSON, with flags over the file's fields.
    let json_file = server.dir.path().join("template.json");
    std::fs::write(
        &json_file,
        r#"{"name": "unused", "display_name": "From JSON", "os_type": "windows", "os_variant": "win11"}"#,
    )
    .unwrap();
    let other = format!("{name}-2");
    let text = server.ok(&[
        "template",
        "create",
        "--file",
        json_file.to_str().unwrap(),
        "--name",
        &other,
        "--vcpus",
        "4",
        "--tpm",
    ]);
    assert!(
        text.starts_with(&format!("created template {other} ")),
        "{text}"
    );
    let listed = server.json(&["template", "list"]);
    let second = listed["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == other.as_str())
        .unwrap_or_else(|| panic!("{other} listed: {listed}"))
        .clone();
    assert_eq!(second["os_type"], "windows");
    assert_eq!(second["recommended_vcpus"], 4);
    assert_eq!(second["features"]["tpm"], true);

    // Missing fields and fields a template does not have are usage errors.
    let out = server.run(&["template", "create", "--name", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    std::fs::write(&json_file, r#"{"name": "y", "colour": "red"}"#).unwrap();
    let out = server.run(&["template", "create", "--file", json_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    server.ok(&["template", "delete", &id]);
    server.ok(&["template", "delete", &second["id"].to_string()]);
    let gone = server.run(&["template", "get", &id]);
    assert_eq!(gone.status.code(), Some(3), "{}", stderr(&gone));
}

#[test]
fn dhcp_leases_and_the_audit_log_are_listed() {
    let server = Server::start();
    let net = unique("lease").replace('-', "");
    let net = &net[..net.len().min(15)];
    server.ok(&[
        "network",
        "create",
        net,
        "--address",
        "192.168.232.1",
        "--netmask",
        "255.255.255.0",
        "--dhcp-start",
        "192.168.232.10",
        "--dhcp-end",
        "192.168.232.50",
    ]);
    if backend_uri() == "test:///default" {
        // libvirt's test driver keeps no DHCP leases: the API says so.
        let refused = server.run(&["network", "leases", net]);
        assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
        assert!(
            stderr(&refused).contains("UNSUPPORTED"),
            "{}",
            stderr(&refused)
        );
    } else {
        let leases = server.json(&["network", "leases", net]);
        assert_eq!(
            leases["count"].as_u64().unwrap() as usize,
            leases["leases"].as_array().unwrap().len()
        );
        let table = server.ok(&["network", "leases", net]);
        assert!(table.starts_with("IP "), "{table}");
    }
    let missing = server.run(&["network", "leases", "nosuchnet"]);
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));
    server.ok(&["network", "delete", net]);

    // Newest first, a page at a time: create, then delete.
    let audit = server.json(&["audit", "list", "--limit", "1"]);
    let newest = &audit["entries"][0];
    assert_eq!(newest["method"], "DELETE", "{audit}");
    assert_eq!(newest["operation"], "network_delete");
    let older = audit["next_before"].to_string();
    let page = server.json(&["audit", "list", "--before", &older]);
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries[0]["operation"], "network_create", "{page}");
    assert!(entries
        .iter()
        .all(|e| e["id"].as_i64() < newest["id"].as_i64()));
    let table = server.run(&["audit", "list", "--limit", "1"]);
    assert!(String::from_utf8_lossy(&table.stdout).starts_with("ID "));
    assert!(stderr(&table).contains("--before"), "{}", stderr(&table));
}

fn state(server: &Server, vm: &str) -> Value {
    server.json(&["vm", "get", vm])["state"].clone()
}

#[test]
fn a_vm_is_updated_and_its_power_actions_change_its_state() {
    let server = Server::start();
    let name = unique("pwr");
    server.ok(&[
        "vm", "create", "--name", &name, "--memory", "128", "--vcpus", "1",
    ]);

    // A stopped VM: memory, vCPUs and autostart change in its definition.
    let said = server.ok(&[
        "vm",
        "update",
        &name,
        "--memory",
        "192",
        "--vcpus",
        "2",
        "--autostart",
        "true",
    ]);
    assert!(!said.trim().is_empty());
    let vm = server.json(&["vm", "get", &name]);
    assert_eq!(
        (&vm["memory"], &vm["vcpus"], &vm["autostart"]),
        (&Value::from(192), &Value::from(2), &Value::from(true)),
        "{vm}"
    );
    let changed = server.json(&["vm", "update", &name, "--autostart", "false"]);
    assert_eq!(changed["changes"][0]["field"], "autostart", "{changed}");
    assert_eq!(server.json(&["vm", "get", &name])["autostart"], false);
    let nothing = server.run(&["vm", "update", &name]);
    assert_eq!(nothing.status.code(), Some(2), "{}", stderr(&nothing));

    // Actions a stopped VM cannot take are conflicts.
    for action in ["pause", "resume", "restart", "reset"] {
        let out = server.run(&["vm", action, &name]);
        assert_eq!(out.status.code(), Some(4), "{action}: {}", stderr(&out));
    }
    assert_eq!(state(&server, &name), "shutoff");

    server.ok(&["vm", "start", &name]);
    let paused = server.json(&["vm", "pause", &name]);
    assert_eq!(paused["action"], "pause", "{paused}");
    assert_eq!(state(&server, &name), "paused");
    let twice = server.run(&["vm", "pause", &name]);
    assert_eq!(twice.status.code(), Some(4), "{}", stderr(&twice));
    let said = server.ok(&["vm", "resume", &name]);
    assert!(said.trim().ends_with("(running)"), "{said}");
    assert_eq!(state(&server, &name), "running");

    // A reboot and a hard reset leave it running (on QEMU the guest, which has
    // no OS, is reset by the hypervisor or ignores the request: both keep it running).
    let reset = server.json(&["vm", "reset", &name]);
    assert_eq!(reset["action"], "reset", "{reset}");
    assert_eq!(state(&server, &name), "running");
    let restarted = server.json(&["vm", "restart", &name]);
    assert_eq!(restarted["action"], "restart", "{restarted}");
    assert_eq!(state(&server, &name), "running");

    // While it runs, memory grows only up to the maximum.
    let over = server.run(&["vm", "update", &name, "--memory", "4096"]);
    assert_eq!(over.status.code(), Some(4), "{}", stderr(&over));
    assert_eq!(server.json(&["vm", "get", &name])["memory"], 192);

    server.ok(&["vm", "stop", &name, "--force"]);
    server.ok(&["vm", "delete", &name]);
    let gone = server.run(&["vm", "resume", &name]);
    assert_eq!(gone.status.code(), Some(3), "{}", stderr(&gone));
}

#[test]
fn snapshots_are_taken_listed_reverted_and_deleted() {
    let server = Server::start();
    let name = unique("snap");
    server.ok(&[
        "vm",
        "create",
        "--name",
        &name,
        "--memory",
        "128",
        "--vcpus",
        "1",
        "--disk-size",
        "1",
    ]);
    let caps = server.json(&["vm", "snapshot", "capabilities", &name]);
    assert_eq!(caps["supports_snapshots"], true, "{caps}");
    assert_eq!(caps["supports_internal"], true, "{caps}");
    let table = server.ok(&["vm", "snapshot", "capabilities", &name]);
    assert!(table.contains("Internal:"), "{table}");
    let empty = server.json(&["vm", "snapshot", "list", &name]);
    assert_eq!(empty["count"], 0, "{empty}");

    // Shut off: a disk snapshot.
    let said = server.ok(&[
        "vm",
        "snapshot",
        "create",
        &name,
        "off",
        "--description",
        "before",
    ]);
    assert_eq!(said.trim(), format!("created snapshot off of {name}"));
    let dup = server.run(&["vm", "snapshot", "create", &name, "off"]);
    assert_eq!(dup.status.code(), Some(4), "{}", stderr(&dup));

    // Running: the memory too.
    server.ok(&["vm", "start", &name]);
    let live = server.json(&["vm", "snapshot", "create", &name, "live", "--memory"]);
    assert_eq!(live["state"], "running", "{live}");
    assert_eq!(live["parent"], "off", "{live}");
    let list = server.json(&["vm", "snapshot", "list", &name]);
    let names: Vec<&str> = list["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["off", "live"], "{list}");
    assert_eq!(list["snapshots"][0]["description"], "before");
    let table = server.ok(&["vm", "snapshot", "list", &name]);
    assert!(table.starts_with("NAME "), "{table}");

    // Back to the shut-off snapshot: the VM stops; to the running one: it runs.
    let reverted = server.json(&["vm", "snapshot", "revert", &name, "off"]);
    assert_eq!(reverted["snapshot_name"], "off", "{reverted}");
    assert_eq!(state(&server, &name), "shutoff");
    server.ok(&["vm", "snapshot", "revert", &name, "live"]);
    assert_eq!(state(&server, &name), "running");
    let current: Vec<String> = server.json(&["vm", "snapshot", "list", &name])["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["is_current"] == true)
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(current, ["live"]);
    let missing = server.run(&["vm", "snapshot", "revert", &name, "nope"]);
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));

    let said = server.ok(&["vm", "snapshot", "delete", &name, "live"]);
    assert_eq!(said.trim(), format!("deleted snapshot live of {name}"));
    let left = server.json(&["vm", "snapshot", "list", &name]);
    assert_eq!(left["count"], 1, "{left}");
    assert_eq!(left["snapshots"][0]["name"], "off");
    let again = server.run(&["vm", "snapshot", "delete", &name, "live"]);
    assert_eq!(again.status.code(), Some(3), "{}", stderr(&again));

    server.ok(&["vm", "stop", &name, "--force"]);
    server.ok(&["vm", "snapshot", "delete", &name, "off"]);
    assert_eq!(server.json(&["vm", "snapshot", "list", &name])["count"], 0);
    server.ok(&["vm", "delete", &name, "--remove-disks"]);
}

#[test]
fn hotplug_changes_a_running_vm() {
    let server = Server::start();
    let name = unique("hot");
    server.ok(&[
        "vm", "create", "--name", &name, "--memory", "256", "--vcpus", "1",
    ]);
    let stopped = server.run(&[
        "vm",
        "hotplug",
        &name,
        "--resource",
        "memory",
        "--action",
        "remove",
        "--config",
        r#"{"memory": 200}"#,
    ]);
    assert_eq!(stopped.status.code(), Some(4), "{}", stderr(&stopped));
    server.ok(&["vm", "start", &name]);

    // The balloon: the definition takes the new size at once; the live VM
    // (a guest with no OS and so no balloon driver on QEMU and the mock's
    // default guest) may keep its memory until it stops.
    let done = server.json(&[
        "vm",
        "hotplug",
        &name,
        "--resource",
        "memory",
        "--action",
        "remove",
        "--config",
        r#"{"memory": 200}"#,
    ]);
    assert_eq!(done["details"]["memory"], "200", "{done}");
    let expected = if backend_uri() == "test:///default" {
        "completed"
    } else {
        "pending"
    };
    assert_eq!(done["details"]["state"], expected, "{done}");
    // vCPUs beyond the VM's maximum (1, as created) are refused; nothing changes.
    let over = server.run(&[
        "vm",
        "hotplug",
        &name,
        "--resource",
        "cpu",
        "--action",
        "add",
        "--config",
        r#"{"vcpus": 2}"#,
    ]);
    assert_eq!(over.status.code(), Some(4), "{}", stderr(&over));
    assert_eq!(server.json(&["vm", "get", &name])["vcpus"], 1);
    let bad = server.run(&[
        "vm",
        "hotplug",
        &name,
        "--resource",
        "cpu",
        "--action",
        "add",
        "--config",
        "not json",
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));

    server.ok(&["vm", "stop", &name, "--force"]);
    assert_eq!(server.json(&["vm", "get", &name])["memory"], 200);
    server.ok(&["vm", "delete", &name]);
}

/// One HTTP/1.1 request read from `conn`: its head (lower case) and body.
fn read_request(conn: &mut std::net::TcpStream) -> (String, Vec<u8>) {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        conn.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).unwrap();
    (head, body)
}

/// A create goes through the SDK: it carries an `Idempotency-Key`, and a 5xx
/// or a 409 `IDEMPOTENCY_KEY_IN_USE` is retried with the same key and body.
/// The server is a stand-in that answers so, then with a real create's reply.
#[test]
fn a_create_sends_an_idempotency_key_and_is_retried_with_it() {
    use std::io::Write;
    let server = Server::start();
    let name = unique("idem");
    let created = server.json(&[
        "vm", "create", "--name", &name, "--memory", "128", "--vcpus", "1",
    ]);
    server.ok(&["vm", "delete", &name]);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let replies = [
        (
            "503 Service Unavailable",
            r#"{"error": {"code": "BACKEND_UNAVAILABLE", "message": "libvirt is restarting"}}"#
                .to_owned(),
        ),
        (
            "409 Conflict",
            r#"{"error": {"code": "IDEMPOTENCY_KEY_IN_USE", "message": "still running"}}"#
                .to_owned(),
        ),
        ("201 Created", format!(r#"{{"data": {created}}}"#)),
    ];
    let stand_in = std::thread::spawn(move || {
        let mut requests = Vec::new();
        for (status, body) in replies {
            let (mut conn, _) = listener.accept().unwrap();
            requests.push(read_request(&mut conn));
            write!(
                conn,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
        requests
    });
    let out = server
        .bare()
        .args([
            "--url", &url, "--token", "t", "vm", "create", "--name", &name,
        ])
        .args(["--memory", "128", "--vcpus", "1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        printed.contains(created["vm"]["uuid"].as_str().unwrap()),
        "{printed}"
    );

    let requests = stand_in.join().unwrap();
    assert_eq!(requests.len(), 3);
    let key = |head: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix("idempotency-key:"))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no Idempotency-Key: {head}"))
    };
    let first_key = key(&requests[0].0);
    assert!(!first_key.is_empty());
    for (head, body) in &requests {
        assert!(
            head.starts_with("post /api/v1/virtualization/virtualmachines "),
            "{head}"
        );
        assert!(head.contains("user-agent: vaporctl/"), "{head}");
        assert_eq!(key(head), first_key, "the same key on every try");
        assert_eq!(body, &requests[0].1, "the same body on every try");
    }
    let body: Value = serde_json::from_slice(&requests[0].1).unwrap();
    assert_eq!(body["name"], name.as_str());
    assert_eq!(body["memory"], 128);
}

/// `vm console VM --serial` with stdin a pipe; once it says it is attached,
/// the child and the rest of its stderr.
fn attach_serial(server: &Server, vm: &str) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = server
        .ctl()
        .args(["vm", "console", vm, "--serial"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    assert!(
        err.read_line(&mut line).unwrap() > 0,
        "console exited early"
    );
    assert_eq!(
        line,
        format!("attached to the serial console of {vm}; Ctrl-] detaches\n")
    );
    (child, err)
}

fn rest(mut err: BufReader<std::process::ChildStderr>) -> String {
    use std::io::Read;
    let mut text = String::new();
    err.read_to_string(&mut text).unwrap();
    text
}

#[test]
fn the_serial_console_is_attached_and_detached() {
    use std::io::Write;
    let server = Server::start();
    let name = unique("tty");
    server.ok(&[
        "vm", "create", "--name", &name, "--memory", "128", "--vcpus", "1",
    ]);
    server.ok(&["vm", "start", &name]);
    let both = server.run(&["vm", "console", &name, "--serial", "--type", "vnc"]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    if backend_uri() != "qemu:///system" {
        // Only QEMU gives the serial port a pseudo-terminal on the host: on
        // libvirt's test driver and the mock the server refuses the socket.
        let out = server
            .ctl()
            .args(["vm", "console", &name, "--serial"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
        server.ok(&["vm", "stop", &name, "--force"]);
        server.ok(&["vm", "delete", &name]);
        return;
    }

    // Typed bytes go to the guest (which, without an OS, prints nothing
    // back); Ctrl-] detaches.
    let (mut child, err) = attach_serial(&server, &name);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\r\n").unwrap();
    stdin.write_all(&[0x1d]).unwrap();
    let out = wait_with_deadline(child, Duration::from_secs(30));
    assert!(out.status.success(), "{}", rest(err));
    assert_eq!(
        rest(err),
        format!("\ndetached from the serial console of {name}\n")
    );
    drop(stdin);

    // The end of piped input detaches too, once the console is quiet.
    let (mut child, err) = attach_serial(&server, &name);
    drop(child.stdin.take());
    let out = wait_with_deadline(child, Duration::from_secs(30));
    assert!(out.status.success());
    assert!(rest(err).contains("detached from the serial console"));

    // On a terminal (a pseudo-terminal from util-linux's `script`) stdin is
    // in raw mode: Ctrl-] arrives without a newline after it, and detaches.
    let settings = server.ctl();
    let mut tty = Command::new("script");
    for (key, value) in settings.get_envs() {
        match value {
            Some(value) => tty.env(key, value),
            None => tty.env_remove(key),
        };
    }
    let mut child = tty
        .args([
            "-qec",
            &format!(
                "'{}' vm console {name} --serial",
                env!("CARGO_BIN_EXE_vaporctl")
            ),
            "/dev/null",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux's script runs");
    let mut typed = child.stdin.take().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    typed.write_all(&[0x1d]).unwrap();
    typed.flush().unwrap();
    let out = wait_with_deadline(child, Duration::from_secs(30));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown:?}");
    assert!(
        shown.contains("Ctrl-] detaches\r\n") && shown.contains("detached from the serial console"),
        "{shown:?}"
    );
    drop(typed);

    // The VM stopping closes the console, with the server's reason.
    let (child, err) = attach_serial(&server, &name);
    server.ok(&["vm", "stop", &name, "--force"]);
    let out = wait_with_deadline(child, Duration::from_secs(30));
    assert!(out.status.success());
    assert_eq!(
        rest(err),
        format!("\nthe serial console of {name} closed: the virtual machine stopped\n")
    );
    assert_eq!(state(&server, &name), "shutoff");
    server.ok(&["vm", "delete", &name]);
}

/// On a terminal, an upload draws its progress bar (bytes, rate, ETA) on
/// stderr; piped, it draws nothing. `script` gives the command a
/// pseudo-terminal and copies what is drawn on it to its own output.
#[test]
fn progress_bars_are_drawn_on_a_terminal_only() {
    let server = Server::start();
    let name = format!("{}.iso", unique("bar"));
    let file = server.dir.path().join(&name);
    fake_iso(&file, 24 * MIB);
    let command = format!(
        "{} iso upload {} --chunk-size 256K",
        env!("CARGO_BIN_EXE_vaporctl"),
        file.display()
    );
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("VAPOR_URL", &server.url)
        .env("VAPOR_TOKEN", &server.token)
        .env("HOME", server.home())
        .env("TERM", "xterm")
        .output()
        .expect("script (util-linux) runs");
    let drawn = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{drawn}");
    assert!(
        drawn.contains("ETA") && drawn.contains("MiB") && drawn.contains("/s"),
        "a bar with bytes, rate and ETA: {drawn}"
    );
    assert!(drawn.contains("24.00 MiB"), "the total is shown: {drawn}");

    // Piped: no bar, only the result.
    let name = format!("{}.iso", unique("nobar"));
    let file = server.dir.path().join(&name);
    fake_iso(&file, 4 * MIB);
    let out = server.run(&[
        "iso",
        "upload",
        file.to_str().unwrap(),
        "--chunk-size",
        "256K",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("ETA"), "no bar when piped: {stderr}");
}
