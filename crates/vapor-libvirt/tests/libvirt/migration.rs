//! Live migration through the libvirt backend.
//!
//! - On libvirt's test driver, which cannot migrate: `Unsupported`, said
//!   before any destination is contacted.
//! - On `qemu:///system`, when it answers: a destination that refuses, and
//!   one that accepts the connection but never answers (a listener of this
//!   test on 127.0.0.1), are `Unavailable` within the time limit.
//! - With `VAPOR_TEST_TWO_HOSTS=1` (after `scripts/two-hosts.sh up`): a
//!   domain with a disk migrates from host a to host b with the disk
//!   copied while its job statistics are sampled, then comes back aborted.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vapor_hypervisor::{
    BootDevice, CopyStorage, DiskBus, DiskDevice, DiskFormat, DiskSpec, DomainSpec, DomainState,
    Hypervisor, HypervisorErrorKind, MigrationBackend, MigrationSpec, PowerAction, StorageBackend,
    VaporMetadata, VolumeSpec,
};
use vapor_libvirt::LibvirtHypervisor;

fn spec(uri: &str) -> MigrationSpec {
    MigrationSpec {
        destination_uri: uri.to_owned(),
        live: true,
        tunnelled: false,
        compressed: false,
        auto_converge: false,
        allow_unsafe: false,
        copy_storage: CopyStorage::None,
        max_bandwidth_mib_s: None,
        max_downtime_ms: None,
    }
}

#[test]
fn the_test_driver_cannot_migrate() {
    let hv = LibvirtHypervisor::connect("test:///default").unwrap();
    let before = hv.libvirt_calls();
    let err = hv
        .connect_destination("qemu+tcp://127.0.0.1:1/system", Duration::from_secs(1))
        .err()
        .unwrap();
    assert_eq!(err.kind, HypervisorErrorKind::Unsupported);
    assert!(err.message.contains("test driver"), "{err}");
    // One liveness check and virConnectGetType: nothing was opened.
    assert_eq!(hv.libvirt_calls() - before, 2);
    let test = hv.lookup_domain("test").unwrap();
    let err = hv
        .migrate(&test.uuid, &spec("qemu+tcp://127.0.0.1:1/system"))
        .unwrap_err();
    assert_eq!(err.kind, HypervisorErrorKind::Unsupported);
    assert!(!hv.host_identity().unwrap().hostname.is_empty());
}

/// The machine's libvirtd, when this test may use it.
fn system() -> Option<LibvirtHypervisor> {
    if !std::path::Path::new("/run/libvirt/libvirt-sock").exists() {
        eprintln!("skipped: no libvirtd at qemu:///system");
        return None;
    }
    LibvirtHypervisor::connect("qemu:///system").ok()
}

#[test]
fn unreachable_destinations_are_unavailable_within_the_limit() {
    let Some(hv) = system() else { return };
    // A closed port refuses at once.
    let t0 = Instant::now();
    let err = hv
        .connect_destination("qemu+tcp://127.0.0.1:1/system", Duration::from_secs(5))
        .err()
        .unwrap();
    assert_eq!(err.kind, HypervisorErrorKind::Unavailable, "{err}");
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    // A listener that accepts and never answers: the limit decides.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(3));
        drop(held);
    });
    let t0 = Instant::now();
    let err = hv
        .connect_destination(
            &format!("qemu+tcp://127.0.0.1:{port}/system"),
            Duration::from_millis(700),
        )
        .err()
        .unwrap();
    let took = t0.elapsed();
    assert_eq!(err.kind, HypervisorErrorKind::Unavailable, "{err}");
    assert!(
        err.message.contains("did not answer within 700 ms"),
        "{err}"
    );
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(2),
        "{took:?}"
    );
    holder.join().unwrap();
}

/// A domain with a qcow2 disk in pool `pool` at `dir` on both hosts.
fn two_hosts_domain(name: &str, uuid: &str, disk: &str) -> DomainSpec {
    DomainSpec {
        name: name.to_owned(),
        uuid: uuid.to_owned(),
        domain_type: "kvm".into(),
        arch: "x86_64".into(),
        memory_mib: 128,
        vcpus: 1,
        disks: vec![DiskSpec {
            device: DiskDevice::Disk,
            path: disk.to_owned(),
            format: DiskFormat::Qcow2,
            bus: DiskBus::Virtio,
            target: "vda".into(),
            readonly: false,
            cache: None,
        }],
        interfaces: vec![],
        graphics: vec![],
        boot: vec![BootDevice::Hd],
        firmware: Default::default(),
        tpm: false,
        metadata: VaporMetadata::default(),
    }
}

