//! Flat rows: a `Map_all` flow's output for tabular writers, read straight from JSON-lines text
//! without building each record as a tree ([`crate::FlowPlan::apply_json_lines_flat`]).
//!
//! A flat row holds the output's leaves as the writer's columns want them: `(leaf, value)` for
//! the fields `Map_all` copies (leaf ids index [`FlatBatch::names`], the flattened names), with
//! text values as ranges of the batch's text; then `(flattened name, value)` for the fields
//! tasks write (Merge, Mask, …), computed by the plan on a record holding only the fields the
//! tasks read. A record the fast reading cannot take exactly (a duplicate key, a non-object
//! where a task writes below it) is a [`FlatRow::Record`], processed as [`crate::FlowPlan::apply`]
//! does. Flattening a flat row's record gives what [`crate::flatten`] gives for the output of
//! `apply`: the tests hold the two ways equal.

use crate::record::{FLATTEN_SEPARATOR, FieldPath, Keep, KeptValue, Key, KeyMap, Record};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::fmt;
use std::sync::Arc;

/// A batch of flat rows and the text their values point into.
#[derive(Debug, Clone)]
pub struct FlatBatch {
    /// The JSON-lines text the batch was read from.
    pub text: String,
    /// Leaf id → flattened column name.
    pub names: Arc<[String]>,
    /// The output rows, in order.
    pub rows: Vec<FlatRow>,
}

impl FlatBatch {
    /// The text of a [`FlatValue::Text`].
    pub fn text_of(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Rows in the batch.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no row is in the batch.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// One output row.
#[derive(Debug, Clone, PartialEq)]
pub enum FlatRow {
    /// Read flat.
    Flat {
        /// `(leaf id, value)` of the fields `Map_all` copied, in text order.
        leaves: Vec<(u32, FlatValue)>,
        /// `(flattened name, value)` of the fields tasks wrote (arrays as their JSON text).
        written: Vec<(String, Value)>,
    },
    /// Processed whole (the output record, nested).
    Record(Record),
}

/// A leaf value of a flat row.
#[derive(Debug, Clone, PartialEq)]
pub enum FlatValue {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string without escapes: `start..end` of the batch's text.
    Text(usize, usize),
    /// A string with escapes, or an array's compact JSON text.
    Owned(String),
}

/// The source paths a flat reading copies (a closed schema's leaves less the excluded ones), as
/// a tree; the paths tasks write are marked, and not copied.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlatNode {
    children: KeyMap<FlatNode>,
    leaf: Option<u32>,
    /// A task writes this path: its value comes from the plan.
    written: bool,
    /// A task writes below this path: a value here that is not an object is replaced by the
    /// task's (the row is processed whole).
    above_written: bool,
}

/// What a flat reading needs, compiled with the plan.
#[derive(Debug, Clone)]
pub(crate) struct FlatLayout {
    pub(crate) root: FlatNode,
    pub(crate) names: Arc<[String]>,
    /// The paths tasks write (none inside another).
    pub(crate) written: Vec<FieldPath>,
}

impl FlatLayout {
    /// The layout for copying `leaves` (already less the excluded ones) while tasks write
    /// `written`; `None` when two paths would flatten to one name (the whole-record way then
    /// decides which wins).
    pub(crate) fn new(leaves: &[FieldPath], written: &[FieldPath]) -> Option<Self> {
        let mut written: Vec<FieldPath> = written.to_vec();
        written.sort();
        written.dedup();
        let inner: Vec<FieldPath> = written
            .iter()
            .filter(|path| {
                !written
                    .iter()
                    .any(|other| other != *path && path.starts_with(other))
            })
            .cloned()
            .collect();
        let written = inner;
        let written_names: Vec<String> = written.iter().map(FieldPath::flattened).collect();
        let mut root = FlatNode::default();
        let mut names: Vec<String> = Vec::new();
        for path in leaves {
            if written.iter().any(|other| path.starts_with(other)) {
                continue;
            }
            let name = path.flattened();
            // A leaf above a written path is no clash: a value there is not an object (an
            // object has no leaf), and such a row is processed whole.
            let clashes = names.contains(&name)
                || written
                    .iter()
                    .zip(&written_names)
                    .any(|(other_path, other)| {
                        !other_path.starts_with(path)
                            && (name == *other
                                || name.starts_with(&format!("{other}{FLATTEN_SEPARATOR}"))
                                || other.starts_with(&format!("{name}{FLATTEN_SEPARATOR}")))
                    });
            if clashes {
                return None;
            }
            let mut node = &mut root;
            for segment in path.segments() {
                node = node.children.entry(segment.into()).or_default();
            }
            node.leaf = Some(u32::try_from(names.len()).ok()?);
            names.push(name);
        }
        for path in &written {
            let mut node = &mut root;
            for segment in path.segments() {
                node.above_written = true;
                node = node.children.entry(segment.into()).or_default();
            }
            node.written = true;
        }
        root.above_written = false;
        Some(Self {
            root,
            names: names.into(),
            written,
        })
    }

