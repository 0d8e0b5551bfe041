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
    fn display_and_flattened_name() {
        let path = FieldPath::parse("computerStatus.agentStatus").unwrap();
        assert_eq!(path.to_string(), "computerStatus.agentStatus");
        assert_eq!(path.flattened(), "computerStatus_agentStatus");
        assert!(path.starts_with(&FieldPath::parse("computerStatus").unwrap()));
        assert!(!path.starts_with(&FieldPath::parse("computer").unwrap()));
    }
}
