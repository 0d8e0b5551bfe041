//! The real client against the simulator: auth, errors, paging, search, writes, faults, rate
//! limits, and that the key never leaks.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;
use ward_core::{ComputerId, ManagerApi, ManagerError, RuleId, ScanKind, Secret};
use ward_manager::{
    AssignmentTarget, AuthScheme, ClientConfig, ManagerClient, RetryPolicy, RuleModule, connect,
};
use ward_sim::{FaultKind, SimConfig, Simulator};

const FULL_ACCESS: &str = "ward-sim-full-access";
const AUDITOR: &str = "ward-sim-auditor";

/// A simulator serving on a free local port, and its base URL.
struct Running {
    sim: Simulator,
    base_url: Url,
}

async fn start(config: SimConfig) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let address = listener.local_addr().expect("bound address");
    let sim = Simulator::new(config);
    let served = sim.clone();
    tokio::spawn(async move {
        let _ = ward_sim::serve(listener, served).await;
    });
    let base_url = Url::parse(&format!("http://{address}/api")).expect("valid URL");
    Running { sim, base_url }
}

fn small_fleet() -> SimConfig {
    SimConfig {
        fleet: 50,
        seed: 7,
        ..SimConfig::default()
    }
}

/// A quick policy so failures and faults do not make the tests slow.
fn quick_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(2),
    }
}

fn config(base_url: &Url, key: &str) -> ClientConfig {
    let mut config = ClientConfig::new(base_url.clone(), Secret::new(key));
    config.timeout = Duration::from_secs(10);
    config.retry = quick_retry(3);
    config
}

fn client(running: &Running, key: &str) -> ManagerClient {
    connect(config(&running.base_url, key)).expect("client builds")
}

async fn all_computer_ids(client: &ManagerClient, page_size: usize) -> (Vec<i64>, u64) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut after = None;
    loop {
        let page = client
            .computers_page(after, page_size)
            .await
            .expect("page reads");
        pages += 1;
        ids.extend(page.items.iter().map(|c| c.computer_id.0));
        match page.next_after {
            Some(next) => after = Some(next),
            None => return (ids, pages),
        }
    }
}

#[tokio::test]
async fn both_auth_schemes_are_accepted() {
    let running = start(small_fleet()).await;
    for scheme in [AuthScheme::ApiKey, AuthScheme::ApiSecretKey] {
        let mut config = config(&running.base_url, FULL_ACCESS);
        config.auth = scheme;
        let client = connect(config).expect("client builds");
        let policies = client
            .policies()
            .await
            .unwrap_or_else(|e| panic!("{scheme:?}: {e}"));
        assert!(!policies.is_empty(), "{scheme:?}");
    }
}

#[tokio::test]
async fn wrong_key_is_unauthorized_with_the_managers_message() {
    let running = start(small_fleet()).await;
    let client = client(&running, "not-a-key-the-manager-knows");
    let error = client.computers_page(None, 10).await.unwrap_err();
    let ManagerError::Unauthorized { status, message } = &error else {
        panic!("expected Unauthorized, got {error:?}");
    };
    assert!(matches!(status, 401 | 403));
    assert!(!message.is_empty());
    assert_eq!(
        error.to_string(),
        format!("manager refused the API key ({status}): {message}")
    );
    assert_eq!(client.calls(), 1, "a refused key is not retried");
}

#[tokio::test]
async fn closed_port_is_unreachable_and_names_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let address = listener.local_addr().expect("bound address");
    drop(listener);
    let base_url = Url::parse(&format!("http://{address}/api")).expect("valid URL");
    let client = connect(config(&base_url, FULL_ACCESS)).expect("client builds");
    let error = client.policies().await.unwrap_err();
    let ManagerError::Unreachable { url, cause } = &error else {
        panic!("expected Unreachable, got {error:?}");
    };
    assert_eq!(url, base_url.as_str());
    assert!(!cause.is_empty());
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot reach the manager at {base_url}")),
        "{error}"
    );
    assert_eq!(
        client.calls(),
        3,
        "connection failures are retried up to the bound"
    );
}

