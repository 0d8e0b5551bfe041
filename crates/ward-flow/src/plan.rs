//! A compiled flow: [`FlowPlan::compile`] checks a definition against its source's schema before
//! any record moves, and [`FlowPlan::apply`] pushes batches of records through the tasks.
//!
//! How the tasks combine, whatever their order in the list:
//!
//! 1. **Gates** — `Filter` comparisons and `Validate` checks — look at the record as read from
//!    the source, in task order; the first that rejects decides (drop, or stop the run). A
//!    `Filter` with `PROJECTION` names the fields the flow reads: every other task must stay
//!    within them, and `Map_all` copies only them.
//! 2. **Producers** — `Map`, `Passthrough`, `Merge`, `Arithmetic`, then `Map_all` — write
//!    destination fields from source values. Only what they write reaches the output (AppFlow:
//!    only mapped fields are written); two producers may not write one field.
//! 3. **Transforms** — `Mask`, `Truncate`, in task order — rewrite their destination field (by
//!    default the source field's name) in the output; when no producer wrote it, they read the
//!    source field and write the result there, so a lone `Mask` also maps.
//!
//! Records are moved, not copied: a source value read by a single task is taken out of the
//! source record; `Map_all` reuses the source record itself as the output.

use crate::definition::{FlowDefinition, TaskDefinition, is_valid_flow_name};
use crate::error::FlowError;
use crate::flat::{FlatBatch, FlatLayout, FlatRow, FlatValue};
use crate::record::{FieldPath, JsonLineError, Keep, Record, parse_kept, parse_line, value_text};
use crate::schema::{ColumnType, FieldType, OutputSchema, SourceSchema};
use crate::tasks::{
    Check, CompareAs, MaskMode, MathOperation, Operand, Operator, PROPERTY_KEYS, TaskType,
    ValidationAction, compare, contains, convert, mask_value, numeric, truncate_value,
};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why [`FlowPlan::apply_json_lines`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum LinesError {
    /// A line is not a JSON object.
    #[error(transparent)]
    Json(#[from] JsonLineError),
    /// The plan stopped the run (a terminate-flow Validate).
    #[error(transparent)]
    Flow(#[from] FlowError),
}

/// Counters of one run, kept across batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Records given to `apply`.
    pub records_read: u64,
    /// Records returned.
    pub records_written: u64,
    /// Records a Filter dropped.
    pub records_filtered: u64,
    /// Records a Validate (drop-record) dropped.
    pub records_invalid: u64,
}

/// A flow checked and ready to process records.
#[derive(Debug, Clone)]
pub struct FlowPlan {
    flow: String,
    source: String,
    /// The field an incremental run's window is over.
    watermark: Option<FieldPath>,
    gates: Vec<Gate>,
    producers: Vec<Producer>,
    map_all: Option<MapAll>,
    transforms: Vec<Transform>,
    projection: Option<Vec<FieldPath>>,
    partition_keys: Vec<String>,
    output: OutputSchema,
    /// What of a source record the gates read (`None` without gates).
    gate_keep: Option<Keep>,
    /// What of a source record the plan needs.
    record_keep: Keep,
    /// For flat reading: the layout, and what of a source record the tasks read or write.
    flat: Option<(FlatLayout, Keep)>,
    stats: RunStats,
}

#[derive(Debug, Clone)]
struct Gate {
    task: usize,
    kind: GateKind,
}

#[derive(Debug, Clone)]
enum GateKind {
    Compare {
        fields: Vec<FieldPath>,
        test: Test,
    },
    Validate {
        fields: Vec<FieldPath>,
        check: Check,
        action: ValidationAction,
    },
}

#[derive(Debug, Clone)]
enum Test {
    Order {
        operator: Operator,
        operand: Operand,
    },
    AnyOf(Vec<Operand>),
    NoneOf(Vec<Operand>),
    Between {
        lower: Operand,
        upper: Operand,
    },
    Contains(String),
}

impl Test {
    fn matches(&self, value: &Value) -> bool {
        if value.is_null() {
            return false;
        }
        match self {
            Self::Order { operator, operand } => {
                let Some(ordering) = compare(value, operand) else {
                    return false;
                };
                match operator {
                    Operator::EqualTo => ordering == Ordering::Equal,
                    Operator::NotEqualTo => ordering != Ordering::Equal,
                    Operator::LessThan => ordering == Ordering::Less,
                    Operator::LessThanOrEqualTo => ordering != Ordering::Greater,
                    Operator::GreaterThan => ordering == Ordering::Greater,
                    Operator::GreaterThanOrEqualTo => ordering != Ordering::Less,
                    _ => false,
                }
            }
            Self::AnyOf(operands) => operands
                .iter()
                .any(|operand| compare(value, operand) == Some(Ordering::Equal)),
            Self::NoneOf(operands) => operands.iter().all(|operand| {
                compare(value, operand).is_some_and(|ordering| ordering != Ordering::Equal)
            }),
            Self::Between { lower, upper } => {
                compare(value, lower).is_some_and(|o| o != Ordering::Less)
                    && compare(value, upper).is_some_and(|o| o != Ordering::Greater)
            }
            Self::Contains(needle) => contains(value, needle),
        }
    }
}

#[derive(Debug, Clone)]
struct Producer {
    destination: FieldPath,
    kind: ProducerKind,
}

#[derive(Debug, Clone)]
enum ProducerKind {
    Map {
        source: FieldPath,
        take: bool,
        convert: Option<FieldType>,
    },
    Merge {
        parts: Vec<Part>,
    },
    Arithmetic {
        operation: MathOperation,
        operands: Vec<FieldPath>,
        integer: bool,
    },
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Field(FieldPath),
}

#[derive(Debug, Clone)]
struct MapAll {
    exclude: Vec<FieldPath>,
    /// `Some`: prune to the schema's fields (INCLUDE_NEW_FIELDS false on a closed schema).
    prune: Option<SourceSchema>,
}

#[derive(Debug, Clone)]
struct Transform {
    source: FieldPath,
    destination: FieldPath,
    take: bool,
    kind: TransformKind,
}

#[derive(Debug, Clone, Copy)]
enum TransformKind {
    Mask(MaskMode, char),
    Truncate(usize),
}

impl TransformKind {
    fn run(self, value: &mut Value) {
        match self {
            Self::Mask(mode, mask) => mask_value(value, mode, mask),
            Self::Truncate(length) => truncate_value(value, length),
        }
    }
}

/// What became of one record: kept (as `T`), or dropped by a Filter or a Validate.
enum Verdict<T = Record> {
    Keep(T),
    Filtered,
    Invalid,
}

/// Counts a batch's verdicts in order and keeps what passed; stops at the first error
/// (counted as read when `was_read` says the error is about a record, not a bad line).
fn tally<T, E>(
    stats: &mut RunStats,
    outcomes: Vec<Result<Verdict<T>, E>>,
    was_read: impl Fn(&E) -> bool,
) -> Result<Vec<T>, E> {
    let mut kept = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let verdict = outcome.inspect_err(|error| {
            if was_read(error) {
                stats.records_read += 1;
            }
        })?;
        stats.records_read += 1;
        match verdict {
            Verdict::Keep(item) => {
                stats.records_written += 1;
                kept.push(item);
            }
            Verdict::Filtered => stats.records_filtered += 1,
            Verdict::Invalid => stats.records_invalid += 1,
        }
    }
    Ok(kept)
}

/// Batches at least this long are processed on all cores.
const PARALLEL_BATCH: usize = 1024;
/// The fewest records one parallel task processes.
const PARALLEL_CHUNK: usize = 256;

/// Compile-time context for one task.
struct TaskContext<'a> {
    flow: &'a str,
    index: usize,
    task: &'a TaskDefinition,
    task_type: TaskType,
    schema: &'a SourceSchema,
}

