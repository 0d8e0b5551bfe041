//! End-to-end tests of the `ward` binary, run as a user runs it: real processes, a real simulator on
//! a loopback port, real SQLite files.

mod support;

mod api;
mod config_errors;
mod crash;
mod dashboard;
mod demo;
mod denied;
mod flows;
mod handle;
mod lambda;
mod macie;
mod reliability;
mod secrets;
mod sqs;
mod sync_inventory;
mod takeover;
mod waf;
