//! Unit tests: the numbers in the HTML match the data, text from data comes out as the same text
//! (escaped, never markup), filters survive in links, charts draw one shape per slice with its
//! label, empty data reads as a message. Pages and charts are read with an HTML parser; whole
//! pages from fixed inputs are kept as `insta` snapshots in `snapshots/`.

use crate::charts::{self, Bar, Shape, Slice};
use crate::html;
use crate::{Context, Filters, FlowInfo, findings, flows, not_found, overview, unprotected};
use plotters::style::RGBColor;
use scraper::{ElementRef, Html, Selector};
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

/// A CSS selector the tests spell correctly.
fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|error| panic!("selector {css:?}: {error}"))
}

/// The elements of `root` matching `css`, in document order.
fn all<'a>(root: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    root.select(&selector(css)).collect()
}

/// The one element of `root` matching `css`.
fn one<'a>(root: ElementRef<'a>, css: &str) -> ElementRef<'a> {
    match all(root, css).as_slice() {
        [element] => *element,
        found => panic!("{} elements match {css:?}, not one", found.len()),
    }
}

/// The element of `root` matching `css` whose attribute `name` is `value` (compared after
/// parsing, so hostile text needs no CSS quoting).
fn with_attr<'a>(root: ElementRef<'a>, css: &str, name: &str, value: &str) -> ElementRef<'a> {
    let found: Vec<ElementRef<'a>> = all(root, css)
        .into_iter()
        .filter(|element| element.value().attr(name) == Some(value))
        .collect();
    match found.as_slice() {
        [element] => *element,
        _ => panic!("{} {css:?} with {name}={value:?}, not one", found.len()),
    }
}

/// An element's text, as a reader sees it (entities decoded).
fn text(element: ElementRef<'_>) -> String {
    element.text().collect()
}

/// An attribute of an element (entities decoded); panics when it is missing.
fn attr<'a>(element: ElementRef<'a>, name: &str) -> &'a str {
    element
        .value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} on {}", element.html()))
}

/// The text of the element with this `id`.
fn by_id(page: &Html, id: &str) -> String {
    text(one(page.root_element(), &format!("#{id}")))
}

/// Every `data-key` cell of the page, as key → the number it holds.
fn data_keys(page: &Html) -> BTreeMap<String, u64> {
    let mut found = BTreeMap::new();
    for cell in all(page.root_element(), "[data-key]") {
        let key = attr(cell, "data-key").to_owned();
        let value = text(cell)
            .parse()
            .unwrap_or_else(|_| panic!("{key} holds no number: {}", cell.html()));
        assert!(
            found.insert(key.clone(), value).is_none(),
            "{key} appears twice"
        );
    }
    found
}

/// Nothing in the document runs code: no `<script>` element, no `on…` event attribute.
fn assert_inert(document: &Html) {
    let root = document.root_element();
    assert!(all(root, "script").is_empty(), "a script element");
    for element in all(root, "*") {
        for (name, _) in element.value().attrs() {
            assert!(!name.starts_with("on"), "{name} on {}", element.html());
        }
    }
}

/// The trimmed texts of a chart's `<text>` elements.
fn svg_texts(svg: &Html) -> Vec<String> {
    all(svg.root_element(), "text")
        .into_iter()
        .map(|element| text(element).trim().to_owned())
        .collect()
}

/// The titles of a page's empty states.
fn empty_titles(page: &str) -> Vec<String> {
    let page = Html::parse_document(page);
    all(page.root_element(), ".empty .empty-title")
        .into_iter()
        .map(text)
        .collect()
}

#[test]
fn overview_numbers_match_the_summary() {
    let computers = fleet();
    let summary = FleetSummary::of(&computers);
    let filters = filters();
    let page = Html::parse_document(&overview(&context(&filters), &summary));
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
    // Four donuts and the two shapes of the module bars, each in its card.
    let root = page.root_element();
    assert_eq!(all(root, "section.chart-card").len(), 5);
    assert_eq!(all(root, "section.chart-card figure.chart > svg").len(), 6);
}

