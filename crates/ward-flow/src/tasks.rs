//! AppFlow's task types and operators, and what each does to a value.
//!
//! Semantics (pinned by the unit tests below and by the plan's tests):
//!
//! * **Mask** replaces characters by `MASK_VALUE` (one character, `*` by default), keeping the
//!   length in characters: `MASK_ALL` every character, `MASK_FIRST_N` / `MASK_LAST_N` the first or
//!   last `MASK_LENGTH` (all of them when the text is shorter). Numbers and booleans are masked as
//!   their text (the result is a string); null stays null.
//! * **Truncate** keeps the first `TRUNCATE_LENGTH` characters; non-strings are truncated as their
//!   text; null stays null.
//! * **Filter** comparisons (`EQUAL_TO`, `NOT_EQUAL_TO`, `LESS_THAN`, `LESS_THAN_OR_EQUAL_TO`,
//!   `GREATER_THAN`, `GREATER_THAN_OR_EQUAL_TO`, `BETWEEN` (both bounds included), `CONTAINS`)
//!   compare as `DATA_TYPE` says, or as the source field's type. A missing or null value never
//!   matches (SQL's rule), nor does a value that cannot be read as the type. `EQUAL_TO` with
//!   `VALUES` matches any of them, `NOT_EQUAL_TO` with `VALUES` none of them. `CONTAINS` is a
//!   substring test on text, and an element test on arrays.
//! * **Validate**: `VALIDATE_NON_NULL` fails on a missing or null value; `VALIDATE_NON_ZERO`,
//!   `VALIDATE_NON_NEGATIVE` fail on a number (or numeric text) that is zero or negative;
//!   `VALIDATE_NUMERIC` fails on a present value that is not a number or numeric text. A null
//!   passes the last three (pair them with `VALIDATE_NON_NULL` to require a value).
//! * **Arithmetic** folds the operands left to right in `MATH_OPERATION_FIELDS_ORDER` (or
//!   source-field order); a missing or non-numeric operand, or a division by zero, gives null.

use crate::record::value_text;
use crate::schema::FieldType;
use crate::time::timestamp_millis;
use serde_json::{Number, Value};
use std::cmp::Ordering;

/// AppFlow's task types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskType {
    /// Compute a field from others with `ADDITION`, `SUBTRACTION`, `MULTIPLICATION`, `DIVISION`.
    Arithmetic,
    /// Keep only matching records (or, with `PROJECTION`, name the fields to read).
    Filter,
    /// Copy one source field to a destination field.
    Map,
    /// Copy every field (minus `EXCLUDE_SOURCE_FIELDS_LIST`).
    MapAll,
    /// Mask characters.
    Mask,
    /// Concatenate fields with `CONCAT_FORMAT`.
    Merge,
    /// Copy fields under their own names.
    Passthrough,
    /// Cut text to `TRUNCATE_LENGTH`.
    Truncate,
    /// Check values; drop the record or stop the run.
    Validate,
    /// Name the destination fields that partition the output.
    Partition,
}

