//! Node device XML (PCI devices) and `<hostdev>` XML for PCI passthrough.

use roxmltree::Node;
use vapor_hypervisor::{HypervisorError, PciAddress, PciDevice, PciHostdev};

use super::{child, child_text, parse, XmlWriter};

fn num(text: &str) -> Option<u64> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

fn address_of(
    node: Node<'_, '_>,
    get: impl Fn(Node<'_, '_>, &str) -> Option<String>,
) -> Option<PciAddress> {
    let part = |n: &str| get(node, n).as_deref().and_then(num);
    Some(PciAddress {
        domain: u16::try_from(part("domain")?).ok()?,
        bus: u8::try_from(part("bus")?).ok()?,
        slot: u8::try_from(part("slot")?).ok()?,
        function: u8::try_from(part("function")?).ok()?,
    })
}

/// A node device's XML, when it is a PCI device (`None` otherwise).
pub(crate) fn parse_pci_device(xml: &str) -> Result<Option<PciDevice>, HypervisorError> {
    let doc = parse(xml, "device")?;
    let root = doc.root_element();
    let Some(cap) = root
        .children()
        .find(|n| n.has_tag_name("capability") && n.attribute("type") == Some("pci"))
    else {
        return Ok(None);
    };
    let Some(name) = child_text(root, "name") else {
        return Ok(None);
    };
    let Some(address) = address_of(cap, |n, c| child_text(n, c).map(str::to_owned)) else {
        return Ok(None);
    };
    let id = |tag: &str| {
        child(cap, tag)
            .and_then(|n| n.attribute("id"))
            .and_then(num)
            .and_then(|v| u16::try_from(v).ok())
    };
    let text = |tag: &str| {
        child_text(cap, tag)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    Ok(Some(PciDevice {
        name: name.trim().to_owned(),
        address,
        vendor_id: id("vendor"),
        product_id: id("product"),
        vendor_name: text("vendor"),
        product_name: text("product"),
        class_code: child_text(cap, "class")
            .and_then(num)
            .and_then(|v| u32::try_from(v).ok()),
        iommu_group: child(cap, "iommuGroup")
            .and_then(|n| n.attribute("number"))
            .and_then(num)
            .and_then(|v| u32::try_from(v).ok()),
        driver: child(root, "driver")
            .and_then(|d| child_text(d, "name"))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        assigned_to: None,
    }))
}

/// The PCI addresses of a domain's `<hostdev type='pci'>` devices.
pub(crate) fn domain_pci_hostdevs(xml: &str) -> Result<Vec<PciAddress>, HypervisorError> {
    let doc = parse(xml, "domain")?;
    let Some(devices) = child(doc.root_element(), "devices") else {
        return Ok(Vec::new());
    };
    Ok(devices
        .children()
        .filter(|n| {
            n.has_tag_name("hostdev")
                && n.attribute("mode") == Some("subsystem")
                && n.attribute("type") == Some("pci")
        })
        .filter_map(|h| child(h, "source").and_then(|s| child(s, "address")))
        .filter_map(|a| address_of(a, |n, k| n.attribute(k).map(str::to_owned)))
        .collect())
}

/// `<hostdev mode='subsystem' type='pci' managed=...>` for `dev`.
pub(crate) fn hostdev_xml(dev: &PciHostdev) -> Result<String, HypervisorError> {
    let a = dev.address;
    let (domain, bus, slot, function) = (
        format!("0x{:04x}", a.domain),
        format!("0x{:02x}", a.bus),
        format!("0x{:02x}", a.slot),
        format!("0x{:x}", a.function),
    );
    let mut w = XmlWriter::new();
    w.start(
        "hostdev",
        &[
            ("mode", "subsystem"),
            ("type", "pci"),
            ("managed", if dev.managed { "yes" } else { "no" }),
        ],
    )?;
    w.start("source", &[])?;
    w.empty(
        "address",
        &[
            ("domain", &domain),
            ("bus", &bus),
            ("slot", &slot),
            ("function", &function),
        ],
    )?;
    w.end("source")?;
    if let Some(rom) = &dev.rom_file {
        w.empty("rom", &[("file", rom)])?;
    }
    w.end("hostdev")?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE: &str = "<device><name>pci_0000_00_02_0</name><driver><name>virtio-pci</name></driver>\
        <capability type='pci'><class>0x020000</class><domain>0</domain><bus>0</bus><slot>2</slot>\
        <function>0</function><product id='0x1041'>Virtio network device</product>\
        <vendor id='0x1af4'>Red Hat, Inc.</vendor><iommuGroup number='7'><address/></iommuGroup></capability></device>";

    #[test]
    fn reads_a_pci_node_device() {
        let d = parse_pci_device(NODE).unwrap().unwrap();
        assert_eq!(d.name, "pci_0000_00_02_0");
        assert_eq!(d.address.to_string(), "0000:00:02.0");
        assert_eq!((d.vendor_id, d.product_id), (Some(0x1af4), Some(0x1041)));
        assert_eq!(d.vendor_name.as_deref(), Some("Red Hat, Inc."));
        assert_eq!(d.class_code, Some(0x020000));
        assert_eq!(d.iommu_group, Some(7));
        assert_eq!(d.driver.as_deref(), Some("virtio-pci"));
        let usb = "<device><name>usb_1</name><capability type='usb_device'/></device>";
        assert_eq!(parse_pci_device(usb).unwrap(), None);
    }

    #[test]
    fn hostdev_round_trip() {
        let dev = PciHostdev {
            address: PciAddress {
                domain: 0,
                bus: 1,
                slot: 0x1f,
                function: 2,
            },
            managed: true,
            rom_file: Some("/x/a'b.rom".into()),
        };
        let xml = hostdev_xml(&dev).unwrap();
        assert!(xml.contains("managed=\"yes\""));
        let dom = format!("<domain><devices>{xml}</devices></domain>");
        assert_eq!(domain_pci_hostdevs(&dom).unwrap(), vec![dev.address]);
    }
}
