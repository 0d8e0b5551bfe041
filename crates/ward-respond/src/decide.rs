//! The response decision tables: (event, facts, settings) → decision with its reason.
//! Pure and synchronous: the engine gathers the facts first.

use crate::action::{Action, RuleTarget};
use crate::config_rules::{self, RuleKind};
use crate::decision::{Decision, Facts, Verdict};
use crate::settings::{AssignTo, Settings, Step};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use ward_core::notice::annotation;
use ward_core::{Compliance, Computer, Evaluation, Module, Notice, NoticeKind, RuleId, ScanKind};
use ward_events::{
    ConfigInvocation, ConfigItemStatus, Event, EventKind, GuardDutyFinding, Inspector2Finding,
    InspectorFindingType, InspectorStatus, MacieFinding,
};

/// GuardDuty finding types (prefixes) → extra steps on a protected instance: the original
/// integration's table, with prefix matching and module changes on the computer only.
const GUARDDUTY_TABLE: [(&str, bool, Option<Module>); 12] = [
    ("Recon:EC2/", false, Some(Module::IntrusionPrevention)),
    (
        "Behavior:EC2/NetworkPortUnusual",
        false,
        Some(Module::IntrusionPrevention),
    ),
    (
        "Behavior:EC2/TrafficVolumeUnusual",
        false,
        Some(Module::IntrusionPrevention),
    ),
    (
        "UnauthorizedAccess:EC2/SSHBruteForce",
        false,
        Some(Module::IntegrityMonitoring),
    ),
    (
        "UnauthorizedAccess:EC2/RDPBruteForce",
        false,
        Some(Module::IntegrityMonitoring),
    ),
    ("UnauthorizedAccess:EC2/MaliciousIPCaller", true, None),
    ("UnauthorizedAccess:EC2/TorIPCaller", true, None),
    ("UnauthorizedAccess:EC2/TorClient", true, None),
    ("UnauthorizedAccess:EC2/TorRelay", true, None),
    ("Backdoor:EC2/", true, None),
    ("Trojan:EC2/", true, None),
    ("CryptoCurrency:EC2/", true, Some(Module::AntiMalware)),
];

/// What the default table does for a GuardDuty finding type on a protected instance.
pub fn guardduty_defaults(finding_type: &str) -> (Vec<Step>, Vec<Module>) {
    let mut steps = vec![Step::RecommendationScanApplied, Step::IntegrityScan];
    let mut modules = Vec::new();
    for (prefix, malware, module) in GUARDDUTY_TABLE {
        if !finding_type.starts_with(prefix) {
            continue;
        }
        if malware && !steps.contains(&Step::MalwareScan) {
            steps.push(Step::MalwareScan);
        }
        if let Some(module) = module.filter(|module| !modules.contains(module)) {
            modules.push(module);
        }
    }
    (steps, modules)
}

/// Decides what to do about one event.
pub fn decide(event: &Event, facts: &Facts<'_>, settings: &Settings) -> Decision {
    let mut decision = Decision {
        event_id: event.id.clone(),
        source: event.source.as_str(),
        finding_type: finding_type(event),
        instance_id: event.instance_id().map(|id| id.as_str().to_owned()),
        account_id: event.account_id.clone(),
        region: event.region.clone(),
        computer_id: facts.computer.map(|computer| computer.computer_id),
        protected: None,
        verdict: Verdict::Ignore,
        reason: String::new(),
        actions: Vec::new(),
        uncovered_cves: Vec::new(),
    };
    match &event.kind {
        EventKind::GuardDutyFinding(finding) => guardduty(&mut decision, finding, facts, settings),
        EventKind::Inspector2Finding(finding) => inspector(&mut decision, finding, facts, settings),
        EventKind::ConfigInvocation(invocation) => config(&mut decision, event, invocation, facts),
        EventKind::MacieFinding(finding) => macie(&mut decision, finding, facts),
        EventKind::Ec2StateChange(change) => {
            decision.reason = format!(
                "EC2 state change ({}) refreshes the inventory; no response needed",
                change.state
            );
        }
        EventKind::CloudTrailCall(call) => {
            decision.reason = format!(
                "CloudTrail call {} is for detection rules, not a finding to respond to",
                call.event_name
            );
        }
        EventKind::Scheduled(_) => {
            decision.reason =
                "a scheduled event starts the periodic jobs of `ward run`; nothing to respond to"
                    .into();
        }
    }
    decision
}

