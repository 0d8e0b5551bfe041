//! Encoders: records in, bytes out, one batch at a time. Each encoder writes into a shared
//! buffer that the writer drains after every batch, so a file is streamed rather than held.

use crate::LakeError;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use ward_flow::record::FLATTEN_SEPARATOR;
use ward_flow::{
    ColumnType, FileFormat, FlatBatch, FlatRow, FlatValue, OutputSchema, Record, flatten,
};

/// A `Write` whose bytes another handle takes out ([`SharedBuffer::take`]).
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// The bytes written since the last call.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The file name extension of a format.
pub fn extension(format: FileFormat) -> &'static str {
    match format {
        FileFormat::Jsonl => "jsonl",
        FileFormat::Csv => "csv",
        FileFormat::Parquet => "parquet",
    }
}

/// The columns of a tabular file: the schema's, then (for an open schema) the keys of the first
/// batch's flattened records that the schema does not list, as text. Without typing, every
/// column is text.
pub fn columns(schema: &OutputSchema, typed: bool, first: &[Record]) -> Vec<(String, ColumnType)> {
    let mut columns: Vec<(String, ColumnType)> = schema
        .columns
        .iter()
        .map(|column| {
            let column_type = if typed {
                column.column_type
            } else {
                ColumnType::String
            };
            (column.name.clone(), column_type)
        })
        .collect();
    if schema.open {
        for record in first {
            for key in flatten(record).keys() {
                if !columns.iter().any(|(name, _)| name == key) {
                    columns.push((key.clone(), ColumnType::String));
                }
            }
        }
    }
    columns
}

/// What [`Encoder::try_encode`] did with a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoded {
    /// The batch is encoded: the bytes ready to go out.
    Bytes(Vec<u8>),
    /// Nothing was encoded: the batch has values in these sparse columns, which the file lacks.
    NewColumns(Vec<String>),
}

/// The Parquet writer's settings, as DuckDB's defaults are: Snappy, dictionary encoding.
pub fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build()
}

/// The Parquet settings, for benchmarks' reports.
pub fn settings() -> String {
    let properties = properties();
    format!(
        "compression {:?}, dictionary {}, one row group per batch, writer {}",
        properties.compression(&parquet::schema::types::ColumnPath::from("")),
        properties.dictionary_enabled(&parquet::schema::types::ColumnPath::from("")),
        properties.writer_version().as_num(),
    )
}

/// The columns of one Parquet file and how records' fields reach them.
///
/// The candidates are the schema's columns (with their types, or all text), then for an open
/// schema the first batch's other flattened keys. The file holds the non-sparse candidates, the
/// sparse ones with a value in its first batch, and those it was asked to carry.
struct ParquetLayout {
    /// (flattened name, type) of every candidate.
    candidates: Vec<(String, ColumnType)>,
    /// Flattened name → candidate.
    names: HashMap<String, usize>,
    /// Candidate → column of the file.
    in_file: Vec<Option<usize>>,
    /// Column of the file → candidate.
    columns: Vec<usize>,
    /// The key paths seen so far, each with its candidate.
    paths: PathNode,
}

impl ParquetLayout {
    fn new(schema: &OutputSchema, typed: bool, first: &[Record], carried: &[String]) -> Self {
        let mut candidates: Vec<(String, ColumnType)> = Vec::with_capacity(schema.columns.len());
        let mut names: HashMap<String, usize> = HashMap::with_capacity(schema.columns.len());
        let mut wanted: Vec<bool> = Vec::with_capacity(schema.columns.len());
        for column in &schema.columns {
            if names.contains_key(&column.name) {
                continue;
            }
            let column_type = if typed {
                column.column_type
            } else {
                ColumnType::String
            };
            names.insert(column.name.clone(), candidates.len());
            candidates.push((column.name.clone(), column_type));
            wanted.push(!column.sparse || carried.contains(&column.name));
        }
        if schema.open {
            for record in first {
                for (key, _) in flatten(record) {
                    if !names.contains_key(&key) {
                        names.insert(key.clone(), candidates.len());
                        candidates.push((key, ColumnType::String));
                        wanted.push(true);
                    }
                }
            }
        }
        let mut paths = PathNode::default();
        let mut prefix = String::new();
        for record in first {
            paths.walk(record, &mut prefix, &names, &mut |candidate, value| {
                if !value.is_null() {
                    wanted[candidate] = true;
                }
            });
        }
        let columns: Vec<usize> = (0..candidates.len()).filter(|&at| wanted[at]).collect();
        let mut in_file = vec![None; candidates.len()];
        for (column, &candidate) in columns.iter().enumerate() {
            in_file[candidate] = Some(column);
        }
        Self {
            candidates,
            names,
            in_file,
            columns,
            paths,
        }
    }
}

