//! Where a flow's records come from, behind `ward-core`'s [`RecordSource`] port:
//!
//! * [`ManagerSource`]: the manager's objects as its JSON, page by page in id order (one page
//!   ahead of nothing: a page is read when the run asks for it, so memory holds one batch);
//! * [`StoreSource`]: ward's own tables (decisions as `findings`, the ledger as `actions`);
//! * [`FileSource`]: JSON lines (handed over as whole lines, which the flow engine reads in
//!   parallel) or a JSON array of objects, from a local path or an S3 object.
//!
//! [`Sources::open`] picks the reader for a flow's [`FlowSource`].

use crate::BATCH_SIZE;
use crate::S3Options;
use crate::target::s3_store;
use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use serde_json::Value;
use std::collections::{BTreeSet, VecDeque};
use std::io::BufRead;
use std::sync::Arc;
use ward_core::records::{
    FileLocation, FlowSource, JsonObject, ManagerObject, ManagerObjects, RecordSource, SourceBatch,
    SourceError, StoreTable,
};
use ward_core::{Page, Store};

/// What a run's sources are opened on.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The manager's objects; `None` where no manager is configured.
    pub manager: Option<Arc<dyn ManagerObjects>>,
    pub store: Arc<dyn Store>,
    pub s3: S3Options,
}

impl Sources {
    /// The reader for `source`. `fields` are the top-level fields the flow reads (`None`: all).
    pub async fn open(
        &self,
        source: &FlowSource,
        fields: Option<BTreeSet<String>>,
    ) -> Result<Box<dyn RecordSource>, SourceError> {
        Ok(match source {
            FlowSource::Manager(object) => {
                let manager = self.manager.clone().ok_or(SourceError::Unavailable {
                    source_name: source.name(),
                    reason: "no manager is configured".to_owned(),
                })?;
                Box::new(ManagerSource::new(manager, *object, fields))
            }
            FlowSource::Store(table) => {
                Box::new(StoreSource::open(self.store.as_ref(), *table).await?)
            }
            FlowSource::File(location) => Box::new(FileSource::open(location, &self.s3).await?),
        })
    }
}

/// The manager's objects, page by page in id order.
#[derive(Debug)]
pub struct ManagerSource {
    manager: Arc<dyn ManagerObjects>,
    object: ManagerObject,
    fields: Option<BTreeSet<String>>,
    after: Option<i64>,
    done: bool,
}

impl ManagerSource {
    pub fn new(
        manager: Arc<dyn ManagerObjects>,
        object: ManagerObject,
        fields: Option<BTreeSet<String>>,
    ) -> Self {
        Self {
            manager,
            object,
            fields,
            after: None,
            done: false,
        }
    }
}

#[async_trait]
impl RecordSource for ManagerSource {
    fn origin(&self) -> String {
        FlowSource::Manager(self.object).name().to_owned()
    }

    async fn next_batch(&mut self) -> Result<Option<SourceBatch>, SourceError> {
        if self.done {
            return Ok(None);
        }
        let Page { items, next_after } = self
            .manager
            .objects_page(self.object, self.after, BATCH_SIZE, self.fields.as_ref())
            .await?;
        match next_after {
            // A page that does not move past `after` would be read forever.
            Some(next) if Some(next) > self.after => self.after = Some(next),
            _ => self.done = true,
        }
        Ok((!items.is_empty()).then_some(SourceBatch::Records(items)))
    }
}

/// Records read in one go (the store's tables), handed over a batch at a time.
#[derive(Debug)]
pub struct StoreSource {
    table: StoreTable,
    records: std::vec::IntoIter<JsonObject>,
}

impl StoreSource {
    /// Reads `table` from the store, oldest first.
    pub async fn open(store: &dyn Store, table: StoreTable) -> Result<Self, SourceError> {
        let records: Vec<JsonObject> = match table {
            StoreTable::Findings => {
                let decisions = store.decisions(u32::MAX).await?;
                decisions
                    .iter()
                    .rev()
                    .map(ward_flow::tables::finding_record)
                    .collect()
            }
            StoreTable::Actions => {
                let actions = store.actions(u32::MAX).await?;
                actions
                    .iter()
                    .rev()
                    .map(ward_flow::tables::action_record)
                    .collect()
            }
            StoreTable::Alerts => {
                return Err(SourceError::Unavailable {
                    source_name: "alerts",
                    reason: "alerts come from CloudTrail detection (`ward detect`), which ward \
                             does not have yet"
                        .to_owned(),
                });
            }
        };
        Ok(Self {
            table,
            records: records.into_iter(),
        })
    }
}

