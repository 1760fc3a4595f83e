//! The conformance harness: a real Vapor server on a loopback port, over the
//! backend named by `VAPOR_TEST_BACKEND`, and requests made by operation id.
//!
//! - `VAPOR_TEST_BACKEND=mock` (the default): the in-memory state machine.
//! - `VAPOR_TEST_BACKEND=test:///default`: libvirt's test driver, no daemon.
//! - `VAPOR_TEST_BACKEND=qemu:///system`: a real libvirtd with QEMU/KVM.
//!
//! Requests are built from `spec/vapor.yaml`: a test names an `operationId`
//! and the harness takes its method and path from the spec, so a test can only
//! call what the spec declares. Every VM a test makes is named with the
//! server's unique prefix, and dropping the server removes whatever is left.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;
use vapor_hypervisor::{Hypervisor, HypervisorErrorKind};

/// One operation of the spec.
#[derive(Debug, Clone)]
pub struct SpecOperation {
    pub id: String,
    pub method: String,
    pub path: String,
    /// False when the operation declares `security: []`.
    pub needs_token: bool,
}

pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/vapor.yaml")
}

/// Every operation in `spec/vapor.yaml`, by id.
pub fn spec_operations() -> &'static BTreeMap<String, SpecOperation> {
    static OPS: OnceLock<BTreeMap<String, SpecOperation>> = OnceLock::new();
    OPS.get_or_init(|| {
        let text = std::fs::read_to_string(spec_path()).expect("spec/vapor.yaml is readable");
        let spec: serde_yaml::Value = serde_yaml::from_str(&text).expect("spec/vapor.yaml is YAML");
        let global_security = spec
            .get("security")
            .and_then(|s| s.as_sequence())
            .is_some_and(|s| !s.is_empty());
        let mut ops = BTreeMap::new();
        for (path, item) in spec["paths"].as_mapping().expect("paths") {
            let path = path.as_str().expect("path");
            for (method, op) in item.as_mapping().expect("path item") {
                let method = method.as_str().expect("method");
                if method == "parameters" {
                    continue;
                }
                let id = op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                let needs_token = match op.get("security").and_then(|s| s.as_sequence()) {
                    Some(list) => !list.is_empty(),
                    None => global_security,
                };
                ops.insert(
                    id.to_owned(),
                    SpecOperation {
                        id: id.to_owned(),
                        method: method.to_uppercase(),
                        path: format!("/api/v1{path}"),
                        needs_token,
                    },
                );
            }
        }
        ops
    })
}

/// Which backend the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Mock,
    LibvirtTest,
    LibvirtQemu,
}

impl Backend {
    pub fn from_env() -> Backend {
        match std::env::var("VAPOR_TEST_BACKEND").as_deref() {
            Err(_) | Ok("") | Ok("mock") => Backend::Mock,
            Ok("test:///default") => Backend::LibvirtTest,
            Ok("qemu:///system") => Backend::LibvirtQemu,
            Ok(other) => panic!(
                "VAPOR_TEST_BACKEND must be mock, test:///default or qemu:///system, not {other}"
            ),
        }
    }

    pub fn uri(self) -> &'static str {
        match self {
            Backend::Mock => vapor::MOCK_URI,
            Backend::LibvirtTest => "test:///default",
            Backend::LibvirtQemu => "qemu:///system",
        }
    }
}

/// A reply: status and parsed JSON body (`Value::Null` when empty).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Reply {
    /// Asserts the status and, for errors, the envelope and its code. Returns `data`.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        if status == 204 {
            assert_eq!(self.body, Value::Null, "204 has no body");
            return &self.body;
        }
        assert_eq!(
            self.body["status"],
            if status < 400 { "success" } else { "error" },
            "envelope: {}",
            self.body
        );
        if status < 400 {
            assert_eq!(
                self.body["error"],
                Value::Null,
                "success has a null error: {}",
                self.body
            );
        } else {
            assert_eq!(
                self.body["data"],
                Value::Null,
                "error has null data: {}",
                self.body
            );
            assert!(
                self.body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{}",
                self.body
            );
        }
        &self.body["data"]
    }

    /// Asserts an error reply with this status and code.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) {
        self.expect(status);
        assert_eq!(
            self.body["error"]["code"], code,
            "error code; body: {}",
            self.body
        );
    }
}