/// The type a report shows for an event.
fn finding_type(event: &Event) -> String {
    match &event.kind {
        EventKind::GuardDutyFinding(finding) => finding.finding_type.clone(),
        EventKind::Inspector2Finding(finding) => finding.finding_type.as_str().to_owned(),
        EventKind::MacieFinding(finding) => finding.finding_type.clone(),
        EventKind::ConfigInvocation(invocation) => {
            format!("{} ({:?})", invocation.rule_name, invocation.message_type)
        }
        EventKind::Ec2StateChange(_) => "EC2 Instance State-change Notification".into(),
        EventKind::CloudTrailCall(call) => format!("{}:{}", call.event_source, call.event_name),
        EventKind::Scheduled(_) => "Scheduled Event".into(),
    }
}

/// Whether the event's computer is protected; when it is not, the decision becomes a notice.
fn protected_computer<'a>(decision: &mut Decision, facts: &Facts<'a>) -> Option<&'a Computer> {
    let instance_id = decision.instance_id.clone().unwrap_or_default();
    let why = match facts.computer {
        Some(computer) if computer.protected() => {
            decision.protected = Some(true);
            return Some(computer);
        }
        Some(computer) => format!(
            "instance {instance_id} is not protected: computer {} ({}) has agent status {} \
             (agent version {})",
            computer.computer_id,
            computer.host_name,
            computer.agent_status,
            computer.agent_version.as_deref().unwrap_or("none")
        ),
        None => {
            format!("instance {instance_id} is not protected: the manager has no computer for it")
        }
    };
    decision.protected = Some(false);
    decision.verdict = Verdict::Notify;
    decision.actions.push(Action::Notify(Notice {
        kind: NoticeKind::UnprotectedInstance,
        title: format!(
            "{} on unprotected instance {instance_id}",
            decision.finding_type
        ),
        detail: why.clone(),
        account_id: decision.account_id.clone(),
        region: decision.region.clone(),
        instance_id: Some(instance_id),
        finding_id: decision.event_id.clone(),
        finding_type: decision.finding_type.clone(),
        cves: Vec::new(),
    }));
    decision.reason = why;
    None
}

fn guardduty(
    decision: &mut Decision,
    finding: &GuardDutyFinding,
    facts: &Facts<'_>,
    settings: &Settings,
) {
    if finding.archived {
        decision.reason = "the finding is archived".into();
        return;
    }
    if finding.resource_type != "Instance" || finding.instance_id.is_none() {
        decision.reason = format!(
            "the finding is about resource type {}, not an EC2 instance",
            finding.resource_type
        );
        return;
    }
    let Some(computer) = protected_computer(decision, facts) else {
        return;
    };
    let (default_steps, default_modules) = guardduty_defaults(&finding.finding_type);
    let playbook = settings.playbook_for(&finding.finding_type);
    let steps = playbook
        .and_then(|playbook| playbook.steps.clone())
        .unwrap_or(default_steps);
    let modules = playbook
        .and_then(|playbook| playbook.modules.clone())
        .unwrap_or(default_modules);
    let enable = playbook
        .and_then(|playbook| playbook.enable_modules)
        .unwrap_or(settings.enable_modules);
    decision.verdict = Verdict::Respond;
    let mut reason = format!(
        "instance {} is protected by computer {} ({})",
        decision.instance_id.as_deref().unwrap_or_default(),
        computer.computer_id,
        computer.host_name
    );
    if let Some(playbook) = playbook {
        let _ = write!(reason, "; playbook {} applies", playbook.finding_type);
    }
    for step in steps {
        let (kind, apply) = match step {
            Step::RecommendationScanApplied => (ScanKind::Recommendation, true),
            Step::RecommendationScan => (ScanKind::Recommendation, false),
            Step::IntegrityScan => (ScanKind::Integrity, false),
            Step::MalwareScan => (ScanKind::Malware, false),
        };
        decision.actions.push(Action::Scan {
            computer_id: computer.computer_id,
            kind,
            apply,
        });
    }
    for module in modules {
        let state = computer.modules.get(&module);
        if state.is_some_and(|state| state.is_on(module)) {
            let _ = write!(reason, "; {module} is already on");
        } else if enable {
            decision.actions.push(Action::EnableModule {
                computer_id: computer.computer_id,
                module,
            });
            let _ = write!(reason, "; {module} is off, turning it on for this computer");
        } else {
            let _ = write!(
                reason,
                "; {module} is off (enable_modules is off, so ward leaves it)"
            );
        }
    }
    decision.reason = reason;
}

