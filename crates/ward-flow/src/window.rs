//! Incremental pulls: a run reads only the records whose watermark field moved into its window
//! `(start, end]` — AppFlow's `dataPullStartTime` (exclusive) and `dataPullEndTime` (inclusive).
//! A run's end is the instant it started; the next run starts where the last successful run
//! ended, so a record changed between two runs is read by exactly one successful run, and a
//! failed run's window is read again.

use crate::record::{FieldPath, Record};
use crate::time::timestamp_millis;

/// The records one incremental run reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullWindow {
    field: FieldPath,
    start: Option<i64>,
    end: i64,
}

impl PullWindow {
    /// Records whose `field` lies in `(start, end]`; every record (with or without the field)
    /// when `start` is `None` (the first run reads everything up to `end`).
    pub fn new(field: FieldPath, start: Option<i64>, end: i64) -> Self {
        Self { field, start, end }
    }

    /// The watermark field.
    pub fn field(&self) -> &FieldPath {
        &self.field
    }

    /// The exclusive start, epoch milliseconds.
    pub fn start(&self) -> Option<i64> {
        self.start
    }

    /// The inclusive end, epoch milliseconds.
    pub fn end(&self) -> i64 {
        self.end
    }

    /// Whether the record changed inside the window. A record whose watermark is missing or not
    /// a timestamp has not changed since the first run (which read it).
    pub fn admits(&self, record: &Record) -> bool {
        let Some(at) = self.field.get(record).and_then(timestamp_millis) else {
            return self.start.is_none();
        };
        at <= self.end && self.start.is_none_or(|start| at > start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn record(value: &serde_json::Value) -> Record {
        match json!({ "computerStatus": { "at": value } }) {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn window(start: Option<i64>, end: i64) -> PullWindow {
        PullWindow::new(FieldPath::parse("computerStatus.at").unwrap(), start, end)
    }

    #[test]
    fn the_start_is_exclusive_and_the_end_inclusive() {
        let window = window(Some(100), 200);
        assert!(!window.admits(&record(&json!(100))));
        assert!(window.admits(&record(&json!(101))));
        assert!(window.admits(&record(&json!(200))));
        assert!(!window.admits(&record(&json!(201))));
        // RFC 3339 text and numeric strings are timestamps too.
        assert!(window.admits(&record(&json!("1970-01-01T00:00:00.150Z"))));
        assert!(window.admits(&record(&json!("150"))));
    }

    #[test]
    fn records_without_a_watermark_are_read_by_the_first_run_only() {
        for missing in [json!(null), json!("soon"), json!({})] {
            assert!(window(None, 200).admits(&record(&missing)));
            assert!(!window(Some(100), 200).admits(&record(&missing)));
        }
        // The first run stops at its end too.
        assert!(!window(None, 200).admits(&record(&json!(201))));
    }

    proptest! {
        /// Consecutive successful runs read every change exactly once.
        #[test]
        fn consecutive_windows_partition_time(
            ends in proptest::collection::vec(0i64..1_000_000, 1..8),
            at in 0i64..1_000_000,
        ) {
            let mut ends = ends;
            ends.sort_unstable();
            let mut start = None;
            let mut readers = 0;
            for end in &ends {
                readers += usize::from(window(start, *end).admits(&record(&json!(at))));
                start = Some(*end);
            }
            let expected = usize::from(at <= *ends.last().unwrap());
            prop_assert_eq!(readers, expected);
        }
    }
}
