//! The JSON API through the router (no server): answers match the inventory, filters, paging,
//! strict parameters, the auth matrix, metrics and the OpenAPI document.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tower::ServiceExt;
use ward_core::inventory::ModuleState;
use ward_core::ports::{FlowRun, FlowRunStatus, SyncStats};
use ward_core::{AgentStatus, Computer, ComputerId, FleetSummary, Module, Secret, Store};
use ward_server::api::FlowInfo;
use ward_server::{AppState, Auth, FlowTrigger, TriggerError, router};

const OPERATOR: &str = "operator-token-1";
const VIEWER: &str = "viewer-token-2";

/// A fleet with two accounts, two regions, protected and unprotected computers, IPS on or off.
fn fleet(size: i64) -> Vec<Computer> {
    (1..=size)
        .map(|id| {
            let protected = id % 3 != 0;
            let mut modules = BTreeMap::new();
            if protected {
                modules.insert(
                    Module::IntrusionPrevention,
                    ModuleState {
                        state: if id % 2 == 0 { "prevent" } else { "detect" }.into(),
                        status: AgentStatus::Active,
                        message: None,
                    },
                );
            }
            Computer {
                computer_id: ComputerId(id * 10),
                host_name: format!("host-{id}"),
                display_name: None,
                platform: Some("Amazon Linux 2".into()),
                agent_version: Some(if protected { "20.0.1" } else { "0.0.0.0" }.into()),
                agent_status: if protected {
                    AgentStatus::Active
                } else {
                    AgentStatus::Inactive
                },
                agent_status_messages: vec![],
                policy_id: None,
                last_agent_communication: None,
                instance_id: Some(format!("i-{id:017x}")),
                account_id: Some(
                    if id % 2 == 0 {
                        "111111111111"
                    } else {
                        "222222222222"
                    }
                    .into(),
                ),
                availability_zone: None,
                region: Some(
                    if id <= size / 2 {
                        "us-east-1"
                    } else {
                        "eu-west-1"
                    }
                    .into(),
                ),
                instance_type: Some("t3.micro".into()),
                ec2_state: Some("running".into()),
                modules,
                ips_rule_ids: vec![],
            }
        })
        .collect()
}

async fn sync(store: &Arc<dyn Store>, computers: &[Computer]) {
    let generation = store.begin_sync().await.unwrap();
    store.put_computers(generation, computers).await.unwrap();
    let stats = SyncStats {
        computers: computers.len() as u64,
        started_at: generation,
        finished_at: generation + 1,
        ..SyncStats::default()
    };
    store.finish_sync(generation, &stats).await.unwrap();
}

#[derive(Debug)]
struct FakeTrigger;

#[async_trait::async_trait]
impl FlowTrigger for FakeTrigger {
    async fn run(&self, name: &str) -> Result<FlowRun, TriggerError> {
        match name {
            "nightly" => {
                let mut run = FlowRun::started("exec-1", name, 1);
                run.status = FlowRunStatus::Successful;
                run.finished_at = Some(2);
                Ok(run)
            }
            _ => Err(TriggerError::UnknownFlow),
        }
    }
}

struct Api {
    app: axum::Router,
    store: Arc<dyn Store>,
    state: AppState,
}

async fn api(size: i64, auth: Auth) -> Api {
    let store = ward_store::open("sqlite::memory:").await.unwrap();
    sync(&store, &fleet(size)).await;
    let manager = ward_manager::connect(ward_manager::ClientConfig::new(
        url::Url::parse("http://127.0.0.1:9/api").unwrap(),
        Secret::new("unused"),
    ))
    .unwrap();
    let engine = ward_respond::Engine::new(
        ward_respond::Ports {
            manager: Arc::new(manager),
            store: Arc::clone(&store),
            notifier: Arc::new(ward_notify::LogNotifier),
            evaluations: Arc::new(ward_notify::JsonLinesEvaluations::new(
                std::env::temp_dir().join("ward-server-api-test.jsonl"),
            )),
            clock: Arc::new(crate::TestClock),
            cloud: None,
        },
        ward_respond::Settings::default(),
    );
    let mut state = AppState::new(Arc::new(engine), Arc::clone(&store));
    state.auth = auth;
    state.flows = Arc::from(vec![FlowInfo {
        name: "nightly".into(),
        description: None,
        source: "computers".into(),
        trigger: "scheduled".into(),
        schedule: Some("rate(1 days)".into()),
        destination: "/tmp/lake".into(),
        format: "parquet".into(),
    }]);
    state.trigger = Some(Arc::new(FakeTrigger));
    Api {
        app: router(state.clone()),
        store,
        state,
    }
}

