//! Domain snapshots.
//!
//! Each trait method maps onto the libvirt calls its documentation names.
//! libvirt's own rules decide; where it refuses a revert or a delete
//! because of the snapshot's or the domain's state (an external snapshot
//! it cannot revert yet, an external snapshot with children, a chain it
//! cannot follow), the refusal is `OperationInvalid`, with libvirt's
//! message, whatever error code the driver used for it.

use tracing::debug;
use vapor_hypervisor::{
    HypervisorError, HypervisorErrorKind, LibvirtVersion, SnapshotBackend, SnapshotDiskFacts,
    SnapshotFacts, SnapshotInfo, SnapshotLocation, SnapshotSpec,
};
use virt::error::ErrorNumber;
use virt::sys;

use crate::counted::{Conn, Dom, Snap};
use crate::error::{Error, Result};
use crate::xml::snapshot::{parse_domain_facts, parse_snapshot, snapshot_xml, ParsedSnapshot};
use crate::{domain_by_uuid, LibvirtHypervisor};

impl SnapshotBackend for LibvirtHypervisor {
    /// `virDomainGetState`, `virDomainIsPersistent`, `virDomainGetXMLDesc`,
    /// `virDomainListAllSnapshots` (external ones),
    /// `virConnectGetLibVersion`, `virConnectGetType`, and for each disk with
    /// a path `virStorageVolLookupByPath` + `virStorageVolGetInfo` (or, while
    /// the domain runs and the disk is no volume, `virDomainGetBlockInfo`).
    fn snapshot_facts(&self, uuid: &str) -> Result<SnapshotFacts, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            let state = dom.state()?;
            let persistent = dom.is_persistent()?;
            // Flags 0: the live XML while running, which says whether the
            // guest agent is connected.
            let xml = dom.xml_desc(0)?;
            let parsed = parse_domain_facts(&xml)?;
            let disks = parsed
                .disks
                .into_iter()
                .map(|mut d| {
                    d.size_bytes = disk_size(c, &dom, state.is_active(), &d);
                    d
                })
                .collect();
            Ok(SnapshotFacts {
                uuid: uuid.to_ascii_lowercase(),
                name: parsed.name,
                state,
                persistent,
                disks,
                has_nvram_pflash: parsed.has_nvram_pflash,
                has_hostdev: parsed.has_hostdev,
                guest_agent: parsed.guest_agent,
                has_external_snapshots: !dom
                    .list_all_snapshots(sys::VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL)?
                    .is_empty(),
                libvirt_version: Some(LibvirtVersion::from_encoded(c.lib_version()?)),
                // Of libvirt's drivers that Vapor runs on, QEMU's takes
                // external snapshots; the test driver refuses `DISK_ONLY`.
                external_supported: c.driver_type()?.eq_ignore_ascii_case("qemu"),
            })
        })
    }

    /// `virDomainListAllSnapshots` (topologically), `virDomainSnapshotCurrent`, and per
    /// snapshot `virDomainSnapshotGetXMLDesc` (plus the size look-ups of
    /// [`snapshot_size`]). Children come from the parents the list names.
    fn list_snapshots(&self, uuid: &str) -> Result<Vec<SnapshotInfo>, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            let current = current_name(&dom)?;
            let mut parsed = Vec::new();
            // Parents before children, so that the sort by time below
            // (libvirt's times are whole seconds) keeps them in that order.
            for snap in dom.list_all_snapshots(sys::VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)? {
                match snap.xml_desc(0) {
                    Ok(xml) => parsed.push(parse_snapshot(&xml)?),
                    // Deleted between listing and reading.
                    Err(e) if e.code().is(ErrorNumber::NoDomainSnapshot) => {
                        debug!(error = %e, "snapshot vanished while listing");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            let mut out: Vec<SnapshotInfo> = parsed
                .iter()
                .map(|p| {
                    let mut children: Vec<String> = parsed
                        .iter()
                        .filter(|o| o.parent.as_deref() == Some(p.name.as_str()))
                        .map(|o| o.name.clone())
                        .collect();
                    children.sort();
                    let is_current = current.as_deref() == Some(p.name.as_str());
                    info(c, p.clone(), children, is_current)
                })
                .collect();
            // Stable: ties keep the topological order.
            out.sort_by_key(|s| s.created_unix_secs);
            Ok(out)
        })
    }

    /// `virDomainSnapshotLookupByName`, then [`read_snapshot`].
    fn lookup_snapshot(&self, uuid: &str, name: &str) -> Result<SnapshotInfo, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            let snap = dom.lookup_snapshot_by_name(name, 0)?;
            read_snapshot(c, &snap)
        })
    }

    /// `virDomainSnapshotLookupByName` (the name must be free), then
    /// `virDomainSnapshotCreateXML` with `DISK_ONLY | ATOMIC` for external
    /// disks and `QUIESCE` when asked, then [`read_snapshot`].
    fn create_snapshot(
        &self,
        uuid: &str,
        spec: &SnapshotSpec,
    ) -> Result<SnapshotInfo, HypervisorError> {
        let xml = snapshot_xml(spec)?;
        let flags = create_flags(spec)?;
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            match dom.lookup_snapshot_by_name(&spec.name, 0) {
                Ok(_) => {
                    return Err(HypervisorError::already_exists(format!(
                        "domain snapshot '{}' already exists",
                        spec.name
                    ))
                    .into())
                }
                Err(e) if e.code().is(ErrorNumber::NoDomainSnapshot) => {}
                Err(e) => return Err(e.into()),
            }
            let snap = dom.create_snapshot_xml(&xml, flags)?;
            read_snapshot(c, &snap)
        })
    }

    /// `virDomainSnapshotLookupByName`, `virDomainSnapshotDelete` (flags 0:
    /// this snapshot only; libvirt re-parents its children).
    fn delete_snapshot(&self, uuid: &str, name: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            let snap = dom.lookup_snapshot_by_name(name, 0)?;
            snap.delete(0).map_err(refusal)
        })
    }

    /// `virDomainSnapshotLookupByName`, `virDomainRevertToSnapshot` (flags 0:
    /// the domain takes the state the snapshot captured).
    fn revert_snapshot(&self, uuid: &str, name: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            let snap = dom.lookup_snapshot_by_name(name, 0)?;
            snap.revert(0).map_err(refusal)
        })
    }
}

