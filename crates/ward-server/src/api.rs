//! The JSON API under `/api/v1` and its OpenAPI document ([`ApiDoc`], generated from the
//! handlers' `#[utoipa::path]` attributes and the types' `ToSchema` derives, served at
//! `/api/v1/openapi.json`).
//!
//! Inventory routes answer from the [`crate::Snapshot`]; records (decisions, actions, quarantine,
//! flow runs) from the store. Every error is JSON `{message}`.

use crate::error::{ApiError, ErrorBody, Params, PathText};
use crate::{AppState, TriggerError, snapshot};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use ward_core::ports::FlowRun;
use ward_core::{
    ActionRecord, ActionStatus, AgentStatus, Computer, ComputerId, DecisionRecord, FleetSummary,
    Module, QuarantineRecord,
};

/// The API's routes (auth is added by [`crate::app`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/computers", get(computers))
        .route("/api/v1/computers/{id}", get(computer))
        .route("/api/v1/summary", get(summary))
        .route("/api/v1/coverage", get(coverage))
        .route("/api/v1/decisions", get(decisions))
        .route("/api/v1/actions", get(actions))
        .route("/api/v1/quarantine", get(quarantine))
        .route("/api/v1/flows", get(flows))
        .route(
            "/api/v1/flows/{name}/runs",
            get(flow_runs).post(start_flow_run),
        )
}

/// The OpenAPI document of ward's HTTP API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "ward",
        description = "ward's HTTP API: the inventory synced from Workload Security, fleet \
            summaries and coverage, the decisions and actions taken on AWS findings, the \
            quarantine, and flows. With tokens configured (server.token, server.viewer_token), \
            every route but /healthz and the signed webhook needs `Authorization: Bearer <token>` \
            (or the `ward_token` cookie set by POST /login); the viewer token may only read.",
        license(name = "Apache-2.0")
    ),
    paths(
        healthz, metrics, openapi, events_doc, computers, computer, summary, coverage, decisions,
        actions, quarantine, flows, flow_runs, start_flow_run
    ),
    components(schemas(
        ErrorBody, ComputerPage, Computer, ComputerId, AgentStatus, Module, ModuleStateFilter,
        FleetSummary, snapshot::Coverage, DecisionList, ActionList, ActionStatus, QuarantineList,
        FlowList, FlowInfo, FlowRunList, FlowRun, WebhookSummary
    )),
    modifiers(&BearerScheme),
    security(("bearer" = [])),
    tags(
        (name = "inventory", description = "Computers, summaries and coverage"),
        (name = "records", description = "Decisions, actions and quarantined inputs"),
        (name = "flows", description = "Configured flows and their runs"),
        (name = "service", description = "Health, metrics, this document and the event webhook")
    )
)]
pub struct ApiDoc;

#[derive(Debug)]
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "server.token (operator: read and trigger) or server.viewer_token \
                         (read only)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as JSON, built once.
pub fn openapi_json() -> &'static serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|error| {
            tracing::error!(%error, "cannot serialise the OpenAPI document");
            serde_json::Value::Null
        })
    })
}

/// Unknown routes: 404 JSON.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no route {}", uri.path()))
}

type Answer<T> = Result<axum::Json<T>, ApiError>;

async fn snapshot(state: &AppState) -> Result<Arc<crate::Snapshot>, ApiError> {
    state
        .inventory
        .snapshot()
        .await
        .map_err(|error| ApiError::store(&error))
}

