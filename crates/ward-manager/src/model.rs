//! Wire models of the Workload Security API v1, with the real field names (`ID`, `policyID`,
//! `ec2VirtualMachineSummary.instanceID`, `CVE`, …), and the mapping into ward's domain types.
//!
//! Every field is optional and unknown fields are ignored: the manager adds fields between versions
//! (e.g. `agentGUID`) and leaves out sub-objects that were not expanded. Request bodies skip absent
//! fields, because a modify call is a partial update.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use ward_core::region::region_of_availability_zone;
use ward_core::{AgentStatus, ComputerId, Module, ModuleState, PolicyId, RuleAssignments, RuleId};

/// Why a wire object cannot become a domain object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object} without an `ID`")]
pub struct MissingId {
    pub object: &'static str,
}

// ---------------------------------------------------------------------------------------------
// Computers
// ---------------------------------------------------------------------------------------------

/// A computer (`computer` schema). Sub-objects are present only when expanded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Computer {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "lastIPUsed", skip_serializing_if = "Option::is_none")]
    pub last_ip_used: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(rename = "groupID", skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    /// `0` means no policy (also when writing).
    #[serde(rename = "policyID", skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<i64>,
    #[serde(rename = "assetImportanceID", skip_serializing_if = "Option::is_none")]
    pub asset_importance_id: Option<i64>,
    #[serde(rename = "relayListID", skip_serializing_if = "Option::is_none")]
    pub relay_list_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_finger_print: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appliance_finger_print: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_agent_communication: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_appliance_communication: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_send_policy_request: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_send_policy_success: Option<i64>,
    /// `"0.0.0.0"` when no agent is installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_status: Option<ComputerStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<ComputerTasks>,
    #[serde(rename = "biosUUID", skip_serializing_if = "Option::is_none")]
    pub bios_uuid: Option<String>,
    #[serde(rename = "hostGUID", skip_serializing_if = "Option::is_none")]
    pub host_guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec2_virtual_machine_summary: Option<Ec2VirtualMachineSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_connector_virtual_machine_summary: Option<NoConnectorVirtualMachineSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anti_malware: Option<AntiMalwareComputerExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_reputation: Option<ComputerModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_monitoring: Option<ComputerModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firewall: Option<RuleComputerExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intrusion_prevention: Option<IntrusionPreventionComputerExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity_monitoring: Option<IntegrityMonitoringComputerExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_inspection: Option<RuleComputerExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_control: Option<ApplicationControlComputerExtension>,
}

/// `computerStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputerStatus {
    /// `inactive|active|warning|error|not-supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_status_messages: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appliance_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appliance_status_messages: Option<Vec<String>>,
}

/// `tasks` (`computerTasks`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputerTasks {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_tasks: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appliance_tasks: Option<Vec<String>>,
}

/// `ec2VirtualMachineSummary`: what an AWS connector knows of the instance. It has no `region`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ec2VirtualMachineSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_provider: Option<String>,
    #[serde(rename = "accountID", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operating_system: Option<String>,
    #[serde(rename = "privateIPAddress", skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<String>,
    #[serde(rename = "publicIPAddress", skip_serializing_if = "Option::is_none")]
    pub public_ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[serde(rename = "instanceID", skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<VirtualMachineSecurityGroup>>,
    /// The instance type, e.g. "t3.micro".
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtualization_type: Option<String>,
    /// e.g. "POWER ON".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<VirtualMachineMetadata>>,
    #[serde(rename = "DNSName", skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    #[serde(rename = "amiID", skip_serializing_if = "Option::is_none")]
    pub ami_id: Option<String>,
}

/// One security group of an EC2 instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualMachineSecurityGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// One metadata entry (a tag) of an EC2 instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualMachineMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `noConnectorVirtualMachineSummary`: what the agent reported about its instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoConnectorVirtualMachineSummary {
    #[serde(rename = "accountID", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(rename = "directoryID", skip_serializing_if = "Option::is_none")]
    pub directory_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(rename = "instanceID", skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `computerModuleStatus`: how a module is doing on one computer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputerModuleStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_status: Option<String>,
    /// Singular, unlike `computerStatus.agentStatusMessages`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_status_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appliance_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appliance_status_message: Option<String>,
}

/// A module extension with only `state` and `moduleStatus` (`webReputation`, `activityMonitoring`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputerModuleExtension {
    /// `inherited|on|off`; `inherited` is write-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_status: Option<ComputerModuleStatus>,
}

/// A module extension with rules (`firewall`, `logInspection`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleComputerExtension {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_status: Option<ComputerModuleStatus>,
    #[serde(rename = "ruleIDs", skip_serializing_if = "Option::is_none")]
    pub rule_ids: Option<Vec<i64>>,
}

/// `antiMalware` on a computer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AntiMalwareComputerExtension {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_status: Option<ComputerModuleStatus>,
    /// `0` when the module is inactive.
    #[serde(
        rename = "realTimeScanConfigurationID",
        skip_serializing_if = "Option::is_none"
    )]
    pub real_time_scan_configuration_id: Option<i64>,
    #[serde(
        rename = "realTimeScanScheduleID",
        skip_serializing_if = "Option::is_none"
    )]
    pub real_time_scan_schedule_id: Option<i64>,
    #[serde(
        rename = "manualScanConfigurationID",
        skip_serializing_if = "Option::is_none"
    )]
    pub manual_scan_configuration_id: Option<i64>,
    #[serde(
        rename = "scheduledScanConfigurationID",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_scan_configuration_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_manual_scan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_scheduled_scan: Option<i64>,
}

