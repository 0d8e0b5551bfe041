//! The typed result of every fixture in `tests/fixtures/` (see its README for origins).

use crate::support::{contains, event, events, fixture, quarantined};
use ward_events::{
    ConfigItemStatus, ConfigMessageType, Event, EventKind, GuardDutyFinding, Inspector2Finding,
    InspectorFindingType, InspectorStatus, InstanceState, Item, Parsed, Position, QuarantineReason,
    RuleParameters, Source, Step, parse,
};

/// Every fixture and the test that asserts on it; a fixture missing here fails
/// `every_fixture_is_asserted_on`.
const FIXTURES: &[&str] = &[
    "README.md",
    "aws-lambda-events-fixture-cloudtrail-assumed-role.json",
    "aws-lambda-events-fixture-config-event.json",
    "aws-lambda-events-fixture-eventbridge-ec2-state.json",
    "aws-lambda-events-fixture-eventbridge-schedule.json",
    "aws-lambda-events-fixture-sqs-event.json",
    "cloudtrail-logfile-ec2-startinstances.awsdocs.json",
    "cloudtrail-logfile-error-updatetrail.awsdocs.json",
    "config-rule-invocation-ec2-change.awsdocs.json",
    "config-rule-invocation-ec2-oversized.awsdocs.json",
    "config-rule-invocation-periodic.awsdocs.json",
    "guardduty-finding-detail-only-ec2.aws-samples.json",
    "guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json",
    "macie-finding-policy.eventbridge-docs-truncated.json",
    "ward-config-invocation-ec2-deleted.json",
    "ward-events-array.json",
    "ward-events.jsonl",
    "ward-guardduty-finding-ec2-current-format.json",
    "ward-inspector2-network-reachability-ec2.json",
    "ward-inspector2-package-vulnerability-ec2.json",
    "ward-macie-finding-s3-bucket-public.json",
    "ward-malformed-guardduty-bad-instance-id.json",
    "ward-malformed-guardduty-no-instance-id.json",
    "ward-malformed-not-json.txt",
    "ward-malformed-truncated.json",
    "ward-malformed-unknown-detail-type.json",
    "ward-securityhub-findings-imported.json",
    "ward-securityhub-mixed-products.json",
    "ward-sqs-batch-guardduty.json",
];

#[test]
fn every_fixture_is_asserted_on() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut present: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures directory")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    present.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|name| (*name).to_owned()).collect();
    listed.sort();
    assert_eq!(present, listed, "tests/fixtures and FIXTURES differ");
}

fn guardduty(event: &Event) -> &GuardDutyFinding {
    match &event.kind {
        EventKind::GuardDutyFinding(finding) => finding,
        other => panic!("expected a GuardDuty finding, got {other:#?}"),
    }
}

fn inspector(event: &Event) -> &Inspector2Finding {
    match &event.kind {
        EventKind::Inspector2Finding(finding) => finding,
        other => panic!("expected an Inspector2 finding, got {other:#?}"),
    }
}

fn text(timestamp: Option<ward_events::Timestamp>) -> Option<String> {
    timestamp.map(|timestamp| timestamp.to_string())
}

// --- GuardDuty --------------------------------------------------------------------------------

#[test]
fn guardduty_2017_envelope_port_probe() {
    let event = event(fixture!(
        "guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json"
    ));
    assert_eq!(event.id, "bcafe0d92f37640ada65ef4d5471fe8a");
    assert_eq!(event.source, Source::GuardDuty);
    assert_eq!(
        event.envelope_id.as_deref(),
        Some("50573157-1bc2-3ebf-ad69-93e72dfcaacd")
    );
    assert_eq!(event.account_id.as_deref(), Some("123456789012"));
    assert_eq!(event.region.as_deref(), Some("us-east-1"));
    // The sample's envelope time is the Unix epoch, and is kept as sent.
    assert_eq!(text(event.time).as_deref(), Some("1970-01-01T00:00:00Z"));
    let finding = guardduty(&event);
    assert_eq!(finding.finding_type, "Recon:EC2/PortProbeUnprotectedPort");
    assert_eq!(finding.resource_type, "Instance");
    assert_eq!(
        finding.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-0e8dfbd8c13eca8ad")
    );
    assert_eq!(finding.severity, Some(2.0));
    assert_eq!(finding.count, Some(30));
    assert_eq!(finding.action_type.as_deref(), Some("PORT_PROBE"));
    assert_eq!(finding.resource_role.as_deref(), Some("TARGET"));
    assert!(!finding.archived && !finding.sample);
    assert_eq!(
        text(finding.updated_at).as_deref(),
        Some("2017-11-16T11:51:12.378Z")
    );
    assert_eq!(
        finding.arn.as_deref(),
        Some(
            "arn:aws:guardduty:us-east-1:123456789012:detector/40af741b55a23aa6e848d0f2488b878a/finding/bcafe0d92f37640ada65ef4d5471fe8a"
        )
    );
}

