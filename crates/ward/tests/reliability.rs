//! 1,000 GuardDuty and Inspector findings against a simulator where 20% of calls fail (429, 500,
//! 503, slow answers, connection resets): after redelivering what failed, every required action
//! is in the simulator's action log exactly once, none is missing, and the ledger agrees.

use crate::support::{Sim, stderr, ward, workdir};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

const CVES: [&str; 4] = [
    "CVE-2024-29069",
    "CVE-2017-5638",
    "CVE-2014-6271",
    "CVE-2021-44228",
];
const GUARDDUTY_TYPES: [&str; 6] = [
    "Recon:EC2/PortProbeUnprotectedPort",
    "Trojan:EC2/DNSDataExfiltration",
    "UnauthorizedAccess:EC2/SSHBruteForce",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "Backdoor:EC2/C&CActivity.B!DNS",
    "Behavior:EC2/NetworkPortUnusual",
];

fn run(dir: &Path, config: &Path, args: &[&str]) -> Output {
    ward()
        .arg("--config")
        .arg(config)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("ward runs")
}

fn guardduty(index: usize, instance_id: &str) -> Value {
    json!({
        "version": "0", "id": format!("envelope-{index}"), "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "111122223333", "time": "2024-09-10T04:06:33Z",
        "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": format!("gd-finding-{index:04}"), "type": GUARDDUTY_TYPES[index % GUARDDUTY_TYPES.len()],
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance_id}},
            "service": {"archived": false, "count": 1}, "severity": 5
        }
    })
}

fn inspector(index: usize, instance_id: &str) -> Value {
    json!({
        "version": "0", "id": format!("envelope-i-{index}"), "detail-type": "Inspector2 Finding",
        "source": "aws.inspector2", "account": "111122223333", "time": "2024-09-12T08:14:02Z",
        "region": "us-east-1", "resources": [instance_id],
        "detail": {
            "awsAccountId": "111122223333",
            "findingArn": format!("arn:aws:inspector2:us-east-1:111122223333:finding/{index:032x}"),
            "type": "PACKAGE_VULNERABILITY", "status": "ACTIVE", "severity": "HIGH",
            "resources": [{"type": "AWS_EC2_INSTANCE", "id": instance_id, "region": "us-east-1"}],
            "packageVulnerabilityDetails": {"vulnerabilityId": CVES[index % CVES.len()], "source": "NVD"}
        }
    })
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect()
}

