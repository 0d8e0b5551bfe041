//! ward's HTTP side, on axum: `POST /api/v1/events`, the authenticated webhook through which any
//! system can hand ward AWS events (HMAC-SHA256 of the body in `X-Ward-Signature: sha256=<hex>`;
//! unsigned or wrongly signed requests get 401 and nothing is stored), and `GET /healthz`.
//!
//! `router(state)` is used by `ward run` and by tests (`oneshot`, no server needed).

mod signature;

pub use signature::{SIGNATURE_HEADER, sign, verify};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::sync::Arc;
use ward_core::Secret;
use ward_respond::{Engine, Handled};

/// The largest body the webhook accepts (an SQS batch or an EventBridge event is far smaller).
pub const MAX_EVENT_BODY: usize = 4 * 1024 * 1024;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    /// The webhook's HMAC key; `None` refuses every event (the webhook is off).
    pub webhook_secret: Option<Secret>,
}

/// The routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/events", post(events))
        .layer(DefaultBodyLimit::max(MAX_EVENT_BODY))
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
