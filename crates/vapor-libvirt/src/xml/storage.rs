//! Storage pool and volume XML.

use vapor_hypervisor::{HypervisorError, VolumeSpec};

use super::{child, child_text, parse, XmlWriter};

/// A directory pool named `name` over the directory `path`.
pub(crate) fn dir_pool_xml(name: &str, path: &str) -> Result<String, HypervisorError> {
    let mut w = XmlWriter::new();
    w.start("pool", &[("type", "dir")])?;
    w.text_element("name", &[], name)?;
    w.start("target", &[])?;
    w.text_element("path", &[], path)?;
    w.end("target")?;
    w.end("pool")?;
    w.finish()
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

    #[test]
    fn pool_xml() {
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
}
