//! Schedule expressions as AWS writes them (EventBridge, AppFlow): `rate(5 minutes)` and the
//! six-field `cron(minutes hours day-of-month month day-of-week year)`, evaluated in UTC.
//!
//! Cron fields accept `*`, lists `a,b`, ranges `a-b`, steps `*/n` and `a-b/n` and `a/n`, month
//! names `JAN`–`DEC` and day names `SUN`–`SAT` (`SUN` = 1 … `SAT` = 7); `?` in exactly one of
//! day-of-month and day-of-week (AWS's rule); `L` (last day of the month), `nW` (the weekday
//! nearest day n, within the month) and `LW` in day-of-month; `dL` (the last weekday d of the
//! month) and `d#n` (the n-th weekday d) in day-of-week; years 1970–2199.
//!
//! [`ScheduleExpression::next_after`] gives the first run strictly after an instant; times are
//! epoch milliseconds. A `rate` counts from an anchor (the schedule's start time, or the epoch).

use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS, epoch_millis, utc_datetime};
use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A parsed schedule expression; serde reads and writes its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScheduleExpression {
    text: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Rate { period_ms: i64 },
    Cron(Box<Cron>),
}

/// Why a schedule expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule expression `{expression}`: {reason}")]
pub struct ScheduleError {
    /// The expression as given.
    pub expression: String,
    /// What is wrong.
    pub reason: String,
}

const FIRST_YEAR: i64 = 1970;
const LAST_YEAR: i64 = 2199;
/// The last day a cron can run on.
const LAST_DAY: Date = jiff::civil::date(2199, 12, 31);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cron {
    minutes: u64,
    hours: u32,
    /// `None`: `?`.
    days_of_month: Option<DaysOfMonth>,
    months: u16,
    /// `None`: `?`.
    days_of_week: Option<DaysOfWeek>,
    /// Bit i: year 1970 + i.
    years: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct DaysOfMonth {
    /// Bit d: day d (1–31).
    days: u32,
    last: bool,
    last_weekday: bool,
    nearest_weekday: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct DaysOfWeek {
    /// Bit d: weekday d, 0 = Sunday.
    days: u8,
    /// (weekday 0–6, n 1–5): the n-th such weekday of the month.
    nth: Vec<(u32, u32)>,
    /// Weekdays (0–6) whose last occurrence in the month matches.
    last: Vec<u32>,
}

impl ScheduleExpression {
    /// Parses `rate(…)` or `cron(…)`.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let error = |reason: &str| ScheduleError {
            expression: text.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = text.trim();
        let kind = if let Some(body) = strip_call(trimmed, "rate") {
            Kind::Rate {
                period_ms: parse_rate(body).map_err(|reason| error(&reason))?,
            }
        } else if let Some(body) = strip_call(trimmed, "cron") {
            Kind::Cron(Box::new(parse_cron(body).map_err(|reason| error(&reason))?))
        } else {
            return Err(error("expected `rate(…)` or `cron(…)`"));
        };
        Ok(Self {
            text: trimmed.to_owned(),
            kind,
        })
    }

    /// The expression's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The period of a `rate` expression in milliseconds.
    pub fn rate_period_ms(&self) -> Option<i64> {
        match self.kind {
            Kind::Rate { period_ms } => Some(period_ms),
            Kind::Cron(_) => None,
        }
    }

    /// The first run strictly after `after_ms`; a `rate` counts from the epoch.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        self.next_after_anchored(after_ms, 0)
    }

    /// The first run strictly after `after_ms`; a `rate` runs at `anchor_ms + k × period`
    /// (a `cron` ignores the anchor). `None` when no run is left (a cron past 2199).
    pub fn next_after_anchored(&self, after_ms: i64, anchor_ms: i64) -> Option<i64> {
        match &self.kind {
            Kind::Rate { period_ms } => {
                if after_ms < anchor_ms {
                    return Some(anchor_ms);
                }
                let periods = after_ms.checked_sub(anchor_ms)? / period_ms + 1;
                anchor_ms.checked_add(periods.checked_mul(*period_ms)?)
            }
            Kind::Cron(cron) => cron.next_after(after_ms),
        }
    }
}

