//! ward-lake's integration tests: runs written to a local directory and read back — layout,
//! formats, aggregation, and that nothing unfinished is ever published.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use ward_flow::{
    Aggregation, Column, ColumnType, Destination, FileFormat, OutputSchema, PathPrefix,
    PrefixConfig, PrefixFormat, PrefixType, Record,
};
use ward_lake::{LakeError, LakeWriter, RunLayout, S3Options};

mod runner;
mod sources;

const STARTED: i64 = 1_714_571_110_000; // 2024-05-01T13:45:10Z

fn layout() -> RunLayout {
    RunLayout {
        flow: "computers".into(),
        execution_id: "exec-1".into(),
        schema_version: 1,
        started_at_ms: STARTED,
    }
}

fn schema() -> OutputSchema {
    let column = |name: &str, column_type| Column {
        name: name.into(),
        column_type,
        sparse: false,
    };
    OutputSchema {
        columns: vec![
            column("ID", ColumnType::Integer),
            column("hostName", ColumnType::String),
            column("computerStatus_agentStatus", ColumnType::String),
            column("lastAgentCommunication", ColumnType::Timestamp),
            column("protected", ColumnType::Boolean),
        ],
        open: false,
    }
}

fn records(range: std::ops::Range<i64>) -> Vec<Record> {
    range
        .map(|id| {
            let value = json!({
                "ID": id,
                "hostName": format!("web-{id}"),
                "computerStatus": {"agentStatus": "active"},
                "lastAgentCommunication": STARTED + id,
                "protected": id % 2 == 0,
            });
            match value {
                Value::Object(record) => record,
                _ => unreachable!(),
            }
        })
        .collect()
}

fn destination(dir: &Path, format: FileFormat) -> Destination {
    let mut destination = Destination::new(&dir.display().to_string());
    destination.format = format;
    destination
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, found);
            } else {
                found.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort();
    found
}

#[tokio::test]
async fn jsonl_single_file_keeps_nested_records_and_appflow_layout() {
    let dir = tempfile::tempdir().unwrap();
    let mut destination = destination(dir.path(), FileFormat::Jsonl);
    destination.aggregation = Aggregation::SingleFile;
    destination.prefix = PrefixConfig {
        prefix_type: PrefixType::PathAndFilename,
        format: Some(PrefixFormat::Day),
        hierarchy: vec![PathPrefix::ExecutionId],
    };
    let mut writer = LakeWriter::open(&destination, &layout(), schema(), &S3Options::default())
        .await
        .unwrap();
    writer.write(&records(0..3)).await.unwrap();
    writer.write(&[]).await.unwrap();
    writer.write(&records(3..5)).await.unwrap();
    // Nothing is visible under its final name before the commit.
    assert!(
        files(dir.path())
            .iter()
            .all(|file| file.starts_with("_tmp/")),
        "{:?}",
        files(dir.path())
    );
    let written = writer.commit().await.unwrap();
    let expected = "computers/exec-1/2024/05/01/2024-05-01-part-00000.jsonl";
    assert_eq!(files(dir.path()), vec![expected.to_owned()]);
    assert_eq!(written.records, 5);
    assert_eq!(
        written.files,
        vec![format!(
            "{}/{expected}",
            dir.path().canonicalize().unwrap().display()
        )]
    );
    let text = std::fs::read_to_string(dir.path().join(expected)).unwrap();
    assert_eq!(written.bytes, text.len() as u64);
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[4]["computerStatus"]["agentStatus"], json!("active"));
    assert_eq!(lines[4]["ID"], json!(4));
}

