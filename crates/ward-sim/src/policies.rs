//! Policies: a small realistic tree (Base Policy → Linux Server → Web Server, …) with module
//! states, assigned rules and the recommendation settings, and their `policy` wire form.
//!
//! Module states inherit down the tree (`None` = `inherited`); rule lists are each policy's own.

use crate::module::Module;
use crate::rules::{Family, RuleCatalog, Topic};
use serde::Serialize;
use std::collections::BTreeMap;

pub(crate) const BASE_POLICY: i32 = 1;
pub(crate) const LINUX_SERVER: i32 = 2;
pub(crate) const WINDOWS_SERVER: i32 = 3;
pub(crate) const WEB_SERVER: i32 = 4;
pub(crate) const DATABASE_SERVER: i32 = 5;
pub(crate) const WINDOWS_IIS_SERVER: i32 = 6;
pub(crate) const KUBERNETES_NODE: i32 = 7;
pub(crate) const DEVELOPMENT: i32 = 8;

/// A policy's state.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub id: i32,
    /// `0`: a top-level policy.
    pub parent_id: i32,
    pub name: String,
    pub description: String,
    pub recommendation_scan_mode: &'static str,
    pub auto_requires_update: &'static str,
    /// Per [`Module::ALL`]; `None` means inherited from the parent.
    pub states: [Option<&'static str>; 8],
    pub ips_rule_ids: Vec<i32>,
    /// Set explicitly on a policy (writable there, unlike on computers).
    pub ips_application_type_ids: Vec<i32>,
    pub im_rule_ids: Vec<i32>,
    pub firewall_rule_ids: Vec<i32>,
    pub log_inspection_rule_ids: Vec<i32>,
    pub settings: BTreeMap<String, String>,
}

/// Every policy, by ID.
#[derive(Debug, Clone)]
pub(crate) struct Policies {
    pub by_id: BTreeMap<i32, Policy>,
}

/// How deep a parent chain may go before it is treated as broken.
const MAX_DEPTH: usize = 32;

