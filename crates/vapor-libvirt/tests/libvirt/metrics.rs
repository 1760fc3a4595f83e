//! Domain statistics through the libvirt backend, on libvirt's in-process
//! test driver (`test:///default`).
//!
//! The test driver's statistics API reports only the state group, so every
//! other figure comes from the single-purpose calls (`virDomainGetInfo`,
//! `virDomainBlockStats`, `virDomainInterfaceStats`), whose counters the
//! driver derives from the time of day: they grow, but mean nothing. It
//! reports no balloon figures (RSS, the guest's view), so those are `None`.
//!
//! Domains this file defines are named `vapor-lt-` and a random suffix and
//! removed even when a test fails; the driver's own running domain `test`
//! is only read.

use vapor_hypervisor::{
    DomainState, DomainStats, Hypervisor, HypervisorErrorKind, MetricsBackend, PowerAction,
};
use vapor_libvirt::LibvirtHypervisor;

const URI: &str = "test:///default";
const GIB: u64 = 1 << 30;

fn connect() -> LibvirtHypervisor {
    LibvirtHypervisor::connect(URI).expect("test:///default opens")
}

/// Removes the domain when dropped, even if the test failed half-way.
struct DomainGuard<'a> {
    hv: &'a LibvirtHypervisor,
    uuid: String,
}

impl Drop for DomainGuard<'_> {
    fn drop(&mut self) {
        let _ = self.hv.undefine_domain(&self.uuid);
    }
}

/// Every counter of `later` is at least the one of `earlier`, device by device.
fn assert_monotonic(earlier: &DomainStats, later: &DomainStats) {
    assert!(later.cpu_time_ns >= earlier.cpu_time_ns);
    assert_eq!(earlier.disks.len(), later.disks.len());
    for (a, b) in earlier.disks.iter().zip(&later.disks) {
        assert_eq!(a.target, b.target);
        assert!(b.read_bytes >= a.read_bytes, "{a:?} {b:?}");
        assert!(b.write_bytes >= a.write_bytes, "{a:?} {b:?}");
        assert!(b.read_requests >= a.read_requests, "{a:?} {b:?}");
        assert!(b.write_requests >= a.write_requests, "{a:?} {b:?}");
    }
    assert_eq!(earlier.interfaces.len(), later.interfaces.len());
    for (a, b) in earlier.interfaces.iter().zip(&later.interfaces) {
        assert_eq!((&a.device, &a.mac), (&b.device, &b.mac));
        assert!(b.rx_bytes >= a.rx_bytes, "{a:?} {b:?}");
        assert!(b.tx_bytes >= a.tx_bytes, "{a:?} {b:?}");
        assert!(b.rx_packets >= a.rx_packets, "{a:?} {b:?}");
        assert!(b.tx_packets >= a.tx_packets, "{a:?} {b:?}");
    }
}

#[test]
fn the_drivers_own_domain_reports_every_device() {
    let hv = connect();
    let test = hv.lookup_domain("test").expect("the driver's domain");
    let before = hv.libvirt_calls();
    let first = hv.domain_stats(&test.uuid).unwrap();
    // virConnectIsAlive, virDomainLookupByUUID, virDomainListGetStats,
    // virDomainGetXMLDesc, virDomainGetInfo, one virDomainBlockStats,
    // one virDomainInterfaceStats, virDomainGetID.
    assert_eq!(hv.libvirt_calls() - before, 8);

    assert_eq!(first.uuid, test.uuid);
    assert_eq!(first.state, DomainState::Running);
    assert!(first.run_id.is_some());
    assert!(first.cpu_time_ns > 0);
    assert_eq!(first.vcpus, 2);
    assert_eq!(first.memory.current_bytes, 2 * GIB);
    assert_eq!(first.memory.maximum_bytes, 8 * GIB);
    assert_eq!(first.memory.rss_bytes, None);
    assert_eq!(first.memory.guest_available_bytes, None);
    assert_eq!(first.memory.guest_unused_bytes, None);
    assert_eq!(first.disks.len(), 1);
    let vda = &first.disks[0];
    assert_eq!(vda.target, "vda");
    assert!(vda.read_bytes.is_some() && vda.write_requests.is_some());
    assert_eq!(first.interfaces.len(), 1);
    let nic = &first.interfaces[0];
    assert_eq!(nic.device.as_deref(), Some("testnet0"));
    assert_eq!(nic.mac.as_deref(), Some("aa:bb:cc:dd:ee:ff"));
    assert!(nic.rx_bytes.is_some() && nic.tx_packets.is_some());

    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = hv.domain_stats(&test.uuid).unwrap();
    assert_eq!(second.run_id, first.run_id);
    assert!(second.cpu_time_ns > first.cpu_time_ns);
    assert_monotonic(&first, &second);
}

