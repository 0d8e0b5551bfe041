//! Search (`POST /{collection}/search`): the `searchFilter` body, compiled once into tests, then
//! matched against objects in ID order.
//!
//! Semantics (reference §2.4): criteria are ANDed and none matches everything; `fieldName` is a
//! slash path for nested fields (`ec2VirtualMachineSummary/instanceID`); string tests compare
//! case-insensitively, with `%` (any run) and `_` (one character) as wildcards unless
//! `stringWildcards` is `false`; a list field (`CVE`) matches when any element does; a test on a
//! null field never matches except `nullTest`; an ID test needs no `fieldName`. Results are in ID
//! order (which also satisfies `sortByObjectID`), at most `maxItems` (default and cap 5000).
//!
//! Each collection says which fields are searchable and how, following the "Searchable as …"
//! notes of the schema, by implementing [`Searchable`].

use serde::Deserialize;
use std::cmp::Ordering;

/// The default and the largest `maxItems`.
pub(crate) const MAX_ITEMS: usize = 5000;

/// How a field may be searched ("Searchable as String", "… as Numeric", …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Numeric,
    /// `CVSSScore`: "Searchable as String or as Numeric".
    StringOrNumeric,
    Boolean,
    Choice,
    Date,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Numeric => "Numeric",
            Self::StringOrNumeric => "String or Numeric",
            Self::Boolean => "Boolean",
            Self::Choice => "Choice",
            Self::Date => "Date",
        }
    }
}

/// A field's value on one object.
#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    Null,
    Str(&'a str),
    /// Text computed for the test (an address or GUID the simulator stores in binary).
    Text(String),
    List(&'a [String]),
    StaticList(&'a [&'a str]),
    Number(f64),
    Bool(bool),
    Date(i64),
}

impl Value<'_> {
    /// The text of a string value, borrowed or computed.
    fn text(&self) -> Option<&str> {
        match self {
            Self::Str(text) => Some(text),
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// A collection whose objects can be searched.
pub(crate) trait Searchable {
    /// The collection's searchable fields.
    type Field: Copy + PartialEq + std::fmt::Debug;
    /// The object's name in messages (`computer`, `policy`, …).
    const OBJECT: &'static str;
    /// A field by its `fieldName`, with how it may be searched.
    fn field(name: &str) -> Option<(Self::Field, Kind)>;
    /// The object's `ID`.
    fn object_id(&self) -> i64;
    /// A field's value on this object.
    fn value(&self, field: Self::Field) -> Value<'_>;
}

/// The `searchFilter` request body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SearchFilter {
    max_items: Option<i64>,
    search_criteria: Option<Vec<SearchCriteria>>,
    #[serde(rename = "sortByObjectID")]
    sort_by_object_id: Option<bool>,
}

/// One `searchCriteria` object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SearchCriteria {
    field_name: Option<String>,
    boolean_test: Option<bool>,
    numeric_test: Option<String>,
    numeric_value: Option<f64>,
    string_test: Option<String>,
    string_value: Option<String>,
    string_wildcards: Option<bool>,
    choice_test: Option<String>,
    choice_value: Option<String>,
    first_date_value: Option<i64>,
    first_date_inclusive: Option<bool>,
    last_date_value: Option<i64>,
    last_date_inclusive: Option<bool>,
    null_test: Option<bool>,
    version_test: Option<String>,
    version_value: Option<String>,
    id_value: Option<i64>,
    id_test: Option<String>,
}

/// A comparison of `numericTest`, `idTest` and `versionTest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Less,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    Greater,
    NotEqual,
}

impl Op {
    fn parse(name: Option<&str>, what: &str) -> Result<Self, String> {
        Ok(match name.unwrap_or("equal") {
            "less-than" => Self::Less,
            "less-than-or-equal" => Self::LessOrEqual,
            "equal" => Self::Equal,
            "greater-than-or-equal" => Self::GreaterOrEqual,
            "greater-than" => Self::Greater,
            "not-equal" => Self::NotEqual,
            other => {
                return Err(format!(
                    "{what} `{other}` is not one of less-than, less-than-or-equal, equal, greater-than-or-equal, greater-than, not-equal"
                ));
            }
        })
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Self::Less => ordering == Ordering::Less,
            Self::LessOrEqual => ordering != Ordering::Greater,
            Self::Equal => ordering == Ordering::Equal,
            Self::GreaterOrEqual => ordering != Ordering::Less,
            Self::Greater => ordering == Ordering::Greater,
            Self::NotEqual => ordering != Ordering::Equal,
        }
    }
}

