//! One item — a JSON object's text — to events or quarantine records.
//!
//! The object is read once into [`Top`], the few keys that tell the shapes apart. A finding's
//! `detail` is read straight into its typed struct when `detail-type` and `source` came before it
//! (AWS's own order), in the same pass; otherwise it is kept as borrowed raw JSON, like `Records`,
//! and read once the shape is known. Nothing builds a `serde_json::Value` of an event.
//!
//! Shapes, in the order they are tried: an EventBridge envelope (`detail-type`); a Lambda batch
//! (`Records`: SQS messages, SNS notifications, or CloudTrail log records); a Config rule
//! invocation (`invokingEvent`); an SNS notification (`Type: Notification`, `Message`); a bare
//! CloudTrail record; a bare `detail` of Inspector, Security Hub, Macie, GuardDuty or EC2.

use crate::Event;
use crate::loose::{List, Obj, Str, Time};
use crate::parsed::{Parsed, Position, QuarantineReason, Step};
use crate::sources::{
    Envelope, cloudtrail, config, detail_missing, ec2, guardduty, inspector, macie, scheduled,
    securityhub,
};
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// How many wrappers (SQS record, SNS message) may be nested; real delivery paths use at most two.
pub(crate) const MAX_DEPTH: usize = 4;

/// Where results go.
pub(crate) struct Out<'s> {
    sink: &'s mut dyn FnMut(Parsed),
}

impl<'s> Out<'s> {
    pub(crate) fn new(sink: &'s mut dyn FnMut(Parsed)) -> Self {
        Self { sink }
    }

    pub(crate) fn quarantine(&mut self, position: Position, reason: QuarantineReason, raw: &[u8]) {
        (self.sink)(Parsed::Quarantined(crate::parsed::Quarantined {
            position,
            reason,
            raw: raw.to_vec(),
        }));
    }

    fn emit(&mut self, position: Position, raw: &str, result: Result<Event, QuarantineReason>) {
        match result {
            Ok(event) => (self.sink)(Parsed::Event {
                position,
                event: Box::new(event),
            }),
            Err(reason) => self.quarantine(position, reason, raw.as_bytes()),
        }
    }
}

/// `detail`, read straight into its typed struct when the envelope said what it is before it
/// (AWS writes `detail` last), else kept raw and read once the whole envelope is known.
enum Detail<'a> {
    Raw(&'a RawValue),
    GuardDuty(guardduty::Detail<'a>),
    Inspector2(inspector::Detail<'a>),
    Macie(macie::Detail<'a>),
}

/// The keys that tell the shapes apart.
#[derive(Default)]
struct Top<'a> {
    detail_type: Str<'a>,
    source: Str<'a>,
    id: Str<'a>,
    account: Str<'a>,
    region: Str<'a>,
    time: Time,
    resources: List<Str<'a>>,
    detail: Option<Detail<'a>>,
    records: Option<&'a RawValue>,
    invoking_event: bool,
    config_rule_name: bool,
    sns_type: Str<'a>,
    sns_message: Option<Str<'a>>,
    event_name: bool,
    event_source: bool,
    finding_arn: bool,
    findings: bool,
    resources_affected: bool,
    resource: bool,
    service: bool,
    instance_id: bool,
    state: bool,
}

impl<'de: 'a, 'a> Deserialize<'de> for Top<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TopVisitor(std::marker::PhantomData))
    }
}

struct TopVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TopVisitor<'a> {
    type Value = Top<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'a>, A::Error> {
        fn present<'de, A: MapAccess<'de>>(map: &mut A) -> Result<bool, A::Error> {
            Ok(map.next_value::<Option<IgnoredAny>>()?.is_some())
        }
        fn once<E: serde::de::Error>(seen: bool, key: &str) -> Result<(), E> {
            if seen {
                Err(E::custom(format_args!("duplicate key {key:?}")))
            } else {
                Ok(())
            }
        }

        let mut top = Top::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "detail-type" => {
                    once(top.detail_type.0.is_some(), "detail-type")?;
                    top.detail_type = map.next_value()?;
                }
                "source" => {
                    once(top.source.0.is_some(), "source")?;
                    top.source = map.next_value()?;
                }
                "id" => top.id = map.next_value()?,
                "account" => top.account = map.next_value()?,
                "region" => top.region = map.next_value()?,
                "time" => top.time = map.next_value()?,
                "resources" => top.resources = map.next_value()?,
                "detail" => {
                    once(top.detail.is_some(), "detail")?;
                    let known = top
                        .detail_type
                        .get()
                        .and_then(route)
                        .filter(|(_, publishers)| accepts(publishers, top.source.get()))
                        .map(|(route, _)| route);
                    top.detail = match known {
                        Some(Route::GuardDuty) => {
                            map.next_value::<Obj<_>>()?.0.map(Detail::GuardDuty)
                        }
                        Some(Route::Inspector2) => {
                            map.next_value::<Obj<_>>()?.0.map(Detail::Inspector2)
                        }
                        Some(Route::Macie) => map.next_value::<Obj<_>>()?.0.map(Detail::Macie),
                        _ => map.next_value::<Option<&'de RawValue>>()?.map(Detail::Raw),
                    };
                }
                "Records" => top.records = map.next_value()?,
                "invokingEvent" => top.invoking_event = present(&mut map)?,
                "configRuleName" => top.config_rule_name = present(&mut map)?,
                "Type" => top.sns_type = map.next_value()?,
                "Message" => top.sns_message = map.next_value()?,
                "eventName" => top.event_name = present(&mut map)?,
                "eventSource" => top.event_source = present(&mut map)?,
                "findingArn" => top.finding_arn = present(&mut map)?,
                "findings" => top.findings = present(&mut map)?,
                "resourcesAffected" => top.resources_affected = present(&mut map)?,
                "resource" => top.resource = present(&mut map)?,
                "service" => top.service = present(&mut map)?,
                "instance-id" => top.instance_id = present(&mut map)?,
                "state" => top.state = present(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(top)
    }
}

