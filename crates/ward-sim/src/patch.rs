//! Modify bodies (`POST /computers/{id}`, `POST /policies/{id}`): partial updates in the API's
//! field names, validated in full before anything changes.
//!
//! Unknown fields are refused with a 400 naming them, so a client's misspelt field fails loudly
//! here instead of being dropped. Read-only fields are accepted and ignored, as the manager does.
//! `inherited` (write-only) clears a module state set on the object; `0` clears an ID.

use crate::computer::{Computer, Settings};
use crate::error::ApiError;
use crate::module::Module;
use crate::policies::{Policies, Policy};
use crate::rules::RuleCatalog;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;

/// A module extension with only a state (`webReputation`, `activityMonitoring`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct StatePatch {
    state: Option<String>,
    module_status: Option<IgnoredAny>,
}

/// `antiMalware`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct AntiMalwarePatch {
    state: Option<String>,
    module_status: Option<IgnoredAny>,
    #[serde(rename = "realTimeScanConfigurationID")]
    real_time_scan_configuration_id: Option<i32>,
    #[serde(rename = "realTimeScanScheduleID")]
    real_time_scan_schedule_id: Option<i32>,
    #[serde(rename = "manualScanConfigurationID")]
    manual_scan_configuration_id: Option<i32>,
    #[serde(rename = "scheduledScanConfigurationID")]
    scheduled_scan_configuration_id: Option<i32>,
    last_manual_scan: Option<IgnoredAny>,
    last_scheduled_scan: Option<IgnoredAny>,
}

/// `firewall`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct FirewallPatch {
    state: Option<String>,
    module_status: Option<IgnoredAny>,
    #[serde(rename = "globalStatefulConfigurationID")]
    global_stateful_configuration_id: Option<i32>,
    stateful_configuration_assignments: Option<IgnoredAny>,
    #[serde(rename = "ruleIDs")]
    rule_ids: Option<Vec<i32>>,
}

/// `intrusionPrevention` (`applicationTypeIDs` is read-only on computers, writable on policies).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct IntrusionPreventionPatch {
    state: Option<String>,
    module_status: Option<IgnoredAny>,
    #[serde(rename = "ruleIDs")]
    rule_ids: Option<Vec<i32>>,
    #[serde(rename = "applicationTypeIDs")]
    application_type_ids: Option<Vec<i32>>,
}

/// `integrityMonitoring`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct IntegrityMonitoringPatch {
    state: Option<String>,
    module_status: Option<IgnoredAny>,
    last_integrity_scan: Option<IgnoredAny>,
    last_baseline_created: Option<IgnoredAny>,
    #[serde(rename = "ruleIDs")]
    rule_ids: Option<Vec<i32>>,
}

/// `logInspection`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct LogInspectionPatch {
    state: Option<String>,
    module_status: Option<IgnoredAny>,
    #[serde(rename = "ruleIDs")]
    rule_ids: Option<Vec<i32>>,
}

/// `applicationControl`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct ApplicationControlPatch {
    state: Option<String>,
    module_status: Option<IgnoredAny>,
    block_unrecognized: Option<bool>,
    #[serde(rename = "rulesetID")]
    ruleset_id: Option<i64>,
    #[serde(rename = "trustRulesetID")]
    trust_ruleset_id: Option<String>,
    maintenance_mode_status: Option<String>,
    maintenance_mode_duration: Option<i32>,
    maintenance_mode_start_time: Option<IgnoredAny>,
    maintenance_mode_end_time: Option<IgnoredAny>,
}

