//! What the SQLite and PostgreSQL stores share: the SQL text both accept (`$n` placeholders, which
//! SQLite reads too; JSON read back with `CAST(data AS TEXT)`), query builders for the batched
//! upserts and the inventory filter, batching, and the row → domain mapping.
//!
//! The `Store` implementation is written once, in [`sql_store!`], and stamped out for each backend.
//! sqlx's executor and encoding bounds do not abstract over databases inside `Send` futures without
//! a fight; a macro keeps one text for both. What differs per backend (DDL, bind limits, how a write
//! transaction begins, the migration lock) are associated constants of each store type.

use serde::de::DeserializeOwned;
use sqlx::types::Json;
use sqlx::{Database, Encode, QueryBuilder, Type};
use std::collections::HashSet;
use std::hash::Hash;

use ward_core::{Computer, InventoryFilter, IpsRule, Policy, StoreError, SyncStats};

pub(crate) const BEGIN_SYNC: &str =
    "INSERT INTO sync_runs (begun_at) VALUES ($1) RETURNING generation";

/// The newest generation begun; what `upsert_computer` marks its row with.
pub(crate) const CURRENT_GENERATION: &str = "SELECT COALESCE(MAX(generation), 0) FROM sync_runs";

/// What `finish_sync` deletes: rows the finishing generation did not see (children first).
pub(crate) const DROP_UNSEEN: [&str; 4] = [
    "DELETE FROM ips_rule_cves WHERE rule_id IN \
     (SELECT rule_id FROM ips_rules WHERE generation < $1)",
    "DELETE FROM ips_rules WHERE generation < $1",
    "DELETE FROM policies WHERE generation < $1",
    "DELETE FROM computers WHERE generation < $1",
];

pub(crate) const RECORD_SYNC: &str = "UPDATE sync_runs SET completed_at = $1, started_at = $2, \
     finished_at = $3, computers = $4, policies = $5, ips_rules = $6, manager_calls = $7 \
     WHERE generation = $8";

pub(crate) const LAST_SYNC: &str = "SELECT started_at, finished_at, computers, policies, \
     ips_rules, manager_calls FROM sync_runs WHERE completed_at IS NOT NULL ORDER BY generation DESC LIMIT 1";

const SELECT_COMPUTERS: &str = "SELECT computer_id, CAST(data AS TEXT) FROM computers";

pub(crate) const COMPUTER_BY_ID: &str =
    "SELECT computer_id, CAST(data AS TEXT) FROM computers WHERE computer_id = $1";

pub(crate) const COMPUTER_BY_INSTANCE_ID: &str = "SELECT computer_id, CAST(data AS TEXT) \
     FROM computers WHERE instance_id = $1 ORDER BY computer_id LIMIT 1";

pub(crate) const POLICIES: &str =
    "SELECT policy_id, CAST(data AS TEXT) FROM policies ORDER BY policy_id";

/// Exact, case-insensitive; `upper(cve)` is what the index covers.
pub(crate) const IPS_RULES_FOR_CVE: &str = "SELECT rule_id, CAST(data AS TEXT) FROM ips_rules \
     WHERE rule_id IN (SELECT rule_id FROM ips_rule_cves WHERE upper(cve) = upper($1)) \
     ORDER BY rule_id";

pub(crate) const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM computers), \
     (SELECT COUNT(*) FROM policies), (SELECT COUNT(*) FROM ips_rules)";

/// Bind parameters per computer row in [`upsert_computers`].
pub(crate) const COMPUTER_BINDS: usize = 17;
/// Bind parameters per policy row in [`upsert_policies`].
pub(crate) const POLICY_BINDS: usize = 5;
/// Bind parameters per rule row in [`upsert_ips_rules`].
pub(crate) const IPS_RULE_BINDS: usize = 5;
/// Bind parameters per row in [`insert_cves`].
pub(crate) const CVE_BINDS: usize = 2;

/// How many rows of `binds_per_row` parameters fit one statement under the backend's limit.
pub(crate) fn rows_per_statement(binds_per_row: usize, max_binds: usize) -> usize {
    (max_binds / binds_per_row.max(1)).max(1)
}