#[tokio::test]
async fn paging_reads_every_computer_exactly_once() {
    let running = start(SimConfig {
        fleet: 2000,
        seed: 11,
        ..SimConfig::default()
    })
    .await;
    let client = client(&running, FULL_ACCESS);
    let (ids, pages) = all_computer_ids(&client, 500).await;
    assert_eq!(ids.len(), 2000);
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        2000,
        "no computer read twice"
    );
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "id order");
    assert!(pages >= 4);
    assert_eq!(client.calls(), pages);
}

#[tokio::test]
async fn computer_by_instance_id_finds_the_protected_instance() {
    let instance = "i-0ward000000000001";
    let running = start(SimConfig {
        protect: vec![instance.into()],
        ..small_fleet()
    })
    .await;
    let client = client(&running, FULL_ACCESS);
    let computer = client
        .computer_by_instance_id(instance)
        .await
        .expect("search works")
        .expect("the protected instance is known");
    assert_eq!(computer.instance_id.as_deref(), Some(instance));
    assert!(computer.protected(), "{computer:?}");
    let again = client
        .computer(computer.computer_id)
        .await
        .expect("describe works");
    assert_eq!(again.computer_id, computer.computer_id);
    assert_eq!(
        client
            .computer_by_instance_id("i-0doesnotexist0000")
            .await
            .expect("search works"),
        None
    );
}

