//! Secrets (the manager API key, webhook URLs) from Secrets Manager or an SSM SecureString.

use crate::error::describe_call;
use ward_core::Secret;

/// Where a secret lives in AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// A Secrets Manager secret ARN or name; its `SecretString`.
    SecretsManager(String),
    /// An SSM parameter name (a SecureString, decrypted).
    Ssm(String),
}

/// Reads the secret. Errors name the secret, never its value.
pub async fn read_secret(
    config: &aws_config::SdkConfig,
    secret_ref: &SecretRef,
) -> Result<Secret, String> {
    let value = match secret_ref {
        SecretRef::SecretsManager(id) => aws_sdk_secretsmanager::Client::new(config)
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|error| describe_call(&format!("GetSecretValue {id}"), &error))?
            .secret_string()
            .map(str::to_owned)
            .ok_or_else(|| format!("secret {id} has no SecretString"))?,
        SecretRef::Ssm(name) => aws_sdk_ssm::Client::new(config)
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|error| describe_call(&format!("GetParameter {name}"), &error))?
            .parameter()
            .and_then(|parameter| parameter.value())
            .map(str::to_owned)
            .ok_or_else(|| format!("parameter {name} has no value"))?,
    };
    let secret = Secret::new(value.trim().to_owned());
    if secret.is_empty() {
        let name = match secret_ref {
            SecretRef::SecretsManager(id) => format!("secret {id}"),
            SecretRef::Ssm(name) => format!("parameter {name}"),
        };
        return Err(format!("{name} is empty"));
    }
    Ok(secret)
}
