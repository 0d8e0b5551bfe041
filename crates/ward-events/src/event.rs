//! The typed events the parser produces: one [`Event`] per finding, invocation or API call, with
//! the same shape whichever way it arrived (EventBridge, bare `detail`, SQS, SNS, Security Hub).

use crate::instance_id::InstanceId;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One event ward can decide on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable identity for idempotency: the finding ID for findings (GuardDuty's bare finding ID,
    /// Inspector's finding ARN, Macie's finding ID — the same whether the finding came natively or
    /// through Security Hub), the CloudTrail `eventID`, the EventBridge event ID for state changes
    /// and schedules, and a content hash where the payload has no ID (Config invocations, old
    /// CloudTrail records).
    pub id: String,
    /// The service the event came through.
    pub source: Source,
    /// The EventBridge envelope's own `id` (one per delivery), when there was an envelope.
    pub envelope_id: Option<String>,
    /// The AWS account the event is about.
    pub account_id: Option<String>,
    /// The AWS region the event is about.
    pub region: Option<String>,
    /// When the event happened: the envelope's `time`, else the payload's own update time.
    pub time: Option<Timestamp>,
    /// What happened, typed.
    pub kind: EventKind,
}

impl Event {
    /// The EC2 instance the event is about, whatever its kind.
    pub fn instance_id(&self) -> Option<&InstanceId> {
        match &self.kind {
            EventKind::GuardDutyFinding(finding) => finding.instance_id.as_ref(),
            EventKind::Inspector2Finding(finding) => finding.instance_id.as_ref(),
            EventKind::ConfigInvocation(invocation) => invocation
                .resource
                .as_ref()
                .and_then(|resource| resource.instance_id.as_ref()),
            EventKind::Ec2StateChange(change) => Some(&change.instance_id),
            EventKind::MacieFinding(_) | EventKind::CloudTrailCall(_) | EventKind::Scheduled(_) => {
                None
            }
        }
    }
}

/// The service an event came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Amazon GuardDuty (`aws.guardduty`).
    GuardDuty,
    /// Amazon Inspector v2 (`aws.inspector2`).
    Inspector2,
    /// Amazon Macie (`aws.macie`).
    Macie,
    /// An AWS Config custom rule invocation.
    Config,
    /// AWS Security Hub (`aws.securityhub`), carrying a GuardDuty or Inspector finding.
    SecurityHub,
    /// AWS CloudTrail (an EventBridge "AWS API Call via CloudTrail" event or a log file record).
    CloudTrail,
    /// Amazon EC2 (`aws.ec2` state changes).
    Ec2,
    /// An EventBridge schedule (`aws.events` / `aws.scheduler`).
    Scheduled,
}

impl Source {
    /// The lowercase name, as serialised: `guardduty`, `inspector2`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Source::GuardDuty => "guardduty",
            Source::Inspector2 => "inspector2",
            Source::Macie => "macie",
            Source::Config => "config",
            Source::SecurityHub => "securityhub",
            Source::CloudTrail => "cloudtrail",
            Source::Ec2 => "ec2",
            Source::Scheduled => "scheduled",
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an event is, typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A GuardDuty finding (native or through Security Hub).
    GuardDutyFinding(GuardDutyFinding),
    /// An Inspector v2 finding (native or through Security Hub).
    Inspector2Finding(Inspector2Finding),
    /// A Macie finding on an S3 bucket.
    MacieFinding(MacieFinding),
    /// An AWS Config custom rule invocation, to be answered with `PutEvaluations`.
    ConfigInvocation(ConfigInvocation),
    /// An EC2 instance changed state.
    Ec2StateChange(Ec2StateChange),
    /// One CloudTrail-recorded API call.
    CloudTrailCall(Box<CloudTrailCall>),
    /// A scheduled EventBridge rule fired.
    Scheduled(ScheduledEvent),
}

