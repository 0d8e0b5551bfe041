-- 0001 inventory (PostgreSQL): the snapshot `ward sync` keeps of the manager's computers, policies and
-- IPS rules, and a record of every sync. Key columns are real columns (filtered and indexed); `data`
-- holds the whole object as jsonb. `generation` is the sync that last saw the row.

CREATE TABLE sync_runs (
    generation BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    begun_at BIGINT NOT NULL,
    completed_at BIGINT,
    started_at BIGINT NOT NULL DEFAULT 0,
    finished_at BIGINT NOT NULL DEFAULT 0,
    computers BIGINT NOT NULL DEFAULT 0,
    policies BIGINT NOT NULL DEFAULT 0,
    ips_rules BIGINT NOT NULL DEFAULT 0,
    manager_calls BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE computers (
    computer_id BIGINT PRIMARY KEY,
    host_name TEXT NOT NULL,
    display_name TEXT,
    platform TEXT,
    agent_version TEXT,
    agent_status TEXT NOT NULL,
    policy_id BIGINT,
    instance_id TEXT,
    account_id TEXT,
    availability_zone TEXT,
    region TEXT,
    instance_type TEXT,
    ec2_state TEXT,
    last_agent_communication BIGINT,
    protected BOOLEAN NOT NULL,
    data JSONB NOT NULL,
    generation BIGINT NOT NULL
);
CREATE INDEX computers_instance_id ON computers (instance_id);
CREATE INDEX computers_account_region ON computers (account_id, region);
CREATE INDEX computers_generation ON computers (generation);

CREATE TABLE policies (
    policy_id BIGINT PRIMARY KEY,
    parent_id BIGINT,
    name TEXT NOT NULL,
    data JSONB NOT NULL,
    generation BIGINT NOT NULL
);
CREATE INDEX policies_generation ON policies (generation);

CREATE TABLE ips_rules (
    rule_id BIGINT PRIMARY KEY,
    identifier TEXT,
    name TEXT NOT NULL,
    data JSONB NOT NULL,
    generation BIGINT NOT NULL
);
CREATE INDEX ips_rules_generation ON ips_rules (generation);

CREATE TABLE ips_rule_cves (
    rule_id BIGINT NOT NULL REFERENCES ips_rules (rule_id) ON DELETE CASCADE,
    cve TEXT NOT NULL,
    PRIMARY KEY (rule_id, cve)
);
CREATE INDEX ips_rule_cves_upper_cve ON ips_rule_cves (upper(cve));
