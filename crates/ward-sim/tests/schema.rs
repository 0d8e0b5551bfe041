//! Schema faithfulness: real responses of every endpoint, validated by `schema_check.py` against
//! the published OpenAPI schemas made strict (`additionalProperties: false`), so a misnamed field
//! fails.
//!
//! The spec is read from `WARD_OPENAPI_SPEC`, else `../shared/reference/` beside the workspace
//! (CI has it there); it is not vendored (its licence is unclear). The Python interpreter is
//! `WARD_PYTHON` (scripts/test points it at a venv), else `python3`. Without the spec or the
//! packages the check fails under `CI=true`; elsewhere it says loudly that it was skipped and why.

use crate::support::{AUDITOR, Running, small};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use ward_sim::SimConfig;

/// One response to check against a named schema.
struct Item {
    label: String,
    schema: &'static str,
    body: Value,
}

fn item(label: impl Into<String>, schema: &'static str, body: Value) -> Item {
    Item {
        label: label.into(),
        schema,
        body,
    }
}

/// A verdict from the script.
#[derive(Debug)]
struct Verdict {
    label: String,
    ok: bool,
    errors: Vec<String>,
}

fn spec_path() -> PathBuf {
    std::env::var_os("WARD_OPENAPI_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/reference/workload-security-openapi-subset.json")
        })
}

/// Says so on the terminal, past the test harness's capture.
fn skipped(reason: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPED: {reason}\n!!! the simulator's responses were NOT checked against the OpenAPI schemas\n"
    );
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true"))
}

