//! Where ward's notices and Config evaluations go, behind `ward_core::Notifier` and
//! `ward_core::Evaluations`: Slack-compatible webhooks routed by AWS account ([`WebhookNotifier`]),
//! the log ([`LogNotifier`], the default when nothing is configured), several at once
//! ([`Fanout`]), and a JSON-lines file of evaluations ([`JsonLinesEvaluations`], used where
//! `PutEvaluations` is not available). SNS and Security Hub notifiers and `PutEvaluations` live in
//! `ward-aws`.

mod evaluations;
mod webhook;

pub use evaluations::JsonLinesEvaluations;
pub use webhook::{WebhookNotifier, WebhookRoute};

use async_trait::async_trait;
use std::sync::Arc;
use ward_core::{Notice, Notifier, OutboundError};

/// Writes notices to the log (warn level), for setups with no notification destination.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), OutboundError> {
        tracing::warn!(
            kind = notice.kind.as_str(),
            account_id = notice.account_id.as_deref().unwrap_or("-"),
            instance_id = notice.instance_id.as_deref().unwrap_or("-"),
            finding_id = %notice.finding_id,
            detail = %notice.detail,
            "{}",
            notice.title
        );
        Ok(())
    }
}

/// Every notifier gets every notice; delivery fails when any destination fails (after all were
/// tried), naming each failure.
#[derive(Debug, Clone)]
pub struct Fanout(pub Vec<Arc<dyn Notifier>>);

#[async_trait]
impl Notifier for Fanout {
    async fn notify(&self, notice: &Notice) -> Result<(), OutboundError> {
        let mut failures = Vec::new();
        for notifier in &self.0 {
            if let Err(error) = notifier.notify(notice).await {
                failures.push(error);
            }
        }
        match failures.len() {
            0 => Ok(()),
            1 => Err(failures.remove(0)),
            _ => Err(OutboundError {
                destination: failures
                    .iter()
                    .map(|failure| failure.destination.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                cause: failures
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
        }
    }
}
