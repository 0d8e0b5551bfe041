//! The actions a decision asks for, and how each is named in the ledger: its kind, its target and,
//! for scans, the coalescing key that folds scans of one computer into one task.

use serde::Serialize;
use ward_core::{ComputerId, Evaluation, Module, Notice, PolicyId, RuleId, ScanKind};

/// Where covering IPS rules are assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "id")]
pub enum RuleTarget {
    Policy(PolicyId),
    Computer(ComputerId),
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A run-now scan; for a recommendation scan with `apply`, wait for it to finish and assign
    /// the rules it recommends.
    Scan {
        computer_id: ComputerId,
        kind: ScanKind,
        apply: bool,
    },
    /// Add IPS rules (covering `cves`) to a policy or a computer.
    AssignIpsRules {
        target: RuleTarget,
        rule_ids: Vec<RuleId>,
        cves: Vec<String>,
    },
    /// Turn a module on, on one computer (never on its shared policy).
    EnableModule {
        computer_id: ComputerId,
        module: Module,
    },
    /// Tell the team that owns the account.
    Notify(Notice),
    /// Answer a Config rule invocation.
    Evaluate {
        result_token: String,
        evaluations: Vec<Evaluation>,
    },
}

impl Action {
    /// What it does, as reports and the ledger name it.
    pub fn kind(&self) -> String {
        match self {
            Self::Scan { kind, apply, .. } => match (kind, apply) {
                (ScanKind::Recommendation, true) => "scan-recommendations-applied".into(),
                (ScanKind::Recommendation, false) => "scan-recommendations".into(),
                (ScanKind::Integrity, _) => "scan-integrity".into(),
                (ScanKind::Malware, _) => "scan-malware".into(),
            },
            Self::AssignIpsRules { .. } => "assign-ips-rules".into(),
            Self::EnableModule { module, .. } => format!("enable-{}", module.as_str()),
            Self::Notify(notice) => format!("notify-{}", notice.kind.as_str()),
            Self::Evaluate { .. } => "put-evaluations".into(),
        }
    }

    /// What it acts on: `computer:12`, `policy:3`, `instance:i-…`, `config:<resource>`.
    pub fn target(&self) -> String {
        match self {
            Self::Scan { computer_id, .. } | Self::EnableModule { computer_id, .. } => {
                format!("computer:{computer_id}")
            }
            Self::AssignIpsRules { target, .. } => match target {
                RuleTarget::Policy(policy_id) => format!("policy:{policy_id}"),
                RuleTarget::Computer(computer_id) => format!("computer:{computer_id}"),
            },
            Self::Notify(notice) => match (&notice.instance_id, &notice.account_id) {
                (Some(instance_id), _) => format!("instance:{instance_id}"),
                (None, Some(account_id)) => format!("account:{account_id}"),
                (None, None) => "team".into(),
            },
            Self::Evaluate { evaluations, .. } => match evaluations.as_slice() {
                [one] => format!("config:{}", one.resource_id),
                many => format!("config:{} resources", many.len()),
            },
        }
    }

    /// Actions with the same key inside the cooldown are done once, whichever finding asked:
    /// scans of one kind on one computer, and one set of rules assigned to one target.
    pub fn coalesce_key(&self) -> Option<String> {
        match self {
            Self::Scan { computer_id, .. } => {
                Some(format!("{}:computer:{computer_id}", self.kind()))
            }
            Self::AssignIpsRules { rule_ids, .. } => {
                let ids: Vec<String> = rule_ids.iter().map(ToString::to_string).collect();
                Some(format!(
                    "{}:{}:rules:{}",
                    self.kind(),
                    self.target(),
                    ids.join(",")
                ))
            }
            _ => None,
        }
    }

    /// A one-line description for people.
    pub fn describe(&self) -> String {
        match self {
            Self::Scan {
                computer_id,
                kind,
                apply,
            } => {
                let what = match kind {
                    ScanKind::Recommendation if *apply => "recommendation scan (results applied)",
                    ScanKind::Recommendation => "recommendation scan",
                    ScanKind::Integrity => "integrity scan",
                    ScanKind::Malware => "malware scan",
                };
                format!("{what} on computer {computer_id}")
            }
            Self::AssignIpsRules {
                target,
                rule_ids,
                cves,
            } => {
                let ids: Vec<String> = rule_ids.iter().map(ToString::to_string).collect();
                let target = match target {
                    RuleTarget::Policy(policy_id) => format!("policy {policy_id}"),
                    RuleTarget::Computer(computer_id) => format!("computer {computer_id}"),
                };
                format!(
                    "assign IPS rules {} to {target} (covering {})",
                    ids.join(", "),
                    cves.join(", ")
                )
            }
            Self::EnableModule {
                computer_id,
                module,
            } => format!("turn {module} on for computer {computer_id}"),
            Self::Notify(notice) => format!("notify: {}", notice.title),
            Self::Evaluate { evaluations, .. } => {
                let verdicts: Vec<String> = evaluations
                    .iter()
                    .map(|e| format!("{} {}", e.resource_id, e.compliance.as_str()))
                    .collect();
                format!("report to Config: {}", verdicts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_coalesce_by_kind_and_computer() {
        let applied = Action::Scan {
            computer_id: ComputerId(7),
            kind: ScanKind::Recommendation,
            apply: true,
        };
        let plain = Action::Scan {
            computer_id: ComputerId(7),
            kind: ScanKind::Recommendation,
            apply: false,
        };
        assert_eq!(
            applied.coalesce_key().as_deref(),
            Some("scan-recommendations-applied:computer:7")
        );
        assert_ne!(applied.coalesce_key(), plain.coalesce_key());
        assert_eq!(applied.target(), "computer:7");
        let malware = Action::Scan {
            computer_id: ComputerId(7),
            kind: ScanKind::Malware,
            apply: false,
        };
        assert_ne!(malware.coalesce_key(), plain.coalesce_key());
    }

    #[test]
    fn rule_assignments_name_their_target() {
        let action = Action::AssignIpsRules {
            target: RuleTarget::Policy(PolicyId(3)),
            rule_ids: vec![RuleId(10), RuleId(11)],
            cves: vec!["CVE-2024-29069".into()],
        };
        assert_eq!(action.target(), "policy:3");
        assert_eq!(
            action.coalesce_key().as_deref(),
            Some("assign-ips-rules:policy:3:rules:10,11")
        );
        assert_eq!(
            action.describe(),
            "assign IPS rules 10, 11 to policy 3 (covering CVE-2024-29069)"
        );
    }
}
