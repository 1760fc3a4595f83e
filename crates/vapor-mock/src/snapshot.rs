//! Domain snapshots: a tree per domain, following the rules of libvirt 9.0's
//! QEMU driver.
//!
//! - Internal snapshots need every snapshotted disk in qcow2 and no UEFI
//!   (pflash) firmware. A full-system (memory) snapshot needs an active
//!   domain; an internal snapshot of an active domain must include memory.
//! - External snapshots are disk-only: each disk gets an overlay named
//!   beside its image (the image's extension replaced by the snapshot's
//!   name), and the domain's disk then points at it. They cannot be
//!   reverted; one can be deleted only while its overlays are the disks'
//!   active layers (no snapshot was built on it, no revert went elsewhere)
//!   and its parent is not internal.
//! - `QUIESCE` needs a disk-only snapshot and a connected guest agent
//!   (see `guest.rs`: by default no agent runs in the mock's guests).
//! - A new snapshot becomes current, with the current one as its parent.
//!   Deleting one gives its children its parent, and makes its parent
//!   current when it was. Reverting restores the definition captured
//!   (memory, vCPUs, disks) and the state: a running snapshot leaves the
//!   domain running, a paused one paused, a shut-off one shut off.
//!
//! The trees live beside the domains; a tree whose domain is gone (the
//! domain was undefined, which removes snapshot metadata) is dropped the
//! next time any snapshot is touched. Lock order: domains, then snapshots.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use vapor_hypervisor::*;

use crate::{no_domain, MockDomain, MockHypervisor, State};

/// The libvirt release whose snapshot rules the mock follows.
const RULES_OF: LibvirtVersion = LibvirtVersion::new(9, 0, 0);

/// Every domain's snapshots, by domain UUID.
#[derive(Default)]
pub(crate) struct MockSnapshots {
    trees: Mutex<BTreeMap<String, Tree>>,
}

impl MockSnapshots {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Tree>> {
        self.trees.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, Default)]
struct Tree {
    snapshots: BTreeMap<String, MockSnapshot>,
    current: Option<String>,
}

#[derive(Debug, Clone)]
struct MockSnapshot {
    description: Option<String>,
    state: SnapshotState,
    parent: Option<String>,
    created_unix_secs: i64,
    /// Order of creation, to sort snapshots taken in the same second.
    seq: u64,
    memory: SnapshotLocation,
    disks: Vec<SnapshotDisk>,
    /// The definition and maximums captured, restored on revert.
    spec: DomainSpec,
    max_memory_mib: u64,
    max_vcpus: u32,
}

fn invalid(what: impl Into<String>) -> HypervisorError {
    HypervisorError::operation_invalid(format!("Requested operation is not valid: {}", what.into()))
}

fn unsupported(what: impl Into<String>) -> HypervisorError {
    HypervisorError::new(
        HypervisorErrorKind::Unsupported,
        format!("Operation not supported: {}", what.into()),
    )
}

fn no_snapshot(name: &str) -> HypervisorError {
    HypervisorError::not_found(format!(
        "Domain snapshot not found: no domain snapshot with matching name '{name}'"
    ))
}

/// libvirt's default overlay name: the image's path with its extension
/// replaced by (or, without one, followed by) `.<snapshot>`.
fn overlay_path(image: &str, snapshot: &str) -> String {
    let file_start = image.rfind('/').map_or(0, |i| i + 1);
    let stem = match image[file_start..].rfind('.') {
        Some(dot) if dot > 0 => &image[..file_start + dot],
        _ => image,
    };
    format!("{stem}.{snapshot}")
}

impl MockHypervisor {
    /// The domains and the snapshot trees, locked in that order, with the
    /// trees of undefined domains dropped.
    fn locked(
        &self,
    ) -> (
        MutexGuard<'_, State>,
        MutexGuard<'_, BTreeMap<String, Tree>>,
    ) {
        let state = self.lock();
        let mut trees = self.snapshots.lock();
        trees.retain(|uuid, _| state.domains.contains_key(uuid));
        (state, trees)
    }
}

fn domain<'s>(state: &'s State, uuid: &str) -> Result<&'s MockDomain> {
    state.domains.get(uuid).ok_or_else(|| no_domain(uuid))
}

