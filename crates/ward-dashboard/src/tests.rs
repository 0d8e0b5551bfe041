//! Unit tests: the numbers in the HTML match the data, text from data is escaped, filters survive
//! in links, charts draw one shape per slice with its label, empty data reads as a message.

use crate::charts::{self, Bar, Shape, Slice};
use crate::html;
use crate::{Context, Filters, FlowInfo, findings, flows, not_found, overview, unprotected};
use plotters::style::RGBColor;
use std::collections::BTreeMap;
use ward_core::ids::ComputerId;
use ward_core::inventory::{AgentStatus, Computer, Module, ModuleState};
use ward_core::ledger::{ActionRecord, ActionStatus, DecisionRecord};
use ward_core::ports::{FlowRun, FlowRunStatus};
use ward_core::summary::FleetSummary;

const NOW: i64 = 1_796_000_000_000;
const HOSTILE: &str = "<script>alert('x')</script>\"&";

fn computer(id: i64, platform: &str, status: AgentStatus, instance_type: &str) -> Computer {
    let mut modules = BTreeMap::new();
    if id % 3 != 0 {
        modules.insert(
            Module::IntrusionPrevention,
            ModuleState {
                state: if id % 2 == 0 { "prevent" } else { "detect" }.to_owned(),
                status: if id % 5 == 0 {
                    AgentStatus::Error
                } else {
                    AgentStatus::Active
                },
                message: None,
            },
        );
    }
    Computer {
        computer_id: ComputerId(id),
        host_name: format!("host-{id}"),
        display_name: None,
        platform: Some(platform.to_owned()),
        agent_version: Some("20.0.1-1".to_owned()),
        agent_status: status,
        agent_status_messages: vec![],
        policy_id: None,
        last_agent_communication: Some(NOW - 90_000),
        instance_id: Some(format!("i-{id:017x}")),
        account_id: Some("111122223333".to_owned()),
        availability_zone: Some("us-east-1a".to_owned()),
        region: Some("us-east-1".to_owned()),
        instance_type: Some(instance_type.to_owned()),
        ec2_state: Some(if id % 4 == 0 { "POWER OFF" } else { "POWER ON" }.to_owned()),
        modules,
        ips_rule_ids: vec![],
    }
}

/// 60 computers over 12 instance types, four OS families, four agent statuses.
fn fleet() -> Vec<Computer> {
    let platforms = [
        "Amazon Linux 2 (64 bit)",
        "Microsoft Windows Server 2019 (64 bit)",
        "Ubuntu 22.04 LTS",
        "Red Hat Enterprise Linux 8",
    ];
    let statuses = [
        AgentStatus::Active,
        AgentStatus::Active,
        AgentStatus::Active,
        AgentStatus::Warning,
        AgentStatus::Error,
        AgentStatus::Inactive,
    ];
    (1..=60)
        .map(|id| {
            let index = id as usize;
            computer(
                id,
                platforms[index % platforms.len()],
                statuses[index % statuses.len()],
                &format!("t{}.type{}", index % 12, index % 12),
            )
        })
        .collect()
}

fn filters() -> Filters {
    Filters {
        account: None,
        region: None,
        accounts: vec!["111122223333".to_owned(), "444455556666".to_owned()],
        regions: vec!["eu-west-2".to_owned(), "us-east-1".to_owned()],
    }
}

fn context(filters: &Filters) -> Context<'_> {
    Context {
        filters,
        synced_at: Some(NOW - 240_000),
        generated_at: NOW,
    }
}

/// Every `data-key="K">N<` in the page, as K → N.
fn data_keys(page: &str) -> BTreeMap<String, u64> {
    let mut found = BTreeMap::new();
    let mut rest = page;
    while let Some(at) = rest.find("data-key=\"") {
        rest = &rest[at + "data-key=\"".len()..];
        let end = rest.find('"').expect("attribute closes");
        let key = rest[..end].to_owned();
        let open = rest.find('>').expect("tag closes") + 1;
        let close = open + rest[open..].find('<').expect("cell closes");
        let value = rest[open..close].parse().expect("a number in the cell");
        assert!(
            found.insert(key.clone(), value).is_none(),
            "{key} appears twice"
        );
        rest = &rest[close..];
    }
    found
}

