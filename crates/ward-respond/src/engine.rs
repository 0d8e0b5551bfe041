//! The engine: gathers the facts an event needs (from the store; one targeted manager search for an
//! instance the inventory does not know), decides, and carries the decision's actions out through
//! the ledger — each claimed before it runs and settled with the answer after, so a repeated
//! delivery never repeats a done action — then records the decision.

use crate::action::{Action, RuleTarget};
use crate::decide::{decide, periodic_evaluations};
use crate::decision::{Decision, Facts, Verdict};
use crate::index::InventoryIndex;
use crate::settings::Settings;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use ward_core::{
    ActionKey, ActionStatus, Claim, ClaimRequest, Clock, CloudInventory, Computer, DecisionRecord,
    Evaluations, InventoryFilter, ManagerApi, ManagerError, Notice, NoticeKind, Notifier, Policy,
    QuarantineRecord, RuleId, ScanKind, Store, StoreError,
};
use ward_events::{Event, EventKind, Parsed};

/// The adapters the engine works through.
#[derive(Debug, Clone)]
pub struct Ports {
    pub manager: Arc<dyn ManagerApi>,
    pub store: Arc<dyn Store>,
    pub notifier: Arc<dyn Notifier>,
    pub evaluations: Arc<dyn Evaluations>,
    pub clock: Arc<dyn Clock>,
    /// AWS, for the findings that need more than the event says (Macie); `None` without `[aws]`.
    pub cloud: Option<Arc<dyn CloudInventory>>,
}

/// A Macie finding's facts: the bucket's exposure (or why it is unknown) and the computers.
type BucketFacts = (
    Option<Result<ward_core::BucketExposure, String>>,
    Vec<(String, Option<Computer>)>,
);

/// Why an event could not be handled (the event stays unhandled: a queue delivers it again).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot look up instance {instance_id} in the manager: {source}")]
    Lookup {
        instance_id: String,
        source: ManagerError,
    },
    #[error("cannot find the IPS rules covering {cve}: {source}")]
    Rules { cve: String, source: ManagerError },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where one action of an event stands after handling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeStatus {
    /// Done now.
    Done,
    /// Refused or impossible now; a later delivery tries again.
    Failed,
    /// Planned under `--dry-run`; nothing was done.
    Planned,
    /// Done earlier, inside the cooldown.
    AlreadyDone,
    /// Claimed by another worker that is still in its lease.
    InFlight,
    /// Folded into an earlier action with the same coalescing key.
    Coalesced,
}

impl OutcomeStatus {
    /// The word reports show (`done`, `already-done`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Planned => "planned",
            Self::AlreadyDone => "already-done",
            Self::InFlight => "in-flight",
            Self::Coalesced => "coalesced",
        }
    }

    /// Whether nothing is left to do for the action: an event whose actions are all settled can
    /// be acknowledged; one with a failed or in-flight action must be delivered again.
    pub fn is_settled(self) -> bool {
        !matches!(self, Self::Failed | Self::InFlight)
    }
}

impl std::fmt::Display for OutcomeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one action went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionOutcome {
    pub kind: String,
    pub target: String,
    pub status: OutcomeStatus,
    /// What was done, or why not.
    pub detail: String,
}

/// An event's decision and what became of its actions.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub decision: Decision,
    pub actions: Vec<ActionOutcome>,
}

impl Outcome {
    /// The JSON line `ward handle --output json` prints.
    pub fn to_json(&self) -> serde_json::Value {
        let decision = &self.decision;
        json!({
            "event_id": decision.event_id,
            "source": decision.source,
            "finding_type": decision.finding_type,
            "instance_id": decision.instance_id,
            "account_id": decision.account_id,
            "computer_id": decision.computer_id,
            "protected": decision.protected,
            "decision": decision.verdict.as_str(),
            "reason": decision.reason,
            "uncovered_cves": decision.uncovered_cves,
            "actions": self.actions,
        })
    }

    /// Whether any action failed.
    pub fn failed(&self) -> bool {
        self.actions
            .iter()
            .any(|action| action.status == OutcomeStatus::Failed)
    }

    /// Whether every action is settled (see [`OutcomeStatus::is_settled`]).
    pub fn settled(&self) -> bool {
        self.actions.iter().all(|action| action.status.is_settled())
    }
}

