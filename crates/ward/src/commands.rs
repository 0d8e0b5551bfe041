//! The commands, and the wiring they share: config → manager client → store.

mod demo;
mod flow;
mod handle;
mod inventory;
mod lambda;
mod run;
mod serve;
mod sim;
pub mod waf;

use crate::cli::{Cli, Command};
use crate::config::{Auth, Config};
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;
use ward_manager::{AuthScheme, ClientConfig, ManagerClient, RetryPolicy};

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Sim(args) => sim::run(args).await,
        Command::Sync => {
            let config = load_config(cli.config.as_deref())?;
            sync(&config).await
        }
        Command::Inventory(args) => {
            let config = load_config(cli.config.as_deref())?;
            inventory::run(&config, &args).await
        }
        Command::Lambda => {
            let config = load_config(cli.config.as_deref())?;
            lambda::run(&config).await
        }
        Command::Run(args) => {
            let config = load_config(cli.config.as_deref())?;
            run::run(&config, &args).await
        }
        Command::Handle(args) => {
            let config = load_config(cli.config.as_deref())?;
            handle::run(&config, &args).await
        }
        Command::Flow(command) => flow::run(cli.config.as_deref(), &command).await,
        Command::Waf(command) => {
            let config = load_config(cli.config.as_deref())?;
            waf::run(&config, &command).await
        }
    }
}

/// The config from `--config`/`$WARD_CONFIG`, else `./ward.toml` when it exists, else the defaults.
pub fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(path) => Ok(Config::load(path)?),
        None if Path::new("ward.toml").exists() => Ok(Config::load(Path::new("ward.toml"))?),
        None => Ok(Config::defaults()),
    }
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
    };
    let client = ward_manager::connect(client_config)
        .with_context(|| format!("cannot set up the manager client for {}", manager.url))?;
    Ok(Arc::new(client))
}

/// Opens the configured store (creating and migrating it as needed).
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn ward_core::Store>> {
    Ok(ward_store::open(url).await?)
}

/// `ward sync`: the manager's inventory into the store.
async fn sync(config: &Config) -> anyhow::Result<()> {
    let client = connect_manager(config).await?;
    let store = open_store(&config.store_url).await?;
    let calls = {
        let client = Arc::clone(&client);
        move || client.calls()
    };
    let stats = crate::sync::run(client, store, &calls, crate::sync::Progress::auto()).await?;
    let mut out = crate::output::stdout();
    crate::output::line(
        &mut out,
        &format!(
            "synced {} computers, {} policies, {} IPS rules in {:.2} s ({} manager calls)",
            stats.computers,
            stats.policies,
            stats.ips_rules,
            (stats.finished_at - stats.started_at) as f64 / 1000.0,
            stats.manager_calls
        ),
    )
}
