//! The pages: overview (KPIs and charts), findings and actions, unprotected computers, flow
//! runs, and "not found".

use crate::charts::{self, Bar, Shape, Slice};
use crate::html::{self, Esc, badge, empty_state, kpi, page, percent, time_cell};
use crate::{Context, FlowInfo};
use plotters::style::RGBColor;
use std::collections::BTreeMap;
use std::fmt::Write;
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

/// A donut card: title, chart (or a friendly message) and its numbers as a table.
fn donut_card(id: &str, title: &str, column: &str, slices: &Keyed) -> String {
    let plain: Vec<Slice> = slices.iter().map(|(_, slice)| slice.clone()).collect();
    let total: u64 = plain.iter().map(|slice| slice.value).sum();
    let mut out = format!(
        "<section class=\"card chart-card\" id=\"chart-{id}\"><h2>{}</h2>",
        Esc(title)
    );
    let Some(svg) = charts::donut(&plain, "computers") else {
        out.push_str(&empty_state(
            "Nothing to chart yet",
            "No computers match this view.",
        ));
        out.push_str("</section>\n");
        return out;
    };
    let described: Vec<String> = plain
        .iter()
        .map(|slice| format!("{} {}", slice.label, slice.value))
        .collect();
    let _ = write!(
        out,
        "<div class=\"chart-body\"><figure class=\"chart donut\" role=\"img\" aria-label=\"{}: {}\">{svg}</figure>\
         <div class=\"legend-wrap\"><table class=\"legend\"><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">Count</th><th scope=\"col\" class=\"num\">Share</th></tr></thead><tbody>",
        Esc(title),
        Esc(&described.join(", ")),
        Esc(column),
    );
    for (key, slice) in slices {
        let _ = write!(
            out,
            "<tr><th scope=\"row\"><span class=\"swatch\" style=\"background:{}\"></span>{}{}</th>\
             <td class=\"num\" data-key=\"{id}.{}\">{}</td><td class=\"num share\">{}%</td></tr>",
            hex(slice.color),
            Esc(&slice.label),
            slice
                .note
                .as_deref()
                .map(|note| format!(" <span class=\"muted\">({})</span>", Esc(note)))
                .unwrap_or_default(),
            Esc(key),
            slice.value,
            percent(slice.value, total)
        );
    }
    let _ = writeln!(
        out,
        "</tbody><tfoot><tr><th scope=\"row\">Total</th><td class=\"num\" data-key=\"{id}.total\">{total}</td>\
         <td class=\"num share\">100%</td></tr></tfoot></table></div></div></section>"
    );
    out
}

/// The per-module card: stacked bars (wide and narrow variants) and the counts table.
fn modules_card(summary: &FleetSummary) -> String {
    let mut out = String::from(
        "<section class=\"card chart-card wide\" id=\"chart-modules\"><h2>Protection modules</h2>\
         <p class=\"card-sub\">State of each module across the computers in view</p>",
    );
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
    let (Some(wide), Some(narrow)) = (
        charts::stacked_bars(&bars, Shape::Wide),
        charts::stacked_bars(&bars, Shape::Narrow),
    ) else {
        out.push_str(&empty_state(
            "Nothing to chart yet",
            "No computers match this view.",
        ));
        out.push_str("</section>\n");
        return out;
    };
    out.push_str("<ul class=\"keys\">");
    for (_, title, color, _) in module_states(&empty) {
        let _ = write!(
            out,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{title}</li>",
            hex(color)
        );
    }
    out.push_str("</ul>");
    let _ = write!(
        out,
        "<figure class=\"chart bars bars-wide\" role=\"img\" aria-label=\"Module states per module\">{wide}</figure>\
         <figure class=\"chart bars bars-narrow\" role=\"img\" aria-label=\"Module states per module\">{narrow}</figure>"
    );
    out.push_str(
        "<div class=\"table-wrap\"><table class=\"data modules\"><thead><tr><th scope=\"col\">Module</th>",
    );
    for (_, title, color, _) in module_states(&empty) {
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"num\"><span class=\"swatch\" style=\"background:{}\"></span>{title}</th>",
            hex(color)
        );
    }
    out.push_str("<th scope=\"col\" class=\"num\">On (%)</th></tr></thead><tbody>");
    for module in Module::ALL {
        let counts = summary.modules.get(&module).unwrap_or(&empty);
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", module_title(module));
        let mut total = 0;
        for (key, _, _, value) in module_states(counts) {
            total += value;
            let _ = write!(
                out,
                "<td class=\"num\" data-key=\"module.{}.{key}\">{value}</td>",
                module.as_str()
            );
        }
        let _ = write!(
            out,
            "<td class=\"num share\">{}%</td></tr>",
            percent(counts.on, total)
        );
    }
    out.push_str("</tbody></table></div></section>\n");
    out
}