/// The text of the element with `id="…"`.
fn by_id<'a>(page: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\">");
    let start = page.find(&marker).expect("the id is on the page") + marker.len();
    let end = start + page[start..].find('<').expect("the element closes");
    &page[start..end]
}

#[test]
fn overview_numbers_match_the_summary() {
    let computers = fleet();
    let summary = FleetSummary::of(&computers);
    let filters = filters();
    let page = overview(&context(&filters), &summary);
    let keys = data_keys(&page);

    assert_eq!(by_id(&page, "kpi-computers"), "60");
    assert_eq!(by_id(&page, "kpi-protected"), summary.protected.to_string());
    assert_eq!(
        by_id(&page, "kpi-unprotected"),
        (summary.computers - summary.protected).to_string()
    );
    assert_eq!(
        by_id(&page, "kpi-coverage"),
        format!(
            "{:.1}",
            summary.protected as f64 * 100.0 / summary.computers as f64
        )
    );
    for (chart, map) in [
        ("agent_status", &summary.by_agent_status),
        ("os_type", &summary.by_os_type),
        ("ec2_state", &summary.by_ec2_state),
    ] {
        for (name, count) in map {
            assert_eq!(keys[&format!("{chart}.{name}")], *count, "{chart}.{name}");
        }
        assert_eq!(keys[&format!("{chart}.total")], 60);
    }
    assert_eq!(keys["agent_status.active"], 30);
    for module in Module::ALL {
        let counts = &summary.modules[&module];
        let key = |state: &str| keys[&format!("module.{}.{state}", module.as_str())];
        assert_eq!(
            (
                key("on"),
                key("off"),
                key("warning"),
                key("error"),
                key("not_reported")
            ),
            (
                counts.on,
                counts.off,
                counts.warning,
                counts.error,
                counts.not_reported
            ),
        );
    }
}

#[test]
fn instance_types_show_the_top_eight_and_the_rest_as_other() {
    let summary = FleetSummary::of(&fleet());
    assert_eq!(summary.by_instance_type.len(), 12);
    let filters = filters();
    let keys = data_keys(&overview(&context(&filters), &summary));
    let ranked = FleetSummary::ranked(&summary.by_instance_type);
    for (name, count) in &ranked[..8] {
        assert_eq!(keys[&format!("instance_type.{name}")], *count);
    }
    for (name, _) in &ranked[8..] {
        assert!(!keys.contains_key(&format!("instance_type.{name}")));
    }
    let rest: u64 = ranked[8..].iter().map(|(_, count)| count).sum();
    assert_eq!(keys["instance_type.(other)"], rest);
    assert_eq!(keys["instance_type.total"], 60);
}

#[test]
fn donut_draws_one_shape_per_nonzero_slice_and_labels_them() {
    let slices = [
        ("active", 412, RGBColor(0, 200, 0)),
        ("warning", 0, RGBColor(200, 200, 0)),
        ("error", 40, RGBColor(200, 0, 0)),
        ("inactive", 48, RGBColor(100, 100, 100)),
    ]
    .map(|(label, value, color)| Slice {
        label: label.to_owned(),
        value,
        color,
        note: None,
    });
    let svg = charts::donut(&slices, "computers").expect("a chart");
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("<polygon").count(), 3);
    for label in ["active", "error", "inactive", "500", "computers"] {
        assert!(svg.contains(&format!("\n{label}\n")), "{label} missing");
    }
    assert!(!svg.contains("warning"));
}

#[test]
fn donut_leaves_tiny_slices_to_the_table_and_escapes_labels() {
    let slices = [("big", 990), (HOSTILE, 10)].map(|(label, value)| Slice {
        label: label.to_owned(),
        value,
        color: RGBColor(1, 2, 3),
        note: None,
    });
    let svg = charts::donut(&slices, "computers").expect("a chart");
    assert_eq!(svg.matches("<polygon").count(), 2);
    assert!(svg.contains("\nbig\n"));
    assert!(!svg.contains("<script"));

    let labelled = [("big", 900), (HOSTILE, 100)].map(|(label, value)| Slice {
        label: label.to_owned(),
        value,
        color: RGBColor(1, 2, 3),
        note: None,
    });
    let svg = charts::donut(&labelled, "computers").expect("a chart");
    assert!(!svg.contains("<script"));
    assert!(svg.contains("&lt;script"));
}

