//! `ward flow`: list the configured flows, run one (source → tasks → files), show a flow's runs,
//! and import an AppFlow flow JSON as a `[[flows]]` entry.
//!
//! A run is recorded in the store as AppFlow records executions: `InProgress` when it starts,
//! `Successful` or `Error` (with the cause) when it ends. The destination is checked before any
//! record moves; files are written under temporary names and published only when the run
//! succeeds (see `ward_lake::LakeWriter`).

use crate::cli::{FlowCommand, FlowHistoryArgs, ImportAppflowArgs, Output};
use crate::config::{Config, ConfigError, flow_schema};
use crate::output::{self, Table};
use anyhow::Context;
use serde::Serialize;
use serde_json::Value;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;
use ward_core::Store;
use ward_core::ports::{FlowRun, FlowRunStatus};
use ward_flow::{FlowDefinition, FlowPlan, Record};
use ward_lake::{BATCH_SIZE, LakeWriter, RunLayout, S3Options};
use ward_manager::Expand;

pub async fn run(config_path: Option<&Path>, command: &FlowCommand) -> anyhow::Result<()> {
    match command {
        FlowCommand::ImportAppflow(args) => import(args),
        FlowCommand::List => list(&super::load_config(config_path)?),
        FlowCommand::Run(args) => {
            let config = super::load_config(config_path)?;
            let flow = find(&config, &args.name)?;
            let store = super::open_store(&config.store_url).await?;
            let run = execute(&config, flow, store).await?;
            let mut out = output::stdout();
            output::line(&mut out, &describe(&run))
        }
        FlowCommand::History(args) => history(&super::load_config(config_path)?, args).await,
    }
}

/// The configured flow named `name`; an unknown name is a config error (exit 2).
fn find<'c>(config: &'c Config, name: &str) -> anyhow::Result<&'c FlowDefinition> {
    config
        .flows
        .iter()
        .find(|flow| flow.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = config.flows.iter().map(|flow| flow.name.as_str()).collect();
            anyhow::Error::new(ConfigError {
                file: config.source.as_ref().map_or_else(
                    || "(defaults)".to_owned(),
                    |path| path.display().to_string(),
                ),
                key: "flows".to_owned(),
                reason: if known.is_empty() {
                    format!("no flow named `{name}` (no [[flows]] configured)")
                } else {
                    format!("no flow named `{name}` (configured: {})", known.join(", "))
                },
            })
        })
}

/// The scheduled flows of `ward run`: each flow with a `cron(…)` or `rate(…)` trigger runs at its
/// schedule's times (inside its start and end time, when given) until the task is dropped. A
/// failed run is recorded and logged; the next one comes at its time. An incremental flow's run
/// reads what changed since its last successful run (see [`ward_flow::PullWindow`]).
pub async fn scheduled(config: Config, store: Arc<dyn Store>) {
    let runs = config.flows.iter().filter_map(|flow| {
        let schedule = flow.trigger.schedule()?.clone();
        let (start, end) = match &flow.trigger {
            ward_flow::Trigger::Scheduled {
                start_time,
                end_time,
                ..
            } => (*start_time, *end_time),
            _ => (None, None),
        };
        let (config, store) = (&config, &store);
        Some(async move {
            let mut after = now_ms().max(start.unwrap_or(i64::MIN));
            while let Some(next) = schedule.next_after(after) {
                if end.is_some_and(|end| next > end) {
                    break;
                }
                let wait = u64::try_from(next - now_ms()).unwrap_or(0);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                match execute(config, flow, Arc::clone(store)).await {
                    Ok(run) => tracing::info!(flow = flow.name, "{}", describe(&run)),
                    Err(error) => tracing::warn!(
                        flow = flow.name,
                        error = format!("{error:#}"),
                        "scheduled flow run failed"
                    ),
                }
                after = next.max(now_ms());
            }
        })
    });
    futures::future::join_all(runs).await;
}