/// Liveness.
#[utoipa::path(
    get, path = "/healthz", tag = "service", security(()),
    responses((status = 200, description = "ward is up", content_type = "text/plain", body = String))
)]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(
    get, path = "/metrics", tag = "service",
    responses(
        (status = 200, description = "Metrics in Prometheus' text format", content_type = "text/plain", body = String),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// This document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "service",
    responses(
        (status = 200, description = "The OpenAPI document", body = Object),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
async fn openapi() -> axum::Json<&'static serde_json::Value> {
    axum::Json(openapi_json())
}

/// What the webhook did with a body.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSummary {
    pub decided: u64,
    pub quarantined: u64,
    pub failed: u64,
    /// One result per item of the body, in order.
    pub results: Vec<serde_json::Value>,
}

/// The signed event webhook: EventBridge events, SQS batches, Config invocations, JSON lines.
/// Not bearer-authenticated: the body's HMAC-SHA256 (key `server.webhook_secret`) goes in
/// `X-Ward-Signature: sha256=<hex>`.
#[utoipa::path(
    post, path = "/api/v1/events", tag = "service", security(()),
    params(("X-Ward-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of the body>")),
    request_body(content = Object, description = "One event, an array, an SQS batch or JSON lines", content_type = "application/json"),
    responses(
        (status = 200, description = "Every item decided or quarantined", body = WebhookSummary),
        (status = 401, description = "Missing or wrong signature, or the webhook is off", body = ErrorBody),
        (status = 413, description = "Body larger than 4 MiB", content_type = "text/plain", body = String),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "Some item could not be handled now; retry (done actions are not repeated)", body = WebhookSummary),
    )
)]
#[allow(dead_code)]
async fn events_doc() {}

/// A module state, as `module_state` filters it (the fleet summary's classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModuleStateFilter {
    On,
    Off,
    Warning,
    Error,
    NotReported,
}

impl ModuleStateFilter {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "on" => Self::On,
            "off" => Self::Off,
            "warning" => Self::Warning,
            "error" => Self::Error,
            "not_reported" => Self::NotReported,
            _ => return None,
        })
    }

    /// The class of a module on a computer (as [`FleetSummary::of`] counts it).
    pub fn of(computer: &Computer, module: Module) -> Self {
        match computer.modules.get(&module) {
            None => Self::NotReported,
            Some(state) if state.status == AgentStatus::Error => Self::Error,
            Some(state) if state.status == AgentStatus::Warning => Self::Warning,
            Some(state) if state.is_on(module) => Self::On,
            Some(_) => Self::Off,
        }
    }
}

/// `GET /api/v1/computers`'s query.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComputersQuery {
    /// Only computers of this AWS account.
    pub account: Option<String>,
    /// Only computers in this AWS region.
    pub region: Option<String>,
    /// Only protected (`true`) or unprotected (`false`) computers.
    pub protected: Option<bool>,
    /// Only computers whose module is in `module_state` (`on` when absent).
    #[param(inline)]
    pub module: Option<Module>,
    /// With `module`: that module's state; alone: any module in that state.
    #[param(inline)]
    pub module_state: Option<ModuleStateFilter>,
    /// Only computers with an id greater than this (the previous page's `next_after`).
    pub after: Option<i64>,
    /// At most this many computers (default 100).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
}

impl ComputersQuery {
    fn read(mut params: Params) -> Result<Self, ApiError> {
        let query = Self {
            account: params.take("account")?,
            region: params.take("region")?,
            protected: params.parse("protected", "true or false")?,
            module: params
                .take("module")?
                .map(|text| {
                    text.parse::<Module>()
                        .map_err(|reason| ApiError::bad_parameter("module", reason))
                })
                .transpose()?,
            module_state: params
                .take("module_state")?
                .map(|text| {
                    ModuleStateFilter::parse(&text).ok_or_else(|| {
                        ApiError::bad_parameter(
                            "module_state",
                            format!("`{text}` is not one of on, off, warning, error, not_reported"),
                        )
                    })
                })
                .transpose()?,
            after: params.parse("after", "an integer (a computer id)")?,
            limit: Some(params.limit()?),
        };
        params.finish()?;
        Ok(query)
    }

    fn keeps(&self, computer: &Computer) -> bool {
        snapshot::matches(computer, self.account.as_deref(), self.region.as_deref())
            && self
                .protected
                .is_none_or(|protected| computer.protected() == protected)
            && match (self.module, self.module_state) {
                (None, None) => true,
                (Some(module), state) => {
                    ModuleStateFilter::of(computer, module)
                        == state.unwrap_or(ModuleStateFilter::On)
                }
                (None, Some(state)) => Module::ALL
                    .iter()
                    .any(|module| ModuleStateFilter::of(computer, *module) == state),
            }
    }
}

