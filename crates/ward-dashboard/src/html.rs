//! HTML building blocks as maud templates: query strings, times and numbers in words, the page
//! frame (top nav, filter bar, footer), status badges, empty states and headline tiles. maud
//! escapes every value it inserts into text or an attribute, so nothing here escapes by hand.

use crate::{Context, Filters};
use jiff::Timestamp;
use maud::{DOCTYPE, Markup, Render, html};
use std::fmt::Write;

/// Percent-encodes a query-string value (everything but RFC 3986's unreserved characters).
pub(crate) fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The filter as a query string (`?account=…&region=…`), or empty when nothing is filtered.
pub(crate) fn query(filters: &Filters) -> String {
    let pairs: Vec<String> = [("account", &filters.account), ("region", &filters.region)]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref().filter(|value| !value.is_empty())?;
            Some(format!("{name}={}", url_encode(value)))
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// A link target on this site that keeps the current filter.
pub(crate) fn href(cx: &Context<'_>, path: &str) -> String {
    format!("{path}{}", query(cx.filters))
}

/// `2026-11-29 13:40 UTC` from milliseconds since the epoch; times beyond what jiff represents
/// (the years -9999 to 9999) show as its first or last instant.
pub(crate) fn datetime(ms: i64) -> String {
    let at = Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    });
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// `3 min ago`, `2 h ago`, `5 d ago`, `just now` — `then` against `now` (both in ms).
pub(crate) fn ago(then: i64, now: i64) -> String {
    let seconds = now.saturating_sub(then) / 1000;
    match seconds {
        ..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// A `<time>` element with the absolute time and, as a tooltip-free suffix, how long ago.
pub(crate) fn time_cell(ms: Option<i64>, now: i64) -> Markup {
    html! {
        @if let Some(ms) = ms {
            time datetime=(ms) { (datetime(ms)) }
            span class="sub" { (ago(ms, now)) }
        } @else {
            span class="muted" { "never" }
        }
    }
}

/// `1.5 MB` from a byte count.
pub(crate) fn bytes(count: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{count} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `12.3` — a share as a percentage with one decimal (0 of 0 is 0).
pub(crate) fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0.0".to_owned()
    } else {
        format!("{:.1}", part as f64 * 100.0 / whole as f64)
    }
}

/// The tone of a status word, for its badge colour: `ok`, `warn`, `bad`, `off` or `info`.
pub(crate) fn tone(status: &str) -> &'static str {
    match status.to_ascii_lowercase().as_str() {
        "active" | "on" | "done" | "successful" | "respond" | "compliant" | "power on"
        | "running" => "ok",
        "warning" | "requested" | "inprogress" | "in-flight" | "notify" | "planned" => "warn",
        "error" | "failed" | "non_compliant" | "non-compliant" => "bad",
        "inactive" | "off" | "ignore" | "coalesced" | "already-done" | "power off" | "stopped" => {
            "off"
        }
        _ => "info",
    }
}

/// A status word as a coloured badge.
pub(crate) fn badge(status: &str) -> Markup {
    html! { span class={ "badge " (tone(status)) } { (status) } }
}

/// The pages of the top nav: path and title.
const NAV: [(&str, &str); 4] = [
    ("/", "Overview"),
    ("/findings", "Findings & actions"),
    ("/unprotected", "Unprotected"),
    ("/flows", "Flow runs"),
];

/// A whole page: head, top nav, title, filter bar (for `path`), `body`, footer. The `"\n"`
/// text nodes only keep the source readable (one line per block).
pub(crate) fn page(cx: &Context<'_>, path: &str, title: &str, body: &Markup) -> String {
    html! {
        (DOCTYPE) "\n"
        html lang="en" {
            "\n"
            head {
                "\n"
                meta charset="utf-8";
                "\n"
                meta name="viewport" content="width=device-width, initial-scale=1";
                "\n"
                title { (title) " · ward" }
                "\n"
                link rel="stylesheet" href="/assets/ward.css";
                "\n"
            }
            "\n"
            body {
                "\n"
                header class="topbar" {
                    div class="wrap topbar-inner" {
                        a class="brand" href=(href(cx, "/")) {
                            span class="brand-mark" aria-hidden="true" {}
                            "ward"
                        }
                        nav aria-label="Pages" {
                            @for (target, name) in NAV {
                                a href=(href(cx, target))
                                    aria-current=[(target == path).then_some("page")] { (name) }
                            }
                        }
                    }
                }
                "\n"
                main class="wrap" {
                    "\n"
                    div class="page-head" {
                        h1 { (title) }
                        p class="meta" { (sync_line(cx)) }
                    }
                    "\n"
                    (filter_bar(cx, path))
                    "\n"
                    (body)
                }
                "\n"
                footer class="wrap footer" { "Generated " (datetime(cx.generated_at)) " by ward" }
                "\n"
            }
            "\n"
        }
        "\n"
    }
    .into_string()
}

fn sync_line(cx: &Context<'_>) -> Markup {
    html! {
        @if let Some(at) = cx.synced_at {
            "Inventory synced " time datetime=(at) { (datetime(at)) }
            " (" (ago(at, cx.generated_at)) ")"
        } @else {
            "Inventory not synced yet"
        }
    }
}

/// The GET form with the account and region selects, keeping the current choice.
fn filter_bar(cx: &Context<'_>, path: &str) -> Markup {
    let filters = cx.filters;
    html! {
        form class="filters" method="get" action=(path) {
            (select(
                "account",
                "Account",
                "All accounts",
                &filters.accounts,
                filters.account.as_deref(),
            ))
            (select("region", "Region", "All regions", &filters.regions, filters.region.as_deref()))
            button type="submit" { "Apply" }
            @if !query(filters).is_empty() {
                a class="reset" href=(path) { "Clear filters" }
            }
        }
    }
}

/// A labelled select of `options`; `current` is selected, and listed even when not offered.
fn select(name: &str, label: &str, all: &str, options: &[String], current: Option<&str>) -> Markup {
    let current = current.filter(|value| !value.is_empty());
    let unlisted = current.filter(|current| !options.iter().any(|option| option == current));
    html! {
        label {
            span { (label) }
            select name=(name) id={ "filter-" (name) } {
                option value="" selected[current.is_none()] { (all) }
                @for option in options {
                    option value=(option) selected[current == Some(option.as_str())] { (option) }
                }
                @if let Some(current) = unlisted {
                    option value=(current) selected { (current) }
                }
            }
        }
    }
}

/// A friendly message instead of an empty chart or table.
/// `detail` may quote commands between backticks: they are shown as code.
pub(crate) fn empty_state(title: &str, detail: &str) -> Markup {
    html! {
        div class="empty" {
            p class="empty-title" { (title) }
            p {
                @for (index, part) in detail.split('`').enumerate() {
                    @if index % 2 == 1 { code { (part) } } @else { (part) }
                }
            }
        }
    }
}

/// A headline number tile; `id` is `kpi-…`, `value` is plain digits so tests can read it.
pub(crate) fn kpi(
    id: &str,
    label: &str,
    value: &str,
    unit: &str,
    note: &impl Render,
    tone: &str,
) -> Markup {
    html! {
        div class={ "kpi " (tone) } {
            span class="kpi-label" { (label) }
            span class="kpi-value" {
                span id=(id) { (value) }
                @if !unit.is_empty() {
                    span class="kpi-unit" { (unit) }
                }
            }
            span class="kpi-note" { (note) }
        }
    }
}
