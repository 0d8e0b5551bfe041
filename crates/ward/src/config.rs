//! `ward.toml`: the typed, versioned configuration.
//!
//! Loading is two steps (vector's `config` → `validated`): [`RawConfig`] is what serde reads, with
//! every key optional and unknown keys collected by path; [`RawConfig::validate`] checks it without
//! any I/O and yields a [`Config`]; reading the API key from its source is [`ApiKeySource::load`].

use serde::{Deserialize, Deserializer};
use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use url::Url;
use ward_core::{Module, Secret};
use ward_respond::{AssignTo, Step};

/// The config format version this build understands.
pub const CONFIG_VERSION: u32 = 1;
/// The manager ward talks to when no config says otherwise: a local `ward sim`.
pub const DEFAULT_MANAGER_URL: &str = "http://127.0.0.1:4119/api";
/// The environment variable that holds the API key when the config names no source.
pub const DEFAULT_API_KEY_ENV: &str = "WARD_API_KEY";
/// The simulator's full-access demo key, used only for a manager on this machine with no key configured.
pub const SIMULATOR_DEMO_KEY: &str = "ward-sim-full-access";
/// Where the embedded store lives when no config says otherwise.
pub const DEFAULT_STORE_URL: &str = "sqlite://ward-data/ward.db";

/// A configuration error: the file, the key path and the reason.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {key}: {reason}")]
pub struct ConfigError {
    pub file: String,
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    fn new(file: &str, key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// A value read from its text with `FromStr`; the parser's message is the error serde reports
/// at the key's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed<T>(pub T);

impl<'de, T> Deserialize<'de> for Parsed<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map(Parsed).map_err(serde::de::Error::custom)
    }
}

/// `ward.toml` as written. Every key is optional; defaults serve the demo.
#[derive(Debug, Default, Deserialize)]
pub struct RawConfig {
    /// Config format version; must be 1.
    pub version: Option<u32>,
    /// The Workload Security manager.
    #[serde(default)]
    pub manager: RawManager,
    /// Where ward keeps its inventory and records.
    #[serde(default)]
    pub store: RawStore,
    /// How ward responds to findings.
    #[serde(default)]
    pub respond: RawRespond,
    /// Overrides of the built-in responses, per finding type.
    #[serde(default)]
    pub playbooks: Vec<RawPlaybook>,
    /// Where notices go.
    #[serde(default)]
    pub notify: RawNotify,
    /// `ward run`'s HTTP server (the event webhook).
    #[serde(default)]
    pub server: RawServer,
    /// How ward reaches AWS.
    pub aws: Option<RawAws>,
    /// Where `ward run` reads events from, besides the webhook.
    #[serde(default)]
    pub sources: Vec<RawSource>,
    /// The WAF sweep (`ward waf sweep`, and on a schedule in `ward run`).
    #[serde(default)]
    pub waf: RawWaf,
    /// Flows: a source object, AppFlow-style tasks, a destination (see `ward_flow::definition`).
    #[serde(default)]
    pub flows: Vec<ward_flow::FlowDefinition>,
}

/// `[waf]`
#[derive(Debug, Default, Deserialize)]
pub struct RawWaf {
    /// Seconds between sweeps in `ward run` (0 or absent: no scheduled sweep).
    pub sweep_every_secs: Option<u64>,
    /// Whether the scheduled sweep adds the missing rule groups (default false: it only reports;
    /// `ward waf sweep --apply` adds them once).
    pub apply: Option<bool>,
    /// The vendor of the managed rule groups (default `Trend Micro`).
    pub vendor: Option<String>,
    /// The "WebServer (Apache, NGINX)" group's name. The default (`TrendMicro-WebServer`) only
    /// follows WAF's name pattern: check the Marketplace name your account subscribed to with
    /// `aws wafv2 list-available-managed-rule-groups --scope REGIONAL`.
    pub webserver_rule_group: Option<String>,
    /// The "Content Management System (CMS)" group's name. The default (`TrendMicro-CMS`) only
    /// follows WAF's name pattern: check it with `ListAvailableManagedRuleGroups`.
    pub cms_rule_group: Option<String>,
}

/// `[[aws.accounts]]`
#[derive(Debug, Default, Deserialize)]
pub struct RawAccount {
    /// The 12-digit account ID.
    pub id: Option<String>,
    /// The role ward assumes in that account (`arn:aws:iam::<id>:role/<name>`).
    pub role_arn: Option<String>,
    /// The external ID the role's trust policy asks for.
    pub external_id: Option<String>,
}

/// `[aws]`
#[derive(Debug, Default, Deserialize)]
pub struct RawAws {
    /// The region (default: the SDK's chain, e.g. `AWS_REGION`).
    pub region: Option<String>,
    /// One endpoint for every AWS service (moto, LocalStack, a VPC endpoint); `AWS_ENDPOINT_URL`
    /// works too.
    pub endpoint_url: Option<String>,
    /// Send `PutEvaluations` with `TestMode` (nothing is recorded; emulators accept only this).
    pub config_test_mode: Option<bool>,
    /// Other accounts ward works in, each through a role it assumes (session name `ward`).
    #[serde(default)]
    pub accounts: Vec<RawAccount>,
}

/// `[[sources]]`
#[derive(Debug, Default, Deserialize)]
pub struct RawSource {
    /// `sqs` (the only kind so far).
    pub kind: Option<SourceKind>,
    /// The queue's URL.
    pub queue_url: Option<String>,
    /// Seconds a received message stays hidden while ward works on it (extended as needed;
    /// default 60).
    pub visibility_secs: Option<u32>,
}

/// `[respond]`
#[derive(Debug, Default, Deserialize)]
pub struct RawRespond {
    /// Where Inspector's covering IPS rules go: `policy` (default) or `computer`.
    pub assign_to: Option<Parsed<AssignTo>>,
    /// Whether ward may turn a module on for a computer when a finding calls for it (default false).
    pub enable_modules: Option<bool>,
    /// How long a done action stands, in minutes (default 1440: 24 hours).
    pub cooldown_minutes: Option<u64>,
    /// How long to wait for a recommendation scan before giving up applying it (default 900).
    pub scan_wait_secs: Option<u64>,
    /// Where Config evaluations go: `file` (default, `evaluations_file`) or `aws-config`
    /// (`PutEvaluations`, needs `[aws]`).
    pub evaluations: Option<EvaluationsTo>,
    /// Where Config evaluations are written when they go to a file
    /// (default `ward-data/evaluations.jsonl`).
    pub evaluations_file: Option<PathBuf>,
    /// Seconds a claimed action is trusted to be in work before another worker takes it over
    /// (a worker that died; default 600).
    pub lease_secs: Option<u64>,
}

/// `[[playbooks]]`
#[derive(Debug, Default, Deserialize)]
pub struct RawPlaybook {
    /// A finding type, or a prefix ending in `*` (`Recon:EC2/*`).
    pub finding_type: Option<String>,
    /// Replaces the default scans: `scan-recommendations-applied`, `scan-recommendations`,
    /// `scan-integrity`, `scan-malware`.
    pub actions: Option<Vec<Parsed<Step>>>,
    /// Replaces the modules the default table would turn on.
    pub modules: Option<Vec<Parsed<Module>>>,
    /// Turns "ensure a module is on" on or off for these types.
    pub enable_modules: Option<bool>,
}

