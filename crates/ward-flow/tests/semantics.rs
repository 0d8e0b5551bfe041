//! AppFlow's task semantics, pinned through compiled plans.

use crate::support::{computer, flow, plan, record};
use serde_json::{Value, json};
use ward_flow::{ColumnType, FlowError, FlowPlan, SourceSchema, TaskDefinition as Task, flatten};

fn run(plan: &mut FlowPlan, records: Vec<ward_flow::Record>) -> Vec<Value> {
    plan.apply(records)
        .unwrap()
        .into_iter()
        .map(Value::Object)
        .collect()
}

#[test]
fn map_writes_only_mapped_fields_and_nests_dotted_destinations() {
    let mut plan = plan(vec![
        Task::new("Map", &["hostName"]).destination("host"),
        Task::new("Map", &["ec2VirtualMachineSummary.type"]).destination("ec2.type"),
        Task::new("Map", &["ID"]),
    ]);
    let out = run(&mut plan, vec![computer(1, "web-1", "active", "t3.micro")]);
    assert_eq!(
        out,
        vec![json!({"host": "web-1", "ec2": {"type": "t3.micro"}, "ID": 1})]
    );
    // a field the record lacks is simply absent
    let out = run(&mut plan, vec![record(json!({"ID": 2}))]);
    assert_eq!(out, vec![json!({"ID": 2})]);
}

#[test]
fn the_same_source_field_can_be_mapped_twice() {
    let mut plan = plan(vec![
        Task::new("Map", &["hostName"]).destination("a"),
        Task::new("Map", &["hostName"]).destination("b"),
        Task::new("Mask", &["hostName"])
            .operator("MASK_ALL")
            .destination("c"),
    ]);
    let out = run(&mut plan, vec![computer(1, "web", "active", "t3.micro")]);
    assert_eq!(out, vec![json!({"a": "web", "b": "web", "c": "***"})]);
}

#[test]
fn map_all_keeps_schema_fields_minus_exclusions() {
    let mut plan = plan(vec![Task::new("Map_all", &[]).property(
        "EXCLUDE_SOURCE_FIELDS_LIST",
        "[\"agentVersion\",\"ec2VirtualMachineSummary\"]",
    )]);
    let mut input = computer(1, "web-1", "active", "t3.micro");
    input.insert("notInTheApi".into(), json!(1));
    let out = run(&mut plan, vec![input]);
    let out = out[0].as_object().unwrap();
    assert_eq!(out["hostName"], json!("web-1"));
    assert_eq!(out["computerStatus"]["agentStatus"], json!("active"));
    assert!(!out.contains_key("agentVersion"));
    assert!(!out.contains_key("ec2VirtualMachineSummary"));
    assert!(
        !out.contains_key("notInTheApi"),
        "INCLUDE_NEW_FIELDS defaults to false"
    );
    let schema = plan.output_schema();
    assert_eq!(
        schema.column_type("computerStatus_agentStatus"),
        Some(ColumnType::String)
    );
    assert_eq!(
        schema.column_type("lastAgentCommunication"),
        Some(ColumnType::Timestamp)
    );
    assert_eq!(schema.column_type("agentVersion"), None);
    assert!(!schema.open);

    let mut with_new = crate::support::plan(vec![
        Task::new("Map_all", &[]).property("INCLUDE_NEW_FIELDS", "true"),
    ]);
    let mut input = computer(1, "web-1", "active", "t3.micro");
    input.insert("notInTheApi".into(), json!(1));
    let out = run(&mut with_new, vec![input]);
    assert_eq!(out[0]["notInTheApi"], json!(1));
    assert!(with_new.output_schema().open);
}