/// Reads one item and reports what it holds.
pub(crate) fn item(text: &str, position: Position, depth: usize, out: &mut Out<'_>) {
    let text = text.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r'));
    if depth > MAX_DEPTH {
        out.quarantine(
            position,
            QuarantineReason::TooDeep { limit: MAX_DEPTH },
            text.as_bytes(),
        );
        return;
    }
    match text.as_bytes().first() {
        None => return out.quarantine(position, QuarantineReason::Empty, text.as_bytes()),
        Some(b'{') => {}
        Some(_) => return out.quarantine(position, not_an_object(text), text.as_bytes()),
    }
    let top: Top<'_> = match serde_json::from_str(text) {
        Ok(top) => top,
        Err(error) => {
            let reason = QuarantineReason::InvalidJson {
                message: error.to_string(),
            };
            return out.quarantine(position, reason, text.as_bytes());
        }
    };
    if top.detail_type.get().is_some() {
        return eventbridge(top, text, position, out);
    }
    if top.detail.is_some() && top.source.get().is_some() {
        let reason = QuarantineReason::MissingField {
            what: "EventBridge event",
            field: "detail-type",
        };
        return out.quarantine(position, reason, text.as_bytes());
    }
    if let Some(records) = top.records {
        return batch(records, text, position, depth, out);
    }
    if top.invoking_event || top.config_rule_name {
        return out.emit(position, text, config::parse(text));
    }
    if top.sns_type.get() == Some("Notification") {
        return match top
            .sns_message
            .as_ref()
            .and_then(|message| message.0.as_deref())
        {
            Some(message) => item(message, position.then(Step::SnsMessage), depth + 1, out),
            None => {
                let reason = QuarantineReason::MissingField {
                    what: "SNS notification",
                    field: "Message",
                };
                out.quarantine(position, reason, text.as_bytes());
            }
        };
    }
    let bare = Envelope::default();
    if top.event_name && top.event_source {
        return out.emit(position, text, cloudtrail::parse(text, &bare));
    }
    if top.finding_arn {
        return out.emit(position, text, inspector::parse(text, &bare));
    }
    if top.findings {
        return findings(text, &bare, text, &position, out);
    }
    if top.resources_affected {
        return out.emit(position, text, macie::parse(text, &bare));
    }
    if top.resource && top.service {
        return out.emit(position, text, guardduty::parse(text, &bare));
    }
    if top.instance_id && top.state {
        return out.emit(position, text, ec2::parse(text, &bare, text));
    }
    let reason = QuarantineReason::UnknownShape {
        keys: first_keys(text),
    };
    out.quarantine(position, reason, text.as_bytes());
}

/// The reason for a top-level value that is not an object.
fn not_an_object(text: &str) -> QuarantineReason {
    if let Err(error) = serde_json::from_str::<IgnoredAny>(text) {
        return QuarantineReason::InvalidJson {
            message: error.to_string(),
        };
    }
    let found = match text.as_bytes().first() {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    };
    QuarantineReason::NotAnObject { found }
}

/// What a detail-type is routed to.
#[derive(Debug, Clone, Copy)]
enum Route {
    GuardDuty,
    Inspector2,
    Macie,
    SecurityHub,
    CloudTrail,
    Ec2,
    Scheduled,
}

