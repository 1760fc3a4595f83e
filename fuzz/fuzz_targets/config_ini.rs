//! `vapor.conf`: the INI parser and the settings' checks must answer `Ok`
//! or `Err` for any text, never panic; a file that parses must parse the
//! same way again when written back in the same form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = vapor::Config::parse(text) {
        // What was accepted is accepted again (parsing has no state).
        let again = vapor::Config::parse(text).expect("the same text parses twice");
        assert_eq!(config, again);
    }
});
