//! SQLite rows of VM templates, and the record of which template a VM was made from.

use rusqlite::{params, OptionalExtension, Row, Transaction};

use crate::db::{db_error, now, Database};
use crate::error::{Error, Result};

const KIND: &str = "template";

/// Firmware and driver features a template asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TemplateFeatures {
    pub uefi: bool,
    pub secure_boot: bool,
    pub tpm: bool,
    /// Whether the guest OS has virtio drivers.
    pub virtio_drivers: bool,
}

impl Default for TemplateFeatures {
    fn default() -> Self {
        TemplateFeatures {
            uefi: false,
            secure_boot: false,
            tpm: false,
            virtio_drivers: true,
        }
    }
}

/// One template. Sizes are in Vapor's units: MiB of memory, GiB of disk.
/// `os_type`, `disk_bus` and `network_model` hold the API's enum values.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct TemplateRow {
    /// Assigned by the database; ignored on insert.
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub os_type: String,
    pub os_variant: String,
    pub min_memory_mib: u64,
    pub recommended_memory_mib: u64,
    pub min_vcpus: u32,
    pub recommended_vcpus: u32,
    pub min_disk_gib: u64,
    pub recommended_disk_gib: u64,
    pub disk_bus: String,
    pub network_model: String,
    pub features: TemplateFeatures,
    pub cloud_init_support: bool,
    pub default_user: Option<String>,
    pub icon: Option<String>,
    pub tags: Vec<String>,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, name, display_name, description, os_type, os_variant, \
     min_memory_mib, recommended_memory_mib, min_vcpus, recommended_vcpus, min_disk_gib, \
     recommended_disk_gib, disk_bus, network_model, uefi, secure_boot, tpm, virtio_drivers, \
     cloud_init_support, default_user, icon, tags, is_active, created_at, updated_at";

fn template_from_row(r: &Row<'_>) -> rusqlite::Result<TemplateRow> {
    let tags: String = r.get(21)?;
    let tags = serde_json::from_str(&tags).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(21, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(TemplateRow {
        id: r.get(0)?,
        name: r.get(1)?,
        display_name: r.get(2)?,
        description: r.get(3)?,
        os_type: r.get(4)?,
        os_variant: r.get(5)?,
        min_memory_mib: r.get(6)?,
        recommended_memory_mib: r.get(7)?,
        min_vcpus: r.get(8)?,
        recommended_vcpus: r.get(9)?,
        min_disk_gib: r.get(10)?,
        recommended_disk_gib: r.get(11)?,
        disk_bus: r.get(12)?,
        network_model: r.get(13)?,
        features: TemplateFeatures {
            uefi: r.get(14)?,
            secure_boot: r.get(15)?,
            tpm: r.get(16)?,
            virtio_drivers: r.get(17)?,
        },
        cloud_init_support: r.get(18)?,
        default_user: r.get(19)?,
        icon: r.get(20)?,
        tags,
        is_active: r.get(22)?,
        created_at: r.get(23)?,
        updated_at: r.get(24)?,
    })
}

fn tags_json(tags: &[String]) -> String {
    serde_json::Value::from(tags.to_vec()).to_string()
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        kind: KIND,
        id: id.to_string(),
    }
}

/// Maps a failed write: a taken name is `AlreadyExists`, anything else internal.
fn write_error(context: &str, name: &str, err: rusqlite::Error) -> Error {
    match &err {
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            Error::AlreadyExists {
                kind: KIND,
                id: name.to_owned(),
            }
        }
        _ => db_error(context, err),
    }
}

