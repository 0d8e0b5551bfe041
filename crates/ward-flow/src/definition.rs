//! Flow definitions as `ward.toml` writes them (`[[flows]]`): a source object, AppFlow-style
//! tasks, an S3 or local destination and a trigger. The doc comments are the user documentation.
//!
//! ```toml
//! [[flows]]
//! name = "computers-to-lake"
//! source = "computers"
//!
//! [[flows.tasks]]
//! type = "Map"
//! source_fields = ["ec2VirtualMachineSummary.type"]
//! destination = "instanceType"
//!
//! [[flows.tasks]]
//! type = "Filter"
//! operator = "EQUAL_TO"
//! source_fields = ["computerStatus.agentStatus"]
//! properties = { VALUE = "active", DATA_TYPE = "string" }
//!
//! [flows.destination]
//! path = "s3://my-lake/ward"
//! format = "parquet"
//! prefix = { type = "path", format = "day", hierarchy = ["execution-id"] }
//!
//! [flows.trigger]
//! type = "scheduled"
//! schedule = "rate(1 hour)"
//! ```
//!
//! Task types, operators and property keys are kept as text here and checked by
//! [`FlowPlan::compile`](crate::FlowPlan::compile), so one bad task is reported with the flow's
//! name, the task's index and the field, before any record moves.

use crate::schedule::ScheduleExpression;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
pub use ward_core::records::{FileLocation, FlowSource, ManagerObject, StoreTable};

/// One `[[flows]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FlowToml", into = "FlowToml")]
pub struct FlowDefinition {
    /// The flow's name: `[a-zA-Z0-9][\w!@#.-]*`, at most 256 characters (AppFlow's rule).
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Where the records come from.
    pub source: FlowSource,
    /// The tasks, applied as AppFlow applies them (see the crate documentation).
    pub tasks: Vec<TaskDefinition>,
    /// Where the records go.
    pub destination: Destination,
    /// When the flow runs; on demand when absent.
    pub trigger: Trigger,
}

/// One `[[flows]]` entry as `ward.toml` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowToml {
    /// The flow's name.
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    /// The source object: `computers`, `policies`, `intrusion_prevention_rules`, `findings`,
    /// `actions`, `alerts` or `file`.
    source: SourceName,
    /// For `source = "file"`: the JSON-lines or JSON-array file, a local path or `s3://bucket/key`
    /// (a key that is a prefix reads every object under it, as AppFlow's S3 source does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_path: Option<String>,
    tasks: Vec<TaskDefinition>,
    destination: Destination,
    #[serde(default)]
    trigger: Trigger,
}

/// The source objects `ward.toml` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SourceName {
    Computers,
    Policies,
    IntrusionPreventionRules,
    Findings,
    Actions,
    Alerts,
    File,
}

impl SourceName {
    /// The source this name stands for; `None` for `file`, which needs its path.
    fn object(self) -> Option<FlowSource> {
        Some(match self {
            Self::Computers => FlowSource::Manager(ManagerObject::Computers),
            Self::Policies => FlowSource::Manager(ManagerObject::Policies),
            Self::IntrusionPreventionRules => {
                FlowSource::Manager(ManagerObject::IntrusionPreventionRules)
            }
            Self::Findings => FlowSource::Store(StoreTable::Findings),
            Self::Actions => FlowSource::Store(StoreTable::Actions),
            Self::Alerts => FlowSource::Store(StoreTable::Alerts),
            Self::File => return None,
        })
    }
}

impl TryFrom<FlowToml> for FlowDefinition {
    type Error = String;

    fn try_from(toml: FlowToml) -> Result<Self, String> {
        let source = match (toml.source.object(), toml.source_path) {
            (Some(source), None) => source,
            (Some(source), Some(_)) => {
                return Err(format!(
                    "only a `file` source reads `source_path` (this flow reads `{}`)",
                    source.name()
                ));
            }
            (None, None) => {
                return Err(
                    "a `file` source needs `source_path`: a JSON-lines or JSON-array \
                            file, local or s3://bucket/key"
                        .to_owned(),
                );
            }
            (None, Some(path)) => {
                FlowSource::File(FileLocation::parse(&path).ok_or_else(|| {
                    format!(
                        "source_path `{path}` names no file (expected a path or s3://bucket/key)"
                    )
                })?)
            }
        };
        Ok(Self {
            name: toml.name,
            description: toml.description,
            source,
            tasks: toml.tasks,
            destination: toml.destination,
            trigger: toml.trigger,
        })
    }
}

