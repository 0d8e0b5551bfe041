//! The pages: overview (KPIs and charts), findings and actions, unprotected computers, flow
//! runs, and "not found".

use crate::charts::{self, Bar, Shape, Slice};
use crate::html::{self, badge, empty_state, kpi, page, percent, time_cell};
use crate::{Context, FlowInfo};
use maud::{Markup, PreEscaped, html};
use plotters::style::RGBColor;
use std::collections::BTreeMap;
use ward_core::inventory::{AgentStatus, Computer, Module};
use ward_core::ledger::{ActionRecord, DecisionRecord};
use ward_core::ports::FlowRun;
use ward_core::summary::{FleetSummary, ModuleCounts};

const GREEN: RGBColor = RGBColor(0x16, 0xa3, 0x4a);
const AMBER: RGBColor = RGBColor(0xf5, 0x9e, 0x0b);
const RED: RGBColor = RGBColor(0xdc, 0x26, 0x26);
const GREY: RGBColor = RGBColor(0x9c, 0xa3, 0xaf);
const SLATE: RGBColor = RGBColor(0x64, 0x74, 0x8b);
const LIGHT: RGBColor = RGBColor(0xd1, 0xd5, 0xdb);
/// Categories with no meaning of their own (OS families, instance types), in rank order.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x25, 0x63, 0xeb),
    RGBColor(0x0d, 0x94, 0x88),
    RGBColor(0x7c, 0x3a, 0xed),
    RGBColor(0xdb, 0x27, 0x77),
    RGBColor(0xea, 0x58, 0x0c),
    RGBColor(0x08, 0x91, 0xb2),
    RGBColor(0x65, 0xa3, 0x0d),
    RGBColor(0xca, 0x8a, 0x04),
];
/// How many instance types get their own slice; the rest are one "other" slice.
const TOP_INSTANCE_TYPES: usize = 8;
/// The key and label of the slice that gathers the smaller instance types.
const OTHER: &str = "(other)";

fn hex(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}

/// A status's colour, the same on every chart: on/active green, warning amber, error red,
/// off/inactive grey.
fn status_color(status: &str) -> Option<RGBColor> {
    match status.to_ascii_lowercase().as_str() {
        "active" | "on" | "power on" | "running" => Some(GREEN),
        "warning" => Some(AMBER),
        "error" => Some(RED),
        "inactive" | "off" | "power off" | "stopped" => Some(GREY),
        "not-supported" | "suspended" | "pending" => Some(SLATE),
        "unknown" | "(none)" | "not reported" => Some(LIGHT),
        _ => None,
    }
}

fn module_title(module: Module) -> &'static str {
    match module {
        Module::AntiMalware => "Anti-malware",
        Module::WebReputation => "Web reputation",
        Module::Firewall => "Firewall",
        Module::IntrusionPrevention => "Intrusion prevention",
        Module::IntegrityMonitoring => "Integrity monitoring",
        Module::LogInspection => "Log inspection",
        Module::ApplicationControl => "Application control",
    }
}

/// A module's five states: key, title, colour, count.
fn module_states(counts: &ModuleCounts) -> [(&'static str, &'static str, RGBColor, u64); 5] {
    [
        ("on", "On", GREEN, counts.on),
        ("off", "Off", GREY, counts.off),
        ("warning", "Warning", AMBER, counts.warning),
        ("error", "Error", RED, counts.error),
        ("not_reported", "Not reported", LIGHT, counts.not_reported),
    ]
}

/// A chart's slices, keyed: `(key, slice)`; the slice's label is its name in the chart and
/// its table row.
type Keyed = Vec<(String, Slice)>;

