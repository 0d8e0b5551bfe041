//! ward's flow engine core: what Amazon AppFlow did for the Trend Micro connector, as a pure
//! library — flow definitions, AppFlow's tasks with AppFlow's semantics, a compiled plan that
//! moves batches of records, schedules, and the import of AppFlow flow JSON.
//!
//! * [`record`]: records (JSON objects), [`FieldPath`]s (`computerStatus.agentStatus`) and the
//!   `_` flattening tabular outputs use (arrays kept as JSON text).
//! * [`schema`]: the source objects' fields (from the Workload Security API v1 for `computers`,
//!   `policies`, `intrusion_prevention_rules`; ward's own for `findings`, `actions`, `alerts`; open
//!   for `file`) and the typed [`OutputSchema`] a Parquet writer needs.
//! * [`tasks`]: AppFlow's task types, operators and `taskProperties` keys, and what each does to
//!   a value (mask, truncate, compare, validate, arithmetic, conversion).
//! * [`flat`]: a `Map_all` flow's output as flat rows for tabular writers, read from JSON lines
//!   without building records ([`FlowPlan::apply_json_lines_flat`]).
//! * [`plan`]: [`FlowPlan::compile`] checks a definition before any record moves (errors name the
//!   flow, the task and the field); [`FlowPlan::apply`] processes batches in place.
//! * [`definition`]: `[[flows]]` of `ward.toml` — source, tasks, destination, trigger.
//! * [`appflow`]: [`import_appflow`] reads a `CreateFlow` request or `DescribeFlow` response.
//! * [`schedule`]: `rate(…)` and AWS `cron(…)` expressions and their next run.
//! * [`window`]: the [`PullWindow`] of an incremental run over its watermark field.
//! * [`tables`]: ward's own records (decisions, the ledger) as `findings` and `actions` records.
//!
//! This crate is pure: no I/O, and it never depends on tokio, reqwest, sqlx or aws-* (checked by
//! the tidy test in `xtask`). Encoders and object stores live in adapter crates.

pub mod appflow;
pub mod definition;
pub mod error;
pub mod flat;
pub mod plan;
pub mod record;
pub mod schedule;
pub mod schema;
pub mod tables;
pub mod tasks;
pub mod time;
pub mod window;

pub use appflow::{ImportError, import_appflow};
pub use definition::{
    Aggregation, Destination, FileFormat, FileLocation, FlowDefinition, FlowSource, Location,
    ManagerObject, PathPrefix, PrefixConfig, PrefixFormat, PrefixType, PullMode, StoreTable,
    TaskDefinition, Trigger,
};
pub use error::FlowError;
pub use flat::{FlatBatch, FlatRow, FlatValue};
pub use plan::{Flow, FlowPlan, LinesError, RunStats};
pub use record::{
    FieldPath, FieldPathError, JsonLineError, Keep, Record, flatten, parse_json_lines, parse_kept,
};
pub use schedule::{ScheduleError, ScheduleExpression};
pub use schema::{Column, ColumnType, FieldType, OutputSchema, SourceSchema};
pub use tasks::{Operator, TaskType};
pub use window::PullWindow;