impl TaskContext<'_> {
    fn field(&self, text: &str) -> Result<(FieldPath, FieldType), FlowError> {
        let path = FieldPath::parse(text.trim()).map_err(|error| FlowError::InvalidField {
            flow: self.flow.to_owned(),
            task: self.index,
            field: text.to_owned(),
            reason: error.to_string(),
        })?;
        let field_type = self
            .schema
            .field_type(&path)
            .ok_or_else(|| FlowError::UnknownField {
                flow: self.flow.to_owned(),
                task: self.index,
                field: text.to_owned(),
                source_name: self.schema.name().to_owned(),
            })?;
        Ok((path, field_type))
    }

    fn destination_path(&self, text: &str) -> Result<FieldPath, FlowError> {
        let invalid = |reason: String| FlowError::InvalidField {
            flow: self.flow.to_owned(),
            task: self.index,
            field: text.to_owned(),
            reason,
        };
        if text.chars().count() > 256 {
            return Err(invalid(
                "a destination field has at most 256 characters".to_owned(),
            ));
        }
        FieldPath::parse(text.trim()).map_err(|error| invalid(error.to_string()))
    }

    fn destination(&self) -> Result<FieldPath, FlowError> {
        match self
            .task
            .destination
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(destination) => self.destination_path(destination),
            None => Err(FlowError::MissingDestination {
                flow: self.flow.to_owned(),
                task: self.index,
            }),
        }
    }

    /// The task's destination field, or `source` when it names none.
    fn destination_or(&self, source: &FieldPath) -> Result<FieldPath, FlowError> {
        match self
            .task
            .destination
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(destination) => self.destination_path(destination),
            None => Ok(source.clone()),
        }
    }

    /// The task's operator: the one it names, or its type's default; one its type allows.
    fn operator(&self) -> Result<Operator, FlowError> {
        let task = self.task;
        let operator = match task.operator.as_deref().filter(|o| !o.trim().is_empty()) {
            Some(text) => {
                Some(
                    Operator::parse(text).ok_or_else(|| FlowError::UnknownOperator {
                        flow: self.flow.to_owned(),
                        task: self.index,
                        operator: text.to_owned(),
                    })?,
                )
            }
            None => self.task_type.default_operator(),
        };
        operator
            .filter(|operator| self.task_type.allows(*operator))
            .ok_or_else(|| FlowError::OperatorNotAllowed {
                flow: self.flow.to_owned(),
                task: self.index,
                task_type: self.task_type.as_str().to_owned(),
                operator: task.operator.clone().unwrap_or_else(|| "none".to_owned()),
            })
    }

    /// Every property the task sets must be one of AppFlow's `taskProperties` keys.
    fn check_properties(&self) -> Result<(), FlowError> {
        match self
            .task
            .properties
            .keys()
            .find(|key| !PROPERTY_KEYS.contains(&key.as_str()))
        {
            Some(key) => Err(FlowError::UnknownProperty {
                flow: self.flow.to_owned(),
                task: self.index,
                property: key.clone(),
            }),
            None => Ok(()),
        }
    }

    fn property(&self, key: &str) -> Option<&str> {
        self.task.properties.get(key).map(String::as_str)
    }

    /// A `true` or `false` property, `false` when absent.
    fn flag(&self, key: &str) -> Result<bool, FlowError> {
        let Some(value) = self.property(key) else {
            return Ok(false);
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.invalid(key, value, "expected true or false")),
        }
    }

    fn required(&self, key: &str) -> Result<&str, FlowError> {
        self.property(key)
            .ok_or_else(|| FlowError::MissingProperty {
                flow: self.flow.to_owned(),
                task: self.index,
                property: key.to_owned(),
            })
    }

    fn invalid(&self, key: &str, value: &str, reason: &str) -> FlowError {
        FlowError::InvalidProperty {
            flow: self.flow.to_owned(),
            task: self.index,
            property: key.to_owned(),
            value: value.to_owned(),
            reason: reason.to_owned(),
        }
    }

    fn length(&self, key: &str) -> Result<usize, FlowError> {
        let value = self.required(key)?;
        value
            .trim()
            .parse::<usize>()
            .map_err(|_| self.invalid(key, value, "expected a whole number ≥ 0"))
    }

    fn count(&self, expected: &'static str, ok: bool) -> Result<(), FlowError> {
        if ok {
            Ok(())
        } else {
            Err(FlowError::SourceFieldCount {
                flow: self.flow.to_owned(),
                task: self.index,
                task_type: self.task_type.as_str().to_owned(),
                expected,
                found: self.task.source_fields.len(),
            })
        }
    }

    fn data_type(&self, key: &str) -> Result<Option<FieldType>, FlowError> {
        match self.property(key) {
            None => Ok(None),
            Some(value) => FieldType::parse(value)
                .map(Some)
                .ok_or_else(|| self.invalid(key, value, "unknown data type")),
        }
    }
}

/// A list property: a JSON array of strings, or comma-separated text.
fn list_property(text: &str) -> Vec<String> {
    if let Ok(items) = serde_json::from_str::<Vec<String>>(text) {
        return items;
    }
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses `CONCAT_FORMAT`: text with `${field}` placeholders naming source fields.
fn concat_parts(format: &str) -> Result<Vec<Result<String, String>>, String> {
    let mut parts = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            parts.push(Ok(rest[..start].to_owned()));
        }
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "a `${` has no closing `}`".to_owned())?;
        parts.push(Err(after[..end].trim().to_owned()));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Ok(rest.to_owned()));
    }
    Ok(parts)
}

impl FlowPlan {
    /// Compiles `definition` against the schema of its source.
    pub fn compile_builtin(definition: &FlowDefinition) -> Result<Self, FlowError> {
        Self::compile(definition, &SourceSchema::of(&definition.source))
    }

    /// Checks every task of `definition` against `schema` and builds the plan.
    pub fn compile(definition: &FlowDefinition, schema: &SourceSchema) -> Result<Self, FlowError> {
        let flow = definition.name.as_str();
        if !is_valid_flow_name(flow) {
            return Err(FlowError::InvalidName {
                flow: flow.to_owned(),
            });
        }
        if definition.source.name() != schema.name() {
            return Err(FlowError::SourceMismatch {
                flow: flow.to_owned(),
                source_name: definition.source.name().to_owned(),
                schema: schema.name().to_owned(),
            });
        }
        let mut builder = Builder::default();
        for (index, task) in definition.tasks.iter().enumerate() {
            let task_type =
                TaskType::parse(&task.task_type).ok_or_else(|| FlowError::UnknownTaskType {
                    flow: flow.to_owned(),
                    task: index,
                    task_type: task.task_type.clone(),
                })?;
            let context = TaskContext {
                flow,
                index,
                task,
                task_type,
                schema,
            };
            let operator = context.operator()?;
            context.check_properties()?;
            builder.task(&context, operator)?;
        }
        builder.finish(definition, schema)
    }

    /// The field an incremental run's window is over (`None`: every run reads everything).
    pub fn watermark(&self) -> Option<&FieldPath> {
        self.watermark.as_ref()
    }