impl Policies {
    /// The built-in policy tree, its rules chosen from the catalogue.
    pub(crate) fn build(catalog: &RuleCatalog) -> Self {
        let known = |identifiers: &[&str]| -> Vec<i32> {
            identifiers
                .iter()
                .filter_map(|identifier| catalog.ips_by_identifier(identifier))
                .collect()
        };
        let severe = |rule: &crate::rules::IpsRule| matches!(rule.severity, "critical" | "high");
        let with = |mut base: Vec<i32>, extra: Vec<i32>| {
            base.extend(extra);
            base.sort_unstable();
            base.dedup();
            base
        };
        let im_ids: Vec<i32> = catalog.im.iter().copied().collect();
        let im = |from: usize, count: usize| -> Vec<i32> {
            im_ids
                .iter()
                .skip(from)
                .step_by(7)
                .take(count)
                .copied()
                .collect()
        };
        let settings = |auto_apply: &str| {
            BTreeMap::from([
                (
                    "intrusionPreventionSettingAutoApplyRecommendationsEnabled".to_owned(),
                    auto_apply.to_owned(),
                ),
                (
                    "integrityMonitoringSettingAutoApplyRecommendationsEnabled".to_owned(),
                    auto_apply.to_owned(),
                ),
                (
                    "logInspectionSettingAutoApplyRecommendationsEnabled".to_owned(),
                    auto_apply.to_owned(),
                ),
                (
                    "platformSettingRecommendationOngoingScansInterval".to_owned(),
                    "7".to_owned(),
                ),
            ])
        };
        let s = Some;
        let policies = [
            Policy {
                id: BASE_POLICY,
                parent_id: 0,
                name: "Base Policy".into(),
                description: "The parent of every other policy: settings shared by all computers."
                    .into(),
                recommendation_scan_mode: "ongoing",
                auto_requires_update: "on",
                states: [
                    s("on"),
                    s("on"),
                    s("off"),
                    s("off"),
                    s("detect"),
                    s("off"),
                    s("off"),
                    s("off"),
                ],
                ips_rule_ids: catalog.pick_ips(6, |rule| {
                    rule.topic == Topic::Web && rule.family == Family::Any && rule.rule_type == "smart"
                }),
                ips_application_type_ids: Vec::new(),
                im_rule_ids: Vec::new(),
                firewall_rule_ids: Vec::new(),
                log_inspection_rule_ids: Vec::new(),
                settings: settings("no"),
            },
            Policy {
                id: LINUX_SERVER,
                parent_id: BASE_POLICY,
                name: "Linux Server".into(),
                description: "Linux servers: anti-malware, intrusion prevention, integrity monitoring and log inspection."
                    .into(),
                recommendation_scan_mode: "ongoing",
                auto_requires_update: "on",
                states: [None, None, None, None, s("prevent"), s("on"), s("on"), None],
                ips_rule_ids: with(
                    catalog.pick_ips(24, |rule| {
                        rule.family == Family::Linux && rule.topic == Topic::Core && severe(rule)
                    }),
                    known(&["1006256", "1006257", "1012005"]),
                ),
                ips_application_type_ids: Vec::new(),
                im_rule_ids: im(0, 30),
                firewall_rule_ids: Vec::new(),
                log_inspection_rule_ids: vec![1_002_792, 1_002_795, 1_008_703],
                settings: settings("yes"),
            },
            Policy {
                id: WINDOWS_SERVER,
                parent_id: BASE_POLICY,
                name: "Windows Server".into(),
                description: "Windows servers: every module but application control.".into(),
                recommendation_scan_mode: "ongoing",
                auto_requires_update: "on",
                states: [None, None, s("on"), s("on"), s("prevent"), s("real-time"), s("on"), None],
                ips_rule_ids: with(
                    catalog.pick_ips(24, |rule| {
                        rule.family == Family::Windows && rule.topic == Topic::Core && severe(rule)
                    }),
                    known(&["1008224", "1009749"]),
                ),
                ips_application_type_ids: Vec::new(),
                im_rule_ids: im(3, 40),
                firewall_rule_ids: vec![1, 2, 3, 11, 12, 25, 36],
                log_inspection_rule_ids: vec![1_002_828, 1_003_447],
                settings: settings("yes"),
            },
            Policy {
                id: WEB_SERVER,
                parent_id: LINUX_SERVER,
                name: "Web Server".into(),
                description: "Internet-facing Linux web and application servers.".into(),
                recommendation_scan_mode: "ongoing",
                auto_requires_update: "on",
                states: [None, None, None, None, None, s("real-time"), None, None],
                ips_rule_ids: with(
                    catalog.pick_ips(36, |rule| {
                        rule.topic == Topic::Web && rule.family != Family::Windows && severe(rule)
                    }),
                    known(&["1006256", "1008610", "1008632", "1011242", "1011249", "1011372"]),
                ),
                ips_application_type_ids: Vec::new(),
                im_rule_ids: im(1, 35),
                firewall_rule_ids: Vec::new(),
                log_inspection_rule_ids: vec![1_002_792, 1_002_795, 1_008_703, 1_010_236],
                settings: settings("yes"),
            },
            Policy {
                id: DATABASE_SERVER,
                parent_id: LINUX_SERVER,
                name: "Database Server".into(),
                description: "Linux database servers.".into(),
                recommendation_scan_mode: "ongoing",
                auto_requires_update: "off",
                states: [None, None, None, None, None, s("real-time"), None, None],
                ips_rule_ids: catalog.pick_ips(20, |rule| {
                    rule.topic == Topic::Database && rule.family != Family::Windows
                }),
                ips_application_type_ids: Vec::new(),
                im_rule_ids: im(2, 30),
                firewall_rule_ids: Vec::new(),
                log_inspection_rule_ids: vec![1_002_792, 1_004_057],
                settings: settings("no"),
            },
            Policy {
                id: WINDOWS_IIS_SERVER,
                parent_id: WINDOWS_SERVER,
                name: "Windows IIS Server".into(),
                description: "Windows web servers running IIS and .NET applications.".into(),
                recommendation_scan_mode: "ongoing",
                auto_requires_update: "on",
                states: [None, None, None, None, None, None, None, s("on")],
                ips_rule_ids: with(
                    catalog.pick_ips(30, |rule| {
                        rule.topic == Topic::Web && rule.family != Family::Linux && severe(rule)
                    }),
                    known(&["1008224", "1011140"]),
                ),
                ips_application_type_ids: Vec::new(),
                im_rule_ids: im(4, 40),
                firewall_rule_ids: vec![1, 2, 3, 11, 12, 25, 36, 80],
                log_inspection_rule_ids: vec![1_002_828, 1_003_447, 1_008_121],
                settings: settings("yes"),
            },
            Policy {
                id: KUBERNETES_NODE,
                parent_id: LINUX_SERVER,
                name: "Kubernetes Node".into(),
                description: "Worker nodes of Kubernetes clusters.".into(),
                recommendation_scan_mode: "ongoing",
                auto_requires_update: "on",
                states: [None, s("off"), s("on"), None, s("detect"), s("off"), None, None],
                ips_rule_ids: catalog.pick_ips(16, |rule| {
                    rule.topic == Topic::Container || (rule.family == Family::Linux && rule.severity == "critical")
                }),
                ips_application_type_ids: Vec::new(),
                im_rule_ids: Vec::new(),
                firewall_rule_ids: Vec::new(),
                log_inspection_rule_ids: vec![1_002_792],
                settings: settings("no"),
            },
            Policy {
                id: DEVELOPMENT,
                parent_id: BASE_POLICY,
                name: "Development".into(),
                description: "Short-lived development machines: anti-malware only.".into(),
                recommendation_scan_mode: "off",
                auto_requires_update: "off",
                states: [
                    None,
                    s("off"),
                    None,
                    None,
                    s("off"),
                    None,
                    None,
                    None,
                ],
                ips_rule_ids: Vec::new(),
                ips_application_type_ids: Vec::new(),
                im_rule_ids: Vec::new(),
                firewall_rule_ids: Vec::new(),
                log_inspection_rule_ids: Vec::new(),
                settings: settings("no"),
            },
        ];
        Self {
            by_id: policies
                .into_iter()
                .map(|policy| (policy.id, policy))
                .collect(),
        }
    }

