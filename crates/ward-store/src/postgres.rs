//! The PostgreSQL store, for deployments that already run a database
//! (`store.url = "postgres://…"`).

use crate::ledger::sql_ledger;
use crate::location::redact_url;
use crate::migrate::Migration;
use crate::sql::sql_store;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use ward_core::{Clock, StoreError};

/// PostgreSQL's schema, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "inventory",
        sql: include_str!("../migrations/postgres/0001_inventory.sql"),
    },
    Migration {
        version: 2,
        name: "ledger",
        sql: include_str!("../migrations/postgres/0002_ledger.sql"),
    },
    Migration {
        version: 3,
        name: "flow_runs",
        sql: include_str!("../migrations/postgres/0003_flow_runs.sql"),
    },
    Migration {
        version: 4,
        name: "flow_windows",
        sql: include_str!("../migrations/postgres/0004_flow_windows.sql"),
    },
];

/// How long to wait for a connection (at open, and from the pool).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

const CONNECTIONS: u32 = 8;

/// A PostgreSQL database (the schema on the connection's `search_path`) holding ward's store.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// When migrations were applied and syncs began.
    clock: Arc<dyn Clock>,
}

impl PostgresStore {
    /// The protocol's limit on bind parameters per statement.
    const MAX_BINDS: usize = 65_535;
    const BEGIN_WRITE: &'static str = "BEGIN";
    /// Serialises migrations of one schema across processes (released when the transaction ends).
    const MIGRATION_LOCK: Option<&'static str> = Some(
        "SELECT pg_advisory_xact_lock(hashtext('ward_schema_migrations:' || current_schema()))",
    );
    const MIGRATIONS: &'static [Migration] = MIGRATIONS;
    /// Serialises claims on one key across connections (released when the transaction ends).
    const KEY_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(hashtext($1))");

    /// Connects to `url` (`postgres://user:password@host:port/database?…`) and migrates the schema.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let open_error = |error: sqlx::Error| StoreError::Open {
            url: redact_url(url),
            cause: error.to_string(),
        };
        let options = PgConnectOptions::from_str(url).map_err(open_error)?;
        // One connection first, so an unreachable server fails at once with its cause (the pool
        // would retry until its acquire timeout and report only that).
        let probe = tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| StoreError::Open {
                url: redact_url(url),
                cause: format!("no connection within {} s", ACQUIRE_TIMEOUT.as_secs()),
            })?
            .map_err(open_error)?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        let store = Self {
            pool,
            clock: ward_clock::SystemClock::shared(),
        };
        store.migrate().await?;
        Ok(store)
    }
}

sql_store!(PostgresStore, sqlx::Postgres);
sql_ledger!(PostgresStore, sqlx::Postgres);
