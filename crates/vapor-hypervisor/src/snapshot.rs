//! Domain snapshots.
//!
//! A snapshot is addressed by its domain's UUID and its name, which is
//! unique within the domain. Snapshots form a tree per domain: each has at
//! most one parent, and one of them may be the domain's current snapshot
//! (the one the domain's present state descends from).
//!
//! Backends report facts ([`SnapshotFacts`]) and carry out requests
//! ([`SnapshotSpec`]); which kind of snapshot a domain supports is decided
//! once, by the application layer, from those facts.

use crate::{DomainState, Result};

/// A libvirt version, `major.minor.micro`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LibvirtVersion {
    pub major: u32,
    pub minor: u32,
    pub micro: u32,
}

impl LibvirtVersion {
    pub const fn new(major: u32, minor: u32, micro: u32) -> Self {
        Self {
            major,
            minor,
            micro,
        }
    }

    /// From libvirt's encoding, `major * 1_000_000 + minor * 1_000 + micro`.
    pub const fn from_encoded(v: u32) -> Self {
        Self::new(v / 1_000_000, (v / 1_000) % 1_000, v % 1_000)
    }
}

impl std::fmt::Display for LibvirtVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)
    }
}

/// Where a disk's data comes from (libvirt's `<disk type=...>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DiskSourceType {
    /// A file on the host.
    File,
    /// A host block device (a partition, an LVM volume, ...).
    Block,
    /// A network protocol (NBD, RBD, iSCSI, ...).
    Network,
    /// A volume of a libvirt storage pool.
    Volume,
    /// Anything else, by libvirt's name (`dir`, `nvme`, `vhostuser`, ...).
    Other(String),
}

impl DiskSourceType {
    /// libvirt's name of the type.
    pub fn as_str(&self) -> &str {
        match self {
            DiskSourceType::File => "file",
            DiskSourceType::Block => "block",
            DiskSourceType::Network => "network",
            DiskSourceType::Volume => "volume",
            DiskSourceType::Other(s) => s,
        }
    }

    /// From libvirt's name (`file` when the attribute is absent, libvirt's default).
    pub fn parse(s: Option<&str>) -> Self {
        match s.unwrap_or("file") {
            "file" => DiskSourceType::File,
            "block" => DiskSourceType::Block,
            "network" => DiskSourceType::Network,
            "volume" => DiskSourceType::Volume,
            other => DiskSourceType::Other(other.to_string()),
        }
    }
}

/// What a snapshot needs to know about one disk of a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDiskFacts {
    /// Guest device name, e.g. `vda`.
    pub target: String,
    /// `disk`, `cdrom`, `floppy` or `lun`.
    pub device: String,
    pub source_type: DiskSourceType,
    /// Image format (`qcow2`, `raw`, ...); `None` when the definition does not say.
    pub format: Option<String>,
    /// File or device path; `None` for an empty drive or a network disk.
    pub path: Option<String>,
    pub readonly: bool,
    /// Virtual size; `None` when the backend cannot tell.
    pub size_bytes: Option<u64>,
}

/// The guest agent channel (`org.qemu.guest_agent.0`) of a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GuestAgent {
    /// The domain has no agent channel.
    Absent,
    /// The channel exists; no agent answers on it (or the domain is off).
    Disconnected,
    /// An agent is connected.
    Connected,
}

/// Everything that decides which snapshots a domain supports, as the backend
/// sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFacts {
    pub uuid: String,
    pub name: String,
    pub state: DomainState,
    /// A transient domain keeps no snapshot metadata once it stops.
    pub persistent: bool,
    pub disks: Vec<SnapshotDiskFacts>,
    /// UEFI firmware in pflash (with NVRAM): libvirt refuses internal snapshots.
    pub has_nvram_pflash: bool,
    /// Host devices passed through: their state cannot be saved with memory.
    pub has_hostdev: bool,
    pub guest_agent: GuestAgent,
    /// Whether the domain has external snapshots (its disks are overlays).
    pub has_external_snapshots: bool,
    /// The libvirt whose snapshot rules apply; `None` when unknown.
    pub libvirt_version: Option<LibvirtVersion>,
    /// Whether the driver can take external (overlay file) disk-only
    /// snapshots at all (QEMU's can; libvirt's test driver cannot).
    pub external_supported: bool,
}

