//! `/policies`: list, search, describe and modify.

use super::body::{parse_keeping, parse_optional};
use super::{Caller, json, parse_id, record};
use crate::Simulator;
use crate::error::ApiError;
use crate::patch::PolicyPatch;
use crate::policies::{Policy, PolicyOut};
use crate::roles::Right;
use crate::search::{Query, SearchFilter};
use crate::state::State as SimState;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use serde::Serialize;

/// `{"policies": […]}`.
#[derive(Serialize)]
struct PoliciesOut<'a> {
    policies: Vec<PolicyOut<'a>>,
}

fn policies_answer<'a>(
    state: &'a SimState,
    policies: impl Iterator<Item = &'a Policy>,
) -> Response {
    json(&PoliciesOut {
        policies: policies
            .map(|policy| PolicyOut::new(policy, &state.policies, &state.catalog))
            .collect(),
    })
}

/// `GET /policies`.
pub(super) async fn list(State(sim): State<Simulator>) -> Response {
    let state = sim.read();
    policies_answer(&state, state.policies.by_id.values())
}

/// `POST /policies/search`.
pub(super) async fn search(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let filter: SearchFilter = parse_optional(&body)?.unwrap_or_default();
    let query = Query::compile::<Policy>(filter).map_err(ApiError::bad_request)?;
    let state = sim.read();
    let all: Vec<Policy> = state.policies.by_id.values().cloned().collect();
    let selected = query.select(&all);
    let chosen = selected
        .iter()
        .filter_map(|&index| state.policies.get(all[index].id));
    Ok(policies_answer(&state, chosen))
}

/// `GET /policies/{policyID}`.
pub(super) async fn describe(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "policyID")?;
    let state = sim.read();
    let policy = state
        .policies
        .get(id)
        .ok_or_else(|| ApiError::not_found("The policy does not exist."))?;
    Ok(json(&PolicyOut::new(
        policy,
        &state.policies,
        &state.catalog,
    )))
}

/// `POST /policies/{policyID}`: a partial update.
pub(super) async fn modify(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(&sim, Right::EditPolicies, "modify policies")?;
    let id = parse_id(&id, "policyID")?;
    let (changes, patch): (serde_json::Value, PolicyPatch) = parse_keeping(&body)?;
    let mut guard = sim.write();
    let state = &mut *guard;
    patch.apply(id, &mut state.policies, &state.catalog)?;
    record(
        &sim,
        caller,
        "modify-policy",
        serde_json::json!({"policyID": id, "changes": changes}),
    );
    let policy = state
        .policies
        .get(id)
        .ok_or_else(|| ApiError::not_found("The policy does not exist."))?;
    Ok(json(&PolicyOut::new(
        policy,
        &state.policies,
        &state.catalog,
    )))
}