impl TaskType {
    /// Parses AppFlow's spelling (`Map_all`; case-insensitive, `-` or `_` accepted).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().replace('-', "_").as_str() {
            "arithmetic" => Self::Arithmetic,
            "filter" => Self::Filter,
            "map" => Self::Map,
            "map_all" | "mapall" => Self::MapAll,
            "mask" => Self::Mask,
            "merge" => Self::Merge,
            "passthrough" => Self::Passthrough,
            "truncate" => Self::Truncate,
            "validate" => Self::Validate,
            "partition" => Self::Partition,
            _ => return None,
        })
    }

    /// AppFlow's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arithmetic => "Arithmetic",
            Self::Filter => "Filter",
            Self::Map => "Map",
            Self::MapAll => "Map_all",
            Self::Mask => "Mask",
            Self::Merge => "Merge",
            Self::Passthrough => "Passthrough",
            Self::Truncate => "Truncate",
            Self::Validate => "Validate",
            Self::Partition => "Partition",
        }
    }

    /// The operator a task of this type has when none is given.
    pub(crate) fn default_operator(self) -> Option<Operator> {
        match self {
            Self::Mask => Some(Operator::MaskAll),
            Self::Filter | Self::Validate | Self::Arithmetic => None,
            _ => Some(Operator::NoOp),
        }
    }

    /// Whether `operator` is meaningful for this task type.
    pub fn allows(self, operator: Operator) -> bool {
        use Operator::*;
        match self {
            Self::Map
            | Self::MapAll
            | Self::Merge
            | Self::Truncate
            | Self::Passthrough
            | Self::Partition => operator == NoOp,
            Self::Mask => matches!(operator, MaskAll | MaskFirstN | MaskLastN),
            Self::Filter => matches!(
                operator,
                Projection
                    | LessThan
                    | GreaterThan
                    | Contains
                    | Between
                    | LessThanOrEqualTo
                    | GreaterThanOrEqualTo
                    | EqualTo
                    | NotEqualTo
            ),
            Self::Validate => matches!(
                operator,
                ValidateNonNull | ValidateNonZero | ValidateNonNegative | ValidateNumeric
            ),
            Self::Arithmetic => {
                matches!(operator, Addition | Multiplication | Division | Subtraction)
            }
        }
    }
}

/// AppFlow's generic `Operator` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Operator {
    Projection,
    LessThan,
    GreaterThan,
    Contains,
    Between,
    LessThanOrEqualTo,
    GreaterThanOrEqualTo,
    EqualTo,
    NotEqualTo,
    Addition,
    Multiplication,
    Division,
    Subtraction,
    MaskAll,
    MaskFirstN,
    MaskLastN,
    ValidateNonNull,
    ValidateNonZero,
    ValidateNonNegative,
    ValidateNumeric,
    NoOp,
}

const OPERATORS: &[(&str, Operator)] = &[
    ("PROJECTION", Operator::Projection),
    ("LESS_THAN", Operator::LessThan),
    ("GREATER_THAN", Operator::GreaterThan),
    ("CONTAINS", Operator::Contains),
    ("BETWEEN", Operator::Between),
    ("LESS_THAN_OR_EQUAL_TO", Operator::LessThanOrEqualTo),
    ("GREATER_THAN_OR_EQUAL_TO", Operator::GreaterThanOrEqualTo),
    ("EQUAL_TO", Operator::EqualTo),
    ("NOT_EQUAL_TO", Operator::NotEqualTo),
    ("ADDITION", Operator::Addition),
    ("MULTIPLICATION", Operator::Multiplication),
    ("DIVISION", Operator::Division),
    ("SUBTRACTION", Operator::Subtraction),
    ("MASK_ALL", Operator::MaskAll),
    ("MASK_FIRST_N", Operator::MaskFirstN),
    ("MASK_LAST_N", Operator::MaskLastN),
    ("VALIDATE_NON_NULL", Operator::ValidateNonNull),
    ("VALIDATE_NON_ZERO", Operator::ValidateNonZero),
    ("VALIDATE_NON_NEGATIVE", Operator::ValidateNonNegative),
    ("VALIDATE_NUMERIC", Operator::ValidateNumeric),
    ("NO_OP", Operator::NoOp),
];

impl Operator {
    /// Parses AppFlow's spelling (`MASK_FIRST_N`; case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        OPERATORS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text.trim()))
            .map(|(_, operator)| *operator)
    }

    /// AppFlow's spelling.
    pub fn as_str(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, operator)| *operator == self)
            .map_or("NO_OP", |(name, _)| name)
    }
}

