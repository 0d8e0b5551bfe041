//! The scheduled WAF sweep, driven through ports: for every WebACL in
//! front of an ALB or a CloudFront distribution, in every configured account and ward's own, the
//! instances behind it → their computers in the inventory → the IPS rules assigned to them and to
//! their policies → the Trend Micro managed rule groups those rules call for ([`crate::waf`]);
//! with `apply`, the missing groups are added to the WebACL. Each WebACL's outcome is recorded as a
//! decision (source `waf`).
//!
//! A failed AWS call is reported for the account, resource or WebACL it was about; the sweep goes
//! on with the rest. Only a store that cannot record a decision stops it.

use crate::waf::{GroupNames, plan, recommend};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use ward_core::waf::{
    AccountRole, AclRule, AclScope, AwsAccounts, ProtectedResource, ResourceKind, RuleGroup,
    WebAclRef, WebAcls,
};
use ward_core::{
    Clock, Computer, DecisionRecord, IpsRule, ManagerApi, ManagerError, Policy, RuleId, Store,
    StoreError, Verdict,
};

/// What the sweep works through.
#[derive(Debug, Clone)]
pub struct SweepPorts {
    pub accounts: Arc<dyn AwsAccounts>,
    pub manager: Arc<dyn ManagerApi>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

/// An account to sweep through its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepAccount {
    pub id: String,
    pub role: AccountRole,
}

/// One sweep, across every account.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SweepReport {
    pub accounts: Vec<AccountReport>,
    pub web_acls: Vec<AclReport>,
}

/// An account swept, and the calls that failed before any WebACL was known.
#[derive(Debug, Clone, Serialize)]
pub struct AccountReport {
    /// The account ID (`unknown` when the credentials' own account could not be read).
    pub account: String,
    /// The role assumed, or `null` for the default credentials.
    pub role_arn: Option<String>,
    pub errors: Vec<String>,
}

/// One WebACL's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct AclReport {
    pub account: String,
    pub name: String,
    pub arn: String,
    pub scope: AclScope,
    pub resources: Vec<ResourceReport>,
    pub instances: Vec<InstanceReport>,
    /// Names of the policies of the computers behind it.
    pub policies: Vec<String>,
    /// The groups the IPS rules call for.
    pub recommended: Vec<GroupReport>,
    /// Recommended groups the WebACL already held.
    pub present: Vec<GroupReport>,
    /// Groups added by this sweep.
    pub added: Vec<GroupReport>,
    /// Groups still missing (not applied, or the update failed).
    pub missing: Vec<GroupReport>,
    /// `respond` (added), `notify` (missing), `compliant` (all present), `ignore` (nothing to
    /// recommend) or `error`.
    pub decision: Verdict,
    pub reason: String,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceReport {
    pub kind: ResourceKind,
    /// The ALB's ARN or the distribution's ID.
    pub id: String,
    pub dns_name: String,
    pub instances: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceReport {
    pub instance_id: String,
    /// `null` when the manager does not know the instance.
    pub computer_id: Option<i64>,
    pub host_name: Option<String>,
    pub protected: bool,
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// `webserver` or `cms`.
    pub group: RuleGroup,
    pub vendor: String,
    pub name: String,
    /// The IPS rules that call for it (with `recommended`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<String>,
    /// The rule's name in the WebACL (with `added`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
}

/// Sweeps every configured account (each through its role) and the default credentials' own
/// account; with `apply`, adds the missing groups.
pub async fn sweep(
    ports: &SweepPorts,
    configured: &[SweepAccount],
    names: &GroupNames,
    apply: bool,
) -> Result<SweepReport, StoreError> {
    let mut targets: Vec<(String, Option<&AccountRole>, Vec<String>)> = configured
        .iter()
        .map(|account| (account.id.clone(), Some(&account.role), Vec::new()))
        .collect();
    match ports.accounts.own_account().await {
        Ok(own) if configured.iter().any(|account| account.id == own) => {}
        Ok(own) => targets.push((own, None, Vec::new())),
        Err(error) => targets.push(("unknown".into(), None, vec![error.to_string()])),
    }
    let mut lookup = Lookup::new(Arc::clone(&ports.manager), Arc::clone(&ports.store));
    let mut report = SweepReport::default();
    for (account, role, mut errors) in targets {
        let web_acls = ports.accounts.web_acls(role).await;
        let inventory = web_acls.inventory().await;
        errors.extend(inventory.errors.iter().map(ToString::to_string));
        for error in &errors {
            tracing::warn!(account, error, "WAF sweep");
        }
        for (acl, resources) in inventory.by_web_acl() {
            let acl_report = AclSweep {
                account: &account,
                acl,
                resources: &resources,
                web_acls: web_acls.as_ref(),
                names,
                apply,
            }
            .run(&mut lookup)
            .await;
            ports
                .store
                .record_decision(&decision_record(&acl_report, ports.clock.now_ms()))
                .await?;
            report.web_acls.push(acl_report);
        }
        report.accounts.push(AccountReport {
            account,
            role_arn: role.map(|role| role.role_arn.clone()),
            errors,
        });
    }
    Ok(report)
}

/// One WebACL of one account.
struct AclSweep<'a> {
    account: &'a str,
    acl: &'a WebAclRef,
    resources: &'a [&'a ProtectedResource],
    web_acls: &'a dyn WebAcls,
    names: &'a GroupNames,
    apply: bool,
}