#[test]
fn charts_with_nothing_to_draw_are_none() {
    let zero = Slice {
        label: "active".to_owned(),
        value: 0,
        color: RGBColor(0, 0, 0),
        note: None,
    };
    assert!(charts::donut(std::slice::from_ref(&zero), "computers").is_none());
    assert!(charts::donut(&[], "computers").is_none());
    let bars = [Bar {
        label: "Firewall".to_owned(),
        segments: vec![zero],
    }];
    assert!(charts::stacked_bars(&bars, Shape::Wide).is_none());
}

#[test]
fn stacked_bars_draw_every_segment_and_module_name_at_any_scale() {
    for total in [1, 2, 3, 7, 10, 99, 1000, 123_457] {
        let bars: Vec<Bar> = Module::ALL
            .iter()
            .enumerate()
            .map(|(index, module)| Bar {
                label: format!("module {}", module.as_str()),
                segments: vec![
                    Slice {
                        label: "On".to_owned(),
                        value: total - (index as u64 % 2).min(total - 1),
                        color: RGBColor(0, 200, 0),
                        note: None,
                    },
                    Slice {
                        label: "Off".to_owned(),
                        value: (index as u64 % 2).min(total - 1),
                        color: RGBColor(100, 100, 100),
                        note: None,
                    },
                ],
            })
            .collect();
        let segments: usize = bars
            .iter()
            .map(|bar| bar.segments.iter().filter(|s| s.value > 0).count())
            .sum();
        for shape in [Shape::Wide, Shape::Narrow] {
            let svg = charts::stacked_bars(&bars, shape).expect("a chart");
            assert_eq!(
                svg.matches("<rect").count() - background_rects(&svg),
                segments,
                "total {total}"
            );
            for module in Module::ALL {
                assert!(svg.contains(&format!("module {}", module.as_str())));
            }
        }
    }
}

/// Rectangles plotters draws that are not data: none with a plain backend, but keep the count
/// honest if a background fill is ever added.
fn background_rects(svg: &str) -> usize {
    svg.matches("<rect x=\"0\" y=\"0\"").count()
}

#[test]
fn text_from_data_is_escaped_on_every_page() {
    let mut hostile = computer(1, HOSTILE, AgentStatus::Inactive, HOSTILE);
    hostile.host_name = HOSTILE.to_owned();
    hostile.display_name = Some(HOSTILE.to_owned());
    hostile.instance_id = Some(HOSTILE.to_owned());
    hostile.account_id = Some(HOSTILE.to_owned());
    hostile.region = Some(HOSTILE.to_owned());
    hostile.ec2_state = Some(HOSTILE.to_owned());
    let filters = Filters {
        account: Some(HOSTILE.to_owned()),
        region: Some(HOSTILE.to_owned()),
        accounts: vec![HOSTILE.to_owned()],
        regions: vec![HOSTILE.to_owned()],
    };
    let cx = context(&filters);
    let decision = DecisionRecord {
        event_id: HOSTILE.to_owned(),
        source: HOSTILE.to_owned(),
        finding_type: HOSTILE.to_owned(),
        instance_id: Some(HOSTILE.to_owned()),
        computer_id: None,
        account_id: Some(HOSTILE.to_owned()),
        protected: Some(false),
        decision: HOSTILE.to_owned(),
        reason: HOSTILE.to_owned(),
        actions: serde_json::json!([{"kind": HOSTILE, "target": HOSTILE, "status": HOSTILE, "detail": HOSTILE}]),
        at: NOW,
    };
    let action = ActionRecord {
        id: 1,
        finding: "other".to_owned(),
        target: HOSTILE.to_owned(),
        action: HOSTILE.to_owned(),
        coalesce: None,
        status: ActionStatus::Failed,
        attempts: 1,
        requested_at: NOW,
        settled_at: None,
        detail: Some(HOSTILE.to_owned()),
        coalesced_into: None,
        computer_id: None,
    };
    let mut run = FlowRun::started(HOSTILE, HOSTILE, NOW);
    run.status = FlowRunStatus::Error;
    run.files = vec![HOSTILE.to_owned(), format!("s3://b/{HOSTILE}")];
    run.error = Some(HOSTILE.to_owned());
    let flow = FlowInfo {
        name: HOSTILE.to_owned(),
        source: HOSTILE.to_owned(),
        trigger: HOSTILE.to_owned(),
        destination: HOSTILE.to_owned(),
    };
    let pages = [
        overview(&cx, &FleetSummary::of(std::slice::from_ref(&hostile))),
        findings(&cx, std::slice::from_ref(&decision), &[action]),
        unprotected(&cx, std::slice::from_ref(&hostile), 1, 1),
        flows(&cx, &[flow], &[run]),
        not_found(&cx, HOSTILE),
    ];
    for page in pages {
        assert!(!page.contains("<script"), "unescaped: {page}");
        assert!(page.contains("&lt;script&gt;"));
    }
}