#[test]
fn guardduty_bare_detail_takes_account_region_and_time_from_the_finding() {
    let event = event(fixture!(
        "guardduty-finding-detail-only-ec2.aws-samples.json"
    ));
    assert_eq!(event.id, "16afba5c5c43e07c9e3e5e2e544e95df");
    assert_eq!(event.envelope_id, None);
    assert_eq!(event.account_id.as_deref(), Some("123456789012"));
    assert_eq!(event.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        text(event.time).as_deref(),
        Some("2017-10-31T23:16:23.824Z")
    );
    let finding = guardduty(&event);
    assert_eq!(finding.finding_type, "Canary:EC2/Stateless.IntegTest");
    assert_eq!(
        finding.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-05746eb48123455e0")
    );
    assert_eq!(finding.severity, Some(5.0));
    assert_eq!(finding.action_type.as_deref(), Some("NETWORK_CONNECTION"));
}

#[test]
fn guardduty_current_format() {
    let event = event(fixture!("ward-guardduty-finding-ec2-current-format.json"));
    assert_eq!(event.id, "4ec8f1a2b3c4d5e6f708192a3b4c5d6e");
    let finding = guardduty(&event);
    assert_eq!(finding.finding_type, "CryptoCurrency:EC2/BitcoinTool.B!DNS");
    assert_eq!(finding.severity, Some(8.0));
    assert_eq!(
        finding.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-0123456789abcdef0")
    );
    assert_eq!(
        finding.instance_profile_arn.as_deref(),
        Some("arn:aws:iam::111122223333:instance-profile/build-agents")
    );
    assert_eq!(finding.count, Some(14));
    assert_eq!(
        text(finding.created_at).as_deref(),
        Some("2024-09-10T02:26:14.552Z")
    );
}

#[test]
fn guardduty_instance_finding_without_instance_id_is_quarantined() {
    let quarantined = quarantined(fixture!("ward-malformed-guardduty-no-instance-id.json"));
    assert_eq!(
        quarantined.reason,
        QuarantineReason::MissingInstanceId {
            what: "GuardDuty finding",
            field: "resource.instanceDetails.instanceId",
        }
    );
    assert!(quarantined.reason.to_string().contains("refusing to guess"));
    assert_eq!(quarantined.position, Position::input());
    assert_eq!(
        quarantined.raw,
        fixture!("ward-malformed-guardduty-no-instance-id.json").trim_ascii()
    );
}

#[test]
fn guardduty_upper_case_instance_id_is_quarantined() {
    let quarantined = quarantined(fixture!("ward-malformed-guardduty-bad-instance-id.json"));
    assert_eq!(
        quarantined.reason,
        QuarantineReason::InvalidInstanceId {
            what: "GuardDuty finding",
            field: "resource.instanceDetails.instanceId",
            value: "i-0123456789ABCDEF0".to_owned(),
        }
    );
}

// --- Inspector ---------------------------------------------------------------------------------

const INSPECTOR_ARN: &str =
    "arn:aws:inspector2:eu-central-1:111122223333:finding/5f0d7c2a9e8b4c31a6d2f7e4b9c01a3d";

#[test]
fn inspector_package_vulnerability() {
    let event = event(fixture!("ward-inspector2-package-vulnerability-ec2.json"));
    assert_eq!(event.id, INSPECTOR_ARN);
    assert_eq!(event.source, Source::Inspector2);
    assert_eq!(event.account_id.as_deref(), Some("111122223333"));
    assert_eq!(event.region.as_deref(), Some("eu-central-1"));
    let finding = inspector(&event);
    assert_eq!(
        finding.finding_type,
        InspectorFindingType::PackageVulnerability
    );
    assert_eq!(finding.status, InspectorStatus::Active);
    assert_eq!(finding.resource_type.as_deref(), Some("AWS_EC2_INSTANCE"));
    assert_eq!(
        finding.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-0abcdef1234567890")
    );
    assert_eq!(finding.vulnerability_id.as_deref(), Some("CVE-2024-29069"));
    assert_eq!(finding.cves, ["CVE-2024-29069", "CVE-2024-29068"]);
    assert_eq!(finding.severity.as_deref(), Some("MEDIUM"));
    assert_eq!(finding.inspector_score, Some(4.8));
    // Inspector's own timestamp format, normalised.
    assert_eq!(
        text(finding.first_observed_at).as_deref(),
        Some("2024-09-12T08:14:02.118Z")
    );
    assert_eq!(
        text(finding.updated_at).as_deref(),
        Some("2024-09-12T08:15:30.904Z")
    );
    assert_eq!(
        event.instance_id().map(|id| id.as_str()),
        Some("i-0abcdef1234567890")
    );
}

