//! Timestamps as AWS sends them: RFC 3339 strings, epoch seconds or milliseconds (numbers or
//! numeric strings), and the odd renderings some services use inside `detail` — Inspector's
//! `Wed Sep 04 16:59:44.356 UTC 2024` and the console-style `Dec 3, 2021, 6:02:30 PM`.
//!
//! Everything is normalised to a UTC instant with millisecond precision, printed as RFC 3339.
//! No date-time library: the civil-date arithmetic is a few lines (Howard Hinnant's algorithms).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use ward_core::calendar::{civil_from_days, days_from_civil, days_in_month};

/// A UTC instant with millisecond precision, between the years 0001 and 9999.
///
/// `Display` (and serde) give RFC 3339 with a `Z`, milliseconds only when they are not zero:
/// `2017-11-16T11:51:12.378Z`, `2015-10-08T16:53:06Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_millis: i64,
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in Unix milliseconds.
const MIN_MILLIS: i64 = -62_135_596_800_000;
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// Numbers at or above this magnitude are epoch milliseconds, below it epoch seconds
/// (1e11 seconds is the year 5138; 1e11 milliseconds is March 1973).
const MILLIS_THRESHOLD: f64 = 1e11;

impl Timestamp {
    /// The instant `unix_millis` milliseconds after 1970-01-01T00:00:00Z, if it lies in years 1..=9999.
    pub fn from_unix_millis(unix_millis: i64) -> Option<Self> {
        (MIN_MILLIS..=MAX_MILLIS)
            .contains(&unix_millis)
            .then_some(Self { unix_millis })
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    /// An epoch number as AWS sends it: milliseconds when `|n| >= 1e11`, seconds otherwise
    /// (fractions of a second are kept to the millisecond).
    pub fn from_epoch_number(number: f64) -> Option<Self> {
        if !number.is_finite() {
            return None;
        }
        let millis = if number.abs() >= MILLIS_THRESHOLD {
            number
        } else {
            number * 1000.0
        };
        let millis = millis.floor();
        if millis < MIN_MILLIS as f64 || millis > MAX_MILLIS as f64 {
            return None;
        }
        // In range, so the cast is exact enough (integral and far below 2^53).
        Self::from_unix_millis(millis as i64)
    }

    /// Parses any of the formats AWS uses; `None` when the text is none of them.
    ///
    /// Accepted: RFC 3339 / ISO 8601 (`T` or a space between date and time, any number of
    /// fraction digits, `Z` or a `±HH:MM`/`±HHMM`/`±HH` offset, no offset meaning UTC); an epoch
    /// number written as text; `Wed Sep 04 16:59:44.356 UTC 2024` (zone UTC, GMT or Z); and
    /// `Dec 3, 2021, 6:02:30 PM` (read as UTC, optionally followed by UTC or GMT).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let first = *text.as_bytes().first()?;
        if first.is_ascii_digit() || first == b'-' || first == b'+' {
            if let Some(timestamp) = parse_rfc3339(text) {
                return Some(timestamp);
            }
            return parse_epoch_text(text);
        }
        parse_java_date(text).or_else(|| parse_console_date(text))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix_millis.div_euclid(86_400_000);
        let millis_of_day = self.unix_millis.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let seconds_of_day = millis_of_day / 1000;
        let millis = millis_of_day % 1000;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            seconds_of_day / 3600,
            seconds_of_day / 60 % 60,
            seconds_of_day % 60
        )?;
        if millis != 0 {
            write!(f, ".{millis:03}")?;
        }
        f.write_str("Z")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format_args!("{text:?} is not a timestamp")))
    }
}

/// A validated civil date and time (UTC) plus an offset in minutes, to an instant.
fn instant(
    (year, month, day): (i64, u32, u32),
    (hour, minute, second, millis): (u32, u32, u32, u32),
    offset_minutes: i64,
) -> Option<Timestamp> {
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
        || millis > 999
    {
        return None;
    }
    // A leap second (`:60`) is read as the last millisecond before the next minute.
    let (second, millis) = if second == 60 {
        (59, 999)
    } else {
        (second, millis)
    };
    let seconds = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second)
        - offset_minutes * 60;
    Timestamp::from_unix_millis(seconds * 1000 + i64::from(millis))
}

