//! Backups: push backups, checkpoints and their chains, following libvirt
//! 9.0's QEMU driver.
//!
//! - A backup job needs an active domain and no other job; the disks named
//!   must be the domain's. Each image file is created when the job starts
//!   (empty, as QEMU creates its target) and written when the job completes;
//!   an image that exists already is refused, as libvirt refuses to reuse one.
//! - The job takes [`MockBackups::job_duration`] (zero by default; the
//!   environment variable `VAPOR_MOCK_BACKUP_MS` sets it, so that a test can
//!   catch a backup in flight) and reports progress in proportion. A domain
//!   that stops while the job runs ends it failed, as QEMU's job dies with it.
//! - The checkpoint is made when the job starts. An incremental backup names
//!   a checkpoint that must exist. Deleting a checkpoint merges it into its
//!   parent (the list keeps its order).
//! - The mock's disks hold no guest data and its guests never write, so a
//!   full backup copies each disk's capacity and an incremental one copies
//!   nothing. An image is a small text file that records what it holds (the
//!   disk, its capacity, the checkpoint it starts from and the one it made),
//!   so that a restore can check that images form a chain, as `qemu-img`
//!   does with real ones.
//!
//! Jobs and checkpoints of a domain that is gone (undefining removes
//! checkpoint metadata) are dropped the next time any backup call is made.
//! Lock order: domains, then backups.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::json;
use vapor_hypervisor::*;

use crate::{no_domain, MockHypervisor};

/// The first line of every mock backup image.
const MAGIC: &str = "vapor-mock-backup 1";

/// Every domain's backup job and checkpoints, by domain UUID.
pub(crate) struct MockBackups {
    state: Mutex<BTreeMap<String, DomainBackups>>,
    /// How long a backup job runs.
    job_duration: Duration,
}

impl Default for MockBackups {
    fn default() -> Self {
        let ms = std::env::var("VAPOR_MOCK_BACKUP_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        MockBackups {
            state: Mutex::new(BTreeMap::new()),
            job_duration: Duration::from_millis(ms),
        }
    }
}

impl MockBackups {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, DomainBackups>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, Default)]
struct DomainBackups {
    /// Oldest first.
    checkpoints: Vec<String>,
    job: Option<Job>,
}

#[derive(Debug)]
struct Job {
    started: Instant,
    images: Vec<Image>,
    total_bytes: u64,
    outcome: JobOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum JobOutcome {
    Running,
    Completed,
    Failed(String),
}

/// One image a job writes.
#[derive(Debug, Clone)]
struct Image {
    file: String,
    target: String,
    source: String,
    capacity_bytes: u64,
    since: Option<String>,
    checkpoint: Option<String>,
}

impl Image {
    fn contents(&self) -> String {
        let facts = json!({
            "disk": self.target,
            "source": self.source,
            "capacity_bytes": self.capacity_bytes,
            "since_checkpoint": self.since,
            "checkpoint": self.checkpoint,
        });
        format!("{MAGIC}\n{facts}\n")
    }
}

impl MockHypervisor {
    /// Drops the records of domains that are gone; ends (by time, or because
    /// the domain stopped) a running job, and reports that it ended.
    /// Domains lock first.
    fn settle_backups(&self) -> MutexGuard<'_, BTreeMap<String, DomainBackups>> {
        let domains: BTreeMap<String, (bool, String)> = self
            .lock()
            .domains
            .iter()
            .map(|(uuid, d)| (uuid.clone(), (d.state.is_active(), d.spec.name.clone())))
            .collect();
        let mut all = self.backups.lock();
        all.retain(|uuid, _| domains.contains_key(uuid));
        for (uuid, b) in all.iter_mut() {
            let Some(job) = b.job.as_mut() else { continue };
            if job.outcome != JobOutcome::Running {
                continue;
            }
            let (active, name) = &domains[uuid];
            if !active {
                job.outcome = JobOutcome::Failed("operation failed: domain is not running".into());
            } else if job.started.elapsed() >= self.backups.job_duration {
                job.outcome = match write_images(&job.images) {
                    Ok(()) => JobOutcome::Completed,
                    Err(e) => JobOutcome::Failed(e),
                };
            } else {
                continue;
            }
            self.events
                .domain(uuid, name, DomainEventKind::JobCompleted, None);
        }
        all
    }
}

fn write_images(images: &[Image]) -> Result<(), String> {
    for image in images {
        std::fs::write(&image.file, image.contents())
            .map_err(|e| format!("cannot write {}: {e}", image.file))?;
    }
    Ok(())
}

