//! Fleet summary: the counts the demo prints and the dashboard charts (OS types, agent status,
//! EC2 state, instance types, per-module state).

use crate::inventory::{AgentStatus, Computer, Module};
use serde::Serialize;
use std::collections::BTreeMap;

/// How many computers have a module on, off, or in trouble.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ModuleCounts {
    /// In the module's "on" state with an active module status.
    pub on: u64,
    /// Reported off (or detect-only / not real-time).
    pub off: u64,
    /// Module status warning.
    pub warning: u64,
    /// Module status error.
    pub error: u64,
    /// Not reported by the manager (no agent, or not expanded).
    pub not_reported: u64,
}

/// Counts over a set of computers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FleetSummary {
    pub computers: u64,
    pub protected: u64,
    pub by_os_type: BTreeMap<String, u64>,
    pub by_agent_status: BTreeMap<String, u64>,
    pub by_ec2_state: BTreeMap<String, u64>,
    pub by_instance_type: BTreeMap<String, u64>,
    pub by_account: BTreeMap<String, u64>,
    pub by_region: BTreeMap<String, u64>,
    pub modules: BTreeMap<Module, ModuleCounts>,
}

impl FleetSummary {
    /// Summarises computers.
    pub fn of<'a>(computers: impl IntoIterator<Item = &'a Computer>) -> Self {
        let mut summary = Self::default();
        for module in Module::ALL {
            summary.modules.insert(module, ModuleCounts::default());
        }
        let bump = |map: &mut BTreeMap<String, u64>, key: Option<&str>| {
            *map.entry(key.unwrap_or("(none)").to_owned()).or_default() += 1;
        };
        for computer in computers {
            summary.computers += 1;
            summary.protected += u64::from(computer.protected());
            bump(&mut summary.by_os_type, Some(computer.os_type()));
            bump(
                &mut summary.by_agent_status,
                Some(computer.agent_status.as_str()),
            );
            bump(&mut summary.by_ec2_state, computer.ec2_state.as_deref());
            bump(
                &mut summary.by_instance_type,
                computer.instance_type.as_deref(),
            );
            bump(&mut summary.by_account, computer.account_id.as_deref());
            bump(&mut summary.by_region, computer.region.as_deref());
            for module in Module::ALL {
                let counts = summary.modules.entry(module).or_default();
                match computer.modules.get(&module) {
                    None => counts.not_reported += 1,
                    Some(state) if state.status == AgentStatus::Error => counts.error += 1,
                    Some(state) if state.status == AgentStatus::Warning => counts.warning += 1,
                    Some(state) if state.is_on(module) => counts.on += 1,
                    Some(_) => counts.off += 1,
                }
            }
        }
        summary
    }

    /// A count map sorted by count, largest first (ties by name).
    pub fn ranked(map: &BTreeMap<String, u64>) -> Vec<(&str, u64)> {
        let mut entries: Vec<(&str, u64)> = map.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ComputerId;
    use crate::inventory::ModuleState;

    fn computer(
        id: i64,
        platform: &str,
        status: AgentStatus,
        ips: Option<(&str, AgentStatus)>,
    ) -> Computer {
        let mut modules = BTreeMap::new();
        if let Some((state, status)) = ips {
            modules.insert(
                Module::IntrusionPrevention,
                ModuleState {
                    state: state.into(),
                    status,
                    message: None,
                },
            );
        }
        Computer {
            computer_id: ComputerId(id),
            host_name: format!("host-{id}"),
            display_name: None,
            platform: Some(platform.into()),
            agent_version: Some("20.0.1-1".into()),
            agent_status: status,
            agent_status_messages: vec![],
            policy_id: None,
            last_agent_communication: None,
            instance_id: None,
            account_id: Some("111122223333".into()),
            availability_zone: None,
            region: None,
            instance_type: Some("t3.micro".into()),
            ec2_state: None,
            modules,
            ips_rule_ids: vec![],
        }
    }

    #[test]
    fn counts_add_up() {
        let fleet = [
            computer(
                1,
                "Amazon Linux 2",
                AgentStatus::Active,
                Some(("prevent", AgentStatus::Active)),
            ),
            computer(
                2,
                "Windows Server 2019",
                AgentStatus::Error,
                Some(("prevent", AgentStatus::Error)),
            ),
            computer(3, "Amazon Linux 2", AgentStatus::Inactive, None),
            computer(
                4,
                "Ubuntu 22.04",
                AgentStatus::Active,
                Some(("detect", AgentStatus::Active)),
            ),
        ];
        let summary = FleetSummary::of(&fleet);
        assert_eq!(summary.computers, 4);
        assert_eq!(summary.protected, 2);
        assert_eq!(summary.by_os_type["Amazon Linux"], 2);
        assert_eq!(summary.by_ec2_state["(none)"], 4);
        let ips = &summary.modules[&Module::IntrusionPrevention];
        assert_eq!(
            (ips.on, ips.off, ips.warning, ips.error, ips.not_reported),
            (1, 1, 0, 1, 1)
        );
        for counts in summary.modules.values() {
            assert_eq!(
                counts.on + counts.off + counts.warning + counts.error + counts.not_reported,
                4
            );
        }
        assert_eq!(
            FleetSummary::ranked(&summary.by_os_type)[0],
            ("Amazon Linux", 2)
        );
    }
}
