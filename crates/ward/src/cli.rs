//! The command line: what `ward --help` shows. Parsing only; the commands live in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// ward connects Trend Micro Workload Security with the AWS security services around the workloads it protects.
#[derive(Debug, Parser)]
#[command(name = "ward", version, about, long_about = None)]
pub struct Cli {
    /// Config file (default `ward.toml` if it exists, or $WARD_CONFIG).
    #[arg(long, global = true, env = "WARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulator + store + inventory summary, all local, no account needed.
    Demo(DemoArgs),
    /// Serve a simulated Workload Security manager (API v1) for tests, demos and trying ward.
    Sim(SimArgs),
    /// Pull computers, policies and IPS rules from the manager into the store.
    Sync,
    /// Show the synced inventory.
    Inventory(InventoryArgs),
    /// Decide and act on AWS findings from a file (or `-` for stdin): GuardDuty, Inspector2,
    /// Config rule invocations, Security Hub, … one event, a JSON array, JSON lines or an SQS batch.
    Handle(HandleArgs),
    /// The service: the signed event webhook (`POST /api/v1/events`) and a periodic inventory
    /// refresh, until Ctrl-C.
    Run(RunArgs),
    /// The AWS Lambda entry: EventBridge events, SQS batches (with partial batch failures) and
    /// Config rule invocations, through the Lambda runtime API.
    Lambda,
    /// AWS WAF: which Trend Micro managed rule groups each WebACL should hold, by the IPS rules
    /// of the instances behind it.
    #[command(subcommand)]
    Waf(WafCommand),
    /// Flows (what AppFlow did): a source object, AppFlow's tasks, files on S3 or on disk.
    #[command(subcommand)]
    Flow(FlowCommand),
}

#[derive(Debug, Subcommand)]
pub enum FlowCommand {
    /// The configured flows: source, destination, format, trigger.
    List,
    /// Runs a flow now; prints the execution ID, the records read and written, and the files.
    Run(FlowRunArgs),
    /// A flow's runs, the newest first (AppFlow's execution records).
    History(FlowHistoryArgs),
    /// Turns an AppFlow `CreateFlow` JSON (or `aws appflow describe-flow` output) into a
    /// `[[flows]]` entry: printed to paste, or appended to a file.
    ImportAppflow(ImportAppflowArgs),
}

#[derive(Debug, Args)]
pub struct FlowRunArgs {
    /// The flow's name.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct FlowHistoryArgs {
    /// The flow's name.
    pub name: String,
    /// How many runs to show.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ImportAppflowArgs {
    /// The AppFlow flow JSON.
    pub file: PathBuf,
    /// The ward flow's name (default: the AppFlow flow's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Append the `[[flows]]` entry to this config file instead of printing it (the file is
    /// checked with the new flow before it is written).
    #[arg(long, value_name = "WARD_TOML")]
    pub append_to: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum WafCommand {
    /// For every WebACL in front of an ALB or a CloudFront distribution (in every configured
    /// account): the instances behind it, their computers and IPS rules, and the Trend Micro rule
    /// groups they call for. Changes nothing without `--apply`.
    Sweep(WafSweepArgs),
}

#[derive(Debug, Args)]
pub struct WafSweepArgs {
    /// Add the missing rule groups to the WebACLs (every other rule stays as it was).
    #[arg(long)]
    pub apply: bool,
    /// Output format: a table, or one JSON document.
    #[arg(long, value_enum, default_value_t = HandleOutput::Table)]
    pub output: HandleOutput,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Address to listen on (overrides `server.listen`; port 0 picks a free port, printed).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Seconds between inventory refreshes (0: never).
    #[arg(long, default_value_t = 300)]
    pub sync_every_secs: u64,
}

#[derive(Debug, Args)]
pub struct HandleArgs {
    /// The file of events, or `-` for standard input.
    pub input: PathBuf,
    /// Print the decisions and planned actions; change nothing (no manager writes, no ledger).
    #[arg(long)]
    pub dry_run: bool,
    /// Output format: a table, or one JSON object per event.
    #[arg(long, value_enum, default_value_t = HandleOutput::Table)]
    pub output: HandleOutput,
    /// Events handled at once (results are still printed in input order).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

/// How `ward handle` and `ward waf sweep` print their results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HandleOutput {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Exit once the demo is set up and its summary printed (for tests and scripts).
    #[arg(long)]
    pub exit_after_setup: bool,
    /// Where the demo keeps its store.
    #[arg(long, default_value = "ward-data")]
    pub data_dir: PathBuf,
    /// Computers in the simulated fleet.
    #[arg(long, default_value_t = 500)]
    pub fleet: usize,
    /// Address the demo's simulator listens on (falls back to any free port when taken).
    #[arg(long, default_value = "127.0.0.1:4119")]
    pub sim_listen: SocketAddr,
    /// Address the demo's API (and dashboard) listens on (falls back to any free port when taken).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:4119")]
    pub listen: SocketAddr,
    /// Computers in the generated fleet.
    #[arg(long, default_value_t = 1000)]
    pub fleet: usize,
    /// Seed: the same seed always generates the same fleet.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of API calls that fail with an injected fault (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Which faults to inject: 429, 500, 503, slow, reset.
    #[arg(long, value_delimiter = ',', default_value = "429,500,503,slow,reset")]
    pub fault_kinds: Vec<String>,
    /// Calls allowed per 60-second window; past it the simulator answers 429.
    #[arg(long, value_name = "CALLS_PER_MINUTE")]
    pub rate_limit: Option<u32>,
    /// Delay before a run-now scan completes, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub scan_delay_ms: u64,
    /// The Full Access role's API key.
    #[arg(long, default_value = "ward-sim-full-access")]
    pub full_access_key: String,
    /// The Auditor (read-only) role's API key.
    #[arg(long, default_value = "ward-sim-auditor")]
    pub auditor_key: String,
    /// EC2 instance IDs to add as computers with an active agent.
    #[arg(long, value_delimiter = ',', value_name = "i-…")]
    pub protect: Vec<String>,
    /// EC2 instance IDs to add as computers without a working agent.
    #[arg(long, value_delimiter = ',', value_name = "i-…")]
    pub unprotected: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Only computers without an active agent.
    #[arg(long)]
    pub unprotected: bool,
    /// Only this AWS account.
    #[arg(long)]
    pub account: Option<String>,
    /// Only this AWS region.
    #[arg(long)]
    pub region: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
    Csv,
}