/// A small cursor over ASCII text.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `count` digits.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let slice = self.bytes.get(self.at..self.at + count)?;
        let mut value = 0u32;
        for &byte in slice {
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(byte - b'0');
        }
        self.at += count;
        Some(value)
    }

    /// One or two digits.
    fn short_number(&mut self) -> Option<u32> {
        let first = self.digits(1)?;
        match self.digits(1) {
            Some(second) => Some(first * 10 + second),
            None => Some(first),
        }
    }

    /// Fraction digits after a `.` or `,`, as milliseconds (truncated).
    fn fraction_millis(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        let digits = &self.bytes[start..self.at];
        if digits.is_empty() {
            return None;
        }
        let mut millis = 0u32;
        for index in 0..3 {
            millis = millis * 10 + digits.get(index).map_or(0, |byte| u32::from(byte - b'0'));
        }
        Some(millis)
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

/// `HH:MM[:SS][.fff]`.
fn clock(cursor: &mut Cursor<'_>, two_digit_hour: bool) -> Option<(u32, u32, u32, u32)> {
    let hour = if two_digit_hour {
        cursor.digits(2)?
    } else {
        cursor.short_number()?
    };
    if !cursor.eat(b':') {
        return None;
    }
    let minute = cursor.digits(2)?;
    let mut second = 0;
    let mut millis = 0;
    if cursor.eat(b':') {
        second = cursor.digits(2)?;
        if cursor.eat(b'.') || cursor.eat(b',') {
            millis = cursor.fraction_millis()?;
        }
    }
    Some((hour, minute, second, millis))
}

fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let mut cursor = Cursor::new(text);
    let year = i64::from(cursor.digits(4)?);
    if !cursor.eat(b'-') {
        return None;
    }
    let month = cursor.digits(2)?;
    if !cursor.eat(b'-') {
        return None;
    }
    let day = cursor.digits(2)?;
    if !(cursor.eat(b'T') || cursor.eat(b't') || cursor.eat(b' ')) {
        return None;
    }
    let time = clock(&mut cursor, true)?;
    let offset_minutes = match cursor.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            cursor.at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            cursor.at += 1;
            let hours = i64::from(cursor.digits(2)?);
            cursor.eat(b':');
            let minutes = if cursor.done() {
                0
            } else {
                i64::from(cursor.digits(2)?)
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 60 + minutes;
            if sign == b'-' { -offset } else { offset }
        }
        Some(_) => return None,
    };
    if !cursor.done() {
        return None;
    }
    instant((year, month, day), time, offset_minutes)
}

/// `1510782186000`, `1510782186`, `1510782186.5` written as text.
fn parse_epoch_text(text: &str) -> Option<Timestamp> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain = !digits.is_empty()
        && digits
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'.')
        && digits.bytes().filter(|&byte| byte == b'.').count() <= 1
        && digits.as_bytes()[0].is_ascii_digit();
    if !plain {
        return None;
    }
    Timestamp::from_epoch_number(text.parse().ok()?)
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if name.len() < 3 || !name.is_ascii() {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|month| month.starts_with(&lower))
        .map(|index| index as u32 + 1)
}

fn is_utc_zone(zone: &str) -> bool {
    matches!(
        zone.to_ascii_uppercase().as_str(),
        "UTC" | "GMT" | "Z" | "+0000" | "+00:00" | "UTC+0" | "GMT+0"
    )
}

/// Inspector's Java-style `Wed Sep 04 16:59:44.356 UTC 2024` (day-of-week optional).
fn parse_java_date(text: &str) -> Option<Timestamp> {
    let mut words: Vec<&str> = text.split_ascii_whitespace().collect();
    if words.len() == 6 {
        // The day of the week carries no information; check only that it is a word.
        if !words[0].bytes().all(|byte| byte.is_ascii_alphabetic()) {
            return None;
        }
        words.remove(0);
    }
    let [month, day, time, zone, year] = words.as_slice() else {
        return None;
    };
    if !is_utc_zone(zone) {
        return None;
    }
    let month = month_number(month)?;
    let mut day_cursor = Cursor::new(day);
    let day = day_cursor.short_number()?;
    let mut time_cursor = Cursor::new(time);
    let time = clock(&mut time_cursor, false)?;
    let mut year_cursor = Cursor::new(year);
    let year = i64::from(year_cursor.digits(4)?);
    if !(day_cursor.done() && time_cursor.done() && year_cursor.done()) {
        return None;
    }
    instant((year, month, day), time, 0)
}

