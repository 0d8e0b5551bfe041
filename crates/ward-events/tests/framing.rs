//! How inputs are split into items and wrappers are opened, and the edge cases of each payload,
//! on small inputs built here.

use crate::support::{event, events, quarantined};
use serde_json::{Value, json};
use ward_events::{
    EventKind, InspectorFindingType, Item, Parsed, Position, QuarantineReason, RuleParameters,
    Source, Step, parse,
};

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("serializes")
}

fn pretty(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("serializes")
}

/// A minimal, valid GuardDuty EventBridge event on `instance_id`.
fn guardduty(finding_id: &str, instance_id: &str) -> Value {
    json!({
        "version": "0",
        "id": format!("envelope-{finding_id}"),
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": "111122223333",
        "time": "2024-09-10T04:06:33Z",
        "region": "us-west-2",
        "resources": [],
        "detail": {
            "id": finding_id,
            "type": "Recon:EC2/PortProbeUnprotectedPort",
            "severity": 2,
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance_id}},
            "service": {"count": 1}
        }
    })
}

fn reasons(input: &[u8]) -> Vec<String> {
    parse(input)
        .iter()
        .filter_map(Parsed::quarantined)
        .map(|quarantined| quarantined.reason.to_string())
        .collect()
}

#[test]
fn empty_input() {
    for input in [&b""[..], b"   \n\t\r\n", b"\xEF\xBB\xBF  "] {
        let quarantined = quarantined(input);
        assert_eq!(quarantined.reason, QuarantineReason::Empty);
        assert_eq!(quarantined.position, Position::input());
    }
}

#[test]
fn byte_order_mark_and_surrounding_whitespace_are_ignored() {
    let mut input = b"\xEF\xBB\xBF\n\n".to_vec();
    input.extend(pretty(&guardduty("f1", "i-abcd1111")));
    input.extend(b"\n\n");
    assert_eq!(event(&input).id, "f1");
}

#[test]
fn concatenated_pretty_values_are_records() {
    let mut input = pretty(&guardduty("f1", "i-abcd1111"));
    input.extend(b"\n");
    input.extend(pretty(&guardduty("f2", "i-abcd2222")));
    let parsed = parse(&input);
    let positions: Vec<String> = parsed
        .iter()
        .map(|item| item.position().to_string())
        .collect();
    assert_eq!(positions, ["record 1", "record 2"]);
    assert_eq!(events(&input).len(), 2);
}

#[test]
fn a_broken_value_in_a_stream_quarantines_the_rest() {
    let mut input = pretty(&guardduty("f1", "i-abcd1111"));
    input.extend(b"\n");
    input.extend(pretty(&guardduty("f2", "i-abcd2222")));
    input.extend(b"\n{\n  \"detail-type\": \"GuardDuty Finding\",\n  oops\n}\n");
    let parsed = parse(&input);
    assert_eq!(parsed.len(), 3);
    assert!(parsed[0].event().is_some() && parsed[1].event().is_some());
    let rest = parsed[2].quarantined().expect("the rest is quarantined");
    assert_eq!(rest.position, Position::at(Item::Record(3)));
    assert!(rest.raw.starts_with(b"{\n  \"detail-type\""));
    assert!(rest.raw.ends_with(b"}"));
}

#[test]
fn two_values_on_one_line_are_not_guessed_apart() {
    let mut input = bytes(&guardduty("f1", "i-abcd1111"));
    input.extend(bytes(&guardduty("f2", "i-abcd2222")));
    let quarantined = quarantined(&input);
    assert!(
        quarantined
            .reason
            .to_string()
            .contains("trailing characters")
    );
    assert_eq!(quarantined.raw, input);
}

