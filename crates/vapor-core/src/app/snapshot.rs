//! VM snapshots: capabilities, create, list, get, delete, revert.
//!
//! Which snapshots a VM supports is decided here, once for every backend,
//! from the facts the backend reports ([`SnapshotFacts`]): the pure
//! functions [`capabilities`] and [`plan`] hold the rules, and a request
//! that cannot be honoured is refused with 422 and its own code before the
//! backend is asked for anything. Mutations take the VM's guard, so a
//! snapshot never races a power action or another snapshot of the same VM.

use vapor_hypervisor::{
    DiskSourceType, Domain, DomainState, GuestAgent, HypervisorError, HypervisorErrorKind,
    LibvirtVersion, SnapshotDiskFacts, SnapshotFacts, SnapshotInfo, SnapshotLocation, SnapshotSpec,
};

use super::Vapor;
use crate::db::now;
use crate::error::{Error, Refusal, Result};
use crate::etag::IfMatch;

const KIND: &str = "snapshot";
const VM: &str = "virtual machine";

/// The first libvirt release that reverts external snapshots.
pub const EXTERNAL_REVERT_SINCE: LibvirtVersion = LibvirtVersion::new(9, 9, 0);

/// The longest description a snapshot keeps (characters).
pub const MAX_DESCRIPTION_CHARS: usize = 1024;

/// `POST .../snapshots`.
#[derive(Debug, Clone, Default)]
pub struct SnapshotCreate {
    pub name: String,
    pub description: Option<String>,
    pub include_memory: bool,
    pub quiesce: bool,
}

/// What one disk allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskCapability {
    /// The disk's target, e.g. `vda`.
    pub name: String,
    pub path: Option<String>,
    /// libvirt's disk type: `file`, `block`, `network`, ...
    pub source_type: String,
    pub format: Option<String>,
    /// Left out of snapshots; does not count for the rules.
    pub readonly: bool,
    /// A writable qcow2 file.
    pub supports_internal: bool,
    pub size_bytes: Option<u64>,
}

/// What kinds of snapshot a VM supports now, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotCapabilities {
    /// Some snapshot can be taken in the VM's present state.
    pub supports_snapshots: bool,
    pub supports_internal: bool,
    pub supports_external: bool,
    pub supports_memory: bool,
    pub supports_quiesce: bool,
    pub supports_external_revert: bool,
    pub disks: Vec<DiskCapability>,
    pub warnings: Vec<String>,
    pub recommendations: Vec<String>,
}

/// What a snapshot is, for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotKind {
    Internal,
    InternalMemory,
    External,
    ExternalMemory,
}

impl SnapshotKind {
    pub fn of(info: &SnapshotInfo) -> Self {
        match (info.is_external(), info.has_memory()) {
            (false, false) => SnapshotKind::Internal,
            (false, true) => SnapshotKind::InternalMemory,
            (true, false) => SnapshotKind::External,
            (true, true) => SnapshotKind::ExternalMemory,
        }
    }
}

/// A snapshot with what the client should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotView {
    pub vm_name: String,
    pub vm_uuid: String,
    pub kind: SnapshotKind,
    /// Whether this host can revert to it.
    pub revertible: bool,
    pub warnings: Vec<String>,
    pub info: SnapshotInfo,
}

/// What a revert did.
#[derive(Debug, Clone)]
pub struct RevertOutcome {
    pub snapshot: String,
    /// RFC 3339.
    pub reverted_at: String,
    pub message: String,
    /// The VM as it is afterwards.
    pub vm: Domain,
}

/// A snapshot to take, with what the client should know about the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub spec: SnapshotSpec,
    pub warnings: Vec<String>,
}

/// The disks a snapshot covers: writable, with an image.
fn covered(d: &SnapshotDiskFacts) -> bool {
    !d.readonly && d.path.is_some()
}

fn disk_supports_internal(d: &SnapshotDiskFacts) -> bool {
    d.source_type == DiskSourceType::File && d.format.as_deref() == Some("qcow2")
}

fn format_name(d: &SnapshotDiskFacts) -> &str {
    d.format.as_deref().unwrap_or("of unknown format")
}

/// Whether a snapshot can be taken of a VM in this state at all.
fn snapshot_state_ok(state: DomainState) -> bool {
    matches!(
        state,
        DomainState::Running | DomainState::Blocked | DomainState::Paused | DomainState::Shutoff
    )
}

fn state_name(state: DomainState) -> &'static str {
    match state {
        DomainState::NoState => "in no state",
        DomainState::Running => "running",
        DomainState::Blocked => "blocked",
        DomainState::Paused => "paused",
        DomainState::Shutdown => "shutting down",
        DomainState::Shutoff => "shut off",
        DomainState::Crashed => "crashed",
        DomainState::PmSuspended => "suspended by the guest",
    }
}

fn external_revert(facts: &SnapshotFacts) -> bool {
    facts.external_supported
        && facts
            .libvirt_version
            .is_some_and(|v| v >= EXTERNAL_REVERT_SINCE)
}

fn libvirt_name(facts: &SnapshotFacts) -> String {
    match facts.libvirt_version {
        Some(v) => format!("libvirt {v}"),
        None => "this backend".to_owned(),
    }
}

