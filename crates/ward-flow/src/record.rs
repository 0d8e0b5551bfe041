//! Records and field paths: a record is a JSON object as the manager (or a file) gives it, and a
//! [`FieldPath`] such as `ec2VirtualMachineSummary.type` addresses a value inside it.
//!
//! Tabular outputs (CSV, Parquet) need flat rows: [`flatten`] joins nested object keys with `_`
//! (`ec2VirtualMachineSummary.type` → `ec2VirtualMachineSummary_type`) and keeps every array as
//! its compact JSON text (`["sg-1","sg-2"]`), so a row always has one scalar per column. An empty
//! object yields no column; when two keys flatten to the same name, the first one (in the
//! record's key order) wins.

use serde_json::{Map, Value};
use std::fmt;

/// One record: a JSON object.
pub type Record = Map<String, Value>;

/// The separator [`flatten`] puts between nested keys.
pub const FLATTEN_SEPARATOR: char = '_';

/// A dotted path to a value inside a [`Record`]: `computerStatus.agentStatus`.
///
/// Segments are object keys; a path never indexes into arrays (an array is a value like any
/// other). Parsed once, when a flow is compiled, and then used for every record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath {
    segments: Box<[Box<str>]>,
}

/// Why a text is not a field path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldPathError {
    /// The text is empty.
    #[error("empty field path")]
    Empty,
    /// Two dots in a row, or a dot at either end.
    #[error("empty segment in field path `{0}`")]
    EmptySegment(String),
}

impl FieldPath {
    /// Parses `a.b.c`; every segment must be non-empty.
    pub fn parse(text: &str) -> Result<Self, FieldPathError> {
        if text.is_empty() {
            return Err(FieldPathError::Empty);
        }
        let segments: Box<[Box<str>]> = text.split('.').map(Box::from).collect();
        if segments.iter().any(|segment| segment.is_empty()) {
            return Err(FieldPathError::EmptySegment(text.to_owned()));
        }
        Ok(Self { segments })
    }

    /// The path's segments, outermost first.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = &str> {
        self.segments.iter().map(AsRef::as_ref)
    }

    /// The number of segments (at least one).
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// Always false: a path has at least one segment.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The column name of this path in a flattened row: segments joined with `_`.
    pub fn flattened(&self) -> String {
        let mut name = String::new();
        for (index, segment) in self.segments.iter().enumerate() {
            if index > 0 {
                name.push(FLATTEN_SEPARATOR);
            }
            name.push_str(segment);
        }
        name
    }

    /// True when `self` is `other` or lies inside it (`a.b.c` starts with `a.b`).
    pub fn starts_with(&self, other: &FieldPath) -> bool {
        self.segments.len() >= other.segments.len()
            && self.segments[..other.segments.len()] == other.segments[..]
    }

    fn split_last(&self) -> (&[Box<str>], &str) {
        match self.segments.split_last() {
            Some((last, parents)) => (parents, last),
            None => (&[], ""),
        }
    }

    /// The value at this path, if every step is an object holding the next key.
    pub fn get<'r>(&self, record: &'r Record) -> Option<&'r Value> {
        let (parents, last) = self.split_last();
        let mut object = record;
        for segment in parents {
            object = object.get(segment.as_ref())?.as_object()?;
        }
        object.get(last)
    }

    /// Like [`FieldPath::get`], mutable.
    pub fn get_mut<'r>(&self, record: &'r mut Record) -> Option<&'r mut Value> {
        let (parents, last) = self.split_last();
        let mut object = record;
        for segment in parents {
            object = object.get_mut(segment.as_ref())?.as_object_mut()?;
        }
        object.get_mut(last)
    }

    /// Removes the value at this path and returns it; parents are left in place (even if empty).
    pub fn remove(&self, record: &mut Record) -> Option<Value> {
        let (parents, last) = self.split_last();
        let mut object = record;
        for segment in parents {
            object = object.get_mut(segment.as_ref())?.as_object_mut()?;
        }
        object.remove(last)
    }

    /// Sets the value at this path, creating missing parent objects and replacing a parent that
    /// is not an object. Returns the value it replaced.
    pub fn set(&self, record: &mut Record, value: Value) -> Option<Value> {
        let (parents, last) = self.split_last();
        let mut object = record;
        for segment in parents {
            let slot = object
                .entry(segment.as_ref())
                .and_modify(|slot| {
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                })
                .or_insert_with(|| Value::Object(Map::new()));
            // The slot is an object now, so this always continues.
            object = slot.as_object_mut()?;
        }
        object.insert(last.to_owned(), value)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, segment) in self.segments.iter().enumerate() {
            if index > 0 {
                f.write_str(".")?;
            }
            f.write_str(segment)?;
        }
        Ok(())
    }
}

