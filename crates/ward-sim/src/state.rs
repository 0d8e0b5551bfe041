//! The simulated manager's state and the operations that read and change it: search, rule
//! assignments and scheduled tasks. HTTP lives in [`crate::http`]; this module knows nothing of
//! requests.

use crate::computer::{Computer, ComputerField, Context, RuleModule};
use crate::config::SimConfig;
use crate::error::ApiError;
use crate::fleet::{self, Fleet};
use crate::policies::Policies;
use crate::rules::RuleCatalog;
use crate::search::Query;
use crate::tasks::{Effect, ScheduledTask};
use serde::Serialize;
use std::collections::BTreeMap;

/// What rules are assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Computer(i32),
    Policy(i32),
}

/// How an assignments call changes the assigned rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// POST: add these, keep the others.
    Add(Vec<i32>),
    /// PUT: exactly these.
    Set(Vec<i32>),
    /// DELETE: remove this one.
    Remove(i32),
}

/// `intrusionPreventionAssignments` / `integrityMonitoringAssignments`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssignmentsOut {
    #[serde(rename = "assignedRuleIDs")]
    pub assigned_rule_ids: Vec<i32>,
    /// Intrusion prevention only.
    #[serde(
        rename = "assignedApplicationTypeIDs",
        skip_serializing_if = "Option::is_none"
    )]
    pub assigned_application_type_ids: Option<Vec<i32>>,
    pub recommendation_scan_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_recommendation_scan_date: Option<i64>,
    #[serde(rename = "recommendedToAssignRuleIDs")]
    pub recommended_to_assign_rule_ids: Vec<i32>,
    #[serde(rename = "recommendedToUnassignRuleIDs")]
    pub recommended_to_unassign_rule_ids: Vec<i32>,
}

/// A scan whose effect shows once it is due.
#[derive(Debug, Clone)]
struct Pending {
    due_ms: i64,
    effect: Effect,
    computers: Vec<usize>,
    /// A run-once task deleted when it has run.
    delete_task: Option<i32>,
}

/// What running a task did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskRun {
    /// The IDs of the computers the task applies to.
    pub computer_ids: Vec<i32>,
}

/// The whole simulated manager.
#[derive(Debug)]
pub(crate) struct State {
    pub fleet: Fleet,
    pub policies: Policies,
    pub catalog: RuleCatalog,
    pub tasks: BTreeMap<i32, ScheduledTask>,
    next_task_id: i32,
    pending: Vec<Pending>,
}

impl State {
    /// Generates everything from the configuration, with times relative to `now_ms`.
    pub(crate) fn new(config: &SimConfig, now_ms: i64) -> Self {
        let catalog = RuleCatalog::build();
        let policies = Policies::build(&catalog);
        let fleet = fleet::generate(config, now_ms, &policies, &catalog);
        Self {
            fleet,
            policies,
            catalog,
            tasks: BTreeMap::new(),
            next_task_id: 1,
            pending: Vec::new(),
        }
    }

