-- 0001 inventory (SQLite): the snapshot `ward sync` keeps of the manager's computers, policies and IPS
-- rules, and a record of every sync. Key columns are real columns (filtered and indexed); `data` holds
-- the whole object as JSON. `generation` is the sync that last saw the row.

CREATE TABLE sync_runs (
    generation INTEGER PRIMARY KEY AUTOINCREMENT,
    begun_at INTEGER NOT NULL,
    completed_at INTEGER,
    started_at INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER NOT NULL DEFAULT 0,
    computers INTEGER NOT NULL DEFAULT 0,
    policies INTEGER NOT NULL DEFAULT 0,
    ips_rules INTEGER NOT NULL DEFAULT 0,
    manager_calls INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE computers (
    computer_id INTEGER PRIMARY KEY,
    host_name TEXT NOT NULL,
    display_name TEXT,
    platform TEXT,
    agent_version TEXT,
    agent_status TEXT NOT NULL,
    policy_id INTEGER,
    instance_id TEXT,
    account_id TEXT,
    availability_zone TEXT,
    region TEXT,
    instance_type TEXT,
    ec2_state TEXT,
    last_agent_communication INTEGER,
    protected INTEGER NOT NULL,
    data TEXT NOT NULL,
    generation INTEGER NOT NULL
);
CREATE INDEX computers_instance_id ON computers (instance_id);
CREATE INDEX computers_account_region ON computers (account_id, region);
CREATE INDEX computers_generation ON computers (generation);

CREATE TABLE policies (
    policy_id INTEGER PRIMARY KEY,
    parent_id INTEGER,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    generation INTEGER NOT NULL
);
CREATE INDEX policies_generation ON policies (generation);

CREATE TABLE ips_rules (
    rule_id INTEGER PRIMARY KEY,
    identifier TEXT,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    generation INTEGER NOT NULL
);
CREATE INDEX ips_rules_generation ON ips_rules (generation);

CREATE TABLE ips_rule_cves (
    rule_id INTEGER NOT NULL REFERENCES ips_rules (rule_id) ON DELETE CASCADE,
    cve TEXT NOT NULL,
    PRIMARY KEY (rule_id, cve)
);
CREATE INDEX ips_rule_cves_upper_cve ON ips_rule_cves (upper(cve));
