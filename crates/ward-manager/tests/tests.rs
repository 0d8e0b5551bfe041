//! Integration tests (one binary, ripgrep-style): the real client over HTTP, against small axum
//! servers that check the wire format (`wire`) and against the simulator (`sim`), and decoding of
//! whatever a manager answers (`decode`).

mod decode;
mod sim;
mod wire;