/// AppFlow's `OperatorPropertiesKeys`: the only keys `taskProperties` may hold.
pub const PROPERTY_KEYS: &[&str] = &[
    "VALUE",
    "VALUES",
    "DATA_TYPE",
    "UPPER_BOUND",
    "LOWER_BOUND",
    "SOURCE_DATA_TYPE",
    "DESTINATION_DATA_TYPE",
    "VALIDATION_ACTION",
    "MASK_VALUE",
    "MASK_LENGTH",
    "TRUNCATE_LENGTH",
    "MATH_OPERATION_FIELDS_ORDER",
    "CONCAT_FORMAT",
    "SUBFIELD_CATEGORY_MAP",
    "EXCLUDE_SOURCE_FIELDS_LIST",
    "INCLUDE_NEW_FIELDS",
    "ORDERED_PARTITION_KEYS_LIST",
];

/// Which characters a Mask task replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskMode {
    /// Every character.
    All,
    /// The first n characters.
    FirstN(usize),
    /// The last n characters.
    LastN(usize),
}

/// Masks `text` with `mask` as `mode` says; the result has as many characters as `text`.
pub fn mask_text(text: &str, mode: MaskMode, mask: char) -> String {
    let length = text.chars().count();
    let (from, to) = match mode {
        MaskMode::All => (0, length),
        MaskMode::FirstN(n) => (0, n.min(length)),
        MaskMode::LastN(n) => (length - n.min(length), length),
    };
    text.chars()
        .enumerate()
        .map(|(index, c)| if (from..to).contains(&index) { mask } else { c })
        .collect()
}

/// Masks a value in place (see [`mask_text`]); null stays null.
pub fn mask_value(value: &mut Value, mode: MaskMode, mask: char) {
    if let Some(text) = value_text(value) {
        let masked = mask_text(&text, mode, mask);
        *value = Value::String(masked);
    }
}

/// Truncates a value in place to at most `length` characters; null stays null, a string that is
/// short enough is left untouched.
pub fn truncate_value(value: &mut Value, length: usize) {
    match value {
        Value::Null => {}
        Value::String(text) => {
            if let Some((cut, _)) = text.char_indices().nth(length) {
                text.truncate(cut);
            }
        }
        other => {
            let text: String = other.to_string().chars().take(length).collect();
            *other = Value::String(text);
        }
    }
}

/// A number, or text that reads as a finite number.
pub fn numeric(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A boolean, or the text `true` / `false` (any case).
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Converts a value to a destination data type (`DESTINATION_DATA_TYPE`); a value that cannot
/// be converted becomes null. Arrays, objects and `Any` are left as they are.
pub fn convert(value: Value, to: FieldType) -> Value {
    match to {
        FieldType::String => match value {
            Value::Null | Value::String(_) => value,
            other => Value::String(other.to_string()),
        },
        FieldType::Integer => match &value {
            Value::Number(number) if number.is_i64() || number.is_u64() => value,
            _ => numeric(&value)
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                .map_or(Value::Null, |f| Value::from(f as i64)),
        },
        FieldType::Double => numeric(&value)
            .and_then(Number::from_f64)
            .map_or(Value::Null, Value::Number),
        FieldType::Boolean => boolean(&value).map_or(Value::Null, Value::Bool),
        FieldType::Timestamp => timestamp_millis(&value).map_or(Value::Null, Value::from),
        FieldType::Array | FieldType::Object | FieldType::Any => value,
    }
}

/// A comparison operand, already read as the comparison's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Boolean(bool),
    /// Epoch milliseconds.
    Timestamp(i64),
}

/// How a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareAs {
    /// As text (lexicographic order).
    Text,
    /// As numbers.
    Number,
    /// As booleans (equality only).
    Boolean,
    /// As instants.
    Timestamp,
    /// By the value's own kind: numerically when both read as numbers, else as text.
    Any,
}

impl CompareAs {
    /// The comparison a field type implies.
    pub fn of(field_type: FieldType) -> Self {
        match field_type {
            FieldType::Integer | FieldType::Double => Self::Number,
            FieldType::Boolean => Self::Boolean,
            FieldType::Timestamp => Self::Timestamp,
            FieldType::Any => Self::Any,
            FieldType::String | FieldType::Array | FieldType::Object => Self::Text,
        }
    }

