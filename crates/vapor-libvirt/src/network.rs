//! Virtual networks.
//!
//! Start, stop and undefine are checked against the network's state first,
//! because drivers differ where Vapor wants one answer: the test driver
//! "stops" an inactive network without complaint, and QEMU's undefines an
//! active one by making it transient. A clash with a subnet or bridge in use
//! on the host, which QEMU's driver reports as an internal error when the
//! network starts (or, for a bridge name, when it is defined), is
//! `OperationInvalid`.

use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::ptr;

use tracing::debug;
use vapor_hypervisor::{
    DhcpLease, HypervisorError, HypervisorErrorKind, Network, NetworkBackend, NetworkSpec,
};
use virt::error::{Error as VirtError, ErrorNumber};
use virt::sys;

use crate::counted::Net;
use crate::error::{Error, Result};
use crate::{xml, LibvirtHypervisor};

impl NetworkBackend for LibvirtHypervisor {
    /// One `virConnectListAllNetworks`, then four calls per network (see
    /// [`read_network`]).
    fn list_networks(&self) -> Result<Vec<Network>, HypervisorError> {
        self.conn.call(|c| {
            let mut out = Vec::new();
            for net in c.list_all_networks(0)? {
                match read_network(&net) {
                    Ok(n) => out.push(n),
                    // Undefined between listing and reading.
                    Err(e) if e.kind() == HypervisorErrorKind::NotFound => {
                        debug!(error = %e.into_hypervisor(), "network vanished while listing");
                    }
                    Err(e) => return Err(e),
                }
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
    }

    fn lookup_network(&self, name: &str) -> Result<Network, HypervisorError> {
        self.conn
            .call(|c| read_network(&c.lookup_network_by_name(name)?))
    }

    fn define_network(&self, spec: &NetworkSpec) -> Result<Network, HypervisorError> {
        let definition = xml::network::network_xml(spec)?;
        self.conn.call(|c| {
            // libvirt would redefine a network with the same name and UUID;
            // Vapor wants a new network or an error.
            match c.lookup_network_by_name(&spec.name) {
                Ok(_) => {
                    return Err(HypervisorError::already_exists(format!(
                        "network '{}' already exists",
                        spec.name
                    ))
                    .into())
                }
                Err(e) if e.code().is(ErrorNumber::NoNetwork) => {}
                Err(e) => return Err(e.into()),
            }
            let net = c.define_network_xml(&definition).map_err(in_use)?;
            read_network(&net)
        })
    }

    fn start_network(&self, name: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let net = c.lookup_network_by_name(name)?;
            if net.is_active()? {
                return Err(invalid(format!("network '{name}' is already active")));
            }
            net.create().map_err(start_failed)
        })
    }

    fn stop_network(&self, name: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let net = c.lookup_network_by_name(name)?;
            if !net.is_active()? {
                return Err(invalid(format!("network '{name}' is not active")));
            }
            net.destroy()?;
            Ok(())
        })
    }

    fn undefine_network(&self, name: &str) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            let net = c.lookup_network_by_name(name)?;
            if net.is_active()? {
                return Err(invalid(format!("network '{name}' is still active")));
            }
            net.undefine()?;
            Ok(())
        })
    }

    fn set_network_autostart(&self, name: &str, autostart: bool) -> Result<(), HypervisorError> {
        self.conn.call(|c| {
            c.lookup_network_by_name(name)?.set_autostart(autostart)?;
            Ok(())
        })
    }

    fn network_dhcp_leases(&self, name: &str) -> Result<Vec<DhcpLease>, HypervisorError> {
        self.conn.call(|c| {
            let mut leases = c.lookup_network_by_name(name)?.dhcp_leases()?;
            leases.sort_by(|a, b| a.ip_address.cmp(&b.ip_address));
            Ok(leases)
        })
    }
}

/// `OperationInvalid` with libvirt's wording for such errors.
fn invalid(what: String) -> Error {
    HypervisorError::operation_invalid(format!("Requested operation is not valid: {what}")).into()
}