impl std::str::FromStr for FieldPath {
    type Err = FieldPathError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// A flat copy of `record` for tabular outputs: nested objects become `parent_child` keys,
/// arrays become their JSON text, scalars stay as they are.
pub fn flatten(record: &Record) -> Record {
    let mut flat = Map::new();
    flatten_into(record, &mut String::new(), &mut flat);
    flat
}

fn flatten_into(object: &Record, prefix: &mut String, flat: &mut Record) {
    for (key, value) in object {
        let length = prefix.len();
        if length > 0 {
            prefix.push(FLATTEN_SEPARATOR);
        }
        prefix.push_str(key);
        match value {
            Value::Object(inner) => flatten_into(inner, prefix, flat),
            Value::Array(_) => {
                if !flat.contains_key(prefix.as_str()) {
                    flat.insert(prefix.clone(), Value::String(value.to_string()));
                }
            }
            scalar => {
                if !flat.contains_key(prefix.as_str()) {
                    flat.insert(prefix.clone(), scalar.clone());
                }
            }
        }
        prefix.truncate(length);
    }
}

/// Why a line of JSON-lines text is not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonLineError {
    /// The line is not JSON.
    #[error("line {line}: not JSON: {cause}")]
    NotJson {
        /// The line, 1-based within the text parsed.
        line: usize,
        /// The parser's message.
        cause: String,
    },
    /// The line is JSON but not an object.
    #[error("line {line}: not an object but {kind}")]
    NotObject {
        /// The line, 1-based within the text parsed.
        line: usize,
        /// `an array`, `a string`, …
        kind: &'static str,
    },
}

impl JsonLineError {
    /// The line, 1-based within the text parsed.
    pub fn line(&self) -> usize {
        match self {
            Self::NotJson { line, .. } | Self::NotObject { line, .. } => *line,
        }
    }
}

/// Lines of text parsed per parallel task of [`parse_json_lines`].
const PARSE_CHUNK: usize = 128;

/// Parses JSON-lines text (complete lines; blank ones are skipped) into records, in order, on
/// all cores (rayon) when there are many lines. The first bad line, in order, is the error.
pub fn parse_json_lines(text: &str) -> Result<Vec<Record>, JsonLineError> {
    use rayon::prelude::*;
    let lines: Vec<&str> = text.lines().collect();
    let parse = |(index, line): (usize, &&str)| -> Option<Result<Record, JsonLineError>> {
        (!line.trim().is_empty()).then(|| parse_line(index + 1, line))
    };
    if lines.len() < 2 * PARSE_CHUNK {
        return lines.iter().enumerate().filter_map(parse).collect();
    }
    let parsed: Vec<Option<Result<Record, JsonLineError>>> = lines
        .par_iter()
        .enumerate()
        .with_min_len(PARSE_CHUNK)
        .map(parse)
        .collect();
    parsed.into_iter().flatten().collect()
}

/// Parses line `line` (1-based) of JSON-lines text.
pub(crate) fn parse_line(line: usize, text: &str) -> Result<Record, JsonLineError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(record)) => Ok(record),
        Ok(other) => Err(JsonLineError::NotObject {
            line,
            kind: kind(&other),
        }),
        Err(error) => Err(JsonLineError::NotJson {
            line,
            cause: error.to_string(),
        }),
    }
}

/// The kind of a JSON value, for messages: `an object`, `an array`, …
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Which parts of a source record a flow needs, so that a parser skips the rest without
/// building it ([`parse_kept`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    /// The whole value.
    All,
    /// Nothing.
    Skip,
    /// Of an object, only these keys (each as its rule says). A value that is not an object is
    /// kept whole.
    Only(KeyMap<Keep>),
    /// Of an object, every key whole but these (each as its rule says). A value that is not an
    /// object is kept whole.
    Except(KeyMap<Keep>),
}

