//! `ward run`: the service. Serves the signed event webhook (and health) and refreshes the
//! inventory on a schedule, until Ctrl-C. With `[[sources]]`, it also drains SQS queues (see
//! `crate::intake`); with `[waf] sweep_every_secs`, it sweeps the WebACLs on that schedule (see
//! `crate::commands::waf`); `[[flows]]` with a `cron(…)`/`rate(…)` trigger run at their times (see
//! `crate::commands::flow`). The JSON API (`/api/v1`, OpenAPI at `/api/v1/openapi.json`),
//! `/metrics` and `/healthz` are served on the same address, behind `server.token` /
//! `server.viewer_token` when configured; the API's inventory snapshot is refreshed after each
//! sync. The same server serves the dashboard's pages (`/`, `/findings`, `/unprotected`, `/flows`).

use crate::cli::RunArgs;
use crate::commands::{connect_manager, open_store};
use crate::config::Config;
use crate::output;
use crate::respond;
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;
use ward_core::{ManagerApi, Store};

pub async fn run(config: &Config, args: &RunArgs) -> anyhow::Result<()> {
    let listen = args.listen.unwrap_or(config.server.listen);
    super::serve::check_listen(config, listen)?;
    let auth = super::serve::auth(config).await?;
    let client = connect_manager(config).await?;
    let store = open_store(&config.store_url).await?;
    let manager: Arc<dyn ManagerApi> = client.clone();
    let engine = respond::engine(config, Arc::clone(&manager), Arc::clone(&store)).await?;
    let webhook_secret =
        match &config.server.webhook_secret {
            None => None,
            Some(source) => Some(crate::aws::load_secret(source, config).await.map_err(
                |reason| anyhow::anyhow!("cannot read server.webhook_secret: {reason}"),
            )?),
        };
    if webhook_secret.is_none() {
        tracing::warn!("server.webhook_secret is not set: the event webhook refuses every event");
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let engine = Arc::new(engine);
    let mut queues = Vec::new();
    if !config.sources.is_empty() {
        let sdk = crate::aws::sdk_config(config)
            .await
            .context("[[sources]] need an [aws] section")?;
        for source in &config.sources {
            let queue = ward_aws::SqsQueue::new(&sdk, &source.queue_url);
            queues.push(tokio::spawn(crate::intake::drain(
                queue,
                Arc::clone(&engine),
                source.visibility_secs,
            )));
        }
    }
    let mut state = ward_server::AppState::new(engine, Arc::clone(&store));
    state.webhook_secret = webhook_secret;
    state.auth = auth;
    state.flows = super::serve::flow_infos(&config.flows);
    state.trigger = Some(Arc::new(super::serve::FlowRunner {
        config: config.clone(),
        flows: config.flows.clone(),
        store: Arc::clone(&store),
    }));
    let inventory = Arc::clone(&state.inventory);
    let app = ward_server::router(state);
    let mut out = output::stdout();
    output::line(
        &mut out,
        &format!(
            "ward run listening on http://{address} (API: /api/v1, OpenAPI: /api/v1/openapi.json; events: POST /api/v1/events; {} SQS queue{})",
            config.sources.len(),
            if config.sources.len() == 1 { "" } else { "s" }
        ),
    )?;
    drop(out);
    let waf_sweep = tokio::spawn(crate::commands::waf::scheduled(
        config.clone(),
        Arc::clone(&manager),
        Arc::clone(&store),
    ));
    let flows = tokio::spawn(crate::commands::flow::scheduled(
        config.clone(),
        Arc::clone(&store),
    ));
    let refresh = tokio::spawn(refresh_inventory(
        client,
        store,
        inventory,
        Duration::from_secs(args.sync_every_secs),
    ));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("interrupted; finishing requests in flight");
        })
        .await;
    refresh.abort();
    waf_sweep.abort();
    flows.abort();
    for queue in queues {
        queue.abort();
    }
    served.context("the server stopped")
}

/// Runs `job` now, then every `every` (never when zero), until the task is dropped. A run that
/// takes longer than `every` delays the next one; runs never overlap.
pub async fn every<F, Fut>(every: Duration, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if every.is_zero() {
        return;
    }
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        job().await;
    }
}

/// Syncs now, then every `period` (never when zero). A failed sync is logged and retried at the
/// next tick: the last good inventory stays in use.
async fn refresh_inventory(
    client: Arc<ward_manager::ManagerClient>,
    store: Arc<dyn Store>,
    inventory: Arc<ward_server::Inventory>,
    period: Duration,
) {
    every(period, || async {
        let calls = {
            let client = Arc::clone(&client);
            move || client.calls()
        };
        let manager: Arc<dyn ManagerApi> = client.clone();
        match crate::sync::run(
            manager,
            Arc::clone(&store),
            &calls,
            crate::sync::Progress::Log,
        )
        .await
        {
            Ok(stats) => {
                tracing::info!(
                    computers = stats.computers,
                    policies = stats.policies,
                    ips_rules = stats.ips_rules,
                    "inventory refreshed"
                );
                if let Err(error) = inventory.refresh().await {
                    tracing::warn!(%error, "cannot reload the API's inventory snapshot");
                }
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "inventory refresh failed"),
        }
    })
    .await;
}