/// Runs `flow` once and records the run; the returned record says what was written. A failed
/// run is recorded with its cause and returned as the error.
pub async fn execute(
    config: &Config,
    flow: &FlowDefinition,
    store: Arc<dyn Store>,
) -> anyhow::Result<FlowRun> {
    let schema = flow_schema(flow)
        .ok_or_else(|| anyhow::anyhow!("flow `{}`: unknown source `{}`", flow.name, flow.source))?;
    let mut plan = FlowPlan::compile(flow, &schema)?;
    let started_at = now_ms();
    let mut run = FlowRun::started(&execution_id(), &flow.name, started_at);
    let window = pull_window(flow, store.as_ref(), started_at).await?;
    if let Some(window) = &window {
        run.data_pull_start = window.start();
        run.data_pull_end = Some(window.end());
    }
    store
        .start_flow_run(&run)
        .await
        .context("cannot record the flow run")?;
    let outcome = transfer(config, flow, &mut plan, &store, &run, window.as_ref()).await;
    let stats = plan.stats();
    run.records_read = stats.records_read;
    run.records_filtered = stats.records_filtered;
    run.records_invalid = stats.records_invalid;
    run.finished_at = Some(now_ms());
    let result = match outcome {
        Ok(written) => {
            run.status = FlowRunStatus::Successful;
            run.records_written = written.records;
            run.bytes_written = written.bytes;
            run.files = written.files;
            Ok(())
        }
        Err(error) => {
            run.status = FlowRunStatus::Error;
            run.error = Some(format!("{error:#}"));
            Err(error)
        }
    };
    store
        .finish_flow_run(&run)
        .await
        .context("cannot record the end of the flow run")?;
    metrics::counter!(
        "ward_flow_runs_total",
        "flow" => run.flow.clone(),
        "status" => run.status.as_str()
    )
    .increment(1);
    match result {
        Ok(()) => Ok(run),
        Err(error) => Err(error.context(format!(
            "flow `{}` run {} failed",
            flow.name, run.execution_id
        ))),
    }
}

/// An incremental flow's window: from where its last successful run ended (or the trigger's
/// `first_execution_from`, or the beginning) to `now`. `None` for complete pulls.
async fn pull_window(
    flow: &FlowDefinition,
    store: &dyn Store,
    now: i64,
) -> anyhow::Result<Option<ward_flow::PullWindow>> {
    let Some(field) = flow.trigger.watermark_field() else {
        return Ok(None);
    };
    let field = ward_flow::FieldPath::parse(field)
        .map_err(|error| anyhow::anyhow!("flow `{}`: watermark: {error}", flow.name))?;
    let first = match &flow.trigger {
        ward_flow::Trigger::Scheduled {
            first_execution_from,
            ..
        } => *first_execution_from,
        _ => None,
    };
    let start = store
        .flow_watermark(&flow.name)
        .await
        .context("cannot read the flow's watermark")?
        .or(first);
    Ok(Some(ward_flow::PullWindow::new(field, start, now)))
}

