//! A computer's state, and its `computer` wire form for a given `expand`.
//!
//! The state keeps what is set on the computer itself; what it inherits (module states, rule
//! assignments) is resolved against its policy when the computer is read. Statuses are derived
//! the same way, so they stay coherent: a module that is off reports `inactive`, a computer whose
//! on-modules report errors is in `error`, an offline agent is `inactive`.

use crate::expand::Expand;
use crate::module::{Health, Module};
use crate::policies::Policies;
use crate::rng::Rng;
use crate::rules::{Family, RuleCatalog};
use crate::search::{Kind, Searchable, Value};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::net::Ipv4Addr;
use uuid::Uuid;

/// An installed agent.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub version: &'static str,
    /// Whether the agent is talking to the manager.
    pub online: bool,
    /// An agent-level warning (reboot required, update available, …).
    pub warning: Option<&'static str>,
    pub last_communication: i64,
    pub fingerprint: u64,
    pub last_ip_used: Ipv4Addr,
    pub last_send_policy_request: i64,
    pub last_send_policy_success: i64,
    pub tasks: &'static [&'static str],
}

/// What the AWS connector knows of the instance (`ec2VirtualMachineSummary`).
#[derive(Debug, Clone)]
pub(crate) struct Ec2Summary {
    pub account_id: String,
    pub operating_system: &'static str,
    pub private_ip: Ipv4Addr,
    pub public_ip: Option<Ipv4Addr>,
    pub availability_zone: &'static str,
    pub instance_id: String,
    /// Index into the fleet's security group sets.
    pub security_groups: usize,
    pub instance_type: &'static str,
    pub powered_on: bool,
    pub name_tag: String,
    pub environment: &'static str,
    pub team: &'static str,
    pub ami_id: String,
}

/// What the agent reported of its instance when no connector knows it
/// (`noConnectorVirtualMachineSummary`).
#[derive(Debug, Clone)]
pub(crate) struct AgentReported {
    pub account_id: String,
    pub instance_id: String,
    pub region: &'static str,
}

/// Values set on the computer that most computers leave at their defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub real_time_scan_configuration_id: Option<i32>,
    pub real_time_scan_schedule_id: Option<i32>,
    pub manual_scan_configuration_id: Option<i32>,
    pub scheduled_scan_configuration_id: Option<i32>,
    pub global_stateful_configuration_id: Option<i32>,
    pub block_unrecognized: Option<bool>,
    pub ruleset_id: Option<i64>,
    pub trust_ruleset_id: Option<String>,
    pub maintenance_mode_status: Option<&'static str>,
    pub maintenance_mode_duration: Option<i32>,
}

/// A computer's state.
#[derive(Debug, Clone)]
pub(crate) struct Computer {
    pub id: i32,
    pub host_name: String,
    pub display_name: String,
    pub description: String,
    pub platform: &'static str,
    pub os: Family,
    pub group_id: i32,
    /// `0`: no policy.
    pub policy_id: i32,
    /// `0`: none.
    pub asset_importance_id: i32,
    pub relay_list_id: i32,
    pub host_guid: Uuid,
    /// `None`: no agent installed (`agentVersion` "0.0.0.0").
    pub agent: Option<Agent>,
    pub ec2: Option<Box<Ec2Summary>>,
    pub agent_reported: Option<Box<AgentReported>>,
    /// Per [`Module::ALL`]: a state set on the computer; `None` inherits the policy's.
    pub states: [Option<&'static str>; 8],
    /// Per [`Module::ALL`]: how the module is doing when it is on.
    pub health: [Health; 8],
    /// Rules assigned on the computer; `None` inherits the policy's.
    pub ips_rules: Option<Vec<i32>>,
    pub im_rules: Option<Vec<i32>>,
    pub firewall_rules: Option<Vec<i32>>,
    pub log_inspection_rules: Option<Vec<i32>>,
    /// When the last recommendation scan finished.
    pub last_recommendation_scan: Option<i64>,
    pub last_manual_scan: Option<i64>,
    pub last_scheduled_scan: Option<i64>,
    pub last_integrity_scan: Option<i64>,
    pub last_baseline_created: Option<i64>,
    pub settings: Option<Box<Settings>>,
    /// Seeds what recommendation scans find on this computer.
    pub seed: u64,
}

/// What reading a computer needs besides the computer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub policies: &'a Policies,
    pub catalog: &'a RuleCatalog,
    pub security_groups: &'a [Vec<SecurityGroup>],
}

