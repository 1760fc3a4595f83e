//! Backup and checkpoint XML: the `<domainbackup>` (push mode) and
//! `<domaincheckpoint>` documents that `virDomainBackupBegin` takes.

use vapor_hypervisor::{BackupJobSpec, HypervisorError};

use super::XmlWriter;

/// The `<domainbackup mode='push'>` document for `spec`. `other_disks` are
/// the domain's remaining disk targets, each named with `backup='no'` so
/// that libvirt copies exactly the disks asked for.
pub(crate) fn backup_xml(
    spec: &BackupJobSpec,
    other_disks: &[String],
) -> Result<String, HypervisorError> {
    let mut w = XmlWriter::new();
    w.start("domainbackup", &[("mode", "push")])?;
    if let Some(parent) = &spec.incremental_from {
        w.text_element("incremental", &[], parent)?;
    }
    w.start("disks", &[])?;
    for disk in &spec.disks {
        w.start(
            "disk",
            &[
                ("name", disk.target.as_str()),
                ("backup", "yes"),
                ("type", "file"),
            ],
        )?;
        w.empty("target", &[("file", disk.file.as_str())])?;
        w.empty("driver", &[("type", "qcow2")])?;
        w.end("disk")?;
    }
    for target in other_disks {
        w.empty("disk", &[("name", target.as_str()), ("backup", "no")])?;
    }
    w.end("disks")?;
    w.end("domainbackup")?;
    w.finish()
}

/// The `<domaincheckpoint>` document naming checkpoint `name`: a bitmap on
/// each disk backed up, none on `other_disks`.
pub(crate) fn checkpoint_xml(
    name: &str,
    spec: &BackupJobSpec,
    other_disks: &[String],
) -> Result<String, HypervisorError> {
    let mut w = XmlWriter::new();
    w.start("domaincheckpoint", &[])?;
    w.text_element("name", &[], name)?;
    w.start("disks", &[])?;
    for disk in &spec.disks {
        w.empty(
            "disk",
            &[("name", disk.target.as_str()), ("checkpoint", "bitmap")],
        )?;
    }
    for target in other_disks {
        w.empty("disk", &[("name", target.as_str()), ("checkpoint", "no")])?;
    }
    w.end("disks")?;
    w.end("domaincheckpoint")?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::BackupDiskTarget;

    fn spec(incremental_from: Option<&str>) -> BackupJobSpec {
        BackupJobSpec {
            disks: vec![
                BackupDiskTarget {
                    target: "vda".into(),
                    file: "/var/lib/vapor/backups/bk-1/vda.qcow2".into(),
                },
                BackupDiskTarget {
                    target: "vdb".into(),
                    file: "/var/lib/vapor/backups/bk-1/vdb.qcow2".into(),
                },
            ],
            incremental_from: incremental_from.map(str::to_owned),
            checkpoint: Some("vapor-bk-1".into()),
        }
    }

    #[test]
    fn full_backup() {
        insta::assert_snapshot!(backup_xml(&spec(None), &["sda".to_owned()]).unwrap());
    }

    #[test]
    fn incremental_backup() {
        insta::assert_snapshot!(backup_xml(&spec(Some("vapor-bk-0")), &[]).unwrap());
    }

    #[test]
    fn checkpoint() {
        insta::assert_snapshot!(
            checkpoint_xml("vapor-bk-1", &spec(None), &["sda".to_owned()]).unwrap()
        );
    }

    #[test]
    fn hostile_paths_are_escaped() {
        let mut s = spec(Some("a</incremental><x/>"));
        s.disks[0].file = "/b/\"'<&>.qcow2".into();
        let xml = backup_xml(&s, &[]).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(
            super::super::child_text(root, "incremental"),
            Some("a</incremental><x/>")
        );
        let target = root
            .descendants()
            .find(|n| n.has_tag_name("target"))
            .unwrap();
        assert_eq!(target.attribute("file"), Some("/b/\"'<&>.qcow2"));
        assert!(backup_xml(
            &BackupJobSpec {
                incremental_from: Some("nul\0".into()),
                ..spec(None)
            },
            &[]
        )
        .is_err());
    }
}