#[test]
fn instance_types_show_the_top_eight_and_the_rest_as_other() {
    let summary = FleetSummary::of(&fleet());
    assert_eq!(summary.by_instance_type.len(), 12);
    let filters = filters();
    let page = Html::parse_document(&overview(&context(&filters), &summary));
    let keys = data_keys(&page);
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
    let other = one(
        page.root_element(),
        "#chart-instance_type tbody tr:last-child th",
    );
    assert_eq!(text(other), "other (4 types)");
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
    let svg = Html::parse_fragment(&charts::donut(&slices, "computers").expect("a chart"));
    let root = svg.root_element();
    assert_eq!(all(root, "svg").len(), 1);
    assert_eq!(all(root, "polygon").len(), 3);
    let texts = svg_texts(&svg);
    for label in ["active", "error", "inactive", "500", "computers"] {
        assert!(texts.iter().any(|text| text == label), "{label} missing");
    }
    assert!(!texts.iter().any(|text| text == "warning"));
}

#[test]
fn donut_leaves_tiny_slices_to_the_table_and_keeps_labels_text() {
    let slices = [("big", 990), (HOSTILE, 10)].map(|(label, value)| Slice {
        label: label.to_owned(),
        value,
        color: RGBColor(1, 2, 3),
        note: None,
    });
    let svg = Html::parse_fragment(&charts::donut(&slices, "computers").expect("a chart"));
    assert_eq!(all(svg.root_element(), "polygon").len(), 2);
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|text| text == "big"));
    assert!(!texts.iter().any(|text| text.contains("script")));
    assert_inert(&svg);

    let labelled = [("big", 900), (HOSTILE, 100)].map(|(label, value)| Slice {
        label: label.to_owned(),
        value,
        color: RGBColor(1, 2, 3),
        note: None,
    });
    let svg = Html::parse_fragment(&charts::donut(&labelled, "computers").expect("a chart"));
    assert_inert(&svg);
    // Long labels are cut to 13 characters; what is left is text, not markup.
    assert!(svg_texts(&svg).contains(&"<script>aler…".to_owned()));
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
            let svg = Html::parse_fragment(&charts::stacked_bars(&bars, shape).expect("a chart"));
            assert_eq!(data_rects(&svg), segments, "total {total}");
            let texts = svg_texts(&svg);
            for module in Module::ALL {
                let name = format!("module {}", module.as_str());
                assert!(texts.contains(&name), "{name} missing");
            }
        }
    }
}

/// The rectangles of a chart that are data: plotters draws none of its own with a plain
/// backend, but keep the count honest if a background fill (at 0,0) is ever added.
fn data_rects(svg: &Html) -> usize {
    all(svg.root_element(), "rect")
        .into_iter()
        .filter(|rect| {
            let at = |name: &str| rect.value().attr(name);
            (at("x"), at("y")) != (Some("0"), Some("0"))
        })
        .count()
}