#[test]
fn json_lines_with_a_line_that_is_not_utf8() {
    let mut input = bytes(&guardduty("f1", "i-abcd1111"));
    input.extend(b"\n{\"detail-type\": \"\xFF\xFE\"}\r\n");
    input.extend(bytes(&guardduty("f3", "i-abcd3333")));
    input.extend(b"\r\n");
    let parsed = parse(&input);
    assert_eq!(parsed.len(), 3);
    assert_eq!(parsed[0].event().map(|event| event.id.as_str()), Some("f1"));
    let bad = parsed[1].quarantined().expect("line 2 is quarantined");
    assert_eq!(bad.position, Position::at(Item::Line(2)));
    assert_eq!(bad.reason, QuarantineReason::NotUtf8 { offset: 17 });
    assert_eq!(bad.raw, b"{\"detail-type\": \"\xFF\xFE\"}");
    assert_eq!(parsed[2].event().map(|event| event.id.as_str()), Some("f3"));
}

#[test]
fn whole_input_that_is_not_utf8() {
    let quarantined = quarantined(b"\x00\x9F\x92\x96 not text");
    assert_eq!(quarantined.reason, QuarantineReason::NotUtf8 { offset: 1 });
    assert_eq!(quarantined.raw, b"\x00\x9F\x92\x96 not text");
}

#[test]
fn top_level_values_that_are_not_objects() {
    for (input, found) in [
        (&b"42"[..], "a number"),
        (b"\"GuardDuty Finding\"", "a string"),
        (b"true", "a boolean"),
        (b"null", "null"),
    ] {
        assert_eq!(
            quarantined(input).reason,
            QuarantineReason::NotAnObject { found },
            "{input:?}"
        );
    }
    // An array element that is itself an array.
    let parsed = parse(b"[[1], {\"a\": 1}, 7]");
    let reasons: Vec<String> = parsed
        .iter()
        .filter_map(Parsed::quarantined)
        .map(|quarantined| format!("{}: {}", quarantined.position, quarantined.reason))
        .collect();
    assert_eq!(
        reasons[0],
        "record 1: expected a JSON object, found an array"
    );
    assert!(reasons[1].starts_with("record 2: unrecognised JSON object"));
    assert_eq!(
        reasons[2],
        "record 3: expected a JSON object, found a number"
    );
}

#[test]
fn empty_containers_are_reported() {
    assert_eq!(
        quarantined(b"[]").reason,
        QuarantineReason::EmptyContainer {
            what: "the JSON array"
        }
    );
    assert_eq!(
        quarantined(b"{\"Records\": []}").reason,
        QuarantineReason::EmptyContainer { what: "Records" }
    );
    let hub = json!({
        "detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub",
        "detail": {"findings": []}
    });
    assert_eq!(
        quarantined(&bytes(&hub)).reason,
        QuarantineReason::EmptyContainer {
            what: "detail.findings"
        }
    );
}

#[test]
fn sns_notification_inside_an_sqs_batch() {
    let notification = json!({
        "Type": "Notification",
        "MessageId": "sns-1",
        "TopicArn": "arn:aws:sns:us-west-2:111122223333:findings",
        "Message": serde_json::to_string(&guardduty("f1", "i-abcd1111")).expect("json"),
    });
    let batch = json!({"Records": [
        {"messageId": "m-0", "eventSource": "aws:sqs", "body": serde_json::to_string(&notification).expect("json")},
        {"messageId": "m-1", "eventSource": "aws:sqs", "body": "{\"Type\": \"Notification\"}"},
    ]});
    let parsed = parse(&bytes(&batch));
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0].position().to_string(), "Records[0].body, Message");
    assert_eq!(parsed[0].sqs_message_id(), Some("m-0"));
    assert_eq!(parsed[0].event().map(|event| event.id.as_str()), Some("f1"));
    assert_eq!(
        parsed[1]
            .quarantined()
            .map(|quarantined| quarantined.reason.to_string()),
        Some("SNS notification: Message is missing".to_owned())
    );
    assert_eq!(parsed[1].sqs_message_id(), Some("m-1"));
}

