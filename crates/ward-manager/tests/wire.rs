//! The client's HTTP as the manager sees it, checked against small axum servers: headers, repeated
//! `expand`, JSON bodies, `Retry-After` dates, timeouts, undecodable answers, CA bundle problems.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use url::Url;
use ward_core::{ManagerApi, ManagerError, Secret};
use ward_manager::model::SearchFilter;
use ward_manager::{AuthScheme, ClientConfig, Expand, RetryPolicy, connect};

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Received {
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

type Answer = Arc<dyn Fn(u64) -> (Duration, Response) + Send + Sync>;

/// Serves `answer(n)` for the n-th request (from 0), after the delay it says, and records every
/// request.
async fn serve(answer: Answer) -> (Url, Arc<Mutex<Vec<Received>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicU64::new(0));
    let log = Arc::clone(&received);
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let answer = Arc::clone(&answer);
            let log = Arc::clone(&log);
            let count = Arc::clone(&count);
            async move {
                let n = count.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut log) = log.lock() {
                    log.push(Received {
                        method,
                        uri: uri.to_string(),
                        headers,
                        body: body.to_vec(),
                    });
                }
                let (delay, response) = answer(n);
                tokio::time::sleep(delay).await;
                response
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let address = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (
        Url::parse(&format!("http://{address}/api")).expect("valid URL"),
        received,
    )
}

fn json(status: StatusCode, body: &'static str) -> (Duration, Response) {
    (
        Duration::ZERO,
        (status, [("content-type", "application/json")], body).into_response(),
    )
}

fn now(response: impl IntoResponse) -> (Duration, Response) {
    (Duration::ZERO, response.into_response())
}

fn config(base_url: &Url) -> ClientConfig {
    let mut config = ClientConfig::new(base_url.clone(), Secret::new("WIRE-KEY"));
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(3),
    };
    config
}

fn header<'a>(request: &'a Received, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn requests_carry_the_api_conventions() {
    let (base_url, received) = serve(Arc::new(|_| {
        json(
            StatusCode::OK,
            r#"{"computers": [{"ID": 1, "hostName": "a", "agentGUID": "new-field"}]}"#,
        )
    }))
    .await;
    for scheme in [AuthScheme::ApiKey, AuthScheme::ApiSecretKey] {
        let mut config = config(&base_url);
        config.auth = scheme;
        let client = connect(config).expect("client builds");
        let filter = SearchFilter::page(Some(41), 10);
        let computers = client
            .search_computers(
                &filter,
                &[Expand::ComputerStatus, Expand::Ec2VirtualMachineSummary],
            )
            .await
            .expect("answers");
        assert_eq!(computers[0].id, Some(1));
    }
    let received = received.lock().expect("not poisoned").clone();
    let [cloud_one, legacy] = received.as_slice() else {
        panic!("{received:?}")
    };
    for request in [cloud_one, legacy] {
        assert_eq!(request.method, Method::POST);
        assert_eq!(
            request.uri,
            "/api/computers/search?expand=computerStatus&expand=ec2VirtualMachineSummary"
        );
        assert_eq!(header(request, "api-version"), Some("v1"));
        assert_eq!(header(request, "accept"), Some("application/json"));
        assert_eq!(header(request, "content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("JSON body");
        assert_eq!(
            body,
            serde_json::json!({"maxItems": 10, "sortByObjectID": true,
                               "searchCriteria": [{"idValue": 41, "idTest": "greater-than"}]})
        );
    }
    assert_eq!(header(cloud_one, "authorization"), Some("ApiKey WIRE-KEY"));
    assert_eq!(header(cloud_one, "api-secret-key"), None);
    assert_eq!(header(legacy, "api-secret-key"), Some("WIRE-KEY"));
    assert_eq!(header(legacy, "authorization"), None);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let (base_url, received) = serve(Arc::new(|n| {
        if n == 0 {
            let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
            now((
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", when)],
                r#"{"message": "Too many API requests"}"#,
            ))
        } else {
            json(
                StatusCode::OK,
                r#"{"policies": [{"ID": 1, "name": "Base Policy"}]}"#,
            )
        }
    }))
    .await;
    let client = connect(config(&base_url)).expect("client builds");
    let started = Instant::now();
    let policies = client.policies().await.expect("answered after waiting");
    // The date has a one-second resolution: "in two seconds" is at least one second away.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(policies[0].name, "Base Policy");
    assert_eq!(client.calls(), 2);
    assert_eq!(received.lock().expect("not poisoned").len(), 2);
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    // The first answer takes 600 ms; later ones come at once.
    let (base_url, _) = serve(Arc::new(|n| {
        let (_, response) = json(StatusCode::OK, r#"{"policies": []}"#);
        (
            if n == 0 {
                Duration::from_millis(600)
            } else {
                Duration::ZERO
            },
            response,
        )
    }))
    .await;
    let mut config = config(&base_url);
    config.timeout = Duration::from_millis(150);
    let client = connect(config).expect("client builds");
    let started = Instant::now();
    assert!(
        client
            .policies()
            .await
            .expect("answered on the retry")
            .is_empty()
    );
    assert_eq!(client.calls(), 2);
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "did not wait for the slow answer"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let (base_url, _) = serve(Arc::new(|_| {
        now((StatusCode::BAD_GATEWAY, "<html>bad gateway</html>"))
    }))
    .await;
    let client = connect(config(&base_url)).expect("client builds");
    let error = client.policies().await.unwrap_err();
    assert_eq!(
        error,
        ManagerError::Server {
            status: 502,
            message: "<html>bad gateway</html>".into()
        }
    );
    assert_eq!(client.calls(), 3);
}

#[tokio::test]
async fn undecodable_answers_name_the_operation() {
    let (base_url, _) = serve(Arc::new(|_| now((StatusCode::OK, "<html>login</html>")))).await;
    let client = connect(config(&base_url)).expect("client builds");
    let error = client.policies().await.unwrap_err();
    let ManagerError::Decode { operation, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(operation, "listPolicies");
    assert_eq!(client.calls(), 1);
}

#[tokio::test]
async fn unusable_ca_bundle_is_refused_before_any_call() {
    let path =
        std::env::temp_dir().join(format!("ward-manager-test-ca-{}.pem", std::process::id()));
    std::fs::write(&path, "not a certificate\n").expect("temp file written");
    let mut config = config(&Url::parse("https://dsm.example.com:4119/api").expect("valid URL"));
    config.ca_bundle = Some(path.clone());
    let error = connect(config).unwrap_err();
    let _ = std::fs::remove_file(&path);
    let text = error.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
}
