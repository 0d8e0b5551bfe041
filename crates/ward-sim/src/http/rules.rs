//! `/intrusionpreventionrules`: list, search (by `CVE` among others) and describe.

use super::body::parse_optional;
use super::{json, parse_id};
use crate::Simulator;
use crate::error::ApiError;
use crate::rules::IpsRule;
use crate::search::{Query, SearchFilter};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

/// `{"intrusionPreventionRules": […]}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RulesOut<'a> {
    intrusion_prevention_rules: Vec<&'a IpsRule>,
}

/// `GET /intrusionpreventionrules`: every rule.
pub(super) async fn list(State(sim): State<Simulator>) -> Response {
    let state = sim.read();
    json(&RulesOut {
        intrusion_prevention_rules: state.catalog.ips.iter().collect(),
    })
}

/// `POST /intrusionpreventionrules/search`.
pub(super) async fn search(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let filter: SearchFilter = parse_optional(&body)?.unwrap_or_default();
    let query = Query::compile::<IpsRule>(filter).map_err(ApiError::bad_request)?;
    let state = sim.read();
    let rules = &state.catalog.ips;
    Ok(json(&RulesOut {
        intrusion_prevention_rules: query.select(rules).into_iter().map(|i| &rules[i]).collect(),
    }))
}

/// `GET /intrusionpreventionrules/{intrusionPreventionRuleID}`.
pub(super) async fn describe(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "intrusionPreventionRuleID")?;
    let state = sim.read();
    let rule = state
        .catalog
        .ips_rule(id)
        .ok_or_else(|| ApiError::not_found("The intrusion prevention rule does not exist."))?;
    Ok(json(rule))
}
