//! `ward demo`: the whole of ward on embedded defaults — an in-process simulator, a SQLite store
//! under `./ward-data/`, a sync, a summary of the fleet, and the bundled sample findings replayed
//! through the response engine with each decision and its reason; then (unless
//! `--exit-after-setup`) the dashboard and ward's API on http://127.0.0.1:8080 until Ctrl-C.

use crate::cli::DemoArgs;
use crate::config::{ApiKeySource, Auth, Config};
use crate::output::{self, Table};
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;
use ward_core::summary::{FleetSummary, ModuleCounts};
use ward_core::{InventoryFilter, Module};
use ward_flow::{Aggregation, Destination, FileFormat, FlowDefinition, TaskDefinition, Trigger};
use ward_sim::{SimConfig, Simulator};

/// A bundled sample: its file name and bytes.
macro_rules! sample {
    ($name:literal) => {
        ($name, include_bytes!(concat!("../../samples/", $name)))
    };
}

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

    let client = super::connect_manager(&config).await?;
    let store = super::open_store(&config.store_url).await?;
    let calls = {
        let client = Arc::clone(&client);
        move || client.calls()
    };
    let stats = crate::sync::run(
        client.clone(),
        Arc::clone(&store),
        &calls,
        crate::sync::Progress::auto(),
    )
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
            percent(summary.protected, summary.computers)
        ),
    )?;
    say(&mut out, &render_summary(&summary))?;

    let engine = Arc::new(crate::respond::engine(&config, client, Arc::clone(&store)).await?);
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
            say(&mut out, &describe(name, &handled))?;
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

    let flow = demo_flow(&args.data_dir);
    let run = super::flow::execute(&config, &flow, Arc::clone(&store))
        .await
        .context("the demo flow failed")?;
    say(
        &mut out,
        &format!(
            "\nflow: the active agents' computers to Parquet (host names masked, descriptions \
             cut to 32, platform and agent version merged, interfaces left out)\n  {}",
            super::flow::describe(&run).replace('\n', "\n  ")
        ),
    )?;

    if args.exit_after_setup {
        server.abort();
        return Ok(());
    }
    super::serve::check_listen(&config, args.listen)?;
    let api_listener = super::serve::bind_or_any(args.listen, "the demo's API").await?;
    let api_address = api_listener.local_addr()?;
    let mut state = ward_server::AppState::new(engine, Arc::clone(&store));
    state.flows = super::serve::flow_infos(std::slice::from_ref(&flow));
    state.trigger = Some(Arc::new(super::serve::FlowRunner {
        config: config.clone(),
        flows: vec![flow],
        store: Arc::clone(&store),
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

/// The demo's flow: the computers with an active agent, to Parquet under `{data_dir}/lake/`.
pub fn demo_flow(data_dir: &std::path::Path) -> FlowDefinition {
    let mut destination = Destination::new(&data_dir.join("lake").display().to_string());
    destination.format = FileFormat::Parquet;
    destination.aggregation = Aggregation::SingleFile;
    destination.preserve_source_data_typing = true;
    FlowDefinition {
        name: "demo-computers".to_owned(),
        description: Some("the demo fleet's active agents, masked, as Parquet".to_owned()),
        source: "computers".to_owned(),
        source_path: None,
        tasks: vec![
            TaskDefinition::new("Filter", &["computerStatus.agentStatus"])
                .operator("EQUAL_TO")
                .property("VALUE", "active")
                .property("DATA_TYPE", "string"),
            TaskDefinition::new("Map_all", &[])
                .property("EXCLUDE_SOURCE_FIELDS_LIST", "interfaces"),
            TaskDefinition::new("Mask", &["hostName"])
                .operator("MASK_LAST_N")
                .property("MASK_LENGTH", "4"),
            TaskDefinition::new("Truncate", &["description"]).property("TRUNCATE_LENGTH", "32"),
            TaskDefinition::new("Merge", &["platform", "agentVersion"])
                .destination("platformAgent")
                .property("CONCAT_FORMAT", "${platform} / ${agentVersion}"),
        ],
        destination,
        trigger: Trigger::OnDemand,
    }
}

/// One handled sample item, as the demo prints it.
fn describe(name: &str, handled: &ward_respond::Handled) -> String {
    use ward_respond::Handled;
    match handled {
        Handled::Decided(outcome) => {
            let decision = &outcome.decision;
            let mut text = format!(
                "\n  {} {} on {} → {}\n    why: {}",
                decision.source,
                decision.finding_type,
                decision.instance_id.as_deref().unwrap_or("-"),
                decision.verdict.as_str(),
                decision.reason
            );
            for action in &outcome.actions {
                text.push_str(&format!(
                    "\n    {} {} [{}] {}",
                    action.kind, action.target, action.status, action.detail
                ));
            }
            text
        }
        Handled::Quarantined { position, reason } => {
            format!("\n  {name} ({position}) → quarantined\n    why: {reason}")
        }
        Handled::Failed { position, error } => {
            format!("\n  {name} ({position}) → failed\n    why: {error}")
        }
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// The summary tables: OS types, agent status, EC2 state, instance types and modules.
pub fn render_summary(summary: &FleetSummary) -> String {
    let ranked = |title: &str, map| {
        let mut table = Table::new([title, "computers", "share"])
            .right_align(1)
            .right_align(2);
        for (name, count) in FleetSummary::ranked(map) {
            table.row([
                name.to_owned(),
                count.to_string(),
                format!("{:.1}%", percent(count, summary.computers)),
            ]);
        }
        table.render()
    };
    let mut modules = Table::new(["module", "on", "off", "warning", "error", "not reported"]);
    for column in 1..=5 {
        modules = modules.right_align(column);
    }
    for module in Module::ALL {
        let counts = summary
            .modules
            .get(&module)
            .cloned()
            .unwrap_or_else(ModuleCounts::default);
        modules.row([
            module.as_str().to_owned(),
            counts.on.to_string(),
            counts.off.to_string(),
            counts.warning.to_string(),
            counts.error.to_string(),
            counts.not_reported.to_string(),
        ]);
    }
    let mut instance_types = FleetSummary::ranked(&summary.by_instance_type);
    let others: u64 = instance_types.iter().skip(8).map(|(_, count)| count).sum();
    instance_types.truncate(8);
    let mut types = Table::new(["instance type", "computers", "share"])
        .right_align(1)
        .right_align(2);
    for (name, count) in instance_types {
        types.row([
            name.to_owned(),
            count.to_string(),
            format!("{:.1}%", percent(count, summary.computers)),
        ]);
    }
    if others > 0 {
        types.row([
            "(others)".to_owned(),
            others.to_string(),
            format!("{:.1}%", percent(others, summary.computers)),
        ]);
    }
    [
        ranked("OS type", &summary.by_os_type),
        ranked("agent status", &summary.by_agent_status),
        ranked("EC2 state", &summary.by_ec2_state),
        types.render(),
        modules.render(),
    ]
    .join("\n\n")
}
