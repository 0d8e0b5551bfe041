//! Rate limiting and injected faults, seen from a client.

use crate::support::{FULL_ACCESS, Running, assert_error, small};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};
use ward_sim::{FaultKind, SimConfig};

#[tokio::test]
async fn calls_past_the_rate_limit_get_429_with_retry_after() {
    let running = Running::start(SimConfig {
        rate_limit_per_minute: Some(5),
        ..small()
    })
    .await;
    for _ in 0..5 {
        assert_eq!(
            running.call(Method::GET, "/policies", None).await.status,
            200
        );
    }
    for _ in 0..3 {
        let answer = running.call(Method::GET, "/policies", None).await;
        assert_error(&answer, 429);
        assert_eq!(answer.body["message"], "Too many API requests");
        let wait: u64 = answer.headers["retry-after"]
            .to_str()
            .expect("ASCII")
            .parse()
            .expect("whole seconds");
        assert!((1..=60).contains(&wait), "{wait}");
    }
    assert_eq!(
        running.sim.calls(),
        8,
        "refused calls are received, just not admitted"
    );
}

async fn faulty(kind: FaultKind) -> Running {
    Running::start(SimConfig {
        fault_rate: 1.0,
        fault_kinds: vec![kind],
        ..small()
    })
    .await
}

#[tokio::test]
async fn status_faults_answer_like_the_manager() {
    let running = faulty(FaultKind::TooManyRequests).await;
    let answer = running.call(Method::GET, "/policies", None).await;
    assert_error(&answer, 429);
    assert_eq!(answer.headers["retry-after"], "1");
    for (kind, status) in [
        (FaultKind::InternalError, 500),
        (FaultKind::Unavailable, 503),
    ] {
        let running = faulty(kind).await;
        assert_error(&running.call(Method::GET, "/policies", None).await, status);
    }
}

#[tokio::test]
async fn a_faulted_write_changes_nothing() {
    let running = faulty(FaultKind::InternalError).await;
    let answer = running
        .call(
            Method::POST,
            "/policies/1",
            Some(json!({"description": "changed"})),
        )
        .await;
    assert_eq!(answer.status, 500);
    assert!(running.sim.actions().is_empty());
}

#[tokio::test]
async fn reset_drops_the_connection_without_an_answer() {
    let running = faulty(FaultKind::Reset).await;
    let error = running
        .request(Method::GET, "/policies", FULL_ACCESS)
        .send()
        .await
        .expect_err("no answer");
    assert!(!error.is_timeout(), "{error:?}");
    assert!(
        error.status().is_none(),
        "no status was received: {error:?}"
    );
}

#[tokio::test]
async fn slow_answers_come_late_but_whole() {
    let running = faulty(FaultKind::Slow).await;
    let started = Instant::now();
    let answer = running.call(Method::GET, "/policies", None).await;
    assert_eq!(answer.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(answer.body["policies"].is_array());
}

#[tokio::test]
async fn sim_endpoints_are_never_faulted() {
    let running = faulty(FaultKind::InternalError).await;
    let answer = running
        .send(running.http.get(format!("{}/_sim/actions", running.root)))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!([]));
}
