//! Time, as a port: every "now" in ward comes from a [`Clock`], so pure code can wait (with
//! backoff) and tests can move time forward without sleeping. The wall-clock adapter on tokio's
//! timer is `ward_clock::SystemClock`; [`ManualClock`] is the controlled clock tests drive.

use async_trait::async_trait;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Where ward reads the time and waits.
#[async_trait]
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the epoch.
    fn now_ms(&self) -> i64;
    /// Waits this long (on a [`ManualClock`], moves its time forward instead).
    async fn sleep_ms(&self, milliseconds: u64);
}

/// A clock that moves only when told to: [`ManualClock::advance`], or a `sleep_ms`, which moves it
/// by the time slept and returns at once. Clones share one time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now_ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock reading `now_ms` (milliseconds since the epoch).
    pub fn at(now_ms: i64) -> Self {
        Self {
            now_ms: Arc::new(AtomicI64::new(now_ms)),
        }
    }

    /// Moves the time forward.
    pub fn advance(&self, milliseconds: u64) {
        let step = i64::try_from(milliseconds).unwrap_or(i64::MAX);
        self.now_ms.fetch_add(step, Ordering::SeqCst);
    }

    /// Sets the time (it may go back: a test of a clock that jumps).
    pub fn set(&self, now_ms: i64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    async fn sleep_ms(&self, milliseconds: u64) {
        self.advance(milliseconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = ManualClock::at(1_000);
        let same = clock.clone();
        assert_eq!(clock.now_ms(), 1_000);
        same.advance(250);
        assert_eq!(clock.now_ms(), 1_250);
        block_on(clock.sleep_ms(750));
        assert_eq!(same.now_ms(), 2_000);
        clock.set(5);
        assert_eq!(same.now_ms(), 5);
    }

    /// Polls a future that never waits (a manual clock's sleep) to completion.
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }
}