    /// One pass over `line` (a slice of `text`): into `leaves` the leaves the layout copies
    /// (`(leaf, value)` in text order), and the record of what `keep` keeps (as
    /// [`crate::record::parse_kept`] gives it). `None` when the line is not read flat (not
    /// JSON, not an object, a value serde cannot build, or a row to be processed whole).
    pub(crate) fn read(
        &self,
        text: &str,
        line: &str,
        keep: &Keep,
        leaves: &mut Vec<(u32, FlatValue)>,
    ) -> Option<Record> {
        leaves.clear();
        let mut whole = false;
        let mut deserializer = serde_json::Deserializer::from_str(line);
        let seed = Both {
            node: Some(&self.root),
            keep,
            base: text.as_ptr() as usize,
            leaves,
            whole: &mut whole,
            top: true,
        };
        let value = seed.deserialize(&mut deserializer).ok()?;
        deserializer.end().ok()?;
        match value {
            Some(Value::Object(record)) if !whole => Some(record),
            _ => None,
        }
    }

    /// The `(flattened name, value)` of the written paths in `output`, as [`crate::flatten`]
    /// gives them.
    pub(crate) fn written(&self, output: &Record) -> Vec<(String, Value)> {
        let mut values = Vec::with_capacity(self.written.len());
        for path in &self.written {
            match path.get(output) {
                None => {}
                Some(Value::Object(inner)) => {
                    let base = path.flattened();
                    for (name, value) in crate::record::flatten(inner) {
                        values.push((format!("{base}{FLATTEN_SEPARATOR}{name}"), value));
                    }
                }
                Some(array @ Value::Array(_)) => {
                    values.push((path.flattened(), Value::String(array.to_string())));
                }
                Some(value) => values.push((path.flattened(), value.clone())),
            }
        }
        values
    }
}

/// Reads one value at `node`.
struct Walk<'a> {
    node: &'a FlatNode,
    base: usize,
    leaves: &'a mut Vec<(u32, FlatValue)>,
    whole: &'a mut bool,
    top: bool,
}

impl Walk<'_> {
    fn emit(self, value: FlatValue) {
        emit(self.node, self.leaves, self.whole, value);
    }
}

/// Puts a leaf value read at `node` into `leaves`.
fn emit(node: &FlatNode, leaves: &mut Vec<(u32, FlatValue)>, whole: &mut bool, value: FlatValue) {
    if node.above_written {
        *whole = true;
    } else if let Some(leaf) = node.leaf {
        // A duplicate key: the record keeps the last value; the whole way says so.
        if leaves.iter().any(|(known, _)| *known == leaf) {
            *whole = true;
        }
        leaves.push((leaf, value));
    }
}

/// Reads one value for both the flat reading (at `node`) and the kept record (as `keep` says):
/// the kept value, `None` where `keep` skips it.
struct Both<'a> {
    /// `None`: the flat reading copies nothing here.
    node: Option<&'a FlatNode>,
    /// [`Keep::Skip`]: the record keeps nothing here.
    keep: &'a Keep,
    base: usize,
    leaves: &'a mut Vec<(u32, FlatValue)>,
    whole: &'a mut bool,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Both<'_> {
    type Value = Option<Value>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<Value>, D::Error> {
        let node = self
            .node
            .filter(|node| node.leaf.is_some() || !node.children.is_empty() || node.above_written);
        match (node, self.keep) {
            (None, Keep::Skip) => {
                IgnoredAny::deserialize(deserializer)?;
                Ok(None)
            }
            (None, keep) => Ok(Some(KeptValue(keep).deserialize(deserializer)?)),
            (Some(node), Keep::Skip) => {
                Walk {
                    node,
                    base: self.base,
                    leaves: self.leaves,
                    whole: self.whole,
                    top: self.top,
                }
                .deserialize(deserializer)?;
                Ok(None)
            }
            (Some(node), _) => deserializer.deserialize_any(Both {
                node: Some(node),
                ..self
            }),
        }
    }
}

