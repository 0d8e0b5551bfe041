//! The dashboard as a user sees it: `ward run` against the simulator, pages loaded in headless
//! Chromium (Debian's `chromium`, installed by `scripts/test`), numbers read from the rendered
//! DOM and checked against the simulator's own computers, screenshots at desktop and phone widths.

use crate::support::{Sim, sim_call, spawn_run, stderr, ward_with, workdir};
use scraper::{Html, Selector};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM_FLAGS: [&str; 6] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--hide-scrollbars",
];

fn chromium() -> PathBuf {
    let path = std::env::var_os("WARD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "Chromium is missing at {} (scripts/test installs Debian's `chromium`)",
        path.display()
    );
    path
}

/// The DOM of `url` after Chromium rendered it.
fn rendered(url: &str) -> Html {
    let output = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .args(["--virtual-time-budget=5000", "--dump-dom", url])
        .output()
        .expect("chromium runs");
    assert!(output.status.success(), "chromium: {}", stderr(&output));
    Html::parse_document(&String::from_utf8(output.stdout).expect("UTF-8 DOM"))
}

/// A PNG of `url` at `width`×`height`.
fn screenshot(url: &str, path: &Path, width: u32, height: u32) {
    let output = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .arg(format!("--screenshot={}", path.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(output.status.success(), "chromium: {}", stderr(&output));
    let png = std::fs::read(path).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG: {}", path.display());
    // A blank page compresses to a few hundred bytes; charts and tables do not.
    assert!(png.len() > 20_000, "{} is nearly empty", path.display());
}

/// The elements of the page Chromium rendered that match a CSS selector.
fn select<'a>(dom: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|error| panic!("{css}: {error}"));
    dom.select(&selector).collect()
}

/// The integer in the element with this `id`, or in the cell with this `data-key` (the first
/// number of its text: a tile shows "1,234" then a label).
fn number(dom: &Html, attribute: &str, name: &str) -> u64 {
    let css = format!("[{attribute}=\"{name}\"]");
    let element = *select(dom, &css)
        .first()
        .unwrap_or_else(|| panic!("no {css} in the page"));
    let text: String = element.text().collect();
    let digits: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{css} holds no number: {text:?}"))
}

/// What the dashboard must show, counted from the simulator's computers directly.
#[derive(Debug, Default)]
struct Expected {
    computers: u64,
    protected: u64,
    by_agent_status: BTreeMap<String, u64>,
    by_ec2_state: BTreeMap<String, u64>,
}

fn expected<'a>(computers: impl Iterator<Item = &'a Value>) -> Expected {
    let mut expected = Expected::default();
    for computer in computers {
        let status = computer["computerStatus"]["agentStatus"]
            .as_str()
            .unwrap_or("unknown");
        expected.computers += 1;
        let installed = computer["agentVersion"].as_str() != Some("0.0.0.0");
        expected.protected += u64::from(installed && matches!(status, "active" | "warning"));
        *expected
            .by_agent_status
            .entry(status.to_owned())
            .or_default() += 1;
        if let Some(state) = computer["ec2VirtualMachineSummary"]["state"].as_str() {
            *expected.by_ec2_state.entry(state.to_owned()).or_default() += 1;
        }
    }
    expected
}

fn assert_overview(dom: &Html, expected: &Expected, page: &str) {
    assert_eq!(
        number(dom, "id", "kpi-computers"),
        expected.computers,
        "{page}"
    );
    assert_eq!(
        number(dom, "id", "kpi-protected"),
        expected.protected,
        "{page}"
    );
    assert_eq!(
        number(dom, "id", "kpi-unprotected"),
        expected.computers - expected.protected,
        "{page}"
    );
    for (status, count) in &expected.by_agent_status {
        assert_eq!(
            number(dom, "data-key", &format!("agent_status.{status}")),
            *count,
            "{page}: agent status {status}"
        );
    }
    for (state, count) in &expected.by_ec2_state {
        assert_eq!(
            number(dom, "data-key", &format!("ec2_state.{state}")),
            *count,
            "{page}: EC2 state {state}"
        );
    }
    // The charts are drawn: one SVG per donut and the module bars.
    assert!(select(dom, "svg").len() >= 5, "{page}: charts missing");
}

#[test]
fn the_dashboard_shows_the_fleet_in_chromium_with_the_simulators_numbers() {
    let sim = Sim::start(&["--fleet", "600", "--seed", "11"]);
    // The simulator's fixed demo key, in a file next to the config (never in the config).
    let (dir, config) = workdir(&sim.base_url, "api_key = { file = \"sim.key\" }");
    std::fs::write(dir.path().join("sim.key"), "ward-sim-full-access").unwrap();
    std::fs::write(
        &config,
        std::fs::read_to_string(&config).unwrap() + "[server]\nlisten = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let sync = ward_with(&config, dir.path(), &["sync"]);
    assert!(sync.status.success(), "{}", stderr(&sync));
    let all = sim_call(
        reqwest::Method::GET,
        &format!("{}/computers", sim.base_url),
        None,
    );
    let computers = all["computers"].as_array().expect("computers").clone();
    assert_eq!(computers.len(), 600);

    with_ward_run(&config, dir.path(), |base| {
        // The whole fleet.
        let dom = rendered(&format!("{base}/"));
        assert_overview(&dom, &expected(computers.iter()), "overview");

        // One account: the filter narrows every number.
        let account = computers[0]["ec2VirtualMachineSummary"]["accountID"]
            .as_str()
            .expect("an EC2 computer")
            .to_owned();
        let dom = rendered(&format!("{base}/?account={account}"));
        // The account is the EC2 summary's, or else the one the agent reported itself.
        let account_of = |computer: &Value| {
            [
                "ec2VirtualMachineSummary",
                "noConnectorVirtualMachineSummary",
            ]
            .iter()
            .find_map(|summary| {
                computer[summary]["accountID"]
                    .as_str()
                    .filter(|id| !id.trim().is_empty())
                    .map(str::to_owned)
            })
        };
        let mine = computers
            .iter()
            .filter(|c| account_of(c).as_deref() == Some(account.as_str()));
        let narrowed = expected(mine);
        assert!(narrowed.computers < 600, "the fleet spans several accounts");
        assert_overview(&dom, &narrowed, "overview of one account");
        let chosen = select(&dom, &format!("option[value=\"{account}\"][selected]"));
        assert_eq!(chosen.len(), 1, "the account stays chosen");

        // The unprotected page lists unprotected computers only, and says how many there are.
        let dom = rendered(&format!("{base}/unprotected"));
        let all = expected(computers.iter());
        assert_eq!(
            number(&dom, "id", "kpi-unprotected"),
            all.computers - all.protected
        );
        let listed: Vec<&str> = select(&dom, "[data-computer-id]")
            .iter()
            .filter_map(|row| row.value().attr("data-computer-id"))
            .collect();
        assert!(!listed.is_empty(), "unprotected computers listed");
        for computer in &computers {
            if listed.contains(&computer["ID"].to_string().as_str()) {
                let status = computer["computerStatus"]["agentStatus"].as_str();
                let installed = computer["agentVersion"].as_str() != Some("0.0.0.0");
                assert!(
                    !(installed && matches!(status, Some("active" | "warning"))),
                    "protected computer {} listed as unprotected",
                    computer["ID"]
                );
            }
        }

        // Findings and flow runs render (empty states included).
        for page in ["findings", "flows"] {
            let dom = rendered(&format!("{base}/{page}"));
            assert_eq!(select(&dom, "nav").len(), 1, "{page} has the navigation");
        }

        // Screenshots at desktop and phone widths, kept when WARD_SCREENSHOTS is set.
        let shots = std::env::var_os("WARD_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| dir.path().join("screenshots"));
        std::fs::create_dir_all(&shots).unwrap();
        for (page, path) in [("overview", "/"), ("unprotected", "/unprotected")] {
            screenshot(
                &format!("{base}{path}"),
                &shots.join(format!("{page}-desktop.png")),
                1440,
                1000,
            );
            screenshot(
                &format!("{base}{path}"),
                &shots.join(format!("{page}-phone.png")),
                390,
                844,
            );
        }
    });
}

/// Runs `check` against a `ward run` serving the store in `dir`, stopping it afterwards.
fn with_ward_run(config: &Path, dir: &Path, check: impl FnOnce(&str)) {
    let (mut child, banner) = spawn_run(config, dir, None);
    let base = banner
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {banner:?}"))
        .trim_end_matches('/')
        .to_owned();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&base)));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
