//! Conventions: `api-version`, both auth headers, roles, errors, expand, modify, assignments.

use crate::support::{AUDITOR, FULL_ACCESS, Running, assert_error, small};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn missing_or_wrong_api_version_is_refused() {
    let running = Running::start(small()).await;
    let without = running
        .http
        .get(format!("{}/api/policies", running.root))
        .header("authorization", format!("ApiKey {FULL_ACCESS}"));
    let answer = running.send(without).await;
    assert_error(&answer, 400);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("api-version")
    );
    let wrong = running
        .http
        .get(format!("{}/api/policies", running.root))
        .header("api-version", "v2")
        .header("authorization", format!("ApiKey {FULL_ACCESS}"));
    assert_error(&running.send(wrong).await, 400);
}

#[tokio::test]
async fn both_auth_headers_work_and_bad_keys_are_refused() {
    let running = Running::start(small()).await;
    let with_api_key = running.request(Method::GET, "/policies", FULL_ACCESS);
    assert_eq!(running.send(with_api_key).await.status, 200);
    let legacy = running
        .http
        .get(format!("{}/api/policies", running.root))
        .header("api-version", "v1")
        .header("api-secret-key", AUDITOR);
    let answer = running.send(legacy).await;
    assert_eq!(answer.status, 200);
    assert!(answer.headers.contains_key("x-dsm-version"));

    let no_key = running
        .http
        .get(format!("{}/api/policies", running.root))
        .header("api-version", "v1");
    assert_error(&running.send(no_key).await, 401);
    let wrong = running.request(Method::GET, "/policies", "not-a-key");
    let answer = running.send(wrong).await;
    assert_error(&answer, 403);
    assert!(
        !answer.body.to_string().contains("not-a-key"),
        "the key is not echoed"
    );
    let bearer = running
        .http
        .get(format!("{}/api/policies", running.root))
        .header("api-version", "v1")
        .header("authorization", format!("Bearer {FULL_ACCESS}"));
    assert_error(&running.send(bearer).await, 401);
}

#[tokio::test]
async fn the_current_key_names_its_role_and_roles_say_who_may_write() {
    let running = Running::start(small()).await;
    for (key, role_id, writes) in [(FULL_ACCESS, 1, true), (AUDITOR, 2, false)] {
        let current = running
            .call_as(key, Method::GET, "/apikeys/current", None)
            .await;
        assert_eq!(current.status, 200);
        assert_eq!(current.body["roleID"], role_id);
        assert!(current.body.get("secretKey").is_none());
        let roles = running.get("/roles").await;
        let role = roles["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|role| role["ID"] == role_id)
            .expect("the key's role is listed")
            .clone();
        assert_eq!(role["allowWebService"], true);
        let platform = &role["rights"]["platformRights"];
        assert_eq!(
            platform["computerRights"]["canEditComputerProperties"],
            writes
        );
        assert_eq!(platform["policyRights"]["canEditPolicyProperties"], writes);
        assert_eq!(
            platform["scheduledTaskRights"]["canCreateNewScheduledTasks"],
            writes
        );
        assert_eq!(
            platform["scheduledTaskRights"]["canExecuteScheduledTasks"],
            writes
        );
    }
    assert_eq!(running.get("/roles/2").await["name"], "Auditor");
    assert_error(&running.call(Method::GET, "/roles/9", None).await, 404);
}

#[tokio::test]
async fn the_auditor_gets_403_on_every_write_and_changes_nothing() {
    let running = Running::start(small()).await;
    let computer = running.get("/computers?expand=none").await["computers"][0]["ID"].clone();
    let rule = running
        .post("/intrusionpreventionrules/search", json!({"maxItems": 1}))
        .await["intrusionPreventionRules"][0]["ID"]
        .clone();
    let ids = json!({"ruleIDs": [rule]});
    let task = json!({"name": "x", "type": "scan-for-recommendations", "runNow": true,
        "scanForRecommendationsTaskParameters": {"computerFilter": {"type": "computer", "computerID": computer}}});
    let created = running
        .post(
            "/scheduledtasks",
            json!({"name": "kept", "type": "send-policy"}),
        )
        .await;
    let task_id = created["ID"].clone();
    let writes: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            format!("/computers/{computer}"),
            Some(json!({"description": "x"})),
        ),
        (
            Method::POST,
            "/policies/1".into(),
            Some(json!({"description": "x"})),
        ),
        (
            Method::POST,
            format!("/computers/{computer}/intrusionprevention/assignments"),
            Some(ids.clone()),
        ),
        (
            Method::PUT,
            format!("/computers/{computer}/intrusionprevention/assignments"),
            Some(ids.clone()),
        ),
        (
            Method::DELETE,
            format!("/computers/{computer}/intrusionprevention/assignments/{rule}"),
            None,
        ),
        (
            Method::POST,
            format!("/computers/{computer}/integritymonitoring/assignments"),
            Some(json!({"ruleIDs": []})),
        ),
        (
            Method::PUT,
            "/policies/2/intrusionprevention/assignments".into(),
            Some(ids.clone()),
        ),
        (
            Method::POST,
            "/policies/2/intrusionprevention/assignments".into(),
            Some(ids.clone()),
        ),
        (
            Method::DELETE,
            format!("/policies/2/intrusionprevention/assignments/{rule}"),
            None,
        ),
        (Method::POST, "/scheduledtasks".into(), Some(task)),
        (
            Method::POST,
            format!("/scheduledtasks/{task_id}"),
            Some(json!({"runNow": true})),
        ),
        (Method::DELETE, format!("/scheduledtasks/{task_id}"), None),
    ];
    let actions_before = running.sim.actions().len();
    for (method, path, body) in writes {
        let answer = running.call_as(AUDITOR, method.clone(), &path, body).await;
        assert_error(&answer, 403);
        assert!(
            answer.body["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Not authorized"),
            "{method} {path}: {:?}",
            answer.body
        );
    }
    assert_eq!(
        running.sim.actions().len(),
        actions_before,
        "nothing was recorded"
    );
    // Reads, searches (POST) and script generation stay open to the auditor.
    for (method, path, body) in [
        (Method::GET, format!("/computers/{computer}"), None),
        (
            Method::POST,
            "/computers/search".to_owned(),
            Some(json!({"maxItems": 2})),
        ),
        (Method::POST, "/policies/search".to_owned(), Some(json!({}))),
        (
            Method::POST,
            "/intrusionpreventionrules/search".to_owned(),
            Some(json!({"maxItems": 2})),
        ),
        (
            Method::GET,
            format!("/computers/{computer}/intrusionprevention/assignments"),
            None,
        ),
        (
            Method::POST,
            "/agentdeploymentscripts".to_owned(),
            Some(json!({"platform": "linux"})),
        ),
        (Method::GET, "/scheduledtasks".to_owned(), None),
    ] {
        let answer = running.call_as(AUDITOR, method.clone(), &path, body).await;
        assert_eq!(answer.status, 200, "{method} {path}: {:?}", answer.body);
    }
}

