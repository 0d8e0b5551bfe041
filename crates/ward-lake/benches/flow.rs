//! The flow benchmark's ward side (`bench/flow.py` runs it next to DuckDB): a JSON-lines file of
//! computers → the six tasks of issue #5 (Map_all, mask the last 4 of `hostName`, truncate
//! `description` to 32, merge `platform` and `agentVersion`, keep `computerStatus.agentStatus =
//! active`, exclude `interfaces`) → one Parquet file, streamed in batches as `ward flow run` does.
//!
//! Usage: `cargo bench -p ward-lake --bench flow -- INPUT.jsonl OUTPUT_DIR`; prints one JSON line
//! with the records read and written, the bytes and the seconds.

use std::io::BufRead;
use std::time::Instant;
use ward_flow::{FlowDefinition, FlowPlan, Record};
use ward_lake::{BATCH_SIZE, LakeWriter, RunLayout, S3Options};

const FLOW: &str = r#"
name = "bench-computers"
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
properties = { TRUNCATE_LENGTH = "32" }

[[tasks]]
type = "Merge"
source_fields = ["platform", "agentVersion"]
destination = "platformAgent"
properties = { CONCAT_FORMAT = "${platform} / ${agentVersion}" }

[destination]
path = "OUTPUT"
format = "parquet"
aggregation = "single-file"
preserve_source_data_typing = true
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: flow INPUT.jsonl OUTPUT_DIR".into());
    };
    let definition: FlowDefinition = toml::from_str(&FLOW.replace("OUTPUT", output))?;
    let mut plan = FlowPlan::compile_builtin(&definition)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let written = runtime.block_on(async {
        let layout = RunLayout {
            flow: definition.name.clone(),
            execution_id: "bench".into(),
            schema_version: 1,
            started_at_ms: 0,
        };
        let mut writer = LakeWriter::open(
            &definition.destination,
            &layout,
            plan.output_schema().clone(),
            &S3Options::default(),
        )
        .await?;
        let mut lines = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(input)?);
        let mut line = String::new();
        let mut batch: Vec<Record> = Vec::with_capacity(BATCH_SIZE);
        loop {
            line.clear();
            let done = lines.read_line(&mut line)? == 0;
            if !done && !line.trim().is_empty() {
                batch.push(serde_json::from_str(&line)?);
            }
            if batch.len() == BATCH_SIZE || (done && !batch.is_empty()) {
                let records = plan.apply(std::mem::take(&mut batch))?;
                writer.write(&records).await?;
                batch = Vec::with_capacity(BATCH_SIZE);
            }
            if done {
                break;
            }
        }
        Ok::<_, Box<dyn std::error::Error>>(writer.commit().await?)
    })?;
    let stats = plan.stats();
    let report = serde_json::json!({
        "records_read": stats.records_read,
        "records_written": written.records,
        "bytes": written.bytes,
        "files": written.files,
        "seconds": started.elapsed().as_secs_f64(),
    });
    std::io::Write::write_all(&mut std::io::stdout(), format!("{report}\n").as_bytes())?;
    Ok(())
}