/// `intrusionPrevention` on a computer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntrusionPreventionComputerExtension {
    /// `inherited|prevent|detect|off`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_status: Option<ComputerModuleStatus>,
    #[serde(rename = "ruleIDs", skip_serializing_if = "Option::is_none")]
    pub rule_ids: Option<Vec<i64>>,
    #[serde(rename = "applicationTypeIDs", skip_serializing_if = "Option::is_none")]
    pub application_type_ids: Option<Vec<i64>>,
}

/// `integrityMonitoring` on a computer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityMonitoringComputerExtension {
    /// `inherited|real-time|on|off`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_status: Option<ComputerModuleStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_integrity_scan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_baseline_created: Option<i64>,
    #[serde(rename = "ruleIDs", skip_serializing_if = "Option::is_none")]
    pub rule_ids: Option<Vec<i64>>,
}

/// `applicationControl` on a computer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationControlComputerExtension {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_status: Option<ComputerModuleStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_unrecognized: Option<bool>,
    #[serde(rename = "rulesetID", skip_serializing_if = "Option::is_none")]
    pub ruleset_id: Option<i64>,
    #[serde(rename = "trustRulesetID", skip_serializing_if = "Option::is_none")]
    pub trust_ruleset_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance_mode_status: Option<String>,
}

impl Computer {
    /// A partial-update body that sets one module's state and nothing else.
    pub fn with_module_state(module: Module, state: &str) -> Self {
        let state = Some(state.to_owned());
        let mut computer = Self::default();
        match module {
            Module::AntiMalware => {
                computer.anti_malware = Some(AntiMalwareComputerExtension {
                    state,
                    ..Default::default()
                })
            }
            Module::WebReputation => {
                computer.web_reputation = Some(ComputerModuleExtension {
                    state,
                    ..Default::default()
                })
            }
            Module::Firewall => {
                computer.firewall = Some(RuleComputerExtension {
                    state,
                    ..Default::default()
                })
            }
            Module::IntrusionPrevention => {
                computer.intrusion_prevention = Some(IntrusionPreventionComputerExtension {
                    state,
                    ..Default::default()
                })
            }
            Module::IntegrityMonitoring => {
                computer.integrity_monitoring = Some(IntegrityMonitoringComputerExtension {
                    state,
                    ..Default::default()
                })
            }
            Module::LogInspection => {
                computer.log_inspection = Some(RuleComputerExtension {
                    state,
                    ..Default::default()
                })
            }
            Module::ApplicationControl => {
                computer.application_control = Some(ApplicationControlComputerExtension {
                    state,
                    ..Default::default()
                })
            }
        }
        computer
    }

    /// The `state` and `moduleStatus` of one module, when the computer reported it.
    pub fn module(&self, module: Module) -> Option<(Option<&str>, Option<&ComputerModuleStatus>)> {
        fn parts<'a>(
            state: &'a Option<String>,
            status: &'a Option<ComputerModuleStatus>,
        ) -> (Option<&'a str>, Option<&'a ComputerModuleStatus>) {
            (state.as_deref(), status.as_ref())
        }
        match module {
            Module::AntiMalware => self
                .anti_malware
                .as_ref()
                .map(|m| parts(&m.state, &m.module_status)),
            Module::WebReputation => self
                .web_reputation
                .as_ref()
                .map(|m| parts(&m.state, &m.module_status)),
            Module::Firewall => self
                .firewall
                .as_ref()
                .map(|m| parts(&m.state, &m.module_status)),
            Module::IntrusionPrevention => self
                .intrusion_prevention
                .as_ref()
                .map(|m| parts(&m.state, &m.module_status)),
            Module::IntegrityMonitoring => self
                .integrity_monitoring
                .as_ref()
                .map(|m| parts(&m.state, &m.module_status)),
            Module::LogInspection => self
                .log_inspection
                .as_ref()
                .map(|m| parts(&m.state, &m.module_status)),
            Module::ApplicationControl => self
                .application_control
                .as_ref()
                .map(|m| parts(&m.state, &m.module_status)),
        }
    }

    /// The EC2 instance ID: the connector's summary first, then the agent-reported one.
    pub fn instance_id(&self) -> Option<&str> {
        let ec2 = self
            .ec2_virtual_machine_summary
            .as_ref()
            .and_then(|s| s.instance_id.as_deref());
        let agent = self
            .no_connector_virtual_machine_summary
            .as_ref()
            .and_then(|s| s.instance_id.as_deref());
        non_blank(ec2).or(non_blank(agent))
    }

    /// Maps into ward's flat computer. Fails only when the manager sent no `ID`.
    pub fn into_domain(self) -> Result<ward_core::Computer, MissingId> {
        let computer_id = self.id.ok_or(MissingId { object: "computer" })?;
        let instance_id = self.instance_id().map(str::to_owned);
        let mut modules = BTreeMap::new();
        for module in Module::ALL {
            if let Some((Some(state), status)) = self.module(module) {
                let message = status
                    .and_then(|s| s.agent_status_message.as_deref())
                    .filter(|m| !m.trim().is_empty())
                    .map(str::to_owned);
                let status = status
                    .and_then(|s| s.agent_status.as_deref())
                    .map_or(AgentStatus::Unknown, AgentStatus::parse);
                modules.insert(
                    module,
                    ModuleState {
                        state: state.to_owned(),
                        status,
                        message,
                    },
                );
            }
        }
        let ec2 = self.ec2_virtual_machine_summary.unwrap_or_default();
        let agent_reported = self
            .no_connector_virtual_machine_summary
            .unwrap_or_default();
        let status = self.computer_status.unwrap_or_default();
        let availability_zone = non_blank_owned(ec2.availability_zone);
        let region = availability_zone
            .as_deref()
            .and_then(region_of_availability_zone)
            .or_else(|| non_blank_owned(agent_reported.region));
        Ok(ward_core::Computer {
            computer_id: ComputerId(computer_id),
            host_name: self.host_name.unwrap_or_default(),
            display_name: non_blank_owned(self.display_name),
            platform: non_blank_owned(self.platform),
            agent_version: non_blank_owned(self.agent_version),
            agent_status: status
                .agent_status
                .as_deref()
                .map_or(AgentStatus::Unknown, AgentStatus::parse),
            agent_status_messages: status.agent_status_messages.unwrap_or_default(),
            policy_id: self.policy_id.filter(|id| *id != 0).map(PolicyId),
            last_agent_communication: self.last_agent_communication.filter(|ms| *ms != 0),
            instance_id,
            account_id: non_blank_owned(ec2.account_id)
                .or(non_blank_owned(agent_reported.account_id)),
            availability_zone,
            region,
            instance_type: non_blank_owned(ec2.instance_type),
            ec2_state: non_blank_owned(ec2.state),
            modules,
            ips_rule_ids: self
                .intrusion_prevention
                .and_then(|ips| ips.rule_ids)
                .unwrap_or_default()
                .into_iter()
                .map(RuleId)
                .collect(),
        })
    }
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

