//! The ISO library and its resumable (TUS 1.0.0) uploads.
//!
//! An upload stages its bytes in `upload_dir/<id>.part`. A chunk is
//! acknowledged only after it is written and synced to disk and its new offset
//! is committed to SQLite, so after a crash or restart the stored offset never
//! runs ahead of the data: a client that asks (`HEAD`) resumes exactly there.
//! `complete` checks the data is an ISO 9660 image, hashes it, moves it into
//! `iso_dir` (a libvirt directory pool, so images are volumes too) and records
//! it. Nothing is deleted when a step fails: a non-ISO upload stays staged
//! (status `failed`) until it expires; an image whose registration fails stays
//! in `iso_dir`, where the library's listing finds it.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};
use vapor_hypervisor::{HypervisorErrorKind, PoolAction};

use super::vm::confine_host_file;
use super::Vapor;
use crate::db::now;
use crate::error::{Error, Refusal, Result};
use crate::iso_store::{IsoRow, UploadRow};

/// The libvirt storage pool that mirrors the ISO directory.
pub const ISO_POOL: &str = "vapor-isos";
/// The protocol version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Where ISO 9660's primary volume descriptor carries its `CD001` signature.
const ISO9660_MAGIC_OFFSET: u64 = 0x8001;

/// Limits advertised through TUS discovery.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_size: u64,
}

const KIND: &str = "upload";

impl Vapor {
    pub fn upload_limits(&self) -> UploadLimits {
        UploadLimits {
            max_size: self.settings.max_upload_bytes,
        }
    }

