//! `ward demo --exit-after-setup` on embedded defaults, in an empty directory.

use crate::support::{run_in, stderr, stdout};

#[test]
fn demo_sets_up_syncs_and_summarises() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run_in(
        dir.path(),
        &["demo", "--exit-after-setup", "--sim-listen", "127.0.0.1:0"],
    );
    assert!(output.status.success(), "demo failed: {}", stderr(&output));
    let said = stdout(&output);
    for expected in [
        "sync ",
        "504 computers",
        "OS type",
        "agent status",
        "EC2 state",
        "instance type",
        "intrusion_prevention",
        "responses",
        "Recon:EC2/PortProbeUnprotectedPort on i-0e8dfbd8c13eca8ad → respond",
        "scan-recommendations-applied",
        "on i-05746eb48123455e0 → notify",
        "CVE-2024-29069",
        "→ evaluate",
        "→ quarantined",
        "flow demo-computers: execution",
        "Successful",
        "part-00000.parquet",
    ] {
        assert!(
            said.contains(expected),
            "demo output lacks {expected:?}:\n{said}"
        );
    }
    assert!(dir.path().join("ward-data/ward.db").exists());
    // The demo's flow wrote one Parquet file under ./ward-data/lake/demo-computers/.
    assert!(dir.path().join("ward-data/lake/demo-computers").is_dir());
    assert!(!dir.path().join("ward-data/lake/_tmp").exists());

    // The demo's store is the default store: `ward inventory` in the same directory reads it.
    let output = run_in(dir.path(), &["inventory", "--output", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let computers: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    // 500 generated, plus the sample findings' four instances.
    assert_eq!(computers.len(), 504);

    // A second demo finds the samples' actions done already (the ledger is in ./ward-data).
    let output = run_in(
        dir.path(),
        &["demo", "--exit-after-setup", "--sim-listen", "127.0.0.1:0"],
    );
    assert!(output.status.success(), "demo failed: {}", stderr(&output));
    let said = stdout(&output);
    assert!(said.contains("[already-done]"), "{said}");
    assert!(!said.contains("[done]"), "{said}");
}
