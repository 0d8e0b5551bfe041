//! `ward demo`: the whole of ward on embedded defaults — an in-process simulator, a SQLite store
//! under `./ward-data/`, a sync, a summary of the fleet, and the bundled sample findings replayed
//! through the response engine with each decision and its reason; then (unless
//! `--exit-after-setup`) the dashboard and ward's API on http://127.0.0.1:8080 until Ctrl-C.

use crate::cli::DemoArgs;
use crate::config::{ApiKeySource, Auth, Config};
use crate::output;
use crate::wire;
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;
use ward_core::InventoryFilter;
use ward_core::summary::FleetSummary;
use ward_flow::Flow;
use ward_sim::{SimConfig, Simulator};

/// A bundled sample: its file name and bytes.
macro_rules! sample {
    ($name:literal) => {
        ($name, include_bytes!(concat!("../../samples/", $name)))
    };
}

/// The demo's flow definition.
const DEMO_FLOW: &str = include_str!("../../samples/demo-flow.toml");

/// The demo simulator's seed: the same demo every time.
const DEMO_SEED: u64 = 42;

/// The bundled sample events (see `crates/ward/samples/README.md`), replayed in this order.
const SAMPLES: [(&str, &[u8]); 10] = [
    sample!("guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json"),
    sample!("ward-guardduty-finding-ec2-current-format.json"),
    sample!("guardduty-finding-detail-only-ec2.aws-samples.json"),
    sample!("ward-inspector2-package-vulnerability-ec2.json"),
    sample!("ward-securityhub-findings-imported.json"),
    sample!("ward-config-invocation-protected-by.json"),
    sample!("ward-macie-finding-s3-bucket-public.json"),
    sample!("config-rule-invocation-ec2-change.awsdocs.json"),
    sample!("ward-sqs-batch-guardduty.json"),
    sample!("ward-malformed-guardduty-bad-instance-id.json"),
];