/// `VirtualMachineSecurityGroup`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SecurityGroup {
    pub name: String,
    #[serde(rename = "ID")]
    pub id: String,
}

/// Which rule-bearing module an assignment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleModule {
    IntrusionPrevention,
    IntegrityMonitoring,
}

impl Computer {
    /// A module's effective state: set on the computer, else its policy's, else `off`.
    pub(crate) fn state(&self, module: Module, policies: &Policies) -> &'static str {
        match self.states[module.index()] {
            Some(state) => state,
            None if self.policy_id == 0 => "off",
            None => policies.effective_state(self.policy_id, module),
        }
    }

    /// The rules in effect for a module: set on the computer, else its policy's.
    pub(crate) fn rules<'a>(&'a self, module: RuleModule, policies: &'a Policies) -> &'a [i32] {
        let (own, from_policy) = match module {
            RuleModule::IntrusionPrevention => (
                &self.ips_rules,
                policies.get(self.policy_id).map(|p| &p.ips_rule_ids),
            ),
            RuleModule::IntegrityMonitoring => (
                &self.im_rules,
                policies.get(self.policy_id).map(|p| &p.im_rule_ids),
            ),
        };
        own.as_deref()
            .or(from_policy.map(Vec::as_slice))
            .unwrap_or_default()
    }

    /// The rules set on the computer itself (`overrides=true`).
    pub(crate) fn own_rules(&self, module: RuleModule) -> &[i32] {
        match module {
            RuleModule::IntrusionPrevention => self.ips_rules.as_deref().unwrap_or_default(),
            RuleModule::IntegrityMonitoring => self.im_rules.as_deref().unwrap_or_default(),
        }
    }

    fn firewall_rules<'a>(&'a self, policies: &'a Policies) -> &'a [i32] {
        self.firewall_rules
            .as_deref()
            .or(policies
                .get(self.policy_id)
                .map(|p| p.firewall_rule_ids.as_slice()))
            .unwrap_or_default()
    }

    fn log_inspection_rules<'a>(&'a self, policies: &'a Policies) -> &'a [i32] {
        self.log_inspection_rules
            .as_deref()
            .or(policies
                .get(self.policy_id)
                .map(|p| p.log_inspection_rule_ids.as_slice()))
            .unwrap_or_default()
    }

    /// Whether the agent is installed and talking to the manager.
    pub(crate) fn agent_online(&self) -> bool {
        self.agent.as_ref().is_some_and(|agent| agent.online)
    }

    /// `agentVersion`: "0.0.0.0" without an agent.
    pub(crate) fn agent_version(&self) -> &'static str {
        self.agent.as_ref().map_or("0.0.0.0", |agent| agent.version)
    }

    /// A module's `moduleStatus`: (`agentStatus`, `agentStatusMessage`).
    fn module_status(
        &self,
        module: Module,
        state: &'static str,
        ctx: &Context<'_>,
    ) -> (&'static str, Cow<'static, str>) {
        let Some(agent) = &self.agent else {
            return ("inactive", Cow::Borrowed("Not Activated"));
        };
        if !agent.online {
            return ("inactive", Cow::Borrowed("Offline"));
        }
        if state == "off" {
            return ("inactive", Cow::Borrowed("Off, not installed"));
        }
        match self.health[module.index()] {
            Health::Warning(message) => return ("warning", Cow::Borrowed(message)),
            Health::Error(message) => return ("error", Cow::Borrowed(message)),
            Health::Fine => {}
        }
        let count = |rules: &[i32]| rules.len();
        let message = match module {
            Module::AntiMalware => Cow::Borrowed("On, Real Time"),
            Module::Firewall => Cow::Owned(format!(
                "On, {} rules",
                count(self.firewall_rules(ctx.policies))
            )),
            Module::IntrusionPrevention => Cow::Owned(format!(
                "On, {}, {} rules",
                if state == "prevent" {
                    "Prevent"
                } else {
                    "Detect"
                },
                count(self.rules(RuleModule::IntrusionPrevention, ctx.policies))
            )),
            Module::IntegrityMonitoring => Cow::Owned(format!(
                "On, {}, {} rules",
                if state == "real-time" {
                    "Real Time"
                } else {
                    "Scheduled"
                },
                count(self.rules(RuleModule::IntegrityMonitoring, ctx.policies))
            )),
            Module::LogInspection => Cow::Owned(format!(
                "On, {} rules",
                count(self.log_inspection_rules(ctx.policies))
            )),
            Module::WebReputation | Module::ActivityMonitoring | Module::ApplicationControl => {
                Cow::Borrowed("On")
            }
        };
        ("active", message)
    }

    /// `computerStatus`: (`agentStatus`, `agentStatusMessages`).
    pub(crate) fn status(&self, policies: &Policies) -> (&'static str, Vec<&'static str>) {
        let Some(agent) = &self.agent else {
            return ("inactive", vec!["Unmanaged (Unknown)"]);
        };
        if !agent.online {
            return ("inactive", vec!["Managed (Offline)"]);
        }
        let mut messages = vec!["Managed (Online)"];
        let mut status = "active";
        for module in Module::ALL {
            if self.state(module, policies) == "off" {
                continue;
            }
            match self.health[module.index()] {
                Health::Error(message) => {
                    status = "error";
                    messages.push(message);
                }
                Health::Warning(message) => {
                    if status == "active" {
                        status = "warning";
                    }
                    messages.push(message);
                }
                Health::Fine => {}
            }
        }
        if let Some(warning) = agent.warning {
            if status == "active" {
                status = "warning";
            }
            messages.push(warning);
        }
        (status, messages)
    }

    /// What a recommendation scan finds for a module: rules to assign and to unassign. Empty
    /// until the computer has been scanned.
    pub(crate) fn recommendations(
        &self,
        module: RuleModule,
        ctx: &Context<'_>,
    ) -> (Vec<i32>, Vec<i32>) {
        if self.last_recommendation_scan.is_none() {
            return (Vec::new(), Vec::new());
        }
        let assigned = self.rules(module, ctx.policies);
        let mut rng = Rng::derive(self.seed, module as u64, 0);
        let wanted = 2 + rng.below(6) as usize;
        let mut assign = Vec::with_capacity(wanted);
        let mut unassign = Vec::new();
        match module {
            RuleModule::IntrusionPrevention => {
                let rules = &ctx.catalog.ips;
                for _ in 0..wanted * 8 {
                    if assign.len() == wanted {
                        break;
                    }
                    let rule = rng.pick(rules);
                    if rule.family.fits(self.os)
                        && rule.recommendations_mode == "enabled"
                        && matches!(rule.rule_type, "vulnerability" | "exploit")
                        && !assigned.contains(&rule.id)
                        && !assign.contains(&rule.id)
                    {
                        assign.push(rule.id);
                    }
                }
                unassign.extend(assigned.iter().copied().filter(|id| {
                    ctx.catalog
                        .ips_rule(*id)
                        .is_some_and(|rule| !rule.family.fits(self.os))
                }));
            }
            RuleModule::IntegrityMonitoring => {
                let rules: Vec<i32> = ctx.catalog.im.iter().copied().collect();
                for _ in 0..wanted * 4 {
                    if assign.len() == wanted {
                        break;
                    }
                    let id = *rng.pick(&rules);
                    if !assigned.contains(&id) && !assign.contains(&id) {
                        assign.push(id);
                    }
                }
            }
        }
        assign.sort_unstable();
        (assign, unassign)
    }

    /// `recommendationScanStatus`.
    pub(crate) fn recommendation_scan_status(&self, now_ms: i64) -> &'static str {
        const OUT_OF_DATE_MS: i64 = 30 * 86_400_000;
        match self.last_recommendation_scan {
            None => "none",
            Some(at) if now_ms - at > OUT_OF_DATE_MS => "out-of-date",
            Some(_) => "valid",
        }
    }
}

