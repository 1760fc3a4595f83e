//! Every call into libvirt, counted.
//!
//! The rest of the crate never holds a `virt` object: it gets a [`Handle`]
//! (an open connection) and, from it, [`Conn`], [`Dom`], [`Pool`] and [`Vol`],
//! whose fields are private to this module. Each of their methods makes
//! exactly one libvirt API call and goes through [`counted`], which adds one
//! to the owning [`LibvirtHypervisor`](crate::LibvirtHypervisor)'s counter
//! first. A new libvirt call therefore has to be added here, next to its
//! count; code elsewhere cannot reach libvirt uncounted. The two calls made
//! through raw FFI (`ffi.rs`) are reached only from here as well.
//!
//! What counts as one call: one libvirt API function invoked by this crate to
//! do work, whether it makes a round trip to libvirtd (most do) or is
//! answered locally (`virConnectIsAlive`, `virDomainGetName`, ...).
//! Not counted:
//! - releasing a reference (`virDomainFree`, `virStoragePoolFree`,
//!   `virStorageVolFree`, `virConnectClose`), which happens when a wrapper
//!   is dropped;
//! - `virGetLastError`, which a failed call uses to report its error;
//! - reading the name and UUID of the domain each record of
//!   `virConnectGetAllDomainStats` comes with (`virDomainGetName`,
//!   `virDomainGetUUIDString` on that record's object, answered from it):
//!   part of reading that one call's answer, so that a read of every
//!   domain's statistics costs one call whatever their number;
//! - the process-wide event loop and error callback set up in
//!   `connection.rs`, which belong to no instance;
//! - the event watcher's liveness polls ([`Handle::is_alive_uncounted`],
//!   `virConnectIsAlive` about twice a second on its own thread), which no
//!   caller asked for and which would otherwise make counts depend on time;
//! - what the domain event callbacks read on libvirt's event-loop thread
//!   (`virDomainGetName`, `virDomainGetUUIDString` on the domain libvirt
//!   hands them; see `ffi_events.rs`), part of receiving one event.
//!
//! Registering and deregistering event callbacks
//! ([`Conn::register_domain_event`], [`Conn::deregister_domain_event`]) are
//! counted, one call each.
//!
//! A call that the `virt` binding rejects before reaching libvirt (a string
//! argument with a NUL byte) is still counted.

use std::sync::atomic::{AtomicU64, Ordering};

use uuid::Uuid;
use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error as VirtError;
use virt::storage_pool::{StoragePool, StoragePoolInfo};
use virt::storage_vol::{StorageVol, StorageVolInfo};

use vapor_hypervisor::DomainState;

use crate::ffi;

/// Counts one libvirt call, then makes it.
fn counted<T>(calls: &AtomicU64, call: impl FnOnce() -> T) -> T {
    calls.fetch_add(1, Ordering::Relaxed);
    call()
}

/// Methods that count and then call the `virt` method of the same name on
/// `self.raw`; `as Wrapper` wraps the returned object with the same counter.
macro_rules! libvirt_calls {
    ($(
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty $(as $wrap:ident)?;
    )*) => {$(
        pub(crate) fn $name(&self $(, $arg: $ty)*) -> Result<$ret, VirtError> {
            let value = counted(self.calls, || self.raw.$name($($arg),*))?;
            Ok(libvirt_calls!(@wrap self, value $(, $wrap)?))
        }
    )*};
    (@wrap $self:ident, $value:ident) => { $value };
    (@wrap $self:ident, $value:ident, $wrap:ident) => {
        $wrap { raw: $value, calls: $self.calls }
    };
}

/// An open libvirt connection (`virConnectOpen`).
pub(crate) struct Handle(Connect);

impl Handle {
    /// Opens `uri`.
    pub(crate) fn open(uri: &str, calls: &AtomicU64) -> Result<Handle, VirtError> {
        counted(calls, || Connect::open(Some(uri))).map(Handle)
    }

    /// The connection, with calls counted on `calls`.
    pub(crate) fn with<'a>(&'a self, calls: &'a AtomicU64) -> Conn<'a> {
        Conn {
            raw: &self.0,
            calls,
        }
    }

    /// `virConnectIsAlive`, not counted: for the event watcher's periodic
    /// polls only (answered locally, no round trip).
    pub(crate) fn is_alive_uncounted(&self) -> bool {
        self.0.is_alive().unwrap_or(false)
    }
}

