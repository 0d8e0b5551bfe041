//! Port traits: one per boundary. Adapters implement them (`ward-manager`, `ward-store`); callers hold
//! them as `Arc<dyn Trait>`. Each port has one contract test suite that every adapter passes.

pub use crate::clock::Clock;
use crate::ids::{ComputerId, PolicyId, RuleId};
use crate::inventory::{Computer, InventoryFilter, IpsRule, Module, Policy, ScanKind};
use crate::ledger::{
    ActionRecord, ActionStatus, Claim, ClaimRequest, DecisionRecord, QuarantineRecord,
};
use crate::notice::{Evaluation, Notice};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One page of objects read by id order, and where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The id to pass as `after` for the next page; `None` when this was the last page.
    pub next_after: Option<i64>,
}

/// Why a manager call failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ManagerError {
    /// The manager rejected the API key.
    #[error("manager refused the API key ({status}): {message}")]
    Unauthorized { status: u16, message: String },
    /// The key is valid but lacks the right for this call.
    #[error("manager refused the request ({status}): {message}")]
    Forbidden { status: u16, message: String },
    /// The object does not exist.
    #[error("manager has no {what}: {message}")]
    NotFound { what: String, message: String },
    /// Any other 4xx: the request was wrong.
    #[error("manager rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// Too many calls in the manager's 60-second window.
    #[error("manager rate limit reached (429): {message}")]
    RateLimited {
        message: String,
        retry_after_ms: Option<u64>,
    },
    /// A 5xx from the manager.
    #[error("manager failed ({status}): {message}")]
    Server { status: u16, message: String },
    /// The manager could not be reached, or the connection broke or timed out.
    #[error("cannot reach the manager at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    /// The manager answered something ward cannot read.
    #[error("unexpected answer from the manager for {operation}: {cause}")]
    Decode { operation: String, cause: String },
}

impl ManagerError {
    /// Whether the same call may succeed if tried again later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Unreachable { .. }
        )
    }
}

/// A computer's IPS rule assignments and recommendations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleAssignments {
    pub assigned_rule_ids: Vec<RuleId>,
    pub recommended_to_assign_rule_ids: Vec<RuleId>,
    pub recommended_to_unassign_rule_ids: Vec<RuleId>,
    /// Milliseconds since the epoch; `None` when no recommendation scan ran yet.
    pub last_recommendation_scan_date: Option<i64>,
}

/// The Workload Security manager, as ward uses it.
#[async_trait]
pub trait ManagerApi: Send + Sync + std::fmt::Debug {
    /// Computers with an id greater than `after` (all when `None`), in id order, at most `limit`.
    async fn computers_page(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Page<Computer>, ManagerError>;
    /// One computer.
    async fn computer(&self, computer_id: ComputerId) -> Result<Computer, ManagerError>;
    /// The computer for an EC2 instance ID (searching the EC2 summary, then the no-connector summary).
    async fn computer_by_instance_id(
        &self,
        instance_id: &str,
    ) -> Result<Option<Computer>, ManagerError>;
    /// All policies.
    async fn policies(&self) -> Result<Vec<Policy>, ManagerError>;
    /// IPS rules with an id greater than `after`, in id order, at most `limit`.
    async fn ips_rules_page(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Page<IpsRule>, ManagerError>;
    /// The IPS rules that list this CVE.
    async fn ips_rules_for_cve(&self, cve: &str) -> Result<Vec<IpsRule>, ManagerError>;
    /// A computer's IPS assignments and recommendations.
    async fn computer_ips_assignments(
        &self,
        computer_id: ComputerId,
    ) -> Result<RuleAssignments, ManagerError>;
    /// Adds IPS rules to a computer (keeps the ones already assigned).
    async fn add_ips_rules_to_computer(
        &self,
        computer_id: ComputerId,
        rule_ids: &[RuleId],
    ) -> Result<RuleAssignments, ManagerError>;
    /// Adds IPS rules to a policy (keeps the ones already assigned).
    async fn add_ips_rules_to_policy(
        &self,
        policy_id: PolicyId,
        rule_ids: &[RuleId],
    ) -> Result<RuleAssignments, ManagerError>;
    /// Runs a scan on one computer now, through a run-once scheduled task; returns the task id.
    async fn run_scan(
        &self,
        kind: ScanKind,
        computer_id: ComputerId,
        name: &str,
    ) -> Result<i64, ManagerError>;
    /// When this kind of scan last finished on the computer (milliseconds since the epoch, the
    /// manager's clock): `lastRecommendationScanDate`, `integrityMonitoring.lastIntegrityScan`,
    /// `antiMalware.lastManualScan`. `None` when it never ran.
    async fn last_scan(
        &self,
        kind: ScanKind,
        computer_id: ComputerId,
    ) -> Result<Option<i64>, ManagerError>;
    /// Sets a module's state on one computer (never on its policy).
    async fn set_computer_module_state(
        &self,
        computer_id: ComputerId,
        module: Module,
        state: &str,
    ) -> Result<Computer, ManagerError>;
}

/// What one `ward sync` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStats {
    pub computers: u64,
    pub policies: u64,
    pub ips_rules: u64,
    /// HTTP calls made to the manager, retries included.
    pub manager_calls: u64,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    pub finished_at: i64,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {url}: {cause}")]
    Open { url: String, cause: String },
    #[error("store migration {version} failed: {cause}")]
    Migration { version: i64, cause: String },
    #[error("store query failed ({operation}): {cause}")]
    Query {
        operation: &'static str,
        cause: String,
    },
    #[error("store holds a record it cannot read ({what}): {cause}")]
    Corrupt { what: String, cause: String },
}

/// A flow run's status, AppFlow's `executionStatus` values ward uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum FlowRunStatus {
    InProgress,
    Successful,
    Error,
}