/// A `computer` modify body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct ComputerPatch {
    host_name: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    #[serde(rename = "groupID")]
    group_id: Option<i32>,
    #[serde(rename = "policyID")]
    policy_id: Option<i32>,
    #[serde(rename = "assetImportanceID")]
    asset_importance_id: Option<i32>,
    #[serde(rename = "relayListID")]
    relay_list_id: Option<i32>,
    anti_malware: Option<AntiMalwarePatch>,
    web_reputation: Option<StatePatch>,
    activity_monitoring: Option<StatePatch>,
    firewall: Option<FirewallPatch>,
    intrusion_prevention: Option<IntrusionPreventionPatch>,
    integrity_monitoring: Option<IntegrityMonitoringPatch>,
    log_inspection: Option<LogInspectionPatch>,
    application_control: Option<ApplicationControlPatch>,
    // Read-only or not simulated: accepted and ignored.
    #[serde(rename = "lastIPUsed")]
    last_ip_used: Option<IgnoredAny>,
    platform: Option<IgnoredAny>,
    agent_finger_print: Option<IgnoredAny>,
    appliance_finger_print: Option<IgnoredAny>,
    last_agent_communication: Option<IgnoredAny>,
    last_appliance_communication: Option<IgnoredAny>,
    last_send_policy_request: Option<IgnoredAny>,
    last_send_policy_success: Option<IgnoredAny>,
    agent_version: Option<IgnoredAny>,
    computer_status: Option<IgnoredAny>,
    tasks: Option<IgnoredAny>,
    security_updates: Option<IgnoredAny>,
    computer_settings: Option<IgnoredAny>,
    interfaces: Option<IgnoredAny>,
    #[serde(rename = "biosUUID")]
    bios_uuid: Option<IgnoredAny>,
    #[serde(rename = "azureARMVirtualMachineSummary")]
    azure_arm_virtual_machine_summary: Option<IgnoredAny>,
    #[serde(rename = "azureVMVirtualMachineSummary")]
    azure_vm_virtual_machine_summary: Option<IgnoredAny>,
    ec2_virtual_machine_summary: Option<IgnoredAny>,
    no_connector_virtual_machine_summary: Option<IgnoredAny>,
    #[serde(rename = "vmwareVMVirtualMachineSummary")]
    vmware_vm_virtual_machine_summary: Option<IgnoredAny>,
    #[serde(rename = "vcloudVMVirtualMachineSummary")]
    vcloud_vm_virtual_machine_summary: Option<IgnoredAny>,
    workspace_virtual_machine_summary: Option<IgnoredAny>,
    gcp_virtual_machine_summary: Option<IgnoredAny>,
    #[serde(rename = "hostGUID")]
    host_guid: Option<IgnoredAny>,
    #[serde(rename = "ID")]
    id: Option<IgnoredAny>,
    #[serde(rename = "ESXSummary")]
    esx_summary: Option<IgnoredAny>,
    #[serde(rename = "SAP")]
    sap: Option<IgnoredAny>,
}

/// A setting's `{"value": …}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingValue {
    value: String,
}

/// A `policy` modify body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "read-only fields are parsed only to be accepted")]
pub(crate) struct PolicyPatch {
    #[serde(rename = "parentID")]
    parent_id: Option<i32>,
    name: Option<String>,
    description: Option<String>,
    policy_settings: Option<BTreeMap<String, SettingValue>>,
    recommendation_scan_mode: Option<String>,
    auto_requires_update: Option<String>,
    interface_types: Option<IgnoredAny>,
    #[serde(rename = "ID")]
    id: Option<IgnoredAny>,
    anti_malware: Option<AntiMalwarePatch>,
    web_reputation: Option<StatePatch>,
    activity_monitoring: Option<StatePatch>,
    firewall: Option<FirewallPatch>,
    intrusion_prevention: Option<IntrusionPreventionPatch>,
    integrity_monitoring: Option<IntegrityMonitoringPatch>,
    log_inspection: Option<LogInspectionPatch>,
    application_control: Option<ApplicationControlPatch>,
    #[serde(rename = "SAP")]
    sap: Option<IgnoredAny>,
}

/// What a body asks of one module, validated.
#[derive(Debug, Default)]
struct ModuleChange {
    /// `Some(None)`: back to inherited.
    state: Option<Option<&'static str>>,
    rule_ids: Option<Vec<i32>>,
    application_type_ids: Option<Vec<i32>>,
}

/// The validated module part of a modify body, per [`Module::ALL`].
#[derive(Debug, Default)]
struct ModuleChanges {
    modules: [ModuleChange; 8],
    settings: Settings,
    settings_touched: bool,
}

