//! [`LakeWriter`]: one run's files, written under temporary names and published together.

use crate::encode::{Encoded, Encoder, extension};
use crate::target::Target;
use crate::{LakeError, S3Options};
use bytes::Bytes;
use object_store::ObjectStore;
use object_store::PutPayload;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use ward_flow::{Aggregation, Destination, FileFormat, FlatBatch, OutputSchema, Record};

/// Where one run writes: the flow, the execution and when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLayout {
    /// The flow's name (the first folder).
    pub flow: String,
    /// The run's execution ID.
    pub execution_id: String,
    /// The flow's schema version (AppFlow's `SCHEMA_VERSION` folder).
    pub schema_version: u32,
    /// When the run started, epoch milliseconds (the date folders and file name prefix).
    pub started_at_ms: i64,
}

/// What a committed run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// The published files (`s3://bucket/key` or local paths), in order.
    pub files: Vec<String>,
    /// Bytes in those files.
    pub bytes: u64,
    /// Records in those files.
    pub records: u64,
}

/// The part of a file being written.
struct OpenFile {
    encoder: Encoder,
    upload: BufWriter,
    temporary: Path,
    published: Path,
    bytes: u64,
    records: u64,
}

/// Writes one run's record batches to its destination.
///
/// Every file goes first to `_tmp/{execution id}/…` under the destination; [`commit`](Self::commit)
/// moves them all to their final names once the run has succeeded, and [`abort`](Self::abort)
/// removes them, so no reader ever sees a partial file or a partial run under the final names.
pub struct LakeWriter {
    target: Target,
    format: FileFormat,
    typed: bool,
    aggregation: Aggregation,
    target_bytes: Option<u64>,
    schema: OutputSchema,
    folder: String,
    file_prefix: String,
    temporary_root: String,
    current: Option<OpenFile>,
    /// (temporary, final, bytes) of closed files.
    closed: Vec<(Path, Path, u64)>,
    records: u64,
}

impl std::fmt::Debug for LakeWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LakeWriter")
            .field("destination", &self.target.base)
            .field("folder", &self.folder)
            .field("format", &self.format)
            .field("files", &self.closed.len())
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

/// How much of a file is buffered before a part is uploaded (S3's multipart minimum is 5 MiB).
const UPLOAD_CAPACITY: usize = 8 * 1024 * 1024;

impl LakeWriter {
    /// Opens the destination and checks it can be written (a small probe object is written and
    /// removed), so an unusable destination fails before any record moves.
    pub async fn open(
        destination: &Destination,
        layout: &RunLayout,
        schema: OutputSchema,
        s3: &S3Options,
    ) -> Result<Self, LakeError> {
        let target = Target::open(destination, s3)?;
        let temporary_root = format!("_tmp/{}", layout.execution_id);
        let probe = target.path(&format!("{temporary_root}/.probe"));
        let refuse = |error: object_store::Error| LakeError::Destination {
            destination: destination.path.clone(),
            reason: format!("cannot write there: {}", cause(&error)),
        };
        target
            .store
            .put(&probe, PutPayload::from_static(b"ward"))
            .await
            .map_err(refuse)?;
        target.store.delete(&probe).await.map_err(refuse)?;
        Ok(Self {
            format: destination.format,
            typed: destination.preserve_source_data_typing,
            aggregation: destination.aggregation,
            target_bytes: match destination.aggregation {
                Aggregation::SingleFile => destination
                    .target_file_size_mb
                    .map(|mb| mb.max(1) * 1024 * 1024),
                Aggregation::None => None,
            },
            schema,
            folder: destination.run_folder(
                &layout.flow,
                &layout.execution_id,
                layout.schema_version,
                layout.started_at_ms,
            ),
            file_prefix: destination.file_name_prefix(layout.started_at_ms),
            temporary_root,
            target,
            current: None,
            closed: Vec::new(),
            records: 0,
        })
    }

    /// The run's folder under the destination (`flow/execution-id/…`).
    pub fn folder(&self) -> &str {
        &self.folder
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Writes a batch of output records: into the open file, or a new one. With aggregation
    /// `none` every batch is a file; with `single-file` the file grows until it reaches the
    /// target size (when one is set).
    pub async fn write(&mut self, batch: &[Record]) -> Result<(), LakeError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.write_with(batch, batch.len(), |encoder| encoder.try_encode(batch))
            .await
    }

