//! The inventory: computers, policies and IPS rules as ward keeps them (flat, snake_case), whatever
//! the manager's wire format. `ward-manager` maps the API's objects into these types.

use crate::ids::{ComputerId, PolicyId, RuleId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The status the manager reports for an agent (`computerStatus.agentStatus`) or for a module on a
/// computer (`moduleStatus.agentStatus`).
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
pub enum AgentStatus {
    Active,
    Warning,
    Error,
    Inactive,
    NotSupported,
    /// The manager sent no status or one this version of ward does not know.
    Unknown,
}

impl AgentStatus {
    /// All statuses, in display order.
    pub const ALL: [AgentStatus; 6] = [
        Self::Active,
        Self::Warning,
        Self::Error,
        Self::Inactive,
        Self::NotSupported,
        Self::Unknown,
    ];

    /// The manager's spelling (`active`, `not-supported`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Inactive => "inactive",
            Self::NotSupported => "not-supported",
            Self::Unknown => "unknown",
        }
    }

    /// Parses the manager's spelling; anything else is `Unknown`.
    pub fn parse(text: &str) -> Self {
        match text {
            "active" => Self::Active,
            "warning" => Self::Warning,
            "error" => Self::Error,
            "inactive" => Self::Inactive,
            "not-supported" => Self::NotSupported,
            _ => Self::Unknown,
        }
    }
}

impl fmt::Display for AgentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protection module of the agent.
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
#[serde(rename_all = "snake_case")]
pub enum Module {
    AntiMalware,
    WebReputation,
    Firewall,
    IntrusionPrevention,
    IntegrityMonitoring,
    LogInspection,
    ApplicationControl,
}

impl Module {
    /// All modules, in the order the dashboard and reports show them.
    pub const ALL: [Module; 7] = [
        Self::AntiMalware,
        Self::WebReputation,
        Self::Firewall,
        Self::IntrusionPrevention,
        Self::IntegrityMonitoring,
        Self::LogInspection,
        Self::ApplicationControl,
    ];

    /// ward's name, as used in config (`intrusion_prevention`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AntiMalware => "anti_malware",
            Self::WebReputation => "web_reputation",
            Self::Firewall => "firewall",
            Self::IntrusionPrevention => "intrusion_prevention",
            Self::IntegrityMonitoring => "integrity_monitoring",
            Self::LogInspection => "log_inspection",
            Self::ApplicationControl => "application_control",
        }
    }

    /// The manager's property name on a computer or policy (`intrusionPrevention`).
    pub fn api_field(self) -> &'static str {
        match self {
            Self::AntiMalware => "antiMalware",
            Self::WebReputation => "webReputation",
            Self::Firewall => "firewall",
            Self::IntrusionPrevention => "intrusionPrevention",
            Self::IntegrityMonitoring => "integrityMonitoring",
            Self::LogInspection => "logInspection",
            Self::ApplicationControl => "applicationControl",
        }
    }

    /// The state that counts as "on" for this module: `prevent` for IPS, `real-time` for
    /// integrity monitoring, `on` for the others (anti-malware reports `on` when real-time scanning runs).
    pub fn on_state(self) -> &'static str {
        match self {
            Self::IntrusionPrevention => "prevent",
            Self::IntegrityMonitoring => "real-time",
            _ => "on",
        }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Module {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|module| module.as_str() == text || module.api_field() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|m| m.as_str()).collect();
                format!(
                    "unknown module `{text}` (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// A module's state on one computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModuleState {
    /// `on`, `off`, `prevent`, `detect`, `real-time`, … as the manager reports it.
    pub state: String,
    /// `moduleStatus.agentStatus`.
    pub status: AgentStatus,
    /// `moduleStatus.agentStatusMessage`, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ModuleState {
    /// Whether the module is in its "on" state and the agent reports it active.
    pub fn is_on(&self, module: Module) -> bool {
        let on = if module == Module::AntiMalware {
            self.state == "on" || self.state == "real-time"
        } else {
            self.state == module.on_state()
        };
        on && self.status == AgentStatus::Active
    }
}

