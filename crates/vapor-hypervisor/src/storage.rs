//! Storage pools and volumes.

use crate::{Result, StoragePool, StorageVolume, VolumeSpec};

/// Storage pools and the volumes in them. Part of [`crate::Hypervisor`].
pub trait StorageBackend {
    /// A storage pool by name. `NotFound` when it does not exist.
    fn lookup_pool(&self, name: &str) -> Result<StoragePool>;

    /// Defines, builds, starts and marks for autostart a directory pool.
    fn create_dir_pool(&self, name: &str, path: &str) -> Result<StoragePool>;

    /// Creates a volume in a running pool. `AlreadyExists` when the name is taken.
    fn create_volume(&self, pool: &str, spec: &VolumeSpec) -> Result<StorageVolume>;

    /// A volume by its path on the host. `NotFound` when no pool holds it.
    fn lookup_volume_by_path(&self, path: &str) -> Result<StorageVolume>;

    /// Deletes a volume by its path on the host. `NotFound` when no pool holds it.
    fn delete_volume_by_path(&self, path: &str) -> Result<()>;
}
