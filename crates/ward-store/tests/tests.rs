//! ward-store's integration tests: one contract suite for the `Store` port, run against SQLite (a
//! temporary file) and PostgreSQL (a schema of its own per test), plus `open`'s URL handling.
//!
//! PostgreSQL is `postgres://postgres@127.0.0.1:5432/test` unless `WARD_TEST_POSTGRES_URL` says
//! otherwise. When it is unreachable the PostgreSQL tests say so loudly and pass, except with
//! `CI=true`, where they fail.

use sqlx::Connection;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tempfile::TempDir;
use ward_core::{
    ActionKey, ActionRecord, ActionStatus, AgentStatus, Claim, ClaimRequest, Computer, ComputerId,
    DecisionRecord, InventoryFilter, IpsRule, Module, ModuleState, Policy, PolicyId,
    QuarantineRecord, RuleId, Store, StoreError, SyncStats,
};

// ---------------------------------------------------------------------------------------------
// Backends under test
// ---------------------------------------------------------------------------------------------

/// A fresh, empty database for one test, and raw access to it for tests that tamper.
#[derive(Debug)]
enum Backend {
    Sqlite {
        _dir: TempDir,
        url: String,
    },
    Postgres {
        url: String,
        admin_url: String,
        schema: String,
    },
}

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

impl Backend {
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        // A directory that does not exist yet: `open` creates it.
        let url = format!("sqlite://{}/data/ward.db", dir.path().display());
        Self::Sqlite { _dir: dir, url }
    }

    /// A new schema in the test database, or `None` (after a loud line) when PostgreSQL is not
    /// reachable outside CI.
    async fn postgres(test: &str) -> Option<Self> {
        let admin_url =
            std::env::var("WARD_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        let connected = tokio::time::timeout(
            Duration::from_secs(5),
            sqlx::PgConnection::connect(&admin_url),
        )
        .await;
        let mut admin = match connected {
            Ok(Ok(connection)) => connection,
            failure => {
                let cause = match failure {
                    Ok(Err(error)) => error.to_string(),
                    _ => "timed out".to_owned(),
                };
                let redacted = ward_store::redact_url(&admin_url);
                if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                    panic!("PostgreSQL unreachable at {redacted} (CI=true needs it): {cause}");
                }
                // Straight to the process's stderr, past the test harness's capture, so it shows.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED (PostgreSQL unreachable at {redacted}): {test} ({cause})"
                );
                return None;
            }
        };
        let schema = unique_schema();
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create the test schema");
        let _ = admin.close().await;
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
        Some(Self::Postgres {
            url,
            admin_url,
            schema,
        })
    }

    fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        ward_store::open(self.url()).await
    }

    /// Runs SQL on the test's database directly, past the store.
    async fn execute(&self, sql: &str) {
        use sqlx::Executor;
        match self {
            Self::Sqlite { url, .. } => {
                let mut connection = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
                connection
                    .execute(sqlx::raw_sql(sql))
                    .await
                    .expect("raw sql");
                let _ = connection.close().await;
            }
            Self::Postgres { url, .. } => {
                let mut connection = sqlx::PgConnection::connect(url).await.expect("postgres");
                connection
                    .execute(sqlx::raw_sql(sql))
                    .await
                    .expect("raw sql");
                let _ = connection.close().await;
            }
        }
    }

    /// Drops the test's PostgreSQL schema.
    async fn clean_up(&self) {
        use sqlx::Executor;
        let Self::Postgres {
            admin_url, schema, ..
        } = self
        else {
            return;
        };
        if let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await {
            let drop_schema = format!("DROP SCHEMA {schema} CASCADE");
            let _ = admin.execute(sqlx::raw_sql(&drop_schema)).await;
            let _ = admin.close().await;
        }
    }
}

/// A schema name no other test (in this process or another) uses.
fn unique_schema() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let sequence = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("ward_t_{}_{nanos:x}_{sequence}", std::process::id())
}

/// Runs each contract test against both backends: `sqlite::name` and `postgres::name`.
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(std::sync::Arc::new(super::Backend::sqlite())).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(backend) = super::Backend::postgres(stringify!($name)).await else {
                        return;
                    };
                    let backend = std::sync::Arc::new(backend);
                    // Run the test in its own task so a failure still drops the schema.
                    let outcome = tokio::spawn(super::$name(backend.clone())).await;
                    backend.clean_up().await;
                    if let Err(error) = outcome {
                        std::panic::resume_unwind(error.into_panic());
                    }
                }
            )*
        }
    };
}

