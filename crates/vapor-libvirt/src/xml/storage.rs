//! Storage pool and volume XML.

use vapor_hypervisor::{HypervisorError, PoolSpec, PoolType, VolumeSpec};

use super::{child, child_text, parse, XmlWriter};

/// A directory pool named `name` over the directory `path`.
pub(crate) fn dir_pool_xml(name: &str, path: &str) -> Result<String, HypervisorError> {
    pool_xml(&PoolSpec {
        name: name.to_owned(),
        pool_type: PoolType::Dir,
        path: path.to_owned(),
        source: None,
        source_host: None,
    })
}

/// A pool definition:
/// - `dir`: `<target><path>` only;
/// - `fs` and `logical`: `<source><device path=.../>`, the block device; a
///   logical pool's volume group is named by its path, `/dev/<volume group>`;
/// - `netfs`: `<source><host name=.../><dir path=.../><format type="nfs"/>`.
///
/// `InvalidArgument` when the type's source fields are missing or a field
/// is given that the type does not use.
pub(crate) fn pool_xml(spec: &PoolSpec) -> Result<String, HypervisorError> {
    let missing = |field: &str| {
        HypervisorError::invalid_argument(format!(
            "a {} pool needs {field}",
            spec.pool_type.as_str()
        ))
    };
    let unused = |field: &str| {
        HypervisorError::invalid_argument(format!(
            "a {} pool has no {field}",
            spec.pool_type.as_str()
        ))
    };
    let mut w = XmlWriter::new();
    w.start("pool", &[("type", spec.pool_type.as_str())])?;
    w.text_element("name", &[], &spec.name)?;
    match spec.pool_type {
        PoolType::Dir => {
            if spec.source.is_some() {
                return Err(unused("source"));
            }
            if spec.source_host.is_some() {
                return Err(unused("source_host"));
            }
        }
        PoolType::Fs | PoolType::Logical => {
            if spec.source_host.is_some() {
                return Err(unused("source_host"));
            }
            let device = spec
                .source
                .as_deref()
                .ok_or_else(|| missing("a source device"))?;
            w.start("source", &[])?;
            w.empty("device", &[("path", device)])?;
            if spec.pool_type == PoolType::Logical {
                // libvirt sets a logical pool's target to `/dev/<volume group>`.
                let group = volume_group(&spec.path).ok_or_else(|| {
                    HypervisorError::invalid_argument(format!(
                        "the path of a logical pool is /dev/<volume group>, not '{}'",
                        spec.path
                    ))
                })?;
                w.text_element("name", &[], group)?;
            }
            w.end("source")?;
        }
        PoolType::Netfs => {
            let host = spec
                .source_host
                .as_deref()
                .ok_or_else(|| missing("a source host"))?;
            let dir = spec
                .source
                .as_deref()
                .ok_or_else(|| missing("a source export path"))?;
            w.start("source", &[])?;
            w.empty("host", &[("name", host)])?;
            w.empty("dir", &[("path", dir)])?;
            w.empty("format", &[("type", "nfs")])?;
            w.end("source")?;
        }
    }
    w.start("target", &[])?;
    w.text_element("path", &[], &spec.path)?;
    w.end("target")?;
    w.end("pool")?;
    w.finish()
}

/// The volume group named by a logical pool's path, `/dev/<volume group>`.
pub(crate) fn volume_group(path: &str) -> Option<&str> {
    path.strip_prefix("/dev/")
        .filter(|g| !g.is_empty() && !g.contains('/') && *g != "." && *g != "..")
}

/// A volume of `spec.capacity_bytes` in `spec.format`.
pub(crate) fn volume_xml(spec: &VolumeSpec) -> Result<String, HypervisorError> {
    let capacity = spec.capacity_bytes.to_string();
    let mut w = XmlWriter::new();
    w.start("volume", &[])?;
    w.text_element("name", &[], &spec.name)?;
    w.text_element("capacity", &[("unit", "bytes")], &capacity)?;
    w.start("target", &[])?;
    w.empty("format", &[("type", spec.format.as_str())])?;
    if spec.format == vapor_hypervisor::DiskFormat::Qcow2 {
        // qcow2 v3: libvirt otherwise makes v2 images, which cannot hold the
        // persistent bitmaps that backup checkpoints are.
        w.text_element("compat", &[], "1.1")?;
    }
    w.end("target")?;
    w.end("volume")?;
    w.finish()
}

/// What a pool's XML says: its type and target directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PoolXml {
    pub pool_type: String,
    pub path: Option<String>,
}

pub(crate) fn parse_pool(xml: &str) -> Result<PoolXml, HypervisorError> {
    let doc = parse(xml, "pool")?;
    let root = doc.root_element();
    Ok(PoolXml {
        pool_type: root.attribute("type").unwrap_or_default().to_string(),
        path: child(root, "target")
            .and_then(|t| child_text(t, "path"))
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty()),
    })
}

