//! The two ways the simulator refuses before any handler runs: the sliding 60-second rate limit
//! (reference §2.5) and injected faults.

use crate::config::FaultKind;
use crate::rng::Rng;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The rate limit's window.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

/// Calls accepted in the last 60 seconds, across all keys.
///
/// As the manager documents, a call refused because of the limit does not count.
#[derive(Debug)]
pub(crate) struct RateWindow {
    limit: u32,
    accepted: VecDeque<Instant>,
}

impl RateWindow {
    pub(crate) fn new(limit: u32) -> Self {
        Self {
            limit,
            accepted: VecDeque::new(),
        }
    }

    /// Admits a call at `now`, or says in how many whole seconds one will be admitted.
    pub(crate) fn admit(&mut self, now: Instant) -> Result<(), u64> {
        while self
            .accepted
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= WINDOW)
        {
            self.accepted.pop_front();
        }
        if self.accepted.len() >= self.limit as usize {
            let oldest = self.accepted.front().copied().unwrap_or(now);
            let free_at = oldest + WINDOW;
            let wait = free_at.saturating_duration_since(now);
            return Err(wait.as_millis().div_ceil(1000).max(1) as u64);
        }
        self.accepted.push_back(now);
        Ok(())
    }
}

/// What an injected fault does to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    TooManyRequests,
    InternalError,
    Unavailable,
    /// Answer normally after this long.
    Slow(Duration),
    Reset,
}

/// Decides, call by call, whether to inject a fault: deterministic from the seed.
///
/// The dice are balanced: a call is faulted with probability `rate` plus the shortfall so far
/// (`rate × calls − faults`), clamped to `[0, 1]`. Which calls fail stays random, but the number
/// of faults never strays a whole call from `rate × calls`, so even a short test at rate 0.5
/// meets faults, and a long one meets exactly its share. The kind is drawn uniformly.
#[derive(Debug)]
pub(crate) struct FaultDice {
    rate: f64,
    kinds: Vec<FaultKind>,
    rng: Rng,
    /// `rate × calls − faults`: how far behind the share the faults are.
    shortfall: f64,
}

impl FaultDice {
    pub(crate) fn new(seed: u64, rate: f64, kinds: &[FaultKind]) -> Self {
        Self {
            rate: if rate.is_finite() {
                rate.clamp(0.0, 1.0)
            } else {
                0.0
            },
            kinds: kinds.to_vec(),
            rng: Rng::derive(seed, 0xFA_0175, 0),
            shortfall: 0.0,
        }
    }

    /// The fault for the next call, if any.
    pub(crate) fn roll(&mut self) -> Option<Fault> {
        if self.rate <= 0.0 || self.kinds.is_empty() {
            return None;
        }
        let chance = (self.rate + self.shortfall).clamp(0.0, 1.0);
        let faulted = self.rng.chance(chance);
        self.shortfall += self.rate - if faulted { 1.0 } else { 0.0 };
        if !faulted {
            return None;
        }
        Some(match *self.rng.pick(&self.kinds) {
            FaultKind::TooManyRequests => Fault::TooManyRequests,
            FaultKind::InternalError => Fault::InternalError,
            FaultKind::Unavailable => Fault::Unavailable,
            FaultKind::Slow => Fault::Slow(Duration::from_millis(1500 + self.rng.below(1500))),
            FaultKind::Reset => Fault::Reset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides_and_refused_calls_do_not_count() {
        let start = Instant::now();
        let mut window = RateWindow::new(3);
        for second in 0..3 {
            assert_eq!(window.admit(start + Duration::from_secs(second)), Ok(()));
        }
        assert_eq!(window.admit(start + Duration::from_secs(10)), Err(50));
        assert_eq!(window.admit(start + Duration::from_millis(59_500)), Err(1));
        assert_eq!(
            window.admit(start + Duration::from_secs(60)),
            Ok(()),
            "the first call left the window"
        );
        assert_eq!(window.admit(start + Duration::from_secs(60)), Err(1));
        assert_eq!(window.admit(start + Duration::from_secs(62)), Ok(()));
    }

    #[test]
    fn faults_follow_the_rate_and_the_seed() {
        let mut none = FaultDice::new(1, 0.0, &FaultKind::ALL);
        assert!((0..1000).all(|_| none.roll().is_none()));
        let mut all = FaultDice::new(1, 1.0, &[FaultKind::InternalError]);
        assert!((0..100).all(|_| all.roll() == Some(Fault::InternalError)));
        for (seed, rate) in [(1, 0.3), (2, 0.5), (3, 0.05), (4, 0.9)] {
            let mut some = FaultDice::new(seed, rate, &FaultKind::ALL);
            let mut faults = 0;
            for calls in 1..=10_000 {
                faults += usize::from(some.roll().is_some());
                let expected = rate * calls as f64;
                assert!(
                    (faults as f64 - expected).abs() < 1.0,
                    "rate {rate}: {faults} faults after {calls} calls"
                );
            }
        }
        let mut half = FaultDice::new(7, 0.5, &FaultKind::ALL);
        let first: Vec<bool> = (0..4).map(|_| half.roll().is_some()).collect();
        assert!(first.iter().filter(|f| **f).count() >= 1, "{first:?}");
        let rolls = |seed| {
            let mut dice = FaultDice::new(seed, 0.5, &FaultKind::ALL);
            (0..50).map(|_| dice.roll()).collect::<Vec<_>>()
        };
        assert_eq!(rolls(9), rolls(9));
        let mut slow = FaultDice::new(1, 1.0, &[FaultKind::Slow]);
        for _ in 0..100 {
            let Some(Fault::Slow(wait)) = slow.roll() else {
                panic!("slow faults only")
            };
            assert!((1500..3000).contains(&wait.as_millis()));
        }
        let mut nothing = FaultDice::new(1, 1.0, &[]);
        assert_eq!(nothing.roll(), None);
    }
}