/// The most keys one object of the [`PathNode`] tree remembers.
const MAX_CHILDREN: usize = 1024;

/// A tree of the object keys met in records, each node with the candidate column its flattened
/// path names (if any). Records of one source share their shape, so after the first few a field
/// finds its column by comparing its key with the key met at that place last time, instead of
/// joining and hashing its flattened name.
#[derive(Default)]
struct PathNode {
    candidate: Option<usize>,
    children: Vec<(Box<str>, PathNode)>,
}

impl PathNode {
    /// Calls `visit(candidate, value)` for every non-object value of `object` whose flattened
    /// path is a candidate, in the order [`flatten`] meets them.
    fn walk<'v>(
        &mut self,
        object: &'v Record,
        prefix: &mut String,
        names: &HashMap<String, usize>,
        visit: &mut impl FnMut(usize, &'v Value),
    ) {
        let mut hint = 0;
        for (key, value) in object {
            let length = prefix.len();
            if length > 0 {
                prefix.push(FLATTEN_SEPARATOR);
            }
            prefix.push_str(key);
            let found = match self.children.get(hint) {
                Some((known, _)) if **known == **key => Some(hint),
                _ => self.children.iter().position(|(known, _)| **known == **key),
            };
            let at = match found {
                Some(at) => Some(at),
                // A source whose keys are data (ids as keys) would grow the tree without end:
                // past a bound, new keys are looked up by name every time.
                None if self.children.len() < MAX_CHILDREN => {
                    let child = PathNode {
                        candidate: names.get(prefix.as_str()).copied(),
                        children: Vec::new(),
                    };
                    self.children.push((key.as_str().into(), child));
                    Some(self.children.len() - 1)
                }
                None => None,
            };
            match (at, value) {
                (Some(at), Value::Object(inner)) => {
                    hint = at + 1;
                    self.children[at].1.walk(inner, prefix, names, visit);
                }
                (Some(at), other) => {
                    hint = at + 1;
                    if let Some(candidate) = self.children[at].1.candidate {
                        visit(candidate, other);
                    }
                }
                (None, Value::Object(inner)) => {
                    PathNode::default().walk(inner, prefix, names, visit);
                }
                (None, other) => {
                    if let Some(&candidate) = names.get(prefix.as_str()) {
                        visit(candidate, other);
                    }
                }
            }
            prefix.truncate(length);
        }
    }
}

/// A value on its way to a column.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Json(&'a Value),
    Flat(&'a FlatValue),
}

impl Cell<'_> {
    fn is_null(self) -> bool {
        matches!(self, Self::Json(Value::Null) | Self::Flat(FlatValue::Null))
    }

    /// The value as JSON (text of the batch given by `text`).
    fn value<'v>(self, text: &'v str) -> std::borrow::Cow<'v, Value>
    where
        Self: 'v,
    {
        use std::borrow::Cow;
        match self {
            Self::Json(value) => Cow::Borrowed(value),
            Self::Flat(FlatValue::Null) => Cow::Owned(Value::Null),
            Self::Flat(FlatValue::Bool(flag)) => Cow::Owned(Value::Bool(*flag)),
            Self::Flat(FlatValue::Number(number)) => Cow::Owned(Value::Number(number.clone())),
            Self::Flat(FlatValue::Text(start, end)) => Cow::Owned(Value::String(
                text.get(*start..*end).unwrap_or_default().to_owned(),
            )),
            Self::Flat(FlatValue::Owned(owned)) => Cow::Owned(Value::String(owned.clone())),
        }
    }
}

/// One batch's cells, column-major (`cells[column * rows + row]`); a null claims its cell too
/// (of two keys flattening to one name, the first wins, as in [`flatten`]).
struct Cells<'a> {
    cells: Vec<Option<Cell<'a>>>,
    rows: usize,
    /// Candidates with a value that are not in the file.
    missing: Vec<usize>,
}

impl<'a> Cells<'a> {
    fn new(width: usize, rows: usize) -> Self {
        Self {
            cells: vec![None; width * rows],
            rows,
            missing: Vec::new(),
        }
    }

