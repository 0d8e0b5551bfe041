//! The SQS path end to end, against moto and the simulator: an EventBridge rule sends GuardDuty
//! and Inspector findings to a queue, `ward run` drains it, acts on the simulator, and deletes
//! what it handled; a message that is not an event is quarantined and deleted, not retried.

use crate::support::{
    Sim, create_queue, moto_sdk, moto_url, queue_depth, queue_with_dead_letters, spawn_run,
    sqs_config, ward_with,
};
use serde_json::Value;
use std::path::Path;
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
        let (url, arn) = create_queue(&sqs, &format!("ward-events-{suffix}"), &[]).await;
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
    let config = sqs_config(dir.path(), &sim.base_url, &moto, &queue_url, 30, "");
    let sync = ward_with(&config, dir.path(), &["sync"]);
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let (mut run, banner) = spawn_run(&config, dir.path(), None);
    assert!(banner.contains("1 SQS queue"), "{banner}");

    let actions_url = sim.base_url.trim_end_matches("/api").to_owned() + "/_sim/actions";
    let started = Instant::now();
    let (log, remaining) = loop {
        let (log, remaining) = runtime.block_on(async {
            let log: Vec<Value> = reqwest::get(&actions_url)
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let sdk = moto_sdk(&moto).await;
            let (visible, in_flight) =
                queue_depth(&aws_sdk_sqs::Client::new(&sdk), &queue_url).await;
            (log, visible + in_flight)
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

/// An event that cannot be handled however often it comes (here: the manager is unreachable) is
/// left on the queue each time, and the queue's redrive policy moves it to the dead-letter queue
/// after `maxReceiveCount` receives; nothing is deleted unhandled.
#[test]
fn an_event_that_keeps_failing_reaches_the_dead_letter_queue() {
    let Some(moto) = moto_url("sqs dead-letter queue") else {
        return;
    };
    let suffix = format!("{}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (queue_url, dlq_url) = runtime.block_on(async {
        let sqs = aws_sdk_sqs::Client::new(&moto_sdk(&moto).await);
        let (url, dlq_url) =
            queue_with_dead_letters(&sqs, &format!("ward-poison-{suffix}"), 2).await;
        let mut event =
            sample("guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json");
        event["detail"]["id"] = "gd-poison-1".into();
        sqs.send_message()
            .queue_url(&url)
            .message_body(event.to_string())
            .send()
            .await
            .unwrap();
        (url, dlq_url)
    });
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: every manager call fails at once.
    let config = sqs_config(
        dir.path(),
        "http://127.0.0.1:9/api",
        &moto,
        &queue_url,
        5,
        "",
    );
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[manager]\n",
        "[manager]\nmax_attempts = 1\ntimeout_secs = 1\n",
    );
    std::fs::write(&config, text).unwrap();
    let (mut run, banner) = spawn_run(&config, dir.path(), None);
    assert!(banner.contains("1 SQS queue"), "{banner}");
    let started = Instant::now();
    let (main, dead) = loop {
        let depths = runtime.block_on(async {
            let sqs = aws_sdk_sqs::Client::new(&moto_sdk(&moto).await);
            (
                queue_depth(&sqs, &queue_url).await,
                queue_depth(&sqs, &dlq_url).await,
            )
        });
        if depths.1.0 == 1 || started.elapsed() > Duration::from_secs(90) {
            break depths;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let _ = run.kill();
    let _ = run.wait();
    // Read again now that ward is stopped: the two depths above were read one after the other,
    // and the move could fall between them.
    let (main, dead) = if dead.0 == 1 {
        runtime.block_on(async {
            let sqs = aws_sdk_sqs::Client::new(&moto_sdk(&moto).await);
            (
                queue_depth(&sqs, &queue_url).await,
                queue_depth(&sqs, &dlq_url).await,
            )
        })
    } else {
        (main, dead)
    };
    assert_eq!(dead, (1, 0), "the poison event is in the dead-letter queue");
    assert_eq!(main, (0, 0), "and no longer on the queue");
    let body = runtime.block_on(async {
        let sqs = aws_sdk_sqs::Client::new(&moto_sdk(&moto).await);
        let received = sqs
            .receive_message()
            .queue_url(&dlq_url)
            .send()
            .await
            .unwrap();
        received.messages()[0].body().unwrap().to_owned()
    });
    assert!(
        body.contains("gd-poison-1"),
        "the message, unchanged: {body}"
    );
}