impl FlowRunStatus {
    /// AppFlow's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Successful => "Successful",
            Self::Error => "Error",
        }
    }

    /// Reads AppFlow's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "InProgress" => Some(Self::InProgress),
            "Successful" => Some(Self::Successful),
            "Error" => Some(Self::Error),
            _ => None,
        }
    }
}

/// One run of a flow, as AppFlow's `ExecutionRecord` keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlowRun {
    pub execution_id: String,
    pub flow: String,
    pub status: FlowRunStatus,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// Records read from the source (AppFlow's `recordsProcessed`).
    pub records_read: u64,
    pub records_written: u64,
    /// Records a Filter dropped.
    pub records_filtered: u64,
    /// Records a Validate (ignore-record) dropped.
    pub records_invalid: u64,
    pub bytes_written: u64,
    /// The files written (`s3://bucket/key` or local paths).
    pub files: Vec<String>,
    /// Why the run failed (AppFlow's `executionMessage`).
    pub error: Option<String>,
    /// An incremental run's window over the watermark field (AppFlow's `dataPullStartTime`,
    /// exclusive): records changed after this instant; `None` on the first run (everything).
    #[serde(default)]
    pub data_pull_start: Option<i64>,
    /// The window's end (AppFlow's `dataPullEndTime`, inclusive): the next incremental run starts
    /// here. `None` for complete pulls.
    #[serde(default)]
    pub data_pull_end: Option<i64>,
}

impl FlowRun {
    /// A run that starts now: in progress, nothing counted yet.
    pub fn started(execution_id: &str, flow: &str, started_at: i64) -> Self {
        Self {
            execution_id: execution_id.to_owned(),
            flow: flow.to_owned(),
            status: FlowRunStatus::InProgress,
            started_at,
            finished_at: None,
            records_read: 0,
            records_written: 0,
            records_filtered: 0,
            records_invalid: 0,
            bytes_written: 0,
            files: Vec::new(),
            error: None,
            data_pull_start: None,
            data_pull_end: None,
        }
    }
}

/// Where ward keeps its inventory snapshot (and, later, events, decisions, the ledger, flow runs).
///
/// A sync writes under a new generation: `begin_sync`, any number of `put_*` calls with it, then
/// `finish_sync`, which drops what the generation did not see and records the run. Readers never see
/// a half-finished sync's deletions.
#[async_trait]
pub trait Store: Ledger + Send + Sync + std::fmt::Debug {
    /// Starts a sync; returns its generation number (greater than every earlier one).
    async fn begin_sync(&self) -> Result<i64, StoreError>;
    /// Inserts or replaces computers, marking them seen by `generation`.
    async fn put_computers(
        &self,
        generation: i64,
        computers: &[Computer],
    ) -> Result<(), StoreError>;
    /// Inserts or replaces policies, marking them seen by `generation`.
    async fn put_policies(&self, generation: i64, policies: &[Policy]) -> Result<(), StoreError>;
    /// Inserts or replaces IPS rules, marking them seen by `generation`.
    async fn put_ips_rules(&self, generation: i64, rules: &[IpsRule]) -> Result<(), StoreError>;
    /// Ends a sync: removes objects older generations saw but this one did not, records the stats.
    async fn finish_sync(&self, generation: i64, stats: &SyncStats) -> Result<(), StoreError>;
    /// The last finished sync, if any.
    async fn last_sync(&self) -> Result<Option<SyncStats>, StoreError>;
    /// Replaces one computer (after a targeted lookup or an action), without a sync.
    async fn upsert_computer(&self, computer: &Computer) -> Result<(), StoreError>;