/// A Vapor server for one test.
pub struct TestServer {
    pub backend: Backend,
    pub base_url: String,
    pub token: String,
    pub hypervisor: Arc<dyn Hypervisor>,
    /// The same backend as [`TestServer::hypervisor`] when it is the mock,
    /// for its test hooks (injected failures, the definitions it was given).
    pub mock: Option<Arc<vapor_mock::MockHypervisor>>,
    pub app: Arc<vapor_core::app::Vapor>,
    /// The configuration the server was built from.
    pub config: vapor::Config,
    prefix: String,
    http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
    dir: tempfile::TempDir,
}

/// A request to one operation, built from the spec.
pub struct OpRequest<'a> {
    server: &'a TestServer,
    op: &'a SpecOperation,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    raw_body: Option<(String, Vec<u8>)>,
    headers: Vec<(String, String)>,
    token: Option<String>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// A server whose configuration `adjust` changes first.
    pub async fn start_with(adjust: impl FnOnce(&mut vapor::Config)) -> TestServer {
        let backend = Backend::from_env();
        let dir = tempfile::tempdir().expect("tempdir");
        let prefix = format!(
            "vapor-ct-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut config = vapor::Config {
            host: "127.0.0.1".into(),
            port: 0,
            database_path: dir.path().join("vapor.db"),
            libvirt_uri: backend.uri().into(),
            iso_dir: dir.path().join("isos"),
            // Named with the prefix, so the pool sweep removes it.
            iso_pool: Some(format!("{prefix}-isos")),
            upload_dir: dir.path().join("uploads"),
            seed_dir: dir.path().join("seeds"),
            max_chunk_bytes: 8 * 1024 * 1024,
            // Tests attach images they make in this server's directory and
            // in temporary directories of their own.
            host_file_roots: vec![
                PathBuf::from(vapor::Config::default().default_pool_path),
                dir.path().to_path_buf(),
                std::env::temp_dir(),
            ],
            ..vapor::Config::default()
        };
        adjust(&mut config);
        let (hypervisor, mock): (Arc<dyn Hypervisor>, _) =
            if config.libvirt_enabled && config.libvirt_uri == vapor::MOCK_URI {
                let mock = Arc::new(vapor_mock::MockHypervisor::new());
                (mock.clone(), Some(mock))
            } else {
                (vapor::connect_backend(&config).expect("backend"), None)
            };
        let built_from = config.clone();
        let app = vapor::build(&config, hypervisor.clone()).expect("app");
        app.start_background_tasks();
        let token = vapor_core::auth::create_token(app.db(), "conformance").expect("token");
        let router = vapor::http::router(app.clone(), vapor::http::BodyLimits::from(&config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        TestServer {
            backend,
            base_url: format!("http://{addr}"),
            token,
            hypervisor,
            mock,
            app,
            config: built_from,
            prefix,
            http: reqwest::Client::new(),
            server,
            dir,
        }
    }

    /// The server's private directory (database, ISO library, uploads).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Creates another token with this name and scope; the server's own
    /// [`TestServer::token`] is an admin token called `conformance`.
    pub fn create_token(&self, name: &str, scope: vapor_core::auth::Scope) -> String {
        vapor_core::auth::create_token_with(self.app.db(), name, scope, None).expect("token")
    }

    /// A VM name unique to this server: removed when the server is dropped.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix)
    }

    /// A request to the operation with this `operationId`.
    pub fn op(&self, operation_id: &str) -> OpRequest<'_> {
        let op = spec_operations()
            .get(operation_id)
            .unwrap_or_else(|| panic!("no operation {operation_id} in spec/vapor.yaml"));
        OpRequest {
            server: self,
            op,
            path: op.path.clone(),
            query: Vec::new(),
            body: None,
            raw_body: None,
            headers: Vec::new(),
            token: Some(self.token.clone()),
        }
    }

    /// Polls an operation until it ends; returns its final JSON.
    pub async fn wait_operation(&self, id: &str, timeout: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let reply = self
                .op("operation_get")
                .path("operation_id", id)
                .send()
                .await;
            let op = reply.expect(200).clone();
            let status = op["status"].as_str().unwrap_or_default().to_owned();
            if matches!(status.as_str(), "succeeded" | "failed" | "cancelled") {
                return op;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "operation {id} still {status} after {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Removes every domain this server's tests made, with the volumes Vapor created for them.
    fn cleanup(&self) {
        let Ok(domains) = self.hypervisor.list_domains() else {
            return;
        };
        for d in domains
            .into_iter()
            .filter(|d| d.name.starts_with(&self.prefix))
        {
            if let Err(e) = self.hypervisor.undefine_domain(&d.uuid) {
                eprintln!("cleanup: could not remove {}: {e}", d.name);
            }
            for path in &d.metadata.owned_volumes {
                match self.hypervisor.delete_volume_by_path(path) {
                    Ok(()) => {}
                    Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                    Err(e) => eprintln!("cleanup: could not delete {path}: {e}"),
                }
            }
        }
    }
}

impl TestServer {
    /// Stops and undefines every storage pool this server's tests made. Their
    /// volumes are left alone: tests put pools in temporary directories,
    /// which remove the files.
    fn cleanup_pools(&self) {
        let Ok(pools) = self.hypervisor.list_pools() else {
            return;
        };
        for p in pools.iter().filter(|p| p.name.starts_with(&self.prefix)) {
            match self.hypervisor.undefine_pool(&p.name) {
                Ok(()) => {}
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                Err(e) => eprintln!("cleanup: could not remove pool {}: {e}", p.name),
            }
        }
    }
}

impl TestServer {
    /// Stops and removes every network this server's tests made. Runs after
    /// the domains are gone, so no VM still uses one.
    fn cleanup_networks(&self) {
        let Ok(networks) = self.hypervisor.list_networks() else {
            return;
        };
        for n in networks
            .into_iter()
            .filter(|n| n.name.starts_with(&self.prefix))
        {
            if n.active {
                if let Err(e) = self.hypervisor.stop_network(&n.name) {
                    eprintln!("cleanup: could not stop network {}: {e}", n.name);
                }
            }
            match self.hypervisor.undefine_network(&n.name) {
                Ok(()) => {}
                Err(e) if e.kind == HypervisorErrorKind::NotFound => {}
                Err(e) => eprintln!("cleanup: could not remove network {}: {e}", n.name),
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.abort();
        self.cleanup();
        self.cleanup_networks();
        self.cleanup_pools();
    }
}

impl<'a> OpRequest<'a> {
    /// Fills the path parameter `{name}`.
    pub fn path(mut self, name: &str, value: &str) -> Self {
        let placeholder = format!("{{{name}}}");
        assert!(
            self.path.contains(&placeholder),
            "{} has no parameter {name}",
            self.op.path
        );
        self.path = self.path.replace(&placeholder, value);
        self
    }

    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// A body sent as is, with this content type.
    pub fn raw(mut self, content_type: &str, body: &[u8]) -> Self {
        self.raw_body = Some((content_type.to_owned(), body.to_vec()));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends no `Authorization` header, or the given one.
    pub fn token(mut self, token: Option<&str>) -> Self {
        self.token = token.map(str::to_owned);
        self
    }

    /// Every path parameter still unfilled is given a placeholder value.
    pub fn fill_path_params(mut self) -> Self {
        while let Some(start) = self.path.find('{') {
            let end = self.path[start..]
                .find('}')
                .map(|e| start + e)
                .expect("closing brace");
            let name = &self.path[start + 1..end];
            let value = if name == "template_id" {
                "1"
            } else {
                "no-such-object"
            };
            self.path = format!("{}{}{}", &self.path[..start], value, &self.path[end + 1..]);
        }
        self
    }

    /// Sends the request and returns the response as it comes, for a body
    /// that is not JSON (text, a stream of events).
    pub async fn send_raw(self) -> reqwest::Response {
        self.builder()
            .send()
            .await
            .expect("request reaches the server")
    }

    fn builder(&self) -> reqwest::RequestBuilder {
        assert!(
            !self.path.contains('{'),
            "unfilled path parameter in {}",
            self.path
        );
        let method = reqwest::Method::from_bytes(self.op.method.as_bytes()).expect("method");
        let mut req = self
            .server
            .http
            .request(method, format!("{}{}", self.server.base_url, self.path))
            .query(&self.query);
        for (name, value) in &self.headers {
            req = req.header(name, value);
        }
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = &self.body {
            req = req.json(body);
        }
        if let Some((content_type, bytes)) = &self.raw_body {
            req = req.header("content-type", content_type).body(bytes.clone());
        }
        req
    }

    pub async fn send(self) -> Reply {
        let resp = self
            .builder()
            .send()
            .await
            .expect("request reaches the server");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{} {} answered {status} with non-JSON {:?}: {e}",
                    self.op.method,
                    self.path,
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            body,
        }
    }
}

/// One Server-Sent Event: its id, name and data.
#[derive(Debug, Clone)]
pub struct SseEvent {
    /// The `id:` line, when the event has one.
    pub id: Option<String>,
    /// The `event:` line (`message` without one).
    pub event: String,
    pub data: String,
}

/// Reads a `text/event-stream` response event by event; comments
/// (keepalives) are skipped.
pub struct SseReader {
    resp: reqwest::Response,
    buffer: String,
}

impl SseReader {
    pub fn new(resp: reqwest::Response) -> Self {
        SseReader {
            resp,
            buffer: String::new(),
        }
    }

    /// The next event, `None` once the stream has ended. Panics after
    /// `timeout` without one.
    pub async fn next(&mut self, timeout: Duration) -> Option<SseEvent> {
        self.next_within(timeout)
            .await
            .unwrap_or_else(|| panic!("no event within {timeout:?}"))
    }

    /// The next event; `Some(None)` once the stream has ended, `None` when
    /// nothing came within `timeout`. After `None` the reader is still usable.
    pub async fn next_within(&mut self, timeout: Duration) -> Option<Option<SseEvent>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent {
                    id: None,
                    event: "message".into(),
                    data: String::new(),
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event.event = v.trim_start().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        event.data.push_str(v.trim_start());
                    } else if let Some(v) = line.strip_prefix("id:") {
                        event.id = Some(v.trim_start().to_owned());
                    }
                }
                // A comment (keepalive) carries no event.
                if event.data.is_empty() && event.event == "message" {
                    continue;
                }
                return Some(Some(event));
            }
            let chunk = match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Ok(chunk) => chunk.expect("the stream reads"),
                Err(_) => return None,
            };
            match chunk {
                Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                None => return Some(None),
            }
        }
    }
}

/// Builds an ISO 9660 image with Debian's `xorriso`, holding one file of
/// `payload_bytes` pseudo-random bytes. Returns its path.
pub fn make_iso(dir: &std::path::Path, name: &str, payload_bytes: usize) -> PathBuf {
    let src = dir.join(format!("{name}.src"));
    std::fs::create_dir_all(&src).expect("iso source dir");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15 ^ payload_bytes as u64;
    let payload: Vec<u8> = (0..payload_bytes)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    std::fs::write(src.join("payload.bin"), payload).expect("payload");
    let iso = dir.join(name);
    let status = std::process::Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-V", "VAPORTEST", "-o"])
        .arg(&iso)
        .arg(&src)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("xorriso runs (scripts/install-libvirt.sh installs it)");
    assert!(status.success(), "xorriso failed");
    iso
}

/// SHA-256 of a file, in hex.
pub fn sha256_hex(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}