/// The capability rules.
///
/// - Internal snapshots (and so memory snapshots) need every writable disk
///   to be a qcow2 file, at least one such disk, and no UEFI firmware in
///   pflash (libvirt refuses). Read-only disks (CD-ROMs) are left out.
/// - Internal snapshots are not mixed into external chains: while the VM
///   has external snapshots (its disks are qcow2 overlays, which would
///   otherwise allow internal ones) only external snapshots are taken.
///   libvirt 9.0 lets the two mix, then cannot delete such chains cleanly:
///   deleting an external snapshot merges its overlay away together with
///   the internal snapshots stored in it, and keeps their metadata.
/// - Memory needs a running or paused VM and no host devices.
/// - External disk-only snapshots need a driver that takes them and every
///   writable disk to be a file; they are reverted from libvirt 9.9 on.
/// - Quiesce needs a running VM with its guest agent connected, and an
///   external disk-only snapshot (libvirt quiesces only those).
pub fn capabilities(facts: &SnapshotFacts) -> SnapshotCapabilities {
    let disks: Vec<DiskCapability> = facts
        .disks
        .iter()
        .map(|d| DiskCapability {
            name: d.target.clone(),
            path: d.path.clone(),
            source_type: d.source_type.as_str().to_owned(),
            format: d.format.clone(),
            readonly: d.readonly,
            supports_internal: !d.readonly && disk_supports_internal(d),
            size_bytes: d.size_bytes,
        })
        .collect();
    let writable: Vec<&SnapshotDiskFacts> = facts.disks.iter().filter(|d| covered(d)).collect();
    let active = facts.state.is_active();
    let memory_state = matches!(
        facts.state,
        DomainState::Running | DomainState::Blocked | DomainState::Paused
    );

    let supports_internal = !writable.is_empty()
        && writable.iter().all(|d| disk_supports_internal(d))
        && !facts.has_nvram_pflash
        && !facts.has_external_snapshots;
    let supports_external = facts.external_supported
        && !writable.is_empty()
        && writable
            .iter()
            .all(|d| d.source_type == DiskSourceType::File);
    let supports_memory = supports_internal && memory_state && !facts.has_hostdev;
    let supports_quiesce = facts.guest_agent == GuestAgent::Connected
        && matches!(facts.state, DomainState::Running | DomainState::Blocked)
        && supports_external;
    let supports_external_revert = external_revert(facts);
    let supports_snapshots = snapshot_state_ok(facts.state)
        && (supports_external
            || if active {
                supports_memory
            } else {
                supports_internal
            });

    let mut warnings = Vec::new();
    let mut recommendations = Vec::new();
    if writable.is_empty() {
        warnings.push("the VM has no writable disk: there is nothing to snapshot".to_owned());
    }
    for d in &writable {
        match d.source_type {
            DiskSourceType::File if !disk_supports_internal(d) => {
                warnings.push(format!(
                    "disk {} is {}: internal and memory snapshots need every writable disk in qcow2",
                    d.target,
                    format_name(d)
                ));
                recommendations.push(format!(
                    "convert disk {} to qcow2 (qemu-img convert -O qcow2) for internal and memory snapshots",
                    d.target
                ));
            }
            DiskSourceType::File => {}
            ref other => warnings.push(format!(
                "disk {} is a {} disk: only qcow2 files support internal snapshots, and only files external ones",
                d.target,
                other.as_str()
            )),
        }
    }
    if facts.has_external_snapshots {
        warnings.push(
            "the VM has external snapshots: only external snapshots are taken until they are deleted (internal snapshots inside overlays would be lost when an overlay is merged)"
                .to_owned(),
        );
    }
    if facts.has_nvram_pflash {
        warnings.push(
            "the VM boots UEFI firmware from pflash with NVRAM: libvirt refuses internal (and so memory) snapshots of it"
                .to_owned(),
        );
    }
    if facts.has_hostdev && memory_state {
        warnings.push(
            "host devices are passed through to the VM: their state cannot be saved, so no memory snapshot"
                .to_owned(),
        );
    }
    if !facts.persistent {
        warnings.push(
            "the VM is transient: libvirt keeps no snapshot metadata for it once it stops; define it persistently first"
                .to_owned(),
        );
    }
    if !snapshot_state_ok(facts.state) {
        warnings.push(format!(
            "the VM is {}: snapshots are taken of running, paused or shut-off VMs",
            state_name(facts.state)
        ));
    }
    if !facts.external_supported {
        warnings.push("this backend takes no external snapshots".to_owned());
    } else if supports_external && !supports_external_revert {
        warnings.push(format!(
            "external snapshots can be taken but not reverted: {} cannot revert them (libvirt {} can)",
            libvirt_name(facts),
            EXTERNAL_REVERT_SINCE
        ));
    }
    if supports_internal && !memory_state && !active {
        recommendations.push(
            "memory snapshots need a running or paused VM; a shut-off VM gets internal disk snapshots"
                .to_owned(),
        );
    }
    if supports_memory {
        recommendations.push(
            "a running VM's internal snapshot always holds its memory (QEMU's savevm): set include_memory"
                .to_owned(),
        );
    }
    match facts.guest_agent {
        GuestAgent::Connected => {}
        GuestAgent::Disconnected => {
            if active {
                warnings.push(
                    "the guest agent channel exists but no agent is connected: file systems cannot be quiesced"
                        .to_owned(),
                );
            }
            recommendations.push(
                "no guest agent answers on the VM's channel (org.qemu.guest_agent.0): run qemu-guest-agent in the guest to quiesce file systems"
                    .to_owned(),
            );
        }
        GuestAgent::Absent => recommendations.push(
            "add a guest agent channel (org.qemu.guest_agent.0) and run qemu-guest-agent in the guest to quiesce file systems"
                .to_owned(),
        ),
    }
    SnapshotCapabilities {
        supports_snapshots,
        supports_internal,
        supports_external,
        supports_memory,
        supports_quiesce,
        supports_external_revert,
        disks,
        warnings,
        recommendations,
    }
}

