//! Instants as epoch milliseconds (UTC) and their RFC 3339 text, for schedules, watermark windows
//! and timestamp fields. Parsing, printing and the calendar are `jiff`'s: an instant is the UTC
//! civil date and time that many milliseconds after 1970-01-01T00:00, so every instant of the
//! years 1 to 9999 has its text (jiff's `Timestamp` stops a day short of either end).

use jiff::SignedDuration;
use jiff::civil::{DateTime, Time};
use jiff::fmt::temporal::Pieces;
use serde_json::Value;

/// Milliseconds in a minute, an hour, a day.
pub const MINUTE_MS: i64 = 60_000;
/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// 1970-01-01T00:00, epoch 0.
const EPOCH: DateTime = jiff::civil::date(1970, 1, 1).at(0, 0, 0, 0);

/// Parses RFC 3339 (`2024-05-01T12:00:00Z`, fractions, `±HH:MM` offsets, a space for `T`, a bare
/// date) into epoch milliseconds. No offset means UTC; fraction digits past the millisecond are
/// dropped; a leap second (`:60`) is the first second of the next minute.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if let Some(millis) = parse_canonical(bytes) {
        return Some(millis);
    }
    // The shapes a flow reads: `YYYY-MM-DD`, alone or followed by `T`, `t` or a space and
    // `hh:mm:ss`. jiff reads more of ISO 8601 and RFC 9557 (basic format, week dates, hours
    // without seconds, signed six-digit years, `[…]` annotations), which a timestamp field
    // should not take silently.
    let shaped = bytes.len() >= 10
        && bytes[0].is_ascii_digit()
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && (bytes.len() == 10 || (bytes.len() >= 19 && bytes[13] == b':' && bytes[16] == b':'))
        && bytes.last() != Some(&b']');
    if !shaped {
        return None;
    }
    let pieces = Pieces::parse(text).ok()?;
    let offset_seconds = pieces
        .offset()
        .map_or(0, |offset| offset.to_numeric_offset().seconds());
    // RFC 3339 offsets are whole minutes (jiff takes seconds too).
    if offset_seconds % 60 != 0 {
        return None;
    }
    let local = pieces
        .date()
        .to_datetime(pieces.time().unwrap_or(Time::midnight()));
    // jiff reads `:60` as `:59`.
    let leap_second = if bytes.get(17..19) == Some(b"60") {
        1000
    } else {
        0
    };
    Some(epoch_millis(local) - i64::from(offset_seconds) * 1000 + leap_second)
}

/// The fast path of [`parse_rfc3339`], for the text watermark fields and timestamp filters
/// mostly hold: `YYYY-MM-DDThh:mm:ss[.f…]Z` as AWS, the manager and [`format_rfc3339`] write it,
/// read by position (jiff's general parser takes about twice as long). jiff checks the date and
/// the time; anything else (an offset, a leap second, another shape) is left to jiff's parser,
/// which gives the same answer (`the_fast_path_agrees_with_jiffs_parser`).
fn parse_canonical(bytes: &[u8]) -> Option<i64> {
    let separated = bytes.len() >= 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && bytes.last() == Some(&b'Z');
    if !separated {
        return None;
    }
    let number = |digits: &[u8]| -> Option<i16> {
        digits.iter().try_fold(0i16, |value, digit| {
            digit
                .is_ascii_digit()
                .then(|| value * 10 + i16::from(digit - b'0'))
        })
    };
    let two_digits =
        |at: usize| number(&bytes[at..at + 2]).and_then(|value| i8::try_from(value).ok());
    let fraction = match &bytes[19..bytes.len() - 1] {
        [] => &[][..],
        [b'.', digits @ ..]
            if (1..=9).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) =>
        {
            digits
        }
        _ => return None,
    };
    let millis = number(&fraction[..fraction.len().min(3)])?;
    let millis = i32::from(millis) * [1000, 100, 10, 1][fraction.len().min(3)];
    let date = jiff::civil::Date::new(number(&bytes[..4])?, two_digits(5)?, two_digits(8)?).ok()?;
    let time = Time::new(
        two_digits(11)?,
        two_digits(14)?,
        two_digits(17)?,
        millis * 1_000_000,
    )
    .ok()?;
    Some(epoch_millis(date.to_datetime(time)))
}

