//! `ward lambda`: the AWS Lambda entry on the Lambda runtime API. One invocation holds an
//! EventBridge event, a Config rule invocation, or an SQS batch; for a batch, the items ward could
//! not handle now are reported as `batchItemFailures` so SQS redelivers only those (quarantined
//! items are kept in the store and count as handled: retrying them cannot help).

use crate::config::Config;
use crate::respond;
use crate::wire::{connect_manager, open_store};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use ward_respond::{Engine, Handled};

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let manager = connect_manager(config).await?;
    let store = open_store(&config.store_url).await?;
    let engine = Arc::new(respond::engine(config, manager, store).await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let engine = Arc::clone(&engine);
        async move { invocation(&engine, &event.payload).await }
    }))
    .await
    .map_err(|error| anyhow::anyhow!("the Lambda runtime stopped: {error}"))
}

/// Whether the payload is a Lambda SQS batch.
fn is_sqs_batch(payload: &Value) -> bool {
    payload["Records"]
        .as_array()
        .and_then(|records| records.first())
        .is_some_and(|record| record["eventSource"] == "aws:sqs")
}

/// Handles one invocation's payload.
pub async fn invocation(engine: &Engine, payload: &Value) -> Result<Value, lambda_runtime::Error> {
    let bytes = serde_json::to_vec(payload)?;
    let batch = is_sqs_batch(payload);
    let mut failed_messages = BTreeSet::new();
    let mut results = Vec::new();
    for parsed in ward_events::parse(&bytes) {
        let message_id = parsed.sqs_message_id().map(str::to_owned);
        let handled = engine.handle_parsed(parsed, "lambda", false).await;
        match (handled, message_id) {
            (Ok(Handled::Failed { error, .. }), Some(message_id)) => {
                tracing::warn!(%message_id, %error, "message left for redelivery");
                failed_messages.insert(message_id);
            }
            (Err(error), Some(message_id)) => {
                tracing::error!(%message_id, %error, "store failed; message left for redelivery");
                failed_messages.insert(message_id);
            }
            (Ok(Handled::Failed { error, .. }), None) => return Err(error.into()),
            (Err(error), None) => return Err(Box::new(error)),
            (Ok(handled), _) => results.push(handled.to_json()),
        }
    }
    if batch {
        let failures: Vec<Value> = failed_messages
            .into_iter()
            .map(|message_id| json!({ "itemIdentifier": message_id }))
            .collect();
        return Ok(json!({ "batchItemFailures": failures }));
    }
    Ok(json!({ "results": results }))
}