/// `equal` → false, `not-equal` → true.
fn negation(name: Option<&str>, what: &str) -> Result<bool, String> {
    match name.unwrap_or("equal") {
        "equal" => Ok(false),
        "not-equal" => Ok(true),
        other => Err(format!("{what} `{other}` is not one of equal, not-equal")),
    }
}

/// One compiled criterion.
#[derive(Debug, Clone)]
enum Test<F> {
    Id {
        op: Op,
        value: i64,
    },
    Str {
        field: F,
        negate: bool,
        pattern: Pattern,
    },
    Number {
        field: F,
        op: Op,
        value: f64,
    },
    Bool {
        field: F,
        value: bool,
    },
    Choice {
        field: F,
        negate: bool,
        value: String,
    },
    Date {
        field: F,
        first: Option<(i64, bool)>,
        last: Option<(i64, bool)>,
    },
    Null {
        field: F,
        is_null: bool,
    },
    Version {
        field: F,
        op: Op,
        value: Vec<u64>,
    },
}

/// A compiled search: what to match and how many to return.
#[derive(Debug, Clone)]
pub(crate) struct Query<F> {
    tests: Vec<Test<F>>,
    max_items: usize,
}

impl<F: Copy + PartialEq + std::fmt::Debug> Query<F> {
    /// Compiles a filter for a collection, refusing unknown fields and tests that do not fit a
    /// field's kind.
    pub(crate) fn compile<T: Searchable<Field = F>>(filter: SearchFilter) -> Result<Self, String> {
        // Results always come in ID order, which is what `sortByObjectID` asks for.
        let _ = filter.sort_by_object_id;
        let max_items = match filter.max_items {
            None => MAX_ITEMS,
            Some(n) if n < 1 => return Err(format!("maxItems {n} is not at least 1")),
            Some(n) => usize::try_from(n).map_or(MAX_ITEMS, |n| n.min(MAX_ITEMS)),
        };
        let tests = filter
            .search_criteria
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, criteria)| {
                compile_criteria::<T>(criteria)
                    .map_err(|reason| format!("searchCriteria[{index}]: {reason}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { tests, max_items })
    }

    /// Whether an object passes every test.
    pub(crate) fn matches<T: Searchable<Field = F>>(&self, object: &T) -> bool {
        self.tests.iter().all(|test| test_matches(test, object))
    }

    /// The narrowest `ID` range the ID tests allow, inclusive.
    fn id_range(&self) -> (i64, i64) {
        let mut range = (i64::MIN, i64::MAX);
        for test in &self.tests {
            if let Test::Id { op, value } = *test {
                match op {
                    Op::Greater => range.0 = range.0.max(value.saturating_add(1)),
                    Op::GreaterOrEqual => range.0 = range.0.max(value),
                    Op::Less => range.1 = range.1.min(value.saturating_sub(1)),
                    Op::LessOrEqual => range.1 = range.1.min(value),
                    Op::Equal => range = (range.0.max(value), range.1.min(value)),
                    Op::NotEqual => {}
                }
            }
        }
        range
    }

    /// The lowercased literal of an exact (wildcard-free) `equal` string test on `field`, for an
    /// index lookup.
    pub(crate) fn exact_string(&self, field: F) -> Option<&str> {
        self.tests.iter().find_map(|test| match test {
            Test::Str {
                field: tested,
                negate: false,
                pattern,
            } if *tested == field => pattern.literal.as_deref(),
            _ => None,
        })
    }

    /// The positions of the matching objects in `objects` (sorted by `ID`), at most `maxItems`.
    pub(crate) fn select<T: Searchable<Field = F>>(&self, objects: &[T]) -> Vec<usize> {
        let (low, high) = self.id_range();
        if low > high {
            return Vec::new();
        }
        let start = objects.partition_point(|object| object.object_id() < low);
        objects[start..]
            .iter()
            .enumerate()
            .take_while(|(_, object)| object.object_id() <= high)
            .filter(|(_, object)| self.matches(*object))
            .map(|(offset, _)| start + offset)
            .take(self.max_items)
            .collect()
    }

    /// Like [`Query::select`], but only among `candidates` (positions from an index).
    pub(crate) fn select_among<T: Searchable<Field = F>>(
        &self,
        objects: &[T],
        mut candidates: Vec<usize>,
    ) -> Vec<usize> {
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|&index| {
                objects
                    .get(index)
                    .is_some_and(|object| self.matches(object))
            })
            .take(self.max_items)
            .collect()
    }
}

fn compile_criteria<T: Searchable>(criteria: SearchCriteria) -> Result<Test<T::Field>, String> {
    let families = [
        criteria.id_value.is_some() || criteria.id_test.is_some(),
        criteria.string_value.is_some()
            || criteria.string_test.is_some()
            || criteria.string_wildcards.is_some(),
        criteria.numeric_value.is_some() || criteria.numeric_test.is_some(),
        criteria.choice_value.is_some() || criteria.choice_test.is_some(),
        criteria.first_date_value.is_some()
            || criteria.last_date_value.is_some()
            || criteria.first_date_inclusive.is_some()
            || criteria.last_date_inclusive.is_some(),
        criteria.null_test.is_some(),
        criteria.version_value.is_some() || criteria.version_test.is_some(),
        criteria.boolean_test.is_some(),
    ];
    if families.iter().filter(|present| **present).count() > 1 {
        return Err("holds more than one kind of test".into());
    }
    if families[0] {
        if criteria
            .field_name
            .as_deref()
            .is_some_and(|name| name != "ID")
        {
            return Err("an ID test applies to `ID` only".into());
        }
        let value = criteria.id_value.ok_or("idTest needs an idValue")?;
        let op = Op::parse(criteria.id_test.as_deref(), "idTest")?;
        return Ok(Test::Id { op, value });
    }
    let name = criteria
        .field_name
        .as_deref()
        .ok_or("fieldName is required for every test but an ID test")?;
    let (field, kind) = T::field(name)
        .ok_or_else(|| format!("`{name}` is not a searchable {} field", T::OBJECT))?;
    let wrong_kind = |test: &str| {
        format!(
            "`{name}` is searchable as {}, not with a {test}",
            kind.name()
        )
    };
    if families[1] {
        if !matches!(kind, Kind::String | Kind::StringOrNumeric) {
            return Err(wrong_kind("stringTest"));
        }
        let value = criteria
            .string_value
            .ok_or("stringTest needs a stringValue")?;
        let negate = negation(criteria.string_test.as_deref(), "stringTest")?;
        let pattern = Pattern::new(&value, criteria.string_wildcards.unwrap_or(true));
        return Ok(Test::Str {
            field,
            negate,
            pattern,
        });
    }
    if families[2] {
        if !matches!(kind, Kind::Numeric | Kind::StringOrNumeric) {
            return Err(wrong_kind("numericTest"));
        }
        let value = criteria
            .numeric_value
            .ok_or("numericTest needs a numericValue")?;
        let op = Op::parse(criteria.numeric_test.as_deref(), "numericTest")?;
        return Ok(Test::Number { field, op, value });
    }
    if families[3] {
        if kind != Kind::Choice {
            return Err(wrong_kind("choiceTest"));
        }
        let value = criteria
            .choice_value
            .ok_or("choiceTest needs a choiceValue")?;
        let negate = negation(criteria.choice_test.as_deref(), "choiceTest")?;
        return Ok(Test::Choice {
            field,
            negate,
            value: value.to_lowercase(),
        });
    }
    if families[4] {
        if kind != Kind::Date {
            return Err(wrong_kind("date range"));
        }
        return Ok(Test::Date {
            field,
            first: criteria
                .first_date_value
                .map(|ms| (ms, criteria.first_date_inclusive.unwrap_or(true))),
            last: criteria
                .last_date_value
                .map(|ms| (ms, criteria.last_date_inclusive.unwrap_or(true))),
        });
    }
    if let Some(is_null) = criteria.null_test {
        return Ok(Test::Null { field, is_null });
    }
    if families[6] {
        if kind != Kind::String {
            return Err(wrong_kind("versionTest"));
        }
        let text = criteria
            .version_value
            .ok_or("versionTest needs a versionValue")?;
        let value = parse_version(&text).ok_or_else(|| format!("`{text}` is not a version"))?;
        let op = Op::parse(criteria.version_test.as_deref(), "versionTest")?;
        return Ok(Test::Version { field, op, value });
    }
    if kind == Kind::Boolean {
        // `booleanTest` defaults to true.
        return Ok(Test::Bool {
            field,
            value: criteria.boolean_test.unwrap_or(true),
        });
    }
    if criteria.boolean_test.is_some() {
        return Err(wrong_kind("booleanTest"));
    }
    Err(format!("no test on `{name}`"))
}

fn test_matches<T: Searchable>(test: &Test<T::Field>, object: &T) -> bool {
    match test {
        Test::Id { op, value } => op.holds(object.object_id().cmp(value)),
        Test::Str {
            field,
            negate,
            pattern,
        } => {
            let value = object.value(*field);
            let any = match &value {
                Value::List(items) => items.iter().any(|item| pattern.matches(item)),
                Value::StaticList(items) => items.iter().any(|item| pattern.matches(item)),
                Value::Number(number) => pattern.matches(&number.to_string()),
                other => match other.text() {
                    Some(text) => pattern.matches(text),
                    None => return false,
                },
            };
            any != *negate
        }
        Test::Number { field, op, value } => {
            let number = match object.value(*field) {
                Value::Number(number) => number,
                Value::Date(ms) => ms as f64,
                other => match other.text().map(|text| text.trim().parse::<f64>()) {
                    Some(Ok(number)) => number,
                    _ => return false,
                },
            };
            number.partial_cmp(value).is_some_and(|ord| op.holds(ord))
        }
        Test::Bool { field, value } => {
            matches!(object.value(*field), Value::Bool(b) if b == *value)
        }
        Test::Choice {
            field,
            negate,
            value,
        } => object
            .value(*field)
            .text()
            .is_some_and(|text| text.eq_ignore_ascii_case(value) != *negate),
        Test::Date { field, first, last } => {
            let Value::Date(ms) = object.value(*field) else {
                return false;
            };
            let after_first = first.is_none_or(
                |(bound, inclusive)| {
                    if inclusive { ms >= bound } else { ms > bound }
                },
            );
            let before_last = last.is_none_or(
                |(bound, inclusive)| {
                    if inclusive { ms <= bound } else { ms < bound }
                },
            );
            after_first && before_last
        }
        Test::Null { field, is_null } => matches!(object.value(*field), Value::Null) == *is_null,
        Test::Version { field, op, value } => object
            .value(*field)
            .text()
            .and_then(parse_version)
            .is_some_and(|version| op.holds(compare_versions(&version, value))),
    }
}

/// `20.0.1-21510` → `[20, 0, 1, 21510]`.
fn parse_version(text: &str) -> Option<Vec<u64>> {
    text.split(['.', '-'])
        .map(|part| part.trim().parse::<u64>().ok())
        .collect()
}

/// Compares versions, missing trailing parts counting as zero.
fn compare_versions(a: &[u64], b: &[u64]) -> Ordering {
    let length = a.len().max(b.len());
    (0..length)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|ordering| *ordering != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// One element of a string pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `_`
    One,
    /// `%`
    Any,
}

/// A case-insensitive string pattern, with or without wildcards.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    tokens: Vec<Token>,
    /// The lowercased value when the pattern has no wildcard.
    literal: Option<String>,
}

