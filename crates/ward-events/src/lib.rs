//! ward's AWS event parsing: the payloads AWS security services deliver, as typed events.
//!
//! [`parse`] takes the bytes of a file, an SQS message body, an HTTP request or a Lambda
//! invocation and returns one [`Parsed`] per item: an [`Event`] ward can decide on, or a
//! [`Quarantined`] record saying where the item was, why it was not understood, and keeping its
//! bytes — nothing is dropped, and nothing panics, whatever the input.
//!
//! Understood: EventBridge envelopes and bare `detail` objects of GuardDuty, Inspector v2 and
//! Macie findings, Security Hub "Findings - Imported" (ASFF findings from GuardDuty and Inspector
//! become the same typed findings as the native events, with the same ID), "AWS API Call via
//! CloudTrail", EC2 state changes and scheduled events; AWS Config custom rule invocations (all
//! message types); Lambda SQS and SNS batches and SNS notifications around any of these; CloudTrail
//! log files. An input may hold one item, a JSON array, JSON lines, or concatenated JSON values.
//!
//! Lenient where AWS is inconsistent (numbers as strings and back, `null` objects, double-encoded
//! JSON, odd timestamp formats); strict where a wrong guess would act on the wrong instance: an
//! instance ID must match `^i-[0-9a-f]{8}([0-9a-f]{9})?$`, and a finding about an instance without
//! one is quarantined.
//!
//! This crate is pure: it never depends on tokio, reqwest, sqlx or aws-* (checked by the tidy test
//! in `xtask`).

mod dispatch;
pub mod event;
mod framing;
pub mod instance_id;
mod loose;
pub mod parsed;
mod sources;
pub mod time;

pub use event::{
    CloudTrailCall, ConfigInvocation, ConfigItemStatus, ConfigMessageType, ConfigResource,
    Ec2StateChange, Event, EventKind, GuardDutyFinding, Inspector2Finding, InspectorFindingType,
    InspectorStatus, InstanceState, MacieFinding, RuleParameters, ScheduledEvent, Source,
    UserIdentity,
};
pub use instance_id::{InstanceId, InvalidInstanceId};
pub use parsed::{Item, Parsed, Position, QuarantineReason, Quarantined, Step};
pub use time::Timestamp;

/// Parses every item of `input` (one event, a JSON array, JSON lines, concatenated values, a
/// Lambda SQS batch, …) into events and quarantine records, in input order.
pub fn parse(input: &[u8]) -> Vec<Parsed> {
    let mut parsed = Vec::new();
    parse_each(input, |item| parsed.push(item));
    parsed
}

/// Like [`parse`], handing each item to `sink` as soon as it is read (no list is built).
pub fn parse_each(input: &[u8], mut sink: impl FnMut(Parsed)) {
    framing::input(input, &mut dispatch::Out::new(&mut sink));
}