    /// The flow's name.
    pub fn flow(&self) -> &str {
        &self.flow
    }

    /// The source object.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The fields a `PROJECTION` filter names (what to fetch), if the flow has one.
    pub fn projection(&self) -> Option<&[FieldPath]> {
        self.projection.as_deref()
    }

    /// The destination columns that partition the output (`Partition` tasks), in order.
    pub fn partition_keys(&self) -> &[String] {
        &self.partition_keys
    }

    /// The typed output schema (flattened column names).
    pub fn output_schema(&self) -> &OutputSchema {
        &self.output
    }

    /// The counters so far.
    pub fn stats(&self) -> RunStats {
        self.stats
    }

    /// Starts a new run: the counters (and record positions) go back to zero.
    pub fn reset(&mut self) {
        self.stats = RunStats::default();
    }

    /// Processes one batch: returns the output records (only mapped fields) of the records that
    /// pass every Filter and Validate, in order. A terminate-flow Validate failure stops with an
    /// error naming the record's position in the run (counted across batches).
    ///
    /// A large batch is processed on all cores (rayon); the result, the counters and the error
    /// are the same as one record after the other.
    pub fn apply(&mut self, batch: Vec<Record>) -> Result<Vec<Record>, FlowError> {
        let first = self.stats.records_read;
        let outcomes: Vec<Result<Verdict, FlowError>> = if batch.len() >= PARALLEL_BATCH {
            use rayon::prelude::*;
            let plan = &*self;
            batch
                .into_par_iter()
                .enumerate()
                .with_min_len(PARALLEL_CHUNK)
                .map(|(index, record)| plan.process(record, first + index as u64 + 1))
                .collect()
        } else {
            let plan = &*self;
            batch
                .into_iter()
                .enumerate()
                .map(|(index, record)| plan.process(record, first + index as u64 + 1))
                .collect()
        };
        tally(&mut self.stats, outcomes, |_| true)
    }

    /// Like [`FlowPlan::apply`] on JSON-lines text (complete lines; blank ones are skipped):
    /// the same output, counters and errors as parsing every line and applying the plan, but
    /// faster. A record the gates drop is judged on its gate fields alone, never built whole;
    /// a kept record is built without the fields no task needs (those `Map_all` excludes, or
    /// all but the read ones without `Map_all`). Lines are processed on all cores.
    pub fn apply_json_lines(&mut self, text: &str) -> Result<Vec<Record>, LinesError> {
        use rayon::prelude::*;
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .collect();
        let first = self.stats.records_read;
        let plan = &*self;
        let step = |(at, &(index, line)): (usize, &(usize, &str))| -> Result<Verdict, LinesError> {
            let position = first + at as u64 + 1;
            if let Some(keep) = &plan.gate_keep
                && let Ok(gate_fields) = parse_kept(line, keep)
            {
                match plan.judge(&gate_fields, position)? {
                    Verdict::Keep(()) => {}
                    Verdict::Filtered => return Ok(Verdict::Filtered),
                    Verdict::Invalid => return Ok(Verdict::Invalid),
                }
            }
            let record = match parse_kept(line, &plan.record_keep) {
                Ok(record) => record,
                // The message of a plain parse: the same as `parse_json_lines` gives.
                Err(_) => parse_line(index + 1, line)?,
            };
            Ok(plan.process(record, position)?)
        };
        let outcomes: Vec<Result<Verdict, LinesError>> = if lines.len() >= PARALLEL_BATCH {
            lines
                .par_iter()
                .enumerate()
                .with_min_len(PARALLEL_CHUNK)
                .map(step)
                .collect()
        } else {
            lines.iter().enumerate().map(step).collect()
        };
        // A record that stops the run was read (as `apply` counts it); a line that is not a
        // record was not.
        tally(&mut self.stats, outcomes, |error| {
            matches!(error, LinesError::Flow(_))
        })
    }

    /// Like [`FlowPlan::apply_json_lines`], for tabular writers: the output as flat rows
    /// ([`FlatBatch`]). A `Map_all` over a closed schema reads the fields it copies straight
    /// into the rows, without building records; the fields tasks write come from records
    /// holding only what the tasks read. Other plans give whole records
    /// ([`FlatRow::Record`]). Same counters, same errors.
    pub fn apply_json_lines_flat(&mut self, text: String) -> Result<FlatBatch, LinesError> {
        use rayon::prelude::*;
        let Some((layout, keep)) = &self.flat else {
            let rows = self
                .apply_json_lines(&text)?
                .into_iter()
                .map(FlatRow::Record)
                .collect();
            return Ok(FlatBatch {
                text,
                names: Arc::from(Vec::new()),
                rows,
            });
        };
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .collect();
        let first = self.stats.records_read;
        let plan = &*self;
        // `leaves`: a buffer for a line's leaves, reused while lines are dropped.
        let step = |leaves: &mut Vec<(u32, FlatValue)>,
                    (at, &(index, line)): (usize, &(usize, &str))|
         -> Result<Verdict<FlatRow>, LinesError> {
            let position = first + at as u64 + 1;
            let whole = |plan: &FlowPlan| -> Result<Verdict<FlatRow>, LinesError> {
                let record = match parse_kept(line, &plan.record_keep) {
                    Ok(record) => record,
                    Err(_) => parse_line(index + 1, line)?,
                };
                Ok(match plan.process(record, position)? {
                    Verdict::Keep(output) => Verdict::Keep(FlatRow::Record(output)),
                    Verdict::Filtered => Verdict::Filtered,
                    Verdict::Invalid => Verdict::Invalid,
                })
            };
            // One pass reads the leaves and the fields the tasks need.
            let Some(read) = layout.read(&text, line, keep, leaves) else {
                // Not read flat: judged on the fields the tasks need (a line the gates drop
                // is never read whole, as `apply_json_lines` does), then processed whole.
                let Ok(read) = parse_kept(line, keep) else {
                    return whole(plan);
                };
                return match plan.process(read, position)? {
                    Verdict::Keep(_) => whole(plan),
                    Verdict::Filtered => Ok(Verdict::Filtered),
                    Verdict::Invalid => Ok(Verdict::Invalid),
                };
            };
            let output = match plan.process(read, position)? {
                Verdict::Keep(output) => output,
                Verdict::Filtered => return Ok(Verdict::Filtered),
                Verdict::Invalid => return Ok(Verdict::Invalid),
            };
            Ok(Verdict::Keep(FlatRow::Flat {
                leaves: leaves.clone(),
                written: layout.written(&output),
            }))
        };
        let capacity = layout.names.len();
        let outcomes: Vec<Result<Verdict<FlatRow>, LinesError>> = if lines.len() >= PARALLEL_BATCH {
            lines
                .par_iter()
                .enumerate()
                .with_min_len(PARALLEL_CHUNK)
                .map_init(|| Vec::with_capacity(capacity), step)
                .collect()
        } else {
            let mut leaves = Vec::with_capacity(capacity);
            lines
                .iter()
                .enumerate()
                .map(|item| step(&mut leaves, item))
                .collect()
        };
        let rows = tally(&mut self.stats, outcomes, |error| {
            matches!(error, LinesError::Flow(_))
        })?;
        drop(lines);
        Ok(FlatBatch {
            text,
            names: Arc::clone(&layout.names),
            rows,
        })
    }