fn refuse(code: &'static str, message: impl Into<String>) -> Error {
    Error::refused(Refusal::Unsupported, code, message)
}

/// Why internal snapshots are impossible, for a refusal: the code and the reason.
fn internal_blocker(facts: &SnapshotFacts) -> (&'static str, String) {
    let writable: Vec<&SnapshotDiskFacts> = facts.disks.iter().filter(|d| covered(d)).collect();
    if writable.is_empty() {
        return (
            "SNAPSHOT_NOT_SUPPORTED",
            "the VM has no writable disk to snapshot".to_owned(),
        );
    }
    if facts.has_nvram_pflash {
        return (
            "SNAPSHOT_NOT_SUPPORTED",
            "libvirt refuses internal snapshots of a VM with UEFI firmware in pflash".to_owned(),
        );
    }
    if facts.has_external_snapshots {
        return (
            "SNAPSHOT_NOT_SUPPORTED",
            "the VM has external snapshots, and Vapor does not put internal snapshots into external chains (delete the external snapshots first)".to_owned(),
        );
    }
    let bad: Vec<String> = writable
        .iter()
        .filter(|d| !disk_supports_internal(d))
        .map(|d| {
            if d.source_type == DiskSourceType::File {
                format!("{} is {}", d.target, format_name(d))
            } else {
                format!("{} is a {} disk", d.target, d.source_type.as_str())
            }
        })
        .collect();
    let code = if writable
        .iter()
        .all(|d| d.source_type == DiskSourceType::File)
    {
        "INVALID_DISK_FORMAT"
    } else {
        "SNAPSHOT_NOT_SUPPORTED"
    };
    (
        code,
        format!(
            "internal snapshots need every writable disk to be a qcow2 file ({})",
            bad.join(", ")
        ),
    )
}

/// Why external snapshots are impossible.
fn external_blocker(facts: &SnapshotFacts) -> String {
    if !facts.external_supported {
        return "this backend takes no external snapshots".to_owned();
    }
    let bad: Vec<String> = facts
        .disks
        .iter()
        .filter(|d| covered(d) && d.source_type != DiskSourceType::File)
        .map(|d| format!("{} is a {} disk", d.target, d.source_type.as_str()))
        .collect();
    if bad.is_empty() {
        "the VM has no writable disk to snapshot".to_owned()
    } else {
        format!(
            "external snapshots need every writable disk to be a file ({})",
            bad.join(", ")
        )
    }
}

/// Every disk with where its state goes: covered disks to `location`, the
/// others (read-only, empty) left out.
fn disks(facts: &SnapshotFacts, location: SnapshotLocation) -> Vec<(String, SnapshotLocation)> {
    facts
        .disks
        .iter()
        .filter(|d| !d.target.is_empty())
        .map(|d| {
            let l = if covered(d) {
                location
            } else {
                SnapshotLocation::No
            };
            (d.target.clone(), l)
        })
        .collect()
}

/// An external disk-only snapshot, with the warnings that go with it.
fn external_plan(facts: &SnapshotFacts, req: &SnapshotCreate, why: &str, quiesce: bool) -> Plan {
    // Whether it can be reverted is said by `assess`, like for every snapshot.
    let warnings = vec![format!(
        "{why}, so the snapshot is external: overlay files were made beside the disks' images and the VM now writes to them"
    )];
    Plan {
        spec: SnapshotSpec {
            name: req.name.clone(),
            description: req.description.clone(),
            memory: SnapshotLocation::No,
            disks: disks(facts, SnapshotLocation::External),
            quiesce,
        },
        warnings,
    }
}

