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
//! * [`plan`]: [`FlowPlan::compile`] checks a definition before any record moves (errors name the
//!   flow, the task and the field); [`FlowPlan::apply`] processes batches in place.
//! * [`definition`]: `[[flows]]` of `ward.toml` — source, tasks, destination, trigger.
//! * [`appflow`]: [`import_appflow`] reads a `CreateFlow` request or `DescribeFlow` response.
//! * [`schedule`]: `rate(…)` and AWS `cron(…)` expressions and their next run.
//!
//! This crate is pure: no I/O, and it never depends on tokio, reqwest, sqlx or aws-* (checked by
//! the tidy test in `xtask`). Encoders and object stores live in adapter crates.

pub mod appflow;
pub mod definition;
pub mod error;
pub mod plan;
pub mod record;
pub mod schedule;
pub mod schema;
pub mod tasks;
pub mod time;

pub use appflow::{ImportError, import_appflow};
pub use definition::{
    Aggregation, Destination, FileFormat, FlowDefinition, Location, PathPrefix, PrefixConfig,
    PrefixFormat, PrefixType, PullMode, TaskDefinition, Trigger,
};
pub use error::FlowError;
pub use plan::{FlowPlan, RunStats};
pub use record::{FieldPath, FieldPathError, Record, flatten};
pub use schedule::{ScheduleError, ScheduleExpression};
pub use schema::{Column, ColumnType, FieldType, OutputSchema, SourceSchema};
pub use tasks::{Operator, TaskType};