/// `[notify]`
#[derive(Debug, Default, Deserialize)]
pub struct RawNotify {
    /// Slack-compatible incoming webhooks.
    #[serde(default)]
    pub webhooks: Vec<RawWebhook>,
    /// An SNS topic that gets every notice (needs `[aws]`).
    pub sns_topic_arn: Option<String>,
    /// Import notices into Security Hub as findings (needs `[aws]`).
    pub security_hub: Option<RawSecurityHub>,
}

/// `[notify.security_hub]`
#[derive(Debug, Default, Deserialize)]
pub struct RawSecurityHub {
    /// The account that imports the findings (and owns the product ARN).
    pub account_id: Option<String>,
    /// The region of the Security Hub to import into.
    pub region: Option<String>,
}

/// `[[notify.webhooks]]`
#[derive(Debug, Default, Deserialize)]
pub struct RawWebhook {
    /// The webhook URL's source (it holds a token): `{ env = "NAME" }` or `{ file = "PATH" }`.
    pub url: Option<SecretSource>,
    /// AWS accounts routed here; empty: the accounts no other webhook names.
    #[serde(default)]
    pub accounts: Vec<String>,
}

/// `[server]`
#[derive(Debug, Default, Deserialize)]
pub struct RawServer {
    /// Address `ward run` listens on (default `127.0.0.1:8080`).
    pub listen: Option<Parsed<SocketAddr>>,
    /// The HMAC-SHA256 key for `POST /api/v1/events` (`{ env = … }` or `{ file = … }`); without
    /// one, the webhook refuses every event.
    pub webhook_secret: Option<SecretSource>,
    /// The operator token for the API and dashboard (`{ env = … }` or `{ file = … }`): may read
    /// and trigger (flow runs). Sent as `Authorization: Bearer <token>` or set as a cookie by
    /// `/login`. Required, with or instead of `viewer_token`, to listen on a non-loopback address;
    /// without any token (loopback only) every request is accepted.
    pub token: Option<SecretSource>,
    /// The read-only token for the API and dashboard (`{ env = … }` or `{ file = … }`): may read,
    /// never trigger (403).
    pub viewer_token: Option<SecretSource>,
}

/// `[manager]`
#[derive(Debug, Default, Deserialize)]
pub struct RawManager {
    /// Cloud One region (`us-1`, `in-1`, `gb-1`, `au-1`, `de-1`, `jp-1`, `sg-1`, `ca-1`).
    pub region: Option<String>,
    /// Explicit API base URL, e.g. `https://dsm.example.com:4119/api`. Exclusive with `region`.
    pub url: Option<String>,
    /// Where the API key comes from: `{ env = "NAME" }` or `{ file = "PATH" }`. Never the key itself.
    pub api_key: Option<SecretSource>,
    /// `api-key` (header `Authorization: ApiKey …`, Cloud One keys, the default) or
    /// `api-secret-key` (header `api-secret-key: …`, legacy and on-premises keys).
    pub auth: Option<Auth>,
    /// PEM file with the CA that signed an on-premises manager's certificate.
    pub ca_bundle: Option<PathBuf>,
    /// Per-request timeout in seconds (default 30).
    pub timeout_secs: Option<u64>,
    /// Client-side limit on calls per minute (default: none).
    pub rate_limit_per_minute: Option<u32>,
    /// How many calls may be in flight at once (default 4).
    pub max_concurrency: Option<usize>,
    /// How many times one call is tried before giving up (default 6).
    pub max_attempts: Option<u32>,
}

/// `[store]`
#[derive(Debug, Default, Deserialize)]
pub struct RawStore {
    /// `sqlite://PATH` (default `sqlite://ward-data/ward.db`) or `postgres://…`.
    pub url: Option<String>,
}

/// How ward authenticates to the manager.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    #[default]
    ApiKey,
    ApiSecretKey,
}

/// Where the API key is read from.
#[derive(Clone, PartialEq, Eq)]
pub enum ApiKeySource {
    Env(String),
    File(PathBuf),
    SecretsManager(String),
    Ssm(String),
    /// The simulator's public demo key, for a loopback manager with no key configured.
    SimulatorDemo,
}

impl ApiKeySource {
    /// The source it names, unless it is the simulator's demo key.
    pub fn source(&self) -> Option<SecretSource> {
        match self {
            Self::Env(name) => Some(SecretSource::Env(name.clone())),
            Self::File(path) => Some(SecretSource::File(path.clone())),
            Self::SecretsManager(id) => Some(SecretSource::SecretsManager(id.clone())),
            Self::Ssm(name) => Some(SecretSource::Ssm(name.clone())),
            Self::SimulatorDemo => None,
        }
    }

    /// Reads the key. The error names the source, never the value.
    pub fn load(&self) -> Result<Secret, String> {
        self.source().map_or_else(
            || Ok(Secret::new(SIMULATOR_DEMO_KEY)),
            |source| source.load(),
        )
    }
}

impl fmt::Debug for ApiKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source() {
            Some(source) => source.fmt(f),
            None => f.write_str("simulator demo key"),
        }
    }
}

/// Where a secret is read from: `{ env = "NAME" }`, `{ file = "PATH" }`, `{ secret = "ARN" }` or
/// `{ ssm = "/PARAMETER" }`; never the secret itself.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "toml::Value")]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
    /// A Secrets Manager secret (ARN or name).
    SecretsManager(String),
    /// An SSM SecureString parameter.
    Ssm(String),
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "env {name}"),
            Self::File(path) => write!(f, "file {}", path.display()),
            Self::SecretsManager(id) => write!(f, "Secrets Manager secret {id}"),
            Self::Ssm(name) => write!(f, "SSM parameter {name}"),
        }
    }
}

impl SecretSource {
    /// Whether reading it needs AWS.
    pub fn in_aws(&self) -> bool {
        matches!(self, Self::SecretsManager(_) | Self::Ssm(_))
    }

    /// Reads the secret. The error names the source, never the value.
    pub fn load(&self) -> Result<Secret, String> {
        let secret = match self {
            Self::Env(name) => Secret::new(
                std::env::var(name)
                    .map_err(|_| format!("environment variable {name} is not set"))?,
            ),
            Self::File(path) => Secret::new(
                std::fs::read_to_string(path)
                    .map_err(|error| format!("cannot read {}: {error}", path.display()))?
                    .trim()
                    .to_owned(),
            ),
            Self::SecretsManager(_) | Self::Ssm(_) => {
                return Err(format!(
                    "{self:?} is read from AWS (see crate::aws::load_secret)"
                ));
            }
        };
        if secret.is_empty() {
            return Err(format!("the secret from {self:?} is empty"));
        }
        Ok(secret)
    }
}

/// A validated webhook route.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: SecretSource,
    pub accounts: Vec<String>,
}

/// The validated `[server]` section.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: std::net::SocketAddr,
    pub webhook_secret: Option<SecretSource>,
    /// The operator token's source (read and trigger).
    pub token: Option<SecretSource>,
    /// The viewer token's source (read only).
    pub viewer_token: Option<SecretSource>,
}