fn non_blank_owned(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// `{"computers": […]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Computers {
    #[serde(default)]
    pub computers: Vec<Computer>,
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

/// A policy (`policy` schema), without `policySettings` (ignored when read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// `0` or absent: a top-level policy.
    #[serde(rename = "parentID", skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `off|ongoing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation_scan_mode: Option<String>,
    /// `off|on`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_requires_update: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anti_malware: Option<PolicyModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_reputation: Option<PolicyModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_monitoring: Option<PolicyModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firewall: Option<PolicyModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intrusion_prevention: Option<PolicyModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity_monitoring: Option<PolicyModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_inspection: Option<PolicyModuleExtension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_control: Option<PolicyModuleExtension>,
}

/// A module extension on a policy. Rule fields exist only on the modules that have rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyModuleExtension {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_status: Option<PolicyModuleStatus>,
    #[serde(rename = "ruleIDs", skip_serializing_if = "Option::is_none")]
    pub rule_ids: Option<Vec<i64>>,
    #[serde(rename = "applicationTypeIDs", skip_serializing_if = "Option::is_none")]
    pub application_type_ids: Option<Vec<i64>>,
}

/// `policyModuleStatus` (a different shape from the computer's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyModuleStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

impl Policy {
    /// The extension of one module, when the policy reported it.
    pub fn module(&self, module: Module) -> Option<&PolicyModuleExtension> {
        match module {
            Module::AntiMalware => self.anti_malware.as_ref(),
            Module::WebReputation => self.web_reputation.as_ref(),
            Module::Firewall => self.firewall.as_ref(),
            Module::IntrusionPrevention => self.intrusion_prevention.as_ref(),
            Module::IntegrityMonitoring => self.integrity_monitoring.as_ref(),
            Module::LogInspection => self.log_inspection.as_ref(),
            Module::ApplicationControl => self.application_control.as_ref(),
        }
    }

    /// Maps into ward's policy. Fails only when the manager sent no `ID`.
    pub fn into_domain(self) -> Result<ward_core::Policy, MissingId> {
        let policy_id = self.id.ok_or(MissingId { object: "policy" })?;
        let module_states = Module::ALL
            .into_iter()
            .filter_map(|module| {
                let state = self.module(module)?.state.as_deref()?;
                Some((module, state.to_owned()))
            })
            .collect();
        Ok(ward_core::Policy {
            policy_id: PolicyId(policy_id),
            parent_id: self.parent_id.filter(|id| *id != 0).map(PolicyId),
            name: self.name.unwrap_or_default(),
            description: non_blank_owned(self.description),
            module_states,
            ips_rule_ids: self
                .intrusion_prevention
                .and_then(|ips| ips.rule_ids)
                .unwrap_or_default()
                .into_iter()
                .map(RuleId)
                .collect(),
        })
    }
}

/// `{"policies": […]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policies {
    #[serde(default)]
    pub policies: Vec<Policy>,
}

// ---------------------------------------------------------------------------------------------
// Intrusion prevention rules and assignments
// ---------------------------------------------------------------------------------------------

/// An intrusion prevention rule (`intrusionPreventionRule`), without the pattern/XML bodies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntrusionPreventionRule {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_agent_version: Option<String>,
    #[serde(rename = "applicationTypeID", skip_serializing_if = "Option::is_none")]
    pub application_type_id: Option<i64>,
    /// `lowest|low|normal|high|highest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// `low|medium|high|critical`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detect_only: Option<bool>,
    /// `custom|smart|vulnerability|exploit|hidden|policy|info`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub rule_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_issue: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<i64>,
    /// Trend Micro's rule number, e.g. "1008610".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// `enabled|ignored|unknown|disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendations_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_be_assigned_alone: Option<bool>,
    #[serde(rename = "dependsOnRuleIDs", skip_serializing_if = "Option::is_none")]
    pub depends_on_rule_ids: Option<Vec<i64>>,
    /// A string in the spec; a number is accepted too.
    #[serde(
        rename = "CVSSScore",
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub cvss_score: Option<String>,
    #[serde(rename = "CVE", skip_serializing_if = "Option::is_none")]
    pub cve: Option<Vec<String>>,
}

impl IntrusionPreventionRule {
    /// Whether the rule lists this CVE (exactly, ignoring case).
    pub fn lists_cve(&self, cve: &str) -> bool {
        let cve = cve.trim();
        self.cve
            .iter()
            .flatten()
            .any(|listed| listed.trim().eq_ignore_ascii_case(cve))
    }

