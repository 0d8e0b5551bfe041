//! How ward responds: where covering rules go, whether it may turn modules on, the ledger's
//! windows, and playbook overrides per finding type. The binary builds these from `ward.toml`
//! (validated there, naming the key); this crate only reads them.

use std::fmt;
use std::str::FromStr;
use ward_core::Module;

/// Where Inspector's covering IPS rules are assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssignTo {
    /// The instance's policy (every computer on it gets the rules).
    #[default]
    Policy,
    /// The computer only.
    Computer,
}

impl FromStr for AssignTo {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "policy" => Ok(Self::Policy),
            "computer" => Ok(Self::Computer),
            other => Err(format!(
                "unknown target `{other}` (expected `policy` or `computer`)"
            )),
        }
    }
}

/// How long to wait for a recommendation scan before giving up on applying its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanWait {
    /// The first pause between checks.
    pub first_ms: u64,
    /// The longest pause between checks (pauses double up to it).
    pub max_ms: u64,
    /// The longest total wait.
    pub total_ms: u64,
}

impl Default for ScanWait {
    fn default() -> Self {
        Self {
            first_ms: 1_000,
            max_ms: 30_000,
            total_ms: 15 * 60_000,
        }
    }
}

/// An action a playbook may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// A recommendation scan, then assign what it recommends.
    RecommendationScanApplied,
    RecommendationScan,
    IntegrityScan,
    MalwareScan,
}

impl Step {
    pub const ALL: [Step; 4] = [
        Self::RecommendationScanApplied,
        Self::RecommendationScan,
        Self::IntegrityScan,
        Self::MalwareScan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RecommendationScanApplied => "scan-recommendations-applied",
            Self::RecommendationScan => "scan-recommendations",
            Self::IntegrityScan => "scan-integrity",
            Self::MalwareScan => "scan-malware",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Step {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|step| step.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown action `{text}` (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// A finding-type pattern: an exact type, or a prefix ending in `*` (`Recon:EC2/*`). Types also
/// match by prefix when the pattern has no `*`, as GuardDuty types grow suffixes
/// (`UnauthorizedAccess:EC2/MaliciousIPCaller.Custom`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypePattern(String);

impl TypePattern {
    pub fn new(pattern: &str) -> Result<Self, String> {
        let prefix = pattern.trim().trim_end_matches('*');
        if prefix.is_empty() {
            return Err("a finding type pattern needs at least one character before `*`".into());
        }
        if prefix.contains('*') {
            return Err(format!(
                "`{pattern}`: `*` may only end a finding type pattern"
            ));
        }
        Ok(Self(prefix.to_owned()))
    }

    pub fn matches(&self, finding_type: &str) -> bool {
        finding_type.starts_with(&self.0)
    }

    /// How specific the pattern is: the longer, the more.
    pub fn specificity(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for TypePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}*", self.0)
    }
}

/// An override of what ward does for matching finding types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playbook {
    pub finding_type: TypePattern,
    /// Replaces the default scans when set.
    pub steps: Option<Vec<Step>>,
    /// Replaces the modules the default table would turn on, when set.
    pub modules: Option<Vec<Module>>,
    /// Turns "ensure a module is on" on (or off) for these types.
    pub enable_modules: Option<bool>,
}

/// Everything a decision or its execution reads from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub assign_to: AssignTo,
    /// Whether ward may turn modules on (opt-in).
    pub enable_modules: bool,
    /// How long a done action stands (default 24 h).
    pub cooldown_ms: i64,
    /// How long a claim in flight is trusted (default 10 min).
    pub lease_ms: i64,
    pub scan_wait: ScanWait,
    pub playbooks: Vec<Playbook>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            assign_to: AssignTo::Policy,
            enable_modules: false,
            cooldown_ms: 24 * 3_600_000,
            lease_ms: 10 * 60_000,
            scan_wait: ScanWait::default(),
            playbooks: Vec::new(),
        }
    }
}

impl Settings {
    /// The most specific playbook for a finding type.
    pub fn playbook_for(&self, finding_type: &str) -> Option<&Playbook> {
        self.playbooks
            .iter()
            .filter(|playbook| playbook.finding_type.matches(finding_type))
            .max_by_key(|playbook| playbook.finding_type.specificity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_by_prefix() {
        let recon = TypePattern::new("Recon:EC2/*").unwrap();
        assert!(recon.matches("Recon:EC2/PortProbeUnprotectedPort"));
        assert!(!recon.matches("Recon:IAMUser/MaliciousIPCaller"));
        let caller = TypePattern::new("UnauthorizedAccess:EC2/MaliciousIPCaller").unwrap();
        assert!(caller.matches("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"));
        assert!(TypePattern::new("*").is_err());
        assert!(TypePattern::new("Recon:*/Port*").is_err());
    }

    #[test]
    fn the_most_specific_playbook_wins() {
        let playbook = |pattern: &str, steps: Vec<Step>| Playbook {
            finding_type: TypePattern::new(pattern).unwrap(),
            steps: Some(steps),
            modules: None,
            enable_modules: None,
        };
        let settings = Settings {
            playbooks: vec![
                playbook("Recon:EC2/*", vec![Step::IntegrityScan]),
                playbook("Recon:EC2/PortProbe", vec![Step::MalwareScan]),
            ],
            ..Settings::default()
        };
        let chosen = settings
            .playbook_for("Recon:EC2/PortProbeUnprotectedPort")
            .unwrap();
        assert_eq!(chosen.steps, Some(vec![Step::MalwareScan]));
        assert!(
            settings
                .playbook_for("Trojan:EC2/DNSDataExfiltration")
                .is_none()
        );
    }

    #[test]
    fn steps_and_targets_parse_with_clear_errors() {
        for step in Step::ALL {
            assert_eq!(step.as_str().parse::<Step>(), Ok(step));
        }
        let error = "scan-everything".parse::<Step>().unwrap_err();
        assert!(error.contains("scan-integrity"), "{error}");
        assert_eq!("computer".parse::<AssignTo>(), Ok(AssignTo::Computer));
        assert!("fleet".parse::<AssignTo>().is_err());
    }
}
