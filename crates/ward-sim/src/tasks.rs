//! Scheduled tasks (`ScheduledTask`), the only way v1 triggers scans (reference §3.5).
//!
//! A task created or modified with `runNow: true` runs at once: the simulator resolves its
//! computer filter, and after the configured scan delay the scan's effect shows on each online
//! agent's computer (`lastRecommendationScanDate`, `lastIntegrityScan`, `lastManualScan`). A task
//! with `recurrenceCount: 1` is deleted once it has run, as the official samples rely on.

use crate::error::ApiError;
use crate::search::{Kind, Searchable, Value};
use serde::{Deserialize, Serialize};

/// The task types of the schema.
pub(crate) const TASK_TYPES: [&str; 16] = [
    "scan-for-open-ports",
    "send-alert-summary",
    "discover-computers",
    "run-script",
    "send-policy",
    "generate-report",
    "synchronize-directory",
    "synchronize-users",
    "scan-for-recommendations",
    "synchronize-vcenter",
    "scan-for-integrity-changes",
    "scan-for-malware",
    "check-for-security-updates",
    "synchronize-cloud-account",
    "check-for-software-updates",
    "update-suspicious-objects-list",
];

const FILTER_TYPES: [&str; 7] = [
    "computer",
    "all-computers",
    "computers-in-group",
    "computers-in-group-or-subgroup",
    "computers-using-policy",
    "computers-using-policy-or-subpolicy",
    "computers-in-smart-folder",
];

/// `ComputerFilter`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ComputerFilter {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub filter_type: Option<String>,
    #[serde(rename = "computerID", skip_serializing_if = "Option::is_none")]
    pub computer_id: Option<i32>,
    #[serde(rename = "computerGroupID", skip_serializing_if = "Option::is_none")]
    pub computer_group_id: Option<i32>,
    #[serde(rename = "policyID", skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<i32>,
    #[serde(rename = "smartFolderID", skip_serializing_if = "Option::is_none")]
    pub smart_folder_id: Option<i64>,
}

/// Parameters holding only a computer filter (recommendation scans, send policy, open ports).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FilterParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_filter: Option<ComputerFilter>,
}

/// `ScanForIntegrityChangesTaskParameters`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct IntegrityParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_filter: Option<ComputerFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_computers: Option<String>,
}

/// `ScanForMalwareTaskParameters` and `CheckForSecurityUpdatesTaskParameters`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TimeoutParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_filter: Option<ComputerFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

/// `OnceOnlyScheduleParameters`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct OnceOnly {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
}

/// `ScheduleDetails`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ScheduleDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_schedule_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_schedule_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly_schedule_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_schedule_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub once_only_schedule_parameters: Option<OnceOnly>,
}

/// A `ScheduledTask`, as sent (create, modify) and as stored and returned.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ScheduledTask {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_details: Option<ScheduleDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_run_time: Option<i64>,
    /// An instruction, never stored.
    #[serde(skip_serializing)]
    pub run_now: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_for_open_ports_task_parameters: Option<FilterParameters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_alert_summary_task_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discover_computers_task_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_script_task_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_policy_task_parameters: Option<FilterParameters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_report_task_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synchronize_directory_task_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_for_recommendations_task_parameters: Option<FilterParameters>,
    #[serde(
        rename = "synchronizeVCenterTaskParameters",
        skip_serializing_if = "Option::is_none"
    )]
    pub synchronize_vcenter_task_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_for_integrity_changes_task_parameters: Option<IntegrityParameters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_for_malware_task_parameters: Option<TimeoutParameters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_for_security_updates_task_parameters: Option<TimeoutParameters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synchronize_cloud_account_task_parameters: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_suspicious_objects_list_task_parameters: Option<serde_json::Value>,
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
}

/// `{"scheduledTasks": […]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduledTasksOut<'a> {
    pub scheduled_tasks: Vec<&'a ScheduledTask>,
}

/// What running a task does to the computers it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    RecommendationScan,
    IntegrityScan,
    MalwareScan,
    /// Recorded, no visible effect.
    Nothing,
}

