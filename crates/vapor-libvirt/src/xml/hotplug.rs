//! Device XML for hotplug: the `<disk>`, `<interface>` and USB `<hostdev>`
//! fragments given to `virDomainAttachDeviceFlags`, finding a device in a
//! domain's XML (to detach it as libvirt described it), and USB node devices.

use roxmltree::Node;
use vapor_hypervisor::{DiskSpec, HypervisorError, InterfaceSpec, UsbDevice, UsbHostdev};

use super::domain_writer::{write_disk, write_interface};
use super::{child, child_text, parse, XmlWriter};

/// The `<disk>` element for `disk`, as the domain definition has it.
pub(crate) fn disk_xml(disk: &DiskSpec) -> Result<String, HypervisorError> {
    let mut w = XmlWriter::new();
    write_disk(&mut w, disk)?;
    w.finish()
}

/// The `<interface>` element for `iface`, as the domain definition has it.
pub(crate) fn interface_xml(iface: &InterfaceSpec) -> Result<String, HypervisorError> {
    let mut w = XmlWriter::new();
    write_interface(&mut w, iface)?;
    w.finish()
}

/// `<hostdev mode='subsystem' type='usb' managed='yes'>` with the device's
/// vendor and product id.
pub(crate) fn usb_hostdev_xml(dev: &UsbHostdev) -> Result<String, HypervisorError> {
    let (vendor, product) = (hex4(dev.vendor_id), hex4(dev.product_id));
    let mut w = XmlWriter::new();
    w.start(
        "hostdev",
        &[("mode", "subsystem"), ("type", "usb"), ("managed", "yes")],
    )?;
    w.start("source", &[])?;
    w.empty("vendor", &[("id", &vendor)])?;
    w.empty("product", &[("id", &product)])?;
    w.end("source")?;
    w.end("hostdev")?;
    w.finish()
}

fn hex4(id: u16) -> String {
    format!("0x{id:04x}")
}

/// A hexadecimal (`0x...`) or decimal number.
fn num(text: &str) -> Option<u64> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

/// A device of the domain, as found in its XML.
pub(crate) enum DeviceMatch<'a> {
    /// The `<disk>` with this guest device name.
    Disk(&'a str),
    /// The `<interface>` with this MAC address (any case).
    Interface(&'a str),
    /// The USB `<hostdev>` with this vendor and product id.
    Usb(UsbHostdev),
}

impl DeviceMatch<'_> {
    fn matches(&self, node: Node<'_, '_>) -> bool {
        match self {
            DeviceMatch::Disk(target) => {
                node.has_tag_name("disk")
                    && child(node, "target").and_then(|t| t.attribute("dev")) == Some(target)
            }
            DeviceMatch::Interface(mac) => {
                node.has_tag_name("interface")
                    && child(node, "mac")
                        .and_then(|m| m.attribute("address"))
                        .is_some_and(|a| a.eq_ignore_ascii_case(mac))
            }
            DeviceMatch::Usb(dev) => {
                let id = |s: Node<'_, '_>, tag: &str| {
                    child(s, tag).and_then(|n| n.attribute("id")).and_then(num)
                };
                node.has_tag_name("hostdev")
                    && node.attribute("mode") == Some("subsystem")
                    && node.attribute("type") == Some("usb")
                    && child(node, "source").is_some_and(|s| {
                        id(s, "vendor") == Some(u64::from(dev.vendor_id))
                            && id(s, "product") == Some(u64::from(dev.product_id))
                    })
            }
        }
    }
}

/// The XML of the device of a domain's definition that `what` names, as
/// libvirt wrote it (libvirt detaches a device best from its own
/// description); `None` when the domain has no such device.
pub(crate) fn find_device(
    domain_xml: &str,
    what: &DeviceMatch<'_>,
) -> Result<Option<String>, HypervisorError> {
    let doc = parse(domain_xml, "domain")?;
    let Some(devices) = child(doc.root_element(), "devices") else {
        return Ok(None);
    };
    Ok(devices
        .children()
        .filter(|n| n.is_element())
        .find(|n| what.matches(*n))
        .map(|n| domain_xml[n.range()].to_owned()))
}

