//! The action ledger: every action ward takes is claimed under an idempotency key (finding, target,
//! action) before it runs and settled after, so a repeated delivery, a retried batch or GuardDuty's
//! periodic update of one finding does it once. Actions that share a coalescing key (scans of one
//! computer) inside the cooldown window become one.
//!
//! The rules live here, as [`plan_claim`], so both stores apply the same ones; the stores only read
//! and write rows inside one transaction.

use crate::ids::ComputerId;
use serde::{Deserialize, Serialize};

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ActionStatus {
    /// Claimed; running or interrupted.
    Requested,
    /// The manager (or AWS) accepted it.
    Done,
    /// It was refused or could not be done; a later delivery tries again.
    Failed,
    /// Folded into an earlier action with the same coalescing key.
    Coalesced,
    /// Planned under `--dry-run`; nothing was done. Never stored.
    Planned,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Coalesced => "coalesced",
            Self::Planned => "planned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Requested,
            Self::Done,
            Self::Failed,
            Self::Coalesced,
            Self::Planned,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// The idempotency key of an action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActionKey {
    /// The finding (or event) that asked for it.
    pub finding: String,
    /// What it acts on: `computer:12`, `policy:3`, `config:<result token>`.
    pub target: String,
    /// What it does: `scan-recommendations-applied`, `assign-ips-rules`, …
    pub action: String,
}

impl ActionKey {
    /// The computer the action targets, when it targets one (`computer:<id>`).
    pub fn computer_id(&self) -> Option<ComputerId> {
        self.target
            .strip_prefix("computer:")
            .and_then(|id| id.parse().ok())
            .map(ComputerId)
    }
}

/// A claim on an action, made just before doing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    pub key: ActionKey,
    /// Actions with the same coalescing key inside the cooldown are done once (`None`: never
    /// coalesced).
    pub coalesce: Option<String>,
    /// Milliseconds since the epoch.
    pub now: i64,
    /// How long a done action (or the one others coalesce into) stands.
    pub cooldown_ms: i64,
    /// How long a claim in flight is trusted before another worker may take it over (a crashed
    /// worker's claim).
    pub lease_ms: i64,
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionRecord {
    pub id: i64,
    pub finding: String,
    pub target: String,
    pub action: String,
    pub coalesce: Option<String>,
    pub status: ActionStatus,
    /// How many times it was claimed to run.
    pub attempts: i64,
    pub requested_at: i64,
    pub settled_at: Option<i64>,
    /// The manager's (or AWS's) answer, or why it failed.
    pub detail: Option<String>,
    /// The action this one was folded into.
    pub coalesced_into: Option<i64>,
    /// The computer, when the target is one (for reports).
    pub computer_id: Option<ComputerId>,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Do it, then settle this record.
    Proceed(ActionRecord),
    /// Done already inside the cooldown: do not repeat.
    AlreadyDone(ActionRecord),
    /// Another worker holds a live claim on it.
    InFlight(ActionRecord),
    /// A claim whose worker stopped (its lease ran out) before settling it, now held by this
    /// worker. The action may have been done already: check (for example the computer's scan
    /// date against `claimed_at`) before doing it again, then settle this record.
    TakeOver {
        record: ActionRecord,
        /// When the stopped worker claimed it (milliseconds since the epoch).
        claimed_at: i64,
    },
    /// Folded into `into`, an action with the same coalescing key inside the cooldown.
    Coalesced {
        record: ActionRecord,
        into: ActionRecord,
    },
}

/// What a store must do to answer a claim, given the row under the key (if any) and the newest
/// live action with the same coalescing key (if any, and not the same row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimPlan {
    /// Insert a new requested row.
    Insert,
    /// Insert a new row coalesced into this one.
    InsertCoalesced { into: i64 },
    /// Mark the existing row requested again (attempt + 1).
    Retake,
    /// Retake a claim whose lease ran out while it was in flight: the action may have been done.
    TakeOver,
    /// Mark the existing row coalesced into this one.
    RecoalesceInto { into: i64 },
    /// Answer with the existing row as it is.
    Keep(KeepReason),
}

/// Why an existing row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepReason {
    Done,
    InFlight,
    Coalesced,
}

/// Whether `record` still counts at `now`: done or requested inside the cooldown.
fn live_within(record: &ActionRecord, now: i64, window_ms: i64) -> bool {
    let since = record.settled_at.unwrap_or(record.requested_at);
    now.saturating_sub(since) < window_ms
}