/// A connection whose calls are counted.
pub(crate) struct Conn<'a> {
    raw: &'a Connect,
    calls: &'a AtomicU64,
}

impl<'a> Conn<'a> {
    libvirt_calls! {
        fn is_alive(&self) -> bool;
        fn set_keep_alive(&self, interval: i32, count: u32) -> ();
        fn capabilities(&self) -> String;
        fn driver_type(&self) -> String;
        fn hyp_version(&self) -> u32;
        fn lib_version(&self) -> u32;
        fn uri(&self) -> String;
        fn lookup_domain_by_name(&self, name: &str) -> Dom<'a> as Dom;
        fn lookup_domain_by_uuid(&self, uuid: Uuid) -> Dom<'a> as Dom;
        fn define_domain_xml(&self, xml: &str) -> Dom<'a> as Dom;
        fn lookup_storage_pool_by_name(&self, name: &str) -> Pool<'a> as Pool;
        fn define_storage_pool_xml(&self, xml: &str, flags: u32) -> Pool<'a> as Pool;
        fn lookup_storage_vol_by_path(&self, path: &str) -> Vol<'a> as Vol;
    }

    /// `virConnectListAllStoragePools`: one call for the whole list.
    pub(crate) fn list_all_storage_pools(&self, flags: u32) -> Result<Vec<Pool<'a>>, VirtError> {
        let all = counted(self.calls, || self.raw.list_all_storage_pools(flags))?;
        Ok(all
            .into_iter()
            .map(|raw| Pool {
                raw,
                calls: self.calls,
            })
            .collect())
    }

    /// `virConnectListAllDomains`: one call for the whole list.
    pub(crate) fn list_all_domains(&self, flags: u32) -> Result<Vec<Dom<'a>>, VirtError> {
        let all = counted(self.calls, || self.raw.list_all_domains(flags))?;
        Ok(all
            .into_iter()
            .map(|raw| Dom {
                raw,
                calls: self.calls,
            })
            .collect())
    }
}

/// A domain whose calls are counted.
pub(crate) struct Dom<'a> {
    raw: Domain,
    calls: &'a AtomicU64,
}

impl Dom<'_> {
    libvirt_calls! {
        fn name(&self) -> String;
        fn is_active(&self) -> bool;
        fn is_persistent(&self) -> bool;
        fn autostart(&self) -> bool;
        fn set_autostart(&self, autostart: bool) -> ();
        fn xml_desc(&self, flags: u32) -> String;
        fn create(&self) -> ();
        fn shutdown(&self) -> ();
        fn shutdown_flags(&self, flags: u32) -> ();
        fn destroy(&self) -> ();
        fn reboot(&self, flags: u32) -> ();
        fn reset(&self) -> ();
        fn suspend(&self) -> ();
        fn resume(&self) -> ();
        fn max_memory(&self) -> u64;
        fn set_memory_flags(&self, kib: u64, flags: u32) -> ();
        fn vcpus_flags(&self, flags: u32) -> u32;
        fn set_vcpus_flags(&self, vcpus: u32, flags: u32) -> ();
        fn undefine_flags(&self, flags: u32) -> ();
        fn undefine(&self) -> ();
    }

    /// `virDomainGetState`, through [`ffi::domain_state`].
    pub(crate) fn state(&self) -> Result<DomainState, VirtError> {
        counted(self.calls, || ffi::domain_state(&self.raw))
    }

    /// `virDomainGetBlockInfo`, through [`ffi::block_capacity`].
    pub(crate) fn block_capacity(&self, target: &str) -> Result<u64, VirtError> {
        counted(self.calls, || ffi::block_capacity(&self.raw, target))
    }

    /// `virDomainInterfaceAddresses`, through [`ffi::interface_addresses`].
    pub(crate) fn interface_addresses(
        &self,
        source: u32,
    ) -> Result<Vec<vapor_hypervisor::GuestInterface>, VirtError> {
        counted(self.calls, || ffi::interface_addresses(&self.raw, source))
    }
}

/// A storage pool whose calls are counted.
pub(crate) struct Pool<'a> {
    raw: StoragePool,
    calls: &'a AtomicU64,
}

