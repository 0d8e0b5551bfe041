//! ward's AWS adapters, on the official AWS SDK for Rust, behind `ward-core`'s ports:
//! Config `PutEvaluations` ([`ConfigEvaluations`]), SQS intake ([`SqsQueue`]), SNS and Security
//! Hub notices ([`SnsNotifier`], [`SecurityHubNotifier`]), the instances behind an S3 bucket
//! ([`AwsCloudInventory`], for Macie findings), and secrets from Secrets Manager or an SSM
//! SecureString ([`read_secret`]), and the WAF sweep's WebACLs, load balancers and distributions
//! ([`WafSweeper`], `ward_core::waf::WebAcls`). Another account is reached through its role
//! ([`account_sdk_config`], [`SdkAccounts`]).
//!
//! Credentials come from the default chain; the endpoint can be overridden (`[aws] endpoint_url`,
//! or `AWS_ENDPOINT_URL`, which the SDK reads itself) — that is how the tests reach moto. The SDK's
//! standard retry mode retries throttled calls. The AWS SDK crates live only here: they are slow to
//! build.

mod accounts;
mod config_rules;
mod error;
mod inventory;
mod notify;
mod secrets;
mod sqs;
mod waf;

pub use accounts::SdkAccounts;
pub use config_rules::{ConfigEvaluations, EVALUATIONS_PER_CALL};
pub use error::{describe, describe_call};
pub use inventory::AwsCloudInventory;
pub use notify::{SecurityHubNotifier, SnsNotifier, security_hub_finding_id};
pub use secrets::{SecretRef, read_secret};
pub use sqs::{Received, SqsQueue};
pub use waf::WafSweeper;
pub use ward_core::waf::AccountRole;

pub use aws_config::SdkConfig;
use aws_config::{BehaviorVersion, Region};

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
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint_url) = &settings.endpoint_url {
        loader = loader.endpoint_url(endpoint_url);
    }
    loader.load().await
}

/// The SDK's HTTP client: hyper 1 with rustls on ring, the one TLS stack ward builds (the SDK's
/// default client would bring aws-lc, a second crypto library, and its C build).
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The session name ward's assumed-role sessions carry (it shows in CloudTrail).
pub const SESSION_NAME: &str = "ward";

/// The SDK configuration for an account: `base` with the account's role assumed through STS
/// (session `ward`, credentials refreshed before they expire), or `base` itself without a role.
/// Nothing is called here: the first request assumes the role, and a refusal surfaces as that
/// request's error.
pub async fn account_sdk_config(base: &SdkConfig, role: Option<&AccountRole>) -> SdkConfig {
    let Some(role) = role else {
        return base.clone();
    };
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
        .session_name(SESSION_NAME)
        .configure(base);
    if let Some(external_id) = &role.external_id {
        provider = provider.external_id(external_id);
    }
    let provider = provider.build().await;
    base.to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}

/// Who the configuration's credentials are: (account ID, caller ARN), from `GetCallerIdentity`.
pub async fn caller_identity(config: &SdkConfig) -> Result<(String, String), String> {
    let answer = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| describe_call("GetCallerIdentity", &error))?;
    Ok((
        answer.account().unwrap_or_default().to_owned(),
        answer.arn().unwrap_or_default().to_owned(),
    ))
}