    /// Maps into ward's rule. Fails only when the manager sent no `ID`.
    pub fn into_domain(self) -> Result<ward_core::IpsRule, MissingId> {
        let rule_id = self.id.ok_or(MissingId {
            object: "intrusion prevention rule",
        })?;
        Ok(ward_core::IpsRule {
            rule_id: RuleId(rule_id),
            identifier: non_blank_owned(self.identifier),
            name: self.name.unwrap_or_default(),
            cves: self.cve.unwrap_or_default(),
            cvss_score: non_blank_owned(self.cvss_score),
            severity: non_blank_owned(self.severity),
            rule_type: non_blank_owned(self.rule_type),
            application_type_id: self.application_type_id,
        })
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(
        Option::<Value>::deserialize(deserializer)?.map(|value| match value {
            Value::Text(text) => text,
            Value::Number(number) => number.to_string(),
        }),
    )
}

/// `{"intrusionPreventionRules": […]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntrusionPreventionRules {
    #[serde(default)]
    pub intrusion_prevention_rules: Vec<IntrusionPreventionRule>,
}

/// `intrusionPreventionAssignments` / `integrityMonitoringAssignments` (the latter has no application
/// types): what is assigned to a computer or policy, and what a recommendation scan suggests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignments {
    #[serde(rename = "assignedRuleIDs", skip_serializing_if = "Option::is_none")]
    pub assigned_rule_ids: Option<Vec<i64>>,
    #[serde(
        rename = "assignedApplicationTypeIDs",
        skip_serializing_if = "Option::is_none"
    )]
    pub assigned_application_type_ids: Option<Vec<i64>>,
    /// `none|valid|out-of-date|unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation_scan_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_recommendation_scan_date: Option<i64>,
    #[serde(
        rename = "recommendedToAssignRuleIDs",
        skip_serializing_if = "Option::is_none"
    )]
    pub recommended_to_assign_rule_ids: Option<Vec<i64>>,
    #[serde(
        rename = "recommendedToUnassignRuleIDs",
        skip_serializing_if = "Option::is_none"
    )]
    pub recommended_to_unassign_rule_ids: Option<Vec<i64>>,
}

impl Assignments {
    /// Maps into ward's assignments (`0` scan date means never scanned).
    pub fn into_domain(self) -> RuleAssignments {
        let ids = |ids: Option<Vec<i64>>| ids.unwrap_or_default().into_iter().map(RuleId).collect();
        RuleAssignments {
            assigned_rule_ids: ids(self.assigned_rule_ids),
            recommended_to_assign_rule_ids: ids(self.recommended_to_assign_rule_ids),
            recommended_to_unassign_rule_ids: ids(self.recommended_to_unassign_rule_ids),
            last_recommendation_scan_date: self.last_recommendation_scan_date.filter(|ms| *ms != 0),
        }
    }
}

/// The body of an add (POST) or set (PUT) assignments call: `{"ruleIDs": […]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleIds {
    #[serde(rename = "ruleIDs")]
    pub rule_ids: Vec<i64>,
}

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

/// `searchFilter`: criteria are ANDed; none matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchFilter {
    /// Defaults to 5000 on the manager.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_criteria: Option<Vec<SearchCriteria>>,
    #[serde(rename = "sortByObjectID", skip_serializing_if = "Option::is_none")]
    pub sort_by_object_id: Option<bool>,
}

impl SearchFilter {
    /// One page by id order: ids greater than `after` (all when `None`), at most `max_items`.
    pub fn page(after: Option<i64>, max_items: i64) -> Self {
        Self {
            max_items: Some(max_items),
            sort_by_object_id: Some(true),
            search_criteria: Some(vec![SearchCriteria::id_greater_than(after.unwrap_or(0))]),
        }
    }

    /// Objects whose string field equals `value` (`%`/`_` are wildcards when `wildcards`).
    pub fn string_equal(field: &str, value: &str, wildcards: bool, max_items: Option<i64>) -> Self {
        Self {
            max_items,
            search_criteria: Some(vec![SearchCriteria::string_equal(field, value, wildcards)]),
            sort_by_object_id: Some(true),
        }
    }
}

/// `searchCriteria`: one test on one field (slash paths for nested fields, e.g.
/// `ec2VirtualMachineSummary/instanceID`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchCriteria {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boolean_test: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric_test: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_test: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// Defaults to `true` on the manager.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_wildcards: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice_test: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_date_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_date_inclusive: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_date_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_date_inclusive: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_test: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_test: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_test: Option<String>,
}

impl SearchCriteria {
    /// `ID > after` (no field name: an ID test applies to the object's `ID`).
    pub fn id_greater_than(after: i64) -> Self {
        Self {
            id_value: Some(after),
            id_test: Some("greater-than".into()),
            ..Self::default()
        }
    }