    /// Like [`LakeWriter::write`], for flat rows
    /// ([`ward_flow::FlowPlan::apply_json_lines_flat`]); a Parquet destination takes them
    /// without building records.
    pub async fn write_flat(&mut self, batch: &FlatBatch) -> Result<(), LakeError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.write_with(&[], batch.len(), |encoder| encoder.try_encode_flat(batch))
            .await
    }

    /// Writes `count` records that `encode` encodes; `first` decides a new file's columns.
    async fn write_with(
        &mut self,
        first: &[Record],
        count: usize,
        mut encode: impl FnMut(&mut Encoder) -> Result<Encoded, LakeError>,
    ) -> Result<(), LakeError> {
        if self.current.is_none() {
            self.current = Some(self.new_file(first, &[])?);
        }
        let bytes = loop {
            let Some(file) = self.current.as_mut() else {
                return Ok(());
            };
            match encode(&mut file.encoder)? {
                Encoded::Bytes(bytes) => break bytes,
                Encoded::NewColumns(new) => {
                    // A sparse column the open Parquet file lacks: that file ends here (or is
                    // dropped, if nothing is in it yet) and the batch starts the next one,
                    // which holds the same columns and the new ones.
                    let mut carried = file.encoder.column_names();
                    carried.extend(new);
                    if file.records == 0 {
                        if let Some(mut unused) = self.current.take() {
                            let _ = unused.upload.abort().await;
                            let _ = self.target.store.delete(&unused.temporary).await;
                        }
                    } else {
                        self.close_file().await?;
                    }
                    self.current = Some(self.new_file(first, &carried)?);
                }
            }
        };
        let Some(file) = self.current.as_mut() else {
            return Ok(());
        };
        file.records += count as u64;
        file.bytes += bytes.len() as u64;
        let location = self.target.show(&file.temporary);
        file.upload
            .put(Bytes::from(bytes))
            .await
            .map_err(|error| io("write", location, &error))?;
        self.records += count as u64;
        let full = match (self.aggregation, self.target_bytes) {
            (Aggregation::None, _) => true,
            (Aggregation::SingleFile, Some(target)) => file.bytes >= target,
            (Aggregation::SingleFile, None) => false,
        };
        if full {
            self.close_file().await?;
        }
        Ok(())
    }

    fn new_file(&self, first: &[Record], carried: &[String]) -> Result<OpenFile, LakeError> {
        let name = format!(
            "{}part-{:05}.{}",
            self.file_prefix,
            self.closed.len(),
            extension(self.format)
        );
        let relative = format!("{}/{name}", self.folder);
        let temporary = self
            .target
            .path(&format!("{}/{relative}", self.temporary_root));
        let upload = BufWriter::with_capacity(
            Arc::clone(&self.target.store),
            temporary.clone(),
            UPLOAD_CAPACITY,
        );
        Ok(OpenFile {
            encoder: Encoder::with_columns(
                self.format,
                &self.schema,
                self.typed,
                first,
                self.records,
                carried,
            )?,
            upload,
            temporary,
            published: self.target.path(&relative),
            bytes: 0,
            records: 0,
        })
    }

    async fn close_file(&mut self) -> Result<(), LakeError> {
        let Some(mut file) = self.current.take() else {
            return Ok(());
        };
        let location = self.target.show(&file.temporary);
        let result = async {
            let tail = file.encoder.finish()?;
            file.bytes += tail.len() as u64;
            file.upload
                .put(Bytes::from(tail))
                .await
                .map_err(|error| io("write", location.clone(), &error))?;
            file.upload.shutdown().await.map_err(|error| LakeError::Io {
                operation: "write",
                location: location.clone(),
                cause: error.to_string(),
            })
        }
        .await;
        match result {
            Ok(()) => {
                self.closed
                    .push((file.temporary, file.published, file.bytes));
                Ok(())
            }
            Err(error) => {
                let _ = file.upload.abort().await;
                let _ = self.target.store.delete(&file.temporary).await;
                Err(error)
            }
        }
    }

    /// Ends the run: closes the open file and moves every file to its final name.
    pub async fn commit(mut self) -> Result<Written, LakeError> {
        if let Err(error) = self.close_file().await {
            self.abort().await;
            return Err(error);
        }
        let mut written = Written {
            files: Vec::with_capacity(self.closed.len()),
            bytes: 0,
            records: self.records,
        };
        let closed = std::mem::take(&mut self.closed);
        let mut pending = closed.iter();
        for (temporary, published, bytes) in pending.by_ref() {
            if let Err(error) = self.target.store.rename(temporary, published).await {
                let failed = io("publish", self.target.show(published), &error);
                // What was not moved yet is removed; what was moved stays (it is complete).
                let _ = self.target.store.delete(temporary).await;
                for (rest, _, _) in pending {
                    let _ = self.target.store.delete(rest).await;
                }
                self.remove_temporary_folder();
                return Err(failed);
            }
            written.files.push(self.target.show(published));
            written.bytes += bytes;
        }
        self.remove_temporary_folder();
        Ok(written)
    }

    /// Gives up the run: removes every temporary file (nothing was published).
    pub async fn abort(mut self) {
        if let Some(mut file) = self.current.take() {
            let _ = file.upload.abort().await;
            let _ = self.target.store.delete(&file.temporary).await;
        }
        for (temporary, _, _) in std::mem::take(&mut self.closed) {
            if let Err(error) = self.target.store.delete(&temporary).await {
                tracing::warn!(
                    location = %self.target.show(&temporary),
                    error = %cause(&error),
                    "cannot remove a temporary file"
                );
            }
        }
        self.remove_temporary_folder();
    }

    /// A local destination keeps empty folders after its files moved: remove them.
    fn remove_temporary_folder(&self) {
        if let Some(dir) = &self.target.local_dir {
            let temporary = dir.join(&self.temporary_root);
            let _ = std::fs::remove_dir_all(&temporary);
            // `_tmp` itself, unless another run is using it.
            let _ = std::fs::remove_dir(dir.join("_tmp"));
        }
    }
}

fn io(operation: &'static str, location: String, error: &object_store::Error) -> LakeError {
    LakeError::Io {
        operation,
        location,
        cause: cause(error),
    }
}

/// An object store error with its sources (the SDK-level cause is usually in a source).
fn cause(error: &object_store::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}
