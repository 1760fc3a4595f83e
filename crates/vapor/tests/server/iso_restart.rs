//! An ISO upload survives a SIGKILL of the service between chunks and in the
//! middle of one: after a restart, HEAD reports an offset the stored bytes
//! hold, the finished image is byte-identical to the source, and a VM boots
//! with it as its cdrom. Runs on the backend `VAPOR_TEST_BACKEND` names (the
//! mock by default).

use crate::common::{backend_uri, create_token, free_port, serve, stop, write_config_for};
use base64::Engine;

const MIB: usize = 1024 * 1024;
const CHUNK: usize = 8 * MIB;

/// 64 MiB of pseudo-random bytes carrying the ISO 9660 signature.
fn image() -> Vec<u8> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut data: Vec<u8> = (0..64 * MIB)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    data[0x8000..0x8006].copy_from_slice(b"\x01CD001");
    data
}

/// Removes the test's VM from libvirt even when the test fails half-way.
struct VmGuard {
    uri: String,
    name: String,
}

impl Drop for VmGuard {
    fn drop(&mut self) {
        if self.uri.starts_with("mock:") {
            return;
        }
        for args in [vec!["destroy", &self.name], vec!["undefine", &self.name]] {
            let _ = std::process::Command::new("virsh")
                .args(["-c", &self.uri])
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

fn sha256_hex(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn an_upload_resumes_after_the_service_is_killed() {
    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let uri = backend_uri();
    let config = write_config_for(dir.path(), port, &uri);
    let vm = VmGuard {
        uri: uri.clone(),
        name: format!("vapor-rt-{}", std::process::id()),
    };
    let token = create_token(&config);
    let data = image();
    let source = dir.path().join("source.iso");
    std::fs::write(&source, &data).unwrap();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let patch = |id: &str, offset: usize| {
        http.patch(format!("{base}/virtualization/storages/isos/upload/{id}"))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(data[offset..(offset + CHUNK).min(data.len())].to_vec())
            .send()
    };

    let mut server = serve(&config);
    let id = rt.block_on(async {
        let filename = base64::engine::general_purpose::STANDARD.encode("restart.iso");
        let created = http
            .post(format!("{base}/virtualization/storages/isos/upload"))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", data.len().to_string())
            .header("Upload-Metadata", format!("filename {filename}"))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let body: serde_json::Value = created.json().await.unwrap();
        let id = body["data"]["upload_id"].as_str().unwrap().to_owned();
        for i in 0..3 {
            let reply = patch(&id, i * CHUNK).await.unwrap();
            assert_eq!(reply.status(), 204);
        }
        id
    });

    // No graceful shutdown: the process is killed between chunks.
    stop(&mut server, "-KILL");
    let mut server = serve(&config);
    rt.block_on(async {
        let head = http
            .head(format!("{base}/virtualization/storages/isos/upload/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), 200);
        let offset: usize = head.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            offset,
            3 * CHUNK,
            "the committed offset survives the restart"
        );
        let mut offset = offset;
        while offset < data.len() {
            let reply = patch(&id, offset).await.unwrap();
            assert_eq!(reply.status(), 204);
            offset = reply.headers()["upload-offset"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
        }
        let done = http
            .post(format!(
                "{base}/virtualization/storages/isos/upload/{id}/complete"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 200);
        let iso: serde_json::Value = done.json().await.unwrap();
        let stored = std::path::PathBuf::from(iso["data"]["path"].as_str().unwrap());
        assert_eq!(iso["data"]["checksum"], sha256_hex(&source).as_str());
        assert_eq!(
            sha256_hex(&stored),
            sha256_hex(&source),
            "byte-identical after the restart"
        );
        let list: serde_json::Value = http
            .get(format!("{base}/virtualization/storages/isos"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["data"]["count"], 1, "listed once: {list}");

        // A VM boots with the image as its cdrom.
        let created = http
            .post(format!("{base}/virtualization/virtualmachines"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "name": vm.name, "memory": 128, "vcpus": 1, "iso_path": "restart.iso",
                "graphics": [{"type": "none"}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let created: serde_json::Value = created.json().await.unwrap();
        let disks = created["data"]["vm"]["disks"].as_array().unwrap().clone();
        assert!(
            disks
                .iter()
                .any(|d| d["device"] == "cdrom" && d["path"] == stored.to_str().unwrap()),
            "{disks:?}"
        );
        let started: serde_json::Value = http
            .post(format!(
                "{base}/virtualization/virtualmachines/{}/action",
                vm.name
            ))
            .bearer_auth(&token)
            .json(&serde_json::json!({"action": "start"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(started["data"]["vm"]["state"], "running", "{started}");
        let deleted = http
            .delete(format!("{base}/virtualization/virtualmachines/{}", vm.name))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), 204);
    });
    assert!(stop(&mut server, "-TERM"));
}

/// Every file under `dir` with its size.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else if let Ok(meta) = entry.metadata() {
            found.push((path, meta.len()));
        }
    }
    found
}

#[test]
fn an_upload_killed_inside_a_chunk_resumes_from_what_was_stored() {
    use std::io::Write;

    let _libvirtd = crate::common::shares_libvirtd();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config_for(dir.path(), port, &backend_uri());
    let token = create_token(&config);
    let data = image();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();

    let mut server = serve(&config);
    let id = rt.block_on(async {
        let filename = base64::engine::general_purpose::STANDARD.encode("midchunk.iso");
        let created = http
            .post(format!("{base}/virtualization/storages/isos/upload"))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", data.len().to_string())
            .header("Upload-Metadata", format!("filename {filename}"))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let body: serde_json::Value = created.json().await.unwrap();
        let id = body["data"]["upload_id"].as_str().unwrap().to_owned();
        let first = http
            .patch(format!("{base}/virtualization/storages/isos/upload/{id}"))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .body(data[..CHUNK].to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), 204);
        id
    });

    // The second chunk's request announces 8 MiB and sends 5 MiB of it; the
    // service is killed while it waits for the rest.
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "PATCH /api/v1/virtualization/storages/isos/upload/{id} HTTP/1.1\r\n\
         Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {CHUNK}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {CHUNK}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).unwrap();
    socket.write_all(&data[CHUNK..CHUNK + 5 * MIB]).unwrap();
    socket.flush().unwrap();
    // Let the service take in what was sent.
    std::thread::sleep(std::time::Duration::from_millis(500));
    stop(&mut server, "-KILL");
    drop(socket);

    let mut server = serve(&config);
    rt.block_on(async {
        let head = http
            .head(format!("{base}/virtualization/storages/isos/upload/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), 200);
        let offset: usize = head.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (CHUNK..=CHUNK + 5 * MIB).contains(&offset),
            "the offset is the first chunk or more of what was sent, never beyond: {offset}"
        );
        // No stored file holds more than the reported offset, so nothing
        // beyond it can end up in the image.
        for (path, len) in files_under(&dir.path().join("uploads")) {
            assert!(
                len as usize <= offset,
                "{} holds {len} bytes, beyond the offset {offset}",
                path.display()
            );
        }
        let mut offset = offset;
        while offset < data.len() {
            let reply = http
                .patch(format!("{base}/virtualization/storages/isos/upload/{id}"))
                .bearer_auth(&token)
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Offset", offset.to_string())
                .header("Content-Type", "application/offset+octet-stream")
                .body(data[offset..(offset + CHUNK).min(data.len())].to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 204);
            offset = reply.headers()["upload-offset"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
        }
        let done = http
            .post(format!(
                "{base}/virtualization/storages/isos/upload/{id}/complete"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 200);
        let iso: serde_json::Value = done.json().await.unwrap();
        let source = dir.path().join("source.iso");
        std::fs::write(&source, &data).unwrap();
        assert_eq!(iso["data"]["checksum"], sha256_hex(&source).as_str());
        let stored = std::path::PathBuf::from(iso["data"]["path"].as_str().unwrap());
        assert_eq!(sha256_hex(&stored), sha256_hex(&source));
        let deleted = http
            .delete(format!("{base}/virtualization/storages/isos/midchunk.iso"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(deleted.status().is_success(), "{}", deleted.status());
    });
    assert!(stop(&mut server, "-TERM"));
}
