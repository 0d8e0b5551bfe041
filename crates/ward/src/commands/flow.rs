//! `ward flow`: list the configured flows, run one (through `ward_lake::FlowRunner`), show a
//! flow's runs, and import an AppFlow flow JSON as a `[[flows]]` entry.

use crate::cli::{FlowCommand, FlowHistoryArgs, ImportAppflowArgs, Output};
use crate::config::{Config, ConfigError};
use crate::output::{self, Table};
use crate::wire;
use anyhow::Context;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use ward_core::ports::FlowRun;
use ward_core::records::{FlowSource, ManagerObjects};
use ward_flow::{Flow, FlowDefinition};

pub async fn run(config_path: Option<&Path>, command: &FlowCommand) -> anyhow::Result<()> {
    match command {
        FlowCommand::ImportAppflow(args) => import(args),
        FlowCommand::List => list(&wire::load_config(config_path)?),
        FlowCommand::Run(args) => {
            let config = wire::load_config(config_path)?;
            let flow = find(&config, &args.name)?;
            let store = wire::open_store(&config.store_url).await?;
            let manager: Option<Arc<dyn ManagerObjects>> = match flow.definition.source {
                FlowSource::Manager(_) => Some(wire::connect_manager(&config).await?),
                _ => None,
            };
            let runner = wire::flow_runner(&config, manager, store);
            let run = runner.execute(flow).await.map_err(|(run, error)| {
                anyhow::Error::new(error).context(format!(
                    "flow `{}` run {} failed",
                    run.flow, run.execution_id
                ))
            })?;
            output::line(&mut output::stdout(), &ward_lake::describe(&run))
        }
        FlowCommand::History(args) => history(&wire::load_config(config_path)?, args).await,
    }
}

/// The configured flow named `name`; an unknown name is a config error (exit 2).
fn find<'c>(config: &'c Config, name: &str) -> anyhow::Result<&'c Flow> {
    config
        .flows
        .iter()
        .find(|flow| flow.name() == name)
        .ok_or_else(|| {
            let known: Vec<&str> = config.flows.iter().map(Flow::name).collect();
            anyhow::Error::new(ConfigError {
                file: config.file_name(),
                key: "flows".to_owned(),
                reason: if known.is_empty() {
                    format!("no flow named `{name}` (no [[flows]] configured)")
                } else {
                    format!("no flow named `{name}` (configured: {})", known.join(", "))
                },
            })
        })
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
    for flow in config.flows.iter().map(|flow| &flow.definition) {
        let format = flow.destination.format.as_str();
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
            flow.source.to_string(),
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
    let store = wire::open_store(&config.store_url).await?;
    let runs = store.flow_runs(flow.name(), args.limit).await?;
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
                return output::line(&mut out, &format!("flow {} has not run yet", flow.name()));
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
    ward_flow::FlowPlan::compile_builtin(&flow).map_err(|error| ConfigError {
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