/// Slices from a count map, largest first; statuses keep their colours, the rest take the
/// palette in rank order.
fn ranked_slices(map: &BTreeMap<String, u64>) -> Keyed {
    let mut next = 0;
    FleetSummary::ranked(map)
        .into_iter()
        .map(|(name, value)| {
            let color = status_color(name).unwrap_or_else(|| {
                let color = PALETTE[next % PALETTE.len()];
                next += 1;
                color
            });
            let slice = Slice {
                label: name.to_owned(),
                value,
                color,
                note: None,
            };
            (name.to_owned(), slice)
        })
        .collect()
}

/// Agent statuses in their display order (active, warning, error, …), then any others.
fn agent_status_slices(map: &BTreeMap<String, u64>) -> Keyed {
    let mut slices: Keyed = AgentStatus::ALL
        .iter()
        .filter_map(|status| {
            let value = *map.get(status.as_str())?;
            let slice = Slice {
                label: status.as_str().to_owned(),
                value,
                color: status_color(status.as_str()).unwrap_or(LIGHT),
                note: None,
            };
            Some((status.as_str().to_owned(), slice))
        })
        .collect();
    for (key, slice) in ranked_slices(map) {
        if !slices.iter().any(|(known, _)| *known == key) {
            slices.push((key, slice));
        }
    }
    slices
}

/// The top instance types and one "other" slice for the rest.
fn instance_type_slices(map: &BTreeMap<String, u64>) -> Keyed {
    let mut slices = ranked_slices(map);
    if slices.len() > TOP_INSTANCE_TYPES + 1 {
        let rest: Vec<(String, Slice)> = slices.split_off(TOP_INSTANCE_TYPES);
        let kinds = rest.len();
        let value = rest.iter().map(|(_, slice)| slice.value).sum();
        slices.push((
            OTHER.to_owned(),
            Slice {
                label: "other".to_owned(),
                value,
                color: LIGHT,
                note: Some(format!("{kinds} types")),
            },
        ));
    }
    slices
}

/// SVG drawn by `plotters`, inserted as it is. This is the one place raw markup is allowed
/// into a page: everything else goes through maud, which escapes it. plotters escapes the
/// chart's own text (slice labels, totals; see the charts' tests).
fn svg(svg: String) -> PreEscaped<String> {
    PreEscaped(svg)
}

/// A donut card: title, chart (or a friendly message) and its numbers as a table.
fn donut_card(id: &str, title: &str, column: &str, slices: &Keyed) -> Markup {
    let plain: Vec<Slice> = slices.iter().map(|(_, slice)| slice.clone()).collect();
    let total: u64 = plain.iter().map(|slice| slice.value).sum();
    let chart = charts::donut(&plain, "computers");
    let described: Vec<String> = plain
        .iter()
        .map(|slice| format!("{} {}", slice.label, slice.value))
        .collect();
    html! {
        section class="card chart-card" id={ "chart-" (id) } {
            h2 { (title) }
            @if let Some(chart) = chart {
                div class="chart-body" {
                    figure class="chart donut" role="img"
                        aria-label={ (title) ": " (described.join(", ")) } { (svg(chart)) }
                    div class="legend-wrap" {
                        table class="legend" {
                            thead {
                                tr {
                                    th scope="col" { (column) }
                                    th scope="col" class="num" { "Count" }
                                    th scope="col" class="num" { "Share" }
                                }
                            }
                            tbody {
                                @for (key, slice) in slices {
                                    tr {
                                        th scope="row" {
                                            span class="swatch"
                                                style={ "background:" (hex(slice.color)) } {}
                                            (slice.label)
                                            @if let Some(note) = &slice.note {
                                                " "
                                                span class="muted" { "(" (note) ")" }
                                            }
                                        }
                                        td class="num" data-key={ (id) "." (key) } { (slice.value) }
                                        td class="num share" { (percent(slice.value, total)) "%" }
                                    }
                                }
                            }
                            tfoot {
                                tr {
                                    th scope="row" { "Total" }
                                    td class="num" data-key={ (id) ".total" } { (total) }
                                    td class="num share" { "100%" }
                                }
                            }
                        }
                    }
                }
            } @else {
                (empty_state("Nothing to chart yet", "No computers match this view."))
            }
        }
        "\n"
    }
}

