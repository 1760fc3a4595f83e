//! Consoles: where a running domain's graphics and serial consoles can be reached.
//!
//! Read from the live definition (`virDomainGetXMLDesc` with flags 0 while
//! the domain runs), which carries the port autoport chose and the
//! pseudo-terminal QEMU opened. Costs three calls: the lookup, the state
//! and the XML.

use vapor_hypervisor::{ConsoleBackend, ConsoleEndpoint, HypervisorError};

use crate::{domain_by_uuid, xml, LibvirtHypervisor};

impl ConsoleBackend for LibvirtHypervisor {
    fn consoles(&self, uuid: &str) -> Result<Vec<ConsoleEndpoint>, HypervisorError> {
        self.conn.call(|c| {
            let dom = domain_by_uuid(c, uuid)?;
            if !dom.state()?.is_active() {
                return Err(HypervisorError::operation_invalid(format!(
                    "domain '{uuid}' is not running"
                ))
                .into());
            }
            Ok(xml::console::parse_consoles(&dom.xml_desc(0)?)?)
        })
    }
}