/// Source → plan → writer, batch by batch; the writer publishes only when everything went. An
/// incremental run passes on only the records inside its window.
async fn transfer(
    config: &Config,
    flow: &FlowDefinition,
    plan: &mut FlowPlan,
    store: &Arc<dyn Store>,
    run: &FlowRun,
    window: Option<&ward_flow::PullWindow>,
) -> anyhow::Result<ward_lake::Written> {
    let layout = RunLayout {
        flow: flow.name.clone(),
        execution_id: run.execution_id.clone(),
        schema_version: 1,
        started_at_ms: run.started_at,
    };
    let s3 = S3Options {
        region: config.aws.as_ref().and_then(|aws| aws.region.clone()),
        endpoint_url: config.aws.as_ref().and_then(|aws| aws.endpoint_url.clone()),
    };
    // The destination first: an unusable one fails before any record is read.
    let mut writer = LakeWriter::open(
        &flow.destination,
        &layout,
        plan.output_schema().clone(),
        &s3,
    )
    .await
    .context("nothing was read")?;
    let mut source = match Source::open(config, flow, plan, store).await {
        Ok(source) => source,
        Err(error) => {
            writer.abort().await;
            return Err(error);
        }
    };
    let moved = async {
        if let (Source::Lines { reader, path, line }, None) = (&mut source, window) {
            return lines_through(plan, &mut writer, reader, path, line, &flow.name).await;
        }
        while let Some(mut batch) = source.next().await? {
            if let Some(window) = window {
                batch.retain(|record| window.admits(record));
            }
            let output = plan.apply(batch)?;
            writer.write(&output).await?;
            tracing::info!(
                flow = %flow.name,
                read = plan.stats().records_read,
                written = writer.records(),
                "batch written"
            );
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    match moved {
        Ok(()) => Ok(writer.commit().await?),
        Err(error) => {
            writer.abort().await;
            Err(error.context("no file was published"))
        }
    }
}

/// A JSON-lines file (outside an incremental window): [`BATCH_SIZE`] whole lines at a time
/// through the plan's parallel reading, which builds only the fields the tasks need.
async fn lines_through(
    plan: &mut FlowPlan,
    writer: &mut LakeWriter,
    reader: &mut std::io::BufReader<std::fs::File>,
    path: &str,
    line: &mut u64,
    flow: &str,
) -> anyhow::Result<()> {
    let mut text = String::new();
    loop {
        text.clear();
        let first = *line;
        for _ in 0..BATCH_SIZE {
            let read = reader
                .read_line(&mut text)
                .with_context(|| format!("cannot read {path}"))?;
            if read == 0 {
                break;
            }
            *line += 1;
        }
        if text.is_empty() {
            return Ok(());
        }
        let output = plan.apply_json_lines(&text).map_err(|error| match error {
            ward_flow::LinesError::Json(ward_flow::JsonLineError::NotJson { line, cause }) => {
                anyhow::anyhow!("{path} line {}: not JSON: {cause}", first + line as u64)
            }
            ward_flow::LinesError::Json(ward_flow::JsonLineError::NotObject { line, kind }) => {
                anyhow::anyhow!(
                    "{path} line {}: not an object but {kind}",
                    first + line as u64
                )
            }
            ward_flow::LinesError::Flow(error) => error.into(),
        })?;
        writer.write(&output).await?;
        tracing::info!(
            flow,
            read = plan.stats().records_read,
            written = writer.records(),
            "batch written"
        );
    }
}

/// Where a run's records come from.
enum Source {
    /// `POST /computers/search`, page by page in id order.
    Computers {
        client: Arc<ward_manager::ManagerClient>,
        expand: Vec<Expand>,
        after: Option<i64>,
        done: bool,
    },
    /// `POST /intrusionpreventionrules/search`, page by page in id order.
    IpsRules {
        client: Arc<ward_manager::ManagerClient>,
        after: Option<i64>,
        done: bool,
    },
    /// Records already read in one call (policies, the store's decisions and actions).
    Loaded(std::vec::IntoIter<Record>),
    /// A JSON-lines file, line by line.
    Lines {
        reader: std::io::BufReader<std::fs::File>,
        path: String,
        line: u64,
    },
}

impl Source {
    async fn open(
        config: &Config,
        flow: &FlowDefinition,
        plan: &FlowPlan,
        store: &Arc<dyn Store>,
    ) -> anyhow::Result<Self> {
        Ok(match flow.source.as_str() {
            "computers" => Self::Computers {
                client: super::connect_manager(config).await?,
                expand: expand_for(plan),
                after: None,
                done: false,
            },
            "intrusion_prevention_rules" => Self::IpsRules {
                client: super::connect_manager(config).await?,
                after: None,
                done: false,
            },
            "policies" => {
                let client = super::connect_manager(config).await?;
                Self::Loaded(
                    client
                        .policies_json()
                        .await?
                        .into_iter()
                        .collect::<Vec<_>>()
                        .into_iter(),
                )
            }
            "findings" => {
                let mut decisions = store.decisions(u32::MAX).await?;
                decisions.reverse();
                Self::Loaded(
                    decisions
                        .iter()
                        .map(finding_record)
                        .collect::<Vec<_>>()
                        .into_iter(),
                )
            }
            "actions" => {
                let mut actions = store.actions(u32::MAX).await?;
                actions.reverse();
                Self::Loaded(
                    actions
                        .iter()
                        .map(action_record)
                        .collect::<Vec<_>>()
                        .into_iter(),
                )
            }
            "alerts" => anyhow::bail!(
                "source `alerts` has no records: alerts come from CloudTrail detection \
                 (`ward detect`), which ward does not have yet"
            ),
            "file" => {
                let path = flow
                    .source_path
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("a `file` source needs `source_path`"))?;
                let file = std::fs::File::open(path)
                    .with_context(|| format!("cannot open the source file {path}"))?;
                let mut reader = std::io::BufReader::new(file);
                let starts_with_bracket = reader
                    .fill_buf()
                    .map(|bytes| bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'['))
                    .with_context(|| format!("cannot read the source file {path}"))?;
                if starts_with_bracket {
                    let items: Vec<Value> = serde_json::from_reader(reader)
                        .with_context(|| format!("{path}: not a JSON array of objects"))?;
                    let mut records = Vec::with_capacity(items.len());
                    for (index, item) in items.into_iter().enumerate() {
                        match item {
                            Value::Object(record) => records.push(record),
                            other => anyhow::bail!(
                                "{path}: item {} is not an object but {}",
                                index + 1,
                                kind(&other)
                            ),
                        }
                    }
                    Self::Loaded(records.into_iter())
                } else {
                    Self::Lines {
                        reader,
                        path: path.to_owned(),
                        line: 0,
                    }
                }
            }
            other => anyhow::bail!("unknown source `{other}`"),
        })
    }

    /// The next batch (at most [`BATCH_SIZE`] records), or `None` at the end.
    async fn next(&mut self) -> anyhow::Result<Option<Vec<Record>>> {
        match self {
            Self::Computers {
                client,
                expand,
                after,
                done,
            } => {
                if *done {
                    return Ok(None);
                }
                let page = client
                    .computers_after_json(*after, BATCH_SIZE, expand)
                    .await?;
                Ok(paged(page, after, done))
            }
            Self::IpsRules {
                client,
                after,
                done,
            } => {
                if *done {
                    return Ok(None);
                }
                let page = client.ips_rules_after_json(*after, BATCH_SIZE).await?;
                Ok(paged(page, after, done))
            }
            Self::Loaded(records) => {
                let batch: Vec<Record> = records.by_ref().take(BATCH_SIZE).collect();
                Ok((!batch.is_empty()).then_some(batch))
            }
            Self::Lines { reader, path, line } => {
                let mut batch = Vec::new();
                let mut text = String::new();
                while batch.len() < BATCH_SIZE {
                    text.clear();
                    let read = reader
                        .read_line(&mut text)
                        .with_context(|| format!("cannot read {path}"))?;
                    if read == 0 {
                        break;
                    }
                    *line += 1;
                    if text.trim().is_empty() {
                        continue;
                    }
                    match serde_json::from_str::<Value>(&text) {
                        Ok(Value::Object(record)) => batch.push(record),
                        Ok(other) => {
                            anyhow::bail!("{path} line {line}: not an object but {}", kind(&other))
                        }
                        Err(error) => anyhow::bail!("{path} line {line}: not JSON: {error}"),
                    }
                }
                Ok((!batch.is_empty()).then_some(batch))
            }
        }
    }
}