#[test]
fn map_all_with_a_projection_copies_only_projected_fields() {
    let mut plan = plan(vec![
        Task::new("Filter", &["hostName", "computerStatus"]).operator("PROJECTION"),
        Task::new("Map_all", &[]),
        Task::new("Mask", &["hostName"])
            .operator("MASK_FIRST_N")
            .property("MASK_LENGTH", "3"),
    ]);
    let out = run(&mut plan, vec![computer(1, "web-1", "active", "t3.micro")]);
    assert_eq!(
        out,
        vec![
            json!({"hostName": "***-1", "computerStatus": {"agentStatus": "active", "agentStatusMessages": ["Managed (Online)"]}})
        ]
    );
    assert_eq!(plan.projection().map(<[_]>::len), Some(2));
}

#[test]
fn mask_operators_keep_length() {
    let mut plan = plan(vec![
        Task::new("Mask", &["hostName"])
            .operator("MASK_ALL")
            .destination("all"),
        Task::new("Mask", &["hostName"])
            .operator("MASK_FIRST_N")
            .property("MASK_LENGTH", "2")
            .destination("first"),
        Task::new("Mask", &["hostName"])
            .operator("MASK_LAST_N")
            .property("MASK_LENGTH", "2")
            .property("MASK_VALUE", "#")
            .destination("last"),
        Task::new("Mask", &["ID"]).operator("MASK_ALL"),
    ]);
    let out = run(
        &mut plan,
        vec![computer(42, "web-01", "active", "t3.micro")],
    );
    assert_eq!(
        out,
        vec![json!({"all": "******", "first": "**b-01", "last": "web-##", "ID": "**"})]
    );
    assert_eq!(
        plan.output_schema().column_type("ID"),
        Some(ColumnType::String)
    );
}

#[test]
fn mask_after_map_masks_the_mapped_value_whatever_the_task_order() {
    for tasks in [
        vec![
            Task::new("Map", &["hostName"]),
            Task::new("Mask", &["hostName"]).operator("MASK_ALL"),
        ],
        vec![
            Task::new("Mask", &["hostName"]).operator("MASK_ALL"),
            Task::new("Map", &["hostName"]),
        ],
    ] {
        let mut plan = plan(tasks);
        let out = run(&mut plan, vec![computer(1, "web", "active", "t3.micro")]);
        assert_eq!(out, vec![json!({"hostName": "***"})]);
    }
}

#[test]
fn truncate_cuts_to_length() {
    let mut plan = plan(vec![
        Task::new("Map", &["platform"]),
        Task::new("Truncate", &["platform"]).property("TRUNCATE_LENGTH", "13"),
        Task::new("Truncate", &["hostName"])
            .property("TRUNCATE_LENGTH", "3")
            .destination("short"),
    ]);
    let out = run(&mut plan, vec![computer(1, "web-1", "active", "t3.micro")]);
    assert_eq!(
        out,
        vec![json!({"platform": "Amazon Linux ", "short": "web"})]
    );
}

#[test]
fn merge_follows_concat_format() {
    let mut plan = plan(vec![
        Task::new("Merge", &["hostName", "ec2VirtualMachineSummary.type"])
            .destination("label")
            .property(
                "CONCAT_FORMAT",
                "${hostName} (${ec2VirtualMachineSummary.type})",
            ),
        Task::new("Merge", &["hostName", "ID"]).destination("plain"),
    ]);
    let mut missing = computer(7, "db", "active", "m5.large");
    missing.remove("ec2VirtualMachineSummary");
    let out = run(
        &mut plan,
        vec![computer(7, "db", "active", "m5.large"), missing],
    );
    assert_eq!(out[0], json!({"label": "db (m5.large)", "plain": "db7"}));
    assert_eq!(out[1], json!({"label": "db ()", "plain": "db7"}));
}