fn parse_state(
    module: Module,
    state: Option<&str>,
) -> Result<Option<Option<&'static str>>, ApiError> {
    match state {
        None => Ok(None),
        Some("inherited") => Ok(Some(None)),
        Some(given) => module
            .state(given)
            .map(|state| Some(Some(state)))
            .ok_or_else(|| ApiError::bad_request(module.invalid_state(given))),
    }
}

fn sorted(mut ids: Vec<i32>) -> Vec<i32> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn check_ips_rules(ids: &[i32], catalog: &RuleCatalog) -> Result<(), ApiError> {
    match ids.iter().find(|id| catalog.ips_rule(**id).is_none()) {
        Some(id) => Err(ApiError::bad_request(format!(
            "intrusion prevention rule {id} does not exist"
        ))),
        None => Ok(()),
    }
}

fn check_im_rules(ids: &[i32], catalog: &RuleCatalog) -> Result<(), ApiError> {
    match ids.iter().find(|id| !catalog.im.contains(id)) {
        Some(id) => Err(ApiError::bad_request(format!(
            "integrity monitoring rule {id} does not exist"
        ))),
        None => Ok(()),
    }
}

fn check_positive(ids: &[i32], what: &str) -> Result<(), ApiError> {
    match ids.iter().find(|id| **id <= 0) {
        Some(id) => Err(ApiError::bad_request(format!(
            "{what} rule ID {id} is not valid"
        ))),
        None => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn module_changes(
    anti_malware: Option<AntiMalwarePatch>,
    web_reputation: Option<StatePatch>,
    activity_monitoring: Option<StatePatch>,
    firewall: Option<FirewallPatch>,
    intrusion_prevention: Option<IntrusionPreventionPatch>,
    integrity_monitoring: Option<IntegrityMonitoringPatch>,
    log_inspection: Option<LogInspectionPatch>,
    application_control: Option<ApplicationControlPatch>,
    catalog: &RuleCatalog,
) -> Result<ModuleChanges, ApiError> {
    let mut changes = ModuleChanges::default();
    if let Some(patch) = anti_malware {
        let module = Module::AntiMalware;
        changes.modules[module.index()].state = parse_state(module, patch.state.as_deref())?;
        let s = &mut changes.settings;
        for (target, value) in [
            (
                &mut s.real_time_scan_configuration_id,
                patch.real_time_scan_configuration_id,
            ),
            (
                &mut s.real_time_scan_schedule_id,
                patch.real_time_scan_schedule_id,
            ),
            (
                &mut s.manual_scan_configuration_id,
                patch.manual_scan_configuration_id,
            ),
            (
                &mut s.scheduled_scan_configuration_id,
                patch.scheduled_scan_configuration_id,
            ),
        ] {
            if let Some(value) = value {
                *target = Some(value);
                changes.settings_touched = true;
            }
        }
    }
    for (module, patch) in [
        (Module::WebReputation, web_reputation),
        (Module::ActivityMonitoring, activity_monitoring),
    ] {
        if let Some(patch) = patch {
            changes.modules[module.index()].state = parse_state(module, patch.state.as_deref())?;
        }
    }
    if let Some(patch) = firewall {
        let module = Module::Firewall;
        changes.modules[module.index()].state = parse_state(module, patch.state.as_deref())?;
        if let Some(ids) = patch.rule_ids {
            check_positive(&ids, "firewall")?;
            changes.modules[module.index()].rule_ids = Some(sorted(ids));
        }
        if let Some(id) = patch.global_stateful_configuration_id {
            changes.settings.global_stateful_configuration_id = Some(id);
            changes.settings_touched = true;
        }
    }
    if let Some(patch) = intrusion_prevention {
        let module = Module::IntrusionPrevention;
        changes.modules[module.index()].state = parse_state(module, patch.state.as_deref())?;
        if let Some(ids) = patch.rule_ids {
            check_ips_rules(&ids, catalog)?;
            changes.modules[module.index()].rule_ids = Some(sorted(ids));
        }
        changes.modules[module.index()].application_type_ids =
            patch.application_type_ids.map(sorted);
    }
    if let Some(patch) = integrity_monitoring {
        let module = Module::IntegrityMonitoring;
        changes.modules[module.index()].state = parse_state(module, patch.state.as_deref())?;
        if let Some(ids) = patch.rule_ids {
            check_im_rules(&ids, catalog)?;
            changes.modules[module.index()].rule_ids = Some(sorted(ids));
        }
    }
    if let Some(patch) = log_inspection {
        let module = Module::LogInspection;
        changes.modules[module.index()].state = parse_state(module, patch.state.as_deref())?;
        if let Some(ids) = patch.rule_ids {
            check_positive(&ids, "log inspection")?;
            changes.modules[module.index()].rule_ids = Some(sorted(ids));
        }
    }
    if let Some(patch) = application_control {
        let module = Module::ApplicationControl;
        changes.modules[module.index()].state = parse_state(module, patch.state.as_deref())?;
        let s = &mut changes.settings;
        if let Some(status) = patch.maintenance_mode_status.as_deref() {
            const STATUSES: [&str; 5] = [
                "off",
                "start-requested",
                "on",
                "stop-requested",
                "reset-duration-requested",
            ];
            let status = STATUSES.iter().find(|s| **s == status).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "applicationControl.maintenanceModeStatus `{status}` is not one of {}",
                    STATUSES.join(", ")
                ))
            })?;
            s.maintenance_mode_status = Some(status);
        }
        s.block_unrecognized = patch.block_unrecognized.or(s.block_unrecognized);
        s.ruleset_id = patch.ruleset_id.or(s.ruleset_id);
        s.trust_ruleset_id = patch.trust_ruleset_id.or(s.trust_ruleset_id.take());
        s.maintenance_mode_duration = patch
            .maintenance_mode_duration
            .or(s.maintenance_mode_duration);
        changes.settings_touched = true;
    }
    Ok(changes)
}

