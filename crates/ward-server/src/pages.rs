//! The dashboard's HTML routes: `/` (overview), `/findings`, `/unprotected`, `/flows` and
//! `/assets/ward.css`, rendered by `ward-dashboard` from the inventory snapshot and the store.
//!
//! A rendered page is kept for [`PAGE_TTL`] per path and filter (and per snapshot), so a busy
//! dashboard costs one render per page per interval, not one per request.

use crate::AppState;
use crate::snapshot::Snapshot;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ward_dashboard::{Context, Filters};

/// How long a rendered page is served again (relative times on it move by at most this much).
pub const PAGE_TTL: Duration = Duration::from_secs(2);

/// Pages kept at most (paths × filters).
const MAX_PAGES: usize = 1024;

/// Computers listed on the unprotected page, at most.
const UNPROTECTED_LISTED: usize = 500;

/// Decisions and actions shown on the findings page.
const FINDINGS_LISTED: u32 = 200;

/// Runs shown per flow.
const RUNS_PER_FLOW: u32 = 20;

/// The dashboard's pages, for [`crate::app`].
pub fn routes() -> Router<AppState> {
    let cache = Arc::new(PageCache::default());
    let page = |kind: Page| {
        let cache = Arc::clone(&cache);
        get(move |state: State<AppState>, query: RawQuery| {
            let cache = Arc::clone(&cache);
            async move { serve(kind, state.0, query.0, &cache).await }
        })
    };
    Router::new()
        .route("/", page(Page::Overview))
        .route("/findings", page(Page::Findings))
        .route("/unprotected", page(Page::Unprotected))
        .route("/flows", page(Page::Flows))
        .route("/assets/ward.css", get(stylesheet))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Page {
    Overview,
    Findings,
    Unprotected,
    Flows,
}

/// Rendered pages by (page, account, region), each with the snapshot it was drawn from.
#[derive(Debug, Default)]
struct PageCache {
    pages: Mutex<HashMap<CacheKey, Cached>>,
}

type CacheKey = (Page, Option<String>, Option<String>);

#[derive(Debug, Clone)]
struct Cached {
    snapshot: Arc<Snapshot>,
    at: Instant,
    html: axum::body::Bytes,
}

impl PageCache {
    fn get(&self, key: &CacheKey, snapshot: &Arc<Snapshot>) -> Option<axum::body::Bytes> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        let cached = pages.get(key)?;
        (Arc::ptr_eq(&cached.snapshot, snapshot) && cached.at.elapsed() < PAGE_TTL)
            .then(|| cached.html.clone())
    }

    fn put(&self, key: CacheKey, snapshot: &Arc<Snapshot>, html: axum::body::Bytes) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= MAX_PAGES {
            pages.retain(|_, cached| cached.at.elapsed() < PAGE_TTL);
        }
        if pages.len() < MAX_PAGES {
            let cached = Cached {
                snapshot: Arc::clone(snapshot),
                at: Instant::now(),
                html,
            };
            pages.insert(key, cached);
        }
    }
}

/// `account` and `region` from the query; empty values mean "all".
fn filter_of(query: Option<&str>) -> (Option<String>, Option<String>) {
    let (mut account, mut region) = (None, None);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let value = (!value.trim().is_empty()).then(|| value.trim().to_owned());
        match key.as_ref() {
            "account" => account = value,
            "region" => region = value,
            _ => {}
        }
    }
    (account, region)
}