impl fmt::Display for ScheduleExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for ScheduleExpression {
    type Error = ScheduleError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<ScheduleExpression> for String {
    fn from(expression: ScheduleExpression) -> Self {
        expression.text
    }
}

impl std::str::FromStr for ScheduleExpression {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

fn strip_call<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let rest = text
        .get(..name.len())
        .filter(|head| head.eq_ignore_ascii_case(name))?;
    let rest = text[rest.len()..].trim_start().strip_prefix('(')?;
    rest.strip_suffix(')')
}

fn parse_rate(body: &str) -> Result<i64, String> {
    let body = body.trim();
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let value: i64 = body[..digits]
        .parse()
        .map_err(|_| "a rate needs a whole number of units, like `rate(5 minutes)`".to_owned())?;
    if value < 1 {
        return Err("a rate must be at least 1".to_owned());
    }
    let unit_ms = match body[digits..].trim().to_ascii_lowercase().as_str() {
        "minute" | "minutes" => MINUTE_MS,
        "hour" | "hours" => HOUR_MS,
        "day" | "days" => DAY_MS,
        other => {
            return Err(format!(
                "unknown rate unit `{other}` (minutes, hours or days)"
            ));
        }
    };
    value
        .checked_mul(unit_ms)
        .ok_or_else(|| "rate too large".to_owned())
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn parse_cron(body: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = body.split_whitespace().collect();
    let [minutes, hours, dom, months, dow, years] = fields[..] else {
        return Err(format!(
            "a cron expression has six fields (minutes hours day-of-month month day-of-week year), found {}",
            fields.len()
        ));
    };
    let minutes = bits(minutes, 0, 59, &[], "minutes")?;
    let hours = bits(hours, 0, 23, &[], "hours")?;
    let months = bits(months, 1, 12, &MONTHS, "month")?;
    let year_bits = bits_wide(years, FIRST_YEAR, LAST_YEAR, "year")?;
    let days_of_month = if dom == "?" {
        None
    } else {
        Some(parse_dom(dom)?)
    };
    let days_of_week = if dow == "?" {
        None
    } else {
        Some(parse_dow(dow)?)
    };
    if days_of_month.is_some() == days_of_week.is_some() {
        return Err("exactly one of day-of-month and day-of-week must be `?`".to_owned());
    }
    Ok(Cron {
        minutes: minutes as u64,
        hours: hours as u32,
        days_of_month,
        months: months as u16,
        days_of_week,
        years: year_bits,
    })
}

/// Parses a list of `*`, `a`, `a-b`, with optional `/step` (and `names` for the values from
/// `low` on), into a bit set where bit n is value n.
fn bits(field: &str, low: i64, high: i64, names: &[&str], what: &str) -> Result<u128, String> {
    let set = bits_named(field, low, high, names, what)?;
    Ok(set
        .iter()
        .enumerate()
        .filter(|(_, on)| **on)
        .fold(0u128, |acc, (index, _)| acc | 1u128 << (index as i64 + low)))
}

fn bits_named(
    field: &str,
    low: i64,
    high: i64,
    names: &[&str],
    what: &str,
) -> Result<Vec<bool>, String> {
    if names.is_empty() {
        return bits_wide(field, low, high, what);
    }
    let mut replaced = field.to_ascii_uppercase();
    for (index, name) in names.iter().enumerate() {
        replaced = replaced.replace(name, &(index as i64 + low).to_string());
    }
    bits_wide(&replaced, low, high, what)
}

fn bits_wide(field: &str, low: i64, high: i64, what: &str) -> Result<Vec<bool>, String> {
    let mut set = vec![false; (high - low + 1) as usize];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: i64 = step
                    .parse()
                    .ok()
                    .filter(|step| *step >= 1)
                    .ok_or_else(|| format!("bad step `{step}` in the {what} field"))?;
                (range, step)
            }
            None => (item, 1),
        };
        let number = |text: &str| -> Result<i64, String> {
            text.parse::<i64>()
                .ok()
                .filter(|n| (low..=high).contains(n))
                .ok_or_else(|| format!("`{text}` is not a valid {what} ({low}–{high})"))
        };
        let (first, last) = if range == "*" {
            (low, high)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (number(a)?, number(b)?);
            if a > b {
                return Err(format!(
                    "range `{range}` runs backwards in the {what} field"
                ));
            }
            (a, b)
        } else {
            let a = number(range)?;
            (a, if item.contains('/') { high } else { a })
        };
        let mut value = first;
        while value <= last {
            set[(value - low) as usize] = true;
            value += step;
        }
    }
    Ok(set)
}