/// What became of one parsed input item.
#[derive(Debug)]
pub enum Handled {
    Decided(Box<Outcome>),
    /// Not understood: kept with its reason (except under `dry_run`).
    Quarantined {
        position: String,
        reason: String,
    },
    /// ward could not handle it now (the manager could not be asked); nothing was recorded, so a
    /// redelivery can succeed.
    Failed {
        position: String,
        error: String,
    },
}

impl Handled {
    /// The JSON object reports print for it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Handled::Decided(outcome) => outcome.to_json(),
            Handled::Quarantined { position, reason } => json!({
                "position": position,
                "decision": "quarantined",
                "reason": reason,
                "actions": [],
            }),
            Handled::Failed { position, error } => json!({
                "position": position,
                "decision": "failed",
                "reason": error,
                "actions": [],
            }),
        }
    }
}

/// Decides events and carries the decisions out.
#[derive(Debug, Clone)]
pub struct Engine {
    ports: Ports,
    settings: Settings,
    /// A warm inventory, consulted before the store.
    index: Option<Arc<InventoryIndex>>,
}

impl Engine {
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Self {
            ports,
            settings,
            index: None,
        }
    }

    /// Decides against an in-memory inventory first (for large batches); the store and the
    /// manager still answer for what it does not hold.
    pub fn with_index(mut self, index: InventoryIndex) -> Self {
        self.index = Some(Arc::new(index));
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The clock the engine reads.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.ports.clock)
    }

    /// Handles one event: facts, decision, actions (none under `dry_run`, which changes nothing
    /// anywhere: no manager writes, no ledger, no store writes).
    pub async fn handle(&self, event: &Event, dry_run: bool) -> Result<Outcome, EngineError> {
        let computer = self.computer_for(event, dry_run).await?;
        let policies = self.policies_if_needed(event, computer.as_ref()).await?;
        let policy = computer
            .as_ref()
            .and_then(|computer| computer.policy_id)
            .and_then(|policy_id| policies.get(&policy_id.0));
        let covering = self.covering_rules(event).await?;
        let (exposure, bucket_computers) = self.bucket_facts(event, dry_run).await?;
        let facts = Facts {
            computer: computer.as_ref(),
            policy,
            covering,
            exposure,
            bucket_computers,
        };
        let mut decision = decide(event, &facts, &self.settings);
        self.add_periodic_evaluations(event, &mut decision).await?;
        let mut actions = Vec::with_capacity(decision.actions.len());
        for action in &decision.actions {
            actions.push(if dry_run {
                ActionOutcome {
                    kind: action.kind(),
                    target: action.target(),
                    status: OutcomeStatus::Planned,
                    detail: action.describe(),
                }
            } else {
                self.execute(&decision, action).await?
            });
        }
        let outcome = Outcome { decision, actions };
        if !dry_run {
            let record = self.record(&outcome);
            self.ports.store.record_decision(&record).await?;
            metrics::counter!("ward_decisions_total", "decision" => record.decision.as_str())
                .increment(1);
        }
        Ok(outcome)
    }

    /// Handles one parsed item: decides and acts on an event, or keeps a quarantined input with
    /// its reason and where it came from (`origin`: a file, `webhook`, `sqs:<queue>`). Only a
    /// store failure is an error: the caller cannot know what was recorded.
    pub async fn handle_parsed(
        &self,
        parsed: Parsed,
        origin: &str,
        dry_run: bool,
    ) -> Result<Handled, StoreError> {
        let position = parsed.position().to_string();
        match parsed {
            Parsed::Event { event, .. } => match self.handle(&event, dry_run).await {
                Ok(outcome) => Ok(Handled::Decided(Box::new(outcome))),
                Err(EngineError::Store(error)) => Err(error),
                Err(error) => Ok(Handled::Failed {
                    position,
                    error: error.to_string(),
                }),
            },
            Parsed::Quarantined(quarantined) => {
                let reason = quarantined.reason.to_string();
                if !dry_run {
                    self.ports
                        .store
                        .quarantine(&QuarantineRecord {
                            origin: origin.to_owned(),
                            position: position.clone(),
                            reason: reason.clone(),
                            raw: quarantined.raw_text().into_owned(),
                            at: self.ports.clock.now_ms(),
                        })
                        .await?;
                }
                Ok(Handled::Quarantined { position, reason })
            }
        }
    }

    fn record(&self, outcome: &Outcome) -> DecisionRecord {
        let decision = &outcome.decision;
        DecisionRecord {
            event_id: decision.event_id.clone(),
            source: decision.source.into(),
            finding_type: decision.finding_type.clone(),
            instance_id: decision.instance_id.clone(),
            computer_id: decision.computer_id,
            account_id: decision.account_id.clone(),
            protected: decision.protected,
            decision: decision.verdict,
            reason: decision.reason.clone(),
            actions: serde_json::to_value(&outcome.actions).unwrap_or_default(),
            at: self.ports.clock.now_ms(),
        }
    }

    /// The computer for the event's instance: the inventory's, else one targeted search (a
    /// freshly installed agent is never reported missing), remembered in the inventory.
    async fn computer_for(
        &self,
        event: &Event,
        dry_run: bool,
    ) -> Result<Option<Computer>, EngineError> {
        let needs_computer = matches!(
            event.kind,
            EventKind::GuardDutyFinding(_)
                | EventKind::Inspector2Finding(_)
                | EventKind::ConfigInvocation(_)
        );
        let Some(instance_id) = event.instance_id().filter(|_| needs_computer) else {
            return Ok(None);
        };
        self.computer_by_instance(instance_id.as_str(), dry_run)
            .await
    }

    /// The computer for an instance: the warm index, the store, else one targeted manager search
    /// (remembered in the store unless `dry_run`).
    async fn computer_by_instance(
        &self,
        instance_id: &str,
        dry_run: bool,
    ) -> Result<Option<Computer>, EngineError> {
        if let Some(computer) = self
            .ports
            .store
            .computer_by_instance_id(instance_id)
            .await?
        {
            return Ok(Some(computer));
        }
        let found = self
            .ports
            .manager
            .computer_by_instance_id(instance_id)
            .await
            .map_err(|source| EngineError::Lookup {
                instance_id: instance_id.to_owned(),
                source,
            })?;
        if let (Some(computer), false) = (&found, dry_run) {
            self.ports.store.upsert_computer(computer).await?;
        }
        Ok(found)
    }

    /// For a Macie finding: the instances behind the bucket and their computers.
    async fn bucket_facts(&self, event: &Event, dry_run: bool) -> Result<BucketFacts, EngineError> {
        let (EventKind::MacieFinding(finding), Some(cloud)) = (&event.kind, &self.ports.cloud)
        else {
            return Ok((None, Vec::new()));
        };
        let exposure = match cloud.bucket_exposure(&finding.bucket_name).await {
            Ok(exposure) => exposure,
            Err(error) => return Ok((Some(Err(error.to_string())), Vec::new())),
        };
        let mut computers = Vec::with_capacity(exposure.instances.len());
        for instance_id in &exposure.instances {
            let computer = self.computer_by_instance(instance_id, dry_run).await?;
            computers.push((instance_id.clone(), computer));
        }
        Ok((Some(Ok(exposure)), computers))
    }

    async fn policies_if_needed(
        &self,
        event: &Event,
        computer: Option<&Computer>,
    ) -> Result<HashMap<i64, Policy>, EngineError> {
        let needed = match &event.kind {
            EventKind::Inspector2Finding(_) => computer.is_some_and(|c| c.policy_id.is_some()),
            EventKind::ConfigInvocation(_) => true,
            _ => false,
        };
        if !needed {
            return Ok(HashMap::new());
        }
        if let (Some(index), Some(policy_id)) = (
            &self.index,
            computer.and_then(|computer| computer.policy_id),
        ) && let Some(policy) = index.policy(policy_id.0)
        {
            return Ok(HashMap::from([(policy_id.0, policy.clone())]));
        }
        Ok(self
            .ports
            .store
            .policies()
            .await?
            .into_iter()
            .map(|policy| (policy.policy_id.0, policy))
            .collect())
    }

    /// For Inspector findings: the rules covering each CVE, from the inventory (or the manager,
    /// when no sync has stored rules yet).
    async fn covering_rules(
        &self,
        event: &Event,
    ) -> Result<BTreeMap<String, Vec<RuleId>>, EngineError> {
        let EventKind::Inspector2Finding(finding) = &event.kind else {
            return Ok(BTreeMap::new());
        };
        let mut covering = BTreeMap::new();
        if finding.cves.is_empty() {
            return Ok(covering);
        }
        let (_, _, stored_rules) = self.ports.store.counts().await?;
        for cve in &finding.cves {
            let rules = if stored_rules > 0 {
                self.ports.store.ips_rules_for_cve(cve).await?
            } else {
                self.ports
                    .manager
                    .ips_rules_for_cve(cve)
                    .await
                    .map_err(|source| EngineError::Rules {
                        cve: cve.clone(),
                        source,
                    })?
            };
            covering.insert(cve.clone(), rules.iter().map(|rule| rule.rule_id).collect());
        }
        Ok(covering)
    }

    /// A periodic Config invocation evaluates every instance the inventory knows.
    async fn add_periodic_evaluations(
        &self,
        event: &Event,
        decision: &mut Decision,
    ) -> Result<(), EngineError> {
        let EventKind::ConfigInvocation(invocation) = &event.kind else {
            return Ok(());
        };
        if invocation.resource.is_some() || decision.verdict != Verdict::Evaluate {
            return Ok(());
        }
        let computers = self
            .ports
            .store
            .computers(&InventoryFilter::default())
            .await?;
        let policies: HashMap<i64, Policy> = self
            .ports
            .store
            .policies()
            .await?
            .into_iter()
            .map(|policy| (policy.policy_id.0, policy))
            .collect();
        let instances = computers.iter().filter_map(|computer| {
            let instance_id = computer.instance_id.as_deref()?;
            let policy = computer
                .policy_id
                .and_then(|policy_id| policies.get(&policy_id.0));
            Some((
                instance_id,
                Facts {
                    computer: Some(computer),
                    policy,
                    ..Facts::default()
                },
            ))
        });
        match periodic_evaluations(invocation, instances, self.ports.clock.now_ms()) {
            Ok(evaluations) if evaluations.is_empty() => {
                decision
                    .reason
                    .push_str("; the inventory knows no EC2 instance");
            }
            Ok(evaluations) => {
                decision
                    .reason
                    .push_str(&format!("; {} instances", evaluations.len()));
                decision.actions.push(Action::Evaluate {
                    result_token: invocation.result_token.clone(),
                    evaluations,
                });
            }
            Err(error) => {
                decision.verdict = Verdict::Ignore;
                decision.reason = format!("rule {}: {error}", invocation.rule_name);
            }
        }
        Ok(())
    }

    /// Claims, performs and settles one action.
    async fn execute(
        &self,
        decision: &Decision,
        action: &Action,
    ) -> Result<ActionOutcome, EngineError> {
        let kind = action.kind();
        let target = action.target();
        let request = ClaimRequest {
            key: ActionKey {
                finding: decision.event_id.clone(),
                target: target.clone(),
                action: kind.clone(),
            },
            coalesce: action.coalesce_key(),
            now: self.ports.clock.now_ms(),
            cooldown_ms: self.settings.cooldown_ms,
            lease_ms: self.settings.lease_ms,
        };
        let outcome = |status: OutcomeStatus, detail: String| ActionOutcome {
            kind: kind.clone(),
            target: target.clone(),
            status,
            detail,
        };
        let (record, taken_over) = match self.ports.store.claim(&request).await? {
            Claim::Proceed(record) => (record, None),
            Claim::TakeOver { record, claimed_at } => (record, Some(claimed_at)),
            Claim::AlreadyDone(record) => {
                return Ok(outcome(
                    OutcomeStatus::AlreadyDone,
                    record.detail.unwrap_or_else(|| "done earlier".into()),
                ));
            }
            Claim::InFlight(record) => {
                return Ok(outcome(
                    OutcomeStatus::InFlight,
                    format!("claimed by another worker (ledger entry {})", record.id),
                ));
            }
            Claim::Coalesced { into, .. } => {
                return Ok(outcome(
                    OutcomeStatus::Coalesced,
                    format!(
                        "folded into {} for finding {} (ledger entry {})",
                        into.action, into.finding, into.id
                    ),
                ));
            }
        };
        let result = match taken_over {
            Some(claimed_at) => match self.done_since(action, claimed_at).await {
                Some(Ok(detail)) => Ok(format!(
                    "{detail} (found on taking over the claim of a stopped worker)"
                )),
                Some(Err(error)) => Err(error),
                None => self.perform(decision, action).await,
            },
            None => self.perform(decision, action).await,
        };
        let now = self.ports.clock.now_ms();
        match result {
            Ok(detail) => {
                self.ports
                    .store
                    .settle(record.id, ActionStatus::Done, &detail, now)
                    .await?;
                metrics::counter!("ward_actions_total", "action" => kind.clone(), "outcome" => "done")
                    .increment(1);
                Ok(outcome(OutcomeStatus::Done, detail))
            }
            Err(error) => {
                self.ports
                    .store
                    .settle(record.id, ActionStatus::Failed, &error, now)
                    .await?;
                metrics::counter!("ward_actions_total", "action" => kind.clone(), "outcome" => "failed")
                    .increment(1);
                tracing::warn!(kind, target, %error, "action failed");
                if !matches!(action, Action::Notify(_)) {
                    self.notify_failure(decision, action, &error).await;
                }
                Ok(outcome(OutcomeStatus::Failed, error))
            }
        }
    }

    async fn notify_failure(&self, decision: &Decision, action: &Action, error: &str) {
        let notice = Notice {
            kind: NoticeKind::ActionFailed,
            title: format!("{} failed", action.describe()),
            detail: format!(
                "{} for {} finding {}: {error}",
                action.describe(),
                decision.finding_type,
                decision.event_id
            ),
            account_id: decision.account_id.clone(),
            region: decision.region.clone(),
            instance_id: decision.instance_id.clone(),
            finding_id: decision.event_id.clone(),
            finding_type: decision.finding_type.clone(),
            cves: Vec::new(),
        };
        if let Err(error) = self.ports.notifier.notify(&notice).await {
            tracing::warn!(%error, "cannot deliver the failure notice");
        }
    }

    /// Whether `action`, claimed at `claimed_at` by a worker that stopped before settling it, was
    /// done after all: `Some` with what was found (or finished), `None` when it must be done (again).
    /// A scan counts as done when the computer's date for that scan is at or after the claim
    /// (ward's clock against the manager's: they must roughly agree); a recommendation scan found
    /// done still gets its recommendations applied. Rules and modules already in place count as
    /// done. A notice or an evaluation cannot be checked and is sent again.
    async fn done_since(&self, action: &Action, claimed_at: i64) -> Option<Result<String, String>> {
        let manager = &self.ports.manager;
        let text = |error: ManagerError| error.to_string();
        match action {
            Action::Scan {
                computer_id,
                kind,
                apply,
            } => {
                let last = match manager.last_scan(*kind, *computer_id).await {
                    Ok(last) => last,
                    Err(error) => return Some(Err(text(error))),
                };
                if last.is_none_or(|last| last < claimed_at) {
                    return None;
                }
                let ran = format!("the {} ran after the claim", kind.task_type());
                if *kind == ScanKind::Recommendation && *apply {
                    let assignments = match manager.computer_ips_assignments(*computer_id).await {
                        Ok(assignments) => assignments,
                        Err(error) => return Some(Err(text(error))),
                    };
                    return Some(
                        self.assign_recommended(*computer_id, &assignments)
                            .await
                            .map(|applied| format!("{ran}; {applied}")),
                    );
                }
                Some(Ok(ran))
            }
            Action::AssignIpsRules {
                target: RuleTarget::Computer(computer_id),
                rule_ids,
                ..
            } => match manager.computer_ips_assignments(*computer_id).await {
                Ok(assignments)
                    if rule_ids
                        .iter()
                        .all(|id| assignments.assigned_rule_ids.contains(id)) =>
                {
                    Some(Ok(format!("{} already assigned", join(rule_ids))))
                }
                Ok(_) => None,
                Err(error) => Some(Err(text(error))),
            },
            Action::EnableModule {
                computer_id,
                module,
            } => match manager.computer(*computer_id).await {
                Ok(computer)
                    if computer
                        .modules
                        .get(module)
                        .is_some_and(|state| state.state == module.on_state()) =>
                {
                    Some(Ok(format!("{module} is {}", module.on_state())))
                }
                Ok(_) => None,
                Err(error) => Some(Err(text(error))),
            },
            // Adding rules to a policy keeps the ones it has; a notice or evaluation is resent.
            Action::AssignIpsRules { .. } | Action::Notify(_) | Action::Evaluate { .. } => None,
        }
    }

    /// Does one action; the detail of what was done, or why it failed.
    async fn perform(&self, decision: &Decision, action: &Action) -> Result<String, String> {
        let manager = &self.ports.manager;
        let text = |error: ManagerError| error.to_string();
        match action {
            Action::Scan {
                computer_id,
                kind: ScanKind::Recommendation,
                apply: true,
            } => {
                self.recommendation_scan_applied(decision, *computer_id)
                    .await
            }
            Action::Scan {
                computer_id, kind, ..
            } => {
                let task = manager
                    .run_scan(*kind, *computer_id, &task_name(decision))
                    .await
                    .map_err(text)?;
                Ok(format!("scheduled task {task} ran"))
            }
            Action::AssignIpsRules {
                target, rule_ids, ..
            } => {
                let assigned = match target {
                    RuleTarget::Policy(policy_id) => {
                        manager.add_ips_rules_to_policy(*policy_id, rule_ids).await
                    }
                    RuleTarget::Computer(computer_id) => {
                        manager
                            .add_ips_rules_to_computer(*computer_id, rule_ids)
                            .await
                    }
                }
                .map_err(text)?;
                let missing: Vec<String> = rule_ids
                    .iter()
                    .filter(|id| !assigned.assigned_rule_ids.contains(id))
                    .map(ToString::to_string)
                    .collect();
                if missing.is_empty() {
                    Ok(format!(
                        "{} now assigned ({} rules in all)",
                        join(rule_ids),
                        assigned.assigned_rule_ids.len()
                    ))
                } else {
                    Err(format!(
                        "the manager answered without rules {}",
                        missing.join(", ")
                    ))
                }
            }
            Action::EnableModule {
                computer_id,
                module,
            } => {
                let computer = manager
                    .set_computer_module_state(*computer_id, *module, module.on_state())
                    .await
                    .map_err(text)?;
                let state = computer
                    .modules
                    .get(module)
                    .map_or("unknown", |state| state.state.as_str());
                Ok(format!("{module} is now {state}"))
            }
            Action::Notify(notice) => {
                self.ports
                    .notifier
                    .notify(notice)
                    .await
                    .map_err(|error| error.to_string())?;
                Ok("notified".into())
            }
            Action::Evaluate {
                result_token,
                evaluations,
            } => {
                self.ports
                    .evaluations
                    .put(result_token, evaluations)
                    .await
                    .map_err(|error| error.to_string())?;
                Ok(format!("{} evaluations reported", evaluations.len()))
            }
        }
    }

    /// Runs a recommendation scan, waits (doubling pauses, bounded) until the manager's
    /// `lastRecommendationScanDate` moves past the one read before the scan, then assigns what the
    /// scan recommends. Comparing the manager's dates with each other, not with ward's clock,
    /// keeps clock skew out of it.
    async fn recommendation_scan_applied(
        &self,
        decision: &Decision,
        computer_id: ward_core::ComputerId,
    ) -> Result<String, String> {
        let manager = &self.ports.manager;
        let text = |error: ManagerError| error.to_string();
        let before = manager
            .computer_ips_assignments(computer_id)
            .await
            .map_err(text)?
            .last_recommendation_scan_date;
        let task = manager
            .run_scan(ScanKind::Recommendation, computer_id, &task_name(decision))
            .await
            .map_err(text)?;
        let wait = self.settings.scan_wait;
        let started = self.ports.clock.now_ms();
        let mut pause = wait.first_ms.max(1);
        let assignments = loop {
            let assignments = manager
                .computer_ips_assignments(computer_id)
                .await
                .map_err(text)?;
            let finished = match (before, assignments.last_recommendation_scan_date) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(before), Some(now)) => now > before,
            };
            if finished {
                break assignments;
            }
            let waited = u64::try_from(self.ports.clock.now_ms() - started).unwrap_or(0);
            if waited >= wait.total_ms {
                return Err(format!(
                    "recommendation scan task {task} did not finish within {} s; its results were not applied",
                    wait.total_ms / 1000
                ));
            }
            self.ports
                .clock
                .sleep_ms(pause.min(wait.total_ms - waited))
                .await;
            pause = (pause * 2).min(wait.max_ms.max(1));
        };
        let applied = self.assign_recommended(computer_id, &assignments).await?;
        Ok(format!("scheduled task {task} ran; {applied}"))
    }

    /// Assigns the rules a finished recommendation scan recommends and the computer lacks.
    async fn assign_recommended(
        &self,
        computer_id: ward_core::ComputerId,
        assignments: &ward_core::RuleAssignments,
    ) -> Result<String, String> {
        let new: Vec<RuleId> = assignments
            .recommended_to_assign_rule_ids
            .iter()
            .copied()
            .filter(|id| !assignments.assigned_rule_ids.contains(id))
            .collect();
        if new.is_empty() {
            return Ok("the scan recommends no new rules".into());
        }
        self.ports
            .manager
            .add_ips_rules_to_computer(computer_id, &new)
            .await
            .map_err(|error| error.to_string())?;
        Ok(format!("recommended rules {} assigned", join(&new)))
    }
}

fn task_name(decision: &Decision) -> String {
    format!("ward: {} ({})", decision.finding_type, decision.event_id)
}

fn join(ids: &[RuleId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