contract_tests!(
    empty_store,
    sync_round_trip_keeps_every_field,
    filters_select_in_sql,
    instance_id_lookup,
    a_new_generation_drops_what_it_did_not_see,
    last_sync_is_the_newest_finished_sync,
    finishing_an_unknown_generation_fails,
    ips_rules_for_cve_is_exact_and_case_insensitive,
    upsert_computer_lives_until_a_sync_misses_it,
    a_batch_naming_an_object_twice_keeps_the_last,
    reopening_applies_no_migration_and_keeps_data,
    a_newer_schema_is_refused,
    ten_thousand_computers_in_two_batches,
    a_claimed_action_is_done_once,
    scans_of_one_computer_coalesce,
    failed_and_stale_claims_are_taken_again,
    concurrent_claims_let_one_proceed,
    decisions_and_quarantine_round_trip,
    flow_runs_are_recorded_from_start_to_end,
    finishing_an_unstarted_flow_run_fails,
);

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const ACCOUNTS: [&str; 2] = ["111111111111", "222222222222"];
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// A computer with every field set; id decides account, region and status.
fn computer(id: i64) -> Computer {
    let status = match id % 4 {
        0 => AgentStatus::Active,
        1 => AgentStatus::Warning,
        2 => AgentStatus::Error,
        _ => AgentStatus::Inactive,
    };
    let account = ACCOUNTS[(id % 2) as usize];
    let region = REGIONS[((id / 2) % 2) as usize];
    let mut modules = BTreeMap::new();
    modules.insert(
        Module::IntrusionPrevention,
        ModuleState {
            state: "prevent".into(),
            status: AgentStatus::Active,
            message: None,
        },
    );
    modules.insert(
        Module::AntiMalware,
        ModuleState {
            state: "off".into(),
            status: AgentStatus::Warning,
            message: Some("pattern out of date".into()),
        },
    );
    Computer {
        computer_id: ComputerId(id),
        host_name: format!("host-{id}"),
        display_name: Some(format!("Host {id} — ünïcode")),
        platform: Some("Amazon Linux 2 (64 bit)".into()),
        agent_version: Some(
            if id % 8 == 4 {
                "0.0.0.0"
            } else {
                "20.0.1-1234"
            }
            .into(),
        ),
        agent_status: status,
        agent_status_messages: vec![format!("message {id}"), "Managed (Online)".into()],
        policy_id: Some(PolicyId(id % 3 + 1)),
        last_agent_communication: Some(1_700_000_000_000 + id),
        instance_id: Some(format!("i-{id:017x}")),
        account_id: Some(account.into()),
        availability_zone: Some(format!("{region}a")),
        region: Some(region.into()),
        instance_type: Some("t3.micro".into()),
        ec2_state: Some("POWER ON".into()),
        modules,
        ips_rule_ids: vec![RuleId(id), RuleId(id + 1000)],
    }
}

/// A computer with nothing optional set.
fn bare_computer(id: i64) -> Computer {
    Computer {
        computer_id: ComputerId(id),
        host_name: format!("bare-{id}"),
        display_name: None,
        platform: None,
        agent_version: None,
        agent_status: AgentStatus::Unknown,
        agent_status_messages: vec![],
        policy_id: None,
        last_agent_communication: None,
        instance_id: None,
        account_id: None,
        availability_zone: None,
        region: None,
        instance_type: None,
        ec2_state: None,
        modules: BTreeMap::new(),
        ips_rule_ids: vec![],
    }
}

fn policy(id: i64) -> Policy {
    let mut module_states = BTreeMap::new();
    module_states.insert(Module::IntrusionPrevention, "prevent".to_owned());
    Policy {
        policy_id: PolicyId(id),
        parent_id: (id > 1).then_some(PolicyId(1)),
        name: format!("Policy {id}"),
        description: Some("a policy".into()),
        module_states,
        ips_rule_ids: vec![RuleId(id * 10)],
    }
}

fn rule(id: i64, cves: &[&str]) -> IpsRule {
    IpsRule {
        rule_id: RuleId(id),
        identifier: Some(format!("10{id:05}")),
        name: format!("Rule {id}"),
        cves: cves.iter().map(|cve| (*cve).to_owned()).collect(),
        cvss_score: Some("9.8".into()),
        severity: Some("critical".into()),
        rule_type: Some("vulnerability".into()),
        application_type_id: Some(id % 5),
    }
}

