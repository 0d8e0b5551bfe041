//! Bad configuration exits 2 and names the file, the key path and the reason.

use crate::support::{run_in, stderr};

fn refused(config: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("ward.toml"), config).expect("write config");
    let output = run_in(dir.path(), &["sync"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    stderr(&output)
}

#[test]
fn unknown_key_is_named_with_its_path() {
    let message = refused("version = 1\n[manager]\nurll = \"https://x/api\"\n");
    assert!(
        message.contains("ward.toml: manager.urll: unknown key"),
        "{message}"
    );
}

#[test]
fn wrong_type_names_the_key() {
    let message = refused("[manager]\ntimeout_secs = \"soon\"\n");
    assert!(
        message.contains("ward.toml: manager.timeout_secs:"),
        "{message}"
    );
}

#[test]
fn api_key_in_clear_is_refused_without_echoing_it() {
    let message = refused(
        "[manager]\nurl = \"https://dsm.example.com:4119/api\"\napi_key = \"2:SuperSecretValue\"\n",
    );
    assert!(message.contains("manager.api_key"), "{message}");
    assert!(!message.contains("SuperSecretValue"), "{message}");
}

#[test]
fn unsupported_version_is_refused() {
    let message = refused("version = 9\n");
    assert!(
        message.contains("ward.toml: version: unsupported config version 9"),
        "{message}"
    );
}

#[test]
fn missing_config_file_named_on_the_command_line_is_a_config_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run_in(dir.path(), &["--config", "nope.toml", "sync"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nope.toml"), "{}", stderr(&output));
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run_in(dir.path(), &["inventory", "--output", "yaml"]);
    assert_eq!(output.status.code(), Some(2));
    let output = run_in(dir.path(), &["sim", "--fault-kinds", "418"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--fault-kinds"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_playbook_names_its_key() {
    let message =
        refused("[[playbooks]]\nfinding_type = \"Recon:EC2/*\"\nactions = [\"scan-everything\"]\n");
    assert!(
        message.contains("ward.toml: playbooks[0].actions[0]: unknown action `scan-everything`"),
        "{message}"
    );
    let message =
        refused("[[playbooks]]\nfinding_type = \"Recon:EC2/*\"\nmodules = [\"lasers\"]\n");
    assert!(message.contains("playbooks[0].modules"), "{message}");
}

#[test]
fn bad_waf_and_account_keys_are_named() {
    let message = refused("[waf]\ncms_rule_group = \"Trend Micro CMS\"\n");
    assert!(
        message
            .contains("ward.toml: waf.cms_rule_group: `Trend Micro CMS` is not a rule group name"),
        "{message}"
    );
    let message = refused("[waf]\nsweep_every_secs = 600\n");
    assert!(
        message.contains("ward.toml: waf.sweep_every_secs: needs an [aws] section"),
        "{message}"
    );
    let message = refused(
        "[aws]\n[[aws.accounts]]\nid = \"111122223333\"\nrole_arn = \"arn:aws:iam::111122223333:user/ward\"\n",
    );
    assert!(
        message.contains("ward.toml: aws.accounts[0].role_arn: `arn:aws:iam::111122223333:user/ward` is not an IAM role ARN"),
        "{message}"
    );
    let message = refused("[waf]\nswep_every_secs = 600\n");
    assert!(
        message.contains("ward.toml: waf.swep_every_secs: unknown key"),
        "{message}"
    );
}