    pub(crate) fn get(&self, id: i32) -> Option<&Policy> {
        self.by_id.get(&id)
    }

    /// A module's effective state on a policy: its own, or the nearest ancestor's. `off` when no
    /// policy in the chain sets it (or the chain is broken).
    pub(crate) fn effective_state(&self, policy_id: i32, module: Module) -> &'static str {
        let mut current = self.get(policy_id);
        for _ in 0..MAX_DEPTH {
            let Some(policy) = current else { break };
            if let Some(state) = policy.states[module.index()] {
                return state;
            }
            current = self.get(policy.parent_id);
        }
        "off"
    }

    /// Whether making `parent_id` the parent of `policy_id` would create a loop.
    pub(crate) fn would_loop(&self, policy_id: i32, parent_id: i32) -> bool {
        let mut current = parent_id;
        for _ in 0..MAX_DEPTH {
            if current == policy_id {
                return true;
            }
            match self.get(current) {
                Some(policy) if policy.parent_id != 0 => current = policy.parent_id,
                _ => return false,
            }
        }
        true
    }
}

/// `policyModuleStatus`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyModuleStatus {
    status: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    status_message: &'static str,
}

/// One module extension of a policy; the fields present depend on the module.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyModuleOut<'a> {
    state: &'static str,
    module_status: PolicyModuleStatus,
    #[serde(
        rename = "realTimeScanConfigurationID",
        skip_serializing_if = "Option::is_none"
    )]
    real_time_scan_configuration_id: Option<i32>,
    #[serde(
        rename = "realTimeScanScheduleID",
        skip_serializing_if = "Option::is_none"
    )]
    real_time_scan_schedule_id: Option<i32>,
    #[serde(
        rename = "manualScanConfigurationID",
        skip_serializing_if = "Option::is_none"
    )]
    manual_scan_configuration_id: Option<i32>,
    #[serde(
        rename = "scheduledScanConfigurationID",
        skip_serializing_if = "Option::is_none"
    )]
    scheduled_scan_configuration_id: Option<i32>,
    #[serde(
        rename = "globalStatefulConfigurationID",
        skip_serializing_if = "Option::is_none"
    )]
    global_stateful_configuration_id: Option<i32>,
    #[serde(rename = "ruleIDs", skip_serializing_if = "Option::is_none")]
    rule_ids: Option<&'a [i32]>,
    #[serde(rename = "applicationTypeIDs", skip_serializing_if = "Option::is_none")]
    application_type_ids: Option<Vec<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    block_unrecognized: Option<bool>,
}

