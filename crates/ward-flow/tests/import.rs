//! `import_appflow` on a realistic `CreateFlow` request, and the flow it yields running.

use crate::support::computer;
use serde_json::{Value, json};
use ward_flow::{
    Aggregation, FileFormat, FlowPlan, ImportError, PathPrefix, PrefixFormat, PrefixType, PullMode,
    Trigger, import_appflow,
};

const CREATE_FLOW: &[u8] = include_bytes!("fixtures/create-flow-computers.json");

#[test]
fn create_flow_fixture_imports() {
    let flow = import_appflow(CREATE_FLOW).unwrap();
    assert_eq!(flow.name, "trendmicro-computers-to-s3");
    assert_eq!(
        flow.source,
        ward_flow::FlowSource::Manager(ward_flow::ManagerObject::Computers)
    );
    assert_eq!(flow.tasks.len(), 10);
    assert_eq!(flow.tasks[0].task_type, "Filter");
    assert_eq!(flow.tasks[0].operator.as_deref(), Some("PROJECTION"));
    assert_eq!(flow.tasks[5].properties["MASK_LENGTH"], "4");
    let destination = &flow.destination;
    assert_eq!(
        destination.path,
        "s3://security-lake-111122223333/workload-security"
    );
    assert_eq!(destination.format, FileFormat::Parquet);
    assert_eq!(destination.aggregation, Aggregation::SingleFile);
    assert_eq!(destination.target_file_size_mb, Some(128));
    assert!(destination.preserve_source_data_typing);
    assert_eq!(destination.prefix.prefix_type, PrefixType::Path);
    assert_eq!(destination.prefix.format, Some(PrefixFormat::Day));
    assert_eq!(destination.prefix.hierarchy, vec![PathPrefix::ExecutionId]);
    assert!(
        destination
            .sse_kms_key_id
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:kms:")
    );
    match &flow.trigger {
        Trigger::Scheduled {
            schedule,
            pull_mode,
            watermark_field,
            start_time,
            ..
        } => {
            assert_eq!(schedule.rate_period_ms(), Some(3_600_000));
            assert_eq!(*pull_mode, PullMode::Incremental);
            assert_eq!(watermark_field.as_deref(), Some("lastAgentCommunication"));
            assert_eq!(*start_time, Some(1_714_564_800_000));
        }
        other => panic!("unexpected trigger {other:?}"),
    }
}

#[test]
fn imported_flow_compiles_and_runs() {
    let flow = import_appflow(CREATE_FLOW).unwrap();
    let mut plan = FlowPlan::compile_builtin(&flow).unwrap();
    let out = plan
        .apply(vec![
            computer(1, "web-server", "active", "t3.micro"),
            computer(2, "db", "offline", "m5.large"),
        ])
        .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(
        Value::Object(out[0].clone()),
        json!({
            "ID": 1,
            "hostName": "web-se****",
            "ec2VirtualMachineSummary": {"type": "t3.micro"},
            "platform": "Amazon Linux",
            "instanceRef": "111122223333/i-00000000000000001",
            "lastAgentCommunication": 1_714_564_800_001i64,
        })
    );
}

#[test]
fn describe_flow_output_with_event_trigger_is_refused() {
    let mut value: Value = serde_json::from_slice(CREATE_FLOW).unwrap();
    value["triggerConfig"] = json!({"triggerType": "Event"});
    value["flowArn"] = json!("arn:aws:appflow:us-east-1:111122223333:flow/x");
    let bytes = serde_json::to_vec(&value).unwrap();
    assert_eq!(
        import_appflow(&bytes),
        Err(ImportError::UnsupportedTrigger("Event".into()))
    );
}

#[test]
fn import_errors_name_the_key() {
    let mut value: Value = serde_json::from_slice(CREATE_FLOW).unwrap();
    value["destinationFlowConfigList"][0]["destinationConnectorProperties"]["S3"]["s3OutputFormatConfig"]
        ["fileType"] = json!("AVRO");
    let error = import_appflow(&serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`s3OutputFormatConfig.fileType` = `AVRO`: expected JSON, CSV or PARQUET"
    );

    let mut value: Value = serde_json::from_slice(CREATE_FLOW).unwrap();
    value["sourceFlowConfig"]["sourceConnectorProperties"] =
        json!({"Salesforce": {"object": "Account"}});
    assert_eq!(
        import_appflow(&serde_json::to_vec(&value).unwrap()),
        Err(ImportError::UnknownObject("Account".into()))
    );

    let mut value: Value = serde_json::from_slice(CREATE_FLOW).unwrap();
    value["destinationFlowConfigList"] =
        json!([{"connectorType": "Redshift", "destinationConnectorProperties": {"Redshift": {}}}]);
    assert_eq!(
        import_appflow(&serde_json::to_vec(&value).unwrap()),
        Err(ImportError::NoS3Destination)
    );

    let mut value: Value = serde_json::from_slice(CREATE_FLOW).unwrap();
    value["triggerConfig"]["triggerProperties"]["Scheduled"]["scheduleExpression"] =
        json!("every hour");
    assert!(matches!(
        import_appflow(&serde_json::to_vec(&value).unwrap()),
        Err(ImportError::Invalid { .. })
    ));
}

#[test]
fn s3_source_becomes_a_file_source() {
    let mut value: Value = serde_json::from_slice(CREATE_FLOW).unwrap();
    value["sourceFlowConfig"] = json!({
        "connectorType": "S3",
        "sourceConnectorProperties": {"S3": {"bucketName": "exports", "bucketPrefix": "computers/"}}
    });
    let flow = import_appflow(&serde_json::to_vec(&value).unwrap()).unwrap();
    // AppFlow's S3 source reads a folder: the flow reads every object under the prefix.
    assert_eq!(
        flow.source,
        ward_flow::FlowSource::File(ward_flow::FileLocation::S3 {
            bucket: "exports".into(),
            key: "computers".into()
        })
    );
}
