//! Integration tests (one binary, ripgrep-style): the simulator served on a local port and spoken
//! to over HTTP with reqwest, as a client would.

mod api;
mod faults;
mod fleet;
mod scans;
mod schema;
mod search;
mod support;