fn select_template(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Option<TemplateRow>> {
    tx.query_row(
        &format!("SELECT {COLUMNS} FROM vm_templates WHERE id = ?1"),
        [id],
        template_from_row,
    )
    .optional()
}

impl Database {
    /// Inserts a template and returns it as stored, with its new id.
    pub fn insert_template(&self, t: &TemplateRow) -> Result<TemplateRow> {
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| db_error("insert template", e))?;
        tx.execute(
            "INSERT INTO vm_templates (name, display_name, description, os_type, os_variant,
                 min_memory_mib, recommended_memory_mib, min_vcpus, recommended_vcpus, min_disk_gib,
                 recommended_disk_gib, disk_bus, network_model, uefi, secure_boot, tpm, virtio_drivers,
                 cloud_init_support, default_user, icon, tags, is_active, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
            params![
                t.name,
                t.display_name,
                t.description,
                t.os_type,
                t.os_variant,
                t.min_memory_mib,
                t.recommended_memory_mib,
                t.min_vcpus,
                t.recommended_vcpus,
                t.min_disk_gib,
                t.recommended_disk_gib,
                t.disk_bus,
                t.network_model,
                t.features.uefi,
                t.features.secure_boot,
                t.features.tpm,
                t.features.virtio_drivers,
                t.cloud_init_support,
                t.default_user,
                t.icon,
                tags_json(&t.tags),
                t.is_active,
                t.created_at,
                t.updated_at
            ],
        )
        .map_err(|e| write_error("insert template", &t.name, e))?;
        let id = tx.last_insert_rowid();
        let stored = select_template(&tx, id)
            .map_err(|e| db_error("insert template", e))?
            .ok_or_else(|| not_found(id))?;
        tx.commit().map_err(|e| db_error("insert template", e))?;
        Ok(stored)
    }

    /// Every template, by id.
    pub fn templates(&self) -> Result<Vec<TemplateRow>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!("SELECT {COLUMNS} FROM vm_templates ORDER BY id"))
            .map_err(|e| db_error("list templates", e))?;
        let rows = stmt
            .query_map([], template_from_row)
            .map_err(|e| db_error("list templates", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| db_error("list templates", e))
    }

    /// The template with this id, or `NotFound`.
    pub fn template(&self, id: i64) -> Result<TemplateRow> {
        self.lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM vm_templates WHERE id = ?1"),
                [id],
                template_from_row,
            )
            .optional()
            .map_err(|e| db_error("template lookup", e))?
            .ok_or_else(|| not_found(id))
    }

    /// Reads a template, lets `change` modify it, and saves the result, all in one
    /// transaction, so concurrent updates cannot lose each other's changes. `change`
    /// may refuse (nothing is saved then). `updated_at` is set here; `id`, `name`
    /// and `created_at` never change.
    pub fn update_template(
        &self,
        id: i64,
        change: impl FnOnce(&mut TemplateRow) -> Result<()>,
    ) -> Result<TemplateRow> {
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| db_error("update template", e))?;
        let mut t = select_template(&tx, id)
            .map_err(|e| db_error("update template", e))?
            .ok_or_else(|| not_found(id))?;
        change(&mut t)?;
        t.updated_at = now();
        tx.execute(
            "UPDATE vm_templates SET display_name = ?2, description = ?3, os_type = ?4,
                 os_variant = ?5, min_memory_mib = ?6, recommended_memory_mib = ?7, min_vcpus = ?8,
                 recommended_vcpus = ?9, min_disk_gib = ?10, recommended_disk_gib = ?11,
                 disk_bus = ?12, network_model = ?13, uefi = ?14, secure_boot = ?15, tpm = ?16,
                 virtio_drivers = ?17, cloud_init_support = ?18, default_user = ?19, icon = ?20,
                 tags = ?21, is_active = ?22, updated_at = ?23
             WHERE id = ?1",
            params![
                id,
                t.display_name,
                t.description,
                t.os_type,
                t.os_variant,
                t.min_memory_mib,
                t.recommended_memory_mib,
                t.min_vcpus,
                t.recommended_vcpus,
                t.min_disk_gib,
                t.recommended_disk_gib,
                t.disk_bus,
                t.network_model,
                t.features.uefi,
                t.features.secure_boot,
                t.features.tpm,
                t.features.virtio_drivers,
                t.cloud_init_support,
                t.default_user,
                t.icon,
                tags_json(&t.tags),
                t.is_active,
                t.updated_at
            ],
        )
        .map_err(|e| write_error("update template", &t.name, e))?;
        let stored = select_template(&tx, id)
            .map_err(|e| db_error("update template", e))?
            .ok_or_else(|| not_found(id))?;
        tx.commit().map_err(|e| db_error("update template", e))?;
        Ok(stored)
    }

    /// Deletes a template; `NotFound` when there is none. Records of VMs made
    /// from it are kept (ids are never reused, so they cannot point at another one).
    /// Deletes the template once `check` accepts it as it is now; the read,
    /// the check and the deletion are one transaction.
    pub fn delete_template(
        &self,
        id: i64,
        check: impl FnOnce(&TemplateRow) -> Result<()>,
    ) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| db_error("delete template", e))?;
        let t = select_template(&tx, id)
            .map_err(|e| db_error("delete template", e))?
            .ok_or_else(|| not_found(id))?;
        check(&t)?;
        tx.execute("DELETE FROM vm_templates WHERE id = ?1", [id])
            .map_err(|e| db_error("delete template", e))?;
        tx.commit().map_err(|e| db_error("delete template", e))
    }

    /// Records that the VM with this UUID was made from a template.
    pub fn record_vm_template(&self, vm_uuid: &str, vm_name: &str, template_id: i64) -> Result<()> {
        self.lock()
            .execute(
                "INSERT OR REPLACE INTO vm_template_links (vm_uuid, vm_name, template_id, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![vm_uuid, vm_name, template_id, now()],
            )
            .map(|_| ())
            .map_err(|e| db_error("record VM template", e))
    }

    /// Forgets which template a deleted VM was made from.
    pub fn forget_vm_template(&self, vm_uuid: &str) -> Result<()> {
        self.lock()
            .execute(
                "DELETE FROM vm_template_links WHERE vm_uuid = ?1",
                [vm_uuid],
            )
            .map(|_| ())
            .map_err(|e| db_error("forget VM template", e))
    }

    /// The template a VM was made from, if Vapor made it from one.
    pub fn vm_template_id(&self, vm_uuid: &str) -> Result<Option<i64>> {
        self.lock()
            .query_row(
                "SELECT template_id FROM vm_template_links WHERE vm_uuid = ?1",
                [vm_uuid],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| db_error("VM template lookup", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> TemplateRow {
        let ts = now();
        TemplateRow {
            id: 0,
            name: name.into(),
            display_name: "Ubuntu 24.04".into(),
            description: Some("LTS".into()),
            os_type: "linux".into(),
            os_variant: "ubuntu24.04".into(),
            min_memory_mib: 512,
            recommended_memory_mib: 2048,
            min_vcpus: 1,
            recommended_vcpus: 2,
            min_disk_gib: 10,
            recommended_disk_gib: 20,
            disk_bus: "virtio".into(),
            network_model: "virtio".into(),
            features: TemplateFeatures::default(),
            cloud_init_support: true,
            default_user: Some("ubuntu".into()),
            icon: None,
            tags: vec!["lts".into(), "server".into()],
            is_active: true,
            created_at: ts.clone(),
            updated_at: ts,
        }
    }

    #[test]
    fn round_trip_update_delete() {
        let db = Database::open_in_memory().unwrap();
        let a = db.insert_template(&sample("ubuntu")).unwrap();
        assert!(a.id > 0);
        assert_eq!(
            a,
            TemplateRow {
                id: a.id,
                ..sample("ubuntu")
            }
            .with_times(&a)
        );
        assert_eq!(db.template(a.id).unwrap(), a);
        let err = db.insert_template(&sample("ubuntu")).unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");

        let b = db.insert_template(&sample("debian")).unwrap();
        assert_eq!(
            db.templates()
                .unwrap()
                .iter()
                .map(|t| t.id)
                .collect::<Vec<_>>(),
            vec![a.id, b.id]
        );

        let changed = db
            .update_template(a.id, |t| {
                t.tags.clear();
                t.features.tpm = true;
                Ok(())
            })
            .unwrap();
        assert!(changed.tags.is_empty());
        assert!(changed.features.tpm);
        assert_eq!(changed.created_at, a.created_at);

        // A refused change saves nothing.
        let refused = db.update_template(a.id, |t| {
            t.display_name = "nope".into();
            Err(Error::invalid("display_name", "no"))
        });
        assert!(refused.is_err());
        assert_eq!(db.template(a.id).unwrap().display_name, "Ubuntu 24.04");

        // The CHECK constraints back the application's rule.
        let bad = db.update_template(a.id, |t| {
            t.min_vcpus = 4;
            Ok(())
        });
        assert!(matches!(bad, Err(Error::Internal { .. })), "{bad:?}");

        db.delete_template(a.id, |_| Ok(())).unwrap();
        assert!(matches!(db.template(a.id), Err(Error::NotFound { .. })));
        assert!(matches!(
            db.delete_template(a.id, |_| Ok(())),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            db.update_template(a.id, |_| Ok(())),
            Err(Error::NotFound { .. })
        ));
        // Ids are not reused after a delete.
        db.delete_template(b.id, |_| Ok(())).unwrap();
        let c = db.insert_template(&sample("fedora")).unwrap();
        assert!(c.id > b.id);
    }

    #[test]
    fn vm_links() {
        let db = Database::open_in_memory().unwrap();
        assert_eq!(db.vm_template_id("u-1").unwrap(), None);
        db.record_vm_template("u-1", "web", 7).unwrap();
        assert_eq!(db.vm_template_id("u-1").unwrap(), Some(7));
        db.forget_vm_template("u-1").unwrap();
        assert_eq!(db.vm_template_id("u-1").unwrap(), None);
    }

    impl TemplateRow {
        fn with_times(mut self, other: &TemplateRow) -> TemplateRow {
            self.created_at = other.created_at.clone();
            self.updated_at = other.updated_at.clone();
            self
        }
    }
}