#[tokio::test]
async fn aggregation_none_writes_a_file_per_batch() {
    let dir = tempfile::tempdir().unwrap();
    let destination = destination(dir.path(), FileFormat::Csv);
    let mut writer = LakeWriter::open(&destination, &layout(), schema(), &S3Options::default())
        .await
        .unwrap();
    writer.write(&records(0..2)).await.unwrap();
    writer.write(&records(2..3)).await.unwrap();
    let written = writer.commit().await.unwrap();
    assert_eq!(
        files(dir.path()),
        vec![
            "computers/exec-1/part-00000.csv".to_owned(),
            "computers/exec-1/part-00001.csv".to_owned()
        ]
    );
    assert_eq!(written.files.len(), 2);
    let second =
        std::fs::read_to_string(dir.path().join("computers/exec-1/part-00001.csv")).unwrap();
    assert_eq!(
        second,
        format!(
            "ID,hostName,computerStatus_agentStatus,lastAgentCommunication,protected\n\
             2,web-2,active,{},true\n",
            STARTED + 2
        )
    );
}

#[tokio::test]
async fn single_file_rolls_over_at_the_target_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut destination = destination(dir.path(), FileFormat::Jsonl);
    destination.aggregation = Aggregation::SingleFile;
    destination.target_file_size_mb = Some(1);
    let mut writer = LakeWriter::open(&destination, &layout(), schema(), &S3Options::default())
        .await
        .unwrap();
    // About 130 bytes a record: 5,000-record batches pass 1 MB in the second batch.
    for start in (0..20_000).step_by(5_000) {
        writer.write(&records(start..start + 5_000)).await.unwrap();
    }
    let written = writer.commit().await.unwrap();
    assert_eq!(written.records, 20_000);
    assert_eq!(written.files.len(), 2, "{:?}", written.files);
    let total: u64 = files(dir.path())
        .iter()
        .map(|file| std::fs::metadata(dir.path().join(file)).unwrap().len())
        .sum();
    assert_eq!(total, written.bytes);
}

