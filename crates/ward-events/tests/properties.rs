//! Properties: `parse` never panics, whatever the bytes or the JSON; a quarantined item keeps the
//! text it came from; every non-blank line of a JSON-lines input is accounted for.

use crate::support::{contains, fixture};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use ward_events::{Item, Parsed, Position, parse};

/// Keys and strings that steer the parser into its shapes, so arbitrary JSON reaches deep code.
const KEYS: &[&str] = &[
    "detail-type",
    "source",
    "detail",
    "id",
    "account",
    "region",
    "time",
    "resources",
    "Records",
    "body",
    "messageId",
    "eventSource",
    "Sns",
    "Message",
    "MessageId",
    "Type",
    "invokingEvent",
    "ruleParameters",
    "resultToken",
    "configRuleName",
    "messageType",
    "configurationItem",
    "configurationItemSummary",
    "resourceType",
    "resourceId",
    "eventName",
    "findingArn",
    "findings",
    "resourcesAffected",
    "s3Bucket",
    "name",
    "resource",
    "service",
    "instanceDetails",
    "instanceId",
    "instance-id",
    "state",
    "type",
    "severity",
    "status",
    "Resources",
    "Id",
    "ProductArn",
    "Types",
    "ProductFields",
    "Vulnerabilities",
    "packageVulnerabilityDetails",
    "vulnerabilityId",
    "count",
    "updatedAt",
    "launchTime",
];

const STRINGS: &[&str] = &[
    "GuardDuty Finding",
    "Inspector2 Finding",
    "Macie Finding",
    "Security Hub Findings - Imported",
    "AWS API Call via CloudTrail",
    "EC2 Instance State-change Notification",
    "Scheduled Event",
    "aws.guardduty",
    "aws.inspector2",
    "aws.macie",
    "aws.securityhub",
    "aws.ec2",
    "aws.events",
    "aws:sqs",
    "aws:s3",
    "Notification",
    "Instance",
    "AWS_EC2_INSTANCE",
    "AwsEc2Instance",
    "AWS::EC2::Instance",
    "ConfigurationItemChangeNotification",
    "OversizedConfigurationItemChangeNotification",
    "ScheduledNotification",
    "i-abcd1111",
    "i-0123456789abcdef0",
    "i-ABCD1111",
    "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111",
    "arn:aws:securityhub:us-east-1::product/aws/guardduty",
    "arn:aws:securityhub:us-east-1::product/aws/inspector",
    "TTPs/Discovery/Recon:EC2-PortProbe",
    "CVE-2024-29069",
    "2024-09-04T16:59:44.356Z",
    "Wed Sep 04 16:59:44.356 UTC 2024",
    "{}",
    "",
    "{\"detail-type\":\"GuardDuty Finding\",\"detail\":{}}",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|number| json!(number)),
        prop::sample::select(STRINGS).prop_map(|text| Value::String(text.to_owned())),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect::<Map<String, Value>>(),
                )
            }),
        ]
    })
}

/// A value, or the same value double-encoded (as SQS bodies and Config strings are).
fn maybe_encoded(value: Value) -> Value {
    match &value {
        Value::Object(map) if map.len() % 2 == 1 => Value::String(value.to_string()),
        _ => value,
    }
}