/// The instances of the samples the demo's simulator protects, and the one it does not.
const PROTECTED_SAMPLE_INSTANCES: [&str; 3] = [
    "i-0e8dfbd8c13eca8ad",
    "i-0123456789abcdef0",
    "i-0abcdef1234567890",
];
const UNPROTECTED_SAMPLE_INSTANCES: [&str; 1] = ["i-05746eb48123455e0"];

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let simulator = Simulator::new(SimConfig {
        fleet: args.fleet,
        seed: DEMO_SEED,
        scan_delay_ms: 50,
        protect: PROTECTED_SAMPLE_INSTANCES.map(String::from).to_vec(),
        unprotected: UNPROTECTED_SAMPLE_INSTANCES.map(String::from).to_vec(),
        ..SimConfig::default()
    });
    let listener = match tokio::net::TcpListener::bind(args.sim_listen).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::info!(%error, address = %args.sim_listen, "demo simulator address taken; using a free port");
            tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .context("cannot listen on any loopback port for the demo simulator")?
        }
    };
    let address = listener.local_addr()?;
    let server = tokio::spawn(ward_sim::serve(listener, simulator.clone()));

    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let mut config = Config::defaults();
    config.manager.url = format!("http://{address}/api").parse()?;
    config.manager.api_key = ApiKeySource::SimulatorDemo;
    config.manager.auth = Auth::ApiKey;
    config.store_url = format!("sqlite://{}", args.data_dir.join("ward.db").display());
    config.evaluations_file = args.data_dir.join("evaluations.jsonl");
    config.respond.scan_wait.first_ms = 50;

    let client = wire::connect_manager(&config).await?;
    let store = wire::open_store(&config.store_url).await?;
    let stats = crate::sync::run(&client, Arc::clone(&store), crate::sync::Progress::auto())
        .await
        .context("demo sync failed")?;
    let computers = store.computers(&InventoryFilter::default()).await?;
    let summary = FleetSummary::of(&computers);

    let mut out = output::stdout();
    let say = |out: &mut _, text: &str| output::line(out, text);
    say(&mut out, "ward demo")?;
    say(
        &mut out,
        &format!(
            "  manager   simulated Workload Security at http://{address}/api (fleet {}, seed {DEMO_SEED})",
            args.fleet
        ),
    )?;
    say(&mut out, &format!("  store     {}", config.store_url))?;
    say(
        &mut out,
        &format!(
            "  sync      {} computers, {} policies, {} IPS rules in {:.2} s with {} manager calls",
            stats.computers,
            stats.policies,
            stats.ips_rules,
            (stats.finished_at - stats.started_at) as f64 / 1000.0,
            stats.manager_calls
        ),
    )?;
    say(
        &mut out,
        &format!(
            "  coverage  {} of {} computers protected ({:.1}%)\n",
            summary.protected,
            summary.computers,
            output::percent(summary.protected, summary.computers)
        ),
    )?;
    say(&mut out, &output::fleet_summary(&summary))?;

    let engine =
        Arc::new(crate::respond::engine(&config, client.clone(), Arc::clone(&store)).await?);
    say(
        &mut out,
        "\nresponses: the bundled sample findings, replayed (a second run finds them already done)",
    )?;
    for (name, bytes) in SAMPLES {
        for parsed in ward_events::parse(bytes) {
            let handled = engine
                .handle_parsed(parsed, name, false)
                .await
                .context("the store failed")?;
            say(&mut out, &output::handled(name, &handled))?;
        }
    }
    say(
        &mut out,
        &format!(
            "\n  ledger, decisions and quarantine in {}; Config evaluations in {}",
            config.store_url,
            config.evaluations_file.display()
        ),
    )?;

    let flow = demo_flow(&args.data_dir)?;
    let runner = wire::flow_runner(&config, Some(client), Arc::clone(&store));
    let run = runner
        .execute(&flow)
        .await
        .map_err(|(_, error)| anyhow::Error::new(error).context("the demo flow failed"))?;
    say(
        &mut out,
        &format!(
            "\nflow: the active agents' computers to Parquet (host names masked, descriptions \
             cut to 32, platform and agent version merged, interfaces left out)\n  {}",
            ward_lake::describe(&run).replace('\n', "\n  ")
        ),
    )?;

    if args.exit_after_setup {
        server.abort();
        return Ok(());
    }
    wire::check_listen(&config, args.listen)?;
    let api_listener = wire::bind_or_any(args.listen, "the demo's API").await?;
    let api_address = api_listener.local_addr()?;
    let mut state = ward_server::AppState::new(engine, Arc::clone(&store));
    state.flows = Arc::from([ward_server::api::FlowInfo::of(&flow.definition)]);
    state.trigger = Some(Arc::new(wire::FlowTrigger {
        runner,
        flows: vec![flow],
    }));
    let app = ward_server::router(state);
    let api = tokio::spawn(async move { axum::serve(api_listener, app).await });
    say(
        &mut out,
        &format!(
            "\nThe dashboard: http://{api_address}/ (overview, findings & actions, unprotected, flow runs)\n\
             ward's API at http://{api_address}/api/v1 (OpenAPI: http://{api_address}/api/v1/openapi.json)\n\
             The simulator keeps serving at http://{address}/api (key ward-sim-full-access). Try:\n  \
             curl http://{api_address}/api/v1/summary\n  \
             ward inventory --unprotected      # reads {}\n\
             Press Ctrl-C to stop.",
            config.store_url
        ),
    )?;
    drop(out);
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        finished = server => { finished.context("demo simulator stopped")?.context("demo simulator failed")?; }
        finished = api => { finished.context("demo API stopped")?.context("demo API failed")?; }
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(())
}

/// The demo's flow (`samples/demo-flow.toml`), writing under `{data_dir}/lake/`.
fn demo_flow(data_dir: &std::path::Path) -> anyhow::Result<Flow> {
    let config = Config::parse(DEMO_FLOW, "samples/demo-flow.toml")?;
    let mut flow = config
        .flows
        .into_iter()
        .next()
        .context("samples/demo-flow.toml holds a flow")?;
    flow.definition.destination.path = data_dir.join("lake").display().to_string();
    Ok(flow)
}