impl<'a> Pool<'a> {
    libvirt_calls! {
        fn name(&self) -> String;
        fn xml_desc(&self, flags: u32) -> String;
        fn info(&self) -> StoragePoolInfo;
        fn is_active(&self) -> bool;
        fn is_persistent(&self) -> bool;
        fn autostart(&self) -> bool;
        fn set_autostart(&self, autostart: bool) -> ();
        fn build(&self, flags: u32) -> ();
        fn create(&self, flags: u32) -> ();
        fn destroy(&self) -> ();
        fn undefine(&self) -> ();
        fn refresh(&self, flags: u32) -> ();
        fn lookup_storage_vol_by_name(&self, name: &str) -> Vol<'a> as Vol;
    }

    /// `virStoragePoolListAllVolumes`: one call for the whole list.
    pub(crate) fn list_all_volumes(&self, flags: u32) -> Result<Vec<Vol<'a>>, VirtError> {
        let all = counted(self.calls, || self.raw.list_all_volumes(flags))?;
        Ok(all
            .into_iter()
            .map(|raw| Vol {
                raw,
                calls: self.calls,
            })
            .collect())
    }

    /// `virStorageVolCreateXML` in this pool.
    pub(crate) fn create_volume_xml(&self, xml: &str, flags: u32) -> Result<Vol<'a>, VirtError> {
        let raw = counted(self.calls, || StorageVol::create_xml(&self.raw, xml, flags))?;
        Ok(Vol {
            raw,
            calls: self.calls,
        })
    }

    /// `virStorageVolCreateXMLFrom`: a new volume in this pool holding a copy of `source`.
    pub(crate) fn clone_volume_xml(
        &self,
        xml: &str,
        source: &Vol<'_>,
        flags: u32,
    ) -> Result<Vol<'a>, VirtError> {
        let raw = counted(self.calls, || {
            StorageVol::create_xml_from(&self.raw, xml, &source.raw, flags)
        })?;
        Ok(Vol {
            raw,
            calls: self.calls,
        })
    }
}

/// A storage volume whose calls are counted.
pub(crate) struct Vol<'a> {
    raw: StorageVol,
    calls: &'a AtomicU64,
}

impl<'a> Vol<'a> {
    libvirt_calls! {
        fn name(&self) -> String;
        fn path(&self) -> String;
        fn xml_desc(&self, flags: u32) -> String;
        fn info(&self) -> StorageVolInfo;
        fn delete(&self, flags: u32) -> ();
        fn lookup_storage_pool(&self) -> Pool<'a> as Pool;
    }
}

// ------------------------------------------------------------------ networks
//
// Virtual networks. `virNetworkGetDHCPLeases` has no `virt` binding; its raw
// call lives in `network.rs` ([`crate::network::dhcp_leases`]) and is reached
// only from here, counted like the rest. Releasing what it returns
// (`virNetworkDHCPLeaseFree`, `free`) and `virNetworkFree` are not counted.

/// Network calls on a connection.
impl<'a> Conn<'a> {
    libvirt_calls! {
        fn lookup_network_by_name(&self, name: &str) -> Net<'a> as Net;
        fn define_network_xml(&self, xml: &str) -> Net<'a> as Net;
    }

    /// `virConnectListAllNetworks`: one call for the whole list.
    pub(crate) fn list_all_networks(&self, flags: u32) -> Result<Vec<Net<'a>>, VirtError> {
        let all = counted(self.calls, || self.raw.list_all_networks(flags))?;
        Ok(all
            .into_iter()
            .map(|raw| Net {
                raw,
                calls: self.calls,
            })
            .collect())
    }
}

/// A virtual network whose calls are counted.
pub(crate) struct Net<'a> {
    raw: virt::network::Network,
    calls: &'a AtomicU64,
}

impl Net<'_> {
    libvirt_calls! {
        fn xml_desc(&self, flags: u32) -> String;
        fn is_active(&self) -> bool;
        fn is_persistent(&self) -> bool;
        fn autostart(&self) -> bool;
        fn set_autostart(&self, autostart: bool) -> ();
        fn create(&self) -> ();
        fn destroy(&self) -> ();
        fn undefine(&self) -> ();
    }

    /// `virNetworkGetDHCPLeases`, through [`crate::network::dhcp_leases`].
    pub(crate) fn dhcp_leases(&self) -> Result<Vec<vapor_hypervisor::DhcpLease>, VirtError> {
        counted(self.calls, || crate::network::dhcp_leases(&self.raw))
    }
}