/// Decides what snapshot to take for `req`, or why none can be.
///
/// - `quiesce`: an external disk-only snapshot with the guest's file systems
///   frozen; needs a running VM, its agent connected, no `include_memory`.
/// - `include_memory`: a full-system internal snapshot of a running or
///   paused VM.
/// - Otherwise, a shut-off VM gets an internal disk snapshot; a running VM
///   whose disks allow internal snapshots is told to include memory
///   (QEMU's internal snapshot of a running VM always holds it). When
///   internal snapshots are impossible, an external disk-only snapshot is
///   taken if possible, with a warning when it cannot be reverted here.
pub fn plan(facts: &SnapshotFacts, req: &SnapshotCreate) -> Result<Plan> {
    let caps = capabilities(facts);
    if !snapshot_state_ok(facts.state) {
        return Err(Error::conflict(format!(
            "the virtual machine is {}; snapshots are taken of running, paused or shut-off VMs",
            state_name(facts.state)
        )));
    }
    let running = matches!(facts.state, DomainState::Running | DomainState::Blocked);
    if req.quiesce {
        let why = if req.include_memory {
            Some("quiesce applies to disk-only snapshots; a memory snapshot is consistent without it".to_owned())
        } else if !running {
            Some(format!(
                "quiesce needs a running VM; this one is {}",
                state_name(facts.state)
            ))
        } else if facts.guest_agent != GuestAgent::Connected {
            Some(match facts.guest_agent {
                GuestAgent::Absent => {
                    "quiesce needs the QEMU guest agent, and the VM has no guest agent channel"
                        .to_owned()
                }
                _ => "quiesce needs the QEMU guest agent, and none is connected".to_owned(),
            })
        } else if !caps.supports_external {
            Some(format!(
                "libvirt quiesces only external disk-only snapshots, and {}",
                external_blocker(facts)
            ))
        } else {
            None
        };
        if let Some(why) = why {
            return Err(refuse("QUIESCE_UNAVAILABLE", why));
        }
        return Ok(external_plan(
            facts,
            req,
            "libvirt quiesces only disk-only snapshots of a running VM",
            true,
        ));
    }
    if req.include_memory {
        if !matches!(
            facts.state,
            DomainState::Running | DomainState::Blocked | DomainState::Paused
        ) {
            return Err(refuse(
                "MEMORY_SNAPSHOT_UNAVAILABLE",
                format!(
                    "a memory snapshot needs a running or paused VM; this one is {}",
                    state_name(facts.state)
                ),
            ));
        }
        if facts.has_hostdev {
            return Err(refuse(
                "MEMORY_SNAPSHOT_UNAVAILABLE",
                "the VM has host devices passed through, whose state cannot be saved",
            ));
        }
        if !caps.supports_internal {
            let (code, why) = internal_blocker(facts);
            let code = if code == "INVALID_DISK_FORMAT" {
                code
            } else {
                "MEMORY_SNAPSHOT_UNAVAILABLE"
            };
            return Err(refuse(
                code,
                format!("memory snapshots are internal, and {why}"),
            ));
        }
        return Ok(Plan {
            spec: SnapshotSpec {
                name: req.name.clone(),
                description: req.description.clone(),
                memory: SnapshotLocation::Internal,
                disks: disks(facts, SnapshotLocation::Internal),
                quiesce: false,
            },
            warnings: Vec::new(),
        });
    }
    if !facts.state.is_active() && caps.supports_internal {
        return Ok(Plan {
            spec: SnapshotSpec {
                name: req.name.clone(),
                description: req.description.clone(),
                memory: SnapshotLocation::No,
                disks: disks(facts, SnapshotLocation::Internal),
                quiesce: false,
            },
            warnings: Vec::new(),
        });
    }
    if facts.state.is_active() && caps.supports_memory {
        return Err(refuse(
            "INCLUDE_MEMORY_REQUIRED",
            "an internal snapshot of a running VM always holds its memory (QEMU's savevm): \
             set include_memory to true, or shut the VM off for a disk-only internal snapshot",
        ));
    }
    if caps.supports_external {
        let why = if caps.supports_internal {
            // Active, internal possible, memory not (host devices).
            "the VM has host devices passed through, so no internal snapshot of it while it runs (those hold memory)".to_owned()
        } else {
            internal_blocker(facts).1
        };
        return Ok(external_plan(facts, req, &why, false));
    }
    let (code, why) = internal_blocker(facts);
    let code = if caps.supports_internal {
        "SNAPSHOT_NOT_SUPPORTED"
    } else {
        code
    };
    let why = if caps.supports_internal {
        "the VM runs with host devices passed through, so no internal snapshot of it now".to_owned()
    } else {
        why
    };
    Err(refuse(
        code,
        format!("{why}; and {}", external_blocker(facts)),
    ))
}

/// What the client should know about an existing snapshot, and whether it
/// can be reverted here.
pub fn assess(facts: &SnapshotFacts, info: &SnapshotInfo) -> (bool, Vec<String>) {
    let mut warnings = Vec::new();
    let revertible = !info.is_external() || external_revert(facts);
    if !revertible {
        warnings.push(format!(
            "an external snapshot: {} cannot revert it (libvirt {} can)",
            libvirt_name(facts),
            EXTERNAL_REVERT_SINCE
        ));
    }
    (revertible, warnings)
}

/// Snapshot names: what libvirt and file names (external overlays take the
/// snapshot's name) accept without quoting.
pub fn validate_snapshot_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = name.len() <= 255
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            format!("'{name}' is not a valid snapshot name: 1-255 letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ))
    }
}

