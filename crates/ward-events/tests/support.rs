//! Helpers shared by the tests.

use ward_events::{Event, Parsed, Quarantined, parse};

/// A fixture's bytes, compiled in (the tests read no files but the optional shared samples).
macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/", $name)).as_slice()
    };
}
pub(crate) use fixture;

/// The events of an input that must hold nothing else.
pub(crate) fn events(input: &[u8]) -> Vec<Event> {
    parse(input)
        .into_iter()
        .map(|parsed| match parsed {
            Parsed::Event { event, .. } => *event,
            Parsed::Quarantined(quarantined) => panic!(
                "unexpected quarantine at {}: {}",
                quarantined.position, quarantined.reason
            ),
        })
        .collect()
}

/// The single event of an input.
pub(crate) fn event(input: &[u8]) -> Event {
    let mut events = events(input);
    assert_eq!(events.len(), 1, "expected one event, got {events:#?}");
    events.remove(0)
}

/// The single item of an input, which must be quarantined.
pub(crate) fn quarantined(input: &[u8]) -> Quarantined {
    let mut parsed = parse(input);
    assert_eq!(parsed.len(), 1, "expected one item, got {parsed:#?}");
    match parsed.remove(0) {
        Parsed::Quarantined(quarantined) => quarantined,
        Parsed::Event { event, .. } => panic!("expected a quarantine, got {event:#?}"),
    }
}

/// Whether `needle` occurs in `haystack`.
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}
