//! Every file of the shared AWS samples (`shared/samples/aws/`, beside the workspace) is parsed or
//! quarantined with a sensible reason. The directory is optional: without it the test says so
//! loudly and passes. `WARD_AWS_SAMPLES` points elsewhere.

use std::path::{Path, PathBuf};
use ward_events::{EventKind, Parsed, QuarantineReason, Source, parse};

fn samples_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("WARD_AWS_SAMPLES").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples/aws")),
        Some(PathBuf::from("/work/shared/samples/aws")),
    ];
    candidates.into_iter().flatten().find(|dir| dir.is_dir())
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
        "inspector2-finding-ec2-network-reachability.awsdocs-2024.json"
        | "inspector2-finding-ec2-package-vulnerability.awsdocs-2024.json" => {
            Events(&[Source::Inspector2])
        }
        // The body of this fixture is the literal text "Message Body".
        "aws-lambda-events-fixture-sqs-event.json" => Quarantined("not valid JSON"),
        // AWS truncated its example before resourcesAffected.
        "macie-finding-policy.eventbridge-docs-truncated.json" => {
            Quarantined("resourcesAffected.s3Bucket.name is missing")
        }
        // The documentation's placeholder `[AMAZON_FINDING_JSON]` is not JSON.
        "securityhub-findings-imported-envelope.awsdocs.txt" => Quarantined("not valid JSON"),
        "README.md" => Quarantined("not valid JSON"),
        _ => return None,
    })
}

#[test]
#[allow(
    clippy::print_stderr,
    reason = "a skipped check must be visible in the test output"
)]
fn every_shared_sample_is_parsed_or_quarantined_sensibly() {
    let Some(dir) = samples_dir() else {
        eprintln!(
            "SKIPPED every_shared_sample_is_parsed_or_quarantined_sensibly: no shared/samples/aws \
             directory (set WARD_AWS_SAMPLES to check the samples)"
        );
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("samples directory")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
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
            // A sample added later: reported one way or the other is all that can be said.
            None => {}
        }
    }
}

#[test]
fn aws_documentation_inspector_samples_read_their_odd_timestamps() {
    let Some(dir) = samples_dir() else {
        return;
    };
    let path = dir.join("inspector2-finding-ec2-package-vulnerability.awsdocs-2024.json");
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let parsed = parse(&bytes);
    let event = parsed[0].event().expect("an event");
    let EventKind::Inspector2Finding(finding) = &event.kind else {
        panic!("expected an Inspector finding");
    };
    assert_eq!(finding.cves, ["CVE-2024-29069"]);
    assert_eq!(finding.status, ward_events::InspectorStatus::Closed);
    assert_eq!(
        finding.instance_id.as_ref().map(|id| id.as_str()),
        Some("i-12345678901234567")
    );
    assert_eq!(
        finding
            .first_observed_at
            .map(|time| time.to_string())
            .as_deref(),
        Some("2024-09-04T16:59:44.356Z")
    );
}
