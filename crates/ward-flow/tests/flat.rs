//! Flat reading ([`FlowPlan::apply_json_lines_flat`]) gives what parsing every line, applying
//! the plan and flattening the output gives: the same rows (in the output schema's columns),
//! counters and errors.

use serde_json::{Map, Value, json};
use ward_flow::{FlatBatch, FlatRow, FlatValue, FlowDefinition, FlowPlan, Record, flatten};

const FLOW: &str = r#"
name = "flat"
source = "computers"

[[tasks]]
type = "Filter"
operator = "EQUAL_TO"
source_fields = ["computerStatus.agentStatus"]
properties = { VALUE = "active", DATA_TYPE = "string" }

[[tasks]]
type = "Map_all"
properties = { EXCLUDE_SOURCE_FIELDS_LIST = "interfaces" }

[[tasks]]
type = "Mask"
operator = "MASK_LAST_N"
source_fields = ["hostName"]
properties = { MASK_LENGTH = "4" }

[[tasks]]
type = "Truncate"
source_fields = ["description"]
properties = { TRUNCATE_LENGTH = "8" }

[[tasks]]
type = "Merge"
source_fields = ["platform", "agentVersion"]
destination = "platformAgent"
properties = { CONCAT_FORMAT = "${platform} / ${agentVersion}" }

[[tasks]]
type = "Map"
source_fields = ["ec2VirtualMachineSummary.type"]
destination = "ec2VirtualMachineSummary.kind"

[destination]
path = "out"
format = "parquet"
"#;

fn plan() -> FlowPlan {
    let definition: FlowDefinition = toml::from_str(FLOW).unwrap();
    FlowPlan::compile_builtin(&definition).unwrap()
}

/// A flat row as the flattened record it stands for.
fn flattened(batch: &FlatBatch, row: &FlatRow) -> Record {
    match row {
        FlatRow::Record(record) => flatten(record),
        FlatRow::Flat { leaves, written } => {
            let mut flat = Map::new();
            for (leaf, value) in leaves {
                let value = match value {
                    FlatValue::Null => Value::Null,
                    FlatValue::Bool(flag) => Value::Bool(*flag),
                    FlatValue::Number(number) => Value::Number(number.clone()),
                    FlatValue::Text(start, end) => {
                        Value::String(batch.text_of(*start, *end).to_owned())
                    }
                    FlatValue::Owned(text) => Value::String(text.clone()),
                };
                assert!(
                    flat.insert(batch.names[*leaf as usize].clone(), value)
                        .is_none()
                );
            }
            for (name, value) in written {
                assert!(flat.insert(name.clone(), value.clone()).is_none(), "{name}");
            }
            flat
        }
    }
}

fn lines() -> Vec<String> {
    let mut lines = Vec::new();
    for id in 0..1500 {
        let status = if id % 3 == 0 { "offline" } else { "active" };
        let mut computer = json!({
            "ID": id,
            "hostName": format!("ip-10-0-{id}.internal"),
            "description": if id % 5 == 0 { Value::Null } else { json!("a \"quoted\" description é") },
            "platform": "Linux",
            "agentVersion": "20.0.1",
            "lastAgentCommunication": 1_714_564_800_000i64 + id,
            "policyID": id % 7,
            "unknownField": {"x": 1},
            "computerStatus": {"agentStatus": status, "agentStatusMessages": ["Managed", "Online"]},
            "ec2VirtualMachineSummary": {"type": "t3.micro", "accountID": "111122223333"},
            "interfaces": {"interfaces": [{"ID": 1, "name": "eth0"}]},
        });
        match id % 11 {
            // an object where the schema has a leaf
            1 => computer["ID"] = json!({"inner": 1}),
            // a non-object where a task writes below it, and where the schema has an object
            2 => computer["ec2VirtualMachineSummary"] = json!("none"),
            3 => computer["computerStatus"] = json!(null),
            4 => {
                computer.as_object_mut().unwrap().remove("policyID");
            }
            5 => computer["hostName"] = json!(12345),
            _ => {}
        }
        let mut line = computer.to_string();
        if id % 13 == 0 {
            // a duplicate key: the last one counts
            line = line.replacen('{', "{\"platform\":\"Windows\",\"displayName\":\"x\",", 1);
            line.pop();
            line.push_str(",\"displayName\":\"y\"}");
        }
        lines.push(line);
    }
    lines
}

