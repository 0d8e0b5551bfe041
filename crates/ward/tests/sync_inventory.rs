//! `ward sim` → `ward sync` → `ward inventory`, and the manager failures a user meets.

use crate::support::{Sim, run_in, stderr, stdout, workdir};
use serde_json::Value;

#[test]
fn sync_then_inventory_lists_every_computer() {
    let sim = Sim::start(&[
        "--fleet",
        "2000",
        "--seed",
        "7",
        "--protect",
        "i-0aaaaaaaaaaaaaaa1",
        "--unprotected",
        "i-0bbbbbbbbbbbbbbb2",
    ]);
    let (dir, config) = workdir(&sim.base_url, "api_key = { env = \"WS_KEY\" }");
    let config = config.to_str().expect("utf-8 path");

    let output = crate::support::ward()
        .args(["--config", config, "sync"])
        .env("WS_KEY", "ward-sim-full-access")
        .current_dir(dir.path())
        .output()
        .expect("ward sync runs");
    assert!(output.status.success(), "sync failed: {}", stderr(&output));
    let said = stdout(&output);
    assert!(said.contains("synced 2002 computers"), "{said}");

    let output = run_in(
        dir.path(),
        &["--config", config, "inventory", "--output", "json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let computers: Vec<Value> = serde_json::from_slice(&output.stdout).expect("inventory JSON");
    assert_eq!(computers.len(), 2002);
    let mut ids: Vec<i64> = computers
        .iter()
        .map(|c| c["computer_id"].as_i64().expect("id"))
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 2002, "every computer once, in id order");
    for field in [
        "computer_id",
        "host_name",
        "platform",
        "agent_status",
        "policy_id",
        "instance_id",
        "account_id",
        "availability_zone",
        "region",
        "instance_type",
        "ec2_state",
        "protected",
        "modules",
    ] {
        assert!(
            computers[0].get(field).is_some(),
            "field {field} missing in {}",
            computers[0]
        );
    }
    let by_instance = |id: &str| {
        computers
            .iter()
            .find(|c| c["instance_id"] == id)
            .unwrap_or_else(|| panic!("{id} not in the inventory"))
    };
    assert_eq!(by_instance("i-0aaaaaaaaaaaaaaa1")["protected"], true);
    assert_eq!(by_instance("i-0bbbbbbbbbbbbbbb2")["protected"], false);
    assert!(
        computers
            .iter()
            .any(|c| c["region"].is_string() && c["availability_zone"].is_string())
    );

    let output = run_in(
        dir.path(),
        &[
            "--config",
            config,
            "inventory",
            "--unprotected",
            "--output",
            "json",
        ],
    );
    let unprotected: Vec<Value> = serde_json::from_slice(&output.stdout).expect("inventory JSON");
    assert!(!unprotected.is_empty() && unprotected.len() < 2002);
    assert!(unprotected.iter().all(|c| c["protected"] == false));
    assert!(
        unprotected
            .iter()
            .any(|c| c["instance_id"] == "i-0bbbbbbbbbbbbbbb2")
    );

    let output = run_in(
        dir.path(),
        &["--config", config, "inventory", "--output", "csv"],
    );
    let csv = stdout(&output);
    let mut lines = csv.lines();
    let header = lines.next().expect("CSV header");
    assert!(
        header.starts_with("computer_id,host_name,platform"),
        "{header}"
    );
    assert!(header.contains("intrusion_prevention_state"), "{header}");
    assert_eq!(lines.count(), 2002);

    let output = run_in(dir.path(), &["--config", config, "inventory"]);
    assert!(
        stdout(&output).contains("2002 computers"),
        "{}",
        stdout(&output)
    );

    // A second sync replaces the snapshot rather than adding to it.
    let output = crate::support::ward()
        .args(["--config", config, "sync"])
        .env("WS_KEY", "ward-sim-full-access")
        .current_dir(dir.path())
        .output()
        .expect("ward sync runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run_in(
        dir.path(),
        &["--config", config, "inventory", "--output", "json"],
    );
    let again: Vec<Value> = serde_json::from_slice(&output.stdout).expect("inventory JSON");
    assert_eq!(again.len(), 2002);
}

#[test]
fn legacy_auth_header_works_too() {
    let sim = Sim::start(&["--fleet", "50", "--seed", "3"]);
    let (dir, config) = workdir(
        &sim.base_url,
        "api_key = { env = \"WS_KEY\" }\nauth = \"api-secret-key\"",
    );
    let output = crate::support::ward()
        .args(["--config", config.to_str().expect("utf-8"), "sync"])
        .env("WS_KEY", "ward-sim-auditor")
        .current_dir(dir.path())
        .output()
        .expect("ward sync runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("synced 50 computers"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn wrong_key_exits_1_with_the_managers_message() {
    let sim = Sim::start(&["--fleet", "10"]);
    let (dir, config) = workdir(&sim.base_url, "api_key = { env = \"WS_KEY\" }");
    let output = crate::support::ward()
        .args(["--config", config.to_str().expect("utf-8"), "sync"])
        .env("WS_KEY", "not-the-key")
        .current_dir(dir.path())
        .output()
        .expect("ward sync runs");
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("manager refused the API key (403): "),
        "{message}"
    );
    assert!(!message.contains("not-the-key"), "{message}");
}

#[test]
fn unreachable_manager_exits_1_naming_the_url() {
    // Bind then drop a listener: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}/api");
    let (dir, config) = workdir(&url, "api_key = { env = \"WS_KEY\" }\nmax_attempts = 2");
    let output = crate::support::ward()
        .args(["--config", config.to_str().expect("utf-8"), "sync"])
        .env("WS_KEY", "ward-sim-full-access")
        .current_dir(dir.path())
        .output()
        .expect("ward sync runs");
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("cannot reach the manager"), "{message}");
}

#[test]
fn missing_key_variable_is_reported_by_name() {
    let (dir, config) = workdir(
        "https://workload.us-1.cloudone.trendmicro.com/api",
        "api_key = { env = \"WS_KEY_UNSET\" }",
    );
    let output = run_in(
        dir.path(),
        &["--config", config.to_str().expect("utf-8"), "sync"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("WS_KEY_UNSET is not set"),
        "{}",
        stderr(&output)
    );
}