/// A GUID, upper case as the manager prints them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guid(pub Uuid);

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}", self.0.hyphenated())
    }
}

/// An agent certificate fingerprint: 20 colon-separated bytes.
#[derive(Debug, Clone, Copy)]
struct Fingerprint(u64);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rng = Rng::new(self.0);
        let bytes: Vec<u8> = (0..3)
            .flat_map(|_| rng.next_u64().to_be_bytes())
            .take(20)
            .collect();
        for (index, byte) in bytes.iter().enumerate() {
            if index > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

/// Serializes any `Display` value as a string without allocating.
struct Text<T>(T);

impl<T: fmt::Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// The region of an availability zone: `us-east-1a` → `us-east-1`.
pub(crate) fn region_of(zone: &str) -> &str {
    zone.trim_end_matches(|c: char| c.is_ascii_lowercase())
}

/// The public DNS name AWS gives an address in a region.
fn public_dns(ip: Ipv4Addr, region: &str) -> String {
    let dashed = ip.to_string().replace('.', "-");
    if region == "us-east-1" {
        format!("ec2-{dashed}.compute-1.amazonaws.com")
    } else {
        format!("ec2-{dashed}.{region}.compute.amazonaws.com")
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ComputerStatusOut {
    agent_status: &'static str,
    agent_status_messages: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TasksOut {
    agent_tasks: &'static [&'static str],
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Ec2Out<'a> {
    cloud_provider: &'static str,
    #[serde(rename = "accountID")]
    account_id: &'a str,
    operating_system: &'static str,
    #[serde(rename = "privateIPAddress")]
    private_ip_address: Text<Ipv4Addr>,
    #[serde(rename = "publicIPAddress", skip_serializing_if = "Option::is_none")]
    public_ip_address: Option<Text<Ipv4Addr>>,
    availability_zone: &'static str,
    #[serde(rename = "instanceID")]
    instance_id: &'a str,
    security_groups: &'a [SecurityGroup],
    #[serde(rename = "type")]
    instance_type: &'static str,
    virtualization_type: &'static str,
    state: &'static str,
    metadata: [Metadata<'a>; 3],
    #[serde(rename = "DNSName", skip_serializing_if = "Option::is_none")]
    dns_name: Option<String>,
    #[serde(rename = "amiID")]
    ami_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NoConnectorOut<'a> {
    #[serde(rename = "accountID")]
    account_id: &'a str,
    #[serde(rename = "instanceID")]
    instance_id: &'a str,
    region: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModuleStatusOut {
    agent_status: &'static str,
    agent_status_message: Cow<'static, str>,
}

/// One module extension of a computer; which optional fields appear depends on the module.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModuleOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
    module_status: ModuleStatusOut,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    last_manual_scan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_scheduled_scan: Option<i64>,
    #[serde(
        rename = "globalStatefulConfigurationID",
        skip_serializing_if = "Option::is_none"
    )]
    global_stateful_configuration_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_integrity_scan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_baseline_created: Option<i64>,
    #[serde(rename = "ruleIDs", skip_serializing_if = "Option::is_none")]
    rule_ids: Option<&'a [i32]>,
    #[serde(rename = "applicationTypeIDs", skip_serializing_if = "Option::is_none")]
    application_type_ids: Option<Vec<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    block_unrecognized: Option<bool>,
    #[serde(rename = "rulesetID", skip_serializing_if = "Option::is_none")]
    ruleset_id: Option<i64>,
    #[serde(rename = "trustRulesetID", skip_serializing_if = "Option::is_none")]
    trust_ruleset_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maintenance_mode_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maintenance_mode_duration: Option<i32>,
}

/// A computer as the API returns it, for one `expand`.
pub(crate) struct ComputerView<'a> {
    pub computer: &'a Computer,
    pub ctx: Context<'a>,
    pub expand: Expand,
    /// `overrides=true`: only what is set on the computer itself.
    pub overrides: bool,
}

impl ComputerView<'_> {
    fn module<'s>(&'s self, module: Module) -> ModuleOut<'s> {
        let c = self.computer;
        let ctx = &self.ctx;
        let state = c.state(module, ctx.policies);
        let (agent_status, message) = c.module_status(module, state, ctx);
        let settings = c.settings.as_deref();
        let setting = |pick: fn(&Settings) -> Option<i32>| settings.and_then(pick);
        let shown_state = if self.overrides {
            c.states[module.index()]
        } else {
            Some(state)
        };
        let mut out = ModuleOut {
            state: shown_state,
            module_status: ModuleStatusOut {
                agent_status,
                agent_status_message: message,
            },
            real_time_scan_configuration_id: None,
            real_time_scan_schedule_id: None,
            manual_scan_configuration_id: None,
            scheduled_scan_configuration_id: None,
            last_manual_scan: None,
            last_scheduled_scan: None,
            global_stateful_configuration_id: None,
            last_integrity_scan: None,
            last_baseline_created: None,
            rule_ids: None,
            application_type_ids: None,
            block_unrecognized: None,
            ruleset_id: None,
            trust_ruleset_id: None,
            maintenance_mode_status: None,
            maintenance_mode_duration: None,
        };
        let rules = |own: &'s Option<Vec<i32>>, effective: &'s [i32]| -> &'s [i32] {
            if self.overrides {
                own.as_deref().unwrap_or_default()
            } else {
                effective
            }
        };
        match module {
            Module::AntiMalware => {
                let on = state != "off";
                out.real_time_scan_configuration_id =
                    Some(setting(|s| s.real_time_scan_configuration_id).unwrap_or(i32::from(on)));
                out.real_time_scan_schedule_id =
                    Some(setting(|s| s.real_time_scan_schedule_id).unwrap_or(4));
                out.manual_scan_configuration_id =
                    Some(setting(|s| s.manual_scan_configuration_id).unwrap_or(2));
                out.scheduled_scan_configuration_id =
                    Some(setting(|s| s.scheduled_scan_configuration_id).unwrap_or(3));
                out.last_manual_scan = c.last_manual_scan;
                out.last_scheduled_scan = c.last_scheduled_scan;
            }
            Module::Firewall => {
                out.global_stateful_configuration_id =
                    Some(setting(|s| s.global_stateful_configuration_id).unwrap_or(1));
                out.rule_ids = Some(rules(&c.firewall_rules, c.firewall_rules(ctx.policies)));
            }
            Module::IntrusionPrevention => {
                let assigned = rules(
                    &c.ips_rules,
                    c.rules(RuleModule::IntrusionPrevention, ctx.policies),
                );
                out.rule_ids = Some(assigned);
                out.application_type_ids = Some(ctx.catalog.application_types(assigned));
            }
            Module::IntegrityMonitoring => {
                out.last_integrity_scan = c.last_integrity_scan;
                out.last_baseline_created = c.last_baseline_created;
                out.rule_ids = Some(rules(
                    &c.im_rules,
                    c.rules(RuleModule::IntegrityMonitoring, ctx.policies),
                ));
            }
            Module::LogInspection => {
                out.rule_ids = Some(rules(
                    &c.log_inspection_rules,
                    c.log_inspection_rules(ctx.policies),
                ));
            }
            Module::ApplicationControl => {
                out.block_unrecognized =
                    Some(settings.and_then(|s| s.block_unrecognized).unwrap_or(false));
                out.ruleset_id = settings.and_then(|s| s.ruleset_id);
                out.trust_ruleset_id = settings.and_then(|s| s.trust_ruleset_id.as_deref());
                out.maintenance_mode_status = Some(
                    settings
                        .and_then(|s| s.maintenance_mode_status)
                        .unwrap_or("off"),
                );
                out.maintenance_mode_duration = setting(|s| s.maintenance_mode_duration);
            }
            Module::WebReputation | Module::ActivityMonitoring => {}
        }
        out
    }
}

