-- 0004 incremental flow windows (SQLite): AppFlow's dataPullStartTime / dataPullEndTime.

ALTER TABLE flow_runs ADD COLUMN data_pull_start INTEGER;
ALTER TABLE flow_runs ADD COLUMN data_pull_end INTEGER;
