//! The generated fleet: deterministic per seed, the requested size, pageable.

use crate::support::{Running, small};
use serde_json::Value;
use std::collections::BTreeSet;
use ward_sim::SimConfig;

/// Fields that move with the clock; everything else must match across runs.
const TIME_FIELDS: [&str; 8] = [
    "lastAgentCommunication",
    "lastSendPolicyRequest",
    "lastSendPolicySuccess",
    "lastManualScan",
    "lastScheduledScan",
    "lastIntegrityScan",
    "lastBaselineCreated",
    "lastRecommendationScanDate",
];

fn without_times(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for field in TIME_FIELDS {
                map.remove(field);
            }
            map.values_mut().for_each(without_times);
        }
        Value::Array(items) => items.iter_mut().for_each(without_times),
        _ => {}
    }
}

async fn computers(config: SimConfig) -> Value {
    let running = Running::start(config).await;
    let mut computers = running.get("/computers").await;
    without_times(&mut computers);
    computers
}

#[tokio::test]
async fn the_fleet_is_deterministic_per_seed() {
    let seven = computers(SimConfig { seed: 7, ..small() }).await;
    let again = computers(SimConfig { seed: 7, ..small() }).await;
    let eight = computers(SimConfig { seed: 8, ..small() }).await;
    assert_eq!(seven, again);
    assert_ne!(seven, eight);
    assert_eq!(seven["computers"].as_array().map(Vec::len), Some(50));
}

#[tokio::test]
async fn two_thousand_computers_with_seed_7_page_through_exactly_once() {
    let running = Running::start(SimConfig {
        fleet: 2000,
        seed: 7,
        protect: vec!["i-0aaaaaaaaaaaaaaa1".into()],
        unprotected: vec!["i-0bbbbbbbbbbbbbbb2".into()],
        ..SimConfig::default()
    })
    .await;
    assert_eq!(running.sim.computer_count(), 2002);
    let ids = running.all_computer_ids(500).await;
    assert_eq!(ids.len(), 2002);
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "ID order");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 2002);

    let all = running.get("/computers").await;
    let computers = all["computers"].as_array().expect("computers");
    let status = |c: &Value| {
        c["computerStatus"]["agentStatus"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let statuses: BTreeSet<String> = computers.iter().map(status).collect();
    for expected in ["active", "inactive", "warning", "error"] {
        assert!(statuses.contains(expected), "{statuses:?}");
    }
    let without_agent = computers
        .iter()
        .filter(|c| c["agentVersion"] == "0.0.0.0")
        .count();
    assert!((100..300).contains(&without_agent), "{without_agent}");
    let agent_only = computers
        .iter()
        .filter(|c| c.get("ec2VirtualMachineSummary").is_none())
        .filter(|c| c["noConnectorVirtualMachineSummary"]["instanceID"].is_string())
        .count();
    assert!(agent_only > 50, "{agent_only}");
    let platforms: BTreeSet<&str> = computers
        .iter()
        .filter_map(|c| c["platform"].as_str())
        .collect();
    assert!(platforms.iter().any(|p| p.contains("Windows Server 2022")));
    assert!(platforms.iter().any(|p| p.starts_with("Amazon Linux 2 ")));
    assert!(platforms.iter().any(|p| p.starts_with("Ubuntu")));
    let protected = computers
        .iter()
        .find(|c| c["ec2VirtualMachineSummary"]["instanceID"] == "i-0aaaaaaaaaaaaaaa1")
        .expect("the protected instance");
    assert_eq!(protected["computerStatus"]["agentStatus"], "active");
    assert_ne!(protected["agentVersion"], "0.0.0.0");
    let unprotected = computers
        .iter()
        .find(|c| c["ec2VirtualMachineSummary"]["instanceID"] == "i-0bbbbbbbbbbbbbbb2")
        .expect("the unprotected instance");
    assert_eq!(unprotected["agentVersion"], "0.0.0.0");
    assert_eq!(unprotected["computerStatus"]["agentStatus"], "inactive");
    assert!(unprotected.get("agentFingerPrint").is_none());
}