#[test]
fn every_disk_and_interface_is_reported_and_only_while_running() {
    let hv = connect();
    let name = format!(
        "vapor-lt-metrics-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let uuid = uuid::Uuid::new_v4().to_string();
    // Two disks, an empty cdrom, a user-mode and a network interface:
    // more than Vapor's create makes, as a domain made elsewhere may have.
    let definition = format!(
        "<domain type='test'>
           <name>{name}</name><uuid>{uuid}</uuid>
           <memory unit='MiB'>512</memory><currentMemory unit='MiB'>256</currentMemory>
           <vcpu>3</vcpu>
           <os><type arch='x86_64'>hvm</type></os>
           <devices>
             <disk type='file' device='disk'><source file='/guest/{name}-a.qcow2'/><target dev='vda' bus='virtio'/></disk>
             <disk type='file' device='disk'><source file='/guest/{name}-b.qcow2'/><target dev='vdb' bus='virtio'/></disk>
             <disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>
             <interface type='user'><mac address='52:54:00:6d:00:01'/><model type='virtio'/></interface>
             <interface type='network'><mac address='52:54:00:6d:00:02'/><source network='default'/></interface>
           </devices>
         </domain>"
    );
    let conn = virt::connect::Connect::open(Some(URI)).expect("raw connection");
    conn.define_domain_xml(&definition).expect("defined");
    let _guard = DomainGuard {
        hv: &hv,
        uuid: uuid.clone(),
    };

    let err = hv.domain_stats(&uuid).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");

    hv.power(&uuid, PowerAction::Start).unwrap();
    let first = hv.domain_stats(&uuid).unwrap();
    assert_eq!(first.vcpus, 3);
    assert_eq!(first.memory.current_bytes, 256 << 20);
    assert_eq!(first.memory.maximum_bytes, 512 << 20);
    let targets: Vec<_> = first.disks.iter().map(|d| d.target.as_str()).collect();
    assert_eq!(targets, ["vda", "vdb", "sda"]);
    assert!(first.disks.iter().all(|d| d.read_bytes.is_some()));
    let macs: Vec<_> = first
        .interfaces
        .iter()
        .map(|n| n.mac.as_deref().unwrap())
        .collect();
    assert_eq!(macs, ["52:54:00:6d:00:01", "52:54:00:6d:00:02"]);
    // The test driver names every interface's device, user-mode ones too.
    for nic in &first.interfaces {
        assert!(nic.device.as_deref().unwrap().starts_with("testnet"));
        assert!(nic.rx_bytes.is_some());
    }

    hv.power(&uuid, PowerAction::Suspend).unwrap();
    let paused = hv.domain_stats(&uuid).unwrap();
    assert_eq!(paused.state, DomainState::Paused);
    assert_monotonic(&first, &paused);
    hv.power(&uuid, PowerAction::Resume).unwrap();

    hv.power(&uuid, PowerAction::Destroy).unwrap();
    let err = hv.domain_stats(&uuid).unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::OperationInvalid, "{err}");
    hv.power(&uuid, PowerAction::Start).unwrap();
    let again = hv.domain_stats(&uuid).unwrap();
    assert_ne!(again.run_id, first.run_id, "a new run has a new domain id");

    let err = hv
        .domain_stats(&uuid::Uuid::new_v4().to_string())
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
    let err = hv.domain_stats("not-a-uuid").unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::NotFound, "{err}");
}

/// Defines `n` domains (every other one running) named with `prefix`;
/// their guards remove them.
fn define_many<'a>(hv: &'a LibvirtHypervisor, prefix: &str, n: usize) -> Vec<DomainGuard<'a>> {
    let conn = virt::connect::Connect::open(Some(URI)).expect("raw connection");
    (0..n)
        .map(|i| {
            let uuid = uuid::Uuid::new_v4().to_string();
            let definition = format!(
                "<domain type='test'>
                   <name>{prefix}-{i}</name><uuid>{uuid}</uuid>
                   <memory unit='MiB'>128</memory><vcpu>1</vcpu>
                   <os><type arch='x86_64'>hvm</type></os>
                   <devices>
                     <disk type='file' device='disk'><source file='/guest/{prefix}-{i}.qcow2'/><target dev='vda' bus='virtio'/></disk>
                   </devices>
                 </domain>"
            );
            conn.define_domain_xml(&definition).expect("defined");
            let guard = DomainGuard { hv, uuid };
            if i.is_multiple_of(2) {
                hv.power(&guard.uuid, PowerAction::Start).unwrap();
            }
            guard
        })
        .collect()
}

#[test]
fn every_domains_statistics_cost_one_call_whatever_their_number() {
    let hv = connect();
    let prefix = format!(
        "vapor-lt-bulk-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let mut guards = define_many(&hv, &format!("{prefix}-a"), 5);

    let before = hv.libvirt_calls();
    let few = hv.all_domain_stats().unwrap();
    let calls_for_few = hv.libvirt_calls() - before;
    // virConnectIsAlive, virConnectGetAllDomainStats.
    assert_eq!(calls_for_few, 2);
    let ours: Vec<_> = few.iter().filter(|e| e.name.starts_with(&prefix)).collect();
    assert_eq!(ours.len(), 5);

    guards.extend(define_many(&hv, &format!("{prefix}-b"), 45));
    let before = hv.libvirt_calls();
    let many = hv.all_domain_stats().unwrap();
    assert_eq!(hv.libvirt_calls() - before, calls_for_few);
    // Other tests define and remove domains meanwhile: count only ours.
    let ours = many.iter().filter(|e| e.name.starts_with(&prefix)).count();
    assert_eq!(ours, 50);

    // Each record names its domain, and says what the driver reports in
    // that call: the state group only, on the test driver.
    for guard in &guards {
        let e = many
            .iter()
            .find(|e| e.uuid == guard.uuid)
            .expect("every domain has a record");
        let i: usize = e.name.rsplit('-').next().unwrap().parse().unwrap();
        let expected = if i.is_multiple_of(2) {
            DomainState::Running
        } else {
            DomainState::Shutoff
        };
        assert_eq!(e.state, expected, "{e:?}");
        assert_eq!(e.cpu_time_ns, None);
        assert_eq!(e.vcpus, None);
        assert_eq!(e.memory_current_bytes, None);
        assert!(e.disks.is_empty() && e.interfaces.is_empty(), "{e:?}");
    }
    let test = many
        .iter()
        .find(|e| e.name == "test")
        .expect("the driver's domain");
    assert_eq!(test.uuid, hv.lookup_domain("test").unwrap().uuid);
    assert_eq!(test.state, DomainState::Running);
}
