//! `ward sim`: a simulated Workload Security manager on a local port.

use crate::cli::SimArgs;
use crate::output;
use anyhow::Context;
use ward_sim::{FaultKind, SimConfig, Simulator};

/// The simulator's config from the command line.
pub fn sim_config(args: &SimArgs) -> anyhow::Result<SimConfig> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        anyhow::bail!(crate::config::ConfigError {
            file: "(command line)".into(),
            key: "--fault-rate".into(),
            reason: format!("{} is not between 0.0 and 1.0", args.fault_rate),
        });
    }
    let fault_kinds = args
        .fault_kinds
        .iter()
        .map(|kind| {
            kind.parse::<FaultKind>()
                .map_err(|reason| crate::config::ConfigError {
                    file: "(command line)".into(),
                    key: "--fault-kinds".into(),
                    reason: reason.to_string(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SimConfig {
        fleet: args.fleet,
        seed: args.seed,
        fault_rate: args.fault_rate,
        fault_kinds,
        rate_limit_per_minute: args.rate_limit,
        scan_delay_ms: args.scan_delay_ms,
        full_access_key: args.full_access_key.clone(),
        auditor_key: args.auditor_key.clone(),
        protect: args.protect.clone(),
        unprotected: args.unprotected.clone(),
    })
}

pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let config = sim_config(&args)?;
    let started = std::time::Instant::now();
    let simulator = Simulator::new(config);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let mut out = output::stdout();
    output::line(
        &mut out,
        &format!(
            "ward sim listening on http://{address}/api (fleet {}, seed {}, generated in {} ms)",
            args.fleet,
            args.seed,
            started.elapsed().as_millis()
        ),
    )?;
    output::line(
        &mut out,
        "keys: Full Access and Auditor as given by --full-access-key / --auditor-key; actions at /_sim/actions",
    )?;
    drop(out);
    tokio::select! {
        served = ward_sim::serve(listener, simulator) => served.context("simulator stopped")?,
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted; simulator stopping"),
    }
    Ok(())
}
