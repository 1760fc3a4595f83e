//! SQLite rows of live migrations (table `migrations`): the record of each
//! migration, kept after the VM has left the host.

use rusqlite::{params, OptionalExtension, Row};

use crate::db::{db_error, Database};
use crate::error::Result;

/// The migration statuses, one vocabulary for the whole API.
pub const INITIATING: &str = "initiating";
pub const MIGRATING: &str = "migrating";
pub const COMPLETED: &str = "completed";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";

/// Whether a migration with this status has ended.
pub fn is_terminal(status: &str) -> bool {
    matches!(status, COMPLETED | FAILED | CANCELLED)
}

/// One migration. Byte counters and the rest of libvirt's job statistics
/// are the last ones seen (`None` when never reported).
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationRow {
    /// `mig-<uuid>`.
    pub id: String,
    pub operation_id: Option<String>,
    pub vm_uuid: String,
    pub vm_name: String,
    pub source_host: String,
    pub dest_host: String,
    pub destination_uri: String,
    /// The request's options, as JSON.
    pub options: String,
    pub status: String,
    /// 0-100, never lower than before.
    pub progress: f64,
    pub data_processed_bytes: Option<i64>,
    pub data_remaining_bytes: Option<i64>,
    pub data_total_bytes: Option<i64>,
    pub mem_processed_bytes: Option<i64>,
    pub mem_remaining_bytes: Option<i64>,
    pub mem_total_bytes: Option<i64>,
    pub dirty_rate_pages_per_second: Option<i64>,
    pub iteration: Option<i64>,
    pub downtime_ms: Option<i64>,
    pub error_message: Option<String>,
    pub started_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
}

const COLUMNS: &str = "id, operation_id, vm_uuid, vm_name, source_host, dest_host, \
     destination_uri, options, status, progress, data_processed_bytes, data_remaining_bytes, \
     data_total_bytes, mem_processed_bytes, mem_remaining_bytes, mem_total_bytes, \
     dirty_rate_pages_per_second, iteration, downtime_ms, error_message, started_at, \
     updated_at, completed_at";

fn migration_from_row(r: &Row<'_>) -> rusqlite::Result<MigrationRow> {
    Ok(MigrationRow {
        id: r.get(0)?,
        operation_id: r.get(1)?,
        vm_uuid: r.get(2)?,
        vm_name: r.get(3)?,
        source_host: r.get(4)?,
        dest_host: r.get(5)?,
        destination_uri: r.get(6)?,
        options: r.get(7)?,
        status: r.get(8)?,
        progress: r.get(9)?,
        data_processed_bytes: r.get(10)?,
        data_remaining_bytes: r.get(11)?,
        data_total_bytes: r.get(12)?,
        mem_processed_bytes: r.get(13)?,
        mem_remaining_bytes: r.get(14)?,
        mem_total_bytes: r.get(15)?,
        dirty_rate_pages_per_second: r.get(16)?,
        iteration: r.get(17)?,
        downtime_ms: r.get(18)?,
        error_message: r.get(19)?,
        started_at: r.get(20)?,
        updated_at: r.get(21)?,
        completed_at: r.get(22)?,
    })
}