impl Tree {
    fn get(&self, name: &str) -> Result<&MockSnapshot> {
        self.snapshots.get(name).ok_or_else(|| no_snapshot(name))
    }

    fn view(&self, name: &str, s: &MockSnapshot) -> SnapshotInfo {
        SnapshotInfo {
            name: name.to_string(),
            description: s.description.clone(),
            state: s.state,
            parent: s.parent.clone(),
            // BTreeMap order: sorted by name.
            children: self
                .snapshots
                .iter()
                .filter(|(_, o)| o.parent.as_deref() == Some(name))
                .map(|(n, _)| n.clone())
                .collect(),
            is_current: self.current.as_deref() == Some(name),
            created_unix_secs: s.created_unix_secs,
            memory: s.memory,
            memory_file: None,
            disks: s.disks.clone(),
            // The mock keeps no files; it cannot tell.
            size_bytes: None,
        }
    }

    fn next_seq(&self) -> u64 {
        self.snapshots
            .values()
            .map(|s| s.seq + 1)
            .max()
            .unwrap_or(0)
    }
}

/// Where each of the domain's disks goes in a snapshot: as the spec says,
/// else libvirt's default (read-only disks are left out, the others follow
/// the spec's kind).
fn disk_plan(d: &MockDomain, spec: &SnapshotSpec) -> Result<Vec<(DiskSpec, SnapshotLocation)>> {
    for (target, _) in &spec.disks {
        if !d.spec.disks.iter().any(|disk| &disk.target == target) {
            return Err(HypervisorError::invalid_argument(format!(
                "invalid argument: no disk named '{target}'"
            )));
        }
    }
    let kind = if spec
        .disks
        .iter()
        .any(|(_, l)| *l == SnapshotLocation::External)
    {
        SnapshotLocation::External
    } else {
        SnapshotLocation::Internal
    };
    Ok(d.spec
        .disks
        .iter()
        .map(|disk| {
            let location = spec
                .disks
                .iter()
                .find(|(t, _)| *t == disk.target)
                .map(|(_, l)| *l)
                .unwrap_or(if disk.readonly {
                    SnapshotLocation::No
                } else {
                    kind
                });
            (disk.clone(), location)
        })
        .collect())
}

/// The checks libvirt's QEMU driver makes before taking a snapshot.
fn check_create(
    d: &MockDomain,
    spec: &SnapshotSpec,
    plan: &[(DiskSpec, SnapshotLocation)],
    agent: GuestAgent,
) -> Result<()> {
    let active = d.state.is_active();
    let internal = plan.iter().any(|(_, l)| *l == SnapshotLocation::Internal);
    let external = plan.iter().any(|(_, l)| *l == SnapshotLocation::External);
    if internal && external {
        return Err(unsupported(
            "mixing internal and external targets for a snapshot is not yet supported",
        ));
    }
    match spec.memory {
        SnapshotLocation::External => {
            return Err(unsupported("the mock takes no external memory snapshots"))
        }
        SnapshotLocation::Internal if !active || external => {
            return Err(HypervisorError::invalid_argument(
                "XML error: memory state cannot be saved with offline or disk-only snapshot",
            ))
        }
        _ => {}
    }
    if spec.quiesce {
        if !external {
            return Err(HypervisorError::invalid_argument(
                "invalid argument: Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'",
            ));
        }
        if !active {
            return Err(invalid("domain is not running"));
        }
        if agent != GuestAgent::Connected {
            return Err(unsupported(
                "Guest agent is not responding: QEMU guest agent is not connected",
            ));
        }
    }
    if internal {
        if matches!(d.spec.firmware, Firmware::Efi { .. }) {
            return Err(unsupported(
                "internal snapshots of a VM with pflash based firmware are not supported",
            ));
        }
        if active && spec.memory == SnapshotLocation::No {
            return Err(unsupported(
                "internal snapshot of a running VM must include the memory state",
            ));
        }
        for (disk, location) in plan {
            if *location == SnapshotLocation::Internal && disk.format != DiskFormat::Qcow2 {
                return Err(HypervisorError::invalid_argument(format!(
                    "unsupported configuration: internal snapshot for disk {} unsupported for storage type {}",
                    disk.target,
                    disk.format.as_str()
                )));
            }
        }
    }
    if !internal && !external && spec.memory == SnapshotLocation::No {
        return Err(HypervisorError::invalid_argument(
            "unsupported configuration: nothing selected for snapshot",
        ));
    }
    Ok(())
}