/// `GET /`: headline numbers and the fleet's charts.
pub fn overview(cx: &Context<'_>, summary: &FleetSummary) -> String {
    let unprotected = summary.computers.saturating_sub(summary.protected);
    let coverage = percent(summary.protected, summary.computers);
    let mut body = String::from("<section class=\"kpis\" aria-label=\"Headline numbers\">");
    body.push_str(&kpi(
        "kpi-computers",
        "Computers",
        &summary.computers.to_string(),
        "",
        &format!(
            "in {} account{}, {} region{}",
            summary.by_account.len(),
            if summary.by_account.len() == 1 {
                ""
            } else {
                "s"
            },
            summary.by_region.len(),
            if summary.by_region.len() == 1 {
                ""
            } else {
                "s"
            },
        ),
        "",
    ));
    body.push_str(&kpi(
        "kpi-protected",
        "Protected",
        &summary.protected.to_string(),
        "",
        "agent active or warning",
        "ok",
    ));
    body.push_str(&kpi(
        "kpi-unprotected",
        "Unprotected",
        &unprotected.to_string(),
        "",
        &format!(
            "<a href=\"{}\">See the list →</a>",
            html::href(cx, "/unprotected")
        ),
        if unprotected > 0 { "bad" } else { "ok" },
    ));
    body.push_str(&kpi(
        "kpi-coverage",
        "Agent coverage",
        &coverage,
        "%",
        &format!("<span class=\"meter\"><span style=\"width:{coverage}%\"></span></span>"),
        "",
    ));
    body.push_str("</section>\n");

    if summary.computers == 0 {
        body.push_str("<section class=\"card\">");
        body.push_str(&empty_state(
            "No computers to show",
            if cx.filters.account.is_some() || cx.filters.region.is_some() {
                "No computers match this account and region. Clear the filters to see the whole fleet."
            } else {
                "The inventory is empty. Run `ward sync` to read the computers from the manager."
            },
        ));
        body.push_str("</section>\n");
        return page(cx, "/", "Overview", &body);
    }

    body.push_str("<div class=\"grid\">\n");
    body.push_str(&donut_card(
        "agent_status",
        "Agent status",
        "Status",
        &agent_status_slices(&summary.by_agent_status),
    ));
    body.push_str(&donut_card(
        "os_type",
        "Operating systems",
        "OS family",
        &ranked_slices(&summary.by_os_type),
    ));
    body.push_str(&donut_card(
        "ec2_state",
        "EC2 instance state",
        "State",
        &ranked_slices(&summary.by_ec2_state),
    ));
    body.push_str(&donut_card(
        "instance_type",
        "Instance types",
        "Type",
        &instance_type_slices(&summary.by_instance_type),
    ));
    body.push_str(&modules_card(summary));
    body.push_str("</div>\n");
    page(cx, "/", "Overview", &body)
}

fn opt(text: Option<&str>) -> String {
    match text {
        Some(text) if !text.is_empty() => Esc(text).to_string(),
        _ => "<span class=\"muted\">—</span>".to_owned(),
    }
}

/// One action in a findings row: status badge, kind, target, detail.
fn action_item(kind: &str, target: &str, status: &str, detail: Option<&str>) -> String {
    format!(
        "<li>{} <code>{}</code> <span class=\"muted\">on</span> <code>{}</code>{}</li>",
        badge(status),
        Esc(kind),
        Esc(target),
        detail
            .filter(|detail| !detail.is_empty())
            .map(|detail| format!("<span class=\"detail\">{}</span>", Esc(detail)))
            .unwrap_or_default()
    )
}