#[test]
fn lambda_sns_event() {
    let input = json!({"Records": [{
        "EventSource": "aws:sns",
        "EventSubscriptionArn": "arn:aws:sns:us-west-2:111122223333:findings:1",
        "Sns": {"MessageId": "sns-7", "Message": serde_json::to_string(&guardduty("f7", "i-abcd7777")).expect("json")}
    }]});
    let parsed = parse(&bytes(&input));
    assert_eq!(parsed.len(), 1);
    assert_eq!(
        parsed[0].position(),
        &Position::input().then(Step::SnsRecord {
            index: 0,
            message_id: Some("sns-7".to_owned())
        })
    );
    assert_eq!(parsed[0].position().to_string(), "Records[0].Sns.Message");
    assert_eq!(parsed[0].event().map(|event| event.id.as_str()), Some("f7"));
}

#[test]
fn s3_notifications_and_odd_records_are_quarantined_per_record() {
    let input = json!({"Records": [
        {"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventTime": "2024-09-12T10:00:00.000Z",
         "s3": {"bucket": {"name": "trail"}, "object": {"key": "AWSLogs/x.json.gz"}}},
        {"eventVersion": "1.08", "eventSource": "ec2.amazonaws.com", "eventName": "RunInstances", "eventID": "e-1",
         "eventTime": "2024-09-12T10:00:00Z", "awsRegion": "us-west-2", "userIdentity": null, "requestParameters": null},
        {"whatever": true},
        "not an object",
    ]});
    let parsed = parse(&bytes(&input));
    assert_eq!(parsed.len(), 4);
    assert_eq!(
        parsed[0].quarantined().map(|quarantined| quarantined.reason.to_string()),
        Some("Records[0] is an aws:s3 event notification: not an SQS message, SNS notification or CloudTrail record".to_owned())
    );
    let call = parsed[1].event().expect("a CloudTrail record");
    assert_eq!(call.id, "e-1");
    assert_eq!(call.source, Source::CloudTrail);
    assert!(parsed[2].quarantined().is_some());
    assert_eq!(
        parsed[3]
            .quarantined()
            .map(|quarantined| &quarantined.reason),
        Some(&QuarantineReason::NotAnObject { found: "a string" })
    );
    assert_eq!(parsed[3].position().to_string(), "Records[3]");
}

#[test]
fn wrappers_nested_beyond_any_delivery_path_are_refused() {
    let mut value = guardduty("f1", "i-abcd1111");
    for level in 0..8 {
        value = json!({"Type": "Notification", "MessageId": format!("n{level}"), "Message": value.to_string()});
    }
    let quarantined = quarantined(&bytes(&value));
    assert_eq!(quarantined.reason, QuarantineReason::TooDeep { limit: 4 });
}

#[test]
fn sources_that_do_not_publish_a_detail_type() {
    let mut event = guardduty("f1", "i-abcd1111");
    event["source"] = json!("aws.inspector2");
    assert_eq!(
        quarantined(&bytes(&event)).reason.to_string(),
        r#"detail-type "GuardDuty Finding" is published by aws.guardduty, not by "aws.inspector2""#
    );
    // A custom source (real accounts cannot put `aws.*` events) is taken at its word.
    event["source"] = json!("ward.test");
    assert_eq!(
        super::support::event(&bytes(&event)).source,
        Source::GuardDuty
    );
}