#[test]
fn inspector_network_reachability() {
    let event = event(fixture!("ward-inspector2-network-reachability-ec2.json"));
    let finding = inspector(&event);
    assert_eq!(
        finding.finding_type,
        InspectorFindingType::NetworkReachability
    );
    assert_eq!(finding.status, InspectorStatus::Active);
    assert_eq!(
        finding.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-0abcdef1234567890")
    );
    assert!(finding.cves.is_empty());
    assert_eq!(finding.vulnerability_id, None);
    assert_eq!(finding.severity.as_deref(), Some("HIGH"));
}

// --- Security Hub ------------------------------------------------------------------------------

#[test]
fn security_hub_findings_become_the_native_findings_with_the_same_ids() {
    let parsed = parse(fixture!("ward-securityhub-findings-imported.json"));
    assert_eq!(parsed.len(), 2);
    assert_eq!(
        parsed[0].position(),
        &Position::input().then(Step::Finding(0))
    );
    assert_eq!(parsed[1].position().to_string(), "detail.findings[1]");
    let from_hub: Vec<&Event> = parsed.iter().filter_map(Parsed::event).collect();
    assert_eq!(from_hub.len(), 2);
    assert!(
        from_hub
            .iter()
            .all(|event| event.source == Source::SecurityHub)
    );
    assert!(from_hub.iter().all(|event| {
        event.envelope_id.as_deref() == Some("8e2c6f1a-3b4d-4c5e-9f6a-7b8c9d0e1f2a")
    }));

    // The GuardDuty finding is the 2017 port probe: same ID, type, instance, severity as natively.
    let native = event(fixture!(
        "guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json"
    ));
    let hub = from_hub[0];
    assert_eq!(hub.id, native.id);
    let (hub_finding, native_finding) = (guardduty(hub), guardduty(&native));
    assert_eq!(hub_finding.finding_id, native_finding.finding_id);
    assert_eq!(hub_finding.arn, native_finding.arn);
    assert_eq!(hub_finding.finding_type, native_finding.finding_type);
    assert_eq!(hub_finding.resource_type, native_finding.resource_type);
    assert_eq!(hub_finding.instance_id, native_finding.instance_id);
    assert_eq!(hub_finding.severity, native_finding.severity);
    assert_eq!(hub_finding.count, native_finding.count);
    assert_eq!(hub_finding.action_type, native_finding.action_type);
    assert_eq!(hub_finding.updated_at, native_finding.updated_at);
    assert_eq!(hub.account_id, native.account_id);
    assert_eq!(hub.region, native.region);

    // The Inspector finding: same ARN, type, status, instance and CVEs as natively.
    let native = event(fixture!("ward-inspector2-package-vulnerability-ec2.json"));
    let hub = from_hub[1];
    assert_eq!(hub.id, native.id);
    assert_eq!(hub.account_id.as_deref(), Some("111122223333"));
    assert_eq!(hub.region.as_deref(), Some("eu-central-1"));
    let (hub_finding, native_finding) = (inspector(hub), inspector(&native));
    assert_eq!(hub_finding.finding_arn, native_finding.finding_arn);
    assert_eq!(hub_finding.finding_type, native_finding.finding_type);
    assert_eq!(hub_finding.status, native_finding.status);
    assert_eq!(hub_finding.instance_id, native_finding.instance_id);
    assert_eq!(hub_finding.resource_type, native_finding.resource_type);
    assert_eq!(hub_finding.cves, native_finding.cves);
    assert_eq!(
        hub_finding.vulnerability_id,
        native_finding.vulnerability_id
    );
    assert_eq!(hub_finding.severity, native_finding.severity);
    assert_eq!(hub_finding.inspector_score, native_finding.inspector_score);
    assert_eq!(hub_finding.updated_at, native_finding.updated_at);
}

