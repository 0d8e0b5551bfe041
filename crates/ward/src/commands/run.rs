//! `ward run`: the service. Serves the signed event webhook, the JSON API (`/api/v1`, OpenAPI at
//! `/api/v1/openapi.json`), `/metrics`, `/healthz` and the dashboard on one address, behind
//! `server.token` / `server.viewer_token` when configured, until Ctrl-C; refreshes the inventory on
//! a schedule (the API's snapshot is reloaded after each sync). With `[[sources]]` it also drains
//! SQS queues (`crate::intake`); with `[waf] sweep_every_secs` it sweeps the WebACLs on that
//! schedule; `[[flows]]` with a `cron(…)`/`rate(…)` trigger run at their times.

use crate::cli::RunArgs;
use crate::config::Config;
use crate::output;
use crate::wire;
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;
use ward_core::{ManagerApi, Store};
use ward_manager::ManagerClient;

pub async fn run(config: &Config, args: &RunArgs) -> anyhow::Result<()> {
    let listen = args.listen.unwrap_or(config.server.listen);
    wire::check_listen(config, listen)?;
    let auth = wire::auth(config).await?;
    let client = wire::connect_manager(config).await?;
    let store = wire::open_store(&config.store_url).await?;
    let manager: Arc<dyn ManagerApi> = client.clone();
    let engine = crate::respond::engine(config, Arc::clone(&manager), Arc::clone(&store)).await?;
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
    let mut tasks = Vec::new();
    if !config.sources.is_empty() {
        let sdk = crate::aws::sdk_config(config)
            .await
            .context("[[sources]] need an [aws] section")?;
        for source in &config.sources {
            let queue = ward_aws::SqsQueue::new(&sdk, &source.queue_url);
            tasks.push(tokio::spawn(crate::intake::drain(
                queue,
                Arc::clone(&engine),
                source.visibility_secs,
            )));
        }
    }
    let runner = wire::flow_runner(config, Some(client.clone()), Arc::clone(&store));
    let mut state = ward_server::AppState::new(engine, Arc::clone(&store));
    state.webhook_secret = webhook_secret;
    state.auth = auth;
    state.flows = config
        .flows
        .iter()
        .map(|flow| ward_server::api::FlowInfo::of(&flow.definition))
        .collect();
    state.trigger = Some(Arc::new(wire::FlowTrigger {
        runner: runner.clone(),
        flows: config.flows.clone(),
    }));
    let inventory = Arc::clone(&state.inventory);
    let app = ward_server::router(state);
    output::line(
        &mut output::stdout(),
        &format!(
            "ward run listening on http://{address} (API: /api/v1, OpenAPI: /api/v1/openapi.json; events: POST /api/v1/events; {} SQS queue{})",
            config.sources.len(),
            if config.sources.len() == 1 { "" } else { "s" }
        ),
    )?;
    if !config.waf.sweep_every.is_zero() {
        let (ports, accounts) =
            wire::sweep_ports(config, Arc::clone(&manager), Arc::clone(&store)).await?;
        let (every, groups, apply) = (
            config.waf.sweep_every,
            config.waf.groups.clone(),
            config.waf.apply,
        );
        tasks.push(tokio::spawn(async move {
            wire::every(every, || async {
                match ward_respond::sweep::sweep(&ports, &accounts, &groups, apply).await {
                    Ok(report) => {
                        for acl in &report.web_acls {
                            tracing::info!(web_acl = acl.name, decision = %acl.decision, reason = acl.reason, "WAF sweep");
                        }
                    }
                    Err(error) => tracing::warn!(%error, "WAF sweep failed"),
                }
            })
            .await;
        }));
    }
    let flows = config.flows.clone();
    tasks.push(tokio::spawn(async move { runner.scheduled(&flows).await }));
    tasks.push(tokio::spawn(refresh_inventory(
        client,
        store,
        inventory,
        Duration::from_secs(args.sync_every_secs),
    )));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("interrupted; finishing requests in flight");
        })
        .await;
    for task in tasks {
        task.abort();
    }
    served.context("the server stopped")
}

/// Syncs now, then every `period` (never when zero). A failed sync is logged and retried at the
/// next tick: the last good inventory stays in use.
async fn refresh_inventory(
    client: Arc<ManagerClient>,
    store: Arc<dyn Store>,
    inventory: Arc<ward_server::Inventory>,
    period: Duration,
) {
    wire::every(period, || async {
        match crate::sync::run(&client, Arc::clone(&store), crate::sync::Progress::Log).await {
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