/// A page of objects by id order: remembers where the next starts, and when it was the last.
fn paged(page: Vec<Record>, after: &mut Option<i64>, done: &mut bool) -> Option<Vec<Record>> {
    let last = page
        .iter()
        .filter_map(|record| record.get("ID")?.as_i64())
        .max();
    match last {
        Some(last) if page.len() >= BATCH_SIZE && Some(last) > *after => *after = Some(last),
        _ => *done = true,
    }
    (!page.is_empty()).then_some(page)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The computer parts (`expand`) a flow needs: those its `PROJECTION` names, or all of them.
fn expand_for(plan: &FlowPlan) -> Vec<Expand> {
    let Some(fields) = plan.projection() else {
        return vec![Expand::All];
    };
    let mut expand = Vec::new();
    for field in fields {
        let Some(top) = field.segments().next() else {
            continue;
        };
        let part = match top {
            "computerStatus" => Expand::ComputerStatus,
            "tasks" => Expand::Tasks,
            "securityUpdates" => Expand::SecurityUpdates,
            "computerSettings" => Expand::ComputerSettings,
            "antiMalware" => Expand::AntiMalware,
            "webReputation" => Expand::WebReputation,
            "activityMonitoring" => Expand::ActivityMonitoring,
            "firewall" => Expand::Firewall,
            "intrusionPrevention" => Expand::IntrusionPrevention,
            "integrityMonitoring" => Expand::IntegrityMonitoring,
            "logInspection" => Expand::LogInspection,
            "applicationControl" => Expand::ApplicationControl,
            "interfaces" => Expand::Interfaces,
            "ec2VirtualMachineSummary" => Expand::Ec2VirtualMachineSummary,
            "noConnectorVirtualMachineSummary" => Expand::NoConnectorVirtualMachineSummary,
            other if other.ends_with("VirtualMachineSummary") => Expand::AllVirtualMachineSummaries,
            _ => continue,
        };
        if !expand.contains(&part) {
            expand.push(part);
        }
    }
    if expand.is_empty() {
        expand.push(Expand::None);
    }
    expand
}

/// A decision as a `findings` record (the field names of `findings.tsv`).
fn finding_record(decision: &ward_core::DecisionRecord) -> Record {
    let mut record = Record::new();
    record.insert("findingID".into(), decision.event_id.clone().into());
    record.insert("source".into(), decision.source.clone().into());
    record.insert("findingType".into(), decision.finding_type.clone().into());
    insert_some(
        &mut record,
        "accountID",
        decision.account_id.clone().map(Value::from),
    );
    insert_some(
        &mut record,
        "instanceID",
        decision.instance_id.clone().map(Value::from),
    );
    insert_some(
        &mut record,
        "computerID",
        decision.computer_id.map(|id| id.0.into()),
    );
    insert_some(
        &mut record,
        "protected",
        decision.protected.map(Value::from),
    );
    record.insert("decision".into(), decision.decision.clone().into());
    record.insert("reason".into(), decision.reason.clone().into());
    record.insert("actions".into(), decision.actions.clone());
    record.insert("decidedAt".into(), decision.at.into());
    record
}

/// A ledger entry as an `actions` record (the field names of `actions.tsv`).
fn action_record(action: &ward_core::ActionRecord) -> Record {
    let mut record = Record::new();
    record.insert("actionID".into(), action.id.into());
    record.insert("findingID".into(), action.finding.clone().into());
    record.insert("target".into(), action.target.clone().into());
    record.insert("action".into(), action.action.clone().into());
    insert_some(
        &mut record,
        "computerID",
        action.computer_id.map(|id| id.0.into()),
    );
    record.insert("status".into(), action.status.as_str().into());
    record.insert("attempts".into(), action.attempts.into());
    insert_some(
        &mut record,
        "coalescedInto",
        action.coalesced_into.map(Value::from),
    );
    insert_some(
        &mut record,
        "detail",
        action.detail.clone().map(Value::from),
    );
    record.insert("requestedAt".into(), action.requested_at.into());
    insert_some(&mut record, "settledAt", action.settled_at.map(Value::from));
    record
}

fn insert_some(record: &mut Record, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        record.insert(key.to_owned(), value);
    }
}

