//! [`Resilient`]: a decorator around any [`Transport`] that retries with exponential backoff and
//! full jitter (honouring `Retry-After`), keeps under a client-side rate limit, bounds concurrency,
//! and counts every HTTP attempt.
//!
//! What is retried: 429, 500, 502, 503 and 504 answers, timeouts, and broken or refused
//! connections. A request that is not idempotent (creating a scheduled task) is retried only when
//! it surely did not take effect: on 429 (the manager rejects without counting the call) and when
//! no connection could be made. Every other answer, 4xx included, is returned at once.

use crate::config::RetryPolicy;
use crate::transport::{ApiRequest, ApiResponse, Transport, TransportError};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;
use tracing::Instrument;
use ward_core::Clock;

/// Parses a `Retry-After` value: delay-seconds, or an HTTP-date (a date in the past means now).
pub fn parse_retry_after(value: &str, now_ms: i64) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for u64 still means "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    let date_ms = date
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|since| i64::try_from(since.as_millis()).ok())?;
    let wait = u64::try_from(date_ms.saturating_sub(now_ms)).unwrap_or(0);
    Some(Duration::from_millis(wait))
}

/// A sliding-window limit: at most `limit` attempts in any `window`, like the manager's own
/// 60-second count. Waiters queue in order.
#[derive(Debug)]
struct RateLimiter {
    limit: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    fn new(per_minute: u32) -> Self {
        let limit = usize::try_from(per_minute.max(1)).unwrap_or(usize::MAX);
        Self {
            limit,
            window: Duration::from_secs(60),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until one more attempt fits in the window, and books it.
    async fn acquire(&self) {
        let mut sent = self.sent.lock().await;
        loop {
            let now = Instant::now();
            while sent
                .front()
                .is_some_and(|oldest| now.duration_since(*oldest) >= self.window)
            {
                sent.pop_front();
            }
            if sent.len() < self.limit {
                sent.push_back(now);
                return;
            }
            if let Some(oldest) = sent.front().copied() {
                tracing::debug!(
                    wait_ms = (oldest + self.window)
                        .saturating_duration_since(now)
                        .as_millis() as u64,
                    "client-side rate limit reached, waiting"
                );
                // Holding the lock keeps later callers behind this one.
                tokio::time::sleep_until(oldest + self.window).await;
            }
        }
    }
}

/// Retry, rate limit and concurrency limit around a transport; counts every attempt.
pub struct Resilient<T> {
    inner: T,
    policy: RetryPolicy,
    /// What a `Retry-After` date is measured from.
    clock: Arc<dyn Clock>,
    rate_limiter: Option<RateLimiter>,
    concurrency: Semaphore,
    max_concurrency: usize,
    calls: AtomicU64,
}

impl<T: fmt::Debug> fmt::Debug for Resilient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resilient")
            .field("inner", &self.inner)
            .field("policy", &self.policy)
            .field(
                "rate_limit_per_minute",
                &self.rate_limiter.as_ref().map(|r| r.limit),
            )
            .field("max_concurrency", &self.max_concurrency)
            .field("calls", &self.calls.load(Ordering::Relaxed))
            .finish()
    }
}

impl<T: Transport> Resilient<T> {
    /// Wraps `inner` with `policy`, no rate limit, and at most 8 requests in flight.
    pub fn new(inner: T, policy: RetryPolicy) -> Self {
        Self {
            inner,
            policy,
            clock: ward_clock::SystemClock::shared(),
            rate_limiter: None,
            concurrency: Semaphore::new(8),
            max_concurrency: 8,
            calls: AtomicU64::new(0),
        }
    }

    /// Measures `Retry-After` dates from this clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Allows at most `per_minute` attempts in any 60 seconds (`0` counts as 1).
    pub fn with_rate_limit(mut self, per_minute: u32) -> Self {
        self.rate_limiter = Some(RateLimiter::new(per_minute));
        self
    }

    /// Allows at most `max_concurrency` requests in flight (`0` counts as 1).
    pub fn with_max_concurrency(mut self, max_concurrency: usize) -> Self {
        let max_concurrency = max_concurrency.clamp(1, Semaphore::MAX_PERMITS);
        self.concurrency = Semaphore::new(max_concurrency);
        self.max_concurrency = max_concurrency;
        self
    }

