//! How to reach and talk to the manager: its URL, the API key and where it goes, timeouts,
//! retries, limits, and the clock `Retry-After` dates are read against.

use crate::resilient::RetryPolicy;
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