// ------------------------------------------------------------------- metrics
//
// Domain statistics. `virDomainListGetStats` for one domain has no `virt`
// binding, and `virConnectGetAllDomainStats`'s leaks its records; their raw
// calls live in `metrics.rs` ([`crate::metrics::domain_stats`],
// [`crate::metrics::all_domain_stats`]) and are reached only from here,
// counted like the rest. Releasing what they return
// (`virDomainStatsRecordListFree`) is not counted.

impl<'a> Conn<'a> {
    /// `virConnectGetAllDomainStats`: every domain's statistics in one call,
    /// through [`crate::metrics::all_domain_stats`]. Reading each record's
    /// domain name and UUID from the object that came with it is part of
    /// reading the answer and not counted apart, like reading its fields.
    pub(crate) fn all_domain_stats(
        &self,
        groups: u32,
    ) -> Result<Vec<crate::metrics::StatsRecord>, VirtError> {
        counted(self.calls, || {
            crate::metrics::all_domain_stats(self.raw, groups)
        })
    }
}

/// Statistics calls on a domain.
impl Dom<'_> {
    libvirt_calls! {
        fn info(&self) -> virt::domain::DomainInfo;
        fn block_stats(&self, disk: &str) -> virt::domain::BlockStats;
        fn interface_stats(&self, path: &str) -> virt::domain::InterfaceStats;
    }

    /// `virDomainGetID` (answered locally); `None` for an inactive domain.
    pub(crate) fn id(&self) -> Option<u32> {
        counted(self.calls, || self.raw.id())
    }

    /// `virDomainListGetStats` for this domain alone, through
    /// [`crate::metrics::domain_stats`].
    pub(crate) fn stats(
        &self,
        groups: u32,
    ) -> Result<Vec<(String, crate::metrics::Param)>, VirtError> {
        counted(self.calls, || {
            crate::metrics::domain_stats(&self.raw, groups)
        })
    }
}

// ----------------------------------------------------------------- snapshots
//
// Domain snapshots. `virDomainSnapshotFree`, which releases a snapshot
// handle when its wrapper is dropped, is not counted.

/// Snapshot calls on a domain.
impl<'a> Dom<'a> {
    /// `virDomainListAllSnapshots`: one call for the whole list.
    pub(crate) fn list_all_snapshots(&self, flags: u32) -> Result<Vec<Snap<'a>>, VirtError> {
        let all = counted(self.calls, || self.raw.list_all_snapshots(flags))?;
        Ok(all
            .into_iter()
            .map(|raw| Snap {
                raw,
                calls: self.calls,
            })
            .collect())
    }

    /// `virDomainSnapshotLookupByName`.
    pub(crate) fn lookup_snapshot_by_name(
        &self,
        name: &str,
        flags: u32,
    ) -> Result<Snap<'a>, VirtError> {
        let raw = counted(self.calls, || {
            Domain::lookup_snapshot_by_name(&self.raw, name, flags)
        })?;
        Ok(Snap {
            raw,
            calls: self.calls,
        })
    }

    /// `virDomainSnapshotCreateXML`.
    pub(crate) fn create_snapshot_xml(&self, xml: &str, flags: u32) -> Result<Snap<'a>, VirtError> {
        let raw = counted(self.calls, || self.raw.create_snapshot_xml(xml, flags))?;
        Ok(Snap {
            raw,
            calls: self.calls,
        })
    }

    /// `virDomainSnapshotCurrent`.
    pub(crate) fn current_snapshot(&self, flags: u32) -> Result<Snap<'a>, VirtError> {
        let raw = counted(self.calls, || self.raw.current_snapshot(flags))?;
        Ok(Snap {
            raw,
            calls: self.calls,
        })
    }
}

/// A domain snapshot whose calls are counted.
pub(crate) struct Snap<'a> {
    raw: virt::domain_snapshot::DomainSnapshot,
    calls: &'a AtomicU64,
}

impl<'a> Snap<'a> {
    libvirt_calls! {
        fn name(&self) -> String;
        fn xml_desc(&self, flags: u32) -> String;
        fn is_current(&self, flags: u32) -> bool;
        fn revert(&self, flags: u32) -> ();
        fn delete(&self, flags: u32) -> ();
    }

    /// `virDomainSnapshotListAllChildren`: one call for the whole list.
    pub(crate) fn list_all_children(&self, flags: u32) -> Result<Vec<Snap<'a>>, VirtError> {
        let all = counted(self.calls, || self.raw.list_all_children(flags))?;
        Ok(all
            .into_iter()
            .map(|raw| Snap {
                raw,
                calls: self.calls,
            })
            .collect())
    }
}

