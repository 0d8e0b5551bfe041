//! The engine's rules — claims, coalescing, cooldown, takeover — on a controlled clock, an
//! in-memory SQLite store and the simulator, in one process: time moves only when a test (or the
//! engine waiting for a scan) moves it, and the simulator runs on the same clock.

use serde_json::{Value, json};
use std::sync::Arc;
use ward_core::{
    ActionKey, ActionStatus, Claim, ClaimRequest, Clock, ComputerId, ManagerApi, ManualClock,
    ScanKind, Secret, Store,
};
use ward_events::Parsed;
use ward_respond::{Engine, Handled, Outcome, OutcomeStatus, Ports, Settings};
use ward_sim::{SimConfig, Simulator};

const PROTECTED: &str = "i-0aaaaaaaaaaaaaaa1";
/// 2026-06-01T00:00:00Z: where every test's clock starts.
const START: i64 = 1_780_272_000_000;
const MINUTE: u64 = 60_000;

struct Setup {
    engine: Engine,
    clock: ManualClock,
    store: Arc<dyn Store>,
    manager: Arc<dyn ManagerApi>,
    sim: Simulator,
    settings: Settings,
}

async fn setup() -> Setup {
    let clock = ManualClock::at(START);
    let sim = Simulator::with_clock(
        SimConfig {
            fleet: 10,
            protect: vec![PROTECTED.into()],
            scan_delay_ms: 30_000,
            ..SimConfig::default()
        },
        Arc::new(clock.clone()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(ward_sim::serve(listener, sim.clone()));
    let mut config = ward_manager::ClientConfig::new(
        url::Url::parse(&format!("http://{address}/api")).unwrap(),
        Secret::new("ward-sim-full-access"),
    );
    config.clock = Arc::new(clock.clone());
    let manager: Arc<dyn ManagerApi> = Arc::new(ward_manager::connect(config).unwrap());
    let store = ward_store::open("sqlite::memory:").await.unwrap();
    let settings = Settings::default();
    let dir = std::env::temp_dir().join(format!("ward-engine-test-{}", std::process::id()));
    let engine = Engine::new(
        Ports {
            manager: Arc::clone(&manager),
            store: Arc::clone(&store),
            notifier: Arc::new(ward_notify::LogNotifier),
            evaluations: Arc::new(ward_notify::JsonLinesEvaluations::new(dir.join("e.jsonl"))),
            clock: Arc::new(clock.clone()),
            cloud: None,
        },
        settings.clone(),
    );
    Setup {
        engine,
        clock,
        store,
        manager,
        sim,
        settings,
    }
}

fn guardduty(finding_id: &str, finding_type: &str) -> Value {
    json!({
        "version": "0", "id": format!("env-{finding_id}"), "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "111122223333", "time": "2026-06-01T00:00:00Z",
        "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": finding_id, "type": finding_type,
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": PROTECTED}},
            "service": {"archived": false, "count": 1}, "severity": 5
        }
    })
}

impl Setup {
    async fn handle(&self, event: &Value) -> Outcome {
        let bytes = serde_json::to_vec(event).unwrap();
        let mut parsed: Vec<Parsed> = ward_events::parse(&bytes);
        assert_eq!(parsed.len(), 1);
        match self
            .engine
            .handle_parsed(parsed.remove(0), "test", false)
            .await
            .unwrap()
        {
            Handled::Decided(outcome) => *outcome,
            other => panic!("not decided: {other:?}"),
        }
    }

    /// How many scans of this kind the simulator ran (`scan-for-integrity-changes`, …).
    fn scans(&self, kind: &str) -> usize {
        self.sim
            .actions()
            .iter()
            .filter(|action| action["kind"] == kind)
            .count()
    }

    async fn computer_id(&self) -> ComputerId {
        self.manager
            .computer_by_instance_id(PROTECTED)
            .await
            .unwrap()
            .expect("the protected instance is a computer")
            .computer_id
    }

    fn status(outcome: &Outcome, kind: &str) -> OutcomeStatus {
        outcome
            .actions
            .iter()
            .find(|action| action.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} in {outcome:?}"))
            .status
    }
}

#[tokio::test]
async fn a_finding_delivered_again_and_again_scans_once() {
    let setup = setup().await;
    let event = guardduty("gd-1", "UnauthorizedAccess:EC2/SSHBruteForce");
    let first = setup.handle(&event).await;
    assert!(first.settled(), "{first:?}");
    assert_eq!(
        Setup::status(&first, "scan-recommendations-applied"),
        OutcomeStatus::Done
    );
    // The recommendation scan was waited for on the controlled clock, which the simulator
    // shares: its 30 s delay passed without a test sleeping.
    assert!(setup.clock.now_ms() >= START + 30_000);
    for _ in 0..3 {
        setup.clock.advance(MINUTE);
        let again = setup.handle(&event).await;
        assert_eq!(
            Setup::status(&again, "scan-integrity"),
            OutcomeStatus::AlreadyDone
        );
    }
    assert_eq!(setup.scans("scan-for-recommendations"), 1);
    assert_eq!(setup.scans("scan-for-integrity-changes"), 1);
}

#[tokio::test]
async fn findings_on_one_computer_inside_the_window_coalesce_into_one_scan() {
    let setup = setup().await;
    setup
        .handle(&guardduty("gd-a", "UnauthorizedAccess:EC2/SSHBruteForce"))
        .await;
    setup.clock.advance(5 * MINUTE);
    let second = setup
        .handle(&guardduty("gd-b", "Recon:EC2/PortProbeUnprotectedPort"))
        .await;
    assert_eq!(
        Setup::status(&second, "scan-integrity"),
        OutcomeStatus::Coalesced
    );
    assert!(second.settled());
    assert_eq!(setup.scans("scan-for-integrity-changes"), 1);
}

#[tokio::test]
async fn a_done_action_is_done_again_once_its_cooldown_is_over() {
    let setup = setup().await;
    let event = guardduty("gd-c", "UnauthorizedAccess:EC2/SSHBruteForce");
    setup.handle(&event).await;
    let cooldown = u64::try_from(setup.settings.cooldown_ms).unwrap();
    setup.clock.advance(cooldown - MINUTE);
    setup.handle(&event).await;
    assert_eq!(setup.scans("scan-for-integrity-changes"), 1);
    setup.clock.advance(2 * MINUTE);
    let later = setup.handle(&event).await;
    assert_eq!(Setup::status(&later, "scan-integrity"), OutcomeStatus::Done);
    assert_eq!(setup.scans("scan-for-integrity-changes"), 2);
}

#[tokio::test]
async fn a_claim_in_its_lease_is_left_to_its_worker_and_checked_after_it() {
    let setup = setup().await;
    let computer_id = setup.computer_id().await;
    let finding = "gd-takeover";
    let claim = |action: &str| ClaimRequest {
        key: ActionKey {
            finding: finding.into(),
            target: format!("computer:{}", computer_id.0),
            action: action.into(),
        },
        coalesce: Some(format!("{action}:computer:{}", computer_id.0)),
        now: setup.clock.now_ms(),
        cooldown_ms: setup.settings.cooldown_ms,
        lease_ms: setup.settings.lease_ms,
    };
    // Another worker claimed both scans, ran the integrity scan and stopped before settling
    // either; it never started the recommendation scan.
    for action in ["scan-recommendations-applied", "scan-integrity"] {
        let answer = setup.store.claim(&claim(action)).await.unwrap();
        assert!(matches!(answer, Claim::Proceed(_)), "{answer:?}");
    }
    setup
        .manager
        .run_scan(ScanKind::Integrity, computer_id, "stopped worker")
        .await
        .unwrap();
    setup.clock.advance(MINUTE);
    let event = guardduty(finding, "UnauthorizedAccess:EC2/SSHBruteForce");

    // Inside the lease the claims are the other worker's: nothing is done, nothing is settled.
    let early = setup.handle(&event).await;
    assert_eq!(
        Setup::status(&early, "scan-integrity"),
        OutcomeStatus::InFlight
    );
    assert!(!early.settled());

    // After the lease, the claims are taken over; the manager is asked first.
    let lease = u64::try_from(setup.settings.lease_ms).unwrap();
    setup.clock.advance(lease);
    let late = setup.handle(&event).await;
    assert!(late.settled(), "{late:?}");
    assert_eq!(setup.scans("scan-for-integrity-changes"), 1);
    assert_eq!(setup.scans("scan-for-recommendations"), 1);
    let ledger = setup.store.actions(10).await.unwrap();
    let integrity = ledger
        .iter()
        .find(|row| row.action == "scan-integrity")
        .unwrap();
    assert_eq!(integrity.status, ActionStatus::Done);
    assert!(
        integrity
            .detail
            .as_deref()
            .is_some_and(|detail| detail.contains("taking over")),
        "{integrity:?}"
    );
}
