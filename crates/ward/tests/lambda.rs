//! `ward lambda` against an emulated Lambda runtime API (the real protocol: `invocation/next`,
//! `invocation/{id}/response`): an SQS batch is handled, and only the items that could not be
//! handled are reported for redelivery.

use crate::support::{Sim, ward, workdir};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PROTECTED: &str = "i-0aaaaaaaaaaaaaaa1";

#[derive(Clone, Default)]
struct Runtime {
    /// Invocations still to hand out.
    pending: Arc<Mutex<Vec<Value>>>,
    /// (request id, response body) as ward posted them.
    responses: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn next(State(runtime): State<Runtime>) -> impl IntoResponse {
    loop {
        let event = runtime.pending.lock().unwrap().pop();
        if let Some(event) = event {
            let id = format!("request-{}", runtime.responses.lock().unwrap().len() + 1);
            let mut headers = HeaderMap::new();
            headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 60_000;
            headers.insert(
                "lambda-runtime-deadline-ms",
                deadline.to_string().parse().unwrap(),
            );
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:111122223333:function:ward"
                    .parse()
                    .unwrap(),
            );
            headers.insert(
                "lambda-runtime-trace-id",
                "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700".parse().unwrap(),
            );
            return (headers, axum::Json(event));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn respond(
    State(runtime): State<Runtime>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> impl IntoResponse {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    runtime.responses.lock().unwrap().push((id, body));
    axum::http::StatusCode::ACCEPTED
}

fn sqs_record(message_id: &str, body: &str) -> Value {
    json!({
        "messageId": message_id, "receiptHandle": "AQEB…", "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1523232000000",
                       "SenderId": "123456789012", "ApproximateFirstReceiveTimestamp": "1523232000001"},
        "messageAttributes": {}, "md5OfBody": "7b270e59b47ff90a553787216d55d91d",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:ward-events",
        "awsRegion": "us-east-1"
    })
}

fn guardduty(instance_id: &str, finding_id: &str) -> String {
    json!({
        "version": "0", "id": format!("env-{finding_id}"), "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "111122223333", "time": "2024-09-10T04:06:33Z",
        "region": "us-east-1", "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": "111122223333", "region": "us-east-1",
            "id": finding_id, "type": "Trojan:EC2/DNSDataExfiltration",
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance_id}},
            "service": {"archived": false, "count": 1}, "severity": 8
        }
    })
    .to_string()
}

/// Runs `ward lambda` with `config` in `dir` for one invocation; returns the response it posted.
fn invoke(dir: &std::path::Path, config: &std::path::Path, event: Value) -> Value {
    let runtime = Runtime::default();
    runtime.pending.lock().unwrap().push(event);
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let address = tokio.block_on(async {
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .with_state(runtime.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    });
    let mut child = ward()
        .arg("--config")
        .arg(config)
        .arg("lambda")
        .current_dir(dir)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "ward")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "stream")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/ward")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ward lambda starts");
    let started = Instant::now();
    while runtime.responses.lock().unwrap().is_empty() {
        if started.elapsed() > Duration::from_secs(30) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "no response from ward lambda: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let (id, body) = runtime.responses.lock().unwrap()[0].clone();
    assert_eq!(id, "request-1");
    body
}

#[test]
fn an_sqs_batch_is_handled_and_nothing_good_is_redelivered() {
    let sim = Sim::start(&[
        "--fleet",
        "20",
        "--scan-delay-ms",
        "0",
        "--protect",
        PROTECTED,
    ]);
    let (dir, config) = workdir(&sim.base_url, "");
    let body = invoke(
        dir.path(),
        &config,
        json!({
            "Records": [
                sqs_record("m-1", &guardduty(PROTECTED, "finding-lambda-1")),
                sqs_record("m-2", "this is not an event"),
                sqs_record("m-3", &guardduty("i-0ccccccccccccccc3", "finding-lambda-2")),
            ]
        }),
    );
    // Handled (acted on, notified, quarantined): nothing to redeliver.
    assert_eq!(body, json!({"batchItemFailures": []}));
    let url = sim.base_url.trim_end_matches("/api").to_owned() + "/_sim/actions";
    let actions: Vec<Value> = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { reqwest::get(&url).await?.json().await })
        .unwrap();
    let malware = actions
        .iter()
        .filter(|action| {
            action["kind"]
                .as_str()
                .is_some_and(|kind| kind.contains("malware"))
        })
        .count();
    assert_eq!(malware, 1, "{actions:?}");
}

#[test]
fn messages_that_cannot_be_handled_now_are_redelivered() {
    // No manager answers: the unknown instance cannot be looked up, so its message goes back.
    let (dir, config) = workdir(
        "http://127.0.0.1:9/api",
        "max_attempts = 1\ntimeout_secs = 2",
    );
    let body = invoke(
        dir.path(),
        &config,
        json!({
            "Records": [
                sqs_record("m-1", &guardduty("i-0ccccccccccccccc3", "finding-lambda-3")),
                sqs_record("m-2", "this is not an event"),
            ]
        }),
    );
    assert_eq!(
        body,
        json!({"batchItemFailures": [{"itemIdentifier": "m-1"}]})
    );
}