fn validate_description(description: &str) -> Result<()> {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::invalid(
            "description",
            format!("a description has at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    if description
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(Error::invalid(
            "description",
            "a description must not contain control characters",
        ));
    }
    Ok(())
}

impl Vapor {
    async fn snapshot_facts(&self, vm: &Domain) -> Result<SnapshotFacts> {
        let uuid = vm.uuid.clone();
        self.blocking(move |hv| hv.snapshot_facts(&uuid))
            .await
            .map_err(|e| Error::from_hypervisor("reading the VM's snapshot facts", VM, &vm.name, e))
    }

    fn view(&self, facts: &SnapshotFacts, info: SnapshotInfo) -> SnapshotView {
        let (revertible, warnings) = assess(facts, &info);
        SnapshotView {
            vm_name: facts.name.clone(),
            vm_uuid: facts.uuid.clone(),
            kind: SnapshotKind::of(&info),
            revertible,
            warnings,
            info,
        }
    }

    /// What kinds of snapshot the VM supports now, and why.
    pub async fn snapshot_capabilities(&self, id: &str) -> Result<SnapshotCapabilities> {
        let vm = self.get_vm(id).await?;
        Ok(capabilities(&self.snapshot_facts(&vm).await?))
    }

    /// The VM's snapshots, oldest first.
    pub async fn list_snapshots(&self, id: &str) -> Result<Vec<SnapshotView>> {
        let vm = self.get_vm(id).await?;
        let facts = self.snapshot_facts(&vm).await?;
        let uuid = vm.uuid.clone();
        let list = self
            .blocking(move |hv| hv.list_snapshots(&uuid))
            .await
            .map_err(|e| Error::from_hypervisor("listing snapshots", VM, id, e))?;
        Ok(list.into_iter().map(|i| self.view(&facts, i)).collect())
    }

    /// One snapshot, with its disks, memory and children.
    pub async fn get_snapshot(&self, id: &str, name: &str) -> Result<SnapshotView> {
        let vm = self.get_vm(id).await?;
        let facts = self.snapshot_facts(&vm).await?;
        let info = self.lookup_snapshot(&vm, name).await?;
        Ok(self.view(&facts, info))
    }

    async fn lookup_snapshot(&self, vm: &Domain, name: &str) -> Result<SnapshotInfo> {
        let (uuid, key) = (vm.uuid.clone(), name.to_owned());
        self.blocking(move |hv| hv.lookup_snapshot(&uuid, &key))
            .await
            .map_err(|e| Error::from_hypervisor("looking up the snapshot", KIND, name, e))
    }

    /// Takes a snapshot as [`plan`] decides; refuses with 422 what cannot
    /// be done, 409 for a name in use.
    pub async fn create_snapshot(&self, id: &str, req: SnapshotCreate) -> Result<SnapshotView> {
        validate_snapshot_name(&req.name)?;
        if let Some(d) = &req.description {
            validate_description(d)?;
        }
        let vm = self.get_vm(id).await?;
        let _guard = self.locks.try_acquire("vm", &vm.uuid)?;
        match self.lookup_snapshot(&vm, &req.name).await {
            Ok(_) => {
                return Err(Error::AlreadyExists {
                    kind: KIND,
                    id: req.name.clone(),
                })
            }
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let facts = self.snapshot_facts(&vm).await?;
        let plan = plan(&facts, &req)?;
        let (uuid, spec) = (vm.uuid.clone(), plan.spec.clone());
        let info = self
            .blocking(move |hv| hv.create_snapshot(&uuid, &spec))
            .await
            .map_err(|e| match e.kind {
                HypervisorErrorKind::NotFound => Error::NotFound {
                    kind: VM,
                    id: id.to_owned(),
                },
                _ => Error::from_hypervisor(
                    format!("taking snapshot '{}'", req.name),
                    KIND,
                    &req.name,
                    e,
                ),
            })?;
        let mut view = self.view(&facts, info);
        let mut warnings = plan.warnings;
        warnings.append(&mut view.warnings);
        view.warnings = warnings;
        Ok(view)
    }

    /// Deletes one snapshot; its children become its parent's. 409 with
    /// libvirt's reason when libvirt refuses.
    pub async fn delete_snapshot(&self, id: &str, name: &str) -> Result<()> {
        let vm = self.get_vm(id).await?;
        let _guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let (uuid, key) = (vm.uuid.clone(), name.to_owned());
        self.blocking(move |hv| hv.delete_snapshot(&uuid, &key))
            .await
            .map_err(|e| {
                snapshot_refusal(format!("snapshot '{name}' could not be deleted"), name, e)
            })
    }

    /// Returns the VM to the snapshot. 409 `SNAPSHOT_NOT_REVERTIBLE` when
    /// this host cannot revert it, 409 with libvirt's reason when libvirt
    /// refuses.
    pub async fn revert_snapshot(
        &self,
        id: &str,
        name: &str,
        precondition: Option<&IfMatch>,
    ) -> Result<RevertOutcome> {
        let vm = self.get_vm(id).await?;
        let _guard = self.locks.try_acquire("vm", &vm.uuid)?;
        let vm = self.check_precondition(vm, id, precondition).await?;
        let facts = self.snapshot_facts(&vm).await?;
        let info = self.lookup_snapshot(&vm, name).await?;
        let (revertible, _) = assess(&facts, &info);
        if !revertible {
            return Err(Error::refused(
                Refusal::Conflict,
                "SNAPSHOT_NOT_REVERTIBLE",
                format!(
                    "snapshot '{name}' is external, and {} cannot revert external snapshots (libvirt {} can)",
                    libvirt_name(&facts),
                    EXTERNAL_REVERT_SINCE
                ),
            ));
        }
        let (uuid, key) = (vm.uuid.clone(), name.to_owned());
        self.blocking(move |hv| hv.revert_snapshot(&uuid, &key))
            .await
            .map_err(|e| {
                snapshot_refusal(format!("snapshot '{name}' could not be reverted"), name, e)
            })?;
        let reverted_at = now();
        let vm = self.get_vm(&vm.uuid).await?;
        let message = format!(
            "reverted to snapshot '{name}'; the virtual machine is {}",
            state_name(vm.state)
        );
        Ok(RevertOutcome {
            snapshot: name.to_owned(),
            reverted_at,
            message,
            vm,
        })
    }
}

/// A backend refusal of a revert or delete is a conflict with the
/// snapshot's state (409, libvirt's reason in the details).
fn snapshot_refusal(context: String, name: &str, e: HypervisorError) -> Error {
    let e = match e.kind {
        HypervisorErrorKind::InvalidArgument | HypervisorErrorKind::Unsupported => {
            HypervisorError::operation_invalid(e.message)
        }
        _ => e,
    };
    Error::from_hypervisor(context, KIND, name, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(target: &str, format: &str) -> SnapshotDiskFacts {
        SnapshotDiskFacts {
            target: target.into(),
            device: "disk".into(),
            source_type: DiskSourceType::File,
            format: Some(format.into()),
            path: Some(format!("/images/{target}.{format}")),
            readonly: false,
            size_bytes: Some(1 << 30),
        }
    }

    fn cdrom() -> SnapshotDiskFacts {
        SnapshotDiskFacts {
            target: "sda".into(),
            device: "cdrom".into(),
            source_type: DiskSourceType::File,
            format: Some("raw".into()),
            path: Some("/isos/install.iso".into()),
            readonly: true,
            size_bytes: None,
        }
    }

    fn facts(state: DomainState, disks: Vec<SnapshotDiskFacts>) -> SnapshotFacts {
        SnapshotFacts {
            uuid: "6f1a2c3e-0000-4000-8000-000000000001".into(),
            name: "vm".into(),
            state,
            persistent: true,
            disks,
            has_nvram_pflash: false,
            has_hostdev: false,
            guest_agent: GuestAgent::Absent,
            has_external_snapshots: false,
            libvirt_version: Some(LibvirtVersion::new(9, 0, 0)),
            external_supported: true,
        }
    }

    fn req(name: &str) -> SnapshotCreate {
        SnapshotCreate {
            name: name.into(),
            ..Default::default()
        }
    }

    fn code(e: Error) -> (u16, &'static str) {
        (e.http_status(), e.code())
    }

    #[test]
    fn qcow2_vm_supports_internal() {
        let f = facts(DomainState::Shutoff, vec![disk("vda", "qcow2"), cdrom()]);
        let c = capabilities(&f);
        assert!(c.supports_snapshots && c.supports_internal && c.supports_external);
        assert!(!c.supports_memory, "shut off");
        assert!(!c.supports_quiesce && !c.supports_external_revert);
        assert_eq!(c.disks.len(), 2);
        assert!(c.disks[0].supports_internal);
        assert!(!c.disks[1].supports_internal && c.disks[1].readonly);
        assert!(c.warnings.iter().any(|w| w.contains("not reverted")));

        let running = capabilities(&facts(
            DomainState::Running,
            vec![disk("vda", "qcow2"), cdrom()],
        ));
        assert!(running.supports_memory && running.supports_snapshots);
        let paused = capabilities(&facts(DomainState::Paused, vec![disk("vda", "qcow2")]));
        assert!(paused.supports_memory);
    }

    #[test]
    fn raw_disks_allow_external_only() {
        let f = facts(
            DomainState::Shutoff,
            vec![disk("vda", "qcow2"), disk("vdb", "raw")],
        );
        let c = capabilities(&f);
        assert!(!c.supports_internal && !c.supports_memory);
        assert!(c.supports_external && c.supports_snapshots);
        assert!(c.disks[0].supports_internal && !c.disks[1].supports_internal);
        assert!(c.warnings.iter().any(|w| w.contains("vdb is raw")));
        assert!(c.recommendations.iter().any(|r| r.contains("qcow2")));

        // Without external snapshots in the driver, nothing is possible.
        let mut test_driver = f.clone();
        test_driver.external_supported = false;
        let c = capabilities(&test_driver);
        assert!(!c.supports_snapshots && !c.supports_external);
        assert_eq!(
            code(plan(&test_driver, &req("s")).unwrap_err()),
            (422, "INVALID_DISK_FORMAT")
        );
    }

    #[test]
    fn block_and_network_disks() {
        let mut lvm = disk("vdb", "raw");
        lvm.source_type = DiskSourceType::Block;
        let f = facts(DomainState::Shutoff, vec![disk("vda", "qcow2"), lvm]);
        let c = capabilities(&f);
        assert!(!c.supports_internal && !c.supports_external && !c.supports_snapshots);
        assert!(!c.disks[1].supports_internal);
        assert!(c.warnings.iter().any(|w| w.contains("block disk")));
        assert_eq!(
            code(plan(&f, &req("s")).unwrap_err()),
            (422, "SNAPSHOT_NOT_SUPPORTED")
        );

        let mut rbd = disk("vda", "qcow2");
        rbd.source_type = DiskSourceType::Network;
        let c = capabilities(&facts(DomainState::Shutoff, vec![rbd]));
        assert!(!c.supports_internal && !c.supports_external);
    }

    #[test]
    fn firmware_host_devices_agent_and_transience() {
        let mut f = facts(DomainState::Running, vec![disk("vda", "qcow2")]);
        f.has_nvram_pflash = true;
        let c = capabilities(&f);
        assert!(!c.supports_internal && !c.supports_memory);
        assert!(c.supports_external && c.supports_snapshots);
        assert!(c.warnings.iter().any(|w| w.contains("pflash")));

        let mut f = facts(DomainState::Running, vec![disk("vda", "qcow2")]);
        f.has_hostdev = true;
        let c = capabilities(&f);
        assert!(c.supports_internal && !c.supports_memory);
        assert!(c.warnings.iter().any(|w| w.contains("host devices")));

        let mut f = facts(DomainState::Running, vec![disk("vda", "qcow2")]);
        f.guest_agent = GuestAgent::Connected;
        assert!(capabilities(&f).supports_quiesce);
        f.state = DomainState::Paused;
        assert!(!capabilities(&f).supports_quiesce);
        f.state = DomainState::Running;
        f.guest_agent = GuestAgent::Disconnected;
        let c = capabilities(&f);
        assert!(!c.supports_quiesce);
        assert!(c.warnings.iter().any(|w| w.contains("no agent")));
        assert!(c
            .recommendations
            .iter()
            .any(|r| r.contains("run qemu-guest-agent")));

        let mut f = facts(DomainState::Shutoff, vec![disk("vda", "qcow2")]);
        f.persistent = false;
        assert!(capabilities(&f)
            .warnings
            .iter()
            .any(|w| w.contains("transient")));
    }

    #[test]
    fn external_chains_stay_external() {
        // The disk is now a qcow2 overlay, but the chain is external.
        let mut f = facts(DomainState::Shutoff, vec![disk("vda", "qcow2")]);
        f.has_external_snapshots = true;
        let c = capabilities(&f);
        assert!(!c.supports_internal && c.supports_external && c.supports_snapshots);
        assert!(c.disks[0].supports_internal);
        assert!(c.warnings.iter().any(|w| w.contains("external snapshots")));
        let p = plan(&f, &req("e")).unwrap();
        assert_eq!(p.spec.disks[0].1, SnapshotLocation::External);
        f.state = DomainState::Running;
        assert!(!capabilities(&f).supports_memory);
        assert_eq!(
            plan(&f, &req("e")).unwrap().spec.disks[0].1,
            SnapshotLocation::External
        );
        assert_eq!(
            code(
                plan(
                    &f,
                    &SnapshotCreate {
                        include_memory: true,
                        ..req("m")
                    }
                )
                .unwrap_err()
            ),
            (422, "MEMORY_SNAPSHOT_UNAVAILABLE")
        );
    }

    #[test]
    fn external_revert_depends_on_the_libvirt_version() {
        let mut f = facts(DomainState::Shutoff, vec![disk("vda", "raw")]);
        assert!(!capabilities(&f).supports_external_revert);
        f.libvirt_version = Some(LibvirtVersion::new(9, 9, 0));
        let c = capabilities(&f);
        assert!(c.supports_external_revert);
        assert!(!c.warnings.iter().any(|w| w.contains("not reverted")));
        f.libvirt_version = None;
        assert!(!capabilities(&f).supports_external_revert);
    }

    #[test]
    fn odd_states_and_diskless_vms() {
        let c = capabilities(&facts(DomainState::Crashed, vec![disk("vda", "qcow2")]));
        assert!(!c.supports_snapshots);
        assert_eq!(
            code(
                plan(
                    &facts(DomainState::Crashed, vec![disk("vda", "qcow2")]),
                    &req("s")
                )
                .unwrap_err()
            ),
            (409, "CONFLICT")
        );
        let f = facts(DomainState::Shutoff, vec![cdrom()]);
        let c = capabilities(&f);
        assert!(!c.supports_snapshots && !c.supports_internal && !c.supports_external);
        assert_eq!(
            code(plan(&f, &req("s")).unwrap_err()),
            (422, "SNAPSHOT_NOT_SUPPORTED")
        );
    }

    #[test]
    fn plans() {
        use SnapshotLocation::*;
        // Shut off, qcow2: internal disk snapshot; the CD-ROM is left out.
        let off = facts(DomainState::Shutoff, vec![disk("vda", "qcow2"), cdrom()]);
        let p = plan(&off, &req("a")).unwrap();
        assert_eq!(p.spec.memory, No);
        assert_eq!(
            p.spec.disks,
            vec![("vda".to_owned(), Internal), ("sda".to_owned(), No)]
        );
        assert!(p.warnings.is_empty());
        assert_eq!(
            code(
                plan(
                    &off,
                    &SnapshotCreate {
                        include_memory: true,
                        ..req("m")
                    }
                )
                .unwrap_err()
            ),
            (422, "MEMORY_SNAPSHOT_UNAVAILABLE")
        );

        // Running, qcow2: memory, or told to include it.
        let on = facts(DomainState::Running, vec![disk("vda", "qcow2"), cdrom()]);
        let p = plan(
            &on,
            &SnapshotCreate {
                include_memory: true,
                description: Some("d".into()),
                ..req("m")
            },
        )
        .unwrap();
        assert_eq!(p.spec.memory, Internal);
        assert_eq!(p.spec.description.as_deref(), Some("d"));
        assert_eq!(p.spec.disks[0], ("vda".to_owned(), Internal));
        assert_eq!(
            code(plan(&on, &req("d")).unwrap_err()),
            (422, "INCLUDE_MEMORY_REQUIRED")
        );

        // Raw: external disk-only, with the warning that it cannot be reverted.
        let raw_on = facts(DomainState::Running, vec![disk("vda", "raw"), cdrom()]);
        let p = plan(&raw_on, &req("e")).unwrap();
        assert_eq!(p.spec.memory, No);
        assert_eq!(
            p.spec.disks,
            vec![("vda".to_owned(), External), ("sda".to_owned(), No)]
        );
        assert!(p.warnings[0].contains("vda is raw") && p.warnings[0].contains("external"));
        assert_eq!(
            code(
                plan(
                    &raw_on,
                    &SnapshotCreate {
                        include_memory: true,
                        ..req("m")
                    }
                )
                .unwrap_err()
            ),
            (422, "INVALID_DISK_FORMAT")
        );
        let raw_off = facts(DomainState::Shutoff, vec![disk("vda", "raw")]);
        assert_eq!(plan(&raw_off, &req("e")).unwrap().spec.disks[0].1, External);

        // Host devices: no memory; external disk-only while running.
        let mut hostdev = on.clone();
        hostdev.has_hostdev = true;
        assert_eq!(
            code(
                plan(
                    &hostdev,
                    &SnapshotCreate {
                        include_memory: true,
                        ..req("m")
                    }
                )
                .unwrap_err()
            ),
            (422, "MEMORY_SNAPSHOT_UNAVAILABLE")
        );
        assert_eq!(plan(&hostdev, &req("e")).unwrap().spec.disks[0].1, External);

        // pflash: no memory; external disk-only.
        let mut efi = on.clone();
        efi.has_nvram_pflash = true;
        assert_eq!(
            code(
                plan(
                    &efi,
                    &SnapshotCreate {
                        include_memory: true,
                        ..req("m")
                    }
                )
                .unwrap_err()
            ),
            (422, "MEMORY_SNAPSHOT_UNAVAILABLE")
        );
        assert_eq!(plan(&efi, &req("e")).unwrap().spec.disks[0].1, External);
    }

    #[test]
    fn quiesce_needs_a_running_vm_with_its_agent() {
        let quiesce = |include_memory| SnapshotCreate {
            quiesce: true,
            include_memory,
            ..req("q")
        };
        let mut on = facts(DomainState::Running, vec![disk("vda", "qcow2")]);
        assert_eq!(
            code(plan(&on, &quiesce(false)).unwrap_err()),
            (422, "QUIESCE_UNAVAILABLE")
        );
        on.guest_agent = GuestAgent::Disconnected;
        assert_eq!(
            code(plan(&on, &quiesce(false)).unwrap_err()),
            (422, "QUIESCE_UNAVAILABLE")
        );
        on.guest_agent = GuestAgent::Connected;
        let p = plan(&on, &quiesce(false)).unwrap();
        assert!(p.spec.quiesce);
        assert_eq!(p.spec.disks[0].1, SnapshotLocation::External);
        assert_eq!(
            code(plan(&on, &quiesce(true)).unwrap_err()),
            (422, "QUIESCE_UNAVAILABLE")
        );
        let mut off = on.clone();
        off.state = DomainState::Shutoff;
        assert_eq!(
            code(plan(&off, &quiesce(false)).unwrap_err()),
            (422, "QUIESCE_UNAVAILABLE")
        );
    }

    #[test]
    fn kinds_and_revertibility() {
        let info = |memory, disk| SnapshotInfo {
            name: "s".into(),
            description: None,
            state: vapor_hypervisor::SnapshotState::Running,
            parent: None,
            children: vec![],
            is_current: true,
            created_unix_secs: 0,
            memory,
            memory_file: None,
            disks: vec![vapor_hypervisor::SnapshotDisk {
                target: "vda".into(),
                location: disk,
                file: None,
            }],
            size_bytes: None,
        };
        use SnapshotLocation::*;
        assert_eq!(
            SnapshotKind::of(&info(No, Internal)),
            SnapshotKind::Internal
        );
        assert_eq!(
            SnapshotKind::of(&info(Internal, Internal)),
            SnapshotKind::InternalMemory
        );
        assert_eq!(
            SnapshotKind::of(&info(No, External)),
            SnapshotKind::External
        );
        assert_eq!(
            SnapshotKind::of(&info(External, External)),
            SnapshotKind::ExternalMemory
        );
        let f = facts(DomainState::Running, vec![disk("vda", "qcow2")]);
        assert_eq!(assess(&f, &info(Internal, Internal)), (true, vec![]));
        let (ok, warnings) = assess(&f, &info(No, External));
        assert!(!ok && warnings[0].contains("9.9.0"));
    }

    #[test]
    fn names_and_descriptions() {
        for ok in ["a", "before-upgrade", "v1.2_3", &"x".repeat(255)] {
            validate_snapshot_name(ok).unwrap();
        }
        for bad in [
            "",
            "-a",
            ".a",
            "a b",
            "a/b",
            "../x",
            &"x".repeat(256),
            "<x>",
        ] {
            assert!(validate_snapshot_name(bad).is_err(), "{bad}");
        }
        validate_description("line one\nline two\ttab").unwrap();
        assert!(validate_description("bell\u{7}").is_err());
        assert!(validate_description(&"é".repeat(1025)).is_err());
        validate_description(&"é".repeat(1024)).unwrap();
    }
}
