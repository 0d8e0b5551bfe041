//! HTML building blocks: escaping, query strings, times and numbers in words, the page frame
//! (top nav, filter bar, footer), status badges.

use crate::{Context, Filters};
use jiff::Timestamp;
use std::fmt::{self, Write};

/// Text escaped for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    Esc(text).to_string()
}

/// Escapes on display: `write!(out, "<td>{}</td>", Esc(name))`.
#[derive(Debug, Clone, Copy)]
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

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

/// A link target on this site that keeps the current filter (escaped for an attribute).
pub(crate) fn href(cx: &Context<'_>, path: &str) -> String {
    escape(&format!("{path}{}", query(cx.filters)))
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
pub(crate) fn time_cell(ms: Option<i64>, now: i64) -> String {
    match ms {
        Some(ms) => format!(
            "<time datetime=\"{}\">{}</time><span class=\"sub\">{}</span>",
            ms,
            datetime(ms),
            ago(ms, now)
        ),
        None => "<span class=\"muted\">never</span>".to_owned(),
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
pub(crate) fn badge(status: &str) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        tone(status),
        Esc(status)
    )
}

/// The pages of the top nav: path and title.
const NAV: [(&str, &str); 4] = [
    ("/", "Overview"),
    ("/findings", "Findings & actions"),
    ("/unprotected", "Unprotected"),
    ("/flows", "Flow runs"),
];

/// A whole page: head, top nav, title, filter bar (for `path`), `body`, footer.
pub(crate) fn page(cx: &Context<'_>, path: &str, title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 4096);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · ward</title>\n<link rel=\"stylesheet\" href=\"/assets/ward.css\">\n</head>\n\
         <body>\n<header class=\"topbar\"><div class=\"wrap topbar-inner\">\
         <a class=\"brand\" href=\"{}\"><span class=\"brand-mark\" aria-hidden=\"true\"></span>ward</a>\
         <nav aria-label=\"Pages\">",
        Esc(title),
        href(cx, "/"),
    );
    for (target, name) in NAV {
        let current = if target == path {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<a href=\"{}\"{current}>{}</a>",
            href(cx, target),
            Esc(name)
        );
    }
    out.push_str("</nav></div></header>\n<main class=\"wrap\">\n");
    let _ = writeln!(
        out,
        "<div class=\"page-head\"><h1>{}</h1><p class=\"meta\">{}</p></div>",
        Esc(title),
        sync_line(cx)
    );
    out.push_str(&filter_bar(cx, path));
    out.push_str(body);
    let _ = write!(
        out,
        "</main>\n<footer class=\"wrap footer\">Generated {} by ward</footer>\n</body>\n</html>\n",
        datetime(cx.generated_at)
    );
    out
}

fn sync_line(cx: &Context<'_>) -> String {
    match cx.synced_at {
        Some(at) => format!(
            "Inventory synced <time datetime=\"{at}\">{}</time> ({})",
            datetime(at),
            ago(at, cx.generated_at)
        ),
        None => "Inventory not synced yet".to_owned(),
    }
}

/// The GET form with the account and region selects, keeping the current choice.
fn filter_bar(cx: &Context<'_>, path: &str) -> String {
    let filters = cx.filters;
    let mut out = format!(
        "<form class=\"filters\" method=\"get\" action=\"{}\">",
        Esc(path)
    );
    select(
        &mut out,
        "account",
        "Account",
        "All accounts",
        &filters.accounts,
        filters.account.as_deref(),
    );
    select(
        &mut out,
        "region",
        "Region",
        "All regions",
        &filters.regions,
        filters.region.as_deref(),
    );
    out.push_str("<button type=\"submit\">Apply</button>");
    if query(filters).is_empty() {
        out.push_str("</form>\n");
    } else {
        let _ = writeln!(
            out,
            "<a class=\"reset\" href=\"{}\">Clear filters</a></form>",
            Esc(path)
        );
    }
    out
}

fn select(
    out: &mut String,
    name: &str,
    label: &str,
    all: &str,
    options: &[String],
    current: Option<&str>,
) {
    let current = current.filter(|value| !value.is_empty());
    let _ = write!(
        out,
        "<label><span>{label}</span><select name=\"{name}\" id=\"filter-{name}\">\
         <option value=\"\"{}>{all}</option>",
        if current.is_none() { " selected" } else { "" }
    );
    let mut listed = false;
    for option in options {
        let chosen = current == Some(option.as_str());
        listed |= chosen;
        let _ = write!(
            out,
            "<option value=\"{0}\"{1}>{0}</option>",
            Esc(option),
            if chosen { " selected" } else { "" }
        );
    }
    if let (Some(current), false) = (current, listed) {
        let _ = write!(
            out,
            "<option value=\"{0}\" selected>{0}</option>",
            Esc(current)
        );
    }
    out.push_str("</select></label>");
}

/// A friendly message instead of an empty chart or table.
/// `detail` may quote commands between backticks: they are shown as code.
pub(crate) fn empty_state(title: &str, detail: &str) -> String {
    let detail: String = detail
        .split('`')
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                format!("<code>{}</code>", Esc(part))
            } else {
                Esc(part).to_string()
            }
        })
        .collect();
    format!(
        "<div class=\"empty\"><p class=\"empty-title\">{}</p><p>{detail}</p></div>",
        Esc(title),
    )
}

/// A headline number tile; `id` is `kpi-…`, `value` is plain digits so tests can read it.
pub(crate) fn kpi(
    id: &str,
    label: &str,
    value: &str,
    unit: &str,
    note: &str,
    tone: &str,
) -> String {
    format!(
        "<div class=\"kpi {tone}\"><span class=\"kpi-label\">{}</span>\
         <span class=\"kpi-value\"><span id=\"{}\">{}</span>{}</span>\
         <span class=\"kpi-note\">{}</span></div>",
        Esc(label),
        Esc(id),
        Esc(value),
        if unit.is_empty() {
            String::new()
        } else {
            format!("<span class=\"kpi-unit\">{}</span>", Esc(unit))
        },
        note
    )
}
