//! Wiring for the response engine: the ports `ward_respond::Engine` works through, built from the
//! configuration (manager client, store, notifiers, evaluations sink, the tokio clock).

use crate::config::Config;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use ward_core::{Clock, ManagerApi, Notifier, Store};
use ward_notify::{Fanout, JsonLinesEvaluations, LogNotifier, WebhookNotifier, WebhookRoute};
use ward_respond::{Engine, Ports};

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
