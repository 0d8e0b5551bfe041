//! `/computers`: list, search, describe and modify (a partial update answered with the whole
//! computer).

use super::body::{parse_keeping, parse_optional};
use super::{Caller, json, parse_id, record};
use crate::Simulator;
use crate::computer::{Computer, ComputerView};
use crate::error::ApiError;
use crate::expand::Params;
use crate::patch::ComputerPatch;
use crate::roles::Right;
use crate::search::{Query, SearchFilter};
use crate::state::State as SimState;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use serde::Serialize;

/// `{"computers": […]}`.
#[derive(Serialize)]
struct ComputersOut<'a> {
    computers: Vec<ComputerView<'a>>,
}

fn view<'a>(state: &'a SimState, computer: &'a Computer, params: Params) -> ComputerView<'a> {
    ComputerView {
        computer,
        ctx: state.context(),
        expand: params.expand,
        overrides: params.overrides,
    }
}

fn computers_answer<'a>(
    state: &'a SimState,
    computers: impl Iterator<Item = &'a Computer>,
    params: Params,
) -> Response {
    json(&ComputersOut {
        computers: computers.map(|c| view(state, c, params)).collect(),
    })
}

/// `GET /computers`: every computer (the API has no paging here).
pub(super) async fn list(State(sim): State<Simulator>, params: Params) -> Response {
    let state = sim.read();
    computers_answer(&state, state.fleet.computers.iter(), params)
}

/// `POST /computers/search`.
pub(super) async fn search(
    State(sim): State<Simulator>,
    params: Params,
    body: Bytes,
) -> Result<Response, ApiError> {
    let filter: SearchFilter = parse_optional(&body)?.unwrap_or_default();
    let query = Query::compile::<Computer>(filter).map_err(ApiError::bad_request)?;
    let state = sim.read();
    let positions = state.search_computers(&query);
    let computers = positions.iter().map(|&p| &state.fleet.computers[p]);
    Ok(computers_answer(&state, computers, params))
}

/// `GET /computers/{computerID}`.
pub(super) async fn describe(
    State(sim): State<Simulator>,
    params: Params,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "computerID")?;
    let state = sim.read();
    let computer = &state.fleet.computers[state.computer_position(id)?];
    Ok(json(&view(&state, computer, params)))
}

/// `POST /computers/{computerID}`: a partial update.
pub(super) async fn modify(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(&sim, Right::EditComputers, "modify computers")?;
    let id = parse_id(&id, "computerID")?;
    let (changes, patch): (serde_json::Value, ComputerPatch) = parse_keeping(&body)?;
    let mut guard = sim.write();
    let state = &mut *guard;
    let position = state.computer_position(id)?;
    patch.apply(
        &mut state.fleet.computers[position],
        &state.policies,
        &state.catalog,
    )?;
    record(
        &sim,
        caller,
        "modify-computer",
        serde_json::json!({"computerID": id, "changes": changes}),
    );
    let computer = &state.fleet.computers[position];
    Ok(json(&view(state, computer, params)))
}