#[async_trait]
impl RecordSource for StoreSource {
    fn origin(&self) -> String {
        FlowSource::Store(self.table).name().to_owned()
    }

    async fn next_batch(&mut self) -> Result<Option<SourceBatch>, SourceError> {
        let batch: Vec<JsonObject> = self.records.by_ref().take(BATCH_SIZE).collect();
        Ok((!batch.is_empty()).then_some(SourceBatch::Records(batch)))
    }
}

/// JSON lines or a JSON array of objects: a local file, an S3 object, or every object under an
/// S3 prefix in key order (as AppFlow's S3 source reads a folder).
#[derive(Debug)]
pub struct FileSource {
    location: String,
    /// The object store and the objects still to read (S3).
    objects: Option<(Arc<dyn ObjectStore>, VecDeque<ObjectPath>)>,
    /// What is being read now.
    current: Option<(String, FileContent)>,
    /// Lines handed over so far from the current file.
    lines: u64,
}

enum FileContent {
    /// A JSON array, read whole.
    Records(std::vec::IntoIter<JsonObject>),
    /// JSON lines from a local file.
    LocalLines(std::io::BufReader<std::fs::File>),
    /// JSON lines from an object: its byte stream, and what is left of the last chunk.
    StreamLines {
        stream: BoxStream<'static, object_store::Result<bytes::Bytes>>,
        pending: Vec<u8>,
        ended: bool,
    },
}

impl std::fmt::Debug for FileContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Records(_) => "Records",
            Self::LocalLines(_) => "LocalLines",
            Self::StreamLines { .. } => "StreamLines",
        })
    }
}

fn read_error(location: &str, cause: impl std::fmt::Display) -> SourceError {
    SourceError::Read {
        location: location.to_owned(),
        cause: cause.to_string(),
    }
}

impl FileSource {
    /// Opens the file (on S3: lists the objects at the key, or under it as a prefix). Each
    /// file's first character tells: `[` is a JSON array, anything else JSON lines.
    pub async fn open(location: &FileLocation, s3: &S3Options) -> Result<Self, SourceError> {
        let shown = location.to_string();
        match location {
            FileLocation::Local(path) => {
                let file = std::fs::File::open(path).map_err(|error| read_error(&shown, error))?;
                let mut reader = std::io::BufReader::new(file);
                let array = reader
                    .fill_buf()
                    .map(|bytes| first_char(bytes) == Some(b'['))
                    .map_err(|error| read_error(&shown, error))?;
                let content = if array {
                    let items: Vec<Value> = serde_json::from_reader(reader).map_err(|error| {
                        malformed(&shown, format!("not a JSON array of objects: {error}"))
                    })?;
                    FileContent::Records(objects(&shown, items)?.into_iter())
                } else {
                    FileContent::LocalLines(reader)
                };
                Ok(Self {
                    location: shown.clone(),
                    objects: None,
                    current: Some((shown, content)),
                    lines: 0,
                })
            }
            FileLocation::S3 { bucket, key } => {
                let store =
                    s3_store(bucket, s3, None).map_err(|error| read_error(&shown, error))?;
                let keys = object_keys(store.as_ref(), key)
                    .await
                    .map_err(|error| read_error(&shown, error))?;
                if keys.is_empty() {
                    return Err(read_error(&shown, "no object there"));
                }
                Ok(Self {
                    location: shown,
                    objects: Some((store, keys.into())),
                    current: None,
                    lines: 0,
                })
            }
        }
    }

    /// The next S3 object, opened; `None` when every one was read.
    async fn next_object(&mut self) -> Result<Option<(String, FileContent)>, SourceError> {
        let Some((store, keys)) = &mut self.objects else {
            return Ok(None);
        };
        let Some(path) = keys.pop_front() else {
            return Ok(None);
        };
        let shown = match self.location.split_once("://") {
            Some((_, rest)) => {
                format!("s3://{}/{path}", rest.split('/').next().unwrap_or_default())
            }
            None => path.to_string(),
        };
        let answer = store
            .get(&path)
            .await
            .map_err(|error| read_error(&shown, error))?;
        let mut stream = answer.into_stream();
        let mut pending = Vec::new();
        let mut ended = false;
        // Enough of the object to see its first character.
        while first_char(&pending).is_none() && !ended {
            match stream.next().await {
                Some(chunk) => {
                    pending.extend_from_slice(&chunk.map_err(|error| read_error(&shown, error))?)
                }
                None => ended = true,
            }
        }
        let content = if first_char(&pending) == Some(b'[') {
            while let Some(chunk) = stream.next().await {
                pending.extend_from_slice(&chunk.map_err(|error| read_error(&shown, error))?);
            }
            let items: Vec<Value> = serde_json::from_slice(&pending).map_err(|error| {
                malformed(&shown, format!("not a JSON array of objects: {error}"))
            })?;
            FileContent::Records(objects(&shown, items)?.into_iter())
        } else {
            FileContent::StreamLines {
                stream,
                pending,
                ended,
            }
        };
        Ok(Some((shown, content)))
    }
}