/// The flags of `virDomainSnapshotCreateXML` for `spec`.
fn create_flags(spec: &SnapshotSpec) -> Result<u32, HypervisorError> {
    let external = spec
        .disks
        .iter()
        .any(|(_, l)| *l == SnapshotLocation::External);
    let internal = spec
        .disks
        .iter()
        .any(|(_, l)| *l == SnapshotLocation::Internal);
    if external && internal {
        return Err(HypervisorError::invalid_argument(
            "a snapshot cannot mix internal and external disks",
        ));
    }
    if spec.memory == SnapshotLocation::External {
        return Err(HypervisorError::invalid_argument(
            "external memory snapshots are not offered",
        ));
    }
    let mut flags = 0;
    if external {
        // ATOMIC: when QEMU fails part-way, libvirt undoes the overlays made.
        flags |= sys::VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | sys::VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
    }
    if spec.quiesce {
        flags |= sys::VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE;
    }
    Ok(flags)
}

/// A refused revert or delete is a conflict with the snapshot's or the
/// domain's state; libvirt reports some as unsupported configurations or
/// invalid arguments ("revert to external snapshot not supported yet",
/// "could not find base disk source in disk source chain").
fn refusal(err: virt::error::Error) -> Error {
    let err = Error::from(err);
    match err.kind() {
        HypervisorErrorKind::OperationInvalid
        | HypervisorErrorKind::InvalidArgument
        | HypervisorErrorKind::Unsupported => err.with_kind(HypervisorErrorKind::OperationInvalid),
        _ => err,
    }
}