/// The console-style `Dec 3, 2021, 6:02:30 PM` (read as UTC; a trailing UTC/GMT is allowed).
fn parse_console_date(text: &str) -> Option<Timestamp> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_ascii_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .collect();
    let (month, day, year, time, meridiem) = match words.as_slice() {
        [month, day, year, time, meridiem] => (month, day, year, time, meridiem),
        [month, day, year, time, meridiem, zone] if is_utc_zone(zone) => {
            (month, day, year, time, meridiem)
        }
        _ => return None,
    };
    let month = month_number(month)?;
    let mut day_cursor = Cursor::new(day);
    let day = day_cursor.short_number()?;
    let mut year_cursor = Cursor::new(year);
    let year = i64::from(year_cursor.digits(4)?);
    let mut time_cursor = Cursor::new(time);
    let (hour, minute, second, millis) = clock(&mut time_cursor, false)?;
    if !(day_cursor.done() && year_cursor.done() && time_cursor.done() && (1..=12).contains(&hour))
    {
        return None;
    }
    let hour = match meridiem.to_ascii_uppercase().as_str() {
        "AM" => hour % 12,
        "PM" => hour % 12 + 12,
        _ => return None,
    };
    instant((year, month, day), (hour, minute, second, millis), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &str) -> Option<String> {
        Timestamp::parse(text).map(|timestamp| timestamp.to_string())
    }

    #[test]
    fn rfc3339_variants() {
        assert_eq!(
            rendered("2017-11-16T11:51:12.378Z").as_deref(),
            Some("2017-11-16T11:51:12.378Z")
        );
        assert_eq!(
            rendered("2015-10-08T16:53:06Z").as_deref(),
            Some("2015-10-08T16:53:06Z")
        );
        assert_eq!(
            rendered("2016-02-17T01:36:34.043123456Z").as_deref(),
            Some("2016-02-17T01:36:34.043Z")
        );
        assert_eq!(
            rendered("2024-09-04T18:59:44+02:00").as_deref(),
            Some("2024-09-04T16:59:44Z")
        );
        assert_eq!(
            rendered("2024-09-04T14:59:44-0200").as_deref(),
            Some("2024-09-04T16:59:44Z")
        );
        assert_eq!(
            rendered("2024-09-04 16:59:44").as_deref(),
            Some("2024-09-04T16:59:44Z")
        );
        assert_eq!(
            rendered("1970-01-01T00:00:00Z").as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            rendered("2016-12-31T23:59:60Z").as_deref(),
            Some("2016-12-31T23:59:59.999Z")
        );
    }

    #[test]
    fn epoch_numbers_and_text() {
        assert_eq!(
            Timestamp::from_epoch_number(1_510_782_186_000.0).map(|t| t.to_string()),
            Some("2017-11-15T21:43:06Z".to_owned())
        );
        assert_eq!(
            Timestamp::from_epoch_number(1_510_782_186.5).map(|t| t.to_string()),
            Some("2017-11-15T21:43:06.500Z".to_owned())
        );
        assert_eq!(
            rendered("1492735675000").as_deref(),
            Some("2017-04-21T00:47:55Z")
        );
        assert_eq!(Timestamp::from_epoch_number(f64::NAN), None);
        assert_eq!(Timestamp::from_epoch_number(1e300), None);
    }

    #[test]
    fn inspector_and_console_formats() {
        assert_eq!(
            rendered("Wed Sep 04 16:59:44.356 UTC 2024").as_deref(),
            Some("2024-09-04T16:59:44.356Z")
        );
        assert_eq!(
            rendered("Thu Jul 25 20:15:00.000 UTC 2024").as_deref(),
            Some("2024-07-25T20:15:00Z")
        );
        assert_eq!(
            rendered("Dec 3, 2021, 6:02:30 PM").as_deref(),
            Some("2021-12-03T18:02:30Z")
        );
        assert_eq!(
            rendered("Dec 3, 2021, 12:02:30 AM").as_deref(),
            Some("2021-12-03T00:02:30Z")
        );
        assert_eq!(
            rendered("Dec 3, 2021, 12:02:30 PM").as_deref(),
            Some("2021-12-03T12:02:30Z")
        );
    }

    #[test]
    fn rejects_nonsense() {
        for text in [
            "",
            "yesterday",
            "2017-13-01T00:00:00Z",
            "2017-02-29T00:00:00Z",
            "2017-11-16T24:00:00Z",
            "2017-11-16",
            "2017-11-16T11:51:12.378Zjunk",
            "Wed Sep 04 16:59:44.356 PST 2024",
            "Dec 3, 2021, 13:02:30 PM",
            "1-2",
            "--5",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_162, -1, 0, 1, 11_016, 19_970, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
    }

    #[test]
    fn serde_round_trip() {
        let timestamp = Timestamp::parse("2024-09-04T16:59:44.356Z").expect("parses");
        let json = serde_json::to_string(&timestamp).expect("serializes");
        assert_eq!(json, "\"2024-09-04T16:59:44.356Z\"");
        let back: Timestamp = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, timestamp);
    }
}