/// The per-module card: stacked bars (wide and narrow variants) and the counts table.
fn modules_card(summary: &FleetSummary) -> Markup {
    let empty = ModuleCounts::default();
    let bars: Vec<Bar> = Module::ALL
        .iter()
        .map(|module| {
            let counts = summary.modules.get(module).unwrap_or(&empty);
            Bar {
                label: module_title(*module).to_owned(),
                segments: module_states(counts)
                    .into_iter()
                    .map(|(_, title, color, value)| Slice {
                        label: title.to_owned(),
                        value,
                        color,
                        note: None,
                    })
                    .collect(),
            }
        })
        .collect();
    let charts =
        charts::stacked_bars(&bars, Shape::Wide).zip(charts::stacked_bars(&bars, Shape::Narrow));
    html! {
        section class="card chart-card wide" id="chart-modules" {
            h2 { "Protection modules" }
            p class="card-sub" { "State of each module across the computers in view" }
            @if let Some((wide, narrow)) = charts {
                ul class="keys" {
                    @for (_, title, color, _) in module_states(&empty) {
                        li { span class="swatch" style={ "background:" (hex(color)) } {} (title) }
                    }
                }
                figure class="chart bars bars-wide" role="img"
                    aria-label="Module states per module" { (svg(wide)) }
                figure class="chart bars bars-narrow" role="img"
                    aria-label="Module states per module" { (svg(narrow)) }
                div class="table-wrap" {
                    table class="data modules" {
                        thead {
                            tr {
                                th scope="col" { "Module" }
                                @for (_, title, color, _) in module_states(&empty) {
                                    th scope="col" class="num" {
                                        span class="swatch" style={ "background:" (hex(color)) } {}
                                        (title)
                                    }
                                }
                                th scope="col" class="num" { "On (%)" }
                            }
                        }
                        tbody {
                            @for module in Module::ALL {
                                @let counts = summary.modules.get(&module).unwrap_or(&empty);
                                @let states = module_states(counts);
                                @let total: u64 = states.iter().map(|(_, _, _, value)| value).sum();
                                tr {
                                    th scope="row" { (module_title(module)) }
                                    @for (key, _, _, value) in states {
                                        td class="num"
                                            data-key={ "module." (module.as_str()) "." (key) } {
                                            (value)
                                        }
                                    }
                                    td class="num share" { (percent(counts.on, total)) "%" }
                                }
                            }
                        }
                    }
                }
            } @else {
                (empty_state("Nothing to chart yet", "No computers match this view."))
            }
        }
        "\n"
    }
}

/// `in 3 accounts, 1 region`.
fn spread(accounts: usize, regions: usize) -> String {
    let plural = |count: usize| if count == 1 { "" } else { "s" };
    format!(
        "in {accounts} account{}, {regions} region{}",
        plural(accounts),
        plural(regions)
    )
}

/// The agent coverage bar under its percentage.
fn meter(coverage: &str) -> Markup {
    html! { span class="meter" { span style={ "width:" (coverage) "%" } {} } }
}

