//! The ISO library and resumable (TUS 1.0.0) uploads.

use base64::Engine;
use serde_json::json;
use vapor_conformance::{make_iso, sha256_hex, Reply, TestServer};

const MIB: usize = 1024 * 1024;

fn metadata(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k} {}",
                base64::engine::general_purpose::STANDARD.encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

async fn create_upload(server: &TestServer, length: usize, filename: &str) -> Reply {
    server
        .op("iso_upload_create")
        .header("Upload-Length", &length.to_string())
        .header(
            "Upload-Metadata",
            &metadata(&[("filename", filename), ("os_type", "linux")]),
        )
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
}

async fn patch(server: &TestServer, id: &str, offset: usize, chunk: &[u8]) -> Reply {
    server
        .op("iso_upload_patch")
        .path("upload_id", id)
        .header("Upload-Offset", &offset.to_string())
        .header("Tus-Resumable", "1.0.0")
        .raw("application/offset+octet-stream", chunk)
        .send()
        .await
}

async fn head_offset(server: &TestServer, id: &str) -> usize {
    let reply = server
        .op("iso_upload_head")
        .path("upload_id", id)
        .send()
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("tus-resumable"), Some("1.0.0"));
    reply.header("upload-offset").unwrap().parse().unwrap()
}

#[tokio::test]
async fn tus_discovery_needs_no_token() {
    let server = TestServer::start().await;
    let reply = server.op("iso_upload_options").token(None).send().await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("tus-version"), Some("1.0.0"));
    assert_eq!(reply.header("tus-resumable"), Some("1.0.0"));
    let extensions = reply.header("tus-extension").unwrap();
    for ext in ["creation", "termination", "expiration"] {
        assert!(extensions.contains(ext), "{extensions}");
    }
    assert!(
        reply
            .header("tus-max-size")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1 << 30
    );
}

