//! Events of the mock's state machine.
//!
//! Every operation that changes a domain reports, through the sink given to
//! [`EventBackend::watch_events`], the events libvirt reports for it, in
//! libvirt's order (detail in parentheses):
//!
//! | operation | events |
//! |---|---|
//! | define (a new domain) | `defined(added)` |
//! | undefine | `undefined(removed)`; a running domain is destroyed first: `stopped(destroyed)` before it |
//! | start | `started(booted)` |
//! | destroy | `stopped(destroyed)` |
//! | graceful shutdown (the mock's guests honour it at once) | `shutdown(finished)`, `stopped(shutdown)` |
//! | suspend / resume | `suspended(paused)` / `resumed(unpaused)` |
//! | reboot, reset | `rebooted` |
//! | snapshot revert | `started(from_snapshot)` when a stopped domain comes up, `stopped(from_snapshot)` when an active one goes down, and `suspended(from_snapshot)` / `resumed(from_snapshot)` when only the pause changes |
//! | hot attach / completed hot detach | `device_added(alias)` / `device_removed(alias)`, with QEMU's alias |
//! | migration, source | `suspended(migrated)` when the guest stops (at the start when not live, at switch-over when live), then `stopped(migrated)`, `undefined(removed)`, `job_completed`; a failed or aborted migration: (`resumed(migrated)` when it had paused the guest) and `job_completed` |
//! | migration, destination | `defined(added)`, `started(migrated)`, and `resumed(migrated)` when the guest runs there |
//! | backup | `job_completed` when the job ends (completed, failed, aborted) |
//!
//! Nothing else changes a domain in a way libvirt reports: snapshot
//! creation and deletion, memory and vCPU changes, autostart and hotplug
//! maximums, hot-removals a guest has not completed (`Pending`) report
//! nothing.
//!
//! Events are delivered synchronously by the thread that made the change,
//! while it still holds the lock under which it made it, so that events of
//! one domain come in the order their changes took effect. The sink is
//! called under a lock of its own, which is taken last and under which the
//! backend takes no other lock: the sink is called one event at a time, and
//! once a second `watch_events` returns the first sink is never called
//! again. With no sink, nothing is recorded.

use std::sync::{Mutex, MutexGuard};

use vapor_hypervisor::{
    DiskBus, DiskSpec, DomainEvent, DomainEventKind, DomainSpec, EventBackend, EventSink,
    HypervisorEvent, Result,
};

use crate::MockHypervisor;

/// Where the mock's events go.
#[derive(Default)]
pub(crate) struct MockEvents {
    sink: Mutex<Option<EventSink>>,
}

impl MockEvents {
    fn sink(&self) -> MutexGuard<'_, Option<EventSink>> {
        self.sink.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reports one event about the domain with this UUID and name.
    pub(crate) fn domain(
        &self,
        uuid: &str,
        name: &str,
        kind: DomainEventKind,
        detail: Option<&str>,
    ) {
        let sink = self.sink();
        if let Some(sink) = sink.as_ref() {
            sink(HypervisorEvent::Domain(DomainEvent {
                uuid: uuid.to_owned(),
                name: name.to_owned(),
                kind,
                detail: detail.map(str::to_owned),
            }));
        }
    }

    /// Reports one event about the domain `spec` describes.
    pub(crate) fn of(&self, spec: &DomainSpec, kind: DomainEventKind, detail: Option<&str>) {
        self.domain(&spec.uuid, &spec.name, kind, detail);
    }
}

impl EventBackend for MockHypervisor {
    fn watch_events(&self, sink: EventSink) -> Result<()> {
        *self.events.sink() = Some(sink);
        Ok(())
    }
}

/// libvirt's index of a disk target (`vda` 0, `vdb` 1, `vdz` 25, `vdaa`
/// 26), or `None` for a name it would not take.
fn disk_index(target: &str) -> Option<u64> {
    let letters = ["xvd", "vd", "sd", "hd", "fd", "ubd"]
        .iter()
        .find_map(|p| target.strip_prefix(p))?;
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let mut index: u64 = 0;
    for (i, b) in letters.bytes().enumerate() {
        index = (index + u64::from(i > 0)) * 26 + u64::from(b - b'a');
    }
    Some(index)
}