impl ServerConfig {
    /// Whether an API token is configured.
    pub fn has_token(&self) -> bool {
        self.token.is_some() || self.viewer_token.is_some()
    }

    /// Listening anywhere but loopback needs a token: the API would be open to the network.
    pub fn check_listen(
        &self,
        listen: std::net::SocketAddr,
        file: &str,
    ) -> Result<(), ConfigError> {
        if listen.ip().is_loopback() || self.has_token() {
            return Ok(());
        }
        Err(ConfigError::new(
            file,
            "server.token",
            format!(
                "server.listen (or --listen) is {listen}, not a loopback address: set server.token \
                 or server.viewer_token ({{ env = \"NAME\" }} or {{ file = \"PATH\" }}) so the API \
                 is not open to the network"
            ),
        ))
    }
}

/// The validated `[manager]` section.
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    pub url: Url,
    pub api_key: ApiKeySource,
    pub auth: Auth,
    pub ca_bundle: Option<PathBuf>,
    pub timeout: Duration,
    pub rate_limit_per_minute: Option<u32>,
    pub max_concurrency: usize,
    pub max_attempts: u32,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, or `None` for the built-in defaults.
    pub source: Option<PathBuf>,
    pub manager: ManagerConfig,
    pub store_url: String,
    pub respond: ward_respond::Settings,
    pub evaluations_file: PathBuf,
    pub webhooks: Vec<WebhookConfig>,
    pub server: ServerConfig,
    /// `[aws]`, when configured.
    pub aws: Option<AwsConfig>,
    pub evaluations: EvaluationsTo,
    pub sns_topic_arn: Option<String>,
    /// Security Hub's (account, region) to import notices into.
    pub security_hub: Option<(String, String)>,
    pub sources: Vec<SqsSourceConfig>,
    /// `[waf]`, with defaults when absent.
    pub waf: WafConfig,
    /// `[[flows]]`, each compiled once at load time (so a bad task is a config error).
    pub flows: Vec<ward_flow::Flow>,
}

/// The validated `[aws]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsConfig {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub config_test_mode: bool,
    /// `[[aws.accounts]]`: other accounts and the role ward assumes in each.
    pub accounts: Vec<AccountConfig>,
}

/// A validated `[[aws.accounts]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    pub id: String,
    pub role: ward_core::waf::AccountRole,
}

/// The validated `[waf]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WafConfig {
    /// Zero: no scheduled sweep.
    pub sweep_every: Duration,
    pub apply: bool,
    pub groups: ward_respond::waf::GroupNames,
}

/// The managed rule groups' vendor, as AWS WAF lists it.
pub const DEFAULT_WAF_VENDOR: &str = "Trend Micro";
/// Default name of the "WebServer (Apache, NGINX)" group (check it with `ListAvailableManagedRuleGroups`).
pub const DEFAULT_WAF_WEBSERVER_GROUP: &str = "TrendMicro-WebServer";
/// Default name of the "Content Management System (CMS)" group (check it with `ListAvailableManagedRuleGroups`).
pub const DEFAULT_WAF_CMS_GROUP: &str = "TrendMicro-CMS";

/// Where Config evaluations go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvaluationsTo {
    #[default]
    File,
    AwsConfig,
}

/// Where `ward run` reads events from besides the webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Sqs,
}

/// A validated `[[sources]]` SQS queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsSourceConfig {
    pub queue_url: String,
    pub visibility_secs: u32,
}

impl Config {
    /// The file the config came from, as errors name it (`(defaults)` without one).
    pub fn file_name(&self) -> String {
        self.source.as_ref().map_or_else(
            || "(defaults)".to_owned(),
            |path| path.display().to_string(),
        )
    }

    /// The built-in defaults (no config file).
    pub fn defaults() -> Self {
        RawConfig::default()
            .validate("(defaults)")
            .unwrap_or_else(|error| unreachable!("built-in defaults are valid: {error}"))
    }

    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|error| ConfigError::new(&file, "(file)", format!("cannot read: {error}")))?;
        let mut config = Self::parse(&text, &file)?;
        config.source = Some(path.to_owned());
        Ok(config)
    }

    /// Parses and validates config text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let raw = RawConfig::parse(text, file)?;
        raw.validate(file)
    }
}

impl RawConfig {
    /// Parses TOML, rejecting unknown keys by their path and naming the path of a mistyped value.
    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let mut unknown = BTreeSet::new();
        let deserializer = toml::Deserializer::new(text);
        let mut record = |path: serde_ignored::Path<'_>| {
            unknown.insert(path.to_string());
        };
        let ignored = serde_ignored::Deserializer::new(deserializer, &mut record);
        let raw: RawConfig = serde_path_to_error::deserialize(ignored).map_err(|error| {
            let key = error.path().to_string();
            let reason = error.into_inner().message().trim().to_owned();
            ConfigError::new(
                file,
                if key == "." {
                    "(document)".to_owned()
                } else {
                    key
                },
                reason,
            )
        })?;
        if let Some(key) = unknown.into_iter().next() {
            return Err(ConfigError::new(file, key, "unknown key"));
        }
        Ok(raw)
    }

    /// Checks values and fills defaults, section by section, then the checks across sections
    /// (what needs `[aws]`). No I/O: the API key is not read here.
    pub fn validate(self, file: &str) -> Result<Config, ConfigError> {
        validate_version(self.version, file)?;
        let manager = validate_manager(self.manager, file)?;
        let store_url = validate_store(self.store, file)?;
        let respond = validate_respond(&self.respond, &self.playbooks, file)?;
        let evaluations_file = self
            .respond
            .evaluations_file
            .clone()
            .unwrap_or_else(|| PathBuf::from("ward-data/evaluations.jsonl"));
        let evaluations = self.respond.evaluations.unwrap_or_default();
        let webhooks = validate_webhooks(&self.notify.webhooks, file)?;
        let server = validate_server(self.server, file)?;
        let aws = validate_aws(self.aws.as_ref(), file)?;
        let security_hub = validate_security_hub(
            self.notify.security_hub.as_ref(),
            aws.as_ref().and_then(|aws| aws.region.as_deref()),
            file,
        )?;
        if let Some(arn) = &self.notify.sns_topic_arn
            && (!arn.starts_with("arn:") || !arn.contains(":sns:"))
        {
            return Err(ConfigError::new(
                file,
                "notify.sns_topic_arn",
                format!("`{arn}` is not an SNS topic ARN"),
            ));
        }
        let sources = validate_sources(&self.sources, file)?;
        let waf = validate_waf(&self.waf, file)?;
        let flows = validate_flows(self.flows, file)?;
        let config = Config {
            aws,
            waf,
            flows,
            evaluations,
            sns_topic_arn: self.notify.sns_topic_arn.clone(),
            security_hub,
            sources,
            respond,
            evaluations_file,
            webhooks,
            server,
            source: None,
            manager,
            store_url,
        };
        check_needs_aws(&config, &self.sources, file)?;
        Ok(config)
    }
}

