//! Wiring: the adapters the configuration names, built and handed to the library as ports. Every
//! command builds what it needs from here, and no command module reaches into another; nothing
//! here decides anything.

use crate::config::{Auth, Config, ConfigError, SecretSource};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use ward_core::records::ManagerObjects;
use ward_core::{Clock, ManagerApi, Store};
use ward_lake::{FlowRunner, S3Options, Sources};
use ward_manager::{AuthScheme, ClientConfig, ManagerClient, RetryPolicy};
use ward_respond::sweep::{SweepAccount, SweepPorts};

/// The config from `--config`/`$WARD_CONFIG`, else `./ward.toml` when it exists, else the defaults.
pub fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(path) => Ok(Config::load(path)?),
        None if Path::new("ward.toml").exists() => Ok(Config::load(Path::new("ward.toml"))?),
        None => Ok(Config::defaults()),
    }
}

/// The wall clock.
pub fn clock() -> Arc<dyn Clock> {
    ward_clock::SystemClock::shared()
}

/// A manager client for the configured manager (reads the API key from its source, AWS included).
pub async fn connect_manager(config: &Config) -> anyhow::Result<Arc<ManagerClient>> {
    let manager = &config.manager;
    let api_key = match manager.api_key.source() {
        Some(source) => crate::aws::load_secret(&source, config).await,
        None => manager.api_key.load(),
    }
    .map_err(|reason| anyhow::anyhow!("cannot read the manager API key: {reason}"))?;
    let client_config = ClientConfig {
        base_url: manager.url.clone(),
        api_key,
        auth: match manager.auth {
            Auth::ApiKey => AuthScheme::ApiKey,
            Auth::ApiSecretKey => AuthScheme::ApiSecretKey,
        },
        timeout: manager.timeout,
        retry: RetryPolicy {
            max_attempts: manager.max_attempts,
            ..RetryPolicy::default()
        },
        rate_limit_per_minute: manager.rate_limit_per_minute,
        max_concurrency: manager.max_concurrency,
        ca_bundle: manager.ca_bundle.clone(),
        clock: clock(),
    };
    let client = ward_manager::connect(client_config)
        .with_context(|| format!("cannot set up the manager client for {}", manager.url))?;
    Ok(Arc::new(client))
}

/// Opens the configured store (creating and migrating it as needed).
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    Ok(ward_store::open(url).await?)
}

/// The flow runner: sources on the manager (when given), the store and S3 as `[aws]` says.
pub fn flow_runner(
    config: &Config,
    manager: Option<Arc<dyn ManagerObjects>>,
    store: Arc<dyn Store>,
) -> FlowRunner {
    FlowRunner {
        sources: Sources {
            manager,
            store: Arc::clone(&store),
            s3: S3Options {
                region: config.aws.as_ref().and_then(|aws| aws.region.clone()),
                endpoint_url: config.aws.as_ref().and_then(|aws| aws.endpoint_url.clone()),
            },
        },
        store,
        clock: clock(),
    }
}

/// What the WAF sweep works through, and the accounts it sweeps through their roles.
pub async fn sweep_ports(
    config: &Config,
    manager: Arc<dyn ManagerApi>,
    store: Arc<dyn Store>,
) -> anyhow::Result<(SweepPorts, Vec<SweepAccount>)> {
    let sdk = crate::aws::sdk_config(config)
        .await
        .context("the WAF sweep needs an [aws] section")?;
    let accounts = config
        .aws
        .as_ref()
        .map_or(&[][..], |aws| aws.accounts.as_slice())
        .iter()
        .map(|account| SweepAccount {
            id: account.id.clone(),
            role: account.role.clone(),
        })
        .collect();
    let ports = SweepPorts {
        accounts: Arc::new(ward_aws::SdkAccounts::new(sdk)),
        manager,
        store,
        clock: clock(),
    };
    Ok((ports, accounts))
}

/// Runs `job` now, then every `every` (never when zero), until the task is dropped. A run that
/// takes longer than `every` delays the next one; runs never overlap.
pub async fn every<F, Fut>(every: Duration, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if every.is_zero() {
        return;
    }
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        job().await;
    }
}

/// Refuses to listen beyond loopback without a token (exit 2, naming `server.token`).
pub fn check_listen(config: &Config, listen: SocketAddr) -> anyhow::Result<()> {
    config
        .server
        .check_listen(listen, &config.file_name())
        .map_err(anyhow::Error::new::<ConfigError>)
}

/// The API tokens of `[server]`.
pub async fn auth(config: &Config) -> anyhow::Result<ward_server::Auth> {
    let load = |key: &'static str, source: Option<SecretSource>| async move {
        match source {
            None => Ok(None),
            Some(source) => crate::aws::load_secret(&source, config)
                .await
                .map(Some)
                .map_err(|reason| anyhow::anyhow!("cannot read {key}: {reason}")),
        }
    };
    let auth = ward_server::Auth {
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

/// Runs configured flows by name for `POST /api/v1/flows/{name}/runs`.
#[derive(Debug)]
pub struct FlowTrigger {
    pub runner: FlowRunner,
    pub flows: Vec<ward_flow::Flow>,
}

#[async_trait::async_trait]
impl ward_server::FlowTrigger for FlowTrigger {
    async fn run(
        &self,
        name: &str,
    ) -> Result<ward_core::ports::FlowRun, ward_server::TriggerError> {
        let flow = self
            .flows
            .iter()
            .find(|flow| flow.name() == name)
            .ok_or(ward_server::TriggerError::UnknownFlow)?;
        self.runner.execute(flow).await.map_err(|(run, error)| {
            ward_server::TriggerError::Failed(format!(
                "run {}: {}",
                run.execution_id,
                ward_lake::error_chain(&error)
            ))
        })
    }
}
