//! The journal of VM creations under way (table `vm_creations`): what a
//! create (basic, enhanced, from a template, a clone, a restore) is about to
//! make, written before it makes it, so that a process killed half-way leaves
//! a record of what to remove.
//!
//! A row exists from before the first volume is made until the create has
//! finished or undone its work. A row written by an earlier process
//! (another `boot`) is therefore a create that was interrupted: the VM was
//! never reported, and what the row names is removed (see
//! `app::vm_create::recover_interrupted_creations`).

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::db::{db_error, now, Database};
use crate::error::Result;

/// A volume a create announced before making it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalVolume {
    pub pool: String,
    pub name: String,
}

/// One create under way, or interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreationRow {
    /// The UUID the new domain has (or would have had).
    pub uuid: String,
    pub name: String,
    /// The process that wrote the row (`Vapor`'s boot id).
    pub boot: String,
    pub started_at: String,
    /// Volumes the create was about to make or made, in order.
    pub volumes: Vec<JournalVolume>,
    /// Files (cloud-init seeds) it was about to write or wrote.
    pub files: Vec<String>,
    /// Why an earlier clean-up could not finish, if one was tried.
    pub note: Option<String>,
}

impl CreationRow {
    pub fn new(uuid: &str, name: &str, boot: &str) -> Self {
        CreationRow {
            uuid: uuid.to_owned(),
            name: name.to_owned(),
            boot: boot.to_owned(),
            started_at: now(),
            volumes: Vec::new(),
            files: Vec::new(),
            note: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Made<'a> {
    volumes: std::borrow::Cow<'a, [JournalVolume]>,
    files: std::borrow::Cow<'a, [String]>,
}

impl Database {
    /// Writes the row, or replaces it with this version (same UUID).
    pub fn save_creation(&self, row: &CreationRow) -> Result<()> {
        let made = serde_json::to_string(&Made {
            volumes: (&row.volumes[..]).into(),
            files: (&row.files[..]).into(),
        })
        .map_err(|e| crate::error::Error::internal("encode the creation journal", e))?;
        self.lock()
            .execute(
                "INSERT INTO vm_creations (uuid, name, boot, started_at, made, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (uuid) DO UPDATE SET made = excluded.made, note = excluded.note",
                params![row.uuid, row.name, row.boot, row.started_at, made, row.note],
            )
            .map(|_| ())
            .map_err(|e| db_error("save creation", e))
    }

    /// Forgets a create that finished, or whose work was undone.
    pub fn end_creation(&self, uuid: &str) -> Result<()> {
        self.lock()
            .execute("DELETE FROM vm_creations WHERE uuid = ?1", [uuid])
            .map(|_| ())
            .map_err(|e| db_error("end creation", e))
    }

    /// Creates written by processes other than `boot`, oldest first.
    pub fn interrupted_creations(&self, boot: &str) -> Result<Vec<CreationRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT uuid, name, boot, started_at, made, note FROM vm_creations
                 WHERE boot <> ?1 ORDER BY started_at, uuid",
            )
            .map_err(|e| db_error("list creations", e))?;
        let rows = stmt
            .query_map([boot], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(|e| db_error("list creations", e))?;
        let mut out = Vec::new();
        for row in rows {
            let (uuid, name, boot, started_at, made, note) =
                row.map_err(|e| db_error("list creations", e))?;
            // A row that cannot be read names nothing to remove; it is kept,
            // with what its text says, for an operator to look at.
            let made: Made<'static> = serde_json::from_str(&made).unwrap_or(Made {
                volumes: Vec::new().into(),
                files: Vec::new().into(),
            });
            out.push(CreationRow {
                uuid,
                name,
                boot,
                started_at,
                volumes: made.volumes.into_owned(),
                files: made.files.into_owned(),
                note,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_saved_updated_listed_by_boot_and_ended() {
        let db = Database::open_in_memory().unwrap();
        let mut a = CreationRow::new("u-a", "web", "boot-1");
        db.save_creation(&a).unwrap();
        a.volumes.push(JournalVolume {
            pool: "default".into(),
            name: "web-disk0.qcow2".into(),
        });
        a.files.push("/seeds/u-a-cidata.iso".into());
        db.save_creation(&a).unwrap();
        let b = CreationRow::new("u-b", "db", "boot-2");
        db.save_creation(&b).unwrap();

        assert_eq!(db.interrupted_creations("boot-2").unwrap(), vec![a.clone()]);
        assert_eq!(db.interrupted_creations("boot-1").unwrap(), vec![b.clone()]);
        let both = db.interrupted_creations("boot-3").unwrap();
        assert_eq!(both.len(), 2);

        a.note = Some("volume busy".into());
        db.save_creation(&a).unwrap();
        assert_eq!(
            db.interrupted_creations("boot-2").unwrap()[0]
                .note
                .as_deref(),
            Some("volume busy")
        );
        db.end_creation("u-a").unwrap();
        db.end_creation("u-a").unwrap();
        assert!(db.interrupted_creations("boot-2").unwrap().is_empty());
    }
}