fn parse_dom(field: &str) -> Result<DaysOfMonth, String> {
    let mut days = DaysOfMonth::default();
    for item in field.split(',') {
        let upper = item.to_ascii_uppercase();
        if upper == "L" {
            days.last = true;
        } else if upper == "LW" {
            days.last_weekday = true;
        } else if let Some(day) = upper.strip_suffix('W') {
            let day: u32 = day
                .parse()
                .ok()
                .filter(|d| (1..=31).contains(d))
                .ok_or_else(|| format!("`{item}` is not a valid day-of-month"))?;
            days.nearest_weekday.push(day);
        } else {
            days.days |= bits(item, 1, 31, &[], "day-of-month")? as u32;
        }
    }
    Ok(days)
}

fn parse_dow(field: &str) -> Result<DaysOfWeek, String> {
    let mut days = DaysOfWeek::default();
    let weekday_number = |text: &str| -> Result<u32, String> {
        let text = text.to_ascii_uppercase();
        WEEKDAYS
            .iter()
            .position(|name| *name == text)
            .map(|index| index as u32)
            .or_else(|| {
                text.parse::<u32>()
                    .ok()
                    .filter(|d| (1..=7).contains(d))
                    .map(|d| d - 1)
            })
            .ok_or_else(|| format!("`{text}` is not a valid day-of-week (1–7 or SUN–SAT)"))
    };
    for item in field.split(',') {
        if let Some((day, n)) = item.split_once('#') {
            let n: u32 = n
                .parse()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| format!("`{item}`: the week number after `#` is 1–5"))?;
            days.nth.push((weekday_number(day)?, n));
        } else if let Some(day) = item.strip_suffix(['L', 'l']).filter(|day| !day.is_empty()) {
            days.last.push(weekday_number(day)?);
        } else {
            // 1 = SUN … 7 = SAT; stored as bit (n - 1).
            days.days |= (bits(item, 1, 7, &WEEKDAYS, "day-of-week")? >> 1) as u8;
        }
    }
    Ok(days)
}

/// 0 = Sunday … 6 = Saturday, as the day-of-week bits count.
fn sunday_zero(weekday: Weekday) -> u32 {
    u32::from(weekday.to_sunday_zero_offset().unsigned_abs())
}

impl Cron {
    fn day_matches(&self, date: Date) -> bool {
        let day = u32::from(date.day().unsigned_abs());
        let length = u32::from(date.days_in_month().unsigned_abs());
        if let Some(dom) = &self.days_of_month {
            // The weekday nearest day `target` of this month, without leaving the month.
            let nearest = |target: u32| -> u32 {
                let target = target.min(length);
                let target_weekday = date
                    .weekday()
                    .wrapping_add(i64::from(target) - i64::from(day));
                match sunday_zero(target_weekday) {
                    6 if target == 1 => target + 2,
                    6 => target - 1,
                    0 if target == length => target - 2,
                    0 => target + 1,
                    _ => target,
                }
            };
            dom.days & (1 << day) != 0
                || (dom.last && day == length)
                || (dom.last_weekday && day == nearest(length))
                || dom
                    .nearest_weekday
                    .iter()
                    .any(|target| day == nearest(*target))
        } else if let Some(dow) = &self.days_of_week {
            let today = sunday_zero(date.weekday());
            dow.days & (1 << today) != 0
                || dow
                    .nth
                    .iter()
                    .any(|(wd, n)| *wd == today && (day - 1) / 7 + 1 == *n)
                || dow.last.iter().any(|wd| *wd == today && day + 7 > length)
        } else {
            false
        }
    }

    fn runs_in_year(&self, year: i16) -> bool {
        usize::try_from(i64::from(year) - FIRST_YEAR)
            .ok()
            .and_then(|index| self.years.get(index))
            .is_some_and(|on| *on)
    }

