//! Run-now scheduled tasks: scans take effect after the delay and show in `/_sim/actions`.

use crate::support::{Running, small};
use serde_json::{Value, json};
use ward_sim::SimConfig;

fn scan(kind: &str, parameters: &str, computer: &Value) -> Value {
    json!({"name": format!("{kind} now"), "type": kind, "runNow": true,
        "scheduleDetails": {"recurrenceType": "none", "recurrenceCount": 1,
                            "onceOnlyScheduleParameters": {"startTime": 0}},
        parameters: {"computerFilter": {"type": "computer", "computerID": computer}}})
}

#[tokio::test]
async fn a_recommendation_scan_advances_the_scan_date_after_the_delay() {
    let clock = ward_core::ManualClock::at(1_780_272_000_000);
    let running = Running::on_clock(
        SimConfig {
            scan_delay_ms: 300,
            ..small()
        },
        &clock,
    )
    .await;
    let computer = running.get("/computers?expand=none").await["computers"][0]["ID"].clone();
    let assignments = format!("/computers/{computer}/intrusionprevention/assignments");
    let before = running.get(&assignments).await["lastRecommendationScanDate"].as_i64();
    let task = running
        .post(
            "/scheduledtasks",
            scan(
                "scan-for-recommendations",
                "scanForRecommendationsTaskParameters",
                &computer,
            ),
        )
        .await;
    let task_id = task["ID"].as_i64().expect("a task ID");
    assert!(task_id > 0);
    assert_eq!(task["type"], "scan-for-recommendations");
    assert!(task.get("runNow").is_none());
    assert_eq!(
        running.get(&assignments).await["lastRecommendationScanDate"].as_i64(),
        before,
        "not before the delay"
    );
    assert_eq!(
        running.get(&format!("/scheduledtasks/{task_id}")).await["ID"],
        task_id
    );

    clock.advance(299);
    assert_eq!(
        running.get(&assignments).await["lastRecommendationScanDate"].as_i64(),
        before,
        "not before the delay has passed"
    );
    clock.advance(1);
    let after = running.get(&assignments).await;
    let date = after["lastRecommendationScanDate"].as_i64();
    assert!(date > before, "{before:?} → {date:?}");
    assert_eq!(after["recommendationScanStatus"], "valid");
    assert!(
        after["recommendedToAssignRuleIDs"]
            .as_array()
            .is_some_and(|ids| !ids.is_empty())
    );
    let gone = running
        .call(
            reqwest::Method::GET,
            &format!("/scheduledtasks/{task_id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 404, "a run-once task is deleted after it ran");

    let actions: Value = running
        .http
        .get(format!("{}/_sim/actions", running.root))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    let action = actions
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["kind"] == "scan-for-recommendations")
        .expect("the scan was recorded");
    assert_eq!(action["computerID"], computer);
    assert_eq!(action["taskID"], task_id);
    assert_eq!(action["computerFilter"]["type"], "computer");
}

#[tokio::test]
async fn integrity_and_malware_scans_update_their_modules() {
    let running = Running::start(small()).await;
    let computer = running.get("/computers?expand=none").await["computers"][0]["ID"].clone();
    let read = |field: &'static str, module: &'static str| {
        let running = &running;
        let computer = computer.clone();
        async move {
            running
                .get(&format!("/computers/{computer}?expand={module}"))
                .await[module][field]
                .as_i64()
        }
    };
    let integrity_before = read("lastIntegrityScan", "integrityMonitoring").await;
    let malware_before = read("lastManualScan", "antiMalware").await;
    running
        .post(
            "/scheduledtasks",
            scan(
                "scan-for-integrity-changes",
                "scanForIntegrityChangesTaskParameters",
                &computer,
            ),
        )
        .await;
    running
        .post(
            "/scheduledtasks",
            scan(
                "scan-for-malware",
                "scanForMalwareTaskParameters",
                &computer,
            ),
        )
        .await;
    assert!(read("lastIntegrityScan", "integrityMonitoring").await > integrity_before);
    assert!(read("lastManualScan", "antiMalware").await > malware_before);
    let kinds: Vec<Value> = running
        .sim
        .actions()
        .iter()
        .map(|a| a["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            json!("scan-for-integrity-changes"),
            json!("scan-for-malware")
        ]
    );
}

#[tokio::test]
async fn a_stored_task_runs_on_request_and_can_be_deleted() {
    let running = Running::start(small()).await;
    let created = running
        .post("/scheduledtasks", json!({"name": "weekly", "type": "scan-for-recommendations",
            "scheduleDetails": {"recurrenceType": "weekly"},
            "scanForRecommendationsTaskParameters": {"computerFilter": {"type": "computers-using-policy", "policyID": 2}}}))
        .await;
    let id = created["ID"].clone();
    assert_eq!(created["enabled"], true);
    assert!(created.get("lastRunTime").is_none());
    let listed = running.get("/scheduledtasks").await;
    assert_eq!(listed["scheduledTasks"][0]["ID"], id);
    let ran = running
        .post(&format!("/scheduledtasks/{id}"), json!({"runNow": true}))
        .await;
    assert!(ran["lastRunTime"].as_i64().is_some());
    let found = running
        .post(
            "/scheduledtasks/search",
            json!({"searchCriteria": [{"fieldName": "name", "stringValue": "week%"}]}),
        )
        .await;
    assert_eq!(found["scheduledTasks"].as_array().map(Vec::len), Some(1));
    let deleted = running
        .call(
            reqwest::Method::DELETE,
            &format!("/scheduledtasks/{id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200);
    let kinds: Vec<Value> = running
        .sim
        .actions()
        .iter()
        .map(|a| a["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            json!("create-scheduled-task"),
            json!("scan-for-recommendations"),
            json!("delete-scheduled-task")
        ]
    );
    assert!(
        running.sim.actions()[1]["computerCount"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
}
