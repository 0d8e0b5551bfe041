//! `ward waf sweep` (and the scheduled sweep in `ward run`): for every WebACL in front of an ALB
//! or a CloudFront distribution, in every configured account, the instances behind it → their
//! computers in the inventory → the IPS rules assigned to them and to their policies → the Trend
//! Micro managed rule groups those rules call for (`ward_respond::waf`); with `--apply`, the
//! missing groups are added to the WebACL. Each WebACL's outcome is recorded as a decision
//! (source `waf`).
//!
//! A failed AWS call is reported for the account, resource or WebACL it was about; the sweep goes
//! on with the rest.

use crate::cli::{HandleOutput, WafCommand, WafSweepArgs};
use crate::commands::{connect_manager, open_store};
use crate::config::{AccountConfig, Config};
use crate::output;
use anyhow::Context;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use ward_aws::{AccountRole, AclRule, ManagedRuleToAdd, WafSweeper, WebAclRef};
use ward_core::{Computer, DecisionRecord, IpsRule, ManagerApi, Policy, RuleId, Store};
use ward_respond::waf::{ExistingRule, GroupNames, RuleGroup};

pub async fn run(config: &Config, command: &WafCommand) -> anyhow::Result<()> {
    match command {
        WafCommand::Sweep(args) => sweep_command(config, args).await,
    }
}