impl Serialize for ComputerView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.computer;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("hostName", &c.host_name)?;
        map.serialize_entry("displayName", &c.display_name)?;
        map.serialize_entry("description", &c.description)?;
        if let Some(agent) = &c.agent {
            map.serialize_entry("lastIPUsed", &Text(agent.last_ip_used))?;
        }
        map.serialize_entry("platform", c.platform)?;
        map.serialize_entry("groupID", &c.group_id)?;
        if c.policy_id != 0 {
            map.serialize_entry("policyID", &c.policy_id)?;
        }
        if c.asset_importance_id != 0 {
            map.serialize_entry("assetImportanceID", &c.asset_importance_id)?;
        }
        map.serialize_entry("relayListID", &c.relay_list_id)?;
        if let Some(agent) = &c.agent {
            map.serialize_entry("agentFingerPrint", &Text(Fingerprint(agent.fingerprint)))?;
            map.serialize_entry("lastAgentCommunication", &agent.last_communication)?;
            map.serialize_entry("lastSendPolicyRequest", &agent.last_send_policy_request)?;
            map.serialize_entry("lastSendPolicySuccess", &agent.last_send_policy_success)?;
        }
        map.serialize_entry("agentVersion", c.agent_version())?;
        if self.expand.has(Expand::COMPUTER_STATUS) {
            let (agent_status, agent_status_messages) = c.status(self.ctx.policies);
            map.serialize_entry(
                "computerStatus",
                &ComputerStatusOut {
                    agent_status,
                    agent_status_messages,
                },
            )?;
        }
        if self.expand.has(Expand::TASKS) {
            let agent_tasks = c.agent.as_ref().map_or(&[][..], |agent| agent.tasks);
            map.serialize_entry("tasks", &TasksOut { agent_tasks })?;
        }
        if let (true, Some(ec2)) = (self.expand.has(Expand::EC2), &c.ec2) {
            let region = region_of(ec2.availability_zone);
            map.serialize_entry(
                "ec2VirtualMachineSummary",
                &Ec2Out {
                    cloud_provider: "AWS",
                    account_id: &ec2.account_id,
                    operating_system: ec2.operating_system,
                    private_ip_address: Text(ec2.private_ip),
                    public_ip_address: ec2.public_ip.map(Text),
                    availability_zone: ec2.availability_zone,
                    instance_id: &ec2.instance_id,
                    security_groups: self
                        .ctx
                        .security_groups
                        .get(ec2.security_groups)
                        .map_or(&[][..], Vec::as_slice),
                    instance_type: ec2.instance_type,
                    virtualization_type: "hvm",
                    state: if ec2.powered_on {
                        "POWER ON"
                    } else {
                        "POWER OFF"
                    },
                    metadata: [
                        Metadata {
                            name: "Name",
                            value: &ec2.name_tag,
                        },
                        Metadata {
                            name: "Environment",
                            value: ec2.environment,
                        },
                        Metadata {
                            name: "Team",
                            value: ec2.team,
                        },
                    ],
                    dns_name: ec2.public_ip.map(|ip| public_dns(ip, region)),
                    ami_id: &ec2.ami_id,
                },
            )?;
        }
        if let (true, Some(reported)) = (self.expand.has(Expand::NO_CONNECTOR), &c.agent_reported) {
            map.serialize_entry(
                "noConnectorVirtualMachineSummary",
                &NoConnectorOut {
                    account_id: &reported.account_id,
                    instance_id: &reported.instance_id,
                    region: reported.region,
                },
            )?;
        }
        map.serialize_entry("hostGUID", &Text(Guid(c.host_guid)))?;
        map.serialize_entry("ID", &c.id)?;
        for module in Module::ALL {
            if self.expand.has(Expand::module(module)) {
                map.serialize_entry(module.field(), &self.module(module))?;
            }
        }
        map.end()
    }
}