/// One page of computers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComputerPage {
    /// In id order.
    pub items: Vec<Computer>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next_after: Option<i64>,
    /// How many computers pass the filters (on every page).
    pub total: u64,
}

/// Computers from the inventory, filtered, in id order, a page at a time.
#[utoipa::path(
    get, path = "/api/v1/computers", tag = "inventory",
    params(ComputersQuery),
    responses(
        (status = 200, description = "One page of computers", body = ComputerPage),
        (status = 400, description = "A query parameter is wrong (the message names it)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    )
)]
async fn computers(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    params: Params,
) -> Result<Response, ApiError> {
    let query = ComputersQuery::read(params)?;
    let snapshot = snapshot(&state).await?;
    // The same request on the same snapshot gets the same bytes.
    let request = raw.unwrap_or_default();
    if let Some(body) = snapshot.answer(&request) {
        return Ok(json_bytes(body));
    }
    let limit = query.limit.unwrap_or(100) as usize;
    let filter = format!(
        "{:?}",
        (
            &query.account,
            &query.region,
            query.protected,
            query.module,
            query.module_state
        )
    );
    let selection = snapshot.selection(&filter, |computer| query.keeps(computer));
    let computer_at = |position: &u32| &snapshot.computers[*position as usize];
    let start = query.after.map_or(0, |after| {
        selection.partition_point(|position| computer_at(position).computer_id.0 <= after)
    });
    let end = selection.len().min(start.saturating_add(limit));
    let items: Vec<&Computer> = selection[start..end].iter().map(computer_at).collect();
    let next_after = (end < selection.len())
        .then(|| items.last().map(|computer| computer.computer_id.0))
        .flatten();
    let page = ComputerPageRef {
        items: &items,
        next_after,
        total: selection.len() as u64,
    };
    let body =
        axum::body::Bytes::from(serde_json::to_vec(&page).map_err(|error| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
        })?);
    snapshot.keep_answer(&request, &body);
    Ok(json_bytes(body))
}

/// [`ComputerPage`] as it is written, borrowing the snapshot's computers.
#[derive(Serialize)]
struct ComputerPageRef<'a> {
    items: &'a [&'a Computer],
    next_after: Option<i64>,
    total: u64,
}

fn json_bytes(body: axum::body::Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// One computer by id.
#[utoipa::path(
    get, path = "/api/v1/computers/{id}", tag = "inventory",
    params(("id" = i64, Path, description = "The manager's computer ID")),
    responses(
        (status = 200, description = "The computer", body = Computer),
        (status = 400, description = "The id is not an integer", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No computer with this id", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    )
)]
async fn computer(State(state): State<AppState>, PathText(id): PathText) -> Answer<Computer> {
    let computer_id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_parameter("id", format!("`{id}` is not an integer")))?;
    let snapshot = snapshot(&state).await?;
    snapshot
        .computer(ComputerId(computer_id))
        .cloned()
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(format!("no computer with id {computer_id}")))
}

/// `account` and `region` filters.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// Only computers of this AWS account.
    pub account: Option<String>,
    /// Only computers in this AWS region.
    pub region: Option<String>,
}

/// Fleet counts: OS types, agent status, EC2 state, instance types, accounts, regions, modules.
#[utoipa::path(
    get, path = "/api/v1/summary", tag = "inventory",
    params(ScopeQuery),
    responses(
        (status = 200, description = "Counts over the filtered computers", body = FleetSummary),
        (status = 400, description = "A query parameter is wrong (the message names it)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    )
)]
async fn summary(State(state): State<AppState>, mut params: Params) -> Response {
    let scope = (|| {
        let scope = ScopeQuery {
            account: params.take("account")?,
            region: params.take("region")?,
        };
        std::mem::take(&mut params).finish()?;
        Ok::<_, ApiError>(scope)
    })();
    let scope = match scope {
        Ok(scope) => scope,
        Err(error) => return error.into_response(),
    };
    match snapshot(&state).await {
        Ok(snapshot) => axum::Json(
            snapshot
                .summary_for(scope.account.as_deref(), scope.region.as_deref())
                .as_ref(),
        )
        .into_response(),
        Err(error) => error.into_response(),
    }
}

