//! ward's flow sinks: the batches a [`ward_flow::FlowPlan`] produces, written as JSON lines, CSV or
//! Parquet files to a local directory or an `s3://bucket/prefix` (through `object_store`), laid
//! out as AppFlow lays them out ([`ward_flow::Destination::run_folder`] and
//! [`ward_flow::Destination::file_name_prefix`]).
//!
//! * [`encode`]: the three encoders. Tabular formats flatten nested objects with `_`
//!   ([`ward_flow::flatten`]) and take their columns from the plan's [`ward_flow::OutputSchema`];
//!   Parquet columns are typed when the destination preserves source data typing, text otherwise.
//!   A Parquet file holds the plan's sparse columns (what `Map_all` expands a source schema
//!   into: hundreds of fields, a few dozen present) only when its first batch has a value for
//!   them; a later batch with a value in a sparse column the file lacks ends that file and
//!   starts the next part, which holds the same columns and the new ones. CSV files keep every
//!   column of the schema. Flat rows ([`ward_flow::FlowPlan::apply_json_lines_flat`]) go to
//!   Parquet without records being built ([`LakeWriter::write_flat`]).
//! * [`LakeWriter`]: one run's files. Nothing half-written looks complete: every file is written
//!   under `_tmp/{execution id}/…` and moved to its final name only when the run commits; an
//!   aborted run removes its temporaries. Files are streamed (one Parquet row group, or one slice
//!   of lines, per batch), so memory holds a batch, never the export.
//!
//! * [`source`]: where a flow's records come from — the manager's objects, ward's own tables, JSON
//!   lines or arrays from a file or S3 (a prefix reads every object under it) — behind
//!   `ward-core`'s `RecordSource` port.
//! * [`run`]: [`FlowRunner`] runs a compiled flow (source → plan → files) and records the run as
//!   AppFlow records executions; it also runs the scheduled flows of `ward run`.
//!
//! S3 settings come from the environment as the AWS SDKs read them (`AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL`), or from
//! [`S3Options`]; an `http://` endpoint (moto, LocalStack) is allowed and addressed path-style.

pub mod encode;
mod error;
pub mod run;
pub mod source;
mod target;
mod writer;

pub use error::LakeError;
pub use run::{FlowRunner, MoveError, RunError, describe, error_chain};
pub use source::{FileSource, ManagerSource, Sources, StoreSource};
pub use target::S3Options;
pub use writer::{LakeWriter, RunLayout, Written};

/// Records per batch a source should hand to the plan and the writer.
pub const BATCH_SIZE: usize = 5_000;
