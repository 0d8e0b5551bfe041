//! Helpers: run the binary, start `ward sim` on a free port, write configs into a temp dir.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The `ward` binary under test.
pub fn ward() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ward"));
    command
        .env_remove("WARD_CONFIG")
        .env_remove("WARD_API_KEY")
        .env_remove("RUST_LOG");
    command.stdin(Stdio::null());
    command
}

/// Runs `ward` with arguments in `dir`, returning its output.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    ward()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("ward runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A `ward sim` process on a free loopback port; killed on drop.
pub struct Sim {
    child: Child,
    pub base_url: String,
}

impl Sim {
    pub fn start(args: &[&str]) -> Self {
        let mut child = ward()
            .args(["sim", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ward sim starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("ward sim prints its address");
        let base_url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_owned();
        Self { child, base_url }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temp dir with a `ward.toml` pointing at `manager_url` and a SQLite store inside the dir.
pub fn workdir(manager_url: &str, extra_manager_keys: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[manager]\nurl = \"{manager_url}\"\n{extra_manager_keys}\n[store]\nurl = \"sqlite://{}\"\n",
            dir.path().join("ward.db").display()
        ),
    )
    .expect("write config");
    (dir, config)
}

/// moto's URL (`WARD_TEST_MOTO_URL`, started by `scripts/test`), or `None` after a loud line when
/// it is not running (outside CI; with `CI=true` that fails the test).
pub fn moto_url(test: &str) -> Option<String> {
    match std::env::var("WARD_TEST_MOTO_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "WARD_TEST_MOTO_URL is not set (CI=true needs moto; scripts/test starts it)"
            );
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("SKIPPED (no moto: run scripts/test): {test}\n").as_bytes(),
            );
            None
        }
    }
}

/// The AWS SDK configuration for moto at `url`.
pub async fn moto_sdk(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_config::Region::new("us-east-1"))
        .load()
        .await
}
