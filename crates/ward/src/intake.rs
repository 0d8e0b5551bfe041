//! SQS intake for `ward run`: long-poll a queue, handle each message's events, keep the message
//! hidden while it is in work, and delete it only once every outcome is recorded. A message whose
//! events could not all be handled (the manager unreachable, an action failed or still in flight
//! elsewhere) is left to reappear; after the queue's `maxReceiveCount` its redrive policy moves it
//! to the dead-letter queue. Several `ward run` processes on one queue share the work: SQS hands
//! each message to one of them at a time, and the ledger keeps actions single.

use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use ward_aws::{Received, SqsQueue};
use ward_respond::{Engine, Handled};

/// Messages handled at once per queue (one receive batch).
const BATCH: i32 = 10;
/// Long-polling wait.
const WAIT_SECS: i32 = 20;

/// Drains `queue` until the task is dropped.
pub async fn drain(queue: SqsQueue, engine: Arc<Engine>, visibility_secs: u32) {
    let visibility = i32::try_from(visibility_secs).unwrap_or(60);
    let origin = format!("sqs:{}", queue.queue_url());
    loop {
        let messages = match queue.receive(BATCH, WAIT_SECS, visibility).await {
            Ok(messages) => messages,
            Err(error) => {
                tracing::warn!(%error, queue = queue.queue_url(), "cannot receive; retrying in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        futures::stream::iter(messages)
            .for_each_concurrent(None, |message| {
                handle_message(&queue, &engine, message, visibility, &origin)
            })
            .await;
    }
}

/// Whether every item of the message is settled (decided and recorded, or quarantined).
async fn settled(engine: &Engine, body: &str, origin: &str) -> bool {
    let mut settled = true;
    for parsed in ward_events::parse(body.as_bytes()) {
        match engine.handle_parsed(parsed, origin, false).await {
            Ok(Handled::Decided(outcome)) => settled &= outcome.settled(),
            Ok(Handled::Quarantined { .. }) => {}
            Ok(Handled::Failed { error, .. }) => {
                tracing::warn!(%error, "event left for redelivery");
                settled = false;
            }
            Err(error) => {
                tracing::error!(%error, "store failed; event left for redelivery");
                settled = false;
            }
        }
    }
    settled
}

async fn handle_message(
    queue: &SqsQueue,
    engine: &Engine,
    message: Received,
    visibility: i32,
    origin: &str,
) {
    let keep_hidden = async {
        let every = Duration::from_secs(u64::try_from(visibility / 2).unwrap_or(30).max(1));
        loop {
            tokio::time::sleep(every).await;
            if let Err(error) = queue.extend(&message.receipt_handle, visibility).await {
                tracing::warn!(%error, message_id = %message.message_id, "cannot extend visibility");
            }
        }
    };
    let settled = tokio::select! {
        settled = settled(engine, &message.body, origin) => settled,
        () = keep_hidden => false,
    };
    if settled {
        if let Err(error) = queue.delete(&message.receipt_handle).await {
            // Redelivered later; the ledger keeps its actions from repeating.
            tracing::warn!(%error, message_id = %message.message_id, "cannot delete a handled message");
        }
    } else {
        tracing::info!(
            message_id = %message.message_id,
            receive_count = message.receive_count,
            "message left for redelivery"
        );
    }
}
