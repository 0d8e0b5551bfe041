//! The wall clock: `ward-core`'s [`Clock`] port on the system time and tokio's timer. This is the
//! one place ward reads the system time; everything else asks a `Clock` (tests hand it a
//! [`ward_core::ManualClock`]).

use async_trait::async_trait;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use ward_core::Clock;

/// The system time, and tokio's timer for waiting.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    /// The clock as the port callers hold.
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(Self)
    }
}

#[async_trait]
impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            })
    }

    async fn sleep_ms(&self, milliseconds: u64) {
        tokio::time::sleep(Duration::from_millis(milliseconds)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_reads_the_present() {
        // 2026-01-01T00:00:00Z: any later reading is the present, not a zero or a truncation.
        assert!(SystemClock.now_ms() > 1_767_225_600_000);
    }
}
