//! Source schemas (the field paths a source object has, with their types) and the typed output
//! schema a compiled flow writes.
//!
//! The manager objects' schemas (`computers`, `policies`, `intrusion_prevention_rules`) are
//! generated from the Workload Security API v1 OpenAPI schemas and kept as `path<TAB>type` files
//! under `src/schemas/`; ward's own records (`findings`, `actions`, `alerts`) are written by hand
//! there too. The `file` source has an open schema: any path is accepted, its type unknown.
//! Arrays are leaves (a path never goes inside one); an object path is valid too and stands for
//! everything below it.

use crate::record::{FieldPath, Record};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The type of a source field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Text.
    String,
    /// A whole number (64-bit).
    Integer,
    /// A floating-point number.
    Double,
    /// `true` or `false`.
    Boolean,
    /// Epoch milliseconds (the manager's timestamps) or RFC 3339 text.
    Timestamp,
    /// A JSON array; written as its JSON text.
    Array,
    /// A JSON object; flattened with `_` in tabular outputs.
    Object,
    /// Not known in advance (the open `file` schema): compared by the value's own kind, written
    /// as text.
    Any,
}

impl FieldType {
    /// Parses a type name as it appears in schema files and `DATA_TYPE`-like task properties;
    /// AppFlow's and SQL-ish spellings are accepted (`int`, `long`, `float`, `datetime`, …).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "string" | "text" | "varchar" | "id" | "reference" | "picklist" | "email"
            | "textarea" | "phone" | "url" => Self::String,
            "integer" | "int" | "long" | "int32" | "int64" | "bigint" | "short" | "byte" => {
                Self::Integer
            }
            "double" | "float" | "number" | "decimal" | "currency" | "percent" => Self::Double,
            "boolean" | "bool" => Self::Boolean,
            "timestamp" | "datetime" | "date" | "time" | "date-time" => Self::Timestamp,
            "array" | "list" => Self::Array,
            "object" | "struct" | "map" => Self::Object,
            "any" => Self::Any,
            _ => return None,
        })
    }

    /// The column type this field has in a tabular output.
    pub fn column_type(self) -> ColumnType {
        match self {
            Self::Integer => ColumnType::Integer,
            Self::Double => ColumnType::Double,
            Self::Boolean => ColumnType::Boolean,
            Self::Timestamp => ColumnType::Timestamp,
            Self::String | Self::Array | Self::Object | Self::Any => ColumnType::String,
        }
    }

    /// True for integer and double.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Integer | Self::Double)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Double => "double",
            Self::Boolean => "boolean",
            Self::Timestamp => "timestamp",
            Self::Array => "array",
            Self::Object => "object",
            Self::Any => "any",
        })
    }
}

/// The type of an output column, for writers that make typed columns (Parquet with
/// `preserve_source_data_typing`). Arrays, objects' JSON and unknown values are `String`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Text.
    String,
    /// 64-bit integer.
    Integer,
    /// 64-bit float.
    Double,
    /// Boolean.
    Boolean,
    /// Epoch milliseconds, UTC.
    Timestamp,
}

/// One column of the output schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The flattened name (`ec2VirtualMachineSummary_type`).
    pub name: String,
    /// Its type.
    pub column_type: ColumnType,
    /// Written only to files whose records hold a value for it. `Map_all` over a source with a
    /// known schema expands to every field the schema has (hundreds for `computers`), of which a
    /// record carries a few dozen: those columns are sparse, and a file gets only the ones its
    /// data has. The columns that tasks name (Map, Merge, Mask, …) are always written.
    #[serde(default)]
    pub sparse: bool,
}

/// What a compiled flow writes: its columns in order (flattened names), and whether records
/// may hold more (an open source schema mapped whole: columns are then discovered from data).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputSchema {
    /// Known columns, in the order of the tasks that produce them.
    pub columns: Vec<Column>,
    /// True when records may carry columns not listed (typed `String`).
    pub open: bool,
}

impl OutputSchema {
    /// The type of the column named `name`, if listed.
    pub fn column_type(&self, name: &str) -> Option<ColumnType> {
        self.columns
            .iter()
            .find(|column| column.name == name)
            .map(|column| column.column_type)
    }