    /// Reads a property value as an operand; `None` when it is not of the type.
    pub fn operand(self, text: &str) -> Option<Operand> {
        match self {
            Self::Text => Some(Operand::Text(text.to_owned())),
            Self::Number => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Operand::Number),
            Self::Boolean => boolean(&Value::String(text.trim().to_owned())).map(Operand::Boolean),
            Self::Timestamp => {
                timestamp_millis(&Value::String(text.to_owned())).map(Operand::Timestamp)
            }
            Self::Any => Some(
                text.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map_or_else(|| Operand::Text(text.to_owned()), Operand::Number),
            ),
        }
    }
}

/// Orders a record's value against an operand; `None` when they cannot be compared (null,
/// missing, unreadable as the operand's type).
pub fn compare(value: &Value, operand: &Operand) -> Option<Ordering> {
    match operand {
        Operand::Text(expected) => {
            value_text(value).map(|text| text.as_ref().cmp(expected.as_str()))
        }
        Operand::Number(expected) => numeric(value)?.partial_cmp(expected),
        Operand::Boolean(expected) => boolean(value).map(|flag| flag.cmp(expected)),
        Operand::Timestamp(expected) => timestamp_millis(value).map(|millis| millis.cmp(expected)),
    }
}

/// `CONTAINS`: a substring of the value's text, or an element of an array (compared as text).
pub fn contains(value: &Value, needle: &str) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => items
            .iter()
            .any(|item| value_text(item).is_some_and(|text| text == needle)),
        other => value_text(other).is_some_and(|text| text.contains(needle)),
    }
}

/// A Validate check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// `VALIDATE_NON_NULL`
    NonNull,
    /// `VALIDATE_NON_ZERO`
    NonZero,
    /// `VALIDATE_NON_NEGATIVE`
    NonNegative,
    /// `VALIDATE_NUMERIC`
    Numeric,
}

impl Check {
    /// Whether `value` (`None`: missing) passes.
    pub fn passes(self, value: Option<&Value>) -> bool {
        let value = match value {
            None | Some(Value::Null) => return self != Self::NonNull,
            Some(value) => value,
        };
        match self {
            Self::NonNull => true,
            Self::NonZero => numeric(value) != Some(0.0),
            Self::NonNegative => numeric(value).is_none_or(|n| n >= 0.0),
            Self::Numeric => numeric(value).is_some(),
        }
    }

    /// AppFlow's operator name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NonNull => "VALIDATE_NON_NULL",
            Self::NonZero => "VALIDATE_NON_ZERO",
            Self::NonNegative => "VALIDATE_NON_NEGATIVE",
            Self::Numeric => "VALIDATE_NUMERIC",
        }
    }
}

/// What a failed Validate does (`VALIDATION_ACTION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationAction {
    /// Drop the record and go on (AppFlow's console: "ignore record"). The default.
    DropRecord,
    /// Fail the run ("terminate flow").
    TerminateFlow,
}

impl ValidationAction {
    /// Parses `DropRecord` / `IgnoreRecord` / `ignore-record` / `TerminateFlow` /
    /// `terminate-flow` (case-insensitive, `-`, `_` and spaces ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let key: String = text
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "droprecord" | "ignorerecord" | "drop" | "ignore" => Some(Self::DropRecord),
            "terminateflow" | "terminate" | "failflow" => Some(Self::TerminateFlow),
            _ => None,
        }
    }
}

/// An arithmetic operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathOperation {
    /// `ADDITION`
    Addition,
    /// `SUBTRACTION`
    Subtraction,
    /// `MULTIPLICATION`
    Multiplication,
    /// `DIVISION`
    Division,
}