#[tokio::test]
async fn client_mistakes_are_4xx_with_a_message_never_500() {
    let running = Running::start(small()).await;
    let malformed = running
        .request(Method::POST, "/computers/search", FULL_ACCESS)
        .header("content-type", "application/json")
        .body("{\"maxItems\": ");
    let answer = running.send(malformed).await;
    assert_error(&answer, 400);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("malformed JSON")
    );
    let computer = running.get("/computers?expand=none").await["computers"][0]["ID"].clone();
    let cases: Vec<(Method, String, Option<Value>, u16)> = vec![
        (Method::GET, "/computers/999999".into(), None, 404),
        (Method::GET, "/computers/abc".into(), None, 400),
        (
            Method::POST,
            "/computers/999999".into(),
            Some(json!({"description": "x"})),
            404,
        ),
        (
            Method::POST,
            format!("/computers/{computer}"),
            Some(json!({"instanceType": "t3.micro"})),
            400,
        ),
        (
            Method::POST,
            format!("/computers/{computer}"),
            Some(json!({"policyID": 424242})),
            400,
        ),
        (
            Method::POST,
            format!("/computers/{computer}"),
            Some(json!({"intrusionPrevention": {"state": "on"}})),
            400,
        ),
        (Method::GET, "/policies/999".into(), None, 404),
        (Method::GET, "/intrusionpreventionrules/0".into(), None, 404),
        (Method::GET, "/scheduledtasks/12345".into(), None, 404),
        (
            Method::POST,
            format!("/computers/{computer}/intrusionprevention/assignments"),
            Some(json!({"ruleIDs": [0]})),
            400,
        ),
        (
            Method::POST,
            format!("/computers/{computer}/intrusionprevention/assignments"),
            Some(json!({"rules": [1]})),
            400,
        ),
        (
            Method::PUT,
            format!("/computers/{computer}/intrusionprevention/assignments"),
            None,
            400,
        ),
        (
            Method::GET,
            "/computers/999999/intrusionprevention/assignments".into(),
            None,
            404,
        ),
        (
            Method::GET,
            format!("/computers/{computer}/firewall/assignments"),
            None,
            404,
        ),
        (
            Method::POST,
            "/computers/search".into(),
            Some(json!({"searchCriteria": [{"fieldName": "nope", "stringValue": "x"}]})),
            400,
        ),
        (
            Method::POST,
            "/computers/search".into(),
            Some(json!({"searchCriteria": [{"fieldName": "policyID", "stringValue": "x"}]})),
            400,
        ),
        (
            Method::POST,
            "/computers/search".into(),
            Some(json!({"maxItems": -1})),
            400,
        ),
        (
            Method::GET,
            "/computers?expand=everything".into(),
            None,
            400,
        ),
        (
            Method::POST,
            "/scheduledtasks".into(),
            Some(json!({"type": "scan-for-everything"})),
            400,
        ),
        (
            Method::POST,
            "/scheduledtasks".into(),
            Some(json!({"type": "scan-for-malware", "runNow": true})),
            400,
        ),
        (
            Method::POST,
            "/agentdeploymentscripts".into(),
            Some(json!({"platform": "plan9"})),
            400,
        ),
        (Method::GET, "/nothing/here".into(), None, 404),
        (Method::DELETE, "/computers".into(), None, 405),
    ];
    for (method, path, body, status) in cases {
        let answer = running.call(method.clone(), &path, body).await;
        assert_eq!(answer.status, status, "{method} {path}: {:?}", answer.body);
        assert_error(&answer, status);
    }
}