fn tokens() -> Auth {
    Auth {
        operator: Some(Secret::new(OPERATOR)),
        viewer: Some(Secret::new(VIEWER)),
    }
}

async fn call(
    app: &axum::Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, body)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let (status, _, body) = call(app, Method::GET, uri, &[]).await;
    (status, body)
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|computer| computer["computer_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn answers_match_the_inventory() {
    let api = api(30, Auth::open()).await;
    let computers = fleet(30);
    let (status, page) = get(&api.app, "/api/v1/computers?limit=1000").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 30);
    assert_eq!(page["next_after"], Value::Null);
    assert_eq!(
        serde_json::from_value::<Vec<Computer>>(page["items"].clone()).unwrap(),
        computers
    );

    let (status, one) = get(&api.app, "/api/v1/computers/70").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<Computer>(one).unwrap(),
        computers[6]
    );
    let (status, missing) = get(&api.app, "/api/v1/computers/71").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing["message"].as_str().unwrap().contains("71"));

    let (_, summary) = get(&api.app, "/api/v1/summary").await;
    assert_eq!(
        summary,
        serde_json::to_value(FleetSummary::of(&computers)).unwrap()
    );
    let (_, summary) = get(
        &api.app,
        "/api/v1/summary?account=111111111111&region=us-east-1",
    )
    .await;
    let expected: Vec<&Computer> = computers
        .iter()
        .filter(|c| {
            c.account_id.as_deref() == Some("111111111111")
                && c.region.as_deref() == Some("us-east-1")
        })
        .collect();
    assert_eq!(
        summary,
        serde_json::to_value(FleetSummary::of(expected)).unwrap()
    );

    let (_, coverage) = get(&api.app, "/api/v1/coverage").await;
    assert_eq!(coverage["total"]["computers"], 30);
    assert_eq!(coverage["total"]["protected"], 20);
    assert_eq!(coverage["total"]["unprotected"], 10);
    assert_eq!(coverage["total"]["percentage"], 66.7);
    assert_eq!(coverage["rows"].as_array().unwrap().len(), 4);
    let rows_total: u64 = coverage["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["computers"].as_u64().unwrap())
        .sum();
    assert_eq!(rows_total, 30);

    let (status, flows) = get(&api.app, "/api/v1/flows").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(flows["items"][0]["name"], "nightly");
    for uri in [
        "/api/v1/decisions",
        "/api/v1/actions?status=done&limit=5",
        "/api/v1/quarantine?limit=3",
        "/api/v1/flows/nightly/runs",
    ] {
        let (status, body) = get(&api.app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert!(body["items"].is_array(), "{uri}: {body}");
    }
    let (status, _) = get(&api.app, "/api/v1/flows/unknown/runs").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn filters_select_and_pages_walk_the_whole_set() {
    let api = api(40, Auth::open()).await;
    let computers = fleet(40);
    let expect = |keep: &dyn Fn(&Computer) -> bool| -> Vec<i64> {
        computers
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.computer_id.0)
            .collect()
    };
    let cases: Vec<(&str, Vec<i64>)> = vec![
        (
            "account=111111111111",
            expect(&|c| c.account_id.as_deref() == Some("111111111111")),
        ),
        (
            "region=eu-west-1",
            expect(&|c| c.region.as_deref() == Some("eu-west-1")),
        ),
        ("protected=false", expect(&|c| !c.protected())),
        ("protected=true", expect(&|c| c.protected())),
        (
            "module=intrusion_prevention",
            expect(&|c| {
                c.modules
                    .get(&Module::IntrusionPrevention)
                    .is_some_and(|s| s.state == "prevent")
            }),
        ),
        (
            "module=intrusion_prevention&module_state=off",
            expect(&|c| {
                c.modules
                    .get(&Module::IntrusionPrevention)
                    .is_some_and(|s| s.state == "detect")
            }),
        ),
        (
            "module=intrusionPrevention&module_state=not_reported",
            expect(&|c| !c.modules.contains_key(&Module::IntrusionPrevention)),
        ),
        ("module=firewall&module_state=on", vec![]),
        ("account=999999999999", vec![]),
    ];
    for (query, expected) in cases {
        let (status, page) = get(&api.app, &format!("/api/v1/computers?{query}&limit=1000")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        assert_eq!(ids(&page), expected, "{query}");
        assert_eq!(page["total"], expected.len(), "{query}");
    }

    // Paging: 7 at a time through the protected computers.
    let expected = expect(&|c| c.protected());
    let mut seen = Vec::new();
    let mut uri = "/api/v1/computers?protected=true&limit=7".to_owned();
    loop {
        let (status, page) = get(&api.app, &uri).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], expected.len());
        assert!(page["items"].as_array().unwrap().len() <= 7);
        seen.extend(ids(&page));
        match page["next_after"].as_i64() {
            Some(after) => uri = format!("/api/v1/computers?protected=true&limit=7&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    let (_, page) = get(&api.app, "/api/v1/computers").await;
    assert_eq!(ids(&page).len(), 40);
}

#[tokio::test]
async fn bad_parameters_are_400_json_naming_the_parameter() {
    let api = api(5, Auth::open()).await;
    for (uri, name) in [
        ("/api/v1/computers?limit=0", "limit"),
        ("/api/v1/computers?limit=1001", "limit"),
        ("/api/v1/computers?limit=ten", "limit"),
        ("/api/v1/computers?limit=-1", "limit"),
        ("/api/v1/computers?protected=maybe", "protected"),
        ("/api/v1/computers?module=antivirus", "module"),
        ("/api/v1/computers?module_state=sleepy", "module_state"),
        ("/api/v1/computers?after=x", "after"),
        ("/api/v1/computers?colour=red", "colour"),
        ("/api/v1/computers?limit=1&limit=2", "limit"),
        ("/api/v1/computers/abc", "id"),
        ("/api/v1/computers/99999999999999999999", "id"),
        ("/api/v1/summary?acount=1", "acount"),
        ("/api/v1/decisions?limit=0", "limit"),
        ("/api/v1/actions?status=maybe", "status"),
        ("/api/v1/quarantine?limit=x", "limit"),
        ("/api/v1/flows/nightly/runs?limit=2000", "limit"),
    ] {
        let (status, headers, body) = call(&api.app, Method::GET, uri, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{uri}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{name}:")), "{uri}: {message}");
    }
    let (status, headers, body) = call(&api.app, Method::GET, "/api/v1/nothing/here", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn auth_matrix() {
    // No token (loopback): open, triggers included.
    let open = api(3, Auth::open()).await;
    assert_eq!(get(&open.app, "/api/v1/summary").await.0, StatusCode::OK);
    let (status, _, run) = call(&open.app, Method::POST, "/api/v1/flows/nightly/runs", &[]).await;
    assert_eq!(status, StatusCode::OK, "{run}");

    let api = api(3, tokens()).await;
    let bearer = |token: &str| format!("Bearer {token}");
    let (status, headers, body) = call(&api.app, Method::GET, "/api/v1/summary", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert!(body["message"].is_string());
    for wrong in ["Bearer nope", "Bearer ", "Basic b3BlcmF0b3I=", OPERATOR] {
        let (status, _, _) = call(
            &api.app,
            Method::GET,
            "/api/v1/computers",
            &[("authorization", wrong)],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");
    }
    for uri in ["/metrics", "/api/v1/openapi.json"] {
        assert_eq!(
            get(&api.app, uri).await.0,
            StatusCode::UNAUTHORIZED,
            "{uri}"
        );
    }
    // Health and the webhook stay reachable (the webhook has its own HMAC check).
    assert_eq!(get(&api.app, "/healthz").await.0, StatusCode::OK);
    let (status, _, body) = call(&api.app, Method::POST, "/api/v1/events", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["message"].as_str().unwrap().contains("webhook_secret"));

    let viewer = bearer(VIEWER);
    let operator = bearer(OPERATOR);
    let as_viewer = [("authorization", viewer.as_str())];
    let as_operator = [("authorization", operator.as_str())];
    assert_eq!(
        call(&api.app, Method::GET, "/api/v1/computers", &as_viewer)
            .await
            .0,
        StatusCode::OK
    );
    let (status, _, body) = call(
        &api.app,
        Method::POST,
        "/api/v1/flows/nightly/runs",
        &as_viewer,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().contains("server.token"));
    let (status, _, run) = call(
        &api.app,
        Method::POST,
        "/api/v1/flows/nightly/runs",
        &as_operator,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "Successful");
    let (status, _, _) = call(
        &api.app,
        Method::POST,
        "/api/v1/flows/other/runs",
        &as_operator,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The cookie works as the header does; /login sets it.
    let cookie = format!("ward_token={VIEWER}");
    assert_eq!(
        call(
            &api.app,
            Method::GET,
            "/api/v1/coverage",
            &[("cookie", cookie.as_str())]
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, _, form) = call(&api.app, Method::GET, "/login", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let page = scraper::Html::parse_document(form.as_str().unwrap());
    let field = scraper::Selector::parse("form[action=\"/login\"] input[name=\"token\"]").unwrap();
    assert_eq!(
        page.select(&field).count(),
        1,
        "the sign-in form asks for the token"
    );
    let login = |body: String| {
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let response = api
        .app
        .clone()
        .oneshot(login(format!("token={OPERATOR}")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.starts_with(&format!("ward_token={OPERATOR};")));
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let response = api
        .app
        .clone()
        .oneshot(login("token=wrong".into()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(!response.headers().contains_key(header::SET_COOKIE));
    // A page (not the API) without a token goes to the login form.
    let pages = axum::Router::new().route("/page", axum::routing::get(|| async { "page" }));
    let with_pages = ward_server::app(api.state.clone(), pages);
    let (status, headers, _) = call(&with_pages, Method::GET, "/page", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");
    let (status, _, page) = call(
        &with_pages,
        Method::GET,
        "/page",
        &[("cookie", cookie.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page, "page");
}

#[tokio::test]
async fn triggers_answer_503_when_this_server_cannot_run_flows() {
    let api = api(1, Auth::open()).await;
    let mut state = api.state.clone();
    state.trigger = None;
    let app = router(state);
    let (status, _, body) = call(&app, Method::POST, "/api/v1/flows/nightly/runs", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
}

#[tokio::test]
async fn metrics_count_requests_events_and_the_inventory() {
    let api = api(9, tokens()).await;
    let operator = format!("Bearer {OPERATOR}");
    let auth = [("authorization", operator.as_str())];
    call(&api.app, Method::GET, "/api/v1/summary", &auth).await;
    call(&api.app, Method::GET, "/api/v1/computers/5", &auth).await;
    let (status, headers, text) = call(&api.app, Method::GET, "/metrics", &auth).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = text.as_str().unwrap();
    for expected in [
        "ward_http_requests_total{route=\"/api/v1/summary\",status=\"200\"}",
        "ward_http_requests_total{route=\"/api/v1/computers/{id}\",status=\"404\"}",
        "ward_events_total{source=\"webhook\"}",
        "ward_inventory_computers ",
        "ward_inventory_protected ",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
}

#[tokio::test]
async fn the_snapshot_follows_the_store_after_a_sync() {
    let api = api(4, Auth::open()).await;
    assert_eq!(get(&api.app, "/api/v1/computers").await.1["total"], 4);
    sync(&api.store, &fleet(6)).await;
    // Within the check period the old snapshot still answers; refresh() reloads at once.
    api.state.inventory.refresh().await.unwrap();
    assert_eq!(get(&api.app, "/api/v1/computers").await.1["total"], 6);
    sync(&api.store, &fleet(8)).await;
    // Without refresh(): the background check sees the new sync within a few seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let total = get(&api.app, "/api/v1/computers").await.1["total"].clone();
        if total == 8 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {total}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(get(&api.app, "/api/v1/summary").await.1["computers"], 8);
}

#[tokio::test]
async fn the_openapi_document_is_valid_and_lists_every_route() {
    let api = api(1, Auth::open()).await;
    let (status, document) = get(&api.app, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for (path, method) in [
        ("/healthz", "get"),
        ("/metrics", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/events", "post"),
        ("/api/v1/computers", "get"),
        ("/api/v1/computers/{id}", "get"),
        ("/api/v1/summary", "get"),
        ("/api/v1/coverage", "get"),
        ("/api/v1/decisions", "get"),
        ("/api/v1/actions", "get"),
        ("/api/v1/quarantine", "get"),
        ("/api/v1/flows", "get"),
        ("/api/v1/flows/{name}/runs", "get"),
        ("/api/v1/flows/{name}/runs", "post"),
    ] {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path} missing");
        let protected = !matches!(path, "/healthz" | "/api/v1/events");
        if protected {
            assert!(
                operation["responses"]["401"].is_object(),
                "{method} {path} documents no 401"
            );
        }
    }
    assert!(paths["/api/v1/flows/{name}/runs"]["post"]["responses"]["403"].is_object());
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // The full validator, when the test venv is there (scripts/test sets WARD_PYTHON).
    let Ok(python) = std::env::var("WARD_PYTHON") else {
        return;
    };
    let file = std::env::temp_dir().join(format!("ward-openapi-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&document).unwrap()).unwrap();
    let output = std::process::Command::new(python)
        .args([
            "-c",
            "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\n",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