/// The route of a detail-type, and the AWS sources that publish it (empty: any source).
fn route(detail_type: &str) -> Option<(Route, &'static [&'static str])> {
    Some(match detail_type {
        "GuardDuty Finding" => (Route::GuardDuty, &["aws.guardduty"]),
        "Inspector2 Finding" => (Route::Inspector2, &["aws.inspector2"]),
        "Macie Finding" => (Route::Macie, &["aws.macie"]),
        "Security Hub Findings - Imported" => (Route::SecurityHub, &["aws.securityhub"]),
        // The source is the called service (`aws.ec2`, `aws.s3`, …).
        "AWS API Call via CloudTrail" => (Route::CloudTrail, &[]),
        "EC2 Instance State-change Notification" => (Route::Ec2, &["aws.ec2"]),
        "Scheduled Event" => (Route::Scheduled, &["aws.events", "aws.scheduler"]),
        _ => return None,
    })
}

/// Whether an envelope's `source` may carry a detail-type its AWS publishers publish. An AWS
/// source that does not publish the detail-type is a mistake; a custom source (tests on a real
/// account cannot use `aws.*`) is taken at its word.
fn accepts(publishers: &[&str], event_source: Option<&str>) -> bool {
    let event_source = event_source.unwrap_or_default();
    publishers.is_empty() || !event_source.starts_with("aws.") || publishers.contains(&event_source)
}

fn eventbridge(top: Top<'_>, text: &str, position: Position, out: &mut Out<'_>) {
    let detail_type = top.detail_type.get().unwrap_or_default();
    let event_source = top.source.get().unwrap_or_default();
    let Some((route, publishers)) = route(detail_type) else {
        let reason = QuarantineReason::UnsupportedEvent {
            detail_type: detail_type.to_owned(),
            event_source: event_source.to_owned(),
        };
        return out.quarantine(position, reason, text.as_bytes());
    };
    if !accepts(publishers, Some(event_source)) {
        let reason = QuarantineReason::UnexpectedSource {
            detail_type: detail_type.to_owned(),
            expected: publishers[0],
            event_source: event_source.to_owned(),
        };
        return out.quarantine(position, reason, text.as_bytes());
    }
    let envelope = Envelope {
        id: top.id.owned(),
        account: top.account.owned(),
        region: top.region.owned(),
        time: top.time.0,
        resources: top.resources.0.iter().filter_map(Str::owned).collect(),
    };
    if let Route::Scheduled = route {
        return out.emit(position, text, Ok(scheduled::parse(&envelope, text)));
    }
    let Some(detail) = top.detail else {
        return out.quarantine(position, detail_missing(), text.as_bytes());
    };
    let result = match (route, detail) {
        (Route::GuardDuty, Detail::GuardDuty(detail)) => guardduty::convert(&detail, &envelope),
        (Route::Inspector2, Detail::Inspector2(detail)) => inspector::convert(&detail, &envelope),
        (Route::Macie, Detail::Macie(detail)) => macie::convert(&detail, &envelope),
        (route, Detail::Raw(detail)) => {
            let detail = detail.get();
            match route {
                Route::GuardDuty => guardduty::parse(detail, &envelope),
                Route::Inspector2 => inspector::parse(detail, &envelope),
                Route::Macie => macie::parse(detail, &envelope),
                Route::CloudTrail => cloudtrail::parse(detail, &envelope),
                Route::Ec2 => ec2::parse(detail, &envelope, text),
                Route::SecurityHub => return findings(detail, &envelope, text, &position, out),
                Route::Scheduled => Ok(scheduled::parse(&envelope, text)),
            }
        }
        // The detail was read for the route the envelope named; the route is decided the same way.
        _ => Err(QuarantineReason::InvalidField {
            what: "EventBridge event",
            field: "detail",
            problem: "does not match its detail-type".to_owned(),
        }),
    };
    out.emit(position, text, result);
}

/// The findings of a Security Hub `detail` (`text` is the whole item, quarantined when the detail
/// holds no findings list).
fn findings(detail: &str, envelope: &Envelope, text: &str, position: &Position, out: &mut Out<'_>) {
    match securityhub::parse(detail, envelope) {
        Ok(findings) => {
            for (index, (raw, result)) in findings.into_iter().enumerate() {
                out.emit(position.then(Step::Finding(index)), raw, result);
            }
        }
        Err(reason) => out.quarantine(position.clone(), reason, text.as_bytes()),
    }
}

/// What a `Records[i]` entry holds.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RecordPeek<'a> {
    #[serde(rename = "messageId", borrow)]
    message_id: Str<'a>,
    #[serde(borrow)]
    body: Option<Str<'a>>,
    #[serde(rename = "eventSource", borrow)]
    event_source: Str<'a>,
    #[serde(rename = "EventSource", borrow)]
    sns_event_source: Str<'a>,
    #[serde(rename = "Sns", borrow)]
    sns: Obj<SnsPeek<'a>>,
    #[serde(rename = "eventName")]
    event_name: Option<IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SnsPeek<'a> {
    #[serde(rename = "MessageId", borrow)]
    message_id: Str<'a>,
    #[serde(rename = "Message", borrow)]
    message: Option<Str<'a>>,
}

