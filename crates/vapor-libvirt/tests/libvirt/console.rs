//! Consoles of domains on libvirt's test driver (`test:///default`), which
//! allocates no display ports and no pseudo-terminals: the consoles are
//! listed, without addresses. (QEMU's, with addresses, are tested over HTTP
//! by the conformance suite.)

use vapor_hypervisor::{
    BootDevice, ConsoleBackend, ConsoleEndpoint, ConsoleKind, DomainSpec, GraphicsKind,
    GraphicsSpec, Hypervisor, HypervisorErrorKind, PowerAction, VaporMetadata,
};
use vapor_libvirt::LibvirtHypervisor;

fn spec(name: &str, graphics: Vec<GraphicsKind>) -> DomainSpec {
    DomainSpec {
        name: name.to_string(),
        uuid: uuid::Uuid::new_v4().to_string(),
        domain_type: "test".into(),
        arch: "i686".into(),
        memory_mib: 128,
        vcpus: 1,
        disks: vec![],
        interfaces: vec![],
        graphics: graphics
            .into_iter()
            .map(|kind| GraphicsSpec {
                kind,
                listen: "127.0.0.1".into(),
                port: None,
                password: None,
            })
            .collect(),
        boot: vec![BootDevice::Hd],
        firmware: Default::default(),
        tpm: false,
        metadata: VaporMetadata::default(),
    }
}

#[test]
fn consoles_of_a_running_domain_in_definition_order() {
    let hv = LibvirtHypervisor::connect("test:///default").expect("test:///default opens");
    let name = format!(
        "vapor-lt-console-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let d = hv
        .define_domain(&spec(&name, vec![GraphicsKind::Spice, GraphicsKind::Vnc]))
        .unwrap();
    let off = hv.consoles(&d.uuid).unwrap_err();
    assert_eq!(off.kind, HypervisorErrorKind::OperationInvalid, "{off}");

    hv.power(&d.uuid, PowerAction::Start).unwrap();
    let consoles = hv.consoles(&d.uuid).unwrap();
    let none = |kind| ConsoleEndpoint {
        kind,
        address: None,
    };
    assert_eq!(
        consoles,
        vec![
            none(ConsoleKind::Spice),
            none(ConsoleKind::Vnc),
            none(ConsoleKind::Serial)
        ]
    );

    hv.undefine_domain(&d.uuid).unwrap();
    let gone = hv.consoles(&d.uuid).unwrap_err();
    assert_eq!(gone.kind, HypervisorErrorKind::NotFound, "{gone}");
}