#[test]
fn text_from_data_comes_out_as_the_same_text_on_every_page() {
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
        decision: ward_core::Verdict::Ignore,
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
    ]
    .map(|page| Html::parse_document(&page));
    for page in &pages {
        assert_inert(page);
        let root = page.root_element();
        for id in ["filter-account", "filter-region"] {
            let chosen = one(root, &format!("#{id} option[selected]"));
            assert_eq!(attr(chosen, "value"), HOSTILE);
            assert_eq!(text(chosen), HOSTILE);
        }
    }
    let [overview, findings, unprotected, flows, not_found] = &pages;

    let root = overview.root_element();
    let cell = with_attr(root, "td", "data-key", &format!("ec2_state.{HOSTILE}"));
    assert_eq!(text(cell), "1");
    let figure = one(root, "#chart-ec2_state figure");
    assert_eq!(
        attr(figure, "aria-label"),
        format!("EC2 instance state: {HOSTILE} 1")
    );

    let row = with_attr(findings.root_element(), "tr", "data-event", HOSTILE);
    assert_eq!(text(one(row, ".strong")), HOSTILE);
    assert_eq!(text(one(row, ".sub code")), HOSTILE);
    assert_eq!(text(one(row, "td > .badge")), "ignore");
    assert_eq!(text(one(row, ".reason")), HOSTILE);
    let item = one(row, "ul.actions li");
    let codes: Vec<String> = all(item, "code").into_iter().map(text).collect();
    assert_eq!(codes, [HOSTILE, HOSTILE]);
    assert_eq!(text(one(item, ".badge")), HOSTILE);
    assert_eq!(text(one(item, ".detail")), HOSTILE);

    let row = with_attr(unprotected.root_element(), "tr", "data-computer-id", "1");
    assert_eq!(text(one(row, ".strong")), HOSTILE);
    assert_eq!(text(one(row, "code")), HOSTILE);

    let root = flows.root_element();
    let row = with_attr(root, "tr", "data-flow", HOSTILE);
    assert_eq!(text(one(row, ".strong")), HOSTILE);
    let row = with_attr(root, "tr", "data-execution-id", HOSTILE);
    assert_eq!(text(one(row, ".bad-text")), HOSTILE);
    let titles: Vec<&str> = all(row, "ul.files code")
        .into_iter()
        .map(|code| attr(code, "title"))
        .collect();
    assert_eq!(titles, [HOSTILE.to_owned(), format!("s3://b/{HOSTILE}")]);

    let message = one(not_found.root_element(), ".empty p:not(.empty-title)");
    assert_eq!(
        text(message),
        format!("There is no {HOSTILE} here. It may have been removed since the last sync.")
    );
}

#[test]
fn a_script_host_name_and_a_quoted_flow_name_read_back_as_written() {
    let host = "<script>alert(1)</script>";
    let flow_name = r#"nightly "export" & <b>more</b>"#;
    let mut computer = computer(7, "Ubuntu 22.04 LTS", AgentStatus::Error, "t3.micro");
    computer.host_name = host.to_owned();
    let filters = filters();
    let cx = context(&filters);

    let page = Html::parse_document(&unprotected(&cx, &[computer], 1, 1));
    assert!(all(page.root_element(), "script").is_empty());
    let row = with_attr(page.root_element(), "tr", "data-computer-id", "7");
    assert_eq!(text(one(row, "td:first-child .strong")), host);

    let info = FlowInfo {
        name: flow_name.to_owned(),
        source: "computers".to_owned(),
        trigger: "on demand".to_owned(),
        destination: "s3://lake/a&b/".to_owned(),
    };
    let run = FlowRun::started("exec-1", flow_name, NOW - 60_000);
    let page = Html::parse_document(&flows(&cx, &[info], &[run]));
    let root = page.root_element();
    assert!(all(root, "script, b").is_empty());
    let row = with_attr(root, "tr", "data-flow", flow_name);
    assert_eq!(text(one(row, "td.strong")), flow_name);
    assert_eq!(text(one(row, "td.break code")), "s3://lake/a&b/");
    let run_row = one(root, "table.runs tbody tr");
    assert_eq!(text(one(run_row, "td.strong")), flow_name);
}

/// The options of a select: value and whether it is selected.
fn options(root: ElementRef<'_>, id: &str) -> Vec<(String, bool)> {
    all(root, &format!("#{id} option"))
        .into_iter()
        .map(|option| {
            let selected = option.value().attr("selected").is_some();
            (attr(option, "value").to_owned(), selected)
        })
        .collect()
}

fn owned(pairs: &[(&str, bool)]) -> Vec<(String, bool)> {
    pairs
        .iter()
        .map(|(value, selected)| ((*value).to_owned(), *selected))
        .collect()
}