/// A `{"Records": […]}` object: a Lambda SQS or SNS batch, or a CloudTrail log file.
fn batch(records: &RawValue, text: &str, position: Position, depth: usize, out: &mut Out<'_>) {
    let Ok(records) = serde_json::from_str::<Vec<&RawValue>>(records.get()) else {
        let reason = QuarantineReason::InvalidField {
            what: "batch",
            field: "Records",
            problem: "is not a list".to_owned(),
        };
        return out.quarantine(position, reason, text.as_bytes());
    };
    if records.is_empty() {
        let reason = QuarantineReason::EmptyContainer { what: "Records" };
        return out.quarantine(position, reason, text.as_bytes());
    }
    for (index, record) in records.into_iter().enumerate() {
        let record = record.get();
        let peek: RecordPeek<'_> = match serde_json::from_str(record) {
            Ok(peek) => peek,
            Err(error) => {
                let reason = if record.starts_with('{') {
                    QuarantineReason::InvalidJson {
                        message: error.to_string(),
                    }
                } else {
                    not_an_object(record)
                };
                out.quarantine(
                    position.then(Step::LogRecord(index)),
                    reason,
                    record.as_bytes(),
                );
                continue;
            }
        };
        if peek.body.is_some() || peek.event_source.get() == Some("aws:sqs") {
            let step = Step::SqsRecord {
                index,
                message_id: peek.message_id.owned(),
            };
            match peek.body.as_ref().and_then(|body| body.0.as_deref()) {
                Some(body) => item(body, position.then(step), depth + 1, out),
                None => {
                    let reason = QuarantineReason::MissingField {
                        what: "SQS record",
                        field: "body",
                    };
                    out.quarantine(position.then(step), reason, record.as_bytes());
                }
            }
        } else if let Some(sns) = peek.sns.get() {
            let step = Step::SnsRecord {
                index,
                message_id: sns.message_id.owned(),
            };
            match sns
                .message
                .as_ref()
                .and_then(|message| message.0.as_deref())
            {
                Some(message) => item(message, position.then(step), depth + 1, out),
                None => {
                    let reason = QuarantineReason::MissingField {
                        what: "SNS record",
                        field: "Sns.Message",
                    };
                    out.quarantine(position.then(step), reason, record.as_bytes());
                }
            }
        } else if let Some(service) = peek
            .event_source
            .get()
            .or(peek.sns_event_source.get())
            .filter(|source| source.starts_with("aws:"))
        {
            let reason = QuarantineReason::UnsupportedRecord {
                description: format!("Records[{index}] is an {service} event notification"),
            };
            out.quarantine(
                position.then(Step::LogRecord(index)),
                reason,
                record.as_bytes(),
            );
        } else if peek.event_name.is_some() && peek.event_source.get().is_some() {
            out.emit(
                position.then(Step::LogRecord(index)),
                record,
                cloudtrail::parse(record, &Envelope::default()),
            );
        } else {
            let reason = QuarantineReason::UnsupportedRecord {
                description: format!("Records[{index}]"),
            };
            out.quarantine(
                position.then(Step::LogRecord(index)),
                reason,
                record.as_bytes(),
            );
        }
    }
}

/// The first keys of an object, for a human reading a quarantine reason.
fn first_keys(text: &str) -> String {
    const SHOWN: usize = 8;

    struct Keys(Vec<String>, usize);

    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct KeysVisitor;

            impl<'de> Visitor<'de> for KeysVisitor {
                type Value = Keys;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object")
                }

                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Keys(Vec::new(), 0);
                    while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                        map.next_value::<IgnoredAny>()?;
                        keys.1 += 1;
                        if keys.0.len() < SHOWN {
                            keys.0.push(key.into_owned());
                        }
                    }
                    Ok(keys)
                }
            }

            deserializer.deserialize_map(KeysVisitor)
        }
    }

    match serde_json::from_str::<Keys>(text) {
        Ok(Keys(keys, _)) if keys.is_empty() => "none".to_owned(),
        Ok(Keys(keys, total)) => {
            let shown: Vec<String> = keys.iter().map(|key| format!("{key:?}")).collect();
            if total > shown.len() {
                format!("{}, … {} in all", shown.join(", "), total)
            } else {
                shown.join(", ")
            }
        }
        Err(_) => "unreadable".to_owned(),
    }
}
