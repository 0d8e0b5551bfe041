//! The flow runner on a controlled clock: an incremental flow over a JSON-lines file reads each
//! change once, a failed run publishes nothing and leaves its window to the next run, and every
//! run is recorded with its window.

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use ward_core::ports::FlowRunStatus;
use ward_core::{Clock, ManualClock};
use ward_flow::Flow;
use ward_lake::{FlowRunner, S3Options, Sources};

/// 2026-06-01T00:00:00Z.
const START: i64 = 1_780_272_000_000;

fn incremental_flow(source: &Path, lake: &Path) -> Flow {
    let toml = format!(
        r#"
name = "changes"
source = "file"
source_path = "{}"

[[tasks]]
type = "Map_all"

[[tasks]]
type = "Validate"
operator = "VALIDATE_NON_NULL"
source_fields = ["ID"]
properties = {{ VALIDATION_ACTION = "TerminateFlow" }}

[destination]
path = "{}"
format = "jsonl"

[trigger]
type = "incremental"
schedule = "rate(1 hours)"
watermark_field = "updatedAt"
"#,
        source.display(),
        lake.display()
    );
    Flow::compile(toml::from_str(&toml).expect("a flow definition")).expect("it compiles")
}

fn line(id: &Value, updated_at: i64) -> String {
    format!(
        "{}\n",
        json!({ "ID": id, "hostName": format!("host-{id}"), "updatedAt": updated_at })
    )
}

/// The IDs a run wrote, sorted.
fn written(files: &[String]) -> Vec<i64> {
    let mut ids: Vec<i64> = files
        .iter()
        .flat_map(|file| {
            std::fs::read_to_string(file)
                .expect("a published file")
                .lines()
                .map(|record| {
                    serde_json::from_str::<Value>(record).unwrap()["ID"]
                        .as_i64()
                        .unwrap()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn an_incremental_flow_reads_each_change_once_and_a_failed_run_moves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (source, lake) = (dir.path().join("changes.jsonl"), dir.path().join("lake"));
    let clock = ManualClock::at(START);
    let store = ward_store::open("sqlite::memory:").await.unwrap();
    let runner = FlowRunner {
        sources: Sources {
            manager: None,
            store: Arc::clone(&store),
            s3: S3Options::default(),
        },
        store: Arc::clone(&store),
        clock: Arc::new(clock.clone()),
    };
    let flow = incremental_flow(&source, &lake);
    let mut text: String = (1..=3).map(|id| line(&json!(id), START - 60_000)).collect();
    std::fs::write(&source, &text).unwrap();

    // The first run reads everything up to the instant it started.
    let first = runner.execute(&flow).await.expect("the first run");
    assert_eq!(written(&first.files), [1, 2, 3]);
    assert_eq!(
        (first.data_pull_start, first.data_pull_end),
        (None, Some(START))
    );

    // Two computers change (one of them new); an old record is written again unchanged.
    clock.advance(60_000);
    let changed = clock.now_ms();
    text.push_str(&line(&json!(2), changed));
    text.push_str(&line(&json!(4), changed));
    text.push_str(&line(&json!(1), START - 60_000));
    std::fs::write(&source, &text).unwrap();
    clock.advance(1);
    let second = runner.execute(&flow).await.expect("the second run");
    assert_eq!(written(&second.files), [2, 4]);
    assert_eq!(second.data_pull_start, Some(START));

    // A run that fails (a record without ID stops it) publishes nothing and moves no watermark:
    // the change it saw is read by the next successful run.
    clock.advance(60_000);
    let later = clock.now_ms();
    std::fs::write(
        &source,
        format!(
            "{text}{}{}",
            line(&json!(5), later),
            line(&Value::Null, later)
        ),
    )
    .unwrap();
    clock.advance(1);
    let (failed, error) = runner.execute(&flow).await.expect_err("a failed run");
    assert_eq!(failed.status, FlowRunStatus::Error);
    assert!(failed.files.is_empty());
    assert!(
        ward_lake::error_chain(&error).contains("failed VALIDATE_NON_NULL"),
        "{}",
        ward_lake::error_chain(&error)
    );
    text.push_str(&line(&json!(5), later));
    std::fs::write(&source, &text).unwrap();
    clock.advance(1);
    let third = runner.execute(&flow).await.expect("the third run");
    assert_eq!(written(&third.files), [5]);
    assert_eq!(third.data_pull_start, second.data_pull_end);
    let fourth = runner.execute(&flow).await.expect("a run with nothing new");
    assert_eq!(written(&fourth.files), Vec::<i64>::new());

    // The history holds every run, the failed one with its cause, newest first.
    let runs = store.flow_runs("changes", 10).await.unwrap();
    let statuses: Vec<FlowRunStatus> = runs.iter().map(|run| run.status).collect();
    use FlowRunStatus::{Error, Successful};
    assert_eq!(
        statuses,
        [Successful, Successful, Error, Successful, Successful]
    );
    assert!(
        runs[2]
            .error
            .as_deref()
            .is_some_and(|error| error.contains("no file was published"))
    );
    assert_eq!(runs[2].data_pull_start, runs[3].data_pull_end);
}