    /// Computers passing the filter, in id order.
    async fn computers(&self, filter: &InventoryFilter) -> Result<Vec<Computer>, StoreError>;
    /// One computer by id.
    async fn computer(&self, computer_id: ComputerId) -> Result<Option<Computer>, StoreError>;
    /// The computer for an EC2 instance ID.
    async fn computer_by_instance_id(
        &self,
        instance_id: &str,
    ) -> Result<Option<Computer>, StoreError>;
    /// All policies, in id order.
    async fn policies(&self) -> Result<Vec<Policy>, StoreError>;
    /// IPS rules listing this CVE (case-insensitive), in id order.
    async fn ips_rules_for_cve(&self, cve: &str) -> Result<Vec<IpsRule>, StoreError>;
    /// How many computers, policies and IPS rules the store holds.
    async fn counts(&self) -> Result<(u64, u64, u64), StoreError>;

    /// Records a flow run that has started (status `InProgress`); its execution ID is unique.
    async fn start_flow_run(&self, run: &FlowRun) -> Result<(), StoreError>;
    /// Records how a flow run ended (status, counters, files, error), by execution ID.
    async fn finish_flow_run(&self, run: &FlowRun) -> Result<(), StoreError>;
    /// A flow's runs, the newest first, at most `limit`.
    async fn flow_runs(&self, flow: &str, limit: u32) -> Result<Vec<FlowRun>, StoreError>;
    /// Where a flow's next incremental run starts: the latest `data_pull_end` of its successful
    /// runs (`None` before the first one).
    async fn flow_watermark(&self, flow: &str) -> Result<Option<i64>, StoreError>;
}

/// The action ledger, the decision log and the quarantine (see [`crate::ledger`]).
#[async_trait]
pub trait Ledger: Send + Sync {
    /// Claims an action before doing it, atomically (several workers may claim one key at once;
    /// one proceeds).
    async fn claim(&self, request: &ClaimRequest) -> Result<Claim, StoreError>;
    /// Records how a claimed action ended, with the manager's (or AWS's) answer.
    async fn settle(
        &self,
        id: i64,
        status: ActionStatus,
        detail: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Appends a decision; returns its id.
    async fn record_decision(&self, decision: &DecisionRecord) -> Result<i64, StoreError>;
    /// Keeps an input ward could not use; returns its id.
    async fn quarantine(&self, record: &QuarantineRecord) -> Result<i64, StoreError>;
    /// The newest actions first.
    async fn actions(&self, limit: u32) -> Result<Vec<ActionRecord>, StoreError>;
    /// The newest decisions first.
    async fn decisions(&self, limit: u32) -> Result<Vec<DecisionRecord>, StoreError>;
    /// The newest quarantined inputs first.
    async fn quarantined(&self, limit: u32) -> Result<Vec<QuarantineRecord>, StoreError>;
}

/// Why a notice or an evaluation could not be delivered.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{destination}: {cause}")]
pub struct OutboundError {
    /// Where it was going (redacted: a webhook's host, a topic ARN, a file).
    pub destination: String,
    pub cause: String,
}

/// Where notices go: a Slack-compatible webhook, an SNS topic, Security Hub.
#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    async fn notify(&self, notice: &Notice) -> Result<(), OutboundError>;
}

/// Where Config evaluations go: `PutEvaluations` with the invocation's result token, or a
/// JSON-lines file.
#[async_trait]
pub trait Evaluations: Send + Sync + std::fmt::Debug {
    async fn put(
        &self,
        result_token: &str,
        evaluations: &[Evaluation],
    ) -> Result<(), OutboundError>;
}

/// The EC2 instances that can reach an S3 bucket through its policy: roles the policy allows →
/// instance profiles holding those roles → instances using those profiles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketExposure {
    pub bucket: String,
    /// Whether the bucket has a policy at all.
    pub has_policy: bool,
    pub roles: Vec<String>,
    pub instance_profiles: Vec<String>,
    /// Instance IDs, in order.
    pub instances: Vec<String>,
    /// Principals the policy allows that lead to no instance (services, users, `*`).
    pub other_principals: Vec<String>,
}

/// What AWS knows about the resources around a finding.
#[async_trait]
pub trait CloudInventory: Send + Sync + std::fmt::Debug {
    /// Which instances can reach a bucket through its policy. Errors name the call that failed
    /// (and say when AWS denied it).
    async fn bucket_exposure(&self, bucket: &str) -> Result<BucketExposure, OutboundError>;
}
