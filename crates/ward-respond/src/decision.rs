//! A decision: what ward concluded about one event, why, and what it will do.

use crate::action::Action;
use std::collections::BTreeMap;
pub use ward_core::Verdict;
use ward_core::{BucketExposure, Computer, ComputerId, Policy, RuleId};

/// What ward knows about an event's subject when it decides: the computer for the event's
/// instance (from the inventory, or found by one targeted search), its policy, and the IPS rules
/// covering each CVE the event names.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    pub computer: Option<&'a Computer>,
    pub policy: Option<&'a Policy>,
    /// Upper-case CVE → the rules listing it (empty: no rule covers it).
    pub covering: BTreeMap<String, Vec<RuleId>>,
    /// For a Macie finding: the instances behind the bucket (or why AWS could not say), and the
    /// computer for each, when the manager has one. `None` when no AWS access is configured.
    pub exposure: Option<Result<BucketExposure, String>>,
    pub bucket_computers: Vec<(String, Option<Computer>)>,
}

/// What ward decided about one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub event_id: String,
    pub source: &'static str,
    pub finding_type: String,
    pub instance_id: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub computer_id: Option<ComputerId>,
    /// Whether the instance has an active agent; `None` when the event is not about one.
    pub protected: Option<bool>,
    pub verdict: Verdict,
    /// Why, in words.
    pub reason: String,
    pub actions: Vec<Action>,
    /// CVEs no IPS rule covers.
    pub uncovered_cves: Vec<String>,
}
