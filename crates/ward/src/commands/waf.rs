//! `ward waf sweep`: the WAF sweep (`ward_respond::sweep`) through the AWS adapters, printed as
//! a table or JSON. Each WebACL's outcome is recorded as a decision (source `waf`).

use crate::cli::{HandleOutput, WafCommand, WafSweepArgs};
use crate::config::Config;
use crate::output;
use crate::wire;
use ward_core::ManagerApi;
use ward_respond::sweep::{GroupReport, SweepReport, sweep, verdict_counts};

pub async fn run(config: &Config, command: &WafCommand) -> anyhow::Result<()> {
    match command {
        WafCommand::Sweep(args) => sweep_command(config, args).await,
    }
}

async fn sweep_command(config: &Config, args: &WafSweepArgs) -> anyhow::Result<()> {
    let store = wire::open_store(&config.store_url).await?;
    let manager: std::sync::Arc<dyn ManagerApi> = wire::connect_manager(config).await?;
    let (ports, accounts) = wire::sweep_ports(config, manager, store).await?;
    let report = sweep(&ports, &accounts, &config.waf.groups, args.apply).await?;
    let mut out = output::stdout();
    match args.output {
        HandleOutput::Json => output::line(&mut out, &serde_json::to_string_pretty(&report)?),
        HandleOutput::Table => output::line(&mut out, &render(&report, args.apply)),
    }
}

fn render(report: &SweepReport, apply: bool) -> String {
    let mut table = output::Table::new([
        "account",
        "web acl",
        "scope",
        "resources",
        "instances",
        "protected",
        "recommended",
        "present",
        if apply { "added" } else { "missing" },
        "decision",
    ]);
    let names = |groups: &[GroupReport]| {
        let names: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
        if names.is_empty() {
            "-".to_owned()
        } else {
            names.join(", ")
        }
    };
    for acl in &report.web_acls {
        let resources: Vec<String> = acl
            .resources
            .iter()
            .map(|resource| format!("{} {}", resource.kind, resource.dns_name))
            .collect();
        table.row([
            acl.account.clone(),
            acl.name.clone(),
            acl.scope.to_string(),
            resources.join(", "),
            acl.instances.len().to_string(),
            acl.instances
                .iter()
                .filter(|instance| instance.protected)
                .count()
                .to_string(),
            names(&acl.recommended),
            names(&acl.present),
            names(if apply { &acl.added } else { &acl.missing }),
            acl.decision.to_string(),
        ]);
    }
    let mut text = if table.is_empty() {
        "no WebACL in front of an ALB or a CloudFront distribution".to_owned()
    } else {
        table.render()
    };
    let problems: Vec<String> = report
        .accounts
        .iter()
        .flat_map(|account| {
            account
                .errors
                .iter()
                .map(move |error| format!("account {}: {error}", account.account))
        })
        .chain(report.web_acls.iter().flat_map(|acl| {
            acl.errors
                .iter()
                .map(move |error| format!("{}: {error}", acl.name))
        }))
        .collect();
    for problem in problems {
        text.push_str("\nerror: ");
        text.push_str(&problem);
    }
    let summary: Vec<String> = verdict_counts(report)
        .iter()
        .map(|(decision, count)| format!("{count} {decision}"))
        .collect();
    text.push_str(&format!(
        "\n{} WebACL(s) in {} account(s){}",
        report.web_acls.len(),
        report.accounts.len(),
        if summary.is_empty() {
            String::new()
        } else {
            format!(": {}", summary.join(", "))
        }
    ));
    text
}
