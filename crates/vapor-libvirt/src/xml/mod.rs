//! libvirt's XML formats: writing with quick-xml's event writer, reading with
//! roxmltree.
//!
//! XML is never assembled from strings here. Every value a user supplied
//! reaches the document as an attribute value or a text node, which the
//! writer escapes, after a check that it holds no character XML 1.0 cannot
//! carry. Element and attribute names are always literals of this crate.

pub(crate) mod backup;
pub(crate) mod caps;
pub(crate) mod console;
pub(crate) mod device;
pub mod domain_reader;
pub mod domain_writer;
pub(crate) mod hotplug;
pub(crate) mod network;
pub(crate) mod snapshot;
pub(crate) mod storage;

pub use domain_reader::parse_domain;
pub use domain_writer::domain_xml;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use roxmltree::{Document, Node};
use vapor_hypervisor::HypervisorError;

/// The namespace of Vapor's element inside a domain's `<metadata>`. The
/// writer uses the prefix `vapor`; the reader goes by the namespace, since
/// libvirt or another tool may rewrite the prefix.
pub const VAPOR_NAMESPACE: &str = "https://vapor.dev/xmlns/domain/1";

/// A small layer over quick-xml's writer: checked, escaped values only.
pub(crate) struct XmlWriter {
    inner: Writer<Vec<u8>>,
}

impl XmlWriter {
    /// A writer that indents by two spaces, like libvirt.
    pub(crate) fn new() -> Self {
        Self {
            inner: Writer::new_with_indent(Vec::new(), b' ', 2),
        }
    }

    fn element<'a>(
        name: &'a str,
        attrs: &[(&str, &str)],
    ) -> Result<BytesStart<'a>, HypervisorError> {
        let mut start = BytesStart::new(name);
        for &(key, value) in attrs {
            check_chars(value).map_err(|c| {
                HypervisorError::invalid_argument(format!(
                    "the value of {key} on <{name}> contains {c:?}, which XML cannot carry"
                ))
            })?;
            let escaped = escape_attribute(value);
            start.push_attribute(Attribute::from((key.as_bytes(), escaped.as_bytes())));
        }
        Ok(start)
    }

    fn write(&mut self, event: Event<'_>) -> Result<(), HypervisorError> {
        self.inner
            .write_event(event)
            .map_err(|e| HypervisorError::failed(format!("cannot write XML: {e}")))
    }

    /// `<name attrs...>`
    pub(crate) fn start(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
    ) -> Result<(), HypervisorError> {
        let el = Self::element(name, attrs)?;
        self.write(Event::Start(el))
    }

    /// `</name>`
    pub(crate) fn end(&mut self, name: &str) -> Result<(), HypervisorError> {
        self.write(Event::End(BytesEnd::new(name)))
    }

    /// `<name attrs.../>`
    pub(crate) fn empty(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
    ) -> Result<(), HypervisorError> {
        let el = Self::element(name, attrs)?;
        self.write(Event::Empty(el))
    }

    /// `<name attrs...>text</name>`
    pub(crate) fn text_element(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        text: &str,
    ) -> Result<(), HypervisorError> {
        check_chars(text).map_err(|c| {
            HypervisorError::invalid_argument(format!(
                "the text of <{name}> contains {c:?}, which XML cannot carry"
            ))
        })?;
        self.start(name, attrs)?;
        self.write(Event::Text(BytesText::from_escaped(escape_text(text))))?;
        self.end(name)
    }

    /// The document written so far.
    pub(crate) fn finish(self) -> Result<String, HypervisorError> {
        String::from_utf8(self.inner.into_inner())
            .map_err(|e| HypervisorError::failed(format!("generated XML is not UTF-8: {e}")))
    }
}

/// An attribute value as XML must carry it: the markup characters as
/// entities, and tab, newline and carriage return as character references,
/// because a parser (libvirt's libxml2, roxmltree) turns each of them into a
/// space when it normalises an attribute value: a disk path or a VNC
/// password with a tab would otherwise reach libvirt changed.
fn escape_attribute(value: &str) -> String {
    quick_xml::escape::escape(value)
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

/// Text content as XML must carry it: a carriage return as a character
/// reference, because parsers turn a literal one into a newline.
fn escape_text(text: &str) -> String {
    quick_xml::escape::escape(text).replace('\r', "&#13;")
}

/// The first character XML 1.0 cannot represent, if any (control characters
/// other than tab, newline and carriage return; U+FFFE and U+FFFF).
fn check_chars(s: &str) -> Result<(), char> {
    match s.chars().find(|&c| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
    }) {
        Some(c) => Err(c),
        None => Ok(()),
    }
}