/// A computer known to the manager, flattened from the API's computer object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Computer {
    pub computer_id: ComputerId,
    pub host_name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Free text, e.g. "Amazon Linux 2 (64 bit) (4.14.336-257.568.amzn2.x86_64)".
    #[serde(default)]
    pub platform: Option<String>,
    /// `"0.0.0.0"` when no agent is installed.
    #[serde(default)]
    pub agent_version: Option<String>,
    pub agent_status: AgentStatus,
    #[serde(default)]
    pub agent_status_messages: Vec<String>,
    #[serde(default)]
    pub policy_id: Option<PolicyId>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub last_agent_communication: Option<i64>,
    /// EC2 instance ID (`ec2VirtualMachineSummary.instanceID`, falling back to the no-connector summary).
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// Derived from the availability zone, or the no-connector summary's `region`.
    #[serde(default)]
    pub region: Option<String>,
    /// `ec2VirtualMachineSummary.type`, e.g. "t3.micro".
    #[serde(default)]
    pub instance_type: Option<String>,
    /// `ec2VirtualMachineSummary.state`, e.g. "POWER ON".
    #[serde(default)]
    pub ec2_state: Option<String>,
    /// Per-module state; a module the manager did not report is absent.
    #[serde(default)]
    pub modules: BTreeMap<Module, ModuleState>,
    /// IPS rules assigned directly or through the policy, as the computer reports them.
    #[serde(default)]
    pub ips_rule_ids: Vec<RuleId>,
}

impl Computer {
    /// Protected means an agent is installed and reporting: agent status `active` or `warning`
    /// (a warning is, for example, an out-of-date pattern; the agent still enforces its policy).
    pub fn protected(&self) -> bool {
        matches!(
            self.agent_status,
            AgentStatus::Active | AgentStatus::Warning
        ) && self.agent_version.as_deref() != Some("0.0.0.0")
    }

    /// A short OS family for summaries: "Windows", "Amazon Linux", "Ubuntu", … or "Unknown".
    pub fn os_type(&self) -> &'static str {
        os_type(self.platform.as_deref().unwrap_or_default())
    }
}

/// The OS family of a manager `platform` string.
pub fn os_type(platform: &str) -> &'static str {
    let lower = platform.to_ascii_lowercase();
    const FAMILIES: [(&str, &str); 10] = [
        ("windows", "Windows"),
        ("amazon linux", "Amazon Linux"),
        ("ubuntu", "Ubuntu"),
        ("red hat", "Red Hat"),
        ("rhel", "Red Hat"),
        ("centos", "CentOS"),
        ("debian", "Debian"),
        ("suse", "SUSE"),
        ("oracle", "Oracle Linux"),
        ("rocky", "Rocky Linux"),
    ];
    FAMILIES
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map(|(_, family)| *family)
        .unwrap_or(if lower.contains("linux") {
            "Other Linux"
        } else {
            "Unknown"
        })
}

/// A policy (only what ward needs of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub policy_id: PolicyId,
    #[serde(default)]
    pub parent_id: Option<PolicyId>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Module states set on the policy (`state` only; policies have no agent status).
    #[serde(default)]
    pub module_states: BTreeMap<Module, String>,
    /// IPS rules assigned to the policy.
    #[serde(default)]
    pub ips_rule_ids: Vec<RuleId>,
}

/// An intrusion prevention rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpsRule {
    pub rule_id: RuleId,
    /// Trend Micro's rule number, e.g. "1008610".
    #[serde(default)]
    pub identifier: Option<String>,
    pub name: String,
    #[serde(default)]
    pub cves: Vec<String>,
    #[serde(default)]
    pub cvss_score: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub rule_type: Option<String>,
    #[serde(default)]
    pub application_type_id: Option<i64>,
}

/// The scans ward can ask the manager to run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScanKind {
    /// `scan-for-recommendations`
    Recommendation,
    /// `scan-for-integrity-changes`
    Integrity,
    /// `scan-for-malware`
    Malware,
}