fn macie(decision: &mut Decision, finding: &MacieFinding, facts: &Facts<'_>) {
    let bucket = &finding.bucket_name;
    let exposure = match &facts.exposure {
        None => {
            decision.reason = format!(
                "Macie finding on bucket {bucket}: finding the instances behind it needs AWS access \
                 (bucket policy → roles → instance profiles → instances); configure [aws]"
            );
            return;
        }
        Some(Err(error)) => {
            decision.verdict = Verdict::Notify;
            decision.reason = format!("cannot find the instances behind bucket {bucket}: {error}");
            decision.actions.push(Action::Notify(Notice {
                kind: NoticeKind::ActionFailed,
                title: format!("cannot follow Macie finding on bucket {bucket}"),
                detail: decision.reason.clone(),
                account_id: decision.account_id.clone(),
                region: decision.region.clone(),
                instance_id: None,
                finding_id: decision.event_id.clone(),
                finding_type: decision.finding_type.clone(),
                cves: Vec::new(),
            }));
            return;
        }
        Some(Ok(exposure)) => exposure,
    };
    if !exposure.has_policy {
        decision.reason =
            format!("bucket {bucket} has no bucket policy: no role reaches it through one");
        return;
    }
    if exposure.roles.is_empty() {
        let others = if exposure.other_principals.is_empty() {
            "no principals".to_owned()
        } else {
            exposure.other_principals.join(", ")
        };
        decision.reason = format!(
            "bucket {bucket}'s policy allows no IAM role (only {others}): no instance to check"
        );
        return;
    }
    if exposure.instances.is_empty() {
        decision.reason = format!(
            "bucket {bucket}'s policy allows {}, but no instance uses a profile holding them",
            exposure.roles.join(", ")
        );
        return;
    }
    let mut protected = Vec::new();
    let mut unprotected = Vec::new();
    for (instance_id, computer) in &facts.bucket_computers {
        match computer {
            Some(computer) if computer.protected() => {
                protected.push(format!("{instance_id} (computer {})", computer.computer_id));
                for (kind, apply) in [
                    (ScanKind::Recommendation, true),
                    (ScanKind::Integrity, false),
                ] {
                    decision.actions.push(Action::Scan {
                        computer_id: computer.computer_id,
                        kind,
                        apply,
                    });
                }
            }
            _ => {
                unprotected.push(instance_id.clone());
                decision.actions.push(Action::Notify(Notice {
                    kind: NoticeKind::UnprotectedInstance,
                    title: format!(
                        "{} on bucket {bucket}: instance {instance_id} can reach it and is unprotected",
                        decision.finding_type
                    ),
                    detail: format!(
                        "bucket {bucket}'s policy allows {}; instance {instance_id} uses a profile holding it and has no active agent",
                        exposure.roles.join(", ")
                    ),
                    account_id: decision.account_id.clone(),
                    region: decision.region.clone(),
                    instance_id: Some(instance_id.clone()),
                    finding_id: decision.event_id.clone(),
                    finding_type: decision.finding_type.clone(),
                    cves: Vec::new(),
                }));
            }
        }
    }
    decision.verdict = if protected.is_empty() {
        Verdict::Notify
    } else {
        Verdict::Respond
    };
    decision.protected = Some(unprotected.is_empty());
    let mut reason = format!(
        "bucket {bucket}'s policy allows {} → instances {}",
        exposure.roles.join(", "),
        exposure.instances.join(", ")
    );
    if !protected.is_empty() {
        let _ = write!(reason, "; protected: {}", protected.join(", "));
    }
    if !unprotected.is_empty() {
        let _ = write!(reason, "; unprotected: {}", unprotected.join(", "));
    }
    decision.reason = reason;
}

