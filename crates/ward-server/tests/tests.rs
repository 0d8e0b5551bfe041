//! The event webhook through the router (no server): signatures, and events decided against the
//! simulator and a real store.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;
use ward_core::{Clock, Secret, Store};
use ward_respond::{Engine, Ports, Settings};
use ward_server::{AppState, SIGNATURE_HEADER, router, sign};
use ward_sim::{SimConfig, Simulator};

mod api;

const PROTECTED: &str = "i-0aaaaaaaaaaaaaaa1";
const SECRET: &str = "webhook-test-secret";

#[derive(Debug)]
struct TestClock;

#[async_trait::async_trait]
impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis(),
        )
        .unwrap()
    }

    async fn sleep_ms(&self, milliseconds: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(milliseconds)).await;
    }
}

struct Setup {
    app: axum::Router,
    store: Arc<dyn Store>,
    sim: Simulator,
}

async fn setup(secret: Option<&str>) -> Setup {
    let sim = Simulator::new(SimConfig {
        fleet: 20,
        protect: vec![PROTECTED.into()],
        scan_delay_ms: 0,
        ..SimConfig::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(ward_sim::serve(listener, sim.clone()));
    let base_url = url::Url::parse(&format!("http://{address}/api")).unwrap();
    let manager = ward_manager::connect(ward_manager::ClientConfig::new(
        base_url,
        Secret::new("ward-sim-full-access"),
    ))
    .unwrap();
    let store = ward_store::open("sqlite::memory:").await.unwrap();
    let dir = std::env::temp_dir().join(format!("ward-server-test-{}", std::process::id()));
    let engine = Engine::new(
        Ports {
            manager: Arc::new(manager),
            store: Arc::clone(&store),
            notifier: Arc::new(ward_notify::LogNotifier),
            evaluations: Arc::new(ward_notify::JsonLinesEvaluations::new(dir.join("e.jsonl"))),
            clock: Arc::new(TestClock),
            cloud: None,
        },
        Settings::default(),
    );
    let mut state = AppState::new(Arc::new(engine), Arc::clone(&store));
    state.webhook_secret = secret.map(Secret::new);
    let app = router(state);
    Setup { app, store, sim }
}

fn guardduty(instance_id: &str, finding_id: &str) -> Value {
    json!({
        "version": "0", "id": "e-1", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
        "account": "111122223333", "time": "2024-09-10T04:06:33Z", "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": finding_id, "type": "Recon:EC2/PortProbeUnprotectedPort",
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance_id}},
            "service": {"archived": false, "count": 1}, "severity": 2
        }
    })
}

async fn post(app: &axum::Router, body: &[u8], signature: Option<String>) -> (StatusCode, Value) {
    let mut request = Request::post("/api/v1/events").header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header(SIGNATURE_HEADER, signature);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_vec())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_events_are_refused_and_nothing_is_stored() {
    let setup = setup(Some(SECRET)).await;
    let body = serde_json::to_vec(&guardduty(PROTECTED, "f-1")).unwrap();
    let (status, answer) = post(&setup.app, &body, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("X-Ward-Signature")
    );
    let wrong = sign(&Secret::new("not-the-secret"), &body);
    assert_eq!(
        post(&setup.app, &body, Some(wrong)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let tampered = sign(&Secret::new(SECRET), b"{}");
    assert_eq!(
        post(&setup.app, &body, Some(tampered)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&setup.app, &body, Some("sha256=".into())).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(setup.store.decisions(10).await.unwrap().is_empty());
    assert!(setup.store.quarantined(10).await.unwrap().is_empty());
    assert!(setup.sim.actions().is_empty());

    let off = self::setup(None).await;
    let signature = sign(&Secret::new(SECRET), &body);
    let (status, answer) = post(&off.app, &body, Some(signature)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("webhook_secret")
    );
}

#[tokio::test]
async fn signed_events_are_decided_acted_on_once_and_recorded() {
    let setup = setup(Some(SECRET)).await;
    let body = serde_json::to_vec(&guardduty(PROTECTED, "f-2")).unwrap();
    let signature = sign(&Secret::new(SECRET), &body);
    let (status, answer) = post(&setup.app, &body, Some(signature.clone())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["decided"], 1);
    let result = &answer["results"][0];
    assert_eq!(result["decision"], "respond");
    assert_eq!(result["instance_id"], PROTECTED);
    let statuses: Vec<&str> = result["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| action["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["done", "done"], "{result}");
    let scans = setup.sim.actions().len();
    assert!(scans >= 2);

    // A redelivery does nothing new.
    let (status, answer) = post(&setup.app, &body, Some(signature)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["results"][0]["actions"][0]["status"], "already-done");
    assert_eq!(setup.sim.actions().len(), scans);
    assert_eq!(setup.store.decisions(10).await.unwrap().len(), 2);

    // /metrics counts the events, the decisions, the actions by outcome and the manager calls
    // (at least these: the recorder is the process's, shared when tests share a process).
    let response = setup
        .app
        .clone()
        .oneshot(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find(|line| line.starts_with(series))
            .and_then(|line| line.rsplit(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("{series} missing from\n{text}"))
    };
    assert!(value("ward_events_total{source=\"webhook\"}") >= 2.0);
    assert!(value("ward_decisions_total{decision=\"respond\"}") >= 2.0);
    let done: f64 = text
        .lines()
        .filter(|line| line.starts_with("ward_actions_total{") && line.contains("outcome=\"done\""))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(done >= 2.0, "{text}");
    assert!(value("ward_manager_calls_total{status=\"2xx\"}") >= 2.0);
}

#[tokio::test]
async fn signed_garbage_is_quarantined_with_its_reason() {
    let setup = setup(Some(SECRET)).await;
    let body = b"{\"detail-type\": \"Something Else\", \"source\": \"aws.unknown\", \"detail\": {}}\nnot json\n";
    let (status, answer) = post(&setup.app, body, Some(sign(&Secret::new(SECRET), body))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["quarantined"], 2, "{answer}");
    let kept = setup.store.quarantined(10).await.unwrap();
    assert_eq!(kept.len(), 2);
    assert!(
        kept.iter()
            .all(|record| record.origin == "webhook" && !record.reason.is_empty())
    );
    assert!(kept.iter().any(|record| record.raw.contains("not json")));
}