/// A new execution ID: a random (version 4) UUID, as AppFlow's are.
fn execution_id() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// A finished run as `ward flow run` (and the demo) print it.
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

fn list(config: &Config) -> anyhow::Result<()> {
    let mut out = output::stdout();
    if config.flows.is_empty() {
        return output::line(&mut out, "no flows configured ([[flows]] in ward.toml)");
    }
    let mut table = Table::new([
        "flow",
        "source",
        "tasks",
        "destination",
        "format",
        "trigger",
    ])
    .right_align(2);
    for flow in &config.flows {
        let format = match flow.destination.format {
            ward_flow::FileFormat::Jsonl => "jsonl",
            ward_flow::FileFormat::Csv => "csv",
            ward_flow::FileFormat::Parquet => "parquet",
        };
        let trigger = match &flow.trigger {
            ward_flow::Trigger::OnDemand => "on demand".to_owned(),
            trigger => {
                let schedule = trigger
                    .schedule()
                    .map(|schedule| schedule.to_string())
                    .unwrap_or_default();
                match trigger.watermark_field() {
                    Some(field) => format!("{schedule} (incremental on {field})"),
                    None => schedule,
                }
            }
        };
        table.row([
            flow.name.clone(),
            flow.source.clone(),
            flow.tasks.len().to_string(),
            flow.destination.path.clone(),
            format.to_owned(),
            trigger,
        ]);
    }
    output::line(&mut out, &table.render())
}

