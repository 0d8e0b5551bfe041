//! Running a flow: source → plan → files, recorded as AppFlow records executions (`InProgress`
//! when it starts, `Successful` or `Error` with the cause when it ends), and the scheduled runs of
//! `ward run`.
//!
//! The destination is opened before any record moves; files are written under temporary names
//! and published only when the run succeeds ([`LakeWriter`]). An incremental run reads only the
//! records whose watermark lies in its window ([`ward_flow::PullWindow`]): from where the last
//! successful run ended to the instant this one started.

use crate::source::Sources;
use crate::{LakeError, LakeWriter, RunLayout, Written};
use std::collections::BTreeSet;
use std::sync::Arc;
use ward_core::Clock;
use ward_core::ports::{FlowRun, FlowRunStatus};
use ward_core::records::{RecordSource, SourceBatch, SourceError};
use ward_core::{Store, StoreError};
use ward_flow::record::{JsonLineError, parse_json_lines};
use ward_flow::{Flow, FlowError, LinesError, PullWindow, Trigger};

/// Why a run failed. The run is recorded with this error's whole chain as its cause.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The destination cannot be used: found before any record moved.
    #[error("nothing was read")]
    Destination(#[source] LakeError),
    /// Reading, transforming or writing stopped; the temporary files were removed.
    #[error("no file was published")]
    Moved(#[source] MoveError),
    /// Every batch went, but publishing the files failed.
    #[error("cannot publish the files")]
    Publish(#[source] LakeError),
    #[error("cannot read the flow's watermark")]
    Watermark(#[source] StoreError),
    #[error("cannot record the flow run")]
    Record(#[source] StoreError),
}

/// What stopped records on their way.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A line of a JSON-lines source is not a JSON object.
    #[error("{location} line {line}: {reason}")]
    Line {
        location: String,
        line: u64,
        reason: String,
    },
    #[error(transparent)]
    Flow(#[from] FlowError),
    #[error(transparent)]
    Write(#[from] LakeError),
}

/// An error and its causes, as one line (`outer: inner: …`).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Runs flows: where their records come from, where runs are recorded, and the time.
#[derive(Debug, Clone)]
pub struct FlowRunner {
    pub sources: Sources,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

impl FlowRunner {
    /// Runs `flow` once and records the run; the returned record says what was written. A failed
    /// run is recorded with its cause and returned as the error, with the run record.
    pub async fn execute(&self, flow: &Flow) -> Result<FlowRun, (FlowRun, RunError)> {
        let started_at = self.clock.now_ms();
        let mut run = FlowRun::started(
            &uuid::Uuid::new_v4().to_string(),
            &flow.definition.name,
            started_at,
        );
        let window = match self.pull_window(flow, started_at).await {
            Ok(window) => window,
            Err(error) => return Err((run, error)),
        };
        if let Some(window) = &window {
            run.data_pull_start = window.start();
            run.data_pull_end = Some(window.end());
        }
        if let Err(error) = self.store.start_flow_run(&run).await {
            return Err((run, RunError::Record(error)));
        }
        let mut plan = flow.plan.clone();
        plan.reset();
        let outcome = self.transfer(flow, &mut plan, &run, window.as_ref()).await;
        let stats = plan.stats();
        run.records_read = stats.records_read;
        run.records_filtered = stats.records_filtered;
        run.records_invalid = stats.records_invalid;
        run.finished_at = Some(self.clock.now_ms());
        let failure = match outcome {
            Ok(written) => {
                run.status = FlowRunStatus::Successful;
                run.records_written = written.records;
                run.bytes_written = written.bytes;
                run.files = written.files;
                None
            }
            Err(error) => {
                run.status = FlowRunStatus::Error;
                run.error = Some(error_chain(&error));
                Some(error)
            }
        };
        let recorded = self.store.finish_flow_run(&run).await;
        metrics::counter!(
            "ward_flow_runs_total",
            "flow" => run.flow.clone(),
            "status" => run.status.as_str()
        )
        .increment(1);
        match (failure, recorded) {
            (Some(error), _) => Err((run, error)),
            (None, Err(error)) => Err((run, RunError::Record(error))),
            (None, Ok(())) => Ok(run),
        }
    }

    /// An incremental flow's window: from where its last successful run ended (or the
    /// trigger's `first_execution_from`, or the beginning) to `now`. `None` for complete pulls.
    async fn pull_window(&self, flow: &Flow, now: i64) -> Result<Option<PullWindow>, RunError> {
        let Some(field) = flow.plan.watermark().cloned() else {
            return Ok(None);
        };
        let first = match &flow.definition.trigger {
            Trigger::Scheduled {
                first_execution_from,
                ..
            } => *first_execution_from,
            _ => None,
        };
        let start = self
            .store
            .flow_watermark(&flow.definition.name)
            .await
            .map_err(RunError::Watermark)?
            .or(first);
        Ok(Some(PullWindow::new(field, start, now)))
    }

    /// Source → plan → writer, batch by batch; the writer publishes only when everything went.
    async fn transfer(
        &self,
        flow: &Flow,
        plan: &mut ward_flow::FlowPlan,
        run: &FlowRun,
        window: Option<&PullWindow>,
    ) -> Result<Written, RunError> {
        let definition = &flow.definition;
        let layout = RunLayout {
            flow: definition.name.clone(),
            execution_id: run.execution_id.clone(),
            schema_version: 1,
            started_at_ms: run.started_at,
        };
        // The destination first: an unusable one fails before any record is read.
        let mut writer = LakeWriter::open(
            &definition.destination,
            &layout,
            plan.output_schema().clone(),
            &self.sources.s3,
        )
        .await
        .map_err(RunError::Destination)?;
        let moved = async {
            let mut source = self
                .sources
                .open(&definition.source, top_level_fields(plan))
                .await?;
            move_all(source.as_mut(), plan, &mut writer, window, &definition.name).await
        }
        .await;
        match moved {
            Ok(()) => writer.commit().await.map_err(RunError::Publish),
            Err(error) => {
                writer.abort().await;
                Err(RunError::Moved(error))
            }
        }
    }

    /// The scheduled flows of `ward run`: each flow with a `cron(…)` or `rate(…)` trigger runs at
    /// its schedule's times (inside its start and end time, when given) until the task is
    /// dropped. A failed run is recorded and logged; the next one comes at its time.
    pub async fn scheduled(&self, flows: &[Flow]) {
        let runs = flows.iter().filter_map(|flow| {
            let schedule = flow.definition.trigger.schedule()?.clone();
            let (start, end) = match &flow.definition.trigger {
                Trigger::Scheduled {
                    start_time,
                    end_time,
                    ..
                } => (*start_time, *end_time),
                _ => (None, None),
            };
            Some(async move {
                let name = &flow.definition.name;
                let mut after = self.clock.now_ms().max(start.unwrap_or(i64::MIN));
                while let Some(next) = schedule.next_after(after) {
                    if end.is_some_and(|end| next > end) {
                        break;
                    }
                    let wait = u64::try_from(next - self.clock.now_ms()).unwrap_or(0);
                    self.clock.sleep_ms(wait).await;
                    match self.execute(flow).await {
                        Ok(run) => tracing::info!(flow = name, "{}", describe(&run)),
                        Err((run, error)) => tracing::warn!(
                            flow = name,
                            execution = run.execution_id,
                            error = error_chain(&error),
                            "scheduled flow run failed"
                        ),
                    }
                    after = next.max(self.clock.now_ms());
                }
            })
        });
        futures::future::join_all(runs).await;
    }
}

/// Every batch of the source through the plan into the writer. JSON lines outside an incremental
/// window go through the plan's parallel line reading, which builds only the fields the tasks
/// need; everything else as records.
async fn move_all(
    source: &mut dyn RecordSource,
    plan: &mut ward_flow::FlowPlan,
    writer: &mut LakeWriter,
    window: Option<&PullWindow>,
    flow: &str,
) -> Result<(), MoveError> {
    let location = source.origin();
    while let Some(batch) = source.next_batch().await? {
        let output = match batch {
            SourceBatch::Lines { text, first_line } if window.is_none() => {
                plan.apply_json_lines(&text).map_err(|error| match error {
                    LinesError::Json(error) => line_error(&location, first_line, &error),
                    LinesError::Flow(error) => MoveError::Flow(error),
                })?
            }
            SourceBatch::Lines { text, first_line } => {
                let records = parse_json_lines(&text)
                    .map_err(|error| line_error(&location, first_line, &error))?;
                plan.apply(admitted(records, window))?
            }
            SourceBatch::Records(records) => plan.apply(admitted(records, window))?,
        };
        writer.write(&output).await?;
        tracing::info!(
            flow,
            read = plan.stats().records_read,
            written = writer.records(),
            "batch written"
        );
    }
    Ok(())
}

/// The records inside the window (all of them outside an incremental run).
fn admitted(
    mut records: Vec<ward_flow::Record>,
    window: Option<&PullWindow>,
) -> Vec<ward_flow::Record> {
    if let Some(window) = window {
        records.retain(|record| window.admits(record));
    }
    records
}

fn line_error(location: &str, first_line: u64, error: &JsonLineError) -> MoveError {
    let (line, reason) = match error {
        JsonLineError::NotJson { line, cause } => (*line, format!("not JSON: {cause}")),
        JsonLineError::NotObject { line, kind } => (*line, format!("not an object but {kind}")),
    };
    MoveError::Line {
        location: location.to_owned(),
        line: first_line + line as u64 - 1,
        reason,
    }
}

/// The top-level fields a plan reads (`None`: all of them), so a manager listing can leave out
/// the parts nobody reads.
fn top_level_fields(plan: &ward_flow::FlowPlan) -> Option<BTreeSet<String>> {
    plan.projection().map(|fields| {
        fields
            .iter()
            .filter_map(|field| field.segments().next().map(str::to_owned))
            .collect()
    })
}

/// A finished run as `ward flow run` (and the demo, and the log of scheduled runs) show it.
pub fn describe(run: &FlowRun) -> String {
    let mut text = format!(
        "flow {}: execution {} {}\n  records  {} read, {} written, {} filtered, {} invalid\n  \
         bytes    {} in {} file(s)",
        run.flow,
        run.execution_id,
        run.status.as_str(),
        run.records_read,
        run.records_written,
        run.records_filtered,
        run.records_invalid,
        run.bytes_written,
        run.files.len()
    );
    if let Some(end) = run.data_pull_end {
        let start = run.data_pull_start.map_or_else(
            || "the beginning".to_owned(),
            ward_flow::time::format_rfc3339,
        );
        text.push_str(&format!(
            "\n  window   changes after {start} up to {}",
            ward_flow::time::format_rfc3339(end)
        ));
    }
    for file in &run.files {
        text.push_str("\n  ");
        text.push_str(file);
    }
    text
}