/// The actions a decision's JSON lists (`[{kind, target, status, detail}]`), when the ledger
/// has none for it.
fn json_actions(actions: &serde_json::Value) -> Vec<String> {
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
    let mut body = String::from("<section class=\"kpis\" aria-label=\"Headline numbers\">");
    body.push_str(&kpi(
        "kpi-decisions",
        "Decisions",
        &decisions.len().to_string(),
        "",
        "findings and events decided",
        "",
    ));
    body.push_str(&kpi(
        "kpi-actions",
        "Actions",
        &actions.len().to_string(),
        "",
        "claimed in the ledger",
        "",
    ));
    body.push_str(&kpi(
        "kpi-actions-done",
        "Done",
        &count("done").to_string(),
        "",
        "accepted by the manager or AWS",
        "ok",
    ));
    body.push_str(&kpi(
        "kpi-actions-failed",
        "Failed",
        &count("failed").to_string(),
        "",
        "retried on a later delivery",
        if count("failed") > 0 { "bad" } else { "ok" },
    ));
    body.push_str("</section>\n<section class=\"card\"><h2>Decisions</h2>");
    if decisions.is_empty() {
        body.push_str(&empty_state(
            "No findings decided yet",
            "Decisions appear here as ward handles GuardDuty, Inspector, Macie, Security Hub and Config events.",
        ));
        body.push_str("</section>\n");
        return page(cx, "/findings", "Findings & actions", &body);
    }
    let mut ordered: Vec<&DecisionRecord> = decisions.iter().collect();
    ordered.sort_by_key(|decision| std::cmp::Reverse(decision.at));
    let mut by_finding: BTreeMap<&str, Vec<&ActionRecord>> = BTreeMap::new();
    for action in actions {
        by_finding
            .entry(action.finding.as_str())
            .or_default()
            .push(action);
    }
    body.push_str(
        "<div class=\"table-wrap\"><table class=\"data findings\"><thead><tr>\
         <th scope=\"col\">Time</th><th scope=\"col\">Finding</th><th scope=\"col\">Target</th>\
         <th scope=\"col\">Decision</th><th scope=\"col\">Reason</th><th scope=\"col\">Actions</th>\
         </tr></thead><tbody>",
    );
    for decision in ordered {
        let mut items: Vec<String> = match by_finding.get(decision.event_id.as_str()) {
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
        };
        if items.is_empty() {
            items.push("<li class=\"muted\">none</li>".to_owned());
        }
        let protected = match decision.protected {
            Some(true) => "<span class=\"sub\">protected</span>",
            Some(false) => "<span class=\"sub warn-text\">unprotected</span>",
            None => "",
        };
        let _ = write!(
            body,
            "<tr data-event=\"{}\"><td class=\"nowrap\">{}</td>\
             <td><span class=\"strong\">{}</span><span class=\"sub\">{} · <code>{}</code></span></td>\
             <td class=\"nowrap\">{}<span class=\"sub\">{}</span>{protected}</td>\
             <td>{}</td><td class=\"reason\">{}</td><td class=\"actions-cell\"><ul class=\"actions\">{}</ul></td></tr>",
            Esc(&decision.event_id),
            time_cell(Some(decision.at), cx.generated_at),
            Esc(&decision.finding_type),
            Esc(&decision.source),
            Esc(&decision.event_id),
            opt(decision.instance_id.as_deref()),
            opt(decision.account_id.as_deref()),
            badge(&decision.decision),
            Esc(&decision.reason),
            items.join("")
        );
    }
    body.push_str("</tbody></table></div></section>\n");
    page(cx, "/findings", "Findings & actions", &body)
}