impl Database {
    /// Inserts the migration, or updates the row with its id. Columns the
    /// row type does not carry (`dest_storage`) are left as they are.
    pub fn save_migration(&self, m: &MigrationRow) -> Result<()> {
        let updates = COLUMNS
            .split(',')
            .map(str::trim)
            .filter(|c| *c != "id")
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        self.lock()
            .execute(
                &format!(
                    "INSERT INTO migrations ({COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
                      ?17, ?18, ?19, ?20, ?21, ?22, ?23) \
                     ON CONFLICT (id) DO UPDATE SET {updates}"
                ),
                params![
                    m.id,
                    m.operation_id,
                    m.vm_uuid,
                    m.vm_name,
                    m.source_host,
                    m.dest_host,
                    m.destination_uri,
                    m.options,
                    m.status,
                    m.progress,
                    m.data_processed_bytes,
                    m.data_remaining_bytes,
                    m.data_total_bytes,
                    m.mem_processed_bytes,
                    m.mem_remaining_bytes,
                    m.mem_total_bytes,
                    m.dirty_rate_pages_per_second,
                    m.iteration,
                    m.downtime_ms,
                    m.error_message,
                    m.started_at,
                    m.updated_at,
                    m.completed_at,
                ],
            )
            .map(|_| ())
            .map_err(|e| db_error("save migration", e))
    }

    /// Records the operation that runs the migration (only that column, so
    /// that it cannot undo the operation's own updates of the row).
    pub fn set_migration_operation(&self, id: &str, operation_id: &str) -> Result<()> {
        self.lock()
            .execute(
                "UPDATE migrations SET operation_id = ?2 WHERE id = ?1",
                params![id, operation_id],
            )
            .map(|_| ())
            .map_err(|e| db_error("save migration", e))
    }

    /// Records what the migration made on its destination (JSON).
    pub fn set_migration_dest_storage(&self, id: &str, made: &str) -> Result<()> {
        self.lock()
            .execute(
                "UPDATE migrations SET dest_storage = ?2 WHERE id = ?1",
                params![id, made],
            )
            .map(|_| ())
            .map_err(|e| db_error("save migration", e))
    }

    /// What the migration recorded it made on its destination (JSON), if anything.
    pub fn migration_dest_storage(&self, id: &str) -> Result<Option<String>> {
        self.lock()
            .query_row(
                "SELECT dest_storage FROM migrations WHERE id = ?1",
                [id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| db_error("read migration", e))
    }

    /// The migration with this id.
    pub fn migration(&self, id: &str) -> Result<Option<MigrationRow>> {
        self.lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM migrations WHERE id = ?1"),
                [id],
                migration_from_row,
            )
            .optional()
            .map_err(|e| db_error("read migration", e))
    }

    /// The last migration started of the VM named `vm` (its name, or its
    /// UUID in any case).
    pub fn last_migration_of(&self, vm: &str) -> Result<Option<MigrationRow>> {
        self.lock()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM migrations WHERE vm_name = ?1 OR vm_uuid = lower(?1) \
                     ORDER BY started_at DESC, rowid DESC LIMIT 1"
                ),
                [vm],
                migration_from_row,
            )
            .optional()
            .map_err(|e| db_error("read migration", e))
    }

    /// The migration of the VM with this UUID that has not ended, if any.
    pub fn unfinished_migration_of(&self, vm_uuid: &str) -> Result<Option<MigrationRow>> {
        self.lock()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM migrations WHERE vm_uuid = lower(?1) \
                     AND status IN ('{INITIATING}', '{MIGRATING}') \
                     ORDER BY started_at DESC, rowid DESC LIMIT 1"
                ),
                [vm_uuid],
                migration_from_row,
            )
            .optional()
            .map_err(|e| db_error("read migration", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str, status: &str, started_at: &str) -> MigrationRow {
        MigrationRow {
            id: id.into(),
            operation_id: Some(format!("op-{id}")),
            vm_uuid: "aaaaaaaa-0000-4000-8000-000000000001".into(),
            vm_name: name.into(),
            source_host: "a".into(),
            dest_host: "b".into(),
            destination_uri: "qemu+tcp://b/system".into(),
            options: "{}".into(),
            status: status.into(),
            progress: 0.0,
            data_processed_bytes: None,
            data_remaining_bytes: None,
            data_total_bytes: None,
            mem_processed_bytes: None,
            mem_remaining_bytes: None,
            mem_total_bytes: Some(1 << 30),
            dirty_rate_pages_per_second: None,
            iteration: None,
            downtime_ms: None,
            error_message: None,
            started_at: started_at.into(),
            updated_at: started_at.into(),
            completed_at: None,
        }
    }

    #[test]
    fn rows_round_trip_and_the_last_one_wins() {
        let db = Database::open_in_memory().unwrap();
        let first = row("mig-1", "vm", FAILED, "2024-01-01T00:00:00.000000Z");
        db.save_migration(&first).unwrap();
        let mut second = row("mig-2", "vm", MIGRATING, "2024-01-02T00:00:00.000000Z");
        db.save_migration(&second).unwrap();
        assert_eq!(db.migration("mig-1").unwrap().unwrap(), first);
        assert_eq!(db.migration("mig-3").unwrap(), None);
        assert_eq!(db.last_migration_of("vm").unwrap().unwrap().id, "mig-2");
        assert_eq!(
            db.last_migration_of("AAAAAAAA-0000-4000-8000-000000000001")
                .unwrap()
                .unwrap()
                .id,
            "mig-2"
        );
        assert_eq!(db.last_migration_of("other").unwrap(), None);
        assert_eq!(
            db.unfinished_migration_of(&second.vm_uuid)
                .unwrap()
                .unwrap()
                .id,
            "mig-2"
        );
        second.status = COMPLETED.into();
        second.progress = 100.0;
        second.downtime_ms = Some(12);
        db.save_migration(&second).unwrap();
        assert_eq!(db.migration("mig-2").unwrap().unwrap(), second);
        assert_eq!(db.unfinished_migration_of(&second.vm_uuid).unwrap(), None);
        assert!(is_terminal(COMPLETED) && !is_terminal(INITIATING));
    }

    #[test]
    fn what_was_made_on_the_destination_survives_progress_updates() {
        let db = Database::open_in_memory().unwrap();
        let mut m = row("mig-1", "vm", MIGRATING, "2024-01-01T00:00:00.000000Z");
        db.save_migration(&m).unwrap();
        assert_eq!(db.migration_dest_storage("mig-1").unwrap(), None);
        db.set_migration_dest_storage("mig-1", r#"{"volumes":["/p/v.qcow2"],"pools":[]}"#)
            .unwrap();
        m.progress = 40.0;
        db.save_migration(&m).unwrap();
        assert_eq!(
            db.migration_dest_storage("mig-1").unwrap().as_deref(),
            Some(r#"{"volumes":["/p/v.qcow2"],"pools":[]}"#)
        );
        assert_eq!(db.migration("mig-1").unwrap().unwrap().progress, 40.0);
        assert_eq!(db.migration_dest_storage("mig-2").unwrap(), None);
    }
}
