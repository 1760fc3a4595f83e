//! Host files given to VMs (existing disks, `iso_path`, hot-plugged disk
//! sources, registered ISOs) are resolved and confined to the host file
//! roots: `[storage] host_file_roots` and the ISO library's directory. The
//! harness's roots are the default pool's directory, the server's own
//! directory (which holds its database) and the system's temporary
//! directory; `/etc` is outside all of them.

use serde_json::{json, Value};
use vapor_conformance::{make_iso, Reply, TestServer};

/// A 400 naming `field` and saying why, in the error envelope.
#[track_caller]
fn assert_refused(reply: &Reply, field: &str, why: &str) {
    reply.expect_error(400, "VALIDATION_ERROR");
    assert_eq!(
        reply.body["error"]["details"]["field"], field,
        "{}",
        reply.body
    );
    let message = reply.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(why), "'{why}' in: {message}");
}

/// The message of a file outside the roots lists them.
#[track_caller]
fn assert_outside(reply: &Reply, field: &str, server: &TestServer) {
    assert_refused(reply, field, "outside the allowed roots");
    let message = reply.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(server.dir().to_str().unwrap()),
        "the roots are listed: {message}"
    );
}

async fn create(server: &TestServer, body: Value) -> Reply {
    server.op("vm_create").json(body).send().await
}

async fn create_enhanced(server: &TestServer, body: Value) -> Reply {
    server.op("vm_create_enhanced").json(body).send().await
}

async fn register(server: &TestServer, path: &str) -> Reply {
    server
        .op("iso_register")
        .json(json!({ "path": path }))
        .send()
        .await
}

async fn hotplug_disk(server: &TestServer, vm: &str, source: &str) -> Reply {
    server
        .op("vm_hotplug")
        .path("id", vm)
        .json(
            json!({"resource_type": "disk", "action": "add", "configuration": {"source": source}}),
        )
        .send()
        .await
}

/// No VM of this name was defined.
fn assert_not_defined(server: &TestServer, name: &str) {
    assert!(
        server.hypervisor.lookup_domain(name).is_err(),
        "{name} was not defined"
    );
}

/// A running VM with no disk of its own, for hotplug.
async fn running_vm(server: &TestServer, suffix: &str) -> String {
    let name = server.name(suffix);
    create(
        server,
        json!({"name": name, "memory": 128, "vcpus": 1, "graphics": [{"type": "none"}],
               "network": {"type": "user"}}),
    )
    .await
    .expect(201);
    server
        .op("vm_action")
        .path("id", &name)
        .json(json!({"action": "start"}))
        .send()
        .await
        .expect(200);
    name
}

#[tokio::test]
async fn a_file_outside_the_roots_is_refused_in_every_field() {
    let server = TestServer::start().await;
    let outside = "/etc/passwd";

    let name = server.name("disk-out");
    let reply = create(
        &server,
        json!({"name": name, "memory": 128, "vcpus": 1, "disk_path": outside}),
    )
    .await;
    assert_outside(&reply, "disks", &server);
    assert_not_defined(&server, &name);

    let name = server.name("iso-out");
    let reply = create(
        &server,
        json!({"name": name, "memory": 128, "vcpus": 1, "iso_path": outside}),
    )
    .await;
    assert_outside(&reply, "iso_path", &server);
    assert_not_defined(&server, &name);

    let name = server.name("enh-out");
    let reply = create_enhanced(
        &server,
        json!({"name": name, "memory": 128, "vcpus": 1,
               "disks": [{"action": "existing", "path": outside}]}),
    )
    .await;
    assert_outside(&reply, "disks", &server);
    let reply = create_enhanced(
        &server,
        json!({"name": name, "memory": 128, "vcpus": 1, "iso_path": outside}),
    )
    .await;
    assert_outside(&reply, "iso_path", &server);
    assert_not_defined(&server, &name);

    assert_outside(&register(&server, outside).await, "path", &server);
    let isos = server.op("iso_list").send().await;
    assert!(
        !isos.expect(200).to_string().contains(outside),
        "nothing was registered: {}",
        isos.body
    );

    let vm = running_vm(&server, "hot-out").await;
    assert_outside(
        &hotplug_disk(&server, &vm, outside).await,
        "source",
        &server,
    );
    let got = server.op("vm_get").path("id", &vm).send().await;
    assert!(
        !got.expect(200)["disks"].to_string().contains(outside),
        "nothing was attached: {}",
        got.body
    );
}

#[tokio::test]
async fn a_link_inside_a_root_to_a_file_outside_is_refused() {
    let server = TestServer::start().await;
    let link = server.dir().join("escape.img");
    std::os::unix::fs::symlink("/etc/passwd", &link).unwrap();
    let link = link.to_str().unwrap();

    let name = server.name("link");
    assert_outside(
        &create(
            &server,
            json!({"name": name, "memory": 128, "vcpus": 1, "disk_path": link}),
        )
        .await,
        "disks",
        &server,
    );
    assert_outside(
        &create(
            &server,
            json!({"name": name, "memory": 128, "vcpus": 1, "iso_path": link}),
        )
        .await,
        "iso_path",
        &server,
    );
    assert_not_defined(&server, &name);
    assert_outside(&register(&server, link).await, "path", &server);
    let vm = running_vm(&server, "hot-link").await;
    assert_outside(&hotplug_disk(&server, &vm, link).await, "source", &server);

    // '..' is refused before anything is resolved.
    let dotted = format!("{}/../../etc/passwd", server.dir().display());
    assert_refused(
        &create(
            &server,
            json!({"name": name, "memory": 128, "vcpus": 1, "disk_path": dotted}),
        )
        .await,
        "disks",
        "'..'",
    );
}

