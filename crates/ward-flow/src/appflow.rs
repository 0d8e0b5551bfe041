//! `ward flow import-appflow`: an AppFlow `CreateFlow` request or `DescribeFlow` response (as
//! `aws appflow describe-flow` prints it) turned into a ward [`FlowDefinition`], so a team can
//! move off AppFlow without rewriting its mappings.
//!
//! Read: `flowName`, `description`, `kmsArn` (becomes the S3 SSE-KMS key), `tasks` (any
//! connector's operator, e.g. `{"Trendmicro": "PROJECTION"}`), `sourceFlowConfig` (the
//! `object` of any connector's `sourceConnectorProperties`; an S3 source becomes the `file`
//! source; `incrementalPullConfig.datetimeTypeFieldName` the watermark),
//! the first S3 entry of `destinationFlowConfigList`, and `triggerConfig` (OnDemand, Scheduled;
//! Event triggers have no ward equivalent and are refused). Everything else (ARNs, status,
//! tags, last run details) is ignored. Times may be epoch seconds or milliseconds, or RFC 3339.
//! The result is still to be compiled: task-level checks happen in
//! [`FlowPlan::compile`](crate::FlowPlan::compile).

use crate::definition::{
    Aggregation, Destination, FileFormat, FileLocation, FlowDefinition, FlowSource, ManagerObject,
    PathPrefix, PrefixConfig, PrefixFormat, PrefixType, PullMode, StoreTable, TaskDefinition,
    Trigger,
};
use crate::schedule::ScheduleExpression;
use crate::time::parse_rfc3339;
use serde_json::Value;
use std::collections::BTreeMap;

/// Why an AppFlow flow JSON could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not JSON, or not an object.
    #[error("not an AppFlow flow JSON object: {0}")]
    NotJson(String),
    /// A required key is absent.
    #[error("missing `{0}`")]
    Missing(String),
    /// A key has a value ward cannot use.
    #[error("`{key}` = `{value}`: {reason}")]
    Invalid {
        /// The key path.
        key: String,
        /// The value found.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// The source object is not one ward can read.
    #[error(
        "source object `{0}` has no ward equivalent (computers, policies, intrusion_prevention_rules, findings, actions, alerts)"
    )]
    UnknownObject(String),
    /// No S3 destination in `destinationFlowConfigList`.
    #[error(
        "no S3 destination in `destinationFlowConfigList` (ward writes to S3 or a local directory)"
    )]
    NoS3Destination,
    /// A trigger type ward does not run.
    #[error("trigger type `{0}` has no ward equivalent (OnDemand or Scheduled)")]
    UnsupportedTrigger(String),
}

/// Reads an AppFlow `CreateFlow` request or `DescribeFlow` response.
pub fn import_appflow(json: &[u8]) -> Result<FlowDefinition, ImportError> {
    let root: Value =
        serde_json::from_slice(json).map_err(|error| ImportError::NotJson(error.to_string()))?;
    if !root.is_object() {
        return Err(ImportError::NotJson(
            "the top level is not an object".to_owned(),
        ));
    }
    let name = string(&root, &["flowName"])?.to_owned();
    let description = optional_string(&root, &["description"]).map(str::to_owned);
    let source = source(&root)?;
    let tasks = tasks(&root)?;
    let mut destination = destination(&root)?;
    destination.sse_kms_key_id = optional_string(&root, &["kmsArn"]).map(str::to_owned);
    let trigger = trigger(&root)?;
    Ok(FlowDefinition {
        name,
        description,
        source,
        tasks,
        destination,
        trigger,
    })
}

fn at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |value, key| value.get(key))
}

fn string<'v>(value: &'v Value, path: &[&str]) -> Result<&'v str, ImportError> {
    optional_string(value, path).ok_or_else(|| ImportError::Missing(path.join(".")))
}

fn optional_string<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    at(value, path)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

