//! `ward flow`: an AppFlow flow imported, run against `ward sim`, and its files read back
//! (Parquet, JSON lines, CSV, local and S3); runs that fail publish nothing and say why.

use crate::support::{
    Sim, moto_url, run_in, sim_call, stderr, stdout, venv_python, ward_with, workdir,
};
use arrow_array::{Array, Int64Array, StringArray, TimestampMillisecondArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/appflow-create-flow-computers.json"
);
const LONG_DESCRIPTION: &str = "Payments API front end, owned by the checkout team (PCI scope)";

/// The simulator's computers by ID, after giving the first two a long description.
fn sim_computers(sim: &Sim) -> BTreeMap<i64, Value> {
    let all = sim_call(
        reqwest::Method::GET,
        &format!("{}/computers", sim.base_url),
        None,
    );
    let computers = all["computers"].as_array().unwrap();
    for computer in computers.iter().take(2) {
        sim_call(
            reqwest::Method::POST,
            &format!("{}/computers/{}", sim.base_url, computer["ID"]),
            Some(json!({"description": LONG_DESCRIPTION})),
        );
    }
    let all = sim_call(
        reqwest::Method::GET,
        &format!("{}/computers", sim.base_url),
        None,
    );
    all["computers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|computer| (computer["ID"].as_i64().unwrap(), computer.clone()))
        .collect()
}

fn active(computers: &BTreeMap<i64, Value>) -> Vec<i64> {
    computers
        .iter()
        .filter(|(_, computer)| computer["computerStatus"]["agentStatus"] == "active")
        .map(|(id, _)| *id)
        .collect()
}

/// Every file under `dir`, relative and sorted.
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

/// `ward --config CONFIG args…` in `dir`.
fn ward(dir: &Path, config: &Path, args: &[&str]) -> std::process::Output {
    ward_with(config, dir, args)
}

fn append(config: &Path, text: &str) {
    let mut existing = std::fs::read_to_string(config).unwrap();
    existing.push('\n');
    existing.push_str(text);
    std::fs::write(config, existing).unwrap();
}

/// A masked host name: all but the last four characters kept, those four now `*`.
fn assert_masked(masked: &str, original: &str) {
    let kept: String = original
        .chars()
        .take(original.chars().count().saturating_sub(4))
        .collect();
    assert_eq!(masked, format!("{kept}****"), "{original}");
}

/// The flows this file's tests share: Map_all of the computers minus `interfaces`, with a
/// mask, a truncation and a merge, filtered to active agents.
fn lake_flow(name: &str, path: &Path, format: &str) -> String {
    format!(
        r#"
[[flows]]
name = "{name}"
source = "computers"

[[flows.tasks]]
type = "Filter"
operator = "EQUAL_TO"
source_fields = ["computerStatus.agentStatus"]
properties = {{ VALUE = "active", DATA_TYPE = "string" }}

[[flows.tasks]]
type = "Map_all"
properties = {{ EXCLUDE_SOURCE_FIELDS_LIST = "interfaces" }}

[[flows.tasks]]
type = "Mask"
operator = "MASK_LAST_N"
source_fields = ["hostName"]
properties = {{ MASK_LENGTH = "4" }}

[[flows.tasks]]
type = "Truncate"
source_fields = ["description"]
properties = {{ TRUNCATE_LENGTH = "32" }}

[[flows.tasks]]
type = "Merge"
source_fields = ["platform", "agentVersion"]
destination = "platformAgent"
properties = {{ CONCAT_FORMAT = "${{platform}} / ${{agentVersion}}" }}

[flows.destination]
path = "{}"
format = "{format}"
aggregation = "single-file"
preserve_source_data_typing = true
"#,
        path.display()
    )
}

#[test]
fn an_imported_appflow_flow_runs_to_parquet_and_matches_the_simulator() {
    let sim = Sim::start(&["--fleet", "300", "--seed", "11"]);
    let computers = sim_computers(&sim);
    let active = active(&computers);
    assert!(active.len() > 100 && active.len() < 300, "{}", active.len());
    let (dir, config) = workdir(&sim.base_url, "");
    let lake = dir.path().join("lake");

    // Import: printed as TOML to paste (the S3 destination swapped for a local directory).
    let output = run_in(
        dir.path(),
        &[
            "flow",
            "import-appflow",
            FIXTURE,
            "--name",
            "computers-lake",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let toml = stdout(&output);
    assert!(toml.contains("[[flows]]"), "{toml}");
    assert!(toml.contains("name = \"computers-lake\""), "{toml}");
    assert!(
        toml.contains("s3://security-lake-111122223333/workload-security"),
        "{toml}"
    );
    append(
        &config,
        &toml.replace(
            "s3://security-lake-111122223333/workload-security",
            &lake.display().to_string(),
        ),
    );
    let output = ward(dir.path(), &config, &["flow", "list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("computers-lake"),
        "{}",
        stdout(&output)
    );

    let output = ward(dir.path(), &config, &["flow", "run", "computers-lake"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stdout(&output);
    assert!(said.contains("Successful"), "{said}");
    assert!(
        said.contains(&format!(
            "{} read, {} written",
            computers.len(),
            active.len()
        )),
        "{said}"
    );

    // AppFlow's layout: flow / execution ID / year / month / day / file.
    let found = files(&lake);
    assert_eq!(found.len(), 1, "{found:?}");
    let parts: Vec<&str> = found[0].split('/').collect();
    assert_eq!(parts.len(), 6, "{found:?}");
    assert_eq!(parts[0], "computers-lake");
    assert!(
        said.contains(parts[1]),
        "the execution ID is printed: {said}"
    );
    assert_eq!(parts[5], "part-00000.parquet");
    assert!(
        said.contains(&lake.join(&found[0]).display().to_string()) || said.contains(&found[0]),
        "{said}"
    );

    let file = std::fs::File::open(lake.join(&found[0])).unwrap();
    let batches: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let schema = batches[0].schema();
    let columns: Vec<String> = schema
        .fields()
        .iter()
        .map(|field| format!("{}:{}", field.name(), field.data_type()))
        .collect();
    assert_eq!(
        columns,
        [
            "ID:Int64",
            "hostName:Utf8",
            "ec2VirtualMachineSummary_type:Utf8",
            "instanceRef:Utf8",
            "lastAgentCommunication:Timestamp(Millisecond, Some(\"UTC\"))",
            "platform:Utf8",
        ],
    );
    let mut seen = Vec::new();
    for batch in &batches {
        let column = |name: &str| batch.column(batch.schema().index_of(name).unwrap()).clone();
        let ids = column("ID");
        let ids = ids.as_any().downcast_ref::<Int64Array>().unwrap();
        let hosts = column("hostName");
        let hosts = hosts.as_any().downcast_ref::<StringArray>().unwrap();
        let platforms = column("platform");
        let platforms = platforms.as_any().downcast_ref::<StringArray>().unwrap();
        let refs = column("instanceRef");
        let refs = refs.as_any().downcast_ref::<StringArray>().unwrap();
        let types = column("ec2VirtualMachineSummary_type");
        let types = types.as_any().downcast_ref::<StringArray>().unwrap();
        let last = column("lastAgentCommunication");
        let last = last
            .as_any()
            .downcast_ref::<TimestampMillisecondArray>()
            .unwrap();
        for row in 0..batch.num_rows() {
            let id = ids.value(row);
            let computer = &computers[&id];
            assert_masked(hosts.value(row), computer["hostName"].as_str().unwrap());
            let platform: String = computer["platform"]
                .as_str()
                .unwrap()
                .chars()
                .take(12)
                .collect();
            assert_eq!(platforms.value(row), platform);
            let ec2 = &computer["ec2VirtualMachineSummary"];
            if ec2["instanceID"].is_string() {
                assert_eq!(
                    refs.value(row),
                    format!(
                        "{}/{}",
                        ec2["accountID"].as_str().unwrap(),
                        ec2["instanceID"].as_str().unwrap()
                    )
                );
                assert_eq!(types.value(row), ec2["type"].as_str().unwrap());
            }
            match computer["lastAgentCommunication"].as_i64() {
                Some(millis) => assert_eq!(last.value(row), millis),
                None => assert!(last.is_null(row)),
            }
            seen.push(id);
        }
    }
    assert_eq!(seen, active, "only the active agents, in ID order");

    // DuckDB, which analysts point at the lake, reads the same file: the columns, their types,
    // and every row's values.
    if let Some(python) =
        venv_python("an_imported_appflow_flow_runs_to_parquet_and_matches_the_simulator")
    {
        let script = "import duckdb, json, sys\n\
            con = duckdb.connect()\n\
            rel = con.execute('SELECT * FROM read_parquet(?) ORDER BY ID', [sys.argv[1]])\n\
            columns = [(d[0], str(d[1])) for d in rel.description]\n\
            rows = [[None if v is None else str(v) for v in row] for row in rel.fetchall()]\n\
            print(json.dumps({'columns': columns, 'rows': rows}))\n";
        let output = std::process::Command::new(python)
            .args(["-c", script])
            .arg(lake.join(&found[0]))
            .output()
            .expect("the venv's python runs");
        assert!(output.status.success(), "duckdb: {}", stderr(&output));
        let read: Value = serde_json::from_slice(&output.stdout).unwrap();
        let names: Vec<&str> = read["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|column| column[0].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "ID",
                "hostName",
                "ec2VirtualMachineSummary_type",
                "instanceRef",
                "lastAgentCommunication",
                "platform"
            ]
        );
        let rows = read["rows"].as_array().unwrap();
        assert_eq!(rows.len(), active.len());
        for (row, id) in rows.iter().zip(&active) {
            let computer = &computers[id];
            assert_eq!(row[0], id.to_string());
            assert_masked(
                row[1].as_str().unwrap(),
                computer["hostName"].as_str().unwrap(),
            );
            let platform: String = computer["platform"]
                .as_str()
                .unwrap()
                .chars()
                .take(12)
                .collect();
            assert_eq!(row[5], platform);
        }
    }

    // The run is recorded as AppFlow records executions.
    let output = ward(
        dir.path(),
        &config,
        &["flow", "history", "computers-lake", "--output", "json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let runs: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "Successful");
    assert_eq!(runs[0]["execution_id"], parts[1]);
    assert_eq!(runs[0]["records_read"], computers.len());
    assert_eq!(runs[0]["records_written"], active.len());
    assert_eq!(runs[0]["records_filtered"], computers.len() - active.len());
    let bytes = std::fs::metadata(lake.join(&found[0])).unwrap().len();
    assert_eq!(runs[0]["bytes_written"], bytes);
    let output = ward(dir.path(), &config, &["flow", "history", "computers-lake"]);
    assert!(
        stdout(&output).contains("Successful"),
        "{}",
        stdout(&output)
    );

    // `--append-to` writes the entry into a config file, checked first.
    let output = run_in(
        dir.path(),
        &[
            "flow",
            "import-appflow",
            FIXTURE,
            "--append-to",
            config.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = ward(dir.path(), &config, &["flow", "list"]);
    assert!(
        stdout(&output).contains("trendmicro-computers-to-s3"),
        "{}",
        stdout(&output)
    );
    // A second time, the name is taken: the file is left as it was.
    let before = std::fs::read_to_string(&config).unwrap();
    let output = run_in(
        dir.path(),
        &[
            "flow",
            "import-appflow",
            FIXTURE,
            "--append-to",
            config.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("defined twice"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
}

#[test]
fn jsonl_and_csv_flows_read_back_masked_truncated_merged_and_filtered() {
    let sim = Sim::start(&["--fleet", "120", "--seed", "5"]);
    let computers = sim_computers(&sim);
    let active = active(&computers);
    let (dir, config) = workdir(&sim.base_url, "");
    let jsonl = dir.path().join("jsonl");
    let csv_dir = dir.path().join("csv");
    let parquet_dir = dir.path().join("parquet");
    append(&config, &lake_flow("as-jsonl", &jsonl, "jsonl"));
    append(&config, &lake_flow("as-csv", &csv_dir, "csv"));
    append(&config, &lake_flow("as-parquet", &parquet_dir, "parquet"));

    let output = ward(dir.path(), &config, &["flow", "run", "as-jsonl"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let found = files(&jsonl);
    assert_eq!(found.len(), 1, "{found:?}");
    let text = std::fs::read_to_string(jsonl.join(&found[0])).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        records
            .iter()
            .map(|r| r["ID"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        active
    );
    let mut long = 0;
    for record in &records {
        let computer = &computers[&record["ID"].as_i64().unwrap()];
        assert_eq!(record["computerStatus"]["agentStatus"], "active");
        assert_masked(
            record["hostName"].as_str().unwrap(),
            computer["hostName"].as_str().unwrap(),
        );
        let description = record["description"].as_str().unwrap_or("");
        assert!(description.chars().count() <= 32, "{description}");
        if computer["description"] == LONG_DESCRIPTION {
            long += 1;
            assert_eq!(description, &LONG_DESCRIPTION[..32]);
        }
        assert_eq!(
            record["platformAgent"],
            format!(
                "{} / {}",
                computer["platform"].as_str().unwrap(),
                computer["agentVersion"].as_str().unwrap()
            )
        );
        assert!(record.get("interfaces").is_none());
    }
    let long_active = computers
        .iter()
        .filter(|(id, c)| c["description"] == LONG_DESCRIPTION && active.contains(id))
        .count();
    assert_eq!(long, long_active);

    let output = ward(dir.path(), &config, &["flow", "run", "as-csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let found = files(&csv_dir);
    assert_eq!(found.len(), 1, "{found:?}");
    let mut reader = csv::Reader::from_path(csv_dir.join(&found[0])).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    for column in [
        "ID",
        "hostName",
        "computerStatus_agentStatus",
        "platformAgent",
        "description",
    ] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    assert!(
        !header.iter().any(|h| h.starts_with("interfaces")),
        "{header:?}"
    );
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), active.len());
    for row in &rows {
        let id: i64 = row[at("ID")].parse().unwrap();
        assert!(active.contains(&id));
        assert_eq!(&row[at("computerStatus_agentStatus")], "active");
        assert!(row[at("hostName")].ends_with("****"));
        assert!(row[at("description")].chars().count() <= 32);
    }

    // Parquet of a Map_all: typed columns from the API's schema, no `interfaces*` column.
    let output = ward(dir.path(), &config, &["flow", "run", "as-parquet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let found = files(&parquet_dir);
    let file = std::fs::File::open(parquet_dir.join(&found[0])).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema = reader.schema().clone();
    assert!(
        !schema
            .fields()
            .iter()
            .any(|f| f.name().starts_with("interfaces"))
    );
    let type_of = |name: &str| {
        schema
            .field_with_name(name)
            .unwrap()
            .data_type()
            .to_string()
    };
    assert_eq!(type_of("ID"), "Int64");
    assert_eq!(type_of("hostName"), "Utf8");
    assert_eq!(type_of("platformAgent"), "Utf8");
    let rows: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, active.len());
}

/// A `file` source of JSON lines whose record 10,001 lacks `ID`, validated with terminate-flow.
fn terminating_flow(dir: &Path, lake: &Path) -> String {
    let source = dir.join("computers.jsonl");
    let mut text = String::new();
    for id in 1..=12_000 {
        if id == 10_001 {
            text.push_str("{\"hostName\": \"no-id\"}\n");
        } else {
            text.push_str(&format!("{{\"ID\": {id}, \"hostName\": \"host-{id}\"}}\n"));
        }
    }
    std::fs::write(&source, text).unwrap();
    format!(
        r#"
[[flows]]
name = "strict"
source = "file"
source_path = "{}"

[[flows.tasks]]
type = "Map_all"

[[flows.tasks]]
type = "Validate"
operator = "VALIDATE_NON_NULL"
source_fields = ["ID"]
properties = {{ VALIDATION_ACTION = "TerminateFlow" }}

[flows.destination]
path = "{}"
format = "parquet"
"#,
        source.display(),
        lake.display()
    )
}

#[test]
fn a_failing_validate_stops_the_run_at_its_record_and_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (config, lake) = (dir.path().join("ward.toml"), dir.path().join("lake"));
    std::fs::write(
        &config,
        format!(
            "version = 1\n[store]\nurl = \"sqlite://{}\"\n{}",
            dir.path().join("ward.db").display(),
            terminating_flow(dir.path(), &lake)
        ),
    )
    .unwrap();
    let output = ward(dir.path(), &config, &["flow", "run", "strict"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let said = stderr(&output);
    assert!(
        said.contains("record 10001 failed VALIDATE_NON_NULL on field `ID`"),
        "{said}"
    );
    assert!(said.contains("no file was published"), "{said}");
    // Two batches (5,000 records each, a file each) had been written: neither is left.
    assert_eq!(files(&lake), Vec::<String>::new());
    let output = ward(
        dir.path(),
        &config,
        &["flow", "history", "strict", "--output", "json"],
    );
    let runs: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(runs[0]["status"], "Error");
    assert_eq!(runs[0]["records_read"], 10_001);
    assert_eq!(runs[0]["files"], json!([]));
    assert!(
        runs[0]["error"].as_str().unwrap().contains("record 10001"),
        "{}",
        runs[0]
    );
}

#[test]
fn an_unwritable_destination_fails_before_any_record_moves() {
    let sim = Sim::start(&["--fleet", "20"]);
    let (dir, config) = workdir(&sim.base_url, "");
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, b"a file").unwrap();
    append(
        &config,
        &lake_flow("blocked", &blocker.join("lake"), "parquet"),
    );
    let output = ward(dir.path(), &config, &["flow", "run", "blocked"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let said = stderr(&output);
    assert!(said.contains("cannot create the directory"), "{said}");
    assert!(said.contains("nothing was read"), "{said}");
    let output = ward(
        dir.path(),
        &config,
        &["flow", "history", "blocked", "--output", "json"],
    );
    let runs: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(runs[0]["status"], "Error");
    assert_eq!(runs[0]["records_read"], 0);
}

#[test]
fn flows_on_alerts_and_unknown_names_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[store]\nurl = \"sqlite://{}\"\n\n[[flows]]\nname = \"alerts-out\"\n\
             source = \"alerts\"\ntasks = [{{ type = \"Map_all\" }}]\n\
             destination = {{ path = \"{}\" }}\n",
            dir.path().join("ward.db").display(),
            dir.path().join("lake").display()
        ),
    )
    .unwrap();
    let output = ward(dir.path(), &config, &["flow", "run", "alerts-out"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("source `alerts` has no records"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"));
    let output = ward(dir.path(), &config, &["flow", "run", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no flow named `nope` (configured: alerts-out)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_task_is_a_config_error_naming_file_key_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        "version = 1\n[[flows]]\nname = \"bad\"\nsource = \"computers\"\n\
         destination = { path = \"lake\" }\n\
         [[flows.tasks]]\ntype = \"Map\"\nsource_fields = [\"hostName\"]\n\
         [[flows.tasks]]\ntype = \"Mask\"\noperator = \"MASK_ALL\"\nsource_fields = [\"hostNmae\"]\n",
    )
    .unwrap();
    let output = ward(dir.path(), &config, &["flow", "list"]);
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output);
    assert!(said.contains("ward.toml: flows[0].tasks[1]:"), "{said}");
    assert!(said.contains("hostNmae"), "{said}");
    let output = ward(
        dir.path(),
        &config,
        &["flow", "import-appflow", "missing.json"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot read missing.json"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_flow_writes_parquet_to_s3_in_moto() {
    let Some(moto) = moto_url("a_flow_writes_parquet_to_s3_in_moto") else {
        return;
    };
    let sim = Sim::start(&["--fleet", "50", "--seed", "2"]);
    let computers = sim_computers(&sim);
    let bucket = format!("ward-lake-{}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s3 = runtime.block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&crate::support::moto_sdk(&moto).await)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        s3
    });
    let (dir, config) = workdir(&sim.base_url, "");
    append(
        &config,
        &format!(
            "[aws]\nregion = \"us-east-1\"\nendpoint_url = \"{moto}\"\n{}",
            lake_flow(
                "to-s3",
                Path::new(&format!("s3://{bucket}/exports/ward")),
                "parquet"
            )
        ),
    );
    let output = crate::support::ward()
        .args(["--config", config.to_str().unwrap(), "flow", "run", "to-s3"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stdout(&output);
    let keys: Vec<String> = runtime.block_on(async {
        s3.list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .unwrap()
            .contents()
            .iter()
            .filter_map(|object| object.key().map(str::to_owned))
            .collect()
    });
    assert_eq!(keys.len(), 1, "only the published file, no _tmp/: {keys:?}");
    assert!(keys[0].starts_with("exports/ward/to-s3/"), "{keys:?}");
    assert!(keys[0].ends_with("/part-00000.parquet"), "{keys:?}");
    assert!(
        said.contains(&format!("s3://{bucket}/{}", keys[0])),
        "{said}"
    );
    let bytes = runtime.block_on(async {
        s3.get_object()
            .bucket(&bucket)
            .key(&keys[0])
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes()
    });
    let local = dir.path().join("copy.parquet");
    std::fs::write(&local, &bytes).unwrap();
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&local).unwrap()).unwrap();
    let mut rows = 0;
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        let hosts = batch
            .column(batch.schema().index_of("hostName").unwrap())
            .clone();
        let hosts = hosts.as_any().downcast_ref::<StringArray>().unwrap();
        for row in 0..batch.num_rows() {
            assert!(hosts.value(row).ends_with("****"));
        }
        rows += batch.num_rows();
    }
    assert_eq!(rows, active(&computers).len());
}

/// A flow with a `rate(1 minute)` trigger runs inside `ward run` at the next minute, with no one
/// asking: the run is in its history and its file is published.
#[test]
fn a_scheduled_flow_runs_inside_ward_run() {
    let sim = Sim::start(&["--fleet", "30", "--seed", "9"]);
    let (dir, config) = workdir(&sim.base_url, "");
    let lake = dir.path().join("scheduled");
    append(
        &config,
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n{}\n[flows.trigger]\ntype = \"scheduled\"\nschedule = \"rate(1 minute)\"\n",
            lake_flow("every-minute", &lake, "jsonl")
        ),
    );
    let (mut run, banner) = crate::support::spawn_run(&config, dir.path(), None);
    assert!(banner.contains("listening"), "{banner}");
    let started = std::time::Instant::now();
    let history = loop {
        let output = ward(
            dir.path(),
            &config,
            &["flow", "history", "every-minute", "--output", "json"],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let history: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
        let finished = history.iter().any(|run| run["status"] == "Successful");
        if finished || started.elapsed() > std::time::Duration::from_secs(90) {
            break history;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let _ = run.kill();
    let _ = run.wait();
    assert!(
        history.iter().any(|run| run["status"] == "Successful"),
        "no scheduled run within 90 s: {history:?}"
    );
    assert_eq!(files(&lake).len(), 1, "{:?}", files(&lake));
}

#[test]
fn an_incremental_flow_run_shows_its_window() {
    let dir = tempfile::tempdir().unwrap();
    let (config, lake, source) = (
        dir.path().join("ward.toml"),
        dir.path().join("lake"),
        dir.path().join("computers.jsonl"),
    );
    let line = |id: i64, at: Value| format!("{}\n", json!({ "ID": id, "updatedAt": at }));
    // Two computers that changed long ago, one that never reported a change.
    let text = line(1, json!(1_000)) + &line(2, json!("2024-05-01T12:00:00Z"));
    let text = text + &format!("{}\n", json!({ "ID": 3 }));
    std::fs::write(&source, &text).unwrap();
    std::fs::write(
        &config,
        format!(
            r#"version = 1
[store]
url = "sqlite://{}"

[[flows]]
name = "changes"
source = "file"
source_path = "{}"

[[flows.tasks]]
type = "Map_all"

[[flows.tasks]]
type = "Validate"
operator = "VALIDATE_NON_NULL"
source_fields = ["ID"]
properties = {{ VALIDATION_ACTION = "TerminateFlow" }}

[flows.destination]
path = "{}"
format = "jsonl"

[flows.trigger]
type = "incremental"
schedule = "rate(1 hours)"
watermark_field = "updatedAt"
"#,
            dir.path().join("ward.db").display(),
            source.display(),
            lake.display()
        ),
    )
    .unwrap();
    let written_ids = |output: &std::process::Output| -> Vec<i64> {
        assert!(output.status.success(), "{}", stderr(output));
        let said = stdout(output);
        let mut ids = Vec::new();
        for file in said
            .lines()
            .map(str::trim)
            .filter(|l| l.ends_with(".jsonl"))
        {
            for record in std::fs::read_to_string(file).unwrap().lines() {
                ids.push(
                    serde_json::from_str::<Value>(record).unwrap()["ID"]
                        .as_i64()
                        .unwrap(),
                );
            }
        }
        ids.sort_unstable();
        ids
    };

    // The first run reads everything, up to the instant it started.
    let first = ward(dir.path(), &config, &["flow", "run", "changes"]);
    assert_eq!(written_ids(&first), vec![1, 2, 3]);
    assert!(
        stdout(&first).contains("changes after the beginning"),
        "{}",
        stdout(&first)
    );

    // History shows the run's window (each window's later runs are tested on a controlled
    // clock in ward-lake's runner tests).
    let history = ward(
        dir.path(),
        &config,
        &["flow", "history", "changes", "--output", "json"],
    );
    let runs: Vec<Value> = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "Successful");
    assert!(runs[0].get("data_pull_start").is_none(), "{}", runs[0]);
    assert!(runs[0]["data_pull_end"].is_string(), "{}", runs[0]);
}

/// An AppFlow flow whose source is S3 (a bucket prefix, AppFlow's folder) imports as a `file`
/// source on that prefix, and a run reads every object under it — JSON lines and JSON arrays —
/// from S3 (moto), not from a local path.
#[test]
fn an_imported_appflow_s3_source_reads_every_object_under_its_prefix() {
    let Some(moto) = moto_url("an_imported_appflow_s3_source_reads_every_object_under_its_prefix")
    else {
        return;
    };
    let bucket = format!("ward-source-{}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&crate::support::moto_sdk(&moto).await)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let objects = [
            (
                "exports/2026/part-1.jsonl",
                "{\"ID\": 1, \"hostName\": \"web-1\"}\n{\"ID\": 2, \"hostName\": \"web-2\"}\n",
            ),
            (
                "exports/2026/part-2.json",
                "[{\"ID\": 3, \"hostName\": \"db-1\"}]",
            ),
            (
                "elsewhere/ignored.jsonl",
                "{\"ID\": 99, \"hostName\": \"not-read\"}\n",
            ),
        ];
        for (key, body) in objects {
            s3.put_object()
                .bucket(&bucket)
                .key(key)
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
    });
    let appflow = json!({
        "flowName": "from-s3",
        "triggerConfig": {"triggerType": "OnDemand"},
        "sourceFlowConfig": {
            "connectorType": "S3",
            "sourceConnectorProperties": {"S3": {"bucketName": bucket, "bucketPrefix": "exports/"}}
        },
        "destinationFlowConfigList": [{
            "connectorType": "S3",
            "destinationConnectorProperties": {"S3": {
                "bucketName": bucket,
                "bucketPrefix": "copies",
                "s3OutputFormatConfig": {"fileType": "JSON"}
            }}
        }],
        "tasks": [
            {"taskType": "Map", "sourceFields": ["ID"], "destinationField": "ID",
             "connectorOperator": {"S3": "NO_OP"}},
            {"taskType": "Mask", "sourceFields": ["hostName"], "destinationField": "hostName",
             "connectorOperator": {"S3": "MASK_LAST_N"},
             "taskProperties": {"MASK_LENGTH": "2"}}
        ]
    });
    let dir = tempfile::tempdir().unwrap();
    let flow_json = dir.path().join("flow.json");
    std::fs::write(&flow_json, appflow.to_string()).unwrap();
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[store]\nurl = \"sqlite://{}\"\n[aws]\nregion = \"us-east-1\"\nendpoint_url = \"{moto}\"\n",
            dir.path().join("ward.db").display()
        ),
    )
    .unwrap();
    let ward = |args: &[&str]| {
        crate::support::ward()
            .args(["--config", config.to_str().unwrap()])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let imported = ward(&[
        "flow",
        "import-appflow",
        flow_json.to_str().unwrap(),
        "--append-to",
        config.to_str().unwrap(),
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let toml = std::fs::read_to_string(&config).unwrap();
    assert!(
        toml.contains(&format!("source_path = \"s3://{bucket}/exports\"")),
        "{toml}"
    );

    let run = ward(&["flow", "run", "from-s3"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let said = stdout(&run);
    assert!(said.contains("3 read, 3 written"), "{said}");
    // One file per batch (AppFlow's default aggregation): the JSON lines, then the array.
    let keys: Vec<String> = said
        .lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix(&format!("s3://{bucket}/")))
        .map(str::to_owned)
        .collect();
    assert_eq!(keys.len(), 2, "{said}");
    let body: Vec<u8> = runtime.block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&crate::support::moto_sdk(&moto).await)
                .force_path_style(true)
                .build(),
        );
        let mut body = Vec::new();
        for key in &keys {
            let answer = s3
                .get_object()
                .bucket(&bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            body.extend(answer.body.collect().await.unwrap().into_bytes());
        }
        body
    });
    let records: Vec<Value> = String::from_utf8(body)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let hosts: Vec<&str> = records
        .iter()
        .map(|record| record["hostName"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, ["web**", "web**", "db**"]);
}