#[test]
fn security_hub_quarantines_findings_one_by_one() {
    let parsed = parse(fixture!("ward-securityhub-mixed-products.json"));
    assert_eq!(parsed.len(), 4);
    let reasons: Vec<String> = parsed
        .iter()
        .filter_map(Parsed::quarantined)
        .map(|quarantined| quarantined.reason.to_string())
        .collect();
    assert_eq!(reasons.len(), 3);
    assert!(
        reasons[0]
            .contains("Security Hub (arn:aws:securityhub:us-east-1::product/aws/securityhub)")
    );
    assert!(reasons[1].contains("Inspector Classic"));
    assert!(
        reasons[2].contains("i-0E8DFBD8C13ECA8AD")
            && reasons[2].contains("not a valid EC2 instance ID")
    );
    for (index, item) in parsed.iter().enumerate() {
        assert_eq!(
            item.position(),
            &Position::input().then(Step::Finding(index))
        );
    }
    // Each quarantine keeps its finding's text, not the whole envelope.
    let whole = fixture!("ward-securityhub-mixed-products.json");
    for quarantined in parsed.iter().filter_map(Parsed::quarantined) {
        assert!(quarantined.raw.starts_with(b"{"));
        assert!(quarantined.raw.len() < whole.len() / 2);
    }
    let good = parsed[3].event().expect("the last finding is fine");
    assert_eq!(good.id, "bcafe0d92f37640ada65ef4d5471fe8a");
}

// --- Macie -------------------------------------------------------------------------------------

#[test]
fn macie_finding_names_the_bucket() {
    let events = events(fixture!("ward-events-array.json"));
    let event = &events[0];
    assert_eq!(event.source, Source::Macie);
    assert_eq!(event.id, "c7a1e9d2b4f6a8c0e2d4f6b8a0c2e4d6");
    let EventKind::MacieFinding(finding) = &event.kind else {
        panic!("expected a Macie finding, got {event:#?}");
    };
    assert_eq!(finding.bucket_name, "acme-payroll-exports");
    assert_eq!(
        finding.bucket_arn.as_deref(),
        Some("arn:aws:s3:::acme-payroll-exports")
    );
    assert_eq!(finding.finding_type, "Policy:IAMUser/S3BucketPublic");
    assert_eq!(finding.category.as_deref(), Some("POLICY"));
    assert_eq!(finding.severity, Some(3.0));
    assert_eq!(finding.severity_label.as_deref(), Some("High"));
    assert_eq!(event.account_id.as_deref(), Some("111122223333"));
    assert_eq!(event.region.as_deref(), Some("eu-west-1"));
    // The same finding on its own.
    assert_eq!(
        &super::support::event(fixture!("ward-macie-finding-s3-bucket-public.json")),
        event
    );
}

#[test]
fn macie_finding_without_a_bucket_is_quarantined() {
    // AWS's documentation example stops after `count`: no resourcesAffected.
    let quarantined = quarantined(fixture!(
        "macie-finding-policy.eventbridge-docs-truncated.json"
    ));
    assert_eq!(
        quarantined.reason,
        QuarantineReason::MissingField {
            what: "Macie finding",
            field: "resourcesAffected.s3Bucket.name",
        }
    );
}

// --- Config ------------------------------------------------------------------------------------

fn config(event: &Event) -> &ward_events::ConfigInvocation {
    match &event.kind {
        EventKind::ConfigInvocation(invocation) => invocation,
        other => panic!("expected a Config invocation, got {other:#?}"),
    }
}

