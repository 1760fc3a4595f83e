//! An ISO upload survives a SIGKILL of the service between chunks: after a
//! restart, HEAD reports the committed offset and the finished image is
//! byte-identical to the source.

mod common;

use base64::Engine;
use common::{create_token, free_port, serve, stop, write_config};

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
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
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
    });
    assert!(stop(&mut server, "-TERM"));
}
