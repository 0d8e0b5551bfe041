-- 0002 ledger (SQLite): every action ward claims under its idempotency key (finding, target, action),
-- the decisions it made with their reasons, and the inputs it could not use.

CREATE TABLE actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding TEXT NOT NULL,
    target TEXT NOT NULL,
    action TEXT NOT NULL,
    coalesce_key TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    settled_at INTEGER,
    detail TEXT,
    coalesced_into INTEGER REFERENCES actions (id),
    computer_id INTEGER,
    UNIQUE (finding, target, action)
);
CREATE INDEX actions_coalesce_key ON actions (coalesce_key, requested_at);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    source TEXT NOT NULL,
    finding_type TEXT NOT NULL,
    instance_id TEXT,
    computer_id INTEGER,
    account_id TEXT,
    protected INTEGER,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    actions TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX decisions_event_id ON decisions (event_id);

CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    position TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    at INTEGER NOT NULL
);
