//! Safe wrappers for the two libvirt calls whose `virt` 0.5 bindings drop
//! errors: `Domain::state` ignores a failed `virDomainGetState` (and reports
//! an unknown state), and `Domain::block_info` ignores a failed
//! `virDomainGetBlockInfo` and then reads uninitialised memory. The calls the
//! `virt` crate does not wrap at all (DHCP leases, domain stats) are wrapped
//! next to their use, in `network.rs` and `metrics.rs`; everything else goes
//! through the `virt` crate.
//!
//! Called only from `counted.rs`, which counts each call.

use std::ffi::CString;
use std::os::raw::c_int;

use vapor_hypervisor::DomainState;
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
