//! Decision tables, pinned: each C3 row against protected, unprotected and unknown instances.

use crate::action::{Action, RuleTarget};
use crate::decide::{decide, guardduty_defaults};
use crate::decision::{Facts, Verdict};
use crate::settings::{AssignTo, Playbook, Settings, Step, TypePattern};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use ward_core::{
    AgentStatus, Compliance, Computer, ComputerId, Module, ModuleState, NoticeKind, Policy,
    PolicyId, RuleId, ScanKind,
};
use ward_events::Event;

const INSTANCE: &str = "i-0123456789abcdef0";

fn event(value: &Value) -> Event {
    let bytes = serde_json::to_vec(value).unwrap();
    let parsed = ward_events::parse(&bytes);
    assert_eq!(parsed.len(), 1, "{parsed:?}");
    parsed[0]
        .event()
        .cloned()
        .unwrap_or_else(|| panic!("{parsed:?}"))
}

fn guardduty(finding_type: &str) -> Event {
    event(&json!({
        "version": "0", "id": "env-1", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
        "account": "111122223333", "time": "2024-09-10T04:06:33Z", "region": "us-west-2", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-west-2",
            "id": "finding-1", "type": finding_type,
            "arn": "arn:aws:guardduty:us-west-2:111122223333:detector/d/finding/finding-1",
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": INSTANCE}},
            "service": {"archived": false, "count": 1},
            "severity": 5, "createdAt": "2024-09-10T04:00:00Z", "updatedAt": "2024-09-10T04:06:00Z",
            "title": "t", "description": "d"
        }
    }))
}

fn inspector(cves: &[&str], status: &str) -> Event {
    let related: Vec<&str> = cves.iter().skip(1).copied().collect();
    event(&json!({
        "version": "0", "id": "env-2", "detail-type": "Inspector2 Finding", "source": "aws.inspector2",
        "account": "111122223333", "time": "2024-04-30T21:26:53Z", "region": "us-east-1",
        "resources": [INSTANCE],
        "detail": {
            "awsAccountId": "111122223333",
            "findingArn": "arn:aws:inspector2:us-east-1:111122223333:finding/abc",
            "type": "PACKAGE_VULNERABILITY", "status": status, "severity": "HIGH",
            "title": cves[0],
            "resources": [{"type": "AWS_EC2_INSTANCE", "id": INSTANCE, "region": "us-east-1"}],
            "packageVulnerabilityDetails": {
                "vulnerabilityId": cves[0], "relatedVulnerabilities": related,
                "source": "UBUNTU_CVE", "vulnerablePackages": []
            },
            "firstObservedAt": "Apr 30, 2024, 9:26:53 PM", "lastObservedAt": "Apr 30, 2024, 9:26:53 PM",
            "updatedAt": "Apr 30, 2024, 9:26:53 PM"
        }
    }))
}

fn config_change(rule_name: &str, parameters: &str, status: &str) -> Event {
    let invoking = json!({
        "configurationItem": {
            "configurationItemCaptureTime": "2016-02-17T01:36:34.043Z",
            "awsAccountId": "123456789012", "configurationItemStatus": status,
            "resourceId": INSTANCE, "ARN": format!("arn:aws:ec2:us-east-2:123456789012:instance/{INSTANCE}"),
            "awsRegion": "us-east-2", "resourceType": "AWS::EC2::Instance", "configuration": {}
        },
        "notificationCreationTime": "2016-02-17T01:36:34.043Z",
        "messageType": "ConfigurationItemChangeNotification", "recordVersion": "1.0"
    });
    event(&json!({
        "invokingEvent": invoking.to_string(), "ruleParameters": parameters,
        "resultToken": "token-1", "eventLeftScope": false,
        "executionRoleArn": "arn:aws:iam::123456789012:role/config-role",
        "configRuleArn": "arn:aws:config:us-east-2:123456789012:config-rule/config-rule-0123456",
        "configRuleName": rule_name, "configRuleId": "config-rule-0123456",
        "accountId": "123456789012", "version": "1.0"
    }))
}

fn module(state: &str, status: AgentStatus) -> ModuleState {
    ModuleState {
        state: state.into(),
        status,
        message: None,
    }
}

fn computer(protected: bool) -> Computer {
    let modules = BTreeMap::from([
        (Module::AntiMalware, module("on", AgentStatus::Active)),
        (
            Module::IntrusionPrevention,
            module("off", AgentStatus::Inactive),
        ),
        (
            Module::IntegrityMonitoring,
            module("real-time", AgentStatus::Active),
        ),
    ]);
    Computer {
        computer_id: ComputerId(12),
        host_name: "web-1".into(),
        display_name: None,
        platform: Some("Amazon Linux 2".into()),
        agent_version: Some(if protected { "20.0.1-1234" } else { "0.0.0.0" }.into()),
        agent_status: if protected {
            AgentStatus::Active
        } else {
            AgentStatus::Inactive
        },
        agent_status_messages: Vec::new(),
        policy_id: Some(PolicyId(3)),
        last_agent_communication: None,
        instance_id: Some(INSTANCE.into()),
        account_id: Some("111122223333".into()),
        availability_zone: None,
        region: None,
        instance_type: None,
        ec2_state: None,
        modules,
        ips_rule_ids: vec![RuleId(1)],
    }
}