#[test]
fn filter_keeps_only_matching_records() {
    let records = || {
        vec![
            computer(1, "a", "active", "t3.micro"),
            computer(2, "b", "offline", "t3.micro"),
            computer(3, "c", "active", "m5.large"),
            computer(4, "d", "error", "m5.large"),
        ]
    };
    let ids = |tasks: Vec<Task>| -> Vec<i64> {
        let mut tasks = tasks;
        tasks.push(Task::new("Map", &["ID"]));
        let mut plan = plan(tasks);
        run(&mut plan, records())
            .iter()
            .map(|r| r["ID"].as_i64().unwrap())
            .collect()
    };
    let eq = Task::new("Filter", &["computerStatus.agentStatus"])
        .operator("EQUAL_TO")
        .property("VALUE", "active");
    assert_eq!(ids(vec![eq.clone()]), vec![1, 3]);
    let ne = Task::new("Filter", &["computerStatus.agentStatus"])
        .operator("NOT_EQUAL_TO")
        .property("VALUE", "active");
    assert_eq!(ids(vec![ne]), vec![2, 4]);
    let any = Task::new("Filter", &["computerStatus.agentStatus"])
        .operator("EQUAL_TO")
        .property("VALUES", "[\"offline\",\"error\"]");
    assert_eq!(ids(vec![any]), vec![2, 4]);
    let none = Task::new("Filter", &["computerStatus.agentStatus"])
        .operator("NOT_EQUAL_TO")
        .property("VALUES", "offline,error");
    assert_eq!(ids(vec![none]), vec![1, 3]);
    let contains = Task::new("Filter", &["ec2VirtualMachineSummary.type"])
        .operator("CONTAINS")
        .property("VALUE", "m5");
    assert_eq!(ids(vec![contains]), vec![3, 4]);
    let gt = Task::new("Filter", &["ID"])
        .operator("GREATER_THAN")
        .property("VALUE", "2");
    assert_eq!(ids(vec![gt]), vec![3, 4]);
    let ge = Task::new("Filter", &["ID"])
        .operator("GREATER_THAN_OR_EQUAL_TO")
        .property("VALUE", "2");
    assert_eq!(ids(vec![ge]), vec![2, 3, 4]);
    let lt = Task::new("Filter", &["ID"])
        .operator("LESS_THAN")
        .property("VALUE", "2");
    assert_eq!(ids(vec![lt]), vec![1]);
    let le = Task::new("Filter", &["ID"])
        .operator("LESS_THAN_OR_EQUAL_TO")
        .property("VALUE", "2");
    assert_eq!(ids(vec![le]), vec![1, 2]);
    let between = Task::new("Filter", &["ID"])
        .operator("BETWEEN")
        .property("LOWER_BOUND", "2")
        .property("UPPER_BOUND", "3");
    assert_eq!(ids(vec![between]), vec![2, 3]);
    // timestamps: epoch ms in the record, RFC 3339 in the task
    let since = Task::new("Filter", &["lastAgentCommunication"])
        .operator("GREATER_THAN")
        .property("VALUE", "2024-05-01T12:00:00.002Z");
    assert_eq!(ids(vec![since]), vec![3, 4]);
    // numbers as text with an explicit DATA_TYPE: lexicographic
    let text = Task::new("Filter", &["ID"])
        .operator("GREATER_THAN")
        .property("VALUE", "10")
        .property("DATA_TYPE", "string");
    assert_eq!(ids(vec![text]), vec![2, 3, 4]);
    // two filters: both must hold
    let gt1 = Task::new("Filter", &["ID"])
        .operator("GREATER_THAN")
        .property("VALUE", "1");
    assert_eq!(ids(vec![eq, gt1]), vec![3]);
}

#[test]
fn filter_never_matches_missing_or_null_values() {
    let mut plan = plan(vec![
        Task::new("Filter", &["hostName"])
            .operator("NOT_EQUAL_TO")
            .property("VALUE", "x"),
        Task::new("Map", &["ID"]),
    ]);
    let out = run(
        &mut plan,
        vec![
            record(json!({"ID": 1})),
            record(json!({"ID": 2, "hostName": null})),
        ],
    );
    assert!(out.is_empty());
    assert_eq!(plan.stats().records_filtered, 2);
}