/// Merges the set fields of `new` into `old`.
fn merge_settings(old: &mut Settings, new: Settings) {
    macro_rules! take {
        ($($field:ident),*) => { $( if new.$field.is_some() { old.$field = new.$field; } )* };
    }
    take!(
        real_time_scan_configuration_id,
        real_time_scan_schedule_id,
        manual_scan_configuration_id,
        scheduled_scan_configuration_id,
        global_stateful_configuration_id,
        block_unrecognized,
        ruleset_id,
        trust_ruleset_id,
        maintenance_mode_status,
        maintenance_mode_duration
    );
}

impl ComputerPatch {
    /// Validates the whole body against the current state, then applies it to `computer`.
    pub(crate) fn apply(
        self,
        computer: &mut Computer,
        policies: &Policies,
        catalog: &RuleCatalog,
    ) -> Result<(), ApiError> {
        let changes = module_changes(
            self.anti_malware,
            self.web_reputation,
            self.activity_monitoring,
            self.firewall,
            self.intrusion_prevention,
            self.integrity_monitoring,
            self.log_inspection,
            self.application_control,
            catalog,
        )?;
        if let Some(policy_id) = self.policy_id
            && policy_id != 0
            && policies.get(policy_id).is_none()
        {
            return Err(ApiError::bad_request(format!(
                "policy {policy_id} does not exist"
            )));
        }
        if let Some(name) = &self.host_name
            && name.trim().is_empty()
        {
            return Err(ApiError::bad_request("hostName cannot be empty"));
        }
        for (value, what) in [
            (self.group_id, "groupID"),
            (self.asset_importance_id, "assetImportanceID"),
            (self.relay_list_id, "relayListID"),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(ApiError::bad_request(format!("{what} cannot be negative")));
            }
        }
        // Everything is valid: apply.
        if let Some(name) = self.host_name {
            computer.host_name = name;
        }
        if let Some(name) = self.display_name {
            computer.display_name = name;
        }
        if let Some(description) = self.description {
            computer.description = description;
        }
        if let Some(id) = self.group_id {
            computer.group_id = id;
        }
        if let Some(id) = self.policy_id {
            computer.policy_id = id;
        }
        if let Some(id) = self.asset_importance_id {
            computer.asset_importance_id = id;
        }
        if let Some(id) = self.relay_list_id {
            computer.relay_list_id = id;
        }
        for module in Module::ALL {
            let change = &changes.modules[module.index()];
            if let Some(state) = change.state {
                computer.states[module.index()] = state;
            }
            if let Some(ids) = &change.rule_ids {
                let slot = match module {
                    Module::IntrusionPrevention => &mut computer.ips_rules,
                    Module::IntegrityMonitoring => &mut computer.im_rules,
                    Module::Firewall => &mut computer.firewall_rules,
                    Module::LogInspection => &mut computer.log_inspection_rules,
                    _ => continue,
                };
                *slot = Some(ids.clone());
            }
        }
        if changes.settings_touched {
            merge_settings(
                computer.settings.get_or_insert_with(Box::default),
                changes.settings,
            );
        }
        Ok(())
    }
}

