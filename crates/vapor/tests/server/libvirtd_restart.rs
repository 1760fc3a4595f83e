//! The service rides out a libvirtd restart: while libvirtd is down, requests
//! that need it are answered at once with 503 `BACKEND_UNAVAILABLE`; once it is
//! back, they succeed again without restarting Vapor. Runs only on
//! `VAPOR_TEST_BACKEND=qemu:///system` (it stops the host's libvirtd).

use std::process::Command;
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

#[test]
fn requests_fail_fast_while_libvirtd_is_down_and_recover_after() {
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
    for _ in 0..5 {
        let (status, body, elapsed) = get();
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["status"], "error", "{body}");
        assert_eq!(body["error"]["code"], "BACKEND_UNAVAILABLE", "{body}");
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
    drop(guard);
    assert!(stop(&mut child, "-TERM"), "vapor did not stop cleanly");
}