#[test]
fn two_hosts_job_statistics_and_abort() {
    if std::env::var("VAPOR_TEST_TWO_HOSTS").as_deref() != Ok("1") {
        eprintln!("skipped: set VAPOR_TEST_TWO_HOSTS=1 after scripts/two-hosts.sh up");
        return;
    }
    let a_uri = "qemu+tcp://10.77.0.1/system";
    let b_uri = "qemu+tcp://10.77.0.2/system";
    let a = Arc::new(LibvirtHypervisor::connect(a_uri).unwrap());
    let b = LibvirtHypervisor::connect(b_uri).unwrap();
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let pool = format!("vapor-lt-{suffix}");
    let dir = format!("/var/lib/libvirt/images/{pool}");
    let name = format!("vapor-lt-{suffix}");
    let uuid = uuid::Uuid::new_v4().to_string();
    let volume = VolumeSpec {
        name: "d.qcow2".into(),
        capacity_bytes: 256 << 20,
        format: DiskFormat::Qcow2,
    };
    let disk = format!("{dir}/d.qcow2");
    let run = || {
        for host in [a.as_ref() as &dyn Hypervisor, &b] {
            host.create_dir_pool(&pool, &dir).unwrap();
            host.create_volume(&pool, &volume).unwrap();
        }
        a.define_domain(&two_hosts_domain(&name, &uuid, &disk))
            .unwrap();
        a.power(&uuid, PowerAction::Start).unwrap();
        // Migrated with the disk copied, at 64 MiB/s, sampled meanwhile.
        let mut slow = spec(b_uri);
        slow.copy_storage = CopyStorage::All;
        slow.max_bandwidth_mib_s = Some(64);
        let runner = {
            let (a, uuid, slow) = (a.clone(), uuid.clone(), slow.clone());
            std::thread::spawn(move || a.migrate(&uuid, &slow))
        };
        let mut samples = Vec::new();
        while !runner.is_finished() {
            std::thread::sleep(Duration::from_millis(250));
            match a.migration_job(&uuid) {
                Ok(Some(s)) => samples.push(s),
                Ok(None) => {}
                Err(e) => eprintln!("sample: {e}"),
            }
        }
        let outcome = runner.join().unwrap().expect("migrated");
        for s in &samples {
            eprintln!(
                "{:>6} ms data {:?}/{:?} disk {:?}/{:?} mem {:?}/{:?}",
                s.elapsed_ms.unwrap_or(0),
                s.data_processed_bytes,
                s.data_total_bytes,
                s.disk_processed_bytes,
                s.disk_total_bytes,
                s.memory_processed_bytes,
                s.memory_total_bytes
            );
        }
        // Sampled on the instance that runs the migration, every 250 ms:
        // the disk copy (256 MiB at 64 MiB/s) is seen to advance.
        let processed: std::collections::BTreeSet<_> = samples
            .iter()
            .filter_map(|s| s.data_processed_bytes)
            .collect();
        assert!(processed.len() >= 8, "{samples:?}");
        let completed = outcome
            .stats
            .expect("completed statistics on the destination");
        eprintln!("completed: {completed:?}");
        assert!(completed.downtime_ms.is_some());
        let there = b.lookup_domain(&name).unwrap();
        assert_eq!(there.state, DomainState::Running);
        assert!(there.persistent);
        assert_eq!(
            a.lookup_domain(&uuid).unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        // Back to a at 1 MiB/s with the disk copied, aborted half-way.
        let back = LibvirtHypervisor::connect(b_uri).unwrap();
        a.delete_volume_by_path(&disk).unwrap();
        a.create_volume(&pool, &volume).unwrap();
        let mut crawl = spec(a_uri);
        crawl.copy_storage = CopyStorage::All;
        crawl.max_bandwidth_mib_s = Some(1);
        let back = Arc::new(back);
        let runner = {
            let (back, uuid) = (back.clone(), uuid.clone());
            std::thread::spawn(move || back.migrate(&uuid, &crawl))
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            std::thread::sleep(Duration::from_millis(100));
            if let Ok(Some(s)) = back.migration_job(&uuid) {
                if s.data_processed_bytes.unwrap_or(0) > 0 {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the migration back never progressed"
            );
        }
        back.abort_migration(&uuid).unwrap();
        let err = runner.join().unwrap().unwrap_err();
        eprintln!("aborted: {err}");
        assert!(err.message.contains("canceled by client"), "{err}");
        assert_eq!(b.lookup_domain(&name).unwrap().state, DomainState::Running);
        assert_eq!(
            back.abort_migration(&uuid).unwrap_err().kind,
            HypervisorErrorKind::OperationInvalid
        );
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
    for host in [a.as_ref() as &dyn Hypervisor, &b] {
        if let Ok(d) = host.lookup_domain(&name) {
            let _ = host.undefine_domain(&d.uuid);
        }
        let _ = host.delete_volume_by_path(&disk);
        let _ = host.undefine_pool(&pool);
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