#[test]
fn validate_drop_record_drops_and_terminate_flow_names_the_record() {
    let mut drop = plan(vec![
        Task::new("Validate", &["ID"])
            .operator("VALIDATE_NON_NEGATIVE")
            .property("VALIDATION_ACTION", "DropRecord"),
        Task::new("Validate", &["hostName"])
            .operator("VALIDATE_NON_NULL")
            .property("VALIDATION_ACTION", "ignore-record"),
        Task::new("Map", &["ID"]),
    ]);
    let out = run(
        &mut drop,
        vec![
            record(json!({"ID": -1, "hostName": "a"})),
            record(json!({"ID": 2})),
            record(json!({"ID": 3, "hostName": "c"})),
        ],
    );
    assert_eq!(out, vec![json!({"ID": 3})]);
    assert_eq!(drop.stats().records_invalid, 2);

    let mut terminate = plan(vec![
        Task::new("Map", &["ID"]),
        Task::new("Validate", &["policyID"])
            .operator("VALIDATE_NON_ZERO")
            .property("VALIDATION_ACTION", "TerminateFlow"),
    ]);
    let ok = terminate.apply(vec![
        record(json!({"ID": 1, "policyID": 1})),
        record(json!({"ID": 2, "policyID": 2})),
    ]);
    assert_eq!(ok.map(|r| r.len()), Ok(2));
    let error = terminate
        .apply(vec![
            record(json!({"ID": 3, "policyID": 3})),
            record(json!({"ID": 4, "policyID": 0})),
        ])
        .unwrap_err();
    assert_eq!(
        error,
        FlowError::ValidationFailed {
            flow: "test-flow".into(),
            task: 1,
            field: "policyID".into(),
            record: 4,
            check: "VALIDATE_NON_ZERO",
        }
    );
    assert!(error.to_string().contains("record 4"), "{error}");
    assert!(error.is_runtime());
    terminate.reset();
    assert_eq!(terminate.stats().records_read, 0);
}

#[test]
fn validate_numeric() {
    let mut plan = plan(vec![
        Task::new("Validate", &["agentVersion"]).operator("VALIDATE_NUMERIC"),
        Task::new("Map", &["ID"]),
    ]);
    let out = run(
        &mut plan,
        vec![
            record(json!({"ID": 1, "agentVersion": "20.0"})),
            record(json!({"ID": 2, "agentVersion": "20.0.1-21510"})),
        ],
    );
    assert_eq!(out, vec![json!({"ID": 1})]);
}

#[test]
fn arithmetic_in_field_order() {
    let mut plan = plan(vec![
        Task::new("Arithmetic", &["ID", "policyID"])
            .operator("SUBTRACTION")
            .destination("diff")
            .property("MATH_OPERATION_FIELDS_ORDER", "policyID,ID"),
        Task::new("Arithmetic", &["ID", "policyID"])
            .operator("DIVISION")
            .destination("ratio"),
        Task::new("Arithmetic", &["ID", "policyID"])
            .operator("MULTIPLICATION")
            .destination("product"),
    ]);
    let out = run(
        &mut plan,
        vec![
            record(json!({"ID": 6, "policyID": 3})),
            record(json!({"ID": 6, "policyID": 0})),
            record(json!({"ID": "x", "policyID": 1})),
        ],
    );
    assert_eq!(out[0], json!({"diff": -3, "ratio": 2.0, "product": 18}));
    assert_eq!(out[1], json!({"diff": -6, "ratio": null, "product": 0}));
    assert_eq!(
        out[2],
        json!({"diff": null, "ratio": null, "product": null})
    );
    let schema = plan.output_schema();
    assert_eq!(schema.column_type("diff"), Some(ColumnType::Integer));
    assert_eq!(schema.column_type("ratio"), Some(ColumnType::Double));
}