impl PolicyPatch {
    /// Validates the whole body against the current state, then applies it to policy `id`.
    pub(crate) fn apply(
        self,
        id: i32,
        policies: &mut Policies,
        catalog: &RuleCatalog,
    ) -> Result<(), ApiError> {
        let changes = module_changes(
            self.anti_malware,
            self.web_reputation,
            self.activity_monitoring,
            self.firewall,
            self.intrusion_prevention,
            self.integrity_monitoring,
            self.log_inspection,
            self.application_control,
            catalog,
        )?;
        let current = policies
            .get(id)
            .ok_or_else(|| ApiError::not_found("The policy does not exist."))?;
        let parent_id = self.parent_id.unwrap_or(current.parent_id);
        if let Some(parent) = self.parent_id
            && parent != 0
            && (policies.get(parent).is_none() || policies.would_loop(id, parent))
        {
            return Err(ApiError::bad_request(format!(
                "policy {parent} cannot be the parent of policy {id}"
            )));
        }
        if parent_id == 0
            && changes
                .modules
                .iter()
                .any(|change| change.state == Some(None))
        {
            return Err(ApiError::bad_request(
                "a policy without a parent cannot inherit a module state",
            ));
        }
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                return Err(ApiError::bad_request("name cannot be empty"));
            }
            if policies
                .by_id
                .values()
                .any(|other| other.id != id && other.name.eq_ignore_ascii_case(name))
            {
                return Err(ApiError::bad_request(format!(
                    "a policy named `{name}` already exists"
                )));
            }
        }
        let choice = |value: Option<String>, allowed: &'static [&'static str], what: &str| {
            value
                .map(|value| {
                    allowed
                        .iter()
                        .copied()
                        .find(|a| *a == value)
                        .ok_or_else(|| {
                            ApiError::bad_request(format!(
                                "{what} `{value}` is not one of {}",
                                allowed.join(", ")
                            ))
                        })
                })
                .transpose()
        };
        let scan_mode = choice(
            self.recommendation_scan_mode,
            &["off", "ongoing"],
            "recommendationScanMode",
        )?;
        let auto_update = choice(
            self.auto_requires_update,
            &["off", "on"],
            "autoRequiresUpdate",
        )?;
        let top_level_states = parent_id == 0;
        let Some(policy): Option<&mut Policy> = policies.by_id.get_mut(&id) else {
            return Err(ApiError::not_found("The policy does not exist."));
        };
        policy.parent_id = parent_id;
        if let Some(name) = self.name {
            policy.name = name;
        }
        if let Some(description) = self.description {
            policy.description = description;
        }
        if let Some(mode) = scan_mode {
            policy.recommendation_scan_mode = mode;
        }
        if let Some(mode) = auto_update {
            policy.auto_requires_update = mode;
        }
        for (name, setting) in self.policy_settings.unwrap_or_default() {
            policy.settings.insert(name, setting.value);
        }
        for module in Module::ALL {
            let change = &changes.modules[module.index()];
            if let Some(state) = change.state {
                policy.states[module.index()] = state;
            }
            if let Some(ids) = &change.rule_ids {
                let slot = match module {
                    Module::IntrusionPrevention => &mut policy.ips_rule_ids,
                    Module::IntegrityMonitoring => &mut policy.im_rule_ids,
                    Module::Firewall => &mut policy.firewall_rule_ids,
                    Module::LogInspection => &mut policy.log_inspection_rule_ids,
                    _ => continue,
                };
                *slot = ids.clone();
            }
            if let Some(types) = &change.application_type_ids {
                policy.ips_application_type_ids = types.clone();
            }
        }
        // A policy that became top-level keeps the states it inherited.
        if top_level_states {
            for module in Module::ALL {
                if policy.states[module.index()].is_none() {
                    policy.states[module.index()] = Some("off");
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::{BASE_POLICY, LINUX_SERVER, WEB_SERVER};

    fn setup() -> (RuleCatalog, Policies) {
        let catalog = RuleCatalog::build();
        let policies = Policies::build(&catalog);
        (catalog, policies)
    }

    fn computer_patch(body: serde_json::Value) -> Result<ComputerPatch, String> {
        serde_json::from_value(body).map_err(|e| e.to_string())
    }

    #[test]
    fn misnamed_fields_are_refused() {
        let error = computer_patch(serde_json::json!({"instanceType": "t3.micro"})).unwrap_err();
        assert!(error.contains("unknown field `instanceType`"), "{error}");
        let error =
            computer_patch(serde_json::json!({"intrusionPrevention": {"rules": [1]}})).unwrap_err();
        assert!(error.contains("unknown field `rules`"), "{error}");
        let error =
            computer_patch(serde_json::json!({"webReputation": {"ruleIDs": [1]}})).unwrap_err();
        assert!(error.contains("unknown field `ruleIDs`"), "{error}");
        assert!(
            computer_patch(serde_json::json!({"ID": 4, "agentVersion": "x", "computerStatus": {}}))
                .is_ok()
        );
    }

    #[test]
    fn policy_patches_validate_before_changing_anything() {
        let (catalog, mut policies) = setup();
        let before = policies.get(WEB_SERVER).map(|p| p.name.clone());
        let patch: PolicyPatch = serde_json::from_value(serde_json::json!({
            "name": "Renamed", "intrusionPrevention": {"state": "bogus"}
        }))
        .expect("parses");
        let error = patch
            .apply(WEB_SERVER, &mut policies, &catalog)
            .unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(policies.get(WEB_SERVER).map(|p| p.name.clone()), before);

        let patch: PolicyPatch =
            serde_json::from_value(serde_json::json!({"parentID": WEB_SERVER})).expect("parses");
        assert!(
            patch.apply(LINUX_SERVER, &mut policies, &catalog).is_err(),
            "a loop"
        );
        let patch: PolicyPatch =
            serde_json::from_value(serde_json::json!({"antiMalware": {"state": "inherited"}}))
                .expect("parses");
        assert!(patch.apply(BASE_POLICY, &mut policies, &catalog).is_err());
        let patch: PolicyPatch =
            serde_json::from_value(serde_json::json!({"name": "linux server"})).expect("parses");
        assert!(
            patch.apply(WEB_SERVER, &mut policies, &catalog).is_err(),
            "names are unique"
        );

        let patch: PolicyPatch = serde_json::from_value(serde_json::json!({
            "description": "changed", "intrusionPrevention": {"state": "detect", "ruleIDs": [catalog.ips[0].id]},
            "policySettings": {"intrusionPreventionSettingAutoApplyRecommendationsEnabled": {"value": "yes"}}
        }))
        .expect("parses");
        patch
            .apply(WEB_SERVER, &mut policies, &catalog)
            .expect("applies");
        let web = policies.get(WEB_SERVER).expect("exists");
        assert_eq!(web.description, "changed");
        assert_eq!(web.ips_rule_ids, vec![catalog.ips[0].id]);
        assert_eq!(
            policies.effective_state(WEB_SERVER, Module::IntrusionPrevention),
            "detect"
        );
    }
}
