//! Lenient wire types: every field of AWS's payloads is read through one of these, so a field of
//! an unexpected type (a number where a string was expected, an object where a list was) becomes
//! "absent" instead of failing the whole event. The typed conversion then decides whether an
//! absent field is fine or a reason for quarantine — never serde.
//!
//! None of them buffers: nested objects are read straight from the parser through
//! `MapAccessDeserializer`, and unwanted values are skipped.

use crate::time::Timestamp;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A string (borrowed when the JSON has no escapes); numbers and booleans are taken as their text.
#[derive(Debug, Default)]
pub(crate) struct Str<'a>(pub(crate) Option<Cow<'a, str>>);

impl<'a> Str<'a> {
    /// The text, if present and not empty.
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|text| !text.is_empty())
    }

    /// The text as an owned string, if present and not empty.
    pub(crate) fn owned(&self) -> Option<String> {
        self.get().map(str::to_owned)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor<'a>(PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
            type Value = Str<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Borrowed(value))))
            }

            fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Owned(value.to_owned()))))
            }

            fn visit_string<E>(self, value: String) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Owned(value))))
            }

            fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Owned(value.to_string()))))
            }

            fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Owned(value.to_string()))))
            }

            fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Owned(value.to_string()))))
            }

            fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Borrowed(if value {
                    "true"
                } else {
                    "false"
                }))))
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Str(None))
            }

            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Str(None))
            }

            fn visit_some<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Self::Value, D::Error> {
                Str::deserialize(deserializer)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Str(None))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Str(None))
            }
        }

        deserializer.deserialize_any(StrVisitor(PhantomData))
    }
}

/// A number, from a JSON number or a numeric string (`"5"`, `"4.8"`); anything else is absent.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Num(pub(crate) Option<f64>);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Str::deserialize(deserializer)?;
        Ok(Num(text
            .get()
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|number| number.is_finite())))
    }
}

impl Num {
    /// The number as a non-negative integer count, when it is one.
    pub(crate) fn count(self) -> Option<u64> {
        self.0
            .filter(|number| *number >= 0.0 && number.fract() == 0.0 && *number < 1.8e19)
            .map(|number| number as u64)
    }
}

/// A boolean, from `true`/`false` or the strings `"true"`/`"false"` (any case); else absent.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Bool(pub(crate) Option<bool>);

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Str::deserialize(deserializer)?;
        Ok(Bool(match text.get() {
            Some(text) if text.eq_ignore_ascii_case("true") => Some(true),
            Some(text) if text.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }))
    }
}

/// A timestamp in any format [`Timestamp::parse`] accepts, or an epoch number; else absent.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Time(pub(crate) Option<Timestamp>);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;

        impl<'de> Visitor<'de> for TimeVisitor {
            type Value = Time;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
                Ok(Time(Timestamp::parse(value)))
            }

            fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
                Ok(Time(Timestamp::from_epoch_number(value as f64)))
            }

            fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
                Ok(Time(Timestamp::from_epoch_number(value as f64)))
            }

            fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
                Ok(Time(Timestamp::from_epoch_number(value)))
            }

            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Time(None))
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Time(None))
            }

            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Time(None))
            }

            fn visit_some<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Self::Value, D::Error> {
                Time::deserialize(deserializer)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Time(None))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Time(None))
            }
        }

        deserializer.deserialize_any(TimeVisitor)
    }
}

/// A nested object read as `T`; any other JSON type is skipped and absent.
#[derive(Debug)]
pub(crate) struct Obj<T>(pub(crate) Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<T> Obj<T> {
    pub(crate) fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = Obj<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|value| Obj(Some(value)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }

            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }

            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }

            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }

            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }

            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }

            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }

            fn visit_some<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Self::Value, D::Error> {
                Obj::deserialize(deserializer)
            }
        }

        deserializer.deserialize_any(ObjVisitor(PhantomData))
    }
}

/// A list whose elements are read as `T` (itself lenient); any other JSON type is an empty list.
#[derive(Debug)]
pub(crate) struct List<T>(pub(crate) Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(SeqAccessDeserializer::new(seq)).map(List)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(List(Vec::new()))
            }

            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(List(Vec::new()))
            }

            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(List(Vec::new()))
            }

            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(List(Vec::new()))
            }

            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(List(Vec::new()))
            }

            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(List(Vec::new()))
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(List(Vec::new()))
            }

            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(List(Vec::new()))
            }

            fn visit_some<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Self::Value, D::Error> {
                List::deserialize(deserializer)
            }
        }

        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Sample<'a> {
        #[serde(borrow)]
        name: Str<'a>,
        count: Num,
        flag: Bool,
        at: Time,
        #[serde(borrow)]
        inner: Obj<Inner<'a>>,
        #[serde(borrow)]
        items: List<Str<'a>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Inner<'a> {
        #[serde(borrow)]
        id: Str<'a>,
    }

    #[test]
    fn wrong_types_become_absent() {
        let sample: Sample<'_> = serde_json::from_str(
            r#"{"name": {"x": 1}, "count": [1], "flag": "maybe", "at": true, "inner": "no", "items": {"a": 1}}"#,
        )
        .expect("lenient");
        assert!(sample.name.get().is_none());
        assert!(sample.count.0.is_none());
        assert!(sample.flag.0.is_none());
        assert!(sample.at.0.is_none());
        assert!(sample.inner.get().is_none());
        assert!(sample.items.0.is_empty());
    }

    #[test]
    fn numbers_and_strings_interchange() {
        let sample: Sample<'_> = serde_json::from_str(
            r#"{"name": 123456789012, "count": "4.8", "flag": "TRUE", "at": 1510782186000,
                "inner": {"id": "x"}, "items": ["a", 2, null]}"#,
        )
        .expect("lenient");
        assert_eq!(sample.name.get(), Some("123456789012"));
        assert_eq!(sample.count.0, Some(4.8));
        assert_eq!(sample.flag.0, Some(true));
        assert_eq!(
            sample.at.0.map(|time| time.to_string()).as_deref(),
            Some("2017-11-15T21:43:06Z")
        );
        assert_eq!(
            sample.inner.get().and_then(|inner| inner.id.get()),
            Some("x")
        );
        let items: Vec<Option<&str>> = sample.items.0.iter().map(Str::get).collect();
        assert_eq!(items, [Some("a"), Some("2"), None]);
    }

    #[test]
    fn strings_borrow_when_unescaped() {
        let sample: Sample<'_> = serde_json::from_str(r#"{"name": "plain"}"#).expect("parses");
        assert!(matches!(sample.name.0, Some(Cow::Borrowed("plain"))));
    }
}