/// Agent coverage per account and region, and in total.
#[utoipa::path(
    get, path = "/api/v1/coverage", tag = "inventory",
    responses(
        (status = 200, description = "Protected and unprotected computers", body = snapshot::Coverage),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    )
)]
async fn coverage(State(state): State<AppState>) -> Response {
    match snapshot(&state).await {
        Ok(snapshot) => axum::Json(snapshot.coverage()).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `limit` alone.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// At most this many, the newest first (default 100).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
}

fn limit_only(mut params: Params) -> Result<u32, ApiError> {
    let limit = params.limit()?;
    params.finish()?;
    Ok(limit)
}

/// Decisions, the newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionList {
    pub items: Vec<DecisionRecord>,
}

/// What ward decided about each event, with its reason, the newest first.
#[utoipa::path(
    get, path = "/api/v1/decisions", tag = "records",
    params(LimitQuery),
    responses(
        (status = 200, description = "Decisions, the newest first", body = DecisionList),
        (status = 400, description = "A query parameter is wrong (the message names it)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    )
)]
async fn decisions(State(state): State<AppState>, params: Params) -> Answer<DecisionList> {
    let limit = limit_only(params)?;
    let items = state
        .store
        .decisions(limit)
        .await
        .map_err(|error| ApiError::store(&error))?;
    Ok(axum::Json(DecisionList { items }))
}

/// `GET /api/v1/actions`'s query.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionsQuery {
    /// Only actions in this status.
    #[param(inline)]
    pub status: Option<ActionStatus>,
    /// At most this many, the newest first (default 100).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
}

/// Actions, the newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionList {
    pub items: Vec<ActionRecord>,
}

/// How many ledger rows a status filter looks through, at most.
const ACTIONS_SCANNED: u32 = 10_000;

/// The action ledger: what ward did (or tried), with the answer, the newest first.
#[utoipa::path(
    get, path = "/api/v1/actions", tag = "records",
    params(ActionsQuery),
    responses(
        (status = 200, description = "Actions, the newest first", body = ActionList),
        (status = 400, description = "A query parameter is wrong (the message names it)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    )
)]
async fn actions(State(state): State<AppState>, mut params: Params) -> Answer<ActionList> {
    let status = params
        .take("status")?
        .map(|text| {
            ActionStatus::parse(&text).ok_or_else(|| {
                ApiError::bad_parameter(
                    "status",
                    format!("`{text}` is not one of requested, done, failed, coalesced, planned"),
                )
            })
        })
        .transpose()?;
    let limit = limit_only(params)?;
    let items = match status {
        None => state.store.actions(limit).await,
        Some(status) => state.store.actions(ACTIONS_SCANNED).await.map(|all| {
            all.into_iter()
                .filter(|action| action.status == status)
                .take(limit as usize)
                .collect()
        }),
    }
    .map_err(|error| ApiError::store(&error))?;
    Ok(axum::Json(ActionList { items }))
}

/// Quarantined inputs, the newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineList {
    pub items: Vec<QuarantineRecord>,
}

/// Inputs ward could not use, with the reason, the newest first.
#[utoipa::path(
    get, path = "/api/v1/quarantine", tag = "records",
    params(LimitQuery),
    responses(
        (status = 200, description = "Quarantined inputs, the newest first", body = QuarantineList),
        (status = 400, description = "A query parameter is wrong (the message names it)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    )
)]
async fn quarantine(State(state): State<AppState>, params: Params) -> Answer<QuarantineList> {
    let limit = limit_only(params)?;
    let items = state
        .store
        .quarantined(limit)
        .await
        .map_err(|error| ApiError::store(&error))?;
    Ok(axum::Json(QuarantineList { items }))
}