fn invalid(key: &str, value: &str, reason: &str) -> ImportError {
    ImportError::Invalid {
        key: key.to_owned(),
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The single value of a `{ "<connector>": value }` object.
fn connector_value(value: &Value) -> Option<(&str, &Value)> {
    value
        .as_object()?
        .iter()
        .next()
        .map(|(key, value)| (key.as_str(), value))
}

/// The ward source for an AppFlow object name (any spelling of the Trend Micro objects).
fn source_object(object: &str) -> Option<FlowSource> {
    let key: String = object
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match key.as_str() {
        "computers" | "computer" => FlowSource::Manager(ManagerObject::Computers),
        "policies" | "policy" => FlowSource::Manager(ManagerObject::Policies),
        "intrusionpreventionrules" | "intrusionpreventionrule" | "ipsrules" => {
            FlowSource::Manager(ManagerObject::IntrusionPreventionRules)
        }
        "findings" => FlowSource::Store(StoreTable::Findings),
        "actions" => FlowSource::Store(StoreTable::Actions),
        "alerts" => FlowSource::Store(StoreTable::Alerts),
        _ => return None,
    })
}

fn source(root: &Value) -> Result<FlowSource, ImportError> {
    let config = at(root, &["sourceFlowConfig"])
        .ok_or_else(|| ImportError::Missing("sourceFlowConfig".to_owned()))?;
    let properties = at(config, &["sourceConnectorProperties"])
        .and_then(connector_value)
        .ok_or_else(|| {
            ImportError::Missing("sourceFlowConfig.sourceConnectorProperties".to_owned())
        })?;
    let connector = optional_string(config, &["connectorType"]).unwrap_or(properties.0);
    if connector.eq_ignore_ascii_case("S3") {
        let bucket = string(properties.1, &["bucketName"]).map_err(|_| {
            ImportError::Missing(
                "sourceFlowConfig.sourceConnectorProperties.S3.bucketName".to_owned(),
            )
        })?;
        let prefix = optional_string(properties.1, &["bucketPrefix"]).unwrap_or_default();
        // AppFlow reads every object under the prefix; so does a `file` source on it.
        return Ok(FlowSource::File(FileLocation::S3 {
            bucket: bucket.to_owned(),
            key: prefix.trim_matches('/').to_owned(),
        }));
    }
    let object = optional_string(properties.1, &["object"]).ok_or_else(|| {
        ImportError::Missing(format!(
            "sourceFlowConfig.sourceConnectorProperties.{}.object",
            properties.0
        ))
    })?;
    source_object(object).ok_or_else(|| ImportError::UnknownObject(object.to_owned()))
}

fn tasks(root: &Value) -> Result<Vec<TaskDefinition>, ImportError> {
    let list = at(root, &["tasks"])
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::Missing("tasks".to_owned()))?;
    let mut tasks = Vec::with_capacity(list.len());
    for (index, task) in list.iter().enumerate() {
        let key = |name: &str| format!("tasks[{index}].{name}");
        let task_type =
            string(task, &["taskType"]).map_err(|_| ImportError::Missing(key("taskType")))?;
        let source_fields = match at(task, &["sourceFields"]) {
            None => Vec::new(),
            Some(Value::Array(fields)) => fields
                .iter()
                .map(|field| {
                    field.as_str().map(str::to_owned).ok_or_else(|| {
                        invalid(
                            &key("sourceFields"),
                            &field.to_string(),
                            "expected a string",
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(invalid(
                    &key("sourceFields"),
                    &other.to_string(),
                    "expected a list",
                ));
            }
        };
        let operator = match at(task, &["connectorOperator"]).and_then(connector_value) {
            None => None,
            Some((_, Value::String(operator))) => Some(operator.clone()),
            Some((_, other)) => {
                return Err(invalid(
                    &key("connectorOperator"),
                    &other.to_string(),
                    "expected a string",
                ));
            }
        };
        let mut properties = BTreeMap::new();
        if let Some(map) = at(task, &["taskProperties"]).and_then(Value::as_object) {
            for (name, value) in map {
                let text = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                properties.insert(name.clone(), text);
            }
        }
        tasks.push(TaskDefinition {
            task_type: task_type.to_owned(),
            source_fields,
            operator,
            destination: optional_string(task, &["destinationField"]).map(str::to_owned),
            properties,
        });
    }
    Ok(tasks)
}

fn destination(root: &Value) -> Result<Destination, ImportError> {
    let list = at(root, &["destinationFlowConfigList"])
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::Missing("destinationFlowConfigList".to_owned()))?;
    let s3 = list
        .iter()
        .find_map(|config| at(config, &["destinationConnectorProperties", "S3"]))
        .ok_or(ImportError::NoS3Destination)?;
    let bucket = string(s3, &["bucketName"]).map_err(|_| {
        ImportError::Missing(
            "destinationFlowConfigList[].destinationConnectorProperties.S3.bucketName".to_owned(),
        )
    })?;
    let prefix = optional_string(s3, &["bucketPrefix"])
        .unwrap_or_default()
        .trim_matches('/');
    let mut destination = Destination::new(&if prefix.is_empty() {
        format!("s3://{bucket}")
    } else {
        format!("s3://{bucket}/{prefix}")
    });
    let Some(format) = at(s3, &["s3OutputFormatConfig"]) else {
        return Ok(destination);
    };
    const BASE: &str = "s3OutputFormatConfig";
    if let Some(file_type) = optional_string(format, &["fileType"]) {
        destination.format = match file_type.to_ascii_uppercase().as_str() {
            "JSON" => FileFormat::Jsonl,
            "CSV" => FileFormat::Csv,
            "PARQUET" => FileFormat::Parquet,
            _ => {
                return Err(invalid(
                    &format!("{BASE}.fileType"),
                    file_type,
                    "expected JSON, CSV or PARQUET",
                ));
            }
        };
    }
    if let Some(prefix) = at(format, &["prefixConfig"]) {
        let mut config = PrefixConfig::default();
        if let Some(prefix_type) = optional_string(prefix, &["prefixType"]) {
            config.prefix_type = match prefix_type.to_ascii_uppercase().as_str() {
                "PATH" => PrefixType::Path,
                "FILENAME" => PrefixType::Filename,
                "PATH_AND_FILENAME" => PrefixType::PathAndFilename,
                _ => {
                    return Err(invalid(
                        &format!("{BASE}.prefixConfig.prefixType"),
                        prefix_type,
                        "expected FILENAME, PATH or PATH_AND_FILENAME",
                    ));
                }
            };
        }
        if let Some(prefix_format) = optional_string(prefix, &["prefixFormat"]) {
            config.format = Some(match prefix_format.to_ascii_uppercase().as_str() {
                "YEAR" => PrefixFormat::Year,
                "MONTH" => PrefixFormat::Month,
                "DAY" => PrefixFormat::Day,
                "HOUR" => PrefixFormat::Hour,
                "MINUTE" => PrefixFormat::Minute,
                _ => {
                    return Err(invalid(
                        &format!("{BASE}.prefixConfig.prefixFormat"),
                        prefix_format,
                        "expected YEAR, MONTH, DAY, HOUR or MINUTE",
                    ));
                }
            });
        }
        for item in at(prefix, &["pathPrefixHierarchy"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let text = item.as_str().unwrap_or_default();
            config.hierarchy.push(match text {
                "EXECUTION_ID" => PathPrefix::ExecutionId,
                "SCHEMA_VERSION" => PathPrefix::SchemaVersion,
                _ => {
                    return Err(invalid(
                        &format!("{BASE}.prefixConfig.pathPrefixHierarchy"),
                        &item.to_string(),
                        "expected EXECUTION_ID or SCHEMA_VERSION",
                    ));
                }
            });
        }
        destination.prefix = config;
    }
    if let Some(aggregation) = at(format, &["aggregationConfig"]) {
        if let Some(kind) = optional_string(aggregation, &["aggregationType"]) {
            destination.aggregation = match kind.to_ascii_lowercase().as_str() {
                "none" => Aggregation::None,
                "singlefile" => Aggregation::SingleFile,
                _ => {
                    return Err(invalid(
                        &format!("{BASE}.aggregationConfig.aggregationType"),
                        kind,
                        "expected None or SingleFile",
                    ));
                }
            };
        }
        if let Some(size) = at(aggregation, &["targetFileSize"]) {
            destination.target_file_size_mb =
                Some(size.as_u64().filter(|size| *size > 0).ok_or_else(|| {
                    invalid(
                        &format!("{BASE}.aggregationConfig.targetFileSize"),
                        &size.to_string(),
                        "expected a positive number of MB",
                    )
                })?);
        }
    }
    if let Some(preserve) = at(format, &["preserveSourceDataTyping"]) {
        destination.preserve_source_data_typing = preserve.as_bool().ok_or_else(|| {
            invalid(
                &format!("{BASE}.preserveSourceDataTyping"),
                &preserve.to_string(),
                "expected true or false",
            )
        })?;
    }
    Ok(destination)
}

/// An AppFlow time: epoch seconds (as botocore writes them) or milliseconds, or RFC 3339.
fn time_millis(value: &Value, key: &str) -> Result<i64, ImportError> {
    let millis = match value {
        Value::Number(number) => number.as_f64().filter(|f| f.is_finite()).map(|seconds| {
            if seconds.abs() >= 1e11 {
                seconds as i64
            } else {
                (seconds * 1000.0) as i64
            }
        }),
        Value::String(text) => parse_rfc3339(text),
        _ => None,
    };
    millis.ok_or_else(|| {
        invalid(
            key,
            &value.to_string(),
            "expected epoch seconds or an RFC 3339 time",
        )
    })
}

fn trigger(root: &Value) -> Result<Trigger, ImportError> {
    let config = at(root, &["triggerConfig"])
        .ok_or_else(|| ImportError::Missing("triggerConfig".to_owned()))?;
    let trigger_type = string(config, &["triggerType"])
        .map_err(|_| ImportError::Missing("triggerConfig.triggerType".to_owned()))?;
    match trigger_type {
        "OnDemand" => Ok(Trigger::OnDemand),
        "Scheduled" => {
            let scheduled = at(config, &["triggerProperties", "Scheduled"]).ok_or_else(|| {
                ImportError::Missing("triggerConfig.triggerProperties.Scheduled".to_owned())
            })?;
            let key = "triggerConfig.triggerProperties.Scheduled.scheduleExpression";
            let expression = string(scheduled, &["scheduleExpression"])
                .map_err(|_| ImportError::Missing(key.to_owned()))?;
            let schedule = ScheduleExpression::parse(expression)
                .map_err(|error| invalid(key, expression, &error.reason))?;
            let pull_mode = match optional_string(scheduled, &["dataPullMode"]) {
                None | Some("Complete") => PullMode::Complete,
                Some("Incremental") => PullMode::Incremental,
                Some(other) => {
                    return Err(invalid(
                        "triggerConfig.triggerProperties.Scheduled.dataPullMode",
                        other,
                        "expected Incremental or Complete",
                    ));
                }
            };
            let time = |name: &str| -> Result<Option<i64>, ImportError> {
                at(scheduled, &[name])
                    .map(|value| {
                        time_millis(
                            value,
                            &format!("triggerConfig.triggerProperties.Scheduled.{name}"),
                        )
                    })
                    .transpose()
            };
            Ok(Trigger::Scheduled {
                schedule,
                pull_mode,
                watermark_field: optional_string(
                    root,
                    &[
                        "sourceFlowConfig",
                        "incrementalPullConfig",
                        "datetimeTypeFieldName",
                    ],
                )
                .map(str::to_owned),
                start_time: time("scheduleStartTime")?,
                end_time: time("scheduleEndTime")?,
                first_execution_from: time("firstExecutionFrom")?,
            })
        }
        other => Err(ImportError::UnsupportedTrigger(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names() {
        let name = |object: &str| source_object(object).map(|source| source.name());
        assert_eq!(name("computers"), Some("computers"));
        assert_eq!(
            name("IntrusionPreventionRules"),
            Some("intrusion_prevention_rules")
        );
        assert_eq!(
            name("intrusion_prevention_rules"),
            Some("intrusion_prevention_rules")
        );
        assert_eq!(name("Account"), None);
    }

    #[test]
    fn times() {
        assert_eq!(
            time_millis(&serde_json::json!(1_714_564_800), "k"),
            Ok(1_714_564_800_000)
        );
        assert_eq!(
            time_millis(&serde_json::json!(1_714_564_800_000i64), "k"),
            Ok(1_714_564_800_000)
        );
        assert_eq!(
            time_millis(&serde_json::json!("2024-05-01T12:00:00Z"), "k"),
            Ok(1_714_564_800_000)
        );
        assert!(time_millis(&serde_json::json!(true), "k").is_err());
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            import_appflow(b"[1]"),
            Err(ImportError::NotJson(_))
        ));
        assert!(matches!(import_appflow(b"{"), Err(ImportError::NotJson(_))));
        assert_eq!(
            import_appflow(b"{}"),
            Err(ImportError::Missing("flowName".to_owned()))
        );
    }
}
