//! Vapor's own state in SQLite: API tokens, the audit log and operations.
//!
//! The database runs in WAL mode and is migrated forward on open. Migrations
//! are append-only: a released migration is never edited, a new one is added.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

/// Ordered schema migrations; `schema_migrations` records which ran.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE api_tokens (
         name        TEXT PRIMARY KEY,
         token_hash  TEXT NOT NULL UNIQUE,
         created_at  TEXT NOT NULL
     );
     CREATE TABLE operations (
         id             TEXT PRIMARY KEY,
         kind           TEXT NOT NULL,
         target         TEXT NOT NULL,
         status         TEXT NOT NULL,
         phase          TEXT NOT NULL,
         processed      INTEGER,
         total          INTEGER,
         percent        REAL NOT NULL,
         error_code     TEXT,
         error_message  TEXT,
         created_at     TEXT NOT NULL,
         updated_at     TEXT NOT NULL,
         finished_at    TEXT
     );
     CREATE INDEX operations_by_target ON operations(target);",
    ),
    (
        2,
        "CREATE TABLE isos (
         id           TEXT PRIMARY KEY,
         name         TEXT NOT NULL UNIQUE,
         path         TEXT NOT NULL UNIQUE,
         size_bytes   INTEGER NOT NULL,
         sha256       TEXT,
         os_type      TEXT,
         os_variant   TEXT,
         description  TEXT,
         source       TEXT NOT NULL,
         created_at   TEXT NOT NULL,
         last_used    TEXT
     );
     CREATE TABLE iso_uploads (
         id             TEXT PRIMARY KEY,
         filename       TEXT NOT NULL,
         total_bytes    INTEGER NOT NULL,
         offset_bytes   INTEGER NOT NULL,
         status         TEXT NOT NULL,
         metadata       TEXT NOT NULL,
         error_message  TEXT,
         iso_id         TEXT,
         created_at     TEXT NOT NULL,
         updated_at     TEXT NOT NULL,
         expires_at     TEXT NOT NULL
     );",
    ),
    (
        3,
        "CREATE TABLE vm_templates (
         id                      INTEGER PRIMARY KEY AUTOINCREMENT,
         name                    TEXT NOT NULL UNIQUE,
         display_name            TEXT NOT NULL,
         description             TEXT,
         os_type                 TEXT NOT NULL,
         os_variant              TEXT NOT NULL,
         min_memory_mib          INTEGER NOT NULL,
         recommended_memory_mib  INTEGER NOT NULL,
         min_vcpus               INTEGER NOT NULL,
         recommended_vcpus       INTEGER NOT NULL,
         min_disk_gib            INTEGER NOT NULL,
         recommended_disk_gib    INTEGER NOT NULL,
         disk_bus                TEXT NOT NULL,
         network_model           TEXT NOT NULL,
         uefi                    INTEGER NOT NULL,
         secure_boot             INTEGER NOT NULL,
         tpm                     INTEGER NOT NULL,
         virtio_drivers          INTEGER NOT NULL,
         cloud_init_support      INTEGER NOT NULL,
         default_user            TEXT,
         icon                    TEXT,
         tags                    TEXT NOT NULL,
         is_active               INTEGER NOT NULL,
         created_at              TEXT NOT NULL,
         updated_at              TEXT NOT NULL,
         CHECK (min_memory_mib <= recommended_memory_mib),
         CHECK (min_vcpus <= recommended_vcpus),
         CHECK (min_disk_gib <= recommended_disk_gib)
     );
     CREATE TABLE vm_template_links (
         vm_uuid      TEXT PRIMARY KEY,
         vm_name      TEXT NOT NULL,
         template_id  INTEGER NOT NULL,
         created_at   TEXT NOT NULL
     );
     CREATE INDEX vm_template_links_by_template ON vm_template_links(template_id);",
    ),
    (
        4,
        "CREATE TABLE migrations (
         id                           TEXT PRIMARY KEY,
         operation_id                 TEXT,
         vm_uuid                      TEXT NOT NULL,
         vm_name                      TEXT NOT NULL,
         source_host                  TEXT NOT NULL,
         dest_host                    TEXT NOT NULL,
         destination_uri              TEXT NOT NULL,
         options                      TEXT NOT NULL,
         status                       TEXT NOT NULL,
         progress                     REAL NOT NULL,
         data_processed_bytes         INTEGER,
         data_remaining_bytes         INTEGER,
         data_total_bytes             INTEGER,
         mem_processed_bytes          INTEGER,
         mem_remaining_bytes          INTEGER,
         mem_total_bytes              INTEGER,
         dirty_rate_pages_per_second  INTEGER,
         iteration                    INTEGER,
         downtime_ms                  INTEGER,
         error_message                TEXT,
         started_at                   TEXT NOT NULL,
         updated_at                   TEXT NOT NULL,
         completed_at                 TEXT
     );
     CREATE INDEX migrations_by_vm_name ON migrations(vm_name, started_at);
     CREATE INDEX migrations_by_vm_uuid ON migrations(vm_uuid, started_at);",
    ),
    (
        // Backups: one row per backup, its files described by its manifest.
        5,
        "CREATE TABLE backups (
         id                TEXT PRIMARY KEY,
         vm_uuid           TEXT NOT NULL,
         vm_name           TEXT NOT NULL,
         backup_type       TEXT NOT NULL,
         status            TEXT NOT NULL,
         directory         TEXT NOT NULL,
         disks             TEXT NOT NULL,
         skipped           TEXT NOT NULL,
         size_bytes        INTEGER,
         compression       TEXT NOT NULL,
         parent_id         TEXT,
         checkpoint        TEXT,
         operation_id      TEXT,
         description       TEXT,
         retention_days    INTEGER NOT NULL,
         include_memory    INTEGER NOT NULL,
         manifest_sha256   TEXT,
         error_message     TEXT,
         started_at        TEXT NOT NULL,
         completed_at      TEXT
     );
     CREATE INDEX backups_by_vm ON backups(vm_uuid, started_at);
     CREATE INDEX backups_by_parent ON backups(parent_id);",
    ),
    (
        // Token scopes, expiry and revocation, and the audit log of mutations.
        // Tokens made before scopes existed keep the power they had: admin.
        6,
        "ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin';
     ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
     ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
     ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
     CREATE TABLE audit_log (
         id           INTEGER PRIMARY KEY AUTOINCREMENT,
         at           TEXT NOT NULL,
         token_name   TEXT NOT NULL,
         method       TEXT NOT NULL,
         path         TEXT NOT NULL,
         operation    TEXT,
         target       TEXT,
         status_code  INTEGER NOT NULL
     );",
    ),
    (
        // Idempotency keys of creates (`idempotency_store`): one row per token
        // and key, in progress until the request succeeds, then the reply.
        7,
        "CREATE TABLE idempotency_keys (
         id               INTEGER PRIMARY KEY AUTOINCREMENT,
         token_name       TEXT NOT NULL,
         idempotency_key  TEXT NOT NULL,
         fingerprint      TEXT NOT NULL,
         state            TEXT NOT NULL CHECK (state IN ('in_progress', 'completed')),
         status_code      INTEGER,
         content_type     TEXT,
         location         TEXT,
         body             BLOB,
         created_at       TEXT NOT NULL,
         expires_at       TEXT NOT NULL,
         UNIQUE (token_name, idempotency_key)
     );
     CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys(expires_at);",
    ),
    (
        // The journal of VM creations under way (`creation_store`): what a
        // create is about to make, so that a killed process leaves a record.
        8,
        "CREATE TABLE vm_creations (
         uuid        TEXT PRIMARY KEY,
         name        TEXT NOT NULL,
         boot        TEXT NOT NULL,
         started_at  TEXT NOT NULL,
         made        TEXT NOT NULL,
         note        TEXT
     );",
    ),
    (
        // What a migration made on its destination (volumes and pools, as
        // JSON), so that a migration interrupted by a restart can remove it.
        9,
        "ALTER TABLE migrations ADD COLUMN dest_storage TEXT;",
    ),
];