/// Where a snapshot keeps a disk's or the memory's state (libvirt's
/// `snapshot='...'` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotLocation {
    /// Not captured.
    No,
    /// Inside the qcow2 image itself.
    Internal,
    /// In a separate file.
    External,
}

impl SnapshotLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotLocation::No => "no",
            SnapshotLocation::Internal => "internal",
            SnapshotLocation::External => "external",
        }
    }
}

/// The domain state a snapshot captured (libvirt's snapshot `<state>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotState {
    NoState,
    Running,
    Blocked,
    Paused,
    Shutdown,
    Shutoff,
    Crashed,
    PmSuspended,
    /// An external disk-only snapshot of an active domain.
    DiskSnapshot,
}

impl SnapshotState {
    /// libvirt's name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotState::NoState => "nostate",
            SnapshotState::Running => "running",
            SnapshotState::Blocked => "blocked",
            SnapshotState::Paused => "paused",
            SnapshotState::Shutdown => "shutdown",
            SnapshotState::Shutoff => "shutoff",
            SnapshotState::Crashed => "crashed",
            SnapshotState::PmSuspended => "pmsuspended",
            SnapshotState::DiskSnapshot => "disk-snapshot",
        }
    }

    /// From libvirt's name; `None` for a name libvirt does not use.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "nostate" => SnapshotState::NoState,
            "running" => SnapshotState::Running,
            "blocked" => SnapshotState::Blocked,
            "paused" => SnapshotState::Paused,
            "shutdown" => SnapshotState::Shutdown,
            "shutoff" => SnapshotState::Shutoff,
            "crashed" => SnapshotState::Crashed,
            "pmsuspended" => SnapshotState::PmSuspended,
            "disk-snapshot" => SnapshotState::DiskSnapshot,
            _ => return None,
        })
    }

    /// The state a domain snapshotted in `state` is recorded with.
    pub fn of_domain(state: DomainState) -> Self {
        match state {
            DomainState::NoState => SnapshotState::NoState,
            DomainState::Running => SnapshotState::Running,
            DomainState::Blocked => SnapshotState::Blocked,
            DomainState::Paused => SnapshotState::Paused,
            DomainState::Shutdown => SnapshotState::Shutdown,
            DomainState::Shutoff => SnapshotState::Shutoff,
            DomainState::Crashed => SnapshotState::Crashed,
            DomainState::PmSuspended => SnapshotState::PmSuspended,
        }
    }
}

/// What happens to one disk in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDisk {
    /// Guest device name, e.g. `vda`.
    pub target: String,
    pub location: SnapshotLocation,
    /// For an external snapshot, the overlay file made for the disk.
    pub file: Option<String>,
}

/// A snapshot to take. The application layer has decided everything; the
/// backend carries it out or fails without leaving a snapshot behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSpec {
    pub name: String,
    pub description: Option<String>,
    /// `Internal` saves the running domain's memory inside its disks (a
    /// full-system snapshot); `No` captures disks only. External memory
    /// snapshots are not offered.
    pub memory: SnapshotLocation,
    /// Every disk of the domain, by target, with where its state goes.
    /// Internal and external disks are never mixed. External overlays are
    /// named by the backend, beside the disks' images.
    pub disks: Vec<(String, SnapshotLocation)>,
    /// Freeze the guest's file systems through its agent while the
    /// snapshot is taken (external disk-only snapshots of a running domain).
    pub quiesce: bool,
}