/// The ledger's rules.
///
/// - A key done inside the cooldown is not repeated; after it, it may run again.
/// - A key requested inside the lease is in flight elsewhere; after it, the worker is presumed dead
///   and the claim is taken over.
/// - A failed key is retried.
/// - A new (or expired) key whose coalescing key has a live action is folded into that action.
pub fn plan_claim(
    request: &ClaimRequest,
    existing: Option<&ActionRecord>,
    coalesce_with: Option<&ActionRecord>,
) -> ClaimPlan {
    let coalesce_into = coalesce_with
        .filter(|other| existing.is_none_or(|mine| mine.id != other.id))
        .filter(|other| matches!(other.status, ActionStatus::Requested | ActionStatus::Done))
        .filter(|other| live_within(other, request.now, request.cooldown_ms))
        .map(|other| other.id);
    let Some(existing) = existing else {
        return match coalesce_into {
            Some(into) => ClaimPlan::InsertCoalesced { into },
            None => ClaimPlan::Insert,
        };
    };
    let expired_or_retake = |plan_if_free: ClaimPlan| match coalesce_into {
        Some(into) => ClaimPlan::RecoalesceInto { into },
        None => plan_if_free,
    };
    match existing.status {
        ActionStatus::Done if live_within(existing, request.now, request.cooldown_ms) => {
            ClaimPlan::Keep(KeepReason::Done)
        }
        ActionStatus::Requested
            if request.now.saturating_sub(existing.requested_at) < request.lease_ms =>
        {
            ClaimPlan::Keep(KeepReason::InFlight)
        }
        // Folded into an action that still stands (not one that failed or expired).
        ActionStatus::Coalesced if coalesce_into.is_some() => {
            ClaimPlan::Keep(KeepReason::Coalesced)
        }
        // Stale claims are taken over as they are: coalescing them now could drop the work.
        ActionStatus::Requested => ClaimPlan::TakeOver,
        ActionStatus::Done | ActionStatus::Coalesced | ActionStatus::Failed => {
            expired_or_retake(ClaimPlan::Retake)
        }
        ActionStatus::Planned => ClaimPlan::Retake,
    }
}

/// What ward decided, in a word.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Act on a protected computer (or a WebACL: rule groups added).
    Respond,
    /// Something is not protected: tell the team.
    Notify,
    /// Answer a Config rule.
    Evaluate,
    /// Nothing to do (with the reason why).
    Ignore,
    /// Already as it should be (a WebACL holding the groups it needs).
    Compliant,
    /// ward could not find out (a call failed); the reason says which.
    Error,
}

impl Verdict {
    pub const ALL: [Verdict; 6] = [
        Self::Respond,
        Self::Notify,
        Self::Evaluate,
        Self::Ignore,
        Self::Compliant,
        Self::Error,
    ];

    /// The word (`respond`, `notify`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Respond => "respond",
            Self::Notify => "notify",
            Self::Evaluate => "evaluate",
            Self::Ignore => "ignore",
            Self::Compliant => "compliant",
            Self::Error => "error",
        }
    }

    /// Reads the word.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|verdict| verdict.as_str() == text)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What ward decided about one event, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionRecord {
    pub event_id: String,
    pub source: String,
    pub finding_type: String,
    pub instance_id: Option<String>,
    pub computer_id: Option<ComputerId>,
    pub account_id: Option<String>,
    pub protected: Option<bool>,
    pub decision: Verdict,
    pub reason: String,
    /// The actions and their outcome, as JSON.
    pub actions: serde_json::Value,
    pub at: i64,
}