#[test]
fn config_change_notification() {
    let event = event(fixture!("config-rule-invocation-ec2-change.awsdocs.json"));
    assert_eq!(event.source, Source::Config);
    assert_eq!(event.account_id.as_deref(), Some("123456789012"));
    assert_eq!(event.region.as_deref(), Some("us-east-2"));
    let invocation = config(&event);
    assert_eq!(invocation.rule_name, "change-triggered-config-rule");
    assert_eq!(
        invocation.rule_arn.as_deref(),
        Some("arn:aws:config:us-east-2:123456789012:config-rule/config-rule-0123456")
    );
    assert_eq!(invocation.result_token, "myResultToken");
    assert!(!invocation.event_left_scope);
    assert_eq!(
        invocation.message_type,
        ConfigMessageType::ConfigurationItemChangeNotification
    );
    assert!(invocation.message_type.is_change());
    let parameters = invocation
        .rule_parameters
        .as_ref()
        .expect("rule parameters");
    assert_eq!(parameters.raw(), r#"{"myParameterKey":"myParameterValue"}"#);
    assert!(matches!(
        parameters,
        RuleParameters::Json { value, .. } if value["myParameterKey"] == "myParameterValue"
    ));
    let resource = invocation.resource.as_ref().expect("a resource");
    assert_eq!(resource.resource_type, "AWS::EC2::Instance");
    assert_eq!(resource.resource_id, "i-00000000");
    assert_eq!(
        resource.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-00000000")
    );
    assert_eq!(resource.status, ConfigItemStatus::Ok);
    assert_eq!(
        text(resource.capture_time).as_deref(),
        Some("2016-02-17T01:36:34.043Z")
    );
    assert_eq!(
        resource.arn.as_deref(),
        Some("arn:aws:ec2:us-east-2:123456789012:instance/i-00000000")
    );
    assert_eq!(event.time, resource.capture_time);
}

#[test]
fn config_oversized_change_notification_uses_the_summary() {
    let event = event(fixture!(
        "config-rule-invocation-ec2-oversized.awsdocs.json"
    ));
    let invocation = config(&event);
    assert_eq!(
        invocation.message_type,
        ConfigMessageType::OversizedConfigurationItemChangeNotification
    );
    let resource = invocation.resource.as_ref().expect("a resource");
    assert_eq!(
        resource.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-00000000")
    );
    assert_eq!(resource.region.as_deref(), Some("us-west-2"));
    assert_eq!(
        text(resource.capture_time).as_deref(),
        Some("2016-10-06T16:46:16.261Z")
    );
    // The item's region wins over the rule ARN's (us-east-2).
    assert_eq!(event.region.as_deref(), Some("us-west-2"));
}

#[test]
fn config_periodic_notification_has_no_resource() {
    let event = event(fixture!("config-rule-invocation-periodic.awsdocs.json"));
    let invocation = config(&event);
    assert_eq!(
        invocation.message_type,
        ConfigMessageType::ScheduledNotification
    );
    assert!(!invocation.message_type.is_change());
    assert_eq!(invocation.resource, None);
    assert_eq!(invocation.rule_name, "periodic-config-rule");
    assert_eq!(
        text(invocation.notification_time).as_deref(),
        Some("2016-07-13T21:50:00.373Z")
    );
    assert_eq!(event.instance_id(), None);
}

#[test]
fn config_snapshot_delivery_is_a_periodic_trigger() {
    let event = event(fixture!("aws-lambda-events-fixture-config-event.json"));
    let invocation = config(&event);
    assert_eq!(
        invocation.message_type,
        ConfigMessageType::ConfigurationSnapshotDeliveryCompleted
    );
    assert_eq!(invocation.resource, None);
    assert_eq!(event.account_id.as_deref(), Some("012345678912"));
    assert_eq!(event.region.as_deref(), Some("us-east-1"));
}

#[test]
fn config_deleted_instance_left_scope() {
    let event = event(fixture!("ward-config-invocation-ec2-deleted.json"));
    let invocation = config(&event);
    assert!(invocation.event_left_scope);
    assert_eq!(invocation.rule_name, "ds-IsInstanceProtectedBy");
    let resource = invocation.resource.as_ref().expect("a resource");
    assert_eq!(resource.status, ConfigItemStatus::ResourceDeleted);
    assert_eq!(
        resource.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-0123456789abcdef0")
    );
    match invocation
        .rule_parameters
        .as_ref()
        .expect("rule parameters")
    {
        RuleParameters::Json { value, .. } => {
            assert_eq!(value["kind"], "protected-by");
            assert_eq!(value["module"], "anti_malware");
        }
        other => panic!("expected JSON parameters, got {other:#?}"),
    }
}

#[test]
fn config_invocation_ids_are_stable_and_distinct() {
    let change = event(fixture!("config-rule-invocation-ec2-change.awsdocs.json"));
    let again = event(fixture!("config-rule-invocation-ec2-change.awsdocs.json"));
    let periodic = event(fixture!("config-rule-invocation-periodic.awsdocs.json"));
    let oversized = event(fixture!(
        "config-rule-invocation-ec2-oversized.awsdocs.json"
    ));
    assert_eq!(change.id, again.id);
    assert_ne!(change.id, periodic.id);
    assert_ne!(change.id, oversized.id);
    assert!(change.id.starts_with("config-"));
}

// --- EC2, schedules, CloudTrail -----------------------------------------------------------------

#[test]
fn ec2_state_change() {
    let event = event(fixture!(
        "aws-lambda-events-fixture-eventbridge-ec2-state.json"
    ));
    assert_eq!(event.source, Source::Ec2);
    assert_eq!(event.id, "7bf73129-1428-4cd3-a780-95db273d1602");
    let EventKind::Ec2StateChange(change) = &event.kind else {
        panic!("expected a state change, got {event:#?}");
    };
    assert_eq!(change.instance_id.as_str(), "i-abcd1111");
    assert_eq!(change.state, InstanceState::Pending);
    assert_eq!(text(event.time).as_deref(), Some("2021-11-11T21:29:54Z"));
}

#[test]
fn scheduled_event_names_its_rules() {
    let event = event(fixture!(
        "aws-lambda-events-fixture-eventbridge-schedule.json"
    ));
    assert_eq!(event.source, Source::Scheduled);
    let EventKind::Scheduled(scheduled) = &event.kind else {
        panic!("expected a scheduled event, got {event:#?}");
    };
    assert_eq!(
        scheduled.rule_arns,
        ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"]
    );
}

fn cloudtrail(event: &Event) -> &ward_events::CloudTrailCall {
    match &event.kind {
        EventKind::CloudTrailCall(call) => call,
        other => panic!("expected a CloudTrail call, got {other:#?}"),
    }
}

#[test]
fn cloudtrail_bare_record_assumed_role() {
    let event = event(fixture!(
        "aws-lambda-events-fixture-cloudtrail-assumed-role.json"
    ));
    assert_eq!(event.source, Source::CloudTrail);
    let call = cloudtrail(&event);
    assert_eq!(call.event_name, "CreateManagedAccount");
    assert_eq!(call.event_source, "controltower.amazonaws.com");
    assert_eq!(
        call.user_identity.identity_type.as_deref(),
        Some("AssumedRole")
    );
    assert_eq!(
        call.user_identity.invoked_by.as_deref(),
        Some("servicecatalog.amazonaws.com")
    );
    assert!(
        call.user_identity
            .session_issuer_arn
            .as_deref()
            .is_some_and(
                |arn| arn.ends_with("AWSReservedSSO_AWSAdministratorAccess_abcdef1234567890")
            )
    );
    assert_eq!(call.read_only, Some(false));
    assert_eq!(
        call.request_parameters
            .as_ref()
            .and_then(|params| params["accountName"].as_str()),
        Some("Account Name")
    );
    assert_eq!(event.account_id.as_deref(), Some("123456789000"));
}

#[test]
fn cloudtrail_log_file_version_1_0_record_gets_a_content_id() {
    let parsed = parse(fixture!(
        "cloudtrail-logfile-ec2-startinstances.awsdocs.json"
    ));
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].position().to_string(), "Records[0]");
    let event = parsed[0].event().expect("an event");
    let call = cloudtrail(event);
    assert_eq!(call.event_name, "StartInstances");
    assert_eq!(call.event_version.as_deref(), Some("1.0"));
    assert_eq!(call.event_id, None);
    assert!(event.id.starts_with("cloudtrail-"));
    assert_eq!(
        call.request_parameters
            .as_ref()
            .map(|params| params["instancesSet"]["items"][0]["instanceId"].clone()),
        Some(serde_json::json!("i-ebeaf9e2"))
    );
    assert_eq!(call.user_identity.user_name.as_deref(), Some("Alice"));
    assert_eq!(event.region.as_deref(), Some("us-east-2"));
}