/// One run as `--output json` prints it.
#[derive(Debug, Serialize)]
struct RunView<'a> {
    execution_id: &'a str,
    flow: &'a str,
    status: &'static str,
    started_at: String,
    finished_at: Option<String>,
    records_read: u64,
    records_written: u64,
    records_filtered: u64,
    records_invalid: u64,
    bytes_written: u64,
    files: &'a [String],
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_pull_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_pull_end: Option<String>,
}

impl<'a> From<&'a FlowRun> for RunView<'a> {
    fn from(run: &'a FlowRun) -> Self {
        Self {
            execution_id: &run.execution_id,
            flow: &run.flow,
            status: run.status.as_str(),
            started_at: ward_flow::time::format_rfc3339(run.started_at),
            finished_at: run.finished_at.map(ward_flow::time::format_rfc3339),
            records_read: run.records_read,
            records_written: run.records_written,
            records_filtered: run.records_filtered,
            records_invalid: run.records_invalid,
            bytes_written: run.bytes_written,
            files: &run.files,
            error: run.error.as_deref(),
            data_pull_start: run.data_pull_start.map(ward_flow::time::format_rfc3339),
            data_pull_end: run.data_pull_end.map(ward_flow::time::format_rfc3339),
        }
    }
}

async fn history(config: &Config, args: &FlowHistoryArgs) -> anyhow::Result<()> {
    let flow = find(config, &args.name)?;
    let store = super::open_store(&config.store_url).await?;
    let runs = store.flow_runs(&flow.name, args.limit).await?;
    let views: Vec<RunView<'_>> = runs.iter().map(RunView::from).collect();
    let mut out = output::stdout();
    match args.output {
        Output::Json => {
            let text = serde_json::to_string_pretty(&views)?;
            output::line(&mut out, &text)
        }
        Output::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record([
                "execution_id",
                "status",
                "started_at",
                "finished_at",
                "records_read",
                "records_written",
                "records_filtered",
                "records_invalid",
                "bytes_written",
                "files",
                "error",
            ])?;
            for view in &views {
                writer.write_record([
                    view.execution_id.to_owned(),
                    view.status.to_owned(),
                    view.started_at.clone(),
                    view.finished_at.clone().unwrap_or_default(),
                    view.records_read.to_string(),
                    view.records_written.to_string(),
                    view.records_filtered.to_string(),
                    view.records_invalid.to_string(),
                    view.bytes_written.to_string(),
                    view.files.join(" "),
                    view.error.unwrap_or_default().to_owned(),
                ])?;
            }
            let bytes = writer.into_inner().map_err(|error| error.into_error())?;
            output::ignore_broken_pipe(out.write_all(&bytes).and_then(|()| out.flush()))
        }
        Output::Table => {
            if views.is_empty() {
                return output::line(&mut out, &format!("flow {} has not run yet", flow.name));
            }
            let mut table = Table::new([
                "execution",
                "status",
                "started",
                "seconds",
                "read",
                "written",
                "filtered",
                "bytes",
                "files",
                "error",
            ]);
            for column in 3..=8 {
                table = table.right_align(column);
            }
            for run in &runs {
                let seconds = run.finished_at.map_or_else(String::new, |finished| {
                    format!("{:.1}", (finished - run.started_at) as f64 / 1000.0)
                });
                table.row([
                    run.execution_id.clone(),
                    run.status.as_str().to_owned(),
                    ward_flow::time::format_rfc3339(run.started_at),
                    seconds,
                    run.records_read.to_string(),
                    run.records_written.to_string(),
                    (run.records_filtered + run.records_invalid).to_string(),
                    run.bytes_written.to_string(),
                    run.files.len().to_string(),
                    run.error.clone().unwrap_or_default(),
                ]);
            }
            output::line(&mut out, &table.render())
        }
    }
}