/// Checks that hold for every result: positions display, quarantines say why and keep text.
fn check(input: &[u8], parsed: &[Parsed]) {
    for item in parsed {
        let _ = item.position().to_string();
        if let Parsed::Quarantined(quarantined) = item {
            assert!(!quarantined.reason.to_string().is_empty());
            if quarantined.raw.is_empty() {
                assert_eq!(quarantined.reason, ward_events::QuarantineReason::Empty);
            }
        }
    }
    if input.trim_ascii().is_empty() {
        assert_eq!(parsed.len(), 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2048,
        // Integration tests have no lib.rs for proptest to put regressions beside.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn never_panics_on_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..512)) {
        let parsed = parse(&input);
        check(&input, &parsed);
        prop_assert!(!parsed.is_empty());
        // Arbitrary bytes hold no JSON strings to decode: every quarantined text is part of the input.
        for quarantined in parsed.iter().filter_map(Parsed::quarantined) {
            prop_assert!(contains(&input, &quarantined.raw));
        }
    }

    #[test]
    fn never_panics_on_arbitrary_text(input in "[\\[\\]{}\":,0-9a-z \\n\\\\-]{0,200}") {
        let parsed = parse(input.as_bytes());
        check(input.as_bytes(), &parsed);
        for quarantined in parsed.iter().filter_map(Parsed::quarantined) {
            prop_assert!(contains(input.as_bytes(), &quarantined.raw));
        }
    }

    #[test]
    fn never_panics_on_arbitrary_json(value in json_value().prop_map(maybe_encoded)) {
        let compact = serde_json::to_vec(&value).expect("serializes");
        check(&compact, &parse(&compact));
        let pretty = serde_json::to_vec_pretty(&value).expect("serializes");
        check(&pretty, &parse(&pretty));
        let lines = [compact.as_slice(), b"\n", pretty.as_slice()].concat();
        check(&lines, &parse(&lines));
    }

    #[test]
    fn never_panics_on_arbitrary_envelopes(
        detail in json_value(),
        detail_type in prop::sample::select(STRINGS),
        source in prop::sample::select(STRINGS),
        wrap in 0..3usize,
    ) {
        let event = json!({"detail-type": detail_type, "source": source, "id": "e", "detail": detail});
        let input = match wrap {
            0 => event,
            1 => json!({"Records": [{"messageId": "m", "body": event.to_string()}]}),
            _ => json!({"Type": "Notification", "Message": event.to_string()}),
        };
        let bytes = serde_json::to_vec(&input).expect("serializes");
        let parsed = parse(&bytes);
        check(&bytes, &parsed);
        prop_assert!(!parsed.is_empty());
        if wrap == 1 {
            prop_assert!(parsed.iter().all(|item| item.sqs_message_id() == Some("m")));
        }
    }

    #[test]
    fn a_quarantined_single_item_keeps_the_whole_input(
        input in "[^\\[\\n]{1,120}".prop_filter("no byte order mark", |text| !text.starts_with('\u{feff}')),
    ) {
        let parsed = parse(input.as_bytes());
        prop_assert_eq!(parsed.len(), 1);
        if let Parsed::Quarantined(quarantined) = &parsed[0] {
            prop_assert_eq!(&quarantined.position, &Position::input());
            prop_assert_eq!(quarantined.raw.as_slice(), input.as_bytes().trim_ascii());
        }
    }

    #[test]
    fn json_lines_account_for_every_line(
        lines in prop::collection::vec(prop_oneof![
            Just(String::new()),
            "[a-z{}\":, ]{1,40}",
            Just(String::from_utf8_lossy(fixture!("ward-guardduty-finding-ec2-current-format.json")).replace('\n', "")),
        ], 1..12),
    ) {
        // The first line must be a complete value for the input to be read as JSON lines.
        let mut all = vec!["{\"hello\": 1}".to_owned()];
        all.extend(lines);
        let input = all.join("\n");
        let parsed = parse(input.as_bytes());
        // A single line (whatever blank lines surround it) is the whole input.
        let expected: Vec<Position> = if input.trim().contains('\n') {
            all.iter()
                .enumerate()
                .filter(|(_, line)| !line.trim().is_empty())
                .map(|(index, _)| Position::at(Item::Line(index + 1)))
                .collect()
        } else {
            vec![Position::input()]
        };
        let got: Vec<Position> = parsed.iter().map(|item| item.position().clone()).collect();
        prop_assert_eq!(got, expected);
        for quarantined in parsed.iter().filter_map(Parsed::quarantined) {
            let line = match quarantined.position.item {
                Item::Line(line) => line,
                _ => 1,
            };
            prop_assert_eq!(quarantined.raw.as_slice(), all[line - 1].trim().as_bytes());
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        which in 0..6usize,
    ) {
        let fixtures: [&[u8]; 6] = [
            fixture!("ward-sqs-batch-guardduty.json"),
            fixture!("ward-securityhub-findings-imported.json"),
            fixture!("config-rule-invocation-ec2-change.awsdocs.json"),
            fixture!("ward-events.jsonl"),
            fixture!("ward-inspector2-package-vulnerability-ec2.json"),
            fixture!("cloudtrail-logfile-error-updatetrail.awsdocs.json"),
        ];
        let original = fixtures[which];
        let mut input = original[..cut.index(original.len() + 1)].to_vec();
        if !input.is_empty() {
            for (at, byte) in flips {
                let at = at.index(input.len());
                input[at] = byte;
            }
        }
        let parsed = parse(&input);
        check(&input, &parsed);
        prop_assert!(!parsed.is_empty());
    }
}
