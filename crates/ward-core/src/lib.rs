//! ward's domain: the types every other crate speaks (computers, policies, IPS rules), id newtypes,
//! the redacting secret type, and the port traits that adapters implement.
//!
//! This crate is pure: it never depends on tokio, reqwest, sqlx or aws-* (checked by the tidy test in
//! `xtask`). Adapters live in their own crates.

pub mod bucket_policy;
pub mod clock;
pub mod ids;
pub mod inventory;
pub mod ledger;
pub mod notice;
pub mod ports;
pub mod records;
pub mod region;
pub mod secret;
pub mod summary;
pub mod waf;

pub use clock::ManualClock;
pub use ids::{ComputerId, PolicyId, RuleId};
pub use inventory::{
    AgentStatus, Computer, InventoryFilter, IpsRule, Module, ModuleState, Policy, ScanKind,
};
pub use ledger::{
    ActionKey, ActionRecord, ActionStatus, Claim, ClaimRequest, DecisionRecord, QuarantineRecord,
    Verdict,
};
pub use notice::{Compliance, Evaluation, Notice, NoticeKind};
pub use ports::{
    BucketExposure, Clock, CloudInventory, Evaluations, Ledger, ManagerApi, ManagerError, Notifier,
    OutboundError, Page, RuleAssignments, Store, StoreError, SyncStats,
};
pub use secret::Secret;
pub use summary::FleetSummary;