#[tokio::test]
async fn an_upload_in_chunks_lands_byte_identical_and_boots_as_a_cdrom() {
    let server = TestServer::start().await;
    let name = format!("{}.iso", server.name("up"));
    let source = make_iso(server.dir(), &format!("src-{name}"), 12 * MIB);
    let data = std::fs::read(&source).unwrap();

    let created = create_upload(&server, data.len(), &name).await;
    let up = created.expect(201).clone();
    let id = up["upload_id"].as_str().unwrap().to_owned();
    let location = format!("/api/v1/virtualization/storages/isos/upload/{id}");
    assert_eq!(created.header("location"), Some(location.as_str()));
    assert_eq!(up["upload_url"], location.as_str());
    assert_eq!(created.header("upload-offset"), Some("0"));
    assert_eq!(up["status"], "created");
    assert_eq!(up["total_size_bytes"], data.len());
    assert_eq!(up["metadata"]["filename"], name.as_str());
    assert_eq!(up["metadata"]["os_type"], "linux");

    let chunk = 3 * MIB;
    let mut offset = 0;
    while offset < data.len() / 2 {
        let end = (offset + chunk).min(data.len());
        let reply = patch(&server, &id, offset, &data[offset..end]).await;
        assert_eq!(reply.status, 204, "{}", reply.body);
        assert_eq!(
            reply.header("upload-offset"),
            Some(end.to_string().as_str())
        );
        offset = end;
    }
    assert_eq!(head_offset(&server, &id).await, offset);

    // A chunk at the wrong offset, of the wrong type, or past the end changes nothing.
    patch(&server, &id, 0, b"again")
        .await
        .expect_error(409, "OFFSET_MISMATCH");
    let wrong_type = server
        .op("iso_upload_patch")
        .path("upload_id", &id)
        .header("Upload-Offset", &offset.to_string())
        .raw("application/octet-stream", b"x")
        .send()
        .await;
    wrong_type.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    let too_long = vec![0u8; data.len() - offset + 1];
    patch(&server, &id, offset, &too_long)
        .await
        .expect_error(400, "UPLOAD_TOO_LONG");
    let early = server
        .op("iso_upload_complete")
        .path("upload_id", &id)
        .send()
        .await;
    early.expect_error(400, "UPLOAD_NOT_COMPLETE");
    assert_eq!(head_offset(&server, &id).await, offset);
    let progress = server
        .op("iso_upload_get")
        .path("upload_id", &id)
        .send()
        .await;
    let progress = progress.expect(200);
    assert_eq!(progress["status"], "in_progress");
    assert_eq!(progress["uploaded_size_bytes"], offset);

    while offset < data.len() {
        let end = (offset + chunk).min(data.len());
        patch(&server, &id, offset, &data[offset..end])
            .await
            .expect(204);
        offset = end;
    }
    patch(&server, &id, offset, b"")
        .await
        .expect_error(409, "UPLOAD_ALREADY_COMPLETED");

    let done = server
        .op("iso_upload_complete")
        .path("upload_id", &id)
        .send()
        .await;
    let iso = done.expect(200).clone();
    assert_eq!(iso["name"], name.as_str());
    assert_eq!(iso["source"], "uploaded");
    assert_eq!(iso["size_bytes"], data.len());
    assert_eq!(iso["checksum"], sha256_hex(&source).as_str());
    let stored = std::path::PathBuf::from(iso["path"].as_str().unwrap());
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        data,
        "the stored image is byte-identical"
    );
    // Completing again gives the same image.
    let again = server
        .op("iso_upload_complete")
        .path("upload_id", &id)
        .send()
        .await;
    assert_eq!(again.expect(200)["id"], iso["id"]);

    let list = server.op("iso_list").send().await;
    let list = list.expect(200);
    let matching: Vec<_> = list["isos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["name"] == name.as_str())
        .collect();
    assert_eq!(matching.len(), 1, "listed once: {list}");
    assert_eq!(
        list["count"].as_u64().unwrap() as usize,
        list["isos"].as_array().unwrap().len()
    );
    if server.backend == vapor_conformance::Backend::LibvirtQemu {
        // The library directory is a libvirt pool, rescanned after the upload:
        // the image is a volume there. (The test driver's and the mock's pools
        // are not backed by the file system.)
        let pool = server.name("isos");
        let volumes = server.op("volume_list").path("name", &pool).send().await;
        let volumes = volumes.expect(200);
        let vol = volumes["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name.as_str())
            .cloned();
        let vol = vol.unwrap_or_else(|| panic!("{name} is a volume of {pool}: {volumes}"));
        assert_eq!(vol["capacity_bytes"], data.len());
        assert_eq!(vol["path"], iso["path"]);
    }
    let uploads = server.op("iso_upload_list").send().await;
    let uploads = uploads.expect(200);
    assert!(uploads["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["upload_id"] == id.as_str() && u["status"] == "completed"));

    // A VM takes the image by name as its cdrom and boots with it.
    let vm_name = server.name("cd");
    let vm = server
        .op("vm_create")
        .json(json!({"name": vm_name, "memory": 128, "vcpus": 1, "iso_path": name, "graphics": [{"type": "none"}]}))
        .send()
        .await;
    let vm = vm.expect(201)["vm"].clone();
    let cdrom = vm["disks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device"] == "cdrom")
        .unwrap()
        .clone();
    assert_eq!(cdrom["path"], stored.to_str().unwrap());
    let started = server
        .op("vm_action")
        .path("id", &vm_name)
        .json(json!({"action": "start"}))
        .send()
        .await;
    assert_eq!(started.expect(200)["vm"]["state"], "running");
    let in_use = server
        .op("iso_delete")
        .path("iso_id", iso["id"].as_str().unwrap())
        .send()
        .await;
    in_use.expect_error(409, "ISO_IN_USE");
    server
        .op("vm_delete")
        .path("id", &vm_name)
        .send()
        .await
        .expect(204);
    server
        .op("iso_delete")
        .path("iso_id", &name)
        .send()
        .await
        .expect(204);
    assert!(
        !stored.exists(),
        "the library file is removed with the image"
    );
    server
        .op("iso_delete")
        .path("iso_id", &name)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn data_that_is_not_an_iso_is_refused_and_kept() {
    let server = TestServer::start().await;
    let data = vec![7u8; 40_000];
    let up = create_upload(&server, data.len(), "notreally.iso").await;
    let id = up.expect(201)["upload_id"].as_str().unwrap().to_owned();
    patch(&server, &id, 0, &data).await.expect(204);
    let reply = server
        .op("iso_upload_complete")
        .path("upload_id", &id)
        .send()
        .await;
    reply.expect_error(400, "NOT_AN_ISO");
    let state = server
        .op("iso_upload_get")
        .path("upload_id", &id)
        .send()
        .await;
    assert_eq!(state.expect(200)["status"], "failed");
    let staged = server.dir().join("uploads").join(format!("{id}.part"));
    assert_eq!(
        std::fs::read(&staged).unwrap(),
        data,
        "kept for inspection until it expires"
    );
    let list = server.op("iso_list").send().await;
    assert_eq!(list.expect(200)["count"], 0);
    // Cancelling removes it.
    let cancelled = server
        .op("iso_upload_cancel")
        .path("upload_id", &id)
        .send()
        .await;
    assert_eq!(cancelled.expect(200)["status"], "cancelled");
    assert!(!staged.exists());
}

#[tokio::test]
async fn upload_requests_are_checked() {
    let server = TestServer::start().await;
    let no_length = server
        .op("iso_upload_create")
        .header("Upload-Metadata", &metadata(&[("filename", "a.iso")]))
        .send()
        .await;
    no_length.expect_error(400, "VALIDATION_ERROR");
    create_upload(&server, 0, "a.iso")
        .await
        .expect_error(400, "VALIDATION_ERROR");
    create_upload(&server, 11 << 30, "a.iso")
        .await
        .expect_error(413, "FILE_TOO_LARGE");
    create_upload(&server, 10, "a.img")
        .await
        .expect_error(400, "UNSUPPORTED_FILE_TYPE");
    create_upload(&server, 10, "../../etc/a.iso")
        .await
        .expect_error(400, "UNSUPPORTED_FILE_TYPE");
    let no_name = server
        .op("iso_upload_create")
        .header("Upload-Length", "10")
        .send()
        .await;
    no_name.expect_error(400, "MISSING_FILENAME");
    let bad_b64 = server
        .op("iso_upload_create")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", "filename %%%")
        .send()
        .await;
    bad_b64.expect_error(400, "INVALID_METADATA");
    let old_tus = server
        .op("iso_upload_create")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", &metadata(&[("filename", "a.iso")]))
        .header("Tus-Resumable", "0.2.2")
        .send()
        .await;
    old_tus.expect_error(400, "UNSUPPORTED_TUS_VERSION");

    let missing = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        server
            .op("iso_upload_head")
            .path("upload_id", missing)
            .send()
            .await
            .status,
        404
    );
    patch(&server, missing, 0, b"x")
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("iso_upload_get")
        .path("upload_id", missing)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("iso_upload_cancel")
        .path("upload_id", missing)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");
    server
        .op("iso_upload_complete")
        .path("upload_id", missing)
        .send()
        .await
        .expect_error(404, "NOT_FOUND");

    // A cancelled upload is gone.
    let up = create_upload(&server, 10, "gone.iso").await;
    let id = up.expect(201)["upload_id"].as_str().unwrap().to_owned();
    server
        .op("iso_upload_cancel")
        .path("upload_id", &id)
        .send()
        .await
        .expect(200);
    patch(&server, &id, 0, b"0123456789")
        .await
        .expect_error(410, "UPLOAD_CANCELLED");
    assert_eq!(
        server
            .op("iso_upload_head")
            .path("upload_id", &id)
            .send()
            .await
            .status,
        410
    );
}

#[tokio::test]
async fn unfinished_uploads_expire_and_their_data_is_removed() {
    let server = TestServer::start_with(|c| c.upload_ttl_hours = 0).await;
    let up = create_upload(&server, 100, "late.iso").await;
    let id = up.expect(201)["upload_id"].as_str().unwrap().to_owned();
    let staged = server.dir().join("uploads").join(format!("{id}.part"));
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    patch(&server, &id, 0, &[1u8; 100])
        .await
        .expect_error(410, "UPLOAD_EXPIRED");
    assert!(!staged.exists(), "expired data is removed");
    let state = server
        .op("iso_upload_get")
        .path("upload_id", &id)
        .send()
        .await;
    assert_eq!(state.expect(200)["status"], "expired");
}

#[tokio::test]
async fn images_on_disk_and_registered_files_are_listed_once() {
    let server = TestServer::start().await;
    let lib = server.dir().join("isos");
    std::fs::create_dir_all(&lib).unwrap();
    make_iso(&lib, "dropped.iso", 64 * 1024);
    let outside = make_iso(server.dir(), "outside.iso", 64 * 1024);

    let reply = server
        .op("iso_register")
        .json(json!({"path": outside, "name": "outside.iso", "description": "kept where it is", "os_type": "linux"}))
        .send()
        .await;
    let registered = reply.expect(201).clone();
    assert_eq!(registered["source"], "registered");
    assert_eq!(registered["checksum"], sha256_hex(&outside).as_str());
    assert_eq!(registered["description"], "kept where it is");
    let dup = server
        .op("iso_register")
        .json(json!({"path": outside, "name": "outside.iso"}))
        .send()
        .await;
    dup.expect_error(409, "ALREADY_EXISTS");
    let rel = server
        .op("iso_register")
        .json(json!({"path": "outside.iso"}))
        .send()
        .await;
    rel.expect_error(400, "VALIDATION_ERROR");
    let missing = server
        .op("iso_register")
        .json(json!({"path": "/nonexistent/x.iso"}))
        .send()
        .await;
    missing.expect_error(404, "NOT_FOUND");
    let text = server.dir().join("text.iso");
    std::fs::write(&text, "hello").unwrap();
    let not_iso = server
        .op("iso_register")
        .json(json!({"path": text}))
        .send()
        .await;
    not_iso.expect_error(400, "NOT_AN_ISO");

    for _ in 0..2 {
        let list = server.op("iso_list").send().await;
        let list = list.expect(200);
        let mut names: Vec<_> = list["isos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["dropped.iso", "outside.iso"]);
        let dropped = list["isos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == "dropped.iso")
            .unwrap();
        assert_eq!(dropped["source"], "system");
    }
    // Forgetting a registered file outside the library leaves the file alone.
    server
        .op("iso_delete")
        .path("iso_id", registered["id"].as_str().unwrap())
        .send()
        .await
        .expect(204);
    assert!(outside.exists());
    // A file removed behind Vapor's back leaves the list.
    std::fs::remove_file(lib.join("dropped.iso")).unwrap();
    assert_eq!(server.op("iso_list").send().await.expect(200)["count"], 0);
}
