//! Search over HTTP: by EC2 instance ID, by CVE, and paging.

use crate::support::{Running, small};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use ward_sim::SimConfig;

async fn by_instance(running: &Running, field: &str, instance: &str) -> Vec<Value> {
    running
        .post(
            "/computers/search?expand=computerStatus&expand=ec2VirtualMachineSummary",
            json!({"maxItems": 1, "searchCriteria": [{"fieldName": field,
                "stringTest": "equal", "stringValue": instance, "stringWildcards": false}]}),
        )
        .await["computers"]
        .as_array()
        .expect("a list")
        .clone()
}

#[tokio::test]
async fn instance_id_search_finds_exactly_that_computer() {
    let instance = "i-0ward000000000001";
    let running = Running::start(SimConfig {
        protect: vec![instance.into()],
        ..small()
    })
    .await;
    let found = by_instance(&running, "ec2VirtualMachineSummary/instanceID", instance).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["ec2VirtualMachineSummary"]["instanceID"], instance);
    assert_eq!(found[0]["computerStatus"]["agentStatus"], "active");
    let upper = by_instance(
        &running,
        "ec2VirtualMachineSummary/instanceID",
        &instance.to_uppercase(),
    )
    .await;
    assert_eq!(upper.len(), 1, "string tests ignore case");
    assert!(
        by_instance(
            &running,
            "ec2VirtualMachineSummary/instanceID",
            "i-0doesnotexist0000"
        )
        .await
        .is_empty()
    );

    let all = running.get("/computers").await;
    let computers = all["computers"].as_array().expect("computers");
    let generated = computers
        .iter()
        .find_map(|c| c["ec2VirtualMachineSummary"]["instanceID"].as_str())
        .expect("a connector computer");
    let found = by_instance(&running, "ec2VirtualMachineSummary/instanceID", generated).await;
    assert_eq!(found.len(), 1);
    let agent_only = computers
        .iter()
        .find_map(|c| c["noConnectorVirtualMachineSummary"]["instanceID"].as_str())
        .expect("an agent-only computer in 50");
    assert!(
        by_instance(&running, "ec2VirtualMachineSummary/instanceID", agent_only)
            .await
            .is_empty()
    );
    let found = by_instance(
        &running,
        "noConnectorVirtualMachineSummary/instanceID",
        agent_only,
    )
    .await;
    assert_eq!(found.len(), 1);
}

async fn rules_for(running: &Running, value: &str, wildcards: Option<bool>) -> Vec<Value> {
    let mut criteria = json!({"fieldName": "CVE", "stringTest": "equal", "stringValue": value});
    if let Some(wildcards) = wildcards {
        criteria["stringWildcards"] = wildcards.into();
    }
    running
        .post(
            "/intrusionpreventionrules/search",
            json!({"searchCriteria": [criteria]}),
        )
        .await["intrusionPreventionRules"]
        .as_array()
        .expect("a list")
        .clone()
}

fn listing(rules: &[Value], cve: &str) -> BTreeSet<i64> {
    rules
        .iter()
        .filter(|rule| {
            rule["CVE"].as_array().is_some_and(|cves| {
                cves.iter()
                    .any(|c| c.as_str().is_some_and(|c| c.eq_ignore_ascii_case(cve)))
            })
        })
        .map(|rule| rule["ID"].as_i64().expect("an ID"))
        .collect()
}

fn ids(rules: &[Value]) -> BTreeSet<i64> {
    rules
        .iter()
        .map(|rule| rule["ID"].as_i64().expect("an ID"))
        .collect()
}

#[tokio::test]
async fn cve_search_returns_the_rules_that_list_the_cve() {
    let running = Running::start(small()).await;
    let catalogue = running.get("/intrusionpreventionrules").await;
    let all = catalogue["intrusionPreventionRules"]
        .as_array()
        .expect("rules")
        .clone();
    assert!(all.len() > 3000, "{}", all.len());
    for cve in [
        "CVE-2017-5638",
        "CVE-2014-6271",
        "CVE-2021-44228",
        "CVE-2024-29069",
    ] {
        let expected = listing(&all, cve);
        assert!(!expected.is_empty(), "{cve} is in the catalogue");
        let wildcard = rules_for(&running, &format!("%{cve}%"), None).await;
        assert_eq!(ids(&wildcard), expected, "{cve} with wildcards");
        let exact = rules_for(&running, cve, Some(false)).await;
        assert_eq!(ids(&exact), expected, "{cve} exactly");
        let lower = rules_for(&running, &cve.to_lowercase(), None).await;
        assert_eq!(ids(&lower), expected, "{cve} in lower case");
    }
    assert_eq!(
        listing(&all, "CVE-2017-5638").len(),
        2,
        "two Struts rules share the CVE"
    );
    assert_eq!(listing(&all, "CVE-2021-44228").len(), 3);

    // A prefix with wildcards over-matches: every rule found lists a CVE containing it.
    let prefix = "CVE-2021-4422";
    let found = rules_for(&running, &format!("%{prefix}%"), None).await;
    assert!(found.len() >= 3);
    assert!(
        found
            .iter()
            .all(|rule| rule["CVE"].as_array().is_some_and(|cves| cves
                .iter()
                .any(|c| c.as_str().is_some_and(|c| c.contains(prefix)))))
    );
    assert!(
        rules_for(&running, prefix, Some(false)).await.is_empty(),
        "no CVE is exactly the prefix"
    );
    let numeric = running
        .post(
            "/intrusionpreventionrules/search",
            json!({"searchCriteria": [
            {"fieldName": "CVSSScore", "numericTest": "greater-than-or-equal", "numericValue": 9.8},
            {"fieldName": "severity", "choiceValue": "critical"}]}),
        )
        .await;
    let numeric = numeric["intrusionPreventionRules"]
        .as_array()
        .expect("a list");
    assert!(!numeric.is_empty());
    assert!(numeric.iter().all(|r| {
        r["CVSSScore"]
            .as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .is_some_and(|s| s >= 9.8)
    }));
}

#[tokio::test]
async fn rules_page_by_id_and_max_items_caps_at_5000() {
    let running = Running::start(small()).await;
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = running
            .post(
                "/intrusionpreventionrules/search",
                json!({"maxItems": 1000, "sortByObjectID": true,
                "searchCriteria": [{"idValue": after, "idTest": "greater-than"}]}),
            )
            .await;
        let page = page["intrusionPreventionRules"]
            .as_array()
            .expect("a list")
            .clone();
        let Some(last) = page.last() else { break };
        after = last["ID"].as_i64().expect("an ID");
        seen.extend(ids(&page));
    }
    let all = running.get("/intrusionpreventionrules").await;
    assert_eq!(
        seen.len(),
        all["intrusionPreventionRules"]
            .as_array()
            .map_or(0, Vec::len)
    );
    let capped = running
        .post(
            "/intrusionpreventionrules/search",
            json!({"maxItems": 100_000}),
        )
        .await;
    assert_eq!(
        capped["intrusionPreventionRules"].as_array().map(Vec::len),
        Some(seen.len().min(5000))
    );
    let policies = running
        .post(
            "/policies/search",
            json!({"searchCriteria": [{"fieldName": "name", "stringValue": "%server%"}]}),
        )
        .await;
    let names: Vec<&str> = policies["policies"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Linux Server") && names.contains(&"Web Server"),
        "{names:?}"
    );
    assert!(!names.contains(&"Base Policy"));
}