fn stats(computers: u64, started_at: i64) -> SyncStats {
    SyncStats {
        computers,
        policies: 3,
        ips_rules: 2,
        manager_calls: 17,
        started_at,
        finished_at: started_at + 1_234,
    }
}

/// One full sync of the given objects; returns its generation.
async fn sync(
    store: &dyn Store,
    computers: &[Computer],
    policies: &[Policy],
    rules: &[IpsRule],
) -> i64 {
    let generation = store.begin_sync().await.expect("begin_sync");
    store
        .put_computers(generation, computers)
        .await
        .expect("put_computers");
    store
        .put_policies(generation, policies)
        .await
        .expect("put_policies");
    store
        .put_ips_rules(generation, rules)
        .await
        .expect("put_ips_rules");
    store
        .finish_sync(generation, &stats(computers.len() as u64, 1_000))
        .await
        .expect("finish");
    generation
}

fn ids(computers: &[Computer]) -> Vec<i64> {
    computers
        .iter()
        .map(|computer| computer.computer_id.0)
        .collect()
}

fn rule_ids(rules: &[IpsRule]) -> Vec<i64> {
    rules.iter().map(|rule| rule.rule_id.0).collect()
}

async fn all(store: &dyn Store) -> Vec<Computer> {
    store
        .computers(&InventoryFilter::default())
        .await
        .expect("computers")
}

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

async fn empty_store(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    assert_eq!(store.counts().await.unwrap(), (0, 0, 0));
    assert!(all(&*store).await.is_empty());
    assert_eq!(store.computer(ComputerId(1)).await.unwrap(), None);
    assert_eq!(store.computer_by_instance_id("i-0abc").await.unwrap(), None);
    assert!(store.policies().await.unwrap().is_empty());
    assert!(
        store
            .ips_rules_for_cve("CVE-2017-5638")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.last_sync().await.unwrap(), None);
}

async fn sync_round_trip_keeps_every_field(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    // Out of id order on purpose: reads come back in id order.
    let computers = vec![computer(3), bare_computer(10), computer(1), computer(2)];
    let policies = vec![policy(2), policy(1), policy(3)];
    let rules = vec![
        rule(2, &["CVE-2021-44228"]),
        rule(1, &["CVE-2017-5638", "CVE-2018-0001"]),
    ];
    sync(&*store, &computers, &policies, &rules).await;

    let mut expected = computers.clone();
    expected.sort_by_key(|computer| computer.computer_id);
    assert_eq!(all(&*store).await, expected);
    assert_eq!(
        store.computer(ComputerId(3)).await.unwrap(),
        Some(computer(3))
    );
    assert_eq!(
        store.computer(ComputerId(10)).await.unwrap(),
        Some(bare_computer(10))
    );
    assert_eq!(store.computer(ComputerId(4)).await.unwrap(), None);

    let mut expected_policies = policies.clone();
    expected_policies.sort_by_key(|policy| policy.policy_id);
    assert_eq!(store.policies().await.unwrap(), expected_policies);
    assert_eq!(
        store.ips_rules_for_cve("CVE-2018-0001").await.unwrap(),
        vec![rules[1].clone()]
    );
    assert_eq!(store.counts().await.unwrap(), (4, 3, 2));
}

async fn filters_select_in_sql(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let computers: Vec<Computer> = (1..=40).map(computer).chain([bare_computer(99)]).collect();
    sync(&*store, &computers, &[], &[]).await;

    let filters = [
        InventoryFilter::default(),
        InventoryFilter {
            unprotected_only: true,
            ..Default::default()
        },
        InventoryFilter {
            account_id: Some(ACCOUNTS[0].into()),
            ..Default::default()
        },
        InventoryFilter {
            region: Some(REGIONS[1].into()),
            ..Default::default()
        },
        InventoryFilter {
            unprotected_only: true,
            account_id: Some(ACCOUNTS[1].into()),
            region: Some(REGIONS[0].into()),
        },
        InventoryFilter {
            account_id: Some("999999999999".into()),
            ..Default::default()
        },
    ];
    for filter in filters {
        let expected: Vec<i64> = ids(&computers
            .iter()
            .filter(|c| filter.matches(c))
            .cloned()
            .collect::<Vec<_>>());
        let found = store.computers(&filter).await.expect("computers");
        assert_eq!(ids(&found), expected, "{filter:?}");
    }
    // The oracle agrees with a hand count: ids 2, 3 (error, inactive) of every 4, 4 of every 8
    // (active but no agent: version 0.0.0.0), and the bare computer.
    let unprotected = InventoryFilter {
        unprotected_only: true,
        ..Default::default()
    };
    let found = store.computers(&unprotected).await.unwrap();
    assert_eq!(found.len(), 20 + 5 + 1);
    assert!(found.iter().all(|computer| !computer.protected()));
}

