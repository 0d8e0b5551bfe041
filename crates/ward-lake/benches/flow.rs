//! The flow benchmark's ward side (`bench/flow.py` runs it next to DuckDB): a JSON-lines file of
//! computers → the six tasks of issue #5 (Map_all, mask the last 4 of `hostName`, truncate
//! `description` to 32, merge `platform` and `agentVersion`, keep `computerStatus.agentStatus =
//! active`, exclude `interfaces`) → one Parquet file, streamed in batches through the plan and
//! the `LakeWriter` that `ward flow run` uses.
//!
//! Chunks of about [`ward_lake::BATCH_SIZE`] lines are parsed and processed on all cores by
//! [`FlowPlan::apply_json_lines_flat`] (the `Map_all` fields read straight into flat rows) while
//! a second thread encodes the chunk before ([`LakeWriter::write_flat`]).
//!
//! Usage: `cargo bench -p ward-lake --bench flow -- INPUT.jsonl OUTPUT_DIR`; prints one JSON line
//! with the records read and written, the bytes, the seconds (in all, in the plan's thread, in
//! the writer's thread), whether the plan read flat, and the Parquet settings.

use std::io::Read;
use std::time::Instant;
use ward_flow::{FlatBatch, FlowDefinition, FlowPlan};
use ward_lake::{LakeWriter, RunLayout, S3Options};

/// Bytes of input read at a time: about [`ward_lake::BATCH_SIZE`] computers.
const CHUNK_BYTES: usize = 4 << 20;

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
    let started = Instant::now();
    let layout = RunLayout {
        flow: definition.name.clone(),
        execution_id: "bench".into(),
        schema_version: 1,
        started_at_ms: 0,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let writer = runtime.block_on(LakeWriter::open(
        &definition.destination,
        &layout,
        plan.output_schema().clone(),
        &S3Options::default(),
    ))?;
    // Two stages: this thread reads and applies the plan (on all cores) while the writer's
    // thread encodes the batch before (and frees its records).
    let (batches, received) = std::sync::mpsc::sync_channel::<FlatBatch>(1);
    // The writer hands each batch's text back: its buffer holds the next chunk.
    let (spent, reuse) = std::sync::mpsc::channel::<String>();
    let writing = std::thread::spawn(move || {
        runtime.block_on(async move {
            let mut writer = writer;
            let mut busy = 0.0;
            for batch in received {
                let at = Instant::now();
                if let Err(error) = writer.write_flat(&batch).await {
                    writer.abort().await;
                    return Err(error);
                }
                let _ = spent.send(batch.text);
                busy += at.elapsed().as_secs_f64();
            }
            writer.commit().await.map(|written| (written, busy))
        })
    });
    let mut input = std::fs::File::open(input)?;
    let mut pending: Vec<u8> = Vec::new();
    let mut planning = 0.0;
    loop {
        // About a batch of whole lines: what was left of the last chunk, then more.
        let mut chunk = reuse.try_recv().map(String::into_bytes).unwrap_or_default();
        chunk.clear();
        chunk.append(&mut pending);
        let wanted = CHUNK_BYTES.saturating_sub(chunk.len()).max(1 << 16);
        let read = input.by_ref().take(wanted as u64).read_to_end(&mut chunk)?;
        if read == wanted {
            // The partial line at the end waits for the next chunk (all of it, if it is one
            // long line).
            let keep = chunk
                .iter()
                .rposition(|&byte| byte == b'\n')
                .map_or(0, |last| last + 1);
            pending.extend_from_slice(&chunk[keep..]);
            chunk.truncate(keep);
            if chunk.is_empty() {
                continue;
            }
        }
        if chunk.is_empty() {
            break;
        }
        let at = Instant::now();
        let batch = plan.apply_json_lines_flat(String::from_utf8(chunk)?)?;
        planning += at.elapsed().as_secs_f64();
        if batches.send(batch).is_err() {
            break;
        }
    }
    drop(batches);
    let (written, writing) = writing
        .join()
        .map_err(|_| "the writer's thread panicked")??;
    let stats = plan.stats();
    let report = serde_json::json!({
        "records_read": stats.records_read,
        "records_written": written.records,
        "bytes": written.bytes,
        "files": written.files,
        "seconds": started.elapsed().as_secs_f64(),
        "flat": plan.reads_flat(),
        "seconds_plan": planning,
        "seconds_write": writing,
        "parquet": ward_lake::encode::settings(),
    });
    std::io::Write::write_all(&mut std::io::stdout(), format!("{report}\n").as_bytes())?;
    Ok(())
}