impl SnapshotBackend for MockHypervisor {
    fn snapshot_facts(&self, uuid: &str) -> Result<SnapshotFacts> {
        let (state, trees) = self.locked();
        let d = domain(&state, uuid)?;
        let has_external_snapshots = trees.get(uuid).is_some_and(|t| {
            t.snapshots.values().any(|s| {
                s.disks
                    .iter()
                    .any(|x| x.location == SnapshotLocation::External)
            })
        });
        Ok(SnapshotFacts {
            uuid: d.spec.uuid.clone(),
            name: d.spec.name.clone(),
            state: d.state,
            persistent: true,
            disks: d
                .spec
                .disks
                .iter()
                .map(|disk| SnapshotDiskFacts {
                    target: disk.target.clone(),
                    device: match disk.device {
                        DiskDevice::Disk => "disk".into(),
                        DiskDevice::Cdrom => "cdrom".into(),
                    },
                    // The mock's definitions name every image by path; a
                    // path under /dev is a block device.
                    source_type: if disk.path.starts_with("/dev/") {
                        DiskSourceType::Block
                    } else {
                        DiskSourceType::File
                    },
                    format: Some(disk.format.as_str().into()),
                    path: Some(disk.path.clone()),
                    readonly: disk.readonly,
                    size_bytes: state
                        .volume_by_path(&disk.path)
                        .map(|(_, _, _, v)| v.capacity_bytes),
                })
                .collect(),
            has_nvram_pflash: matches!(d.spec.firmware, Firmware::Efi { .. }),
            has_hostdev: false,
            guest_agent: self.guest_agent(d.state),
            has_external_snapshots,
            libvirt_version: Some(RULES_OF),
            external_supported: true,
        })
    }

    fn list_snapshots(&self, uuid: &str) -> Result<Vec<SnapshotInfo>> {
        let (state, trees) = self.locked();
        domain(&state, uuid)?;
        let Some(tree) = trees.get(uuid) else {
            return Ok(Vec::new());
        };
        let mut all: Vec<(&String, &MockSnapshot)> = tree.snapshots.iter().collect();
        all.sort_by_key(|(_, s)| (s.created_unix_secs, s.seq));
        Ok(all.into_iter().map(|(n, s)| tree.view(n, s)).collect())
    }

    fn lookup_snapshot(&self, uuid: &str, name: &str) -> Result<SnapshotInfo> {
        let (state, trees) = self.locked();
        domain(&state, uuid)?;
        let tree = trees.get(uuid).ok_or_else(|| no_snapshot(name))?;
        Ok(tree.view(name, tree.get(name)?))
    }