/// (kind, target) of the actions in results that have `status`.
fn actions_with(results: &[Value], status: &str) -> Vec<(String, String, String)> {
    results
        .iter()
        .flat_map(|result| result["actions"].as_array().cloned().unwrap_or_default())
        .filter(|action| action["status"] == status)
        .map(|action| {
            (
                action["kind"].as_str().unwrap_or_default().to_owned(),
                action["target"].as_str().unwrap_or_default().to_owned(),
                action["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_thousand_findings_under_faults_act_exactly_once() {
    let sim = Sim::start(&[
        "--fleet",
        "300",
        "--seed",
        "5",
        "--scan-delay-ms",
        "0",
        "--fault-rate",
        "0.2",
        "--fault-kinds",
        "429,500,503,slow,reset",
    ]);
    let (dir, config) = workdir(&sim.base_url, "max_attempts = 12\ntimeout_secs = 5");
    let dir_path = dir.path();
    let synced = (0..5).any(|_| run(dir_path, &config, &["sync"]).status.success());
    assert!(synced, "sync never got through the faults");
    let inventory = run(dir_path, &config, &["inventory", "--output", "json"]);
    assert!(inventory.status.success(), "{}", stderr(&inventory));
    let computers: Vec<Value> = serde_json::from_slice(&inventory.stdout).unwrap();
    let instances: Vec<String> = computers
        .iter()
        .filter(|c| c["protected"] == true)
        .filter_map(|c| c["instance_id"].as_str().map(str::to_owned))
        .take(50)
        .collect();
    assert_eq!(instances.len(), 50);

    let mut events = String::new();
    for index in 0..700 {
        events.push_str(&guardduty(index, &instances[index % instances.len()]).to_string());
        events.push('\n');
    }
    for index in 0..300 {
        events.push_str(&inspector(index, &instances[(index * 7) % instances.len()]).to_string());
        events.push('\n');
    }
    let file = dir_path.join("findings.jsonl");
    std::fs::write(&file, events).unwrap();
    let file = file.to_str().unwrap();

    // The plan, without faults in the way (known instances need no manager call to decide).
    let plan = run(
        dir_path,
        &config,
        &["handle", "--dry-run", "--output", "json", file],
    );
    assert!(plan.status.success(), "{}", stderr(&plan));
    let planned = lines(&plan);
    assert_eq!(planned.len(), 1000);
    let expected: BTreeSet<(String, String)> = actions_with(&planned, "planned")
        .into_iter()
        .filter(|(kind, _, _)| kind.starts_with("scan-") || kind == "assign-ips-rules")
        .map(|(kind, target, detail)| {
            if kind == "assign-ips-rules" {
                // One effect per target and rule set, whichever CVEs the rules cover.
                let rules = detail
                    .split(" (covering")
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                (kind, rules)
            } else {
                (kind, target)
            }
        })
        .collect();
    let expected_scans: BTreeMap<&str, BTreeSet<&str>> =
        expected
            .iter()
            .fold(BTreeMap::new(), |mut map, (kind, target)| {
                if kind.starts_with("scan-") {
                    map.entry(kind.as_str())
                        .or_default()
                        .insert(target.as_str());
                }
                map
            });
    let expected_policy_assignments = expected
        .iter()
        .filter(|(kind, rules)| kind == "assign-ips-rules" && rules.contains(" to policy "))
        .count();
    // Computers without a policy get the rules themselves.
    let mut direct: BTreeMap<String, usize> = BTreeMap::new();
    for (kind, rules) in &expected {
        if let Some(computer) = rules
            .split(" to computer ")
            .nth(1)
            .filter(|_| kind == "assign-ips-rules")
        {
            *direct.entry(computer.to_owned()).or_default() += 1;
        }
    }

    // Deliver until nothing fails (as a queue redelivers).
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds <= 10, "still failing after 10 deliveries");
        let output = run(
            dir_path,
            &config,
            &["handle", "--output", "json", "--concurrency", "8", file],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let results = lines(&output);
        assert_eq!(results.len(), 1000);
        let failed = actions_with(&results, "failed").len()
            + results.iter().filter(|r| r["decision"] == "failed").count();
        if failed == 0 {
            break;
        }
    }

    // The simulator's log: each scan once per computer and kind, each policy assignment once.
    let url = sim.base_url.trim_end_matches("/api").to_owned() + "/_sim/actions";
    let log: Vec<Value> = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { reqwest::get(&url).await?.json().await })
        .unwrap();
    let task_kind = |scan: &str| match scan {
        "scan-recommendations-applied" => "scan-for-recommendations",
        "scan-integrity" => "scan-for-integrity-changes",
        "scan-malware" => "scan-for-malware",
        other => panic!("unexpected scan {other}"),
    };
    for (scan, targets) in &expected_scans {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for action in log
            .iter()
            .filter(|action| action["kind"] == task_kind(scan))
        {
            *seen
                .entry(format!("computer:{}", action["computerID"]))
                .or_default() += 1;
        }
        let wanted: BTreeMap<String, usize> = targets
            .iter()
            .map(|target| ((*target).to_owned(), 1))
            .collect();
        assert_eq!(seen, wanted, "{scan}: simulator log vs plan");
    }
    let policy_assignments: Vec<&Value> = log
        .iter()
        .filter(|action| action["kind"] == "assign-ips-rules" && action.get("policyID").is_some())
        .collect();
    assert_eq!(
        policy_assignments.len(),
        expected_policy_assignments,
        "{policy_assignments:?}"
    );
    let mut applied: BTreeMap<String, usize> = BTreeMap::new();
    for action in log
        .iter()
        .filter(|a| a["kind"] == "assign-ips-rules" && a.get("computerID").is_some())
    {
        *applied.entry(action["computerID"].to_string()).or_default() += 1;
    }
    for (computer, count) in &applied {
        let allowed = 1 + direct.get(computer).copied().unwrap_or_default();
        assert!(
            *count <= allowed,
            "computer {computer} got rules {count} times: {applied:?}"
        );
    }

    // The ledger agrees: one done row per scan and computer, every other row folded into one.
    let ledger = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = ward_store::open(&format!("sqlite://{}", dir_path.join("ward.db").display()))
            .await
            .unwrap();
        store.actions(100_000).await.unwrap()
    });
    for (scan, targets) in &expected_scans {
        let done: BTreeSet<&str> = ledger
            .iter()
            .filter(|row| row.action == *scan && row.status == ward_core::ActionStatus::Done)
            .map(|row| row.target.as_str())
            .collect();
        assert_eq!(&done, targets, "{scan}: ledger vs plan");
        let rows = ledger.iter().filter(|row| row.action == *scan).count();
        let done_rows = ledger
            .iter()
            .filter(|row| row.action == *scan && row.status == ward_core::ActionStatus::Done)
            .count();
        assert_eq!(
            done_rows,
            targets.len(),
            "{scan}: one done row per computer"
        );
        assert!(rows >= done_rows);
    }
    assert!(
        ledger.iter().all(|row| matches!(
            row.status,
            ward_core::ActionStatus::Done | ward_core::ActionStatus::Coalesced
        )),
        "nothing left requested or failed"
    );
}