impl From<FlowDefinition> for FlowToml {
    fn from(flow: FlowDefinition) -> Self {
        let (source, source_path) = match flow.source {
            FlowSource::Manager(ManagerObject::Computers) => (SourceName::Computers, None),
            FlowSource::Manager(ManagerObject::Policies) => (SourceName::Policies, None),
            FlowSource::Manager(ManagerObject::IntrusionPreventionRules) => {
                (SourceName::IntrusionPreventionRules, None)
            }
            FlowSource::Store(StoreTable::Findings) => (SourceName::Findings, None),
            FlowSource::Store(StoreTable::Actions) => (SourceName::Actions, None),
            FlowSource::Store(StoreTable::Alerts) => (SourceName::Alerts, None),
            FlowSource::File(location) => (SourceName::File, Some(location.to_string())),
        };
        Self {
            name: flow.name,
            description: flow.description,
            source,
            source_path,
            tasks: flow.tasks,
            destination: flow.destination,
            trigger: flow.trigger,
        }
    }
}

/// One task: AppFlow's `Task` structure with ward.toml's key names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDefinition {
    /// `Map`, `Map_all`, `Mask`, `Truncate`, `Merge`, `Filter`, `Validate`, `Arithmetic`,
    /// `Passthrough` or `Partition`.
    #[serde(rename = "type")]
    pub task_type: String,
    /// The source fields (dotted paths) the task reads.
    #[serde(default)]
    pub source_fields: Vec<String>,
    /// The connector operator (`PROJECTION`, `EQUAL_TO`, `MASK_ALL`, …; `NO_OP` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The destination field (dotted paths make nested objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// AppFlow's `taskProperties` (`VALUE`, `MASK_LENGTH`, `CONCAT_FORMAT`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
}

impl TaskDefinition {
    /// A task of `task_type` over `source_fields`, with no operator, destination or properties.
    pub fn new(task_type: &str, source_fields: &[&str]) -> Self {
        Self {
            task_type: task_type.to_owned(),
            source_fields: source_fields
                .iter()
                .map(|field| (*field).to_owned())
                .collect(),
            operator: None,
            destination: None,
            properties: BTreeMap::new(),
        }
    }

    /// Sets the operator.
    pub fn operator(mut self, operator: &str) -> Self {
        self.operator = Some(operator.to_owned());
        self
    }

    /// Sets the destination field.
    pub fn destination(mut self, destination: &str) -> Self {
        self.destination = Some(destination.to_owned());
        self
    }

    /// Adds a task property.
    pub fn property(mut self, key: &str, value: &str) -> Self {
        self.properties.insert(key.to_owned(), value.to_owned());
        self
    }
}

/// Where and how records are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// A local directory or `s3://bucket/prefix`.
    pub path: String,
    /// `jsonl`, `csv` or `parquet`.
    #[serde(default)]
    pub format: FileFormat,
    /// `none` (files as they come) or `single-file`.
    #[serde(default)]
    pub aggregation: Aggregation,
    /// With `single-file`: the target size of each file in MB (a goal, not a promise: AppFlow's
    /// wording). Absent: one file per run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_file_size_mb: Option<u64>,
    /// How object keys are prefixed.
    #[serde(default)]
    pub prefix: PrefixConfig,
    /// SSE-KMS key for S3 objects (ID, alias or ARN); SSE-S3 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_kms_key_id: Option<String>,
    /// Parquet only: typed columns when true, every column a string when false (AppFlow's
    /// `preserveSourceDataTyping`).
    #[serde(default)]
    pub preserve_source_data_typing: bool,
}

/// The output file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// JSON lines (AppFlow's `JSON`).
    #[default]
    #[serde(alias = "json")]
    Jsonl,
    /// CSV with a header row; nested objects flattened with `_`.
    Csv,
    /// Parquet; nested objects flattened with `_`.
    Parquet,
}

impl FileFormat {
    /// The name `ward.toml` writes (`jsonl`, `csv`, `parquet`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Csv => "csv",
            Self::Parquet => "parquet",
        }
    }
}

/// AppFlow's `aggregationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Aggregation {
    /// One file per batch of records.
    #[default]
    None,
    /// Records aggregated into one file (or files of `target_file_size_mb`).
    SingleFile,
}

/// AppFlow's `PrefixConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefixConfig {
    /// Whether the date goes into the path, the file name or both.
    #[serde(rename = "type", default)]
    pub prefix_type: PrefixType,
    /// The date granularity; no date when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<PrefixFormat>,
    /// Folders after the flow name: `execution-id` and/or `schema-version`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hierarchy: Vec<PathPrefix>,
}

/// AppFlow's `prefixType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrefixType {
    /// The date is a folder path.
    #[default]
    Path,
    /// The date starts the file name.
    Filename,
    /// Both.
    PathAndFilename,
}