#[tokio::test]
async fn expand_decides_which_parts_come_back() {
    let running = Running::start(small()).await;
    let all = running.get("/computers").await;
    let first = &all["computers"][0];
    for part in [
        "computerStatus",
        "ec2VirtualMachineSummary",
        "antiMalware",
        "intrusionPrevention",
        "applicationControl",
    ] {
        assert!(
            first.get(part).is_some(),
            "default expand is all: {part} missing from {first}"
        );
    }
    assert!(first["intrusionPrevention"]["ruleIDs"].is_array());
    assert_eq!(first["computerStatus"]["agentStatus"], "active");
    let none = running.get("/computers?expand=none").await;
    let basic = &none["computers"][0];
    assert!(basic.get("hostName").is_some() && basic.get("ID").is_some());
    assert!(basic.get("computerStatus").is_none() && basic.get("antiMalware").is_none());
    let some = running
        .get(&format!(
            "/computers/{}?expand=computerStatus&expand=intrusionPrevention",
            first["ID"]
        ))
        .await;
    assert!(some.get("computerStatus").is_some() && some.get("intrusionPrevention").is_some());
    assert!(some.get("ec2VirtualMachineSummary").is_none() && some.get("antiMalware").is_none());
    // No region field in the connector's summary: the zone gives it.
    let ec2 = &first["ec2VirtualMachineSummary"];
    assert!(ec2.get("region").is_none() && ec2["availabilityZone"].is_string());
    assert!(
        ec2["instanceID"]
            .as_str()
            .is_some_and(|id| id.starts_with("i-") && id.len() == 19)
    );
    assert!(ec2["accountID"].as_str().is_some_and(|id| id.len() == 12));
}

#[tokio::test]
async fn modify_is_a_partial_update_and_is_recorded() {
    let running = Running::start(small()).await;
    let computer = running.get("/computers").await["computers"][0].clone();
    let id = &computer["ID"];
    let changed = running
        .post(
            &format!("/computers/{id}"),
            json!({"displayName": "renamed", "intrusionPrevention": {"state": "detect"}}),
        )
        .await;
    assert_eq!(changed["displayName"], "renamed");
    assert_eq!(changed["intrusionPrevention"]["state"], "detect");
    assert_eq!(
        changed["hostName"], computer["hostName"],
        "untouched fields stay"
    );
    let again = running.get(&format!("/computers/{id}")).await;
    assert_eq!(again["intrusionPrevention"]["state"], "detect");
    let own = running
        .get(&format!(
            "/computers/{id}?expand=intrusionPrevention&overrides=true"
        ))
        .await;
    assert_eq!(own["intrusionPrevention"]["state"], "detect");
    let reset = running
        .post(
            &format!("/computers/{id}"),
            json!({"intrusionPrevention": {"state": "inherited"}}),
        )
        .await;
    assert_eq!(
        reset["intrusionPrevention"]["state"],
        computer["intrusionPrevention"]["state"]
    );
    let actions = running.sim.actions();
    let modify = actions
        .iter()
        .find(|a| a["kind"] == "modify-computer")
        .expect("recorded");
    assert_eq!(&modify["computerID"], id);
    assert_eq!(modify["changes"]["displayName"], "renamed");
    assert_eq!(modify["role"], "Full Access");
    assert!(
        modify["at"]
            .as_i64()
            .is_some_and(|at| at > 1_600_000_000_000)
    );

    let policy = running
        .post(
            "/policies/4",
            json!({"intrusionPrevention": {"state": "detect"}, "description": "changed"}),
        )
        .await;
    assert_eq!(policy["description"], "changed");
    assert_eq!(policy["intrusionPrevention"]["state"], "detect");
    assert!(
        running
            .sim
            .actions()
            .iter()
            .any(|a| a["kind"] == "modify-policy" && a["policyID"] == 4)
    );
}

