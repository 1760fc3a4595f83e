//! SQLite rows of backups (table `backups`): what each backup is, where its
//! files are and how it ended. The files themselves are described, with
//! their checksums, by the manifest in the backup's directory; the row keeps
//! the manifest's own checksum.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::db::{db_error, Database};
use crate::error::Result;

/// The backup statuses.
pub const RUNNING: &str = "running";
pub const COMPLETED: &str = "completed";
pub const FAILED: &str = "failed";

/// The backup types.
pub const FULL: &str = "full";
pub const INCREMENTAL: &str = "incremental";

/// One disk image of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupDiskRow {
    /// The disk's target in the VM, e.g. `vda`.
    pub target: String,
    /// The image's absolute path.
    pub file_path: String,
    /// The image's size on disk once complete.
    pub size_bytes: Option<u64>,
}

/// A disk left out of a backup, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedDisk {
    pub target: String,
    pub reason: String,
}

/// One backup.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupRow {
    /// `bk-<uuid>`.
    pub id: String,
    pub vm_uuid: String,
    pub vm_name: String,
    /// [`FULL`] or [`INCREMENTAL`].
    pub backup_type: String,
    /// [`RUNNING`], [`COMPLETED`] or [`FAILED`].
    pub status: String,
    /// The directory that holds the backup's files, and nothing else.
    pub directory: String,
    pub disks: Vec<BackupDiskRow>,
    pub skipped: Vec<SkippedDisk>,
    /// Every file of the backup once complete (images, definition, manifest).
    pub size_bytes: Option<i64>,
    pub compression: String,
    /// The backup an incremental one builds on.
    pub parent_id: Option<String>,
    /// The libvirt checkpoint this backup made, from which the next
    /// incremental one starts.
    pub checkpoint: Option<String>,
    pub operation_id: Option<String>,
    pub description: Option<String>,
    /// Days to keep the backup once complete; 0 keeps it for ever.
    pub retention_days: i64,
    pub include_memory: bool,
    /// SHA-256 of `manifest.json`, hex.
    pub manifest_sha256: Option<String>,
    pub error_message: Option<String>,
    pub started_at: String,
    pub completed_at: Option<String>,
}

const COLUMNS: &str = "id, vm_uuid, vm_name, backup_type, status, directory, disks, skipped, \
     size_bytes, compression, parent_id, checkpoint, operation_id, description, retention_days, \
     include_memory, manifest_sha256, error_message, started_at, completed_at";

fn json_column<T: serde::de::DeserializeOwned>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn backup_from_row(r: &Row<'_>) -> rusqlite::Result<BackupRow> {
    Ok(BackupRow {
        id: r.get(0)?,
        vm_uuid: r.get(1)?,
        vm_name: r.get(2)?,
        backup_type: r.get(3)?,
        status: r.get(4)?,
        directory: r.get(5)?,
        disks: json_column(r, 6)?,
        skipped: json_column(r, 7)?,
        size_bytes: r.get(8)?,
        compression: r.get(9)?,
        parent_id: r.get(10)?,
        checkpoint: r.get(11)?,
        operation_id: r.get(12)?,
        description: r.get(13)?,
        retention_days: r.get(14)?,
        include_memory: r.get(15)?,
        manifest_sha256: r.get(16)?,
        error_message: r.get(17)?,
        started_at: r.get(18)?,
        completed_at: r.get(19)?,
    })
}

