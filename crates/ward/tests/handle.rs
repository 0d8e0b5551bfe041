//! `ward handle` as a user runs it: the bundled samples against `ward sim`, decisions with their
//! reasons, actions done once however often a file is replayed, and `--dry-run` changing nothing.

use crate::support::{Sim, stderr, ward, workdir};
use serde_json::Value;
use std::path::{Path, PathBuf};

const RECON: &str = "i-0e8dfbd8c13eca8ad";
const CRYPTO: &str = "i-0123456789abcdef0";
const INSPECTED: &str = "i-0abcdef1234567890";
const UNPROTECTED: &str = "i-05746eb48123455e0";

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn all_samples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"))
            .expect("samples")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
    files.sort();
    files
}

/// The simulator's action log.
fn sim_actions(sim: &Sim) -> Vec<Value> {
    let url = sim.base_url.trim_end_matches("/api").to_owned() + "/_sim/actions";
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async { reqwest::get(&url).await?.json::<Vec<Value>>().await })
        .expect("actions read")
}

struct Setup {
    sim: Sim,
    dir: tempfile::TempDir,
    config: PathBuf,
}

fn setup(sim_args: &[&str]) -> Setup {
    let sim = Sim::start(sim_args);
    let (dir, config) = workdir(&sim.base_url, "");
    let setup = Setup { sim, dir, config };
    let output = setup.ward(&["sync"]);
    assert!(output.status.success(), "sync: {}", stderr(&output));
    setup
}

impl Setup {
    fn ward(&self, args: &[&str]) -> std::process::Output {
        ward()
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("ward runs")
    }