/// Whatever reaches AWS needs an `[aws]` section: Config evaluations through `PutEvaluations`,
/// SNS and Security Hub notices, SQS sources, the WAF sweep and secrets kept in AWS.
fn check_needs_aws(config: &Config, sources: &[RawSource], file: &str) -> Result<(), ConfigError> {
    if config.aws.is_some() {
        return Ok(());
    }
    let secret_in_aws = config
        .manager
        .api_key
        .source()
        .is_some_and(|source| source.in_aws())
        || config.webhooks.iter().any(|webhook| webhook.url.in_aws())
        || [
            &config.server.webhook_secret,
            &config.server.token,
            &config.server.viewer_token,
        ]
        .into_iter()
        .flatten()
        .any(SecretSource::in_aws);
    let needing = [
        (config.evaluations == EvaluationsTo::AwsConfig).then(|| "respond.evaluations".to_owned()),
        config
            .sns_topic_arn
            .is_some()
            .then(|| "notify.sns_topic_arn".to_owned()),
        config
            .security_hub
            .is_some()
            .then(|| "notify.security_hub".to_owned()),
        (!sources.is_empty()).then(|| "sources[0].kind".to_owned()),
        (!config.waf.sweep_every.is_zero()).then(|| "waf.sweep_every_secs".to_owned()),
        secret_in_aws.then(|| "manager.api_key".to_owned()),
    ];
    match needing.into_iter().flatten().next() {
        Some(key) => Err(ConfigError::new(
            file,
            key,
            "needs an [aws] section (region, credentials from the default chain)",
        )),
        None => Ok(()),
    }
}

fn validate_version(version: Option<u32>, file: &str) -> Result<(), ConfigError> {
    match version {
        None | Some(CONFIG_VERSION) => Ok(()),
        Some(other) => Err(ConfigError::new(
            file,
            "version",
            format!(
                "unsupported config version {other} (this ward reads version {CONFIG_VERSION})"
            ),
        )),
    }
}

/// `[manager]`: where it is (a Cloud One region or a URL), the key's source, limits.
fn validate_manager(manager: RawManager, file: &str) -> Result<ManagerConfig, ConfigError> {
    let url = match (&manager.region, &manager.url) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::new(
                file,
                "manager",
                "set either region or url, not both",
            ));
        }
        (Some(region), None) => {
            let text = ward_core::region::cloud_one_api_url(region).ok_or_else(|| {
                ConfigError::new(
                    file,
                    "manager.region",
                    format!(
                        "unknown Cloud One region `{region}` (expected one of {})",
                        ward_core::region::CLOUD_ONE_REGIONS.join(", ")
                    ),
                )
            })?;
            Url::parse(&text)
                .map_err(|error| ConfigError::new(file, "manager.region", error.to_string()))?
        }
        (None, Some(text)) => parse_manager_url(text)
            .map_err(|reason| ConfigError::new(file, "manager.url", reason))?,
        (None, None) => Url::parse(DEFAULT_MANAGER_URL)
            .map_err(|error| ConfigError::new(file, "manager.url", error.to_string()))?,
    };
    let api_key = match manager.api_key {
        Some(source) => ApiKeySource::from(source),
        None if std::env::var_os(DEFAULT_API_KEY_ENV).is_none() && is_loopback(&url) => {
            ApiKeySource::SimulatorDemo
        }
        None => ApiKeySource::Env(DEFAULT_API_KEY_ENV.to_owned()),
    };
    let at_least_one = |key: &str, value: u64| {
        if value == 0 {
            Err(ConfigError::new(
                file,
                format!("manager.{key}"),
                "must be at least 1",
            ))
        } else {
            Ok(())
        }
    };
    let timeout_secs = manager.timeout_secs.unwrap_or(30);
    at_least_one("timeout_secs", timeout_secs)?;
    let max_concurrency = manager.max_concurrency.unwrap_or(4);
    at_least_one("max_concurrency", max_concurrency as u64)?;
    let max_attempts = manager.max_attempts.unwrap_or(6);
    at_least_one("max_attempts", u64::from(max_attempts))?;
    if let Some(per_minute) = manager.rate_limit_per_minute {
        at_least_one("rate_limit_per_minute", u64::from(per_minute))?;
    }
    Ok(ManagerConfig {
        url,
        api_key,
        auth: manager.auth.unwrap_or_default(),
        ca_bundle: manager.ca_bundle,
        timeout: Duration::from_secs(timeout_secs),
        rate_limit_per_minute: manager.rate_limit_per_minute,
        max_concurrency,
        max_attempts,
    })
}

/// `[store]`: a SQLite or PostgreSQL URL.
fn validate_store(store: RawStore, file: &str) -> Result<String, ConfigError> {
    let url = store.url.unwrap_or_else(|| DEFAULT_STORE_URL.to_owned());
    if url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://")
    {
        Ok(url)
    } else {
        Err(ConfigError::new(
            file,
            "store.url",
            "expected sqlite://PATH or postgres://…",
        ))
    }
}

/// `[[notify.webhooks]]`: each URL's source, and the accounts routed to it.
fn validate_webhooks(raw: &[RawWebhook], file: &str) -> Result<Vec<WebhookConfig>, ConfigError> {
    raw.iter()
        .enumerate()
        .map(|(index, webhook)| {
            let url = webhook.url.clone().ok_or_else(|| {
                ConfigError::new(
                    file,
                    format!("notify.webhooks[{index}].url"),
                    "missing: { env = \"NAME\" } or { file = \"PATH\" }",
                )
            })?;
            if let Some(bad) = webhook
                .accounts
                .iter()
                .find(|account| !is_account_id(account))
            {
                return Err(ConfigError::new(
                    file,
                    format!("notify.webhooks[{index}].accounts"),
                    format!("`{bad}` is not a 12-digit AWS account ID"),
                ));
            }
            Ok(WebhookConfig {
                url,
                accounts: webhook.accounts.clone(),
            })
        })
        .collect()
}

/// `[notify.security_hub]`: the importing account, and its region (else `aws.region`).
fn validate_security_hub(
    raw: Option<&RawSecurityHub>,
    aws_region: Option<&str>,
    file: &str,
) -> Result<Option<(String, String)>, ConfigError> {
    let Some(hub) = raw else {
        return Ok(None);
    };
    let account = hub
        .account_id
        .clone()
        .filter(|account| is_account_id(account))
        .ok_or_else(|| {
            ConfigError::new(
                file,
                "notify.security_hub.account_id",
                "a 12-digit AWS account ID is required",
            )
        })?;
    let region = hub
        .region
        .clone()
        .or_else(|| aws_region.map(str::to_owned))
        .ok_or_else(|| {
            ConfigError::new(
                file,
                "notify.security_hub.region",
                "required (or set aws.region)",
            )
        })?;
    Ok(Some((account, region)))
}

/// `[server]`: the address, and listening beyond loopback only with a token.
fn validate_server(raw: RawServer, file: &str) -> Result<ServerConfig, ConfigError> {
    let listen = raw.listen.map_or_else(
        || SocketAddr::from(([127, 0, 0, 1], 8080)),
        |Parsed(listen)| listen,
    );
    let server = ServerConfig {
        listen,
        webhook_secret: raw.webhook_secret,
        token: raw.token,
        viewer_token: raw.viewer_token,
    };
    server.check_listen(listen, file)?;
    Ok(server)
}