async fn instance_id_lookup(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let computers: Vec<Computer> = (1..=20).map(computer).collect();
    sync(&*store, &computers, &[], &[]).await;
    let wanted = computer(13);
    let instance_id = wanted.instance_id.clone().unwrap();
    assert_eq!(
        store.computer_by_instance_id(&instance_id).await.unwrap(),
        Some(wanted)
    );
    assert_eq!(
        store
            .computer_by_instance_id("i-doesnotexist")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.computer_by_instance_id("").await.unwrap(), None);
}

async fn a_new_generation_drops_what_it_did_not_see(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let first = sync(
        &*store,
        &(1..=5).map(computer).collect::<Vec<_>>(),
        &[policy(1), policy(2)],
        &[rule(1, &["CVE-2020-0001"]), rule(2, &["CVE-2020-0002"])],
    )
    .await;

    let second = store.begin_sync().await.unwrap();
    assert!(second > first, "generation {second} after {first}");
    let mut renamed = computer(4);
    renamed.host_name = "renamed".into();
    store
        .put_computers(second, &[computer(2), renamed.clone()])
        .await
        .unwrap();
    store.put_policies(second, &[policy(2)]).await.unwrap();
    store
        .put_ips_rules(second, &[rule(2, &["CVE-2020-0002"])])
        .await
        .unwrap();

    // Until the sync finishes, readers still see everything.
    assert_eq!(store.counts().await.unwrap(), (5, 2, 2));
    assert_eq!(ids(&all(&*store).await), [1, 2, 3, 4, 5]);

    store.finish_sync(second, &stats(2, 2_000)).await.unwrap();
    assert_eq!(all(&*store).await, vec![computer(2), renamed]);
    assert_eq!(store.policies().await.unwrap(), vec![policy(2)]);
    assert_eq!(store.counts().await.unwrap(), (2, 1, 1));
    assert!(
        store
            .ips_rules_for_cve("CVE-2020-0001")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        rule_ids(&store.ips_rules_for_cve("CVE-2020-0002").await.unwrap()),
        [2]
    );

    // A third generation greater still, even with nothing in it; it empties the store.
    let third = store.begin_sync().await.unwrap();
    assert!(third > second);
    store.finish_sync(third, &stats(0, 3_000)).await.unwrap();
    assert_eq!(store.counts().await.unwrap(), (0, 0, 0));
}

async fn last_sync_is_the_newest_finished_sync(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let first = store.begin_sync().await.unwrap();
    store.finish_sync(first, &stats(1, 1_000)).await.unwrap();
    assert_eq!(store.last_sync().await.unwrap(), Some(stats(1, 1_000)));

    let big = SyncStats {
        computers: 250_000,
        policies: 40,
        ips_rules: 9_000,
        manager_calls: 1_234_567,
        started_at: 1_750_000_000_000,
        finished_at: 1_750_000_360_000,
    };
    let second = store.begin_sync().await.unwrap();
    store.finish_sync(second, &big).await.unwrap();
    assert_eq!(store.last_sync().await.unwrap(), Some(big.clone()));

    // A begun, unfinished sync is not the last sync.
    store.begin_sync().await.unwrap();
    assert_eq!(store.last_sync().await.unwrap(), Some(big));
}

async fn finishing_an_unknown_generation_fails(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let error = store.finish_sync(42, &stats(0, 0)).await.unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Query {
                operation: "finish_sync",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("generation 42"), "{error}");
}

