//! What a simulator is built from ([`SimConfig`]) and the faults it can inject ([`FaultKind`]).

use std::fmt;
use std::str::FromStr;

/// Everything a [`crate::Simulator`] is built from. The same configuration always generates the
/// same fleet, policies and rules.
#[derive(Clone, PartialEq)]
pub struct SimConfig {
    /// How many computers to generate (the `protect` and `unprotected` instances come on top).
    pub fleet: usize,
    /// Seed of the fleet generator and of the fault dice.
    pub seed: u64,
    /// Share of `/api` calls (0.0 to 1.0) answered with an injected fault before any handler runs.
    pub fault_rate: f64,
    /// Which faults to draw from; none means no faults whatever the rate.
    pub fault_kinds: Vec<FaultKind>,
    /// Calls allowed in any 60-second window, counted across all keys; `None` for no limit.
    pub rate_limit_per_minute: Option<u32>,
    /// How long a run-now scan takes before its effect shows, in milliseconds.
    pub scan_delay_ms: u64,
    /// The API key of the built-in "Full Access" role.
    pub full_access_key: String,
    /// The API key of the built-in read-only "Auditor" role.
    pub auditor_key: String,
    /// EC2 instance IDs added as computers with an active, healthy agent.
    pub protect: Vec<String>,
    /// EC2 instance IDs added as computers discovered through the AWS connector without an agent.
    pub unprotected: Vec<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            fleet: 1000,
            seed: 1,
            fault_rate: 0.0,
            fault_kinds: FaultKind::ALL.to_vec(),
            rate_limit_per_minute: None,
            scan_delay_ms: 200,
            full_access_key: "ward-sim-full-access".into(),
            auditor_key: "ward-sim-auditor".into(),
            protect: Vec::new(),
            unprotected: Vec::new(),
        }
    }
}

impl fmt::Debug for SimConfig {
    /// The keys are left out: a simulator's logs and panics never show them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("fleet", &self.fleet)
            .field("seed", &self.seed)
            .field("fault_rate", &self.fault_rate)
            .field("fault_kinds", &self.fault_kinds)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("scan_delay_ms", &self.scan_delay_ms)
            .field("protect", &self.protect)
            .field("unprotected", &self.unprotected)
            .finish_non_exhaustive()
    }
}

/// A fault the simulator can inject instead of answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// `429` with `Retry-After: 1` and the manager's "Too many API requests" body.
    TooManyRequests,
    /// `500` with a `{"message": …}` body.
    InternalError,
    /// `503` with a `{"message": …}` body.
    Unavailable,
    /// The call is answered normally after 1.5 to 3 seconds.
    Slow,
    /// The connection is dropped without an answer.
    Reset,
}

impl FaultKind {
    /// Every kind, in the order of their names in [`FaultKind::NAMES`].
    pub const ALL: [Self; 5] = [
        Self::TooManyRequests,
        Self::InternalError,
        Self::Unavailable,
        Self::Slow,
        Self::Reset,
    ];

    /// The names [`FromStr`] accepts, e.g. on a command line.
    pub const NAMES: [&'static str; 5] = ["429", "500", "503", "slow", "reset"];

    /// The kind's name: `429`, `500`, `503`, `slow` or `reset`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooManyRequests => "429",
            Self::InternalError => "500",
            Self::Unavailable => "503",
            Self::Slow => "slow",
            Self::Reset => "reset",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fault kind name that is not one of [`FaultKind::NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault kind `{given}` (valid kinds: 429, 500, 503, slow, reset)")]
pub struct UnknownFaultKind {
    /// The name as given.
    pub given: String,
}

impl FromStr for FaultKind {
    type Err = UnknownFaultKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| UnknownFaultKind {
                given: text.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_kinds_round_trip_through_their_names() {
        for (kind, name) in FaultKind::ALL.into_iter().zip(FaultKind::NAMES) {
            assert_eq!(kind.to_string(), name);
            assert_eq!(name.parse::<FaultKind>(), Ok(kind));
        }
        assert_eq!(" SLOW ".parse::<FaultKind>(), Ok(FaultKind::Slow));
    }

    #[test]
    fn unknown_fault_kind_lists_the_valid_ones() {
        let error = "502".parse::<FaultKind>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown fault kind `502` (valid kinds: 429, 500, 503, slow, reset)"
        );
    }

    #[test]
    fn debug_leaves_the_keys_out() {
        let config = SimConfig {
            full_access_key: "SECRET-FULL".into(),
            auditor_key: "SECRET-AUDIT".into(),
            ..SimConfig::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(printed.contains("fleet: 1000"), "{printed}");
    }
}
