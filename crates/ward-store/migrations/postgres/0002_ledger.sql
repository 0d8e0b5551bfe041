-- 0002 ledger (PostgreSQL): every action ward claims under its idempotency key (finding, target,
-- action), the decisions it made with their reasons, and the inputs it could not use.

CREATE TABLE actions (
    id BIGSERIAL PRIMARY KEY,
    finding TEXT NOT NULL,
    target TEXT NOT NULL,
    action TEXT NOT NULL,
    coalesce_key TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    requested_at BIGINT NOT NULL,
    settled_at BIGINT,
    detail TEXT,
    coalesced_into BIGINT REFERENCES actions (id),
    computer_id BIGINT,
    UNIQUE (finding, target, action)
);
CREATE INDEX actions_coalesce_key ON actions (coalesce_key, requested_at);

CREATE TABLE decisions (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL,
    source TEXT NOT NULL,
    finding_type TEXT NOT NULL,
    instance_id TEXT,
    computer_id BIGINT,
    account_id TEXT,
    protected BOOLEAN,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    actions JSONB NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX decisions_event_id ON decisions (event_id);

CREATE TABLE quarantine (
    id BIGSERIAL PRIMARY KEY,
    origin TEXT NOT NULL,
    position TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    at BIGINT NOT NULL
);
