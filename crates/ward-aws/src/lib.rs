//! ward's AWS adapters, on the official AWS SDK for Rust, behind `ward-core`'s ports:
//! Config `PutEvaluations` ([`ConfigEvaluations`]), SQS intake ([`SqsQueue`]), SNS and Security
//! Hub notices ([`SnsNotifier`], [`SecurityHubNotifier`]), the instances behind an S3 bucket
//! ([`AwsCloudInventory`], for Macie findings), and secrets from Secrets Manager or an SSM
//! SecureString ([`read_secret`]).
//!
//! Credentials come from the default chain; the endpoint can be overridden (`[aws] endpoint_url`,
//! or `AWS_ENDPOINT_URL`, which the SDK reads itself) — that is how the tests reach moto. The SDK's
//! standard retry mode retries throttled calls. The AWS SDK crates live only here: they are slow to
//! build.

mod config_rules;
mod error;
mod inventory;
mod notify;
mod secrets;
mod sqs;

pub use config_rules::{ConfigEvaluations, EVALUATIONS_PER_CALL};
pub use error::describe;
pub use inventory::AwsCloudInventory;
pub use notify::{SecurityHubNotifier, SnsNotifier, security_hub_finding_id};
pub use secrets::{SecretRef, read_secret};
pub use sqs::{Received, SqsQueue};

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Where and how ward reaches AWS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    /// The region (default: the SDK's chain, e.g. `AWS_REGION`).
    pub region: Option<String>,
    /// An endpoint for every service (moto, LocalStack, a VPC endpoint).
    pub endpoint_url: Option<String>,
}

/// The SDK configuration: the default credential chain, standard retries, these settings.
pub async fn sdk_config(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint_url) = &settings.endpoint_url {
        loader = loader.endpoint_url(endpoint_url);
    }
    loader.load().await
}