impl Database {
    /// Inserts the backup, or replaces the row with its id.
    pub fn save_backup(&self, b: &BackupRow) -> Result<()> {
        let disks = serde_json::to_string(&b.disks).unwrap_or_else(|_| "[]".into());
        let skipped = serde_json::to_string(&b.skipped).unwrap_or_else(|_| "[]".into());
        self.lock()
            .execute(
                &format!(
                    "INSERT OR REPLACE INTO backups ({COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
                      ?17, ?18, ?19, ?20)"
                ),
                params![
                    b.id,
                    b.vm_uuid,
                    b.vm_name,
                    b.backup_type,
                    b.status,
                    b.directory,
                    disks,
                    skipped,
                    b.size_bytes,
                    b.compression,
                    b.parent_id,
                    b.checkpoint,
                    b.operation_id,
                    b.description,
                    b.retention_days,
                    b.include_memory,
                    b.manifest_sha256,
                    b.error_message,
                    b.started_at,
                    b.completed_at,
                ],
            )
            .map(|_| ())
            .map_err(|e| db_error("save backup", e))
    }

    /// The backup with this id.
    pub fn backup(&self, id: &str) -> Result<Option<BackupRow>> {
        self.lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM backups WHERE id = ?1"),
                [id],
                backup_from_row,
            )
            .optional()
            .map_err(|e| db_error("read backup", e))
    }

    fn backups_where(&self, clause: &str, arg: &str) -> Result<Vec<BackupRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM backups WHERE {clause} ORDER BY started_at, rowid"
            ))
            .map_err(|e| db_error("list backups", e))?;
        let rows = stmt
            .query_map([arg], backup_from_row)
            .map_err(|e| db_error("list backups", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| db_error("list backups", e))
    }

    /// The backups of the VM with this UUID, oldest first.
    pub fn backups_of_vm(&self, vm_uuid: &str) -> Result<Vec<BackupRow>> {
        self.backups_where("vm_uuid = lower(?1)", vm_uuid)
    }

    /// The backups of the VM with this UUID or of VMs that had this name,
    /// oldest first.
    pub fn backups_of_vm_or_name(&self, vm_uuid: &str, vm_name: &str) -> Result<Vec<BackupRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM backups WHERE vm_uuid = lower(?1) OR vm_name = ?2 \
                 ORDER BY started_at, rowid"
            ))
            .map_err(|e| db_error("list backups", e))?;
        let rows = stmt
            .query_map([vm_uuid, vm_name], backup_from_row)
            .map_err(|e| db_error("list backups", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| db_error("list backups", e))
    }

    /// The backups of VMs that had this name, oldest first.
    pub fn backups_of_vm_name(&self, vm_name: &str) -> Result<Vec<BackupRow>> {
        self.backups_where("vm_name = ?1", vm_name)
    }

    /// The backups that build on the backup `id` directly.
    pub fn backup_children(&self, id: &str) -> Result<Vec<BackupRow>> {
        self.backups_where("parent_id = ?1", id)
    }

    /// Every backup with this status, oldest first.
    pub fn backups_with_status(&self, status: &str) -> Result<Vec<BackupRow>> {
        self.backups_where("status = ?1", status)
    }

    /// Every backup, oldest first.
    pub fn all_backups(&self) -> Result<Vec<BackupRow>> {
        self.backups_where("?1 = ?1", "")
    }

    /// Records the operation that runs the backup (only that column).
    pub fn set_backup_operation(&self, id: &str, operation_id: &str) -> Result<()> {
        self.lock()
            .execute(
                "UPDATE backups SET operation_id = ?2 WHERE id = ?1",
                params![id, operation_id],
            )
            .map(|_| ())
            .map_err(|e| db_error("save backup", e))
    }

    pub fn delete_backup_row(&self, id: &str) -> Result<()> {
        self.lock()
            .execute("DELETE FROM backups WHERE id = ?1", [id])
            .map(|_| ())
            .map_err(|e| db_error("delete backup", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, parent: Option<&str>, started_at: &str) -> BackupRow {
        BackupRow {
            id: id.into(),
            vm_uuid: "aaaaaaaa-0000-4000-8000-000000000001".into(),
            vm_name: "vm".into(),
            backup_type: if parent.is_some() { INCREMENTAL } else { FULL }.into(),
            status: RUNNING.into(),
            directory: format!("/b/{id}"),
            disks: vec![BackupDiskRow {
                target: "vda".into(),
                file_path: format!("/b/{id}/vda.qcow2"),
                size_bytes: None,
            }],
            skipped: vec![SkippedDisk {
                target: "sda".into(),
                reason: "a cdrom".into(),
            }],
            size_bytes: None,
            compression: "none".into(),
            parent_id: parent.map(str::to_owned),
            checkpoint: Some(format!("vapor-{id}")),
            operation_id: None,
            description: None,
            retention_days: 30,
            include_memory: false,
            manifest_sha256: None,
            error_message: None,
            started_at: started_at.into(),
            completed_at: None,
        }
    }

    #[test]
    fn rows_round_trip_and_chains_are_found() {
        let db = Database::open_in_memory().unwrap();
        let full = row("bk-1", None, "2024-01-01T00:00:00.000000Z");
        let inc = row("bk-2", Some("bk-1"), "2024-01-02T00:00:00.000000Z");
        db.save_backup(&inc).unwrap();
        db.save_backup(&full).unwrap();
        assert_eq!(db.backup("bk-1").unwrap().unwrap(), full);
        assert_eq!(db.backup("bk-3").unwrap(), None);
        let ids = |v: Vec<BackupRow>| v.into_iter().map(|b| b.id).collect::<Vec<_>>();
        assert_eq!(
            ids(db
                .backups_of_vm("AAAAAAAA-0000-4000-8000-000000000001")
                .unwrap()),
            ["bk-1", "bk-2"]
        );
        assert_eq!(ids(db.backups_of_vm_name("vm").unwrap()), ["bk-1", "bk-2"]);
        assert_eq!(
            ids(db.backups_of_vm_or_name("other-uuid", "vm").unwrap()),
            ["bk-1", "bk-2"]
        );
        assert_eq!(ids(db.backup_children("bk-1").unwrap()), ["bk-2"]);
        db.set_backup_operation("bk-2", "op-9").unwrap();
        assert_eq!(
            db.backup("bk-2").unwrap().unwrap().operation_id.as_deref(),
            Some("op-9")
        );
        assert_eq!(ids(db.backups_with_status(RUNNING).unwrap()).len(), 2);
        db.delete_backup_row("bk-2").unwrap();
        assert!(db.backup_children("bk-1").unwrap().is_empty());
    }
}