    /// `field == value`, with or without `%`/`_` wildcards.
    pub fn string_equal(field: &str, value: &str, wildcards: bool) -> Self {
        Self {
            field_name: Some(field.into()),
            string_test: Some("equal".into()),
            string_value: Some(value.into()),
            string_wildcards: Some(wildcards),
            ..Self::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scheduled tasks
// ---------------------------------------------------------------------------------------------

/// A scheduled task (`ScheduledTask`), with the parameter objects of the three scans ward runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledTask {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// e.g. `scan-for-recommendations`.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_now: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_for_recommendations_task_parameters: Option<ScanForRecommendationsTaskParameters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_for_integrity_changes_task_parameters: Option<ScanForIntegrityChangesTaskParameters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_for_malware_task_parameters: Option<ScanForMalwareTaskParameters>,
}

impl ScheduledTask {
    /// A task that runs one scan on one computer now, once, and is then deleted by the manager
    /// (`recurrenceCount: 1`).
    pub fn run_once_scan(kind: ward_core::ScanKind, computer_id: ComputerId, name: &str) -> Self {
        let computer_filter = Some(ComputerFilter {
            filter_type: Some("computer".into()),
            computer_id: Some(computer_id.0),
            ..ComputerFilter::default()
        });
        let mut task = Self {
            name: Some(name.into()),
            task_type: Some(kind.task_type().into()),
            run_now: Some(true),
            schedule_details: Some(ScheduleDetails {
                recurrence_type: Some("none".into()),
                recurrence_count: Some(1),
                once_only_schedule_parameters: Some(OnceOnlyScheduleParameters {
                    start_time: Some(0),
                }),
                ..ScheduleDetails::default()
            }),
            ..Self::default()
        };
        match kind {
            ward_core::ScanKind::Recommendation => {
                task.scan_for_recommendations_task_parameters =
                    Some(ScanForRecommendationsTaskParameters { computer_filter })
            }
            ward_core::ScanKind::Integrity => {
                task.scan_for_integrity_changes_task_parameters =
                    Some(ScanForIntegrityChangesTaskParameters {
                        computer_filter,
                        trusted_computers: None,
                    })
            }
            ward_core::ScanKind::Malware => {
                task.scan_for_malware_task_parameters = Some(ScanForMalwareTaskParameters {
                    computer_filter,
                    timeout: None,
                })
            }
        }
        task
    }
}

/// `ScheduleDetails` (only the run-once parts ward uses; others are ignored when read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// `none|hourly|daily|weekly|monthly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence_type: Option<String>,
    /// `1`: the task is deleted after it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub once_only_schedule_parameters: Option<OnceOnlyScheduleParameters>,
}

/// `OnceOnlyScheduleParameters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnceOnlyScheduleParameters {
    /// Milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
}

/// `ComputerFilter`: which computers a task applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputerFilter {
    /// `computer|all-computers|computers-in-group|…|computers-using-policy|…`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub filter_type: Option<String>,
    #[serde(rename = "computerID", skip_serializing_if = "Option::is_none")]
    pub computer_id: Option<i64>,
    #[serde(rename = "computerGroupID", skip_serializing_if = "Option::is_none")]
    pub computer_group_id: Option<i64>,
    #[serde(rename = "policyID", skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<i64>,
    #[serde(rename = "smartFolderID", skip_serializing_if = "Option::is_none")]
    pub smart_folder_id: Option<i64>,
}

/// `scanForRecommendationsTaskParameters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanForRecommendationsTaskParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_filter: Option<ComputerFilter>,
}

/// `scanForIntegrityChangesTaskParameters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanForIntegrityChangesTaskParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_filter: Option<ComputerFilter>,
    /// `all-computers|trusted-computers-only|exclude-trusted-computers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_computers: Option<String>,
}

/// `scanForMalwareTaskParameters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanForMalwareTaskParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_filter: Option<ComputerFilter>,
    /// `never|one-hour|…|two-days`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

/// `{"scheduledTasks": […]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledTasks {
    #[serde(default)]
    pub scheduled_tasks: Vec<ScheduledTask>,
}

// ---------------------------------------------------------------------------------------------
// Agent deployment
// ---------------------------------------------------------------------------------------------

/// `AgentDeploymentScript`: the request options and, in the answer, `scriptBody`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDeploymentScript {
    /// `linux|windows|solaris|aix|macos`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validate_certificate_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validate_digital_signature_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_required: Option<bool>,
    #[serde(rename = "dsmProxyID", skip_serializing_if = "Option::is_none")]
    pub dsm_proxy_id: Option<i64>,
    #[serde(rename = "relayProxyID", skip_serializing_if = "Option::is_none")]
    pub relay_proxy_id: Option<i64>,
    #[serde(rename = "policyID", skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<i64>,
    #[serde(rename = "relayGroupID", skip_serializing_if = "Option::is_none")]
    pub relay_group_id: Option<i64>,
    #[serde(rename = "computerGroupID", skip_serializing_if = "Option::is_none")]
    pub computer_group_id: Option<i64>,
    /// The script; it embeds the tenant's activation token, so `Debug` shows only its length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_body: Option<String>,
}

impl fmt::Debug for AgentDeploymentScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentDeploymentScript")
            .field("platform", &self.platform)
            .field("activation_required", &self.activation_required)
            .field("policy_id", &self.policy_id)
            .field("computer_group_id", &self.computer_group_id)
            .field(
                "script_body_len",
                &self.script_body.as_ref().map(String::len),
            )
            .finish_non_exhaustive()
    }
}

/// `agentActivationInformation` (`GET /agentactivationinformation`, Workload Security only).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentActivationInformation {
    /// e.g. `dsm://agents.workload.us-1.cloudone.trendmicro.com:443/`.
    #[serde(rename = "activationURL", skip_serializing_if = "Option::is_none")]
    pub activation_url: Option<String>,
    /// Lets an agent join the tenant: `Debug` redacts it.
    #[serde(rename = "activationToken", skip_serializing_if = "Option::is_none")]
    pub activation_token: Option<String>,
}

impl fmt::Debug for AgentActivationInformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentActivationInformation")
            .field("activation_url", &self.activation_url)
            .field(
                "activation_token",
                &self.activation_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// API keys and roles
// ---------------------------------------------------------------------------------------------

/// `apiKeyCurrent`: the key making the call (`secretKey` is deliberately not modelled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCurrent {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(rename = "roleID", skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sign_in: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<bool>,
    #[serde(rename = "roleURN", skip_serializing_if = "Option::is_none")]
    pub role_urn: Option<String>,
    #[serde(rename = "tenantID", skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<i64>,
    #[serde(rename = "tenantGUID", skip_serializing_if = "Option::is_none")]
    pub tenant_guid: Option<String>,
    #[serde(rename = "cloudOneAccountID", skip_serializing_if = "Option::is_none")]
    pub cloud_one_account_id: Option<String>,
}