impl Pattern {
    pub(crate) fn new(value: &str, wildcards: bool) -> Self {
        let tokens: Vec<Token> = value
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| match c {
                '%' if wildcards => Token::Any,
                '_' if wildcards => Token::One,
                c => Token::Char(c),
            })
            .collect();
        let literal = tokens
            .iter()
            .all(|token| matches!(token, Token::Char(_)))
            .then(|| value.to_lowercase());
        Self { tokens, literal }
    }

    pub(crate) fn matches(&self, text: &str) -> bool {
        if let Some(literal) = &self.literal {
            return if text.is_ascii() && literal.is_ascii() {
                text.eq_ignore_ascii_case(literal)
            } else {
                text.to_lowercase() == *literal
            };
        }
        if text.is_ascii() {
            let chars: Vec<char> = text
                .bytes()
                .map(|b| char::from(b.to_ascii_lowercase()))
                .collect();
            glob(&self.tokens, &chars)
        } else {
            let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
            glob(&self.tokens, &chars)
        }
    }
}

/// Wildcard matching with single-star backtracking: linear in practice.
fn glob(pattern: &[Token], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Token::One) => {
                p += 1;
                t += 1;
            }
            Some(Token::Char(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            Some(Token::Any) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|token| *token == Token::Any)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug)]
    struct Item {
        id: i64,
        name: &'static str,
        tags: Vec<String>,
        size: Option<f64>,
        on: bool,
        kind: &'static str,
        when: Option<i64>,
        version: &'static str,
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum ItemField {
        Name,
        Tags,
        Size,
        On,
        Kind,
        When,
        Version,
    }

    impl Searchable for Item {
        type Field = ItemField;
        const OBJECT: &'static str = "item";

        fn field(name: &str) -> Option<(ItemField, Kind)> {
            Some(match name {
                "name" => (ItemField::Name, Kind::String),
                "sub/tags" => (ItemField::Tags, Kind::String),
                "size" => (ItemField::Size, Kind::StringOrNumeric),
                "on" => (ItemField::On, Kind::Boolean),
                "kind" => (ItemField::Kind, Kind::Choice),
                "when" => (ItemField::When, Kind::Date),
                "version" => (ItemField::Version, Kind::String),
                _ => return None,
            })
        }

        fn object_id(&self) -> i64 {
            self.id
        }

        fn value(&self, field: ItemField) -> Value<'_> {
            match field {
                ItemField::Name => Value::Str(self.name),
                ItemField::Tags => Value::List(&self.tags),
                ItemField::Size => self.size.map_or(Value::Null, Value::Number),
                ItemField::On => Value::Bool(self.on),
                ItemField::Kind => Value::Str(self.kind),
                ItemField::When => self.when.map_or(Value::Null, Value::Date),
                ItemField::Version => Value::Str(self.version),
            }
        }
    }

    fn items() -> Vec<Item> {
        let item = |id, name, tags: &[&str], size, on, kind, when, version| Item {
            id,
            name,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            size,
            on,
            kind,
            when,
            version,
        };
        vec![
            item(
                2,
                "web-1",
                &["CVE-2017-5638"],
                Some(1.5),
                true,
                "exploit",
                Some(100),
                "20.0.1-21510",
            ),
            item(
                5,
                "Web-2",
                &["CVE-2021-44228", "CVE-2021-45046"],
                None,
                false,
                "vulnerability",
                Some(200),
                "12.0.0-1908",
            ),
            item(9, "db_1", &[], Some(7.0), true, "smart", None, "0.0.0.0"),
            item(
                12,
                "dbx1",
                &["CVE-2017-56389"],
                Some(9.8),
                false,
                "vulnerability",
                Some(300),
                "20.0.0-8438",
            ),
        ]
    }

    fn ids(filter: serde_json::Value) -> Result<Vec<i64>, String> {
        let filter: SearchFilter = serde_json::from_value(filter).map_err(|e| e.to_string())?;
        let query = Query::compile::<Item>(filter)?;
        let items = items();
        Ok(query
            .select(&items)
            .into_iter()
            .map(|index| items[index].id)
            .collect())
    }

    fn criteria(criteria: &serde_json::Value) -> Vec<i64> {
        ids(json!({"searchCriteria": [criteria]})).expect("valid search")
    }

    #[test]
    fn wildcards_are_case_insensitive_and_optional() {
        assert_eq!(
            criteria(&json!({"fieldName": "name", "stringValue": "WEB%"})),
            vec![2, 5]
        );
        assert_eq!(
            criteria(&json!({"fieldName": "name", "stringValue": "db_1"})),
            vec![9, 12]
        );
        assert_eq!(
            criteria(
                &json!({"fieldName": "name", "stringValue": "db_1", "stringWildcards": false})
            ),
            vec![9]
        );
        assert_eq!(
            criteria(
                &json!({"fieldName": "name", "stringTest": "not-equal", "stringValue": "%web%"})
            ),
            vec![9, 12]
        );
        assert_eq!(
            criteria(&json!({"fieldName": "name", "stringValue": "web-1"})),
            vec![2]
        );
        assert_eq!(
            criteria(&json!({"fieldName": "name", "stringValue": "%"})),
            vec![2, 5, 9, 12]
        );
    }

    #[test]
    fn list_fields_match_when_any_element_does() {
        assert_eq!(
            criteria(&json!({"fieldName": "sub/tags", "stringValue": "%CVE-2021-44228%"})),
            vec![5]
        );
        assert_eq!(
            criteria(
                &json!({"fieldName": "sub/tags", "stringValue": "cve-2017-5638", "stringWildcards": false})
            ),
            vec![2],
            "an exact value matches one element exactly"
        );
        assert_eq!(
            criteria(&json!({"fieldName": "sub/tags", "stringValue": "%CVE-2017-5638%"})),
            vec![2, 12],
            "the wildcard over-matches a longer CVE"
        );
        assert_eq!(
            criteria(
                &json!({"fieldName": "sub/tags", "stringTest": "not-equal", "stringValue": "CVE-2017-5638"})
            ),
            vec![5, 9, 12]
        );
    }

    #[test]
    fn numeric_boolean_choice_date_null_and_version_tests() {
        assert_eq!(
            criteria(
                &json!({"fieldName": "size", "numericTest": "greater-than", "numericValue": 5})
            ),
            vec![9, 12]
        );
        assert_eq!(
            criteria(&json!({"fieldName": "size", "numericValue": 7})),
            vec![9]
        );
        assert_eq!(
            criteria(&json!({"fieldName": "on", "booleanTest": false})),
            vec![5, 12]
        );
        assert_eq!(
            criteria(&json!({"fieldName": "on"})),
            vec![2, 9],
            "booleanTest defaults to true"
        );
        assert_eq!(
            criteria(&json!({"fieldName": "kind", "choiceValue": "VULNERABILITY"})),
            vec![5, 12]
        );
        assert_eq!(
            criteria(
                &json!({"fieldName": "when", "firstDateValue": 100, "lastDateValue": 300, "lastDateInclusive": false})
            ),
            vec![2, 5]
        );
        assert_eq!(
            criteria(
                &json!({"fieldName": "when", "firstDateValue": 100, "firstDateInclusive": false})
            ),
            vec![5, 12]
        );
        assert_eq!(
            criteria(&json!({"fieldName": "when", "nullTest": true})),
            vec![9]
        );
        assert_eq!(
            criteria(&json!({"fieldName": "size", "nullTest": false})),
            vec![2, 9, 12]
        );
        assert_eq!(
            criteria(
                &json!({"fieldName": "version", "versionTest": "greater-than-or-equal", "versionValue": "20.0.0"})
            ),
            vec![2, 12]
        );
    }

    #[test]
    fn id_tests_page_in_id_order() {
        let page = |after: i64, max: i64| {
            ids(json!({"maxItems": max, "sortByObjectID": true,
                       "searchCriteria": [{"idValue": after, "idTest": "greater-than"}]}))
            .expect("valid search")
        };
        assert_eq!(page(0, 2), vec![2, 5]);
        assert_eq!(page(5, 2), vec![9, 12]);
        assert_eq!(page(12, 2), Vec::<i64>::new());
        assert_eq!(
            ids(json!({"searchCriteria": [{"fieldName": "ID", "idValue": 9, "idTest": "less-than-or-equal"},
                                          {"idValue": 2, "idTest": "not-equal"}]}))
            .expect("valid"),
            vec![5, 9]
        );
        assert_eq!(
            ids(json!({"searchCriteria": [{"idValue": 9}]})).expect("valid"),
            vec![9]
        );
        assert_eq!(
            ids(json!({})).expect("valid"),
            vec![2, 5, 9, 12],
            "no criteria: everything"
        );
    }

    #[test]
    fn paging_reads_every_object_once_whatever_the_page_size() {
        let items: Vec<Item> = (1..=97)
            .map(|n| Item {
                id: n * 3,
                name: "x",
                tags: Vec::new(),
                size: None,
                on: n % 2 == 0,
                kind: "smart",
                when: None,
                version: "1",
            })
            .collect();
        for page_size in [1, 7, 50, 97, 5000] {
            let mut seen = Vec::new();
            let mut after = 0;
            loop {
                let filter: SearchFilter = serde_json::from_value(json!({
                    "maxItems": page_size,
                    "searchCriteria": [{"idValue": after, "idTest": "greater-than"}, {"fieldName": "on"}]
                }))
                .expect("valid");
                let page = Query::compile::<Item>(filter)
                    .expect("compiles")
                    .select(&items);
                let Some(&last) = page.last() else { break };
                seen.extend(page.iter().map(|&i| items[i].id));
                after = items[last].id;
            }
            let expected: Vec<i64> = items.iter().filter(|i| i.on).map(|i| i.id).collect();
            assert_eq!(seen, expected, "page size {page_size}");
        }
    }

    #[test]
    fn max_items_defaults_and_caps_at_5000() {
        let compile = |filter: serde_json::Value| {
            Query::<ItemField>::compile::<Item>(serde_json::from_value(filter).expect("valid"))
        };
        assert_eq!(compile(json!({})).expect("valid").max_items, MAX_ITEMS);
        assert_eq!(
            compile(json!({"maxItems": 100_000}))
                .expect("valid")
                .max_items,
            MAX_ITEMS
        );
        assert_eq!(compile(json!({"maxItems": 3})).expect("valid").max_items, 3);
        assert!(compile(json!({"maxItems": 0})).is_err());
    }

    #[test]
    fn bad_criteria_are_explained() {
        let error = |criteria: serde_json::Value| {
            ids(json!({"searchCriteria": [criteria]})).expect_err("refused")
        };
        assert_eq!(
            error(json!({"fieldName": "nope", "stringValue": "x"})),
            "searchCriteria[0]: `nope` is not a searchable item field"
        );
        assert_eq!(
            error(json!({"fieldName": "on", "stringValue": "x"})),
            "searchCriteria[0]: `on` is searchable as Boolean, not with a stringTest"
        );
        assert_eq!(
            error(json!({"fieldName": "name", "stringTest": "like", "stringValue": "x"})),
            "searchCriteria[0]: stringTest `like` is not one of equal, not-equal"
        );
        assert!(error(json!({"fieldName": "name"})).contains("no test"));
        assert!(error(json!({"stringValue": "x"})).contains("fieldName is required"));
        assert!(
            error(json!({"fieldName": "name", "stringValue": "x", "numericValue": 1}))
                .contains("more than one")
        );
        assert!(error(json!({"idTest": "greater-than"})).contains("idValue"));
        assert!(
            ids(json!({"searchCriteria": [{"fieldNme": "x"}]}))
                .expect_err("refused")
                .contains("fieldNme")
        );
    }

    #[test]
    fn exact_string_tests_can_use_an_index() {
        let filter: SearchFilter = serde_json::from_value(json!({"searchCriteria": [
            {"fieldName": "name", "stringValue": "Web-2", "stringWildcards": false}]}))
        .expect("valid");
        let query = Query::compile::<Item>(filter).expect("compiles");
        assert_eq!(query.exact_string(ItemField::Name), Some("web-2"));
        assert_eq!(query.exact_string(ItemField::Kind), None);
        let items = items();
        assert_eq!(query.select_among(&items, vec![1, 1, 0]), vec![1]);
        let wild: SearchFilter = serde_json::from_value(json!({"searchCriteria": [
            {"fieldName": "name", "stringValue": "Web%"}]}))
        .expect("valid");
        assert_eq!(
            Query::compile::<Item>(wild)
                .expect("compiles")
                .exact_string(ItemField::Name),
            None
        );
    }

    #[test]
    fn glob_handles_backtracking_and_unicode() {
        let matches = |pattern: &str, text: &str| Pattern::new(pattern, true).matches(text);
        assert!(matches("%a%b%c", "xxaxxbxxc"));
        assert!(!matches("%a%b%c", "xxaxxcxxb"));
        assert!(matches("a__d", "abcd"));
        assert!(!matches("a__d", "abd"));
        assert!(matches("%%", ""));
        assert!(matches("ÄB%", "äbc"));
        assert!(!matches("", "x"));
        assert_eq!(
            compare_versions(&[20, 0, 1], &[20, 0, 1, 0]),
            Ordering::Equal
        );
        assert_eq!(parse_version("20.0.1-21510"), Some(vec![20, 0, 1, 21510]));
        assert_eq!(parse_version("abc"), None);
    }
}