/// The name of the domain's current snapshot, if it has one
/// (`virDomainSnapshotCurrent`, then `virDomainSnapshotGetName`).
fn current_name(dom: &Dom<'_>) -> Result<Option<String>> {
    match dom.current_snapshot(0) {
        Ok(snap) => Ok(Some(snap.name()?)),
        Err(e) if e.code().is(ErrorNumber::NoDomainSnapshot) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// One snapshot: `virDomainSnapshotGetXMLDesc`,
/// `virDomainSnapshotIsCurrent`, `virDomainSnapshotListAllChildren` and
/// `virDomainSnapshotGetName` per child, plus the size look-ups of
/// [`snapshot_size`].
fn read_snapshot(c: &Conn<'_>, snap: &Snap<'_>) -> Result<SnapshotInfo> {
    let parsed = parse_snapshot(&snap.xml_desc(0)?)?;
    let is_current = snap.is_current(0)?;
    let mut children = snap
        .list_all_children(0)?
        .iter()
        .map(Snap::name)
        .collect::<Result<Vec<_>, _>>()?;
    children.sort();
    Ok(info(c, parsed, children, is_current))
}

fn info(
    c: &Conn<'_>,
    parsed: ParsedSnapshot,
    children: Vec<String>,
    is_current: bool,
) -> SnapshotInfo {
    let size_bytes = snapshot_size(c, &parsed);
    SnapshotInfo {
        name: parsed.name,
        description: parsed.description,
        state: parsed.state,
        parent: parsed.parent,
        children,
        is_current,
        created_unix_secs: parsed.created_unix_secs,
        memory: parsed.memory,
        memory_file: parsed.memory_file,
        disks: parsed.disks,
        size_bytes,
    }
}

/// What an external snapshot's files take on the host: the sum of their
/// allocations, when every file (overlays, memory) is a storage volume
/// libvirt knows (`virStorageVolLookupByPath`, `virStorageVolGetInfo` each).
/// libvirt reports no size for internal snapshots, so they have none.
fn snapshot_size(c: &Conn<'_>, parsed: &ParsedSnapshot) -> Option<u64> {
    let internal = parsed.memory == SnapshotLocation::Internal
        || parsed
            .disks
            .iter()
            .any(|d| d.location == SnapshotLocation::Internal);
    let files: Vec<&str> = parsed
        .disks
        .iter()
        .filter(|d| d.location == SnapshotLocation::External)
        .filter_map(|d| d.file.as_deref())
        .chain(parsed.memory_file.as_deref())
        .collect();
    if internal || files.is_empty() {
        return None;
    }
    let mut total = 0u64;
    for file in files {
        let info = c
            .lookup_storage_vol_by_path(file)
            .and_then(|vol| vol.info())
            .ok()?;
        total = total.saturating_add(info.allocation);
    }
    Some(total)
}

/// A disk's virtual size: from its storage volume, else (while the domain
/// runs) from the hypervisor's block info, else unknown.
fn disk_size(c: &Conn<'_>, dom: &Dom<'_>, active: bool, disk: &SnapshotDiskFacts) -> Option<u64> {
    let path = disk.path.as_deref()?;
    if let Ok(info) = c
        .lookup_storage_vol_by_path(path)
        .and_then(|vol| vol.info())
    {
        return Some(info.capacity);
    }
    if active && !disk.target.is_empty() {
        return dom.block_capacity(&disk.target).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(disks: &[SnapshotLocation], memory: SnapshotLocation) -> SnapshotSpec {
        SnapshotSpec {
            name: "s".into(),
            description: None,
            memory,
            disks: disks
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("vd{}", (b'a' + i as u8) as char), *l))
                .collect(),
            quiesce: false,
        }
    }

    #[test]
    fn flags() {
        use SnapshotLocation::*;
        assert_eq!(create_flags(&spec(&[Internal, No], No)).unwrap(), 0);
        assert_eq!(create_flags(&spec(&[Internal], Internal)).unwrap(), 0);
        assert_eq!(
            create_flags(&spec(&[External, No], No)).unwrap(),
            sys::VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | sys::VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
        );
        let mut q = spec(&[External], No);
        q.quiesce = true;
        assert_ne!(
            create_flags(&q).unwrap() & sys::VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE,
            0
        );
        assert!(create_flags(&spec(&[Internal, External], No)).is_err());
        assert!(create_flags(&spec(&[External], External)).is_err());
    }
}