#[test]
fn passthrough_and_destination_data_type() {
    let mut plan = plan(vec![
        Task::new("Passthrough", &["hostName", "computerStatus.agentStatus"]),
        Task::new("Map", &["ID"])
            .destination("id")
            .property("DESTINATION_DATA_TYPE", "string"),
    ]);
    let out = run(&mut plan, vec![computer(5, "h", "active", "t")]);
    assert_eq!(
        out,
        vec![json!({"hostName": "h", "computerStatus": {"agentStatus": "active"}, "id": "5"})]
    );
    assert_eq!(
        plan.output_schema().column_type("id"),
        Some(ColumnType::String)
    );
}

#[test]
fn output_schema_is_typed_and_flattened() {
    let plan = plan(vec![
        Task::new("Map", &["ID"]),
        Task::new("Map", &["ec2VirtualMachineSummary"]).destination("ec2"),
        Task::new("Map", &["lastAgentCommunication"]),
        Task::new("Map", &["computerStatus.agentStatusMessages"]).destination("messages"),
        Task::new("Partition", &[]).property("ORDERED_PARTITION_KEYS_LIST", "[\"ec2.accountID\"]"),
    ]);
    let schema = plan.output_schema();
    assert_eq!(schema.columns[0].name, "ID");
    assert_eq!(schema.column_type("ID"), Some(ColumnType::Integer));
    assert_eq!(schema.column_type("ec2_type"), Some(ColumnType::String));
    assert_eq!(
        schema.column_type("ec2_securityGroups"),
        Some(ColumnType::String)
    );
    assert_eq!(
        schema.column_type("lastAgentCommunication"),
        Some(ColumnType::Timestamp)
    );
    assert_eq!(schema.column_type("messages"), Some(ColumnType::String));
    assert_eq!(plan.partition_keys(), ["ec2_accountID".to_owned()]);
    // and a flattened record has exactly those names
    let mut plan = plan;
    let out = plan
        .apply(vec![computer(1, "h", "active", "t3.micro")])
        .unwrap();
    let flat = flatten(&out[0]);
    for name in flat.keys() {
        assert!(schema_has(&plan, name), "{name} not in the output schema");
    }
    assert_eq!(
        flat["ec2_securityGroups"],
        json!("[{\"ID\":\"sg-1\",\"name\":\"web\"}]")
    );
}

fn schema_has(plan: &FlowPlan, name: &str) -> bool {
    plan.output_schema().column_type(name).is_some()
}

#[test]
fn positions_count_across_batches_and_stats_add_up() {
    let mut plan = plan(vec![
        Task::new("Filter", &["computerStatus.agentStatus"])
            .operator("EQUAL_TO")
            .property("VALUE", "active"),
        Task::new("Map", &["ID"]),
    ]);
    for batch in 0..3 {
        let records = (0..10)
            .map(|i| {
                computer(
                    batch * 10 + i,
                    "h",
                    if i % 2 == 0 { "active" } else { "offline" },
                    "t",
                )
            })
            .collect();
        assert_eq!(plan.apply(records).unwrap().len(), 5);
    }
    let stats = plan.stats();
    assert_eq!(
        (
            stats.records_read,
            stats.records_written,
            stats.records_filtered
        ),
        (30, 15, 15)
    );
}

#[test]
fn file_source_has_an_open_schema() {
    let mut definition = flow(vec![
        Task::new("Map", &["anything.nested"]).destination("x"),
        Task::new("Filter", &["n"])
            .operator("GREATER_THAN")
            .property("VALUE", "2"),
    ]);
    definition.source =
        ward_flow::FlowSource::File(ward_flow::FileLocation::Local("x.jsonl".into()));
    let mut plan = FlowPlan::compile(&definition, &SourceSchema::builtin("file").unwrap()).unwrap();
    let out = plan
        .apply(vec![
            record(json!({"n": 3, "anything": {"nested": [1]}})),
            record(json!({"n": "1"})),
        ])
        .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(Value::Object(out[0].clone()), json!({"x": [1]}));
    assert!(plan.output_schema().open);
}
