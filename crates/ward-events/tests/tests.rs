//! ward-events' integration tests: the typed result of every fixture, every shared AWS sample when
//! `shared/samples/aws` is present, how inputs are split into items, and properties (the parser
//! never panics; quarantine keeps the raw text; nothing is lost).

mod fixtures;
mod framing;
mod properties;
mod samples;
mod support;
