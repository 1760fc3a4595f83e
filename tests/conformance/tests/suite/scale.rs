//! The VM list answers correctly with a thousand defined VMs.

use std::collections::BTreeSet;

use vapor_conformance::TestServer;
use vapor_hypervisor::{DomainSpec, VaporMetadata};

const VMS: usize = 1000;

#[tokio::test]
async fn list_with_a_thousand_vms() {
    let server = TestServer::start().await;
    let host = server.hypervisor.host_info().unwrap();
    let names: BTreeSet<String> = (0..VMS).map(|i| server.name(&format!("n{i:04}"))).collect();
    let hv = server.hypervisor.clone();
    let to_define = names.clone();
    tokio::task::spawn_blocking(move || {
        for name in to_define {
            let spec = DomainSpec {
                name,
                uuid: uuid::Uuid::new_v4().to_string(),
                domain_type: host.domain_types[0].clone(),
                arch: host.arch.clone(),
                memory_mib: 64,
                vcpus: 1,
                disks: vec![],
                interfaces: vec![],
                graphics: vec![],
                boot: vec![],
                firmware: Default::default(),
                tpm: false,
                metadata: VaporMetadata::default(),
            };
            hv.define_domain(&spec).expect("define");
        }
    })
    .await
    .unwrap();

    let reply = server.op("vm_list").send().await;
    let data = reply.expect(200);
    let vms = data["vms"].as_array().unwrap();
    assert_eq!(data["count"].as_u64().unwrap() as usize, vms.len());
    let listed: BTreeSet<String> = vms
        .iter()
        .filter_map(|v| v["name"].as_str())
        .filter(|n| names.contains(*n))
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, names, "every defined VM is listed once");
    let sorted: Vec<&str> = vms.iter().filter_map(|v| v["name"].as_str()).collect();
    assert!(
        sorted.windows(2).all(|w| w[0] <= w[1]),
        "the list is sorted by name"
    );
    for vm in vms
        .iter()
        .filter(|v| v["name"].as_str().is_some_and(|n| names.contains(n)))
    {
        assert_eq!(vm["state"], "shutoff");
        assert_eq!(vm["memory"], 64);
        assert_eq!(
            vm["created_at"],
            serde_json::Value::Null,
            "made outside Vapor"
        );
    }
}
