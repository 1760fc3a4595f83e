//! Safe wrappers for the libvirt calls whose `virt` 0.5 bindings are
//! unsound: `Domain::state` ignores a failed `virDomainGetState` (and reports
//! an unknown state), `Domain::block_info` ignores a failed
//! `virDomainGetBlockInfo` and then reads uninitialised memory, and
//! `Domain::interface_addresses` reads a NULL interface name as a string
//! (a crash) and leaks every interface. The calls the
//! `virt` crate does not wrap at all (DHCP leases, domain stats) are wrapped
//! next to their use, in `network.rs` and `metrics.rs`; everything else goes
//! through the `virt` crate.
//!
//! Called only from `counted.rs`, which counts each call.

use std::ffi::CString;
use std::os::raw::c_int;

use vapor_hypervisor::{DomainState, GuestInterface, GuestIpAddress};
use virt::domain::Domain;
use virt::error::Error as VirtError;
use virt::sys;

/// The domain's run state (`virDomainGetState`).
pub(crate) fn domain_state(dom: &Domain) -> Result<DomainState, VirtError> {
    let mut state: c_int = -1;
    let mut reason: c_int = -1;
    // SAFETY: `dom` owns a reference to a valid virDomainPtr for the whole
    // call, and both out-pointers point at live locals.
    let rc = unsafe { sys::virDomainGetState(dom.as_ptr(), &mut state, &mut reason, 0) };
    if rc < 0 {
        return Err(VirtError::last_error());
    }
    Ok(match state as sys::virDomainState {
        sys::VIR_DOMAIN_RUNNING => DomainState::Running,
        sys::VIR_DOMAIN_BLOCKED => DomainState::Blocked,
        sys::VIR_DOMAIN_PAUSED => DomainState::Paused,
        sys::VIR_DOMAIN_SHUTDOWN => DomainState::Shutdown,
        sys::VIR_DOMAIN_SHUTOFF => DomainState::Shutoff,
        sys::VIR_DOMAIN_CRASHED => DomainState::Crashed,
        sys::VIR_DOMAIN_PMSUSPENDED => DomainState::PmSuspended,
        _ => DomainState::NoState,
    })
}

/// The guest-visible size in bytes of one of an active domain's disks,
/// named by its target (`virDomainGetBlockInfo`).
pub(crate) fn block_capacity(dom: &Domain, target: &str) -> Result<u64, VirtError> {
    let target = CString::new(target)?;
    let mut info = sys::virDomainBlockInfo {
        capacity: 0,
        allocation: 0,
        physical: 0,
    };
    // SAFETY: `dom` owns a reference to a valid virDomainPtr, `target` is a
    // NUL-terminated string that outlives the call, and `info` is a live,
    // initialised struct of the type libvirt fills in.
    let rc = unsafe { sys::virDomainGetBlockInfo(dom.as_ptr(), target.as_ptr(), &mut info, 0) };
    if rc < 0 {
        return Err(VirtError::last_error());
    }
    Ok(info.capacity)
}

/// A C string libvirt owns, copied; `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or points at a NUL-terminated string that lives for the call.
unsafe fn owned_string(ptr: *const std::os::raw::c_char) -> Option<String> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: not NULL, and NUL-terminated by the caller's contract.
        Some(
            unsafe { std::ffi::CStr::from_ptr(ptr) }
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// The domain's interfaces and addresses as `source` reports them
/// (`virDomainInterfaceAddresses`). An interface without a name gets an
/// empty one.
pub(crate) fn interface_addresses(
    dom: &Domain,
    source: u32,
) -> Result<Vec<GuestInterface>, VirtError> {
    let mut ifaces: *mut sys::virDomainInterfacePtr = std::ptr::null_mut();
    // SAFETY: `dom` owns a reference to a valid virDomainPtr for the whole
    // call, and `ifaces` is a live out-pointer libvirt fills with an array
    // it allocates.
    let count = unsafe { sys::virDomainInterfaceAddresses(dom.as_ptr(), &mut ifaces, source, 0) };
    if count < 0 {
        return Err(VirtError::last_error());
    }
    let mut found = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        // SAFETY: libvirt returned `count` interface pointers in `ifaces`;
        // each is valid until freed with virDomainInterfaceFree below, and
        // its strings and `naddrs` addresses live as long as it does.
        unsafe {
            let iface = *ifaces.add(i);
            if iface.is_null() {
                continue;
            }
            let mut addresses = Vec::new();
            for j in 0..(*iface).naddrs as usize {
                let a = (*iface).addrs.add(j);
                if let Some(address) = owned_string((*a).addr) {
                    addresses.push(GuestIpAddress {
                        family: if (*a).type_ == sys::VIR_IP_ADDR_TYPE_IPV6 as c_int {
                            "ipv6".to_owned()
                        } else {
                            "ipv4".to_owned()
                        },
                        address,
                        prefix: (*a).prefix,
                    });
                }
            }
            found.push(GuestInterface {
                name: owned_string((*iface).name).unwrap_or_default(),
                mac: owned_string((*iface).hwaddr).map(|m| m.to_ascii_lowercase()),
                addresses,
            });
            sys::virDomainInterfaceFree(iface);
        }
    }
    if !ifaces.is_null() {
        // SAFETY: the array itself was allocated by libvirt with malloc and
        // its elements are freed above.
        unsafe { libc_free(ifaces.cast()) };
    }
    Ok(found)
}

extern "C" {
    #[link_name = "free"]
    fn libc_free(ptr: *mut std::os::raw::c_void);
}