/// The last occurrence of each key, in input order: a batch that names an object twice stores the
/// later one (PostgreSQL refuses to update one row twice in one statement).
pub(crate) fn last_of_each<T, K: Hash + Eq>(items: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let mut seen = HashSet::with_capacity(items.len());
    let mut kept: Vec<&T> = items
        .iter()
        .rev()
        .filter(|item| seen.insert(key(item)))
        .collect();
    kept.reverse();
    kept
}

/// `INSERT … ON CONFLICT DO UPDATE` for a chunk of computers, marking them with `generation`.
pub(crate) fn upsert_computers<'a, DB>(
    generation: i64,
    computers: &[&'a Computer],
) -> QueryBuilder<'a, DB>
where
    DB: Database,
    i64: Encode<'a, DB> + Type<DB>,
    Option<i64>: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
    Option<&'a str>: Encode<'a, DB> + Type<DB>,
    bool: Encode<'a, DB> + Type<DB>,
    Json<&'a Computer>: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new(
        "INSERT INTO computers (computer_id, host_name, display_name, platform, agent_version, \
         agent_status, policy_id, instance_id, account_id, availability_zone, region, \
         instance_type, ec2_state, last_agent_communication, protected, data, generation) ",
    );
    query.push_values(computers.iter().copied(), |mut row, computer| {
        row.push_bind(computer.computer_id.0)
            .push_bind(computer.host_name.as_str())
            .push_bind(computer.display_name.as_deref())
            .push_bind(computer.platform.as_deref())
            .push_bind(computer.agent_version.as_deref())
            .push_bind(computer.agent_status.as_str())
            .push_bind(computer.policy_id.map(|policy_id| policy_id.0))
            .push_bind(computer.instance_id.as_deref())
            .push_bind(computer.account_id.as_deref())
            .push_bind(computer.availability_zone.as_deref())
            .push_bind(computer.region.as_deref())
            .push_bind(computer.instance_type.as_deref())
            .push_bind(computer.ec2_state.as_deref())
            .push_bind(computer.last_agent_communication)
            .push_bind(computer.protected())
            .push_bind(Json(computer))
            .push_bind(generation);
    });
    query.push(
        " ON CONFLICT (computer_id) DO UPDATE SET host_name = excluded.host_name, \
         display_name = excluded.display_name, platform = excluded.platform, \
         agent_version = excluded.agent_version, agent_status = excluded.agent_status, \
         policy_id = excluded.policy_id, instance_id = excluded.instance_id, \
         account_id = excluded.account_id, availability_zone = excluded.availability_zone, \
         region = excluded.region, instance_type = excluded.instance_type, \
         ec2_state = excluded.ec2_state, \
         last_agent_communication = excluded.last_agent_communication, \
         protected = excluded.protected, data = excluded.data, generation = excluded.generation",
    );
    query
}

/// `INSERT … ON CONFLICT DO UPDATE` for a chunk of policies, marking them with `generation`.
pub(crate) fn upsert_policies<'a, DB>(
    generation: i64,
    policies: &[&'a Policy],
) -> QueryBuilder<'a, DB>
where
    DB: Database,
    i64: Encode<'a, DB> + Type<DB>,
    Option<i64>: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
    Json<&'a Policy>: Encode<'a, DB> + Type<DB>,
{
    let mut query =
        QueryBuilder::new("INSERT INTO policies (policy_id, parent_id, name, data, generation) ");
    query.push_values(policies.iter().copied(), |mut row, policy| {
        row.push_bind(policy.policy_id.0)
            .push_bind(policy.parent_id.map(|parent_id| parent_id.0))
            .push_bind(policy.name.as_str())
            .push_bind(Json(policy))
            .push_bind(generation);
    });
    query.push(
        " ON CONFLICT (policy_id) DO UPDATE SET parent_id = excluded.parent_id, \
         name = excluded.name, data = excluded.data, generation = excluded.generation",
    );
    query
}