/// `GET /unprotected`: the unprotected computers (the first of them, when there are many).
pub fn unprotected(
    cx: &Context<'_>,
    computers: &[Computer],
    total_unprotected: usize,
    total: usize,
) -> String {
    let protected = total.saturating_sub(total_unprotected);
    let mut body = String::from("<section class=\"kpis\" aria-label=\"Headline numbers\">");
    body.push_str(&kpi(
        "kpi-unprotected",
        "Unprotected",
        &total_unprotected.to_string(),
        "",
        "no agent, or agent offline or in error",
        if total_unprotected > 0 { "bad" } else { "ok" },
    ));
    body.push_str(&kpi(
        "kpi-computers",
        "Computers",
        &total.to_string(),
        "",
        "in view",
        "",
    ));
    body.push_str(&kpi(
        "kpi-coverage",
        "Agent coverage",
        &percent(protected as u64, total as u64),
        "%",
        &format!(
            "<span class=\"meter\"><span style=\"width:{}%\"></span></span>",
            percent(protected as u64, total as u64)
        ),
        "",
    ));
    body.push_str("</section>\n<section class=\"card\"><h2>Unprotected computers</h2>");
    if computers.is_empty() {
        body.push_str(&empty_state(
            if total == 0 {
                "No computers to show"
            } else {
                "Every computer is protected"
            },
            if total == 0 {
                "The inventory has no computers in this view."
            } else {
                "All computers in view have an active agent."
            },
        ));
        body.push_str("</section>\n");
        return page(cx, "/unprotected", "Unprotected", &body);
    }
    let _ = write!(
        body,
        "<p class=\"card-sub\">Showing <span id=\"shown-count\">{}</span> of {} unprotected computers</p>",
        computers.len(),
        total_unprotected
    );
    body.push_str(
        "<div class=\"table-wrap\"><table class=\"data\"><thead><tr>\
         <th scope=\"col\">Host</th><th scope=\"col\">Instance</th><th scope=\"col\">Account</th>\
         <th scope=\"col\">Region</th><th scope=\"col\">Platform</th><th scope=\"col\">Agent</th>\
         <th scope=\"col\">Last communication</th></tr></thead><tbody>",
    );
    for computer in computers {
        let name = computer
            .display_name
            .as_deref()
            .filter(|name| !name.is_empty() && *name != computer.host_name);
        let _ = write!(
            body,
            "<tr data-computer-id=\"{}\"><td class=\"nowrap\"><span class=\"strong\">{}</span>{}</td>\
             <td class=\"nowrap\"><code>{}</code><span class=\"sub\">{}</span></td>\
             <td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"nowrap\">{}{}</td>\
             <td class=\"nowrap\">{}</td></tr>",
            computer.computer_id,
            Esc(&computer.host_name),
            name.map(|name| format!("<span class=\"sub\">{}</span>", Esc(name)))
                .unwrap_or_default(),
            opt(computer.instance_id.as_deref()),
            opt(computer.instance_type.as_deref()),
            opt(computer.account_id.as_deref()),
            opt(computer.region.as_deref()),
            opt(computer.platform.as_deref()),
            badge(computer.agent_status.as_str()),
            if computer.agent_version.as_deref() == Some("0.0.0.0") {
                "<span class=\"sub\">no agent installed</span>"
            } else {
                ""
            },
            time_cell(computer.last_agent_communication, cx.generated_at),
        );
    }
    body.push_str("</tbody></table></div></section>\n");
    page(cx, "/unprotected", "Unprotected", &body)
}

