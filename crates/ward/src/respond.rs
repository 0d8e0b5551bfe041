//! Wiring for the response engine: the ports `ward_respond::Engine` works through, built from the
//! configuration (manager client, store, notifiers, evaluations sink, the wall clock).

use crate::config::{Config, EvaluationsTo};
use std::sync::Arc;
use std::time::Duration;
use ward_core::{Evaluations, ManagerApi, Notifier, Store};
use ward_notify::{Fanout, JsonLinesEvaluations, LogNotifier, WebhookNotifier, WebhookRoute};
use ward_respond::{Engine, Ports};

/// The notifiers the config names: the log always, plus each webhook, the SNS topic and Security
/// Hub when configured.
pub async fn notifier(
    config: &Config,
    sdk: Option<&ward_aws::SdkConfig>,
) -> anyhow::Result<Arc<dyn Notifier>> {
    let mut notifiers: Vec<Arc<dyn Notifier>> = vec![Arc::new(LogNotifier)];
    if !config.webhooks.is_empty() {
        let mut routes = Vec::new();
        for (index, webhook) in config.webhooks.iter().enumerate() {
            let url = crate::aws::load_secret(&webhook.url, config)
                .await
                .map_err(|reason| {
                    anyhow::anyhow!("cannot read the URL of notify.webhooks[{index}]: {reason}")
                })?;
            routes.push(WebhookRoute {
                url,
                accounts: webhook.accounts.clone(),
            });
        }
        let webhooks = WebhookNotifier::new(routes, Duration::from_secs(10))
            .map_err(|reason| anyhow::anyhow!("notify.webhooks: {reason}"))?;
        notifiers.push(Arc::new(webhooks));
    }
    if let (Some(topic), Some(sdk)) = (&config.sns_topic_arn, sdk) {
        notifiers.push(Arc::new(ward_aws::SnsNotifier::new(sdk, topic)));
    }
    if let (Some((account, region)), Some(sdk)) = (&config.security_hub, sdk) {
        notifiers.push(Arc::new(ward_aws::SecurityHubNotifier::new(
            sdk,
            account,
            region,
            crate::wire::clock(),
        )));
    }
    Ok(Arc::new(Fanout(notifiers)))
}

/// The engine for this configuration, on an already-connected manager and store.
pub async fn engine(
    config: &Config,
    manager: Arc<dyn ManagerApi>,
    store: Arc<dyn Store>,
) -> anyhow::Result<Engine> {
    let sdk = crate::aws::sdk_config(config).await;
    let evaluations: Arc<dyn Evaluations> = match (config.evaluations, &sdk) {
        (EvaluationsTo::AwsConfig, Some(sdk)) => Arc::new(ward_aws::ConfigEvaluations::new(
            sdk,
            config.aws.as_ref().is_some_and(|aws| aws.config_test_mode),
        )),
        _ => Arc::new(JsonLinesEvaluations::new(config.evaluations_file.clone())),
    };
    let ports = Ports {
        manager,
        store,
        notifier: notifier(config, sdk.as_ref()).await?,
        evaluations,
        clock: crate::wire::clock(),
        cloud: sdk.as_ref().map(|sdk| {
            Arc::new(ward_aws::AwsCloudInventory::new(sdk)) as Arc<dyn ward_core::CloudInventory>
        }),
    };
    Ok(Engine::new(ports, config.respond.clone()))
}
