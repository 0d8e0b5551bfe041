//! The AWS side of the wiring: the SDK configuration from `[aws]`, and secrets that live in
//! Secrets Manager or SSM.

use crate::config::{Config, SecretSource};
use ward_aws::{AwsSettings, SecretRef};
use ward_core::Secret;

/// The SDK configuration for `[aws]`, or `None` when the config has no `[aws]` section.
pub async fn sdk_config(config: &Config) -> Option<ward_aws::SdkConfig> {
    let aws = config.aws.as_ref()?;
    Some(
        ward_aws::sdk_config(&AwsSettings {
            region: aws.region.clone(),
            endpoint_url: aws.endpoint_url.clone(),
        })
        .await,
    )
}

/// Reads a secret from wherever it lives. Errors name the source, never the value.
pub async fn load_secret(source: &SecretSource, config: &Config) -> Result<Secret, String> {
    let secret_ref = match source {
        SecretSource::SecretsManager(id) => SecretRef::SecretsManager(id.clone()),
        SecretSource::Ssm(name) => SecretRef::Ssm(name.clone()),
        SecretSource::Env(_) | SecretSource::File(_) => return source.load(),
    };
    let sdk = sdk_config(config)
        .await
        .ok_or_else(|| format!("{source:?} needs an [aws] section"))?;
    ward_aws::read_secret(&sdk, &secret_ref).await
}
