//! The `ward` application: command line, configuration, the sync pipeline, output formats and the
//! demo. `main.rs` is only the entry point; this library exists so tests and fuzz targets can reach
//! the parsers (`config`) directly.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod config;
pub mod intake;
pub mod output;
pub mod respond;
pub mod sync;
pub mod wire;