/// Parses a document libvirt returned, checking the root element's name.
pub(crate) fn parse<'a>(xml: &'a str, root: &str) -> Result<Document<'a>, HypervisorError> {
    let doc = Document::parse(xml).map_err(|e| {
        HypervisorError::failed(format!("cannot parse libvirt's <{root}> XML: {e}"))
    })?;
    if !doc.root_element().has_tag_name(root) {
        return Err(HypervisorError::failed(format!(
            "expected a <{root}> document, found <{}>",
            doc.root_element().tag_name().name()
        )));
    }
    Ok(doc)
}

/// Where a domain's UEFI variable store is, from its XML: the `<os><nvram>`
/// path when the XML names one; for UEFI firmware that libvirt selects when
/// the domain starts (`<os firmware='efi'>` or a pflash loader without an
/// `<nvram>` path), `default_dir/<name>_VARS.fd`, where libvirt's QEMU
/// driver puts it. `None` for BIOS domains.
pub(crate) fn nvram_path(
    domain_xml: &str,
    default_dir: Option<&str>,
) -> Result<Option<String>, HypervisorError> {
    let doc = parse(domain_xml, "domain")?;
    let root = doc.root_element();
    let Some(os) = child(root, "os") else {
        return Ok(None);
    };
    if let Some(path) = child_text(os, "nvram")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        return Ok(Some(path.to_owned()));
    }
    let uefi = os.attribute("firmware") == Some("efi")
        || child(os, "loader").is_some_and(|l| l.attribute("type") == Some("pflash"));
    let name = child_text(root, "name").unwrap_or_default();
    Ok(match default_dir {
        Some(dir) if uefi && !name.is_empty() => Some(format!("{dir}/{name}_VARS.fd")),
        _ => None,
    })
}

/// The first child element named `name` (no namespace).
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| {
        n.is_element() && n.tag_name().name() == name && n.tag_name().namespace().is_none()
    })
}

/// The text of the first child element named `name`.
pub(crate) fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name).and_then(|n| n.text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvram_paths() {
        let dir = Some("/var/lib/libvirt/qemu/nvram");
        let auto = "<domain><name>web</name><os firmware='efi'><type>hvm</type></os></domain>";
        assert_eq!(
            nvram_path(auto, dir).unwrap().as_deref(),
            Some("/var/lib/libvirt/qemu/nvram/web_VARS.fd")
        );
        assert_eq!(nvram_path(auto, None).unwrap(), None);
        let named = "<domain><name>web</name><os><loader type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>\
                     <nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/srv/web.fd</nvram></os></domain>";
        assert_eq!(
            nvram_path(named, dir).unwrap().as_deref(),
            Some("/srv/web.fd")
        );
        let bios = "<domain><name>web</name><os><type>hvm</type></os></domain>";
        assert_eq!(nvram_path(bios, dir).unwrap(), None);
        assert!(nvram_path("<network/>", dir).is_err());
    }

    #[test]
    fn values_are_escaped_and_checked() {
        let mut w = XmlWriter::new();
        w.start("a", &[("x", "<&'\">")]).unwrap();
        w.text_element("b", &[], "</b><evil/>").unwrap();
        w.end("a").unwrap();
        let xml = w.finish().unwrap();
        assert!(!xml.contains("<evil/>"));
        let doc = Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().attribute("x"), Some("<&'\">"));
        assert_eq!(child_text(doc.root_element(), "b"), Some("</b><evil/>"));

        let mut w = XmlWriter::new();
        assert!(w.empty("a", &[("x", "nul\0")]).is_err());
        assert!(w.text_element("a", &[], "bell\u{7}").is_err());
        assert!(w.text_element("a", &[], "tab\tnewline\n ok é ✓").is_ok());
    }

    /// Found by the `domain_xml_roundtrip` fuzz target: a disk path of "\t"
    /// was read back as " ", since parsers normalise white space in attribute
    /// values (and a carriage return in text).
    #[test]
    fn white_space_in_values_survives_a_parser() {
        let value = "\t a\nb\r\nc \t";
        let mut w = XmlWriter::new();
        w.start("a", &[("x", value)]).unwrap();
        w.text_element("b", &[], value).unwrap();
        w.end("a").unwrap();
        let xml = w.finish().unwrap();
        let doc = Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().attribute("x"), Some(value), "{xml}");
        assert_eq!(child_text(doc.root_element(), "b"), Some(value), "{xml}");
    }
}