    /// True when [`FlowPlan::apply_json_lines_flat`] reads records flat (a `Map_all` over a
    /// closed schema whose fields flatten to distinct names).
    pub fn reads_flat(&self) -> bool {
        self.flat.is_some()
    }

    /// Processes one record; `Ok(None)` when it is dropped.
    pub fn apply_one(&mut self, record: Record) -> Result<Option<Record>, FlowError> {
        let position = self.stats.records_read + 1;
        let outcome = self.process(record, position);
        self.stats.records_read += 1;
        Ok(match outcome? {
            Verdict::Keep(record) => {
                self.stats.records_written += 1;
                Some(record)
            }
            Verdict::Filtered => {
                self.stats.records_filtered += 1;
                None
            }
            Verdict::Invalid => {
                self.stats.records_invalid += 1;
                None
            }
        })
    }

    /// Processes the record at `position` (1-based, in the run); counts nothing.
    fn process(&self, mut record: Record, position: u64) -> Result<Verdict, FlowError> {
        match self.judge(&record, position)? {
            Verdict::Keep(()) => {}
            Verdict::Filtered => return Ok(Verdict::Filtered),
            Verdict::Invalid => return Ok(Verdict::Invalid),
        }
        let mut output = match &self.map_all {
            None => {
                let mut output = Record::new();
                for producer in &self.producers {
                    if let Some(value) = producer.produce(&mut record) {
                        producer.destination.set(&mut output, value);
                    }
                }
                output
            }
            Some(map_all) => {
                let produced: Vec<(&FieldPath, Value)> = self
                    .producers
                    .iter()
                    .filter_map(|producer| {
                        Some((&producer.destination, producer.produce(&mut record)?))
                    })
                    .collect();
                let mut output = match &self.projection {
                    Some(fields) => {
                        let mut projected = Record::new();
                        for field in fields {
                            if let Some(value) = field.remove(&mut record) {
                                field.set(&mut projected, value);
                            }
                        }
                        projected
                    }
                    None => record,
                };
                if let Some(schema) = &map_all.prune {
                    schema.prune(&mut output);
                }
                for field in &map_all.exclude {
                    field.remove(&mut output);
                }
                for (destination, value) in produced {
                    destination.set(&mut output, value);
                }
                // The source record now is the output: transforms read from it.
                record = Record::new();
                output
            }
        };
        let reads_output = self.map_all.is_some();
        for transform in &self.transforms {
            if let Some(value) = transform.destination.get_mut(&mut output) {
                transform.kind.run(value);
                continue;
            }
            let source = if reads_output {
                &mut output
            } else {
                &mut record
            };
            let value = if transform.take {
                transform.source.remove(source)
            } else {
                transform.source.get(source).cloned()
            };
            if let Some(mut value) = value {
                transform.kind.run(&mut value);
                transform.destination.set(&mut output, value);
            }
        }
        Ok(Verdict::Keep(output))
    }

    fn judge(&self, record: &Record, position: u64) -> Result<Verdict<()>, FlowError> {
        for gate in &self.gates {
            match &gate.kind {
                GateKind::Compare { fields, test } => {
                    let matched = fields
                        .iter()
                        .all(|field| field.get(record).is_some_and(|value| test.matches(value)));
                    if !matched {
                        return Ok(Verdict::Filtered);
                    }
                }
                GateKind::Validate {
                    fields,
                    check,
                    action,
                } => {
                    if let Some(field) =
                        fields.iter().find(|field| !check.passes(field.get(record)))
                    {
                        return match action {
                            ValidationAction::DropRecord => Ok(Verdict::Invalid),
                            ValidationAction::TerminateFlow => Err(FlowError::ValidationFailed {
                                flow: self.flow.clone(),
                                task: gate.task,
                                field: field.to_string(),
                                record: position,
                                check: check.as_str(),
                            }),
                        };
                    }
                }
            }
        }
        Ok(Verdict::Keep(()))
    }
}

impl Producer {
    /// The source fields this producer reads.
    fn reads(&self) -> Vec<FieldPath> {
        match &self.kind {
            ProducerKind::Map { source, .. } => vec![source.clone()],
            ProducerKind::Merge { parts } => parts
                .iter()
                .filter_map(|part| match part {
                    Part::Field(field) => Some(field.clone()),
                    Part::Text(_) => None,
                })
                .collect(),
            ProducerKind::Arithmetic { operands, .. } => operands.clone(),
        }
    }

    fn produce(&self, record: &mut Record) -> Option<Value> {
        match &self.kind {
            ProducerKind::Map {
                source,
                take,
                convert: conversion,
            } => {
                let value = if *take {
                    source.remove(record)?
                } else {
                    source.get(record)?.clone()
                };
                Some(match conversion {
                    Some(to) => convert(value, *to),
                    None => value,
                })
            }
            ProducerKind::Merge { parts } => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        Part::Text(literal) => text.push_str(literal),
                        Part::Field(field) => {
                            if let Some(value) = field.get(record).and_then(value_text) {
                                text.push_str(&value);
                            }
                        }
                    }
                }
                Some(Value::String(text))
            }
            ProducerKind::Arithmetic {
                operation,
                operands,
                integer,
            } => {
                let result = if *integer {
                    let values: Option<Vec<i64>> = operands
                        .iter()
                        .map(|field| field.get(record).and_then(integer_of))
                        .collect();
                    values
                        .and_then(|values| operation.apply_integers(&values))
                        .map(Value::from)
                } else {
                    let values: Option<Vec<f64>> = operands
                        .iter()
                        .map(|field| field.get(record).and_then(numeric))
                        .collect();
                    values
                        .and_then(|values| operation.apply(&values))
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                };
                Some(result.unwrap_or(Value::Null))
            }
        }
    }
}

fn integer_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Collects compiled tasks; `finish` settles take-or-clone and the output schema.
#[derive(Default)]
struct Builder {
    gates: Vec<Gate>,
    producers: Vec<(usize, Producer, ColumnSpec)>,
    map_all: Option<(usize, Vec<FieldPath>, bool)>,
    transforms: Vec<(usize, Transform)>,
    projection: Option<(usize, Vec<(FieldPath, FieldType)>)>,
    /// Every source field a task reads, with the task's index (for the projection check).
    reads: Vec<(usize, FieldPath, String)>,
    partitions: Vec<(usize, Vec<String>)>,
}

/// What a producer adds to the output schema.
enum ColumnSpec {
    /// A field of this type (objects expand to their leaves).
    Field(FieldPath, FieldType),
    /// A computed column.
    Computed(ColumnType),
}

impl Builder {
    /// Compiles one task: dispatches on its type.
    fn task(&mut self, context: &TaskContext<'_>, operator: Operator) -> Result<(), FlowError> {
        match context.task_type {
            TaskType::Map => self.add_map(context),
            TaskType::Passthrough => self.add_passthrough(context),
            TaskType::MapAll => self.add_map_all(context),
            TaskType::Merge => self.add_merge(context),
            TaskType::Arithmetic => self.add_arithmetic(context, operator),
            TaskType::Mask => self.add_mask(context, operator),
            TaskType::Truncate => self.add_truncate(context),
            TaskType::Filter => self.add_filter(context, operator),
            TaskType::Validate => self.add_validate(context, operator),
            TaskType::Partition => self.add_partition(context),
        }
    }

