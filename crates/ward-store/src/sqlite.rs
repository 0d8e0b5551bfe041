//! The SQLite store, ward's embedded default: one file in WAL mode (readers never wait for the
//! writer), `synchronous = NORMAL`, foreign keys on, a busy timeout for concurrent writers.

use crate::ledger::sql_ledger;
use crate::migrate::Migration;
use crate::sql::sql_store;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use ward_core::{Clock, StoreError};

/// SQLite's schema, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "inventory",
        sql: include_str!("../migrations/sqlite/0001_inventory.sql"),
    },
    Migration {
        version: 2,
        name: "ledger",
        sql: include_str!("../migrations/sqlite/0002_ledger.sql"),
    },
    Migration {
        version: 3,
        name: "flow_runs",
        sql: include_str!("../migrations/sqlite/0003_flow_runs.sql"),
    },
    Migration {
        version: 4,
        name: "flow_windows",
        sql: include_str!("../migrations/sqlite/0004_flow_windows.sql"),
    },
];

/// How long a writer waits for another writer before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections to a file database: several readers, one writer at a time.
const FILE_CONNECTIONS: u32 = 4;

/// A SQLite database holding ward's store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// When migrations were applied and syncs began.
    clock: Arc<dyn Clock>,
}

impl SqliteStore {
    /// SQLite's limit on bind parameters per statement (`SQLITE_MAX_VARIABLE_NUMBER` since 3.32).
    const MAX_BINDS: usize = 32_766;
    /// Takes the write lock when the transaction begins, so it cannot fail later on a busy
    /// database.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    /// `BEGIN IMMEDIATE` already serialises migrations.
    const MIGRATION_LOCK: Option<&'static str> = None;
    const MIGRATIONS: &'static [Migration] = MIGRATIONS;
    /// `BEGIN IMMEDIATE` already serialises claims.
    const KEY_LOCK: Option<&'static str> = None;

    /// Opens (creating it and its directory if needed) the database file at `path` and migrates it.
    pub async fn open_file(path: &Path) -> Result<Self, StoreError> {
        let open_error = |cause: String| StoreError::Open {
            url: format!("sqlite://{}", path.display()),
            cause,
        };
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            tokio::fs::create_dir_all(parent).await.map_err(|error| {
                open_error(format!(
                    "cannot create the directory {}: {error}",
                    parent.display()
                ))
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(FILE_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|error| open_error(error.to_string()))?;
        let store = Self {
            pool,
            clock: ward_clock::SystemClock::shared(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a private in-memory database, for tests. It lives as long as the store (one connection
    /// that is never closed).
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let open_error = |error: sqlx::Error| StoreError::Open {
            url: "sqlite::memory:".into(),
            cause: error.to_string(),
        };
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(open_error)?
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(open_error)?;
        let store = Self {
            pool,
            clock: ward_clock::SystemClock::shared(),
        };
        store.migrate().await?;
        Ok(store)
    }
}

sql_store!(SqliteStore, sqlx::Sqlite);
sql_ledger!(SqliteStore, sqlx::Sqlite);
