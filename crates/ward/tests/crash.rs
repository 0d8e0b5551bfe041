//! The crash test: a backlog of 5,000 GuardDuty findings on an SQS queue, `ward run` killed with
//! SIGKILL halfway through, then two `ward run` processes sharing the queue to its end. Every
//! message is handled (a decision for each finding, nothing in the dead-letter queue) and no
//! action is done twice: the simulator's action log and the ledger agree, one scan per computer
//! and kind.
//!
//! The findings travel ten to a message (JSON lines, as a batching producer sends them): moto's
//! SQS costs time in proportion to the queue's length on every call, and 5,000 one-finding
//! messages take it tens of minutes to take in and hand out. Ten to a message also exercises the
//! partly handled message: a kill between its findings leaves some settled and some not, and the
//! redelivery must finish the rest without repeating the first.

use crate::support::{
    OwnMoto, Sim, moto_sdk, queue_depth, queue_with_dead_letters, spawn_run, sqs_config, stderr,
    ward_with,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use ward_core::ActionStatus;

const FINDINGS: usize = 5_000;
const PER_MESSAGE: usize = 10;
const MESSAGES: usize = FINDINGS / PER_MESSAGE;
const INSTANCES: usize = 50;
const TYPES: [&str; 3] = [
    "UnauthorizedAccess:EC2/SSHBruteForce",
    "Trojan:EC2/DNSDataExfiltration",
    "Recon:EC2/PortProbeUnprotectedPort",
];

fn instance(index: usize) -> String {
    format!("i-0c0ffee{:010x}", index % INSTANCES)
}

fn finding(index: usize) -> Value {
    json!({
        "version": "0", "id": format!("envelope-crash-{index}"), "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "111122223333", "time": "2024-09-10T04:06:33Z",
        "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": format!("gd-crash-{index:05}"), "type": TYPES[index % TYPES.len()],
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance(index)}},
            "service": {"archived": false, "count": 1}, "severity": 5
        }
    })
}

fn task_kind(action: &str) -> Option<&'static str> {
    match action {
        "scan-recommendations-applied" | "scan-recommendations" => Some("scan-for-recommendations"),
        "scan-integrity" => Some("scan-for-integrity-changes"),
        "scan-malware" => Some("scan-for-malware"),
        _ => None,
    }
}

