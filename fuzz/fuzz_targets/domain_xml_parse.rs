//! Domain XML as libvirt (or anyone who can define a domain on the host)
//! hands it to Vapor: `parse_domain` must answer `Ok` or `Err` for any
//! text, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vapor_libvirt::xml::parse_domain(text);
    }
});
