//! ward's HTTP side, on axum: the JSON API under `/api/v1` (inventory, summary, coverage,
//! decisions, actions, quarantine, flows) with its OpenAPI document at `/api/v1/openapi.json`
//! (generated from the handlers, see [`api`]), Prometheus `/metrics`, `GET /healthz`, and
//! `POST /api/v1/events`, the authenticated webhook through which any system can hand ward AWS
//! events (HMAC-SHA256 of the body in `X-Ward-Signature: sha256=<hex>`; unsigned or wrongly signed
//! requests get 401 and nothing is stored).
//!
//! Auth (see [`auth`]): bearer tokens (operator, viewer) or the `ward_token` cookie on everything
//! but `/healthz`, the webhook and `/login`. Inventory answers come from an in-memory
//! [`snapshot::Snapshot`], reloaded when the store's last sync changes, never from a per-request
//! store scan.
//!
//! The dashboard's pages ([`pages`], drawn by `ward-dashboard`) sit behind the same auth and read
//! the same snapshot. [`router`] (the API and the pages; [`app`] takes other pages) is used by
//! `ward run`, `ward demo` and by tests (`oneshot`, no server needed).

pub mod api;
pub mod auth;
pub mod error;
pub mod metrics;
pub mod pages;
mod signature;
pub mod snapshot;

pub use auth::{Auth, Role};
pub use signature::{SIGNATURE_HEADER, sign, verify};
pub use snapshot::{Inventory, Snapshot};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::sync::Arc;
use ward_core::ports::FlowRun;
use ward_core::{Clock, Secret, Store};
use ward_respond::{Engine, Handled};

/// The largest body the webhook accepts (an SQS batch or an EventBridge event is far smaller).
pub const MAX_EVENT_BODY: usize = 4 * 1024 * 1024;

/// What the handlers share (the dashboard's pages too: they read [`AppState::inventory`]).
#[derive(Debug, Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    /// The webhook's HMAC key; `None` refuses every event (the webhook is off).
    pub webhook_secret: Option<Secret>,
    /// Where decisions, actions, quarantine and flow runs are read from.
    pub store: Arc<dyn Store>,
    /// The inventory snapshot every inventory answer comes from.
    pub inventory: Arc<Inventory>,
    /// The configured flows, as `GET /api/v1/flows` lists them.
    pub flows: Arc<[api::FlowInfo]>,
    /// Starts flow runs; `None`: `POST /api/v1/flows/{name}/runs` answers 503.
    pub trigger: Option<Arc<dyn FlowTrigger>>,
    /// Who may call.
    pub auth: Auth,
    /// Renders `/metrics`.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// When pages are rendered ("… ago" is counted from it).
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    /// A state with no webhook secret, no flows, no trigger and no tokens (loopback use), and the
    /// process's metrics recorder installed.
    pub fn new(engine: Arc<Engine>, store: Arc<dyn Store>) -> Self {
        Self {
            clock: engine.clock(),
            engine,
            webhook_secret: None,
            inventory: Inventory::new(Arc::clone(&store)),
            store,
            flows: Arc::from(Vec::new()),
            trigger: None,
            auth: Auth::open(),
            metrics: metrics::install(),
        }
    }
}

/// Why a flow run could not be started or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerError {
    /// No flow has that name.
    UnknownFlow,
    /// The run failed; the message names the cause (it is recorded in the flow's history too).
    Failed(String),
}

/// Runs a configured flow now, by name (the `ward` binary implements it with its flow runner).
#[async_trait::async_trait]
pub trait FlowTrigger: Send + Sync + std::fmt::Debug {
    /// Runs the flow to its end; returns the run's record.
    async fn run(&self, name: &str) -> Result<FlowRun, TriggerError>;
}

/// The API, `/metrics`, `/healthz`, the webhook, `/login` and the dashboard's pages
/// ([`pages::routes`]).
pub fn router(state: AppState) -> Router {
    app(state, pages::routes())
}

/// [`router`] plus `pages` (the dashboard's HTML routes: `/`, `/findings`, `/assets/*`, …), which
/// sit behind the same auth as the API (a browser without the cookie is sent to `/login`) and
/// share the state (and so the inventory snapshot).
pub fn app(state: AppState, pages: Router<AppState>) -> Router {
    let protected = api::routes()
        .route("/metrics", get(api::metrics))
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require,
        ));
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/v1/events", post(events))
        .route("/login", get(auth::login_form).post(auth::login))
        .merge(protected)
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(MAX_EVENT_BODY))
        .layer(axum::middleware::from_fn(metrics::count_requests))
        .with_state(state)
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "message": message }))).into_response()
}

/// `POST /api/v1/events`: verify the signature, then decide and act on every item of the body.
/// 200 with one result per item; 503 when some item could not be handled now (the sender should
/// retry: actions already done are not repeated); 500 only when the store failed.
async fn events(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.webhook_secret else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the event webhook is off: server.webhook_secret is not configured",
        );
    };
    let Some(signature) = headers.get(SIGNATURE_HEADER) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "missing X-Ward-Signature (sha256=<hex HMAC-SHA256 of the body>)",
        );
    };
    let valid = signature
        .to_str()
        .is_ok_and(|signature| verify(secret, &body, signature));
    if !valid {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the signature does not match the body",
        );
    }
    let mut results = Vec::new();
    let (mut decided, mut quarantined, mut failed) = (0, 0, 0);
    for parsed in ward_events::parse(&body) {
        crate::metrics::event("webhook");
        match state.engine.handle_parsed(parsed, "webhook", false).await {
            Ok(handled) => {
                match &handled {
                    Handled::Decided(_) => decided += 1,
                    Handled::Quarantined { .. } => quarantined += 1,
                    Handled::Failed { .. } => failed += 1,
                }
                results.push(handled.to_json());
            }
            Err(error) => {
                tracing::error!(%error, "store failed while handling webhook events");
                return refuse(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the store failed; retry later",
                );
            }
        }
    }
    let status = if failed > 0 {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let summary = json!({
        "decided": decided,
        "quarantined": quarantined,
        "failed": failed,
        "results": results,
    });
    (status, axum::Json(summary)).into_response()
}