impl Keep {
    /// Nothing but what [`Keep::keep`] adds.
    pub fn nothing() -> Self {
        Self::Only(KeyMap::default())
    }

    /// Keeps the whole value at `path` (and the objects on the way to it).
    pub fn keep(&mut self, path: &FieldPath) {
        self.set(&path.segments, Self::All);
    }

    /// Skips the value at `path`.
    pub fn skip(&mut self, path: &FieldPath) {
        self.set(&path.segments, Self::Skip);
    }

    fn set(&mut self, segments: &[Box<str>], rule: Self) {
        let Some((first, rest)) = segments.split_first() else {
            *self = rule;
            return;
        };
        match self {
            Self::All => *self = Self::Except(KeyMap::default()),
            Self::Skip => *self = Self::Only(KeyMap::default()),
            Self::Only(_) | Self::Except(_) => {}
        }
        let (children, missing) = match self {
            Self::Only(children) => (children, Self::Skip),
            Self::Except(children) => (children, Self::All),
            Self::All | Self::Skip => return,
        };
        children
            .entry(first.clone())
            .or_insert(missing)
            .set(rest, rule);
    }

    /// The rule for the value under `key`, in an object this rule applies to.
    pub(crate) fn child(&self, key: &str) -> &Self {
        match self {
            Self::All => &Self::All,
            Self::Skip => &Self::Skip,
            Self::Only(children) => children.get(key).unwrap_or(&Self::Skip),
            Self::Except(children) => children.get(key).unwrap_or(&Self::All),
        }
    }
}

/// A fast hash for the short keys of [`Keep`] and the flat reading's trees (not resistant to
/// chosen keys: the tables hold a flow's own field names, never keys from the data).
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in chunks.by_ref() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A map keyed by object keys, hashed with [`KeyHasher`].
pub type KeyMap<V> =
    std::collections::HashMap<Box<str>, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// Parses one JSON object, building only what `keep` keeps: skipped values are read (so the
/// text must be valid JSON all the same) but never built. With [`Keep::All`] this is
/// `serde_json::from_str`.
pub fn parse_kept(text: &str, keep: &Keep) -> Result<Record, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = KeptValue(keep).deserialize(&mut deserializer)?;
    deserializer.end()?;
    match value {
        Value::Object(record) => Ok(record),
        other => Err(serde::de::Error::invalid_type(
            serde::de::Unexpected::Other(kind(&other)),
            &"a JSON object",
        )),
    }
}

/// A value built as a [`Keep`] rule says.
pub(crate) struct KeptValue<'k>(pub(crate) &'k Keep);

impl<'de> serde::de::DeserializeSeed<'de> for KeptValue<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        match self.0 {
            Keep::All | Keep::Skip => serde::Deserialize::deserialize(deserializer),
            rule => deserializer.deserialize_any(KeptVisitor(rule)),
        }
    }
}

struct KeptVisitor<'k>(&'k Keep);