/// A handle on the database. Statements are short, so one connection behind a
/// mutex serves every request; nothing holds it across an await or a backend call.
pub struct Database {
    conn: Mutex<Connection>,
}

/// One row of the `operations` table.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationRow {
    pub id: String,
    pub kind: String,
    pub target: String,
    pub status: String,
    pub phase: String,
    pub processed: Option<i64>,
    pub total: Option<i64>,
    pub percent: f64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

pub(crate) fn db_error(context: &str, err: rusqlite::Error) -> Error {
    Error::internal(format!("database: {context}"), err)
}

/// Why the database file could not be opened, in words an operator can act on.
fn open_error(err: rusqlite::Error) -> Error {
    let context = match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            "the file is not a SQLite database or is damaged; restore it from a backup, \
             or move it away to start with an empty database"
        }
        Some(
            rusqlite::ErrorCode::CannotOpen
            | rusqlite::ErrorCode::PermissionDenied
            | rusqlite::ErrorCode::ReadOnly,
        ) => "the file cannot be opened for reading and writing",
        _ => "the file cannot be opened as a database",
    };
    Error::internal(context, err)
}

impl Database {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::internal(
                        format!("cannot create the database's directory {}", dir.display()),
                        e,
                    )
                })?;
            }
        }
        let conn = Connection::open(path).map_err(open_error)?;
        // The first read of the file: one that is not a database, or is
        // damaged, is refused here with a message that says so.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(open_error)?;
        // SQLite falls back to reading when the file cannot be opened for
        // writing (its mode, an immutable file, a read-only mount); Vapor
        // would then fail at its first write.
        if conn
            .is_readonly(rusqlite::DatabaseName::Main)
            .map_err(open_error)?
        {
            return Err(Error::internal(
                "the file cannot be opened for reading and writing",
                std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "SQLite could open it for reading only",
                ),
            ));
        }
        Self::init(conn)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory().map_err(|e| db_error("open", e))?)
    }

    fn init(conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| db_error("WAL", e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| db_error("foreign keys", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| db_error("busy timeout", e))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .map_err(|e| db_error("migrations table", e))?;
        let db = Database {
            conn: Mutex::new(conn),
        };
        db.migrate()?;
        Ok(db)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (statements are atomic), so a poisoned lock is still usable.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn migrate(&self) -> Result<()> {
        let mut conn = self.lock();
        let current: i64 = conn
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(|e| db_error("schema version", e))?;
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            let tx = conn.transaction().map_err(|e| db_error("migration", e))?;
            tx.execute_batch(sql)
                .map_err(|e| db_error("migration", e))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, now()],
            )
            .map_err(|e| db_error("migration", e))?;
            tx.commit().map_err(|e| db_error("migration", e))?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.lock()
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .map_err(|e| db_error("schema version", e))
    }

    // ---------------------------------------------------------------- tokens

    /// Stores a new token. Names are unique for good, revoked tokens included,
    /// so that a name in the audit log always means one token.
    pub fn insert_token(
        &self,
        name: &str,
        token_hash: &str,
        scope: &str,
        expires_at: Option<&str>,
    ) -> Result<()> {
        let conn = self.lock();
        match conn.execute(
            "INSERT INTO api_tokens (name, token_hash, created_at, scope, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, token_hash, now(), scope, expires_at],
        ) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(Error::AlreadyExists {
                    kind: "token",
                    id: name.to_owned(),
                })
            }
            Err(e) => Err(db_error("insert token", e)),
        }
    }

    /// The token with this hash, if any, revoked and expired ones included.
    pub fn token_by_hash(&self, token_hash: &str) -> Result<Option<TokenRow>> {
        self.lock()
            .query_row(
                &format!("{SELECT_TOKEN} WHERE token_hash = ?1"),
                [token_hash],
                token_from_row,
            )
            .optional()
            .map_err(|e| db_error("token lookup", e))
    }

    /// Every token, oldest first.
    pub fn tokens(&self) -> Result<Vec<TokenRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!("{SELECT_TOKEN} ORDER BY created_at, name"))
            .map_err(|e| db_error("list tokens", e))?;
        let rows = stmt
            .query_map([], token_from_row)
            .map_err(|e| db_error("list tokens", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| db_error("list tokens", e))
    }

    /// Marks the token revoked. `NotFound` when there is no such token; a
    /// token already revoked keeps its first revocation time.
    pub fn revoke_token(&self, name: &str) -> Result<()> {
        let changed = self
            .lock()
            .execute(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE name = ?1",
                params![name, now()],
            )
            .map_err(|e| db_error("revoke token", e))?;
        if changed == 0 {
            return Err(Error::NotFound {
                kind: "token",
                id: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Records that the token was used at `at`, unless it was already recorded
    /// after `unless_after` (so that busy tokens do not cost a write per request).
    pub fn touch_token(&self, name: &str, at: &str, unless_after: &str) -> Result<()> {
        self.lock()
            .execute(
                "UPDATE api_tokens SET last_used_at = ?2
                 WHERE name = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)",
                params![name, at, unless_after],
            )
            .map(|_| ())
            .map_err(|e| db_error("token last use", e))
    }

    // ---------------------------------------------------------------- operations

    pub fn upsert_operation(&self, op: &OperationRow) -> Result<()> {
        self.lock()
            .execute(
                "INSERT INTO operations (id, kind, target, status, phase, processed, total, percent,
                     error_code, error_message, created_at, updated_at, finished_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status, phase = excluded.phase,
                     processed = excluded.processed, total = excluded.total, percent = excluded.percent,
                     error_code = excluded.error_code, error_message = excluded.error_message,
                     updated_at = excluded.updated_at, finished_at = excluded.finished_at",
                params![
                    op.id,
                    op.kind,
                    op.target,
                    op.status,
                    op.phase,
                    op.processed,
                    op.total,
                    op.percent,
                    op.error_code,
                    op.error_message,
                    op.created_at,
                    op.updated_at,
                    op.finished_at
                ],
            )
            .map(|_| ())
            .map_err(|e| db_error("save operation", e))
    }

    pub fn operation(&self, id: &str) -> Result<Option<OperationRow>> {
        self.lock()
            .query_row(
                &format!("{SELECT_OPERATION} WHERE id = ?1"),
                [id],
                operation_from_row,
            )
            .optional()
            .map_err(|e| db_error("operation lookup", e))
    }

    /// Operations, newest first, optionally filtered.
    pub fn operations(
        &self,
        status: Option<&str>,
        target: Option<&str>,
    ) -> Result<Vec<OperationRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!(
                "{SELECT_OPERATION} WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR target = ?2)
                 ORDER BY created_at DESC, id"
            ))
            .map_err(|e| db_error("list operations", e))?;
        let rows = stmt
            .query_map(params![status, target], operation_from_row)
            .map_err(|e| db_error("list operations", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| db_error("list operations", e))
    }

    /// Marks operations left queued or running by a previous process as failed.
    /// Returns how many there were.
    pub fn fail_interrupted_operations(&self, reason: &str) -> Result<usize> {
        let ts = now();
        self.lock()
            .execute(
                "UPDATE operations SET status = 'failed', error_code = 'INTERRUPTED', error_message = ?1,
                     updated_at = ?2, finished_at = ?2
                 WHERE status IN ('queued', 'running')",
                params![reason, ts],
            )
            .map_err(|e| db_error("fail interrupted operations", e))
    }
}

/// One row of the `api_tokens` table. The hash is never shown to anyone.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRow {
    pub name: String,
    pub token_hash: String,
    pub scope: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

const SELECT_TOKEN: &str = "SELECT name, token_hash, scope, created_at, expires_at, revoked_at,
     last_used_at FROM api_tokens";

fn token_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        name: r.get(0)?,
        token_hash: r.get(1)?,
        scope: r.get(2)?,
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        revoked_at: r.get(5)?,
        last_used_at: r.get(6)?,
    })
}

