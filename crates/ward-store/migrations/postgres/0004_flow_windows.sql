-- 0004 incremental flow windows (PostgreSQL): AppFlow's dataPullStartTime / dataPullEndTime.

ALTER TABLE flow_runs ADD COLUMN data_pull_start BIGINT;
ALTER TABLE flow_runs ADD COLUMN data_pull_end BIGINT;
