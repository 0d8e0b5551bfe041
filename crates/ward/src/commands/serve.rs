//! What `ward run` and `ward demo` share to serve ward's HTTP side: the API tokens read from
//! `[server]`, the flows as the API lists them, and the flow trigger behind
//! `POST /api/v1/flows/{name}/runs`.

use crate::config::{Config, ConfigError, SecretSource};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use ward_core::Store;
use ward_core::ports::FlowRun;
use ward_flow::{FlowDefinition, Trigger};
use ward_server::api::FlowInfo;
use ward_server::{Auth, FlowTrigger, TriggerError};

/// Refuses to listen beyond loopback without a token (exit 2, naming `server.token`).
pub fn check_listen(config: &Config, listen: SocketAddr) -> anyhow::Result<()> {
    let file = config.source.as_ref().map_or_else(
        || "(defaults)".to_owned(),
        |path| path.display().to_string(),
    );
    config
        .server
        .check_listen(listen, &file)
        .map_err(anyhow::Error::new::<ConfigError>)
}

/// The API tokens of `[server]`.
pub async fn auth(config: &Config) -> anyhow::Result<Auth> {
    let load = |key: &'static str, source: Option<SecretSource>| async move {
        match source {
            None => Ok(None),
            Some(source) => crate::aws::load_secret(&source, config)
                .await
                .map(Some)
                .map_err(|reason| anyhow::anyhow!("cannot read {key}: {reason}")),
        }
    };
    let auth = Auth {
        operator: load("server.token", config.server.token.clone()).await?,
        viewer: load("server.viewer_token", config.server.viewer_token.clone()).await?,
    };
    if !auth.required() {
        tracing::info!(
            "no server.token: the API and dashboard accept every request (loopback only)"
        );
    }
    Ok(auth)
}

/// The flows, as `GET /api/v1/flows` lists them.
pub fn flow_infos(flows: &[FlowDefinition]) -> Arc<[FlowInfo]> {
    flows
        .iter()
        .map(|flow| FlowInfo {
            name: flow.name.clone(),
            description: flow.description.clone(),
            source: flow.source.clone(),
            trigger: match &flow.trigger {
                Trigger::OnDemand => "on_demand",
                _ if flow.trigger.is_incremental() => "incremental",
                _ => "scheduled",
            }
            .to_owned(),
            schedule: flow.trigger.schedule().map(ToString::to_string),
            destination: flow.destination.path.clone(),
            format: serde_json::to_value(flow.destination.format)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
        })
        .collect()
}

/// Runs flows by name with `ward flow run`'s runner.
#[derive(Debug)]
pub struct FlowRunner {
    pub config: Config,
    pub flows: Vec<FlowDefinition>,
    pub store: Arc<dyn Store>,
}

#[async_trait::async_trait]
impl FlowTrigger for FlowRunner {
    async fn run(&self, name: &str) -> Result<FlowRun, TriggerError> {
        let flow = self
            .flows
            .iter()
            .find(|flow| flow.name == name)
            .ok_or(TriggerError::UnknownFlow)?;
        super::flow::execute(&self.config, flow, Arc::clone(&self.store))
            .await
            .map_err(|error| TriggerError::Failed(format!("{error:#}")))
    }
}

/// Binds `listen`, or any free loopback port when it is taken (logged).
pub async fn bind_or_any(
    listen: SocketAddr,
    what: &str,
) -> anyhow::Result<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => Ok(listener),
        Err(error) => {
            tracing::info!(%error, address = %listen, "{what} address taken; using a free port");
            tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .with_context(|| format!("cannot listen on any loopback port for {what}"))
        }
    }
}