#[tokio::test]
async fn assignments_add_set_remove_on_computers_and_policies() {
    let running = Running::start(small()).await;
    let id = running.get("/computers?expand=none").await["computers"][0]["ID"].clone();
    let rules: Vec<Value> = running
        .post("/intrusionpreventionrules/search", json!({"maxItems": 3}))
        .await["intrusionPreventionRules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["ID"].clone())
        .collect();
    let path = format!("/computers/{id}/intrusionprevention/assignments");
    let set = running
        .call(
            Method::PUT,
            &path,
            Some(json!({"ruleIDs": [rules[0], rules[1]]})),
        )
        .await;
    assert_eq!(set.body["assignedRuleIDs"], json!([rules[0], rules[1]]));
    let added = running.post(&path, json!({"ruleIDs": [rules[2]]})).await;
    assert_eq!(added["assignedRuleIDs"], json!(rules));
    assert!(added["assignedApplicationTypeIDs"].is_array());
    assert!(added["recommendationScanStatus"].is_string());
    let removed = running
        .call(Method::DELETE, &format!("{path}/{}", rules[1]), None)
        .await;
    assert_eq!(removed.status, 200);
    assert_eq!(removed.body["assignedRuleIDs"], json!([rules[0], rules[2]]));
    let im = running
        .get(&format!("/computers/{id}/integritymonitoring/assignments"))
        .await;
    assert!(
        im.get("assignedApplicationTypeIDs").is_none(),
        "IM has no application types"
    );
    let on_policy = running
        .post(
            "/policies/2/intrusionprevention/assignments",
            json!({"ruleIDs": [rules[0]]}),
        )
        .await;
    assert!(
        on_policy["assignedRuleIDs"]
            .as_array()
            .is_some_and(|ids| ids.contains(&rules[0]))
    );
    let kinds: Vec<String> = running
        .sim
        .actions()
        .iter()
        .map(|a| a["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "set-ips-rules",
            "assign-ips-rules",
            "remove-ips-rule",
            "assign-ips-rules"
        ]
    );
    assert_eq!(running.sim.actions()[2]["ruleIDs"], json!([rules[1]]));
    assert_eq!(running.sim.actions()[3]["policyID"], 2);
}

#[tokio::test]
async fn activation_information_matches_the_deployment_script_and_the_key() {
    let running = Running::start(small()).await;
    let activation = running.get("/agentactivationinformation").await;
    let key = running.get("/apikeys/current").await;
    let script = running
        .post(
            "/agentdeploymentscripts",
            json!({"platform": "linux", "policyID": 2}),
        )
        .await;
    let body = script["scriptBody"].as_str().expect("a script");
    let url = activation["activationURL"].as_str().expect("a URL");
    assert!(
        url.starts_with("dsm://agents.workload.") && url.ends_with(":443/"),
        "{url}"
    );
    assert!(body.contains(&format!("ACTIVATIONURL='{url}'")));
    let last = body
        .lines()
        .rev()
        .find(|l| l.contains("dsa_control -a"))
        .expect("activation line");
    assert!(last.contains(&format!(
        "\"tenantID:{}\"",
        key["tenantGUID"].as_str().unwrap_or_default()
    )));
    assert!(last.contains(&format!(
        "\"token:{}\"",
        activation["activationToken"].as_str().unwrap_or_default()
    )));
    assert!(last.contains("\"policyid:2\""));
    let empty = running
        .send(running.request(Method::POST, "/agentdeploymentscripts", FULL_ACCESS))
        .await;
    assert_eq!(empty.status, 200, "the body is optional: {:?}", empty.body);
    assert_eq!(empty.body["platform"], "linux");
}

#[tokio::test]
async fn calls_are_counted_over_http_too() {
    let running = Running::start(small()).await;
    for _ in 0..3 {
        running.get("/policies").await;
    }
    let _ = running
        .send(running.http.get(format!("{}/api/policies", running.root)))
        .await;
    assert_eq!(running.sim.calls(), 4, "refused calls count");
    let calls: Value = running
        .http
        .get(format!("{}/_sim/calls", running.root))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(calls, json!({"calls": 4}));
}
