//! Storage pools and volumes.

use crate::{DiskFormat, Result, StoragePool, StorageVolume, VolumeSpec};

/// The kinds of pool Vapor can define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolType {
    /// A directory on the host (`path`).
    Dir,
    /// A block device (`source`) holding a file system, mounted on `path`.
    Fs,
    /// An NFS export (`source` on `source_host`), mounted on `path`.
    Netfs,
    /// An LVM volume group named like the pool, on the device `source`.
    Logical,
}

impl PoolType {
    /// libvirt's name for the type.
    pub fn as_str(self) -> &'static str {
        match self {
            PoolType::Dir => "dir",
            PoolType::Fs => "fs",
            PoolType::Netfs => "netfs",
            PoolType::Logical => "logical",
        }
    }
}

/// Everything needed to define a new persistent pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSpec {
    pub name: String,
    pub pool_type: PoolType,
    /// The target: the directory (or mount point) on the host, absolute.
    pub path: String,
    /// The source device (`fs`, `logical`) or the export path (`netfs`).
    pub source: Option<String>,
    /// The NFS server (`netfs`).
    pub source_host: Option<String>,
}

/// A change of a pool's state. Each maps onto one libvirt call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolAction {
    /// Starts an inactive pool (`virStoragePoolCreate`).
    Start,
    /// Stops an active pool; its storage is kept (`virStoragePoolDestroy`).
    Stop,
    /// Rescans an active pool's volumes and sizes (`virStoragePoolRefresh`).
    Refresh,
    /// Marks the pool to start, or not, with the host (`virStoragePoolSetAutostart`).
    Autostart(bool),
}

/// A volume with the facts the storage API reports about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeDetails {
    pub volume: StorageVolume,
    /// libvirt's volume type: `file`, `block`, `dir`, `network`, `netdir`,
    /// `ploop`; `None` for a type Vapor does not know.
    pub volume_type: Option<String>,
}

/// Storage pools and the volumes in them. Part of [`crate::Hypervisor`].
///
/// No method ever deletes a pool's underlying storage (libvirt's
/// `virStoragePoolDelete`): a pool's directory, device or export outlives it.
pub trait StorageBackend {
    /// A storage pool by name. `NotFound` when it does not exist.
    fn lookup_pool(&self, name: &str) -> Result<StoragePool>;

    /// Defines, builds, starts and marks for autostart a directory pool.
    fn create_dir_pool(&self, name: &str, path: &str) -> Result<StoragePool>;

    /// Creates a volume in a running pool. `AlreadyExists` when the name is
    /// taken; `InvalidArgument` for a name that is empty, `.`, `..` or has a `/`.
    fn create_volume(&self, pool: &str, spec: &VolumeSpec) -> Result<StorageVolume>;

    /// A volume by its path on the host. `NotFound` when no active pool holds it.
    fn lookup_volume_by_path(&self, path: &str) -> Result<StorageVolume>;

    /// Creates volume `name` in `pool` as a copy of the volume at `source_path`
    /// (`virStorageVolCreateXMLFrom`), converting to `format`. `NotFound` when
    /// no pool holds the source; `AlreadyExists` when the name is taken.
    fn clone_volume(
        &self,
        pool: &str,
        source_path: &str,
        name: &str,
        format: DiskFormat,
    ) -> Result<StorageVolume>;

    /// Deletes a volume by its path on the host. `NotFound` when no active pool holds it.
    fn delete_volume_by_path(&self, path: &str) -> Result<()>;

    /// Every pool, active or not, sorted by name.
    fn list_pools(&self) -> Result<Vec<StoragePool>>;

    /// Defines a persistent pool, not started and not autostarted, and
    /// prepares what can be prepared without touching data: the directory of
    /// a `dir` pool and the mount point of `fs` and `netfs` pools are created
    /// when missing; a file system is never made and a volume group never
    /// created. `AlreadyExists` when the name is taken; `OperationInvalid`
    /// when another pool of the type has the same storage (directory, device
    /// or export). If preparing fails, the definition is removed again.
    fn define_pool(&self, spec: &PoolSpec) -> Result<StoragePool>;

    /// Changes a pool's state. `OperationInvalid` when the action does not
    /// fit: starting an active pool, stopping or refreshing an inactive one.
    fn pool_action(&self, name: &str, action: PoolAction) -> Result<()>;

    /// Stops the pool if it is active, then removes its definition. Its
    /// volumes and storage stay where they are.
    fn undefine_pool(&self, name: &str) -> Result<()>;

    /// The volumes in an active pool, sorted by name. `NotFound` without the
    /// pool; `OperationInvalid` when it is not active.
    fn list_volumes(&self, pool: &str) -> Result<Vec<VolumeDetails>>;

    /// A volume of an active pool by name. `NotFound` without the pool or
    /// the volume; `OperationInvalid` when the pool is not active.
    fn lookup_volume(&self, pool: &str, name: &str) -> Result<VolumeDetails>;

    /// Deletes a volume of an active pool by name, with its data.
    /// `NotFound` without the pool or the volume; `OperationInvalid` when
    /// the pool is not active.
    fn delete_volume(&self, pool: &str, name: &str) -> Result<()>;
}

/// Whether `name` can name a volume: not empty, not `.` or `..`, no `/` (a
/// volume of a directory pool is a file directly in the pool's directory).
pub fn is_safe_volume_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_names() {
        for ok in ["a", "disk.qcow2", "..a", "a..", ".hidden"] {
            assert!(is_safe_volume_name(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "../x", "/abs", "nul\0"] {
            assert!(!is_safe_volume_name(bad), "{bad:?}");
        }
    }
}
