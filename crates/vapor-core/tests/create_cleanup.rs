//! Scripted backend failures: a create that fails half-way removes what it made.

use std::sync::Arc;

use mockall::predicate::eq;
use vapor_core::app::{Settings, Vapor, VmCreate};
use vapor_core::db::Database;
use vapor_core::Error;
use vapor_hypervisor::*;

mockall::mock! {
    pub Hv {}
    impl Hypervisor for Hv {
        fn host_info(&self) -> Result<HostInfo>;
        fn list_domains(&self) -> Result<Vec<Domain>>;
        fn lookup_domain(&self, name_or_uuid: &str) -> Result<Domain>;
        fn define_domain(&self, spec: &DomainSpec) -> Result<Domain>;
        fn undefine_domain(&self, uuid: &str) -> Result<()>;
        fn power(&self, uuid: &str, action: PowerAction) -> Result<()>;
        fn set_memory(&self, uuid: &str, memory_mib: u64) -> Result<ChangeScope>;
        fn set_vcpus(&self, uuid: &str, vcpus: u32) -> Result<ChangeScope>;
        fn set_autostart(&self, uuid: &str, autostart: bool) -> Result<()>;
    }
    impl StorageBackend for Hv {
        fn lookup_pool(&self, name: &str) -> Result<StoragePool>;
        fn create_dir_pool(&self, name: &str, path: &str) -> Result<StoragePool>;
        fn create_volume(&self, pool: &str, spec: &VolumeSpec) -> Result<StorageVolume>;
        fn lookup_volume_by_path(&self, path: &str) -> Result<StorageVolume>;
        fn clone_volume(&self, pool: &str, source_path: &str, name: &str, format: DiskFormat) -> Result<StorageVolume>;
        fn delete_volume_by_path(&self, path: &str) -> Result<()>;
        fn list_pools(&self) -> Result<Vec<StoragePool>>;
        fn define_pool(&self, spec: &PoolSpec) -> Result<StoragePool>;
        fn pool_action(&self, name: &str, action: PoolAction) -> Result<()>;
        fn undefine_pool(&self, name: &str) -> Result<()>;
        fn list_volumes(&self, pool: &str) -> Result<Vec<VolumeDetails>>;
        fn lookup_volume(&self, pool: &str, name: &str) -> Result<VolumeDetails>;
        fn delete_volume(&self, pool: &str, name: &str) -> Result<()>;
    }
    impl SnapshotBackend for Hv {
        fn snapshot_facts(&self, uuid: &str) -> Result<SnapshotFacts>;
        fn list_snapshots(&self, uuid: &str) -> Result<Vec<SnapshotInfo>>;
        fn lookup_snapshot(&self, uuid: &str, name: &str) -> Result<SnapshotInfo>;
        fn create_snapshot(&self, uuid: &str, spec: &SnapshotSpec) -> Result<SnapshotInfo>;
        fn delete_snapshot(&self, uuid: &str, name: &str) -> Result<()>;
        fn revert_snapshot(&self, uuid: &str, name: &str) -> Result<()>;
    }
    impl MetricsBackend for Hv {
        fn domain_stats(&self, uuid: &str) -> Result<DomainStats>;
        fn all_domain_stats(&self) -> Result<Vec<DomainStatsEntry>>;
    }
    impl MigrationBackend for Hv {
        fn host_identity(&self) -> Result<HostIdentity>;
        fn connect_destination(&self, destination_uri: &str, timeout: std::time::Duration) -> Result<Arc<dyn Hypervisor>>;
        fn migrate(&self, uuid: &str, spec: &MigrationSpec) -> Result<MigrationOutcome>;
        fn migration_job(&self, uuid: &str) -> Result<Option<MigrationJobStats>>;
        fn abort_migration(&self, uuid: &str) -> Result<()>;
    }
    impl DeviceBackend for Hv {
        fn list_pci_devices(&self) -> Result<Vec<PciDevice>>;
        fn host_has_iommu(&self) -> Result<bool>;
        fn attach_pci_device(&self, domain: &str, dev: &PciHostdev) -> Result<()>;
        fn detach_pci_device(&self, domain: &str, address: PciAddress) -> Result<()>;
    }
    impl BackupBackend for Hv {
        fn begin_backup(&self, uuid: &str, spec: &BackupJobSpec) -> Result<()>;
        fn backup_job(&self, uuid: &str) -> Result<BackupJobState>;
        fn abort_backup(&self, uuid: &str) -> Result<()>;
        fn checkpoint_capable_disks(&self, uuid: &str) -> Result<Vec<String>>;
        fn list_checkpoints(&self, uuid: &str) -> Result<Vec<String>>;
        fn delete_checkpoint(&self, uuid: &str, name: &str) -> Result<()>;
        fn domain_definition(&self, uuid: &str) -> Result<DomainDefinition>;
        fn restore_disk_image(&self, chain: &[String], dest_path: &str) -> Result<()>;
    }
    impl HotplugBackend for Hv {
        fn set_hotplug_maximums(&self, uuid: &str, max_vcpus: u32, max_memory_mib: u64) -> Result<()>;
        fn hotplug_vcpus(&self, uuid: &str, vcpus: u32) -> Result<HotplugState>;
        fn hotplug_memory(&self, uuid: &str, memory_mib: u64) -> Result<HotplugState>;
        fn attach_disk(&self, uuid: &str, disk: &DiskSpec) -> Result<()>;
        fn detach_disk(&self, uuid: &str, target: &str) -> Result<HotplugState>;
        fn attach_interface(&self, uuid: &str, iface: &InterfaceSpec) -> Result<()>;
        fn detach_interface(&self, uuid: &str, mac: &str) -> Result<HotplugState>;
        fn list_usb_devices(&self) -> Result<Vec<UsbDevice>>;
        fn attach_usb_device(&self, uuid: &str, dev: &UsbHostdev) -> Result<()>;
        fn detach_usb_device(&self, uuid: &str, dev: &UsbHostdev) -> Result<HotplugState>;
    }
    impl ConsoleBackend for Hv {
        fn consoles(&self, uuid: &str) -> Result<Vec<ConsoleEndpoint>>;
    }
    impl EventBackend for Hv {
        fn watch_events(&self, sink: EventSink) -> Result<()>;
    }
    impl NetworkBackend for Hv {
        fn list_networks(&self) -> Result<Vec<Network>>;
        fn lookup_network(&self, name: &str) -> Result<Network>;
        fn define_network(&self, spec: &NetworkSpec) -> Result<Network>;
        fn start_network(&self, name: &str) -> Result<()>;
        fn stop_network(&self, name: &str) -> Result<()>;
        fn undefine_network(&self, name: &str) -> Result<()>;
        fn set_network_autostart(&self, name: &str, autostart: bool) -> Result<()>;
        fn network_dhcp_leases(&self, name: &str) -> Result<Vec<DhcpLease>>;
    }
}

