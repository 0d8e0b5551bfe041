//! Every public AWS sample the project keeps (`tests/fixtures/`, copied verbatim with origin and
//! licence in `tests/fixtures/README.md`) is parsed or quarantined with a sensible reason. Only the
//! repository's own files are read.

use std::path::{Path, PathBuf};
use ward_events::{Parsed, QuarantineReason, Source, parse};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The copied public samples: every fixture not written for ward (`ward-*`) and not the README.
fn public_samples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            path.is_file()
                && path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| !name.starts_with("ward-") && name != "README.md")
        })
        .collect();
    files.sort();
    files
}

/// What a sample must give: the sources of its events, or a quarantine whose reason contains the text.
enum Expect {
    Events(&'static [Source]),
    Quarantined(&'static str),
}

fn expectation(name: &str) -> Option<Expect> {
    use Expect::{Events, Quarantined};
    Some(match name {
        "aws-lambda-events-fixture-cloudtrail-assumed-role.json"
        | "cloudtrail-logfile-ec2-startinstances.awsdocs.json"
        | "cloudtrail-logfile-error-updatetrail.awsdocs.json" => Events(&[Source::CloudTrail]),
        "aws-lambda-events-fixture-config-event.json"
        | "config-rule-invocation-ec2-change.awsdocs.json"
        | "config-rule-invocation-ec2-oversized.awsdocs.json"
        | "config-rule-invocation-periodic.awsdocs.json" => Events(&[Source::Config]),
        "aws-lambda-events-fixture-eventbridge-ec2-state.json" => Events(&[Source::Ec2]),
        "aws-lambda-events-fixture-eventbridge-schedule.json" => Events(&[Source::Scheduled]),
        "guardduty-finding-detail-only-ec2.aws-samples.json"
        | "guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json" => {
            Events(&[Source::GuardDuty])
        }
        // The body of this fixture is the literal text "Message Body".
        "aws-lambda-events-fixture-sqs-event.json" => Quarantined("not valid JSON"),
        // AWS truncated its example before resourcesAffected.
        "macie-finding-policy.eventbridge-docs-truncated.json" => {
            Quarantined("resourcesAffected.s3Bucket.name is missing")
        }
        _ => return None,
    })
}

#[test]
fn every_public_sample_is_parsed_or_quarantined_sensibly() {
    let files = public_samples();
    assert!(files.len() >= 10, "public samples missing: {files:?}");
    for path in files {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        let bytes = std::fs::read(&path).expect("sample readable");
        let parsed = parse(&bytes);
        assert!(!parsed.is_empty(), "{name}: nothing reported");
        for item in &parsed {
            if let Parsed::Quarantined(quarantined) = item {
                let reason = quarantined.reason.to_string();
                assert!(reason.len() > 10, "{name}: reason too terse: {reason:?}");
                assert!(
                    !quarantined.raw.is_empty() || quarantined.reason == QuarantineReason::Empty
                );
            }
        }
        match expectation(name) {
            Some(Expect::Events(sources)) => {
                let got: Vec<Source> = parsed
                    .iter()
                    .map(|item| match item {
                        Parsed::Event { event, .. } => event.source,
                        Parsed::Quarantined(quarantined) => panic!(
                            "{name}: quarantined at {}: {}",
                            quarantined.position, quarantined.reason
                        ),
                    })
                    .collect();
                assert_eq!(got, sources, "{name}");
            }
            Some(Expect::Quarantined(text)) => {
                assert_eq!(parsed.len(), 1, "{name}: {parsed:#?}");
                let quarantined = parsed[0].quarantined().unwrap_or_else(|| {
                    panic!("{name}: expected a quarantine, got {:#?}", parsed[0])
                });
                let reason = quarantined.reason.to_string();
                assert!(
                    reason.contains(text),
                    "{name}: reason {reason:?} lacks {text:?}"
                );
            }
            None => panic!("{name}: a copied sample needs its expectation here"),
        }
    }
}
