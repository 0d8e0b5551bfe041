//! Wiring for the response engine: the ports `ward_respond::Engine` works through, built from the
//! configuration (manager client, store, notifiers, evaluations sink, the tokio clock), and the
//! loop that feeds it parsed input, quarantining what it cannot use.

use crate::config::Config;
use anyhow::Context;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use ward_core::{Clock, ManagerApi, Notifier, QuarantineRecord, Store};
use ward_events::Parsed;
use ward_notify::{Fanout, JsonLinesEvaluations, LogNotifier, WebhookNotifier, WebhookRoute};
use ward_respond::{Engine, EngineError, Outcome, Ports};

/// Wall-clock time and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

#[async_trait]
impl Clock for TokioClock {
    fn now_ms(&self) -> i64 {
        now_ms()
    }

    async fn sleep_ms(&self, milliseconds: u64) {
        tokio::time::sleep(Duration::from_millis(milliseconds)).await;
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// The notifiers the config names: the log always, plus each webhook.
pub fn notifier(config: &Config) -> anyhow::Result<Arc<dyn Notifier>> {
    let mut notifiers: Vec<Arc<dyn Notifier>> = vec![Arc::new(LogNotifier)];
    if !config.webhooks.is_empty() {
        let routes = config
            .webhooks
            .iter()
            .enumerate()
            .map(|(index, webhook)| {
                Ok(WebhookRoute {
                    url: webhook.url.load().map_err(|reason| {
                        anyhow::anyhow!("cannot read the URL of notify.webhooks[{index}]: {reason}")
                    })?,
                    accounts: webhook.accounts.clone(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let webhooks = WebhookNotifier::new(routes, Duration::from_secs(10))
            .map_err(|reason| anyhow::anyhow!("notify.webhooks: {reason}"))?;
        notifiers.push(Arc::new(webhooks));
    }
    Ok(Arc::new(Fanout(notifiers)))
}

/// The engine for this configuration, on an already-connected manager and store.
pub fn engine(
    config: &Config,
    manager: Arc<dyn ManagerApi>,
    store: Arc<dyn Store>,
) -> anyhow::Result<Engine> {
    let ports = Ports {
        manager,
        store,
        notifier: notifier(config)?,
        evaluations: Arc::new(JsonLinesEvaluations::new(config.evaluations_file.clone())),
        clock: Arc::new(TokioClock),
    };
    Ok(Engine::new(ports, config.respond.clone()))
}

/// What became of one parsed item.
#[derive(Debug)]
pub enum Handled {
    Decided(Box<Outcome>),
    Quarantined {
        position: String,
        reason: String,
    },
    /// ward could not handle it (a store or manager failure); nothing was lost: it can be retried.
    Failed {
        position: String,
        error: String,
    },
}

/// Handles one parsed item: decides and acts on an event, or keeps a quarantined input with its
/// reason (not under `dry_run`).
pub async fn handle_parsed(
    engine: &Engine,
    store: &dyn Store,
    parsed: Parsed,
    origin: &str,
    dry_run: bool,
) -> anyhow::Result<Handled> {
    let position = parsed.position().to_string();
    match parsed {
        Parsed::Event { event, .. } => match engine.handle(&event, dry_run).await {
            Ok(outcome) => Ok(Handled::Decided(Box::new(outcome))),
            Err(EngineError::Store(error)) => Err(error).context("the store failed"),
            Err(error) => Ok(Handled::Failed {
                position,
                error: error.to_string(),
            }),
        },
        Parsed::Quarantined(quarantined) => {
            let reason = quarantined.reason.to_string();
            if !dry_run {
                store
                    .quarantine(&QuarantineRecord {
                        origin: origin.to_owned(),
                        position: position.clone(),
                        reason: reason.clone(),
                        raw: quarantined.raw_text().into_owned(),
                        at: now_ms(),
                    })
                    .await
                    .context("cannot keep a quarantined input")?;
            }
            Ok(Handled::Quarantined { position, reason })
        }
    }
}