    /// Opens an upload of `total_bytes` described by the TUS `Upload-Metadata` header.
    pub async fn upload_create(
        &self,
        total_bytes: u64,
        metadata: Option<&str>,
    ) -> Result<UploadRow> {
        if total_bytes == 0 {
            return Err(Error::refused(
                Refusal::Invalid,
                "INVALID_UPLOAD_LENGTH",
                "Upload-Length must be at least 1",
            ));
        }
        if total_bytes > self.settings.max_upload_bytes {
            return Err(Error::refused(
                Refusal::TooLarge,
                "FILE_TOO_LARGE",
                format!(
                    "uploads are limited to {} bytes",
                    self.settings.max_upload_bytes
                ),
            ));
        }
        let pairs = parse_upload_metadata(metadata.unwrap_or(""))?;
        let filename = pairs
            .get("filename")
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                Error::refused(
                    Refusal::Invalid,
                    "MISSING_FILENAME",
                    "Upload-Metadata needs a filename",
                )
            })?;
        validate_iso_filename(filename)?;
        let created = chrono::Utc::now();
        let ttl = chrono::Duration::from_std(self.settings.upload_ttl)
            .unwrap_or(chrono::Duration::hours(24));
        let row = UploadRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            filename: filename.to_owned(),
            total_bytes: to_i64(total_bytes),
            offset_bytes: 0,
            status: "created".into(),
            metadata: serde_json::Value::Object(pairs).to_string(),
            error_message: None,
            iso_id: None,
            created_at: rfc3339(created),
            updated_at: rfc3339(created),
            expires_at: rfc3339(created + ttl),
        };
        let dir = self.settings.upload_dir.clone();
        let part = self.part_path(&row.id);
        blocking_io(move || {
            fs::create_dir_all(&dir)?;
            File::create(&part)?.sync_all()?;
            File::open(&dir)?.sync_all()
        })
        .await?;
        self.db.insert_upload(&row)?;
        Ok(row)
    }

    pub fn upload_list(&self) -> Result<Vec<UploadRow>> {
        self.db
            .uploads()?
            .into_iter()
            .map(|row| self.expire_if_due(row))
            .collect()
    }

    /// An upload, marked `expired` (and its data removed) when its time is up.
    pub fn upload_get(&self, id: &str) -> Result<UploadRow> {
        let row = self.db.upload(id)?.ok_or_else(|| Error::NotFound {
            kind: KIND,
            id: id.to_owned(),
        })?;
        self.expire_if_due(row)
    }

    /// An upload that can still take data or be completed; `Gone` otherwise.
    fn live_upload(&self, id: &str) -> Result<UploadRow> {
        let row = self.upload_get(id)?;
        match row.status.as_str() {
            "expired" => Err(Error::refused(
                Refusal::Gone,
                "UPLOAD_EXPIRED",
                format!("upload {id} has expired"),
            )),
            "cancelled" => Err(Error::refused(
                Refusal::Gone,
                "UPLOAD_CANCELLED",
                format!("upload {id} was cancelled"),
            )),
            _ => Ok(row),
        }
    }

    /// Writes `data` at `offset`, which must be the upload's current offset.
    pub async fn upload_patch(
        &self,
        id: &str,
        offset: u64,
        data: bytes::Bytes,
    ) -> Result<UploadRow> {
        let _guard = self.locks.try_acquire(KIND, id)?;
        let mut row = self.live_upload(id)?;
        if row.status == "completed"
            || row.status == "failed"
            || row.offset_bytes == row.total_bytes
        {
            return Err(Error::refused(
                Refusal::Conflict,
                "UPLOAD_ALREADY_COMPLETED",
                format!("upload {id} has all its {} bytes", row.total_bytes),
            ));
        }
        if to_i64(offset) != row.offset_bytes {
            return Err(Error::refused(
                Refusal::Conflict,
                "OFFSET_MISMATCH",
                format!(
                    "Upload-Offset is {offset} but the upload is at {}",
                    row.offset_bytes
                ),
            ));
        }
        let end = row.offset_bytes + to_i64(data.len() as u64);
        if end > row.total_bytes {
            return Err(Error::refused(
                Refusal::Invalid,
                "UPLOAD_TOO_LONG",
                format!(
                    "the chunk would end at {end}, past Upload-Length {}",
                    row.total_bytes
                ),
            ));
        }
        let part = self.part_path(id);
        blocking_io(move || {
            let mut file = OpenOptions::new().write(true).open(&part)?;
            // Bytes past the committed offset were never acknowledged: drop them.
            file.set_len(offset)?;
            file.seek(SeekFrom::Start(offset))?;
            file.write_all(&data)?;
            file.sync_data()
        })
        .await?;
        row.offset_bytes = end;
        row.status = "in_progress".into();
        row.updated_at = now();
        self.db.update_upload(&row)?;
        Ok(row)
    }

    /// Ends an upload and removes its staged data.
    pub async fn upload_cancel(&self, id: &str) -> Result<UploadRow> {
        let _guard = self.locks.try_acquire(KIND, id)?;
        let mut row = self.upload_get(id)?;
        if row.status == "completed" {
            return Err(Error::conflict(format!(
                "upload {id} is complete; delete the ISO image instead"
            )));
        }
        if row.status != "cancelled" && row.status != "expired" {
            row.status = "cancelled".into();
            row.updated_at = now();
            self.db.update_upload(&row)?;
        }
        self.remove_part(id);
        Ok(row)
    }

    /// Moves a finished upload into the ISO library.
    pub async fn upload_complete(&self, id: &str) -> Result<IsoRow> {
        let _guard = self.locks.try_acquire(KIND, id)?;
        let mut row = self.live_upload(id)?;
        if let Some(iso_id) = row.iso_id.as_deref().filter(|_| row.status == "completed") {
            return self
                .db
                .iso_by_id_or_name(iso_id)?
                .ok_or_else(|| Error::NotFound {
                    kind: "ISO image",
                    id: iso_id.to_owned(),
                });
        }
        if row.offset_bytes < row.total_bytes {
            return Err(Error::refused(
                Refusal::Invalid,
                "UPLOAD_NOT_COMPLETE",
                format!(
                    "upload {id} has {} of {} bytes",
                    row.offset_bytes, row.total_bytes
                ),
            ));
        }
        let part = self.part_path(id);
        let check = part.clone();
        if !blocking_io(move || is_iso9660(&check)).await? {
            row.status = "failed".into();
            row.error_message =
                Some("the data is not an ISO 9660 image (no CD001 signature at 0x8001)".into());
            row.updated_at = now();
            self.db.update_upload(&row)?;
            return Err(Error::refused(
                Refusal::Invalid,
                "NOT_AN_ISO",
                "the uploaded data is not an ISO 9660 image; it is kept until the upload expires",
            ));
        }
        let target = self.settings.iso_dir.join(&row.filename);
        let target_str = path_string(&target)?;
        if self.db.iso_by_id_or_name(&row.filename)?.is_some() || target.exists() {
            return Err(Error::refused(
                Refusal::Conflict,
                "ISO_EXISTS",
                format!("an ISO image named {} already exists", row.filename),
            ));
        }
        let (hash, size) = {
            let dir = self.settings.iso_dir.clone();
            let target = target.clone();
            blocking_io(move || {
                let digest = sha256_file(&part)?;
                fs::create_dir_all(&dir)?;
                move_file(&part, &target)?;
                File::open(&dir)?.sync_all()?;
                Ok((digest, fs::metadata(&target)?.len()))
            })
            .await?
        };
        let meta: serde_json::Value = serde_json::from_str(&row.metadata).unwrap_or_default();
        let text = |k: &str| meta.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let iso = IsoRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name: row.filename.clone(),
            path: target_str,
            size_bytes: to_i64(size),
            sha256: Some(hash),
            os_type: text("os_type"),
            os_variant: text("os_variant"),
            description: text("description"),
            source: "uploaded".into(),
            created_at: now(),
            last_used: None,
        };
        // The image is in the library directory now; if recording it fails, the
        // listing still finds it there, so no data is lost.
        self.db.insert_iso(&iso)?;
        row.status = "completed".into();
        row.iso_id = Some(iso.id.clone());
        row.updated_at = now();
        self.db.update_upload(&row)?;
        self.refresh_iso_pool().await;
        Ok(iso)
    }

    /// Marks unfinished uploads past their expiry as expired and removes their data.
    pub fn expire_uploads(&self) -> Result<usize> {
        let mut expired = 0;
        for row in self.db.uploads()? {
            let was = row.status.clone();
            if self.expire_if_due(row)?.status == "expired" && was != "expired" {
                expired += 1;
            }
        }
        Ok(expired)
    }

    fn expire_if_due(&self, mut row: UploadRow) -> Result<UploadRow> {
        let open = matches!(row.status.as_str(), "created" | "in_progress" | "failed");
        let due = chrono::DateTime::parse_from_rfc3339(&row.expires_at)
            .is_ok_and(|t| t < chrono::Utc::now());
        if open && due {
            row.status = "expired".into();
            row.updated_at = now();
            self.db.update_upload(&row)?;
            self.remove_part(&row.id);
        }
        Ok(row)
    }

    fn part_path(&self, id: &str) -> PathBuf {
        self.settings.upload_dir.join(format!("{id}.part"))
    }

    fn remove_part(&self, id: &str) {
        let part = self.part_path(id);
        match fs::remove_file(&part) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(file = %part.display(), error = %e, "could not remove upload data")
            }
        }
    }

    // ---------------------------------------------------------------- library

    /// Every image: those recorded, plus ISO files found in the library directory.
    /// Records whose file has gone are dropped.
    pub async fn iso_list(&self) -> Result<Vec<IsoRow>> {
        let dir = self.settings.iso_dir.clone();
        let found: Vec<(PathBuf, u64)> = blocking_io(move || {
            let mut found = Vec::new();
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let meta = entry.metadata()?;
                let path = entry.path();
                let is_iso = path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("iso"));
                if meta.is_file() && is_iso {
                    found.push((path, meta.len()));
                }
            }
            Ok(found)
        })
        .await?;
        let known = self.db.isos()?;
        for iso in &known {
            if !Path::new(&iso.path).exists() {
                tracing::warn!(iso = %iso.name, path = %iso.path, "ISO file is gone; dropping its record");
                self.db.delete_iso(&iso.id)?;
            }
        }
        for (path, size) in found {
            let path_str = path_string(&path)?;
            if known.iter().any(|i| i.path == path_str) {
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let row = IsoRow {
                id: uuid::Uuid::new_v4().simple().to_string(),
                name,
                path: path_str,
                size_bytes: to_i64(size),
                sha256: None,
                os_type: None,
                os_variant: None,
                description: None,
                source: "system".into(),
                created_at: now(),
                last_used: None,
            };
            match self.db.insert_iso(&row) {
                Ok(()) | Err(Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.db.isos()
    }

    /// Records an ISO file already on the host, where it is.
    pub async fn iso_register(
        &self,
        path: &str,
        name: Option<&str>,
        description: Option<&str>,
        os_type: Option<&str>,
        os_variant: Option<&str>,
    ) -> Result<IsoRow> {
        let p = Path::new(path);
        if !p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(Error::invalid(
                "path",
                "path must be absolute, without '..'",
            ));
        }
        if p.symlink_metadata().is_err() {
            return Err(Error::NotFound {
                kind: "file",
                id: path.to_owned(),
            });
        }
        // The image is recorded where it really is, inside the roots, so
        // that a VM given it by name or id gets the file that was checked.
        let real = confine_host_file("path", path, &self.host_file_roots())?;
        let name = match name {
            Some(n) => n.to_owned(),
            None => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        validate_iso_filename(&name)?;
        let file = PathBuf::from(&real);
        let (is_iso, hash, size) = blocking_io(move || {
            let is_iso = is_iso9660(&file)?;
            let hash = if is_iso {
                Some(sha256_file(&file)?)
            } else {
                None
            };
            Ok((is_iso, hash, fs::metadata(&file)?.len()))
        })
        .await?;
        if !is_iso {
            return Err(Error::refused(
                Refusal::Invalid,
                "NOT_AN_ISO",
                format!("{path} is not an ISO 9660 image"),
            ));
        }
        let row = IsoRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name,
            path: real,
            size_bytes: to_i64(size),
            sha256: hash,
            os_type: os_type.map(str::to_owned),
            os_variant: os_variant.map(str::to_owned),
            description: description.map(str::to_owned),
            source: "registered".into(),
            created_at: now(),
            last_used: None,
        };
        self.db.insert_iso(&row)?;
        Ok(row)
    }

    /// Removes an image (by id or name). Its file is deleted when it lives in
    /// the library directory; a registered file elsewhere is only forgotten.
    pub async fn iso_delete(&self, key: &str) -> Result<()> {
        let _guard = self.locks.try_acquire("iso", key)?;
        let iso = self
            .db
            .iso_by_id_or_name(key)?
            .ok_or_else(|| Error::NotFound {
                kind: "ISO image",
                id: key.to_owned(),
            })?;
        let users: Vec<String> = self
            .list_vms()
            .await?
            .into_iter()
            .filter(|vm| {
                vm.disks
                    .iter()
                    .any(|d| d.path.as_deref() == Some(iso.path.as_str()))
            })
            .map(|vm| vm.name)
            .collect();
        if !users.is_empty() {
            return Err(Error::refused(
                Refusal::Conflict,
                "ISO_IN_USE",
                format!(
                    "ISO image {} is attached to: {}",
                    iso.name,
                    users.join(", ")
                ),
            ));
        }
        if Path::new(&iso.path).parent() == Some(self.settings.iso_dir.as_path()) {
            let path = PathBuf::from(&iso.path);
            blocking_io(move || match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            })
            .await?;
        }
        self.db.delete_iso(&iso.id)?;
        self.refresh_iso_pool().await;
        Ok(())
    }

    /// The path of an ISO given by absolute path, id or name; records its use.
    pub fn resolve_iso(&self, key: &str) -> Result<String> {
        if key.starts_with('/') {
            return Ok(key.to_owned());
        }
        if key.contains('/') {
            return Err(Error::invalid(
                "iso_path",
                "iso_path is an absolute path, or the id or name of an ISO image",
            ));
        }
        let iso = self
            .db
            .iso_by_id_or_name(key)?
            .ok_or_else(|| Error::NotFound {
                kind: "ISO image",
                id: key.to_owned(),
            })?;
        self.db.touch_iso(&iso.id, &now())?;
        Ok(iso.path)
    }

    /// Makes sure the ISO directory is a libvirt pool and rescans it, so images
    /// show as volumes. Best effort: the library works without it.
    async fn refresh_iso_pool(&self) {
        let Some(pool) = self.settings.iso_pool.clone() else {
            return;
        };
        let Ok(path) = path_string(&self.settings.iso_dir) else {
            return;
        };
        let result = self
            .blocking(move |hv| {
                let found = match hv.lookup_pool(&pool) {
                    Err(e) if e.kind == HypervisorErrorKind::NotFound => {
                        hv.create_dir_pool(&pool, &path)
                    }
                    other => other,
                }?;
                if found.active {
                    hv.pool_action(&pool, PoolAction::Refresh)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not set up the ISO storage pool");
        }
    }
}

/// `Upload-Metadata`: comma-separated `key base64(value)` pairs; a key may stand alone.
fn parse_upload_metadata(header: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut out = serde_json::Map::new();
    for pair in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.splitn(2, ' ');
        let key = parts.next().unwrap_or_default();
        let value = match parts.next() {
            Some(encoded) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| {
                        Error::refused(
                            Refusal::Invalid,
                            "INVALID_METADATA",
                            format!("the value of '{key}' is not base64"),
                        )
                    })?;
                String::from_utf8(bytes).map_err(|_| {
                    Error::refused(
                        Refusal::Invalid,
                        "INVALID_METADATA",
                        format!("the value of '{key}' is not UTF-8"),
                    )
                })?
            }
            None => String::new(),
        };
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Error::refused(
                Refusal::Invalid,
                "INVALID_METADATA",
                format!("bad metadata key '{key}'"),
            ));
        }
        out.insert(key.to_owned(), serde_json::Value::String(value));
    }
    Ok(out)
}