async fn ips_rules_for_cve_is_exact_and_case_insensitive(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let rules = vec![
        rule(1, &["CVE-2017-5638"]),
        rule(2, &["cve-2021-44228", "CVE-2021-45046"]),
        rule(3, &["CVE-2017-5638", "CVE-2017-5638"]),
        rule(4, &["CVE-2017-56380"]),
        rule(5, &[]),
    ];
    sync(&*store, &[], &[], &rules).await;

    let found = |cve: &'static str| {
        let store = store.clone();
        async move { rule_ids(&store.ips_rules_for_cve(cve).await.unwrap()) }
    };
    assert_eq!(found("CVE-2017-5638").await, [1, 3]);
    assert_eq!(found("cve-2017-5638").await, [1, 3]);
    assert_eq!(found("CVE-2021-44228").await, [2]);
    assert_eq!(found("Cve-2021-44228").await, [2]);
    assert_eq!(found("CVE-2017-563").await, Vec::<i64>::new());
    assert_eq!(found("2017-5638").await, Vec::<i64>::new());
    assert_eq!(found("%").await, Vec::<i64>::new());
    assert_eq!(found("").await, Vec::<i64>::new());
    // Full rules come back, CVE lists as the manager sent them.
    assert_eq!(
        store.ips_rules_for_cve("CVE-2021-45046").await.unwrap(),
        vec![rules[1].clone()]
    );

    // Re-putting a rule replaces its CVE list.
    let generation = store.begin_sync().await.unwrap();
    store
        .put_ips_rules(generation, &[rule(1, &["CVE-2099-0001"])])
        .await
        .unwrap();
    assert_eq!(found("CVE-2017-5638").await, [3]);
    assert_eq!(found("cve-2099-0001").await, [1]);
}

async fn upsert_computer_lives_until_a_sync_misses_it(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    // Before any sync at all.
    store.upsert_computer(&computer(9)).await.unwrap();
    assert_eq!(all(&*store).await, vec![computer(9)]);

    sync(&*store, &[computer(1), computer(2)], &[], &[]).await;
    assert_eq!(
        ids(&all(&*store).await),
        [1, 2],
        "the first sync did not see 9"
    );

    let mut changed = computer(2);
    changed.agent_status = AgentStatus::Error;
    changed.modules.clear();
    store.upsert_computer(&changed).await.unwrap();
    store.upsert_computer(&computer(3)).await.unwrap();
    assert_eq!(
        store.computer(ComputerId(2)).await.unwrap(),
        Some(changed.clone())
    );
    assert_eq!(ids(&all(&*store).await), [1, 2, 3]);
    let unprotected = InventoryFilter {
        unprotected_only: true,
        ..Default::default()
    };
    assert_eq!(ids(&store.computers(&unprotected).await.unwrap()), [2, 3]);

    // Upserted during a sync: as if that sync saw it.
    let generation = store.begin_sync().await.unwrap();
    store
        .put_computers(generation, &[computer(1), computer(3)])
        .await
        .unwrap();
    store.upsert_computer(&computer(5)).await.unwrap();
    store
        .finish_sync(generation, &stats(2, 5_000))
        .await
        .unwrap();
    assert_eq!(ids(&all(&*store).await), [1, 3, 5]);
}

async fn a_batch_naming_an_object_twice_keeps_the_last(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let mut later = computer(1);
    later.host_name = "later".into();
    let mut later_policy = policy(1);
    later_policy.name = "later".into();
    sync(
        &*store,
        &[computer(1), computer(2), later.clone()],
        &[policy(1), later_policy.clone()],
        &[rule(1, &["CVE-1"]), rule(1, &["CVE-2"])],
    )
    .await;
    assert_eq!(all(&*store).await, vec![later, computer(2)]);
    assert_eq!(store.policies().await.unwrap(), vec![later_policy]);
    assert!(store.ips_rules_for_cve("CVE-1").await.unwrap().is_empty());
    assert_eq!(
        rule_ids(&store.ips_rules_for_cve("CVE-2").await.unwrap()),
        [1]
    );
}

async fn reopening_applies_no_migration_and_keeps_data(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    sync(
        &*store,
        &[computer(1)],
        &[policy(1)],
        &[rule(1, &["CVE-1"])],
    )
    .await;
    drop(store);
    let again = backend.open().await.expect("open again");
    let third = backend.open().await.expect("open a third time");
    assert_eq!(again.counts().await.unwrap(), (1, 1, 1));
    assert_eq!(
        third.computer(ComputerId(1)).await.unwrap(),
        Some(computer(1))
    );
    // Generations keep growing across opens.
    let generation = again.begin_sync().await.unwrap();
    assert!(generation > 1);
}