impl BackupBackend for MockHypervisor {
    fn begin_backup(&self, uuid: &str, spec: &BackupJobSpec) -> Result<()> {
        let domain = {
            let state = self.lock();
            let d = state.domains.get(uuid).ok_or_else(|| no_domain(uuid))?;
            if !d.state.is_active() {
                return Err(HypervisorError::operation_invalid(
                    "Requested operation is not valid: domain is not running",
                ));
            }
            state.view(d)
        };
        let mut all = self.settle_backups();
        let b = all.entry(uuid.to_owned()).or_default();
        if b.job
            .as_ref()
            .is_some_and(|j| j.outcome == JobOutcome::Running)
        {
            return Err(HypervisorError::operation_invalid(
                "Requested operation is not valid: another job is active on the domain",
            ));
        }
        if let Some(since) = &spec.incremental_from {
            if !b.checkpoints.contains(since) {
                return Err(HypervisorError::not_found(format!(
                    "Domain checkpoint not found: no domain checkpoint with matching name '{since}'"
                )));
            }
        }
        if let Some(name) = &spec.checkpoint {
            if b.checkpoints.contains(name) {
                return Err(HypervisorError::already_exists(format!(
                    "domain checkpoint '{name}' already exists"
                )));
            }
        }
        if spec.disks.is_empty() {
            return Err(HypervisorError::invalid_argument(
                "no disks selected for backup",
            ));
        }
        let mut images = Vec::new();
        let mut total = 0u64;
        for disk in &spec.disks {
            let info = domain
                .disks
                .iter()
                .find(|d| d.target == disk.target)
                .ok_or_else(|| {
                    HypervisorError::invalid_argument(format!(
                        "invalid argument: no disk named '{}'",
                        disk.target
                    ))
                })?;
            let capacity = info.capacity_bytes.unwrap_or(0);
            if spec.incremental_from.is_none() {
                total += capacity;
            }
            images.push(Image {
                file: disk.file.clone(),
                target: disk.target.clone(),
                source: info.path.clone().unwrap_or_default(),
                capacity_bytes: capacity,
                since: spec.incremental_from.clone(),
                checkpoint: spec.checkpoint.clone(),
            });
        }
        for (i, image) in images.iter().enumerate() {
            let created = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&image.file);
            if let Err(e) = created {
                for made in &images[..i] {
                    let _ = std::fs::remove_file(&made.file);
                }
                return Err(HypervisorError::failed(format!(
                    "internal error: unable to create backup target {}: {e}",
                    image.file
                )));
            }
        }
        if let Some(name) = &spec.checkpoint {
            b.checkpoints.push(name.clone());
        }
        b.job = Some(Job {
            started: Instant::now(),
            images,
            total_bytes: total,
            outcome: JobOutcome::Running,
        });
        Ok(())
    }

    fn backup_job(&self, uuid: &str) -> Result<BackupJobState> {
        if !self.lock().domains.contains_key(uuid) {
            return Err(no_domain(uuid));
        }
        let all = self.settle_backups();
        let Some(job) = all.get(uuid).and_then(|b| b.job.as_ref()) else {
            return Ok(BackupJobState::None);
        };
        Ok(match &job.outcome {
            JobOutcome::Running => {
                let duration = self.backups.job_duration.as_secs_f64().max(f64::EPSILON);
                let share = (job.started.elapsed().as_secs_f64() / duration).min(1.0);
                BackupJobState::Running {
                    processed_bytes: Some((job.total_bytes as f64 * share) as u64),
                    total_bytes: Some(job.total_bytes),
                }
            }
            JobOutcome::Completed => BackupJobState::Completed {
                total_bytes: Some(job.total_bytes),
            },
            JobOutcome::Failed(message) => BackupJobState::Failed {
                message: message.clone(),
            },
        })
    }

    fn abort_backup(&self, uuid: &str) -> Result<()> {
        let Some(name) = self.lock().domains.get(uuid).map(|d| d.spec.name.clone()) else {
            return Err(no_domain(uuid));
        };
        let mut all = self.settle_backups();
        match all.get_mut(uuid).and_then(|b| b.job.as_mut()) {
            Some(job) if job.outcome == JobOutcome::Running => {
                job.outcome = JobOutcome::Failed("operation aborted: job cancelled".into());
                self.events
                    .domain(uuid, &name, DomainEventKind::JobCompleted, None);
                Ok(())
            }
            _ => Err(HypervisorError::operation_invalid(
                "Requested operation is not valid: no job is active on the domain",
            )),
        }
    }

    /// The qcow2 disks (the mock's images have no format version).
    fn checkpoint_capable_disks(&self, uuid: &str) -> Result<Vec<String>> {
        let state = self.lock();
        let d = state.domains.get(uuid).ok_or_else(|| no_domain(uuid))?;
        Ok(d.spec
            .disks
            .iter()
            .filter(|disk| disk.device == DiskDevice::Disk && disk.format == DiskFormat::Qcow2)
            .map(|disk| disk.target.clone())
            .collect())
    }

    fn list_checkpoints(&self, uuid: &str) -> Result<Vec<String>> {
        if !self.lock().domains.contains_key(uuid) {
            return Err(no_domain(uuid));
        }
        let all = self.settle_backups();
        Ok(all
            .get(uuid)
            .map(|b| b.checkpoints.clone())
            .unwrap_or_default())
    }

    fn delete_checkpoint(&self, uuid: &str, name: &str) -> Result<()> {
        if !self.lock().domains.contains_key(uuid) {
            return Err(no_domain(uuid));
        }
        let mut all = self.settle_backups();
        let b = all.entry(uuid.to_owned()).or_default();
        match b.checkpoints.iter().position(|c| c == name) {
            Some(i) => {
                b.checkpoints.remove(i);
                Ok(())
            }
            None => Err(HypervisorError::not_found(format!(
                "Domain checkpoint not found: no domain checkpoint with matching name '{name}'"
            ))),
        }
    }

    fn domain_definition(&self, uuid: &str) -> Result<DomainDefinition> {
        let state = self.lock();
        let d = state.domains.get(uuid).ok_or_else(|| no_domain(uuid))?;
        Ok(DomainDefinition {
            file_name: "domain.txt".to_owned(),
            text: format!("{:#?}\n", d.spec),
        })
    }

    fn restore_disk_image(&self, chain: &[String], dest_path: &str) -> Result<()> {
        let capacity = self
            .lock()
            .volume_by_path(dest_path)
            .map(|(_, _, _, v)| v.capacity_bytes)
            .ok_or_else(|| {
                HypervisorError::not_found(format!(
                    "Storage volume not found: no storage vol with matching path '{dest_path}'"
                ))
            })?;
        let mut previous: Option<serde_json::Value> = None;
        for file in chain {
            let text = std::fs::read_to_string(file)
                .map_err(|e| HypervisorError::failed(format!("cannot read {file}: {e}")))?;
            let facts: serde_json::Value = text
                .strip_prefix(MAGIC)
                .and_then(|rest| serde_json::from_str(rest.trim()).ok())
                .ok_or_else(|| {
                    HypervisorError::invalid_argument(format!("{file} is not a backup image"))
                })?;
            let fits = match &previous {
                None => facts["since_checkpoint"].is_null(),
                Some(p) => {
                    !p["checkpoint"].is_null()
                        && facts["since_checkpoint"] == p["checkpoint"]
                        && facts["disk"] == p["disk"]
                }
            };
            if !fits {
                return Err(HypervisorError::invalid_argument(format!(
                    "{file} does not follow the image before it in the chain"
                )));
            }
            if facts["capacity_bytes"].as_u64().unwrap_or(0) > capacity {
                return Err(HypervisorError::invalid_argument(format!(
                    "{dest_path} is smaller than the disk in {file}"
                )));
            }
            previous = Some(facts);
        }
        if previous.is_none() {
            return Err(HypervisorError::invalid_argument("an empty backup chain"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hv_with_vm() -> (MockHypervisor, String, tempfile::TempDir) {
        let hv = MockHypervisor::new();
        let dir = tempfile::tempdir().unwrap();
        let pool_dir = dir.path().join("pool");
        hv.create_dir_pool("p", pool_dir.to_str().unwrap()).unwrap();
        let vol = hv
            .create_volume(
                "p",
                &VolumeSpec {
                    name: "vm-vda.qcow2".into(),
                    capacity_bytes: 1 << 30,
                    format: DiskFormat::Qcow2,
                },
            )
            .unwrap();
        let uuid = "aaaaaaaa-0000-4000-8000-000000000001".to_owned();
        hv.define_domain(&DomainSpec {
            name: "vm".into(),
            uuid: uuid.clone(),
            domain_type: "kvm".into(),
            arch: "x86_64".into(),
            memory_mib: 64,
            vcpus: 1,
            disks: vec![DiskSpec {
                device: DiskDevice::Disk,
                path: vol.path,
                format: DiskFormat::Qcow2,
                bus: DiskBus::Virtio,
                target: "vda".into(),
                readonly: false,
                cache: None,
            }],
            interfaces: vec![],
            graphics: vec![],
            boot: vec![BootDevice::Hd],
            firmware: Firmware::Bios,
            tpm: false,
            metadata: VaporMetadata::default(),
        })
        .unwrap();
        (hv, uuid, dir)
    }

    fn job(dir: &std::path::Path, name: &str, since: Option<&str>, cp: &str) -> BackupJobSpec {
        BackupJobSpec {
            disks: vec![BackupDiskTarget {
                target: "vda".into(),
                file: dir.join(name).to_str().unwrap().to_owned(),
            }],
            incremental_from: since.map(str::to_owned),
            checkpoint: Some(cp.to_owned()),
        }
    }

    #[test]
    fn a_chain_of_backups_restores_and_a_broken_one_does_not() {
        let (hv, uuid, dir) = hv_with_vm();
        let d = dir.path();
        let kind = |r: Result<()>| r.unwrap_err().kind;
        assert_eq!(
            kind(hv.begin_backup(&uuid, &job(d, "full", None, "c1"))),
            HypervisorErrorKind::OperationInvalid,
            "a shut-off domain has no backup"
        );
        hv.power(&uuid, PowerAction::Start).unwrap();
        assert_eq!(hv.backup_job(&uuid).unwrap(), BackupJobState::None);
        hv.begin_backup(&uuid, &job(d, "full", None, "c1")).unwrap();
        assert_eq!(
            hv.backup_job(&uuid).unwrap(),
            BackupJobState::Completed {
                total_bytes: Some(1 << 30)
            }
        );
        assert_eq!(
            kind(hv.begin_backup(&uuid, &job(d, "inc", Some("nope"), "c2"))),
            HypervisorErrorKind::NotFound
        );
        assert_eq!(
            kind(hv.begin_backup(&uuid, &job(d, "inc", Some("c1"), "c1"))),
            HypervisorErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(hv.begin_backup(&uuid, &job(d, "full", None, "c9"))),
            HypervisorErrorKind::Failed,
            "an existing image is not reused"
        );
        hv.begin_backup(&uuid, &job(d, "inc", Some("c1"), "c2"))
            .unwrap();
        assert_eq!(
            hv.backup_job(&uuid).unwrap(),
            BackupJobState::Completed {
                total_bytes: Some(0)
            }
        );
        assert_eq!(hv.list_checkpoints(&uuid).unwrap(), vec!["c1", "c2"]);

        let dest = hv
            .create_volume(
                "p",
                &VolumeSpec {
                    name: "restored.qcow2".into(),
                    capacity_bytes: 1 << 30,
                    format: DiskFormat::Qcow2,
                },
            )
            .unwrap()
            .path;
        let path = |n: &str| d.join(n).to_str().unwrap().to_owned();
        hv.restore_disk_image(&[path("full"), path("inc")], &dest)
            .unwrap();
        hv.restore_disk_image(&[path("full")], &dest).unwrap();
        for bad in [vec![path("inc")], vec![path("inc"), path("full")], vec![]] {
            assert_eq!(
                hv.restore_disk_image(&bad, &dest).unwrap_err().kind,
                HypervisorErrorKind::InvalidArgument,
                "{bad:?}"
            );
        }

        hv.delete_checkpoint(&uuid, "c1").unwrap();
        assert_eq!(hv.list_checkpoints(&uuid).unwrap(), vec!["c2"]);
        assert_eq!(
            hv.delete_checkpoint(&uuid, "c1").unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
        hv.undefine_domain(&uuid).unwrap();
        assert_eq!(
            hv.list_checkpoints(&uuid).unwrap_err().kind,
            HypervisorErrorKind::NotFound
        );
    }

    #[test]
    fn a_slow_job_runs_fails_when_the_domain_stops_and_aborts() {
        let (mut hv, uuid, dir) = hv_with_vm();
        hv.backups.job_duration = Duration::from_secs(3600);
        let d = dir.path();
        hv.power(&uuid, PowerAction::Start).unwrap();
        hv.begin_backup(&uuid, &job(d, "a", None, "c1")).unwrap();
        assert!(
            std::fs::metadata(d.join("a")).unwrap().len() == 0,
            "the image exists, empty, while the job runs"
        );
        assert!(matches!(
            hv.backup_job(&uuid).unwrap(),
            BackupJobState::Running { .. }
        ));
        assert_eq!(
            hv.begin_backup(&uuid, &job(d, "b", None, "c2"))
                .unwrap_err()
                .kind,
            HypervisorErrorKind::OperationInvalid
        );
        hv.abort_backup(&uuid).unwrap();
        assert!(matches!(
            hv.backup_job(&uuid).unwrap(),
            BackupJobState::Failed { .. }
        ));
        assert_eq!(
            hv.abort_backup(&uuid).unwrap_err().kind,
            HypervisorErrorKind::OperationInvalid
        );
        hv.begin_backup(&uuid, &job(d, "b", None, "c2")).unwrap();
        hv.power(&uuid, PowerAction::Destroy).unwrap();
        assert!(matches!(
            hv.backup_job(&uuid).unwrap(),
            BackupJobState::Failed { .. }
        ));
        assert!(hv.domain_definition(&uuid).unwrap().text.contains("vda"));
    }
}
