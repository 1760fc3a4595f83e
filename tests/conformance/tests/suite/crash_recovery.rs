//! Creates and the creation journal: a create that answers, with success or
//! failure, leaves no journal row; a row left by a process that died
//! half-way is settled when the service starts again: the domain, if it was
//! defined, is undefined, and the volumes and seed file the row names are
//! removed, while volumes it does not name are kept.
//!
//! The process's death is simulated by writing the row an earlier process
//! would have left and building a second application on the same database
//! and backend, which is what a start does. The SIGKILL of a real `vapor`
//! in the middle of a create is in the `vapor` crate's server tests.

use serde_json::{json, Value};
use vapor_conformance::TestServer;
use vapor_core::creation_store::{CreationRow, JournalVolume};
use vapor_hypervisor::HypervisorErrorKind;

fn journal(server: &TestServer) -> Vec<CreationRow> {
    // No process has the empty boot id: every row is listed.
    server.app.db().interrupted_creations("").unwrap()
}

async fn create_with_disk(server: &TestServer, name: &str) -> Value {
    server
        .op("vm_create")
        .json(json!({
            "name": name, "memory": 128, "vcpus": 1, "disk_size": 1,
            "graphics": [{"type": "none"}]
        }))
        .send()
        .await
        .expect(201)["vm"]
        .clone()
}

#[tokio::test]
async fn answered_creates_leave_no_journal_row() {
    let server = TestServer::start().await;
    create_with_disk(&server, &server.name("journal-ok")).await;
    assert_eq!(journal(&server), vec![]);

    // The first disk is made, the clone of a missing volume fails, the
    // first is removed again: the row goes with it.
    let failed = server
        .op("vm_create_enhanced")
        .json(json!({
            "name": server.name("journal-failed"), "memory": 128, "vcpus": 1,
            "graphics": [{"type": "none"}],
            "disks": [
                {"action": "create", "size": 1},
                {"action": "clone", "source_path": "/var/lib/libvirt/images/vapor-no-such-volume.qcow2"}
            ]
        }))
        .send()
        .await;
    assert_eq!(failed.status, 404, "{}", failed.body);
    assert_eq!(journal(&server), vec![]);
}

#[tokio::test]
async fn a_create_left_unfinished_is_removed_at_the_next_start() {
    let server = TestServer::start().await;
    let name = server.name("interrupted");
    let vm = create_with_disk(&server, &name).await;
    let uuid = vm["uuid"].as_str().unwrap().to_owned();
    let disk = format!("{name}.qcow2");
    // Another VM and its disk, which the row does not name: kept.
    let bystander = create_with_disk(&server, &server.name("bystander")).await;
    let bystander_disk = format!("{}.qcow2", bystander["name"].as_str().unwrap());

    // What the process would have left had it died after defining the VM,
    // while a second disk and the seed were still being written.
    let seed = server.dir().join(format!("{uuid}-cidata.iso"));
    std::fs::write(&seed, b"partial").unwrap();
    let mut row = CreationRow::new(&uuid, &name, "an-earlier-process");
    for volume in [disk.clone(), format!("{name}-disk1.qcow2")] {
        row.volumes.push(JournalVolume {
            pool: "default".into(),
            name: volume,
        });
    }
    row.files.push(seed.display().to_string());
    server.app.db().save_creation(&row).unwrap();

    let restarted = vapor::build(&server.config, server.hypervisor.clone()).unwrap();

    let hv = &server.hypervisor;
    assert_eq!(
        hv.lookup_domain(&uuid).unwrap_err().kind,
        HypervisorErrorKind::NotFound,
        "the half-made VM is undefined"
    );
    assert_eq!(
        hv.lookup_volume("default", &disk).unwrap_err().kind,
        HypervisorErrorKind::NotFound,
        "its disk is deleted"
    );
    assert!(!seed.exists(), "its seed is removed");
    hv.lookup_volume("default", &bystander_disk)
        .expect("a volume the row does not name is kept");
    hv.lookup_domain(bystander["uuid"].as_str().unwrap())
        .expect("another VM is kept");
    assert_eq!(restarted.db().interrupted_creations("").unwrap(), vec![]);
}