#[test]
fn links_and_the_filter_bar_keep_the_current_filter() {
    let filters = Filters {
        account: Some("111122223333".to_owned()),
        region: Some("us-east-1".to_owned()),
        ..filters()
    };
    let summary = FleetSummary::of(&fleet());
    let page = overview(&context(&filters), &summary);
    for path in ["/", "/findings", "/unprotected", "/flows"] {
        assert!(
            page.contains(&format!(
                "href=\"{path}?account=111122223333&amp;region=us-east-1\""
            )),
            "{path}"
        );
    }
    assert!(page.contains("<form class=\"filters\" method=\"get\" action=\"/\">"));
    assert!(page.contains("<option value=\"111122223333\" selected>"));
    assert!(page.contains("<option value=\"444455556666\">"));
    assert!(page.contains("<option value=\"us-east-1\" selected>"));
    assert!(page.contains("<option value=\"\">All accounts</option>"));

    let unfiltered = self::filters();
    let page = findings(&context(&unfiltered), &[], &[]);
    assert!(page.contains("href=\"/unprotected\""));
    assert!(page.contains("<option value=\"\" selected>All accounts</option>"));
    assert!(page.contains("action=\"/findings\""));
    assert!(page.contains("aria-current=\"page\">Findings &amp; actions"));
}

#[test]
fn a_chosen_value_outside_the_offered_list_stays_selected_and_is_encoded_in_links() {
    let filters = Filters {
        account: Some("a b&c/é".to_owned()),
        ..filters()
    };
    assert_eq!(html::query(&filters), "?account=a%20b%26c%2F%C3%A9");
    let page = flows(&context(&filters), &[], &[]);
    assert!(page.contains("href=\"/?account=a%20b%26c%2F%C3%A9\""));
    assert!(page.contains("<option value=\"a b&amp;c/é\" selected>"));
}

#[test]
fn empty_data_reads_as_a_message_not_an_empty_chart() {
    let filters = filters();
    let cx = context(&filters);
    let page = overview(&cx, &FleetSummary::of(&[]));
    assert!(page.contains("No computers to show"));
    assert!(!page.contains("<svg"));
    assert_eq!(by_id(&page, "kpi-computers"), "0");
    assert_eq!(by_id(&page, "kpi-coverage"), "0.0");

    let page = flows(&cx, &[], &[]);
    assert!(page.contains("No flows configured"));
    assert!(page.contains("No runs yet"));
    let page = findings(&cx, &[], &[]);
    assert!(page.contains("No findings decided yet"));
    let page = unprotected(&cx, &[], 0, 0);
    assert!(page.contains("No computers to show"));
    let page = unprotected(&cx, &[], 0, 12);
    assert!(page.contains("Every computer is protected"));
}