    /// Adds a column, or retypes the one of that name (the later task wins; a column a task
    /// names is never sparse).
    pub(crate) fn push(&mut self, name: String, column_type: ColumnType, sparse: bool) {
        if let Some(column) = self.columns.iter_mut().find(|column| column.name == name) {
            column.column_type = column_type;
            column.sparse &= sparse;
        } else {
            self.columns.push(Column {
                name,
                column_type,
                sparse,
            });
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Node {
    field_type: Option<FieldType>,
    children: BTreeMap<Box<str>, Node>,
}

/// The fields a source object has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSchema {
    name: String,
    root: Node,
    open: bool,
}

/// A schema file line that is not `path<TAB>type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema {schema} line {line}: {reason}")]
pub struct SchemaError {
    /// The schema's name.
    pub schema: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// The sources ward knows, with their embedded schema text (`None`: open schema).
const BUILTIN: &[(&str, Option<&str>)] = &[
    ("computers", Some(include_str!("schemas/computers.tsv"))),
    ("policies", Some(include_str!("schemas/policies.tsv"))),
    (
        "intrusion_prevention_rules",
        Some(include_str!("schemas/intrusion_prevention_rules.tsv")),
    ),
    ("findings", Some(include_str!("schemas/findings.tsv"))),
    ("actions", Some(include_str!("schemas/actions.tsv"))),
    ("alerts", Some(include_str!("schemas/alerts.tsv"))),
    ("file", None),
];

impl SourceSchema {
    /// The names of the built-in sources.
    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(name, _)| *name)
    }

    /// The schema of a built-in source (`computers`, `policies`, `intrusion_prevention_rules`,
    /// `findings`, `actions`, `alerts`, `file`).
    pub fn builtin(source: &str) -> Option<Self> {
        let (name, text) = BUILTIN.iter().find(|(name, _)| *name == source)?;
        match text {
            None => Some(Self::open(name)),
            // The embedded files are checked by a unit test; a bad line cannot ship.
            Some(text) => Self::from_tsv(name, text).ok(),
        }
    }

    /// The schema a flow's source is checked against: the built-in one of the manager's objects
    /// and ward's tables, an open one for a file.
    pub fn of(source: &ward_core::records::FlowSource) -> Self {
        Self::builtin(source.name()).unwrap_or_else(|| Self::open(source.name()))
    }

    /// An open schema: every path exists, typed [`FieldType::Any`].
    pub fn open(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            root: Node::default(),
            open: true,
        }
    }

    /// A closed schema from `(path, type)` pairs; the parents of every path are objects.
    pub fn from_fields(
        name: &str,
        fields: impl IntoIterator<Item = (FieldPath, FieldType)>,
    ) -> Self {
        let mut root = Node::default();
        for (path, field_type) in fields {
            let mut node = &mut root;
            for segment in path.segments() {
                node = node.children.entry(Box::from(segment)).or_default();
            }
            node.field_type = Some(field_type);
        }
        Self {
            name: name.to_owned(),
            root,
            open: false,
        }
    }

    /// Parses `path<TAB>type` lines (blank lines and `#` comments skipped).
    pub fn from_tsv(name: &str, text: &str) -> Result<Self, SchemaError> {
        let mut fields = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = |reason: String| SchemaError {
                schema: name.to_owned(),
                line: index + 1,
                reason,
            };
            let (path, field_type) = line
                .split_once('\t')
                .ok_or_else(|| error("expected `path<TAB>type`".to_owned()))?;
            let path = FieldPath::parse(path.trim()).map_err(|e| error(e.to_string()))?;
            let field_type = FieldType::parse(field_type)
                .ok_or_else(|| error(format!("unknown type `{}`", field_type.trim())))?;
            fields.push((path, field_type));
        }
        Ok(Self::from_fields(name, fields))
    }

    /// The schema's (source's) name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True for an open schema (every path accepted).
    pub fn is_open(&self) -> bool {
        self.open
    }

    fn node(&self, path: &FieldPath) -> Option<&Node> {
        let mut node = &self.root;
        for segment in path.segments() {
            node = node.children.get(segment)?;
        }
        Some(node)
    }

    /// The type of `path`: its declared type, `Object` for a path with fields below it, `Any`
    /// for every path of an open schema; `None` when the path does not exist.
    pub fn field_type(&self, path: &FieldPath) -> Option<FieldType> {
        if self.open {
            return Some(FieldType::Any);
        }
        let node = self.node(path)?;
        match node.field_type {
            Some(field_type) if node.children.is_empty() => Some(field_type),
            _ if !node.children.is_empty() => Some(FieldType::Object),
            other => other,
        }
    }

    /// Every leaf field at or below `path`, with its path relative to `path` (empty `Vec` of
    /// segments for `path` itself when it is a leaf), in path order.
    pub fn leaves_under(&self, path: &FieldPath) -> Vec<(Vec<String>, FieldType)> {
        let mut leaves = Vec::new();
        if let Some(node) = self.node(path) {
            collect_leaves(node, &mut Vec::new(), &mut leaves);
        }
        leaves
    }

    /// Every leaf field of the schema, in path order (empty for an open schema).
    pub fn fields(&self) -> Vec<(FieldPath, FieldType)> {
        let mut leaves = Vec::new();
        collect_leaves(&self.root, &mut Vec::new(), &mut leaves);
        leaves
            .into_iter()
            .filter_map(|(segments, field_type)| {
                FieldPath::parse(&segments.join("."))
                    .ok()
                    .map(|path| (path, field_type))
            })
            .collect()
    }

    /// Removes from `record` every field the schema does not list (nothing for an open schema).
    pub fn prune(&self, record: &mut Record) {
        if !self.open {
            prune_object(&self.root, record);
        }
    }
}

