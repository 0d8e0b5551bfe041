//! The HTTP face of the simulator: routes under `/api` with the API's paths, the guard that runs
//! before every handler (rate limit, faults, `api-version`, auth), and `/_sim/*`.

mod account;
mod assignments;
mod body;
mod computers;
mod guard;
mod policies;
mod rules;
mod sim;
mod tasks;

use crate::Simulator;
use crate::error::ApiError;
use crate::roles::{Right, Role};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Serialize;

/// The router: the API under `/api`, the simulator's own endpoints under `/_sim`.
pub(crate) fn router(sim: Simulator) -> Router {
    let api = Router::new()
        .route("/computers", get(computers::list))
        .route("/computers/search", post(computers::search))
        .route(
            "/computers/{computerID}",
            get(computers::describe).post(computers::modify),
        )
        .route(
            "/computers/{computerID}/{module}/assignments",
            get(assignments::list_on_computer)
                .post(assignments::add_to_computer)
                .put(assignments::set_on_computer),
        )
        .route(
            "/computers/{computerID}/{module}/assignments/{ruleID}",
            delete(assignments::remove_from_computer),
        )
        .route("/policies", get(policies::list))
        .route("/policies/search", post(policies::search))
        .route(
            "/policies/{policyID}",
            get(policies::describe).post(policies::modify),
        )
        .route(
            "/policies/{policyID}/{module}/assignments",
            get(assignments::list_on_policy)
                .post(assignments::add_to_policy)
                .put(assignments::set_on_policy),
        )
        .route(
            "/policies/{policyID}/{module}/assignments/{ruleID}",
            delete(assignments::remove_from_policy),
        )
        .route("/intrusionpreventionrules", get(rules::list))
        .route("/intrusionpreventionrules/search", post(rules::search))
        .route(
            "/intrusionpreventionrules/{intrusionPreventionRuleID}",
            get(rules::describe),
        )
        .route("/scheduledtasks", get(tasks::list).post(tasks::create))
        .route("/scheduledtasks/search", post(tasks::search))
        .route(
            "/scheduledtasks/{scheduledTaskID}",
            get(tasks::describe)
                .post(tasks::modify)
                .delete(tasks::remove),
        )
        .route("/agentactivationinformation", get(account::activation))
        .route("/agentdeploymentscripts", post(account::deployment_script))
        .route("/apikeys/current", get(account::current_key))
        .route("/roles", get(account::roles))
        .route("/roles/{roleID}", get(account::role))
        .fallback(no_such_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(sim.clone(), guard::guard));
    Router::new()
        .nest("/api", api)
        .route("/_sim/actions", get(sim::actions))
        .route("/_sim/calls", get(sim::calls))
        .fallback(no_such_path)
        .with_state(sim)
}

async fn no_such_path() -> ApiError {
    ApiError::not_found("No such resource")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for this resource",
    )
}

/// A JSON answer.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot serialize an answer");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                .into_response()
        }
    }
}

/// The key's role, put on the request by the guard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    /// Index into the simulator's roles.
    role: usize,
}

impl Caller {
    pub(crate) fn role<'a>(&self, sim: &'a Simulator) -> &'a Role {
        &sim.roles()[self.role]
    }

    /// 403 unless the role holds `right`; `what` completes "Not authorized to …".
    pub(crate) fn require(
        &self,
        sim: &Simulator,
        right: Right,
        what: &str,
    ) -> Result<(), ApiError> {
        if self.role(sim).has(right) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("Not authorized to {what}.")))
        }
    }
}

/// Records an action for `/_sim/actions`: `kind`, `at`, `role`, then `fields`.
pub(crate) fn record(sim: &Simulator, caller: Caller, kind: &str, fields: serde_json::Value) {
    let mut action = serde_json::Map::new();
    action.insert("kind".into(), kind.into());
    action.insert("at".into(), sim.clock_ms().into());
    action.insert("role".into(), caller.role(sim).name.into());
    if let serde_json::Value::Object(fields) = fields {
        action.extend(fields);
    }
    tracing::debug!(kind, "simulator recorded an action");
    sim.record(serde_json::Value::Object(action));
}

/// An ID from a path segment.
pub(crate) fn parse_id(text: &str, name: &str) -> Result<i32, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad_request(format!("{name} `{text}` is not a number")))
}