/// The computers, policies and IPS rules behind a WebACL.
#[derive(Debug, Default)]
struct Behind {
    instances: Vec<InstanceReport>,
    policies: BTreeSet<String>,
    rules: Vec<IpsRule>,
    errors: Vec<String>,
}

impl AclSweep<'_> {
    async fn run(&self, lookup: &mut Lookup) -> AclReport {
        let mut behind = self.behind(lookup).await;
        let recommended = recommend(&behind.rules);
        let wanted: BTreeSet<RuleGroup> = recommended.keys().copied().collect();
        let mut report = AclReport {
            account: self.account.to_owned(),
            name: self.acl.name.clone(),
            arn: self.acl.arn.clone(),
            scope: self.acl.scope,
            resources: self
                .resources
                .iter()
                .map(|resource| ResourceReport {
                    kind: resource.kind,
                    id: resource.id.clone(),
                    dns_name: resource.dns_name.clone(),
                    instances: resource.instances.clone(),
                })
                .collect(),
            instances: std::mem::take(&mut behind.instances),
            policies: std::mem::take(&mut behind.policies).into_iter().collect(),
            recommended: recommended
                .iter()
                .map(|(group, because)| GroupReport {
                    because: because.clone(),
                    ..self.group_report(*group)
                })
                .collect(),
            present: Vec::new(),
            added: Vec::new(),
            missing: Vec::new(),
            decision: Verdict::Ignore,
            reason: String::new(),
            errors: Vec::new(),
        };
        let read = self.web_acls.rules(self.acl).await;
        if let Ok(rules) = &read {
            self.compare(&mut report, rules, &wanted, &mut behind.errors)
                .await;
        }
        if let Err(error) = &read {
            behind.errors.push(error.to_string());
        }
        (report.decision, report.reason) = self.verdict(&report, read.is_err(), wanted.is_empty());
        report.errors = behind.errors;
        report
    }

    /// The instances behind the WebACL, their computers and policies, and the IPS rules on them.
    async fn behind(&self, lookup: &mut Lookup) -> Behind {
        let mut behind = Behind {
            errors: self
                .resources
                .iter()
                .flat_map(|resource| resource.errors.iter().map(ToString::to_string))
                .collect(),
            ..Behind::default()
        };
        let instance_ids: BTreeSet<&String> = self
            .resources
            .iter()
            .flat_map(|resource| resource.instances.iter())
            .collect();
        let mut rule_ids = BTreeSet::new();
        for instance_id in instance_ids {
            let computer = lookup.computer(instance_id).await.unwrap_or_else(|error| {
                behind
                    .errors
                    .push(format!("instance {instance_id}: {error}"));
                None
            });
            let policy = match &computer {
                Some(computer) => lookup.policy(computer).await.unwrap_or_else(|error| {
                    behind
                        .errors
                        .push(format!("instance {instance_id}: {error}"));
                    None
                }),
                None => None,
            };
            if let Some(computer) = &computer {
                rule_ids.extend(computer.ips_rule_ids.iter().copied());
            }
            if let Some(policy) = &policy {
                rule_ids.extend(policy.ips_rule_ids.iter().copied());
                behind.policies.insert(policy.name.clone());
            }
            behind.instances.push(InstanceReport {
                instance_id: instance_id.clone(),
                computer_id: computer.as_ref().map(|computer| computer.computer_id.0),
                host_name: computer.as_ref().map(|computer| computer.host_name.clone()),
                protected: computer.as_ref().is_some_and(Computer::protected),
                policy: policy.map(|policy| policy.name),
            });
        }
        behind.rules = lookup.rules(&rule_ids).await.unwrap_or_else(|error| {
            behind.errors.push(format!("IPS rules: {error}"));
            Vec::new()
        });
        behind
    }

    /// Which recommended groups the WebACL holds; with `apply`, adds the missing ones.
    async fn compare(
        &self,
        report: &mut AclReport,
        rules: &[AclRule],
        wanted: &BTreeSet<RuleGroup>,
        errors: &mut Vec<String>,
    ) {
        let current = plan(rules, wanted, self.names);
        report.present = current
            .present
            .iter()
            .map(|group| self.group_report(*group))
            .collect();
        report.missing = current
            .add
            .iter()
            .map(|add| self.group_report(add.group))
            .collect();
        if !self.apply || current.add.is_empty() {
            return;
        }
        let replan = |rules: &[AclRule]| plan(rules, wanted, self.names).add;
        match self.web_acls.add_rules(self.acl, &replan).await {
            Ok(added) => {
                report.added = added
                    .into_iter()
                    .map(|add| GroupReport {
                        rule_name: Some(add.rule_name),
                        ..self.group_report(add.group)
                    })
                    .collect();
                // Another writer may have added a group meanwhile: it is present now.
                let added: BTreeSet<RuleGroup> =
                    report.added.iter().map(|group| group.group).collect();
                let elsewhere: Vec<GroupReport> = report
                    .missing
                    .drain(..)
                    .filter(|group| !added.contains(&group.group))
                    .collect();
                report.present.extend(elsewhere);
            }
            Err(error) => errors.push(error.to_string()),
        }
    }

    /// The WebACL's verdict and its reason.
    fn verdict(&self, report: &AclReport, unread: bool, nothing_wanted: bool) -> (Verdict, String) {
        let group_list = |groups: &[GroupReport]| {
            groups
                .iter()
                .map(|group| group.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if unread {
            (
                Verdict::Error,
                format!("cannot read WebACL {}", self.acl.name),
            )
        } else if nothing_wanted {
            (
                Verdict::Ignore,
                format!(
                    "no IPS rule of the {} instance(s) behind it calls for a Trend Micro rule group",
                    report.instances.len()
                ),
            )
        } else if !report.added.is_empty() && report.missing.is_empty() {
            (
                Verdict::Respond,
                format!("added {}", group_list(&report.added)),
            )
        } else if !report.missing.is_empty() {
            let why = if self.apply {
                " (the update failed)"
            } else {
                " (run with --apply to add)"
            };
            (
                Verdict::Notify,
                format!("missing {}{why}", group_list(&report.missing)),
            )
        } else {
            (
                Verdict::Compliant,
                format!("holds {}", group_list(&report.present)),
            )
        }
    }

    fn group_report(&self, group: RuleGroup) -> GroupReport {
        GroupReport {
            group,
            vendor: self.names.vendor.clone(),
            name: self.names.name(group).to_owned(),
            because: Vec::new(),
            rule_name: None,
        }
    }
}

/// A WebACL's outcome as the decision log keeps it.
fn decision_record(report: &AclReport, at: i64) -> DecisionRecord {
    let known: Vec<&InstanceReport> = report
        .instances
        .iter()
        .filter(|instance| instance.computer_id.is_some())
        .collect();
    let names = |groups: &[GroupReport]| groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    DecisionRecord {
        event_id: format!("waf:{}", report.arn),
        source: "waf".into(),
        finding_type: format!("WAF sweep ({})", report.scope),
        instance_id: None,
        computer_id: None,
        account_id: Some(report.account.clone()).filter(|account| account != "unknown"),
        protected: (!report.instances.is_empty())
            .then(|| known.len() == report.instances.len() && known.iter().all(|i| i.protected)),
        decision: report.decision,
        reason: report.reason.clone(),
        actions: serde_json::json!({
            "web_acl": report.name,
            "resources": report.resources.iter().map(|r| &r.id).collect::<Vec<_>>(),
            "instances": report.instances.iter().map(|i| &i.instance_id).collect::<Vec<_>>(),
            "recommended": names(&report.recommended),
            "present": names(&report.present),
            "added": names(&report.added),
            "missing": names(&report.missing),
            "errors": report.errors,
        }),
        at,
    }
}

/// Why the sweep could not learn about an instance or its rules.
#[derive(Debug, thiserror::Error)]
enum LookupError {
    #[error(transparent)]
    Manager(#[from] ManagerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Computers, policies and IPS rules for the sweep: the inventory first; an instance it does not
/// know costs one targeted search, and rule details are read from the manager by ID range (the
/// store keeps rules by CVE only).
#[derive(Debug)]
struct Lookup {
    manager: Arc<dyn ManagerApi>,
    store: Arc<dyn Store>,
    policies: Option<HashMap<i64, Policy>>,
    rules: HashMap<i64, IpsRule>,
    /// Rule IDs the manager does not have.
    missing_rules: BTreeSet<i64>,
}

/// Rules asked for at once when reading by ID range.
const RULES_PER_CALL: usize = 100;

impl Lookup {
    fn new(manager: Arc<dyn ManagerApi>, store: Arc<dyn Store>) -> Self {
        Self {
            manager,
            store,
            policies: None,
            rules: HashMap::new(),
            missing_rules: BTreeSet::new(),
        }
    }

    async fn computer(&self, instance_id: &str) -> Result<Option<Computer>, LookupError> {
        if let Some(computer) = self.store.computer_by_instance_id(instance_id).await? {
            return Ok(Some(computer));
        }
        let found = self.manager.computer_by_instance_id(instance_id).await?;
        if let Some(computer) = &found {
            self.store.upsert_computer(computer).await?;
        }
        Ok(found)
    }

    async fn policy(&mut self, computer: &Computer) -> Result<Option<Policy>, LookupError> {
        let Some(policy_id) = computer.policy_id else {
            return Ok(None);
        };
        if self.policies.is_none() {
            let policies = self.store.policies().await?;
            self.policies = Some(
                policies
                    .into_iter()
                    .map(|policy| (policy.policy_id.0, policy))
                    .collect(),
            );
        }
        Ok(self
            .policies
            .as_ref()
            .and_then(|policies| policies.get(&policy_id.0))
            .cloned())
    }

    /// The rules with these IDs (unknown IDs are left out).
    async fn rules(&mut self, ids: &BTreeSet<RuleId>) -> Result<Vec<IpsRule>, LookupError> {
        for id in ids {
            let id = id.0;
            if self.rules.contains_key(&id) || self.missing_rules.contains(&id) {
                continue;
            }
            let page = self
                .manager
                .ips_rules_page(Some(id - 1), RULES_PER_CALL)
                .await?;
            let last = page.items.last().map(|rule| rule.rule_id.0);
            for rule in page.items {
                self.rules.insert(rule.rule_id.0, rule);
            }
            // IDs inside the range read that did not come back do not exist.
            let end = if page.next_after.is_none() {
                i64::MAX
            } else {
                last.unwrap_or(id)
            };
            for wanted in ids.iter().map(|id| id.0).filter(|w| *w >= id && *w <= end) {
                if !self.rules.contains_key(&wanted) {
                    self.missing_rules.insert(wanted);
                }
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.rules.get(&id.0).cloned())
            .collect())
    }
}

/// The counts of WebACLs per verdict, for summaries.
pub fn verdict_counts(report: &SweepReport) -> BTreeMap<Verdict, usize> {
    report
        .web_acls
        .iter()
        .fold(BTreeMap::new(), |mut counts, acl| {
            *counts.entry(acl.decision).or_default() += 1;
            counts
        })
}