/// A node device's XML, when it is a USB device other than a hub of the
/// Linux host controllers (vendor `0x1d6b`).
pub(crate) fn parse_usb_device(xml: &str) -> Result<Option<UsbDevice>, HypervisorError> {
    let doc = parse(xml, "device")?;
    let root = doc.root_element();
    let Some(cap) = root
        .children()
        .find(|n| n.has_tag_name("capability") && n.attribute("type") == Some("usb_device"))
    else {
        return Ok(None);
    };
    let id = |tag: &str| {
        child(cap, tag)
            .and_then(|n| n.attribute("id"))
            .and_then(num)
            .and_then(|v| u16::try_from(v).ok())
    };
    let (Some(name), Some(vendor_id), Some(product_id)) =
        (child_text(root, "name"), id("vendor"), id("product"))
    else {
        return Ok(None);
    };
    if vendor_id == 0x1d6b {
        return Ok(None);
    }
    let text = |tag: &str| {
        child_text(cap, tag)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    Ok(Some(UsbDevice {
        name: name.trim().to_owned(),
        vendor_id,
        product_id,
        vendor_name: text("vendor"),
        product_name: text("product"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vapor_hypervisor::{DiskBus, DiskDevice, DiskFormat, InterfaceKind};

    fn disk() -> DiskSpec {
        DiskSpec {
            device: DiskDevice::Disk,
            path: "/var/lib/libvirt/images/web-data.qcow2".into(),
            format: DiskFormat::Qcow2,
            bus: DiskBus::Virtio,
            target: "vdb".into(),
            readonly: false,
            cache: None,
        }
    }

    #[test]
    fn disk_fragment() {
        insta::assert_snapshot!(disk_xml(&disk()).unwrap());
        let mut ro = disk();
        ro.path = "/srv/images/a'b<c>.img".into();
        ro.format = DiskFormat::Raw;
        ro.bus = DiskBus::Scsi;
        ro.target = "sdb".into();
        ro.readonly = true;
        insta::assert_snapshot!("readonly_scsi_disk_fragment", disk_xml(&ro).unwrap());
    }

    #[test]
    fn interface_fragment() {
        let nic = InterfaceSpec {
            kind: InterfaceKind::Network,
            source: Some("default".into()),
            model: "virtio".into(),
            mac: "52:54:00:0a:0b:0c".into(),
        };
        insta::assert_snapshot!(interface_xml(&nic).unwrap());
        let user = InterfaceSpec {
            kind: InterfaceKind::User,
            source: None,
            model: "e1000".into(),
            mac: "52:54:00:0a:0b:0d".into(),
        };
        insta::assert_snapshot!("user_interface_fragment", interface_xml(&user).unwrap());
    }

    #[test]
    fn usb_fragment() {
        let dev = UsbHostdev {
            vendor_id: 0x046d,
            product_id: 0xc52b,
        };
        let xml = usb_hostdev_xml(&dev).unwrap();
        insta::assert_snapshot!(xml);
        let domain = format!("<domain><devices>{xml}</devices></domain>");
        assert!(find_device(&domain, &DeviceMatch::Usb(dev))
            .unwrap()
            .is_some());
        let other = UsbHostdev {
            vendor_id: 0x046d,
            product_id: 0xc52c,
        };
        assert!(find_device(&domain, &DeviceMatch::Usb(other))
            .unwrap()
            .is_none());
    }

    const LIVE: &str = "<domain type='kvm'><name>x</name><devices>\
        <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
        <source file='/a.qcow2' index='2'/><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/></disk>\
        <disk type='file' device='disk'><source file='/b.img'/><target dev='vdb' bus='virtio'/></disk>\
        <interface type='user'><mac address='52:54:00:AA:bb:01'/><model type='virtio'/></interface>\
        <hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x1234'/><product id='0x00ff'/></source></hostdev>\
        </devices></domain>";

    #[test]
    fn devices_are_found_as_libvirt_wrote_them() {
        let vdb = find_device(LIVE, &DeviceMatch::Disk("vdb"))
            .unwrap()
            .unwrap();
        assert_eq!(
            vdb,
            "<disk type='file' device='disk'><source file='/b.img'/><target dev='vdb' bus='virtio'/></disk>"
        );
        let vda = find_device(LIVE, &DeviceMatch::Disk("vda"))
            .unwrap()
            .unwrap();
        assert!(vda.contains("virtio-disk0"));
        assert!(find_device(LIVE, &DeviceMatch::Disk("vdc"))
            .unwrap()
            .is_none());
        let nic = find_device(LIVE, &DeviceMatch::Interface("52:54:00:aa:BB:01"))
            .unwrap()
            .unwrap();
        assert!(nic.starts_with("<interface type='user'>"));
        let usb = UsbHostdev {
            vendor_id: 0x1234,
            product_id: 0xff,
        };
        assert!(find_device(LIVE, &DeviceMatch::Usb(usb)).unwrap().is_some());
    }

    #[test]
    fn usb_node_devices() {
        let dev = "<device><name>usb_1_2</name><parent>usb_usb1</parent>\
            <capability type='usb_device'><bus>1</bus><device>2</device>\
            <product id='0xc52b'>Unifying Receiver</product><vendor id='0x046d'>Logitech, Inc.</vendor>\
            </capability></device>";
        let d = parse_usb_device(dev).unwrap().unwrap();
        assert_eq!(d.name, "usb_1_2");
        assert_eq!((d.vendor_id, d.product_id), (0x046d, 0xc52b));
        assert_eq!(d.vendor_name.as_deref(), Some("Logitech, Inc."));
        assert_eq!(d.product_name.as_deref(), Some("Unifying Receiver"));
        let hub = "<device><name>usb_usb1</name><capability type='usb_device'><bus>1</bus>\
            <device>1</device><product id='0x0002'>2.0 root hub</product>\
            <vendor id='0x1d6b'>Linux Foundation</vendor></capability></device>";
        assert_eq!(parse_usb_device(hub).unwrap(), None);
        let pci = "<device><name>pci_0000_00_02_0</name><capability type='pci'/></device>";
        assert_eq!(parse_usb_device(pci).unwrap(), None);
    }
}