/// `GET /`: headline numbers and the fleet's charts.
pub fn overview(cx: &Context<'_>, summary: &FleetSummary) -> String {
    let unprotected = summary.computers.saturating_sub(summary.protected);
    let coverage = percent(summary.protected, summary.computers);
    let filtered = cx.filters.account.is_some() || cx.filters.region.is_some();
    let body = html! {
        section class="kpis" aria-label="Headline numbers" {
            (kpi(
                "kpi-computers",
                "Computers",
                &summary.computers.to_string(),
                "",
                &spread(summary.by_account.len(), summary.by_region.len()),
                "",
            ))
            (kpi(
                "kpi-protected",
                "Protected",
                &summary.protected.to_string(),
                "",
                &"agent active or warning",
                "ok",
            ))
            (kpi(
                "kpi-unprotected",
                "Unprotected",
                &unprotected.to_string(),
                "",
                &html! { a href=(html::href(cx, "/unprotected")) { "See the list →" } },
                if unprotected > 0 { "bad" } else { "ok" },
            ))
            (kpi("kpi-coverage", "Agent coverage", &coverage, "%", &meter(&coverage), ""))
        }
        "\n"
        @if summary.computers == 0 {
            section class="card" {
                (empty_state(
                    "No computers to show",
                    if filtered {
                        "No computers match this account and region. Clear the filters to see the whole fleet."
                    } else {
                        "The inventory is empty. Run `ward sync` to read the computers from the manager."
                    },
                ))
            }
            "\n"
        } @else {
            div class="grid" {
                "\n"
                (donut_card(
                    "agent_status",
                    "Agent status",
                    "Status",
                    &agent_status_slices(&summary.by_agent_status),
                ))
                (donut_card(
                    "os_type",
                    "Operating systems",
                    "OS family",
                    &ranked_slices(&summary.by_os_type),
                ))
                (donut_card(
                    "ec2_state",
                    "EC2 instance state",
                    "State",
                    &ranked_slices(&summary.by_ec2_state),
                ))
                (donut_card(
                    "instance_type",
                    "Instance types",
                    "Type",
                    &instance_type_slices(&summary.by_instance_type),
                ))
                (modules_card(summary))
            }
            "\n"
        }
    };
    page(cx, "/", "Overview", &body)
}

/// Optional text, or a muted dash when it is missing or empty.
fn opt(text: Option<&str>) -> Markup {
    html! {
        @match text.filter(|text| !text.is_empty()) {
            Some(text) => (text),
            None => span class="muted" { "—" },
        }
    }
}

/// One action in a findings row: status badge, kind, target, detail.
fn action_item(kind: &str, target: &str, status: &str, detail: Option<&str>) -> Markup {
    html! {
        li {
            (badge(status)) " " code { (kind) }
            " " span class="muted" { "on" }
            " " code { (target) }
            @if let Some(detail) = detail.filter(|detail| !detail.is_empty()) {
                span class="detail" { (detail) }
            }
        }
    }
}