// ----------------------------------------------------------------- migration
//
// Live migration. `virDomainGetJobStats` and `virDomainAbortJob` have no
// `virt` binding (or one that mishandles the parameters libvirt allocates);
// their raw calls live in `migration.rs` ([`crate::migration::job_stats`],
// [`crate::migration::abort_job`]) and are reached only from here, counted
// like the rest. Reading and releasing the typed parameters
// (`virTypedParamsGet*`, `virTypedParamsFree`) is not counted.

/// Migration calls on a connection.
impl<'a> Conn<'a> {
    libvirt_calls! {
        fn hostname(&self) -> String;
    }

    /// `virConnectOpen` of another connection, to `uri`, whose calls count
    /// on this connection's counter. The open runs on a helper thread so
    /// that a host that does not answer costs at most `timeout`: `Ok(None)`
    /// then, and the thread closes what it may still open later.
    pub(crate) fn open_other(
        &self,
        uri: &str,
        timeout: std::time::Duration,
    ) -> Result<Option<Other<'a>>, VirtError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let owned = uri.to_owned();
        let spawned = std::thread::Builder::new()
            .name("libvirt-open".into())
            .spawn(move || {
                let _ = tx.send(Connect::open(Some(&owned)));
            });
        if spawned.is_err() {
            return counted(self.calls, || Connect::open(Some(uri))).map(|raw| {
                Some(Other {
                    raw,
                    calls: self.calls,
                })
            });
        }
        counted(self.calls, || match rx.recv_timeout(timeout) {
            Ok(opened) => opened.map(|raw| {
                Some(Other {
                    raw,
                    calls: self.calls,
                })
            }),
            Err(_) => Ok(None),
        })
    }
}

/// A connection opened by [`Conn::open_other`], counted on the counter of
/// the connection that opened it; closed when dropped.
pub(crate) struct Other<'a> {
    raw: Connect,
    calls: &'a AtomicU64,
}

impl Other<'_> {
    /// The connection, for calls.
    pub(crate) fn conn(&self) -> Conn<'_> {
        Conn {
            raw: &self.raw,
            calls: self.calls,
        }
    }
}

/// Migration calls on a domain.
impl Dom<'_> {
    libvirt_calls! {
        fn migrate_set_max_downtime(&self, downtime: u64, flags: u32) -> ();
    }

    /// `virDomainMigrate3` to the destination connection `dest` (libvirt's
    /// managed direct migration: Vapor's process drives both hosts). The
    /// domain returned lives on `dest` and counts its calls there.
    pub(crate) fn migrate3<'b>(
        &self,
        dest: &Conn<'b>,
        bandwidth_mib_s: Option<u64>,
        flags: u32,
    ) -> Result<Dom<'b>, VirtError> {
        let params = virt::domain::MigrateParameters {
            bandwidth: bandwidth_mib_s,
            ..Default::default()
        };
        let raw = counted(self.calls, || self.raw.migrate3(dest.raw, params, flags))?;
        Ok(Dom {
            raw,
            calls: dest.calls,
        })
    }

    /// `virDomainMigrateToURI3` with `dest_uri` as the destination
    /// connection URI (peer-to-peer: this host's libvirtd connects to it).
    pub(crate) fn migrate_to_uri3(
        &self,
        dest_uri: &str,
        bandwidth_mib_s: Option<u64>,
        flags: u32,
    ) -> Result<(), VirtError> {
        let params = virt::domain::MigrateParameters {
            bandwidth: bandwidth_mib_s,
            ..Default::default()
        };
        counted(self.calls, || {
            self.raw.migrate_to_uri3(Some(dest_uri), params, flags)
        })
    }

    /// `virDomainGetJobStats`, through [`crate::migration::job_stats`].
    pub(crate) fn job_stats(&self, flags: u32) -> Result<crate::migration::JobStats, VirtError> {
        counted(self.calls, || crate::migration::job_stats(&self.raw, flags))
    }

    /// `virDomainAbortJob`, through [`crate::migration::abort_job`].
    pub(crate) fn abort_job(&self) -> Result<(), VirtError> {
        counted(self.calls, || crate::migration::abort_job(&self.raw))
    }
}

// ------------------------------------------------------------------- devices
//
// Host PCI devices (node devices) and their assignment to domains.
// `virNodeDeviceFree`, which releases a node device when its wrapper is
// dropped, is not counted.