async fn sweep_command(config: &Config, args: &WafSweepArgs) -> anyhow::Result<()> {
    let store = open_store(&config.store_url).await?;
    let manager: Arc<dyn ManagerApi> = connect_manager(config).await?;
    let report = sweep(config, manager, store, args.apply).await?;
    let mut out = output::stdout();
    match args.output {
        HandleOutput::Json => output::line(&mut out, &serde_json::to_string_pretty(&report)?),
        HandleOutput::Table => output::line(&mut out, &render(&report, args.apply)),
    }
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
    /// `REGIONAL` or `CLOUDFRONT`.
    pub scope: String,
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
    pub decision: String,
    pub reason: String,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceReport {
    /// `alb` or `cloudfront`.
    pub kind: String,
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
    config: &Config,
    manager: Arc<dyn ManagerApi>,
    store: Arc<dyn Store>,
    apply: bool,
) -> anyhow::Result<SweepReport> {
    let base = crate::aws::sdk_config(config)
        .await
        .context("the WAF sweep needs an [aws] section")?;
    let configured: &[AccountConfig] = config
        .aws
        .as_ref()
        .map_or(&[], |aws| aws.accounts.as_slice());
    let mut targets: Vec<(String, Option<&AccountConfig>, Vec<String>)> = configured
        .iter()
        .map(|account| (account.id.clone(), Some(account), Vec::new()))
        .collect();
    match ward_aws::caller_identity(&base).await {
        Ok((own, _)) if configured.iter().any(|account| account.id == own) => {}
        Ok((own, _)) => targets.push((own, None, Vec::new())),
        Err(error) => targets.push(("unknown".into(), None, vec![error])),
    }
    let mut lookup = Lookup::new(manager, store.clone());
    let mut report = SweepReport::default();
    for (account, role, mut errors) in targets {
        let role_arn = role.map(|role| role.role_arn.clone());
        let sdk = ward_aws::account_sdk_config(
            &base,
            role.map(|role| AccountRole {
                role_arn: role.role_arn.clone(),
                external_id: role.external_id.clone(),
            })
            .as_ref(),
        )
        .await;
        let sweeper = WafSweeper::new(&sdk);
        let inventory = sweeper.inventory().await;
        errors.extend(inventory.errors.iter().cloned());
        for error in &errors {
            tracing::warn!(account, error, "WAF sweep");
        }
        for (acl, resources) in ward_aws::by_web_acl(&inventory.resources) {
            let acl_report = sweep_acl(
                &account,
                acl,
                &resources,
                &sweeper,
                &mut lookup,
                &config.waf.groups,
                apply,
            )
            .await;
            store
                .record_decision(&decision_record(&acl_report))
                .await
                .context("cannot record the WAF sweep's decision")?;
            report.web_acls.push(acl_report);
        }
        report.accounts.push(AccountReport {
            account,
            role_arn,
            errors,
        });
    }
    Ok(report)
}

async fn sweep_acl(
    account: &str,
    acl: &WebAclRef,
    resources: &[&ward_aws::ProtectedResource],
    sweeper: &WafSweeper,
    lookup: &mut Lookup,
    names: &GroupNames,
    apply: bool,
) -> AclReport {
    let mut errors: Vec<String> = resources
        .iter()
        .flat_map(|resource| resource.errors.iter().cloned())
        .collect();
    let instance_ids: BTreeSet<&String> = resources
        .iter()
        .flat_map(|resource| resource.instances.iter())
        .collect();
    let mut instances = Vec::new();
    let mut policies = BTreeSet::new();
    let mut rule_ids = BTreeSet::new();
    for instance_id in instance_ids {
        let computer = match lookup.computer(instance_id).await {
            Ok(computer) => computer,
            Err(error) => {
                errors.push(format!("instance {instance_id}: {error}"));
                None
            }
        };
        let policy = match &computer {
            Some(computer) => lookup.policy(computer).await.unwrap_or_else(|error| {
                errors.push(format!("instance {instance_id}: {error}"));
                None
            }),
            None => None,
        };
        if let Some(computer) = &computer {
            rule_ids.extend(computer.ips_rule_ids.iter().copied());
        }
        if let Some(policy) = &policy {
            rule_ids.extend(policy.ips_rule_ids.iter().copied());
            policies.insert(policy.name.clone());
        }
        instances.push(InstanceReport {
            instance_id: instance_id.clone(),
            computer_id: computer.as_ref().map(|computer| computer.computer_id.0),
            host_name: computer.as_ref().map(|computer| computer.host_name.clone()),
            protected: computer.as_ref().is_some_and(Computer::protected),
            policy: policy.map(|policy| policy.name),
        });
    }
    let rules = match lookup.rules(&rule_ids).await {
        Ok(rules) => rules,
        Err(error) => {
            errors.push(format!("IPS rules: {error}"));
            Vec::new()
        }
    };
    let recommended = ward_respond::waf::recommend(&rules);
    let wanted: BTreeSet<RuleGroup> = recommended.keys().copied().collect();
    let group_report = |group: RuleGroup| GroupReport {
        group,
        vendor: names.vendor.clone(),
        name: names.name(group).to_owned(),
        because: Vec::new(),
        rule_name: None,
    };
    let mut report = AclReport {
        account: account.to_owned(),
        name: acl.name.clone(),
        arn: acl.arn.clone(),
        scope: acl.scope.as_str().to_owned(),
        resources: resources
            .iter()
            .map(|resource| ResourceReport {
                kind: resource.kind.as_str().to_owned(),
                id: resource.id.clone(),
                dns_name: resource.dns_name.clone(),
                instances: resource.instances.clone(),
            })
            .collect(),
        instances,
        policies: policies.into_iter().collect(),
        recommended: recommended
            .iter()
            .map(|(group, because)| GroupReport {
                because: because.clone(),
                ..group_report(*group)
            })
            .collect(),
        present: Vec::new(),
        added: Vec::new(),
        missing: Vec::new(),
        decision: String::new(),
        reason: String::new(),
        errors: Vec::new(),
    };
    let plan_for = |rules: &[AclRule]| ward_respond::waf::plan(&existing(rules), &wanted, names);
    let acl_error = match sweeper.rules(acl).await {
        Err(error) => Some(error),
        Ok(rules) => {
            let plan = plan_for(&rules);
            report.present = plan
                .present
                .iter()
                .map(|group| group_report(*group))
                .collect();
            report.missing = plan.add.iter().map(|add| group_report(add.group)).collect();
            if apply && !plan.add.is_empty() {
                let added = sweeper
                    .add_managed_rule_groups(acl, |rules| {
                        plan_for(rules)
                            .add
                            .into_iter()
                            .map(|add| ManagedRuleToAdd {
                                rule_name: add.rule_name,
                                priority: add.priority,
                                vendor: add.vendor,
                                group: add.group_name,
                            })
                            .collect()
                    })
                    .await;
                match added {
                    Ok(added) => {
                        report.added = added
                            .into_iter()
                            .filter_map(|add| {
                                let group = RuleGroup::ALL
                                    .into_iter()
                                    .find(|group| names.name(*group) == add.group)?;
                                Some(GroupReport {
                                    rule_name: Some(add.rule_name),
                                    ..group_report(group)
                                })
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
                    Err(error) => errors.push(error),
                }
            }
            None
        }
    };
    if let Some(error) = &acl_error {
        errors.push(error.clone());
    }
    let group_list = |groups: &[GroupReport]| {
        groups
            .iter()
            .map(|group| group.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (decision, reason) = if acl_error.is_some() {
        ("error", format!("cannot read WebACL {}", acl.name))
    } else if wanted.is_empty() {
        (
            "ignore",
            format!(
                "no IPS rule of the {} instance(s) behind it calls for a Trend Micro rule group",
                report.instances.len()
            ),
        )
    } else if !report.added.is_empty() && report.missing.is_empty() {
        ("respond", format!("added {}", group_list(&report.added)))
    } else if !report.missing.is_empty() {
        (
            "notify",
            format!(
                "missing {}{}",
                group_list(&report.missing),
                if apply {
                    " (the update failed)"
                } else {
                    " (run with --apply to add)"
                }
            ),
        )
    } else {
        (
            "compliant",
            format!("holds {}", group_list(&report.present)),
        )
    };
    report.decision = decision.to_owned();
    report.reason = reason;
    report.errors = errors;
    report
}

fn existing(rules: &[AclRule]) -> Vec<ExistingRule> {
    rules
        .iter()
        .map(|rule| ExistingRule {
            name: rule.name.clone(),
            priority: rule.priority,
            managed_group: rule.managed_group.clone(),
        })
        .collect()
}

fn decision_record(report: &AclReport) -> DecisionRecord {
    let known: Vec<&InstanceReport> = report
        .instances
        .iter()
        .filter(|instance| instance.computer_id.is_some())
        .collect();
    DecisionRecord {
        event_id: format!("waf:{}", report.arn),
        source: "waf".into(),
        finding_type: format!("WAF sweep ({})", report.scope),
        instance_id: None,
        computer_id: None,
        account_id: Some(report.account.clone()).filter(|account| account != "unknown"),
        protected: (!report.instances.is_empty())
            .then(|| known.len() == report.instances.len() && known.iter().all(|i| i.protected)),
        decision: report.decision.clone(),
        reason: report.reason.clone(),
        actions: serde_json::json!({
            "web_acl": report.name,
            "resources": report.resources.iter().map(|r| &r.id).collect::<Vec<_>>(),
            "instances": report.instances.iter().map(|i| &i.instance_id).collect::<Vec<_>>(),
            "recommended": report.recommended.iter().map(|g| &g.name).collect::<Vec<_>>(),
            "present": report.present.iter().map(|g| &g.name).collect::<Vec<_>>(),
            "added": report.added.iter().map(|g| &g.name).collect::<Vec<_>>(),
            "missing": report.missing.iter().map(|g| &g.name).collect::<Vec<_>>(),
            "errors": report.errors,
        }),
        at: crate::respond::now_ms(),
    }
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

    async fn computer(&self, instance_id: &str) -> anyhow::Result<Option<Computer>> {
        if let Some(computer) = self.store.computer_by_instance_id(instance_id).await? {
            return Ok(Some(computer));
        }
        let found = self.manager.computer_by_instance_id(instance_id).await?;
        if let Some(computer) = &found {
            self.store.upsert_computer(computer).await?;
        }
        Ok(found)
    }

    async fn policy(&mut self, computer: &Computer) -> anyhow::Result<Option<Policy>> {
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
    async fn rules(&mut self, ids: &BTreeSet<RuleId>) -> anyhow::Result<Vec<IpsRule>> {
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

fn render(report: &SweepReport, apply: bool) -> String {
    let mut table = output::Table::new([
        "account",
        "web acl",
        "scope",
        "resources",
        "instances",
        "protected",
        "recommended",
        "present",
        if apply { "added" } else { "missing" },
        "decision",
    ]);
    let names = |groups: &[GroupReport]| {
        let names: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
        if names.is_empty() {
            "-".to_owned()
        } else {
            names.join(", ")
        }
    };
    for acl in &report.web_acls {
        let resources: Vec<String> = acl
            .resources
            .iter()
            .map(|resource| format!("{} {}", resource.kind, resource.dns_name))
            .collect();
        table.row([
            acl.account.clone(),
            acl.name.clone(),
            acl.scope.clone(),
            resources.join(", "),
            acl.instances.len().to_string(),
            acl.instances
                .iter()
                .filter(|instance| instance.protected)
                .count()
                .to_string(),
            names(&acl.recommended),
            names(&acl.present),
            names(if apply { &acl.added } else { &acl.missing }),
            acl.decision.clone(),
        ]);
    }
    let mut text = if table.is_empty() {
        "no WebACL in front of an ALB or a CloudFront distribution".to_owned()
    } else {
        table.render()
    };
    let problems: Vec<String> = report
        .accounts
        .iter()
        .flat_map(|account| {
            account
                .errors
                .iter()
                .map(move |error| format!("account {}: {error}", account.account))
        })
        .chain(report.web_acls.iter().flat_map(|acl| {
            acl.errors
                .iter()
                .map(move |error| format!("{}: {error}", acl.name))
        }))
        .collect();
    for problem in problems {
        text.push_str("\nerror: ");
        text.push_str(&problem);
    }
    let grouped: BTreeMap<&str, usize> =
        report
            .web_acls
            .iter()
            .fold(BTreeMap::new(), |mut counts, acl| {
                *counts.entry(acl.decision.as_str()).or_default() += 1;
                counts
            });
    let summary: Vec<String> = grouped
        .iter()
        .map(|(decision, count)| format!("{count} {decision}"))
        .collect();
    text.push_str(&format!(
        "\n{} WebACL(s) in {} account(s){}",
        report.web_acls.len(),
        report.accounts.len(),
        if summary.is_empty() {
            String::new()
        } else {
            format!(": {}", summary.join(", "))
        }
    ));
    text
}

/// The scheduled sweep in `ward run`: every `config.waf.sweep_every`, applying when
/// `[waf] apply = true`. A failed sweep is logged and tried again at the next tick.
pub async fn scheduled(config: Config, manager: Arc<dyn ManagerApi>, store: Arc<dyn Store>) {
    super::run::every(config.waf.sweep_every, || async {
        match sweep(
            &config,
            Arc::clone(&manager),
            Arc::clone(&store),
            config.waf.apply,
        )
        .await
        {
            Ok(report) => {
                for acl in &report.web_acls {
                    tracing::info!(
                        web_acl = acl.name,
                        decision = acl.decision,
                        reason = acl.reason,
                        "WAF sweep"
                    );
                }
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "WAF sweep failed"),
        }
    })
    .await;
}
