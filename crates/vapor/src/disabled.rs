//! The backend used when `[libvirt] enabled = false`: every call is `Unavailable`.

use vapor_hypervisor::*;

pub struct DisabledHypervisor;

fn disabled<T>() -> Result<T> {
    Err(HypervisorError::new(
        HypervisorErrorKind::Unavailable,
        "libvirt is disabled in vapor.conf",
    ))
}

impl Hypervisor for DisabledHypervisor {
    fn host_info(&self) -> Result<HostInfo> {
        disabled()
    }
    fn list_domains(&self) -> Result<Vec<Domain>> {
        disabled()
    }
    fn lookup_domain(&self, _: &str) -> Result<Domain> {
        disabled()
    }
    fn define_domain(&self, _: &DomainSpec) -> Result<Domain> {
        disabled()
    }
    fn undefine_domain(&self, _: &str) -> Result<()> {
        disabled()
    }
    fn power(&self, _: &str, _: PowerAction) -> Result<()> {
        disabled()
    }
    fn set_memory(&self, _: &str, _: u64) -> Result<ChangeScope> {
        disabled()
    }
    fn set_vcpus(&self, _: &str, _: u32) -> Result<ChangeScope> {
        disabled()
    }
    fn set_autostart(&self, _: &str, _: bool) -> Result<()> {
        disabled()
    }
}

impl StorageBackend for DisabledHypervisor {
    fn lookup_pool(&self, _: &str) -> Result<StoragePool> {
        disabled()
    }
    fn create_dir_pool(&self, _: &str, _: &str) -> Result<StoragePool> {
        disabled()
    }
    fn create_volume(&self, _: &str, _: &VolumeSpec) -> Result<StorageVolume> {
        disabled()
    }
    fn clone_volume(&self, _: &str, _: &str, _: &str, _: DiskFormat) -> Result<StorageVolume> {
        disabled()
    }
    fn lookup_volume_by_path(&self, _: &str) -> Result<StorageVolume> {
        disabled()
    }
    fn delete_volume_by_path(&self, _: &str) -> Result<()> {
        disabled()
    }
    fn list_pools(&self) -> Result<Vec<StoragePool>> {
        disabled()
    }
    fn define_pool(&self, _: &PoolSpec) -> Result<StoragePool> {
        disabled()
    }
    fn pool_action(&self, _: &str, _: PoolAction) -> Result<()> {
        disabled()
    }
    fn undefine_pool(&self, _: &str) -> Result<()> {
        disabled()
    }
    fn list_volumes(&self, _: &str) -> Result<Vec<VolumeDetails>> {
        disabled()
    }
    fn lookup_volume(&self, _: &str, _: &str) -> Result<VolumeDetails> {
        disabled()
    }
    fn delete_volume(&self, _: &str, _: &str) -> Result<()> {
        disabled()
    }
}

impl NetworkBackend for DisabledHypervisor {
    fn list_networks(&self) -> Result<Vec<Network>> {
        disabled()
    }
    fn lookup_network(&self, _: &str) -> Result<Network> {
        disabled()
    }
    fn define_network(&self, _: &NetworkSpec) -> Result<Network> {
        disabled()
    }
    fn start_network(&self, _: &str) -> Result<()> {
        disabled()
    }
    fn stop_network(&self, _: &str) -> Result<()> {
        disabled()
    }
    fn undefine_network(&self, _: &str) -> Result<()> {
        disabled()
    }
    fn set_network_autostart(&self, _: &str, _: bool) -> Result<()> {
        disabled()
    }
    fn network_dhcp_leases(&self, _: &str) -> Result<Vec<DhcpLease>> {
        disabled()
    }
}

impl SnapshotBackend for DisabledHypervisor {
    fn snapshot_facts(&self, _: &str) -> Result<SnapshotFacts> {
        disabled()
    }
    fn list_snapshots(&self, _: &str) -> Result<Vec<SnapshotInfo>> {
        disabled()
    }
    fn lookup_snapshot(&self, _: &str, _: &str) -> Result<SnapshotInfo> {
        disabled()
    }
    fn create_snapshot(&self, _: &str, _: &SnapshotSpec) -> Result<SnapshotInfo> {
        disabled()
    }
    fn delete_snapshot(&self, _: &str, _: &str) -> Result<()> {
        disabled()
    }
    fn revert_snapshot(&self, _: &str, _: &str) -> Result<()> {
        disabled()
    }
}