/// `INSERT … ON CONFLICT DO UPDATE` for a chunk of IPS rules, marking them with `generation`.
pub(crate) fn upsert_ips_rules<'a, DB>(
    generation: i64,
    rules: &[&'a IpsRule],
) -> QueryBuilder<'a, DB>
where
    DB: Database,
    i64: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
    Option<&'a str>: Encode<'a, DB> + Type<DB>,
    Json<&'a IpsRule>: Encode<'a, DB> + Type<DB>,
{
    let mut query =
        QueryBuilder::new("INSERT INTO ips_rules (rule_id, identifier, name, data, generation) ");
    query.push_values(rules.iter().copied(), |mut row, rule| {
        row.push_bind(rule.rule_id.0)
            .push_bind(rule.identifier.as_deref())
            .push_bind(rule.name.as_str())
            .push_bind(Json(rule))
            .push_bind(generation);
    });
    query.push(
        " ON CONFLICT (rule_id) DO UPDATE SET identifier = excluded.identifier, \
         name = excluded.name, data = excluded.data, generation = excluded.generation",
    );
    query
}

/// Deletes the CVE rows of a chunk of rules, before their current lists are inserted again.
pub(crate) fn delete_cves<'a, DB>(rules: &[&'a IpsRule]) -> QueryBuilder<'a, DB>
where
    DB: Database,
    i64: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new("DELETE FROM ips_rule_cves WHERE rule_id IN (");
    let mut ids = query.separated(", ");
    for rule in rules {
        ids.push_bind(rule.rule_id.0);
    }
    query.push(")");
    query
}

/// The `(rule_id, cve)` rows of some rules (empty CVE strings skipped).
pub(crate) fn cve_rows<'a>(rules: &[&'a IpsRule]) -> Vec<(i64, &'a str)> {
    rules
        .iter()
        .flat_map(|rule| {
            rule.cves
                .iter()
                .map(|cve| cve.trim())
                .filter(|cve| !cve.is_empty())
                .map(|cve| (rule.rule_id.0, cve))
        })
        .collect()
}

/// Inserts a chunk of `(rule_id, cve)` rows; a CVE a rule lists twice is stored once.
pub(crate) fn insert_cves<'a, DB>(rows: &[(i64, &'a str)]) -> QueryBuilder<'a, DB>
where
    DB: Database,
    i64: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new("INSERT INTO ips_rule_cves (rule_id, cve) ");
    query.push_values(rows.iter().copied(), |mut row, (rule_id, cve)| {
        row.push_bind(rule_id).push_bind(cve);
    });
    query.push(" ON CONFLICT (rule_id, cve) DO NOTHING");
    query
}

/// The computers passing `filter`, in id order, as `(computer_id, data)` rows.
pub(crate) fn select_computers<'a, DB>(filter: &'a InventoryFilter) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new(SELECT_COMPUTERS);
    query.push(" WHERE 1 = 1");
    if filter.unprotected_only {
        query.push(" AND NOT protected");
    }
    if let Some(account_id) = &filter.account_id {
        query
            .push(" AND account_id = ")
            .push_bind(account_id.as_str());
    }
    if let Some(region) = &filter.region {
        query.push(" AND region = ").push_bind(region.as_str());
    }
    query.push(" ORDER BY computer_id");
    query
}

/// One stored object from its JSON; `what` and `id` name it when the JSON is unreadable.
pub(crate) fn decode<T: DeserializeOwned>(
    what: &str,
    id: i64,
    data: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(data).map_err(|error| StoreError::Corrupt {
        what: format!("{what} {id}"),
        cause: error.to_string(),
    })
}

/// Stored objects from `(id, data)` rows.
pub(crate) fn decode_all<T: DeserializeOwned>(
    what: &str,
    rows: Vec<(i64, String)>,
) -> Result<Vec<T>, StoreError> {
    rows.into_iter()
        .map(|(id, data)| decode(what, id, &data))
        .collect()
}

