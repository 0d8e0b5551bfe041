//! EC2 instance IDs, validated strictly: a wrong guess here would act on the wrong instance.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An EC2 instance ID: `i-` and 8 or 17 lowercase hexadecimal digits (`^i-[0-9a-f]{8}([0-9a-f]{9})?$`).
///
/// Never built by guessing: no trimming, no case folding. The only other accepted spelling is the
/// instance ARN (`arn:aws:ec2:us-east-1:123456789012:instance/i-…`), through [`InstanceId::from_id_or_arn`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstanceId(String);

/// A text that is not an EC2 instance ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not an EC2 instance ID (expected i- and 8 or 17 lowercase hex digits)")]
pub struct InvalidInstanceId {
    /// The rejected text.
    pub value: String,
}

fn is_instance_id(text: &str) -> bool {
    text.strip_prefix("i-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
    })
}

impl InstanceId {
    /// Validates a bare instance ID.
    pub fn parse(text: &str) -> Result<Self, InvalidInstanceId> {
        if is_instance_id(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidInstanceId {
                value: text.to_owned(),
            })
        }
    }

    /// Validates a bare instance ID or an instance ARN
    /// (`arn:<partition>:ec2:<region>:<account>:instance/<id>`), as Security Hub and Config write them.
    pub fn from_id_or_arn(text: &str) -> Result<Self, InvalidInstanceId> {
        if !text.starts_with("arn:") {
            return Self::parse(text);
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", _partition, "ec2", _region, _account, resource] => resource
                .strip_prefix("instance/")
                .filter(|id| is_instance_id(id))
                .map(|id| Self(id.to_owned()))
                .ok_or_else(|| InvalidInstanceId {
                    value: text.to_owned(),
                }),
            _ => Err(InvalidInstanceId {
                value: text.to_owned(),
            }),
        }
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for InstanceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for InstanceId {
    type Err = InvalidInstanceId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for InstanceId {
    type Error = InvalidInstanceId;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if is_instance_id(&text) {
            Ok(Self(text))
        } else {
            Err(InvalidInstanceId { value: text })
        }
    }
}

impl From<InstanceId> for String {
    fn from(id: InstanceId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_lengths() {
        for id in [
            "i-abcd1111",
            "i-0e8dfbd8c13eca8ad",
            "i-00000000",
            "i-12345678901234567",
        ] {
            assert_eq!(
                InstanceId::parse(id).map(|id| id.to_string()),
                Ok(id.to_owned())
            );
        }
    }

    #[test]
    fn rejects_near_misses() {
        for id in [
            "",
            "i-",
            "i-abcd111",
            "i-abcd11111",
            "i-0E8DFBD8C13ECA8AD",
            " i-abcd1111",
            "i-abcd1111 ",
            "i-abcd111g",
            "i-0e8dfbd8c13eca8a",
            "i-0e8dfbd8c13eca8ad0",
            "j-abcd1111",
            "I-abcd1111",
            "i-abcd１111",
        ] {
            assert!(InstanceId::parse(id).is_err(), "{id:?}");
        }
    }

    #[test]
    fn reads_instance_arns() {
        assert_eq!(
            InstanceId::from_id_or_arn(
                "arn:aws:ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356"
            )
            .map(|id| id.to_string()),
            Ok("i-0c10c2c7863d1a356".to_owned())
        );
        assert_eq!(
            InstanceId::from_id_or_arn(
                "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:instance/i-abcd1111"
            )
            .map(|id| id.to_string()),
            Ok("i-abcd1111".to_owned())
        );
        for arn in [
            "arn:aws:ec2:us-east-1:123456789012:volume/vol-0abc",
            "arn:aws:s3:::i-abcd1111",
            "arn:aws:ec2:us-east-1:123456789012:instance/i-ABCD1111",
            "arn:aws:ec2:us-east-1:123456789012:instance/",
            "arn:aws:ec2",
        ] {
            assert!(InstanceId::from_id_or_arn(arn).is_err(), "{arn:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let id: InstanceId = serde_json::from_str("\"i-abcd1111\"").expect("valid id");
        assert_eq!(id.as_str(), "i-abcd1111");
        assert!(serde_json::from_str::<InstanceId>("\"i-nope\"").is_err());
        assert_eq!(
            serde_json::to_string(&id).expect("serializes"),
            "\"i-abcd1111\""
        );
    }
}