#[test]
fn links_and_the_filter_bar_keep_the_current_filter() {
    let filters = Filters {
        account: Some("111122223333".to_owned()),
        region: Some("us-east-1".to_owned()),
        ..filters()
    };
    let summary = FleetSummary::of(&fleet());
    let page = Html::parse_document(&overview(&context(&filters), &summary));
    let root = page.root_element();
    let query = "?account=111122223333&region=us-east-1";
    let nav: Vec<&str> = all(root, "nav a")
        .into_iter()
        .map(|link| attr(link, "href"))
        .collect();
    assert_eq!(
        nav,
        ["/", "/findings", "/unprotected", "/flows"].map(|path| format!("{path}{query}"))
    );
    assert_eq!(attr(one(root, "a.brand"), "href"), format!("/{query}"));
    assert_eq!(
        attr(one(root, ".kpi-note a"), "href"),
        format!("/unprotected{query}")
    );
    let form = one(root, "form.filters");
    assert_eq!(attr(form, "method"), "get");
    assert_eq!(attr(form, "action"), "/");
    assert_eq!(attr(one(form, "a.reset"), "href"), "/");
    assert_eq!(
        options(form, "filter-account"),
        owned(&[("", false), ("111122223333", true), ("444455556666", false)])
    );
    assert_eq!(
        options(form, "filter-region"),
        owned(&[("", false), ("eu-west-2", false), ("us-east-1", true)])
    );
    assert_eq!(
        text(one(form, "#filter-account option[value=\"\"]")),
        "All accounts"
    );

    let unfiltered = self::filters();
    let page = Html::parse_document(&findings(&context(&unfiltered), &[], &[]));
    let root = page.root_element();
    let nav: Vec<&str> = all(root, "nav a")
        .into_iter()
        .map(|link| attr(link, "href"))
        .collect();
    assert_eq!(nav, ["/", "/findings", "/unprotected", "/flows"]);
    let chosen = one(root, "#filter-account option[selected]");
    assert_eq!(
        (attr(chosen, "value"), text(chosen).as_str()),
        ("", "All accounts")
    );
    assert_eq!(attr(one(root, "form.filters"), "action"), "/findings");
    assert!(all(root, "a.reset").is_empty());
    assert_eq!(
        text(one(root, "nav a[aria-current=\"page\"]")),
        "Findings & actions"
    );
    assert_eq!(text(one(root, "title")), "Findings & actions · ward");
}

#[test]
fn a_chosen_value_outside_the_offered_list_stays_selected_and_is_encoded_in_links() {
    let filters = Filters {
        account: Some("a b&c/é".to_owned()),
        ..filters()
    };
    assert_eq!(html::query(&filters), "?account=a%20b%26c%2F%C3%A9");
    let page = Html::parse_document(&flows(&context(&filters), &[], &[]));
    let root = page.root_element();
    assert_eq!(
        attr(all(root, "nav a")[0], "href"),
        "/?account=a%20b%26c%2F%C3%A9"
    );
    assert_eq!(
        options(root, "filter-account"),
        owned(&[
            ("", false),
            ("111122223333", false),
            ("444455556666", false),
            ("a b&c/é", true),
        ])
    );
    assert_eq!(
        text(one(root, "#filter-account option[selected]")),
        "a b&c/é"
    );
}