/// A `sync_runs` row: started_at, finished_at, computers, policies, ips_rules, manager_calls.
pub(crate) type SyncRow = (i64, i64, i64, i64, i64, i64);

/// The stats of a recorded sync.
pub(crate) fn sync_stats(row: SyncRow) -> Result<SyncStats, StoreError> {
    let (started_at, finished_at, computers, policies, ips_rules, manager_calls) = row;
    let count = |name: &str, value: i64| {
        u64::try_from(value).map_err(|_| StoreError::Corrupt {
            what: format!("sync_runs.{name}"),
            cause: format!("negative count {value}"),
        })
    };
    Ok(SyncStats {
        computers: count("computers", computers)?,
        policies: count("policies", policies)?,
        ips_rules: count("ips_rules", ips_rules)?,
        manager_calls: count("manager_calls", manager_calls)?,
        started_at,
        finished_at,
    })
}

/// A count as the database stores it (saturating: no store holds 2^63 of anything).
pub(crate) fn stored_count(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// A count the database returned (`COUNT(*)` is never negative).
pub(crate) fn count_from_db(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}

/// Maps a driver error to a failed `operation`.
pub(crate) fn query_error(operation: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| StoreError::Query {
        operation,
        cause: error.to_string(),
    }
}

/// Maps a driver error to a failed migration.
pub(crate) fn migration_error(version: i64) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| StoreError::Migration {
        version,
        cause: error.to_string(),
    }
}

