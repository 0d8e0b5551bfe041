-- 0003 flow runs (SQLite): one row per run of a flow, as AppFlow's execution records keep them.

CREATE TABLE flow_runs (
    execution_id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    records_read INTEGER NOT NULL,
    records_written INTEGER NOT NULL,
    records_filtered INTEGER NOT NULL,
    records_invalid INTEGER NOT NULL,
    bytes_written INTEGER NOT NULL,
    files TEXT NOT NULL,
    error TEXT
);
CREATE INDEX flow_runs_flow_started ON flow_runs (flow, started_at);
