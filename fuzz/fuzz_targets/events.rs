//! Fuzz target: AWS event parsing (`ward_events::parse`) never panics, whatever the bytes; every
//! input is reported as at least one item, and every result can be displayed and serialised.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = ward_events::parse(data);
    assert!(
        !parsed.is_empty(),
        "an input must be reported, even if only as quarantined"
    );
    for item in &parsed {
        let _ = item.position().to_string();
        match item {
            ward_events::Parsed::Event { event, .. } => {
                let _ = serde_json::to_vec(event);
            }
            ward_events::Parsed::Quarantined(quarantined) => {
                let _ = quarantined.reason.to_string();
            }
        }
    }
});