    /// HTTP attempts made so far, retries included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    async fn attempt(&self, request: &ApiRequest) -> Result<ApiResponse, TransportError> {
        if let Some(limiter) = &self.rate_limiter {
            limiter.acquire().await;
        }
        // The semaphore is never closed; if it were, sending unthrottled beats failing.
        let _permit = self.concurrency.acquire().await.ok();
        self.calls.fetch_add(1, Ordering::Relaxed);
        let outcome = self.inner.send(request.clone()).await;
        let status = match &outcome {
            Ok(response) => status_label(response.status),
            Err(_) => "unreachable",
        };
        metrics::counter!("ward_manager_calls_total", "status" => status).increment(1);
        outcome
    }

    /// How long to wait before trying `request` again after `outcome`, or `None` to stop here.
    fn retry_delay(
        &self,
        request: &ApiRequest,
        attempt: u32,
        outcome: &Result<ApiResponse, TransportError>,
    ) -> Option<Duration> {
        if attempt >= self.policy.max_attempts {
            return None;
        }
        let retry_after = match outcome {
            Ok(response) => {
                let retryable = match response.status {
                    429 => true,
                    500 | 502 | 503 | 504 => request.idempotent,
                    _ => false,
                };
                if !retryable {
                    return None;
                }
                response
                    .retry_after
                    .as_deref()
                    .and_then(|v| parse_retry_after(v, self.clock.now_ms()))
            }
            Err(error) => {
                if !error.is_retryable() || !(request.idempotent || error.never_sent()) {
                    return None;
                }
                None
            }
        };
        Some(match retry_after {
            Some(wait) => wait.min(self.policy.max_retry_after),
            None => self.policy.backoff(attempt, &mut rand::rng()),
        })
    }
}

#[async_trait]
impl<T: Transport> Transport for Resilient<T> {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let span = tracing::debug_span!(
            "manager_request",
            method = %request.method,
            path = %request.path,
            operation = request.operation,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                tracing::Span::current().record("attempt", attempt);
                let outcome = self.attempt(&request).await;
                match &outcome {
                    Ok(response) => {
                        tracing::Span::current().record("status", response.status);
                        tracing::trace!(attempt, status = response.status, "manager answered");
                    }
                    Err(error) => tracing::debug!(attempt, %error, "manager call failed"),
                }
                let Some(delay) = self.retry_delay(&request, attempt, &outcome) else {
                    return outcome;
                };
                let status = outcome.as_ref().ok().map(|response| response.status);
                let error = outcome.as_ref().err().map(tracing::field::display);
                tracing::warn!(
                    attempt,
                    status,
                    error,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "retrying manager call"
                );
                tokio::time::sleep(delay).await;
            }
        }
        .instrument(span)
        .await
    }
}

