//! The notifiers and the evaluations sink against real HTTP servers and files.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ward_core::{Compliance, Evaluation, Evaluations, Notice, NoticeKind, Notifier, Secret};
use ward_notify::{Fanout, JsonLinesEvaluations, LogNotifier, WebhookNotifier, WebhookRoute};

type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// A webhook receiver on a free port: records (path, body); paths under `/broken` answer 500.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    async fn hook(
        State(received): State<Received>,
        uri: axum::http::Uri,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> StatusCode {
        let path = uri.path().to_owned();
        let broken = path.starts_with("/broken");
        received.lock().unwrap().push((path, body));
        if broken {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::OK
        }
    }
    let app = Router::new()
        .route("/{*path}", post(hook))
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

fn notice(account: &str) -> Notice {
    Notice {
        kind: NoticeKind::UnprotectedInstance,
        title: "Recon:EC2/PortProbeUnprotectedPort on unprotected instance i-0123456789abcdef0"
            .into(),
        detail: "the manager has no computer for it".into(),
        account_id: Some(account.into()),
        region: Some("us-east-1".into()),
        instance_id: Some("i-0123456789abcdef0".into()),
        finding_id: "f-1".into(),
        finding_type: "Recon:EC2/PortProbeUnprotectedPort".into(),
        cves: Vec::new(),
    }
}

#[tokio::test]
async fn notices_go_to_the_accounts_webhook_or_the_default() {
    let (base, received) = receiver().await;
    let notifier = WebhookNotifier::new(
        vec![
            WebhookRoute {
                url: Secret::new(format!("{base}/services/T000/B000/team-a-token")),
                accounts: vec!["111111111111".into()],
            },
            WebhookRoute {
                url: Secret::new(format!("{base}/services/T000/B000/default-token")),
                accounts: vec![],
            },
        ],
        Duration::from_secs(5),
    )
    .unwrap();
    notifier.notify(&notice("111111111111")).await.unwrap();
    notifier.notify(&notice("222222222222")).await.unwrap();
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert!(received[0].0.ends_with("team-a-token"));
    assert!(received[1].0.ends_with("default-token"));
    let text = received[0].1["text"].as_str().unwrap();
    assert!(
        text.contains("unprotected instance i-0123456789abcdef0"),
        "{text}"
    );
    assert!(text.contains("account 111111111111"), "{text}");
}

#[tokio::test]
async fn a_failing_webhook_is_reported_without_its_token() {
    let (base, _) = receiver().await;
    let notifier = WebhookNotifier::new(
        vec![WebhookRoute {
            url: Secret::new(format!("{base}/broken/SECRET-TOKEN")),
            accounts: vec![],
        }],
        Duration::from_secs(5),
    )
    .unwrap();
    let error = notifier.notify(&notice("1")).await.unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(text.contains("500"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(!text.contains("SECRET-TOKEN"), "{text}");

    let closed = WebhookNotifier::new(
        vec![WebhookRoute {
            url: Secret::new("http://127.0.0.1:9/hook/SECRET-TOKEN".to_owned()),
            accounts: vec![],
        }],
        Duration::from_secs(2),
    )
    .unwrap();
    let error = closed.notify(&notice("1")).await.unwrap_err();
    assert!(!format!("{error} {error:?}").contains("SECRET-TOKEN"));

    // Fan-out tries every destination and reports the failure.
    let fanout = Fanout(vec![Arc::new(LogNotifier), Arc::new(notifier)]);
    assert!(fanout.notify(&notice("1")).await.is_err());
}

#[test]
fn plain_http_webhooks_elsewhere_are_refused() {
    let error = WebhookNotifier::new(
        vec![WebhookRoute {
            url: Secret::new("http://hooks.example.com/services/SECRET".to_owned()),
            accounts: vec![],
        }],
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert!(error.contains("only https"), "{error}");
    assert!(!error.contains("SECRET"), "{error}");
}

#[tokio::test]
async fn evaluations_append_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let sink = JsonLinesEvaluations::new(dir.path().join("out/evaluations.jsonl"));
    let evaluation = |id: &str, compliance| Evaluation {
        rule_name: "ward-is-clear".into(),
        resource_type: "AWS::EC2::Instance".into(),
        resource_id: id.into(),
        compliance,
        annotation: Some("why".into()),
        ordering_timestamp: 1_700_000_000_000,
    };
    sink.put("token-1", &[evaluation("i-1", Compliance::Compliant)])
        .await
        .unwrap();
    sink.put(
        "token-2",
        &[
            evaluation("i-2", Compliance::NonCompliant),
            evaluation("i-3", Compliance::NotApplicable),
        ],
    )
    .await
    .unwrap();
    let text = std::fs::read_to_string(sink.path()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["result_token"], "token-1");
    assert_eq!(lines[1]["compliance"], "NON_COMPLIANT");
    assert_eq!(lines[2]["resource_id"], "i-3");
}