#[test]
fn envelopes_missing_parts() {
    let mut event = guardduty("f1", "i-abcd1111");
    event["detail"] = Value::Null;
    assert_eq!(
        quarantined(&bytes(&event)).reason.to_string(),
        "EventBridge event: detail is missing or not a JSON object"
    );
    event["detail"] = json!("a string");
    assert_eq!(
        quarantined(&bytes(&event)).reason.to_string(),
        "EventBridge event: detail is missing or not a JSON object"
    );
    // The same with `detail` last, where it is read straight into the typed finding.
    let last = br#"{"detail-type": "GuardDuty Finding", "source": "aws.guardduty", "detail": [1]}"#;
    assert_eq!(
        quarantined(last).reason.to_string(),
        "EventBridge event: detail is missing or not a JSON object"
    );
    let no_type = json!({"source": "aws.guardduty", "detail": {"id": "x"}});
    assert_eq!(
        quarantined(&bytes(&no_type)).reason.to_string(),
        "EventBridge event: detail-type is missing"
    );
    let duplicate =
        br#"{"detail-type": "GuardDuty Finding", "detail-type": "Macie Finding", "detail": {}}"#;
    assert!(
        quarantined(duplicate)
            .reason
            .to_string()
            .contains("duplicate key")
    );
}

#[test]
fn detail_before_or_after_detail_type_is_read_the_same() {
    let detail = serde_json::to_string(&guardduty("f1", "i-abcd1111")["detail"]).expect("json");
    let envelope = r#""detail-type": "GuardDuty Finding", "source": "aws.guardduty", "id": "e1", "account": "111122223333""#;
    // AWS's order, `detail` last: read straight into the typed finding.
    let last = format!("{{{envelope}, \"detail\": {detail}}}");
    // The 2017 sample's order, `detail` first: kept raw, then read.
    let first = format!("{{\"detail\": {detail}, {envelope}}}");
    let (last, first) = (event(last.as_bytes()), event(first.as_bytes()));
    assert_eq!(last, first);
    assert_eq!(last.envelope_id.as_deref(), Some("e1"));
}

#[test]
fn guardduty_numbers_and_strings_interchange() {
    let mut event = guardduty("f1", "i-abcd1111");
    event["account"] = json!(111_122_223_333_u64);
    event["detail"]["severity"] = json!("5.5");
    event["detail"]["service"]["count"] = json!("12");
    event["detail"]["createdAt"] = json!(1_510_782_186_000_u64);
    event["detail"]["resource"]["instanceDetails"]["iamInstanceProfile"] = Value::Null;
    let event = super::support::event(&bytes(&event));
    assert_eq!(event.account_id.as_deref(), Some("111122223333"));
    let EventKind::GuardDutyFinding(finding) = &event.kind else {
        panic!("expected a GuardDuty finding");
    };
    assert_eq!(finding.severity, Some(5.5));
    assert_eq!(finding.count, Some(12));
    assert_eq!(
        finding.created_at.map(|time| time.to_string()).as_deref(),
        Some("2017-11-15T21:43:06Z")
    );
    assert_eq!(finding.instance_profile_arn, None);
}

#[test]
fn guardduty_findings_on_other_resources_carry_no_instance() {
    let mut event = guardduty("f1", "i-abcd1111");
    event["detail"]["resource"] =
        json!({"resourceType": "S3Bucket", "instanceDetails": {"instanceId": "i-abcd1111"}});
    let event = super::support::event(&bytes(&event));
    assert_eq!(event.instance_id(), None);
    let mut missing = guardduty("f1", "i-abcd1111");
    missing["detail"]["resource"] = json!({});
    assert_eq!(
        quarantined(&bytes(&missing)).reason.to_string(),
        "GuardDuty finding: resource.resourceType is missing"
    );
}