/// `[aws]` and its accounts.
fn validate_aws(raw: Option<&RawAws>, file: &str) -> Result<Option<AwsConfig>, ConfigError> {
    raw.map(|raw| {
        Ok(AwsConfig {
            region: raw.region.clone(),
            endpoint_url: raw.endpoint_url.clone(),
            config_test_mode: raw.config_test_mode.unwrap_or(false),
            accounts: validate_accounts(&raw.accounts, file)?,
        })
    })
    .transpose()
}

/// `[[sources]]`: SQS queues and how long a message stays hidden.
fn validate_sources(raw: &[RawSource], file: &str) -> Result<Vec<SqsSourceConfig>, ConfigError> {
    raw.iter()
        .enumerate()
        .map(|(index, source)| {
            let key = |name: &str| format!("sources[{index}].{name}");
            let Some(SourceKind::Sqs) = source.kind else {
                return Err(ConfigError::new(
                    file,
                    key("kind"),
                    "missing (expected sqs)",
                ));
            };
            let queue_url = source
                .queue_url
                .clone()
                .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
                .ok_or_else(|| {
                    ConfigError::new(file, key("queue_url"), "an SQS queue URL is required")
                })?;
            let visibility_secs = source.visibility_secs.unwrap_or(60);
            if !(5..=43_200).contains(&visibility_secs) {
                return Err(ConfigError::new(
                    file,
                    key("visibility_secs"),
                    "must be between 5 and 43200",
                ));
            }
            Ok(SqsSourceConfig {
                queue_url,
                visibility_secs,
            })
        })
        .collect()
}

fn parse_manager_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("not a URL ({error})"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err("plain http is allowed only for a manager on this machine; use https".into()),
        other => Err(format!("unsupported scheme `{other}` (expected https)")),
    }
}

/// Whether the URL points at this machine.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// `[[flows]]`: names unique, every task compiled against its source's schema, destinations
/// that name a place.
fn validate_flows(
    flows: Vec<ward_flow::FlowDefinition>,
    file: &str,
) -> Result<Vec<ward_flow::Flow>, ConfigError> {
    let mut compiled: Vec<ward_flow::Flow> = Vec::with_capacity(flows.len());
    for (index, flow) in flows.into_iter().enumerate() {
        let key = |name: &str| format!("flows[{index}].{name}");
        if compiled.iter().any(|earlier| earlier.name() == flow.name) {
            return Err(ConfigError::new(
                file,
                key("name"),
                format!("flow `{}` is defined twice", flow.name),
            ));
        }
        if flow.destination.location().is_none() {
            return Err(ConfigError::new(
                file,
                key("destination.path"),
                format!(
                    "`{}` names no bucket (expected s3://bucket/prefix or a directory)",
                    flow.destination.path
                ),
            ));
        }
        if flow.destination.target_file_size_mb == Some(0) {
            return Err(ConfigError::new(
                file,
                key("destination.target_file_size_mb"),
                "must be at least 1",
            ));
        }
        let flow = ward_flow::Flow::compile(flow).map_err(|error| {
            let at = match error.task() {
                Some(task) => format!("flows[{index}].tasks[{task}]"),
                None => format!("flows[{index}]"),
            };
            ConfigError::new(file, at, error.to_string())
        })?;
        compiled.push(flow);
    }
    Ok(compiled)
}

