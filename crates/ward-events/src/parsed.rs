//! What the parser returns for each item of its input: an event, or a quarantine record that says
//! where the item was, why it was not understood, and keeps its text.

use crate::event::Event;
use std::borrow::Cow;
use std::fmt;

/// One item of the input: an event, or a quarantined item.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// An event ward understood.
    Event {
        /// Where it was in the input.
        position: Position,
        /// The event (boxed: an event is large, a quarantine record small).
        event: Box<Event>,
    },
    /// An item ward did not understand, kept whole.
    Quarantined(Quarantined),
}

impl Parsed {
    /// Where the item was in the input.
    pub fn position(&self) -> &Position {
        match self {
            Parsed::Event { position, .. } => position,
            Parsed::Quarantined(quarantined) => &quarantined.position,
        }
    }

    /// The event, if the item was understood.
    pub fn event(&self) -> Option<&Event> {
        match self {
            Parsed::Event { event, .. } => Some(event),
            Parsed::Quarantined(_) => None,
        }
    }

    /// The quarantine record, if the item was not understood.
    pub fn quarantined(&self) -> Option<&Quarantined> {
        match self {
            Parsed::Event { .. } => None,
            Parsed::Quarantined(quarantined) => Some(quarantined),
        }
    }

    /// The SQS `messageId` of the Lambda batch record the item came from, for reporting
    /// partial batch failures.
    pub fn sqs_message_id(&self) -> Option<&str> {
        self.position().sqs_message_id()
    }
}

/// An item that was not understood: where it was, why, and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    /// Where it was in the input.
    pub position: Position,
    /// Why it was not understood (its `Display` is the human-readable reason).
    pub reason: QuarantineReason,
    /// The item's bytes, exactly as they were (for an SQS body or SNS message, the decoded text).
    pub raw: Vec<u8>,
}

impl Quarantined {
    /// The raw bytes as text (invalid UTF-8 replaced, which only happens for `NotUtf8`).
    pub fn raw_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.raw)
    }
}

/// Where an item was: the top-level item, then the wrappers it was found inside.
///
/// Displays as `input`, `record 3`, `line 7`, `line 7, Records[2].body`,
/// `Records[0].body, detail.findings[1]`. Records and lines count from 1; JSON array indices
/// (`Records[i]`, `findings[i]`) from 0, as in a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    /// The top-level item.
    pub item: Item,
    /// The wrappers inside the top-level item, outermost first.
    pub path: Vec<Step>,
}

/// A top-level item of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Item {
    /// The whole input was one item.
    Input,
    /// The n-th value (from 1) of a JSON array or of a stream of concatenated JSON values.
    Record(usize),
    /// The n-th line (from 1) of a JSON-lines input.
    Line(usize),
}

/// A step into a wrapper.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// `Records[index].body` of a Lambda SQS batch.
    SqsRecord {
        /// Index in `Records`, from 0.
        index: usize,
        /// The record's `messageId`.
        message_id: Option<String>,
    },
    /// `Records[index].Sns.Message` of a Lambda SNS event.
    SnsRecord {
        /// Index in `Records`, from 0.
        index: usize,
        /// The notification's `MessageId`.
        message_id: Option<String>,
    },
    /// `Message` of an SNS notification (an SNS → SQS subscription without raw delivery).
    SnsMessage,
    /// `Records[index]` of a CloudTrail log file.
    LogRecord(usize),
    /// `detail.findings[index]` of a Security Hub event.
    Finding(usize),
}

impl Position {
    /// The whole input.
    pub fn input() -> Self {
        Self::at(Item::Input)
    }

    /// A top-level item with no wrappers.
    pub fn at(item: Item) -> Self {
        Self {
            item,
            path: Vec::new(),
        }
    }

    /// This position, one step further in.
    pub fn then(&self, step: Step) -> Self {
        let mut path = Vec::with_capacity(self.path.len() + 1);
        path.extend_from_slice(&self.path);
        path.push(step);
        Self {
            item: self.item,
            path,
        }
    }