/// Node device calls on a connection.
impl<'a> Conn<'a> {
    /// `virConnectListAllNodeDevices`: one call for the whole list.
    pub(crate) fn list_all_node_devices(&self, flags: u32) -> Result<Vec<NodeDev<'a>>, VirtError> {
        let all = counted(self.calls, || self.raw.list_all_node_devices(flags))?;
        Ok(all
            .into_iter()
            .map(|raw| NodeDev {
                raw,
                calls: self.calls,
            })
            .collect())
    }
}

/// A node device whose calls are counted.
pub(crate) struct NodeDev<'a> {
    raw: virt::nodedev::NodeDevice,
    calls: &'a AtomicU64,
}

impl NodeDev<'_> {
    libvirt_calls! {
        fn xml_desc(&self, flags: u32) -> String;
    }
}

/// Device calls on a domain.
impl Dom<'_> {
    libvirt_calls! {
        fn attach_device_flags(&self, xml: &str, flags: u32) -> ();
        fn detach_device_flags(&self, xml: &str, flags: u32) -> ();
    }
}

// ------------------------------------------------------------------- backups
//
// Push backups and checkpoints, which the `virt` crate does not wrap; their
// raw calls live in `ffi_backup.rs` and are reached only from here. The
// backup job's statistics and its abort are the migration job calls above
// (`job_stats`, `abort_job`). Releasing a checkpoint reference
// (`virDomainCheckpointFree`) and the list array (`free`) is not counted.

/// Backup calls on a domain.
impl<'a> Dom<'a> {
    /// `virDomainBackupBegin`, through [`crate::ffi_backup::backup_begin`].
    pub(crate) fn backup_begin(
        &self,
        backup_xml: &str,
        checkpoint_xml: Option<&str>,
        flags: u32,
    ) -> Result<(), VirtError> {
        counted(self.calls, || {
            crate::ffi_backup::backup_begin(&self.raw, backup_xml, checkpoint_xml, flags)
        })
    }

    /// `virDomainListAllCheckpoints`: the names, in one call.
    pub(crate) fn checkpoint_names(&self, flags: u32) -> Result<Vec<String>, VirtError> {
        counted(self.calls, || {
            crate::ffi_backup::checkpoint_names(&self.raw, flags)
        })
    }

    /// `virDomainCheckpointLookupByName`.
    pub(crate) fn lookup_checkpoint_by_name(&self, name: &str) -> Result<Ckpt<'a>, VirtError> {
        let raw = counted(self.calls, || {
            crate::ffi_backup::checkpoint_lookup(&self.raw, name)
        })?;
        Ok(Ckpt {
            raw,
            calls: self.calls,
        })
    }
}

/// A checkpoint whose calls are counted.
pub(crate) struct Ckpt<'a> {
    raw: crate::ffi_backup::Checkpoint,
    calls: &'a AtomicU64,
}

impl Ckpt<'_> {
    /// `virDomainCheckpointDelete`.
    pub(crate) fn delete(&self, flags: u32) -> Result<(), VirtError> {
        counted(self.calls, || {
            crate::ffi_backup::checkpoint_delete(&self.raw, flags)
        })
    }
}

// -------------------------------------------------------------------- events
//
// Domain event callbacks, which the `virt` crate does not wrap; their raw
// calls live in `ffi_events.rs` and are reached only from here. The
// callbacks themselves run on libvirt's event-loop thread and make no
// counted call (see the list at the top).

/// Event calls on a connection.
impl Conn<'_> {
    /// `virConnectDomainEventRegisterAny` for every domain, through
    /// [`crate::ffi_events::register`]; the callback ID.
    pub(crate) fn register_domain_event(
        &self,
        sub: crate::ffi_events::Subscription,
        delivery: &std::sync::Arc<crate::ffi_events::Delivery>,
    ) -> Result<std::ffi::c_int, VirtError> {
        counted(self.calls, || {
            crate::ffi_events::register(self.raw, sub, delivery)
        })
    }

    /// `virConnectDomainEventDeregisterAny`, through
    /// [`crate::ffi_events::deregister`].
    pub(crate) fn deregister_domain_event(
        &self,
        callback_id: std::ffi::c_int,
    ) -> Result<(), VirtError> {
        counted(self.calls, || {
            crate::ffi_events::deregister(self.raw, callback_id)
        })
    }
}