#[test]
fn empty_data_reads_as_a_message_not_an_empty_chart() {
    let filters = filters();
    let cx = context(&filters);
    let page = overview(&cx, &FleetSummary::of(&[]));
    assert_eq!(empty_titles(&page), ["No computers to show"]);
    let page = Html::parse_document(&page);
    assert!(all(page.root_element(), "svg").is_empty());
    assert_eq!(by_id(&page, "kpi-computers"), "0");
    assert_eq!(by_id(&page, "kpi-coverage"), "0.0");
    assert_eq!(text(one(page.root_element(), ".empty code")), "ward sync");

    assert_eq!(
        empty_titles(&flows(&cx, &[], &[])),
        ["No flows configured", "No runs yet"]
    );
    assert_eq!(
        empty_titles(&findings(&cx, &[], &[])),
        ["No findings decided yet"]
    );
    assert_eq!(
        empty_titles(&unprotected(&cx, &[], 0, 0)),
        ["No computers to show"]
    );
    assert_eq!(
        empty_titles(&unprotected(&cx, &[], 0, 12)),
        ["Every computer is protected"]
    );
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
        decision: ward_core::Verdict::Respond,
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
    let page = Html::parse_document(&findings(
        &context(&filters),
        &[decision("old", NOW - 10_000), decision("new", NOW)],
        &[action],
    ));
    let rows = all(page.root_element(), "table.findings tbody tr");
    let events: Vec<&str> = rows.iter().map(|row| attr(*row, "data-event")).collect();
    assert_eq!(events, ["new", "old"]);
    let reasons: Vec<String> = rows.iter().map(|row| text(one(*row, ".reason"))).collect();
    assert_eq!(reasons, ["reason for new", "reason for old"]);

    let item = one(rows[0], "ul.actions li");
    let badge = one(item, ".badge");
    assert_eq!(
        (attr(badge, "class"), text(badge).as_str()),
        ("badge ok", "done")
    );
    let codes: Vec<String> = all(item, "code").into_iter().map(text).collect();
    assert_eq!(codes, ["scan-malware", "computer:4"]);
    assert_eq!(text(one(item, ".detail")), "scheduled task 18 ran");
    let none = one(rows[1], "ul.actions li");
    assert_eq!(
        (attr(none, "class"), text(none).as_str()),
        ("muted", "none")
    );

    assert_eq!(by_id(&page, "kpi-decisions"), "2");
    assert_eq!(by_id(&page, "kpi-actions"), "1");
    assert_eq!(by_id(&page, "kpi-actions-done"), "1");
    assert_eq!(by_id(&page, "kpi-actions-failed"), "0");
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
    let page = Html::parse_document(&flows(&context(&filters), &[info], &[ok, failed]));
    let root = page.root_element();
    let rows = all(root, "table.runs tbody tr");
    let executions: Vec<&str> = rows
        .iter()
        .map(|row| attr(*row, "data-execution-id"))
        .collect();
    assert_eq!(executions, ["exec-2", "exec-1"]);
    let [newest, oldest] = rows.as_slice() else {
        panic!("two runs listed")
    };

    let badge = one(*newest, ".badge");
    assert_eq!(
        (attr(badge, "class"), text(badge).as_str()),
        ("badge bad", "Error")
    );
    assert_eq!(text(one(*newest, ".bad-text")), "AccessDenied");
    assert_eq!(text(one(*newest, ".files-cell")), "none");

    let cells: Vec<String> = all(*oldest, "td.num").into_iter().map(text).collect();
    assert_eq!(cells, ["2.5 s", "480", "470", "0", "0", "1.5 MB"]);
    assert_eq!(text(one(*oldest, "[data-key=\"records_read\"]")), "480");
    assert_eq!(attr(one(*oldest, "[data-bytes]"), "data-bytes"), "1500000");
    let file = one(*oldest, ".files-cell code");
    assert_eq!(text(file), "part-0.parquet");
    assert_eq!(attr(file, "title"), "s3://lake/daily/part-0.parquet");

    let flow = with_attr(root, "tr", "data-flow", "daily");
    assert_eq!(
        text(one(flow, ".badge")),
        "Error",
        "the latest run's status"
    );
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

// Snapshots of whole pages from fixed inputs (`generated_at` included), so a change to the
// markup shows as a diff to review. After a deliberate change: `INSTA_UPDATE=always cargo test
// -p ward-dashboard`, then read `git diff src/snapshots/`.

#[test]
fn not_found_page_snapshot() {
    let filters = filters();
    insta::assert_snapshot!(
        "not_found_page",
        not_found(&context(&filters), "computer 12")
    );
}

#[test]
fn small_findings_page_snapshot() {
    let filters = Filters {
        region: Some("us-east-1".to_owned()),
        ..filters()
    };
    let responded = DecisionRecord {
        event_id: "evt-1000-guardduty".to_owned(),
        source: "guardduty".to_owned(),
        finding_type: "Backdoor:EC2/C&CActivity.B!DNS".to_owned(),
        instance_id: Some("i-0a1b2c3d4e5f60718".to_owned()),
        computer_id: Some(ComputerId(42)),
        account_id: Some("111122223333".to_owned()),
        protected: Some(true),
        decision: ward_core::Verdict::Respond,
        reason: "instance i-0a1b2c3d4e5f60718 is protected: run an anti-malware scan".to_owned(),
        actions: serde_json::json!([]),
        at: NOW - 47 * 60_000,
    };
    let notified = DecisionRecord {
        event_id: "evt-1001-macie".to_owned(),
        source: "macie".to_owned(),
        finding_type: "SensitiveData:S3Object/Personal".to_owned(),
        instance_id: None,
        computer_id: None,
        account_id: None,
        protected: None,
        decision: ward_core::Verdict::Notify,
        reason: "bucket customer-exports is read by no known instance".to_owned(),
        actions: serde_json::json!([
            {"kind": "notify", "target": "account:111122223333", "status": "done"}
        ]),
        at: NOW - 5 * 60_000,
    };
    let action = |id: i64, action: &str, status: ActionStatus, detail: &str| ActionRecord {
        id,
        finding: "evt-1000-guardduty".to_owned(),
        target: "computer:42".to_owned(),
        action: action.to_owned(),
        coalesce: None,
        status,
        attempts: 1,
        requested_at: NOW - 47 * 60_000 + id,
        settled_at: Some(NOW - 46 * 60_000),
        detail: Some(detail.to_owned()),
        coalesced_into: None,
        computer_id: Some(ComputerId(42)),
    };
    let actions = [
        action(
            1,
            "scan-recommendations",
            ActionStatus::Done,
            "scheduled task 17 ran",
        ),
        action(
            2,
            "scan-malware",
            ActionStatus::Failed,
            "manager answered 429",
        ),
    ];
    insta::assert_snapshot!(
        "small_findings_page",
        findings(&context(&filters), &[responded, notified], &actions)
    );
}

#[test]
fn small_flows_page_snapshot() {
    let filters = filters();
    let info = FlowInfo {
        name: "findings-hourly".to_owned(),
        source: "findings".to_owned(),
        trigger: "rate(1 hour)".to_owned(),
        destination: "s3://lake/findings/".to_owned(),
    };
    let mut ok = FlowRun::started("exec-1", "findings-hourly", NOW - 3_600_000);
    ok.status = FlowRunStatus::Successful;
    ok.finished_at = Some(NOW - 3_597_600);
    ok.records_read = 480;
    ok.records_written = 470;
    ok.records_filtered = 9;
    ok.records_invalid = 1;
    ok.bytes_written = 182_000;
    ok.files = vec![
        "s3://lake/findings/2026/11/29/part-0.parquet".to_owned(),
        "s3://lake/findings/2026/11/29/part-1.parquet".to_owned(),
    ];
    let mut failed = FlowRun::started("exec-2", "findings-hourly", NOW - 120_000);
    failed.status = FlowRunStatus::Error;
    failed.finished_at = Some(NOW - 119_000);
    failed.error = Some("AccessDenied: s3:PutObject on lake/findings/".to_owned());
    insta::assert_snapshot!(
        "small_flows_page",
        flows(&context(&filters), &[info], &[ok, failed])
    );
}
