//! Writes through the generated SDK (`vapor-client`): one VM's whole path —
//! create, get, list, update, start and stop, snapshot create, list, get and
//! delete, delete — made with the SDK's own request types and read back with
//! its response types, on every backend. A request body the SDK serialises
//! differently from what the server takes (a renamed or missing field, an
//! enum spelled otherwise) fails here, as does a reply the SDK cannot parse.

use vapor_client::apis::configuration::Configuration;
use vapor_client::apis::{snapshots_api, virtual_machines_api, Error};
use vapor_client::models::{
    ChangeScope, SnapshotCreateRequest, SnapshotType, VmActionRequest, VmActionType,
    VmCreateRequest, VmState, VmUpdateRequest,
};
use vapor_conformance::TestServer;

/// The SDK's configuration for `server`, with its admin token.
fn sdk(server: &TestServer) -> Configuration {
    let mut config = Configuration::new();
    config.base_path = format!("{}/api/v1", server.base_url);
    config.bearer_access_token = Some(server.token.clone());
    config
}

/// The HTTP status of an SDK error that carries a reply.
fn status<T>(error: &Error<T>) -> Option<u16> {
    match error {
        Error::ResponseError(reply) => Some(reply.status.as_u16()),
        _ => None,
    }
}

#[tokio::test]
async fn a_vm_is_created_changed_snapshotted_and_deleted_through_the_sdk() {
    let server = TestServer::start().await;
    let config = sdk(&server);
    let name = server.name("sdk-path");

    // Create, with a disk, so that the VM can have an internal snapshot.
    let mut create = VmCreateRequest::new(name.clone(), 256, 1);
    create.disk_size = Some(1);
    create.autostart = Some(false);
    let created = virtual_machines_api::vm_create(&config, create, None)
        .await
        .expect("vm_create through the SDK");
    let vm = created.data.vm;
    assert_eq!(vm.name, name);
    assert_eq!(vm.state, VmState::Shutoff);
    assert_eq!((vm.memory, vm.vcpus, vm.autostart), (256, 1, false));
    assert_eq!(vm.disks.len(), 1);
    let disk_path = vm.disks[0]
        .path
        .clone()
        .flatten()
        .expect("the new disk has a path");

    // Get by UUID; the list, filtered by name, has it.
    let got = virtual_machines_api::vm_get(&config, &vm.uuid.to_string())
        .await
        .expect("vm_get through the SDK");
    assert_eq!(got.data.name, name);
    let listed = virtual_machines_api::vm_list(&config, Some(50), None, None, Some(&name))
        .await
        .expect("vm_list through the SDK");
    assert!(
        listed.data.vms.iter().any(|v| v.uuid == vm.uuid),
        "{:?}",
        listed.data.vms.iter().map(|v| &v.name).collect::<Vec<_>>()
    );

    // Update every field the request has, while the VM is off.
    let mut update = VmUpdateRequest::new();
    update.memory = Some(384);
    update.vcpus = Some(2);
    update.autostart = Some(true);
    let updated = virtual_machines_api::vm_update(&config, &name, update, None)
        .await
        .expect("vm_update through the SDK");
    let mut fields: Vec<_> = updated
        .data
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.scope))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("autostart", ChangeScope::Config),
            ("memory", ChangeScope::Config),
            ("vcpus", ChangeScope::Config),
        ]
    );
    let vm = updated.data.vm;
    assert_eq!((vm.memory, vm.vcpus, vm.autostart), (384, 2, true));
    let mut back = VmUpdateRequest::new();
    back.autostart = Some(false);
    virtual_machines_api::vm_update(&config, &name, back, None)
        .await
        .expect("vm_update of autostart alone");

    // Start, then stop at once.
    let started = virtual_machines_api::vm_action(
        &config,
        &name,
        VmActionRequest::new(VmActionType::Start),
        None,
    )
    .await
    .expect("vm_action start through the SDK");
    assert_eq!(started.data.action, VmActionType::Start);
    assert_eq!(started.data.vm.state, VmState::Running);
    let mut stop = VmActionRequest::new(VmActionType::Stop);
    stop.force = Some(true);
    let stopped = virtual_machines_api::vm_action(&config, &name, stop, None)
        .await
        .expect("vm_action stop through the SDK");
    assert_eq!(stopped.data.vm.state, VmState::Shutoff);
    let again = virtual_machines_api::vm_action(
        &config,
        &name,
        VmActionRequest::new(VmActionType::Resume),
        None,
    )
    .await
    .expect_err("a VM that is off cannot resume");
    assert_eq!(status(&again), Some(409), "{again:?}");

    // An internal snapshot of the stopped VM: create, list, get, delete.
    let mut snapshot = SnapshotCreateRequest::new("before-change".into());
    snapshot.description = Some("made through the SDK".into());
    snapshot.include_memory = Some(false);
    let made = snapshots_api::snapshot_create(&config, &name, snapshot, None)
        .await
        .expect("snapshot_create through the SDK");
    assert_eq!(made.data.name, "before-change");
    assert_eq!(made.data.vm_name, name);
    assert_eq!(made.data.r#type, SnapshotType::Internal);
    assert_eq!(
        made.data.description,
        Some(Some("made through the SDK".into()))
    );
    let list = snapshots_api::snapshot_list(&config, &name)
        .await
        .expect("snapshot_list through the SDK");
    assert_eq!(list.data.count, 1);
    assert_eq!(list.data.snapshots[0].name, "before-change");
    let detail = snapshots_api::snapshot_get(&config, &name, "before-change")
        .await
        .expect("snapshot_get through the SDK");
    assert_eq!(detail.data.snapshot.name, "before-change");
    snapshots_api::snapshot_delete(&config, &name, "before-change")
        .await
        .expect("snapshot_delete through the SDK");
    let list = snapshots_api::snapshot_list(&config, &name)
        .await
        .expect("snapshot_list after the delete");
    assert_eq!(list.data.count, 0);

    // Delete with the disk; then the VM and its disk are gone.
    virtual_machines_api::vm_delete(&config, &name, None, Some(true))
        .await
        .expect("vm_delete through the SDK");
    let gone = virtual_machines_api::vm_get(&config, &name)
        .await
        .expect_err("a deleted VM is not found");
    assert_eq!(status(&gone), Some(404), "{gone:?}");
    assert!(
        server.hypervisor.lookup_volume_by_path(&disk_path).is_err(),
        "the disk is removed with the VM"
    );
}

#[tokio::test]
async fn a_request_the_server_refuses_is_an_sdk_error_with_the_envelope() {
    let server = TestServer::start().await;
    let config = sdk(&server);
    let name = server.name("sdk-refused");
    // No vCPU: the SDK sends it, the server refuses it.
    let refused =
        virtual_machines_api::vm_create(&config, VmCreateRequest::new(name.clone(), 256, 0), None)
            .await
            .expect_err("a VM without a vCPU is refused");
    assert_eq!(status(&refused), Some(400), "{refused:?}");
    let Error::ResponseError(reply) = refused else {
        unreachable!("the status was read from a reply");
    };
    let envelope: serde_json::Value = serde_json::from_str(&reply.content).unwrap();
    assert_eq!(envelope["status"], "error", "{envelope}");
    assert_eq!(envelope["error"]["code"], "VALIDATION_ERROR", "{envelope}");
    let missing = virtual_machines_api::vm_get(&config, &name)
        .await
        .expect_err("nothing was created");
    assert_eq!(status(&missing), Some(404), "{missing:?}");
}