#[test]
fn five_thousand_findings_survive_a_kill_and_act_once() {
    // A moto of its own: the backlog must not slow the other tests' queues, nor they it.
    let Some(own_moto) = OwnMoto::start("crash") else {
        return;
    };
    let moto = own_moto.url.clone();
    let protected: Vec<String> = (0..INSTANCES).map(instance).collect();
    let sim = Sim::start(&[
        "--fleet",
        "20",
        "--scan-delay-ms",
        "0",
        "--protect",
        &protected.join(","),
    ]);
    let suffix = format!("{}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sqs = runtime.block_on(async { aws_sdk_sqs::Client::new(&moto_sdk(&moto).await) });
    let (queue_url, dlq_url) = runtime.block_on(async {
        let (url, dlq_url) =
            queue_with_dead_letters(&sqs, &format!("ward-crash-{suffix}"), 20).await;
        let messages: Vec<String> = (0..MESSAGES)
            .map(|message| {
                (message * PER_MESSAGE..(message + 1) * PER_MESSAGE)
                    .map(|index| finding(index).to_string() + "\n")
                    .collect()
            })
            .collect();
        for (batch_index, batch) in messages.chunks(10).enumerate() {
            let entries = batch
                .iter()
                .enumerate()
                .map(|(index, body)| {
                    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                        .id(format!("m{batch_index}-{index}"))
                        .message_body(body)
                        .build()
                        .unwrap()
                })
                .collect();
            let sent = sqs
                .send_message_batch()
                .queue_url(&url)
                .set_entries(Some(entries))
                .send()
                .await
                .unwrap();
            assert!(sent.failed().is_empty(), "{:?}", sent.failed());
        }
        (url, dlq_url)
    });

    let dir = tempfile::tempdir().unwrap();
    // Short leases and visibility so the work of the killed process comes back within seconds.
    let config = sqs_config(
        dir.path(),
        &sim.base_url,
        &moto,
        &queue_url,
        6,
        "[respond]\nlease_secs = 10\n",
    );
    let sync = ward_with(&config, dir.path(), &["sync"]);
    assert!(sync.status.success(), "{}", stderr(&sync));

    // The first process: killed (SIGKILL, no chance to finish anything) halfway.
    let (mut first, banner) = spawn_run(&config, dir.path(), Some(&dir.path().join("run-1.log")));
    assert!(banner.contains("1 SQS queue"), "{banner}");
    let started = Instant::now();
    loop {
        let (visible, _) = runtime.block_on(queue_depth(&sqs, &queue_url));
        if visible <= (MESSAGES / 2) as u64 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "ward run made no progress: {visible} messages left"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    first.kill().unwrap();
    first.wait().unwrap();

    // Two processes share what is left, the killed one's unsettled work included.
    let runs: Vec<_> = (2..=3)
        .map(|n| {
            spawn_run(
                &config,
                dir.path(),
                Some(&dir.path().join(format!("run-{n}.log"))),
            )
            .0
        })
        .collect();
    let started = Instant::now();
    let mut empty_since = None;
    let finished = loop {
        let (visible, in_flight) = runtime.block_on(queue_depth(&sqs, &queue_url));
        if visible + in_flight == 0 {
            // Settled: still empty after the visibility timeout has passed.
            let since = *empty_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(8) {
                break true;
            }
        } else {
            empty_since = None;
        }
        if started.elapsed() > Duration::from_secs(600) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    for mut run in runs {
        let _ = run.kill();
        let _ = run.wait();
    }
    assert!(
        finished,
        "the queue did not empty: {:?}",
        runtime.block_on(queue_depth(&sqs, &queue_url))
    );
    assert_eq!(
        runtime.block_on(queue_depth(&sqs, &dlq_url)),
        (0, 0),
        "nothing went to the dead-letter queue"
    );

    // Every finding has its decision.
    let store_url = format!("sqlite://{}", dir.path().join("ward.db").display());
    let (decisions, ledger) = runtime.block_on(async {
        let store = ward_store::open(&store_url).await.unwrap();
        (
            store.decisions(100_000).await.unwrap(),
            store.actions(100_000).await.unwrap(),
        )
    });
    let decided: BTreeSet<&str> = decisions.iter().map(|d| d.event_id.as_str()).collect();
    assert_eq!(decided.len(), FINDINGS, "a decision for every finding");
    assert!(
        decisions
            .iter()
            .all(|d| d.decision == ward_core::Verdict::Respond),
        "every finding is on a protected instance"
    );

    // No action twice: each (kind, computer) once in the simulator's log.
    let log: Vec<Value> = runtime.block_on(async {
        let url = sim.base_url.trim_end_matches("/api").to_owned() + "/_sim/actions";
        reqwest::get(&url).await.unwrap().json().await.unwrap()
    });
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for action in &log {
        let target = action
            .get("computerID")
            .or_else(|| action.get("policyID"))
            .map(ToString::to_string)
            .unwrap_or_default();
        *seen
            .entry((
                action["kind"].as_str().unwrap_or_default().to_owned(),
                target,
            ))
            .or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "actions done more than once: {twice:?}");

    // The ledger agrees: its done scans are exactly the simulator's scans.
    let done: BTreeSet<(String, String)> = ledger
        .iter()
        .filter(|row| row.status == ActionStatus::Done)
        .filter_map(|row| {
            let kind = task_kind(&row.action)?;
            let computer = row.computer_id?.to_string();
            Some((kind.to_owned(), computer))
        })
        .collect();
    let scanned: BTreeSet<(String, String)> = seen
        .keys()
        .filter(|(kind, _)| kind.starts_with("scan-for"))
        .cloned()
        .collect();
    assert_eq!(done, scanned, "ledger vs simulator");
    // Each of the 50 computers got its recommendation, integrity and malware scan.
    assert_eq!(scanned.len(), INSTANCES * 3, "{scanned:?}");
    assert!(
        ledger
            .iter()
            .all(|row| matches!(row.status, ActionStatus::Done | ActionStatus::Coalesced)),
        "every claim settled: {:?}",
        ledger
            .iter()
            .filter(|row| !matches!(row.status, ActionStatus::Done | ActionStatus::Coalesced))
            .collect::<Vec<_>>()
    );
}
