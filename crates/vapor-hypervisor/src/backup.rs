//! Backups: libvirt push backups, checkpoints and their chains.
//!
//! A backup copies a running domain's disks into files while the guest keeps
//! running (libvirt's push mode). A full backup copies every block; an
//! incremental one copies only the blocks written since a checkpoint, and
//! each backup can leave a checkpoint of its own for the next one to start
//! from. An incremental image holds only the changed blocks: read on top of
//! the images of the backups before it, it gives the disk as it was.

use crate::Result;

/// One disk to back up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupDiskTarget {
    /// The disk's target name in the domain, e.g. `vda`.
    pub target: String,
    /// The absolute path of the image to write; it must not exist yet. The
    /// image is qcow2, so that an incremental one can leave unchanged blocks
    /// unallocated.
    pub file: String,
}

/// What a backup job copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupJobSpec {
    /// The disks to copy. The domain's other disks are left out.
    pub disks: Vec<BackupDiskTarget>,
    /// `Some(name)`: copy only what changed since the checkpoint `name`
    /// (incremental); `None`: copy everything (full).
    pub incremental_from: Option<String>,
    /// `Some(name)`: create the checkpoint `name` over the same disks when the
    /// job starts, for a later incremental backup.
    pub checkpoint: Option<String>,
}

/// The state of a domain's backup job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupJobState {
    /// The job runs; bytes copied so far and bytes to copy in all, when known.
    Running {
        processed_bytes: Option<u64>,
        total_bytes: Option<u64>,
    },
    /// The job has finished and every image is complete.
    Completed { total_bytes: Option<u64> },
    /// The job has ended without completing (an error or an abort).
    Failed { message: String },
    /// No backup job runs and none has just ended: the backend has no record
    /// of one (e.g. the domain was restarted since).
    None,
}

/// A domain's persistent definition as the backend keeps it, stored beside
/// a backup's images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainDefinition {
    /// The file name to store it under, e.g. `domain.xml`.
    pub file_name: String,
    pub text: String,
}

/// Backups of a [`crate::Hypervisor`].
pub trait BackupBackend {
    /// Starts a push backup of the running domain `uuid` and returns once the
    /// job has started; [`Self::backup_job`] follows it. `Unsupported` when
    /// the backend has no backups; `OperationInvalid` when the domain does not
    /// run or already runs a job; `NotFound` when `incremental_from` is not a
    /// checkpoint of the domain; `AlreadyExists` when the new checkpoint's
    /// name is taken.
    fn begin_backup(&self, uuid: &str, spec: &BackupJobSpec) -> Result<()>;

    /// The state of the domain's backup job: the running one, or the one that
    /// has just ended.
    fn backup_job(&self, uuid: &str) -> Result<BackupJobState>;

    /// Aborts the domain's running backup job. `OperationInvalid` when no
    /// backup job runs.
    fn abort_backup(&self, uuid: &str) -> Result<()>;

    /// The targets of the domain's disks whose images can hold a checkpoint
    /// (libvirt: qcow2 v3 images, whose persistent bitmaps checkpoints are).
    fn checkpoint_capable_disks(&self, uuid: &str) -> Result<Vec<String>>;

    /// The names of the domain's checkpoints, oldest first.
    fn list_checkpoints(&self, uuid: &str) -> Result<Vec<String>>;

    /// Deletes one checkpoint of the domain; the changes it tracked are
    /// merged into its parent, so later checkpoints stay usable. `NotFound`
    /// when it does not exist.
    fn delete_checkpoint(&self, uuid: &str, name: &str) -> Result<()>;

    /// The domain's persistent definition, to keep beside a backup.
    fn domain_definition(&self, uuid: &str) -> Result<DomainDefinition>;

    /// Writes the disk that a chain of backup images gives into the existing
    /// image at `dest_path` (made by [`crate::StorageBackend::create_volume`],
    /// at least as large as the disk). `chain` is the full backup's image
    /// first, then each incremental image in the order they were taken.
    /// `InvalidArgument` when the images do not form a chain.
    fn restore_disk_image(&self, chain: &[String], dest_path: &str) -> Result<()>;
}