#[test]
fn flat_rows_are_the_flattened_output_of_apply() {
    let lines = lines();
    let text = lines.join("\n") + "\n\n";
    let mut whole = plan();
    let records: Vec<Record> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    // One record after the other, as `apply` does in parallel.
    let mut single = plan();
    let one_by_one: Vec<Record> = records
        .iter()
        .filter_map(|record| single.apply_one(record.clone()).unwrap())
        .collect();
    let applied = whole.apply(records).unwrap();
    assert_eq!(applied, one_by_one);
    assert_eq!(whole.stats(), single.stats());
    let expected: Vec<Record> = applied.iter().map(flatten).collect();
    let mut flat = plan();
    assert!(flat.reads_flat());
    let batch = flat.apply_json_lines_flat(text).unwrap();
    let got: Vec<Record> = batch
        .rows
        .iter()
        .map(|row| flattened(&batch, row))
        .collect();
    // What a writer takes: the output schema's columns (the schema is closed).
    let columns: Vec<&str> = flat
        .output_schema()
        .columns
        .iter()
        .map(|column| column.name.as_str())
        .collect();
    let written = |row: &Record| -> Record {
        row.iter()
            .filter(|(name, _)| columns.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    };
    assert_eq!(got.len(), expected.len());
    for (index, (got, expected)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(written(got), written(expected), "row {index}");
    }
    assert_eq!(flat.stats(), whole.stats());
    assert!(
        batch
            .rows
            .iter()
            .filter(|row| matches!(row, FlatRow::Flat { .. }))
            .count()
            > expected.len() / 2
    );
}

#[test]
fn flat_reading_names_a_bad_line_as_parsing_does() {
    let mut flat = plan();
    let error = flat
        .apply_json_lines_flat("{\"ID\": 1}\n[1]\n".to_owned())
        .unwrap_err();
    assert_eq!(error.to_string(), "line 2: not an object but an array");
    let error = flat
        .apply_json_lines_flat("{\"ID\": 1}\n{\"ID\": \n".to_owned())
        .unwrap_err();
    assert!(error.to_string().starts_with("line 2: not JSON"), "{error}");
}

#[test]
fn a_line_the_filter_drops_is_not_read_whole() {
    // A number serde cannot build, in a field only `Map_all` copies: the line is dropped on its
    // gate field alone, as `apply_json_lines` does; kept, it is an error in both.
    let dropped = r#"{"ID": 1, "policyID": 1e400, "computerStatus": {"agentStatus": "offline", "agentStatusMessages": [1e400]}}"#;
    let kept =
        r#"{"ID": 2, "hostName": "ip-10-0-0-2", "computerStatus": {"agentStatus": "active"}}"#;
    let text = format!("{dropped}\n{kept}\n");
    let mut lines = plan();
    let records = lines.apply_json_lines(&text).unwrap();
    let mut flat = plan();
    let batch = flat.apply_json_lines_flat(text.clone()).unwrap();
    assert_eq!(batch.rows.len(), records.len());
    assert_eq!(flat.stats(), lines.stats());
    assert_eq!(flat.stats().records_filtered, 1);
    let bad = dropped.replace("offline", "active");
    let error = plan().apply_json_lines(&bad).unwrap_err().to_string();
    assert_eq!(
        plan()
            .apply_json_lines_flat(bad.clone())
            .unwrap_err()
            .to_string(),
        error
    );
}