/// `GET /flows`: the configured flows and their recent runs.
pub fn flows(cx: &Context<'_>, flows: &[FlowInfo], runs: &[FlowRun]) -> String {
    let mut ordered: Vec<&FlowRun> = runs.iter().collect();
    ordered.sort_by_key(|run| std::cmp::Reverse(run.started_at));
    let mut body = String::from("<section class=\"card\"><h2>Flows</h2>");
    if flows.is_empty() {
        body.push_str(&empty_state(
            "No flows configured",
            "Add a `[[flows]]` table to `ward.toml` to export computers, findings or actions to S3 or a directory.",
        ));
    } else {
        body.push_str(
            "<div class=\"table-wrap\"><table class=\"data\"><thead><tr><th scope=\"col\">Flow</th>\
             <th scope=\"col\">Source</th><th scope=\"col\">Trigger</th><th scope=\"col\">Destination</th>\
             <th scope=\"col\">Last run</th></tr></thead><tbody>",
        );
        for flow in flows {
            let last = ordered.iter().find(|run| run.flow == flow.name);
            let _ = write!(
                body,
                "<tr data-flow=\"{}\"><td class=\"strong nowrap\">{}</td><td><code>{}</code></td><td>{}</td>\
                 <td class=\"break\"><code>{}</code></td><td class=\"nowrap\">{}</td></tr>",
                Esc(&flow.name),
                Esc(&flow.name),
                Esc(&flow.source),
                Esc(&flow.trigger),
                Esc(&flow.destination),
                last.map(|run| format!(
                    "{} {}",
                    badge(run.status.as_str()),
                    time_cell(Some(run.started_at), cx.generated_at)
                ))
                .unwrap_or_else(|| "<span class=\"muted\">never run</span>".to_owned()),
            );
        }
        body.push_str("</tbody></table></div>");
    }
    body.push_str("</section>\n<section class=\"card\"><h2>Recent runs</h2>");
    if ordered.is_empty() {
        body.push_str(&empty_state(
            "No runs yet",
            "Runs appear here after `ward flow run NAME` or a scheduled trigger.",
        ));
        body.push_str("</section>\n");
        return page(cx, "/flows", "Flow runs", &body);
    }
    body.push_str(
        "<div class=\"table-wrap\"><table class=\"data runs\"><thead><tr><th scope=\"col\">Started</th>\
         <th scope=\"col\">Flow</th><th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">Duration</th>\
         <th scope=\"col\" class=\"num\">Read</th><th scope=\"col\" class=\"num\">Written</th>\
         <th scope=\"col\" class=\"num\">Filtered</th><th scope=\"col\" class=\"num\">Invalid</th>\
         <th scope=\"col\" class=\"num\">Bytes</th><th scope=\"col\">Files</th><th scope=\"col\">Error</th>\
         </tr></thead><tbody>",
    );
    for run in ordered {
        let duration = run
            .finished_at
            .map(|end| {
                format!(
                    "{:.1} s",
                    end.saturating_sub(run.started_at) as f64 / 1000.0
                )
            })
            .unwrap_or_else(|| "—".to_owned());
        let files = match run.files.as_slice() {
            [] => "<span class=\"muted\">none</span>".to_owned(),
            [one] => format!(
                "<code title=\"{}\">{}</code>",
                Esc(one),
                Esc(file_name(one))
            ),
            many => format!(
                "<details><summary>{} files</summary><ul class=\"files\">{}</ul></details>",
                many.len(),
                many.iter()
                    .map(|file| format!(
                        "<li><code title=\"{}\">{}</code></li>",
                        Esc(file),
                        Esc(file_name(file))
                    ))
                    .collect::<String>()
            ),
        };
        let _ = write!(
            body,
            "<tr data-execution-id=\"{}\"><td class=\"nowrap\">{}</td><td class=\"strong nowrap\">{}</td>\
             <td>{}</td><td class=\"num\">{duration}</td>\
             <td class=\"num\" data-key=\"records_read\">{}</td><td class=\"num\" data-key=\"records_written\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num nowrap\" data-bytes=\"{}\">{}</td>\
             <td class=\"files-cell\">{files}</td><td class=\"reason\">{}</td></tr>",
            Esc(&run.execution_id),
            time_cell(Some(run.started_at), cx.generated_at),
            Esc(&run.flow),
            badge(run.status.as_str()),
            run.records_read,
            run.records_written,
            run.records_filtered,
            run.records_invalid,
            run.bytes_written,
            html::bytes(run.bytes_written),
            run.error
                .as_deref()
                .map(|error| format!("<span class=\"bad-text\">{}</span>", Esc(error)))
                .unwrap_or_else(|| "<span class=\"muted\">—</span>".to_owned()),
        );
    }
    body.push_str("</tbody></table></div></section>\n");
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
    let body = format!(
        "<section class=\"card\">{}<p class=\"center\"><a class=\"button\" href=\"{}\">Back to the overview</a></p></section>\n",
        empty_state(
            "Not found",
            &format!("There is no {what} here. It may have been removed since the last sync.")
        ),
        html::href(cx, "/")
    );
    page(cx, "", "Not found", &body)
}