/// Runs the script on `items`; `None` when the check had to be skipped.
fn check(items: &[Item]) -> Option<Vec<Verdict>> {
    let spec = spec_path();
    let unavailable = |reason: String| {
        assert!(!in_ci(), "the schema check cannot run in CI: {reason}");
        skipped(&reason);
    };
    if !spec.is_file() {
        unavailable(format!(
            "OpenAPI spec not found at {} (set WARD_OPENAPI_SPEC)",
            spec.display()
        ));
        return None;
    }
    let python = std::env::var("WARD_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schema_check.py");
    let input = json!({
        "spec": spec,
        "items": items.iter().map(|i| json!({"label": i.label, "schema": i.schema, "body": i.body})).collect::<Vec<_>>(),
    });
    let mut child = match Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            unavailable(format!("cannot run {python}: {error}"));
            return None;
        }
    };
    let mut stdin = child.stdin.take().expect("piped stdin");
    let bytes = serde_json::to_vec(&input).expect("serializes");
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let output = child.wait_with_output().expect("the script finishes");
    // A script that stops early (missing packages) closes its input: its status says why.
    let written = writer.join().expect("writer thread");
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(3) => {
            unavailable(format!(
                "Python packages missing for {python} (pip install openapi-schema-validator==0.6.3): {}",
                stderr.trim()
            ));
            return None;
        }
        other => panic!("schema_check.py failed ({other:?}, input written: {written:?}): {stderr}"),
    }
    let verdicts: Vec<Value> =
        serde_json::from_slice(&output.stdout).expect("the script answers JSON");
    Some(
        verdicts
            .into_iter()
            .map(|v| Verdict {
                label: v["label"].as_str().unwrap_or_default().to_owned(),
                ok: v["ok"] == true,
                errors: v["errors"]
                    .as_array()
                    .map(|errors| {
                        errors
                            .iter()
                            .filter_map(|e| e.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
    )
}

/// The response of every endpoint the simulator answers, errors included.
async fn responses() -> Vec<Item> {
    let running = Running::start(SimConfig {
        fleet: 60,
        seed: 7,
        scan_delay_ms: 0,
        rate_limit_per_minute: Some(1000),
        protect: vec!["i-0ward000000000001".into()],
        unprotected: vec!["i-0ward000000000002".into()],
        ..SimConfig::default()
    })
    .await;
    let mut items = Vec::new();
    let all = running.get("/computers").await;
    let computers = all["computers"].as_array().expect("computers").clone();
    items.push(item("GET /computers (expand all)", "Computers", all));
    // One computer of each kind, with every expand.
    let pick = |label: &str, keep: &dyn Fn(&Value) -> bool| -> Option<(String, Value)> {
        computers
            .iter()
            .find(|c| keep(c))
            .map(|c| (label.to_owned(), c["ID"].clone()))
    };
    let kinds = [
        pick("active agent", &|c| {
            c["computerStatus"]["agentStatus"] == "active"
        }),
        pick("no agent", &|c| c["agentVersion"] == "0.0.0.0"),
        pick("agent only", &|c| {
            c.get("noConnectorVirtualMachineSummary").is_some()
        }),
        pick("warning", &|c| {
            c["computerStatus"]["agentStatus"] == "warning"
        }),
        pick("offline agent", &|c| {
            c["computerStatus"]["agentStatus"] == "inactive" && c["agentVersion"] != "0.0.0.0"
        }),
    ];
    let first = computers[0]["ID"].clone();
    for (label, id) in kinds.into_iter().flatten() {
        let body = running.get(&format!("/computers/{id}")).await;
        items.push(item(
            format!("GET /computers/{{id}} ({label})"),
            "computer",
            body,
        ));
        let body = running.get(&format!("/computers/{id}?expand=none")).await;
        items.push(item(
            format!("GET /computers/{{id}}?expand=none ({label})"),
            "computer",
            body,
        ));
    }
    let body = running
        .get(&format!("/computers/{first}?overrides=true"))
        .await;
    items.push(item("GET /computers/{id}?overrides=true", "computer", body));
    let body = running
        .post(
            "/computers/search?expand=computerStatus&expand=ec2VirtualMachineSummary&expand=intrusionPrevention",
            json!({"maxItems": 1, "searchCriteria": [{"fieldName": "ec2VirtualMachineSummary/instanceID",
                "stringTest": "equal", "stringValue": "i-0ward000000000001", "stringWildcards": false}]}),
        )
        .await;
    items.push(item("POST /computers/search (instance)", "Computers", body));
    let body = running
        .post(
            "/computers/search",
            json!({"maxItems": 10, "sortByObjectID": true,
            "searchCriteria": [{"idValue": 0, "idTest": "greater-than"}]}),
        )
        .await;
    items.push(item("POST /computers/search (page)", "Computers", body));
    let body = running
        .post(
            &format!("/computers/{first}"),
            json!({"displayName": "renamed", "antiMalware": {"state": "off", "realTimeScanConfigurationID": 0},
                   "applicationControl": {"state": "on", "blockUnrecognized": true, "maintenanceModeStatus": "off"},
                   "firewall": {"state": "on", "ruleIDs": [1, 2]}}),
        )
        .await;
    items.push(item("POST /computers/{id} (modify)", "computer", body));

    items.push(item(
        "GET /policies",
        "policies",
        running.get("/policies").await,
    ));
    items.push(item(
        "GET /policies/{id}",
        "policy",
        running.get("/policies/4").await,
    ));
    let body = running
        .post(
            "/policies/search",
            json!({"searchCriteria": [{"fieldName": "name", "stringValue": "%Server"}]}),
        )
        .await;
    items.push(item("POST /policies/search", "policies", body));
    let body = running
        .post("/policies/5", json!({"description": "db", "recommendationScanMode": "off",
            "policySettings": {"intrusionPreventionSettingAutoApplyRecommendationsEnabled": {"value": "yes"}}}))
        .await;
    items.push(item("POST /policies/{id} (modify)", "policy", body));

    let rules = running.get("/intrusionpreventionrules").await;
    let rule_id = rules["intrusionPreventionRules"][0]["ID"].clone();
    items.push(item(
        "GET /intrusionpreventionrules",
        "IntrusionPreventionRules",
        rules,
    ));
    let body = running
        .get(&format!("/intrusionpreventionrules/{rule_id}"))
        .await;
    items.push(item(
        "GET /intrusionpreventionrules/{id}",
        "intrusionPreventionRule",
        body,
    ));
    let body = running
        .post(
            "/intrusionpreventionrules/search",
            json!({"searchCriteria": [{"fieldName": "CVE",
            "stringTest": "equal", "stringValue": "%CVE-2021-44228%"}]}),
        )
        .await;
    items.push(item(
        "POST /intrusionpreventionrules/search (CVE)",
        "IntrusionPreventionRules",
        body,
    ));

    // A scan first, so the computer's assignments carry recommendations.
    let task = running
        .post("/scheduledtasks", json!({"name": "rec-scan", "type": "scan-for-recommendations", "runNow": true,
            "scheduleDetails": {"recurrenceType": "none", "recurrenceCount": 1,
                                "onceOnlyScheduleParameters": {"startTime": 0}},
            "scanForRecommendationsTaskParameters": {"computerFilter": {"type": "computer", "computerID": first}}}))
        .await;
    items.push(item(
        "POST /scheduledtasks (run now)",
        "ScheduledTask",
        task,
    ));
    for (owner, id) in [("computers", first.clone()), ("policies", json!(2))] {
        for (module, schema) in [
            ("intrusionprevention", "intrusionPreventionAssignments"),
            ("integritymonitoring", "integrityMonitoringAssignments"),
        ] {
            let path = format!("/{owner}/{id}/{module}/assignments");
            let current = running.get(&path).await;
            let assigned = current["assignedRuleIDs"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            items.push(item(format!("GET {path}"), schema, current));
            let added = running.post(&path, json!({"ruleIDs": assigned})).await;
            items.push(item(format!("POST {path}"), schema, added));
            let set = running
                .call(Method::PUT, &path, Some(json!({"ruleIDs": assigned})))
                .await;
            items.push(item(format!("PUT {path}"), schema, set.body));
            if let Some(rule) = assigned.first() {
                let removed = running
                    .call(Method::DELETE, &format!("{path}/{rule}"), None)
                    .await;
                items.push(item(
                    format!("DELETE {path}/{{rule}}"),
                    schema,
                    removed.body,
                ));
            }
        }
    }
    let stored = running
        .post("/scheduledtasks", json!({"name": "weekly malware", "type": "scan-for-malware",
            "scheduleDetails": {"recurrenceType": "weekly", "weeklyScheduleParameters": {"startTime": 0, "interval": 1, "days": ["monday"]}},
            "scanForMalwareTaskParameters": {"computerFilter": {"type": "all-computers"}, "timeout": "one-hour"}}))
        .await;
    let task_id = stored["ID"].clone();
    items.push(item(
        "POST /scheduledtasks (stored)",
        "ScheduledTask",
        stored,
    ));
    let body = running.get(&format!("/scheduledtasks/{task_id}")).await;
    items.push(item("GET /scheduledtasks/{id}", "ScheduledTask", body));
    let body = running
        .post(
            &format!("/scheduledtasks/{task_id}"),
            json!({"runNow": true}),
        )
        .await;
    items.push(item(
        "POST /scheduledtasks/{id} (run)",
        "ScheduledTask",
        body,
    ));
    items.push(item(
        "GET /scheduledtasks",
        "ScheduledTasks",
        running.get("/scheduledtasks").await,
    ));
    let body = running.post("/scheduledtasks/search", json!({})).await;
    items.push(item("POST /scheduledtasks/search", "ScheduledTasks", body));

    let body = running.get("/agentactivationinformation").await;
    items.push(item(
        "GET /agentactivationinformation",
        "agentActivationInformation",
        body,
    ));
    for platform in ["linux", "windows"] {
        let body = running
            .post(
                "/agentdeploymentscripts",
                json!({"platform": platform, "policyID": 2,
                "validateCertificateRequired": true, "activationRequired": true}),
            )
            .await;
        items.push(item(
            format!("POST /agentdeploymentscripts ({platform})"),
            "AgentDeploymentScript",
            body,
        ));
    }
    items.push(item(
        "GET /apikeys/current",
        "apiKeyCurrent",
        running.get("/apikeys/current").await,
    ));
    let auditor = running
        .call_as(AUDITOR, Method::GET, "/apikeys/current", None)
        .await;
    items.push(item(
        "GET /apikeys/current (auditor)",
        "apiKeyCurrent",
        auditor.body,
    ));
    items.push(item(
        "GET /roles",
        "AdministratorRoles",
        running.get("/roles").await,
    ));
    items.push(item(
        "GET /roles/{id}",
        "role",
        running.get("/roles/1").await,
    ));

    // Error bodies.
    let no_version = running
        .send(
            running
                .http
                .get(format!("{}/api/policies", running.root))
                .header("api-secret-key", AUDITOR),
        )
        .await;
    let no_key = running
        .send(
            running
                .http
                .get(format!("{}/api/policies", running.root))
                .header("api-version", "v1"),
        )
        .await;
    let wrong_key = running
        .call_as("nope", Method::GET, "/policies", None)
        .await;
    let auditor_write = running
        .call_as(
            AUDITOR,
            Method::POST,
            "/policies/1",
            Some(json!({"description": "x"})),
        )
        .await;
    let missing = running.call(Method::GET, "/computers/999999", None).await;
    let malformed = running
        .send(
            running
                .request(
                    Method::POST,
                    "/computers/search",
                    crate::support::FULL_ACCESS,
                )
                .body("{"),
        )
        .await;
    for (label, answer) in [
        ("400 missing api-version", no_version),
        ("401 missing key", no_key),
        ("403 wrong key", wrong_key),
        ("403 auditor write", auditor_write),
        ("404 missing computer", missing),
        ("400 malformed JSON", malformed),
    ] {
        assert!(answer.status >= 400, "{label}: {}", answer.status);
        items.push(item(label, "error", answer.body));
    }
    let limited = Running::start(SimConfig {
        rate_limit_per_minute: Some(1),
        ..small()
    })
    .await;
    limited.get("/policies").await;
    let throttled = limited.call(Method::GET, "/policies", None).await;
    assert_eq!(throttled.status, 429);
    items.push(item("429 rate limited", "error", throttled.body));
    items
}

#[tokio::test]
async fn every_response_matches_its_strict_schema() {
    let items = responses().await;
    assert!(items.len() > 40, "{} responses", items.len());
    let Some(verdicts) = check(&items) else {
        return;
    };
    assert_eq!(verdicts.len(), items.len());
    let failures: Vec<String> = verdicts
        .iter()
        .filter(|v| !v.ok)
        .map(|v| format!("{}:\n    {}", v.label, v.errors.join("\n    ")))
        .collect();
    assert!(
        failures.is_empty(),
        "responses that do not match the spec:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_check_catches_a_misnamed_field() {
    let items = vec![
        item(
            "control",
            "computer",
            json!({"ID": 1, "hostName": "web-1", "ec2VirtualMachineSummary": {"instanceID": "i-1", "type": "t3.micro"}}),
        ),
        item(
            "misnamed top-level field",
            "computer",
            json!({"ID": 1, "instanceType": "t3.micro"}),
        ),
        item(
            "misnamed nested field",
            "computer",
            json!({"ID": 1, "ec2VirtualMachineSummary": {"instanceType": "t3.micro"}}),
        ),
        item(
            "region in the connector summary",
            "computer",
            json!({"ec2VirtualMachineSummary": {"region": "us-east-1"}}),
        ),
        item(
            "wrong type",
            "intrusionPreventionRule",
            json!({"ID": 1, "CVE": "CVE-2017-5638"}),
        ),
        item("out of int32", "computer", json!({"ID": 4_000_000_000_i64})),
        item(
            "error with extras",
            "error",
            json!({"message": "x", "code": 1}),
        ),
    ];
    let Some(verdicts) = check(&items) else {
        return;
    };
    let ok: Vec<(String, bool)> = verdicts.into_iter().map(|v| (v.label, v.ok)).collect();
    assert_eq!(ok[0], ("control".to_owned(), true));
    for (label, passed) in &ok[1..] {
        assert!(!passed, "the check let `{label}` through");
    }
}