/// A setting's `{"value": …}`.
#[derive(Debug, Serialize)]
struct SettingValue<'a> {
    value: &'a str,
}

/// The `policy` object as the API returns it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PolicyOut<'a> {
    #[serde(rename = "parentID", skip_serializing_if = "Option::is_none")]
    parent_id: Option<i32>,
    name: &'a str,
    description: &'a str,
    policy_settings: BTreeMap<&'a str, SettingValue<'a>>,
    recommendation_scan_mode: &'static str,
    auto_requires_update: &'static str,
    #[serde(rename = "ID")]
    id: i32,
    anti_malware: PolicyModuleOut<'a>,
    web_reputation: PolicyModuleOut<'a>,
    activity_monitoring: PolicyModuleOut<'a>,
    firewall: PolicyModuleOut<'a>,
    intrusion_prevention: PolicyModuleOut<'a>,
    integrity_monitoring: PolicyModuleOut<'a>,
    log_inspection: PolicyModuleOut<'a>,
    application_control: PolicyModuleOut<'a>,
}

impl<'a> PolicyOut<'a> {
    /// The wire form of a policy. Module states are the effective ones: reads never return
    /// `inherited`.
    pub(crate) fn new(policy: &'a Policy, policies: &Policies, catalog: &RuleCatalog) -> Self {
        let module = |module: Module| {
            let state = policies.effective_state(policy.id, module);
            let on = state != "off";
            let mut out = PolicyModuleOut {
                state,
                module_status: PolicyModuleStatus {
                    status: if on { "active" } else { "inactive" },
                    status_message: if on { "" } else { "Off" },
                },
                real_time_scan_configuration_id: None,
                real_time_scan_schedule_id: None,
                manual_scan_configuration_id: None,
                scheduled_scan_configuration_id: None,
                global_stateful_configuration_id: None,
                rule_ids: None,
                application_type_ids: None,
                block_unrecognized: None,
            };
            match module {
                Module::AntiMalware => {
                    out.real_time_scan_configuration_id = Some(if on { 1 } else { 0 });
                    out.real_time_scan_schedule_id = Some(4);
                    out.manual_scan_configuration_id = Some(2);
                    out.scheduled_scan_configuration_id = Some(3);
                }
                Module::Firewall => {
                    out.global_stateful_configuration_id = Some(1);
                    out.rule_ids = Some(&policy.firewall_rule_ids);
                }
                Module::IntrusionPrevention => {
                    out.rule_ids = Some(&policy.ips_rule_ids);
                    let mut types = catalog.application_types(&policy.ips_rule_ids);
                    types.extend(&policy.ips_application_type_ids);
                    types.sort_unstable();
                    types.dedup();
                    out.application_type_ids = Some(types);
                }
                Module::IntegrityMonitoring => out.rule_ids = Some(&policy.im_rule_ids),
                Module::LogInspection => out.rule_ids = Some(&policy.log_inspection_rule_ids),
                Module::ApplicationControl => out.block_unrecognized = Some(false),
                Module::WebReputation | Module::ActivityMonitoring => {}
            }
            out
        };
        Self {
            parent_id: (policy.parent_id != 0).then_some(policy.parent_id),
            name: &policy.name,
            description: &policy.description,
            policy_settings: policy
                .settings
                .iter()
                .map(|(name, value)| (name.as_str(), SettingValue { value }))
                .collect(),
            recommendation_scan_mode: policy.recommendation_scan_mode,
            auto_requires_update: policy.auto_requires_update,
            id: policy.id,
            anti_malware: module(Module::AntiMalware),
            web_reputation: module(Module::WebReputation),
            activity_monitoring: module(Module::ActivityMonitoring),
            firewall: module(Module::Firewall),
            intrusion_prevention: module(Module::IntrusionPrevention),
            integrity_monitoring: module(Module::IntegrityMonitoring),
            log_inspection: module(Module::LogInspection),
            application_control: module(Module::ApplicationControl),
        }
    }
}