const VOLUME: &str = "/pool/web.qcow2";

fn host() -> HostInfo {
    HostInfo {
        backend: "scripted".into(),
        uri: "scripted:///".into(),
        hypervisor: "none".into(),
        libvirt_version: None,
        arch: "x86_64".into(),
        domain_types: vec!["kvm".into(), "qemu".into()],
    }
}

fn pool() -> StoragePool {
    StoragePool {
        name: "default".into(),
        pool_type: "dir".into(),
        path: Some("/pool".into()),
        active: true,
        autostart: true,
        persistent: true,
        capacity_bytes: 1 << 40,
        allocation_bytes: 0,
        available_bytes: 1 << 40,
    }
}

/// A backend where the name is free, the pool exists and the volume can be made.
fn scripted() -> MockHv {
    let mut hv = MockHv::new();
    hv.expect_host_info().returning(|| Ok(host()));
    hv.expect_lookup_domain()
        .returning(|id| Err(HypervisorError::not_found(format!("no domain {id}"))));
    hv.expect_lookup_volume()
        .returning(|_, name| Err(HypervisorError::not_found(format!("no volume {name}"))));
    hv.expect_lookup_pool()
        .with(eq("default"))
        .returning(|_| Ok(pool()));
    hv.expect_create_volume().times(1).returning(|pool, spec| {
        assert_eq!(spec.capacity_bytes, 1 << 30);
        assert_eq!(spec.format, DiskFormat::Qcow2);
        Ok(StorageVolume {
            name: spec.name.clone(),
            pool: pool.into(),
            path: VOLUME.into(),
            format: Some("qcow2".into()),
            capacity_bytes: spec.capacity_bytes,
            allocation_bytes: 0,
        })
    });
    hv
}

fn request(autostart: bool) -> VmCreate {
    VmCreate {
        name: "web".into(),
        memory_mib: 256,
        vcpus: 1,
        disk_size_gib: Some(1),
        disk_path: None,
        iso_path: None,
        storage_pool: "default".into(),
        network: None,
        graphics: None,
        autostart,
    }
}

