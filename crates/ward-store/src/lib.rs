//! ward's store: the inventory snapshot, decisions, the action ledger, the quarantine and flow
//! runs in SQLite — WAL, the embedded default — or PostgreSQL, behind [`ward_core::Store`].
//!
//! Both backends share one implementation (`sql`), differ only in DDL and a few constants, apply
//! versioned migrations on open (`migrate`), and pass one contract test suite (`tests/tests.rs`).

mod flow_runs;
mod ledger;
mod location;
mod migrate;
mod postgres;
mod sql;
mod sqlite;

pub use location::redact_url;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use location::Location;
use std::sync::Arc;
use ward_core::{Store, StoreError};

/// Opens the store a URL names, creating and migrating it as needed:
/// `sqlite://path/to/ward.db` (or `sqlite:path`, or a bare path), `sqlite::memory:` for tests, or
/// `postgres://…` / `postgresql://…`.
///
/// Errors name the URL with its password redacted.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match location::parse(url)? {
        Location::SqliteMemory => Arc::new(SqliteStore::open_in_memory().await?),
        Location::SqliteFile(path) => Arc::new(SqliteStore::open_file(&path).await?),
        Location::Postgres => Arc::new(PostgresStore::connect(url.trim()).await?),
    })
}