/// The searchable fields of `policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyField {
    ParentId,
    Name,
    Description,
    RecommendationScanMode,
    AutoRequiresUpdate,
}

impl crate::search::Searchable for Policy {
    type Field = PolicyField;
    const OBJECT: &'static str = "policy";

    fn field(name: &str) -> Option<(PolicyField, crate::search::Kind)> {
        use crate::search::Kind;
        Some(match name {
            "parentID" => (PolicyField::ParentId, Kind::Numeric),
            "name" => (PolicyField::Name, Kind::String),
            "description" => (PolicyField::Description, Kind::String),
            "recommendationScanMode" => (PolicyField::RecommendationScanMode, Kind::Choice),
            "autoRequiresUpdate" => (PolicyField::AutoRequiresUpdate, Kind::Choice),
            _ => return None,
        })
    }

    fn object_id(&self) -> i64 {
        i64::from(self.id)
    }

    fn value(&self, field: PolicyField) -> crate::search::Value<'_> {
        use crate::search::Value;
        match field {
            PolicyField::ParentId if self.parent_id == 0 => Value::Null,
            PolicyField::ParentId => Value::Number(f64::from(self.parent_id)),
            PolicyField::Name => Value::Str(&self.name),
            PolicyField::Description => Value::Str(&self.description),
            PolicyField::RecommendationScanMode => Value::Str(self.recommendation_scan_mode),
            PolicyField::AutoRequiresUpdate => Value::Str(self.auto_requires_update),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_inherit_down_the_tree() {
        let catalog = RuleCatalog::build();
        let policies = Policies::build(&catalog);
        assert_eq!(
            policies.effective_state(WEB_SERVER, Module::IntrusionPrevention),
            "prevent",
            "from Linux Server"
        );
        assert_eq!(
            policies.effective_state(WEB_SERVER, Module::AntiMalware),
            "on",
            "from Base Policy"
        );
        assert_eq!(
            policies.effective_state(WEB_SERVER, Module::IntegrityMonitoring),
            "real-time",
            "its own"
        );
        assert_eq!(policies.effective_state(99, Module::AntiMalware), "off");
    }

    #[test]
    fn loops_are_detected() {
        let catalog = RuleCatalog::build();
        let policies = Policies::build(&catalog);
        assert!(policies.would_loop(LINUX_SERVER, WEB_SERVER));
        assert!(policies.would_loop(LINUX_SERVER, LINUX_SERVER));
        assert!(!policies.would_loop(WEB_SERVER, WINDOWS_SERVER));
    }

    #[test]
    fn policies_carry_rules() {
        let catalog = RuleCatalog::build();
        let policies = Policies::build(&catalog);
        for policy in policies.by_id.values() {
            assert!(
                policy
                    .ips_rule_ids
                    .iter()
                    .all(|id| catalog.ips_rule(*id).is_some()),
                "{}",
                policy.name
            );
            assert!(
                policy.ips_rule_ids.windows(2).all(|pair| pair[0] < pair[1])
                    || policy.ips_rule_ids.len() < 2
            );
        }
        let web = policies.get(WEB_SERVER).expect("built in");
        assert!(web.ips_rule_ids.len() > 30, "{}", web.ips_rule_ids.len());
        let struts = catalog.ips_by_identifier("1008610").expect("known");
        assert!(web.ips_rule_ids.contains(&struts));
    }
}