impl Both<'_> {
    /// Reads a scalar: a leaf for the flat reading, `value` for the record.
    fn scalar<E: serde::de::Error>(
        self,
        flat: FlatValue,
        value: Value,
    ) -> Result<Option<Value>, E> {
        if self.top {
            // Not an object: the whole way names the error.
            *self.whole = true;
        } else if let Some(node) = self.node {
            emit(node, self.leaves, self.whole, flat);
        }
        Ok(Some(value))
    }
}

impl<'de> Visitor<'de> for Both<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Value>, A::Error> {
        let node = self.node;
        let mut object = serde_json::Map::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            // An object where the schema has a leaf: its keys flatten to names that are not
            // columns, and the leaf's column stays empty.
            let child = node
                .filter(|node| !node.children.is_empty())
                .and_then(|node| node.children.get(key.as_ref()))
                .filter(|child| !child.written);
            let value = map.next_value_seed(Both {
                node: child,
                keep: self.keep.child(&key),
                base: self.base,
                leaves: &mut *self.leaves,
                whole: &mut *self.whole,
                top: false,
            })?;
            if let Some(value) = value {
                object.insert(key.into_owned(), value);
            }
        }
        Ok(Some(Value::Object(object)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<Value>, A::Error> {
        let value = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        let flat = if self.top {
            FlatValue::Null
        } else {
            FlatValue::Owned(value.to_string())
        };
        self.scalar(flat, value)
    }

    fn visit_bool<E: serde::de::Error>(self, flag: bool) -> Result<Option<Value>, E> {
        self.scalar(FlatValue::Bool(flag), Value::Bool(flag))
    }

    fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<Option<Value>, E> {
        self.scalar(FlatValue::Number(number.into()), Value::from(number))
    }

    fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<Option<Value>, E> {
        self.scalar(FlatValue::Number(number.into()), Value::from(number))
    }

    fn visit_f64<E: serde::de::Error>(self, number: f64) -> Result<Option<Value>, E> {
        match Number::from_f64(number) {
            Some(number) => self.scalar(FlatValue::Number(number.clone()), Value::Number(number)),
            None => self.scalar(FlatValue::Null, Value::Null),
        }
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<Option<Value>, E> {
        let start = (text.as_ptr() as usize).wrapping_sub(self.base);
        self.scalar(
            FlatValue::Text(start, start + text.len()),
            Value::String(text.to_owned()),
        )
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Option<Value>, E> {
        self.scalar(
            FlatValue::Owned(text.to_owned()),
            Value::String(text.to_owned()),
        )
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<Value>, E> {
        self.scalar(FlatValue::Null, Value::Null)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<Value>, E> {
        self.scalar(FlatValue::Null, Value::Null)
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.node.leaf.is_none() && self.node.children.is_empty() && !self.node.above_written {
            // Neither copied nor above a written path.
            IgnoredAny::deserialize(deserializer)?;
            return Ok(());
        }
        deserializer.deserialize_any(self)
    }
}

use serde::Deserialize as _;

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.node.children.is_empty() {
            // An object where the schema has a leaf: its keys flatten to names that are not
            // columns, and the leaf's column stays empty.
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match self.node.children.get(key.as_ref()) {
                Some(child) if !child.written => map.next_value_seed(Walk {
                    node: child,
                    base: self.base,
                    leaves: &mut *self.leaves,
                    whole: &mut *self.whole,
                    top: false,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let value = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        if self.top {
            *self.whole = true;
            return Ok(());
        }
        self.emit(FlatValue::Owned(value.to_string()));
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, flag: bool) -> Result<(), E> {
        self.scalar(FlatValue::Bool(flag))
    }

    fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<(), E> {
        self.scalar(FlatValue::Number(number.into()))
    }

    fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<(), E> {
        self.scalar(FlatValue::Number(number.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, number: f64) -> Result<(), E> {
        self.scalar(Number::from_f64(number).map_or(FlatValue::Null, FlatValue::Number))
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<(), E> {
        let start = (text.as_ptr() as usize).wrapping_sub(self.base);
        self.scalar(FlatValue::Text(start, start + text.len()))
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        self.scalar(FlatValue::Owned(text.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, text: String) -> Result<(), E> {
        self.scalar(FlatValue::Owned(text))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.scalar(FlatValue::Null)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.scalar(FlatValue::Null)
    }
}

impl Walk<'_> {
    fn scalar<E: serde::de::Error>(self, value: FlatValue) -> Result<(), E> {
        if self.top {
            // Not an object: the whole way names the error.
            *self.whole = true;
            return Ok(());
        }
        self.emit(value);
        Ok(())
    }
}
