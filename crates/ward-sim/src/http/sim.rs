//! `/_sim/*`: what the simulator saw, for tests. Outside `/api`: no key, no faults, not counted.

use super::json;
use crate::Simulator;
use axum::extract::State;
use axum::response::Response;

/// `GET /_sim/actions`: every state change, oldest first.
pub(super) async fn actions(State(sim): State<Simulator>) -> Response {
    json(&sim.actions())
}

/// `GET /_sim/calls`: `{"calls": n}`.
pub(super) async fn calls(State(sim): State<Simulator>) -> Response {
    json(&serde_json::json!({ "calls": sim.calls() }))
}