/// AppFlow's `prefixFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrefixFormat {
    /// `2024`
    Year,
    /// `2024/05`
    Month,
    /// `2024/05/01`
    Day,
    /// `2024/05/01/13`
    Hour,
    /// `2024/05/01/13/45`
    Minute,
}

/// AppFlow's `pathPrefixHierarchy` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathPrefix {
    /// The run's execution ID.
    ExecutionId,
    /// The flow's schema version.
    SchemaVersion,
}

/// A destination location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An S3 bucket and key prefix (without leading or trailing `/`).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix, possibly empty.
        prefix: String,
    },
    /// A local directory.
    Local(String),
}

impl Destination {
    /// A JSON-lines destination at `path` with every other setting at its default.
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            format: FileFormat::default(),
            aggregation: Aggregation::default(),
            target_file_size_mb: None,
            prefix: PrefixConfig::default(),
            sse_kms_key_id: None,
            preserve_source_data_typing: false,
        }
    }

    /// Where `path` points; `None` for `s3://` without a bucket.
    pub fn location(&self) -> Option<Location> {
        match self.path.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                (!bucket.is_empty()).then(|| Location::S3 {
                    bucket: bucket.to_owned(),
                    prefix: prefix.trim_matches('/').to_owned(),
                })
            }
            None => Some(Location::Local(self.path.clone())),
        }
    }

    /// The folder (relative to the location) a run's files go to, as AppFlow lays it out:
    /// `{flow}/[{execution-id}|{schema-version}…]/[{date path}]`, with `/` separators and no
    /// trailing `/`.
    pub fn run_folder(
        &self,
        flow: &str,
        execution_id: &str,
        schema_version: u32,
        started_at_ms: i64,
    ) -> String {
        let mut parts = vec![flow.to_owned()];
        for item in &self.prefix.hierarchy {
            parts.push(match item {
                PathPrefix::ExecutionId => execution_id.to_owned(),
                PathPrefix::SchemaVersion => schema_version.to_string(),
            });
        }
        if let (PrefixType::Path | PrefixType::PathAndFilename, Some(format)) =
            (self.prefix.prefix_type, self.prefix.format)
        {
            parts.extend(date_parts(format, started_at_ms));
        }
        if self.prefix.hierarchy.is_empty() && self.prefix.format.is_none() {
            // AppFlow's default: one folder per execution.
            parts.push(execution_id.to_owned());
        }
        parts.join("/")
    }

    /// The start of a file name: the date joined with `-` when the prefix type puts it there
    /// (`2024-05-01-`), else empty.
    pub fn file_name_prefix(&self, started_at_ms: i64) -> String {
        match (self.prefix.prefix_type, self.prefix.format) {
            (PrefixType::Filename | PrefixType::PathAndFilename, Some(format)) => {
                let mut prefix = date_parts(format, started_at_ms).join("-");
                prefix.push('-');
                prefix
            }
            _ => String::new(),
        }
    }
}

fn date_parts(format: PrefixFormat, millis: i64) -> Vec<String> {
    // No run starts outside the years -9999 to 9999; take the nearer end if one claims to.
    let at = crate::time::utc_datetime(millis).unwrap_or(if millis < 0 {
        jiff::civil::DateTime::MIN
    } else {
        jiff::civil::DateTime::MAX
    });
    let all = [
        format!("{:04}", at.year()),
        format!("{:02}", at.month()),
        format!("{:02}", at.day()),
        format!("{:02}", at.hour()),
        format!("{:02}", at.minute()),
    ];
    let count = match format {
        PrefixFormat::Year => 1,
        PrefixFormat::Month => 2,
        PrefixFormat::Day => 3,
        PrefixFormat::Hour => 4,
        PrefixFormat::Minute => 5,
    };
    all.into_iter().take(count).collect()
}

/// When a flow runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Trigger {
    /// Only when asked (`ward flow run NAME`).
    #[default]
    OnDemand,
    /// On a schedule: `cron(…)` (six AWS fields, UTC) or `rate(N minutes|hours|days)`.
    Scheduled {
        /// The schedule expression.
        schedule: ScheduleExpression,
        /// `complete` (every run reads everything) or `incremental` (only records whose
        /// `watermark_field` moved past the previous run's).
        #[serde(default)]
        pull_mode: PullMode,
        /// The watermark field for incremental pulls (a timestamp field of the source).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        watermark_field: Option<String>,
        /// No run before this instant (epoch ms).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_time: Option<i64>,
        /// No run after this instant (epoch ms).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end_time: Option<i64>,
        /// The first incremental run reads records from this instant (epoch ms).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_execution_from: Option<i64>,
    },
    /// Scheduled and incremental, spelled as its own trigger: shorthand for `scheduled` with
    /// `pull_mode = "incremental"`.
    Incremental {
        /// The schedule expression.
        schedule: ScheduleExpression,
        /// The watermark field (a timestamp field of the source).
        watermark_field: String,
    },
}

