//! Creates a VM with an idempotency key, starts it and prints it; with
//! `--cleanup`, deletes it (and its disks) afterwards.
//!
//! `VAPOR_URL=... VAPOR_TOKEN=... cargo run -p vapor-sdk --example create_and_start -- [--cleanup] [NAME]`

use vapor_sdk::vapor_client::apis::virtual_machines_api;
use vapor_sdk::vapor_client::models::{VmActionRequest, VmActionType, VmCreateRequest, VmCreated};
use vapor_sdk::{create_with_idempotency_key, new_idempotency_key, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut cleanup = false;
    let mut name = format!("sdk-example-{}", std::process::id());
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--cleanup" => cleanup = true,
            other if other.starts_with('-') => return Err(format!("unknown flag {other}").into()),
            other => name = other.to_owned(),
        }
    }
    let client = Client::new(&std::env::var("VAPOR_URL")?, std::env::var("VAPOR_TOKEN")?)?;

    let mut request = VmCreateRequest::new(name.clone(), 256, 1);
    request.disk_size = Some(1);
    // One key per logical create: a retry of this call sends the same key and body.
    let key = new_idempotency_key();
    let created: VmCreated =
        create_with_idempotency_key(&client, "virtualization/virtualmachines", &key, &request)
            .await?;
    println!("created {} ({})", created.vm.name, created.vm.uuid);

    let started = virtual_machines_api::vm_action(
        client.config(),
        &name,
        VmActionRequest::new(VmActionType::Start),
        None,
    )
    .await
    .map_err(vapor_sdk::Error::from)?
    .data;
    let vm = started.vm;
    println!(
        "{}: {} vcpus, {} MiB, state {}",
        vm.name, vm.vcpus, vm.memory, vm.state
    );

    if cleanup {
        virtual_machines_api::vm_action(
            client.config(),
            &name,
            VmActionRequest::new(VmActionType::ForceStop),
            None,
        )
        .await
        .map_err(vapor_sdk::Error::from)?;
        virtual_machines_api::vm_delete(client.config(), &name, None, Some(true))
            .await
            .map_err(vapor_sdk::Error::from)?;
        println!("deleted {name}");
    }
    Ok(())
}
