//! SQLite rows of the ISO library and of resumable uploads.

use rusqlite::{params, OptionalExtension, Row};

use crate::db::{db_error, Database};
use crate::error::{Error, Result};

/// One image of the ISO library.
#[derive(Debug, Clone, PartialEq)]
pub struct IsoRow {
    pub id: String,
    pub name: String,
    pub path: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    pub os_type: Option<String>,
    pub os_variant: Option<String>,
    pub description: Option<String>,
    /// `uploaded`, `registered` or `system` (found in the ISO directory).
    pub source: String,
    pub created_at: String,
    pub last_used: Option<String>,
}

/// One resumable upload session.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRow {
    pub id: String,
    pub filename: String,
    pub total_bytes: i64,
    /// Bytes durably written, from the start of the file.
    pub offset_bytes: i64,
    /// `created`, `in_progress`, `completed`, `failed`, `cancelled`, `expired`.
    pub status: String,
    /// The `Upload-Metadata` pairs, decoded, as a JSON object.
    pub metadata: String,
    pub error_message: Option<String>,
    pub iso_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: String,
}

const ISO_COLUMNS: &str =
    "id, name, path, size_bytes, sha256, os_type, os_variant, description, source, created_at, last_used";
const UPLOAD_COLUMNS: &str =
    "id, filename, total_bytes, offset_bytes, status, metadata, error_message, iso_id, \
     created_at, updated_at, expires_at";

fn iso_from_row(r: &Row<'_>) -> rusqlite::Result<IsoRow> {
    Ok(IsoRow {
        id: r.get(0)?,
        name: r.get(1)?,
        path: r.get(2)?,
        size_bytes: r.get(3)?,
        sha256: r.get(4)?,
        os_type: r.get(5)?,
        os_variant: r.get(6)?,
        description: r.get(7)?,
        source: r.get(8)?,
        created_at: r.get(9)?,
        last_used: r.get(10)?,
    })
}

fn upload_from_row(r: &Row<'_>) -> rusqlite::Result<UploadRow> {
    Ok(UploadRow {
        id: r.get(0)?,
        filename: r.get(1)?,
        total_bytes: r.get(2)?,
        offset_bytes: r.get(3)?,
        status: r.get(4)?,
        metadata: r.get(5)?,
        error_message: r.get(6)?,
        iso_id: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
        expires_at: r.get(10)?,
    })
}

fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::ConstraintViolation)
}

impl Database {
    pub fn insert_iso(&self, iso: &IsoRow) -> Result<()> {
        self.lock()
            .execute(
                &format!("INSERT INTO isos ({ISO_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                params![
                    iso.id,
                    iso.name,
                    iso.path,
                    iso.size_bytes,
                    iso.sha256,
                    iso.os_type,
                    iso.os_variant,
                    iso.description,
                    iso.source,
                    iso.created_at,
                    iso.last_used
                ],
            )
            .map(|_| ())
            .map_err(|e| {
                if is_unique_violation(&e) {
                    Error::AlreadyExists { kind: "ISO image", id: iso.name.clone() }
                } else {
                    db_error("insert ISO", e)
                }
            })
    }

    pub fn isos(&self) -> Result<Vec<IsoRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!("SELECT {ISO_COLUMNS} FROM isos ORDER BY name"))
            .map_err(|e| db_error("list ISOs", e))?;
        let rows = stmt
            .query_map([], iso_from_row)
            .map_err(|e| db_error("list ISOs", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| db_error("list ISOs", e))
    }

    /// An ISO by id, else by name.
    pub fn iso_by_id_or_name(&self, key: &str) -> Result<Option<IsoRow>> {
        self.lock()
            .query_row(
                &format!("SELECT {ISO_COLUMNS} FROM isos WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1"),
                [key],
                iso_from_row,
            )
            .optional()
            .map_err(|e| db_error("ISO lookup", e))
    }

    pub fn delete_iso(&self, id: &str) -> Result<()> {
        self.lock()
            .execute("DELETE FROM isos WHERE id = ?1", [id])
            .map(|_| ())
            .map_err(|e| db_error("delete ISO", e))
    }

    pub fn touch_iso(&self, id: &str, when: &str) -> Result<()> {
        self.lock()
            .execute(
                "UPDATE isos SET last_used = ?2 WHERE id = ?1",
                params![id, when],
            )
            .map(|_| ())
            .map_err(|e| db_error("update ISO", e))
    }

    pub fn insert_upload(&self, up: &UploadRow) -> Result<()> {
        self.lock()
            .execute(
                &format!(
                    "INSERT INTO iso_uploads ({UPLOAD_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ),
                params![
                    up.id,
                    up.filename,
                    up.total_bytes,
                    up.offset_bytes,
                    up.status,
                    up.metadata,
                    up.error_message,
                    up.iso_id,
                    up.created_at,
                    up.updated_at,
                    up.expires_at
                ],
            )
            .map(|_| ())
            .map_err(|e| db_error("insert upload", e))
    }

    /// Saves the mutable fields of an upload.
    pub fn update_upload(&self, up: &UploadRow) -> Result<()> {
        self.lock()
            .execute(
                "UPDATE iso_uploads SET offset_bytes = ?2, status = ?3, error_message = ?4, iso_id = ?5,
                     updated_at = ?6 WHERE id = ?1",
                params![up.id, up.offset_bytes, up.status, up.error_message, up.iso_id, up.updated_at],
            )
            .map(|_| ())
            .map_err(|e| db_error("update upload", e))
    }

    pub fn upload(&self, id: &str) -> Result<Option<UploadRow>> {
        self.lock()
            .query_row(
                &format!("SELECT {UPLOAD_COLUMNS} FROM iso_uploads WHERE id = ?1"),
                [id],
                upload_from_row,
            )
            .optional()
            .map_err(|e| db_error("upload lookup", e))
    }

    pub fn uploads(&self) -> Result<Vec<UploadRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {UPLOAD_COLUMNS} FROM iso_uploads ORDER BY created_at DESC, id"
            ))
            .map_err(|e| db_error("list uploads", e))?;
        let rows = stmt
            .query_map([], upload_from_row)
            .map_err(|e| db_error("list uploads", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| db_error("list uploads", e))
    }
}