#[test]
fn findings_are_newest_first_with_their_actions() {
    let decision = |id: &str, at: i64| DecisionRecord {
        event_id: id.to_owned(),
        source: "guardduty".to_owned(),
        finding_type: format!("Type:{id}"),
        instance_id: Some("i-0123".to_owned()),
        computer_id: Some(ComputerId(4)),
        account_id: Some("111122223333".to_owned()),
        protected: Some(true),
        decision: "respond".to_owned(),
        reason: format!("reason for {id}"),
        actions: serde_json::json!([]),
        at,
    };
    let action = ActionRecord {
        id: 9,
        finding: "new".to_owned(),
        target: "computer:4".to_owned(),
        action: "scan-malware".to_owned(),
        coalesce: None,
        status: ActionStatus::Done,
        attempts: 1,
        requested_at: NOW,
        settled_at: Some(NOW),
        detail: Some("scheduled task 18 ran".to_owned()),
        coalesced_into: None,
        computer_id: Some(ComputerId(4)),
    };
    let filters = filters();
    let page = findings(
        &context(&filters),
        &[decision("old", NOW - 10_000), decision("new", NOW)],
        &[action],
    );
    let new = page.find("reason for new").expect("new listed");
    let old = page.find("reason for old").expect("old listed");
    assert!(new < old);
    let row_new = &page[page.find("data-event=\"new\"").expect("row")..old];
    assert!(row_new.contains("scan-malware"));
    assert!(row_new.contains("scheduled task 18 ran"));
    assert!(row_new.contains("<span class=\"badge ok\">done</span>"));
    assert_eq!(by_id(&page, "kpi-decisions"), "2");
    assert_eq!(by_id(&page, "kpi-actions-done"), "1");
}

#[test]
fn flow_runs_show_status_records_bytes_files_and_error() {
    let mut ok = FlowRun::started("exec-1", "daily", NOW - 3_600_000);
    ok.status = FlowRunStatus::Successful;
    ok.finished_at = Some(NOW - 3_597_500);
    ok.records_read = 480;
    ok.records_written = 470;
    ok.bytes_written = 1_500_000;
    ok.files = vec!["s3://lake/daily/part-0.parquet".to_owned()];
    let mut failed = FlowRun::started("exec-2", "daily", NOW - 60_000);
    failed.status = FlowRunStatus::Error;
    failed.error = Some("AccessDenied".to_owned());
    let info = FlowInfo {
        name: "daily".to_owned(),
        source: "computers".to_owned(),
        trigger: "rate(1 day)".to_owned(),
        destination: "s3://lake/daily/".to_owned(),
    };
    let filters = filters();
    let page = flows(&context(&filters), &[info], &[ok, failed]);
    let newest = page.find("data-execution-id=\"exec-2\"").expect("listed");
    let oldest = page.find("data-execution-id=\"exec-1\"").expect("listed");
    assert!(newest < oldest);
    assert!(page.contains("1.5 MB"));
    assert!(page.contains("part-0.parquet"));
    assert!(page.contains("AccessDenied"));
    assert!(page.contains(">2.5 s<"));
    assert!(page.contains("<span class=\"badge bad\">Error</span>"));
    assert!(page.contains("data-key=\"records_read\">480<"));
}

#[test]
fn times_and_sizes_read_naturally() {
    assert_eq!(html::datetime(0), "1970-01-01 00:00 UTC");
    assert_eq!(html::datetime(1_700_000_000_000), "2023-11-14 22:13 UTC");
    assert_eq!(html::datetime(-1), "1969-12-31 23:59 UTC");
    assert_eq!(html::datetime(i64::MAX), "9999-12-30 22:00 UTC");
    assert_eq!(html::datetime(i64::MIN), "-9999-01-02 01:59 UTC");
    assert_eq!(html::ago(NOW - 30_000, NOW), "just now");
    assert_eq!(html::ago(NOW - 180_000, NOW), "3 min ago");
    assert_eq!(html::ago(NOW - 7_200_000, NOW), "2 h ago");
    assert_eq!(html::ago(NOW + 5_000, NOW), "just now");
    assert_eq!(html::bytes(999), "999 B");
    assert_eq!(html::bytes(182_000), "182.0 KB");
    assert_eq!(html::percent(1, 3), "33.3");
    assert_eq!(html::percent(0, 0), "0.0");
}

#[test]
fn the_stylesheet_is_self_contained() {
    let css = crate::STYLESHEET;
    assert!(!css.contains("url("), "no external assets");
    assert!(!css.contains("@import"));
    assert!(css.contains("@media (max-width: 640px)"));
}