impl MetricsBackend for DisabledHypervisor {
    fn domain_stats(&self, _: &str) -> Result<DomainStats> {
        disabled()
    }

    fn all_domain_stats(&self) -> Result<Vec<DomainStatsEntry>> {
        disabled()
    }
}

impl MigrationBackend for DisabledHypervisor {
    fn host_identity(&self) -> Result<HostIdentity> {
        disabled()
    }
    fn connect_destination(
        &self,
        _: &str,
        _: std::time::Duration,
    ) -> Result<std::sync::Arc<dyn Hypervisor>> {
        disabled()
    }
    fn migrate(&self, _: &str, _: &MigrationSpec) -> Result<MigrationOutcome> {
        disabled()
    }
    fn migration_job(&self, _: &str) -> Result<Option<MigrationJobStats>> {
        disabled()
    }
    fn abort_migration(&self, _: &str) -> Result<()> {
        disabled()
    }
}

impl DeviceBackend for DisabledHypervisor {
    fn list_pci_devices(&self) -> Result<Vec<PciDevice>> {
        disabled()
    }
    fn host_has_iommu(&self) -> Result<bool> {
        disabled()
    }
    fn attach_pci_device(&self, _: &str, _: &PciHostdev) -> Result<()> {
        disabled()
    }
    fn detach_pci_device(&self, _: &str, _: PciAddress) -> Result<()> {
        disabled()
    }
}

impl BackupBackend for DisabledHypervisor {
    fn begin_backup(&self, _: &str, _: &BackupJobSpec) -> Result<()> {
        disabled()
    }
    fn backup_job(&self, _: &str) -> Result<BackupJobState> {
        disabled()
    }
    fn abort_backup(&self, _: &str) -> Result<()> {
        disabled()
    }
    fn checkpoint_capable_disks(&self, _: &str) -> Result<Vec<String>> {
        disabled()
    }
    fn list_checkpoints(&self, _: &str) -> Result<Vec<String>> {
        disabled()
    }
    fn delete_checkpoint(&self, _: &str, _: &str) -> Result<()> {
        disabled()
    }
    fn domain_definition(&self, _: &str) -> Result<DomainDefinition> {
        disabled()
    }
    fn restore_disk_image(&self, _: &[String], _: &str) -> Result<()> {
        disabled()
    }
}

impl HotplugBackend for DisabledHypervisor {
    fn set_hotplug_maximums(&self, _: &str, _: u32, _: u64) -> Result<()> {
        disabled()
    }
    fn hotplug_vcpus(&self, _: &str, _: u32) -> Result<HotplugState> {
        disabled()
    }
    fn hotplug_memory(&self, _: &str, _: u64) -> Result<HotplugState> {
        disabled()
    }
    fn attach_disk(&self, _: &str, _: &DiskSpec) -> Result<()> {
        disabled()
    }
    fn detach_disk(&self, _: &str, _: &str) -> Result<HotplugState> {
        disabled()
    }
    fn attach_interface(&self, _: &str, _: &InterfaceSpec) -> Result<()> {
        disabled()
    }
    fn detach_interface(&self, _: &str, _: &str) -> Result<HotplugState> {
        disabled()
    }
    fn list_usb_devices(&self) -> Result<Vec<UsbDevice>> {
        disabled()
    }
    fn attach_usb_device(&self, _: &str, _: &UsbHostdev) -> Result<()> {
        disabled()
    }
    fn detach_usb_device(&self, _: &str, _: &UsbHostdev) -> Result<HotplugState> {
        disabled()
    }
}

impl ConsoleBackend for DisabledHypervisor {
    fn consoles(&self, _: &str) -> Result<Vec<ConsoleEndpoint>> {
        disabled()
    }
}

/// Nothing happens without a backend, so there is nothing to report.
impl EventBackend for DisabledHypervisor {
    fn watch_events(&self, _: EventSink) -> Result<()> {
        Ok(())
    }
}