    /// The `messageId` of the outermost SQS record on the way to this item.
    pub fn sqs_message_id(&self) -> Option<&str> {
        self.path.iter().find_map(|step| match step {
            Step::SqsRecord { message_id, .. } => message_id.as_deref(),
            _ => None,
        })
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        match self.item {
            Item::Input if !self.path.is_empty() => {}
            Item::Input => f.write_str("input")?,
            Item::Record(n) => write!(f, "record {n}")?,
            Item::Line(n) => write!(f, "line {n}")?,
        }
        if !matches!(self.item, Item::Input) {
            separator = ", ";
        }
        for step in &self.path {
            f.write_str(separator)?;
            separator = ", ";
            match step {
                Step::SqsRecord { index, .. } => write!(f, "Records[{index}].body")?,
                Step::SnsRecord { index, .. } => write!(f, "Records[{index}].Sns.Message")?,
                Step::SnsMessage => f.write_str("Message")?,
                Step::LogRecord(index) => write!(f, "Records[{index}]")?,
                Step::Finding(index) => write!(f, "detail.findings[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Why an item was quarantined. `Display` is the human-readable reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuarantineReason {
    /// Nothing but whitespace.
    #[error("empty input")]
    Empty,
    /// Bytes that are not UTF-8, so not JSON.
    #[error("not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// Text that is not JSON.
    #[error("not valid JSON: {message}")]
    InvalidJson {
        /// The JSON parser's message.
        message: String,
    },
    /// JSON that is not an object.
    #[error("expected a JSON object, found {found}")]
    NotAnObject {
        /// What was found: `an array`, `a string`, …
        found: &'static str,
    },
    /// A container with nothing in it.
    #[error("{what} is empty")]
    EmptyContainer {
        /// The container: `the SQS batch (Records)`, `detail.findings`, …
        what: &'static str,
    },
    /// An object of no shape ward knows.
    #[error(
        "unrecognised JSON object: not an EventBridge event, SQS or SNS wrapper, Config rule invocation, CloudTrail record or finding (keys: {keys})"
    )]
    UnknownShape {
        /// The object's first keys, for the reader.
        keys: String,
    },
    /// An EventBridge event of a kind ward does not handle.
    #[error(
        "unsupported EventBridge event: detail-type {detail_type:?} from source {event_source:?}"
    )]
    UnsupportedEvent {
        /// `detail-type`.
        detail_type: String,
        /// `source`.
        event_source: String,
    },
    /// An EventBridge event whose AWS source does not publish its detail-type.
    #[error("detail-type {detail_type:?} is published by {expected}, not by {event_source:?}")]
    UnexpectedSource {
        /// `detail-type`.
        detail_type: String,
        /// The source that publishes it.
        expected: &'static str,
        /// The source that was given.
        event_source: String,
    },
    /// A required field is missing (or of a type that cannot be it).
    #[error("{what}: {field} is missing")]
    MissingField {
        /// What was being read: `GuardDuty finding`, `Config rule invocation`, …
        what: &'static str,
        /// The field's path.
        field: &'static str,
    },
    /// A field has a value ward cannot use.
    #[error("{what}: {field} {problem}")]
    InvalidField {
        /// What was being read.
        what: &'static str,
        /// The field's path.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A field that must name an EC2 instance does not hold a valid instance ID.
    #[error(
        "{what}: {field} {value:?} is not a valid EC2 instance ID; refusing to guess which instance is meant"
    )]
    InvalidInstanceId {
        /// What was being read.
        what: &'static str,
        /// The field's path.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// A finding about an instance that does not say which one.
    #[error(
        "{what}: the resource is an EC2 instance but {field} is missing; refusing to guess which instance is meant"
    )]
    MissingInstanceId {
        /// What was being read.
        what: &'static str,
        /// The field's path.
        field: &'static str,
    },
    /// A finding that names more than one instance.
    #[error(
        "{what}: names two instances ({first} and {second}); refusing to guess which one is meant"
    )]
    AmbiguousInstance {
        /// What was being read.
        what: &'static str,
        /// The first instance.
        first: String,
        /// The second instance.
        second: String,
    },
    /// A Config invocation with a message type ward does not know.
    #[error("Config rule invocation: unsupported messageType {message_type:?}")]
    UnsupportedConfigMessage {
        /// The message type.
        message_type: String,
    },
    /// A Security Hub finding from a product other than GuardDuty or Inspector v2.
    #[error(
        "Security Hub finding from {product}: ward acts only on findings from GuardDuty and Inspector (v2)"
    )]
    UnsupportedProduct {
        /// The product (name or ARN).
        product: String,
    },
    /// A `Records[i]` entry that is neither an SQS message nor a CloudTrail record.
    #[error("{description}: not an SQS message, SNS notification or CloudTrail record")]
    UnsupportedRecord {
        /// What it looked like.
        description: String,
    },
    /// Wrappers inside wrappers beyond any real delivery path.
    #[error("wrapped too deeply (more than {limit} SQS/SNS envelopes inside each other)")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
}
