//! `ward handle FILE|-`: decide and act on the events in a file (one event, a JSON array, JSON
//! lines, an SQS batch), printing each decision with its reason. Quarantined items are kept with
//! their reason and do not stop the batch (exit 0); exit 1 only when ward itself fails.

use crate::cli::{HandleArgs, HandleOutput};
use crate::config::Config;
use crate::output::{self, Table};
use crate::respond;
use crate::wire::{connect_manager, open_store};
use anyhow::Context;
use futures::StreamExt;
use std::io::Read;
use ward_respond::Handled;

/// From this many items on, the inventory is loaded into memory first.
const WARM_INVENTORY_FROM: usize = 1000;

pub async fn run(config: &Config, args: &HandleArgs) -> anyhow::Result<()> {
    let (bytes, origin) = read_input(args)?;
    let manager = connect_manager(config).await?;
    let store = open_store(&config.store_url).await?;
    let parsed = ward_events::parse(&bytes);
    let mut engine = respond::engine(config, manager, store.clone()).await?;
    if parsed.len() >= WARM_INVENTORY_FROM {
        // Many events: decide against the inventory in memory, not one store query per event.
        let computers = store
            .computers(&ward_core::InventoryFilter::default())
            .await?;
        let policies = store.policies().await?;
        engine = engine.with_index(ward_respond::InventoryIndex::new(computers, policies));
    }
    let mut out = output::stdout();
    let mut table = Table::new([
        "event", "source", "type", "instance", "decision", "actions", "reason",
    ]);
    let (mut decided, mut quarantined, mut failed) = (0usize, 0usize, 0usize);
    let mut handled_in_order = futures::stream::iter(parsed)
        .map(|parsed| engine.handle_parsed(parsed, &origin, args.dry_run))
        .buffered(usize::from(args.concurrency));
    while let Some(handled) = handled_in_order.next().await {
        let handled = handled.context("the store failed")?;
        match &handled {
            Handled::Decided(outcome) => {
                decided += 1;
                if outcome.failed() {
                    failed += 1;
                }
            }
            Handled::Quarantined { .. } => quarantined += 1,
            Handled::Failed { .. } => failed += 1,
        }
        match args.output {
            HandleOutput::Json => output::line(&mut out, &handled.to_json().to_string())?,
            HandleOutput::Table => table_row(&mut table, &handled),
        }
    }
    if args.output == HandleOutput::Table {
        if !table.is_empty() {
            output::line(&mut out, &table.render())?;
        }
        output::line(
            &mut out,
            &format!(
                "{decided} decided, {quarantined} quarantined, {failed} with failures{}",
                if args.dry_run {
                    " (dry run: nothing was changed)"
                } else {
                    ""
                }
            ),
        )?;
    }
    Ok(())
}

fn read_input(args: &HandleArgs) -> anyhow::Result<(Vec<u8>, String)> {
    if args.input.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read events from standard input")?;
        return Ok((bytes, "stdin".into()));
    }
    let bytes = std::fs::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    Ok((bytes, args.input.display().to_string()))
}

fn table_row(table: &mut Table, handled: &Handled) {
    match handled {
        Handled::Decided(outcome) => {
            let decision = &outcome.decision;
            let actions: Vec<String> = outcome
                .actions
                .iter()
                .map(|action| format!("{} {} [{}]", action.kind, action.target, action.status))
                .collect();
            table.row([
                short(&decision.event_id, 20),
                decision.source.to_owned(),
                short(&decision.finding_type, 44),
                decision.instance_id.clone().unwrap_or_else(|| "-".into()),
                decision.verdict.as_str().to_owned(),
                if actions.is_empty() {
                    "-".into()
                } else {
                    actions.join("; ")
                },
                decision.reason.clone(),
            ]);
        }
        Handled::Quarantined { position, reason } => {
            table.row([
                position.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "quarantined".into(),
                "-".into(),
                reason.clone(),
            ]);
        }
        Handled::Failed { position, error } => {
            table.row([
                position.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "failed".into(),
                "-".into(),
                error.clone(),
            ]);
        }
    }
}

/// Text cut to `max` characters with an ellipsis.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}
