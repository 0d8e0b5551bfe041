//! ward-events' integration tests: the typed result of every fixture, every public AWS sample the
//! project keeps in its fixtures, how inputs are split into items, and properties (the parser
//! never panics; quarantine keeps the raw text; nothing is lost).

mod fixtures;
mod framing;
mod properties;
mod samples;
mod support;