async fn a_newer_schema_is_refused(backend: Arc<Backend>) {
    drop(backend.open().await.expect("open"));
    backend
        .execute(
            "INSERT INTO ward_schema_migrations (version, name, applied_at) \
             VALUES (999, 'from the future', 0)",
        )
        .await;
    let error = backend.open().await.unwrap_err();
    assert!(
        matches!(error, StoreError::Migration { version: 999, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("version 999, newer than this ward knows"),
        "{message}"
    );
}

async fn ten_thousand_computers_in_two_batches(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let computers: Vec<Computer> = (1..=10_000).map(computer).collect();
    let generation = store.begin_sync().await.unwrap();
    for batch in computers.chunks(5_000) {
        store
            .put_computers(generation, batch)
            .await
            .expect("put a batch");
    }
    store
        .finish_sync(generation, &stats(10_000, 0))
        .await
        .unwrap();
    assert_eq!(store.counts().await.unwrap(), (10_000, 0, 0));
    let found = all(&*store).await;
    assert_eq!(found.len(), 10_000);
    assert_eq!(found[4_999], computer(5_000));
    assert_eq!(found[9_999], computer(10_000));
    let account = InventoryFilter {
        account_id: Some(ACCOUNTS[0].into()),
        ..Default::default()
    };
    assert_eq!(store.computers(&account).await.unwrap().len(), 5_000);
}

// ---------------------------------------------------------------------------------------------
// Ledger
// ---------------------------------------------------------------------------------------------

const HOUR: i64 = 3_600_000;
const T0: i64 = 1_750_000_000_000;

fn claim_request(finding: &str, action: &str, now: i64) -> ClaimRequest {
    ClaimRequest {
        key: ActionKey {
            finding: finding.into(),
            target: "computer:42".into(),
            action: action.into(),
        },
        coalesce: action
            .starts_with("scan-")
            .then(|| format!("{action}:computer:42")),
        now,
        cooldown_ms: 24 * HOUR,
        lease_ms: HOUR / 6,
    }
}

fn proceed(claim: Claim) -> ActionRecord {
    match claim {
        Claim::Proceed(record) => record,
        other => panic!("expected Proceed, got {other:?}"),
    }
}

async fn a_claimed_action_is_done_once(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let request = claim_request("finding-1", "assign-ips-rules", T0);
    let record = proceed(store.claim(&request).await.unwrap());
    assert_eq!(record.status, ActionStatus::Requested);
    assert_eq!(record.computer_id, Some(ComputerId(42)));
    assert_eq!(record.attempts, 1);
    // While it runs, another delivery sees it in flight.
    let again = store.claim(&request).await.unwrap();
    assert!(
        matches!(again, Claim::InFlight(ref r) if r.id == record.id),
        "{again:?}"
    );
    store
        .settle(
            record.id,
            ActionStatus::Done,
            "rules 1, 2 assigned",
            T0 + 10,
        )
        .await
        .unwrap();
    let later = claim_request("finding-1", "assign-ips-rules", T0 + HOUR);
    let again = store.claim(&later).await.unwrap();
    let Claim::AlreadyDone(done) = again else {
        panic!("expected AlreadyDone, got {again:?}");
    };
    assert_eq!(done.detail.as_deref(), Some("rules 1, 2 assigned"));
    assert_eq!(done.settled_at, Some(T0 + 10));
    // After the cooldown the finding may act again.
    let expired = claim_request("finding-1", "assign-ips-rules", T0 + 25 * HOUR);
    let retaken = proceed(store.claim(&expired).await.unwrap());
    assert_eq!((retaken.id, retaken.attempts), (record.id, 2));
    assert_eq!(store.actions(10).await.unwrap().len(), 1);
}

async fn scans_of_one_computer_coalesce(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let first = proceed(
        store
            .claim(&claim_request("finding-1", "scan-integrity", T0))
            .await
            .unwrap(),
    );
    let second = store
        .claim(&claim_request("finding-2", "scan-integrity", T0 + 1_000))
        .await
        .unwrap();
    let Claim::Coalesced { record, into } = second else {
        panic!("expected Coalesced, got {second:?}");
    };
    assert_eq!(into.id, first.id);
    assert_eq!(record.status, ActionStatus::Coalesced);
    assert_eq!(record.coalesced_into, Some(first.id));
    // Another kind of scan is its own action.
    proceed(
        store
            .claim(&claim_request("finding-2", "scan-malware", T0 + 2_000))
            .await
            .unwrap(),
    );
    // Outside the window, a scan runs again.
    store
        .settle(first.id, ActionStatus::Done, "task 7", T0 + 5_000)
        .await
        .unwrap();
    proceed(
        store
            .claim(&claim_request(
                "finding-3",
                "scan-integrity",
                T0 + 30 * HOUR,
            ))
            .await
            .unwrap(),
    );
    // A replay of the coalesced finding inside the window stays coalesced.
    let replay = store
        .claim(&claim_request("finding-2", "scan-integrity", T0 + 2 * HOUR))
        .await
        .unwrap();
    assert!(matches!(replay, Claim::Coalesced { .. }), "{replay:?}");
}

async fn failed_and_stale_claims_are_taken_again(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let request = claim_request("finding-1", "enable-module", T0);
    let record = proceed(store.claim(&request).await.unwrap());
    store
        .settle(
            record.id,
            ActionStatus::Failed,
            "manager said 404: no such computer",
            T0 + 1,
        )
        .await
        .unwrap();
    let failed = &store.actions(1).await.unwrap()[0];
    assert_eq!(failed.status, ActionStatus::Failed);
    assert_eq!(
        failed.detail.as_deref(),
        Some("manager said 404: no such computer")
    );
    let retry = proceed(
        store
            .claim(&claim_request("finding-1", "enable-module", T0 + 2))
            .await
            .unwrap(),
    );
    assert_eq!((retry.attempts, retry.detail), (2, None));
    // A claim whose worker died is taken over once the lease is over, with when it was claimed,
    // so the new worker can check whether the action was done before doing it again.
    match store
        .claim(&claim_request("finding-1", "enable-module", T0 + HOUR))
        .await
        .unwrap()
    {
        Claim::TakeOver { record, claimed_at } => {
            assert_eq!(record.attempts, 3);
            assert_eq!(record.status, ActionStatus::Requested);
            assert_eq!(record.requested_at, T0 + HOUR);
            assert_eq!(claimed_at, T0 + 2);
        }
        other => panic!("expected TakeOver, got {other:?}"),
    }
}

async fn concurrent_claims_let_one_proceed(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let claims = (0..8).map(|_| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store
                .claim(&claim_request("finding-1", "scan-recommendations", T0))
                .await
                .expect("claim")
        })
    });
    let mut proceeded = 0;
    for claim in claims {
        if matches!(claim.await.expect("task"), Claim::Proceed(_)) {
            proceeded += 1;
        }
    }
    assert_eq!(proceeded, 1);
}