    fn create_snapshot(&self, uuid: &str, spec: &SnapshotSpec) -> Result<SnapshotInfo> {
        let (mut state, mut trees) = self.locked();
        let d = state.domain_mut(uuid)?;
        let tree = trees.entry(d.spec.uuid.clone()).or_default();
        if tree.snapshots.contains_key(&spec.name) {
            return Err(HypervisorError::already_exists(format!(
                "operation failed: domain snapshot '{}' already exists",
                spec.name
            )));
        }
        if spec.name.is_empty() || spec.name.contains('/') {
            return Err(HypervisorError::invalid_argument(format!(
                "XML error: invalid snapshot name '{}'",
                spec.name
            )));
        }
        let plan = disk_plan(d, spec)?;
        check_create(d, spec, &plan, self.guest_agent(d.state))?;

        let captured = d.spec.clone();
        let external = plan.iter().any(|(_, l)| *l == SnapshotLocation::External);
        let disks: Vec<SnapshotDisk> = plan
            .iter()
            .map(|(disk, location)| SnapshotDisk {
                target: disk.target.clone(),
                location: *location,
                file: (*location == SnapshotLocation::External)
                    .then(|| overlay_path(&disk.path, &spec.name)),
            })
            .collect();
        if external {
            // From now on the domain writes to the overlays.
            for (disk, snap) in d.spec.disks.iter_mut().zip(&disks) {
                if let Some(file) = &snap.file {
                    disk.path = file.clone();
                    disk.format = DiskFormat::Qcow2;
                }
            }
        }
        let snapshot = MockSnapshot {
            description: spec.description.clone().filter(|d| !d.is_empty()),
            state: if external && d.state.is_active() {
                SnapshotState::DiskSnapshot
            } else {
                SnapshotState::of_domain(d.state)
            },
            parent: tree.current.clone(),
            created_unix_secs: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |t| t.as_secs() as i64),
            seq: tree.next_seq(),
            memory: spec.memory,
            disks,
            spec: captured,
            max_memory_mib: d.max_memory_mib,
            max_vcpus: d.max_vcpus,
        };
        tree.snapshots.insert(spec.name.clone(), snapshot);
        tree.current = Some(spec.name.clone());
        Ok(tree.view(&spec.name, &tree.snapshots[&spec.name]))
    }

    fn delete_snapshot(&self, uuid: &str, name: &str) -> Result<()> {
        let (mut state, mut trees) = self.locked();
        let d = state.domain_mut(uuid)?;
        let tree = trees.get_mut(uuid).ok_or_else(|| no_snapshot(name))?;
        let snap = tree.get(name)?.clone();
        let external: Vec<&SnapshotDisk> = snap
            .disks
            .iter()
            .filter(|disk| disk.location == SnapshotLocation::External)
            .collect();
        if !external.is_empty() {
            let parent_internal = snap
                .parent
                .as_deref()
                .and_then(|p| tree.snapshots.get(p))
                .is_some_and(|p| {
                    p.memory == SnapshotLocation::Internal
                        || p.disks
                            .iter()
                            .any(|x| x.location == SnapshotLocation::Internal)
                });
            if parent_internal {
                return Err(unsupported(
                    "deleting external snapshot that has internal snapshot as parent not supported",
                ));
            }
            // The overlays must be the disks' active layers, to be merged
            // back into the images below them.
            let active_layers = external.iter().all(|x| {
                d.spec
                    .disks
                    .iter()
                    .any(|disk| disk.target == x.target && Some(&disk.path) == x.file.as_ref())
            });
            if !active_layers {
                return Err(HypervisorError::invalid_argument(
                    "invalid argument: could not find base disk source in disk source chain",
                ));
            }
            // Merged: the disks point at the images the snapshot was taken of.
            for x in &external {
                let before = snap.spec.disks.iter().find(|b| b.target == x.target);
                if let (Some(disk), Some(before)) = (
                    d.spec.disks.iter_mut().find(|disk| disk.target == x.target),
                    before,
                ) {
                    disk.path = before.path.clone();
                    disk.format = before.format;
                }
            }
        }
        for other in tree.snapshots.values_mut() {
            if other.parent.as_deref() == Some(name) {
                other.parent = snap.parent.clone();
            }
        }
        tree.snapshots.remove(name);
        if tree.current.as_deref() == Some(name) {
            tree.current = snap.parent;
        }
        Ok(())
    }

    fn revert_snapshot(&self, uuid: &str, name: &str) -> Result<()> {
        let (mut state, mut trees) = self.locked();
        let port = state.next_display_port();
        let d = state.domain_mut(uuid)?;
        let tree = trees.get_mut(uuid).ok_or_else(|| no_snapshot(name))?;
        let snap = tree.get(name)?.clone();
        if snap
            .disks
            .iter()
            .any(|x| x.location == SnapshotLocation::External)
        {
            return Err(HypervisorError::invalid_argument(
                "unsupported configuration: revert to external snapshot not supported yet",
            ));
        }
        d.spec = snap.spec.clone();
        // The snapshot's definition replaces any hotplug change still pending.
        d.config = None;
        d.max_memory_mib = snap.max_memory_mib;
        d.max_vcpus = snap.max_vcpus;
        let target = match snap.state {
            SnapshotState::Running | SnapshotState::Blocked if snap.has_memory() => {
                DomainState::Running
            }
            SnapshotState::Paused if snap.has_memory() => DomainState::Paused,
            _ => DomainState::Shutoff,
        };
        match (d.state.is_active(), target.is_active()) {
            (false, true) => {
                let autos = d.spec.graphics.iter().filter(|g| g.port.is_none()).count() as i32;
                d.display_ports = (0..autos).map(|i| port + i).collect();
            }
            (true, false) => d.display_ports.clear(),
            _ => {}
        }
        let before = d.state;
        d.state = target;
        tree.current = Some(name.to_string());
        self.report_revert(&d.spec, before, target);
        Ok(())
    }
}