#[tokio::test]
async fn typed_parquet_reads_back_with_its_types() {
    use arrow_array::{Array, BooleanArray, Int64Array, StringArray, TimestampMillisecondArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = tempfile::tempdir().unwrap();
    let mut destination = destination(dir.path(), FileFormat::Parquet);
    destination.aggregation = Aggregation::SingleFile;
    destination.preserve_source_data_typing = true;
    let mut writer = LakeWriter::open(&destination, &layout(), schema(), &S3Options::default())
        .await
        .unwrap();
    let mut batch = records(0..3);
    batch[1].remove("hostName");
    writer.write(&batch).await.unwrap();
    writer.write(&records(3..7)).await.unwrap();
    writer.commit().await.unwrap();
    let file = std::fs::File::open(dir.path().join("computers/exec-1/part-00000.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    assert_eq!(reader.metadata().num_row_groups(), 2);
    let batches: Vec<_> = reader.build().unwrap().map(Result::unwrap).collect();
    let first = &batches[0];
    let schema = first.schema();
    let types: Vec<String> = schema
        .fields()
        .iter()
        .map(|field| format!("{}:{}", field.name(), field.data_type()))
        .collect();
    assert_eq!(
        types,
        [
            "ID:Int64",
            "hostName:Utf8",
            "computerStatus_agentStatus:Utf8",
            "lastAgentCommunication:Timestamp(Millisecond, Some(\"UTC\"))",
            "protected:Boolean"
        ]
    );
    let ids = first
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    assert_eq!(ids.values().to_vec(), vec![0, 1, 2, 3, 4, 5, 6]);
    let hosts = first
        .column(1)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert!(hosts.is_null(1));
    assert_eq!(hosts.value(2), "web-2");
    let seen = first
        .column(3)
        .as_any()
        .downcast_ref::<TimestampMillisecondArray>()
        .unwrap();
    assert_eq!(seen.value(2), STARTED + 2);
    let protected = first
        .column(4)
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap();
    assert!(protected.value(2));
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 7);
}

#[tokio::test]
async fn untyped_parquet_is_all_text() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = tempfile::tempdir().unwrap();
    let destination = destination(dir.path(), FileFormat::Parquet);
    let mut writer = LakeWriter::open(&destination, &layout(), schema(), &S3Options::default())
        .await
        .unwrap();
    writer.write(&records(0..2)).await.unwrap();
    writer.commit().await.unwrap();
    let file = std::fs::File::open(dir.path().join("computers/exec-1/part-00000.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    assert!(
        reader
            .schema()
            .fields()
            .iter()
            .all(|field| field.data_type() == &arrow_schema::DataType::Utf8)
    );
}

#[tokio::test]
async fn an_aborted_run_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let destination = destination(dir.path(), FileFormat::Parquet);
    let mut writer = LakeWriter::open(&destination, &layout(), schema(), &S3Options::default())
        .await
        .unwrap();
    writer.write(&records(0..2)).await.unwrap();
    writer.write(&records(2..4)).await.unwrap();
    assert!(!files(dir.path()).is_empty());
    writer.abort().await;
    assert_eq!(files(dir.path()), Vec::<String>::new());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_value_that_misfits_its_column_fails_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut destination = destination(dir.path(), FileFormat::Parquet);
    destination.preserve_source_data_typing = true;
    let mut writer = LakeWriter::open(&destination, &layout(), schema(), &S3Options::default())
        .await
        .unwrap();
    writer.write(&records(0..2)).await.unwrap();
    let mut bad = records(2..4);
    bad[1].insert("ID".into(), json!("four"));
    let error = writer.write(&bad).await.unwrap_err();
    assert!(
        matches!(error, LakeError::Value { position: 4, .. }),
        "{error}"
    );
    writer.abort().await;
    assert_eq!(files(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn an_unwritable_directory_fails_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let destination = destination(&PathBuf::from(&blocker).join("lake"), FileFormat::Jsonl);
    let error = LakeWriter::open(&destination, &layout(), schema(), &S3Options::default())
        .await
        .unwrap_err();
    assert!(matches!(error, LakeError::Destination { .. }), "{error}");
    assert!(
        error.to_string().contains("cannot create the directory"),
        "{error}"
    );
}

#[tokio::test]
async fn an_s3_path_without_a_bucket_is_refused() {
    let error = LakeWriter::open(
        &Destination::new("s3://"),
        &layout(),
        schema(),
        &S3Options::default(),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("needs a bucket"), "{error}");
}

/// The columns and rows of a Parquet file, every value as text.
fn parquet_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    use arrow_array::Array;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        columns = batch
            .schema()
            .fields()
            .iter()
            .map(|field| field.name().clone())
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .map(|column| {
                        if column.is_null(row) {
                            "null".to_owned()
                        } else {
                            format!("{:?}", column.slice(row, 1))
                        }
                    })
                    .collect(),
            );
        }
    }
    (columns, rows)
}

fn sparse_schema() -> OutputSchema {
    let mut schema = schema();
    schema.columns.push(Column {
        name: "ec2VirtualMachineSummary_type".into(),
        column_type: ColumnType::String,
        sparse: true,
    });
    schema.columns.push(Column {
        name: "description".into(),
        column_type: ColumnType::String,
        sparse: true,
    });
    schema
}