    fn put(&mut self, layout: &ParquetLayout, row: usize, candidate: usize, value: Cell<'a>) {
        match layout.in_file[candidate] {
            Some(column) => {
                let cell = &mut self.cells[column * self.rows + row];
                if cell.is_none() {
                    *cell = Some(value);
                }
            }
            None => {
                if !value.is_null() && !self.missing.contains(&candidate) {
                    self.missing.push(candidate);
                }
            }
        }
    }

    fn record(
        &mut self,
        layout: &mut ParquetLayout,
        row: usize,
        record: &'a Record,
        prefix: &mut String,
    ) {
        let ParquetLayout {
            paths,
            names,
            in_file,
            ..
        } = layout;
        let rows = self.rows;
        let (cells, missing) = (&mut self.cells, &mut self.missing);
        paths.walk(
            record,
            prefix,
            names,
            &mut |candidate, value| match in_file[candidate] {
                Some(column) => {
                    let cell = &mut cells[column * rows + row];
                    if cell.is_none() {
                        *cell = Some(Cell::Json(value));
                    }
                }
                None => {
                    if !value.is_null() && !missing.contains(&candidate) {
                        missing.push(candidate);
                    }
                }
            },
        );
    }

    /// The names of the sparse columns with values that the file lacks, if any.
    fn missing(&mut self, layout: &ParquetLayout) -> Option<Vec<String>> {
        if self.missing.is_empty() {
            return None;
        }
        self.missing.sort_unstable();
        Some(
            self.missing
                .iter()
                .map(|&at| layout.candidates[at].0.clone())
                .collect(),
        )
    }
}

/// Builds the batch's arrays from `cells` and writes them as one row group.
fn write_row_group(
    writer: &mut ArrowWriter<SharedBuffer>,
    schema: &SchemaRef,
    layout: &ParquetLayout,
    cells: &Cells<'_>,
    text: &str,
    written: u64,
) -> Result<(), LakeError> {
    let arrays = layout
        .columns
        .iter()
        .zip(cells.cells.chunks(cells.rows.max(1)))
        .map(|(&at, values)| {
            let (name, column_type) = &layout.candidates[at];
            column(name, *column_type, values, text, written)
        })
        .collect::<Result<Vec<ArrayRef>, LakeError>>()?;
    let batch =
        RecordBatch::try_new(Arc::clone(schema), arrays).map_err(|error| LakeError::Encode {
            format: "parquet",
            cause: error.to_string(),
        })?;
    writer.write(&batch).map_err(parquet_error)?;
    // One row group per batch: its bytes leave memory now.
    writer.flush().map_err(parquet_error)
}

/// One file's encoder.
#[derive(Debug)]
pub struct Encoder {
    buffer: SharedBuffer,
    kind: Kind,
    /// Records encoded before the current batch, for error positions.
    written: u64,
}

enum Kind {
    Jsonl,
    Csv {
        writer: Box<csv::Writer<SharedBuffer>>,
        columns: Vec<String>,
    },
    Parquet {
        writer: Box<ArrowWriter<SharedBuffer>>,
        schema: SchemaRef,
        layout: Box<ParquetLayout>,
    },
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Jsonl => "Jsonl",
            Self::Csv { .. } => "Csv",
            Self::Parquet { .. } => "Parquet",
        })
    }
}

impl Encoder {
    /// An encoder for a new file. `first` is the file's first batch (an open schema's columns are
    /// discovered from it, and so are the sparse columns the file holds); `typed` is the
    /// destination's `preserve_source_data_typing` (Parquet only). `written` is the count of
    /// records the run wrote before this file.
    pub fn new(
        format: FileFormat,
        schema: &OutputSchema,
        typed: bool,
        first: &[Record],
        written: u64,
    ) -> Result<Self, LakeError> {
        Self::with_columns(format, schema, typed, first, written, &[])
    }

