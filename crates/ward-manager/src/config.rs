//! How to reach and talk to the manager: its URL, the API key and where it goes, timeouts,
//! retries ([`RetryPolicy`]), limits, and the clock `Retry-After` dates are read against. This
//! module imports no other module of the crate.

use rand::Rng;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;
use ward_core::region::cloud_one_api_url;
use ward_core::{Clock, Secret};

/// Where the API key goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// `Authorization: ApiKey <key>`: Cloud One API keys.
    #[default]
    ApiKey,
    /// `api-secret-key: <key>`: legacy Workload Security and on-premises Deep Security Manager keys.
    ApiSecretKey,
}

/// How to reach and talk to the manager.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API's base URL, `/api` included: `https://workload.us-1.cloudone.trendmicro.com/api`,
    /// `https://dsm.example.com:4119/api`.
    pub base_url: Url,
    /// Redacted in `Debug` and `Display`.
    pub api_key: Secret,
    pub auth: AuthScheme,
    /// Per HTTP attempt, connection included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Client-side limit on attempts per 60 seconds; `None` for no limit.
    pub rate_limit_per_minute: Option<u32>,
    /// Requests in flight at once (at least 1).
    pub max_concurrency: usize,
    /// A PEM file of extra root certificates (an on-premises manager's private CA). Certificate
    /// verification is always on.
    pub ca_bundle: Option<PathBuf>,
    /// The time `Retry-After` dates are measured from.
    pub clock: Arc<dyn Clock>,
}

impl ClientConfig {
    /// A configuration with defaults: Cloud One key header, 30 s timeout, the default retry policy,
    /// no client-side rate limit, 4 requests in flight.
    pub fn new(base_url: Url, api_key: Secret) -> Self {
        Self {
            base_url,
            api_key,
            auth: AuthScheme::ApiKey,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            rate_limit_per_minute: None,
            max_concurrency: 4,
            ca_bundle: None,
            clock: ward_clock::SystemClock::shared(),
        }
    }

    /// The configuration for a Cloud One region (`us-1`, `de-1`, …); `None` for an unknown region.
    pub fn for_region(region: &str, api_key: Secret) -> Option<Self> {
        let url = Url::parse(&cloud_one_api_url(region)?).ok()?;
        Some(Self::new(url, api_key))
    }
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The backoff before the second attempt; it doubles for each further one.
    pub base_delay: Duration,
    /// The longest backoff between two attempts.
    pub max_delay: Duration,
    /// The longest wait a `Retry-After` header can impose; a longer one is cut to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The upper bound of the backoff after `attempt` (1-based) failed:
    /// `min(max_delay, base_delay × 2^(attempt-1))`.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// A backoff with full jitter: uniform in `[0, backoff_ceiling(attempt)]`.
    pub fn backoff(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = u64::try_from(self.backoff_ceiling(attempt).as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.random_range(0..=ceiling))
    }
}