impl ScheduledTask {
    /// The type, checked against the schema's enum.
    pub(crate) fn checked_type(&self) -> Result<&'static str, ApiError> {
        let given = self
            .task_type
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("type is required"))?;
        TASK_TYPES
            .iter()
            .copied()
            .find(|t| *t == given)
            .ok_or_else(|| {
                ApiError::bad_request(format!("type `{given}` is not a scheduled task type"))
            })
    }

    /// The computer filter of the parameters that go with the task's type, when that type takes
    /// one.
    pub(crate) fn computer_filter(&self, task_type: &str) -> Option<Option<&ComputerFilter>> {
        fn filter(params: &Option<FilterParameters>) -> Option<&ComputerFilter> {
            params.as_ref().and_then(|p| p.computer_filter.as_ref())
        }
        Some(match task_type {
            "scan-for-recommendations" => filter(&self.scan_for_recommendations_task_parameters),
            "scan-for-open-ports" => filter(&self.scan_for_open_ports_task_parameters),
            "send-policy" => filter(&self.send_policy_task_parameters),
            "scan-for-integrity-changes" => self
                .scan_for_integrity_changes_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
            "scan-for-malware" => self
                .scan_for_malware_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
            "check-for-security-updates" => self
                .check_for_security_updates_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
            _ => return None,
        })
    }

    /// What running the task does.
    pub(crate) fn effect(task_type: &str) -> Effect {
        match task_type {
            "scan-for-recommendations" => Effect::RecommendationScan,
            "scan-for-integrity-changes" => Effect::IntegrityScan,
            "scan-for-malware" => Effect::MalwareScan,
            _ => Effect::Nothing,
        }
    }

    /// Checks the enums of the body that the schema constrains.
    pub(crate) fn check_values(&self) -> Result<(), ApiError> {
        let one_of = |value: Option<&str>, allowed: &[&str], what: &str| match value {
            Some(value) if !allowed.contains(&value) => Err(ApiError::bad_request(format!(
                "{what} `{value}` is not one of {}",
                allowed.join(", ")
            ))),
            _ => Ok(()),
        };
        if let Some(details) = &self.schedule_details {
            one_of(
                details.recurrence_type.as_deref(),
                &["none", "hourly", "daily", "weekly", "monthly"],
                "scheduleDetails.recurrenceType",
            )?;
            if details.recurrence_count.is_some_and(|n| n < 0) {
                return Err(ApiError::bad_request(
                    "scheduleDetails.recurrenceCount cannot be negative",
                ));
            }
        }
        if let Some(params) = &self.scan_for_integrity_changes_task_parameters {
            one_of(
                params.trusted_computers.as_deref(),
                &[
                    "all-computers",
                    "trusted-computers-only",
                    "exclude-trusted-computers",
                ],
                "scanForIntegrityChangesTaskParameters.trustedComputers",
            )?;
        }
        if let Some(params) = &self.scan_for_malware_task_parameters {
            one_of(
                params.timeout.as_deref(),
                &[
                    "never",
                    "one-hour",
                    "two-hours",
                    "four-hours",
                    "eight-hours",
                    "twelve-hours",
                    "one-day",
                    "one-and-a-half-days",
                    "two-days",
                ],
                "scanForMalwareTaskParameters.timeout",
            )?;
        }
        if let Some(params) = &self.check_for_security_updates_task_parameters {
            one_of(
                params.timeout.as_deref(),
                &[
                    "never",
                    "one-hour",
                    "two-hours",
                    "four-hours",
                    "eight-hours",
                ],
                "checkForSecurityUpdatesTaskParameters.timeout",
            )?;
        }
        for filter in [
            self.scan_for_recommendations_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
            self.scan_for_open_ports_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
            self.send_policy_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
            self.scan_for_integrity_changes_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
            self.scan_for_malware_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
            self.check_for_security_updates_task_parameters
                .as_ref()
                .and_then(|p| p.computer_filter.as_ref()),
        ]
        .into_iter()
        .flatten()
        {
            one_of(
                filter.filter_type.as_deref(),
                &FILTER_TYPES,
                "computerFilter.type",
            )?;
        }
        Ok(())
    }

    /// Whether the task is deleted once it has run (`recurrenceCount: 1`).
    pub(crate) fn runs_once(&self) -> bool {
        self.schedule_details
            .as_ref()
            .and_then(|d| d.recurrence_count)
            == Some(1)
    }

    /// Merges a modify body into the stored task.
    pub(crate) fn merge(&mut self, changes: ScheduledTask) {
        macro_rules! take {
            ($($field:ident),*) => { $( if changes.$field.is_some() { self.$field = changes.$field; } )* };
        }
        take!(
            name,
            task_type,
            schedule_details,
            enabled,
            next_run_time,
            scan_for_open_ports_task_parameters,
            send_alert_summary_task_parameters,
            discover_computers_task_parameters,
            run_script_task_parameters,
            send_policy_task_parameters,
            generate_report_task_parameters,
            synchronize_directory_task_parameters,
            scan_for_recommendations_task_parameters,
            synchronize_vcenter_task_parameters,
            scan_for_integrity_changes_task_parameters,
            scan_for_malware_task_parameters,
            check_for_security_updates_task_parameters,
            synchronize_cloud_account_task_parameters,
            update_suspicious_objects_list_task_parameters
        );
    }
}