impl Trigger {
    /// The schedule, for scheduled and incremental triggers.
    pub fn schedule(&self) -> Option<&ScheduleExpression> {
        match self {
            Self::OnDemand => None,
            Self::Scheduled { schedule, .. } | Self::Incremental { schedule, .. } => Some(schedule),
        }
    }

    /// The watermark field when the trigger pulls incrementally.
    pub fn watermark_field(&self) -> Option<&str> {
        match self {
            Self::Incremental {
                watermark_field, ..
            } => Some(watermark_field),
            Self::Scheduled {
                pull_mode: PullMode::Incremental,
                watermark_field,
                ..
            } => watermark_field.as_deref(),
            _ => None,
        }
    }

    /// True when runs read only what changed since the last one.
    pub fn is_incremental(&self) -> bool {
        matches!(
            self,
            Self::Incremental { .. }
                | Self::Scheduled {
                    pull_mode: PullMode::Incremental,
                    ..
                }
        )
    }
}

/// AppFlow's `dataPullMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PullMode {
    /// Every run reads everything.
    #[default]
    Complete,
    /// Runs read what changed since the previous run.
    Incremental,
}

/// True when `name` follows AppFlow's flow-name rule `[a-zA-Z0-9][\w!@#.-]+`, ≤ 256 characters
/// (ward also accepts a one-character name).
pub fn is_valid_flow_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 256
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_!@#.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_of_s3_and_local_paths() {
        assert_eq!(
            Destination::new("s3://lake/ward/flows/").location(),
            Some(Location::S3 {
                bucket: "lake".into(),
                prefix: "ward/flows".into()
            })
        );
        assert_eq!(
            Destination::new("s3://lake").location(),
            Some(Location::S3 {
                bucket: "lake".into(),
                prefix: String::new()
            })
        );
        assert_eq!(Destination::new("s3://").location(), None);
        assert_eq!(
            Destination::new("./ward-data").location(),
            Some(Location::Local("./ward-data".into()))
        );
    }

    #[test]
    fn run_folder_follows_prefix_config() {
        let started = crate::time::parse_rfc3339("2024-05-01T13:45:10Z").unwrap();
        let mut destination = Destination::new("s3://lake/x");
        assert_eq!(
            destination.run_folder("f", "exec-1", 1, started),
            "f/exec-1"
        );
        destination.prefix = PrefixConfig {
            prefix_type: PrefixType::Path,
            format: Some(PrefixFormat::Day),
            hierarchy: vec![PathPrefix::ExecutionId],
        };
        assert_eq!(
            destination.run_folder("f", "exec-1", 1, started),
            "f/exec-1/2024/05/01"
        );
        assert_eq!(destination.file_name_prefix(started), "");
        destination.prefix.prefix_type = PrefixType::Filename;
        destination.prefix.format = Some(PrefixFormat::Minute);
        assert_eq!(
            destination.run_folder("f", "exec-1", 3, started),
            "f/exec-1"
        );
        assert_eq!(destination.file_name_prefix(started), "2024-05-01-13-45-");
    }

    #[test]
    fn flow_names() {
        assert!(is_valid_flow_name("computers-to-s3_v2.daily"));
        assert!(!is_valid_flow_name("-leading"));
        assert!(!is_valid_flow_name("has space"));
        assert!(!is_valid_flow_name(""));
        assert!(!is_valid_flow_name(&"a".repeat(257)));
    }

    #[test]
    fn trigger_accessors() {
        let schedule = ScheduleExpression::parse("rate(5 minutes)").unwrap();
        let incremental = Trigger::Incremental {
            schedule: schedule.clone(),
            watermark_field: "lastAgentCommunication".into(),
        };
        assert!(incremental.is_incremental());
        assert_eq!(
            incremental.watermark_field(),
            Some("lastAgentCommunication")
        );
        assert_eq!(Trigger::OnDemand.schedule(), None);
        let complete = Trigger::Scheduled {
            schedule,
            pull_mode: PullMode::Complete,
            watermark_field: Some("x".into()),
            start_time: None,
            end_time: None,
            first_execution_from: None,
        };
        assert!(!complete.is_incremental());
        assert_eq!(complete.watermark_field(), None);
    }
}
