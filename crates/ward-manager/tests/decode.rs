//! Decoding what a manager answers never panics, whatever it answers (the `manager_json` fuzz
//! target explores further), and damaged objects fail with the object named.

use proptest::prelude::*;
use serde_json::{Value, json};
use ward_manager::model::{Assignments, Computers, IntrusionPreventionRules, Policies};

/// Any JSON value, biased towards the field names the models read.
fn json_value() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "ID",
        "hostName",
        "computers",
        "policies",
        "intrusionPreventionRules",
        "computerStatus",
        "agentStatus",
        "ec2VirtualMachineSummary",
        "instanceID",
        "policyID",
        "CVE",
        "ruleIDs",
        "intrusionPrevention",
        "state",
        "moduleStatus",
        "assignedRuleIDs",
        "platform",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|number| json!(number)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(names.clone().prop_map(str::to_owned), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn decode_everything(bytes: &[u8]) {
    if let Ok(page) = serde_json::from_slice::<Computers>(bytes) {
        for computer in page.computers {
            let _ = computer.into_domain();
        }
    }
    if let Ok(page) = serde_json::from_slice::<Policies>(bytes) {
        for policy in page.policies {
            let _ = policy.into_domain();
        }
    }
    if let Ok(page) = serde_json::from_slice::<IntrusionPreventionRules>(bytes) {
        for rule in page.intrusion_prevention_rules {
            let _ = rule.into_domain();
        }
    }
    if let Ok(assignments) = serde_json::from_slice::<Assignments>(bytes) {
        let _ = assignments.into_domain();
    }
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let bytes = serde_json::to_vec(&value).expect("serializable");
        decode_everything(&bytes);
        for wrapper in ["computers", "policies", "intrusionPreventionRules"] {
            let wrapped = serde_json::to_vec(&json!({ wrapper: [value.clone()] })).expect("serializable");
            decode_everything(&wrapped);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_everything(&bytes);
    }
}

#[test]
fn a_computer_without_an_id_is_named_in_the_error() {
    let page: Computers =
        serde_json::from_value(json!({"computers": [{"hostName": "web-1"}]})).expect("decodes");
    let error = page
        .computers
        .into_iter()
        .next()
        .expect("one")
        .into_domain()
        .unwrap_err();
    assert_eq!(error.to_string(), "computer without an `ID`");
}