    /// `Map`: one source field to its destination (by default the same name), converted when
    /// `DESTINATION_DATA_TYPE` names another type.
    fn add_map(&mut self, context: &TaskContext<'_>) -> Result<(), FlowError> {
        let task = context.task;
        context.count("1", task.source_fields.len() == 1)?;
        let (source, field_type) = self.read_field(context, &task.source_fields[0])?;
        let destination = context.destination_or(&source)?;
        context.data_type("SOURCE_DATA_TYPE")?;
        let to = context.data_type("DESTINATION_DATA_TYPE")?;
        let conversion = to.filter(|to| *to != field_type && !matches!(to, FieldType::Any));
        self.push_map(context.index, source, field_type, destination, conversion);
        Ok(())
    }

    /// `Passthrough`: each source field to the same name (a single one may be renamed).
    fn add_passthrough(&mut self, context: &TaskContext<'_>) -> Result<(), FlowError> {
        let task = context.task;
        context.count("at least 1", !task.source_fields.is_empty())?;
        let single = task.source_fields.len() == 1;
        for text in &task.source_fields {
            let (source, field_type) = self.read_field(context, text)?;
            let destination = if single {
                context.destination_or(&source)?
            } else {
                source.clone()
            };
            self.push_map(context.index, source, field_type, destination, None);
        }
        Ok(())
    }

    /// A producer copying `source` (of `field_type`) to `destination`, maybe converted.
    fn push_map(
        &mut self,
        index: usize,
        source: FieldPath,
        field_type: FieldType,
        destination: FieldPath,
        conversion: Option<FieldType>,
    ) {
        self.producers.push((
            index,
            Producer {
                destination,
                kind: ProducerKind::Map {
                    source: source.clone(),
                    take: false,
                    convert: conversion,
                },
            },
            ColumnSpec::Field(source, conversion.unwrap_or(field_type)),
        ));
    }

    /// `Map_all`: every source field but the excluded ones, under its own name; one per flow.
    fn add_map_all(&mut self, context: &TaskContext<'_>) -> Result<(), FlowError> {
        let mut exclude = Vec::new();
        if let Some(list) = context.property("EXCLUDE_SOURCE_FIELDS_LIST") {
            for text in list_property(list) {
                let (path, _) = context.field(&text)?;
                exclude.push(path);
            }
        }
        let include_new = context.flag("INCLUDE_NEW_FIELDS")?;
        if let Some((first, _, _)) = &self.map_all {
            return Err(FlowError::DuplicateDestination {
                flow: context.flow.to_owned(),
                task: context.index,
                first: *first,
                field: "*".to_owned(),
            });
        }
        self.map_all = Some((context.index, exclude, include_new));
        Ok(())
    }

    /// `Merge`: source fields joined into one text field, as `CONCAT_FORMAT` says.
    fn add_merge(&mut self, context: &TaskContext<'_>) -> Result<(), FlowError> {
        context.count("at least 1", !context.task.source_fields.is_empty())?;
        let destination = context.destination()?;
        let fields = self.read_fields(context)?;
        let parts = merge_parts(context, &fields)?;
        self.producers.push((
            context.index,
            Producer {
                destination,
                kind: ProducerKind::Merge { parts },
            },
            ColumnSpec::Computed(ColumnType::String),
        ));
        Ok(())
    }

    /// `Arithmetic`: one operation over source fields, in `MATH_OPERATION_FIELDS_ORDER`; in
    /// integers when every operand is one and the operation is not a division.
    fn add_arithmetic(
        &mut self,
        context: &TaskContext<'_>,
        operator: Operator,
    ) -> Result<(), FlowError> {
        context.count("at least 2", context.task.source_fields.len() >= 2)?;
        let destination = context.destination()?;
        let fields = self.read_fields(context)?;
        let (operands, all_integers) = arithmetic_operands(context, &fields)?;
        let operation = math_operation(operator);
        let integer = all_integers && operation != MathOperation::Division;
        let column_type = if integer {
            ColumnType::Integer
        } else {
            ColumnType::Double
        };
        self.producers.push((
            context.index,
            Producer {
                destination,
                kind: ProducerKind::Arithmetic {
                    operation,
                    operands,
                    integer,
                },
            },
            ColumnSpec::Computed(column_type),
        ));
        Ok(())
    }

    /// `Mask`: replaces all, the first n or the last n characters with `MASK_VALUE`.
    fn add_mask(&mut self, context: &TaskContext<'_>, operator: Operator) -> Result<(), FlowError> {
        let (source, destination) = self.transform_fields(context)?;
        let mask = mask_character(context)?;
        let mode = match operator {
            Operator::MaskFirstN => MaskMode::FirstN(context.length("MASK_LENGTH")?),
            Operator::MaskLastN => MaskMode::LastN(context.length("MASK_LENGTH")?),
            _ => MaskMode::All,
        };
        self.push_transform(
            context.index,
            source,
            destination,
            TransformKind::Mask(mode, mask),
        );
        Ok(())
    }

    /// `Truncate`: cuts a field to `TRUNCATE_LENGTH` characters.
    fn add_truncate(&mut self, context: &TaskContext<'_>) -> Result<(), FlowError> {
        let (source, destination) = self.transform_fields(context)?;
        let kind = TransformKind::Truncate(context.length("TRUNCATE_LENGTH")?);
        self.push_transform(context.index, source, destination, kind);
        Ok(())
    }

    /// A transform's one source field, and its destination (by default the same name).
    fn transform_fields(
        &mut self,
        context: &TaskContext<'_>,
    ) -> Result<(FieldPath, FieldPath), FlowError> {
        let task = context.task;
        context.count("1", task.source_fields.len() == 1)?;
        let (source, _) = self.read_field(context, &task.source_fields[0])?;
        let destination = context.destination_or(&source)?;
        Ok((source, destination))
    }

    /// A transform rewriting `destination` (read from `source` when no producer wrote it).
    fn push_transform(
        &mut self,
        index: usize,
        source: FieldPath,
        destination: FieldPath,
        kind: TransformKind,
    ) {
        self.transforms.push((
            index,
            Transform {
                source,
                destination,
                take: false,
                kind,
            },
        ));
    }

    /// `Filter`: a `PROJECTION` (the fields the flow reads), or a gate comparing source fields.
    fn add_filter(
        &mut self,
        context: &TaskContext<'_>,
        operator: Operator,
    ) -> Result<(), FlowError> {
        let task = context.task;
        context.count("at least 1", !task.source_fields.is_empty())?;
        let mut fields = Vec::new();
        for text in &task.source_fields {
            fields.push(context.field(text)?);
        }
        if operator == Operator::Projection {
            self.add_projection(context.index, fields);
            return Ok(());
        }
        for ((path, _), text) in fields.iter().zip(&task.source_fields) {
            self.read(context.index, path, text);
        }
        let compare_as = filter_compare_as(context, &fields)?;
        let test = filter_test(context, operator, compare_as)?;
        self.gates.push(Gate {
            task: context.index,
            kind: GateKind::Compare {
                fields: fields.into_iter().map(|(path, _)| path).collect(),
                test,
            },
        });
        Ok(())
    }

    /// A `PROJECTION` filter: its fields join those of an earlier one.
    fn add_projection(&mut self, index: usize, fields: Vec<(FieldPath, FieldType)>) {
        if let Some((_, existing)) = &mut self.projection {
            existing.extend(fields);
        } else {
            self.projection = Some((index, fields));
        }
    }

