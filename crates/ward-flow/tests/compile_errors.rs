//! Every bad definition is refused before any record moves, naming the flow, task and field.

use crate::support::flow;
use ward_flow::{FlowError, FlowPlan, ScheduleExpression, TaskDefinition as Task, Trigger};

fn error(tasks: Vec<Task>) -> FlowError {
    FlowPlan::compile_builtin(&flow(tasks)).expect_err("compile must fail")
}

fn map_id() -> Task {
    Task::new("Map", &["ID"])
}

#[test]
fn each_bad_task_is_named() {
    let cases: Vec<(Vec<Task>, &str)> = vec![
        (
            vec![map_id(), Task::new("Pivot", &["ID"])],
            "flow `test-flow` tasks[1]: unknown task type `Pivot`",
        ),
        (
            vec![map_id(), Task::new("Filter", &["ID"]).operator("LIKE")],
            "flow `test-flow` tasks[1]: unknown operator `LIKE`",
        ),
        (
            vec![Task::new("Mask", &["hostName"]).operator("EQUAL_TO")],
            "flow `test-flow` tasks[0]: a Mask task cannot use operator `EQUAL_TO`",
        ),
        (
            vec![map_id(), Task::new("Filter", &["ID"])],
            "flow `test-flow` tasks[1]: a Filter task cannot use operator `none`",
        ),
        (
            vec![Task::new("Map", &["hostname"])],
            "flow `test-flow` tasks[0]: source `computers` has no field `hostname`",
        ),
        (
            vec![Task::new("Map", &["ec2VirtualMachineSummary.size"])],
            "flow `test-flow` tasks[0]: source `computers` has no field `ec2VirtualMachineSummary.size`",
        ),
        (
            vec![Task::new("Map", &["a..b"])],
            "flow `test-flow` tasks[0]: field `a..b`: empty segment in field path `a..b`",
        ),
        (
            vec![Task::new("Map", &["ID", "hostName"])],
            "flow `test-flow` tasks[0]: a Map task takes 1 source field(s), found 2",
        ),
        (
            vec![Task::new("Truncate", &["hostName"])],
            "flow `test-flow` tasks[0]: missing task property `TRUNCATE_LENGTH`",
        ),
        (
            vec![Task::new("Truncate", &["hostName"]).property("TRUNCATE_LENGTH", "-1")],
            "flow `test-flow` tasks[0]: task property `TRUNCATE_LENGTH` = `-1`: expected a whole number ≥ 0",
        ),
        (
            vec![Task::new("Mask", &["hostName"]).operator("MASK_FIRST_N")],
            "flow `test-flow` tasks[0]: missing task property `MASK_LENGTH`",
        ),
        (
            vec![Task::new("Mask", &["hostName"]).property("MASK_VALUE", "**")],
            "flow `test-flow` tasks[0]: task property `MASK_VALUE` = `**`: expected exactly one character",
        ),
        (
            vec![map_id().property("COLOR", "red")],
            "flow `test-flow` tasks[0]: unknown task property `COLOR`",
        ),
        (
            vec![map_id().property("DESTINATION_DATA_TYPE", "blob")],
            "flow `test-flow` tasks[0]: task property `DESTINATION_DATA_TYPE` = `blob`: unknown data type",
        ),
        (
            vec![Task::new("Merge", &["hostName"])],
            "flow `test-flow` tasks[0]: missing destination field",
        ),
        (
            vec![
                Task::new("Merge", &["hostName"])
                    .destination("x")
                    .property("CONCAT_FORMAT", "${platform}"),
            ],
            "flow `test-flow` tasks[0]: task property `CONCAT_FORMAT` = `${platform}`: `${platform}` is not one of the task's source fields",
        ),
        (
            vec![
                Task::new("Merge", &["hostName"])
                    .destination("x")
                    .property("CONCAT_FORMAT", "${hostName"),
            ],
            "flow `test-flow` tasks[0]: task property `CONCAT_FORMAT` = `${hostName`: a `${` has no closing `}`",
        ),
        (
            vec![
                Task::new("Arithmetic", &["ID"])
                    .operator("ADDITION")
                    .destination("x"),
            ],
            "flow `test-flow` tasks[0]: a Arithmetic task takes at least 2 source field(s), found 1",
        ),
        (
            vec![
                Task::new("Arithmetic", &["ID", "policyID"])
                    .operator("ADDITION")
                    .destination("x")
                    .property("MATH_OPERATION_FIELDS_ORDER", "ID,groupID"),
            ],
            "flow `test-flow` tasks[0]: task property `MATH_OPERATION_FIELDS_ORDER` = `ID,groupID`: `groupID` is not one of the task's source fields",
        ),
        (
            vec![
                map_id(),
                Task::new("Filter", &["ID"])
                    .operator("GREATER_THAN")
                    .property("VALUE", "ten"),
            ],
            "flow `test-flow` tasks[1]: task property `VALUE` = `ten`: not a Number value",
        ),
        (
            vec![
                map_id(),
                Task::new("Filter", &["ID"]).operator("GREATER_THAN"),
            ],
            "flow `test-flow` tasks[1]: missing task property `VALUE`",
        ),
        (
            vec![
                map_id(),
                Task::new("Filter", &["ID"])
                    .operator("BETWEEN")
                    .property("LOWER_BOUND", "5")
                    .property("UPPER_BOUND", "1"),
            ],
            "flow `test-flow` tasks[1]: task property `LOWER_BOUND` = `5`: LOWER_BOUND is above UPPER_BOUND",
        ),
        (
            vec![
                map_id(),
                Task::new("Validate", &["ID"])
                    .operator("VALIDATE_NON_NULL")
                    .property("VALIDATION_ACTION", "retry"),
            ],
            "flow `test-flow` tasks[1]: task property `VALIDATION_ACTION` = `retry`: expected DropRecord (ignore-record) or TerminateFlow (terminate-flow)",
        ),
        (
            vec![map_id(), Task::new("Map", &["hostName"]).destination("ID")],
            "flow `test-flow` tasks[1]: destination field `ID` is already written by tasks[0]",
        ),
        (
            vec![
                Task::new("Filter", &["ID"]).operator("PROJECTION"),
                Task::new("Map", &["hostName"]),
            ],
            "flow `test-flow` tasks[1]: field `hostName` is not in the flow's PROJECTION",
        ),
        (
            vec![
                Task::new("Filter", &["ID"])
                    .operator("EQUAL_TO")
                    .property("VALUE", "1"),
            ],
            "flow `test-flow`: no task maps a field (add Map, Map_all, Merge, Arithmetic, Mask or Truncate)",
        ),
        (
            vec![
                map_id(),
                Task::new("Partition", &[]).property("ORDERED_PARTITION_KEYS_LIST", "hostName"),
            ],
            "flow `test-flow` tasks[1]: task property `ORDERED_PARTITION_KEYS_LIST` = `hostName`: not a destination field of the flow",
        ),
        (
            vec![Task::new("Map_all", &[]).property("EXCLUDE_SOURCE_FIELDS_LIST", "[\"nope\"]")],
            "flow `test-flow` tasks[0]: source `computers` has no field `nope`",
        ),
    ];
    for (tasks, expected) in cases {
        assert_eq!(error(tasks).to_string(), expected);
    }
}