impl ScanKind {
    /// The scheduled task `type` that runs this scan.
    pub fn task_type(self) -> &'static str {
        match self {
            Self::Recommendation => "scan-for-recommendations",
            Self::Integrity => "scan-for-integrity-changes",
            Self::Malware => "scan-for-malware",
        }
    }
}

/// Which computers an inventory query returns. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryFilter {
    /// Only computers without an active agent.
    pub unprotected_only: bool,
    pub account_id: Option<String>,
    pub region: Option<String>,
}

impl InventoryFilter {
    /// Whether a computer passes the filter.
    pub fn matches(&self, computer: &Computer) -> bool {
        (!self.unprotected_only || !computer.protected())
            && self
                .account_id
                .as_ref()
                .is_none_or(|account| computer.account_id.as_ref() == Some(account))
            && self
                .region
                .as_ref()
                .is_none_or(|region| computer.region.as_ref() == Some(region))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn computer(status: AgentStatus, version: &str) -> Computer {
        Computer {
            computer_id: ComputerId(1),
            host_name: "web-1".into(),
            display_name: None,
            platform: Some("Amazon Linux 2 (64 bit)".into()),
            agent_version: Some(version.into()),
            agent_status: status,
            agent_status_messages: vec![],
            policy_id: None,
            last_agent_communication: None,
            instance_id: Some("i-0abc".into()),
            account_id: Some("123456789012".into()),
            availability_zone: Some("us-east-1a".into()),
            region: Some("us-east-1".into()),
            instance_type: Some("t3.micro".into()),
            ec2_state: Some("POWER ON".into()),
            modules: BTreeMap::new(),
            ips_rule_ids: vec![],
        }
    }

    #[test]
    fn protected_needs_a_reporting_agent() {
        assert!(computer(AgentStatus::Active, "20.0.1-1234").protected());
        assert!(computer(AgentStatus::Warning, "20.0.1-1234").protected());
        assert!(!computer(AgentStatus::Error, "20.0.1-1234").protected());
        assert!(!computer(AgentStatus::Inactive, "0.0.0.0").protected());
        assert!(!computer(AgentStatus::Active, "0.0.0.0").protected());
    }

    #[test]
    fn os_families() {
        assert_eq!(os_type("Microsoft Windows Server 2019 (64 bit)"), "Windows");
        assert_eq!(os_type("Amazon Linux 2 (64 bit)"), "Amazon Linux");
        assert_eq!(os_type("Ubuntu Linux 22 (64 bit)"), "Ubuntu");
        assert_eq!(os_type("Some Linux"), "Other Linux");
        assert_eq!(os_type(""), "Unknown");
    }

    #[test]
    fn module_on_states() {
        let on = |state: &str, status| ModuleState {
            state: state.into(),
            status,
            message: None,
        };
        assert!(on("prevent", AgentStatus::Active).is_on(Module::IntrusionPrevention));
        assert!(!on("detect", AgentStatus::Active).is_on(Module::IntrusionPrevention));
        assert!(!on("prevent", AgentStatus::Warning).is_on(Module::IntrusionPrevention));
        assert!(on("real-time", AgentStatus::Active).is_on(Module::IntegrityMonitoring));
        assert!(on("on", AgentStatus::Active).is_on(Module::AntiMalware));
        assert_eq!(
            "intrusionPrevention".parse::<Module>(),
            Ok(Module::IntrusionPrevention)
        );
        assert!(
            "nope"
                .parse::<Module>()
                .unwrap_err()
                .contains("anti_malware")
        );
    }

    #[test]
    fn filter_matches() {
        let c = computer(AgentStatus::Inactive, "0.0.0.0");
        assert!(
            InventoryFilter {
                unprotected_only: true,
                ..Default::default()
            }
            .matches(&c)
        );
        assert!(
            !InventoryFilter {
                region: Some("eu-west-1".into()),
                ..Default::default()
            }
            .matches(&c)
        );
        assert!(
            InventoryFilter {
                account_id: Some("123456789012".into()),
                ..Default::default()
            }
            .matches(&c)
        );
    }
}
