//! Prints every VM: `VAPOR_URL=http://127.0.0.1:8080 VAPOR_TOKEN=... cargo run -p vapor-sdk --example list_vms`

use vapor_sdk::vapor_client::apis::virtual_machines_api;
use vapor_sdk::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new(&std::env::var("VAPOR_URL")?, std::env::var("VAPOR_TOKEN")?)?;
    let list = virtual_machines_api::vm_list(client.config(), None, None, None, None)
        .await
        .map_err(vapor_sdk::Error::from)?
        .data;
    println!(
        "{:<32} {:<10} {:>8} {:>5}",
        "NAME", "STATE", "MEM_MIB", "VCPU"
    );
    for vm in &list.vms {
        println!(
            "{:<32} {:<10} {:>8} {:>5}",
            vm.name, vm.state, vm.memory, vm.vcpus
        );
    }
    println!("{} of {} VMs", list.count, list.total);
    Ok(())
}