/// A configured flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FlowInfo {
    pub name: String,
    pub description: Option<String>,
    /// The source object (`computers`, `policies`, …, `file`).
    pub source: String,
    /// `on_demand`, `scheduled` or `incremental`.
    pub trigger: String,
    /// The `cron(…)` or `rate(…)` expression of a scheduled or incremental flow.
    pub schedule: Option<String>,
    /// A local directory or `s3://bucket/prefix`.
    pub destination: String,
    /// `jsonl`, `csv` or `parquet`.
    pub format: String,
}

impl FlowInfo {
    /// How the API shows a configured flow.
    pub fn of(flow: &ward_flow::FlowDefinition) -> Self {
        let trigger = &flow.trigger;
        Self {
            name: flow.name.clone(),
            description: flow.description.clone(),
            source: flow.source.name().to_owned(),
            trigger: match trigger {
                ward_flow::Trigger::OnDemand => "on_demand",
                _ if trigger.is_incremental() => "incremental",
                _ => "scheduled",
            }
            .to_owned(),
            schedule: trigger.schedule().map(ToString::to_string),
            destination: flow.destination.path.clone(),
            format: flow.destination.format.as_str().to_owned(),
        }
    }
}

/// The configured flows.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowList {
    pub items: Vec<FlowInfo>,
}

/// The flows configured in `[[flows]]`.
#[utoipa::path(
    get, path = "/api/v1/flows", tag = "flows",
    responses(
        (status = 200, description = "The configured flows", body = FlowList),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
async fn flows(State(state): State<AppState>) -> axum::Json<FlowList> {
    axum::Json(FlowList {
        items: state.flows.to_vec(),
    })
}

/// A flow's runs, the newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowRunList {
    pub items: Vec<FlowRun>,
}

fn known_flow(state: &AppState, name: &str) -> Result<(), ApiError> {
    if state.flows.iter().any(|flow| flow.name == name) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no flow named `{name}`")))
    }
}

/// A flow's runs (execution records), the newest first.
#[utoipa::path(
    get, path = "/api/v1/flows/{name}/runs", tag = "flows",
    params(("name" = String, Path, description = "The flow's name"), LimitQuery),
    responses(
        (status = 200, description = "The flow's runs, the newest first", body = FlowRunList),
        (status = 400, description = "A query parameter is wrong (the message names it)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No flow with this name is configured", body = ErrorBody),
        (status = 503, description = "The store is unavailable", body = ErrorBody),
    )
)]
async fn flow_runs(
    State(state): State<AppState>,
    PathText(name): PathText,
    params: Params,
) -> Answer<FlowRunList> {
    let limit = limit_only(params)?;
    known_flow(&state, &name)?;
    let items = state
        .store
        .flow_runs(&name, limit)
        .await
        .map_err(|error| ApiError::store(&error))?;
    Ok(axum::Json(FlowRunList { items }))
}

/// Runs a flow now and answers when it ended (operator token only).
#[utoipa::path(
    post, path = "/api/v1/flows/{name}/runs", tag = "flows",
    params(("name" = String, Path, description = "The flow's name")),
    responses(
        (status = 200, description = "The run succeeded; its execution record", body = FlowRun),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The viewer token may not start runs", body = ErrorBody),
        (status = 404, description = "No flow with this name is configured", body = ErrorBody),
        (status = 500, description = "The run failed (the message names the cause; the run is in the flow's history)", body = ErrorBody),
        (status = 503, description = "This server cannot start flow runs", body = ErrorBody),
    )
)]
async fn start_flow_run(
    State(state): State<AppState>,
    PathText(name): PathText,
) -> Answer<FlowRun> {
    known_flow(&state, &name)?;
    let Some(trigger) = &state.trigger else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this server cannot start flow runs",
        ));
    };
    match trigger.run(&name).await {
        Ok(run) => Ok(axum::Json(run)),
        Err(TriggerError::UnknownFlow) => {
            Err(ApiError::not_found(format!("no flow named `{name}`")))
        }
        Err(TriggerError::Failed(message)) => {
            tracing::warn!(
                flow = name,
                error = message,
                "flow run started over the API failed"
            );
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("flow `{name}` failed: {message}"),
            ))
        }
    }
}
