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
    ward_aws::sdk_config(&ward_aws::AwsSettings {
        region: Some("us-east-1".to_owned()),
        endpoint_url: Some(url.to_owned()),
    })
    .await
}

/// A moto server of this test's own (for settings that would disturb the shared one, such as IAM
/// enforcement), from the virtual environment `scripts/test` made; killed on drop.
pub struct OwnMoto {
    child: Child,
    pub url: String,
}

impl OwnMoto {
    /// `None` (after a loud line; a failure with `CI=true`) when the shared moto is not running
    /// either, i.e. outside `scripts/test`.
    pub fn start(test: &str) -> Option<Self> {
        moto_url(test)?;
        let python =
            PathBuf::from(std::env::var("WARD_PYTHON").expect("scripts/test sets WARD_PYTHON"));
        let server = python.with_file_name("moto_server");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "moto_server did not listen on {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Some(Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for OwnMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new SQS queue in moto; its URL and ARN.
pub async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    attributes: &[(aws_sdk_sqs::types::QueueAttributeName, String)],
) -> (String, String) {
    let mut create = sqs.create_queue().queue_name(name);
    for (key, value) in attributes {
        create = create.attributes(key.clone(), value);
    }
    let url = create.send().await.unwrap().queue_url().unwrap().to_owned();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .unwrap()
        .clone();
    (url, arn)
}

/// A queue whose redrive policy moves a message to its own dead-letter queue (`<name>-dlq`) after
/// `max_receives`; the two URLs.
pub async fn queue_with_dead_letters(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    max_receives: u32,
) -> (String, String) {
    let (dlq_url, dlq_arn) = create_queue(sqs, &format!("{name}-dlq"), &[]).await;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receives.to_string(),
    });
    let (url, _) = create_queue(
        sqs,
        name,
        &[(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            redrive.to_string(),
        )],
    )
    .await;
    (url, dlq_url)
}

/// Messages in a queue: (visible, in flight).
pub async fn queue_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> (u64, u64) {
    use aws_sdk_sqs::types::QueueAttributeName as Name;
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(Name::All)
        .send()
        .await
        .unwrap();
    let count = |name: Name| {
        attributes
            .attributes()
            .and_then(|a| a.get(&name))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (
        count(Name::ApproximateNumberOfMessages),
        count(Name::ApproximateNumberOfMessagesNotVisible),
    )
}

/// `ward run` with `config`, started; waits for its banner (the first line it prints).
pub fn spawn_run(config: &Path, dir: &Path, stderr_to: Option<&Path>) -> (Child, String) {
    let mut command = ward();
    command
        .arg("--config")
        .arg(config)
        .args(["run", "--sync-every-secs", "0"])
        .current_dir(dir)
        .stdout(Stdio::piped());
    match stderr_to {
        Some(path) => command.stderr(std::fs::File::create(path).expect("log file")),
        None => command.stderr(Stdio::null()),
    };
    let mut child = command.spawn().expect("ward run starts");
    let mut banner = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut banner)
        .expect("ward run prints its banner");
    (child, banner)
}

/// A `ward.toml` in `dir` for `ward run` on one SQS queue in moto, with a SQLite store in `dir`;
/// `extra` is appended (more sections).
pub fn sqs_config(
    dir: &Path,
    manager_url: &str,
    moto: &str,
    queue_url: &str,
    visibility_secs: u32,
    extra: &str,
) -> PathBuf {
    let config = dir.join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[manager]\nurl = \"{manager_url}\"\n[store]\nurl = \"sqlite://{}\"\n\
             [aws]\nregion = \"us-east-1\"\nendpoint_url = \"{moto}\"\n\
             [[sources]]\nkind = \"sqs\"\nqueue_url = \"{queue_url}\"\nvisibility_secs = {visibility_secs}\n\
             [server]\nlisten = \"127.0.0.1:0\"\n{extra}",
            dir.join("ward.db").display()
        ),
    )
    .expect("write config");
    config
}

/// A call to the simulator's API with the Full Access key; the answer's JSON (`Null` when empty).
pub async fn sim_api(
    method: reqwest::Method,
    url: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("api-version", "v1")
        .header("api-secret-key", "ward-sim-full-access");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// [`sim_api`] from synchronous code.
pub fn sim_call(
    method: reqwest::Method,
    url: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(sim_api(method, url, body))
}

/// `ward --config CONFIG ARGS…` in `dir`, run to its end.
pub fn ward_with(config: &Path, dir: &Path, args: &[&str]) -> Output {
    ward()
        .arg("--config")
        .arg(config)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("ward runs")
}

/// The test venv's Python (`WARD_PYTHON`, set by `scripts/test`), or `None` after a loud line
/// outside it (with `CI=true`, a failure).
pub fn venv_python(test: &str) -> Option<String> {
    match std::env::var("WARD_PYTHON") {
        Ok(python) => Some(python),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "WARD_PYTHON is not set (CI=true needs the test venv; scripts/test makes it)"
            );
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("SKIPPED (no WARD_PYTHON: run scripts/test): {test}\n").as_bytes(),
            );
            None
        }
    }
}