fn inspector(
    decision: &mut Decision,
    finding: &Inspector2Finding,
    facts: &Facts<'_>,
    settings: &Settings,
) {
    if finding.finding_type != InspectorFindingType::PackageVulnerability {
        decision.reason = format!(
            "{} findings have no IPS response; ward acts on PACKAGE_VULNERABILITY",
            finding.finding_type
        );
        return;
    }
    if finding.status != InspectorStatus::Active {
        decision.reason = format!("the finding is {}", finding.status);
        return;
    }
    if finding.instance_id.is_none() {
        decision.reason = format!(
            "the finding is about {}, not an EC2 instance",
            finding
                .resource_type
                .as_deref()
                .unwrap_or("an unknown resource")
        );
        return;
    }
    if finding.cves.is_empty() {
        decision.reason = format!(
            "the finding names no CVE (vulnerability {})",
            finding.vulnerability_id.as_deref().unwrap_or("unknown")
        );
        return;
    }
    let Some(computer) = protected_computer(decision, facts) else {
        return;
    };
    decision.verdict = Verdict::Respond;
    let (target, already, where_) = match (settings.assign_to, computer.policy_id) {
        (AssignTo::Policy, Some(policy_id)) => {
            let already: BTreeSet<RuleId> = facts
                .policy
                .map(|policy| policy.ips_rule_ids.iter().copied().collect())
                .unwrap_or_default();
            let name = facts
                .policy
                .map_or_else(String::new, |policy| format!(" ({})", policy.name));
            (
                RuleTarget::Policy(policy_id),
                already,
                format!("policy {policy_id}{name}"),
            )
        }
        (assign_to, _) => {
            let already = computer.ips_rule_ids.iter().copied().collect();
            let note = if assign_to == AssignTo::Policy {
                " (it has no policy)"
            } else {
                ""
            };
            (
                RuleTarget::Computer(computer.computer_id),
                already,
                format!("computer {}{note}", computer.computer_id),
            )
        }
    };
    let mut reason = format!(
        "instance {} is protected by computer {} ({})",
        decision.instance_id.as_deref().unwrap_or_default(),
        computer.computer_id,
        computer.host_name
    );
    let mut to_assign = BTreeSet::new();
    let mut covered_cves = Vec::new();
    for cve in &finding.cves {
        let rules = facts
            .covering
            .get(cve)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if rules.is_empty() {
            decision.uncovered_cves.push(cve.clone());
            let _ = write!(reason, "; {cve}: no IPS rule covers it");
            continue;
        }
        let ids: Vec<String> = rules.iter().map(ToString::to_string).collect();
        let new: Vec<RuleId> = rules
            .iter()
            .copied()
            .filter(|id| !already.contains(id))
            .collect();
        if new.is_empty() {
            let _ = write!(
                reason,
                "; {cve}: covered by rule {} already assigned to {where_}",
                ids.join(", ")
            );
        } else {
            let _ = write!(
                reason,
                "; {cve}: covered by rule {}, assigning to {where_}",
                ids.join(", ")
            );
            covered_cves.push(cve.clone());
            to_assign.extend(new);
        }
    }
    if !to_assign.is_empty() {
        decision.actions.push(Action::AssignIpsRules {
            target,
            rule_ids: to_assign.into_iter().collect(),
            cves: covered_cves,
        });
    }
    if !decision.uncovered_cves.is_empty() {
        let instance_id = decision.instance_id.clone();
        decision.actions.push(Action::Notify(Notice {
            kind: NoticeKind::UncoveredCve,
            title: format!(
                "no IPS rule covers {} on instance {}",
                decision.uncovered_cves.join(", "),
                instance_id.as_deref().unwrap_or_default()
            ),
            detail: reason.clone(),
            account_id: decision.account_id.clone(),
            region: decision.region.clone(),
            instance_id,
            finding_id: decision.event_id.clone(),
            finding_type: decision.finding_type.clone(),
            cves: decision.uncovered_cves.clone(),
        }));
    }
    decision.reason = reason;
}