    /// Like [`Encoder::new`], with the Parquet file holding at least the columns named in
    /// `carried` (those of the file before it, when a batch brought a sparse column that file
    /// did not have).
    pub fn with_columns(
        format: FileFormat,
        schema: &OutputSchema,
        typed: bool,
        first: &[Record],
        written: u64,
        carried: &[String],
    ) -> Result<Self, LakeError> {
        let buffer = SharedBuffer::default();
        let kind = match format {
            FileFormat::Jsonl => Kind::Jsonl,
            FileFormat::Csv => {
                let columns: Vec<String> = columns(schema, false, first)
                    .into_iter()
                    .map(|(name, _)| name)
                    .collect();
                let mut writer = csv::Writer::from_writer(buffer.clone());
                writer.write_record(&columns).map_err(csv_error)?;
                Kind::Csv {
                    writer: Box::new(writer),
                    columns,
                }
            }
            FileFormat::Parquet => {
                let layout = ParquetLayout::new(schema, typed, first, carried);
                let fields: Vec<Field> = layout
                    .columns
                    .iter()
                    .map(|&at| {
                        let (name, column_type) = &layout.candidates[at];
                        Field::new(name, data_type(*column_type), true)
                    })
                    .collect();
                let schema = Arc::new(Schema::new(fields));
                let writer =
                    ArrowWriter::try_new(buffer.clone(), Arc::clone(&schema), Some(properties()))
                        .map_err(parquet_error)?;
                Kind::Parquet {
                    writer: Box::new(writer),
                    schema,
                    layout: Box::new(layout),
                }
            }
        };
        Ok(Self {
            buffer,
            kind,
            written,
        })
    }

    /// The columns of the file (Parquet and CSV; none for JSON lines), in order.
    pub fn column_names(&self) -> Vec<String> {
        match &self.kind {
            Kind::Jsonl => Vec::new(),
            Kind::Csv { columns, .. } => columns.clone(),
            Kind::Parquet { layout, .. } => layout
                .columns
                .iter()
                .map(|&at| layout.candidates[at].0.clone())
                .collect(),
        }
    }

    /// Encodes a batch; returns the bytes ready to go out. A batch with a value in a sparse
    /// column this Parquet file lacks is refused (see [`Encoder::try_encode`]).
    pub fn encode(&mut self, batch: &[Record]) -> Result<Vec<u8>, LakeError> {
        match self.try_encode(batch)? {
            Encoded::Bytes(bytes) => Ok(bytes),
            Encoded::NewColumns(columns) => Err(LakeError::Encode {
                format: "parquet",
                cause: format!("the file has no column {}", columns.join(", ")),
            }),
        }
    }

