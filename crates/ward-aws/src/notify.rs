//! Notices to SNS (one message per notice, for e-mail, chat or ticketing subscribers) and to
//! Security Hub (an ASFF finding per gap, so it shows where the team already looks). A Security
//! Hub finding's ID is derived from what it is about, so a recurring gap updates its finding
//! rather than adding another.

use crate::error::describe_call;
use async_trait::async_trait;
use aws_sdk_securityhub::types::{AwsSecurityFinding, Resource, Severity, SeverityLabel};
use std::sync::Arc;
use ward_core::{Clock, Notice, NoticeKind, Notifier, OutboundError};

/// Publishes notices to an SNS topic.
#[derive(Debug, Clone)]
pub struct SnsNotifier {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsNotifier {
    pub fn new(config: &aws_config::SdkConfig, topic_arn: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sns::Client::new(config),
            topic_arn: topic_arn.into(),
        }
    }
}

/// SNS subjects are at most 100 ASCII characters.
fn subject(title: &str) -> String {
    let ascii: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    ascii.chars().take(100).collect()
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), OutboundError> {
        let message = serde_json::json!({
            "default": format!("{}\n{}", notice.title, notice.detail),
            "notice": notice,
        });
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject(&notice.title))
            .message(message["default"].as_str().unwrap_or_default())
            .message_attributes(
                "kind",
                aws_sdk_sns::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(notice.kind.as_str())
                    .build()
                    .map_err(|error| OutboundError {
                        destination: self.topic_arn.clone(),
                        cause: error.to_string(),
                    })?,
            )
            .send()
            .await
            .map_err(|error| OutboundError {
                destination: self.topic_arn.clone(),
                cause: describe_call("Publish", &error),
            })?;
        Ok(())
    }
}

/// Imports notices into Security Hub as findings of ward's account's default product.
#[derive(Debug, Clone)]
pub struct SecurityHubNotifier {
    client: aws_sdk_securityhub::Client,
    /// The account and region that import (and own the product ARN).
    account_id: String,
    region: String,
    /// When a finding is created and updated.
    clock: Arc<dyn Clock>,
}

impl SecurityHubNotifier {
    pub fn new(
        config: &aws_config::SdkConfig,
        account_id: impl Into<String>,
        region: impl Into<String>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client: aws_sdk_securityhub::Client::new(config),
            account_id: account_id.into(),
            region: region.into(),
            clock,
        }
    }

    fn finding(&self, notice: &Notice, now: &str) -> AwsSecurityFinding {
        let account = notice
            .account_id
            .clone()
            .unwrap_or_else(|| self.account_id.clone());
        let region = notice.region.clone().unwrap_or_else(|| self.region.clone());
        let (types, label) = match notice.kind {
            NoticeKind::UnprotectedInstance => (
                "Software and Configuration Checks/AWS Security Best Practices",
                SeverityLabel::High,
            ),
            NoticeKind::UncoveredCve => (
                "Software and Configuration Checks/Vulnerabilities/CVE",
                SeverityLabel::High,
            ),
            NoticeKind::ActionFailed => (
                "Software and Configuration Checks/AWS Security Best Practices",
                SeverityLabel::Medium,
            ),
        };
        let resource = match &notice.instance_id {
            Some(instance_id) => Resource::builder()
                .r#type("AwsEc2Instance")
                .id(format!(
                    "arn:aws:ec2:{region}:{account}:instance/{instance_id}"
                ))
                .region(&region),
            None => Resource::builder()
                .r#type("AwsAccount")
                .id(format!("AWS::::Account:{account}"))
                .region(&region),
        }
        .build();
        let description: String = notice.detail.chars().take(1024).collect();
        AwsSecurityFinding::builder()
            .schema_version("2018-10-08")
            .id(security_hub_finding_id(notice))
            .product_arn(format!(
                "arn:aws:securityhub:{}:{}:product/{}/default",
                self.region, self.account_id, self.account_id
            ))
            .generator_id(format!("ward/{}", notice.kind.as_str()))
            .aws_account_id(account)
            .types(types)
            .created_at(now)
            .updated_at(now)
            .severity(Severity::builder().label(label).build())
            .title(notice.title.chars().take(256).collect::<String>())
            .description(description)
            .resources(resource)
            .build()
    }
}

/// The finding's ID: the same gap always gets the same ID (`ward/<kind>/<account>/<subject>`).
pub fn security_hub_finding_id(notice: &Notice) -> String {
    let account = notice.account_id.as_deref().unwrap_or("unknown");
    let subject = match notice.kind {
        NoticeKind::UncoveredCve => format!(
            "{}/{}",
            notice.instance_id.as_deref().unwrap_or("-"),
            notice.cves.join("+")
        ),
        NoticeKind::UnprotectedInstance => notice.instance_id.clone().unwrap_or_default(),
        NoticeKind::ActionFailed => notice.finding_id.clone(),
    };
    format!("ward/{}/{account}/{subject}", notice.kind.as_str())
}

/// An instant as ASFF wants it (RFC 3339, UTC).
fn rfc3339(millis: i64) -> String {
    aws_smithy_types::DateTime::from_millis(millis)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

#[async_trait]
impl Notifier for SecurityHubNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), OutboundError> {
        let failed = |cause: String| OutboundError {
            destination: format!("Security Hub ({})", self.region),
            cause,
        };
        let finding = self.finding(notice, &rfc3339(self.clock.now_ms()));
        let answer = self
            .client
            .batch_import_findings()
            .findings(finding)
            .send()
            .await
            .map_err(|error| failed(describe_call("BatchImportFindings", &error)))?;
        if answer.failed_count().unwrap_or(0) > 0 {
            let reasons: Vec<String> = answer
                .failed_findings()
                .iter()
                .map(|failure| {
                    format!(
                        "{}: {}",
                        failure.error_code().unwrap_or("?"),
                        failure.error_message().unwrap_or("?")
                    )
                })
                .collect();
            return Err(failed(format!("finding refused: {}", reasons.join("; "))));
        }
        Ok(())
    }
}
