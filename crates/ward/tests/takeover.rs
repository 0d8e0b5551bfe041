//! A worker that stops between claiming an action and settling it (killed, out of memory, the
//! Lambda timed out) leaves a claim in flight. Once its lease is over the next delivery takes it
//! over, and checks the manager before acting: the scan that ran is not run again, the one that
//! never ran is run once.

use crate::support::{Sim, stderr, ward_with, workdir};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};
use ward_core::{ActionKey, ActionStatus, Claim, ClaimRequest, ComputerId, ManagerApi, ScanKind};

const INSTANCE: &str = "i-0feed5eed5eed5ee1";
const FINDING: &str = "gd-takeover-1";

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn claim(action: &str, computer_id: i64, now: i64) -> ClaimRequest {
    ClaimRequest {
        key: ActionKey {
            finding: FINDING.into(),
            target: format!("computer:{computer_id}"),
            action: action.into(),
        },
        coalesce: Some(format!("{action}:computer:{computer_id}")),
        now,
        cooldown_ms: 24 * 3_600_000,
        lease_ms: 1_000,
    }
}

#[test]
fn a_stopped_workers_claims_are_checked_before_they_are_done_again() {
    let sim = Sim::start(&[
        "--fleet",
        "20",
        "--scan-delay-ms",
        "0",
        "--protect",
        INSTANCE,
    ]);
    let (dir, config) = workdir(&sim.base_url, "");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("[respond]\nlease_secs = 1\n");
    std::fs::write(&config, text).unwrap();
    let ward_in = |args: &[&str]| ward_with(&config, dir.path(), args);
    let sync = ward_in(&["sync"]);
    assert!(sync.status.success(), "{}", stderr(&sync));
    let inventory = ward_in(&["inventory", "--output", "json"]);
    let computers: Vec<Value> = serde_json::from_slice(&inventory.stdout).unwrap();
    let computer_id = computers
        .iter()
        .find(|c| c["instance_id"] == INSTANCE)
        .and_then(|c| c["computer_id"].as_i64())
        .expect("the protected instance is a computer");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store_url = format!("sqlite://{}", dir.path().join("ward.db").display());
    runtime.block_on(async {
        // The stopped worker claimed both scans two seconds ago (its one-second lease is over:
        // the claims are dated, nobody waits); it ran the integrity scan and stopped before
        // settling it, and never started the recommendation scan.
        let store = ward_store::open(&store_url).await.unwrap();
        let claimed_at = now_ms() - 2_000;
        for action in ["scan-recommendations-applied", "scan-integrity"] {
            let answer = store
                .claim(&claim(action, computer_id, claimed_at))
                .await
                .unwrap();
            assert!(matches!(answer, Claim::Proceed(_)), "{answer:?}");
        }
        let manager = ward_manager::connect(ward_manager::ClientConfig::new(
            sim.base_url.parse().unwrap(),
            ward_core::Secret::new("ward-sim-full-access".to_owned()),
        ))
        .unwrap();
        manager
            .run_scan(
                ScanKind::Integrity,
                ComputerId(computer_id),
                "stopped worker",
            )
            .await
            .unwrap();
    });

    let finding = json!({
        "version": "0", "id": "env-takeover", "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "111122223333", "time": "2024-09-10T04:06:33Z",
        "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": FINDING, "type": "UnauthorizedAccess:EC2/SSHBruteForce",
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": INSTANCE}},
            "service": {"archived": false, "count": 1}, "severity": 5
        }
    });
    let events = dir.path().join("finding.json");
    std::fs::write(&events, finding.to_string()).unwrap();
    let handled = ward_in(&["handle", events.to_str().unwrap(), "--output", "json"]);
    assert!(handled.status.success(), "{}", stderr(&handled));

    let actions: Vec<Value> = runtime.block_on(async {
        let url = sim.base_url.trim_end_matches("/api").to_owned() + "/_sim/actions";
        reqwest::get(&url).await.unwrap().json().await.unwrap()
    });
    let count = |kind: &str| {
        actions
            .iter()
            .filter(|a| a["kind"] == kind && a["computerID"] == computer_id)
            .count()
    };
    assert_eq!(
        count("scan-for-integrity-changes"),
        1,
        "the integrity scan the stopped worker ran is not repeated: {actions:?}"
    );
    assert_eq!(
        count("scan-for-recommendations"),
        1,
        "the recommendation scan it never ran is run once: {actions:?}"
    );

    let ledger = runtime.block_on(async {
        let store = ward_store::open(&store_url).await.unwrap();
        store.actions(100).await.unwrap()
    });
    let row = |action: &str| {
        ledger
            .iter()
            .find(|row| row.finding == FINDING && row.action == action)
            .unwrap_or_else(|| panic!("no {action} in {ledger:?}"))
    };
    let integrity = row("scan-integrity");
    assert_eq!(integrity.status, ActionStatus::Done);
    assert_eq!(integrity.attempts, 2);
    assert!(
        integrity
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("ran after the claim") && d.contains("taking over")),
        "{integrity:?}"
    );
    let recommendation = row("scan-recommendations-applied");
    assert_eq!(recommendation.status, ActionStatus::Done);
    assert!(
        recommendation
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("scheduled task")),
        "{recommendation:?}"
    );
}
