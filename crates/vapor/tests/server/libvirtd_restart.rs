//! The service rides out a libvirtd restart: while libvirtd is down, requests
//! that need it are answered at once with 503 `HYPERVISOR_UNAVAILABLE`; once it is
//! back, they succeed again without restarting Vapor. The event stream says
//! `hypervisor.disconnected` and `hypervisor.reconnected`, and carries VM
//! events again afterwards. Runs only on `VAPOR_TEST_BACKEND=qemu:///system`
//! (it stops the host's libvirtd).

use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{backend_uri, create_token, free_port, serve, stop, write_config_for};

/// The host's own libvirtd, from its pid file; `None` when it does not run.
/// (Other libvirt daemons, such as the private hosts of the migration test,
/// are left alone.)
fn system_libvirtd() -> Option<u32> {
    let pid: u32 = std::fs::read_to_string("/var/run/libvirtd.pid")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    (comm.trim() == "libvirtd").then_some(pid)
}

/// Starts libvirtd again when dropped, so that the tests after this one find
/// it running whether this one passed or failed.
struct LibvirtdGuard;

impl LibvirtdGuard {
    fn start() {
        if system_libvirtd().is_some() {
            return;
        }
        let _ = Command::new("libvirtd").arg("-d").status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let ok = Command::new("virsh")
                .args(["-c", "qemu:///system", "version"])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for LibvirtdGuard {
    fn drop(&mut self) {
        LibvirtdGuard::start();
    }
}

/// Follows `GET /events` on `rt`, sending each event's type and data.
fn follow_events(
    rt: &tokio::runtime::Runtime,
    url: String,
    token: String,
) -> mpsc::Receiver<(String, serde_json::Value)> {
    let (tx, rx) = mpsc::channel();
    rt.spawn(async move {
        let mut resp = reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim().to_owned())
                };
                if let (Some(kind), Some(data)) = (field("event:"), field("data:")) {
                    let data = serde_json::from_str(&data).unwrap_or_default();
                    if tx.send((kind, data)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// Waits for the first event of type `kind`.
fn wait_for(
    events: &mpsc::Receiver<(String, serde_json::Value)>,
    kind: &str,
    within: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok((k, data)) if k == kind => return data,
            Ok(_) => {}
            Err(e) => panic!("no {kind} event within {within:?}: {e}"),
        }
    }
}

#[test]
fn requests_fail_fast_while_libvirtd_is_down_and_recover_after() {
    let _libvirtd = crate::common::restarts_libvirtd();
    if backend_uri() != "qemu:///system" {
        eprintln!("skipped: stops libvirtd, so runs only with VAPOR_TEST_BACKEND=qemu:///system");
        return;
    }
    let pid = system_libvirtd().expect("libvirtd must run before the test");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config_for(dir.path(), port, "qemu:///system");
    let token = create_token(&config);
    let mut child = serve(&config);
    let list = format!("http://127.0.0.1:{port}/api/v1/virtualization/virtualmachines");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let fetch = |url: &str| {
        let started = Instant::now();
        rt.block_on(async {
            let reply = http.get(url).bearer_auth(&token).send().await.unwrap();
            let status = reply.status().as_u16();
            let body: serde_json::Value = reply.json().await.unwrap();
            (status, body, started.elapsed())
        })
    };
    let get = || fetch(&list);

    let (status, body, _) = get();
    assert_eq!(status, 200, "{body}");
    let events = follow_events(
        &rt,
        format!("http://127.0.0.1:{port}/api/v1/events?types=hypervisor.*,vm.defined"),
        token.clone(),
    );

    let guard = LibvirtdGuard;
    assert!(Command::new("kill")
        .arg(pid.to_string())
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while system_libvirtd().is_some() {
        assert!(Instant::now() < deadline, "libvirtd did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
    let lost = wait_for(&events, "hypervisor.disconnected", Duration::from_secs(10));
    assert!(
        !lost["message"].as_str().unwrap_or_default().is_empty(),
        "{lost}"
    );
    for _ in 0..5 {
        let (status, body, elapsed) = get();
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["status"], "error", "{body}");
        assert_eq!(body["error"]["code"], "HYPERVISOR_UNAVAILABLE", "{body}");
        assert!(
            elapsed < Duration::from_secs(5),
            "answered after {elapsed:?} while libvirtd was down"
        );
    }
    // The health check says so too, and answers at once.
    let (status, body, elapsed) = fetch(&format!("http://127.0.0.1:{port}/api/v1/health"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "degraded", "{body}");
    assert!(elapsed < Duration::from_secs(5), "health took {elapsed:?}");

    LibvirtdGuard::start();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body, _) = get();
        if status == 200 {
            assert_eq!(body["status"], "success", "{body}");
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(
            Instant::now() < deadline,
            "requests still fail 20 s after libvirtd came back: {body}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    wait_for(&events, "hypervisor.reconnected", Duration::from_secs(20));

    // Events flow from the new connection.
    let name = format!("vapor-rt-lv-{}", std::process::id());
    let vms = list.clone();
    let created = rt.block_on(async {
        let reply = http
            .post(&vms)
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": name, "memory": 64, "vcpus": 1}))
            .send()
            .await
            .unwrap();
        reply.status().as_u16()
    });
    assert_eq!(created, 201);
    let defined = wait_for(&events, "vm.defined", Duration::from_secs(10));
    assert_eq!(defined["vm"]["name"], name.as_str(), "{defined}");
    let deleted = rt.block_on(async {
        http.delete(format!("{vms}/{name}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(deleted, 204);
    drop(guard);
    assert!(stop(&mut child, "-TERM"), "vapor did not stop cleanly");
}

/// Sends SIGCONT to a stopped libvirtd when dropped, whether the test passed
/// or failed.
struct Resume(u32);

impl Drop for Resume {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.0.to_string()])
            .status();
    }
}

/// A libvirtd that hangs (here: stopped with SIGSTOP) instead of going away:
/// its socket stays open and nothing answers. Requests must still get their
/// 503 within seconds — keepalive gives up on the connection, and the reopen
/// gives up on a daemon that does not answer — and the service recovers by
/// itself once libvirtd runs again.
#[test]
fn a_hung_libvirtd_is_answered_with_503_within_seconds() {
    let _libvirtd = crate::common::restarts_libvirtd();
    if backend_uri() != "qemu:///system" {
        eprintln!("skipped: stops libvirtd, so runs only with VAPOR_TEST_BACKEND=qemu:///system");
        return;
    }
    let pid = system_libvirtd().expect("libvirtd must run before the test");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config_for(dir.path(), port, "qemu:///system");
    let token = create_token(&config);
    let mut child = serve(&config);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let url =
        format!("http://127.0.0.1:{port}/api/v1/virtualization/virtualmachines/vapor-no-such-vm");
    let get = || {
        let started = Instant::now();
        rt.block_on(async {
            let reply = http.get(&url).bearer_auth(&token).send().await.unwrap();
            let status = reply.status().as_u16();
            let body: serde_json::Value = reply.json().await.unwrap();
            (status, body, started.elapsed())
        })
    };
    let (status, body, _) = get();
    assert_eq!(status, 404, "{body}");

    let resume = Resume(pid);
    assert!(Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    // The first request waits for keepalive (about 6 s) and one bounded
    // open (3 s); the next ones are answered at once until a reopen works.
    let (status, body, first) = get();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "HYPERVISOR_UNAVAILABLE", "{body}");
    assert!(
        first < Duration::from_secs(20),
        "the first answer took {first:?}"
    );
    for _ in 0..5 {
        let (status, body, elapsed) = get();
        assert_eq!(status, 503, "{body}");
        assert!(
            elapsed < Duration::from_secs(5),
            "answered after {elapsed:?} while libvirtd hung"
        );
    }
    eprintln!("first answer while libvirtd hung: {first:?}");

    drop(resume);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body, _) = get();
        if status == 404 {
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(
            Instant::now() < deadline,
            "requests still fail 30 s after libvirtd resumed: {body}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(stop(&mut child, "-TERM"));
}