fn policy() -> Policy {
    Policy {
        policy_id: PolicyId(3),
        parent_id: None,
        name: "Web Server".into(),
        description: None,
        module_states: BTreeMap::new(),
        ips_rule_ids: vec![RuleId(5)],
    }
}

fn facts<'a>(computer: Option<&'a Computer>, policy: Option<&'a Policy>) -> Facts<'a> {
    Facts {
        computer,
        policy,
        ..Facts::default()
    }
}

fn scans(actions: &[Action]) -> Vec<(ScanKind, bool)> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Scan { kind, apply, .. } => Some((*kind, *apply)),
            _ => None,
        })
        .collect()
}

#[test]
fn guardduty_table_uses_prefixes() {
    let (steps, modules) = guardduty_defaults("Recon:EC2/PortProbeUnprotectedPort");
    assert_eq!(
        steps,
        [Step::RecommendationScanApplied, Step::IntegrityScan]
    );
    assert_eq!(modules, [Module::IntrusionPrevention]);
    let (steps, modules) = guardduty_defaults("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
    assert!(steps.contains(&Step::MalwareScan));
    assert!(modules.is_empty());
    let (steps, modules) = guardduty_defaults("CryptoCurrency:EC2/BitcoinTool.B!DNS");
    assert!(steps.contains(&Step::MalwareScan));
    assert_eq!(modules, [Module::AntiMalware]);
    let (_, modules) = guardduty_defaults("UnauthorizedAccess:EC2/SSHBruteForce");
    assert_eq!(modules, [Module::IntegrityMonitoring]);
    let (steps, modules) = guardduty_defaults("Impact:EC2/WinRMBruteForce");
    assert_eq!(steps.len(), 2);
    assert!(modules.is_empty());
}

#[test]
fn guardduty_on_a_protected_instance_scans_and_explains() {
    let computer = computer(true);
    let decision = decide(
        &guardduty("Recon:EC2/PortProbeUnprotectedPort"),
        &facts(Some(&computer), None),
        &Settings::default(),
    );
    assert_eq!(decision.verdict, Verdict::Respond);
    assert_eq!(decision.protected, Some(true));
    assert_eq!(decision.event_id, "finding-1");
    assert_eq!(
        scans(&decision.actions),
        [
            (ScanKind::Recommendation, true),
            (ScanKind::Integrity, false)
        ]
    );
    assert!(
        decision
            .reason
            .contains("intrusion_prevention is off (enable_modules is off"),
        "{}",
        decision.reason
    );
    // Opting in turns the module on, on the computer.
    let settings = Settings {
        enable_modules: true,
        ..Settings::default()
    };
    let decision = decide(
        &guardduty("Recon:EC2/PortProbeUnprotectedPort"),
        &facts(Some(&computer), None),
        &settings,
    );
    assert!(decision.actions.contains(&Action::EnableModule {
        computer_id: ComputerId(12),
        module: Module::IntrusionPrevention
    }));
    // A module already on is left alone.
    let decision = decide(
        &guardduty("UnauthorizedAccess:EC2/SSHBruteForce"),
        &facts(Some(&computer), None),
        &settings,
    );
    assert!(
        !decision
            .actions
            .iter()
            .any(|a| matches!(a, Action::EnableModule { .. }))
    );
    assert!(
        decision
            .reason
            .contains("integrity_monitoring is already on")
    );
}

#[test]
fn guardduty_on_an_unprotected_or_unknown_instance_notifies() {
    let unprotected = computer(false);
    for computer in [Some(&unprotected), None] {
        let decision = decide(
            &guardduty("Backdoor:EC2/C&CActivity.B!DNS"),
            &facts(computer, None),
            &Settings::default(),
        );
        assert_eq!(decision.verdict, Verdict::Notify);
        assert_eq!(decision.protected, Some(false));
        let [Action::Notify(notice)] = decision.actions.as_slice() else {
            panic!("{:?}", decision.actions);
        };
        assert_eq!(notice.kind, NoticeKind::UnprotectedInstance);
        assert_eq!(notice.account_id.as_deref(), Some("111122223333"));
        assert!(
            decision.reason.contains("is not protected"),
            "{}",
            decision.reason
        );
    }
}

#[test]
fn playbooks_override_the_table() {
    let computer = computer(true);
    let settings = Settings {
        playbooks: vec![Playbook {
            finding_type: TypePattern::new("Recon:EC2/*").unwrap(),
            steps: Some(vec![Step::MalwareScan]),
            modules: None,
            enable_modules: Some(true),
        }],
        ..Settings::default()
    };
    let decision = decide(
        &guardduty("Recon:EC2/Portscan"),
        &facts(Some(&computer), None),
        &settings,
    );
    assert_eq!(scans(&decision.actions), [(ScanKind::Malware, false)]);
    assert!(
        decision
            .actions
            .iter()
            .any(|a| matches!(a, Action::EnableModule { .. }))
    );
    assert!(decision.reason.contains("playbook Recon:EC2/* applies"));
}

#[test]
fn inspector_assigns_covering_rules_to_the_policy_and_reports_the_rest() {
    let computer = computer(true);
    let policy = policy();
    let mut facts = facts(Some(&computer), Some(&policy));
    facts
        .covering
        .insert("CVE-2024-29069".into(), vec![RuleId(5), RuleId(7)]);
    facts.covering.insert("CVE-2099-0001".into(), vec![]);
    let event = inspector(&["CVE-2024-29069", "CVE-2099-0001"], "ACTIVE");
    let decision = decide(&event, &facts, &Settings::default());
    assert_eq!(decision.verdict, Verdict::Respond);
    assert_eq!(decision.uncovered_cves, ["CVE-2099-0001"]);
    assert_eq!(
        decision.actions[0],
        Action::AssignIpsRules {
            target: RuleTarget::Policy(PolicyId(3)),
            rule_ids: vec![RuleId(7)],
            cves: vec!["CVE-2024-29069".into()],
        }
    );
    let Action::Notify(notice) = &decision.actions[1] else {
        panic!("{:?}", decision.actions);
    };
    assert_eq!(notice.kind, NoticeKind::UncoveredCve);
    assert_eq!(notice.cves, ["CVE-2099-0001"]);
    assert!(
        decision.reason.contains("policy 3 (Web Server)"),
        "{}",
        decision.reason
    );

    let settings = Settings {
        assign_to: AssignTo::Computer,
        ..Settings::default()
    };
    let decision = decide(&event, &facts, &settings);
    assert_eq!(
        decision.actions[0],
        Action::AssignIpsRules {
            target: RuleTarget::Computer(ComputerId(12)),
            rule_ids: vec![RuleId(5), RuleId(7)],
            cves: vec!["CVE-2024-29069".into()],
        }
    );
}

#[test]
fn inspector_ignores_what_it_cannot_act_on() {
    let computer = computer(true);
    let closed = decide(
        &inspector(&["CVE-2024-29069"], "CLOSED"),
        &facts(Some(&computer), None),
        &Settings::default(),
    );
    assert_eq!(closed.verdict, Verdict::Ignore);
    assert_eq!(closed.reason, "the finding is CLOSED");
    let unprotected = computer_unprotected_decision();
    assert_eq!(unprotected, Verdict::Notify);
}

fn computer_unprotected_decision() -> Verdict {
    decide(
        &inspector(&["CVE-2024-29069"], "ACTIVE"),
        &facts(None, None),
        &Settings::default(),
    )
    .verdict
}

fn evaluation(decision: &crate::Decision) -> (Compliance, String) {
    match decision.actions.as_slice() {
        [
            Action::Evaluate {
                evaluations,
                result_token,
            },
        ] => {
            assert_eq!(result_token, "token-1");
            let evaluation = &evaluations[0];
            let annotation = evaluation.annotation.clone().unwrap_or_default();
            assert!(annotation.chars().count() <= 256);
            (evaluation.compliance, annotation)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn config_rules_evaluate_each_kind() {
    let protected = computer(true);
    let policy = policy();
    let facts = facts(Some(&protected), Some(&policy));
    let check = |rule: &str, params: &str| {
        evaluation(&decide(
            &config_change(rule, params, "OK"),
            &facts,
            &Settings::default(),
        ))
        .0
    };
    assert_eq!(
        check("r", r#"{"kind": "protected-by", "module": "anti_malware"}"#),
        Compliance::Compliant
    );
    assert_eq!(
        check(
            "r",
            r#"{"kind": "protected-by", "module": "intrusion_prevention"}"#
        ),
        Compliance::NonCompliant
    );
    assert_eq!(
        check("r", r#"{"kind": "has-policy", "policy": "web server"}"#),
        Compliance::Compliant
    );
    assert_eq!(
        check("ds-DoesInstanceHavePolicy", r#"{"dsPolicy": "Base"}"#),
        Compliance::NonCompliant
    );
    assert_eq!(check("ds-IsInstanceClear", "{}"), Compliance::Compliant);
    assert_eq!(
        check("ds-IsInstanceProtectedByAntiMalware", "{}"),
        Compliance::Compliant
    );

    let (compliance, annotation) = evaluation(&decide(
        &config_change("r", "{}", "OK"),
        &crate::decision::Facts::default(),
        &Settings::default(),
    ));
    assert_eq!(compliance, Compliance::NonCompliant);
    assert!(
        annotation.contains("no Workload Security agent"),
        "{annotation}"
    );

    let deleted = decide(
        &config_change("r", "{}", "ResourceDeleted"),
        &facts,
        &Settings::default(),
    );
    assert_eq!(evaluation(&deleted).0, Compliance::NotApplicable);

    let bad = decide(
        &config_change("r", r#"{"kind": "nope"}"#, "OK"),
        &facts,
        &Settings::default(),
    );
    assert_eq!(bad.verdict, Verdict::Ignore);
    assert!(bad.actions.is_empty());
    assert!(bad.reason.contains("`nope` is unknown"), "{}", bad.reason);
}

fn macie(bucket: &str) -> Event {
    event(&json!({
        "version": "0", "id": "env-m", "detail-type": "Macie Finding", "source": "aws.macie",
        "account": "111122223333", "time": "2024-09-11T17:20:44Z", "region": "eu-west-1", "resources": [],
        "detail": {
            "schemaVersion": "1.0", "id": "macie-1", "accountId": "111122223333", "region": "eu-west-1",
            "type": "Policy:IAMUser/S3BucketPublic", "category": "POLICY",
            "severity": {"score": 3, "description": "High"},
            "resourcesAffected": {"s3Bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")}}
        }
    }))
}

#[test]
fn macie_follows_the_bucket_to_its_instances() {
    let protected = computer(true);
    let unprotected = Computer {
        instance_id: Some("i-0bbbbbbbbbbbbbbbb".into()),
        ..computer(false)
    };
    let exposure = ward_core::BucketExposure {
        bucket: "payroll".into(),
        has_policy: true,
        roles: vec!["arn:aws:iam::111122223333:role/reader".into()],
        instance_profiles: vec!["arn:aws:iam::111122223333:instance-profile/reader".into()],
        instances: vec![INSTANCE.into(), "i-0bbbbbbbbbbbbbbbb".into()],
        other_principals: vec![],
    };
    let facts = Facts {
        exposure: Some(Ok(exposure.clone())),
        bucket_computers: vec![
            (INSTANCE.into(), Some(protected)),
            ("i-0bbbbbbbbbbbbbbbb".into(), Some(unprotected)),
        ],
        ..Facts::default()
    };
    let decision = decide(&macie("payroll"), &facts, &Settings::default());
    assert_eq!(decision.verdict, Verdict::Respond);
    assert_eq!(
        scans(&decision.actions),
        [
            (ScanKind::Recommendation, true),
            (ScanKind::Integrity, false)
        ]
    );
    assert!(decision.actions.iter().any(|action| matches!(
        action,
        Action::Notify(notice) if notice.instance_id.as_deref() == Some("i-0bbbbbbbbbbbbbbbb")
    )));

    // No policy, only service principals, and AWS refusing are recorded decisions.
    let no_policy = Facts {
        exposure: Some(Ok(ward_core::BucketExposure {
            has_policy: false,
            ..exposure.clone()
        })),
        ..Facts::default()
    };
    let decision = decide(&macie("payroll"), &no_policy, &Settings::default());
    assert_eq!(decision.verdict, Verdict::Ignore);
    assert!(
        decision.reason.contains("no bucket policy"),
        "{}",
        decision.reason
    );
    let services_only = Facts {
        exposure: Some(Ok(ward_core::BucketExposure {
            roles: vec![],
            other_principals: vec!["cloudtrail.amazonaws.com".into()],
            ..exposure
        })),
        ..Facts::default()
    };
    let decision = decide(&macie("payroll"), &services_only, &Settings::default());
    assert!(
        decision
            .reason
            .contains("allows no IAM role (only cloudtrail.amazonaws.com)"),
        "{}",
        decision.reason
    );
    let denied = Facts {
        exposure: Some(Err(
            "AWS denied GetBucketPolicy payroll (AccessDenied): no".into()
        )),
        ..Facts::default()
    };
    let decision = decide(&macie("payroll"), &denied, &Settings::default());
    assert_eq!(decision.verdict, Verdict::Notify);
    assert!(
        decision.reason.contains("AWS denied GetBucketPolicy"),
        "{}",
        decision.reason
    );
    let without_aws = decide(&macie("payroll"), &Facts::default(), &Settings::default());
    assert!(
        without_aws.reason.contains("configure [aws]"),
        "{}",
        without_aws.reason
    );
}
