//! Safe wrappers for the backup and checkpoint calls, which the `virt` 0.5
//! crate does not wrap: `virDomainBackupBegin`, `virDomainListAllCheckpoints`,
//! `virDomainCheckpointLookupByName`, `virDomainCheckpointDelete`.
//!
//! Called only from `counted.rs`, which counts each call. Releasing what
//! libvirt returns (`virDomainCheckpointFree`, `free`) is not counted.

use std::ffi::{c_void, CStr, CString};
use std::ptr;

use virt::domain::Domain;
use virt::error::Error as VirtError;
use virt::sys;

extern "C" {
    /// The C library's `free`, which releases the array libvirt allocates.
    fn free(ptr: *mut c_void);
}

/// `virDomainBackupBegin`: starts a backup job described by `backup_xml`,
/// creating the checkpoint `checkpoint_xml` describes, if any.
pub(crate) fn backup_begin(
    dom: &Domain,
    backup_xml: &str,
    checkpoint_xml: Option<&str>,
    flags: u32,
) -> Result<(), VirtError> {
    let backup = CString::new(backup_xml)?;
    let checkpoint = checkpoint_xml.map(CString::new).transpose()?;
    let checkpoint_ptr = checkpoint.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    // SAFETY: `dom` owns a reference to a valid virDomainPtr for the whole
    // call; both strings are NUL-terminated and outlive the call (the
    // checkpoint document may be null, which libvirt accepts as "none").
    let rc =
        unsafe { sys::virDomainBackupBegin(dom.as_ptr(), backup.as_ptr(), checkpoint_ptr, flags) };
    if rc < 0 {
        return Err(VirtError::last_error());
    }
    Ok(())
}

/// `virDomainListAllCheckpoints`: the names of the domain's checkpoints, in
/// the order libvirt gives them (with `VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL`,
/// parents before children).
pub(crate) fn checkpoint_names(dom: &Domain, flags: u32) -> Result<Vec<String>, VirtError> {
    let mut list: *mut sys::virDomainCheckpointPtr = ptr::null_mut();
    // SAFETY: `dom` owns a reference to a valid virDomainPtr for the whole
    // call; `list` is a live out-pointer that libvirt sets to an array it
    // allocates (released below).
    let n = unsafe { sys::virDomainListAllCheckpoints(dom.as_ptr(), &mut list, flags) };
    if n < 0 {
        return Err(VirtError::last_error());
    }
    let mut names = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        // SAFETY: libvirt returned `n` valid checkpoint references in `list`;
        // each is read once here, its name copied before the reference is
        // released with virDomainCheckpointFree, and never used again.
        unsafe {
            let checkpoint = *list.add(i);
            if checkpoint.is_null() {
                continue;
            }
            let name = sys::virDomainCheckpointGetName(checkpoint);
            if !name.is_null() {
                names.push(CStr::from_ptr(name).to_string_lossy().into_owned());
            }
            sys::virDomainCheckpointFree(checkpoint);
        }
    }
    if !list.is_null() {
        // SAFETY: the array was allocated by libvirt for the caller to release
        // with free(); its elements were released above and it is not used again.
        unsafe { free(list.cast::<c_void>()) };
    }
    Ok(names)
}

/// A checkpoint reference, released with `virDomainCheckpointFree` when dropped.
pub(crate) struct Checkpoint(sys::virDomainCheckpointPtr);

impl Drop for Checkpoint {
    fn drop(&mut self) {
        // SAFETY: the reference is ours (returned by a lookup), released once
        // here and never used again.
        unsafe { sys::virDomainCheckpointFree(self.0) };
    }
}

/// `virDomainCheckpointLookupByName`.
pub(crate) fn checkpoint_lookup(dom: &Domain, name: &str) -> Result<Checkpoint, VirtError> {
    let name = CString::new(name)?;
    // SAFETY: `dom` owns a reference to a valid virDomainPtr for the whole
    // call and `name` is a NUL-terminated string that outlives it.
    let checkpoint =
        unsafe { sys::virDomainCheckpointLookupByName(dom.as_ptr(), name.as_ptr(), 0) };
    if checkpoint.is_null() {
        return Err(VirtError::last_error());
    }
    Ok(Checkpoint(checkpoint))
}

/// `virDomainCheckpointDelete`.
pub(crate) fn checkpoint_delete(checkpoint: &Checkpoint, flags: u32) -> Result<(), VirtError> {
    // SAFETY: `checkpoint` holds a valid reference for the whole call.
    let rc = unsafe { sys::virDomainCheckpointDelete(checkpoint.0, flags) };
    if rc < 0 {
        return Err(VirtError::last_error());
    }
    Ok(())
}