    /// Encodes a batch, or (Parquet) names the sparse columns the batch has values for that
    /// the file lacks, having encoded nothing: the batch then goes to a new file holding them.
    pub fn try_encode(&mut self, batch: &[Record]) -> Result<Encoded, LakeError> {
        match &mut self.kind {
            Kind::Jsonl => {
                let mut out = self.buffer.clone();
                for record in batch {
                    serde_json::to_writer(&mut out, record).map_err(|error| LakeError::Encode {
                        format: "jsonl",
                        cause: error.to_string(),
                    })?;
                    out.write_all(b"\n").map_err(|error| LakeError::Encode {
                        format: "jsonl",
                        cause: error.to_string(),
                    })?;
                }
            }
            Kind::Csv { writer, columns } => {
                let mut row: Vec<String> = Vec::with_capacity(columns.len());
                for record in batch {
                    let flat = flatten(record);
                    row.clear();
                    row.extend(columns.iter().map(|column| match flat.get(column) {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(text)) => text.clone(),
                        Some(other) => other.to_string(),
                    }));
                    writer.write_record(&row).map_err(csv_error)?;
                }
                writer.flush().map_err(|error| LakeError::Encode {
                    format: "csv",
                    cause: error.to_string(),
                })?;
            }
            Kind::Parquet {
                writer,
                schema,
                layout,
            } => {
                let rows = batch.len();
                if rows == 0 {
                    return Ok(Encoded::Bytes(Vec::new()));
                }
                let mut cells = Cells::new(layout.columns.len(), rows);
                let mut prefix = String::new();
                for (row, record) in batch.iter().enumerate() {
                    cells.record(layout, row, record, &mut prefix);
                }
                if let Some(new) = cells.missing(layout) {
                    return Ok(Encoded::NewColumns(new));
                }
                write_row_group(writer, schema, layout, &cells, "", self.written)?;
            }
        }
        self.written += batch.len() as u64;
        Ok(Encoded::Bytes(self.buffer.take()))
    }

    /// Encodes a batch of flat rows ([`ward_flow::FlowPlan::apply_json_lines_flat`]), or names
    /// the sparse columns it has values for that the file lacks, as
    /// [`Encoder::try_encode`]. Flat rows are for Parquet: a JSON-lines or CSV file takes only
    /// their whole records.
    pub fn try_encode_flat(&mut self, batch: &FlatBatch) -> Result<Encoded, LakeError> {
        let Kind::Parquet {
            writer,
            schema,
            layout,
        } = &mut self.kind
        else {
            let mut records = Vec::with_capacity(batch.rows.len());
            for row in &batch.rows {
                match row {
                    FlatRow::Record(record) => records.push(record.clone()),
                    FlatRow::Flat { .. } => {
                        return Err(LakeError::Encode {
                            format: "csv",
                            cause: "flat rows are for Parquet files".to_owned(),
                        });
                    }
                }
            }
            return self.try_encode(&records);
        };
        let rows = batch.rows.len();
        if rows == 0 {
            return Ok(Encoded::Bytes(Vec::new()));
        }
        let leaves: Vec<Option<usize>> = batch
            .names
            .iter()
            .map(|name| layout.names.get(name).copied())
            .collect();
        let mut cells = Cells::new(layout.columns.len(), rows);
        let mut prefix = String::new();
        for (row, flat) in batch.rows.iter().enumerate() {
            match flat {
                FlatRow::Record(record) => cells.record(layout, row, record, &mut prefix),
                FlatRow::Flat {
                    leaves: values,
                    written,
                } => {
                    for (leaf, value) in values {
                        if let Some(Some(candidate)) = leaves.get(*leaf as usize) {
                            cells.put(layout, row, *candidate, Cell::Flat(value));
                        }
                    }
                    for (name, value) in written {
                        if let Some(&candidate) = layout.names.get(name) {
                            cells.put(layout, row, candidate, Cell::Json(value));
                        }
                    }
                }
            }
        }
        if let Some(new) = cells.missing(layout) {
            return Ok(Encoded::NewColumns(new));
        }
        write_row_group(writer, schema, layout, &cells, &batch.text, self.written)?;
        self.written += rows as u64;
        Ok(Encoded::Bytes(self.buffer.take()))
    }

    /// Ends the file; returns its last bytes (Parquet's footer).
    pub fn finish(self) -> Result<Vec<u8>, LakeError> {
        match self.kind {
            Kind::Jsonl => {}
            Kind::Csv { mut writer, .. } => {
                writer.flush().map_err(|error| LakeError::Encode {
                    format: "csv",
                    cause: error.to_string(),
                })?;
            }
            Kind::Parquet { writer, .. } => {
                writer.close().map_err(parquet_error)?;
            }
        }
        Ok(self.buffer.take())
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(csv_error)`
fn csv_error(error: csv::Error) -> LakeError {
    LakeError::Encode {
        format: "csv",
        cause: error.to_string(),
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(parquet_error)`
fn parquet_error(error: parquet::errors::ParquetError) -> LakeError {
    LakeError::Encode {
        format: "parquet",
        cause: error.to_string(),
    }
}

/// The Arrow type of a column.
pub fn data_type(column_type: ColumnType) -> DataType {
    match column_type {
        ColumnType::String => DataType::Utf8,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Double => DataType::Float64,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
    }
}

/// One column's array from its cells (`None`: absent); `text` is the flat batch's text.
fn column(
    name: &str,
    column_type: ColumnType,
    cells: &[Option<Cell<'_>>],
    text: &str,
    written: u64,
) -> Result<ArrayRef, LakeError> {
    let misfit = |index: usize, value: &Value, expected: &'static str| LakeError::Value {
        position: written + index as u64 + 1,
        column: name.to_owned(),
        value: value.to_string(),
        expected,
    };
    // Typed columns take each value as JSON (`None` for null).
    let values = cells.iter().map(|cell| {
        cell.filter(|cell| !cell.is_null())
            .map(|cell| cell.value(text))
    });
    Ok(match column_type {
        ColumnType::String => {
            let mut builder = StringBuilder::with_capacity(cells.len(), cells.len() * 16);
            for cell in cells {
                match cell {
                    None | Some(Cell::Json(Value::Null) | Cell::Flat(FlatValue::Null)) => {
                        builder.append_null();
                    }
                    Some(Cell::Json(Value::String(value))) => builder.append_value(value),
                    Some(Cell::Json(other)) => builder.append_value(other.to_string()),
                    Some(Cell::Flat(FlatValue::Text(start, end))) => {
                        builder.append_value(text.get(*start..*end).unwrap_or_default());
                    }
                    Some(Cell::Flat(FlatValue::Owned(value))) => builder.append_value(value),
                    Some(Cell::Flat(FlatValue::Bool(flag))) => {
                        builder.append_value(if *flag { "true" } else { "false" });
                    }
                    Some(Cell::Flat(FlatValue::Number(number))) => {
                        builder.append_value(number.to_string());
                    }
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::Integer => {
            let mut builder = Int64Builder::with_capacity(cells.len());
            for (index, value) in values.enumerate() {
                match value {
                    None => builder.append_null(),
                    Some(value) => builder.append_value(
                        integer(&value).ok_or_else(|| misfit(index, &value, "an integer"))?,
                    ),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::Double => {
            let mut builder = Float64Builder::with_capacity(cells.len());
            for (index, value) in values.enumerate() {
                match value {
                    None => builder.append_null(),
                    Some(value) => builder.append_value(
                        double(&value).ok_or_else(|| misfit(index, &value, "a double"))?,
                    ),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::Boolean => {
            let mut builder = BooleanBuilder::with_capacity(cells.len());
            for (index, value) in values.enumerate() {
                match value {
                    None => builder.append_null(),
                    Some(value) => builder.append_value(
                        boolean(&value).ok_or_else(|| misfit(index, &value, "a boolean"))?,
                    ),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::Timestamp => {
            let mut builder =
                TimestampMillisecondBuilder::with_capacity(cells.len()).with_timezone("UTC");
            for (index, value) in values.enumerate() {
                match value {
                    None => builder.append_null(),
                    Some(value) => builder.append_value(
                        ward_flow::time::timestamp_millis(&value)
                            .ok_or_else(|| misfit(index, &value, "a timestamp"))?,
                    ),
                }
            }
            Arc::new(builder.finish())
        }
    })
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|float| float.fract() == 0.0 && float.abs() < 9.0e15)
                .map(|float| float as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        Value::Bool(flag) => Some(i64::from(*flag)),
        _ => None,
    }
}

fn double(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use ward_flow::Column;

    fn record(value: Value) -> Record {
        match value {
            Value::Object(map) => map,
            _ => Record::new(),
        }
    }

    fn schema() -> OutputSchema {
        OutputSchema {
            columns: vec![
                Column {
                    name: "ID".into(),
                    column_type: ColumnType::Integer,
                    sparse: false,
                },
                Column {
                    name: "computerStatus_agentStatus".into(),
                    column_type: ColumnType::String,
                    sparse: false,
                },
            ],
            open: false,
        }
    }

    #[test]
    fn csv_has_a_header_and_flattened_rows() {
        let batch = vec![record(
            json!({"ID": 1, "computerStatus": {"agentStatus": "active"}, "other": 1}),
        )];
        let mut encoder = Encoder::new(FileFormat::Csv, &schema(), false, &batch, 0).unwrap();
        let mut bytes = encoder.encode(&batch).unwrap();
        bytes.extend(encoder.finish().unwrap());
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "ID,computerStatus_agentStatus\n1,active\n"
        );
    }

    #[test]
    fn typed_parquet_names_a_misfit_value_by_position_and_column() {
        let batch = vec![
            record(json!({"ID": 1})),
            record(json!({"ID": "not a number"})),
        ];
        let mut encoder = Encoder::new(FileFormat::Parquet, &schema(), true, &batch, 10).unwrap();
        let error = encoder.encode(&batch).unwrap_err();
        assert_eq!(
            error.to_string(),
            "output record 12, column `ID`: `\"not a number\"` is not an integer"
        );
    }

    #[test]
    fn open_schemas_add_the_first_batchs_columns() {
        let open = OutputSchema {
            columns: vec![],
            open: true,
        };
        let batch = vec![record(json!({"a": {"b": 1}, "c": [1]}))];
        let names: Vec<String> = columns(&open, true, &batch)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, ["a_b", "c"]);
    }

    #[test]
    fn conversions() {
        assert_eq!(integer(&json!(3.0)), Some(3));
        assert_eq!(integer(&json!("42")), Some(42));
        assert_eq!(integer(&json!(3.5)), None);
        assert_eq!(double(&json!("1.5")), Some(1.5));
        assert_eq!(boolean(&json!("TRUE")), Some(true));
        assert_eq!(boolean(&json!(1)), None);
    }
}