    /// `Validate`: a gate checking source fields; a failure drops the record or stops the run.
    fn add_validate(
        &mut self,
        context: &TaskContext<'_>,
        operator: Operator,
    ) -> Result<(), FlowError> {
        context.count("at least 1", !context.task.source_fields.is_empty())?;
        let mut fields = Vec::new();
        for text in &context.task.source_fields {
            let (path, _) = self.read_field(context, text)?;
            fields.push(path);
        }
        let check = match operator {
            Operator::ValidateNonNull => Check::NonNull,
            Operator::ValidateNonZero => Check::NonZero,
            Operator::ValidateNonNegative => Check::NonNegative,
            _ => Check::Numeric,
        };
        let action = validation_action(context)?;
        self.gates.push(Gate {
            task: context.index,
            kind: GateKind::Validate {
                fields,
                check,
                action,
            },
        });
        Ok(())
    }

    /// `Partition`: the destination fields that partition the output, in order.
    fn add_partition(&mut self, context: &TaskContext<'_>) -> Result<(), FlowError> {
        let keys = match context.property("ORDERED_PARTITION_KEYS_LIST") {
            Some(text) => list_property(text),
            None => context.task.source_fields.clone(),
        };
        if keys.is_empty() {
            return Err(match context.property("ORDERED_PARTITION_KEYS_LIST") {
                Some(text) => {
                    context.invalid("ORDERED_PARTITION_KEYS_LIST", text, "no partition key")
                }
                None => FlowError::MissingProperty {
                    flow: context.flow.to_owned(),
                    task: context.index,
                    property: "ORDERED_PARTITION_KEYS_LIST".to_owned(),
                },
            });
        }
        self.partitions.push((context.index, keys));
        Ok(())
    }

    /// Every source field of the task, by its trimmed name, each noted as read.
    fn read_fields(
        &mut self,
        context: &TaskContext<'_>,
    ) -> Result<BTreeMap<String, (FieldPath, FieldType)>, FlowError> {
        let mut fields = BTreeMap::new();
        for text in &context.task.source_fields {
            let field = self.read_field(context, text)?;
            fields.insert(text.trim().to_owned(), field);
        }
        Ok(fields)
    }

    /// The source field `text` of the task, noted as read.
    fn read_field(
        &mut self,
        context: &TaskContext<'_>,
        text: &str,
    ) -> Result<(FieldPath, FieldType), FlowError> {
        let (path, field_type) = context.field(text)?;
        self.read(context.index, &path, text);
        Ok((path, field_type))
    }

    fn read(&mut self, index: usize, path: &FieldPath, text: &str) {
        self.reads.push((index, path.clone(), text.to_owned()));
    }

    /// Checks the flow as a whole, settles take-or-clone and what to read, and builds the plan.
    fn finish(
        mut self,
        definition: &FlowDefinition,
        schema: &SourceSchema,
    ) -> Result<FlowPlan, FlowError> {
        let flow = definition.name.as_str();
        self.check_something_mapped(flow)?;
        self.check_projection(flow)?;
        let watermark = watermark_path(definition, schema)?;
        let output = self.output_schema(flow, schema)?;
        let partition_keys = self.partition_keys(flow, &output)?;
        let stage_reads = self.settle_takes();
        let gate_fields = self.gate_fields();
        let gate_keep = (!gate_fields.is_empty()).then(|| keep_only(gate_fields.iter().copied()));
        let record_keep = self.record_keep(&gate_fields, &stage_reads);
        let prune = self.prune(schema);
        let flat = self.flat_reading(schema, prune.as_ref(), &gate_fields, &stage_reads);
        Ok(FlowPlan {
            flow: definition.name.clone(),
            source: definition.source.name().to_owned(),
            watermark,
            gates: self.gates,
            producers: self
                .producers
                .into_iter()
                .map(|(_, producer, _)| producer)
                .collect(),
            map_all: self
                .map_all
                .map(|(_, exclude, _)| MapAll { exclude, prune }),
            transforms: self
                .transforms
                .into_iter()
                .map(|(_, transform)| transform)
                .collect(),
            projection: self
                .projection
                .map(|(_, fields)| fields.into_iter().map(|(path, _)| path).collect()),
            partition_keys,
            output,
            gate_keep,
            record_keep,
            flat,
            stats: RunStats::default(),
        })
    }

    /// A flow must write something.
    fn check_something_mapped(&self, flow: &str) -> Result<(), FlowError> {
        if self.producers.is_empty() && self.map_all.is_none() && self.transforms.is_empty() {
            return Err(FlowError::NothingMapped {
                flow: flow.to_owned(),
            });
        }
        Ok(())
    }

    /// Every field a task reads must be fetched by the projection, when there is one.
    fn check_projection(&self, flow: &str) -> Result<(), FlowError> {
        let Some((_, projected)) = &self.projection else {
            return Ok(());
        };
        for (index, path, text) in &self.reads {
            if !projected.iter().any(|(p, _)| path.starts_with(p)) {
                return Err(FlowError::FieldNotProjected {
                    flow: flow.to_owned(),
                    task: *index,
                    field: text.clone(),
                });
            }
        }
        Ok(())
    }

    /// The output schema: `Map_all`'s columns, the producers' (no destination written twice),
    /// then the transforms'.
    fn output_schema(&self, flow: &str, schema: &SourceSchema) -> Result<OutputSchema, FlowError> {
        let mut output = OutputSchema::default();
        self.push_map_all_columns(&mut output, schema);
        self.push_producer_columns(&mut output, flow, schema)?;
        for (_, transform) in &self.transforms {
            output.push(transform.destination.flattened(), ColumnType::String, false);
        }
        Ok(output)
    }

    /// The columns `Map_all` copies: the projection's fields, or the whole schema's.
    fn push_map_all_columns(&self, output: &mut OutputSchema, schema: &SourceSchema) {
        let Some((_, exclude, include_new)) = &self.map_all else {
            return;
        };
        let fields: Vec<(FieldPath, FieldType)> = match &self.projection {
            Some((_, projected)) => projected.clone(),
            None => schema.fields(),
        };
        output.open = schema.is_open() || (*include_new && self.projection.is_none());
        for (path, field_type) in fields {
            if exclude.iter().any(|excluded| path.starts_with(excluded)) {
                continue;
            }
            // Map_all over the whole schema names no field: its columns are sparse. The fields
            // of a PROJECTION are named, so they are always written.
            let sparse = self.projection.is_none();
            push_field(output, &path, &path, field_type, schema, sparse);
        }
    }

    /// The producers' columns; two producers may not write one destination.
    fn push_producer_columns(
        &self,
        output: &mut OutputSchema,
        flow: &str,
        schema: &SourceSchema,
    ) -> Result<(), FlowError> {
        let mut written: BTreeMap<String, usize> = BTreeMap::new();
        for (index, producer, spec) in &self.producers {
            let name = producer.destination.flattened();
            if let Some(first) = written.insert(name.clone(), *index) {
                return Err(FlowError::DuplicateDestination {
                    flow: flow.to_owned(),
                    task: *index,
                    first,
                    field: producer.destination.to_string(),
                });
            }
            match spec {
                ColumnSpec::Field(source, field_type) => {
                    if *field_type == FieldType::Any {
                        output.open = true;
                    }
                    push_field(
                        output,
                        &producer.destination,
                        source,
                        *field_type,
                        schema,
                        false,
                    );
                }
                ColumnSpec::Computed(column_type) => output.push(name, *column_type, false),
            }
        }
        Ok(())
    }