/// A volume's format (`<target><format type=.../>`), if it has one.
pub(crate) fn parse_volume_format(xml: &str) -> Result<Option<String>, HypervisorError> {
    let doc = parse(xml, "volume")?;
    Ok(child(doc.root_element(), "target")
        .and_then(|t| child(t, "format"))
        .and_then(|f| f.attribute("type"))
        .map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::DiskFormat;

    fn spec(pool_type: PoolType, source: Option<&str>, host: Option<&str>) -> PoolSpec {
        PoolSpec {
            name: format!("vapor-{}", pool_type.as_str()),
            pool_type,
            path: "/srv/vapor".into(),
            source: source.map(str::to_owned),
            source_host: host.map(str::to_owned),
        }
    }

    #[test]
    fn dir_pool_xml_is_minimal() {
        assert_eq!(
            dir_pool_xml("vapor", "/var/lib/vapor/images").unwrap(),
            "<pool type=\"dir\">\n  <name>vapor</name>\n  <target>\n    <path>/var/lib/vapor/images</path>\n  </target>\n</pool>"
        );
    }

    #[test]
    fn volume_xml_roundtrip() {
        let spec = VolumeSpec {
            name: "disk<1>".into(),
            capacity_bytes: 1 << 30,
            format: DiskFormat::Qcow2,
        };
        let xml = volume_xml(&spec).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(child_text(doc.root_element(), "name"), Some("disk<1>"));
        assert_eq!(
            child_text(doc.root_element(), "capacity"),
            Some("1073741824")
        );
        assert_eq!(parse_volume_format(&xml).unwrap().as_deref(), Some("qcow2"));
    }

    #[test]
    fn reads_pools() {
        let p = parse_pool(
            "<pool type='dir'><name>default-pool</name><target><path>/default-pool</path></target></pool>",
        )
        .unwrap();
        assert_eq!(
            p,
            PoolXml {
                pool_type: "dir".into(),
                path: Some("/default-pool".into())
            }
        );
        let p = parse_pool("<pool type='rbd'><name>ceph</name><source/></pool>").unwrap();
        assert_eq!(p.path, None);
    }

    #[test]
    fn dir_pool() {
        insta::assert_snapshot!(pool_xml(&spec(PoolType::Dir, None, None)).unwrap());
    }

    #[test]
    fn fs_pool() {
        insta::assert_snapshot!(pool_xml(&spec(PoolType::Fs, Some("/dev/sdb1"), None)).unwrap());
    }

    #[test]
    fn netfs_pool() {
        insta::assert_snapshot!(pool_xml(&spec(
            PoolType::Netfs,
            Some("/exports/images"),
            Some("nfs.example.org")
        ))
        .unwrap());
    }

    #[test]
    fn logical_pool() {
        let mut lvm = spec(PoolType::Logical, Some("/dev/sdc"), None);
        lvm.path = "/dev/vg-images".into();
        insta::assert_snapshot!(pool_xml(&lvm).unwrap());
    }

    #[test]
    fn pool_fields_must_fit_the_type() {
        let cases = [
            spec(PoolType::Dir, Some("/dev/sdb"), None),
            spec(PoolType::Dir, None, Some("nfs")),
            spec(PoolType::Fs, None, None),
            spec(PoolType::Fs, Some("/dev/sdb"), Some("nfs")),
            spec(PoolType::Logical, None, None),
            // The target of a logical pool is /dev/<volume group>.
            spec(PoolType::Logical, Some("/dev/sdc"), None),
            PoolSpec {
                path: "/dev/a/b".into(),
                ..spec(PoolType::Logical, Some("/dev/sdc"), None)
            },
            spec(PoolType::Netfs, Some("/export"), None),
            spec(PoolType::Netfs, None, Some("nfs")),
        ];
        for bad in cases {
            let err = pool_xml(&bad).unwrap_err();
            assert_eq!(
                err.kind,
                vapor_hypervisor::HypervisorErrorKind::InvalidArgument,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn pool_strings_cannot_inject_elements() {
        let mut s = spec(
            PoolType::Netfs,
            Some("/x'/><dir path='/etc"),
            Some("h\"/><host name=\"evil"),
        );
        s.name = "p</name><evil/><name>".into();
        s.path = "/a</path></target><target><path>/etc".into();
        let xml = pool_xml(&s).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(child_text(root, "name"), Some(s.name.as_str()));
        assert_eq!(
            root.descendants()
                .filter(|n| n.has_tag_name("host"))
                .count(),
            1
        );
        assert_eq!(
            root.descendants().filter(|n| n.has_tag_name("dir")).count(),
            1
        );
        assert!(!xml.contains("<evil/>"));
        assert_eq!(
            parse_pool(&xml).unwrap().path.as_deref(),
            Some(s.path.as_str())
        );
        s.path = "/bell\u{7}".into();
        assert!(pool_xml(&s).is_err());
    }
}