/// The actions a decision's JSON lists (`[{kind, target, status, detail}]`), when the ledger
/// has none for it.
fn json_actions(actions: &serde_json::Value) -> Vec<Markup> {
    let text = |value: &serde_json::Value, key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    actions
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let detail = text(item, "detail");
                    action_item(
                        &text(item, "kind"),
                        &text(item, "target"),
                        &text(item, "status"),
                        Some(&detail),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A decision's actions: those the ledger holds for its finding (in the order they were
/// requested), else those its JSON lists.
fn decision_actions(decision: &DecisionRecord, ledger: Option<&Vec<&ActionRecord>>) -> Vec<Markup> {
    match ledger {
        Some(records) => {
            let mut records = records.clone();
            records.sort_by_key(|record| record.requested_at);
            records
                .iter()
                .map(|record| {
                    action_item(
                        &record.action,
                        &record.target,
                        record.status.as_str(),
                        record.detail.as_deref(),
                    )
                })
                .collect()
        }
        None => json_actions(&decision.actions),
    }
}

/// One decision's row in the findings table.
fn decision_row(cx: &Context<'_>, decision: &DecisionRecord, items: &[Markup]) -> Markup {
    html! {
        tr data-event=(decision.event_id) {
            td class="nowrap" { (time_cell(Some(decision.at), cx.generated_at)) }
            td {
                span class="strong" { (decision.finding_type) }
                span class="sub" { (decision.source) " · " code { (decision.event_id) } }
            }
            td class="nowrap" {
                (opt(decision.instance_id.as_deref()))
                span class="sub" { (opt(decision.account_id.as_deref())) }
                @match decision.protected {
                    Some(true) => span class="sub" { "protected" },
                    Some(false) => span class="sub warn-text" { "unprotected" },
                    None => {},
                }
            }
            td { (badge(decision.decision.as_str())) }
            td class="reason" { (decision.reason) }
            td class="actions-cell" {
                ul class="actions" {
                    @for item in items { (item) }
                    @if items.is_empty() {
                        li class="muted" { "none" }
                    }
                }
            }
        }
    }
}

/// `GET /findings`: decisions (newest first) with their reason and the actions taken.
pub fn findings(
    cx: &Context<'_>,
    decisions: &[DecisionRecord],
    actions: &[ActionRecord],
) -> String {
    let count = |status: &str| {
        actions
            .iter()
            .filter(|action| action.status.as_str() == status)
            .count()
    };
    let failed = count("failed");
    let mut ordered: Vec<&DecisionRecord> = decisions.iter().collect();
    ordered.sort_by_key(|decision| std::cmp::Reverse(decision.at));
    let mut by_finding: BTreeMap<&str, Vec<&ActionRecord>> = BTreeMap::new();
    for action in actions {
        by_finding
            .entry(action.finding.as_str())
            .or_default()
            .push(action);
    }
    let body = html! {
        section class="kpis" aria-label="Headline numbers" {
            (kpi(
                "kpi-decisions",
                "Decisions",
                &decisions.len().to_string(),
                "",
                &"findings and events decided",
                "",
            ))
            (kpi(
                "kpi-actions",
                "Actions",
                &actions.len().to_string(),
                "",
                &"claimed in the ledger",
                "",
            ))
            (kpi(
                "kpi-actions-done",
                "Done",
                &count("done").to_string(),
                "",
                &"accepted by the manager or AWS",
                "ok",
            ))
            (kpi(
                "kpi-actions-failed",
                "Failed",
                &failed.to_string(),
                "",
                &"retried on a later delivery",
                if failed > 0 { "bad" } else { "ok" },
            ))
        }
        "\n"
        section class="card" {
            h2 { "Decisions" }
            @if ordered.is_empty() {
                (empty_state(
                    "No findings decided yet",
                    "Decisions appear here as ward handles GuardDuty, Inspector, Macie, Security Hub and Config events.",
                ))
            } @else {
                div class="table-wrap" {
                    table class="data findings" {
                        thead {
                            tr {
                                th scope="col" { "Time" }
                                th scope="col" { "Finding" }
                                th scope="col" { "Target" }
                                th scope="col" { "Decision" }
                                th scope="col" { "Reason" }
                                th scope="col" { "Actions" }
                            }
                        }
                        tbody {
                            @for decision in ordered {
                                @let ledger = by_finding.get(decision.event_id.as_str());
                                (decision_row(cx, decision, &decision_actions(decision, ledger)))
                            }
                        }
                    }
                }
            }
        }
        "\n"
    };
    page(cx, "/findings", "Findings & actions", &body)
}

/// One unprotected computer's row.
fn computer_row(cx: &Context<'_>, computer: &Computer) -> Markup {
    let name = computer
        .display_name
        .as_deref()
        .filter(|name| !name.is_empty() && *name != computer.host_name);
    html! {
        tr data-computer-id=(computer.computer_id) {
            td class="nowrap" {
                span class="strong" { (computer.host_name) }
                @if let Some(name) = name {
                    span class="sub" { (name) }
                }
            }
            td class="nowrap" {
                code { (opt(computer.instance_id.as_deref())) }
                span class="sub" { (opt(computer.instance_type.as_deref())) }
            }
            td class="nowrap" { (opt(computer.account_id.as_deref())) }
            td class="nowrap" { (opt(computer.region.as_deref())) }
            td { (opt(computer.platform.as_deref())) }
            td class="nowrap" {
                (badge(computer.agent_status.as_str()))
                @if computer.agent_version.as_deref() == Some("0.0.0.0") {
                    span class="sub" { "no agent installed" }
                }
            }
            td class="nowrap" { (time_cell(computer.last_agent_communication, cx.generated_at)) }
        }
    }
}

/// `GET /unprotected`: the unprotected computers (the first of them, when there are many).
pub fn unprotected(
    cx: &Context<'_>,
    computers: &[Computer],
    total_unprotected: usize,
    total: usize,
) -> String {
    let protected = total.saturating_sub(total_unprotected);
    let coverage = percent(protected as u64, total as u64);
    let body = html! {
        section class="kpis" aria-label="Headline numbers" {
            (kpi(
                "kpi-unprotected",
                "Unprotected",
                &total_unprotected.to_string(),
                "",
                &"no agent, or agent offline or in error",
                if total_unprotected > 0 { "bad" } else { "ok" },
            ))
            (kpi("kpi-computers", "Computers", &total.to_string(), "", &"in view", ""))
            (kpi("kpi-coverage", "Agent coverage", &coverage, "%", &meter(&coverage), ""))
        }
        "\n"
        section class="card" {
            h2 { "Unprotected computers" }
            @if computers.is_empty() {
                @if total == 0 {
                    (empty_state(
                        "No computers to show",
                        "The inventory has no computers in this view.",
                    ))
                } @else {
                    (empty_state(
                        "Every computer is protected",
                        "All computers in view have an active agent.",
                    ))
                }
            } @else {
                p class="card-sub" {
                    "Showing " span id="shown-count" { (computers.len()) }
                    " of " (total_unprotected) " unprotected computers"
                }
                div class="table-wrap" {
                    table class="data" {
                        thead {
                            tr {
                                th scope="col" { "Host" }
                                th scope="col" { "Instance" }
                                th scope="col" { "Account" }
                                th scope="col" { "Region" }
                                th scope="col" { "Platform" }
                                th scope="col" { "Agent" }
                                th scope="col" { "Last communication" }
                            }
                        }
                        tbody {
                            @for computer in computers {
                                (computer_row(cx, computer))
                            }
                        }
                    }
                }
            }
        }
        "\n"
    };
    page(cx, "/unprotected", "Unprotected", &body)
}

/// A run's files: the one file's name (the whole path as its title), or a list to unfold.
fn run_files(files: &[String]) -> Markup {
    html! {
        @match files {
            [] => span class="muted" { "none" },
            [one] => code title=(one) { (file_name(one)) },
            many => details {
                summary { (many.len()) " files" }
                ul class="files" {
                    @for file in many {
                        li { code title=(file) { (file_name(file)) } }
                    }
                }
            },
        }
    }
}

/// One run's row in the recent runs table.
fn run_row(cx: &Context<'_>, run: &FlowRun) -> Markup {
    let duration = run
        .finished_at
        .map(|end| {
            format!(
                "{:.1} s",
                end.saturating_sub(run.started_at) as f64 / 1000.0
            )
        })
        .unwrap_or_else(|| "—".to_owned());
    html! {
        tr data-execution-id=(run.execution_id) {
            td class="nowrap" { (time_cell(Some(run.started_at), cx.generated_at)) }
            td class="strong nowrap" { (run.flow) }
            td { (badge(run.status.as_str())) }
            td class="num" { (duration) }
            td class="num" data-key="records_read" { (run.records_read) }
            td class="num" data-key="records_written" { (run.records_written) }
            td class="num" { (run.records_filtered) }
            td class="num" { (run.records_invalid) }
            td class="num nowrap" data-bytes=(run.bytes_written) {
                (html::bytes(run.bytes_written))
            }
            td class="files-cell" { (run_files(&run.files)) }
            td class="reason" {
                @if let Some(error) = &run.error {
                    span class="bad-text" { (error) }
                } @else {
                    span class="muted" { "—" }
                }
            }
        }
    }
}

/// One configured flow's row, with its latest run if it has one.
fn flow_row(cx: &Context<'_>, flow: &FlowInfo, last: Option<&FlowRun>) -> Markup {
    html! {
        tr data-flow=(flow.name) {
            td class="strong nowrap" { (flow.name) }
            td { code { (flow.source) } }
            td { (flow.trigger) }
            td class="break" { code { (flow.destination) } }
            td class="nowrap" {
                @if let Some(last) = last {
                    (badge(last.status.as_str())) " "
                    (time_cell(Some(last.started_at), cx.generated_at))
                } @else {
                    span class="muted" { "never run" }
                }
            }
        }
    }
}

/// `GET /flows`: the configured flows and their recent runs.
pub fn flows(cx: &Context<'_>, flows: &[FlowInfo], runs: &[FlowRun]) -> String {
    let mut ordered: Vec<&FlowRun> = runs.iter().collect();
    ordered.sort_by_key(|run| std::cmp::Reverse(run.started_at));
    let body = html! {
        section class="card" {
            h2 { "Flows" }
            @if flows.is_empty() {
                (empty_state(
                    "No flows configured",
                    "Add a `[[flows]]` table to `ward.toml` to export computers, findings or actions to S3 or a directory.",
                ))
            } @else {
                div class="table-wrap" {
                    table class="data" {
                        thead {
                            tr {
                                th scope="col" { "Flow" }
                                th scope="col" { "Source" }
                                th scope="col" { "Trigger" }
                                th scope="col" { "Destination" }
                                th scope="col" { "Last run" }
                            }
                        }
                        tbody {
                            @for flow in flows {
                                @let last = ordered.iter().find(|run| run.flow == flow.name);
                                (flow_row(cx, flow, last.copied()))
                            }
                        }
                    }
                }
            }
        }
        "\n"
        section class="card" {
            h2 { "Recent runs" }
            @if ordered.is_empty() {
                (empty_state(
                    "No runs yet",
                    "Runs appear here after `ward flow run NAME` or a scheduled trigger.",
                ))
            } @else {
                div class="table-wrap" {
                    table class="data runs" {
                        thead {
                            tr {
                                th scope="col" { "Started" }
                                th scope="col" { "Flow" }
                                th scope="col" { "Status" }
                                th scope="col" class="num" { "Duration" }
                                th scope="col" class="num" { "Read" }
                                th scope="col" class="num" { "Written" }
                                th scope="col" class="num" { "Filtered" }
                                th scope="col" class="num" { "Invalid" }
                                th scope="col" class="num" { "Bytes" }
                                th scope="col" { "Files" }
                                th scope="col" { "Error" }
                            }
                        }
                        tbody {
                            @for run in &ordered {
                                (run_row(cx, run))
                            }
                        }
                    }
                }
            }
        }
        "\n"
    };
    page(cx, "/flows", "Flow runs", &body)
}

/// The last segment of a path or `s3://` URL (the whole text when there is none).
fn file_name(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or(path)
}

/// A page for what does not exist (`what`: "computer 12", "page /nope").
pub fn not_found(cx: &Context<'_>, what: &str) -> String {
    let body = html! {
        section class="card" {
            (empty_state(
                "Not found",
                &format!("There is no {what} here. It may have been removed since the last sync."),
            ))
            p class="center" {
                a class="button" href=(html::href(cx, "/")) { "Back to the overview" }
            }
        }
        "\n"
    };
    page(cx, "", "Not found", &body)
}

/// The sign-in form (`GET /login`, and again with a message after a wrong token). It stands
/// alone: no filter bar, no navigation, nothing fetched.
pub fn login(message: &str) -> String {
    html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "ward — sign in" }
                meta name="viewport" content="width=device-width, initial-scale=1";
            }
            body style="font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto" {
                h1 { "ward" }
                p { (message) }
                form method="post" action="/login" {
                    label {
                        "Token "
                        input type="password" name="token" autocomplete="current-password" autofocus required;
                    }
                    button type="submit" { "Sign in" }
                }
            }
        }
    }
    .into_string()
}