    /// The Partition tasks' keys as output columns, in order; each must be one (unless the
    /// output is open).
    fn partition_keys(&self, flow: &str, output: &OutputSchema) -> Result<Vec<String>, FlowError> {
        let mut partition_keys = Vec::new();
        for (index, keys) in &self.partitions {
            for key in keys {
                let column = FieldPath::parse(key)
                    .map(|p| p.flattened())
                    .unwrap_or_default();
                if output.column_type(&column).is_none() && !output.open {
                    return Err(FlowError::InvalidProperty {
                        flow: flow.to_owned(),
                        task: *index,
                        property: "ORDERED_PARTITION_KEYS_LIST".to_owned(),
                        value: key.clone(),
                        reason: "not a destination field of the flow".to_owned(),
                    });
                }
                partition_keys.push(column);
            }
        }
        Ok(partition_keys)
    }

    /// Settles take-or-clone, and returns the source fields the producers and transforms read.
    ///
    /// A source value read by one producer or transform only (no other read overlapping it)
    /// is moved out of the source record instead of copied. Gates run before and only
    /// borrow. Under Map_all the source record becomes the output, so nothing is taken.
    fn settle_takes(&mut self) -> Vec<FieldPath> {
        let map_all = self.map_all.is_some();
        let stage_reads: Vec<FieldPath> = self
            .producers
            .iter()
            .flat_map(|(_, producer, _)| producer.reads())
            .chain(
                self.transforms
                    .iter()
                    .map(|(_, transform)| transform.source.clone()),
            )
            .collect();
        let exclusive = |path: &FieldPath| {
            !map_all
                && stage_reads
                    .iter()
                    .filter(|other| other.starts_with(path) || path.starts_with(other))
                    .count()
                    == 1
        };
        for (_, producer, _) in &mut self.producers {
            if let ProducerKind::Map { source, take, .. } = &mut producer.kind {
                *take = exclusive(source);
            }
        }
        for (_, transform) in &mut self.transforms {
            transform.take = exclusive(&transform.source);
        }
        stage_reads
    }

    /// The source fields the gates read.
    fn gate_fields(&self) -> Vec<&FieldPath> {
        self.gates
            .iter()
            .flat_map(|gate| match &gate.kind {
                GateKind::Compare { fields, .. } | GateKind::Validate { fields, .. } => fields,
            })
            .collect()
    }

    /// What of a source record the whole plan reads: what `Map_all` copies, and every field
    /// a gate, producer or transform reads.
    fn record_keep(&self, gate_fields: &[&FieldPath], stage_reads: &[FieldPath]) -> Keep {
        let mut record_keep = match (&self.map_all, &self.projection) {
            (Some(_), Some((_, projected))) => keep_only(projected.iter().map(|(field, _)| field)),
            (Some((_, exclude, _)), None) => {
                let mut keep = Keep::All;
                for field in exclude {
                    keep.skip(field);
                }
                keep
            }
            (None, _) => Keep::nothing(),
        };
        for field in gate_fields.iter().copied().chain(stage_reads) {
            record_keep.keep(field);
        }
        record_keep
    }

    /// What `Map_all` prunes an output to: the schema's fields, under INCLUDE_NEW_FIELDS false
    /// on a closed schema without a projection.
    fn prune(&self, schema: &SourceSchema) -> Option<SourceSchema> {
        match &self.map_all {
            Some((_, _, false)) if !schema.is_open() && self.projection.is_none() => {
                Some(schema.clone())
            }
            _ => None,
        }
    }

    /// Flat reading: a Map_all of a closed schema's fields (pruned to them). The layout, and
    /// what of a source record the tasks read or write.
    fn flat_reading(
        &self,
        schema: &SourceSchema,
        prune: Option<&SourceSchema>,
        gate_fields: &[&FieldPath],
        stage_reads: &[FieldPath],
    ) -> Option<(FlatLayout, Keep)> {
        let (Some((_, exclude, _)), Some(_)) = (&self.map_all, prune) else {
            return None;
        };
        let leaves: Vec<FieldPath> = schema
            .fields()
            .into_iter()
            .map(|(path, _)| path)
            .filter(|path| !exclude.iter().any(|excluded| path.starts_with(excluded)))
            .collect();
        let written: Vec<FieldPath> = self
            .producers
            .iter()
            .map(|(_, producer, _)| producer.destination.clone())
            .chain(
                self.transforms
                    .iter()
                    .map(|(_, transform)| transform.destination.clone()),
            )
            .collect();
        FlatLayout::new(&leaves, &written).map(|layout| {
            let keep = keep_only(
                gate_fields
                    .iter()
                    .copied()
                    .chain(stage_reads)
                    .chain(&written),
            );
            (layout, keep)
        })
    }
}

/// A `Keep` of `fields` only.
fn keep_only<'a>(fields: impl IntoIterator<Item = &'a FieldPath>) -> Keep {
    let mut keep = Keep::nothing();
    for field in fields {
        keep.keep(field);
    }
    keep
}

/// The field an incremental trigger's window is over: a timestamp (or integer) source field.
fn watermark_path(
    definition: &FlowDefinition,
    schema: &SourceSchema,
) -> Result<Option<FieldPath>, FlowError> {
    let flow = &definition.name;
    let Some(watermark) = definition.trigger.watermark_field() else {
        if definition.trigger.is_incremental() {
            return Err(FlowError::InvalidWatermark {
                flow: flow.clone(),
                field: String::new(),
                reason: "an incremental trigger needs a watermark field".to_owned(),
            });
        }
        return Ok(None);
    };
    let invalid = |reason: &str| FlowError::InvalidWatermark {
        flow: flow.clone(),
        field: watermark.to_owned(),
        reason: reason.to_owned(),
    };
    let path = FieldPath::parse(watermark).map_err(|error| invalid(&error.to_string()))?;
    match schema.field_type(&path) {
        None => Err(invalid(&format!(
            "source `{}` has no such field",
            schema.name()
        ))),
        Some(FieldType::Timestamp | FieldType::Integer | FieldType::Any) => Ok(Some(path)),
        Some(other) => Err(invalid(&format!(
            "a watermark must be a timestamp, not {other}"
        ))),
    }
}

/// A Merge task's parts: `CONCAT_FORMAT`'s text and `${field}`s, or else its source fields in
/// order.
fn merge_parts(
    context: &TaskContext<'_>,
    fields: &BTreeMap<String, (FieldPath, FieldType)>,
) -> Result<Vec<Part>, FlowError> {
    let field = |name: &str| fields.get(name).map(|(path, _)| Part::Field(path.clone()));
    let Some(format) = context.property("CONCAT_FORMAT") else {
        return Ok(context
            .task
            .source_fields
            .iter()
            .filter_map(|text| field(text.trim()))
            .collect());
    };
    let raw =
        concat_parts(format).map_err(|reason| context.invalid("CONCAT_FORMAT", format, &reason))?;
    raw.into_iter()
        .map(|part| match part {
            Ok(text) => Ok(Part::Text(text)),
            Err(name) => field(&name).ok_or_else(|| {
                context.invalid(
                    "CONCAT_FORMAT",
                    format,
                    &format!("`${{{name}}}` is not one of the task's source fields"),
                )
            }),
        })
        .collect()
}