/// An input ward could not use, kept with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuarantineRecord {
    /// Where it came from: a file name, `sqs:<queue>`, `webhook`, `lambda`.
    pub origin: String,
    /// Where in the input: `record 3`, `line 7`, `Records[2].body`.
    pub position: String,
    pub reason: String,
    /// The input itself, as received.
    pub raw: String,
    pub at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn request(now: i64) -> ClaimRequest {
        ClaimRequest {
            key: ActionKey {
                finding: "f".into(),
                target: "computer:1".into(),
                action: "scan-integrity".into(),
            },
            coalesce: Some("scan-integrity:computer:1".into()),
            now,
            cooldown_ms: 24 * HOUR,
            lease_ms: HOUR / 6,
        }
    }

    fn record(
        id: i64,
        status: ActionStatus,
        requested_at: i64,
        settled_at: Option<i64>,
    ) -> ActionRecord {
        ActionRecord {
            id,
            finding: "f".into(),
            target: "computer:1".into(),
            action: "scan-integrity".into(),
            coalesce: Some("scan-integrity:computer:1".into()),
            status,
            attempts: 1,
            requested_at,
            settled_at,
            detail: None,
            coalesced_into: None,
            computer_id: Some(ComputerId(1)),
        }
    }

    #[test]
    fn a_new_key_is_inserted_or_coalesced() {
        let now = 100 * HOUR;
        assert_eq!(plan_claim(&request(now), None, None), ClaimPlan::Insert);
        let other = record(9, ActionStatus::Done, now - HOUR, Some(now - HOUR));
        assert_eq!(
            plan_claim(&request(now), None, Some(&other)),
            ClaimPlan::InsertCoalesced { into: 9 }
        );
        let old = record(
            9,
            ActionStatus::Done,
            now - 30 * HOUR,
            Some(now - 30 * HOUR),
        );
        assert_eq!(
            plan_claim(&request(now), None, Some(&old)),
            ClaimPlan::Insert
        );
        let failed = record(9, ActionStatus::Failed, now - HOUR, Some(now - HOUR));
        assert_eq!(
            plan_claim(&request(now), None, Some(&failed)),
            ClaimPlan::Insert
        );
    }

    #[test]
    fn done_stands_for_the_cooldown() {
        let now = 100 * HOUR;
        let done = record(1, ActionStatus::Done, now - HOUR, Some(now - HOUR));
        assert_eq!(
            plan_claim(&request(now), Some(&done), Some(&done)),
            ClaimPlan::Keep(KeepReason::Done)
        );
        let expired = record(
            1,
            ActionStatus::Done,
            now - 25 * HOUR,
            Some(now - 25 * HOUR),
        );
        assert_eq!(
            plan_claim(&request(now), Some(&expired), None),
            ClaimPlan::Retake
        );
    }

    #[test]
    fn claims_in_flight_are_leased() {
        let now = 100 * HOUR;
        let live = record(1, ActionStatus::Requested, now - 60_000, None);
        assert_eq!(
            plan_claim(&request(now), Some(&live), None),
            ClaimPlan::Keep(KeepReason::InFlight)
        );
        let stale = record(1, ActionStatus::Requested, now - HOUR, None);
        let other = record(2, ActionStatus::Done, now - HOUR, Some(now - HOUR));
        assert_eq!(
            plan_claim(&request(now), Some(&stale), Some(&other)),
            ClaimPlan::TakeOver
        );
    }

    #[test]
    fn failures_are_retried_unless_another_action_covers_them() {
        let now = 100 * HOUR;
        let failed = record(1, ActionStatus::Failed, now - 60_000, Some(now - 60_000));
        assert_eq!(
            plan_claim(&request(now), Some(&failed), None),
            ClaimPlan::Retake
        );
        let other = record(2, ActionStatus::Requested, now - 1_000, None);
        assert_eq!(
            plan_claim(&request(now), Some(&failed), Some(&other)),
            ClaimPlan::RecoalesceInto { into: 2 }
        );
    }

    #[test]
    fn coalesced_rows_stand_while_their_action_does() {
        let now = 100 * HOUR;
        let mut folded = record(1, ActionStatus::Coalesced, now - HOUR, Some(now - HOUR));
        folded.coalesced_into = Some(2);
        let live = record(2, ActionStatus::Done, now - HOUR, Some(now - HOUR));
        assert_eq!(
            plan_claim(&request(now), Some(&folded), Some(&live)),
            ClaimPlan::Keep(KeepReason::Coalesced)
        );
        assert_eq!(
            plan_claim(&request(now), Some(&folded), None),
            ClaimPlan::Retake
        );
    }

    #[test]
    fn keys_name_their_computer() {
        assert_eq!(request(0).key.computer_id(), Some(ComputerId(1)));
        let policy = ActionKey {
            finding: "f".into(),
            target: "policy:3".into(),
            action: "a".into(),
        };
        assert_eq!(policy.computer_id(), None);
    }

    #[test]
    fn statuses_round_trip() {
        for status in [
            ActionStatus::Requested,
            ActionStatus::Done,
            ActionStatus::Failed,
            ActionStatus::Coalesced,
            ActionStatus::Planned,
        ] {
            assert_eq!(ActionStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ActionStatus::parse("nope"), None);
    }
}
