//! Splitting an input into items: one JSON value, a JSON array of values, JSON lines, or a stream
//! of concatenated (pretty-printed) values — as `jq` prints them.
//!
//! The rules: a leading `[` is an array; text on one line is one item; text on several lines is
//! JSON lines when its first line alone is a complete JSON value, and otherwise a stream of values
//! (usually one pretty-printed event). A malformed line costs only that line; a malformed value in
//! a stream costs the rest of the stream, which is quarantined whole.

use crate::dispatch::{Out, item};
use crate::parsed::{Item, Position, QuarantineReason};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

/// Reports every item of `input`.
pub(crate) fn input(input: &[u8], out: &mut Out<'_>) {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return out.quarantine(Position::input(), QuarantineReason::Empty, trimmed);
    }
    if trimmed.starts_with(b"[") {
        return array(trimmed, out);
    }
    if !trimmed.contains(&b'\n') {
        return bytes_item(trimmed, Position::input(), out);
    }
    if first_line_is_a_value(trimmed) {
        return lines(input, out);
    }
    stream(trimmed, out);
}

/// One item given as bytes: UTF-8 is checked here, everything else by [`item`].
fn bytes_item(bytes: &[u8], position: Position, out: &mut Out<'_>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => item(text, position, 0, out),
        Err(error) => out.quarantine(
            position,
            QuarantineReason::NotUtf8 {
                offset: error.valid_up_to(),
            },
            bytes,
        ),
    }
}

fn first_line_is_a_value(text: &[u8]) -> bool {
    let first_line = text.split(|&byte| byte == b'\n').next().unwrap_or_default();
    serde_json::from_slice::<IgnoredAny>(first_line.trim_ascii()).is_ok()
}

fn array(bytes: &[u8], out: &mut Out<'_>) {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let reason = QuarantineReason::NotUtf8 {
                offset: error.valid_up_to(),
            };
            return out.quarantine(Position::input(), reason, bytes);
        }
    };
    match serde_json::from_str::<Vec<&RawValue>>(text) {
        Ok(values) if values.is_empty() => out.quarantine(
            Position::input(),
            QuarantineReason::EmptyContainer {
                what: "the JSON array",
            },
            bytes,
        ),
        Ok(values) => {
            for (index, value) in values.into_iter().enumerate() {
                item(value.get(), Position::at(Item::Record(index + 1)), 0, out);
            }
        }
        Err(error) => out.quarantine(
            Position::input(),
            QuarantineReason::InvalidJson {
                message: error.to_string(),
            },
            bytes,
        ),
    }
}

fn lines(input: &[u8], out: &mut Out<'_>) {
    // Valid UTF-8 throughout (the usual case): split with `str`'s memchr-based search and skip
    // the per-line check. Otherwise each line is checked on its own, so one bad line costs one line.
    if let Ok(text) = std::str::from_utf8(input) {
        for (index, line) in text.split('\n').enumerate() {
            let line = line.trim_ascii();
            if !line.is_empty() {
                item(line, Position::at(Item::Line(index + 1)), 0, out);
            }
        }
        return;
    }
    for (index, line) in input.split(|&byte| byte == b'\n').enumerate() {
        let line = line.trim_ascii();
        if !line.is_empty() {
            bytes_item(line, Position::at(Item::Line(index + 1)), out);
        }
    }
}

fn stream(bytes: &[u8], out: &mut Out<'_>) {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let reason = QuarantineReason::NotUtf8 {
                offset: error.valid_up_to(),
            };
            return out.quarantine(Position::input(), reason, bytes);
        }
    };
    let mut values = Vec::new();
    let mut failure = None;
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    loop {
        let start = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(value)) => values.push(value),
            Some(Err(error)) => {
                failure = Some((start, error));
                break;
            }
        }
    }
    let single = values.len() == 1 && failure.is_none();
    let count = values.len();
    for (index, value) in values.into_iter().enumerate() {
        let position = if single {
            Position::input()
        } else {
            Position::at(Item::Record(index + 1))
        };
        item(value.get(), position, 0, out);
    }
    if let Some((start, error)) = failure {
        let position = if count == 0 {
            Position::input()
        } else {
            Position::at(Item::Record(count + 1))
        };
        let rest = text.get(start..).unwrap_or(text).trim_ascii();
        let reason = QuarantineReason::InvalidJson {
            message: error.to_string(),
        };
        out.quarantine(position, reason, rest.as_bytes());
    }
}