    /// What reading a computer needs.
    pub(crate) fn context(&self) -> Context<'_> {
        Context {
            policies: &self.policies,
            catalog: &self.catalog,
            security_groups: &self.fleet.security_groups,
        }
    }

    /// Whether scans are waiting to take effect.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Applies the scans that are due at `now_ms`.
    pub(crate) fn settle(&mut self, now_ms: i64) {
        if self.pending.is_empty() {
            return;
        }
        let (due, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|pending| pending.due_ms <= now_ms);
        self.pending = waiting;
        for pending in due {
            self.apply(&pending);
        }
    }

    fn apply(&mut self, pending: &Pending) {
        for &position in &pending.computers {
            let Some(computer) = self.fleet.computers.get_mut(position) else {
                continue;
            };
            if !computer.agent_online() {
                continue;
            }
            let at = Some(pending.due_ms);
            match pending.effect {
                Effect::RecommendationScan => computer.last_recommendation_scan = at,
                Effect::IntegrityScan => {
                    computer.last_integrity_scan = at;
                    computer.last_baseline_created = computer.last_baseline_created.or(at);
                }
                Effect::MalwareScan => computer.last_manual_scan = at,
                Effect::Nothing => {}
            }
        }
        if let Some(id) = pending.delete_task {
            self.tasks.remove(&id);
        }
    }

    /// A computer's position by ID, or 404.
    pub(crate) fn computer_position(&self, id: i32) -> Result<usize, ApiError> {
        self.fleet
            .position(id)
            .ok_or_else(|| ApiError::not_found("The computer does not exist."))
    }

    /// The positions of the computers a search selects, using the instance ID indexes when the
    /// search names an exact instance ID.
    pub(crate) fn search_computers(&self, query: &Query<ComputerField>) -> Vec<usize> {
        for (field, index) in [
            (ComputerField::Ec2InstanceId, &self.fleet.by_ec2_instance),
            (
                ComputerField::AgentReportedInstanceId,
                &self.fleet.by_reported_instance,
            ),
        ] {
            if let Some(instance) = query.exact_string(field) {
                let candidates = index.get(instance).copied().into_iter().collect();
                return query.select_among(&self.fleet.computers, candidates);
            }
        }
        query.select(&self.fleet.computers)
    }

    /// The assignments of a computer or policy.
    pub(crate) fn assignments(
        &self,
        target: Target,
        module: RuleModule,
        overrides: bool,
        now_ms: i64,
    ) -> Result<AssignmentsOut, ApiError> {
        let ctx = self.context();
        let (assigned, scan_status, scan_date, (assign, unassign)) = match target {
            Target::Computer(id) => {
                let computer = &self.fleet.computers[self.computer_position(id)?];
                let assigned = if overrides {
                    computer.own_rules(module).to_vec()
                } else {
                    computer.rules(module, &self.policies).to_vec()
                };
                (
                    assigned,
                    computer.recommendation_scan_status(now_ms),
                    computer.last_recommendation_scan,
                    computer.recommendations(module, &ctx),
                )
            }
            Target::Policy(id) => {
                let policy = self
                    .policies
                    .get(id)
                    .ok_or_else(|| ApiError::not_found("The policy does not exist."))?;
                let assigned = match module {
                    RuleModule::IntrusionPrevention => policy.ips_rule_ids.clone(),
                    RuleModule::IntegrityMonitoring => policy.im_rule_ids.clone(),
                };
                (assigned, "none", None, (Vec::new(), Vec::new()))
            }
        };
        let application_types = (module == RuleModule::IntrusionPrevention)
            .then(|| self.catalog.application_types(&assigned));
        Ok(AssignmentsOut {
            assigned_rule_ids: assigned,
            assigned_application_type_ids: application_types,
            recommendation_scan_status: scan_status,
            last_recommendation_scan_date: scan_date,
            recommended_to_assign_rule_ids: assign,
            recommended_to_unassign_rule_ids: unassign,
        })
    }

    /// Adds, sets or removes assigned rules. Unknown rule IDs are refused (400) before anything
    /// changes.
    pub(crate) fn change_assignments(
        &mut self,
        target: Target,
        module: RuleModule,
        change: &Change,
    ) -> Result<(), ApiError> {
        let exists = |id: i32| match module {
            RuleModule::IntrusionPrevention => self.catalog.ips_rule(id).is_some(),
            RuleModule::IntegrityMonitoring => self.catalog.im.contains(&id),
        };
        let named: &[i32] = match change {
            Change::Add(ids) | Change::Set(ids) => ids,
            Change::Remove(id) => std::slice::from_ref(id),
        };
        if let Some(unknown) = named.iter().find(|id| !exists(**id)) {
            let what = match module {
                RuleModule::IntrusionPrevention => "intrusion prevention",
                RuleModule::IntegrityMonitoring => "integrity monitoring",
            };
            return Err(ApiError::bad_request(format!(
                "{what} rule {unknown} does not exist"
            )));
        }
        let current: Vec<i32> = match target {
            Target::Computer(id) => {
                let computer = &self.fleet.computers[self.computer_position(id)?];
                computer.rules(module, &self.policies).to_vec()
            }
            Target::Policy(id) => {
                let policy = self
                    .policies
                    .get(id)
                    .ok_or_else(|| ApiError::not_found("The policy does not exist."))?;
                match module {
                    RuleModule::IntrusionPrevention => policy.ips_rule_ids.clone(),
                    RuleModule::IntegrityMonitoring => policy.im_rule_ids.clone(),
                }
            }
        };
        let mut rules = match change {
            Change::Add(ids) => current.into_iter().chain(ids.iter().copied()).collect(),
            Change::Set(ids) => ids.clone(),
            Change::Remove(id) => current.into_iter().filter(|rule| rule != id).collect(),
        };
        rules.sort_unstable();
        rules.dedup();
        match target {
            Target::Computer(id) => {
                let position = self.computer_position(id)?;
                let computer: &mut Computer = &mut self.fleet.computers[position];
                match module {
                    RuleModule::IntrusionPrevention => computer.ips_rules = Some(rules),
                    RuleModule::IntegrityMonitoring => computer.im_rules = Some(rules),
                }
            }
            Target::Policy(id) => {
                if let Some(policy) = self.policies.by_id.get_mut(&id) {
                    match module {
                        RuleModule::IntrusionPrevention => policy.ips_rule_ids = rules,
                        RuleModule::IntegrityMonitoring => policy.im_rule_ids = rules,
                    }
                }
            }
        }
        Ok(())
    }

    /// The positions of the computers a task's filter selects.
    fn task_targets(&self, task: &ScheduledTask, task_type: &str) -> Result<Vec<usize>, ApiError> {
        let Some(filter) = task.computer_filter(task_type) else {
            return Ok(Vec::new());
        };
        let filter = filter.ok_or_else(|| {
            ApiError::bad_request(format!(
                "a {task_type} task needs its parameters' computerFilter"
            ))
        })?;
        let computers = &self.fleet.computers;
        let positions = |keep: &dyn Fn(&Computer) -> bool| -> Vec<usize> {
            computers
                .iter()
                .enumerate()
                .filter(|(_, c)| keep(c))
                .map(|(position, _)| position)
                .collect()
        };
        let needed = |value: Option<i32>, name: &str| {
            value.ok_or_else(|| {
                ApiError::bad_request(format!(
                    "computerFilter of type {} needs {name}",
                    filter.filter_type.as_deref().unwrap_or_default()
                ))
            })
        };
        Ok(match filter.filter_type.as_deref().unwrap_or("computer") {
            "computer" => {
                let id = needed(filter.computer_id, "computerID")?;
                let position = self.fleet.position(id).ok_or_else(|| {
                    ApiError::bad_request(format!("computer {id} does not exist"))
                })?;
                vec![position]
            }
            "all-computers" => (0..computers.len()).collect(),
            "computers-in-group" | "computers-in-group-or-subgroup" => {
                let group = needed(filter.computer_group_id, "computerGroupID")?;
                positions(&|c| c.group_id == group)
            }
            "computers-using-policy" => {
                let policy = needed(filter.policy_id, "policyID")?;
                self.policy_exists(policy)?;
                positions(&|c| c.policy_id == policy)
            }
            "computers-using-policy-or-subpolicy" => {
                let policy = needed(filter.policy_id, "policyID")?;
                self.policy_exists(policy)?;
                let family: Vec<i32> = self
                    .policies
                    .by_id
                    .keys()
                    .copied()
                    .filter(|id| *id == policy || self.policies.would_loop(policy, *id))
                    .collect();
                positions(&|c| family.contains(&c.policy_id))
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "computerFilter type {other} is not simulated"
                )));
            }
        })
    }

    fn policy_exists(&self, id: i32) -> Result<(), ApiError> {
        match self.policies.get(id) {
            Some(_) => Ok(()),
            None => Err(ApiError::bad_request(format!("policy {id} does not exist"))),
        }
    }

    /// Stores a new task and runs it when it says `runNow`. Returns the task as created (a
    /// run-once task may be gone by the time the caller reads it back) and, when it ran, what it
    /// applied to.
    pub(crate) fn create_task(
        &mut self,
        mut task: ScheduledTask,
        now_ms: i64,
        delay_ms: i64,
    ) -> Result<(ScheduledTask, Option<TaskRun>), ApiError> {
        let task_type = task.checked_type()?;
        task.check_values()?;
        let run_now = task.run_now == Some(true);
        let targets = if run_now {
            Some(self.task_targets(&task, task_type)?)
        } else {
            None
        };
        let id = self.next_task_id;
        self.next_task_id += 1;
        task.id = Some(id);
        task.run_now = None;
        task.enabled = Some(task.enabled.unwrap_or(true));
        task.last_run_time = run_now.then_some(now_ms);
        if task
            .name
            .as_deref()
            .is_none_or(|name| name.trim().is_empty())
        {
            task.name = Some(format!("Scheduled Task {id}"));
        }
        let details = task.schedule_details.get_or_insert_with(Default::default);
        details.time_zone.get_or_insert_with(|| "UTC".to_owned());
        details
            .recurrence_type
            .get_or_insert_with(|| "none".to_owned());
        self.tasks.insert(id, task.clone());
        let run = targets.map(|targets| self.run(id, task_type, targets, now_ms, delay_ms));
        Ok((task, run))
    }

    /// Modifies a stored task and runs it when the body says `runNow`. Returns the task as
    /// modified and, when it ran, what it applied to.
    pub(crate) fn modify_task(
        &mut self,
        id: i32,
        changes: ScheduledTask,
        now_ms: i64,
        delay_ms: i64,
    ) -> Result<(ScheduledTask, Option<TaskRun>), ApiError> {
        let mut task = self
            .tasks
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("The scheduled task does not exist."))?;
        let run_now = changes.run_now == Some(true);
        task.merge(changes);
        let task_type = task.checked_type()?;
        task.check_values()?;
        let targets = if run_now {
            Some(self.task_targets(&task, task_type)?)
        } else {
            None
        };
        if run_now {
            task.last_run_time = Some(now_ms);
        }
        self.tasks.insert(id, task.clone());
        let run = targets.map(|targets| self.run(id, task_type, targets, now_ms, delay_ms));
        Ok((task, run))
    }

    fn run(
        &mut self,
        id: i32,
        task_type: &str,
        targets: Vec<usize>,
        now_ms: i64,
        delay_ms: i64,
    ) -> TaskRun {
        let computer_ids = targets
            .iter()
            .map(|&position| self.fleet.computers[position].id)
            .collect();
        let delete_task = self
            .tasks
            .get(&id)
            .is_some_and(ScheduledTask::runs_once)
            .then_some(id);
        let pending = Pending {
            due_ms: now_ms + delay_ms,
            effect: ScheduledTask::effect(task_type),
            computers: targets,
            delete_task,
        };
        if delay_ms <= 0 {
            self.apply(&pending);
        } else {
            self.pending.push(pending);
        }
        TaskRun { computer_ids }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchFilter;
    use serde_json::json;

    fn state() -> State {
        State::new(
            &SimConfig {
                fleet: 200,
                seed: 7,
                ..SimConfig::default()
            },
            1_700_000_000_000,
        )
    }

    #[test]
    fn instance_search_uses_the_index_and_finds_exactly_one() {
        let state = state();
        let wanted = state
            .fleet
            .computers
            .iter()
            .find_map(|c| c.ec2.as_ref().map(|e| (c.id, e.instance_id.to_uppercase())))
            .expect("a connector computer");
        let filter: SearchFilter = serde_json::from_value(json!({"searchCriteria": [{
            "fieldName": "ec2VirtualMachineSummary/instanceID", "stringValue": wanted.1, "stringWildcards": false}]}))
        .expect("valid");
        let query = Query::compile::<Computer>(filter).expect("compiles");
        let found = state.search_computers(&query);
        assert_eq!(found.len(), 1);
        assert_eq!(state.fleet.computers[found[0]].id, wanted.0);
    }

    #[test]
    fn assignments_add_set_remove() {
        let mut state = state();
        let id = state.fleet.computers[0].id;
        let rules: Vec<i32> = state.catalog.ips.iter().take(3).map(|r| r.id).collect();
        let target = Target::Computer(id);
        let ips = RuleModule::IntrusionPrevention;
        state
            .change_assignments(target, ips, &Change::Set(rules[..2].to_vec()))
            .expect("set");
        state
            .change_assignments(target, ips, &Change::Add(vec![rules[2], rules[0]]))
            .expect("add");
        let read = state.assignments(target, ips, false, 0).expect("read");
        assert_eq!(read.assigned_rule_ids, rules);
        state
            .change_assignments(target, ips, &Change::Remove(rules[1]))
            .expect("remove");
        let read = state.assignments(target, ips, false, 0).expect("read");
        assert_eq!(read.assigned_rule_ids, vec![rules[0], rules[2]]);
        let error = state
            .change_assignments(target, ips, &Change::Add(vec![999_999]))
            .unwrap_err();
        assert_eq!(
            error.message,
            "intrusion prevention rule 999999 does not exist"
        );
        let error = state
            .assignments(Target::Computer(-1), ips, false, 0)
            .unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::NOT_FOUND);
    }

    #[test]
    fn policy_changes_reach_the_computers_that_inherit() {
        let mut state = state();
        let computer = state
            .fleet
            .computers
            .iter()
            .find(|c| c.policy_id != 0 && c.ips_rules.is_none())
            .expect("an inheriting computer");
        let (computer_id, policy_id) = (computer.id, computer.policy_id);
        let rule = state.catalog.ips[5].id;
        state
            .change_assignments(
                Target::Policy(policy_id),
                RuleModule::IntrusionPrevention,
                &Change::Set(vec![rule]),
            )
            .expect("set on the policy");
        let read = state
            .assignments(
                Target::Computer(computer_id),
                RuleModule::IntrusionPrevention,
                false,
                0,
            )
            .expect("read");
        assert_eq!(read.assigned_rule_ids, vec![rule]);
        let own = state
            .assignments(
                Target::Computer(computer_id),
                RuleModule::IntrusionPrevention,
                true,
                0,
            )
            .expect("read");
        assert!(
            own.assigned_rule_ids.is_empty(),
            "nothing set on the computer itself"
        );
    }

    #[test]
    fn run_now_scans_take_effect_after_the_delay_and_run_once_tasks_go() {
        let mut state = state();
        let id = state.fleet.computers[0].id;
        let task: ScheduledTask = serde_json::from_value(json!({
            "name": "scan", "type": "scan-for-recommendations", "runNow": true,
            "scheduleDetails": {"recurrenceType": "none", "recurrenceCount": 1},
            "scanForRecommendationsTaskParameters": {"computerFilter": {"type": "computer", "computerID": id}}
        }))
        .expect("valid");
        let now = 1_800_000_000_000;
        let (task, run) = state.create_task(task, now, 500).expect("created");
        let task_id = task.id.expect("an ID");
        assert_eq!(task.last_run_time, Some(now));
        assert_eq!(run.map(|r| r.computer_ids), Some(vec![id]));
        assert!(state.tasks.contains_key(&task_id));
        state.settle(now + 499);
        assert_ne!(
            state.fleet.computers[0].last_recommendation_scan,
            Some(now + 500)
        );
        state.settle(now + 500);
        assert_eq!(
            state.fleet.computers[0].last_recommendation_scan,
            Some(now + 500)
        );
        assert!(!state.tasks.contains_key(&task_id), "deleted after it ran");
        assert!(!state.has_pending());
    }

    #[test]
    fn task_filters_are_checked() {
        let mut state = state();
        let task = |filter: serde_json::Value| -> ScheduledTask {
            serde_json::from_value(json!({"type": "scan-for-malware", "runNow": true,
                "scanForMalwareTaskParameters": {"computerFilter": filter}}))
            .expect("valid")
        };
        assert!(
            state
                .create_task(task(json!({"type": "computer", "computerID": -5})), 0, 0)
                .is_err()
        );
        assert!(
            state
                .create_task(task(json!({"type": "computer"})), 0, 0)
                .is_err()
        );
        assert!(
            state
                .create_task(
                    task(json!({"type": "computers-using-policy", "policyID": 99})),
                    0,
                    0
                )
                .is_err()
        );
        let (_, run) = state
            .create_task(
                task(json!({"type": "computers-using-policy-or-subpolicy", "policyID": 2})),
                0,
                0,
            )
            .expect("runs");
        let run = run.expect("ran");
        assert!(!run.computer_ids.is_empty());
        let missing: ScheduledTask =
            serde_json::from_value(json!({"type": "scan-for-malware", "runNow": true}))
                .expect("valid");
        assert!(state.create_task(missing, 0, 0).is_err());
    }
}
