//! The commands: each parses nothing (clap did), builds what it needs through `crate::wire`,
//! calls the library and prints. No command module imports another.

mod demo;
mod flow;
mod handle;
mod inventory;
mod lambda;
mod run;
mod sim;
mod waf;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::wire::{connect_manager, load_config, open_store};

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

/// `ward sync`: the manager's inventory into the store.
async fn sync(config: &Config) -> anyhow::Result<()> {
    let client = connect_manager(config).await?;
    let store = open_store(&config.store_url).await?;
    let stats = crate::sync::run(&client, store, crate::sync::Progress::auto()).await?;
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