    fn next_after(&self, after_ms: i64) -> Option<i64> {
        // The next whole minute; none runs before 1970-01-01T00:00Z, epoch 0.
        let start = after_ms
            .div_euclid(MINUTE_MS)
            .checked_add(1)?
            .checked_mul(MINUTE_MS)?
            .max(0);
        // Past the years jiff knows is past 2199 too.
        let start = utc_datetime(start)?;
        let mut date = start.date();
        let mut first_minute = i64::from(start.hour()) * 60 + i64::from(start.minute());
        while date <= LAST_DAY {
            if !self.runs_in_year(date.year()) {
                date = Date::new(date.year() + 1, 1, 1).ok()?;
            } else if self.months & (1 << date.month()) == 0 {
                date = date.last_of_month().tomorrow().ok()?;
            } else {
                if self.day_matches(date) {
                    for minute_of_day in first_minute..24 * 60 {
                        let (hour, minute) = (minute_of_day / 60, minute_of_day % 60);
                        if self.hours & (1 << hour) != 0 && self.minutes & (1 << minute) != 0 {
                            let midnight = epoch_millis(date.to_datetime(Time::midnight()));
                            return Some(midnight + minute_of_day * MINUTE_MS);
                        }
                    }
                }
                date = date.tomorrow().ok()?;
            }
            first_minute = 0;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{format_rfc3339, parse_rfc3339};
    use proptest::prelude::*;

    fn at(text: &str) -> i64 {
        parse_rfc3339(text).unwrap()
    }

    fn next(expression: &str, after: &str) -> String {
        let schedule = ScheduleExpression::parse(expression).unwrap();
        format_rfc3339(schedule.next_after(at(after)).unwrap())
    }

    #[test]
    fn rates() {
        assert_eq!(
            ScheduleExpression::parse("rate(5 minutes)")
                .unwrap()
                .rate_period_ms(),
            Some(300_000)
        );
        assert_eq!(
            ScheduleExpression::parse("rate(5minutes)")
                .unwrap()
                .rate_period_ms(),
            Some(300_000)
        );
        assert_eq!(
            ScheduleExpression::parse("rate(1 hour)")
                .unwrap()
                .rate_period_ms(),
            Some(HOUR_MS)
        );
        assert_eq!(
            ScheduleExpression::parse("rate(2 days)")
                .unwrap()
                .rate_period_ms(),
            Some(2 * DAY_MS)
        );
        assert!(ScheduleExpression::parse("rate(0 minutes)").is_err());
        assert!(ScheduleExpression::parse("rate(5 weeks)").is_err());
        assert!(ScheduleExpression::parse("rate(minutes)").is_err());
        assert_eq!(
            next("rate(5 minutes)", "2024-05-01T10:02:00Z"),
            "2024-05-01T10:05:00Z"
        );
        assert_eq!(
            next("rate(5 minutes)", "2024-05-01T10:05:00Z"),
            "2024-05-01T10:10:00Z"
        );
        let schedule = ScheduleExpression::parse("rate(1 hour)").unwrap();
        let anchor = at("2024-05-01T10:20:00Z");
        assert_eq!(
            schedule.next_after_anchored(at("2024-05-01T12:00:00Z"), anchor),
            Some(at("2024-05-01T12:20:00Z"))
        );
        assert_eq!(
            schedule.next_after_anchored(at("2024-04-01T00:00:00Z"), anchor),
            Some(anchor)
        );
    }

    #[test]
    fn cron_basics() {
        assert_eq!(
            next("cron(0 12 * * ? *)", "2024-05-01T12:00:00Z"),
            "2024-05-02T12:00:00Z"
        );
        assert_eq!(
            next("cron(0 12 * * ? *)", "2024-05-01T11:59:59Z"),
            "2024-05-01T12:00:00Z"
        );
        assert_eq!(
            next("cron(15 10 ? * 6L 2024)", "2024-05-01T00:00:00Z"),
            "2024-05-31T10:15:00Z"
        );
        assert_eq!(
            next("cron(0/15 * * * ? *)", "2024-05-01T10:07:00Z"),
            "2024-05-01T10:15:00Z"
        );
        assert_eq!(
            next("cron(0 8 1 * ? *)", "2024-05-01T09:00:00Z"),
            "2024-06-01T08:00:00Z"
        );
        assert_eq!(
            next("cron(0 18 ? * MON-FRI *)", "2024-05-03T19:00:00Z"),
            "2024-05-06T18:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 L * ? *)", "2024-02-01T00:00:00Z"),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 9 ? * 2#1 *)", "2024-05-07T00:00:00Z"),
            "2024-06-03T09:00:00Z"
        );
        assert_eq!(
            next("cron(30 6 ? JAN,JUL SUN *)", "2024-05-01T00:00:00Z"),
            "2024-07-07T06:30:00Z"
        );
        // 2024-06-01 is a Saturday: 1W is Monday the 3rd; LW of June 2024 is Friday the 28th.
        assert_eq!(
            next("cron(0 0 1W * ? *)", "2024-05-31T00:00:00Z"),
            "2024-06-03T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 LW * ? *)", "2024-06-03T00:00:00Z"),
            "2024-06-28T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 1 1 ? 2030)", "2024-05-01T00:00:00Z"),
            "2030-01-01T00:00:00Z"
        );
        assert_eq!(
            ScheduleExpression::parse("cron(0 0 1 1 ? 2020)")
                .unwrap()
                .next_after(at("2024-01-01T00:00:00Z")),
            None
        );
    }

    #[test]
    fn cron_rejections() {
        for bad in [
            "cron(0 12 * * * *)",
            "cron(0 12 ? * ? *)",
            "cron(0 12 * *)",
            "cron(60 12 * * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 0 32 * ? *)",
            "cron(0 0 ? * 8 *)",
            "cron(0 0 ? * 2#6 *)",
            "cron(0 0 1 13 ? *)",
            "cron(0 0 1 * ? 1969)",
            "cron(5-1 0 1 * ? *)",
            "cron(*/0 0 1 * ? *)",
            "every day",
        ] {
            let error = ScheduleExpression::parse(bad).expect_err(bad);
            assert_eq!(error.expression, bad);
        }
    }

    #[test]
    fn last_day_of_each_month() {
        let last_days: Vec<String> = (0..14)
            .scan(at("2023-11-15T00:00:00Z"), |after, _| {
                let schedule = ScheduleExpression::parse("cron(0 0 L * ? *)").unwrap();
                *after = schedule.next_after(*after)?;
                Some(format_rfc3339(*after))
            })
            .collect();
        assert_eq!(
            last_days,
            [
                "2023-11-30T00:00:00Z",
                "2023-12-31T00:00:00Z",
                "2024-01-31T00:00:00Z",
                "2024-02-29T00:00:00Z",
                "2024-03-31T00:00:00Z",
                "2024-04-30T00:00:00Z",
                "2024-05-31T00:00:00Z",
                "2024-06-30T00:00:00Z",
                "2024-07-31T00:00:00Z",
                "2024-08-31T00:00:00Z",
                "2024-09-30T00:00:00Z",
                "2024-10-31T00:00:00Z",
                "2024-11-30T00:00:00Z",
                "2024-12-31T00:00:00Z",
            ]
        );
        assert_eq!(
            next("cron(0 0 L 2 ? *)", "2024-03-01T00:00:00Z"),
            "2025-02-28T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 L 2 ? *)", "2099-03-01T00:00:00Z"),
            "2100-02-28T00:00:00Z"
        );
    }

    #[test]
    fn leap_years() {
        assert_eq!(
            next("cron(0 0 29 2 ? *)", "2024-03-01T00:00:00Z"),
            "2028-02-29T00:00:00Z"
        );
        // 2100 is not a leap year: eight years between two February 29ths.
        assert_eq!(
            next("cron(0 0 29 2 ? *)", "2096-03-01T00:00:00Z"),
            "2104-02-29T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 29 2 ? *)", "2000-01-01T00:00:00Z"),
            "2000-02-29T00:00:00Z"
        );
        // A day no month has never comes.
        assert_eq!(
            ScheduleExpression::parse("cron(0 0 30 2 ? *)")
                .unwrap()
                .next_after(0),
            None
        );
    }

    #[test]
    fn weekdays_at_month_ends() {
        // 31W in a 30-day month is the weekday nearest the 30th; 2024-06-30 is a Sunday.
        assert_eq!(
            next("cron(0 0 31W 6 ? *)", "2024-06-01T00:00:00Z"),
            "2024-06-28T00:00:00Z"
        );
        // LW of February 2025 (the 28th is a Friday) and of March 2024 (the 31st is a Sunday).
        assert_eq!(
            next("cron(0 0 LW * ? *)", "2025-02-01T00:00:00Z"),
            "2025-02-28T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 LW * ? *)", "2024-03-01T00:00:00Z"),
            "2024-03-29T00:00:00Z"
        );
        // The last Thursday (5L) of February 2024 and the fifth Thursday (5#5) of a month.
        assert_eq!(
            next("cron(0 0 ? * 5L *)", "2024-02-01T00:00:00Z"),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(
            next("cron(0 0 ? * 5#5 *)", "2024-03-01T00:00:00Z"),
            "2024-05-30T00:00:00Z"
        );
        // Across the end of a year.
        assert_eq!(
            next("cron(30 23 L * ? *)", "2024-12-31T23:30:00Z"),
            "2025-01-31T23:30:00Z"
        );
    }

    #[test]
    fn utc_has_no_daylight_saving_time() {
        // 02:30 exists on the days Europe and the US move their clocks (UTC does not move).
        assert_eq!(
            next("cron(30 2 * * ? *)", "2024-03-10T00:00:00Z"),
            "2024-03-10T02:30:00Z"
        );
        assert_eq!(
            next("cron(30 2 * * ? *)", "2024-03-31T00:00:00Z"),
            "2024-03-31T02:30:00Z"
        );
        assert_eq!(
            next("rate(1 hour)", "2024-10-27T00:30:00Z"),
            "2024-10-27T01:00:00Z"
        );
    }

    #[test]
    fn instants_out_of_range_have_no_next_run() {
        let cron = ScheduleExpression::parse("cron(0 12 * * ? *)").unwrap();
        let rate = ScheduleExpression::parse("rate(5 minutes)").unwrap();
        for after in [i64::MAX, i64::MAX - MINUTE_MS, at("2200-01-01T00:00:00Z")] {
            assert_eq!(cron.next_after(after), None);
        }
        assert_eq!(rate.next_after(i64::MAX), None);
        assert_eq!(rate.next_after_anchored(i64::MAX, -1), None);
        // Before 1970 a cron waits for its first year; a rate for its anchor.
        assert_eq!(
            cron.next_after(i64::MIN).map(format_rfc3339).as_deref(),
            Some("1970-01-01T12:00:00Z")
        );
        assert_eq!(rate.next_after_anchored(i64::MIN, 0), Some(0));
        assert_eq!(
            ScheduleExpression::parse("cron(59 23 31 12 ? 2199)")
                .unwrap()
                .next_after(at("2199-12-31T23:58:30Z"))
                .map(format_rfc3339)
                .as_deref(),
            Some("2199-12-31T23:59:00Z")
        );
    }

    #[test]
    fn serde_round_trip() {
        let schedule: ScheduleExpression = serde_json::from_str("\"cron(0 12 * * ? *)\"").unwrap();
        assert_eq!(
            serde_json::to_string(&schedule).unwrap(),
            "\"cron(0 12 * * ? *)\""
        );
        assert!(serde_json::from_str::<ScheduleExpression>("\"cron(nope)\"").is_err());
    }

    proptest! {
        #[test]
        fn next_is_after_and_on_a_minute(
            after in 0i64..4_000_000_000_000,
            minute in 0u32..60,
            hour in 0u32..24,
        ) {
            let schedule = ScheduleExpression::parse(&format!("cron({minute} {hour} * * ? *)")).unwrap();
            let next = schedule.next_after(after).unwrap();
            prop_assert!(next > after);
            prop_assert!(next - after <= DAY_MS);
            prop_assert_eq!(next % MINUTE_MS, 0);
            prop_assert_eq!(next.rem_euclid(DAY_MS) / MINUTE_MS, i64::from(hour * 60 + minute));
        }

        #[test]
        fn rate_next_is_within_one_period(after in 0i64..4_000_000_000_000, n in 1i64..100) {
            let schedule = ScheduleExpression::parse(&format!("rate({n} minutes)")).unwrap();
            let next = schedule.next_after(after).unwrap();
            prop_assert!(next > after && next - after <= n * MINUTE_MS);
            prop_assert_eq!(next % (n * MINUTE_MS), 0);
        }

        #[test]
        fn parse_never_panics(text in "(cron|rate)\\([ -~]{0,30}\\)") {
            let _ = ScheduleExpression::parse(&text);
        }
    }
}
