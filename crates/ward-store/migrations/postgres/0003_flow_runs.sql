-- 0003 flow runs (PostgreSQL): one row per run of a flow, as AppFlow's execution records keep them.

CREATE TABLE flow_runs (
    execution_id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    records_read BIGINT NOT NULL,
    records_written BIGINT NOT NULL,
    records_filtered BIGINT NOT NULL,
    records_invalid BIGINT NOT NULL,
    bytes_written BIGINT NOT NULL,
    files TEXT NOT NULL,
    error TEXT
);
CREATE INDEX flow_runs_flow_started ON flow_runs (flow, started_at);