#[test]
fn inspector_edge_cases() {
    let finding = |resources: Value| {
        json!({
            "detail-type": "Inspector2 Finding", "source": "aws.inspector2",
            "detail": {
                "findingArn": "arn:aws:inspector2:eu-central-1:111122223333:finding/0123456789abcdef0123456789abcdef",
                "type": "PACKAGE_VULNERABILITY", "status": "SUPPRESSED",
                "packageVulnerabilityDetails": {"vulnerabilityId": "GHSA-abcd-efgh-ijkl", "relatedVulnerabilities": ["cve-2023-44487"]},
                "resources": resources
            }
        })
    };
    let two = finding(json!([
        {"type": "AWS_EC2_INSTANCE", "id": "i-abcd1111"},
        {"type": "AWS_EC2_INSTANCE", "id": "i-abcd2222"}
    ]));
    assert_eq!(
        quarantined(&bytes(&two)).reason.to_string(),
        "Inspector2 finding: names two instances (i-abcd1111 and i-abcd2222); refusing to guess which one is meant"
    );
    let arn = finding(
        json!([{"type": "AWS_EC2_INSTANCE", "id": "arn:aws:ec2:eu-central-1:111122223333:instance/i-abcd1111"}]),
    );
    let event = event(&bytes(&arn));
    assert_eq!(
        event.instance_id().map(|id| id.as_str()),
        Some("i-abcd1111")
    );
    let EventKind::Inspector2Finding(inspector) = &event.kind else {
        panic!("expected an Inspector finding");
    };
    assert_eq!(
        inspector.vulnerability_id.as_deref(),
        Some("GHSA-abcd-efgh-ijkl")
    );
    assert_eq!(inspector.cves, ["CVE-2023-44487"]);
    assert_eq!(inspector.status, ward_events::InspectorStatus::Suppressed);
    let image = finding(
        json!([{"type": "AWS_ECR_CONTAINER_IMAGE", "id": "arn:aws:ecr:eu-central-1:111122223333:repository/web/sha256:abc"}]),
    );
    let event = super::support::event(&bytes(&image));
    assert_eq!(event.instance_id(), None);
    let EventKind::Inspector2Finding(inspector) = &event.kind else {
        panic!("expected an Inspector finding");
    };
    assert_eq!(
        inspector.resource_type.as_deref(),
        Some("AWS_ECR_CONTAINER_IMAGE")
    );
    let mut unknown = finding(json!([]));
    unknown["detail"]["type"] = json!("SOMETHING_NEW");
    let event = super::support::event(&bytes(&unknown));
    let EventKind::Inspector2Finding(inspector) = &event.kind else {
        panic!("expected an Inspector finding");
    };
    assert_eq!(
        inspector.finding_type,
        InspectorFindingType::Other("SOMETHING_NEW".to_owned())
    );
}

fn config_invocation(invoking_event: Value, rule_parameters: Value) -> Value {
    let mut invocation = json!({
        "resultToken": "token",
        "eventLeftScope": "false",
        "configRuleName": "ward-rule",
        "configRuleArn": "arn:aws:config:eu-west-1:111122223333:config-rule/config-rule-x",
        "accountId": "111122223333"
    });
    invocation["invokingEvent"] = invoking_event;
    invocation["ruleParameters"] = rule_parameters;
    invocation
}

fn change(resource_type: &str, resource_id: &str) -> Value {
    json!({
        "messageType": "ConfigurationItemChangeNotification",
        "configurationItem": {
            "resourceType": resource_type, "resourceId": resource_id,
            "configurationItemStatus": "ResourceDiscovered",
            "configurationItemCaptureTime": "2024-09-12T10:30:00.127Z"
        }
    })
}