#[test]
fn cloudtrail_log_file_error_record() {
    let parsed = parse(fixture!(
        "cloudtrail-logfile-error-updatetrail.awsdocs.json"
    ));
    let event = parsed[0].event().expect("an event");
    assert_eq!(event.id, "b7d4398e-b2f0-4faa-9c76-e2d316a8d67f");
    let call = cloudtrail(event);
    assert_eq!(call.error_code.as_deref(), Some("TrailNotFoundException"));
    assert!(
        call.error_message
            .as_deref()
            .is_some_and(|message| message.contains("myTrail2"))
    );
    assert_eq!(call.response_elements, None);
}

#[test]
fn cloudtrail_via_eventbridge_keeps_the_record_id() {
    let events = events(fixture!("ward-events-array.json"));
    let event = &events[2];
    assert_eq!(event.source, Source::CloudTrail);
    assert_eq!(event.id, "d5c4b3a2-1f0e-4d9c-8b7a-695847362514");
    assert_eq!(
        event.envelope_id.as_deref(),
        Some("36eb8523-97d0-4518-b33d-ee3579ff19f0")
    );
    let call = cloudtrail(event);
    assert_eq!(call.event_name, "AuthorizeSecurityGroupIngress");
    assert_eq!(call.source_ip_address.as_deref(), Some("203.0.113.77"));
    assert_eq!(
        call.request_parameters.as_ref().map(|params| {
            params["ipPermissions"]["items"][0]["ipRanges"]["items"][0]["cidrIp"].clone()
        }),
        Some(serde_json::json!("0.0.0.0/0"))
    );
}