/// The searchable fields of `ScheduledTask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskField {
    Name,
    Type,
    Enabled,
    LastRunTime,
    NextRunTime,
}

impl Searchable for ScheduledTask {
    type Field = TaskField;
    const OBJECT: &'static str = "scheduled task";

    fn field(name: &str) -> Option<(TaskField, Kind)> {
        Some(match name {
            "name" => (TaskField::Name, Kind::String),
            "type" => (TaskField::Type, Kind::Choice),
            "enabled" => (TaskField::Enabled, Kind::Boolean),
            "lastRunTime" => (TaskField::LastRunTime, Kind::Date),
            "nextRunTime" => (TaskField::NextRunTime, Kind::Date),
            _ => return None,
        })
    }

    fn object_id(&self) -> i64 {
        i64::from(self.id.unwrap_or_default())
    }

    fn value(&self, field: TaskField) -> Value<'_> {
        match field {
            TaskField::Name => self.name.as_deref().map_or(Value::Null, Value::Str),
            TaskField::Type => self.task_type.as_deref().map_or(Value::Null, Value::Str),
            TaskField::Enabled => self.enabled.map_or(Value::Null, Value::Bool),
            TaskField::LastRunTime => self.last_run_time.map_or(Value::Null, Value::Date),
            TaskField::NextRunTime => self.next_run_time.map_or(Value::Null, Value::Date),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(body: serde_json::Value) -> ScheduledTask {
        serde_json::from_value(body).expect("a valid task body")
    }

    #[test]
    fn the_reference_run_now_body_parses() {
        let task = task(
            json!({"name": "rec-scan i-0abc", "type": "scan-for-recommendations", "runNow": true,
            "scheduleDetails": {"recurrenceType": "none", "recurrenceCount": 1,
                                "onceOnlyScheduleParameters": {"startTime": 0}},
            "scanForRecommendationsTaskParameters": {"computerFilter": {"type": "computer", "computerID": 42}}}),
        );
        assert_eq!(
            task.checked_type().expect("valid"),
            "scan-for-recommendations"
        );
        let filter = task
            .computer_filter("scan-for-recommendations")
            .flatten()
            .expect("has a filter");
        assert_eq!(filter.computer_id, Some(42));
        assert!(task.runs_once());
        assert!(task.check_values().is_ok());
        let out = serde_json::to_value(&task).expect("serializes");
        assert!(
            out.get("runNow").is_none(),
            "runNow is an instruction: {out}"
        );
    }

    #[test]
    fn bad_values_are_refused() {
        let wrong = task(json!({"type": "scan-for-everything"}));
        assert!(wrong.checked_type().is_err());
        let wrong = task(json!({"type": "scan-for-malware",
            "scanForMalwareTaskParameters": {"timeout": "forever", "computerFilter": {"type": "computer"}}}));
        assert!(wrong.check_values().is_err());
        let wrong = task(json!({"type": "scan-for-malware",
            "scanForMalwareTaskParameters": {"computerFilter": {"type": "some-computers"}}}));
        assert!(wrong.check_values().is_err());
        let refused = serde_json::from_value::<ScheduledTask>(json!({"type": "x", "runnow": true}));
        assert!(refused.is_err());
    }
}