/// A bridge name another network has is a conflict with the host's state
/// (QEMU's driver reports "internal error: bridge name 'x' already in use.").
fn in_use(err: VirtError) -> Error {
    clash(err, &["in use"])
}

/// A subnet, bridge or device name in use elsewhere on the host makes a
/// start fail; that is a conflict with the host's state. QEMU's driver
/// reports these as internal or system errors: "Network is already in use
/// by interface virbr1", "error creating bridge interface lo: File exists".
fn start_failed(err: VirtError) -> Error {
    clash(err, &["in use", "exists"])
}

/// `OperationInvalid` when libvirt's message has one of `phrases`.
fn clash(err: VirtError, phrases: &[&str]) -> Error {
    let err = Error::from(err);
    let message = err
        .virt()
        .map(|v| v.message().to_ascii_lowercase())
        .unwrap_or_default();
    if phrases.iter().any(|p| message.contains(p)) {
        err.with_kind(HypervisorErrorKind::OperationInvalid)
    } else {
        err
    }
}

/// Everything Vapor reports about a network: `virNetworkGetXMLDesc`,
/// `virNetworkIsActive`, `virNetworkGetAutostart`, `virNetworkIsPersistent`.
fn read_network(net: &Net<'_>) -> Result<Network> {
    // Flags 0: the live definition while active (with the bridge libvirt
    // picked), the persistent one otherwise.
    let mut network = xml::network::parse_network(&net.xml_desc(0)?)?;
    network.active = net.is_active()?;
    network.autostart = net.autostart()?;
    network.persistent = net.is_persistent()?;
    Ok(network)
}

extern "C" {
    /// The C library's `free`, which releases the lease array libvirt allocates.
    fn free(ptr: *mut c_void);
}

/// The network's DHCP leases (`virNetworkGetDHCPLeases`), which the `virt`
/// crate does not wrap. Called only from `counted.rs`, which counts it.
pub(crate) fn dhcp_leases(net: &virt::network::Network) -> Result<Vec<DhcpLease>, VirtError> {
    let mut leases: *mut sys::virNetworkDHCPLeasePtr = ptr::null_mut();
    // SAFETY: `net` owns a reference to a valid virNetworkPtr for the whole
    // call; a null MAC asks for every lease; `leases` is a live out-pointer
    // that libvirt sets to an array it allocates.
    let n = unsafe { sys::virNetworkGetDHCPLeases(net.as_ptr(), ptr::null(), &mut leases, 0) };
    if n < 0 {
        return Err(VirtError::last_error());
    }
    let mut out = Vec::with_capacity(n as usize);
    if leases.is_null() {
        return Ok(out);
    }
    for i in 0..n as usize {
        // SAFETY: libvirt returned `n` lease pointers in the array; each is
        // either null or a lease we own, read once here and freed with
        // virNetworkDHCPLeaseFree (which frees its strings too) and never
        // touched again.
        unsafe {
            let lease = *leases.add(i);
            if lease.is_null() {
                continue;
            }
            let l = &*lease;
            out.push(DhcpLease {
                mac: string(l.mac).unwrap_or_default(),
                ip_address: string(l.ipaddr).unwrap_or_default(),
                prefix: l.prefix,
                hostname: string(l.hostname),
                client_id: string(l.clientid),
                expiry_unix_secs: l.expirytime,
            });
            sys::virNetworkDHCPLeaseFree(lease);
        }
    }
    // SAFETY: the array was allocated by libvirt for the caller to release
    // with free(); its elements were freed above and it is not used again.
    unsafe { free(leases.cast::<c_void>()) };
    Ok(out)
}

/// A copy of a C string libvirt owns; `None` for null or empty.
///
/// # Safety
/// `p` must be null or point at a NUL-terminated string that stays valid
/// during the call.
unsafe fn string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null, and the caller guarantees a valid C string.
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    (!s.is_empty()).then_some(s)
}