/// An administrator role (`role`), with the rights ward needs to know whether it may write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_computers: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_policies: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_user_interface: Option<bool>,
    /// "Allow Access to web services API".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_web_service: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rights: Option<Rights>,
    #[serde(rename = "computerIDs", skip_serializing_if = "Option::is_none")]
    pub computer_ids: Option<Vec<i64>>,
    #[serde(rename = "computerGroupIDs", skip_serializing_if = "Option::is_none")]
    pub computer_group_ids: Option<Vec<i64>>,
    #[serde(rename = "policyIDs", skip_serializing_if = "Option::is_none")]
    pub policy_ids: Option<Vec<i64>>,
}

/// `rights` (only the groups ward reads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rights {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_rights: Option<PlatformRights>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intrusion_prevention_rights: Option<IntrusionPreventionRights>,
}

/// `platformRights` (only the groups ward reads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformRights {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_rights: Option<ComputerRights>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_rights: Option<PolicyRights>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_task_rights: Option<ScheduledTaskRights>,
}

/// `computerRights`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputerRights {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_add_and_remove_computer_groups: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_create_new_computers: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_delete_computers: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_dismiss_alerts: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_edit_computer_properties: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_import_computers: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_manage_cloud_accounts: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_view_other_computers: Option<bool>,
}

/// `policyRights`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRights {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_create_new_policies: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_delete_policies: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_edit_policy_properties: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_import_policies: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_view_other_policies: Option<bool>,
}

/// `scheduledTaskRights`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledTaskRights {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_create_new_scheduled_tasks: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_delete_scheduled_tasks: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_edit_scheduled_task_properties: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_execute_scheduled_tasks: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_view_scheduled_tasks: Option<bool>,
}

/// `intrusionPreventionRights`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntrusionPreventionRights {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intrusion_prevention_rule_rights: Option<IntrusionPreventionRuleRights>,
}

/// `intrusionPreventionRuleRights`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntrusionPreventionRuleRights {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_create_new_intrusion_prevention_rules: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_delete_intrusion_prevention_rules: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_edit_intrusion_prevention_rule_properties: Option<bool>,
}

impl Role {
    fn platform(&self) -> Option<&PlatformRights> {
        self.rights.as_ref()?.platform_rights.as_ref()
    }

    /// Whether keys with this role may use the API at all.
    pub fn allows_api(&self) -> bool {
        self.allow_web_service == Some(true)
    }

    /// Whether the role may change computers (module states, rule assignments).
    pub fn can_edit_computers(&self) -> bool {
        self.allows_api()
            && self
                .platform()
                .and_then(|p| p.computer_rights.as_ref())
                .and_then(|r| r.can_edit_computer_properties)
                == Some(true)
    }

    /// Whether the role may change policies (module states, rule assignments).
    pub fn can_edit_policies(&self) -> bool {
        self.allows_api()
            && self
                .platform()
                .and_then(|p| p.policy_rights.as_ref())
                .and_then(|r| r.can_edit_policy_properties)
                == Some(true)
    }

    /// Whether the role may create and run the run-once scan tasks ward uses.
    pub fn can_run_scans(&self) -> bool {
        let rights = self
            .platform()
            .and_then(|p| p.scheduled_task_rights.as_ref());
        self.allows_api()
            && rights.and_then(|r| r.can_create_new_scheduled_tasks) == Some(true)
            && rights.and_then(|r| r.can_execute_scheduled_tasks) == Some(true)
    }

    /// Whether the role may do every write ward does.
    pub fn can_write(&self) -> bool {
        self.can_edit_computers() && self.can_edit_policies() && self.can_run_scans()
    }
}

