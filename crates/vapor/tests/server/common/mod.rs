//! Running the `vapor` binary as an operator would.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// libvirtd is shared by every test of this binary; the test that restarts
/// it must run alone.
static LIBVIRTD: RwLock<()> = RwLock::new(());

/// Held for the whole of a test that may use libvirtd.
pub fn shares_libvirtd() -> RwLockReadGuard<'static, ()> {
    LIBVIRTD.read().unwrap_or_else(|p| p.into_inner())
}

/// Held for the whole of the test that restarts libvirtd.
pub fn restarts_libvirtd() -> RwLockWriteGuard<'static, ()> {
    LIBVIRTD.write().unwrap_or_else(|p| p.into_inner())
}

pub fn vapor() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vapor"))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes a `vapor.conf` for the mock backend with everything under `dir`.
pub fn write_config(dir: &Path, port: u16) -> PathBuf {
    write_config_for(dir, port, "mock:///default")
}

/// The backend `VAPOR_TEST_BACKEND` names (as the conformance suite reads it), else the mock.
pub fn backend_uri() -> String {
    match std::env::var("VAPOR_TEST_BACKEND").as_deref() {
        Ok("test:///default") => "test:///default".into(),
        Ok("qemu:///system") => "qemu:///system".into(),
        _ => "mock:///default".into(),
    }
}

/// Writes a `vapor.conf` for the backend at `uri` with Vapor's own state under `dir`.
pub fn write_config_for(dir: &Path, port: u16, uri: &str) -> PathBuf {
    let path = dir.join("vapor.conf");
    let text = format!(
        "[server]\nhost = 127.0.0.1\nport = {port}\n\n[database]\npath = {db}\n\n[libvirt]\nuri = {uri}\n\n\
         [storage]\niso_dir = {isos}\niso_pool =\nupload_dir = {uploads}\nmax_chunk_bytes = 8388608\n",
        db = dir.join("state/vapor.db").display(),
        isos = dir.join("isos").display(),
        uploads = dir.join("uploads").display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

pub fn create_token(config: &Path) -> String {
    create_token_with(config, "ops", &[])
}

/// `vapor token create NAME ARGS...`: the printed token.
pub fn create_token_with(config: &Path, name: &str, args: &[&str]) -> String {
    let out = vapor()
        .args(["token", "create", name])
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Starts `vapor serve` and returns once it says it is serving.
pub fn serve(config: &Path) -> Child {
    serve_logged(config).0
}

/// Starts `vapor serve` with extra environment variables.
pub fn serve_with_env(config: &Path, env: &[(&str, &str)]) -> Child {
    serve_logged_with_env(config, env).0
}

/// Starts `vapor serve`; returns once it says it is serving, with that log line.
pub fn serve_logged(config: &Path) -> (Child, String) {
    serve_logged_with_env(config, &[])
}

fn serve_logged_with_env(config: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let (child, _, line) = serve_logging(config, env);
    (child, line)
}

/// Like [`serve_logged`], but returns every log line up to and including
/// the serving line.
pub fn serve_with_start_log(config: &Path) -> (Child, String) {
    let (child, log, _) = serve_logging(config, &[]);
    (child, log)
}

/// Starts `vapor serve`; returns it, its log until it serves, and the serving line.
fn serve_logging(config: &Path, env: &[(&str, &str)]) -> (Child, String, String) {
    let mut child = vapor()
        .args(["serve", "--config"])
        .arg(config)
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut line = String::new();
    let mut log = String::new();
    while !line.contains("vapor is serving") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "vapor exited before serving"
        );
        log.push_str(&line);
        assert!(Instant::now() < deadline, "vapor did not start");
    }
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    (child, log, line)
}

/// Sends `signal` and waits for the process to end; returns whether it exited successfully.
pub fn stop(child: &mut Child, signal: &str) -> bool {
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        assert!(Instant::now() < deadline, "vapor did not stop on {signal}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A running `vapor serve`, killed when dropped (also when a test fails).
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The API of a server on this port, called with a token.
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(port: u16, token: String) -> Api {
        Api {
            base: format!("http://127.0.0.1:{port}/api/v1"),
            token,
            http: reqwest::Client::new(),
        }
    }

    /// `method path` with a JSON body, if any: the status and the parsed
    /// body (`Null` when it is not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let reply = req.send().await.unwrap();
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }
}