/// `[[aws.accounts]]` → accounts and their roles.
fn validate_accounts(raw: &[RawAccount], file: &str) -> Result<Vec<AccountConfig>, ConfigError> {
    let mut accounts: Vec<AccountConfig> = Vec::new();
    for (index, account) in raw.iter().enumerate() {
        let key = |name: &str| format!("aws.accounts[{index}].{name}");
        let id = account
            .id
            .clone()
            .filter(|id| is_account_id(id))
            .ok_or_else(|| {
                ConfigError::new(file, key("id"), "a 12-digit AWS account ID is required")
            })?;
        if accounts.iter().any(|seen| seen.id == id) {
            return Err(ConfigError::new(
                file,
                key("id"),
                format!("account {id} is listed twice"),
            ));
        }
        let role_arn = account.role_arn.clone().ok_or_else(|| {
            ConfigError::new(
                file,
                key("role_arn"),
                "missing: the role ward assumes (arn:aws:iam::<id>:role/<name>)",
            )
        })?;
        if !is_role_arn(&role_arn) {
            return Err(ConfigError::new(
                file,
                key("role_arn"),
                format!("`{role_arn}` is not an IAM role ARN (arn:aws:iam::<id>:role/<name>)"),
            ));
        }
        let external_id = match &account.external_id {
            None => None,
            Some(external_id)
                if (2..=1224).contains(&external_id.len())
                    && external_id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)) =>
            {
                Some(external_id.clone())
            }
            Some(_) => {
                return Err(ConfigError::new(
                    file,
                    key("external_id"),
                    "must be 2 to 1224 characters of letters, digits and _+=,.@:/-",
                ));
            }
        };
        accounts.push(AccountConfig {
            id,
            role: ward_core::waf::AccountRole {
                role_arn,
                external_id,
            },
        });
    }
    Ok(accounts)
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>`.
fn is_role_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    matches!(
        parts.as_slice(),
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && is_account_id(account)
                && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty())
    )
}

/// `[waf]` → the sweep's settings.
fn validate_waf(raw: &RawWaf, file: &str) -> Result<WafConfig, ConfigError> {
    let vendor = raw
        .vendor
        .clone()
        .unwrap_or_else(|| DEFAULT_WAF_VENDOR.to_owned());
    if vendor.trim().is_empty() || vendor.len() > 128 {
        return Err(ConfigError::new(
            file,
            "waf.vendor",
            "must be 1 to 128 characters, not only spaces",
        ));
    }
    let group = |key: &str, value: &Option<String>, default: &str| {
        let name = value.clone().unwrap_or_else(|| default.to_owned());
        let valid = (1..=128).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if valid {
            Ok(name)
        } else {
            Err(ConfigError::new(
                file,
                format!("waf.{key}"),
                format!(
                    "`{name}` is not a rule group name AWS WAF accepts (1 to 128 letters, digits, _ or -)"
                ),
            ))
        }
    };
    let webserver = group(
        "webserver_rule_group",
        &raw.webserver_rule_group,
        DEFAULT_WAF_WEBSERVER_GROUP,
    )?;
    let cms = group("cms_rule_group", &raw.cms_rule_group, DEFAULT_WAF_CMS_GROUP)?;
    if webserver == cms {
        return Err(ConfigError::new(
            file,
            "waf.cms_rule_group",
            "must differ from waf.webserver_rule_group",
        ));
    }
    Ok(WafConfig {
        sweep_every: Duration::from_secs(raw.sweep_every_secs.unwrap_or(0)),
        apply: raw.apply.unwrap_or(false),
        groups: ward_respond::waf::GroupNames {
            vendor,
            webserver,
            cms,
        },
    })
}

/// `[respond]` and `[[playbooks]]` → the response settings.
fn validate_respond(
    raw: &RawRespond,
    playbooks: &[RawPlaybook],
    file: &str,
) -> Result<ward_respond::Settings, ConfigError> {
    let mut settings = ward_respond::Settings::default();
    if let Some(Parsed(assign_to)) = raw.assign_to {
        settings.assign_to = assign_to;
    }
    settings.enable_modules = raw.enable_modules.unwrap_or(false);
    if let Some(seconds) = raw.lease_secs {
        if seconds == 0 {
            return Err(ConfigError::new(
                file,
                "respond.lease_secs",
                "must be at least 1",
            ));
        }
        settings.lease_ms = i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    }
    if let Some(minutes) = raw.cooldown_minutes {
        if minutes == 0 {
            return Err(ConfigError::new(
                file,
                "respond.cooldown_minutes",
                "must be at least 1",
            ));
        }
        settings.cooldown_ms = i64::try_from(minutes.saturating_mul(60_000)).unwrap_or(i64::MAX);
    }
    if let Some(seconds) = raw.scan_wait_secs {
        settings.scan_wait.total_ms = seconds.saturating_mul(1000);
    }
    for (index, playbook) in playbooks.iter().enumerate() {
        let key = |name: &str| format!("playbooks[{index}].{name}");
        let pattern = playbook.finding_type.as_deref().ok_or_else(|| {
            ConfigError::new(
                file,
                key("finding_type"),
                "missing: which finding types it applies to",
            )
        })?;
        let finding_type = ward_respond::TypePattern::new(pattern)
            .map_err(|reason| ConfigError::new(file, key("finding_type"), reason))?;
        let steps = playbook
            .actions
            .as_ref()
            .map(|actions| actions.iter().map(|Parsed(step)| *step).collect());
        let modules = playbook
            .modules
            .as_ref()
            .map(|modules| modules.iter().map(|Parsed(module)| *module).collect());
        settings.playbooks.push(ward_respond::Playbook {
            finding_type,
            steps,
            modules,
            enable_modules: playbook.enable_modules,
        });
    }
    Ok(settings)
}

impl From<SecretSource> for ApiKeySource {
    fn from(source: SecretSource) -> Self {
        match source {
            SecretSource::Env(name) => Self::Env(name),
            SecretSource::File(path) => Self::File(path),
            SecretSource::SecretsManager(id) => Self::SecretsManager(id),
            SecretSource::Ssm(name) => Self::Ssm(name),
        }
    }
}

impl TryFrom<toml::Value> for SecretSource {
    type Error = String;

    fn try_from(value: toml::Value) -> Result<Self, String> {
        parse_secret_source(&value)
    }
}

fn parse_secret_source(value: &toml::Value) -> Result<SecretSource, String> {
    const EXPECTED: &str = r#"expected { env = "NAME" }, { file = "PATH" }, { secret = "ARN" } or { ssm = "/PARAMETER" }"#;
    let table = match value {
        toml::Value::String(_) => {
            return Err(format!(
                "secrets must not be written in the config file; {EXPECTED}"
            ));
        }
        toml::Value::Table(table) => table,
        _ => return Err(EXPECTED.to_owned()),
    };
    let mut entries = table.iter();
    let (Some((kind, value)), None) = (entries.next(), entries.next()) else {
        return Err(EXPECTED.to_owned());
    };
    let text = value.as_str().filter(|text| !text.trim().is_empty());
    match (kind.as_str(), text) {
        ("env", Some(name)) => Ok(SecretSource::Env(name.to_owned())),
        ("file", Some(path)) => Ok(SecretSource::File(PathBuf::from(path))),
        ("secret", Some(id)) => Ok(SecretSource::SecretsManager(id.to_owned())),
        ("ssm", Some(name)) => Ok(SecretSource::Ssm(name.to_owned())),
        ("env" | "file" | "secret" | "ssm", None) => {
            Err(format!("`{kind}` must be a non-empty string"))
        }
        (other, _) => Err(format!("unknown key source `{other}`; {EXPECTED}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> ConfigError {
        Config::parse(text, "ward.toml").expect_err("config should be refused")
    }

    /// What a user reads for a few typical mistakes: file, key path and reason.
    #[test]
    fn config_errors_read_well() {
        let errors = [
            "[manager]\nauth = \"basic\"\n",
            "[manager]\napi_key = \"in-clear\"\n",
            "[respond]\nevaluations = \"s3\"\n",
            "[[sources]]\nkind = \"kafka\"\n",
            "[[playbooks]]\nfinding_type = \"X\"\nactions = [\"scan-everything\"]\n",
            "[[flows]]\nname = \"f\"\nsource = \"users\"\ntasks = []\ndestination = { path = \"out\" }\n",
            "[[flows]]\nname = \"f\"\nsource = \"file\"\ntasks = []\ndestination = { path = \"out\" }\n",
            "[[flows]]\nname = \"f\"\nsource = \"computers\"\ndestination = { path = \"out\" }\n\
             [[flows.tasks]]\ntype = \"Map\"\nsource_fields = [\"hostNmae\"]\n",
            "[notify]\nsns_topic_arn = \"arn:aws:sns:us-east-1:111122223333:ward\"\n",
        ];
        let text: Vec<String> = errors.iter().map(|toml| error(toml).to_string()).collect();
        insta::assert_snapshot!("config_errors", text.join("\n"));
    }

    #[test]
    fn flows_are_compiled_and_named_by_key() {
        let flow = |body: &str| {
            format!(
                "[[flows]]\nname = \"f\"\nsource = \"computers\"\n\
                 destination = {{ path = \"s3://lake/ward\", format = \"parquet\" }}\n{body}"
            )
        };
        let config = Config::parse(
            &flow("[[flows.tasks]]\ntype = \"Map\"\nsource_fields = [\"hostName\"]\n"),
            "ward.toml",
        )
        .expect("valid");
        assert_eq!(config.flows.len(), 1);
        assert_eq!(
            config.flows[0].definition.destination.format,
            ward_flow::FileFormat::Parquet
        );

        let bad = error(&flow(
            "[[flows.tasks]]\ntype = \"Map\"\nsource_fields = [\"hostName\"]\n\
             [[flows.tasks]]\ntype = \"Truncate\"\nsource_fields = [\"hostName\"]\n",
        ));
        assert_eq!(bad.key, "flows[0].tasks[1]");
        assert!(bad.reason.contains("TRUNCATE_LENGTH"), "{bad}");

        let unknown = error(&flow(
            "[[flows.tasks]]\ntype = \"Map\"\nsource_field = [\"x\"]\n",
        ));
        assert!(unknown.key.starts_with("flows[0].tasks[0]"), "{unknown}");
        assert!(unknown.reason.contains("source_field"), "{unknown}");

        let twice = error(&format!(
            "{}{}",
            flow("tasks = [{ type = \"Map_all\" }]\n"),
            flow("tasks = [{ type = \"Map_all\" }]\n")
        ));
        assert_eq!(twice.key, "flows[1].name");
        assert!(twice.reason.contains("defined twice"), "{twice}");

        let source = error(
            &flow("tasks = [{ type = \"Map_all\" }]\n").replace("\"computers\"", "\"printers\""),
        );
        assert_eq!(source.key, "flows[0].source");
        let bucket =
            error(&flow("tasks = [{ type = \"Map_all\" }]\n").replace("s3://lake/ward", "s3://"));
        assert_eq!(bucket.key, "flows[0].destination.path");
        let path = error(&format!(
            "{}source_path = \"x.jsonl\"\n",
            flow("tasks = [{ type = \"Map_all\" }]\n")
        ));
        assert!(path.reason.contains("only a `file` source"), "{path}");
    }

    #[test]
    fn empty_config_gives_demo_defaults() {
        let config = Config::parse("", "ward.toml").expect("valid");
        assert_eq!(config.manager.url.as_str(), DEFAULT_MANAGER_URL);
        assert_eq!(config.store_url, DEFAULT_STORE_URL);
        assert_eq!(config.manager.auth, Auth::ApiKey);
    }

    #[test]
    fn region_becomes_cloud_one_url() {
        let config = Config::parse(
            "version = 1\n[manager]\nregion = \"de-1\"\napi_key = { env = \"C1_KEY\" }\n",
            "ward.toml",
        )
        .expect("valid");
        assert_eq!(
            config.manager.url.as_str(),
            "https://workload.de-1.cloudone.trendmicro.com/api"
        );
        assert_eq!(config.manager.api_key, ApiKeySource::Env("C1_KEY".into()));
    }

    #[test]
    fn unknown_keys_are_named_by_path() {
        let err = error("[manager]\nregoin = \"us-1\"\n");
        assert_eq!(err.key, "manager.regoin");
        assert_eq!(err.reason, "unknown key");
        assert_eq!(err.to_string(), "ward.toml: manager.regoin: unknown key");
        assert_eq!(error("colour = 1\n").key, "colour");
    }

    #[test]
    fn mistyped_values_name_their_path() {
        let err = error("[manager]\ntimeout_secs = \"ten\"\n");
        assert_eq!(err.key, "manager.timeout_secs");
        assert!(err.reason.contains("invalid type"), "{err}");
    }

    #[test]
    fn clear_text_keys_are_refused() {
        let err = error("[manager]\napi_key = \"2:abcdef\"\n");
        assert_eq!(err.key, "manager.api_key");
        assert!(!err.to_string().contains("abcdef"));
        assert!(err.reason.contains("must not be written"), "{err}");
        assert!(
            error("[manager]\napi_key = { vault = \"x\" }\n")
                .reason
                .contains("vault")
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert_eq!(error("version = 2\n").key, "version");
        assert_eq!(
            error("[manager]\nregion = \"mars-1\"\n").key,
            "manager.region"
        );
        assert_eq!(
            error("[manager]\nregion = \"us-1\"\nurl = \"https://x/api\"\n").key,
            "manager"
        );
        assert_eq!(
            error("[manager]\nurl = \"http://dsm.example.com:4119/api\"\n").key,
            "manager.url"
        );
        assert_eq!(error("[manager]\nauth = \"basic\"\n").key, "manager.auth");
        assert_eq!(error("[store]\nurl = \"mysql://x\"\n").key, "store.url");
        assert_eq!(
            error("[manager]\nmax_concurrency = 0\n").key,
            "manager.max_concurrency"
        );
    }

    #[test]
    fn playbooks_and_responses_are_validated_by_key() {
        let config = Config::parse(
            "[respond]\nassign_to = \"computer\"\nenable_modules = true\ncooldown_minutes = 60\n\
             [[playbooks]]\nfinding_type = \"Recon:EC2/*\"\nactions = [\"scan-malware\"]\nmodules = [\"firewall\"]\n\
             [[notify.webhooks]]\nurl = { env = \"HOOK\" }\naccounts = [\"111122223333\"]\n",
            "ward.toml",
        )
        .expect("valid");
        assert_eq!(config.respond.assign_to, ward_respond::AssignTo::Computer);
        assert!(config.respond.enable_modules);
        assert_eq!(config.respond.cooldown_ms, 3_600_000);
        assert_eq!(
            config.respond.playbooks[0].steps,
            Some(vec![ward_respond::Step::MalwareScan])
        );
        assert_eq!(config.webhooks[0].accounts, ["111122223333"]);
        let err = error(
            "[[playbooks]]\nfinding_type = \"Recon:EC2/*\"\nactions = [\"scan-everything\"]\n",
        );
        assert_eq!(err.key, "playbooks[0].actions[0]");
        assert!(err.reason.contains("scan-everything"), "{err}");
        assert_eq!(
            error("[[playbooks]]\nactions = []\n").key,
            "playbooks[0].finding_type"
        );
        assert_eq!(
            error("[[playbooks]]\nfinding_type = \"X\"\nmodules = [\"lasers\"]\n").key,
            "playbooks[0].modules[0]"
        );
        assert_eq!(
            error("[[playbooks]]\nfinding_type = \"X\"\ncolour = 1\n").key,
            "playbooks.0.colour"
        );
        assert_eq!(
            error("[respond]\nassign_to = \"fleet\"\n").key,
            "respond.assign_to"
        );
        assert_eq!(
            error("[[notify.webhooks]]\nurl = \"https://hooks.slack.com/x\"\n").key,
            "notify.webhooks[0].url"
        );
        assert_eq!(
            error("[[notify.webhooks]]\nurl = { env = \"H\" }\naccounts = [\"12\"]\n").key,
            "notify.webhooks[0].accounts"
        );
        assert_eq!(
            error("[server]\nlisten = \"everywhere\"\n").key,
            "server.listen"
        );
    }

    #[test]
    fn listening_beyond_loopback_needs_a_token() {
        let refused = error("[server]\nlisten = \"0.0.0.0:8080\"\n");
        assert_eq!(refused.key, "server.token");
        assert!(
            refused.reason.contains("server.listen"),
            "{}",
            refused.reason
        );
        let viewer = "[server]\nlisten = \"0.0.0.0:8080\"\nviewer_token = { env = \"V\" }\n";
        let config = Config::parse(viewer, "ward.toml").unwrap();
        assert!(config.server.token.is_none() && config.server.viewer_token.is_some());
        let config = Config::parse("[server]\nlisten = \"[::1]:8080\"\n", "ward.toml").unwrap();
        assert!(!config.server.has_token());
        assert_eq!(
            error("[server]\ntoken = \"in-clear\"\n").key,
            "server.token"
        );
    }

    #[test]
    fn aws_sections_are_validated_and_required_where_needed() {
        let config = Config::parse(
            "[manager]\nurl = \"https://dsm.example.com/api\"\napi_key = { secret = \"arn:aws:secretsmanager:us-east-1:111122223333:secret:ward\" }\n\
             [aws]\nregion = \"us-east-1\"\nendpoint_url = \"http://127.0.0.1:5000\"\nconfig_test_mode = true\n\
             [respond]\nevaluations = \"aws-config\"\n\
             [notify]\nsns_topic_arn = \"arn:aws:sns:us-east-1:111122223333:ward\"\n\
             [notify.security_hub]\naccount_id = \"111122223333\"\n\
             [[sources]]\nkind = \"sqs\"\nqueue_url = \"https://sqs.us-east-1.amazonaws.com/111122223333/ward\"\n",
            "ward.toml",
        )
        .expect("valid");
        assert!(matches!(
            config.manager.api_key,
            ApiKeySource::SecretsManager(_)
        ));
        assert_eq!(config.evaluations, EvaluationsTo::AwsConfig);
        assert_eq!(
            config.security_hub,
            Some(("111122223333".into(), "us-east-1".into()))
        );
        assert_eq!(config.sources[0].visibility_secs, 60);
        assert!(config.aws.expect("aws").config_test_mode);

        let needs = error("[[sources]]\nkind = \"sqs\"\nqueue_url = \"https://q\"\n");
        assert_eq!(needs.key, "sources[0].kind");
        assert!(needs.reason.contains("[aws]"), "{needs}");
        assert_eq!(
            error("[manager]\napi_key = { ssm = \"/ward/key\" }\n").key,
            "manager.api_key"
        );
        assert_eq!(
            error("[aws]\n[[sources]]\nkind = \"kafka\"\n").key,
            "sources[0].kind"
        );
        assert_eq!(
            error("[aws]\n[[sources]]\nkind = \"sqs\"\n").key,
            "sources[0].queue_url"
        );
        assert_eq!(
            error("[aws]\n[notify]\nsns_topic_arn = \"topic\"\n").key,
            "notify.sns_topic_arn"
        );
        assert_eq!(
            error("[respond]\nevaluations = \"aws-config\"\n").key,
            "respond.evaluations"
        );
        assert_eq!(
            error("[aws]\n[notify.security_hub]\nregion = \"us-east-1\"\n").key,
            "notify.security_hub.account_id"
        );
    }

    #[test]
    fn waf_and_accounts_are_validated_by_key() {
        let config = Config::parse(
            "[aws]\nregion = \"us-east-1\"\n\
             [[aws.accounts]]\nid = \"111122223333\"\nrole_arn = \"arn:aws:iam::111122223333:role/ward-audit\"\nexternal_id = \"ward-ext\"\n\
             [waf]\nsweep_every_secs = 3600\napply = true\nwebserver_rule_group = \"TM_WebServer\"\n",
            "ward.toml",
        )
        .expect("valid");
        assert_eq!(config.waf.sweep_every, Duration::from_secs(3600));
        assert!(config.waf.apply);
        assert_eq!(config.waf.groups.vendor, DEFAULT_WAF_VENDOR);
        assert_eq!(config.waf.groups.webserver, "TM_WebServer");
        assert_eq!(config.waf.groups.cms, DEFAULT_WAF_CMS_GROUP);
        let accounts = config.aws.expect("aws").accounts;
        assert_eq!(accounts[0].id, "111122223333");
        assert_eq!(accounts[0].role.external_id.as_deref(), Some("ward-ext"));
        let defaults = Config::parse("", "ward.toml").expect("valid");
        assert!(defaults.waf.sweep_every.is_zero());
        assert!(!defaults.waf.apply);

        let key = |text: &str| error(text).key;
        assert_eq!(
            key("[waf]\nsweep_every_secs = 60\n"),
            "waf.sweep_every_secs"
        );
        assert_eq!(key("[waf]\nsweep_every = 60\n"), "waf.sweep_every");
        assert_eq!(key("[waf]\napply = \"yes\"\n"), "waf.apply");
        assert_eq!(
            key("[waf]\ncms_rule_group = \"Trend Micro CMS\"\n"),
            "waf.cms_rule_group"
        );
        assert_eq!(
            key("[waf]\ncms_rule_group = \"TrendMicro-WebServer\"\n"),
            "waf.cms_rule_group"
        );
        assert_eq!(key("[waf]\nvendor = \" \"\n"), "waf.vendor");
        assert_eq!(
            key(
                "[aws]\n[[aws.accounts]]\nid = \"12\"\nrole_arn = \"arn:aws:iam::111122223333:role/x\"\n"
            ),
            "aws.accounts[0].id"
        );
        assert_eq!(
            key("[aws]\n[[aws.accounts]]\nid = \"111122223333\"\n"),
            "aws.accounts[0].role_arn"
        );
        assert_eq!(
            key(
                "[aws]\n[[aws.accounts]]\nid = \"111122223333\"\nrole_arn = \"arn:aws:iam::111122223333:user/x\"\n"
            ),
            "aws.accounts[0].role_arn"
        );
        assert_eq!(
            key(
                "[aws]\n[[aws.accounts]]\nid = \"111122223333\"\nrole_arn = \"arn:aws:iam::111122223333:role/x\"\nexternal_id = \"a b\"\n"
            ),
            "aws.accounts[0].external_id"
        );
        assert_eq!(
            key(
                "[aws]\n[[aws.accounts]]\nid = \"111122223333\"\nrole_arn = \"arn:aws:iam::111122223333:role/x\"\n\
                 [[aws.accounts]]\nid = \"111122223333\"\nrole_arn = \"arn:aws:iam::111122223333:role/y\"\n"
            ),
            "aws.accounts[1].id"
        );
        let unknown = error("[aws]\n[[aws.accounts]]\nid = \"111122223333\"\nrole = \"x\"\n");
        assert!(unknown.key.ends_with("accounts.0.role"), "{unknown}");
        assert_eq!(unknown.reason, "unknown key");
    }

    #[test]
    fn key_sources_load_without_printing_the_key() {
        let dir = std::env::temp_dir().join(format!("ward-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("key");
        std::fs::write(&path, "s3cr3t-value\n").expect("write key");
        let source = ApiKeySource::File(path.clone());
        assert_eq!(source.load().expect("readable").expose(), "s3cr3t-value");
        std::fs::write(&path, "\n").expect("write key");
        let err = source.load().expect_err("empty key");
        assert!(err.contains("empty"), "{err}");
        let missing = ApiKeySource::Env("WARD_TEST_SURELY_UNSET_VARIABLE".into()).load();
        assert!(
            missing
                .expect_err("unset")
                .contains("WARD_TEST_SURELY_UNSET_VARIABLE")
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    proptest::proptest! {
        /// The fuzz target's property, run on every test: no text makes the parser panic, and a
        /// refusal always names a key.
        #[test]
        fn parsing_never_panics(text in "(?s).{0,200}") {
            if let Err(error) = Config::parse(&text, "fuzz.toml") {
                proptest::prop_assert!(!error.key.is_empty());
            }
        }

        #[test]
        fn mutated_valid_configs_never_panic(
            cut in 0usize..160,
            insert in "[a-z_=\\[\\]{}\"0-9 .\n-]{0,12}",
        ) {
            let valid = "version = 1\n[manager]\nregion = \"us-1\"\napi_key = { env = \"K\" }\ntimeout_secs = 10\n[store]\nurl = \"sqlite://x.db\"\n";
            let cut = valid.char_indices().map(|(i, _)| i).nth(cut % valid.len()).unwrap_or(0);
            let text = format!("{}{insert}{}", &valid[..cut], &valid[cut..]);
            let _ = Config::parse(&text, "fuzz.toml");
        }
    }
}