/// `{"roles": […]}` (`AdministratorRoles`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    #[serde(default)]
    pub roles: Vec<Role>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).expect("test JSON parses")
    }

    #[test]
    fn full_computer_maps_every_field() {
        let computer: Computer = parse(json!({
            "hostName": "ip-10-0-1-17.ec2.internal",
            "displayName": "web-1",
            "platform": "Amazon Linux 2 (64 bit) (4.14.336-257.568.amzn2.x86_64)",
            "policyID": 9,
            "agentVersion": "20.0.1-21510",
            "lastAgentCommunication": 1_700_000_000_000_i64,
            "agentGUID": "6E4B5F0B-0000-0000-0000-000000000000",
            "someFutureField": {"nested": [1, 2, 3]},
            "computerStatus": {"agentStatus": "warning", "agentStatusMessages": ["Anti-Malware pattern out of date"]},
            "ec2VirtualMachineSummary": {
                "cloudProvider": "AWS", "accountID": "123456789012", "availabilityZone": "eu-west-1b",
                "instanceID": "i-0e80f75f9532ad1ba", "type": "t3.micro", "state": "POWER ON",
                "securityGroups": [{"name": "web", "ID": "sg-1"}], "DNSName": "ec2-1.compute", "amiID": "ami-1",
                "privateIPAddress": "10.0.1.17"
            },
            "noConnectorVirtualMachineSummary": {"instanceID": "i-ignored", "region": "us-east-2"},
            "intrusionPrevention": {"state": "prevent", "moduleStatus": {"agentStatus": "active", "agentStatusMessage": ""}, "ruleIDs": [5, 7], "applicationTypeIDs": [1]},
            "integrityMonitoring": {"state": "real-time", "moduleStatus": {"agentStatus": "error", "agentStatusMessage": "Engine offline"}, "lastIntegrityScan": 1},
            "antiMalware": {"state": "on"},
            "activityMonitoring": {"state": "off"},
            "ID": 42
        }));
        let domain = computer.into_domain().expect("has an ID");
        assert_eq!(domain.computer_id, ComputerId(42));
        assert_eq!(domain.host_name, "ip-10-0-1-17.ec2.internal");
        assert_eq!(domain.display_name.as_deref(), Some("web-1"));
        assert_eq!(domain.policy_id, Some(PolicyId(9)));
        assert_eq!(domain.agent_status, AgentStatus::Warning);
        assert_eq!(
            domain.agent_status_messages,
            vec!["Anti-Malware pattern out of date"]
        );
        assert_eq!(domain.instance_id.as_deref(), Some("i-0e80f75f9532ad1ba"));
        assert_eq!(domain.account_id.as_deref(), Some("123456789012"));
        assert_eq!(domain.availability_zone.as_deref(), Some("eu-west-1b"));
        assert_eq!(
            domain.region.as_deref(),
            Some("eu-west-1"),
            "zone wins over the agent's region"
        );
        assert_eq!(domain.instance_type.as_deref(), Some("t3.micro"));
        assert_eq!(domain.ec2_state.as_deref(), Some("POWER ON"));
        assert_eq!(domain.last_agent_communication, Some(1_700_000_000_000));
        assert_eq!(domain.ips_rule_ids, vec![RuleId(5), RuleId(7)]);
        assert_eq!(domain.modules.len(), 3, "{:?}", domain.modules);
        let ips = &domain.modules[&Module::IntrusionPrevention];
        assert_eq!(
            (ips.state.as_str(), ips.status, ips.message.as_deref()),
            ("prevent", AgentStatus::Active, None)
        );
        let im = &domain.modules[&Module::IntegrityMonitoring];
        assert_eq!(
            (im.status, im.message.as_deref()),
            (AgentStatus::Error, Some("Engine offline"))
        );
        assert_eq!(
            domain.modules[&Module::AntiMalware].status,
            AgentStatus::Unknown
        );
        assert!(!domain.modules.contains_key(&Module::Firewall));
    }

    #[test]
    fn sparse_computer_falls_back_to_the_agent_reported_summary() {
        let computer: Computer = parse(json!({
            "ID": 7,
            "hostName": "db-1",
            "policyID": 0,
            "agentVersion": "0.0.0.0",
            "noConnectorVirtualMachineSummary": {"instanceID": "i-0abc", "accountID": "210987654321", "region": "ap-southeast-2"},
            "ec2VirtualMachineSummary": {"instanceID": ""}
        }));
        let domain = computer.into_domain().expect("has an ID");
        assert_eq!(domain.policy_id, None, "policyID 0 means no policy");
        assert_eq!(domain.agent_status, AgentStatus::Unknown);
        assert_eq!(domain.instance_id.as_deref(), Some("i-0abc"));
        assert_eq!(domain.account_id.as_deref(), Some("210987654321"));
        assert_eq!(domain.region.as_deref(), Some("ap-southeast-2"));
        assert_eq!(domain.availability_zone, None);
        assert_eq!(domain.last_agent_communication, None);
        assert!(domain.modules.is_empty());
        assert!(domain.ips_rule_ids.is_empty());
        assert!(!domain.protected());
    }

    #[test]
    fn computer_without_an_id_is_refused() {
        let computer: Computer = parse(json!({"hostName": "x"}));
        assert_eq!(
            computer.into_domain().unwrap_err().to_string(),
            "computer without an `ID`"
        );
    }

    #[test]
    fn modify_body_carries_only_the_module_state() {
        let body = serde_json::to_value(Computer::with_module_state(
            Module::IntrusionPrevention,
            "prevent",
        ))
        .expect("serializes");
        assert_eq!(body, json!({"intrusionPrevention": {"state": "prevent"}}));
        let body = serde_json::to_value(Computer::with_module_state(Module::AntiMalware, "on"))
            .expect("serializes");
        assert_eq!(body, json!({"antiMalware": {"state": "on"}}));
    }

    #[test]
    fn policy_maps_module_states_and_rules() {
        let policy: Policy = parse(json!({
            "ID": 3, "parentID": 0, "name": "Linux Server", "description": "",
            "policySettings": {"intrusionPreventionSettingAutoApplyRecommendationsEnabled": {"value": "yes"}},
            "intrusionPrevention": {"state": "detect", "moduleStatus": {"status": "warning", "statusMessage": "x"}, "ruleIDs": [1, 2]},
            "firewall": {"state": "off", "ruleIDs": []},
            "interfaceTypes": {}
        }));
        let domain = policy.into_domain().expect("has an ID");
        assert_eq!(domain.policy_id, PolicyId(3));
        assert_eq!(domain.parent_id, None);
        assert_eq!(domain.description, None);
        assert_eq!(
            domain
                .module_states
                .get(&Module::IntrusionPrevention)
                .map(String::as_str),
            Some("detect")
        );
        assert_eq!(
            domain
                .module_states
                .get(&Module::Firewall)
                .map(String::as_str),
            Some("off")
        );
        assert_eq!(domain.ips_rule_ids, vec![RuleId(1), RuleId(2)]);
        let child: Policy = parse(json!({"ID": 4, "parentID": 3, "name": "Web"}));
        assert_eq!(
            child.into_domain().expect("has an ID").parent_id,
            Some(PolicyId(3))
        );
    }

    #[test]
    fn ips_rule_maps_and_matches_cves_exactly() {
        let rule: IntrusionPreventionRule = parse(json!({
            "ID": 1234, "name": "Apache Struts RCE", "identifier": "1008610", "severity": "critical",
            "type": "vulnerability", "applicationTypeID": 12, "CVSSScore": "10.0",
            "CVE": ["CVE-2017-5638", "cve-2017-9805"], "patterns": ["x"], "template": "signature"
        }));
        assert!(rule.lists_cve("CVE-2017-5638"));
        assert!(rule.lists_cve(" CVE-2017-9805 "));
        assert!(!rule.lists_cve("CVE-2017-563"));
        let domain = rule.into_domain().expect("has an ID");
        assert_eq!(domain.rule_id, RuleId(1234));
        assert_eq!(domain.cvss_score.as_deref(), Some("10.0"));
        assert_eq!(domain.rule_type.as_deref(), Some("vulnerability"));
        assert_eq!(domain.application_type_id, Some(12));
        let numeric: IntrusionPreventionRule = parse(json!({"ID": 1, "CVSSScore": 7.5}));
        assert_eq!(numeric.cvss_score.as_deref(), Some("7.5"));
        let bare: IntrusionPreventionRule = parse(json!({"ID": 2, "CVSSScore": null}));
        assert_eq!(bare.clone().cvss_score, None);
        assert!(bare.into_domain().expect("has an ID").cves.is_empty());
    }

    #[test]
    fn assignments_map_and_zero_date_means_never() {
        let wire: Assignments = parse(json!({
            "assignedRuleIDs": [1], "assignedApplicationTypeIDs": [2], "recommendationScanStatus": "valid",
            "lastRecommendationScanDate": 1_700_000_000_000_i64, "recommendedToAssignRuleIDs": [3, 4],
            "recommendedToUnassignRuleIDs": []
        }));
        let domain = wire.into_domain();
        assert_eq!(domain.assigned_rule_ids, vec![RuleId(1)]);
        assert_eq!(
            domain.recommended_to_assign_rule_ids,
            vec![RuleId(3), RuleId(4)]
        );
        assert_eq!(
            domain.last_recommendation_scan_date,
            Some(1_700_000_000_000)
        );
        let never: Assignments = parse(json!({"lastRecommendationScanDate": 0}));
        assert_eq!(never.into_domain(), RuleAssignments::default());
    }

    #[test]
    fn search_bodies_use_the_real_names() {
        assert_eq!(
            serde_json::to_value(SearchFilter::page(Some(42), 500)).expect("serializes"),
            json!({"maxItems": 500, "sortByObjectID": true,
                   "searchCriteria": [{"idValue": 42, "idTest": "greater-than"}]})
        );
        assert_eq!(
            serde_json::to_value(SearchFilter::string_equal(
                "ec2VirtualMachineSummary/instanceID",
                "i-1",
                false,
                Some(1)
            ))
            .expect("serializes"),
            json!({"maxItems": 1, "sortByObjectID": true, "searchCriteria": [{
                "fieldName": "ec2VirtualMachineSummary/instanceID", "stringTest": "equal",
                "stringValue": "i-1", "stringWildcards": false}]})
        );
    }

    #[test]
    fn run_once_scan_task_body() {
        let task = ScheduledTask::run_once_scan(
            ward_core::ScanKind::Recommendation,
            ComputerId(42),
            "rec-scan i-0abc",
        );
        assert_eq!(
            serde_json::to_value(&task).expect("serializes"),
            json!({"name": "rec-scan i-0abc", "type": "scan-for-recommendations", "runNow": true,
                   "scheduleDetails": {"recurrenceType": "none", "recurrenceCount": 1,
                                       "onceOnlyScheduleParameters": {"startTime": 0}},
                   "scanForRecommendationsTaskParameters": {"computerFilter": {"type": "computer", "computerID": 42}}})
        );
        let malware = serde_json::to_value(ScheduledTask::run_once_scan(
            ward_core::ScanKind::Malware,
            ComputerId(1),
            "m",
        ))
        .expect("serializes");
        assert_eq!(malware["type"], "scan-for-malware");
        assert_eq!(
            malware["scanForMalwareTaskParameters"]["computerFilter"]["computerID"],
            1
        );
        let integrity = serde_json::to_value(ScheduledTask::run_once_scan(
            ward_core::ScanKind::Integrity,
            ComputerId(1),
            "i",
        ))
        .expect("serializes");
        assert_eq!(
            integrity["scanForIntegrityChangesTaskParameters"]["computerFilter"]["type"],
            "computer"
        );
    }

    #[test]
    fn roles_decide_writes() {
        let roles: Roles = parse(json!({"roles": [
            {"ID": 1, "name": "Full Access", "allowWebService": true, "rights": {"platformRights": {
                "computerRights": {"canEditComputerProperties": true},
                "policyRights": {"canEditPolicyProperties": true},
                "scheduledTaskRights": {"canCreateNewScheduledTasks": true, "canExecuteScheduledTasks": true},
                "apikeyRights": {"canCreateNewApiKeys": true}}}},
            {"ID": 2, "name": "Auditor", "allowWebService": true, "rights": {"platformRights": {
                "computerRights": {"canEditComputerProperties": false}}}}
        ]}));
        assert!(roles.roles[0].can_write());
        assert!(!roles.roles[1].can_write());
        assert!(!roles.roles[1].can_edit_computers());
    }

    #[test]
    fn secrets_in_answers_are_not_debug_printed() {
        let info: AgentActivationInformation = parse(
            json!({"activationURL": "dsm://agents.workload.us-1.cloudone.trendmicro.com:443/", "activationToken": "TOKEN-123"}),
        );
        assert!(!format!("{info:?}").contains("TOKEN-123"));
        let script: AgentDeploymentScript =
            parse(json!({"scriptBody": "dsa_control -a x \"token:TOKEN-123\""}));
        assert!(!format!("{script:?}").contains("TOKEN-123"));
    }

    #[test]
    fn list_wrappers_tolerate_missing_lists() {
        let computers: Computers = parse(json!({}));
        assert!(computers.computers.is_empty());
        let rules: IntrusionPreventionRules =
            parse(json!({"intrusionPreventionRules": [{"ID": 1}]}));
        assert_eq!(rules.intrusion_prevention_rules.len(), 1);
        let tasks: ScheduledTasks =
            parse(json!({"scheduledTasks": [{"ID": 5, "type": "scan-for-malware"}]}));
        assert_eq!(tasks.scheduled_tasks[0].id, Some(5));
    }
}
