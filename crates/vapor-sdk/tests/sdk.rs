//! The SDK against a live `vapor` server on the mock backend.
//!
//! The server is the workspace's `vapor` binary, found in the target directory
//! this test runs from (`cargo build -p vapor` first when testing this crate
//! alone), with its state in a temporary directory.

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vapor_sdk::vapor_client::apis::{isos_api, virtual_machines_api};
use vapor_sdk::vapor_client::models::{
    OperationStatus, VmCloneRequest, VmCreateRequest, VmCreated,
};
use vapor_sdk::{
    create_with_idempotency_key, new_idempotency_key, resume_upload, upload_iso,
    wait_for_operation, Client, Error, RetryPolicy,
};

const MIB: usize = 1 << 20;

/// `target/<profile>/vapor`: this test runs as `target/<profile>/deps/sdk-HASH`.
fn vapor_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join(format!("vapor{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build the server first (cargo build -p vapor)",
        path.display()
    );
    path
}

fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "sdk-{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A running `vapor serve` on the mock backend; stopped when dropped.
struct Server {
    _dir: tempfile::TempDir,
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
                 [libvirt]\nuri = mock:///default\n\n[storage]\niso_dir = {isos}\niso_pool =\n\
                 upload_dir = {uploads}\nbackup_dir = {backups}\nmax_chunk_bytes = 8388608\n",
                db = d.join("state/vapor.db").display(),
                isos = d.join("isos").display(),
                uploads = d.join("uploads").display(),
                backups = d.join("backups").display(),
            ),
        )
        .unwrap();
        let out = Command::new(vapor_binary())
            .args(["token", "create", "sdk", "--config"])
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
        Server {
            url: format!("http://127.0.0.1:{port}"),
            token,
            child,
            _dir: dir,
        }
    }

    fn client(&self) -> Client {
        Client::new(&self.url, self.token.clone()).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn vm_names(client: &Client) -> Vec<String> {
    virtual_machines_api::vm_list(client.config(), None, None, None, None)
        .await
        .unwrap()
        .data
        .vms
        .into_iter()
        .map(|vm| vm.name)
        .collect()
}

#[tokio::test]
async fn lists_vms_through_the_generated_client() {
    let server = Server::start();
    let client = server.client();
    let name = unique("list");
    virtual_machines_api::vm_create(
        client.config(),
        VmCreateRequest::new(name.clone(), 128, 1),
        None,
    )
    .await
    .unwrap();
    assert!(vm_names(&client).await.contains(&name));

    // Errors of generated functions convert, keeping the API's code.
    let missing = virtual_machines_api::vm_get(client.config(), "sdk-no-such-vm")
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(missing.status(), Some(404), "{missing}");
    assert!(!missing.code().unwrap().is_empty(), "{missing}");

    let wrong_token = Client::new(&server.url, "vapor_wrong").unwrap();
    let refused = virtual_machines_api::vm_list(wrong_token.config(), None, None, None, None)
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(refused.status(), Some(401), "{refused}");
}

#[tokio::test]
async fn a_create_with_the_same_key_twice_makes_one_vm() {
    let server = Server::start();
    let client = server.client();
    let name = unique("idem");
    let mut body = VmCreateRequest::new(name.clone(), 128, 1);
    body.disk_size = Some(1);
    let key = new_idempotency_key();
    let path = "virtualization/virtualmachines";

    let first: VmCreated = create_with_idempotency_key(&client, path, &key, &body)
        .await
        .unwrap();
    assert_eq!(first.vm.name, name);

    // The server recognises the second request as the first one and answers
    // with the same VM instead of making another.
    let second: VmCreated = create_with_idempotency_key(&client, path, &key, &body)
        .await
        .unwrap();
    assert_eq!(second.vm.uuid, first.vm.uuid);
    // The same name under a new key is a new create: the name is taken, and
    // a 409 other than IDEMPOTENCY_KEY_IN_USE is not retried.
    let taken =
        create_with_idempotency_key::<VmCreated, _>(&client, path, &new_idempotency_key(), &body)
            .await
            .unwrap_err();
    assert_eq!(taken.status(), Some(409), "{taken}");
    assert_ne!(taken.code(), Some("IDEMPOTENCY_KEY_IN_USE"), "{taken}");
    let names = vm_names(&client).await;
    assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{names:?}");
    let vm = virtual_machines_api::vm_get(client.config(), &name)
        .await
        .unwrap()
        .data;
    assert_eq!(vm.uuid, first.vm.uuid);
}

/// What the fake server received: (Idempotency-Key, body) per request.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A server that answers each connection with the next of `answers`
/// (status, body) and records what it was sent. Status 0 hangs up after
/// reading the request; status 1 holds the connection open without
/// answering, for longer than any test's client waits.
async fn fake_server(answers: Vec<(u16, &'static str)>) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        for (status, body) in answers {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let (head_end, length) = loop {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the client closed before its request was complete");
                data.extend_from_slice(&buf[..n]);
                if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map(|v| v.trim().parse::<usize>().unwrap())
                        .unwrap_or(0);
                    break (end + 4, length);
                }
            };
            while data.len() < head_end + length {
                let n = socket.read(&mut buf).await.unwrap();
                data.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&data[..head_end]).to_string();
            let key = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("idempotency-key")
                        .then(|| value.trim().to_owned())
                })
                .unwrap_or_default();
            record
                .lock()
                .unwrap()
                .push((key, data[head_end..head_end + length].to_vec()));
            if status == 0 {
                // Hang up without answering: the request may have been acted on.
                continue;
            }
            if status == 1 {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    drop(socket);
                });
                continue;
            }
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(reply.as_bytes()).await.unwrap();
            let _ = socket.shutdown().await;
        }
    });
    (url, seen)
}

