//! One module per kind of payload: lenient wire structs (see [`crate::loose`]) and their strict
//! conversion to the typed [`Event`](crate::Event). Each converter returns the event or the reason
//! to quarantine it.

pub(crate) mod cloudtrail;
pub(crate) mod config;
pub(crate) mod ec2;
pub(crate) mod guardduty;
pub(crate) mod inspector;
pub(crate) mod macie;
pub(crate) mod scheduled;
pub(crate) mod securityhub;

use crate::instance_id::InstanceId;
use crate::parsed::QuarantineReason;
use crate::time::Timestamp;

/// What an EventBridge envelope says around its `detail` (all absent for a bare `detail`).
#[derive(Debug, Default)]
pub(crate) struct Envelope {
    /// The envelope's `id`.
    pub(crate) id: Option<String>,
    /// `account`.
    pub(crate) account: Option<String>,
    /// `region`.
    pub(crate) region: Option<String>,
    /// `time`.
    pub(crate) time: Option<Timestamp>,
    /// `resources`.
    pub(crate) resources: Vec<String>,
}

/// A required field's value, or the reason to quarantine.
pub(crate) fn required(
    value: Option<String>,
    what: &'static str,
    field: &'static str,
) -> Result<String, QuarantineReason> {
    value.ok_or(QuarantineReason::MissingField { what, field })
}

/// A field that must hold an instance ID (bare or as an ARN), validated strictly.
pub(crate) fn instance_id(
    value: Option<&str>,
    what: &'static str,
    field: &'static str,
) -> Result<InstanceId, QuarantineReason> {
    let value = value.ok_or(QuarantineReason::MissingInstanceId { what, field })?;
    InstanceId::from_id_or_arn(value).map_err(|_| QuarantineReason::InvalidInstanceId {
        what,
        field,
        value: value.to_owned(),
    })
}

/// The one instance a list of candidates names; two different ones are ambiguous.
pub(crate) fn single_instance(
    candidates: impl IntoIterator<Item = InstanceId>,
    what: &'static str,
) -> Result<Option<InstanceId>, QuarantineReason> {
    let mut found: Option<InstanceId> = None;
    for candidate in candidates {
        match &found {
            Some(first) if *first != candidate => {
                return Err(QuarantineReason::AmbiguousInstance {
                    what,
                    first: first.to_string(),
                    second: candidate.to_string(),
                });
            }
            Some(_) => {}
            None => found = Some(candidate),
        }
    }
    Ok(found)
}

/// A `detail` object read from its text: not an object is the same as missing.
pub(crate) fn read_detail<'a, T: serde::Deserialize<'a>>(
    text: &'a str,
) -> Result<T, QuarantineReason> {
    match serde_json::from_str::<crate::loose::Obj<T>>(text) {
        Ok(crate::loose::Obj(Some(detail))) => Ok(detail),
        Ok(crate::loose::Obj(None)) => Err(detail_missing()),
        Err(error) => Err(invalid_json(&error)),
    }
}

/// The reason for an EventBridge event whose `detail` is missing or not an object.
pub(crate) fn detail_missing() -> QuarantineReason {
    QuarantineReason::InvalidField {
        what: "EventBridge event",
        field: "detail",
        problem: "is missing or not a JSON object".to_owned(),
    }
}

/// A JSON parse error of a payload already known to be JSON (duplicate keys, depth).
pub(crate) fn invalid_json(error: &serde_json::Error) -> QuarantineReason {
    QuarantineReason::InvalidJson {
        message: error.to_string(),
    }
}

/// A stable ID for payloads that carry none: `prefix-` and the 64-bit FNV-1a hash of the parts.
pub(crate) fn content_id(prefix: &str, parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(std::iter::once(&0u8)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{prefix}-{hash:016x}")
}

/// CVE IDs among vulnerability IDs: upper-cased, deduplicated, in order.
pub(crate) fn cves<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut cves: Vec<String> = Vec::new();
    for id in ids {
        let id = id.trim();
        if !is_cve(id) {
            continue;
        }
        let id = id.to_ascii_uppercase();
        if !cves.contains(&id) {
            cves.push(id);
        }
    }
    cves
}

/// `CVE-YYYY-NNNN…` (four or more digits), any case.
fn is_cve(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() >= 13
        && bytes[..4].eq_ignore_ascii_case(b"CVE-")
        && bytes[4..8].iter().all(u8::is_ascii_digit)
        && bytes[8] == b'-'
        && bytes[9..].iter().all(u8::is_ascii_digit)
}

/// The region in an ARN (`arn:aws:config:us-east-2:…` → `us-east-2`).
pub(crate) fn region_of_arn(arn: &str) -> Option<String> {
    let region = arn.strip_prefix("arn:")?.split(':').nth(2)?;
    (!region.is_empty()).then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_extraction() {
        assert_eq!(
            cves([
                "CVE-2024-29069",
                "USN-6940-1",
                "cve-2024-29069",
                "CVE-2021-44228",
                "GHSA-xxxx"
            ]),
            ["CVE-2024-29069", "CVE-2021-44228"]
        );
        assert!(cves(["CVE-24-1", "CVE-2024-12a4", "CVE-2024-123"]).is_empty());
    }

    #[test]
    fn content_ids_are_stable_and_separate_parts() {
        assert_eq!(content_id("x", &["a", "b"]), content_id("x", &["a", "b"]));
        assert_ne!(content_id("x", &["ab", ""]), content_id("x", &["a", "b"]));
    }

    #[test]
    fn arn_regions() {
        assert_eq!(
            region_of_arn("arn:aws:config:us-east-2:123456789012:config-rule/x").as_deref(),
            Some("us-east-2")
        );
        assert_eq!(region_of_arn("arn:aws:iam::123456789012:role/x"), None);
        assert_eq!(region_of_arn("nope"), None);
    }
}