fn collect_leaves(
    node: &Node,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, FieldType)>,
) {
    if node.children.is_empty() {
        leaves.push((prefix.clone(), node.field_type.unwrap_or(FieldType::Any)));
        return;
    }
    for (key, child) in &node.children {
        prefix.push(key.to_string());
        collect_leaves(child, prefix, leaves);
        prefix.pop();
    }
}

fn prune_object(node: &Node, object: &mut Record) {
    object.retain(|key, value| match node.children.get(key.as_str()) {
        None => false,
        Some(child) => {
            if !child.children.is_empty()
                && let Some(inner) = value.as_object_mut()
            {
                prune_object(child, inner);
            }
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).unwrap()
    }

    #[test]
    fn every_builtin_schema_parses() {
        for name in SourceSchema::builtin_names() {
            let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name).unwrap();
            if let Some(text) = text {
                let schema = SourceSchema::from_tsv(name, text).unwrap();
                assert!(!schema.fields().is_empty(), "{name} has no fields");
            }
        }
    }

    #[test]
    fn computers_schema_follows_the_api_field_names() {
        let computers = SourceSchema::builtin("computers").unwrap();
        assert_eq!(computers.field_type(&path("ID")), Some(FieldType::Integer));
        assert_eq!(
            computers.field_type(&path("hostName")),
            Some(FieldType::String)
        );
        assert_eq!(
            computers.field_type(&path("ec2VirtualMachineSummary.type")),
            Some(FieldType::String)
        );
        assert_eq!(
            computers.field_type(&path("computerStatus.agentStatus")),
            Some(FieldType::String)
        );
        assert_eq!(
            computers.field_type(&path("lastAgentCommunication")),
            Some(FieldType::Timestamp)
        );
        assert_eq!(
            computers.field_type(&path("ec2VirtualMachineSummary")),
            Some(FieldType::Object)
        );
        assert_eq!(computers.field_type(&path("hostname")), None);
        assert_eq!(computers.field_type(&path("hostName.x")), None);
    }

    #[test]
    fn open_schema_accepts_any_path() {
        let file = SourceSchema::builtin("file").unwrap();
        assert!(file.is_open());
        assert_eq!(
            file.field_type(&path("anything.at.all")),
            Some(FieldType::Any)
        );
    }

    #[test]
    fn prune_drops_unknown_fields_at_every_level() {
        let schema = SourceSchema::from_fields(
            "t",
            [
                (path("a"), FieldType::String),
                (path("b.c"), FieldType::Integer),
            ],
        );
        let mut record = json!({"a": "x", "z": 1, "b": {"c": 2, "d": 3}})
            .as_object()
            .cloned()
            .unwrap();
        schema.prune(&mut record);
        assert_eq!(json!(record), json!({"a": "x", "b": {"c": 2}}));
    }

    #[test]
    fn leaves_under_an_object_path() {
        let schema = SourceSchema::builtin("computers").unwrap();
        let leaves = schema.leaves_under(&path("computerStatus"));
        assert!(leaves.contains(&(vec!["agentStatus".to_owned()], FieldType::String)));
        assert!(leaves.iter().all(|(segments, _)| segments.len() == 1));
    }
}
