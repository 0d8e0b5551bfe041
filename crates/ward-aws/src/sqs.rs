//! An SQS queue as an event source: long polling in batches of up to 10, visibility extended while
//! a message is in work, deletion only once its outcome is recorded. A message that keeps failing
//! reaches the queue's dead-letter queue through its redrive policy.

use crate::error::describe_call;
use aws_sdk_sqs::types::MessageSystemAttributeName;

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    /// How many times SQS has handed it out (1 the first time).
    pub receive_count: u32,
}

/// A queue ward reads events from.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(config: &aws_config::SdkConfig, queue_url: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sqs::Client::new(config),
            queue_url: queue_url.into(),
        }
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Up to `max` messages (1–10), waiting up to `wait_secs` for the first (long polling); each
    /// hidden from other readers for `visibility_secs`.
    pub async fn receive(
        &self,
        max: i32,
        wait_secs: i32,
        visibility_secs: i32,
    ) -> Result<Vec<Received>, String> {
        let answer = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait_secs.clamp(0, 20))
            .visibility_timeout(visibility_secs)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|error| describe_call("ReceiveMessage", &error))?;
        Ok(answer
            .messages()
            .iter()
            .filter_map(|message| {
                Some(Received {
                    message_id: message.message_id()?.to_owned(),
                    receipt_handle: message.receipt_handle()?.to_owned(),
                    body: message.body().unwrap_or_default().to_owned(),
                    receive_count: message
                        .attributes()
                        .and_then(|attributes| {
                            attributes.get(&MessageSystemAttributeName::ApproximateReceiveCount)
                        })
                        .and_then(|count| count.parse().ok())
                        .unwrap_or(1),
                })
            })
            .collect())
    }

    /// Keeps a message hidden for another `visibility_secs` (while it is still in work).
    pub async fn extend(&self, receipt_handle: &str, visibility_secs: i32) -> Result<(), String> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(visibility_secs)
            .send()
            .await
            .map_err(|error| describe_call("ChangeMessageVisibility", &error))?;
        Ok(())
    }

    /// Removes a handled message.
    pub async fn delete(&self, receipt_handle: &str) -> Result<(), String> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(|error| describe_call("DeleteMessage", &error))?;
        Ok(())
    }

    /// Sends a message (tools and tests); returns its ID.
    pub async fn send(&self, body: &str) -> Result<String, String> {
        let answer = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|error| describe_call("SendMessage", &error))?;
        Ok(answer.message_id().unwrap_or_default().to_owned())
    }
}