impl MockHypervisor {
    /// What libvirt reports when a revert takes a domain from `before` to
    /// `after`: `from_snapshot` changes of the run state, then of the pause.
    /// A running domain that stays running reports nothing.
    fn report_revert(&self, spec: &DomainSpec, before: DomainState, after: DomainState) {
        use DomainEventKind as E;
        let from = Some("from_snapshot");
        let paused = |s: DomainState| s == DomainState::Paused;
        match (before.is_active(), after.is_active()) {
            (false, true) => {
                self.events.of(spec, E::Started, from);
                if paused(after) {
                    self.events.of(spec, E::Suspended, from);
                }
            }
            (true, false) => self.events.of(spec, E::Stopped, from),
            (true, true) if paused(after) && !paused(before) => {
                self.events.of(spec, E::Suspended, from)
            }
            (true, true) if paused(before) && !paused(after) => {
                self.events.of(spec, E::Resumed, from)
            }
            _ => {}
        }
    }
}

impl MockSnapshot {
    fn has_memory(&self) -> bool {
        self.memory != SnapshotLocation::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, format: DiskFormat) -> DomainSpec {
        DomainSpec {
            name: name.into(),
            uuid: uuid_for(name),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 512,
            vcpus: 1,
            disks: vec![
                DiskSpec {
                    device: DiskDevice::Disk,
                    path: format!("/images/{name}.{}", format.as_str()),
                    format,
                    bus: DiskBus::Virtio,
                    target: "vda".into(),
                    readonly: false,
                    cache: None,
                },
                DiskSpec {
                    device: DiskDevice::Cdrom,
                    path: "/isos/install.iso".into(),
                    format: DiskFormat::Raw,
                    bus: DiskBus::Sata,
                    target: "sda".into(),
                    readonly: true,
                    cache: None,
                },
            ],
            interfaces: vec![],
            graphics: vec![GraphicsSpec {
                kind: GraphicsKind::Vnc,
                listen: "127.0.0.1".into(),
                port: None,
                password: None,
            }],
            boot: vec![BootDevice::Hd],
            firmware: Firmware::Bios,
            tpm: false,
            metadata: VaporMetadata::default(),
        }
    }

    fn uuid_for(name: &str) -> String {
        let n = name.bytes().fold(0u64, |a, b| a * 31 + u64::from(b)) % 1_000_000_000_000;
        format!("6f1a2c3e-0000-4000-8000-{n:012}")
    }

    fn snap(name: &str, memory: bool, location: SnapshotLocation) -> SnapshotSpec {
        SnapshotSpec {
            name: name.into(),
            description: Some(format!("about {name}")),
            memory: if memory {
                SnapshotLocation::Internal
            } else {
                SnapshotLocation::No
            },
            disks: vec![
                ("vda".into(), location),
                ("sda".into(), SnapshotLocation::No),
            ],
            quiesce: false,
        }
    }

    fn defined(format: DiskFormat) -> (MockHypervisor, String) {
        let hv = MockHypervisor::new();
        let d = hv.define_domain(&spec("snap-vm", format)).unwrap();
        (hv, d.uuid)
    }