async fn decisions_and_quarantine_round_trip(backend: Arc<Backend>) {
    let store = backend.open().await.expect("open");
    let decision = DecisionRecord {
        event_id: "gd-1".into(),
        source: "guardduty".into(),
        finding_type: "Recon:EC2/PortProbeUnprotectedPort".into(),
        instance_id: Some("i-0123456789abcdef0".into()),
        computer_id: Some(ComputerId(42)),
        account_id: Some("111111111111".into()),
        protected: Some(true),
        decision: ward_core::Verdict::Respond,
        reason: "the instance is protected".into(),
        actions: serde_json::json!([{"kind": "scan-integrity", "status": "done"}]),
        at: T0,
    };
    store.record_decision(&decision).await.unwrap();
    let unprotected = DecisionRecord {
        event_id: "gd-2".into(),
        computer_id: None,
        protected: None,
        actions: serde_json::json!([]),
        ..decision.clone()
    };
    store.record_decision(&unprotected).await.unwrap();
    assert_eq!(
        store.decisions(10).await.unwrap(),
        vec![unprotected, decision]
    );
    let record = QuarantineRecord {
        origin: "events.json".into(),
        position: "line 3".into(),
        reason: "not JSON: expected value at line 1 column 1".into(),
        raw: "{oops ünïcode".into(),
        at: T0,
    };
    store.quarantine(&record).await.unwrap();
    assert_eq!(store.quarantined(5).await.unwrap(), vec![record]);
}