const SELECT_OPERATION: &str = "SELECT id, kind, target, status, phase, processed, total, percent,
     error_code, error_message, created_at, updated_at, finished_at FROM operations";

fn operation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OperationRow> {
    Ok(OperationRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        target: r.get(2)?,
        status: r.get(3)?,
        phase: r.get(4)?,
        processed: r.get(5)?,
        total: r.get(6)?,
        percent: r.get(7)?,
        error_code: r.get(8)?,
        error_message: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        finished_at: r.get(12)?,
    })
}

/// The current time as RFC 3339 with microseconds, the form every timestamp is stored in.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_applied_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/vapor.db");
        let db = Database::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), MIGRATIONS.last().unwrap().0);
        drop(db);
        let again = Database::open(&path).unwrap();
        assert_eq!(
            again.schema_version().unwrap(),
            MIGRATIONS.last().unwrap().0
        );
    }

    #[test]
    fn duplicate_token_name_is_already_exists() {
        let db = Database::open_in_memory().unwrap();
        db.insert_token("ci", "h1", "admin", None).unwrap();
        let err = db.insert_token("ci", "h2", "read", None).unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");
        assert_eq!(db.token_by_hash("h1").unwrap().unwrap().name, "ci");
        assert_eq!(db.token_by_hash("h2").unwrap(), None);
    }

    #[test]
    fn tokens_are_revoked_once_and_touched_sparingly() {
        let db = Database::open_in_memory().unwrap();
        db.insert_token("ci", "h1", "read", Some("2030-01-01T00:00:00.000000Z"))
            .unwrap();
        let row = db.token_by_hash("h1").unwrap().unwrap();
        assert_eq!(row.scope, "read");
        assert_eq!(
            row.expires_at.as_deref(),
            Some("2030-01-01T00:00:00.000000Z")
        );
        assert_eq!((row.revoked_at, row.last_used_at), (None, None));
        db.touch_token("ci", "2026-01-01T00:00:10Z", "2026-01-01T00:00:00Z")
            .unwrap();
        db.touch_token("ci", "2026-01-01T00:00:20Z", "2026-01-01T00:00:05Z")
            .unwrap();
        let row = db.token_by_hash("h1").unwrap().unwrap();
        assert_eq!(row.last_used_at.as_deref(), Some("2026-01-01T00:00:10Z"));
        db.revoke_token("ci").unwrap();
        let first = db.token_by_hash("h1").unwrap().unwrap().revoked_at;
        assert!(first.is_some());
        db.revoke_token("ci").unwrap();
        assert_eq!(db.token_by_hash("h1").unwrap().unwrap().revoked_at, first);
        assert!(matches!(
            db.revoke_token("nobody"),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(db.tokens().unwrap().len(), 1);
    }

    #[test]
    fn interrupted_operations_are_failed_with_reason() {
        let db = Database::open_in_memory().unwrap();
        let ts = now();
        let mut op = OperationRow {
            id: "op-1".into(),
            kind: "vm_shutdown".into(),
            target: "u".into(),
            status: "running".into(),
            phase: "waiting".into(),
            processed: None,
            total: None,
            percent: 0.0,
            error_code: None,
            error_message: None,
            created_at: ts.clone(),
            updated_at: ts.clone(),
            finished_at: None,
        };
        db.upsert_operation(&op).unwrap();
        op.id = "op-2".into();
        op.status = "succeeded".into();
        db.upsert_operation(&op).unwrap();
        assert_eq!(db.fail_interrupted_operations("restarted").unwrap(), 1);
        let failed = db.operation("op-1").unwrap().unwrap();
        assert_eq!(failed.status, "failed");
        assert_eq!(failed.error_code.as_deref(), Some("INTERRUPTED"));
        assert_eq!(failed.error_message.as_deref(), Some("restarted"));
        assert!(failed.finished_at.is_some());
        assert_eq!(db.operation("op-2").unwrap().unwrap().status, "succeeded");
        assert_eq!(db.operations(Some("failed"), None).unwrap().len(), 1);
        assert_eq!(db.operations(None, Some("u")).unwrap().len(), 2);
    }
}