/// The searchable fields of `computer` ("Searchable as …" in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ComputerField {
    HostName,
    DisplayName,
    Description,
    LastIpUsed,
    Platform,
    GroupId,
    PolicyId,
    AssetImportanceId,
    RelayListId,
    AgentFingerPrint,
    LastAgentCommunication,
    LastSendPolicyRequest,
    LastSendPolicySuccess,
    AgentVersion,
    HostGuid,
    AgentTasks,
    Ec2AccountId,
    Ec2OperatingSystem,
    Ec2PrivateIp,
    Ec2PublicIp,
    Ec2AvailabilityZone,
    Ec2InstanceId,
    Ec2Type,
    Ec2VirtualizationType,
    AgentReportedAccountId,
    AgentReportedInstanceId,
    AgentReportedRegion,
}

impl Searchable for Computer {
    type Field = ComputerField;
    const OBJECT: &'static str = "computer";

    fn field(name: &str) -> Option<(ComputerField, Kind)> {
        use ComputerField as F;
        Some(match name {
            "hostName" => (F::HostName, Kind::String),
            "displayName" => (F::DisplayName, Kind::String),
            "description" => (F::Description, Kind::String),
            "lastIPUsed" => (F::LastIpUsed, Kind::String),
            "platform" => (F::Platform, Kind::String),
            "groupID" => (F::GroupId, Kind::Numeric),
            "policyID" => (F::PolicyId, Kind::Numeric),
            "assetImportanceID" => (F::AssetImportanceId, Kind::Numeric),
            "relayListID" => (F::RelayListId, Kind::Numeric),
            "agentFingerPrint" => (F::AgentFingerPrint, Kind::String),
            "lastAgentCommunication" => (F::LastAgentCommunication, Kind::Date),
            "lastSendPolicyRequest" => (F::LastSendPolicyRequest, Kind::Date),
            "lastSendPolicySuccess" => (F::LastSendPolicySuccess, Kind::Date),
            "agentVersion" => (F::AgentVersion, Kind::String),
            "hostGUID" => (F::HostGuid, Kind::String),
            "tasks/agentTasks" => (F::AgentTasks, Kind::String),
            "ec2VirtualMachineSummary/accountID" => (F::Ec2AccountId, Kind::String),
            "ec2VirtualMachineSummary/operatingSystem" => (F::Ec2OperatingSystem, Kind::String),
            "ec2VirtualMachineSummary/privateIPAddress" => (F::Ec2PrivateIp, Kind::String),
            "ec2VirtualMachineSummary/publicIPAddress" => (F::Ec2PublicIp, Kind::String),
            "ec2VirtualMachineSummary/availabilityZone" => (F::Ec2AvailabilityZone, Kind::String),
            "ec2VirtualMachineSummary/instanceID" => (F::Ec2InstanceId, Kind::String),
            "ec2VirtualMachineSummary/type" => (F::Ec2Type, Kind::String),
            "ec2VirtualMachineSummary/virtualizationType" => {
                (F::Ec2VirtualizationType, Kind::String)
            }
            "noConnectorVirtualMachineSummary/accountID" => {
                (F::AgentReportedAccountId, Kind::String)
            }
            "noConnectorVirtualMachineSummary/instanceID" => {
                (F::AgentReportedInstanceId, Kind::String)
            }
            "noConnectorVirtualMachineSummary/region" => (F::AgentReportedRegion, Kind::String),
            _ => return None,
        })
    }