    #[test]
    fn a_tree_with_parents_children_and_current() {
        use SnapshotLocation::*;
        let (hv, uuid) = defined(DiskFormat::Qcow2);
        let a = hv
            .create_snapshot(&uuid, &snap("a", false, Internal))
            .unwrap();
        assert_eq!(a.state, SnapshotState::Shutoff);
        assert_eq!(a.parent, None);
        assert!(a.is_current);
        assert_eq!(a.description.as_deref(), Some("about a"));
        hv.power(&uuid, PowerAction::Start).unwrap();
        let b = hv
            .create_snapshot(&uuid, &snap("b", true, Internal))
            .unwrap();
        assert_eq!((b.state, b.memory), (SnapshotState::Running, Internal));
        assert_eq!(b.parent.as_deref(), Some("a"));
        let c = hv
            .create_snapshot(&uuid, &snap("c", true, Internal))
            .unwrap();
        assert_eq!(c.parent.as_deref(), Some("b"));

        let listed: Vec<String> = hv
            .list_snapshots(&uuid)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(listed, ["a", "b", "c"]);
        let a = hv.lookup_snapshot(&uuid, "a").unwrap();
        assert_eq!(a.children, ["b"]);
        assert!(!a.is_current);

        assert_eq!(
            hv.create_snapshot(&uuid, &snap("b", true, Internal))
                .unwrap_err()
                .kind,
            HypervisorErrorKind::AlreadyExists
        );

        // Deleting b gives c its parent; deleting the current one makes its parent current.
        hv.delete_snapshot(&uuid, "b").unwrap();
        assert_eq!(
            hv.lookup_snapshot(&uuid, "c").unwrap().parent.as_deref(),
            Some("a")
        );
        hv.delete_snapshot(&uuid, "c").unwrap();
        assert!(hv.lookup_snapshot(&uuid, "a").unwrap().is_current);
        assert_eq!(
            hv.lookup_snapshot(&uuid, "c").unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        assert_eq!(
            hv.delete_snapshot(&uuid, "c").unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
    }

    #[test]
    fn revert_restores_state_and_definition() {
        use SnapshotLocation::*;
        let (hv, uuid) = defined(DiskFormat::Qcow2);
        hv.power(&uuid, PowerAction::Start).unwrap();
        hv.create_snapshot(&uuid, &snap("live", true, Internal))
            .unwrap();
        hv.power(&uuid, PowerAction::Destroy).unwrap();
        hv.set_memory(&uuid, 1024).unwrap();
        hv.set_vcpus(&uuid, 2).unwrap();
        hv.create_snapshot(&uuid, &snap("off", false, Internal))
            .unwrap();

        hv.revert_snapshot(&uuid, "live").unwrap();
        let d = hv.lookup_domain(&uuid).unwrap();
        assert_eq!(d.state, DomainState::Running);
        assert_eq!((d.memory_mib, d.max_memory_mib, d.vcpus), (512, 512, 1));
        assert!(d.graphics[0].port.is_some());
        assert!(hv.lookup_snapshot(&uuid, "live").unwrap().is_current);

        hv.revert_snapshot(&uuid, "off").unwrap();
        let d = hv.lookup_domain(&uuid).unwrap();
        assert_eq!(d.state, DomainState::Shutoff);
        assert_eq!((d.memory_mib, d.vcpus), (1024, 2));
        assert_eq!(d.graphics[0].port, None);

        hv.power(&uuid, PowerAction::Start).unwrap();
        hv.power(&uuid, PowerAction::Suspend).unwrap();
        hv.create_snapshot(&uuid, &snap("paused", true, Internal))
            .unwrap();
        hv.power(&uuid, PowerAction::Destroy).unwrap();
        hv.revert_snapshot(&uuid, "paused").unwrap();
        assert_eq!(hv.lookup_domain(&uuid).unwrap().state, DomainState::Paused);
    }

    #[test]
    fn libvirt_refusals() {
        use SnapshotLocation::*;
        let (hv, uuid) = defined(DiskFormat::Qcow2);
        // Memory needs a running domain.
        assert_eq!(
            hv.create_snapshot(&uuid, &snap("m", true, Internal))
                .unwrap_err()
                .kind,
            HypervisorErrorKind::InvalidArgument
        );
        hv.power(&uuid, PowerAction::Start).unwrap();
        // A running domain's internal snapshot must include memory.
        assert_eq!(
            hv.create_snapshot(&uuid, &snap("d", false, Internal))
                .unwrap_err()
                .kind,
            HypervisorErrorKind::Unsupported
        );
        // Quiesce needs disk-only and an agent.
        let mut q = snap("q", false, External);
        q.quiesce = true;
        assert_eq!(
            hv.create_snapshot(&uuid, &q).unwrap_err().kind,
            HypervisorErrorKind::Unsupported
        );
        let mut q = snap("q", true, Internal);
        q.quiesce = true;
        assert_eq!(
            hv.create_snapshot(&uuid, &q).unwrap_err().kind,
            HypervisorErrorKind::InvalidArgument
        );
        // Nothing was made.
        assert!(hv.list_snapshots(&uuid).unwrap().is_empty());

        let (raw, raw_uuid) = defined(DiskFormat::Raw);
        assert_eq!(
            raw.create_snapshot(&raw_uuid, &snap("r", false, Internal))
                .unwrap_err()
                .kind,
            HypervisorErrorKind::InvalidArgument
        );
        let mut efi = spec("efi-vm", DiskFormat::Qcow2);
        efi.firmware = Firmware::Efi { secure_boot: false };
        let efi_uuid = raw.define_domain(&efi).unwrap().uuid;
        assert_eq!(
            raw.create_snapshot(&efi_uuid, &snap("e", false, Internal))
                .unwrap_err()
                .kind,
            HypervisorErrorKind::Unsupported
        );
        assert!(raw.snapshot_facts(&efi_uuid).unwrap().has_nvram_pflash);
    }

    #[test]
    fn external_snapshots_follow_the_disk_chain() {
        use SnapshotLocation::*;
        let (hv, uuid) = defined(DiskFormat::Raw);
        let e1 = hv
            .create_snapshot(&uuid, &snap("e1", false, External))
            .unwrap();
        assert_eq!(e1.state, SnapshotState::Shutoff);
        assert_eq!(e1.disks[0].file.as_deref(), Some("/images/snap-vm.e1"));
        assert_eq!(e1.disks[1].location, No);
        assert!(hv.snapshot_facts(&uuid).unwrap().has_external_snapshots);
        let d = hv.lookup_domain(&uuid).unwrap();
        assert_eq!(d.disks[0].path.as_deref(), Some("/images/snap-vm.e1"));
        assert_eq!(d.disks[0].format.as_deref(), Some("qcow2"));

        hv.power(&uuid, PowerAction::Start).unwrap();
        let e2 = hv
            .create_snapshot(&uuid, &snap("e2", false, External))
            .unwrap();
        assert_eq!(e2.state, SnapshotState::DiskSnapshot);
        assert_eq!(e2.disks[0].file.as_deref(), Some("/images/snap-vm.e2"));

        // Not revertible on libvirt 9.0; e1 has a child, so it stays.
        let refused = hv.revert_snapshot(&uuid, "e2").unwrap_err();
        assert!(refused.message.contains("revert to external snapshot"));
        assert!(hv.delete_snapshot(&uuid, "e1").is_err());
        // The leaf is merged back; then its parent can go too.
        hv.delete_snapshot(&uuid, "e2").unwrap();
        assert_eq!(
            hv.lookup_domain(&uuid).unwrap().disks[0].path.as_deref(),
            Some("/images/snap-vm.e1")
        );
        hv.delete_snapshot(&uuid, "e1").unwrap();
        let d = hv.lookup_domain(&uuid).unwrap();
        assert_eq!(d.disks[0].path.as_deref(), Some("/images/snap-vm.raw"));
        assert_eq!(d.disks[0].format.as_deref(), Some("raw"));
        assert!(hv.list_snapshots(&uuid).unwrap().is_empty());
    }

    #[test]
    fn snapshots_go_with_their_domain() {
        use SnapshotLocation::*;
        let (hv, uuid) = defined(DiskFormat::Qcow2);
        hv.create_snapshot(&uuid, &snap("a", false, Internal))
            .unwrap();
        hv.undefine_domain(&uuid).unwrap();
        assert_eq!(
            hv.list_snapshots(&uuid).unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        hv.define_domain(&spec("snap-vm", DiskFormat::Qcow2))
            .unwrap();
        assert!(hv.list_snapshots(&uuid).unwrap().is_empty());
    }

    #[test]
    fn facts() {
        let (hv, uuid) = defined(DiskFormat::Qcow2);
        let f = hv.snapshot_facts(&uuid).unwrap();
        assert_eq!(f.state, DomainState::Shutoff);
        assert_eq!(f.disks.len(), 2);
        assert_eq!(f.disks[0].source_type, DiskSourceType::File);
        assert_eq!(f.disks[0].format.as_deref(), Some("qcow2"));
        assert!(f.disks[1].readonly);
        assert_eq!(f.guest_agent, GuestAgent::Disconnected);
        assert_eq!(f.libvirt_version, Some(LibvirtVersion::new(9, 0, 0)));
        assert!(f.external_supported && f.persistent);
    }

    #[test]
    fn overlay_names() {
        assert_eq!(overlay_path("/a/b/disk.qcow2", "s1"), "/a/b/disk.s1");
        assert_eq!(overlay_path("/a/b.d/disk", "s1"), "/a/b.d/disk.s1");
        assert_eq!(overlay_path("/a/.hidden", "s1"), "/a/.hidden.s1");
    }
}
