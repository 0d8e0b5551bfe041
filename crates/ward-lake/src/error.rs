//! The sink's error: what failed, and where.

/// Why a flow's output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// The destination cannot be used (bad path, missing bucket, refused credentials); found
    /// before any record moves.
    #[error("destination {destination}: {reason}")]
    Destination {
        /// The destination as configured (`s3://…` or a directory).
        destination: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing, moving or deleting one file failed.
    #[error("cannot {operation} {location}: {cause}")]
    Io {
        /// `write`, `publish`, `remove`.
        operation: &'static str,
        /// The file (`s3://bucket/key` or a local path).
        location: String,
        /// The cause.
        cause: String,
    },
    /// A value does not fit its typed column.
    #[error("output record {position}, column `{column}`: `{value}` is not {expected}")]
    Value {
        /// The record's position in the run's output (1-based).
        position: u64,
        /// The column.
        column: String,
        /// The value, as JSON.
        value: String,
        /// The column's type.
        expected: &'static str,
    },
    /// The encoder failed.
    #[error("cannot encode {format}: {cause}")]
    Encode {
        /// `csv`, `parquet`, `jsonl`.
        format: &'static str,
        /// The cause.
        cause: String,
    },
}
