//! Records for flows: where a flow's records come from ([`FlowSource`]: the manager's objects, the
//! store's tables, a file), and the ports a flow run reads them through ([`RecordSource`], one
//! run's reader; [`ManagerObjects`], the manager's objects as its own JSON). The flow engine is in
//! `ward-flow`; the readers are in `ward-lake` (files, the store) and `ward-manager`.

use crate::ports::{ManagerError, Page, StoreError};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A record: one JSON object, with the field names of its source.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// The manager's objects a flow can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagerObject {
    Computers,
    Policies,
    IntrusionPreventionRules,
}

/// ward's own tables a flow can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreTable {
    /// Decisions, one per event (the findings ward received and what it decided).
    Findings,
    /// The action ledger.
    Actions,
    /// Detection alerts.
    Alerts,
}

/// What a flow reads as a file: a local file, or on S3 an object or every object under a
/// prefix (as AppFlow's S3 source reads a folder).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FileLocation {
    Local(String),
    S3 {
        bucket: String,
        /// An object's key or a prefix (possibly empty: the whole bucket), without a leading `/`.
        key: String,
    },
}

impl FileLocation {
    /// Reads `s3://bucket[/key]` or a local path; `None` for an `s3://` URL without a bucket, or
    /// an empty path.
    pub fn parse(text: &str) -> Option<Self> {
        match text.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                (!bucket.is_empty()).then(|| Self::S3 {
                    bucket: bucket.to_owned(),
                    key: key.trim_matches('/').to_owned(),
                })
            }
            None => (!text.trim().is_empty()).then(|| Self::Local(text.to_owned())),
        }
    }
}

impl fmt::Display for FileLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(path) => f.write_str(path),
            Self::S3 { bucket, key } if key.is_empty() => write!(f, "s3://{bucket}"),
            Self::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// Where a flow's records come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlowSource {
    /// The manager's objects, page by page, as its JSON.
    Manager(ManagerObject),
    /// ward's own records.
    Store(StoreTable),
    /// JSON lines or a JSON array of objects.
    File(FileLocation),
}

impl FlowSource {
    /// The source object's name as `ward.toml` and AppFlow write it (`computers`, `findings`,
    /// `file`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Manager(ManagerObject::Computers) => "computers",
            Self::Manager(ManagerObject::Policies) => "policies",
            Self::Manager(ManagerObject::IntrusionPreventionRules) => "intrusion_prevention_rules",
            Self::Store(StoreTable::Findings) => "findings",
            Self::Store(StoreTable::Actions) => "actions",
            Self::Store(StoreTable::Alerts) => "alerts",
            Self::File(_) => "file",
        }
    }
}

impl fmt::Display for FlowSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(location) => write!(f, "file {location}"),
            other => f.write_str(other.name()),
        }
    }
}

/// A batch of records as a source hands it over.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceBatch {
    /// Records already read.
    Records(Vec<JsonObject>),
    /// Whole JSON lines, as read (the flow engine reads them in parallel, building only the
    /// fields its tasks use); `first_line` is the 1-based number of the first line.
    Lines { text: String, first_line: u64 },
}

/// Why a source could not give its records.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Manager(#[from] ManagerError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file or object cannot be opened or read.
    #[error("cannot read {location}: {cause}")]
    Read { location: String, cause: String },
    /// The content is not what a flow reads (JSON lines or a JSON array of objects).
    #[error("{location}: {reason}")]
    Malformed {
        /// The file, and where in it when that is known (`x.json item 3`).
        location: String,
        reason: String,
    },
    /// The source has no records to give.
    #[error("source `{source_name}` has no records: {reason}")]
    Unavailable {
        source_name: &'static str,
        reason: String,
    },
}

/// One run's reader: batches until the end.
#[async_trait]
pub trait RecordSource: Send + std::fmt::Debug {
    /// What it reads, as errors name it (`computers`, `s3://lake/x.jsonl`, a local path).
    fn origin(&self) -> String;
    /// The next batch, or `None` at the end.
    async fn next_batch(&mut self) -> Result<Option<SourceBatch>, SourceError>;
}

/// The manager's objects as its own JSON (every field it sent, under its own name): what flows
/// export.
#[async_trait]
pub trait ManagerObjects: Send + Sync + std::fmt::Debug {
    /// Objects with an id greater than `after`, in id order, at most `limit`. `fields` are the
    /// top-level fields the reader needs (`None`: all of them), so a listing can leave out the
    /// parts nobody reads. Policies come in one page.
    async fn objects_page(
        &self,
        object: ManagerObject,
        after: Option<i64>,
        limit: usize,
        fields: Option<&BTreeSet<String>>,
    ) -> Result<Page<JsonObject>, ManagerError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_locations_are_local_paths_or_s3_objects() {
        assert_eq!(
            FileLocation::parse("s3://lake/exports/computers.jsonl"),
            Some(FileLocation::S3 {
                bucket: "lake".into(),
                key: "exports/computers.jsonl".into()
            })
        );
        assert_eq!(
            FileLocation::parse("data/x.jsonl"),
            Some(FileLocation::Local("data/x.jsonl".into()))
        );
        assert_eq!(
            FileLocation::parse("s3://lake/exports/"),
            Some(FileLocation::S3 {
                bucket: "lake".into(),
                key: "exports".into()
            })
        );
        let whole = FileLocation::parse("s3://lake").expect("a bucket");
        assert_eq!(whole.to_string(), "s3://lake");
        for bad in ["s3://", "s3:///key", " ", ""] {
            assert_eq!(FileLocation::parse(bad), None, "{bad:?}");
        }
        let location = FileLocation::parse("s3://b/k.json").expect("an S3 object");
        assert_eq!(location.to_string(), "s3://b/k.json");
    }
}
