//! Backups: libvirt push backups, checkpoints and their chains.
//!
//! A backup is `virDomainBackupBegin` in push mode: QEMU writes each disk
//! into a new qcow2 image while the guest runs, and libvirt creates the
//! checkpoint (a persistent dirty bitmap in each qcow2 disk) in the same
//! step. The job is followed with `virDomainGetJobStats`: while it runs, the
//! active job's disk counters; once it has ended, the completed job's
//! statistics, which libvirt keeps until they are read. An incremental image
//! holds only the clusters written since its checkpoint, the rest
//! unallocated; restoring reads the newest image with the older ones as its
//! backing chain (`qemu-img convert`), which the images themselves do not
//! name, so that they stay as libvirt wrote them and their checksums hold.
//!
//! libvirt's test driver has no backups: every call is `Unsupported` there.

use std::process::Command;

use serde_json::json;
use tracing::debug;
use vapor_hypervisor::{
    BackupBackend, BackupJobSpec, BackupJobState, DomainDefinition, HypervisorError,
    HypervisorErrorKind,
};
use virt::error::ErrorNumber;
use virt::sys;

use crate::counted::Conn;
use crate::error::Result;
use crate::{domain_by_uuid, xml, LibvirtHypervisor};

impl BackupBackend for LibvirtHypervisor {
    /// `virConnectGetType`, `virDomainGetXMLDesc` (the disks), then
    /// `virDomainBackupBegin`.
    fn begin_backup(&self, uuid: &str, spec: &BackupJobSpec) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            ensure_backups(c)?;
            let dom = domain_by_uuid(c, uuid)?;
            let domain = xml::parse_domain(&dom.xml_desc(0)?)?;
            for disk in &spec.disks {
                if !domain.disks.iter().any(|d| d.target == disk.target) {
                    return Err(HypervisorError::invalid_argument(format!(
                        "the domain has no disk {}",
                        disk.target
                    ))
                    .into());
                }
            }
            let others: Vec<String> = domain
                .disks
                .iter()
                .filter(|d| !spec.disks.iter().any(|b| b.target == d.target))
                .map(|d| d.target.clone())
                .collect();
            let backup = xml::backup::backup_xml(spec, &others)?;
            let checkpoint = spec
                .checkpoint
                .as_deref()
                .map(|name| xml::backup::checkpoint_xml(name, spec, &others))
                .transpose()?;
            debug!(%uuid, xml = %backup, "starting a backup");
            dom.backup_begin(&backup, checkpoint.as_deref(), 0)
                .map_err(|e| {
                    let mut err = crate::error::Error::from(e);
                    // libvirt reports an unknown <incremental> checkpoint as
                    // "no domain checkpoint" only on some versions; a domain
                    // that is not running is always OPERATION_INVALID.
                    if err
                        .virt()
                        .is_some_and(|v| v.code().is(ErrorNumber::NoDomainCheckpoint))
                    {
                        err = err.with_kind(HypervisorErrorKind::NotFound);
                    }
                    err
                })?;
            Ok(())
        })
    }

    /// `virDomainGetJobStats` of the active job, else of the completed one.
    fn backup_job(&self, uuid: &str) -> Result<BackupJobState, HypervisorError> {
        self.conn.call(|c| {
            ensure_backups(c)?;
            let dom = domain_by_uuid(c, uuid)?;
            let active = dom.job_stats(0)?;
            let is_backup =
                |op: Option<i32>| op == Some(sys::VIR_DOMAIN_JOB_OPERATION_BACKUP as i32);
            if active.active {
                if !is_backup(active.operation) {
                    return Ok(BackupJobState::None);
                }
                let (processed, total) = counters(&active.stats);
                return Ok(BackupJobState::Running {
                    processed_bytes: processed,
                    total_bytes: total,
                });
            }
            let done = dom.job_stats(
                sys::VIR_DOMAIN_JOB_STATS_COMPLETED | sys::VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
            )?;
            if !is_backup(done.operation) {
                return Ok(BackupJobState::None);
            }
            let (_, total) = counters(&done.stats);
            Ok(match done.job_type as u32 {
                sys::VIR_DOMAIN_JOB_COMPLETED => BackupJobState::Completed { total_bytes: total },
                sys::VIR_DOMAIN_JOB_CANCELLED => BackupJobState::Failed {
                    message: "the backup job was aborted".to_owned(),
                },
                sys::VIR_DOMAIN_JOB_FAILED => BackupJobState::Failed {
                    message: done
                        .error_message
                        .clone()
                        .unwrap_or_else(|| "the backup job failed".to_owned()),
                },
                _ => BackupJobState::None,
            })
        })
    }

    /// `virDomainGetJobStats` (to check that the job is a backup), then
    /// `virDomainAbortJob`.
    fn abort_backup(&self, uuid: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            ensure_backups(c)?;
            let dom = domain_by_uuid(c, uuid)?;
            let job = dom.job_stats(0)?;
            if !job.active || job.operation != Some(sys::VIR_DOMAIN_JOB_OPERATION_BACKUP as i32) {
                return Err(
                    HypervisorError::operation_invalid("the domain runs no backup job").into(),
                );
            }
            dom.abort_job()?;
            Ok(())
        })
    }

    /// `virDomainGetXMLDesc`, then `qemu-img info` of each qcow2 disk's
    /// image: those in qcow2 v3 (`compat` 1.1).
    fn checkpoint_capable_disks(&self, uuid: &str) -> Result<Vec<String>, HypervisorError> {
        let domain = self.conn.call(|c| {
            ensure_backups(c)?;
            let dom = domain_by_uuid(c, uuid)?;
            Ok(xml::parse_domain(&dom.xml_desc(0)?)?)
        })?;
        let mut capable = Vec::new();
        for disk in &domain.disks {
            let Some(path) = disk.path.as_deref() else {
                continue;
            };
            if disk.device != "disk" || disk.format.as_deref() != Some("qcow2") {
                continue;
            }
            match image_info(path) {
                Ok(info) if info["format-specific"]["data"]["compat"] == "1.1" => {
                    capable.push(disk.target.clone())
                }
                Ok(_) => {}
                Err(e) => debug!(path, error = %e, "cannot read the image's version"),
            }
        }
        Ok(capable)
    }

    /// `virDomainListAllCheckpoints`, parents first.
    fn list_checkpoints(&self, uuid: &str) -> Result<Vec<String>, HypervisorError> {
        self.conn.call(|c| {
            ensure_backups(c)?;
            let dom = domain_by_uuid(c, uuid)?;
            Ok(dom.checkpoint_names(sys::VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL)?)
        })
    }

    /// `virDomainCheckpointLookupByName`, `virDomainCheckpointDelete`.
    fn delete_checkpoint(&self, uuid: &str, name: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            ensure_backups(c)?;
            let dom = domain_by_uuid(c, uuid)?;
            dom.lookup_checkpoint_by_name(name)?.delete(0)?;
            Ok(())
        })
    }

    /// `virDomainGetXMLDesc` of the persistent definition, without secrets
    /// (a display password is not written into a backup).
    fn domain_definition(&self, uuid: &str) -> Result<DomainDefinition, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            Ok(DomainDefinition {
                file_name: "domain.xml".to_owned(),
                text: dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)?,
            })
        })
    }

    /// `qemu-img convert -n` of the newest image, read with the older ones as
    /// its backing chain (a `json:` image description; the images are not
    /// changed), into the existing image at `dest_path`, whose format is
    /// probed by `qemu-img info`. One libvirt call: `virConnectGetType`.
    fn restore_disk_image(&self, chain: &[String], dest_path: &str) -> Result<(), HypervisorError> {
        self.conn.call(ensure_backups)?;
        let source = chain_description(chain)?;
        let format = image_format(dest_path)?;
        let out = Command::new("qemu-img")
            .args(["convert", "-n", "-O", &format])
            .arg(format!("json:{source}"))
            .arg(dest_path)
            .output()
            .map_err(|e| HypervisorError::failed(format!("cannot run qemu-img: {e}")))?;
        if !out.status.success() {
            return Err(HypervisorError::failed(format!(
                "qemu-img convert into {dest_path} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }
}

/// `Unsupported` on drivers without backups (libvirt's test driver);
/// `virConnectGetType`.
fn ensure_backups(c: &Conn<'_>) -> Result<()> {
    if c.driver_type()?.eq_ignore_ascii_case("qemu") {
        return Ok(());
    }
    Err(HypervisorError::new(
        HypervisorErrorKind::Unsupported,
        "this libvirt driver has no backup API (virDomainBackupBegin); backups need QEMU",
    )
    .into())
}

/// Bytes copied and bytes to copy: the job's disk counters, else its data
/// counters.
fn counters(stats: &vapor_hypervisor::MigrationJobStats) -> (Option<u64>, Option<u64>) {
    match (stats.disk_processed_bytes, stats.disk_total_bytes) {
        (None, None) => (stats.data_processed_bytes, stats.data_total_bytes),
        pair => pair,
    }
}

/// The `json:` description of the newest image of `chain` with each older
/// one as its backing image, the full backup at the bottom. Built as JSON
/// values, so no path can change its structure.
fn chain_description(chain: &[String]) -> Result<String, HypervisorError> {
    let mut node: Option<serde_json::Value> = None;
    for image in chain {
        if !image.starts_with('/') {
            return Err(HypervisorError::invalid_argument(format!(
                "backup image {image} is not an absolute path"
            )));
        }
        let mut this = json!({
            "driver": "qcow2",
            "file": {"driver": "file", "filename": image},
        });
        if let Some(below) = node.take() {
            this["backing"] = below;
        } else {
            // The full backup has no backing image, whatever its header says.
            this["backing"] = serde_json::Value::Null;
        }
        node = Some(this);
    }
    node.map(|n| n.to_string())
        .ok_or_else(|| HypervisorError::invalid_argument("an empty backup chain"))
}

/// The format of the image at `path` (`qemu-img info`).
fn image_format(path: &str) -> Result<String, HypervisorError> {
    let info = image_info(path)?;
    match info["format"].as_str() {
        Some(f @ ("qcow2" | "raw")) => Ok(f.to_owned()),
        other => Err(HypervisorError::invalid_argument(format!(
            "{path} has format {}; backups restore into qcow2 or raw images",
            other.unwrap_or("unknown")
        ))),
    }
}

/// What `qemu-img info` says about the image at `path` (read without a lock,
/// so that the image of a running domain can be read).
fn image_info(path: &str) -> Result<serde_json::Value, HypervisorError> {
    let out = Command::new("qemu-img")
        .args(["info", "-U", "--output=json", path])
        .output()
        .map_err(|e| HypervisorError::failed(format!("cannot run qemu-img: {e}")))?;
    if !out.status.success() {
        return Err(HypervisorError::failed(format!(
            "qemu-img info {path} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| HypervisorError::failed(format!("qemu-img info {path}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_nest_the_older_images_as_backing() {
        let one = chain_description(&["/b/full/vda.qcow2".into()]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&one).unwrap();
        assert_eq!(v["file"]["filename"], "/b/full/vda.qcow2");
        assert_eq!(v["backing"], serde_json::Value::Null);
        let three = chain_description(&[
            "/b/full/vda.qcow2".into(),
            "/b/inc1/vda.qcow2".into(),
            "/b/inc2/\"x\".qcow2".into(),
        ])
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&three).unwrap();
        assert_eq!(v["file"]["filename"], "/b/inc2/\"x\".qcow2");
        assert_eq!(v["backing"]["file"]["filename"], "/b/inc1/vda.qcow2");
        assert_eq!(
            v["backing"]["backing"]["file"]["filename"],
            "/b/full/vda.qcow2"
        );
        assert_eq!(v["backing"]["backing"]["backing"], serde_json::Value::Null);
        assert!(chain_description(&[]).is_err());
        assert!(chain_description(&["relative.qcow2".into()]).is_err());
    }
}
