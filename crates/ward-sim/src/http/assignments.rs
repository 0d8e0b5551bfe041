//! `/{computers|policies}/{id}/{intrusionprevention|integritymonitoring}/assignments[/{ruleID}]`:
//! list (GET), add (POST), set (PUT) and remove one (DELETE); every answer is the whole
//! assignments object, recommendations included.

use super::body::parse;
use super::{Caller, json, parse_id, record};
use crate::Simulator;
use crate::computer::RuleModule;
use crate::error::ApiError;
use crate::expand::Params;
use crate::roles::Right;
use crate::state::{Change, Target};
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use serde::Deserialize;

/// The `RuleIDs` body of add and set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleIds {
    #[serde(rename = "ruleIDs")]
    rule_ids: Vec<i32>,
}

fn module(segment: &str) -> Result<RuleModule, ApiError> {
    match segment {
        "intrusionprevention" => Ok(RuleModule::IntrusionPrevention),
        "integritymonitoring" => Ok(RuleModule::IntegrityMonitoring),
        "loginspection" => Err(ApiError::not_found(
            "Log inspection assignments are not simulated",
        )),
        _ => Err(ApiError::not_found("No such resource")),
    }
}

/// The action kind and short module name: `assign-ips-rules`, `set-im-rules`, …
fn kind(change: &Change, module: RuleModule) -> String {
    let short = match module {
        RuleModule::IntrusionPrevention => "ips",
        RuleModule::IntegrityMonitoring => "im",
    };
    match change {
        Change::Add(_) => format!("assign-{short}-rules"),
        Change::Set(_) => format!("set-{short}-rules"),
        Change::Remove(_) => format!("remove-{short}-rule"),
    }
}

fn list(
    sim: &Simulator,
    target: Target,
    module: RuleModule,
    params: Params,
) -> Result<Response, ApiError> {
    let state = sim.read();
    Ok(json(&state.assignments(
        target,
        module,
        params.overrides,
        sim.clock_ms(),
    )?))
}

fn change(
    sim: &Simulator,
    caller: Caller,
    target: Target,
    module: RuleModule,
    change: &Change,
    params: Params,
) -> Result<Response, ApiError> {
    let mut state = sim.write();
    state.change_assignments(target, module, change)?;
    let rule_ids = match change {
        Change::Add(ids) | Change::Set(ids) => ids.clone(),
        Change::Remove(id) => vec![*id],
    };
    let (name, id) = match target {
        Target::Computer(id) => ("computerID", id),
        Target::Policy(id) => ("policyID", id),
    };
    record(
        sim,
        caller,
        &kind(change, module),
        serde_json::json!({ name: id, "ruleIDs": rule_ids }),
    );
    Ok(json(&state.assignments(
        target,
        module,
        params.overrides,
        sim.clock_ms(),
    )?))
}

/// Whose assignments a path is about.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Computer,
    Policy,
}

impl Owner {
    fn target(self, id: &str) -> Result<Target, ApiError> {
        Ok(match self {
            Self::Computer => Target::Computer(parse_id(id, "computerID")?),
            Self::Policy => Target::Policy(parse_id(id, "policyID")?),
        })
    }
}

fn require(sim: &Simulator, caller: Caller, target: Target) -> Result<(), ApiError> {
    match target {
        Target::Computer(_) => caller.require(sim, Right::EditComputers, "modify computers"),
        Target::Policy(_) => caller.require(sim, Right::EditPolicies, "modify policies"),
    }
}

fn list_on(
    sim: &Simulator,
    owner: Owner,
    (id, segment): (String, String),
    params: Params,
) -> Result<Response, ApiError> {
    let module = module(&segment)?;
    list(sim, owner.target(&id)?, module, params)
}

fn add_or_set(
    sim: &Simulator,
    caller: Caller,
    owner: Owner,
    (id, segment): (String, String),
    params: Params,
    body: &[u8],
    set: bool,
) -> Result<Response, ApiError> {
    let module = module(&segment)?;
    let target = owner.target(&id)?;
    require(sim, caller, target)?;
    let RuleIds { rule_ids } = parse(body)?;
    let wanted = if set {
        Change::Set(rule_ids)
    } else {
        Change::Add(rule_ids)
    };
    change(sim, caller, target, module, &wanted, params)
}

fn remove(
    sim: &Simulator,
    caller: Caller,
    owner: Owner,
    (id, segment, rule): (String, String, String),
    params: Params,
) -> Result<Response, ApiError> {
    let module = module(&segment)?;
    let target = owner.target(&id)?;
    require(sim, caller, target)?;
    let rule = parse_id(&rule, "ruleID")?;
    change(sim, caller, target, module, &Change::Remove(rule), params)
}

pub(super) async fn list_on_computer(
    State(sim): State<Simulator>,
    params: Params,
    Path(path): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_on(&sim, Owner::Computer, path, params)
}

pub(super) async fn list_on_policy(
    State(sim): State<Simulator>,
    params: Params,
    Path(path): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_on(&sim, Owner::Policy, path, params)
}

pub(super) async fn add_to_computer(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Path(path): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add_or_set(&sim, caller, Owner::Computer, path, params, &body, false)
}

pub(super) async fn set_on_computer(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Path(path): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add_or_set(&sim, caller, Owner::Computer, path, params, &body, true)
}

pub(super) async fn add_to_policy(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Path(path): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add_or_set(&sim, caller, Owner::Policy, path, params, &body, false)
}

pub(super) async fn set_on_policy(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Path(path): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    add_or_set(&sim, caller, Owner::Policy, path, params, &body, true)
}

pub(super) async fn remove_from_computer(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Path(path): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    remove(&sim, caller, Owner::Computer, path, params)
}

pub(super) async fn remove_from_policy(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Path(path): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    remove(&sim, caller, Owner::Policy, path, params)
}
