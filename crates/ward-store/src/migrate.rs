//! Versioned schema migrations: each backend has an ordered list, applied once each, in order,
//! every one in its own transaction, and recorded in `ward_schema_migrations`.
//!
//! A later issue adds a migration by appending to both backends' lists (`0002_events.sql`, …); a
//! migration is never edited once released.

use ward_core::StoreError;

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// 1, 2, 3, … without gaps; the order they apply in.
    pub version: i64,
    pub name: &'static str,
    /// One or more statements.
    pub sql: &'static str,
}

/// Creates the table that records applied migrations (the same text for both backends).
pub(crate) const CREATE_MIGRATIONS_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS ward_schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

pub(crate) const CURRENT_VERSION: &str = "SELECT MAX(version) FROM ward_schema_migrations";

pub(crate) const RECORD_MIGRATION: &str =
    "INSERT INTO ward_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

/// The next migration to apply to a database at `current` (no migration applied: `None`), or `None`
/// when it is up to date. A database newer than every migration this binary knows is refused.
pub(crate) fn next(
    current: Option<i64>,
    migrations: &[Migration],
) -> Result<Option<&Migration>, StoreError> {
    let current = current.unwrap_or(0);
    let known = migrations.last().map_or(0, |migration| migration.version);
    if current > known {
        return Err(StoreError::Migration {
            version: current,
            cause: format!(
                "the database's schema is at version {current}, newer than this ward knows \
                 (version {known}); run a newer ward, or point it at another store"
            ),
        });
    }
    Ok(migrations
        .iter()
        .find(|migration| migration.version > current))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATIONS: [Migration; 2] = [
        Migration {
            version: 1,
            name: "one",
            sql: "",
        },
        Migration {
            version: 2,
            name: "two",
            sql: "",
        },
    ];

    #[test]
    fn applies_in_order_once() {
        let version = |current| next(current, &MIGRATIONS).unwrap().map(|m| m.version);
        assert_eq!(version(None), Some(1));
        assert_eq!(version(Some(1)), Some(2));
        assert_eq!(version(Some(2)), None);
    }

    #[test]
    fn refuses_a_newer_database() {
        let error = next(Some(3), &MIGRATIONS).unwrap_err();
        assert!(matches!(error, StoreError::Migration { version: 3, .. }));
        assert!(
            error
                .to_string()
                .contains("newer than this ward knows (version 2)")
        );
    }

    #[test]
    fn versions_are_dense_and_ordered() {
        for migrations in [crate::sqlite::MIGRATIONS, crate::postgres::MIGRATIONS] {
            for (index, migration) in migrations.iter().enumerate() {
                assert_eq!(migration.version, index as i64 + 1, "{}", migration.name);
            }
        }
        let names = |migrations: &[Migration]| -> Vec<(i64, &str)> {
            migrations.iter().map(|m| (m.version, m.name)).collect()
        };
        assert_eq!(
            names(crate::sqlite::MIGRATIONS),
            names(crate::postgres::MIGRATIONS)
        );
    }
}