fn fast_retries(url: &str) -> Client {
    Client::new(url, "t")
        .unwrap()
        .with_retry_policy(RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
        })
}

#[tokio::test]
async fn a_5xx_is_retried_with_the_same_key_and_body() {
    let unavailable = r#"{"status":"error","data":null,"error":{"code":"HYPERVISOR_UNAVAILABLE","message":"down"}}"#;
    let created = r#"{"status":"success","data":{"id":"x1"},"error":null}"#;
    let (url, seen) =
        fake_server(vec![(503, unavailable), (500, unavailable), (201, created)]).await;
    let client = fast_retries(&url);
    let body = serde_json::json!({"name": "a", "memory": 128});
    let data: serde_json::Value = create_with_idempotency_key(&client, "things", "k-1", &body)
        .await
        .unwrap();
    assert_eq!(data["id"], "x1");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for (key, sent) in seen.iter() {
        assert_eq!(key, "k-1");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(sent).unwrap(),
            body
        );
    }
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_retries_end() {
    let conflict =
        r#"{"status":"error","data":null,"error":{"code":"VM_EXISTS","message":"taken"}}"#;
    let (url, seen) = fake_server(vec![(409, conflict)]).await;
    let err = create_with_idempotency_key::<serde_json::Value, _>(
        &fast_retries(&url),
        "things",
        "k-2",
        &serde_json::json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("VM_EXISTS"));
    assert_eq!(seen.lock().unwrap().len(), 1);

    let failing = r#"{"status":"error","data":null,"error":{"code":"INTERNAL","message":"no"}}"#;
    let (url, seen) = fake_server(vec![(500, failing); 3]).await;
    let err = create_with_idempotency_key::<serde_json::Value, _>(
        &fast_retries(&url),
        "things",
        "k-3",
        &serde_json::json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(seen.lock().unwrap().len(), 3);

    // The answer is lost on every try: the last loss is reported.
    let (url, seen) = fake_server(vec![(0, ""); 3]).await;
    let err = create_with_idempotency_key::<serde_json::Value, _>(
        &fast_retries(&url),
        "things",
        "k-5",
        &serde_json::json!({}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::OutcomeUnknown { idempotency_key, .. } if idempotency_key == "k-5"),
        "{err:?}"
    );
    assert_eq!(seen.lock().unwrap().len(), 3);

    // Nothing listens: every try fails to connect, and the last error is returned.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = create_with_idempotency_key::<serde_json::Value, _>(
        &fast_retries(&format!("http://127.0.0.1:{port}")),
        "things",
        "k-4",
        &serde_json::json!({}),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn a_lost_answer_and_a_key_in_use_are_retried_with_the_same_key_and_body() {
    let in_use = r#"{"status":"error","data":null,"error":{"code":"IDEMPOTENCY_KEY_IN_USE","message":"busy"}}"#;
    let created = r#"{"status":"success","data":{"id":"x6"},"error":null}"#;
    // A hang-up after sending, a timeout, the first try still in progress,
    // then the reply.
    let (url, seen) = fake_server(vec![(0, ""), (1, ""), (409, in_use), (201, created)]).await;
    let client = Client::new(&url, "t")
        .unwrap()
        .with_http_client(
            reqwest::Client::builder()
                .timeout(Duration::from_millis(300))
                .build()
                .unwrap(),
        )
        .with_retry_policy(RetryPolicy {
            attempts: 4,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
        });
    let body = serde_json::json!({"name": "b"});
    let data: serde_json::Value = create_with_idempotency_key(&client, "things", "k-6", &body)
        .await
        .unwrap();
    assert_eq!(data["id"], "x6");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 4);
    for (key, sent) in seen.iter() {
        assert_eq!(key, "k-6");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(sent).unwrap(),
            body
        );
    }
}