async fn flow_runs_are_recorded_from_start_to_end(backend: Arc<Backend>) {
    use ward_core::ports::{FlowRun, FlowRunStatus};
    let store = backend.open().await.expect("open");
    assert_eq!(store.flow_runs("lake", 10).await.unwrap(), vec![]);
    let first = FlowRun::started("exec-1", "lake", T0);
    store.start_flow_run(&first).await.unwrap();
    assert_eq!(
        store.flow_runs("lake", 10).await.unwrap(),
        vec![first.clone()]
    );
    let first = FlowRun {
        status: FlowRunStatus::Successful,
        finished_at: Some(T0 + 1_500),
        records_read: 504,
        records_written: 300,
        records_filtered: 200,
        records_invalid: 4,
        bytes_written: 123_456_789_012,
        files: vec![
            "s3://lake/ward/lake/exec-1/part-00000.parquet".into(),
            "s3://lake/ward/lake/exec-1/part-00001.parquet".into(),
        ],
        data_pull_start: Some(T0 - 3_600_000),
        data_pull_end: Some(T0),
        ..first
    };
    assert_eq!(store.flow_watermark("lake").await.unwrap(), None);
    store.finish_flow_run(&first).await.unwrap();
    assert_eq!(store.flow_watermark("lake").await.unwrap(), Some(T0));
    let second = FlowRun::started("exec-2", "lake", T0 + 60_000);
    store.start_flow_run(&second).await.unwrap();
    let second = FlowRun {
        status: FlowRunStatus::Error,
        finished_at: Some(T0 + 61_000),
        records_read: 7,
        error: Some("flow `lake` tasks[3]: record 7: `ID` is null".into()),
        data_pull_start: Some(T0),
        data_pull_end: Some(T0 + 60_000),
        ..second
    };
    store.finish_flow_run(&second).await.unwrap();
    // A failed run does not move the watermark: the next run reads its window again.
    assert_eq!(store.flow_watermark("lake").await.unwrap(), Some(T0));
    assert_eq!(store.flow_watermark("other").await.unwrap(), None);
    // Another flow's runs stay apart.
    store
        .start_flow_run(&FlowRun::started("exec-3", "other", T0 + 120_000))
        .await
        .unwrap();
    assert_eq!(
        store.flow_runs("lake", 10).await.unwrap(),
        vec![second.clone(), first]
    );
    assert_eq!(store.flow_runs("lake", 1).await.unwrap(), vec![second]);
    // An execution ID is unique.
    assert!(
        store
            .start_flow_run(&FlowRun::started("exec-1", "lake", T0))
            .await
            .is_err()
    );
}

async fn finishing_an_unstarted_flow_run_fails(backend: Arc<Backend>) {
    use ward_core::ports::FlowRun;
    let store = backend.open().await.expect("open");
    let error = store
        .finish_flow_run(&FlowRun::started("nope", "lake", T0))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no flow run nope"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_unknown_scheme_names_the_url_without_its_password() {
    let error = ward_store::open("mysql://ward:hunter2@db.internal/ward")
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StoreError::Open { .. }));
    assert!(
        message.contains("mysql://ward:<redacted>@db.internal/ward"),
        "{message}"
    );
    assert!(message.contains("unsupported scheme `mysql`"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn an_unreachable_postgres_names_the_url_without_its_password() {
    // Port 1 on localhost: nothing listens there.
    let error = ward_store::open("postgres://ward:hunter2@127.0.0.1:1/ward")
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StoreError::Open { .. }), "{message}");
    assert!(
        message.contains("postgres://ward:<redacted>@127.0.0.1:1/ward"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn a_bare_path_and_memory_open_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/ward.db");
    let store = ward_store::open(&path.display().to_string())
        .await
        .expect("bare path");
    sync(&*store, &[computer(1)], &[], &[]).await;
    assert!(path.exists());
    drop(store);
    let wal = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mut wal = wal;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut wal)
        .await
        .unwrap();
    assert_eq!(mode, "wal");

    let memory = ward_store::open("sqlite::memory:").await.expect("memory");
    sync(&*memory, &[computer(1), computer(2)], &[], &[]).await;
    assert_eq!(memory.counts().await.unwrap(), (2, 0, 0));
    let other = ward_store::open("sqlite::memory:")
        .await
        .expect("another memory store");
    assert_eq!(
        other.counts().await.unwrap(),
        (0, 0, 0),
        "in-memory stores are private"
    );
}

#[tokio::test]
async fn open_is_send() {
    let store = tokio::spawn(ward_store::open("sqlite::memory:"))
        .await
        .unwrap()
        .unwrap();
    let _ = store;
}