async fn serve(kind: Page, state: AppState, query: Option<String>, cache: &PageCache) -> Response {
    let snapshot = match state.inventory.snapshot().await {
        Ok(snapshot) => snapshot,
        Err(error) => return unavailable(&error.to_string()),
    };
    let (account, region) = filter_of(query.as_deref());
    // Only filters naming a known account or region are cached (anything else is one render).
    let known = account
        .as_ref()
        .is_none_or(|a| snapshot.accounts.contains(a))
        && region.as_ref().is_none_or(|r| snapshot.regions.contains(r));
    let key = (kind, account, region);
    if known && let Some(html) = cache.get(&key, &snapshot) {
        return html_response(html);
    }
    let filters = Filters {
        account: key.1.clone(),
        region: key.2.clone(),
        accounts: snapshot.accounts.clone(),
        regions: snapshot.regions.clone(),
    };
    let cx = Context {
        filters: &filters,
        synced_at: snapshot.sync.as_ref().map(|sync| sync.finished_at),
        generated_at: state.clock.now_ms(),
    };
    let rendered = match render(kind, &cx, &snapshot, &state).await {
        Ok(html) => axum::body::Bytes::from(html),
        Err(error) => return unavailable(&error.to_string()),
    };
    if known {
        cache.put(key, &snapshot, rendered.clone());
    }
    html_response(rendered)
}

async fn render(
    kind: Page,
    cx: &Context<'_>,
    snapshot: &Snapshot,
    state: &AppState,
) -> Result<String, ward_core::StoreError> {
    let (account, region) = (cx.filters.account.as_deref(), cx.filters.region.as_deref());
    Ok(match kind {
        Page::Overview => ward_dashboard::overview(cx, &snapshot.summary_for(account, region)),
        Page::Unprotected => {
            let (mut total, mut unprotected) = (0, Vec::new());
            let mut unprotected_count = 0;
            for computer in snapshot.filtered(account, region) {
                total += 1;
                if !computer.protected() {
                    unprotected_count += 1;
                    if unprotected.len() < UNPROTECTED_LISTED {
                        unprotected.push(computer.clone());
                    }
                }
            }
            ward_dashboard::unprotected(cx, &unprotected, unprotected_count, total)
        }
        Page::Findings => {
            let mut decisions = state.store.decisions(FINDINGS_LISTED).await?;
            let mut actions = state.store.actions(FINDINGS_LISTED).await?;
            if account.is_some() || region.is_some() {
                // A decision belongs to an account (and, through its computer, a region); an
                // action belongs to the decisions of its finding.
                decisions.retain(|decision| {
                    let computer = decision.computer_id.and_then(|id| snapshot.computer(id));
                    account.is_none_or(|a| decision.account_id.as_deref() == Some(a))
                        && region
                            .is_none_or(|r| computer.and_then(|c| c.region.as_deref()) == Some(r))
                });
                actions.retain(|action| decisions.iter().any(|d| d.event_id == action.finding));
            }
            ward_dashboard::findings(cx, &decisions, &actions)
        }
        Page::Flows => {
            let flows: Vec<ward_dashboard::FlowInfo> = state
                .flows
                .iter()
                .map(|flow| ward_dashboard::FlowInfo {
                    name: flow.name.clone(),
                    source: flow.source.clone(),
                    trigger: match &flow.schedule {
                        Some(schedule) => format!("{} {schedule}", flow.trigger),
                        None => flow.trigger.replace('_', " "),
                    },
                    destination: format!("{} ({})", flow.destination, flow.format),
                })
                .collect();
            let mut runs = Vec::new();
            for flow in state.flows.iter() {
                runs.extend(state.store.flow_runs(&flow.name, RUNS_PER_FLOW).await?);
            }
            runs.sort_by_key(|run| std::cmp::Reverse(run.started_at));
            ward_dashboard::flows(cx, &flows, &runs)
        }
    })
}

fn html_response(html: axum::body::Bytes) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        html,
    )
        .into_response()
}

fn unavailable(cause: &str) -> Response {
    tracing::warn!(cause, "a dashboard page could not be drawn");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        "the store cannot be read right now; retry shortly",
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        ward_dashboard::STYLESHEET,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_filters_mean_all_and_other_keys_are_ignored() {
        assert_eq!(filter_of(None), (None, None));
        assert_eq!(filter_of(Some("account=&region=%20")), (None, None));
        assert_eq!(
            filter_of(Some("account=111122223333&region=eu-west-1&x=1")),
            (Some("111122223333".into()), Some("eu-west-1".into()))
        );
    }
}