/// Implements `migrate` and [`ward_core::Store`] for a store type with a `pool: sqlx::Pool<$db>`
/// field and the associated constants `MIGRATIONS`, `MAX_BINDS`, `BEGIN_WRITE`, `MIGRATION_LOCK`.
macro_rules! sql_store {
    ($store:ident, $db:ty) => {
        impl $store {
            /// Applies the migrations this database has not seen, in order, one transaction each.
            /// The transaction holds the backend's write lock, so two processes opening one store
            /// at once apply each migration once.
            ///
            /// Raw SQL goes through `Executor::execute`, not `RawSql::execute`: the latter's future
            /// is not provably `Send` for every lifetime (rust-lang/rust#102211), which would stop
            /// callers from spawning `open`.
            async fn migrate(&self) -> Result<(), ward_core::StoreError> {
                use $crate::migrate;
                let bookkeeping = $crate::sql::query_error("read the schema version");
                loop {
                    let mut tx = self.begin_write("read the schema version").await?;
                    if let Some(lock) = Self::MIGRATION_LOCK {
                        sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(lock))
                            .await
                            .map_err(&bookkeeping)?;
                    }
                    sqlx::Executor::execute(
                        &mut *tx,
                        sqlx::raw_sql(migrate::CREATE_MIGRATIONS_TABLE),
                    )
                    .await
                    .map_err(&bookkeeping)?;
                    let current: Option<i64> = sqlx::query_scalar(migrate::CURRENT_VERSION)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(&bookkeeping)?;
                    let Some(migration) = migrate::next(current, Self::MIGRATIONS)? else {
                        return tx.commit().await.map_err(&bookkeeping);
                    };
                    let failed = $crate::sql::migration_error(migration.version);
                    sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(migration.sql))
                        .await
                        .map_err(&failed)?;
                    sqlx::query(migrate::RECORD_MIGRATION)
                        .bind(migration.version)
                        .bind(migration.name)
                        .bind(self.clock.now_ms())
                        .execute(&mut *tx)
                        .await
                        .map_err(&failed)?;
                    tx.commit().await.map_err(&failed)?;
                    tracing::info!(
                        version = migration.version,
                        name = migration.name,
                        "store migration applied"
                    );
                }
            }

            /// A transaction that will write (SQLite takes the write lock at once, so it never
            /// fails half-way on a busy database).
            async fn begin_write(
                &self,
                operation: &'static str,
            ) -> Result<sqlx::Transaction<'static, $db>, ward_core::StoreError> {
                self.pool
                    .begin_with(Self::BEGIN_WRITE)
                    .await
                    .map_err($crate::sql::query_error(operation))
            }
        }

        #[async_trait::async_trait]
        impl ward_core::Store for $store {
            async fn begin_sync(&self) -> Result<i64, ward_core::StoreError> {
                sqlx::query_scalar($crate::sql::BEGIN_SYNC)
                    .bind(self.clock.now_ms())
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("begin_sync"))
            }

            async fn put_computers(
                &self,
                generation: i64,
                computers: &[ward_core::Computer],
            ) -> Result<(), ward_core::StoreError> {
                const OPERATION: &str = "put_computers";
                if computers.is_empty() {
                    return Ok(());
                }
                let failed = $crate::sql::query_error(OPERATION);
                let computers =
                    $crate::sql::last_of_each(computers, |computer| computer.computer_id);
                let rows =
                    $crate::sql::rows_per_statement($crate::sql::COMPUTER_BINDS, Self::MAX_BINDS);
                let mut tx = self.begin_write(OPERATION).await?;
                for chunk in computers.chunks(rows) {
                    $crate::sql::upsert_computers::<$db>(generation, chunk)
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err(&failed)?;
                }
                tx.commit().await.map_err(&failed)
            }

            async fn put_policies(
                &self,
                generation: i64,
                policies: &[ward_core::Policy],
            ) -> Result<(), ward_core::StoreError> {
                const OPERATION: &str = "put_policies";
                if policies.is_empty() {
                    return Ok(());
                }
                let failed = $crate::sql::query_error(OPERATION);
                let policies = $crate::sql::last_of_each(policies, |policy| policy.policy_id);
                let rows =
                    $crate::sql::rows_per_statement($crate::sql::POLICY_BINDS, Self::MAX_BINDS);
                let mut tx = self.begin_write(OPERATION).await?;
                for chunk in policies.chunks(rows) {
                    $crate::sql::upsert_policies::<$db>(generation, chunk)
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err(&failed)?;
                }
                tx.commit().await.map_err(&failed)
            }

            async fn put_ips_rules(
                &self,
                generation: i64,
                rules: &[ward_core::IpsRule],
            ) -> Result<(), ward_core::StoreError> {
                const OPERATION: &str = "put_ips_rules";
                if rules.is_empty() {
                    return Ok(());
                }
                let failed = $crate::sql::query_error(OPERATION);
                let rules = $crate::sql::last_of_each(rules, |rule| rule.rule_id);
                let rule_rows =
                    $crate::sql::rows_per_statement($crate::sql::IPS_RULE_BINDS, Self::MAX_BINDS);
                let cve_rows =
                    $crate::sql::rows_per_statement($crate::sql::CVE_BINDS, Self::MAX_BINDS);
                let mut tx = self.begin_write(OPERATION).await?;
                for chunk in rules.chunks(rule_rows) {
                    $crate::sql::upsert_ips_rules::<$db>(generation, chunk)
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err(&failed)?;
                    $crate::sql::delete_cves::<$db>(chunk)
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err(&failed)?;
                    let cves = $crate::sql::cve_rows(chunk);
                    for cve_chunk in cves.chunks(cve_rows) {
                        $crate::sql::insert_cves::<$db>(cve_chunk)
                            .build()
                            .execute(&mut *tx)
                            .await
                            .map_err(&failed)?;
                    }
                }
                tx.commit().await.map_err(&failed)
            }

            async fn finish_sync(
                &self,
                generation: i64,
                stats: &ward_core::SyncStats,
            ) -> Result<(), ward_core::StoreError> {
                const OPERATION: &str = "finish_sync";
                let failed = $crate::sql::query_error(OPERATION);
                let mut tx = self.begin_write(OPERATION).await?;
                for statement in $crate::sql::DROP_UNSEEN {
                    sqlx::query(statement)
                        .bind(generation)
                        .execute(&mut *tx)
                        .await
                        .map_err(&failed)?;
                }
                let recorded = sqlx::query($crate::sql::RECORD_SYNC)
                    .bind(self.clock.now_ms())
                    .bind(stats.started_at)
                    .bind(stats.finished_at)
                    .bind($crate::sql::stored_count(stats.computers))
                    .bind($crate::sql::stored_count(stats.policies))
                    .bind($crate::sql::stored_count(stats.ips_rules))
                    .bind($crate::sql::stored_count(stats.manager_calls))
                    .bind(generation)
                    .execute(&mut *tx)
                    .await
                    .map_err(&failed)?;
                if recorded.rows_affected() == 0 {
                    return Err(ward_core::StoreError::Query {
                        operation: OPERATION,
                        cause: format!("no sync with generation {generation} was begun"),
                    });
                }
                tx.commit().await.map_err(&failed)
            }

            async fn last_sync(
                &self,
            ) -> Result<Option<ward_core::SyncStats>, ward_core::StoreError> {
                let row: Option<$crate::sql::SyncRow> = sqlx::query_as($crate::sql::LAST_SYNC)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("last_sync"))?;
                row.map($crate::sql::sync_stats).transpose()
            }

            async fn upsert_computer(
                &self,
                computer: &ward_core::Computer,
            ) -> Result<(), ward_core::StoreError> {
                const OPERATION: &str = "upsert_computer";
                let failed = $crate::sql::query_error(OPERATION);
                let mut tx = self.begin_write(OPERATION).await?;
                let generation: i64 = sqlx::query_scalar($crate::sql::CURRENT_GENERATION)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(&failed)?;
                $crate::sql::upsert_computers::<$db>(generation, &[computer])
                    .build()
                    .execute(&mut *tx)
                    .await
                    .map_err(&failed)?;
                tx.commit().await.map_err(&failed)
            }

            async fn computers(
                &self,
                filter: &ward_core::InventoryFilter,
            ) -> Result<Vec<ward_core::Computer>, ward_core::StoreError> {
                let rows: Vec<(i64, String)> = $crate::sql::select_computers::<$db>(filter)
                    .build_query_as()
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("computers"))?;
                $crate::sql::decode_all("computer", rows)
            }

            async fn computer(
                &self,
                computer_id: ward_core::ComputerId,
            ) -> Result<Option<ward_core::Computer>, ward_core::StoreError> {
                let row: Option<(i64, String)> = sqlx::query_as($crate::sql::COMPUTER_BY_ID)
                    .bind(computer_id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("computer"))?;
                row.map(|(id, data)| $crate::sql::decode("computer", id, &data))
                    .transpose()
            }

            async fn computer_by_instance_id(
                &self,
                instance_id: &str,
            ) -> Result<Option<ward_core::Computer>, ward_core::StoreError> {
                let row: Option<(i64, String)> =
                    sqlx::query_as($crate::sql::COMPUTER_BY_INSTANCE_ID)
                        .bind(instance_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err($crate::sql::query_error("computer_by_instance_id"))?;
                row.map(|(id, data)| $crate::sql::decode("computer", id, &data))
                    .transpose()
            }

            async fn policies(&self) -> Result<Vec<ward_core::Policy>, ward_core::StoreError> {
                let rows: Vec<(i64, String)> = sqlx::query_as($crate::sql::POLICIES)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("policies"))?;
                $crate::sql::decode_all("policy", rows)
            }

            async fn ips_rules_for_cve(
                &self,
                cve: &str,
            ) -> Result<Vec<ward_core::IpsRule>, ward_core::StoreError> {
                let rows: Vec<(i64, String)> = sqlx::query_as($crate::sql::IPS_RULES_FOR_CVE)
                    .bind(cve.trim())
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("ips_rules_for_cve"))?;
                $crate::sql::decode_all("ips rule", rows)
            }

            async fn start_flow_run(
                &self,
                run: &ward_core::ports::FlowRun,
            ) -> Result<(), ward_core::StoreError> {
                $crate::flow_runs::bind_run(sqlx::query($crate::flow_runs::INSERT_FLOW_RUN), run)?
                    .execute(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("start_flow_run"))?;
                Ok(())
            }

            async fn finish_flow_run(
                &self,
                run: &ward_core::ports::FlowRun,
            ) -> Result<(), ward_core::StoreError> {
                let done = $crate::flow_runs::bind_run(
                    sqlx::query($crate::flow_runs::UPDATE_FLOW_RUN),
                    run,
                )?
                .execute(&self.pool)
                .await
                .map_err($crate::sql::query_error("finish_flow_run"))?;
                if done.rows_affected() == 0 {
                    return Err(ward_core::StoreError::Query {
                        operation: "finish_flow_run",
                        cause: format!("no flow run {} was started", run.execution_id),
                    });
                }
                Ok(())
            }

            async fn flow_runs(
                &self,
                flow: &str,
                limit: u32,
            ) -> Result<Vec<ward_core::ports::FlowRun>, ward_core::StoreError> {
                let rows: Vec<$crate::flow_runs::FlowRunRow> =
                    sqlx::query_as($crate::flow_runs::NEWEST_FLOW_RUNS)
                        .bind(flow)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err($crate::sql::query_error("flow_runs"))?;
                rows.into_iter().map($crate::flow_runs::flow_run).collect()
            }

            async fn flow_watermark(
                &self,
                flow: &str,
            ) -> Result<Option<i64>, ward_core::StoreError> {
                let (watermark,): (Option<i64>,) =
                    sqlx::query_as($crate::flow_runs::FLOW_WATERMARK)
                        .bind(flow)
                        .fetch_one(&self.pool)
                        .await
                        .map_err($crate::sql::query_error("flow_watermark"))?;
                Ok(watermark)
            }

            async fn counts(&self) -> Result<(u64, u64, u64), ward_core::StoreError> {
                let (computers, policies, rules): (i64, i64, i64) =
                    sqlx::query_as($crate::sql::COUNTS)
                        .fetch_one(&self.pool)
                        .await
                        .map_err($crate::sql::query_error("counts"))?;
                Ok((
                    $crate::sql::count_from_db(computers),
                    $crate::sql::count_from_db(policies),
                    $crate::sql::count_from_db(rules),
                ))
            }
        }
    };
}