/// A GuardDuty finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardDutyFinding {
    /// The bare finding ID (`bcafe0d92f37640ada65ef4d5471fe8a`), also for findings that came
    /// through Security Hub (taken from the end of the finding ARN).
    pub finding_id: String,
    /// The finding ARN, when the payload has one.
    pub arn: Option<String>,
    /// The finding type, e.g. `Recon:EC2/PortProbeUnprotectedPort` (ASFF's `…:EC2-…` spelling is
    /// turned back into GuardDuty's).
    pub finding_type: String,
    /// Severity (GuardDuty's 0.1–10 scale; a number or numeric string in the payload).
    pub severity: Option<f64>,
    /// The finding's title.
    pub title: Option<String>,
    /// `resource.resourceType`: `Instance`, `AccessKey`, `S3Bucket`, `EKSCluster`, …
    pub resource_type: String,
    /// The instance, always present and valid when `resource_type` is `Instance` (a finding on an
    /// instance without a valid ID is quarantined, never guessed).
    pub instance_id: Option<InstanceId>,
    /// The instance profile ARN, when GuardDuty reported one.
    pub instance_profile_arn: Option<String>,
    /// `service.action.actionType`: `PORT_PROBE`, `NETWORK_CONNECTION`, `DNS_REQUEST`, …
    pub action_type: Option<String>,
    /// `service.resourceRole`: `TARGET` or `ACTOR`.
    pub resource_role: Option<String>,
    /// How many times GuardDuty has seen this activity (`service.count`).
    pub count: Option<u64>,
    /// Whether the finding is archived.
    pub archived: bool,
    /// Whether this is a sample finding (`service.additionalInfo.sample`, ASFF `Sample`).
    pub sample: bool,
    /// When the finding was created.
    pub created_at: Option<Timestamp>,
    /// When the finding was last updated (changes with each periodic update).
    pub updated_at: Option<Timestamp>,
}

/// An Inspector v2 finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspector2Finding {
    /// The finding ARN (the finding's identity).
    pub finding_arn: String,
    /// `PACKAGE_VULNERABILITY`, `NETWORK_REACHABILITY`, `CODE_VULNERABILITY`, …
    pub finding_type: InspectorFindingType,
    /// `ACTIVE`, `SUPPRESSED` or `CLOSED`.
    pub status: InspectorStatus,
    /// The severity label: `INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`, `UNTRIAGED`.
    pub severity: Option<String>,
    /// Inspector's score (0–10).
    pub inspector_score: Option<f64>,
    /// The finding's title.
    pub title: Option<String>,
    /// The affected resource's type: `AWS_EC2_INSTANCE`, `AWS_ECR_CONTAINER_IMAGE`, …
    pub resource_type: Option<String>,
    /// The instance, always present and valid when a resource is `AWS_EC2_INSTANCE`.
    pub instance_id: Option<InstanceId>,
    /// `packageVulnerabilityDetails.vulnerabilityId` as given (a CVE, a GHSA, …).
    pub vulnerability_id: Option<String>,
    /// The CVE IDs of the finding (the vulnerability ID and related vulnerabilities that are
    /// CVEs), upper-cased, without duplicates, in order of appearance.
    pub cves: Vec<String>,
    /// When the finding was first observed.
    pub first_observed_at: Option<Timestamp>,
    /// When the finding was last observed.
    pub last_observed_at: Option<Timestamp>,
    /// When the finding was last updated.
    pub updated_at: Option<Timestamp>,
}

/// A Macie finding; Macie findings are always about an S3 bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacieFinding {
    /// The finding ID.
    pub finding_id: String,
    /// The finding type, e.g. `Policy:IAMUser/S3BucketPublic`, `SensitiveData:S3Object/Personal`.
    pub finding_type: String,
    /// `POLICY` or `CLASSIFICATION`.
    pub category: Option<String>,
    /// The bucket's name (`resourcesAffected.s3Bucket.name`).
    pub bucket_name: String,
    /// The bucket's ARN.
    pub bucket_arn: Option<String>,
    /// The object's key, for sensitive-data findings.
    pub object_key: Option<String>,
    /// The severity score (1–3).
    pub severity: Option<f64>,
    /// The severity label (`Low`, `Medium`, `High`).
    pub severity_label: Option<String>,
    /// The finding's title.
    pub title: Option<String>,
    /// How many times Macie has seen this finding.
    pub count: Option<u64>,
    /// Whether this is a sample finding.
    pub sample: bool,
    /// When the finding was last updated.
    pub updated_at: Option<Timestamp>,
}

