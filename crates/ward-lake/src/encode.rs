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
use ward_flow::{ColumnType, FileFormat, OutputSchema, Record, flatten};

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
        columns: Vec<(String, ColumnType)>,
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
    /// discovered from it); `typed` is the destination's `preserve_source_data_typing` (Parquet
    /// only). `written` is the count of records the run wrote before this file.
    pub fn new(
        format: FileFormat,
        schema: &OutputSchema,
        typed: bool,
        first: &[Record],
        written: u64,
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
                let columns = columns(schema, typed, first);
                let fields: Vec<Field> = columns
                    .iter()
                    .map(|(name, column_type)| Field::new(name, data_type(*column_type), true))
                    .collect();
                let schema = Arc::new(Schema::new(fields));
                let properties = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .build();
                let writer =
                    ArrowWriter::try_new(buffer.clone(), Arc::clone(&schema), Some(properties))
                        .map_err(parquet_error)?;
                Kind::Parquet {
                    writer: Box::new(writer),
                    schema,
                    columns,
                }
            }
        };
        Ok(Self {
            buffer,
            kind,
            written,
        })
    }

    /// Encodes a batch; returns the bytes ready to go out.
    pub fn encode(&mut self, batch: &[Record]) -> Result<Vec<u8>, LakeError> {
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
                columns,
            } => {
                let flat: Vec<Record> = batch.iter().map(flatten).collect();
                // Each record's fields go to their columns in one pass: a schema has hundreds of
                // columns and a record holds a few dozen of them.
                let index: HashMap<&str, usize> = columns
                    .iter()
                    .enumerate()
                    .map(|(at, (name, _))| (name.as_str(), at))
                    .collect();
                let mut cells: Vec<Vec<Option<&Value>>> =
                    vec![vec![None; flat.len()]; columns.len()];
                for (row, record) in flat.iter().enumerate() {
                    for (key, value) in record {
                        if let (Some(&at), false) = (index.get(key.as_str()), value.is_null()) {
                            cells[at][row] = Some(value);
                        }
                    }
                }
                let arrays = columns
                    .iter()
                    .zip(&cells)
                    .map(|((name, column_type), values)| {
                        column(name, *column_type, values, self.written)
                    })
                    .collect::<Result<Vec<ArrayRef>, LakeError>>()?;
                let batch = RecordBatch::try_new(Arc::clone(schema), arrays).map_err(|error| {
                    LakeError::Encode {
                        format: "parquet",
                        cause: error.to_string(),
                    }
                })?;
                writer.write(&batch).map_err(parquet_error)?;
                // One row group per batch: its bytes leave memory now.
                writer.flush().map_err(parquet_error)?;
            }
        }
        self.written += batch.len() as u64;
        Ok(self.buffer.take())
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

/// One column's array from its cells (`None`: absent or null).
fn column(
    name: &str,
    column_type: ColumnType,
    cells: &[Option<&Value>],
    written: u64,
) -> Result<ArrayRef, LakeError> {
    let values = cells.iter().copied();
    let misfit = |index: usize, value: &Value, expected: &'static str| LakeError::Value {
        position: written + index as u64 + 1,
        column: name.to_owned(),
        value: value.to_string(),
        expected,
    };
    Ok(match column_type {
        ColumnType::String => {
            let mut builder = StringBuilder::with_capacity(cells.len(), cells.len() * 16);
            for value in values {
                match value {
                    None => builder.append_null(),
                    Some(Value::String(text)) => builder.append_value(text),
                    Some(other) => builder.append_value(other.to_string()),
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
                        integer(value).ok_or_else(|| misfit(index, value, "an integer"))?,
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
                        double(value).ok_or_else(|| misfit(index, value, "a double"))?,
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
                        boolean(value).ok_or_else(|| misfit(index, value, "a boolean"))?,
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
                        ward_flow::time::timestamp_millis(value)
                            .ok_or_else(|| misfit(index, value, "a timestamp"))?,
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
                },
                Column {
                    name: "computerStatus_agentStatus".into(),
                    column_type: ColumnType::String,
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