/// An Arithmetic task's operands in `MATH_OPERATION_FIELDS_ORDER` (by default its source
/// fields' order), and whether they are all integers.
fn arithmetic_operands(
    context: &TaskContext<'_>,
    fields: &BTreeMap<String, (FieldPath, FieldType)>,
) -> Result<(Vec<FieldPath>, bool), FlowError> {
    let order: Vec<String> = match context.property("MATH_OPERATION_FIELDS_ORDER") {
        Some(text) => list_property(text),
        None => context
            .task
            .source_fields
            .iter()
            .map(|f| f.trim().to_owned())
            .collect(),
    };
    let mut operands = Vec::new();
    let mut all_integers = true;
    for name in &order {
        let (path, field_type) = fields.get(name).ok_or_else(|| {
            context.invalid(
                "MATH_OPERATION_FIELDS_ORDER",
                context
                    .property("MATH_OPERATION_FIELDS_ORDER")
                    .unwrap_or_default(),
                &format!("`{name}` is not one of the task's source fields"),
            )
        })?;
        all_integers &= *field_type == FieldType::Integer;
        operands.push(path.clone());
    }
    Ok((operands, all_integers))
}

/// An Arithmetic task's operation (its operator is one of the four).
fn math_operation(operator: Operator) -> MathOperation {
    match operator {
        Operator::Addition => MathOperation::Addition,
        Operator::Subtraction => MathOperation::Subtraction,
        Operator::Multiplication => MathOperation::Multiplication,
        _ => MathOperation::Division,
    }
}

/// A Mask task's `MASK_VALUE`: one character, `*` by default.
fn mask_character(context: &TaskContext<'_>) -> Result<char, FlowError> {
    let Some(text) = context.property("MASK_VALUE") else {
        return Ok('*');
    };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(mask), None) => Ok(mask),
        _ => Err(context.invalid("MASK_VALUE", text, "expected exactly one character")),
    }
}

/// How a Filter compares its source fields: as `DATA_TYPE` says, or as their type, which
/// must then be the same for all.
fn filter_compare_as(
    context: &TaskContext<'_>,
    fields: &[(FieldPath, FieldType)],
) -> Result<CompareAs, FlowError> {
    let declared = context.data_type("DATA_TYPE")?;
    let compare_as = |field_type: FieldType| CompareAs::of(declared.unwrap_or(field_type));
    let kinds: Vec<CompareAs> = fields.iter().map(|(_, t)| compare_as(*t)).collect();
    let first = kinds[0];
    if kinds.iter().any(|kind| *kind != first) {
        return Err(context.invalid(
            "DATA_TYPE",
            context.property("DATA_TYPE").unwrap_or(""),
            "the source fields have different types; set DATA_TYPE",
        ));
    }
    Ok(first)
}

/// What a Filter's operator and properties test a value with.
fn filter_test(
    context: &TaskContext<'_>,
    operator: Operator,
    compare_as: CompareAs,
) -> Result<Test, FlowError> {
    Ok(match operator {
        Operator::Contains => Test::Contains(context.required("VALUE")?.to_owned()),
        Operator::Between => filter_between(context, compare_as)?,
        Operator::EqualTo | Operator::NotEqualTo if context.property("VALUE").is_none() => {
            let operands = filter_values(context, compare_as)?;
            if operator == Operator::EqualTo {
                Test::AnyOf(operands)
            } else {
                Test::NoneOf(operands)
            }
        }
        _ => {
            if compare_as == CompareAs::Boolean
                && !matches!(operator, Operator::EqualTo | Operator::NotEqualTo)
            {
                return Err(context.invalid(
                    "DATA_TYPE",
                    context.property("DATA_TYPE").unwrap_or("boolean"),
                    "booleans compare only with EQUAL_TO or NOT_EQUAL_TO",
                ));
            }
            Test::Order {
                operator,
                operand: filter_operand(context, compare_as, "VALUE")?,
            }
        }
    })
}

/// A `BETWEEN` Filter's bounds, the lower not above the upper.
fn filter_between(context: &TaskContext<'_>, compare_as: CompareAs) -> Result<Test, FlowError> {
    let lower = filter_operand(context, compare_as, "LOWER_BOUND")?;
    let upper = filter_operand(context, compare_as, "UPPER_BOUND")?;
    if compare_operands(&lower, &upper) == Some(Ordering::Greater) {
        return Err(context.invalid(
            "LOWER_BOUND",
            context.property("LOWER_BOUND").unwrap_or_default(),
            "LOWER_BOUND is above UPPER_BOUND",
        ));
    }
    Ok(Test::Between { lower, upper })
}

/// The operands of an `EQUAL_TO` or `NOT_EQUAL_TO` Filter's `VALUES` list.
fn filter_values(
    context: &TaskContext<'_>,
    compare_as: CompareAs,
) -> Result<Vec<Operand>, FlowError> {
    let text = context.required("VALUES")?;
    list_property(text)
        .iter()
        .map(|item| {
            compare_as.operand(item).ok_or_else(|| {
                context.invalid(
                    "VALUES",
                    text,
                    &format!("`{item}` is not a {compare_as:?} value"),
                )
            })
        })
        .collect()
}

/// The required property `key` of a Filter, as an operand of its comparison.
fn filter_operand(
    context: &TaskContext<'_>,
    compare_as: CompareAs,
    key: &str,
) -> Result<Operand, FlowError> {
    let text = context.required(key)?;
    compare_as
        .operand(text)
        .ok_or_else(|| context.invalid(key, text, &format!("not a {compare_as:?} value")))
}

/// A Validate task's `VALIDATION_ACTION`: drop the record unless it says otherwise.
fn validation_action(context: &TaskContext<'_>) -> Result<ValidationAction, FlowError> {
    match context.property("VALIDATION_ACTION") {
        None => Ok(ValidationAction::DropRecord),
        Some(text) => ValidationAction::parse(text).ok_or_else(|| {
            context.invalid(
                "VALIDATION_ACTION",
                text,
                "expected DropRecord (ignore-record) or TerminateFlow (terminate-flow)",
            )
        }),
    }
}

fn compare_operands(left: &Operand, right: &Operand) -> Option<Ordering> {
    match (left, right) {
        (Operand::Number(a), Operand::Number(b)) => a.partial_cmp(b),
        (Operand::Timestamp(a), Operand::Timestamp(b)) => Some(a.cmp(b)),
        (Operand::Text(a), Operand::Text(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Adds the column(s) of `destination` holding source `source` of `field_type`: an object
/// expands to one column per leaf below it. `sparse`: see [`crate::Column::sparse`].
fn push_field(
    output: &mut OutputSchema,
    destination: &FieldPath,
    source: &FieldPath,
    field_type: FieldType,
    schema: &SourceSchema,
    sparse: bool,
) {
    if field_type == FieldType::Object {
        let base = destination.flattened();
        for (relative, leaf_type) in schema.leaves_under(source) {
            let mut name = base.clone();
            for segment in relative {
                name.push('_');
                name.push_str(&segment);
            }
            output.push(name, leaf_type.column_type(), sparse);
        }
    } else {
        output.push(destination.flattened(), field_type.column_type(), sparse);
    }
}

/// A flow ready to run: its definition and its plan, compiled once, when the config loads.
#[derive(Debug, Clone)]
pub struct Flow {
    pub definition: FlowDefinition,
    pub plan: FlowPlan,
}

impl Flow {
    /// Compiles `definition` against its source's schema.
    pub fn compile(definition: FlowDefinition) -> Result<Self, FlowError> {
        let plan = FlowPlan::compile_builtin(&definition)?;
        Ok(Self { definition, plan })
    }

    /// The flow's name.
    pub fn name(&self) -> &str {
        &self.definition.name
    }
}
