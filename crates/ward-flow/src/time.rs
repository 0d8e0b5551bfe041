//! Civil-date arithmetic on epoch milliseconds (UTC), for schedules and timestamp comparisons.
//! The calendar itself (days ↔ civil dates) is `ward_core::calendar`.

use serde_json::Value;
pub use ward_core::calendar::{civil_from_days, days_from_civil, days_in_month};

/// Milliseconds in a minute, an hour, a day.
pub const MINUTE_MS: i64 = 60_000;
/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Day of the week of a day number: 0 = Sunday … 6 = Saturday.
pub fn weekday(days: i64) -> u32 {
    // 1970-01-01 was a Thursday.
    (days + 4).rem_euclid(7) as u32
}

/// Parses RFC 3339 (`2024-05-01T12:00:00Z`, fractions, `±HH:MM` offsets, a space for `T`, a bare
/// date) into epoch milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(0..4)?;
    let month = u32::try_from(digits(5..7)?).ok()?;
    let day = u32::try_from(digits(8..10)?).ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let date_ms = days_from_civil(year, month, day) * DAY_MS;
    if bytes.len() == 10 {
        return Some(date_ms);
    }
    if !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes.len() < 19
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let hour = digits(11..13)?;
    let minute = digits(14..16)?;
    let second = digits(17..19)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let length = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if length == 0 {
            return None;
        }
        let mut scaled = 0i64;
        for (index, byte) in fraction[..length].bytes().take(3).enumerate() {
            scaled += i64::from(byte - b'0') * [100, 10, 1][index];
        }
        millis = scaled;
        rest = &fraction[length..];
    }
    let offset_ms = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let offset = rest[1..].replace(':', "");
            if offset.len() != 4 || !offset.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let hours: i64 = offset[..2].parse().ok()?;
            let minutes: i64 = offset[2..].parse().ok()?;
            sign * (hours * HOUR_MS + minutes * MINUTE_MS)
        }
    };
    Some(date_ms + hour * HOUR_MS + minute * MINUTE_MS + second * 1000 + millis - offset_ms)
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
pub fn format_rfc3339(millis: i64) -> String {
    let days = millis.div_euclid(DAY_MS);
    let in_day = millis.rem_euclid(DAY_MS);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second, ms) = (
        in_day / HOUR_MS,
        in_day % HOUR_MS / MINUTE_MS,
        in_day % MINUTE_MS / 1000,
        in_day % 1000,
    );
    if ms == 0 {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{ms:03}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(weekday(days_from_civil(2024, 5, 5)), 0); // a Sunday
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
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

    proptest! {
        #[test]
        fn civil_round_trip(days in -1_000_000i64..1_000_000) {
            let (year, month, day) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(year, month, day), days);
        }

        #[test]
        fn format_then_parse(millis in 0i64..253_402_300_799_999) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(millis)), Some(millis));
        }

        #[test]
        fn parse_never_panics(text in ".{0,40}") {
            let _ = parse_rfc3339(&text);
        }
    }
}
