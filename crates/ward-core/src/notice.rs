//! What ward tells people and services: notices for the team that owns an account (unprotected
//! instances, CVEs no rule covers, actions that failed) and Config evaluations.

use serde::{Deserialize, Serialize};

/// Why ward raises a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// A finding on an instance without an active Workload Security agent.
    UnprotectedInstance,
    /// A vulnerability no intrusion prevention rule covers.
    UncoveredCve,
    /// An action the manager (or AWS) refused or could not do.
    ActionFailed,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnprotectedInstance => "unprotected-instance",
            Self::UncoveredCve => "uncovered-cve",
            Self::ActionFailed => "action-failed",
        }
    }
}

/// One notice, routed by AWS account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    /// A one-line summary.
    pub title: String,
    /// The details: finding, instance, reason.
    pub detail: String,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub instance_id: Option<String>,
    /// The finding that raised it.
    pub finding_id: String,
    pub finding_type: String,
    /// CVEs the notice is about (uncovered CVEs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cves: Vec<String>,
}

/// A Config rule's verdict on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compliance {
    Compliant,
    NonCompliant,
    NotApplicable,
    InsufficientData,
}

impl Compliance {
    /// Config's constant.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "COMPLIANT",
            Self::NonCompliant => "NON_COMPLIANT",
            Self::NotApplicable => "NOT_APPLICABLE",
            Self::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

/// Config's limit on an annotation's length.
pub const MAX_ANNOTATION_CHARS: usize = 256;

/// One evaluation for `PutEvaluations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The rule whose invocation this answers.
    pub rule_name: String,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    /// At most [`MAX_ANNOTATION_CHARS`] characters (see [`annotation`]).
    pub annotation: Option<String>,
    /// Milliseconds since the epoch: the configuration item's capture time, or the notification's
    /// time for periodic rules.
    pub ordering_timestamp: i64,
}

/// Text cut to Config's annotation limit at a character boundary, with an ellipsis when cut.
pub fn annotation(text: &str) -> String {
    if text.chars().count() <= MAX_ANNOTATION_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_ANNOTATION_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_fit_configs_limit() {
        assert_eq!(annotation("short"), "short");
        let long = "é".repeat(300);
        let cut = annotation(&long);
        assert_eq!(cut.chars().count(), MAX_ANNOTATION_CHARS);
        assert!(cut.ends_with('…'));
        let exact = "a".repeat(MAX_ANNOTATION_CHARS);
        assert_eq!(annotation(&exact), exact);
    }
}