    /// `ward handle --output json FILE…` → one JSON object per item.
    fn handle(&self, file: &Path, extra: &[&str]) -> Vec<Value> {
        let output = ward()
            .arg("--config")
            .arg(&self.config)
            .args(["handle", "--output", "json"])
            .args(extra)
            .arg(file)
            .current_dir(self.dir.path())
            .output()
            .expect("ward handle runs");
        assert!(
            output.status.success(),
            "{}: exit {:?}: {}",
            file.display(),
            output.status.code(),
            stderr(&output)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

fn statuses(result: &Value) -> Vec<(String, String)> {
    result["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|action| {
            (
                action["kind"].as_str().unwrap_or_default().to_owned(),
                action["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn protected_sim() -> Setup {
    let protect = format!("{RECON},{CRYPTO},{INSPECTED}");
    setup(&[
        "--fleet",
        "200",
        "--scan-delay-ms",
        "0",
        "--protect",
        &protect,
        "--unprotected",
        UNPROTECTED,
    ])
}

#[test]
fn samples_are_decided_against_protected_instances_and_replays_do_nothing_new() {
    let setup = protected_sim();

    let recon = setup.handle(
        &sample("guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json"),
        &[],
    );
    assert_eq!(recon.len(), 1);
    assert_eq!(recon[0]["decision"], "respond", "{}", recon[0]);
    assert_eq!(recon[0]["instance_id"], RECON);
    assert_eq!(recon[0]["protected"], true);
    assert_eq!(
        statuses(&recon[0]),
        [
            ("scan-recommendations-applied".to_owned(), "done".to_owned()),
            ("scan-integrity".to_owned(), "done".to_owned())
        ]
    );
    assert!(
        recon[0]["reason"]
            .as_str()
            .unwrap()
            .contains("protected by computer")
    );

    let crypto = setup.handle(
        &sample("ward-guardduty-finding-ec2-current-format.json"),
        &[],
    );
    let kinds: Vec<String> = statuses(&crypto[0])
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    assert!(kinds.contains(&"scan-malware".to_owned()), "{}", crypto[0]);

    let unprotected = setup.handle(
        &sample("guardduty-finding-detail-only-ec2.aws-samples.json"),
        &[],
    );
    assert_eq!(unprotected[0]["decision"], "notify", "{}", unprotected[0]);
    assert_eq!(unprotected[0]["protected"], false);
    assert_eq!(
        statuses(&unprotected[0]),
        [("notify-unprotected-instance".to_owned(), "done".to_owned())]
    );

    let inspected = setup.handle(
        &sample("ward-inspector2-package-vulnerability-ec2.json"),
        &[],
    );
    assert_eq!(inspected[0]["decision"], "respond", "{}", inspected[0]);
    // The covering rule is assigned to the instance's policy, unless the policy has it already.
    let actions = statuses(&inspected[0]);
    let reason = inspected[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("CVE-2024-29069: covered by rule"),
        "{reason}"
    );
    if reason.contains("already assigned") {
        assert!(
            !actions.iter().any(|(kind, _)| kind == "assign-ips-rules"),
            "{reason}"
        );
    } else {
        assert!(
            actions.contains(&("assign-ips-rules".to_owned(), "done".to_owned())),
            "{reason}"
        );
        assert!(
            inspected[0]["actions"][0]["target"]
                .as_str()
                .unwrap()
                .starts_with("policy:")
        );
    }

    let config = setup.handle(&sample("ward-config-invocation-protected-by.json"), &[]);
    assert_eq!(config[0]["decision"], "evaluate", "{}", config[0]);
    let evaluations = std::fs::read_to_string(setup.dir.path().join("ward-data/evaluations.jsonl"))
        .expect("evaluations written");
    let evaluation: Value = serde_json::from_str(evaluations.lines().next().unwrap()).unwrap();
    assert_eq!(evaluation["resource_id"], CRYPTO);
    assert_eq!(evaluation["result_token"], "ward-demo-result-token-0001");
    assert!(["COMPLIANT", "NON_COMPLIANT"].contains(&evaluation["compliance"].as_str().unwrap()));

    // Security Hub carries the same two findings: nothing is done twice.
    let before = sim_actions(&setup.sim).len();
    let imported = setup.handle(&sample("ward-securityhub-findings-imported.json"), &[]);
    assert_eq!(imported.len(), 2);
    for result in &imported {
        assert_eq!(result["source"], "securityhub", "{result}");
        assert!(
            statuses(result)
                .iter()
                .all(|(_, status)| status == "already-done"),
            "{result}"
        );
    }
    assert_eq!(sim_actions(&setup.sim).len(), before);

    // Replaying every sample changes nothing more.
    for file in all_samples() {
        setup.handle(&file, &[]);
    }
    let after_one_replay = sim_actions(&setup.sim).len();
    for file in all_samples() {
        for result in setup.handle(&file, &[]) {
            assert!(
                statuses(&result).iter().all(|(_, status)| status != "done"),
                "{}: {result}",
                file.display()
            );
        }
    }
    assert_eq!(sim_actions(&setup.sim).len(), after_one_replay);
}

#[test]
fn against_a_simulator_without_those_agents_every_finding_notifies() {
    let setup = setup(&["--fleet", "50"]);
    for name in [
        "guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json",
        "ward-inspector2-package-vulnerability-ec2.json",
    ] {
        let results = setup.handle(&sample(name), &[]);
        assert_eq!(results[0]["decision"], "notify", "{name}: {}", results[0]);
        assert!(
            results[0]["reason"]
                .as_str()
                .unwrap()
                .contains("no computer"),
            "{}",
            results[0]
        );
    }
    let config = setup.handle(&sample("ward-config-invocation-protected-by.json"), &[]);
    assert!(
        config[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("NON_COMPLIANT"),
        "{}",
        config[0]
    );
    assert!(sim_actions(&setup.sim).is_empty());
}

#[test]
fn dry_run_plans_and_changes_nothing() {
    let setup = protected_sim();
    for file in all_samples() {
        for result in setup.handle(&file, &["--dry-run"]) {
            assert!(
                statuses(&result)
                    .iter()
                    .all(|(_, status)| status == "planned"),
                "{result}"
            );
        }
    }
    assert!(
        sim_actions(&setup.sim).is_empty(),
        "dry run touched the manager"
    );
    // Nothing recorded either: a real run afterwards still does the work.
    let recon = setup.handle(
        &sample("guardduty-finding-ec2-recon-ec2-port-probe.deep-security-2017.json"),
        &[],
    );
    assert_eq!(statuses(&recon[0])[0].1, "done");
}

#[test]
fn a_batch_with_bad_items_quarantines_them_and_goes_on() {
    let setup = protected_sim();
    let results = setup.handle(&sample("ward-sqs-batch-guardduty.json"), &[]);
    assert_eq!(results.len(), 3, "{results:?}");
    let quarantined: Vec<&Value> = results
        .iter()
        .filter(|r| r["decision"] == "quarantined")
        .collect();
    assert_eq!(quarantined.len(), 1, "{results:?}");
    assert!(
        quarantined[0]["reason"]
            .as_str()
            .unwrap()
            .contains("i-0123"),
        "{}",
        quarantined[0]
    );
    assert!(
        quarantined[0]["position"]
            .as_str()
            .unwrap()
            .contains("Records[2]"),
        "{}",
        quarantined[0]
    );

    // The table says the same, with a summary, and still exits 0.
    let output = setup.ward(&[
        "handle",
        sample("ward-malformed-guardduty-bad-instance-id.json")
            .to_str()
            .unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("0 decided, 1 quarantined"), "{text}");

    // stdin works too, and a missing file is a clear failure.
    let output = setup.ward(&["handle", "/nonexistent/events.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot read /nonexistent/events.json"),
        "{}",
        stderr(&output)
    );
}