#[tokio::test]
async fn the_database_is_never_given_to_a_vm() {
    let server = TestServer::start().await;
    // The server's directory is a root, yet its database is not a disk.
    let db = server.config.database_path.clone();
    assert!(db.starts_with(server.dir()));
    let mut files = vec![db.clone()];
    let wal = db.with_file_name("vapor.db-wal");
    if wal.exists() {
        files.push(wal);
    }
    let name = server.name("db");
    for file in &files {
        let path = file.to_str().unwrap();
        assert_refused(
            &create(
                &server,
                json!({"name": name, "memory": 128, "vcpus": 1, "disk_path": path}),
            )
            .await,
            "disks",
            "database",
        );
        assert_refused(
            &create_enhanced(
                &server,
                json!({"name": name, "memory": 128, "vcpus": 1, "iso_path": path}),
            )
            .await,
            "iso_path",
            "database",
        );
        assert_refused(&register(&server, path).await, "path", "database");
    }
    // Nor through a link to it.
    let link = server.dir().join("db-link.img");
    std::os::unix::fs::symlink(&db, &link).unwrap();
    assert_refused(
        &create(
            &server,
            json!({"name": name, "memory": 128, "vcpus": 1, "disk_path": link.to_str().unwrap()}),
        )
        .await,
        "disks",
        "database",
    );
    assert_not_defined(&server, &name);
}

#[tokio::test]
async fn a_file_inside_a_root_is_given_by_its_resolved_path() {
    let server = TestServer::start().await;
    let dir = server.dir().canonicalize().unwrap();
    let disk = dir.join("inside.img");
    std::fs::File::create(&disk)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    let link = server.dir().join("inside-link.img");
    std::os::unix::fs::symlink(&disk, &link).unwrap();
    let iso = make_iso(server.dir(), "inside.iso", 4096);
    let iso_real = iso.canonicalize().unwrap();

    let name = server.name("inside");
    let vm = create(
        &server,
        json!({"name": name, "memory": 128, "vcpus": 1,
               "disk_path": link.to_str().unwrap(), "iso_path": iso}),
    )
    .await
    .expect(201)["vm"]
        .clone();
    let paths: Vec<&str> = vm["disks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["path"].as_str())
        .collect();
    assert!(
        paths.contains(&disk.to_str().unwrap()),
        "the link's target is the disk: {paths:?}"
    );
    assert!(
        paths.contains(&iso_real.to_str().unwrap()),
        "the ISO is the cdrom: {paths:?}"
    );

    let enhanced = server.name("inside-enh");
    create_enhanced(
        &server,
        json!({"name": enhanced, "memory": 128, "vcpus": 1, "graphics": [{"type": "none"}],
               "disks": [{"action": "existing", "path": disk, "readonly": true}]}),
    )
    .await
    .expect(201);

    let registered = register(&server, iso.to_str().unwrap()).await;
    assert_eq!(
        registered.expect(201)["path"],
        iso_real.to_str().unwrap(),
        "{}",
        registered.body
    );

    let vm = running_vm(&server, "hot-in").await;
    let second = dir.join("second.img");
    std::fs::File::create(&second)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    let reply = hotplug_disk(&server, &vm, second.to_str().unwrap()).await;
    if server.backend == vapor_conformance::Backend::LibvirtTest {
        // The test driver attaches nothing, but only after the path passed.
        reply.expect_error(422, "UNSUPPORTED");
    } else {
        assert_eq!(
            reply.expect(200)["details"]["state"],
            "completed",
            "{}",
            reply.body
        );
        let disks = server.op("vm_get").path("id", &vm).send().await;
        assert_eq!(
            disks.expect(200)["disks"][0]["path"],
            second.to_str().unwrap()
        );
    }
}

/// A storage pool's directory is held to the roots too: its files become
/// volumes, which VMs are given and the API deletes. A pool over a
/// directory that holds the database is refused, though the directory is a
/// root. A pool inside a root is made, with its resolved path.
#[tokio::test]
async fn pools_are_made_only_inside_the_roots() {
    let server = TestServer::start().await;
    let pool = |name: &str, path: &str| {
        server
            .op("pool_create")
            .json(json!({"name": server.name(name), "type": "dir", "path": path}))
            .send()
    };
    assert_outside(&pool("etc", "/etc").await, "path", &server);
    assert_outside(&pool("etc-sub", "/etc/vapor-pool").await, "path", &server);
    assert_refused(
        &pool("up", &format!("{}/../etc", server.dir().display())).await,
        "path",
        "'..'",
    );
    // A link inside a root that leads out of it.
    let link = server.dir().join("to-etc");
    std::os::unix::fs::symlink("/etc", &link).unwrap();
    assert_outside(
        &pool("link", &format!("{}/pool", link.display())).await,
        "path",
        &server,
    );
    // The directory of the database, and any directory above it.
    let db_dir = server.config.database_path.parent().unwrap().to_owned();
    assert_refused(
        &pool("db", db_dir.to_str().unwrap()).await,
        "path",
        "database",
    );
    for name in ["etc", "etc-sub", "up", "link", "db"] {
        assert!(
            server.hypervisor.lookup_pool(&server.name(name)).is_err(),
            "pool {name} was not defined"
        );
    }

    let inside = server.dir().join("images");
    let reply = pool("inside", inside.to_str().unwrap()).await;
    let made = reply.expect(201).clone();
    assert_eq!(
        made["path"],
        inside
            .canonicalize()
            .unwrap_or(inside.clone())
            .to_str()
            .unwrap(),
        "{made}"
    );
    server
        .op("pool_delete")
        .path("name", &server.name("inside"))
        .send()
        .await
        .expect(204);
}
