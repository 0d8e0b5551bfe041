//! Macie (v2) findings as EventBridge delivers them (source `aws.macie`, detail-type `Macie Finding`).
//! Every Macie finding is about an S3 bucket; one that names none cannot be acted on and is quarantined.

use super::{Envelope, read_detail, required};
use crate::event::{Event, EventKind, MacieFinding, Source};
use crate::loose::{Bool, Num, Obj, Str, Time};
use crate::parsed::QuarantineReason;
use serde::Deserialize;

const WHAT: &str = "Macie finding";

/// The `detail` object, as far as ward reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Detail<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(rename = "type", borrow)]
    finding_type: Str<'a>,
    #[serde(borrow)]
    category: Str<'a>,
    #[serde(borrow)]
    account_id: Str<'a>,
    #[serde(borrow)]
    region: Str<'a>,
    #[serde(borrow)]
    title: Str<'a>,
    #[serde(borrow)]
    severity: Obj<Severity<'a>>,
    count: Num,
    sample: Bool,
    updated_at: Time,
    #[serde(borrow)]
    resources_affected: Obj<ResourcesAffected<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Severity<'a> {
    score: Num,
    #[serde(borrow)]
    description: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ResourcesAffected<'a> {
    #[serde(borrow)]
    s3_bucket: Obj<Bucket<'a>>,
    #[serde(borrow)]
    s3_object: Obj<Object<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Bucket<'a> {
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    arn: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Object<'a> {
    #[serde(borrow)]
    key: Str<'a>,
}

/// A Macie finding from its `detail` object's text.
pub(crate) fn parse(detail: &str, envelope: &Envelope) -> Result<Event, QuarantineReason> {
    let detail: Detail<'_> = read_detail(detail)?;
    convert(&detail, envelope)
}

/// A Macie finding from its `detail` object, already read.
pub(crate) fn convert(detail: &Detail<'_>, envelope: &Envelope) -> Result<Event, QuarantineReason> {
    let finding_id = required(detail.id.owned(), WHAT, "id")?;
    let finding_type = required(detail.finding_type.owned(), WHAT, "type")?;
    let affected = detail.resources_affected.get();
    let bucket = affected.and_then(|affected| affected.s3_bucket.get());
    let bucket_name = required(
        bucket.and_then(|bucket| bucket.name.owned()),
        WHAT,
        "resourcesAffected.s3Bucket.name",
    )?;
    let severity = detail.severity.get();
    let finding = MacieFinding {
        finding_id: finding_id.clone(),
        finding_type,
        category: detail.category.owned(),
        bucket_name,
        bucket_arn: bucket.and_then(|bucket| bucket.arn.owned()),
        object_key: affected
            .and_then(|affected| affected.s3_object.get())
            .and_then(|object| object.key.owned()),
        severity: severity.and_then(|severity| severity.score.0),
        severity_label: severity.and_then(|severity| severity.description.owned()),
        title: detail.title.owned(),
        count: detail.count.count(),
        sample: detail.sample.0.unwrap_or(false),
        updated_at: detail.updated_at.0,
    };
    Ok(Event {
        id: finding_id,
        source: Source::Macie,
        envelope_id: envelope.id.clone(),
        account_id: detail
            .account_id
            .owned()
            .or_else(|| envelope.account.clone()),
        region: detail.region.owned().or_else(|| envelope.region.clone()),
        time: envelope.time.or(finding.updated_at),
        kind: EventKind::MacieFinding(finding),
    })
}
