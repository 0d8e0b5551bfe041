//! Prometheus metrics: the process-wide recorder (the `metrics` facade, rendered by
//! `metrics-exporter-prometheus` at `GET /metrics`), the names ward records, and the layer that
//! counts HTTP requests.
//!
//! Names (counters are past tense, what happened):
//! - `ward_events_total{source}`: events received (`source`: `webhook`, `sqs`, `lambda`, …)
//! - `ward_decisions_total{decision}`: decisions made
//! - `ward_actions_total{action,outcome}`: actions, by how they ended
//! - `ward_manager_calls_total{status}`: HTTP calls to the manager, by status
//! - `ward_flow_runs_total{flow,status}`: flow runs, by how they ended
//! - `ward_http_requests_total{route,status}`: requests ward's server answered
//! - `ward_inventory_computers`, `ward_inventory_protected`: gauges from the inventory snapshot

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use ward_core::FleetSummary;

pub const EVENTS: &str = "ward_events_total";
pub const DECISIONS: &str = "ward_decisions_total";
pub const ACTIONS: &str = "ward_actions_total";
pub const MANAGER_CALLS: &str = "ward_manager_calls_total";
pub const FLOW_RUNS: &str = "ward_flow_runs_total";
pub const HTTP_REQUESTS: &str = "ward_http_requests_total";
pub const INVENTORY_COMPUTERS: &str = "ward_inventory_computers";
pub const INVENTORY_PROTECTED: &str = "ward_inventory_protected";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the process's `metrics` recorder (once; later calls return
/// the same handle, so several routers in one process share it).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "another metrics recorder is installed: /metrics shows only what it misses"
                );
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge};
    describe_counter!(
        EVENTS,
        "Events received, by intake (webhook, sqs, lambda, file)"
    );
    describe_counter!(DECISIONS, "Decisions made about findings, by decision");
    describe_counter!(ACTIONS, "Actions, by kind and outcome");
    describe_counter!(MANAGER_CALLS, "HTTP calls to the manager, by status");
    describe_counter!(FLOW_RUNS, "Flow runs, by flow and final status");
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by route and status");
    describe_gauge!(INVENTORY_COMPUTERS, "Computers in the inventory snapshot");
    describe_gauge!(
        INVENTORY_PROTECTED,
        "Protected computers in the inventory snapshot"
    );
    // Series with a known label set start at zero, so they are there before the first event.
    metrics::counter!(EVENTS, "source" => "webhook").increment(0);
}

/// Sets the inventory gauges.
pub fn inventory(summary: &FleetSummary) {
    metrics::gauge!(INVENTORY_COMPUTERS).set(summary.computers as f64);
    metrics::gauge!(INVENTORY_PROTECTED).set(summary.protected as f64);
}

/// Counts one received event.
pub fn event(source: &'static str) {
    metrics::counter!(EVENTS, "source" => source).increment(1);
}

/// Middleware: counts each answered request by its route template (never the raw path, so ids do
/// not multiply the series) and status.
pub async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics::counter!(
        HTTP_REQUESTS,
        "route" => route,
        "status" => response.status().as_u16().to_string()
    )
    .increment(1);
    response
}