#[tokio::test]
async fn cve_search_returns_only_exact_matches() {
    let running = start(small_fleet()).await;
    let client = client(&running, FULL_ACCESS);
    let mut rules = Vec::new();
    let mut after = None;
    loop {
        let page = client
            .ips_rules_page(after, 5000)
            .await
            .expect("rules read");
        rules.extend(page.items);
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let cve = rules
        .iter()
        .flat_map(|rule| rule.cves.iter())
        .find(|cve| cve.len() > 10)
        .expect("the simulator's rules list CVEs")
        .clone();
    let expected: BTreeSet<RuleId> = rules
        .iter()
        .filter(|rule| rule.cves.iter().any(|c| c.eq_ignore_ascii_case(&cve)))
        .map(|rule| rule.rule_id)
        .collect();
    let found = client
        .ips_rules_for_cve(&cve)
        .await
        .expect("CVE search works");
    assert_eq!(
        found.iter().map(|r| r.rule_id).collect::<BTreeSet<_>>(),
        expected,
        "{cve}"
    );
    let lower = client
        .ips_rules_for_cve(&cve.to_ascii_lowercase())
        .await
        .expect("CVE search works");
    assert_eq!(lower.len(), found.len(), "case-insensitive");

    // A prefix of a real CVE: the wildcard search over-matches, the port does not.
    let prefix = &cve[..cve.len() - 1];
    let raw = client
        .search_ips_rules_by_cve(prefix)
        .await
        .expect("CVE search works");
    assert!(
        raw.iter().any(|rule| rule.lists_cve(&cve)),
        "the wildcard finds {cve} for {prefix}"
    );
    let exact = client
        .ips_rules_for_cve(prefix)
        .await
        .expect("CVE search works");
    assert!(
        exact
            .iter()
            .all(|rule| rule.cves.iter().any(|c| c.eq_ignore_ascii_case(prefix))),
        "{exact:?}"
    );
}

#[tokio::test]
async fn assignments_add_set_remove_round_trip() {
    let running = start(small_fleet()).await;
    let client = client(&running, FULL_ACCESS);
    let computer = client
        .computers_page(None, 1)
        .await
        .expect("page reads")
        .items
        .remove(0);
    let rules: Vec<RuleId> = client
        .ips_rules_page(None, 3)
        .await
        .expect("rules read")
        .items
        .iter()
        .map(|r| r.rule_id)
        .collect();
    assert_eq!(rules.len(), 3);

    let target = AssignmentTarget::Computer(computer.computer_id);
    let ips = RuleModule::IntrusionPrevention;
    let added = client
        .add_ips_rules_to_computer(computer.computer_id, &rules[..2])
        .await
        .expect("add");
    assert!(
        rules[..2]
            .iter()
            .all(|id| added.assigned_rule_ids.contains(id)),
        "{added:?}"
    );
    let set = client
        .set_assignments(target, ips, &rules[1..])
        .await
        .expect("set");
    let set: BTreeSet<i64> = set
        .assigned_rule_ids
        .unwrap_or_default()
        .into_iter()
        .collect();
    assert_eq!(set, rules[1..].iter().map(|r| r.0).collect());
    let removed = client
        .remove_assignment(target, ips, rules[2])
        .await
        .expect("remove");
    assert_eq!(
        removed.assigned_rule_ids.unwrap_or_default(),
        vec![rules[1].0]
    );
    let read = client
        .computer_ips_assignments(computer.computer_id)
        .await
        .expect("list");
    assert_eq!(read.assigned_rule_ids, vec![rules[1]]);

    let policy = client.policies().await.expect("policies read").remove(0);
    let on_policy = client
        .add_ips_rules_to_policy(policy.policy_id, &rules[..1])
        .await
        .expect("add to policy");
    assert!(on_policy.assigned_rule_ids.contains(&rules[0]));
    let policy_target = AssignmentTarget::Policy(policy.policy_id);
    let im = client
        .assignments(policy_target, RuleModule::IntegrityMonitoring)
        .await
        .expect("IM list");
    let _ = im.assigned_rule_ids;

    let actions = running.sim.actions();
    assert!(
        actions
            .iter()
            .any(|a| a["computerID"] == computer.computer_id.0),
        "the simulator recorded the assignment: {actions:?}"
    );
}

#[tokio::test]
async fn recommendation_scan_advances_the_scan_date() {
    let running = start(SimConfig {
        scan_delay_ms: 0,
        ..small_fleet()
    })
    .await;
    let client = client(&running, FULL_ACCESS);
    let computer = client
        .computers_page(None, 1)
        .await
        .expect("page reads")
        .items
        .remove(0);
    let before = client
        .computer_ips_assignments(computer.computer_id)
        .await
        .expect("list");
    let task_id = client
        .run_scan(
            ScanKind::Recommendation,
            computer.computer_id,
            "ward test scan",
        )
        .await
        .expect("scan task created");
    assert!(task_id > 0);
    let mut after = client
        .computer_ips_assignments(computer.computer_id)
        .await
        .expect("list");
    for _ in 0..50 {
        if after.last_recommendation_scan_date > before.last_recommendation_scan_date {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        after = client
            .computer_ips_assignments(computer.computer_id)
            .await
            .expect("list");
    }
    assert!(
        after.last_recommendation_scan_date > before.last_recommendation_scan_date,
        "{before:?} → {after:?}"
    );
    let actions = running.sim.actions();
    assert!(
        actions
            .iter()
            .any(|a| a["computerID"] == computer.computer_id.0
                && a["kind"]
                    .as_str()
                    .is_some_and(|k| k.contains("recommendation"))),
        "{actions:?}"
    );
}

#[tokio::test]
async fn auditor_key_cannot_write() {
    let running = start(small_fleet()).await;
    let client = client(&running, AUDITOR);
    let computer = client
        .computers_page(None, 1)
        .await
        .expect("an auditor reads")
        .items
        .remove(0);
    let error = client
        .add_ips_rules_to_computer(computer.computer_id, &[RuleId(1)])
        .await
        .unwrap_err();
    assert!(
        matches!(error, ManagerError::Forbidden { status: 403, .. }),
        "{error:?}"
    );
    let error = client
        .run_scan(ScanKind::Malware, computer.computer_id, "x")
        .await
        .unwrap_err();
    assert!(matches!(error, ManagerError::Forbidden { .. }), "{error:?}");
    let role = client.current_role().await.expect("roles read");
    assert!(role.is_some_and(|role| !role.can_write()));
    let role = self::client(&running, FULL_ACCESS)
        .current_role()
        .await
        .expect("roles read");
    assert!(role.is_some_and(|role| role.can_write()));
}

#[tokio::test]
async fn faults_are_retried_until_every_computer_is_read() {
    let running = start(SimConfig {
        fleet: 300,
        seed: 3,
        fault_rate: 0.3,
        fault_kinds: vec![
            FaultKind::TooManyRequests,
            FaultKind::InternalError,
            FaultKind::Unavailable,
            FaultKind::Slow,
            FaultKind::Reset,
        ],
        ..SimConfig::default()
    })
    .await;
    let mut config = config(&running.base_url, FULL_ACCESS);
    config.retry = quick_retry(12);
    config.timeout = Duration::from_secs(2);
    let client = connect(config).expect("client builds");
    let (ids, pages) = all_computer_ids(&client, 25).await;
    assert_eq!(ids.len(), 300);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 300);
    assert!(
        client.calls() > pages,
        "{} calls for {pages} pages",
        client.calls()
    );
}

#[tokio::test]
async fn rate_limited_manager_is_waited_for() {
    let running = start(SimConfig {
        rate_limit_per_minute: Some(5),
        ..small_fleet()
    })
    .await;
    let mut config = config(&running.base_url, FULL_ACCESS);
    config.retry = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_millis(200),
    };
    let client = connect(config).expect("client builds");
    let mut answered = 0;
    let mut throttled = 0;
    for _ in 0..7 {
        match client.policies().await {
            Ok(_) => answered += 1,
            Err(ManagerError::RateLimited { .. }) => throttled += 1,
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert!(
        answered >= 5 && throttled >= 1,
        "answered {answered}, throttled {throttled}"
    );
    assert!(
        client.calls() > 7,
        "429s were retried: {} calls",
        client.calls()
    );
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn the_key_never_appears_in_logs_debug_or_errors() {
    const KEY: &str = "2:KEYSHOULDNEVERLEAK-7f1c9e4b";
    const WRONG: &str = "3:WRONGKEYSHOULDNEVERLEAK-a2d4";
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let running = start(SimConfig {
        full_access_key: KEY.into(),
        fault_rate: 0.5,
        fault_kinds: vec![FaultKind::InternalError, FaultKind::TooManyRequests],
        ..small_fleet()
    })
    .await;
    let mut printed = Vec::new();
    for scheme in [AuthScheme::ApiKey, AuthScheme::ApiSecretKey] {
        let mut good = config(&running.base_url, KEY);
        good.auth = scheme;
        good.retry = quick_retry(12);
        printed.push(format!("{good:?}"));
        let client = connect(good).expect("client builds");
        printed.push(format!("{client:?}"));
        for _ in 0..4 {
            client.policies().await.expect("retried until answered");
        }
        assert!(
            client.calls() > 4,
            "some calls were retried: {}",
            client.calls()
        );

        let mut bad = config(&running.base_url, WRONG);
        bad.auth = scheme;
        printed.push(format!("{bad:?}"));
        let client = connect(bad).expect("client builds");
        printed.push(format!("{client:?}"));
        let error = client.policies().await.unwrap_err();
        printed.push(format!("{error} {error:?}"));
        let error = client
            .add_ips_rules_to_policy(ward_core::PolicyId(1), &[RuleId(1)])
            .await
            .unwrap_err();
        printed.push(format!("{error} {error:?}"));
    }
    let mut closed = config(
        &Url::parse("http://127.0.0.1:9/api").expect("valid URL"),
        KEY,
    );
    closed.retry = quick_retry(2);
    let error = connect(closed)
        .expect("client builds")
        .computer(ComputerId(1))
        .await
        .unwrap_err();
    printed.push(format!("{error} {error:?}"));

    let logs = String::from_utf8_lossy(&captured.0.lock().expect("not poisoned")).into_owned();
    assert!(
        logs.contains("retrying manager call"),
        "retries were logged:\n{logs}"
    );
    assert!(logs.contains("manager_request"), "spans were logged");
    for text in printed.iter().map(String::as_str).chain([logs.as_str()]) {
        assert!(
            !text.contains("KEYSHOULDNEVERLEAK"),
            "the key leaked: {text}"
        );
    }
}
