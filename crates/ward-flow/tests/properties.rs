//! Properties: a plan never panics on arbitrary JSON records; filters only drop (the output is
//! a subsequence of the input); masks keep length and only put `*`; truncation respects its length.

use crate::support::plan;
use proptest::prelude::*;
use serde_json::{Map, Value};
use ward_flow::{Record, TaskDefinition as Task};

const KEYS: &[&str] = &[
    "ID",
    "hostName",
    "platform",
    "policyID",
    "computerStatus",
    "agentStatus",
    "ec2VirtualMachineSummary",
    "type",
    "lastAgentCommunication",
    "x",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "-?[0-9]{1,4}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn records() -> impl Strategy<Value = Vec<Record>> {
    prop::collection::vec(
        prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..8).prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<Map<String, Value>>()
        }),
        0..12,
    )
}

fn every_task() -> Vec<Task> {
    vec![
        Task::new("Filter", &["policyID"])
            .operator("GREATER_THAN_OR_EQUAL_TO")
            .property("VALUE", "0"),
        Task::new("Validate", &["ID"]).operator("VALIDATE_NUMERIC"),
        Task::new("Map", &["ID"]),
        Task::new("Map", &["computerStatus.agentStatus"]).destination("status"),
        Task::new("Map", &["ec2VirtualMachineSummary"])
            .destination("ec2")
            .property("DESTINATION_DATA_TYPE", "object"),
        Task::new("Mask", &["hostName"])
            .operator("MASK_LAST_N")
            .property("MASK_LENGTH", "3"),
        Task::new("Truncate", &["platform"]).property("TRUNCATE_LENGTH", "5"),
        Task::new("Merge", &["hostName", "platform"])
            .destination("label")
            .property("CONCAT_FORMAT", "${hostName}:${platform}"),
        Task::new("Arithmetic", &["ID", "policyID"])
            .operator("DIVISION")
            .destination("ratio"),
        Task::new("Map", &["lastAgentCommunication"])
            .property("DESTINATION_DATA_TYPE", "timestamp"),
    ]
}

proptest! {
    #[test]
    fn never_panics_and_masks_keep_length(records in records()) {
        let mut plan = plan(every_task());
        let input = records.clone();
        let output = plan.apply(records).unwrap();
        prop_assert!(output.len() <= input.len());
        // Outputs follow inputs in order; match them back by position through the filter.
        let kept: Vec<&Record> = input
            .iter()
            .filter(|record| {
                let policy = record.get("policyID").and_then(ward_flow::tasks::numeric);
                let id_ok = record.get("ID").is_none_or(|v| v.is_null() || ward_flow::tasks::numeric(v).is_some());
                policy.is_some_and(|p| p >= 0.0) && id_ok
            })
            .collect();
        prop_assert_eq!(kept.len(), output.len());
        for (source, out) in kept.iter().zip(&output) {
            if let Some(host) = source.get("hostName").and_then(ward_flow::record::value_text) {
                let masked = out["hostName"].as_str().unwrap_or_default();
                prop_assert_eq!(masked.chars().count(), host.chars().count());
                for (before, after) in host.chars().zip(masked.chars()) {
                    prop_assert!(after == before || after == '*');
                }
            }
            if let Some(platform) = out.get("platform") {
                prop_assert!(platform.as_str().unwrap_or_default().chars().count() <= 5);
            }
        }
    }

    #[test]
    fn filter_output_is_a_subset_of_input(records in records(), value in "-?[0-9]{1,3}") {
        let mut plan = plan(vec![
            Task::new("Filter", &["ID"]).operator("LESS_THAN").property("VALUE", &value),
            Task::new("Map_all", &[]).property("INCLUDE_NEW_FIELDS", "true"),
        ]);
        let input = records.clone();
        let output = plan.apply(records).unwrap();
        // Map_all with new fields keeps whole records: each output is an input, in order.
        let mut rest = input.iter();
        for out in &output {
            prop_assert!(rest.any(|record| record == out));
        }
        let stats = plan.stats();
        prop_assert_eq!(stats.records_read, input.len() as u64);
        prop_assert_eq!(stats.records_written + stats.records_filtered, stats.records_read);
    }
}
