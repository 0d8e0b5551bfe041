//! ward's responses to AWS findings: the decision tables — GuardDuty's per-type
//! table, Inspector's CVE → covering rules, the Config rule kinds — as a pure function of the
//! event, the facts the inventory holds about its subject, and the settings; the engine that
//! gathers those facts and carries decisions out through the ledger, exactly once; and the WAF
//! sweep ([`sweep`]), which judges every WebACL by the IPS rules behind it ([`waf`]).
//!
//! This crate is pure: it never depends on tokio, reqwest, sqlx or aws-* (checked by the tidy
//! test in `xtask`). The engine reaches the manager, the store, notifiers and time through the
//! ports of `ward-core`.

pub mod action;
pub mod config_rules;
pub mod decide;
pub mod decision;
pub mod engine;
pub mod index;
pub mod settings;
pub mod sweep;
pub mod waf;

pub use action::{Action, RuleTarget};
pub use decide::{decide, guardduty_defaults, periodic_evaluations};
pub use decision::{Decision, Facts, Verdict};
pub use engine::{ActionOutcome, Engine, EngineError, Handled, Outcome, OutcomeStatus, Ports};
pub use index::InventoryIndex;
pub use settings::{AssignTo, Playbook, ScanWait, Settings, Step, TypePattern};

#[cfg(test)]
mod tests;