#[test]
fn config_edge_cases() {
    // Objects in place of the double-encoded strings (hand-written test events).
    let objects = config_invocation(
        change("AWS::EC2::Instance", "i-abcd1111"),
        json!({"kind": "is-clear"}),
    );
    let event = event(&bytes(&objects));
    let EventKind::ConfigInvocation(invocation) = &event.kind else {
        panic!("expected a Config invocation");
    };
    assert_eq!(
        invocation.rule_parameters.as_ref().map(RuleParameters::raw),
        Some(r#"{"kind":"is-clear"}"#)
    );
    assert_eq!(
        invocation
            .resource
            .as_ref()
            .map(|resource| resource.status.clone()),
        Some(ward_events::ConfigItemStatus::ResourceDiscovered)
    );
    assert_eq!(event.region.as_deref(), Some("eu-west-1"));

    // Parameters that are not JSON are kept, with the error, for the decision to report.
    let invalid = config_invocation(
        json!(change("AWS::EC2::Instance", "i-abcd1111").to_string()),
        json!("{kind: oops}"),
    );
    let event = super::support::event(&bytes(&invalid));
    let EventKind::ConfigInvocation(invocation) = &event.kind else {
        panic!("expected a Config invocation");
    };
    assert!(matches!(
        invocation.rule_parameters.as_ref(),
        Some(RuleParameters::Invalid { raw, .. }) if raw == "{kind: oops}"
    ));

    // Empty parameters are no parameters.
    let empty = config_invocation(
        json!(change("AWS::EC2::Instance", "i-abcd1111").to_string()),
        json!(""),
    );
    let event = super::support::event(&bytes(&empty));
    let EventKind::ConfigInvocation(invocation) = &event.kind else {
        panic!("expected a Config invocation");
    };
    assert_eq!(invocation.rule_parameters, None);

    // Other resource types carry no instance.
    let bucket = config_invocation(
        json!(change("AWS::S3::Bucket", "my-bucket").to_string()),
        Value::Null,
    );
    assert_eq!(super::support::event(&bytes(&bucket)).instance_id(), None);

    let reasons = |value: Value| quarantined(&bytes(&value)).reason.to_string();
    assert_eq!(
        reasons(config_invocation(
            json!(change("AWS::EC2::Instance", "web-1").to_string()),
            Value::Null
        )),
        "Config rule invocation: invokingEvent.configurationItem.resourceId \"web-1\" is not a valid EC2 instance ID; refusing to guess which instance is meant"
    );
    assert_eq!(
        reasons(config_invocation(json!("{not json"), Value::Null)),
        "Config rule invocation: invokingEvent does not hold a JSON object: key must be a string at line 1 column 2"
    );
    assert_eq!(
        reasons(config_invocation(
            json!({"messageType": "SomethingNew"}),
            Value::Null
        )),
        "Config rule invocation: unsupported messageType \"SomethingNew\""
    );
    assert_eq!(
        reasons(config_invocation(
            json!({"messageType": "ConfigurationItemChangeNotification"}),
            Value::Null
        )),
        "Config rule invocation: invokingEvent.configurationItem is missing"
    );
    let mut no_token =
        config_invocation(json!({"messageType": "ScheduledNotification"}), Value::Null);
    no_token["resultToken"] = Value::Null;
    assert_eq!(
        reasons(no_token),
        "Config rule invocation: resultToken is missing"
    );
}

#[test]
fn positions_display_and_compare() {
    let nested = Position::at(Item::Line(7)).then(Step::SqsRecord {
        index: 2,
        message_id: Some("m".to_owned()),
    });
    assert_eq!(nested.to_string(), "line 7, Records[2].body");
    assert_eq!(nested.sqs_message_id(), Some("m"));
    assert_eq!(
        Position::at(Item::Record(3))
            .then(Step::Finding(1))
            .to_string(),
        "record 3, detail.findings[1]"
    );
    assert_eq!(Position::input().to_string(), "input");
    assert_eq!(
        Position::input().then(Step::LogRecord(0)).to_string(),
        "Records[0]"
    );
}

#[test]
fn batch_inside_json_lines() {
    let batch = json!({"Records": [
        {"messageId": "m-0", "body": serde_json::to_string(&guardduty("f1", "i-abcd1111")).expect("json")},
        {"messageId": "m-1", "body": ""}
    ]});
    let mut input = bytes(&json!({"hello": 1}));
    input.push(b'\n');
    input.extend(bytes(&batch));
    let parsed = parse(&input);
    let summary: Vec<String> = parsed
        .iter()
        .map(|item| format!("{} {}", item.position(), item.event().is_some()))
        .collect();
    assert_eq!(
        summary,
        [
            "line 1 false",
            "line 2, Records[0].body true",
            "line 2, Records[1].body false"
        ]
    );
    assert_eq!(reasons(&input)[1], "empty input");
}