/// The keys to read: the object at `key` when there is one, else every object under `key/` (the
/// whole bucket for an empty key), in key order.
async fn object_keys(store: &dyn ObjectStore, key: &str) -> object_store::Result<Vec<ObjectPath>> {
    if !key.is_empty() {
        match store.head(&ObjectPath::from(key)).await {
            Ok(meta) => return Ok(vec![meta.location]),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    let prefix = (!key.is_empty()).then(|| ObjectPath::from(key));
    let mut keys: Vec<ObjectPath> = store
        .list(prefix.as_ref())
        .map(|meta| meta.map(|meta| meta.location))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<object_store::Result<_>>()?;
    keys.sort();
    Ok(keys)
}

#[async_trait]
impl RecordSource for FileSource {
    fn origin(&self) -> String {
        self.current
            .as_ref()
            .map_or_else(|| self.location.clone(), |(shown, _)| shown.clone())
    }

    async fn next_batch(&mut self) -> Result<Option<SourceBatch>, SourceError> {
        loop {
            if self.current.is_none() {
                self.current = self.next_object().await?;
                self.lines = 0;
            }
            let Some((shown, content)) = &mut self.current else {
                return Ok(None);
            };
            let text = match content {
                FileContent::Records(records) => {
                    let batch: Vec<JsonObject> = records.by_ref().take(BATCH_SIZE).collect();
                    if batch.is_empty() {
                        self.current = None;
                        continue;
                    }
                    return Ok(Some(SourceBatch::Records(batch)));
                }
                FileContent::LocalLines(reader) => {
                    let mut text = String::new();
                    for _ in 0..BATCH_SIZE {
                        let read = reader
                            .read_line(&mut text)
                            .map_err(|error| read_error(shown, error))?;
                        if read == 0 {
                            break;
                        }
                    }
                    text
                }
                FileContent::StreamLines {
                    stream,
                    pending,
                    ended,
                } => {
                    // Whole lines only: read until BATCH_SIZE line ends are held, or the end.
                    while !*ended && memchr_count(pending) < BATCH_SIZE {
                        match stream.next().await {
                            Some(chunk) => pending.extend_from_slice(
                                &chunk.map_err(|error| read_error(shown, error))?,
                            ),
                            None => *ended = true,
                        }
                    }
                    let end = if *ended {
                        pending.len()
                    } else {
                        nth_line_end(pending, BATCH_SIZE).unwrap_or(pending.len())
                    };
                    let rest = pending.split_off(end);
                    let bytes = std::mem::replace(pending, rest);
                    String::from_utf8(bytes)
                        .map_err(|error| malformed(shown, format!("not UTF-8 text: {error}")))?
                }
            };
            if text.is_empty() {
                if self.objects.is_none() {
                    return Ok(None);
                }
                self.current = None;
                continue;
            }
            let first_line = self.lines + 1;
            self.lines += text.lines().count() as u64;
            return Ok(Some(SourceBatch::Lines { text, first_line }));
        }
    }
}

/// How many line ends the bytes hold.
fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|byte| **byte == b'\n').count()
}

/// The first character that is not white space.
fn first_char(bytes: &[u8]) -> Option<u8> {
    bytes
        .iter()
        .copied()
        .find(|byte| !byte.is_ascii_whitespace())
}

/// The index just past the `n`-th line end.
fn nth_line_end(bytes: &[u8], n: usize) -> Option<usize> {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'\n')
        .nth(n.saturating_sub(1))
        .map(|(index, _)| index + 1)
}

fn malformed(location: &str, reason: String) -> SourceError {
    SourceError::Malformed {
        location: location.to_owned(),
        reason,
    }
}

/// The items of a JSON array, each an object.
fn objects(location: &str, items: Vec<Value>) -> Result<Vec<JsonObject>, SourceError> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::Object(record) => Ok(record),
            other => Err(malformed(
                &format!("{location}: item {}", index + 1),
                format!("not an object but {}", ward_flow::record::kind(&other)),
            )),
        })
        .collect()
}
