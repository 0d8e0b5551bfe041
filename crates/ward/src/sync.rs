//! `ward sync`: stream the manager's computers, policies and IPS rules into the store, page by page.
//!
//! Pages are fetched one ahead of the store writes (a bounded channel), so the manager and the store
//! work at the same time while memory stays at about two pages whatever the fleet size.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use tokio::sync::mpsc;
use ward_core::{ManagerApi, ManagerError, Page, Store, SyncStats};
use ward_manager::ManagerClient;

/// Computers per manager page (the API's default `maxItems`).
pub const PAGE_SIZE: usize = 5000;

/// How progress is shown: a bar on a terminal, log lines otherwise.
#[derive(Debug)]
pub enum Progress {
    Bar(ProgressBar),
    Log,
}

impl Progress {
    /// A bar when stderr is a terminal, log lines otherwise.
    pub fn auto() -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {pos} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            Self::Bar(bar)
        } else {
            Self::Log
        }
    }

    fn stage(&self, what: &'static str) {
        if let Self::Bar(bar) = self {
            bar.set_message(what);
            bar.set_position(0);
        }
    }

    fn advance(&self, what: &'static str, done: u64) {
        match self {
            Self::Bar(bar) => bar.set_position(done),
            Self::Log => tracing::info!(what, done, "sync progress"),
        }
    }

    fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// Reads every page of a paged listing in a background task, one page ahead of the consumer.
fn prefetch<T, F, Fut>(fetch: F) -> mpsc::Receiver<Result<Vec<T>, ManagerError>>
where
    T: Send + 'static,
    F: Fn(Option<i64>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Page<T>, ManagerError>> + Send,
{
    let (sender, receiver) = mpsc::channel(1);
    tokio::spawn(async move {
        let mut after = None;
        loop {
            match fetch(after).await {
                Ok(page) => {
                    let next = page.next_after;
                    if !page.items.is_empty() && sender.send(Ok(page.items)).await.is_err() {
                        return;
                    }
                    match next {
                        Some(id) => after = Some(id),
                        None => return,
                    }
                }
                Err(error) => {
                    let _ = sender.send(Err(error)).await;
                    return;
                }
            }
        }
    });
    receiver
}

/// Runs one sync through `client` (whose call counter goes into the stats).
pub async fn run(
    client: &Arc<ManagerClient>,
    store: Arc<dyn Store>,
    progress: Progress,
) -> anyhow::Result<SyncStats> {
    let clock = crate::wire::clock();
    let manager: Arc<dyn ManagerApi> = client.clone();
    let started_at = clock.now_ms();
    let calls_before = client.calls();
    let generation = store.begin_sync().await?;
    let mut stats = SyncStats {
        started_at,
        ..SyncStats::default()
    };

    progress.stage("computers");
    let mut pages = {
        let manager = Arc::clone(&manager);
        prefetch(move |after| {
            let manager = Arc::clone(&manager);
            async move { manager.computers_page(after, PAGE_SIZE).await }
        })
    };
    while let Some(page) = pages.recv().await {
        let computers = page.context("reading computers from the manager")?;
        store.put_computers(generation, &computers).await?;
        stats.computers += computers.len() as u64;
        progress.advance("computers", stats.computers);
    }

    progress.stage("policies");
    let policies = manager
        .policies()
        .await
        .context("reading policies from the manager")?;
    store.put_policies(generation, &policies).await?;
    stats.policies = policies.len() as u64;

    progress.stage("IPS rules");
    let mut pages = {
        let manager = Arc::clone(&manager);
        prefetch(move |after| {
            let manager = Arc::clone(&manager);
            async move { manager.ips_rules_page(after, PAGE_SIZE).await }
        })
    };
    while let Some(page) = pages.recv().await {
        let rules = page.context("reading IPS rules from the manager")?;
        store.put_ips_rules(generation, &rules).await?;
        stats.ips_rules += rules.len() as u64;
        progress.advance("IPS rules", stats.ips_rules);
    }

    stats.manager_calls = client.calls() - calls_before;
    stats.finished_at = clock.now_ms();
    store.finish_sync(generation, &stats).await?;
    progress.finish();
    tracing::info!(
        computers = stats.computers,
        policies = stats.policies,
        ips_rules = stats.ips_rules,
        manager_calls = stats.manager_calls,
        "sync finished"
    );
    Ok(stats)
}
