//! The SQS path end to end, against moto and the simulator: an EventBridge rule sends GuardDuty
//! and Inspector findings to a queue, `ward run` drains it, acts on the simulator, and deletes
//! what it handled; a message that is not an event is quarantined and deleted, not retried.

use crate::support::{Sim, moto_sdk, moto_url, ward};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const RECON: &str = "i-0e8dfbd8c13eca8ad";
const INSPECTED: &str = "i-0abcdef1234567890";

fn sample(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn eventbridge_to_sqs_to_ward_run_acts_once_and_empties_the_queue() {
    let Some(moto) = moto_url("sqs") else {
        return;
    };
    let sim = Sim::start(&[
        "--fleet",
        "50",
        "--scan-delay-ms",
        "0",
        "--protect",
        &format!("{RECON},{INSPECTED}"),
    ]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let suffix = format!(
        "{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    );
    let (queue_url, queue_arn) = runtime.block_on(async {
        let sdk = moto_sdk(&moto).await;
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let url = sqs
            .create_queue()
            .queue_name(format!("ward-events-{suffix}"))
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_owned();
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        let arn = attributes
            .attributes()
            .unwrap()
            .get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .unwrap()
            .clone();
        let events = aws_sdk_eventbridge::Client::new(&sdk);
        let rule = format!("ward-findings-{suffix}");
        events
            .put_rule()
            .name(&rule)
            .event_pattern(r#"{"source": ["aws.guardduty", "aws.inspector2"]}"#)
            .send()
            .await
            .unwrap();
        events
            .put_targets()
            .rule(&rule)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("ward")
                    .arn(&arn)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        for name in [
            "guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json",
            "ward-inspector2-package-vulnerability-ec2.json",
        ] {
            let event = sample(name);
            let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .source(event["source"].as_str().unwrap())
                .detail_type(event["detail-type"].as_str().unwrap())
                .detail(event["detail"].to_string())
                .build();
            let put = events.put_events().entries(entry).send().await.unwrap();
            assert_eq!(put.failed_entry_count(), 0);
        }
        sqs.send_message()
            .queue_url(&url)
            .message_body("not an event at all")
            .send()
            .await
            .unwrap();
        (url, arn)
    });
    assert!(queue_arn.starts_with("arn:aws:sqs:"));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[manager]\nurl = \"{}\"\n[store]\nurl = \"sqlite://{}\"\n\
             [aws]\nregion = \"us-east-1\"\nendpoint_url = \"{moto}\"\n\
             [[sources]]\nkind = \"sqs\"\nqueue_url = \"{queue_url}\"\nvisibility_secs = 30\n\
             [server]\nlisten = \"127.0.0.1:0\"\n",
            sim.base_url,
            dir.path().join("ward.db").display()
        ),
    )
    .unwrap();
    let sync = ward()
        .arg("--config")
        .arg(&config)
        .arg("sync")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let mut run = ward()
        .arg("--config")
        .arg(&config)
        .args(["run", "--sync-every-secs", "0"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(run.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    assert!(banner.contains("1 SQS queue"), "{banner}");

    let actions_url = sim.base_url.trim_end_matches("/api").to_owned() + "/_sim/actions";
    let started = Instant::now();
    let (log, remaining) = loop {
        let (log, remaining) = runtime.block_on(async {
            let log: Vec<Value> = reqwest::get(&actions_url).await.unwrap().json().await.unwrap();
            let sdk = moto_sdk(&moto).await;
            let attributes = aws_sdk_sqs::Client::new(&sdk)
                .get_queue_attributes()
                .queue_url(&queue_url)
                .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
                .send()
                .await
                .unwrap();
            let count = |name: aws_sdk_sqs::types::QueueAttributeName| {
                attributes.attributes().and_then(|a| a.get(&name)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
            };
            (
                log,
                count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                    + count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
            )
        });
        let scans = log
            .iter()
            .filter(|a| {
                a["kind"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("scan-for"))
            })
            .count();
        if (scans >= 2 && remaining == 0) || started.elapsed() > Duration::from_secs(60) {
            break (log, remaining);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = run.kill();
    let _ = run.wait();
    assert_eq!(
        remaining, 0,
        "every message handled and deleted (the bad one quarantined)"
    );
    let scans: Vec<&Value> = log
        .iter()
        .filter(|a| {
            a["kind"]
                .as_str()
                .is_some_and(|k| k.starts_with("scan-for"))
        })
        .collect();
    assert_eq!(
        scans.len(),
        2,
        "recommendation + integrity scan on the GuardDuty instance: {log:?}"
    );

    // The store kept the quarantined message with its reason.
    let quarantined = runtime.block_on(async {
        let store = ward_store::open(&format!(
            "sqlite://{}",
            dir.path().join("ward.db").display()
        ))
        .await
        .unwrap();
        store.quarantined(10).await.unwrap()
    });
    assert_eq!(quarantined.len(), 1, "{quarantined:?}");
    assert!(quarantined[0].origin.starts_with("sqs:"));
    assert_eq!(quarantined[0].raw, "not an event at all");
}