impl MathOperation {
    /// Folds operands left to right; `None` on an empty list, a division by zero or a result
    /// that is not finite.
    pub fn apply(self, operands: &[f64]) -> Option<f64> {
        let (first, rest) = operands.split_first()?;
        let mut result = *first;
        for operand in rest {
            result = match self {
                Self::Addition => result + operand,
                Self::Subtraction => result - operand,
                Self::Multiplication => result * operand,
                Self::Division if *operand == 0.0 => return None,
                Self::Division => result / operand,
            };
        }
        result.is_finite().then_some(result)
    }

    /// Folds integer operands (checked; `None` on overflow). Never used for division.
    pub fn apply_integers(self, operands: &[i64]) -> Option<i64> {
        let (first, rest) = operands.split_first()?;
        let mut result = *first;
        for operand in rest {
            result = match self {
                Self::Addition => result.checked_add(*operand)?,
                Self::Subtraction => result.checked_sub(*operand)?,
                Self::Multiplication => result.checked_mul(*operand)?,
                Self::Division => return None,
            };
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn task_types_and_operators_use_appflow_spelling() {
        assert_eq!(TaskType::parse("Map_all"), Some(TaskType::MapAll));
        assert_eq!(TaskType::parse("map-all"), Some(TaskType::MapAll));
        assert_eq!(TaskType::parse("Pivot"), None);
        assert_eq!(TaskType::MapAll.as_str(), "Map_all");
        for (name, operator) in OPERATORS {
            assert_eq!(Operator::parse(name), Some(*operator));
            assert_eq!(operator.as_str(), *name);
        }
        assert_eq!(Operator::parse("LIKE"), None);
        assert!(TaskType::Filter.allows(Operator::Between));
        assert!(!TaskType::Mask.allows(Operator::EqualTo));
        assert!(!TaskType::Map.allows(Operator::MaskAll));
    }

    #[test]
    fn mask_keeps_length_and_replaces_with_asterisks() {
        assert_eq!(mask_text("secret", MaskMode::All, '*'), "******");
        assert_eq!(
            mask_text("4111111111111111", MaskMode::FirstN(12), '*'),
            "************1111"
        );
        assert_eq!(
            mask_text("web-01.example", MaskMode::LastN(8), '#'),
            "web-01########"
        );
        assert_eq!(mask_text("ab", MaskMode::LastN(5), '*'), "**");
        assert_eq!(mask_text("héllo", MaskMode::FirstN(2), '*'), "**llo");
        let mut number = json!(12345);
        mask_value(&mut number, MaskMode::LastN(2), '*');
        assert_eq!(number, json!("123**"));
        let mut null = Value::Null;
        mask_value(&mut null, MaskMode::All, '*');
        assert_eq!(null, Value::Null);
    }

    #[test]
    fn truncate_cuts_characters_not_bytes() {
        let mut text = json!("ip-10-0-0-1.ec2.internal");
        truncate_value(&mut text, 11);
        assert_eq!(text, json!("ip-10-0-0-1"));
        let mut accented = json!("ééé");
        truncate_value(&mut accented, 2);
        assert_eq!(accented, json!("éé"));
        let mut short = json!("ab");
        truncate_value(&mut short, 5);
        assert_eq!(short, json!("ab"));
        let mut number = json!(123456);
        truncate_value(&mut number, 3);
        assert_eq!(number, json!("123"));
    }

    #[test]
    fn comparisons() {
        let five = Operand::Number(5.0);
        assert_eq!(compare(&json!(7), &five), Some(Ordering::Greater));
        assert_eq!(compare(&json!("3"), &five), Some(Ordering::Less));
        assert_eq!(compare(&json!("x"), &five), None);
        assert_eq!(compare(&Value::Null, &Operand::Text("a".into())), None);
        assert_eq!(
            compare(&json!("active"), &Operand::Text("active".into())),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&json!("true"), &Operand::Boolean(true)),
            Some(Ordering::Equal)
        );
        let noon = CompareAs::Timestamp
            .operand("2024-05-01T12:00:00Z")
            .unwrap();
        assert_eq!(
            compare(&json!(1_714_564_800_000i64), &noon),
            Some(Ordering::Equal)
        );
        assert_eq!(CompareAs::Number.operand("abc"), None);
        assert_eq!(CompareAs::Any.operand("12"), Some(Operand::Number(12.0)));
        assert!(contains(&json!("Amazon Linux 2"), "Linux"));
        assert!(contains(&json!(["sg-1", "sg-2"]), "sg-2"));
        assert!(!contains(&json!(["sg-1", "sg-2"]), "sg"));
        assert!(!contains(&Value::Null, ""));
    }

    #[test]
    fn checks() {
        assert!(!Check::NonNull.passes(None));
        assert!(!Check::NonNull.passes(Some(&Value::Null)));
        assert!(Check::NonNull.passes(Some(&json!(0))));
        assert!(!Check::NonZero.passes(Some(&json!(0))));
        assert!(!Check::NonZero.passes(Some(&json!("0.0"))));
        assert!(Check::NonZero.passes(Some(&Value::Null)));
        assert!(!Check::NonNegative.passes(Some(&json!(-1))));
        assert!(Check::NonNegative.passes(Some(&json!("abc"))));
        assert!(!Check::Numeric.passes(Some(&json!("abc"))));
        assert!(Check::Numeric.passes(Some(&json!(" 12.5 "))));
        assert!(Check::Numeric.passes(None));
        assert_eq!(
            ValidationAction::parse("ignore-record"),
            Some(ValidationAction::DropRecord)
        );
        assert_eq!(
            ValidationAction::parse("TerminateFlow"),
            Some(ValidationAction::TerminateFlow)
        );
        assert_eq!(ValidationAction::parse("retry"), None);
    }

    #[test]
    fn conversions_and_math() {
        assert_eq!(convert(json!(12), FieldType::String), json!("12"));
        assert_eq!(convert(json!("12"), FieldType::Integer), json!(12));
        assert_eq!(convert(json!("1.5"), FieldType::Integer), Value::Null);
        assert_eq!(convert(json!("1.5"), FieldType::Double), json!(1.5));
        assert_eq!(convert(json!("TRUE"), FieldType::Boolean), json!(true));
        assert_eq!(
            convert(json!("1970-01-01T00:00:01Z"), FieldType::Timestamp),
            json!(1000)
        );
        assert_eq!(
            MathOperation::Subtraction.apply(&[10.0, 3.0, 2.0]),
            Some(5.0)
        );
        assert_eq!(MathOperation::Division.apply(&[1.0, 0.0]), None);
        assert_eq!(
            MathOperation::Multiplication.apply_integers(&[i64::MAX, 2]),
            None
        );
        assert_eq!(MathOperation::Addition.apply_integers(&[1, 2, 3]), Some(6));
    }

    proptest! {
        #[test]
        fn mask_keeps_length_and_only_masks(text in ".{0,40}", n in 0usize..50, which in 0u8..3) {
            let mode = match which { 0 => MaskMode::All, 1 => MaskMode::FirstN(n), _ => MaskMode::LastN(n) };
            let masked = mask_text(&text, mode, '*');
            prop_assert_eq!(masked.chars().count(), text.chars().count());
            for (before, after) in text.chars().zip(masked.chars()) {
                prop_assert!(after == before || after == '*');
            }
            let expected_masked = match mode {
                MaskMode::All => text.chars().count(),
                MaskMode::FirstN(n) | MaskMode::LastN(n) => n.min(text.chars().count()),
            };
            let changed_or_star = masked.chars().filter(|c| *c == '*').count();
            prop_assert!(changed_or_star >= expected_masked);
        }

        #[test]
        fn truncate_never_exceeds_length(text in ".{0,60}", n in 0usize..40) {
            let mut value = Value::String(text.clone());
            truncate_value(&mut value, n);
            let out = value.as_str().unwrap_or_default().to_owned();
            prop_assert!(out.chars().count() <= n);
            prop_assert!(text.starts_with(&out));
        }
    }
}
