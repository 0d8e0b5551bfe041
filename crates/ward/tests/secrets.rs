//! Secrets never print: the API key appears in no output or log line, at any verbosity, on success
//! or failure.

use crate::support::{Sim, stderr, stdout, workdir};

#[test]
fn api_key_never_appears_in_output_or_logs() {
    let key = "ward-sim-full-access";
    let sim = Sim::start(&[
        "--fleet",
        "30",
        "--full-access-key",
        key,
        "--fault-rate",
        "0.3",
        "--fault-kinds",
        "429,500,503",
    ]);
    let (dir, config) = workdir(&sim.base_url, "api_key = { env = \"WS_KEY\" }");
    for (key_given, expect_success) in [(key, true), ("wrong-Key-Value-7788", false)] {
        let output = crate::support::ward()
            .args(["--config", config.to_str().expect("utf-8"), "-vvv", "sync"])
            .env("WS_KEY", key_given)
            .current_dir(dir.path())
            .output()
            .expect("ward sync runs");
        assert_eq!(
            output.status.success(),
            expect_success,
            "{}",
            stderr(&output)
        );
        let everything = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!everything.is_empty());
        assert!(
            !everything.contains(key_given),
            "the key leaked:\n{everything}"
        );
    }
}