/// `[[flows]]` as TOML.
#[derive(Debug, Serialize)]
struct FlowsToml<'a> {
    flows: [&'a FlowDefinition; 1],
}

fn import(args: &ImportAppflowArgs) -> anyhow::Result<()> {
    let file = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {file}"))?;
    let mut flow = ward_flow::import_appflow(&bytes).map_err(|error| ConfigError {
        file: file.clone(),
        key: "(AppFlow flow)".to_owned(),
        reason: error.to_string(),
    })?;
    if let Some(name) = &args.name {
        flow.name.clone_from(name);
    }
    // The imported tasks must compile here too: a flow that would fail later fails now.
    let schema = flow_schema(&flow).ok_or_else(|| ConfigError {
        file: file.clone(),
        key: "sourceFlowConfig".to_owned(),
        reason: format!("unknown source `{}`", flow.source),
    })?;
    FlowPlan::compile(&flow, &schema).map_err(|error| ConfigError {
        file: file.clone(),
        key: match error.task() {
            Some(task) => format!("tasks[{task}]"),
            None => "flowName".to_owned(),
        },
        reason: error.to_string(),
    })?;
    let text =
        toml::to_string(&FlowsToml { flows: [&flow] }).context("cannot write the flow as TOML")?;
    let mut out = output::stdout();
    match &args.append_to {
        None => {
            output::ignore_broken_pipe(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
        }
        Some(path) => {
            let existing = match std::fs::read_to_string(path) {
                Ok(existing) => existing,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(error) => {
                    return Err(error).with_context(|| format!("cannot read {}", path.display()));
                }
            };
            let mut combined = existing;
            if !combined.is_empty() && !combined.ends_with('\n') {
                combined.push('\n');
            }
            if !combined.is_empty() {
                combined.push('\n');
            }
            combined.push_str(&text);
            // The file with the new flow must still load: checked before it is written.
            Config::parse(&combined, &path.display().to_string())?;
            std::fs::write(path, combined)
                .with_context(|| format!("cannot write {}", path.display()))?;
            output::line(
                &mut out,
                &format!("flow {} added to {}", flow.name, path.display()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_ids_are_version_4_uuids() {
        let id = execution_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(id, execution_id());
    }

    #[test]
    fn paging_stops_on_a_short_page() {
        let page = |ids: std::ops::Range<i64>| -> Vec<Record> {
            ids.map(|id| {
                let mut record = Record::new();
                record.insert("ID".into(), id.into());
                record
            })
            .collect()
        };
        let (mut after, mut done) = (None, false);
        let full = page(1..BATCH_SIZE as i64 + 1);
        assert!(paged(full, &mut after, &mut done).is_some());
        assert_eq!((after, done), (Some(BATCH_SIZE as i64), false));
        assert!(paged(page(9000..9002), &mut after, &mut done).is_some());
        assert!(done);
        let (mut after, mut done) = (None, false);
        assert!(paged(Vec::new(), &mut after, &mut done).is_none());
        assert!(done);
    }
}