/// An AWS Config custom rule invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInvocation {
    /// `configRuleName`.
    pub rule_name: String,
    /// `configRuleArn`.
    pub rule_arn: Option<String>,
    /// `configRuleId`.
    pub rule_id: Option<String>,
    /// `resultToken`, to pass back with `PutEvaluations`.
    pub result_token: String,
    /// `eventLeftScope`: the resource left the rule's scope (answer `NOT_APPLICABLE`).
    pub event_left_scope: bool,
    /// `ruleParameters`, parsed from its JSON string; `None` when absent or empty.
    pub rule_parameters: Option<RuleParameters>,
    /// The invoking event's `messageType`.
    pub message_type: ConfigMessageType,
    /// `notificationCreationTime` (the `OrderingTimestamp` of periodic evaluations).
    pub notification_time: Option<Timestamp>,
    /// The resource a change notification is about; `None` for periodic invocations.
    pub resource: Option<ConfigResource>,
    /// `executionRoleArn`.
    pub execution_role_arn: Option<String>,
}

/// A Config rule's parameters: the raw JSON text as Config sent it, and its parsed value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RuleParameters {
    /// Valid JSON.
    Json {
        /// The text as sent.
        raw: String,
        /// The parsed value.
        value: Value,
    },
    /// Not valid JSON: kept so the decision can name the problem (the invocation still needs an answer).
    Invalid {
        /// The text as sent.
        raw: String,
        /// Why it did not parse.
        error: String,
    },
}

impl RuleParameters {
    /// The parameters' text as Config sent it.
    pub fn raw(&self) -> &str {
        match self {
            RuleParameters::Json { raw, .. } | RuleParameters::Invalid { raw, .. } => raw,
        }
    }
}

/// The resource of a Config change notification (from `configurationItem` or, for oversized
/// items, `configurationItemSummary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigResource {
    /// `resourceType`, e.g. `AWS::EC2::Instance`.
    pub resource_type: String,
    /// `resourceId`.
    pub resource_id: String,
    /// The resource's `ARN`.
    pub arn: Option<String>,
    /// `configurationItemStatus`.
    pub status: ConfigItemStatus,
    /// `configurationItemCaptureTime` (the `OrderingTimestamp` of the evaluation).
    pub capture_time: Option<Timestamp>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// The instance, always present and valid when `resource_type` is `AWS::EC2::Instance`.
    pub instance_id: Option<InstanceId>,
}

/// An EC2 instance state change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ec2StateChange {
    /// The instance.
    pub instance_id: InstanceId,
    /// The new state.
    pub state: InstanceState,
}

/// One CloudTrail-recorded API call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudTrailCall {
    /// `eventName`, e.g. `StartInstances`.
    pub event_name: String,
    /// `eventSource`, e.g. `ec2.amazonaws.com`.
    pub event_source: String,
    /// `eventID` (absent in eventVersion 1.0 records).
    pub event_id: Option<String>,
    /// `eventVersion`.
    pub event_version: Option<String>,
    /// `eventTime`.
    pub event_time: Option<Timestamp>,
    /// `awsRegion`.
    pub aws_region: Option<String>,
    /// `sourceIPAddress` (an IP address or a service name).
    pub source_ip_address: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// Who made the call.
    pub user_identity: UserIdentity,
    /// `requestParameters`, as sent.
    pub request_parameters: Option<Value>,
    /// `responseElements`, as sent (often `null`).
    pub response_elements: Option<Value>,
    /// `errorCode`, when the call failed.
    pub error_code: Option<String>,
    /// `errorMessage`, when the call failed.
    pub error_message: Option<String>,
    /// `readOnly`.
    pub read_only: Option<bool>,
}