/// An object key, borrowed from the text when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(text.to_owned())))
            }
            fn visit_string<E>(self, text: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> serde::de::Visitor<'de> for KeptVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match self.0.child(&key) {
                Keep::Skip => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                rule => {
                    let value = map.next_value_seed(KeptValue(rule))?;
                    object.insert(key.into_owned(), value);
                }
            }
        }
        Ok(Value::Object(object))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Value, E> {
        Ok(Value::Bool(flag))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Value, E> {
        Ok(Value::from(number))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Value, E> {
        Ok(Value::from(number))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, text: &str) -> Result<Value, E> {
        Ok(Value::String(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Value, E> {
        Ok(Value::String(text))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// The text of a scalar as tasks see it: strings as they are, numbers and booleans as JSON writes
/// them, arrays and objects as compact JSON; `None` for null.
pub fn value_text(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(std::borrow::Cow::Borrowed(text)),
        other => Some(std::borrow::Cow::Owned(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(value: Value) -> Record {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn parse_rejects_empty_segments() {
        assert_eq!(FieldPath::parse(""), Err(FieldPathError::Empty));
        assert!(FieldPath::parse("a..b").is_err());
        assert!(FieldPath::parse(".a").is_err());
        assert!(FieldPath::parse("a.").is_err());
        assert_eq!(FieldPath::parse("a.b").map(|p| p.len()), Ok(2));
    }

    #[test]
    fn get_set_remove_nested() {
        let mut computer =
            record(json!({"ec2VirtualMachineSummary": {"type": "t3.micro"}, "ID": 7}));
        let path = FieldPath::parse("ec2VirtualMachineSummary.type").unwrap();
        assert_eq!(path.get(&computer), Some(&json!("t3.micro")));
        assert_eq!(FieldPath::parse("ID.x").unwrap().get(&computer), None);
        path.set(&mut computer, json!("m5.large"));
        assert_eq!(path.get(&computer), Some(&json!("m5.large")));
        assert_eq!(path.remove(&mut computer), Some(json!("m5.large")));
        assert_eq!(path.get(&computer), None);
        // set replaces a scalar parent by an object
        FieldPath::parse("ID.inner")
            .unwrap()
            .set(&mut computer, json!(1));
        assert_eq!(computer["ID"], json!({"inner": 1}));
    }

    #[test]
    fn flatten_joins_keys_and_keeps_arrays_as_json_text() {
        let computer = record(json!({
            "hostName": "web-1",
            "ec2VirtualMachineSummary": {"type": "t3.micro", "securityGroups": [{"id": "sg-1"}]},
            "computerStatus": {"agentStatus": "active"},
            "empty": {},
        }));
        let flat = flatten(&computer);
        assert_eq!(flat["ec2VirtualMachineSummary_type"], json!("t3.micro"));
        assert_eq!(
            flat["ec2VirtualMachineSummary_securityGroups"],
            json!("[{\"id\":\"sg-1\"}]")
        );
        assert_eq!(flat["computerStatus_agentStatus"], json!("active"));
        assert!(!flat.contains_key("empty"));
        assert_eq!(flat.len(), 4);
    }

    #[test]
    fn json_lines_parse_in_order_and_name_the_first_bad_line() {
        let text: String = (0..1000)
            .map(|id| format!("{{\"ID\": {id}}}\n\n"))
            .collect();
        let records = parse_json_lines(&text).unwrap();
        assert_eq!(records.len(), 1000);
        assert!(
            records
                .iter()
                .enumerate()
                .all(|(id, r)| r["ID"] == json!(id))
        );
        let bad = format!("{text}[1]\n{{\n");
        assert_eq!(
            parse_json_lines(&bad).unwrap_err(),
            JsonLineError::NotObject {
                line: 2001,
                kind: "an array"
            }
        );
        assert_eq!(parse_json_lines("{}\n{").unwrap_err().line(), 2);
    }

    #[test]
    fn parse_kept_builds_only_what_is_kept() {
        let text = r#"{"a": {"b": 1, "c": [1, {"d": 2}]}, "e": "x", "f": {"g": null}, "h": 2.5}"#;
        let full: Record = serde_json::from_str(text).unwrap();
        assert_eq!(parse_kept(text, &Keep::All).unwrap(), full);
        let path = |text: &str| FieldPath::parse(text).unwrap();
        let mut keep = Keep::All;
        keep.skip(&path("a.c"));
        keep.skip(&path("f"));
        assert_eq!(
            Value::Object(parse_kept(text, &keep).unwrap()),
            json!({"a": {"b": 1}, "e": "x", "h": 2.5})
        );
        let mut keep = Keep::nothing();
        keep.keep(&path("a.b"));
        keep.keep(&path("e.x"));
        assert_eq!(
            Value::Object(parse_kept(text, &keep).unwrap()),
            json!({"a": {"b": 1}, "e": "x"})
        );
        // a skipped part is still checked as JSON; a line must be an object
        assert!(parse_kept(r#"{"f": [1,}"#, &keep).is_err());
        assert!(parse_kept("[1]", &keep).is_err());
        assert!(parse_kept("{} x", &keep).is_err());
    }

    #[test]
    fn display_and_flattened_name() {
        let path = FieldPath::parse("computerStatus.agentStatus").unwrap();
        assert_eq!(path.to_string(), "computerStatus.agentStatus");
        assert_eq!(path.flattened(), "computerStatus_agentStatus");
        assert!(path.starts_with(&FieldPath::parse("computerStatus").unwrap()));
        assert!(!path.starts_with(&FieldPath::parse("computer").unwrap()));
    }
}
