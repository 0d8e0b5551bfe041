//! `impl ward_core::ManagerApi for ManagerClient`: the port the rest of ward uses, in terms of the
//! typed operations of [`crate::client`].

use crate::client::{AssignmentTarget, Expand, ManagerClient, RuleModule, SYNC_EXPANDS};
use crate::model::{Computer as WireComputer, MissingId};
use crate::transport::Transport;
use async_trait::async_trait;
use ward_core::{
    Computer, ComputerId, IpsRule, ManagerApi, ManagerError, Module, Page, Policy, PolicyId,
    RuleAssignments, RuleId, ScanKind,
};

/// The nested fields that hold an EC2 instance ID, searched in this order.
const INSTANCE_ID_FIELDS: [&str; 2] = [
    "ec2VirtualMachineSummary/instanceID",
    "noConnectorVirtualMachineSummary/instanceID",
];

fn missing_id(operation: &str) -> impl Fn(MissingId) -> ManagerError + '_ {
    move |error| ManagerError::Decode {
        operation: operation.to_owned(),
        cause: error.to_string(),
    }
}

fn computer(operation: &str, wire: WireComputer) -> Result<Computer, ManagerError> {
    wire.into_domain().map_err(missing_id(operation))
}

/// The id to continue after, when the page came back full.
pub(crate) fn next_after(returned: usize, requested: usize, last: Option<i64>) -> Option<i64> {
    (returned > 0 && returned >= requested.clamp(1, crate::client::MAX_PAGE))
        .then_some(last)
        .flatten()
}

#[async_trait]
impl<T: Transport> ManagerApi for ManagerClient<T> {
    async fn computers_page(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Page<Computer>, ManagerError> {
        let wire = self.computers_after(after, limit, &SYNC_EXPANDS).await?;
        let returned = wire.len();
        let items = wire
            .into_iter()
            .map(|c| computer("searchComputers", c))
            .collect::<Result<Vec<_>, _>>()?;
        let last = items.last().map(|c| c.computer_id.0);
        Ok(Page {
            items,
            next_after: next_after(returned, limit, last),
        })
    }

    async fn computer(&self, computer_id: ComputerId) -> Result<Computer, ManagerError> {
        computer(
            "describeComputer",
            self.describe_computer(computer_id, &SYNC_EXPANDS).await?,
        )
    }

    async fn computer_by_instance_id(
        &self,
        instance_id: &str,
    ) -> Result<Option<Computer>, ManagerError> {
        let instance_id = instance_id.trim();
        if instance_id.is_empty() {
            return Ok(None);
        }
        for field in INSTANCE_ID_FIELDS {
            let found = self
                .computers_where(field, instance_id, 1, &SYNC_EXPANDS)
                .await?;
            if let Some(wire) = found.into_iter().next() {
                return computer("searchComputers", wire).map(Some);
            }
        }
        Ok(None)
    }

    async fn policies(&self) -> Result<Vec<Policy>, ManagerError> {
        self.list_policies()
            .await?
            .into_iter()
            .map(|p| p.into_domain().map_err(missing_id("listPolicies")))
            .collect()
    }

    async fn ips_rules_page(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Page<IpsRule>, ManagerError> {
        let wire = self.ips_rules_after(after, limit).await?;
        let returned = wire.len();
        let items = wire
            .into_iter()
            .map(|r| {
                r.into_domain()
                    .map_err(missing_id("searchIntrusionPreventionRules"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let last = items.last().map(|r| r.rule_id.0);
        Ok(Page {
            items,
            next_after: next_after(returned, limit, last),
        })
    }

    async fn ips_rules_for_cve(&self, cve: &str) -> Result<Vec<IpsRule>, ManagerError> {
        let cve = cve.trim();
        if cve.is_empty() {
            return Ok(Vec::new());
        }
        let mut rules = self
            .search_ips_rules_by_cve(cve)
            .await?
            .into_iter()
            .filter(|rule| rule.lists_cve(cve))
            .map(|r| {
                r.into_domain()
                    .map_err(missing_id("searchIntrusionPreventionRules"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        rules.sort_by_key(|rule| rule.rule_id);
        Ok(rules)
    }

    async fn computer_ips_assignments(
        &self,
        computer_id: ComputerId,
    ) -> Result<RuleAssignments, ManagerError> {
        let target = AssignmentTarget::Computer(computer_id);
        Ok(self
            .assignments(target, RuleModule::IntrusionPrevention)
            .await?
            .into_domain())
    }

    async fn add_ips_rules_to_computer(
        &self,
        computer_id: ComputerId,
        rule_ids: &[RuleId],
    ) -> Result<RuleAssignments, ManagerError> {
        let target = AssignmentTarget::Computer(computer_id);
        Ok(self
            .add_assignments(target, RuleModule::IntrusionPrevention, rule_ids)
            .await?
            .into_domain())
    }

    async fn add_ips_rules_to_policy(
        &self,
        policy_id: PolicyId,
        rule_ids: &[RuleId],
    ) -> Result<RuleAssignments, ManagerError> {
        let target = AssignmentTarget::Policy(policy_id);
        Ok(self
            .add_assignments(target, RuleModule::IntrusionPrevention, rule_ids)
            .await?
            .into_domain())
    }

    async fn run_scan(
        &self,
        kind: ScanKind,
        computer_id: ComputerId,
        name: &str,
    ) -> Result<i64, ManagerError> {
        let task = self.run_scan_now(kind, computer_id, name).await?;
        task.id.ok_or_else(|| ManagerError::Decode {
            operation: "createScheduledTask".into(),
            cause: "scheduled task without an `ID`".into(),
        })
    }

    async fn last_scan(
        &self,
        kind: ScanKind,
        computer_id: ComputerId,
    ) -> Result<Option<i64>, ManagerError> {
        Ok(match kind {
            ScanKind::Recommendation => {
                self.computer_ips_assignments(computer_id)
                    .await?
                    .last_recommendation_scan_date
            }
            ScanKind::Integrity => self
                .describe_computer(computer_id, &[Expand::IntegrityMonitoring])
                .await?
                .integrity_monitoring
                .and_then(|module| module.last_integrity_scan),
            ScanKind::Malware => self
                .describe_computer(computer_id, &[Expand::AntiMalware])
                .await?
                .anti_malware
                .and_then(|module| module.last_manual_scan),
        })
    }

    async fn set_computer_module_state(
        &self,
        computer_id: ComputerId,
        module: Module,
        state: &str,
    ) -> Result<Computer, ManagerError> {
        let changes = WireComputer::with_module_state(module, state);
        computer(
            "modifyComputer",
            self.modify_computer(computer_id, &changes, &SYNC_EXPANDS)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_page_is_the_last() {
        assert_eq!(next_after(100, 100, Some(7)), Some(7));
        assert_eq!(next_after(99, 100, Some(7)), None);
        assert_eq!(next_after(0, 100, None), None);
        assert_eq!(
            next_after(5000, 20_000, Some(9)),
            Some(9),
            "the request was capped at 5000"
        );
        assert_eq!(
            next_after(1, 0, Some(3)),
            Some(3),
            "a zero limit asks for one"
        );
    }
}