/// A status code as a metric label (a fixed set: labels must not grow without bound).
fn status_label(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        401 => "401",
        403 => "403",
        404 => "404",
        429 => "429",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Method;
    use rand::SeedableRng;
    use std::sync::Arc;
    use std::sync::Mutex as StdMutex;

    /// A transport that plays a script of outcomes, then answers 200 forever; records in-flight peaks.
    #[derive(Debug, Default)]
    struct Scripted {
        script: StdMutex<VecDeque<Result<ApiResponse, TransportError>>>,
        sent: AtomicU64,
        in_flight: AtomicU64,
        peak: AtomicU64,
        hold: Option<Duration>,
        sent_at: StdMutex<Vec<Instant>>,
    }

    impl Scripted {
        fn new(script: Vec<Result<ApiResponse, TransportError>>) -> Self {
            Self {
                script: StdMutex::new(script.into()),
                ..Self::default()
            }
        }
    }

    fn status(status: u16) -> Result<ApiResponse, TransportError> {
        Ok(ApiResponse {
            status,
            retry_after: None,
            body: Vec::new(),
        })
    }

    #[async_trait]
    impl Transport for Scripted {
        async fn send(&self, _request: ApiRequest) -> Result<ApiResponse, TransportError> {
            self.sent.fetch_add(1, Ordering::SeqCst);
            self.sent_at
                .lock()
                .expect("not poisoned")
                .push(Instant::now());
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            if let Some(hold) = self.hold {
                tokio::time::sleep(hold).await;
            }
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let next = self.script.lock().expect("not poisoned").pop_front();
            next.unwrap_or_else(|| status(200))
        }
    }

    fn fast_policy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
        }
    }

    fn get() -> ApiRequest {
        ApiRequest::new(Method::Get, "/computers", "listComputers")
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = 1_700_000_000_000;
        let at = |seconds: u64| std::time::UNIX_EPOCH + Duration::from_secs(seconds);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(at(1_700_000_030));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(at(1_699_999_970));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn backoff_grows_is_capped_and_jitter_stays_in_range() {
        let policy = fast_policy(10);
        assert_eq!(policy.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(policy.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(policy.backoff_ceiling(4), Duration::from_millis(800));
        assert_eq!(policy.backoff_ceiling(5), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(200), Duration::from_secs(1));
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let mut seen_low = false;
        let mut seen_high = false;
        for attempt in 1..12 {
            for _ in 0..200 {
                let delay = policy.backoff(attempt, &mut rng);
                assert!(
                    delay <= policy.backoff_ceiling(attempt),
                    "{delay:?} at {attempt}"
                );
                seen_low |= delay < policy.backoff_ceiling(attempt) / 4;
                seen_high |= delay > policy.backoff_ceiling(attempt) * 3 / 4;
            }
        }
        assert!(
            seen_low && seen_high,
            "full jitter spreads over the whole range"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn fails_then_succeeds_and_every_attempt_is_counted() {
        let inner = Scripted::new(vec![
            status(503),
            Err(TransportError::Broken {
                cause: "reset".into(),
            }),
            status(429),
            Err(TransportError::Timeout { timeout_ms: 10 }),
        ]);
        let resilient = Resilient::new(inner, fast_policy(5));
        let response = resilient.send(get()).await.expect("answers");
        assert_eq!(response.status, 200);
        assert_eq!(resilient.calls(), 5);
        assert_eq!(resilient.inner().sent.load(Ordering::SeqCst), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn client_errors_are_not_retried() {
        for code in [400, 401, 403, 404, 409] {
            let resilient = Resilient::new(Scripted::new(vec![status(code)]), fast_policy(5));
            let response = resilient.send(get()).await.expect("answers");
            assert_eq!((response.status, resilient.calls()), (code, 1));
        }
        let invalid = Err(TransportError::Invalid {
            cause: "bad header".into(),
        });
        let resilient = Resilient::new(Scripted::new(vec![invalid]), fast_policy(5));
        assert!(resilient.send(get()).await.is_err());
        assert_eq!(resilient.calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_are_bounded() {
        let resilient = Resilient::new(Scripted::new(vec![status(500); 10]), fast_policy(3));
        let response = resilient.send(get()).await.expect("answers");
        assert_eq!((response.status, resilient.calls()), (500, 3));
        let errors = vec![
            Err(TransportError::Connect {
                cause: "refused".into()
            });
            10
        ];
        let resilient = Resilient::new(Scripted::new(errors), fast_policy(4));
        let error = resilient.send(get()).await.unwrap_err();
        assert!(matches!(error, TransportError::Connect { .. }));
        assert_eq!(resilient.calls(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn writes_that_may_have_landed_are_not_repeated() {
        let create = || {
            ApiRequest::new(Method::Post, "/scheduledtasks", "createScheduledTask").not_idempotent()
        };
        let resilient = Resilient::new(Scripted::new(vec![status(500)]), fast_policy(5));
        assert_eq!(resilient.send(create()).await.expect("answers").status, 500);
        assert_eq!(resilient.calls(), 1);
        let broken = Err(TransportError::Broken {
            cause: "reset".into(),
        });
        let resilient = Resilient::new(Scripted::new(vec![broken]), fast_policy(5));
        assert!(resilient.send(create()).await.is_err());
        assert_eq!(resilient.calls(), 1);
        // A 429 was not processed, and a refused connection was never sent: both are retried.
        let refused = Err(TransportError::Connect {
            cause: "refused".into(),
        });
        let resilient = Resilient::new(Scripted::new(vec![status(429), refused]), fast_policy(5));
        assert_eq!(resilient.send(create()).await.expect("answers").status, 200);
        assert_eq!(resilient.calls(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured_and_capped() {
        let throttled = |after: &str| {
            Ok(ApiResponse {
                status: 429,
                retry_after: Some(after.into()),
                body: Vec::new(),
            })
        };
        let resilient = Resilient::new(Scripted::new(vec![throttled("3")]), fast_policy(3));
        let start = Instant::now();
        resilient.send(get()).await.expect("answers");
        assert_eq!(start.elapsed().as_secs(), 3, "waited what Retry-After said");

        let resilient = Resilient::new(Scripted::new(vec![throttled("3600")]), fast_policy(3));
        let start = Instant::now();
        resilient.send(get()).await.expect("answers");
        assert_eq!(start.elapsed().as_secs(), 5, "capped at max_retry_after");
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limit_spreads_calls_over_the_window() {
        let resilient =
            Arc::new(Resilient::new(Scripted::default(), fast_policy(1)).with_rate_limit(3));
        let start = Instant::now();
        for _ in 0..7 {
            resilient.send(get()).await.expect("answers");
        }
        let offsets: Vec<u64> = resilient
            .inner()
            .sent_at
            .lock()
            .expect("not poisoned")
            .iter()
            .map(|at| at.duration_since(start).as_secs())
            .collect();
        assert_eq!(offsets, vec![0, 0, 0, 60, 60, 60, 120]);
        // No 60-second window ever holds more than 3 attempts.
        let times = resilient
            .inner()
            .sent_at
            .lock()
            .expect("not poisoned")
            .clone();
        for (index, at) in times.iter().enumerate() {
            let in_window = times[index..]
                .iter()
                .filter(|t| t.duration_since(*at) < Duration::from_secs(60))
                .count();
            assert!(in_window <= 3);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_bounded() {
        let inner = Scripted {
            hold: Some(Duration::from_millis(50)),
            ..Scripted::default()
        };
        let resilient = Arc::new(Resilient::new(inner, fast_policy(1)).with_max_concurrency(2));
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let resilient = Arc::clone(&resilient);
                tokio::spawn(async move { resilient.send(get()).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("task ran").expect("answers");
        }
        assert_eq!(resilient.inner().peak.load(Ordering::SeqCst), 2);
        assert_eq!(resilient.calls(), 6);
    }
}