/// Epoch milliseconds of a UTC date and time, rounded toward the past.
pub(crate) fn epoch_millis(utc: DateTime) -> i64 {
    let since = utc.duration_since(EPOCH);
    since.as_secs() * 1000 + i64::from(since.subsec_nanos().div_euclid(1_000_000))
}

/// The UTC date and time of epoch milliseconds; `None` outside the years -9999 to 9999.
pub(crate) fn utc_datetime(millis: i64) -> Option<DateTime> {
    EPOCH.checked_add(SignedDuration::from_millis(millis)).ok()
}

/// A timestamp value as epoch milliseconds: a number is epoch milliseconds (the manager's
/// convention), a string is RFC 3339 or an integer of epoch milliseconds.
pub fn timestamp_millis(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.2e18)
                .map(|f| f as i64)
        }),
        Value::String(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| parse_rfc3339(text)),
        _ => None,
    }
}

/// RFC 3339 text (`2024-05-01T12:00:00.250Z`, milliseconds only when not zero) of epoch ms.
///
/// An instant outside the years -9999 to 9999 has no such text: it is written as its epoch
/// milliseconds, which [`timestamp_millis`] reads back.
pub fn format_rfc3339(millis: i64) -> String {
    match utc_datetime(millis) {
        Some(utc) if millis % 1000 == 0 => format!("{utc:.0}Z"),
        Some(utc) => format!("{utc:.3}Z"),
        None => millis.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(parse_rfc3339("1970-01-01"), Some(0));
        assert_eq!(parse_rfc3339("2024-01-01"), Some(19_723 * DAY_MS));
        let civil = |text: &str| utc_datetime(parse_rfc3339(text).unwrap()).unwrap();
        assert_eq!(civil("2024-05-05").weekday(), jiff::civil::Weekday::Sunday);
        assert_eq!(civil("2024-02-01").days_in_month(), 29);
        assert_eq!(civil("2100-02-01").days_in_month(), 28);
    }

    #[test]
    fn rfc3339_parsing() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-02"), Some(DAY_MS));
        assert_eq!(parse_rfc3339("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00.Z"), None);
    }

    #[test]
    fn leap_years() {
        let day = |text: &str| parse_rfc3339(text).map(|millis| millis / DAY_MS);
        assert_eq!(day("2024-02-29"), Some(19_782));
        assert_eq!(day("2000-02-29"), Some(11_016));
        assert_eq!(parse_rfc3339("2023-02-29"), None);
        assert_eq!(parse_rfc3339("1900-02-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2100-02-29T00:00:00Z"), None);
        assert_eq!(
            format_rfc3339(parse_rfc3339("2024-02-28T23:59:59.999Z").unwrap() + 1),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(
            format_rfc3339(parse_rfc3339("2023-02-28T23:59:59.999Z").unwrap() + 1),
            "2023-03-01T00:00:00Z"
        );
    }

    #[test]
    fn fractions_are_cut_to_the_millisecond_toward_the_past() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.1239Z"), Some(123));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.123456789Z"), Some(123));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00,5Z"), Some(500));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.9995Z"), Some(-1));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.0005Z"), Some(-1000));
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_rfc3339(250), "1970-01-01T00:00:00.250Z");
        assert_eq!(format_rfc3339(1000), "1970-01-01T00:00:01Z");
    }

    #[test]
    fn offsets_and_separators() {
        let utc = parse_rfc3339("2024-05-01T06:30:00Z");
        for text in [
            "2024-05-01T12:00:00+05:30",
            "2024-05-01T12:00:00+0530",
            "2024-05-01 12:00:00+05:30",
            "2024-05-01t12:00:00+05:30",
            "2024-05-01T01:00:00-05:30",
            " 2024-05-01T06:30:00z ",
            "2024-05-01T06:30:00",
            "2024-05-01T06:30:00-00:00",
        ] {
            assert_eq!(parse_rfc3339(text), utc, "{text}");
        }
        // The offset moves the date too.
        assert_eq!(
            parse_rfc3339("2024-03-01T01:00:00+02:00").map(format_rfc3339),
            Some("2024-02-29T23:00:00Z".to_owned())
        );
    }

    #[test]
    fn a_leap_second_is_the_next_minute() {
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2017-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60.5Z"),
            parse_rfc3339("2017-01-01T00:00:00.5Z")
        );
    }

    #[test]
    fn out_of_range_and_odd_shapes_are_none() {
        for text in [
            "",
            "2024-13-01T00:00:00Z",
            "2024-00-10",
            "2024-05-32",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:60:00Z",
            "2024-05-01T12:00:61Z",
            "2024-05-01T12:00:00+26:00",
            "2024-05-01T12:00",
            "2024-05-01T12",
            "20240501T120000Z",
            "2024-W18-3",
            "+002024-05-01T12:00:00Z",
            "-002024-05-01T12:00:00Z",
            "2024-05-01T12:00:00Z[UTC]",
            "2024-05-01T12:00:00Zjunk",
            "2024-05-01T12:00:00 Z",
            "2024-05-01T12:00:00.1234567891Z",
            "2024-05-01T12:00:00.123abcZ",
            "2024-05-01T12:00:00.12a4Z",
            "99999-01-01",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text:?}");
        }
        assert_eq!(format_rfc3339(i64::MAX), i64::MAX.to_string());
        assert_eq!(format_rfc3339(i64::MIN), i64::MIN.to_string());
        assert_eq!(
            timestamp_millis(&Value::String(format_rfc3339(i64::MAX))),
            Some(i64::MAX)
        );
        assert_eq!(
            format_rfc3339(253_402_300_799_999),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(utc_datetime(i64::MAX), None);
        assert_eq!(utc_datetime(i64::MIN), None);
        // The last instant of 9999 and the first of year 1, which jiff's `Timestamp` lacks.
        assert_eq!(
            parse_rfc3339("0001-01-01T00:00:00Z").map(format_rfc3339),
            Some("0001-01-01T00:00:00Z".to_owned())
        );
        assert_eq!(
            parse_rfc3339("9999-12-31T23:00:00-05:00"),
            Some(253_402_315_200_000)
        );
    }

    #[test]
    fn timestamp_values() {
        assert_eq!(timestamp_millis(&Value::from(1500)), Some(1500));
        assert_eq!(timestamp_millis(&Value::from(1500.7)), Some(1500));
        assert_eq!(timestamp_millis(&Value::from(" 1500 ")), Some(1500));
        assert_eq!(
            timestamp_millis(&Value::from("1970-01-01T00:00:01.5Z")),
            Some(1500)
        );
        assert_eq!(timestamp_millis(&Value::from("soon")), None);
        assert_eq!(timestamp_millis(&Value::Bool(true)), None);
    }

    /// jiff's parser alone, as `parse_rfc3339` reads text the fast path leaves.
    fn parse_with_jiff(text: &str) -> Option<i64> {
        let pieces = Pieces::parse(text).ok()?;
        let offset_seconds = pieces
            .offset()
            .map_or(0, |offset| offset.to_numeric_offset().seconds());
        let local = pieces
            .date()
            .to_datetime(pieces.time().unwrap_or(Time::midnight()));
        Some(epoch_millis(local) - i64::from(offset_seconds) * 1000)
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_jiffs_parser(
            text in "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9a]{0,10})?Z?",
        ) {
            if let Some(millis) = parse_canonical(text.as_bytes()) {
                prop_assert_eq!(Some(millis), parse_with_jiff(&text));
            } else if !text.contains(":60") {
                prop_assert_eq!(parse_with_jiff(&text).filter(|_| text.ends_with('Z')), None);
            }
        }

        #[test]
        fn the_fast_path_agrees_on_any_instant(millis in -62_135_596_800_000i64..253_402_300_800_000) {
            let text = format_rfc3339(millis);
            prop_assert_eq!(parse_canonical(text.as_bytes()), Some(millis));
            prop_assert_eq!(parse_with_jiff(&text), Some(millis));
        }

        #[test]
        fn format_then_parse(millis in 0i64..253_402_300_799_999) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(millis)), Some(millis));
        }

        #[test]
        fn format_then_parse_before_1970(millis in -62_135_596_800_000i64..0) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(millis)), Some(millis));
        }

        #[test]
        fn parse_never_panics(text in ".{0,40}") {
            let _ = parse_rfc3339(&text);
        }

        #[test]
        fn shaped_text_never_panics(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.,+Zz-]{0,24}") {
            let _ = parse_rfc3339(&text);
        }
    }
}
