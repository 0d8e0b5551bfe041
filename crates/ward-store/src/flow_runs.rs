//! Flow runs' SQL, shared by both backends: one row per execution, inserted when the run starts
//! and updated when it ends.

use crate::sql::{count_from_db, stored_count};
use ward_core::StoreError;
use ward_core::ports::{FlowRun, FlowRunStatus};

/// The columns in the order `bind_run` binds them (checked against the statements by a test).
#[cfg(test)]
const COLUMNS: &str = "execution_id, flow, status, started_at, finished_at, records_read, \
     records_written, records_filtered, records_invalid, bytes_written, files, error, \
     data_pull_start, data_pull_end";

pub(crate) const INSERT_FLOW_RUN: &str = "INSERT INTO flow_runs (execution_id, flow, status, \
     started_at, finished_at, records_read, records_written, records_filtered, records_invalid, \
     bytes_written, files, error, data_pull_start, data_pull_end) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

/// Binds the same fourteen parameters as the insert; the flow and start time are kept (`$2`, `$4`
/// only identify nothing here but keep the binds identical).
pub(crate) const UPDATE_FLOW_RUN: &str = "UPDATE flow_runs SET status = $3, finished_at = $5, \
     records_read = $6, records_written = $7, records_filtered = $8, records_invalid = $9, \
     bytes_written = $10, files = $11, error = $12, data_pull_start = $13, data_pull_end = $14 \
     WHERE execution_id = $1 AND flow = $2 AND started_at = $4";

pub(crate) const NEWEST_FLOW_RUNS: &str = "SELECT execution_id, flow, status, started_at, \
     finished_at, records_read, records_written, records_filtered, records_invalid, \
     bytes_written, files, error, data_pull_start, data_pull_end FROM flow_runs WHERE flow = $1 \
     ORDER BY started_at DESC, execution_id DESC LIMIT $2";

pub(crate) const FLOW_WATERMARK: &str = "SELECT MAX(data_pull_end) FROM flow_runs \
     WHERE flow = $1 AND status = 'Successful'";

/// A `flow_runs` row as [`NEWEST_FLOW_RUNS`] selects it.
pub(crate) type FlowRunRow = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// Binds a run's fourteen columns in [`COLUMNS`] order.
pub(crate) fn bind_run<'q, DB>(
    query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    run: &'q FlowRun,
) -> Result<sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>, StoreError>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let files = serde_json::to_string(&run.files).map_err(|error| StoreError::Query {
        operation: "flow run",
        cause: error.to_string(),
    })?;
    Ok(query
        .bind(run.execution_id.as_str())
        .bind(run.flow.as_str())
        .bind(run.status.as_str())
        .bind(run.started_at)
        .bind(run.finished_at)
        .bind(stored_count(run.records_read))
        .bind(stored_count(run.records_written))
        .bind(stored_count(run.records_filtered))
        .bind(stored_count(run.records_invalid))
        .bind(stored_count(run.bytes_written))
        .bind(files)
        .bind(run.error.as_deref())
        .bind(run.data_pull_start)
        .bind(run.data_pull_end))
}

pub(crate) fn flow_run(row: FlowRunRow) -> Result<FlowRun, StoreError> {
    let corrupt = |cause: String| StoreError::Corrupt {
        what: format!("flow run {}", row.0),
        cause,
    };
    let status = FlowRunStatus::parse(&row.2)
        .ok_or_else(|| corrupt(format!("unknown status {:?}", row.2)))?;
    let files: Vec<String> =
        serde_json::from_str(&row.10).map_err(|error| corrupt(error.to_string()))?;
    Ok(FlowRun {
        status,
        started_at: row.3,
        finished_at: row.4,
        records_read: count_from_db(row.5),
        records_written: count_from_db(row.6),
        records_filtered: count_from_db(row.7),
        records_invalid: count_from_db(row.8),
        bytes_written: count_from_db(row.9),
        files,
        error: row.11,
        data_pull_start: row.12,
        data_pull_end: row.13,
        execution_id: row.0,
        flow: row.1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_match_the_statements() {
        for column in COLUMNS.split(", ") {
            assert!(INSERT_FLOW_RUN.contains(column), "{column}");
            assert!(NEWEST_FLOW_RUNS.contains(column), "{column}");
        }
    }

    #[test]
    fn unreadable_rows_are_corrupt_and_named() {
        let row: FlowRunRow = (
            "e-1".into(),
            "f".into(),
            "Running".into(),
            1,
            None,
            0,
            0,
            0,
            0,
            0,
            "[]".into(),
            None,
            None,
            None,
        );
        let error = flow_run(row).unwrap_err();
        assert!(error.to_string().contains("flow run e-1"), "{error}");
    }
}