#[test]
fn errors_expose_the_task_index() {
    assert_eq!(
        error(vec![map_id(), Task::new("Map", &["x"])]).task(),
        Some(1)
    );
    assert_eq!(error(vec![]).task(), None);
}

#[test]
fn flow_level_errors() {
    let mut definition = flow(vec![map_id()]);
    definition.name = "bad name".into();
    assert!(matches!(
        FlowPlan::compile_builtin(&definition),
        Err(FlowError::InvalidName { .. })
    ));

    let definition = flow(vec![map_id()]);
    let policies = ward_flow::SourceSchema::builtin("policies").unwrap();
    assert!(matches!(
        FlowPlan::compile(&definition, &policies),
        Err(FlowError::SourceMismatch { .. })
    ));

    let schedule = ScheduleExpression::parse("rate(1 hour)").unwrap();
    let mut definition = flow(vec![map_id()]);
    definition.trigger = Trigger::Incremental {
        schedule: schedule.clone(),
        watermark_field: "lastSeen".into(),
    };
    assert_eq!(
        FlowPlan::compile_builtin(&definition)
            .unwrap_err()
            .to_string(),
        "flow `test-flow` trigger: watermark field `lastSeen`: source `computers` has no such field"
    );
    definition.trigger = Trigger::Incremental {
        schedule,
        watermark_field: "hostName".into(),
    };
    assert!(matches!(
        FlowPlan::compile_builtin(&definition),
        Err(FlowError::InvalidWatermark { .. })
    ));
}