pub(crate) use sql_store;

#[cfg(test)]
mod tests {
    use super::*;
    use ward_core::RuleId;

    #[test]
    fn statements_stay_under_the_bind_limits() {
        assert_eq!(rows_per_statement(COMPUTER_BINDS, 32_766), 1_927);
        assert_eq!(rows_per_statement(COMPUTER_BINDS, 65_535), 3_855);
        assert!(rows_per_statement(COMPUTER_BINDS, 32_766) * COMPUTER_BINDS <= 32_766);
        assert_eq!(rows_per_statement(CVE_BINDS, 32_766), 16_383);
        assert_eq!(rows_per_statement(40, 10), 1);
    }

    #[test]
    fn a_batch_keeps_the_last_of_each_id() {
        let items = [(1, "a"), (2, "b"), (1, "c"), (3, "d")];
        let kept: Vec<_> = last_of_each(&items, |item| item.0)
            .into_iter()
            .copied()
            .collect();
        assert_eq!(kept, [(2, "b"), (1, "c"), (3, "d")]);
    }

    #[test]
    fn cve_rows_skip_blanks() {
        let rule = IpsRule {
            rule_id: RuleId(7),
            identifier: None,
            name: "rule".into(),
            cves: vec!["CVE-1".into(), " ".into(), " cve-2 ".into()],
            cvss_score: None,
            severity: None,
            rule_type: None,
            application_type_id: None,
        };
        assert_eq!(cve_rows(&[&rule]), [(7, "CVE-1"), (7, "cve-2")]);
    }

    #[test]
    fn unreadable_rows_are_corrupt_and_named() {
        let error = decode::<Computer>("computer", 42, "{").unwrap_err();
        assert!(matches!(&error, StoreError::Corrupt { what, .. } if what == "computer 42"));
        let error = sync_stats((0, 0, -1, 0, 0, 0)).unwrap_err();
        assert!(error.to_string().contains("sync_runs.computers"));
    }
}
