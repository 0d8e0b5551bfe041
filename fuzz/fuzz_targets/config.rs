//! Fuzz target: `ward.toml` parsing and validation never panics, whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ward::config::Config::parse(text, "fuzz.toml");
    }
});
