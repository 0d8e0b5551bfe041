//! The dashboard's HTML pages, rendered server-side: pure functions from view data (the fleet
//! summary, decisions and actions, unprotected computers, flow runs) to HTML strings, built with
//! `maud` templates that are checked at compile time and escape every inserted value. Charts are
//! SVG drawn by `plotters` and inlined in the page (the only raw markup a page takes in); every
//! chart's numbers are also in a table with `data-key` attributes, and the headline numbers in
//! `kpi-…` tiles, so a browser test can check them. No JavaScript, no external assets: the one
//! stylesheet is [`STYLESHEET`].
//!
//! The HTTP layer (routes, queries to the store) lives in `ward-server`; nothing here does I/O.

mod charts;
mod html;
mod pages;

pub use pages::{findings, flows, login, not_found, overview, unprotected};

/// The account and region filter: the current choice and the choices offered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// The chosen account, if any (`?account=`).
    pub account: Option<String>,
    /// The chosen region, if any (`?region=`).
    pub region: Option<String>,
    /// The accounts offered in the filter bar.
    pub accounts: Vec<String>,
    /// The regions offered in the filter bar.
    pub regions: Vec<String>,
}

/// What every page shows besides its own data.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub filters: &'a Filters,
    /// When the inventory was last synced (ms since the epoch), if ever.
    pub synced_at: Option<i64>,
    /// When the page is rendered (ms since the epoch); "… ago" is counted from it.
    pub generated_at: i64,
}

/// A configured flow, as the flows page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowInfo {
    pub name: String,
    /// The source object (`computers`, `findings`, …).
    pub source: String,
    /// `on demand`, `rate(1 hour)`, `cron(…)`, …
    pub trigger: String,
    /// `s3://bucket/prefix` or a local directory.
    pub destination: String,
}

/// The stylesheet every page links to; serve it at `/assets/ward.css`.
pub const STYLESHEET: &str = include_str!("ward.css");

#[cfg(test)]
mod tests;