/// CloudTrail's `userIdentity`, the fields detections and audits use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserIdentity {
    /// `type`: `IAMUser`, `AssumedRole`, `Root`, `AWSService`, …
    pub identity_type: Option<String>,
    /// `principalId`.
    pub principal_id: Option<String>,
    /// `arn`.
    pub arn: Option<String>,
    /// `accountId`.
    pub account_id: Option<String>,
    /// `userName`.
    pub user_name: Option<String>,
    /// `invokedBy`, when a service made the call on the principal's behalf.
    pub invoked_by: Option<String>,
    /// `sessionContext.sessionIssuer.arn`: the role behind an assumed-role session.
    pub session_issuer_arn: Option<String>,
}

/// A scheduled EventBridge rule fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledEvent {
    /// The ARNs of the rules that fired (the envelope's `resources`).
    pub rule_arns: Vec<String>,
}

/// Declares an enum of AWS's string constants with an `Other` catch-all that keeps unknown values.
macro_rules! string_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $($(#[$variant_doc:meta])* $variant:ident = $text:literal,)* }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$variant_doc])* $variant,)*
            /// A value this version of ward does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// Reads AWS's constant; unknown values are kept in `Other`.
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }

            /// AWS's constant.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(other) => other,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from_wire(&text))
            }
        }
    };
}

string_enum!(
    /// The type of an Inspector v2 finding.
    InspectorFindingType {
        /// A vulnerable package (has CVEs).
        PackageVulnerability = "PACKAGE_VULNERABILITY",
        /// A port reachable from outside.
        NetworkReachability = "NETWORK_REACHABILITY",
        /// A vulnerability in code (Lambda).
        CodeVulnerability = "CODE_VULNERABILITY",
    }
);

string_enum!(
    /// The status of an Inspector v2 finding.
    InspectorStatus {
        /// Open.
        Active = "ACTIVE",
        /// Suppressed by a rule.
        Suppressed = "SUPPRESSED",
        /// Remediated.
        Closed = "CLOSED",
    }
);

string_enum!(
    /// A Config configuration item's `configurationItemStatus`.
    ConfigItemStatus {
        /// Recorded and current.
        Ok = "OK",
        /// Newly discovered.
        ResourceDiscovered = "ResourceDiscovered",
        /// Not recorded (out of the recorder's scope).
        ResourceNotRecorded = "ResourceNotRecorded",
        /// Deleted.
        ResourceDeleted = "ResourceDeleted",
        /// Deleted and not recorded.
        ResourceDeletedNotRecorded = "ResourceDeletedNotRecorded",
    }
);

string_enum!(
    /// An EC2 instance state.
    InstanceState {
        /// Starting.
        Pending = "pending",
        /// Running.
        Running = "running",
        /// Shutting down before termination.
        ShuttingDown = "shutting-down",
        /// Terminated.
        Terminated = "terminated",
        /// Stopping.
        Stopping = "stopping",
        /// Stopped.
        Stopped = "stopped",
    }
);

/// The `messageType` of a Config rule's invoking event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConfigMessageType {
    /// A resource changed (`configurationItem` inline).
    ConfigurationItemChangeNotification,
    /// A resource changed and the item was too large to inline (`configurationItemSummary` only).
    OversizedConfigurationItemChangeNotification,
    /// A periodic evaluation.
    ScheduledNotification,
    /// A periodic evaluation triggered by a configuration snapshot (older periodic rules).
    ConfigurationSnapshotDeliveryCompleted,
}

impl ConfigMessageType {
    /// Reads Config's constant; `None` for a message type ward does not know.
    pub fn from_wire(text: &str) -> Option<Self> {
        Some(match text {
            "ConfigurationItemChangeNotification" => Self::ConfigurationItemChangeNotification,
            "OversizedConfigurationItemChangeNotification" => {
                Self::OversizedConfigurationItemChangeNotification
            }
            "ScheduledNotification" => Self::ScheduledNotification,
            "ConfigurationSnapshotDeliveryCompleted" => {
                Self::ConfigurationSnapshotDeliveryCompleted
            }
            _ => return None,
        })
    }

    /// Whether the invocation is about one resource (a change) rather than periodic.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            Self::ConfigurationItemChangeNotification
                | Self::OversizedConfigurationItemChangeNotification
        )
    }
}