/// QEMU's alias of a disk: `virtio-disk<index>` on virtio,
/// `scsi0-0-0-<index>` on SCSI (one virtio-scsi controller, which has room
/// for every unit the mock gives out); SATA and IDE, which cannot be
/// hot-plugged, for completeness.
pub(crate) fn disk_alias(disk: &DiskSpec) -> String {
    let index = disk_index(&disk.target).unwrap_or(0);
    match disk.bus {
        DiskBus::Virtio => format!("virtio-disk{index}"),
        DiskBus::Scsi => format!("scsi0-0-0-{index}"),
        DiskBus::Sata => format!("sata0-0-{index}"),
        DiskBus::Ide => format!("ide0-{}-{}", index / 2, index % 2),
    }
}

/// QEMU's alias of a network interface: `net<n>`, numbered in the running
/// domain's order (QEMU numbers them so at start, and a hot-plugged one
/// after the last).
pub(crate) fn interface_alias(position: usize) -> String {
    format!("net{position}")
}

/// QEMU's alias of a host device: `hostdev<n>`.
pub(crate) fn hostdev_alias(position: usize) -> String {
    format!("hostdev{position}")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use vapor_hypervisor::*;

    use super::disk_index;
    use crate::MockHypervisor;

    const U: &str = "55555555-5555-4555-8555-555555555555";
    const NAME: &str = "events-a";

    fn spec() -> DomainSpec {
        DomainSpec {
            name: NAME.into(),
            uuid: U.into(),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 512,
            vcpus: 1,
            disks: vec![DiskSpec {
                device: DiskDevice::Disk,
                path: "/images/events-a.qcow2".into(),
                format: DiskFormat::Qcow2,
                bus: DiskBus::Virtio,
                target: "vda".into(),
                readonly: false,
                cache: None,
            }],
            interfaces: vec![InterfaceSpec {
                kind: InterfaceKind::User,
                source: None,
                model: "virtio".into(),
                mac: "52:54:00:00:00:01".into(),
            }],
            graphics: vec![],
            boot: vec![BootDevice::Hd],
            firmware: Default::default(),
            tpm: false,
            metadata: VaporMetadata::default(),
        }
    }

    type Seen = Arc<Mutex<Vec<HypervisorEvent>>>;

    fn watch(hv: &MockHypervisor) -> Seen {
        let seen: Seen = Arc::default();
        let into = seen.clone();
        hv.watch_events(Arc::new(move |e| into.lock().unwrap().push(e)))
            .unwrap();
        seen
    }

    /// What was seen since the last call, as (kind, detail) of domain `U`.
    fn take(seen: &Seen) -> Vec<(&'static str, Option<String>)> {
        std::mem::take(&mut *seen.lock().unwrap())
            .into_iter()
            .map(|e| match e {
                HypervisorEvent::Domain(d) => {
                    assert_eq!((d.uuid.as_str(), d.name.as_str()), (U, NAME));
                    (d.kind.as_str(), d.detail)
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    fn ev(kind: &'static str, detail: &str) -> (&'static str, Option<String>) {
        (kind, (!detail.is_empty()).then(|| detail.to_owned()))
    }

    #[test]
    fn lifecycle_in_order() {
        let hv = MockHypervisor::new();
        let seen = watch(&hv);
        hv.define_domain(&spec()).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        hv.power(U, PowerAction::Suspend).unwrap();
        hv.power(U, PowerAction::Resume).unwrap();
        hv.power(U, PowerAction::Reboot).unwrap();
        hv.power(U, PowerAction::Reset).unwrap();
        hv.power(U, PowerAction::Destroy).unwrap();
        hv.undefine_domain(U).unwrap();
        assert_eq!(
            take(&seen),
            [
                ev("defined", "added"),
                ev("started", "booted"),
                ev("suspended", "paused"),
                ev("resumed", "unpaused"),
                ev("rebooted", ""),
                ev("rebooted", ""),
                ev("stopped", "destroyed"),
                ev("undefined", "removed"),
            ]
        );
    }

    #[test]
    fn refused_operations_and_config_changes_report_nothing() {
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        let seen = watch(&hv);
        assert!(hv.power(U, PowerAction::Destroy).is_err());
        assert!(hv.power(U, PowerAction::Resume).is_err());
        hv.set_memory(U, 256).unwrap();
        hv.set_vcpus(U, 2).unwrap();
        hv.set_autostart(U, true).unwrap();
        hv.set_hotplug_maximums(U, 4, 1024).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        assert!(hv.power(U, PowerAction::Start).is_err());
        assert!(hv.power(U, PowerAction::Resume).is_err());
        assert_eq!(take(&seen), [ev("started", "booted")]);
    }

    #[test]
    fn undefining_a_running_domain_destroys_it_first() {
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        let seen = watch(&hv);
        hv.undefine_domain(U).unwrap();
        assert_eq!(
            take(&seen),
            [ev("stopped", "destroyed"), ev("undefined", "removed")]
        );
    }

    /// The mock, like our libvirt backend, never defines over an existing
    /// domain: the define is refused, and nothing is reported (so there is
    /// no `defined(updated)`).
    #[test]
    fn define_over_an_existing_domain_is_refused_silently() {
        let hv = MockHypervisor::new();
        let seen = watch(&hv);
        hv.define_domain(&spec()).unwrap();
        let mut again = spec();
        again.memory_mib = 1024;
        assert_eq!(
            hv.define_domain(&again).unwrap_err().kind,
            HypervisorErrorKind::AlreadyExists
        );
        assert_eq!(take(&seen), [ev("defined", "added")]);
    }

    #[test]
    fn a_graceful_shutdown_completes_at_once() {
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        let seen = watch(&hv);
        hv.power(U, PowerAction::Shutdown).unwrap();
        assert_eq!(
            take(&seen),
            [ev("shutdown", "finished"), ev("stopped", "shutdown")]
        );
    }

    #[test]
    fn hotplug_reports_devices_by_alias() {
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_str().unwrap();
        let disk = |target: &str, bus: DiskBus| DiskSpec {
            device: DiskDevice::Disk,
            path: path.into(),
            format: DiskFormat::Raw,
            bus,
            target: target.into(),
            readonly: false,
            cache: None,
        };
        let nic = InterfaceSpec {
            kind: InterfaceKind::User,
            source: None,
            model: "virtio".into(),
            mac: "52:54:00:00:00:02".into(),
        };
        let seen = watch(&hv);
        hv.attach_disk(U, &disk("vdb", DiskBus::Virtio)).unwrap();
        hv.attach_disk(U, &disk("sdc", DiskBus::Scsi)).unwrap();
        hv.attach_interface(U, &nic).unwrap();
        // Refused: nothing.
        assert!(hv.attach_interface(U, &nic).is_err());
        assert!(hv.attach_disk(U, &disk("sda", DiskBus::Sata)).is_err());
        // A guest that never releases the device: pending, nothing yet, and
        // nothing when the domain stops either.
        assert_eq!(hv.detach_disk(U, "vdb").unwrap(), HotplugState::Pending);
        assert_eq!(
            take(&seen),
            [
                ev("device_added", "virtio-disk1"),
                ev("device_added", "scsi0-0-0-2"),
                ev("device_added", "net1"),
            ]
        );
        hv.set_guests_cooperate(true);
        assert_eq!(hv.detach_disk(U, "sdc").unwrap(), HotplugState::Completed);
        assert_eq!(
            hv.detach_interface(U, "52:54:00:00:00:02").unwrap(),
            HotplugState::Completed
        );
        // vCPU and memory changes report no device.
        hv.hotplug_vcpus(U, 1).unwrap();
        hv.hotplug_memory(U, 256).unwrap();
        hv.power(U, PowerAction::Destroy).unwrap();
        assert_eq!(
            take(&seen),
            [
                ev("device_removed", "scsi0-0-0-2"),
                ev("device_removed", "net1"),
                ev("stopped", "destroyed"),
            ]
        );
    }

    #[test]
    fn usb_devices_are_host_devices() {
        let dev = UsbHostdev {
            vendor_id: 0x046d,
            product_id: 0xc52b,
        };
        let hv = MockHypervisor::with_usb_devices(vec![UsbDevice {
            name: "usb_1_2".into(),
            vendor_id: dev.vendor_id,
            product_id: dev.product_id,
            vendor_name: None,
            product_name: None,
        }]);
        hv.define_domain(&spec()).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        let seen = watch(&hv);
        hv.attach_usb_device(U, &dev).unwrap();
        hv.detach_usb_device(U, &dev).unwrap();
        assert_eq!(
            take(&seen),
            [
                ev("device_added", "hostdev0"),
                ev("device_removed", "hostdev0")
            ]
        );
    }

    #[test]
    fn pci_devices_of_a_running_domain_are_reported() {
        let devices = MockHypervisor::default_pci_devices();
        let address = devices[2].address;
        let hv = MockHypervisor::with_pci_devices(devices, true);
        hv.define_domain(&spec()).unwrap();
        let seen = watch(&hv);
        let dev = PciHostdev {
            address,
            managed: true,
            rom_file: None,
        };
        // Shut off: the definition only.
        hv.attach_pci_device(U, &dev).unwrap();
        hv.detach_pci_device(U, address).unwrap();
        assert_eq!(take(&seen), []);
        hv.power(U, PowerAction::Start).unwrap();
        hv.attach_pci_device(U, &dev).unwrap();
        hv.detach_pci_device(U, address).unwrap();
        assert_eq!(
            take(&seen),
            [
                ev("started", "booted"),
                ev("device_added", "hostdev0"),
                ev("device_removed", "hostdev0"),
            ]
        );
    }

    #[test]
    fn snapshot_revert_reports_the_change_of_state() {
        use SnapshotLocation::*;
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        let snap = |name: &str, memory: SnapshotLocation| SnapshotSpec {
            name: name.into(),
            description: None,
            memory,
            disks: vec![("vda".into(), Internal)],
            quiesce: false,
        };
        let seen = watch(&hv);
        hv.create_snapshot(U, &snap("off", No)).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        hv.create_snapshot(U, &snap("live", Internal)).unwrap();
        hv.power(U, PowerAction::Suspend).unwrap();
        hv.create_snapshot(U, &snap("paused", Internal)).unwrap();
        hv.power(U, PowerAction::Destroy).unwrap();
        // Taking snapshots reports nothing.
        assert_eq!(
            take(&seen),
            [
                ev("started", "booted"),
                ev("suspended", "paused"),
                ev("stopped", "destroyed"),
            ]
        );

        hv.revert_snapshot(U, "live").unwrap();
        assert_eq!(take(&seen), [ev("started", "from_snapshot")]);
        hv.revert_snapshot(U, "paused").unwrap();
        assert_eq!(take(&seen), [ev("suspended", "from_snapshot")]);
        hv.revert_snapshot(U, "live").unwrap();
        assert_eq!(take(&seen), [ev("resumed", "from_snapshot")]);
        hv.revert_snapshot(U, "off").unwrap();
        assert_eq!(take(&seen), [ev("stopped", "from_snapshot")]);
        hv.revert_snapshot(U, "paused").unwrap();
        assert_eq!(
            take(&seen),
            [
                ev("started", "from_snapshot"),
                ev("suspended", "from_snapshot")
            ]
        );
        hv.delete_snapshot(U, "off").unwrap();
        assert_eq!(take(&seen), []);
    }

    #[test]
    fn a_second_watch_replaces_the_first_sink() {
        let hv = MockHypervisor::new();
        // No sink yet: nothing is kept for later.
        hv.define_domain(&spec()).unwrap();
        let first = watch(&hv);
        hv.power(U, PowerAction::Start).unwrap();
        let second = watch(&hv);
        hv.power(U, PowerAction::Destroy).unwrap();
        assert_eq!(take(&first), [ev("started", "booted")]);
        assert_eq!(take(&second), [ev("stopped", "destroyed")]);
    }

    #[test]
    fn backup_jobs_report_their_end() {
        let dir = tempfile::tempdir().unwrap();
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        let seen = watch(&hv);
        let job = |file: &str| BackupJobSpec {
            disks: vec![BackupDiskTarget {
                target: "vda".into(),
                file: dir.path().join(file).to_str().unwrap().into(),
            }],
            incremental_from: None,
            checkpoint: None,
        };
        hv.begin_backup(U, &job("a")).unwrap();
        // The mock's jobs take no time by default: the first look ends it.
        assert!(matches!(
            hv.backup_job(U).unwrap(),
            BackupJobState::Completed { .. }
        ));
        hv.backup_job(U).unwrap();
        assert_eq!(take(&seen), [ev("job_completed", "")]);
    }

    fn migration(dest: &str, live: bool) -> MigrationSpec {
        MigrationSpec {
            destination_uri: format!("qemu+tcp://{dest}/system"),
            live,
            tunnelled: false,
            compressed: false,
            auto_converge: false,
            allow_unsafe: false,
            copy_storage: CopyStorage::None,
            max_bandwidth_mib_s: None,
            max_downtime_ms: None,
        }
    }

    fn diskless() -> DomainSpec {
        let mut d = spec();
        d.disks.clear();
        d
    }

    #[test]
    fn migration_reports_on_both_hosts() {
        let source = MockHypervisor::new_host("events-src-a");
        let dest = MockHypervisor::new_host("events-dst-a");
        source.define_domain(&diskless()).unwrap();
        source.power(U, PowerAction::Start).unwrap();
        let from = watch(&source);
        let to = watch(&dest);
        source.migrate(U, &migration("events-dst-a", true)).unwrap();
        assert_eq!(
            take(&from),
            [
                ev("suspended", "migrated"),
                ev("stopped", "migrated"),
                ev("undefined", "removed"),
                ev("job_completed", ""),
            ]
        );
        assert_eq!(
            take(&to),
            [
                ev("defined", "added"),
                ev("started", "migrated"),
                ev("resumed", "migrated"),
            ]
        );
    }

    #[test]
    fn an_offline_migration_pauses_first_and_resumes_when_aborted() {
        let source = MockHypervisor::new_host("events-src-b");
        let dest = MockHypervisor::new_host("events-dst-b");
        source.define_domain(&diskless()).unwrap();
        source.power(U, PowerAction::Start).unwrap();
        // 512 MiB at 1 MiB/s: still running when aborted.
        source.set_link_speed(1 << 20);
        let from = watch(&source);
        let to = watch(&dest);
        std::thread::scope(|s| {
            let migrating = s.spawn(|| source.migrate(U, &migration("events-dst-b", false)));
            while source.migration_job(U).unwrap().is_none() {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            source.abort_migration(U).unwrap();
            assert!(migrating.join().unwrap().is_err());
        });
        assert_eq!(
            take(&from),
            [
                ev("suspended", "migrated"),
                ev("resumed", "migrated"),
                ev("job_completed", ""),
            ]
        );
        assert_eq!(take(&to), []);
        assert_eq!(source.lookup_domain(U).unwrap().state, DomainState::Running);
    }

    /// Concurrent operations on one domain report in the order their
    /// changes took effect: pauses and resumes strictly alternate.
    #[test]
    fn concurrent_changes_report_in_the_order_they_took_effect() {
        let hv = MockHypervisor::new();
        hv.define_domain(&spec()).unwrap();
        hv.power(U, PowerAction::Start).unwrap();
        let seen = watch(&hv);
        let done = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..8 {
                let (hv, done) = (&hv, &done);
                s.spawn(move || {
                    for i in 0..200 {
                        let action = if (t + i) % 2 == 0 {
                            PowerAction::Suspend
                        } else {
                            PowerAction::Resume
                        };
                        if hv.power(U, action).is_ok() {
                            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        let events = take(&seen);
        assert_eq!(events.len(), done.into_inner());
        for (i, e) in events.iter().enumerate() {
            let expected = if i % 2 == 0 {
                ev("suspended", "paused")
            } else {
                ev("resumed", "unpaused")
            };
            assert_eq!(*e, expected, "event {i}");
        }
    }

    #[test]
    fn disk_indexes() {
        assert_eq!(disk_index("vda"), Some(0));
        assert_eq!(disk_index("vdz"), Some(25));
        assert_eq!(disk_index("vdaa"), Some(26));
        assert_eq!(disk_index("sdb"), Some(1));
        assert_eq!(disk_index("xvdc"), Some(2));
        assert_eq!(disk_index("vd1"), None);
    }
}