#[tokio::test]
async fn waits_for_a_clone_with_progress() {
    let server = Server::start();
    let client = server.client();
    let name = unique("src");
    let mut request = VmCreateRequest::new(name.clone(), 128, 1);
    request.disk_size = Some(1);
    virtual_machines_api::vm_create(client.config(), request, None)
        .await
        .unwrap();
    let copy = unique("copy");
    let op = virtual_machines_api::vm_clone(
        client.config(),
        &name,
        VmCloneRequest::new(copy.clone()),
        None,
    )
    .await
    .unwrap()
    .data;

    let mut seen = Vec::new();
    let done = wait_for_operation(&client, &op.id, Duration::from_secs(60), |op| {
        seen.push(op.clone())
    })
    .await
    .unwrap();
    assert_eq!(done.status, OperationStatus::Succeeded);
    assert_eq!(done.kind, "vm_clone");
    assert_eq!(seen.last(), Some(&done), "the final state is reported");
    // Only changes are reported.
    assert!(seen.windows(2).all(|w| w[0] != w[1]));
    assert!(vm_names(&client).await.contains(&copy));

    // A finished operation is reported once, immediately.
    let mut calls = 0;
    wait_for_operation(&client, &op.id, Duration::from_secs(5), |_| calls += 1)
        .await
        .unwrap();
    assert_eq!(calls, 1);

    // An unknown operation is the API's 404.
    let err = wait_for_operation(&client, "no-such-op", Duration::from_secs(5), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

/// A file that passes the server's ISO check (`CD001` at byte 0x8001).
fn fake_iso(path: &Path, len: usize) -> Vec<u8> {
    let mut data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    data[0x8001..0x8006].copy_from_slice(b"CD001");
    std::fs::write(path, &data).unwrap();
    data
}

#[tokio::test]
async fn an_interrupted_upload_resumes_from_the_servers_offset() {
    let server = Server::start();
    let client = server.client().with_upload_chunk_size(MIB as u64);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.bin");
    let data = fake_iso(&file, 2 * MIB + 4321);
    let name = format!("{}.iso", unique("up"));

    // Stop once the first chunk is acknowledged.
    let mut offsets = Vec::new();
    let stopped = upload_iso(&client, &file, &name, |p| {
        offsets.push(p.offset);
        if p.offset > 0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await
    .unwrap_err();
    assert_eq!(offsets, [0, MIB as u64]);
    let Error::UploadStopped {
        upload_url,
        offset,
        cause: None,
    } = stopped
    else {
        panic!("{stopped:?}");
    };
    assert_eq!(offset, MIB as u64);
    assert!(upload_url.contains("/api/v1/"), "{upload_url}");

    // Resuming sends only the rest: the first report is the server's offset.
    let mut resumed = Vec::new();
    let iso = resume_upload(&client, &upload_url, &file, |p| {
        assert_eq!(p.total, data.len() as u64);
        resumed.push(p.offset);
        ControlFlow::Continue(())
    })
    .await
    .unwrap();
    assert_eq!(resumed, [MIB as u64, 2 * MIB as u64, data.len() as u64]);
    assert_eq!(iso.name, name);
    assert_eq!(iso.size_bytes, data.len() as i64);
    assert_eq!(std::fs::read(&iso.path).unwrap(), data);
    let listed = isos_api::iso_list(client.config()).await.unwrap().data;
    assert!(listed.isos.iter().any(|i| i.name == name));

    // Resuming a completed upload sends nothing and answers with the same
    // image (completing twice does); a file of another size is refused.
    let again = resume_upload(&client, &upload_url, &file, |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!(again.id, iso.id);
    let other = dir.path().join("other.bin");
    fake_iso(&other, 2 * MIB);
    let err = resume_upload(&client, &upload_url, &other, |_| ControlFlow::Continue(()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
}