/// A snapshot as the backend reports it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub name: String,
    pub description: Option<String>,
    /// The domain state the snapshot captured.
    pub state: SnapshotState,
    pub parent: Option<String>,
    /// Names of the snapshots whose parent this one is, sorted.
    pub children: Vec<String>,
    pub is_current: bool,
    /// When the snapshot was taken, in seconds since the Unix epoch.
    pub created_unix_secs: i64,
    pub memory: SnapshotLocation,
    /// The memory file of an external memory snapshot.
    pub memory_file: Option<String>,
    pub disks: Vec<SnapshotDisk>,
    /// Bytes the snapshot takes on the host, when the backend can tell.
    pub size_bytes: Option<u64>,
}

impl SnapshotInfo {
    /// Whether any of the snapshot's state lives in separate files.
    pub fn is_external(&self) -> bool {
        self.memory == SnapshotLocation::External
            || self
                .disks
                .iter()
                .any(|d| d.location == SnapshotLocation::External)
    }

    /// Whether the snapshot holds the domain's memory.
    pub fn has_memory(&self) -> bool {
        self.memory != SnapshotLocation::No
    }
}

/// Domain snapshots. Part of [`crate::Hypervisor`].
pub trait SnapshotBackend {
    /// What decides which snapshots the domain supports. `NotFound` when
    /// there is no domain with that UUID.
    fn snapshot_facts(&self, uuid: &str) -> Result<SnapshotFacts>;

    /// Every snapshot of the domain, oldest first; of snapshots taken in the
    /// same second, parents come before their children.
    fn list_snapshots(&self, uuid: &str) -> Result<Vec<SnapshotInfo>>;

    /// One snapshot. `NotFound` when the domain or the snapshot does not exist.
    fn lookup_snapshot(&self, uuid: &str, name: &str) -> Result<SnapshotInfo>;

    /// Takes a snapshot, which becomes the domain's current one.
    /// `AlreadyExists` when the name is taken; `OperationInvalid` or
    /// `Unsupported` when the backend refuses the request.
    fn create_snapshot(&self, uuid: &str, spec: &SnapshotSpec) -> Result<SnapshotInfo>;

    /// Deletes one snapshot; its children become children of its parent.
    /// `OperationInvalid` (with the backend's reason) when it refuses.
    fn delete_snapshot(&self, uuid: &str, name: &str) -> Result<()>;

    /// Returns the domain to the snapshot: its disks, its definition and,
    /// for a snapshot with memory, its run state. The snapshot becomes the
    /// current one. `OperationInvalid` (with the backend's reason) when it
    /// refuses.
    fn revert_snapshot(&self, uuid: &str, name: &str) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_and_print() {
        let v = LibvirtVersion::from_encoded(9_000_000);
        assert_eq!(v, LibvirtVersion::new(9, 0, 0));
        assert_eq!(v.to_string(), "9.0.0");
        assert!(v < LibvirtVersion::new(9, 9, 0));
        assert!(LibvirtVersion::new(10, 0, 0) > LibvirtVersion::new(9, 9, 0));
        assert_eq!(
            LibvirtVersion::from_encoded(7_002_022),
            LibvirtVersion::new(7, 2, 22)
        );
    }

    #[test]
    fn states_round_trip() {
        for s in [
            SnapshotState::NoState,
            SnapshotState::Running,
            SnapshotState::Blocked,
            SnapshotState::Paused,
            SnapshotState::Shutdown,
            SnapshotState::Shutoff,
            SnapshotState::Crashed,
            SnapshotState::PmSuspended,
            SnapshotState::DiskSnapshot,
        ] {
            assert_eq!(SnapshotState::parse(s.as_str()), Some(s));
        }
        assert_eq!(SnapshotState::parse("bogus"), None);
        assert_eq!(
            SnapshotState::of_domain(DomainState::Paused),
            SnapshotState::Paused
        );
    }

    #[test]
    fn disk_source_types() {
        assert_eq!(DiskSourceType::parse(None), DiskSourceType::File);
        assert_eq!(DiskSourceType::parse(Some("block")), DiskSourceType::Block);
        assert_eq!(DiskSourceType::parse(Some("nvme")).as_str(), "nvme");
    }
}