    fn object_id(&self) -> i64 {
        i64::from(self.id)
    }

    fn value(&self, field: ComputerField) -> Value<'_> {
        use ComputerField as F;
        fn text(value: Option<&str>) -> Value<'_> {
            value.map_or(Value::Null, Value::Str)
        }
        let ec2 = self.ec2.as_deref();
        let reported = self.agent_reported.as_deref();
        let agent = self.agent.as_ref();
        let number = |value: i32| Value::Number(f64::from(value));
        match field {
            F::HostName => Value::Str(&self.host_name),
            F::DisplayName => Value::Str(&self.display_name),
            F::Description => Value::Str(&self.description),
            F::Platform => Value::Str(self.platform),
            F::GroupId => number(self.group_id),
            F::PolicyId if self.policy_id == 0 => Value::Null,
            F::PolicyId => number(self.policy_id),
            F::AssetImportanceId if self.asset_importance_id == 0 => Value::Null,
            F::AssetImportanceId => number(self.asset_importance_id),
            F::RelayListId => number(self.relay_list_id),
            F::LastAgentCommunication => {
                agent.map_or(Value::Null, |a| Value::Date(a.last_communication))
            }
            F::LastSendPolicyRequest => {
                agent.map_or(Value::Null, |a| Value::Date(a.last_send_policy_request))
            }
            F::LastSendPolicySuccess => {
                agent.map_or(Value::Null, |a| Value::Date(a.last_send_policy_success))
            }
            F::AgentVersion => Value::Str(self.agent_version()),
            F::AgentTasks => Value::StaticList(agent.map_or(&[][..], |a| a.tasks)),
            F::Ec2AccountId => text(ec2.map(|e| e.account_id.as_str())),
            F::Ec2OperatingSystem => text(ec2.map(|e| e.operating_system)),
            F::Ec2AvailabilityZone => text(ec2.map(|e| e.availability_zone)),
            F::Ec2InstanceId => text(ec2.map(|e| e.instance_id.as_str())),
            F::Ec2Type => text(ec2.map(|e| e.instance_type)),
            F::Ec2VirtualizationType => text(ec2.map(|_| "hvm")),
            F::AgentReportedAccountId => text(reported.map(|r| r.account_id.as_str())),
            F::AgentReportedInstanceId => text(reported.map(|r| r.instance_id.as_str())),
            F::AgentReportedRegion => text(reported.map(|r| r.region)),
            F::LastIpUsed
            | F::AgentFingerPrint
            | F::HostGuid
            | F::Ec2PrivateIp
            | F::Ec2PublicIp => {
                let computed = match field {
                    F::LastIpUsed => agent.map(|a| a.last_ip_used.to_string()),
                    F::AgentFingerPrint => agent.map(|a| Fingerprint(a.fingerprint).to_string()),
                    F::HostGuid => Some(Guid(self.host_guid).to_string()),
                    F::Ec2PrivateIp => ec2.map(|e| e.private_ip.to_string()),
                    _ => ec2.and_then(|e| e.public_ip).map(|ip| ip.to_string()),
                };
                computed.map_or(Value::Null, Value::Text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_upper_case_and_hyphenated() {
        let guid = Guid(Uuid::from_u64_pair(
            0x0123_4567_89ab_cdef,
            0xfedc_ba98_7654_3210,
        ));
        assert_eq!(guid.to_string(), "01234567-89AB-CDEF-FEDC-BA9876543210");
        assert_eq!(
            Guid(Uuid::nil()).to_string(),
            "00000000-0000-0000-0000-000000000000"
        );
    }
}
