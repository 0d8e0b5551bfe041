//! `ward run`'s HTTP API as a client sees it: the inventory synced from the simulator, a flow run
//! started over the API, and schemathesis checking every operation against the OpenAPI document
//! the server publishes. And the rule that the API never listens beyond loopback without a token.

use crate::support::{Sim, spawn_run, stderr, venv_python, ward_with, workdir};
use std::path::Path;

const OPERATOR: &str = "api-test-operator-token";
const VIEWER: &str = "api-test-viewer-token";

/// `ward.toml` for `ward run` with both tokens (from files), one flow, a loopback port.
fn configure(dir: &Path, config: &Path) {
    std::fs::write(dir.join("operator.token"), OPERATOR).unwrap();
    std::fs::write(dir.join("viewer.token"), VIEWER).unwrap();
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ntoken = {{ file = \"{}\" }}\nviewer_token = {{ file = \"{}\" }}\n\
         [[flows]]\nname = \"lake\"\nsource = \"computers\"\n\
         [[flows.tasks]]\ntype = \"Map_all\"\n\
         [flows.destination]\npath = \"{}\"\nformat = \"jsonl\"\n",
        dir.join("operator.token").display(),
        dir.join("viewer.token").display(),
        dir.join("lake").display(),
    ));
    std::fs::write(config, text).unwrap();
}

fn base_url(banner: &str) -> String {
    banner
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {banner:?}"))
        .to_owned()
}

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_serves_the_synced_inventory_and_passes_schemathesis() {
    let sim = Sim::start(&["--fleet", "60"]);
    let (dir, config) = workdir(&sim.base_url, "");
    configure(dir.path(), &config);
    let synced = ward_with(&config, dir.path(), &["sync"]);
    assert!(synced.status.success(), "{}", stderr(&synced));
    // Some decisions, actions and a quarantined input, so the records routes have rows.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for sample in [
        "ward-sqs-batch-guardduty.json",
        "ward-malformed-guardduty-bad-instance-id.json",
    ] {
        let handled = ward_with(
            &config,
            dir.path(),
            &["handle", samples.join(sample).to_str().unwrap()],
        );
        assert!(handled.status.code().is_some(), "{}", stderr(&handled));
    }
    let log = dir.path().join("run.log");
    let (child, banner) = spawn_run(&config, dir.path(), Some(&log));
    let _run = Killed(child);
    let base = base_url(&banner);

    let client = reqwest::Client::new();
    let get = |path: &str, token: Option<&str>| {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let response = get("/api/v1/summary", None).await.unwrap();
    assert_eq!(response.status(), 401);
    let summary: serde_json::Value = get("/api/v1/summary", Some(VIEWER))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["computers"], 60, "{summary}");
    let page: serde_json::Value = get("/api/v1/computers?limit=25", Some(VIEWER))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 60);
    assert_eq!(page["items"].as_array().unwrap().len(), 25);

    // A flow run over the API: the viewer may not, the operator may; the run is in its history.
    let start = |token: &str| {
        client
            .post(format!("{base}/api/v1/flows/lake/runs"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(start(VIEWER).await.unwrap().status(), 403);
    let response = start(OPERATOR).await.unwrap();
    assert_eq!(response.status(), 200);
    let run: serde_json::Value = response.json().await.unwrap();
    assert_eq!(run["status"], "Successful", "{run}");
    assert_eq!(run["records_written"], 60, "{run}");
    let runs: serde_json::Value = get("/api/v1/flows/lake/runs", Some(VIEWER))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(runs["items"][0]["execution_id"], run["execution_id"]);

    let metrics = get("/metrics", Some(VIEWER))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("ward_inventory_computers 60"), "{metrics}");
    assert!(metrics.contains("ward_http_requests_total{"), "{metrics}");

    // schemathesis, against the document the server publishes.
    let Some(python) = venv_python("the_api_serves_the_synced_inventory_and_passes_schemathesis")
    else {
        return;
    };
    let document = get("/api/v1/openapi.json", Some(VIEWER))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let schema = dir.path().join("openapi.json");
    std::fs::write(&schema, document).unwrap();
    let output = tokio::process::Command::new(python)
        .args(["-m", "schemathesis.cli", "run"])
        .arg(&schema)
        .args(["--url", &base])
        .args(["--header", &format!("Authorization: Bearer {OPERATOR}")])
        .args(["--checks", "all"])
        .args(["--exclude-path", "/api/v1/events"])
        .args(["--max-examples", "30"])
        .args(["--seed", "1"])
        .args(["--request-timeout", "10"])
        .args(["--generation-database", "none"])
        .args(["--no-color", "--output-truncate", "false"])
        .current_dir(dir.path())
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .await
        .unwrap();
    let _ = std::io::Write::write_all(&mut std::io::stderr(), &output.stdout);
    assert!(
        output.status.success(),
        "schemathesis failed:\n{}\n{}\nward run's log:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

#[test]
fn listening_beyond_loopback_without_a_token_is_a_config_error() {
    let sim = Sim::start(&["--fleet", "1"]);
    let (dir, config) = workdir(&sim.base_url, "");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("[server]\nlisten = \"0.0.0.0:0\"\n");
    std::fs::write(&config, &text).unwrap();
    let refused = ward_with(&config, dir.path(), &["run"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(
        message.contains("server.token") && message.contains("server.listen"),
        "{message}"
    );

    // A loopback config, overridden by --listen.
    std::fs::write(&config, text.replace("0.0.0.0:0", "127.0.0.1:0")).unwrap();
    let refused = ward_with(&config, dir.path(), &["run", "--listen", "0.0.0.0:0"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("server.token"),
        "{}",
        stderr(&refused)
    );
}