#[tokio::test]
async fn a_parquet_file_holds_the_sparse_columns_its_data_has_and_rolls_over_for_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut destination = destination(dir.path(), FileFormat::Parquet);
    destination.aggregation = Aggregation::SingleFile;
    destination.preserve_source_data_typing = true;
    let mut writer = LakeWriter::open(
        &destination,
        &layout(),
        sparse_schema(),
        &S3Options::default(),
    )
    .await
    .unwrap();
    let mut first = records(0..3);
    first[1].insert(
        "ec2VirtualMachineSummary".into(),
        json!({"type": "t3.micro"}),
    );
    first[2].insert("description".into(), Value::Null);
    writer.write(&first).await.unwrap();
    writer.write(&records(3..5)).await.unwrap();
    let mut later = records(5..7);
    later[0].insert("description".into(), json!("new"));
    writer.write(&later).await.unwrap();
    let written = writer.commit().await.unwrap();
    assert_eq!(written.records, 7);
    let found = files(dir.path());
    assert_eq!(
        found,
        [
            "computers/exec-1/part-00000.parquet",
            "computers/exec-1/part-00001.parquet"
        ]
    );
    let (columns, rows) = parquet_rows(&dir.path().join(&found[0]));
    // `description` only ever null in the first file: not a column there.
    assert_eq!(
        columns,
        [
            "ID",
            "hostName",
            "computerStatus_agentStatus",
            "lastAgentCommunication",
            "protected",
            "ec2VirtualMachineSummary_type"
        ]
    );
    assert_eq!(rows.len(), 5);
    let (columns, rows) = parquet_rows(&dir.path().join(&found[1]));
    assert_eq!(columns.len(), 7);
    assert_eq!(columns[6], "description");
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn flat_rows_write_the_parquet_file_records_write() {
    use ward_flow::{FlowDefinition, FlowPlan, parse_json_lines};
    let flow = r#"
        name = "flat"
        source = "computers"
        [[tasks]]
        type = "Filter"
        operator = "EQUAL_TO"
        source_fields = ["computerStatus.agentStatus"]
        properties = { VALUE = "active" }
        [[tasks]]
        type = "Map_all"
        properties = { EXCLUDE_SOURCE_FIELDS_LIST = "interfaces" }
        [[tasks]]
        type = "Mask"
        operator = "MASK_LAST_N"
        source_fields = ["hostName"]
        properties = { MASK_LENGTH = "4" }
        [[tasks]]
        type = "Merge"
        source_fields = ["platform", "agentVersion"]
        destination = "platformAgent"
        properties = { CONCAT_FORMAT = "${platform} / ${agentVersion}" }
        [destination]
        path = "unused"
        format = "parquet"
        preserve_source_data_typing = true
    "#;
    let definition: FlowDefinition = toml::from_str(flow).unwrap();
    let text: String = (0..3000)
        .map(|id| {
            let mut computer = json!({
                "ID": id,
                "hostName": format!("web-{id}"),
                "platform": "Linux",
                "agentVersion": "20.0",
                "lastAgentCommunication": STARTED + id,
                "computerStatus": {"agentStatus": if id % 4 == 0 { "offline" } else { "active" },
                                   "agentStatusMessages": ["Managed"]},
                "interfaces": {"interfaces": []},
            });
            if id == 2501 {
                // a sparse column appearing late
                computer["description"] = json!("late \"one\"");
            }
            format!("{computer}\n")
        })
        .collect();
    let mut outputs = Vec::new();
    for flat in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut destination = destination(dir.path(), FileFormat::Parquet);
        destination.aggregation = Aggregation::SingleFile;
        destination.preserve_source_data_typing = true;
        let mut plan = FlowPlan::compile_builtin(&definition).unwrap();
        assert!(plan.reads_flat());
        let mut writer = LakeWriter::open(
            &destination,
            &layout(),
            plan.output_schema().clone(),
            &S3Options::default(),
        )
        .await
        .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for chunk in lines.chunks(1000) {
            let chunk = chunk.join("\n");
            if flat {
                let batch = plan.apply_json_lines_flat(chunk).unwrap();
                writer.write_flat(&batch).await.unwrap();
            } else {
                let records = plan.apply(parse_json_lines(&chunk).unwrap()).unwrap();
                writer.write(&records).await.unwrap();
            }
        }
        writer.commit().await.unwrap();
        let found = files(dir.path());
        let contents: Vec<_> = found
            .iter()
            .map(|file| parquet_rows(&dir.path().join(file)))
            .collect();
        outputs.push((found, contents));
    }
    assert_eq!(outputs[0].0.len(), 2, "a file more for the late column");
    assert_eq!(outputs[0], outputs[1]);
    assert!(outputs[1].1[0].0.contains(&"platformAgent".to_owned()));
}