/// An image file name: a plain name ending in `.iso`, nothing that reaches another directory.
fn validate_iso_filename(name: &str) -> Result<()> {
    let ok = name.len() <= 255
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
        && name.to_ascii_lowercase().ends_with(".iso")
        && name.len() > 4;
    if ok {
        Ok(())
    } else {
        Err(Error::refused(
            Refusal::Invalid,
            "UNSUPPORTED_FILE_TYPE",
            format!("'{name}' is not an acceptable ISO file name: letters, digits, '.', '_', '-', '+', ending in .iso"),
        ))
    }
}

fn is_iso9660(path: &Path) -> std::io::Result<bool> {
    let mut file = File::open(path)?;
    if file.metadata()?.len() < ISO9660_MAGIC_OFFSET + 5 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(ISO9660_MAGIC_OFFSET))?;
    let mut magic = [0u8; 5];
    file.read_exact(&mut magic)?;
    Ok(&magic == b"CD001")
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Renames, or copies and syncs across file systems.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(18) => {
            // EXDEV: different file systems.
            fs::copy(from, to)?;
            File::open(to)?.sync_all()?;
            fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

fn path_string(path: &Path) -> Result<String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid("path", "paths must be UTF-8"))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn blocking_io<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> std::io::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::internal("file system", e)),
        Err(e) => Err(Error::internal("file system task", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_header() {
        let m = parse_upload_metadata("filename ZGViaWFuLmlzbw==, os_type bGludXg=,flag").unwrap();
        assert_eq!(m["filename"], "debian.iso");
        assert_eq!(m["os_type"], "linux");
        assert_eq!(m["flag"], "");
        assert!(parse_upload_metadata("filename !!!").is_err());
        assert!(parse_upload_metadata("bad/key eA==").is_err());
    }

    #[test]
    fn file_names() {
        validate_iso_filename("debian-12.5_amd64+netinst.iso").unwrap();
        for bad in [
            "x.img",
            "../x.iso",
            "a/b.iso",
            ".hidden.iso",
            ".iso",
            "sp ace.iso",
        ] {
            assert!(validate_iso_filename(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn iso_signature() {
        let dir = tempfile::tempdir().unwrap();
        let iso = dir.path().join("a.iso");
        let mut data = vec![0u8; 0x8800];
        data[0x8001..0x8006].copy_from_slice(b"CD001");
        fs::write(&iso, &data).unwrap();
        assert!(is_iso9660(&iso).unwrap());
        let not = dir.path().join("b.iso");
        fs::write(&not, vec![0u8; 0x8800]).unwrap();
        assert!(!is_iso9660(&not).unwrap());
        fs::write(&not, b"short").unwrap();
        assert!(!is_iso9660(&not).unwrap());
        assert_eq!(
            sha256_file(&not).unwrap(),
            "f9b0078b5df596d2ea19010c001bbd009e651de2c57e8fb7e355f31eb9d3f739"
        );
    }
}
