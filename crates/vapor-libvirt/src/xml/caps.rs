//! Reading the host capabilities XML (`virConnectGetCapabilities`).

use vapor_hypervisor::HypervisorError;

use super::{child, child_text, parse};

/// What the capabilities say about running guests on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostCaps {
    /// The host's native architecture (`/capabilities/host/cpu/arch`).
    pub arch: String,
    /// Domain types offered for full-virtualization (`hvm`) guests of the
    /// native architecture: `kvm` first, then `qemu`, then the rest in
    /// document order.
    pub domain_types: Vec<String>,
}

/// Parses a capabilities document.
pub(crate) fn parse_caps(xml: &str) -> Result<HostCaps, HypervisorError> {
    let doc = parse(xml, "capabilities")?;
    let root = doc.root_element();
    let arch = child(root, "host")
        .and_then(|host| child(host, "cpu"))
        .and_then(|cpu| child_text(cpu, "arch"))
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| HypervisorError::failed("capabilities name no host architecture"))?
        .to_string();

    let mut types: Vec<String> = Vec::new();
    for guest in root.children().filter(|n| n.has_tag_name("guest")) {
        if child_text(guest, "os_type").map(str::trim) != Some("hvm") {
            continue;
        }
        for arch_node in guest.children().filter(|n| n.has_tag_name("arch")) {
            if arch_node.attribute("name") != Some(arch.as_str()) {
                continue;
            }
            for domain in arch_node.children().filter(|n| n.has_tag_name("domain")) {
                if let Some(t) = domain.attribute("type") {
                    if !types.iter().any(|known| known == t) {
                        types.push(t.to_string());
                    }
                }
            }
        }
    }
    // Stable sort: kvm, qemu, then the others as the document lists them.
    types.sort_by_key(|t| match t.as_str() {
        "kvm" => 0,
        "qemu" => 1,
        _ => 2,
    });
    Ok(HostCaps {
        arch,
        domain_types: types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QEMU_CAPS: &str = r#"<capabilities>
  <host>
    <uuid>00000000-0000-0000-0000-000000000000</uuid>
    <cpu><arch>x86_64</arch><model>Skylake</model></cpu>
  </host>
  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <machine>pc</machine>
      <domain type='qemu'/>
      <domain type='kvm'/>
    </arch>
  </guest>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
      <domain type='qemu'/>
      <domain type='kvm'/>
    </arch>
  </guest>
  <guest>
    <os_type>xen</os_type>
    <arch name='x86_64'><domain type='xen'/></arch>
  </guest>
</capabilities>"#;

    #[test]
    fn qemu_host_prefers_kvm() {
        let caps = parse_caps(QEMU_CAPS).unwrap();
        assert_eq!(caps.arch, "x86_64");
        assert_eq!(caps.domain_types, vec!["kvm", "qemu"]);
    }

    #[test]
    fn test_driver_host() {
        let xml = r#"<capabilities><host><cpu><arch>i686</arch></cpu></host>
          <guest><os_type>hvm</os_type><arch name='i686'><domain type='test'/></arch></guest>
          <guest><os_type>xen</os_type><arch name='i686'><domain type='test'/></arch></guest>
        </capabilities>"#;
        let caps = parse_caps(xml).unwrap();
        assert_eq!(caps.arch, "i686");
        assert_eq!(caps.domain_types, vec!["test"]);
    }

    #[test]
    fn other_types_keep_document_order_after_kvm_and_qemu() {
        let xml = r#"<capabilities><host><cpu><arch>aarch64</arch></cpu></host>
          <guest><os_type>hvm</os_type><arch name='aarch64'>
            <domain type='hvf'/><domain type='qemu'/><domain type='tcg'/><domain type='kvm'/>
          </arch></guest>
        </capabilities>"#;
        assert_eq!(
            parse_caps(xml).unwrap().domain_types,
            vec!["kvm", "qemu", "hvf", "tcg"]
        );
    }

    #[test]
    fn host_without_guests_has_no_domain_types() {
        let xml = "<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>";
        assert!(parse_caps(xml).unwrap().domain_types.is_empty());
    }

    #[test]
    fn missing_arch_is_an_error() {
        assert!(parse_caps("<capabilities><host/></capabilities>").is_err());
        assert!(parse_caps("not xml").is_err());
    }
}