fn app(mut hv: MockHv) -> Arc<Vapor> {
    // These tests script calls, not events.
    hv.expect_watch_events().returning(|_| Ok(()));
    Vapor::new(
        Arc::new(hv),
        Arc::new(Database::open_in_memory().unwrap()),
        Settings::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_failed_define_deletes_the_new_volume() {
    let mut hv = scripted();
    hv.expect_define_domain().times(1).returning(|_| {
        Err(HypervisorError::invalid_argument(
            "unsupported configuration: bad disk",
        ))
    });
    hv.expect_delete_volume_by_path()
        .with(eq(VOLUME))
        .times(1)
        .returning(|_| Ok(()));
    let err = app(hv).create_vm(request(false)).await.unwrap_err();
    assert!(matches!(err, Error::Hypervisor { .. }), "{err:?}");
    assert_eq!(err.http_status(), 422);
}

#[tokio::test]
async fn a_failed_autostart_undefines_and_deletes_the_volume() {
    let mut hv = scripted();
    hv.expect_define_domain().times(1).returning(|spec| {
        assert!(spec.metadata.owned_volumes.contains(&VOLUME.to_owned()));
        Ok(Domain {
            uuid: spec.uuid.clone(),
            name: spec.name.clone(),
            state: DomainState::Shutoff,
            domain_type: spec.domain_type.clone(),
            memory_mib: spec.memory_mib,
            max_memory_mib: spec.memory_mib,
            vcpus: spec.vcpus,
            max_vcpus: spec.vcpus,
            autostart: false,
            persistent: true,
            os: OsInfo {
                os_type: "hvm".into(),
                arch: spec.arch.clone(),
                machine: None,
            },
            disks: vec![],
            interfaces: vec![],
            graphics: vec![],
            firmware: "bios".into(),
            secure_boot: false,
            tpm: false,
            metadata: spec.metadata.clone(),
        })
    });
    hv.expect_set_autostart()
        .times(1)
        .returning(|_, _| Err(HypervisorError::failed("cannot create symlink")));
    hv.expect_undefine_domain().times(1).returning(|_| Ok(()));
    hv.expect_delete_volume_by_path()
        .with(eq(VOLUME))
        .times(1)
        .returning(|_| Ok(()));
    let err = app(hv).create_vm(request(true)).await.unwrap_err();
    assert_eq!(err.http_status(), 500, "{err:?}");
}

#[tokio::test]
async fn the_default_pool_is_created_when_missing() {
    let mut hv = MockHv::new();
    hv.expect_host_info().returning(|| Ok(host()));
    hv.expect_lookup_domain()
        .returning(|id| Err(HypervisorError::not_found(format!("no domain {id}"))));
    hv.expect_lookup_volume()
        .returning(|_, name| Err(HypervisorError::not_found(format!("no volume {name}"))));
    hv.expect_lookup_pool()
        .returning(|_| Err(HypervisorError::not_found("no pool")));
    hv.expect_create_dir_pool()
        .with(eq("default"), eq("/var/lib/libvirt/images"))
        .times(1)
        .returning(|_, _| Ok(pool()));
    hv.expect_create_volume()
        .times(1)
        .returning(|_, _| Err(HypervisorError::failed("disk full")));
    hv.expect_define_domain().never();
    let err = app(hv).create_vm(request(false)).await.unwrap_err();
    assert_eq!(err.http_status(), 500, "{err:?}");
}

#[tokio::test]
async fn a_default_pool_created_by_a_concurrent_request_is_used() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut hv = MockHv::new();
    hv.expect_host_info().returning(|| Ok(host()));
    hv.expect_lookup_domain()
        .returning(|id| Err(HypervisorError::not_found(format!("no domain {id}"))));
    hv.expect_lookup_volume()
        .returning(|_, name| Err(HypervisorError::not_found(format!("no volume {name}"))));
    // Missing, then defined by someone else but not yet running, then running.
    let lookups = AtomicUsize::new(0);
    hv.expect_lookup_pool()
        .returning(move |_| match lookups.fetch_add(1, Ordering::SeqCst) {
            0 => Err(HypervisorError::not_found("no pool")),
            1 => Ok(StoragePool {
                active: false,
                ..pool()
            }),
            _ => Ok(pool()),
        });
    hv.expect_create_dir_pool()
        .times(1)
        .returning(|_, _| Err(HypervisorError::already_exists("pool default exists")));
    hv.expect_create_volume()
        .times(1)
        .returning(|_, _| Err(HypervisorError::failed("disk full")));
    hv.expect_define_domain().never();
    // The create goes past the pool and fails later, at the volume.
    let err = app(hv).create_vm(request(false)).await.unwrap_err();
    assert!(format!("{err:?}").contains("disk full"), "{err:?}");
}