// --- Containers and framing ---------------------------------------------------------------------

#[test]
fn sqs_batch_of_guardduty_events_keeps_message_ids() {
    let parsed = parse(fixture!("ward-sqs-batch-guardduty.json"));
    assert_eq!(parsed.len(), 3);
    let message_ids: Vec<Option<&str>> = parsed.iter().map(Parsed::sqs_message_id).collect();
    assert_eq!(
        message_ids,
        [
            Some("059f36b4-87a3-44ab-83d2-661975830a7d"),
            Some("2e1424d4-f796-459a-8184-9c92662be6da"),
            Some("9c3b5f1e-2d4a-4b6c-8e0f-1a2b3c4d5e6f"),
        ]
    );
    assert_eq!(parsed[2].position().to_string(), "Records[2].body");

    let first = parsed[0].event().expect("first body parses");
    assert_eq!(
        first,
        &event(fixture!("ward-guardduty-finding-ec2-current-format.json"))
    );

    // Delivered without `account` (as moto does): the account comes from the finding.
    let second = parsed[1].event().expect("second body parses");
    let finding = guardduty(second);
    assert_eq!(finding.resource_type, "AccessKey");
    assert_eq!(finding.instance_id, None);
    assert_eq!(second.account_id.as_deref(), Some("111122223333"));

    let third = parsed[2].quarantined().expect("third body is quarantined");
    assert!(matches!(
        &third.reason,
        QuarantineReason::InvalidInstanceId { value, .. } if value == "i-0123"
    ));
    // The raw text is the body, decoded: a whole EventBridge event.
    let body: serde_json::Value = serde_json::from_slice(&third.raw).expect("the body is JSON");
    assert_eq!(body["id"], "deadbeef-0000-4000-8000-000000000000");
}

#[test]
fn sqs_body_that_is_not_json_is_quarantined_with_its_message_id() {
    let quarantined = quarantined(fixture!("aws-lambda-events-fixture-sqs-event.json"));
    assert_eq!(quarantined.raw, b"Message Body");
    assert_eq!(quarantined.position.sqs_message_id(), Some("MessageID_1"));
    assert_eq!(quarantined.position.to_string(), "Records[0].body");
    assert!(matches!(
        quarantined.reason,
        QuarantineReason::InvalidJson { .. }
    ));
}

#[test]
fn json_array_gives_records() {
    let parsed = parse(fixture!("ward-events-array.json"));
    let positions: Vec<String> = parsed
        .iter()
        .map(|item| item.position().to_string())
        .collect();
    assert_eq!(positions, ["record 1", "record 2", "record 3"]);
    let sources: Vec<Source> = parsed
        .iter()
        .filter_map(Parsed::event)
        .map(|event| event.source)
        .collect();
    assert_eq!(sources, [Source::Macie, Source::Ec2, Source::CloudTrail]);
    let EventKind::Ec2StateChange(change) = &parsed[1].event().expect("event").kind else {
        panic!("expected a state change");
    };
    assert_eq!(change.instance_id.as_str(), "i-0123456789abcdef0");
    assert_eq!(change.state, InstanceState::Stopped);
}