fn config(
    decision: &mut Decision,
    event: &Event,
    invocation: &ConfigInvocation,
    facts: &Facts<'_>,
) {
    let kind =
        match config_rules::rule_kind(&invocation.rule_name, invocation.rule_parameters.as_ref()) {
            Ok(kind) => kind,
            Err(error) => {
                decision.reason = format!("rule {}: {error}", invocation.rule_name);
                return;
            }
        };
    let Some(resource) = &invocation.resource else {
        decision.reason = format!(
            "periodic invocation of rule {} ({}): every known instance is evaluated",
            invocation.rule_name,
            kind.describe()
        );
        decision.verdict = Verdict::Evaluate;
        return;
    };
    let ordering = resource
        .capture_time
        .or(invocation.notification_time)
        .or(event.time)
        .map_or(0, |time| time.unix_millis());
    let deleted = matches!(
        resource.status,
        ConfigItemStatus::ResourceDeleted | ConfigItemStatus::ResourceDeletedNotRecorded
    );
    let (compliance, why) = if invocation.event_left_scope {
        (
            Compliance::NotApplicable,
            format!("{} left the rule's scope", resource.resource_id),
        )
    } else if deleted {
        (
            Compliance::NotApplicable,
            format!("{} was deleted", resource.resource_id),
        )
    } else if resource.resource_type != "AWS::EC2::Instance" {
        (
            Compliance::NotApplicable,
            format!(
                "{} is a {}, not an EC2 instance",
                resource.resource_id, resource.resource_type
            ),
        )
    } else {
        decision.protected = Some(facts.computer.is_some_and(Computer::protected));
        config_rules::evaluate(&kind, &resource.resource_id, facts)
    };
    decision.verdict = Verdict::Evaluate;
    decision.reason = format!("{} ({}): {why}", compliance.as_str(), kind.describe());
    decision.actions.push(Action::Evaluate {
        result_token: invocation.result_token.clone(),
        evaluations: vec![Evaluation {
            rule_name: invocation.rule_name.clone(),
            resource_type: resource.resource_type.clone(),
            resource_id: resource.resource_id.clone(),
            compliance,
            annotation: Some(annotation(&why)),
            ordering_timestamp: ordering,
        }],
    });
}

/// The evaluations of a periodic invocation: one per instance the inventory knows.
pub fn periodic_evaluations<'a>(
    invocation: &ConfigInvocation,
    instances: impl IntoIterator<Item = (&'a str, Facts<'a>)>,
    now_ms: i64,
) -> Result<Vec<Evaluation>, String> {
    let kind: RuleKind =
        config_rules::rule_kind(&invocation.rule_name, invocation.rule_parameters.as_ref())?;
    let ordering = invocation
        .notification_time
        .map_or(now_ms, |time| time.unix_millis());
    Ok(instances
        .into_iter()
        .map(|(instance_id, facts)| {
            let (compliance, why) = config_rules::evaluate(&kind, instance_id, &facts);
            Evaluation {
                rule_name: invocation.rule_name.clone(),
                resource_type: "AWS::EC2::Instance".into(),
                resource_id: instance_id.to_owned(),
                compliance,
                annotation: Some(annotation(&why)),
                ordering_timestamp: ordering,
            }
        })
        .collect())
}