#[test]
fn json_lines_report_line_numbers_and_lose_nothing() {
    let input = fixture!("ward-events.jsonl");
    let parsed = parse(input);
    let positions: Vec<Position> = parsed.iter().map(|item| item.position().clone()).collect();
    let lines = [1, 2, 4, 5, 6, 7].map(|line| Position::at(Item::Line(line)));
    assert_eq!(positions, lines);
    let summary: Vec<Result<Source, String>> = parsed
        .iter()
        .map(|item| match item {
            Parsed::Event { event, .. } => Ok(event.source),
            Parsed::Quarantined(quarantined) => Err(quarantined.reason.to_string()),
        })
        .collect();
    assert_eq!(summary[0], Ok(Source::GuardDuty));
    assert_eq!(summary[1], Ok(Source::Ec2));
    assert!(
        summary[2]
            .as_ref()
            .is_err_and(|reason| reason.starts_with("not valid JSON"))
    );
    assert_eq!(summary[3], Ok(Source::Scheduled));
    assert_eq!(summary[4], Ok(Source::Config));
    assert!(
        summary[5]
            .as_ref()
            .is_err_and(|reason| reason.contains("\"hello\""))
    );
    // Every quarantined line's text is the line itself.
    let text = std::str::from_utf8(input).expect("UTF-8");
    for quarantined in parsed.iter().filter_map(Parsed::quarantined) {
        let Item::Line(line) = quarantined.position.item else {
            panic!("expected a line position");
        };
        let original = text.lines().nth(line - 1).expect("the line exists");
        assert_eq!(quarantined.raw, original.trim().as_bytes());
    }
    // The scheduler event's `detail` is the string "{}": not needed, not a problem.
    let EventKind::Scheduled(scheduled) = &parsed[3].event().expect("event").kind else {
        panic!("expected a scheduled event");
    };
    assert_eq!(
        scheduled.rule_arns,
        ["arn:aws:scheduler:us-west-2:111122223333:schedule/default/ward-waf-sweep"]
    );
}

#[test]
fn truncated_event_is_quarantined_whole() {
    let input = fixture!("ward-malformed-truncated.json");
    let quarantined = quarantined(input);
    assert_eq!(quarantined.position, Position::input());
    assert!(matches!(
        quarantined.reason,
        QuarantineReason::InvalidJson { .. }
    ));
    assert!(quarantined.reason.to_string().contains("EOF"));
    assert_eq!(quarantined.raw, input.trim_ascii());
}

#[test]
fn unknown_detail_type_is_quarantined_with_its_name() {
    let quarantined = quarantined(fixture!("ward-malformed-unknown-detail-type.json"));
    assert_eq!(
        quarantined.reason,
        QuarantineReason::UnsupportedEvent {
            detail_type: "Config Rules Compliance Change".to_owned(),
            event_source: "aws.config".to_owned(),
        }
    );
    assert_eq!(
        quarantined.reason.to_string(),
        r#"unsupported EventBridge event: detail-type "Config Rules Compliance Change" from source "aws.config""#
    );
}

#[test]
fn text_that_is_not_json_is_quarantined_whole() {
    let input = fixture!("ward-malformed-not-json.txt");
    let quarantined = quarantined(input);
    assert_eq!(quarantined.position, Position::input());
    assert!(matches!(
        quarantined.reason,
        QuarantineReason::InvalidJson { .. }
    ));
    assert_eq!(quarantined.raw, input.trim_ascii());
    assert!(contains(input, &quarantined.raw));
}

#[test]
fn readme_is_not_an_event() {
    let quarantined = quarantined(fixture!("README.md"));
    assert!(matches!(
        quarantined.reason,
        QuarantineReason::InvalidJson { .. }
    ));
}

#[test]
fn every_event_survives_a_serde_round_trip() {
    let inputs: [&[u8]; 12] = [
        fixture!("guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json"),
        fixture!("ward-guardduty-finding-ec2-current-format.json"),
        fixture!("ward-inspector2-package-vulnerability-ec2.json"),
        fixture!("ward-inspector2-network-reachability-ec2.json"),
        fixture!("ward-securityhub-findings-imported.json"),
        fixture!("ward-events-array.json"),
        fixture!("ward-events.jsonl"),
        fixture!("config-rule-invocation-ec2-change.awsdocs.json"),
        fixture!("config-rule-invocation-periodic.awsdocs.json"),
        fixture!("aws-lambda-events-fixture-eventbridge-schedule.json"),
        fixture!("cloudtrail-logfile-ec2-startinstances.awsdocs.json"),
        fixture!("ward-sqs-batch-guardduty.json"),
    ];
    let mut checked = 0;
    for input in inputs {
        for event in parse(input).iter().filter_map(Parsed::event) {
            let json = serde_json::to_string(event).expect("serializes");
            let back: Event = serde_json::from_str(&json).expect("deserializes");
            assert_eq!(&back, event, "{json}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} events checked");
}
