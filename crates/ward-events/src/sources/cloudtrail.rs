//! CloudTrail records: the `detail` of an "AWS API Call via CloudTrail" event, a record of a log
//! file (`{"Records": […]}`), or a bare record. Old records (eventVersion 1.0) have no
//! `eventID`/`requestID`/`eventType`; `responseElements` may be `null`.

use super::{Envelope, content_id, read_detail, required};
use crate::event::{CloudTrailCall, Event, EventKind, Source, UserIdentity};
use crate::loose::{Bool, Obj, Str, Time};
use crate::parsed::QuarantineReason;
use serde::Deserialize;
use serde_json::Value;

const WHAT: &str = "CloudTrail record";

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow)]
    event_version: Str<'a>,
    #[serde(rename = "eventID", borrow)]
    event_id: Str<'a>,
    event_time: Time,
    #[serde(borrow)]
    event_source: Str<'a>,
    #[serde(borrow)]
    event_name: Str<'a>,
    #[serde(borrow)]
    aws_region: Str<'a>,
    #[serde(rename = "sourceIPAddress", borrow)]
    source_ip_address: Str<'a>,
    #[serde(borrow)]
    user_agent: Str<'a>,
    #[serde(borrow)]
    user_identity: Obj<Identity<'a>>,
    request_parameters: Option<Value>,
    response_elements: Option<Value>,
    #[serde(borrow)]
    error_code: Str<'a>,
    #[serde(borrow)]
    error_message: Str<'a>,
    read_only: Bool,
    #[serde(borrow)]
    recipient_account_id: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Identity<'a> {
    #[serde(rename = "type", borrow)]
    identity_type: Str<'a>,
    #[serde(borrow)]
    principal_id: Str<'a>,
    #[serde(borrow)]
    arn: Str<'a>,
    #[serde(borrow)]
    account_id: Str<'a>,
    #[serde(borrow)]
    user_name: Str<'a>,
    #[serde(borrow)]
    invoked_by: Str<'a>,
    #[serde(borrow)]
    session_context: Obj<SessionContext<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SessionContext<'a> {
    #[serde(borrow)]
    session_issuer: Obj<SessionIssuer<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SessionIssuer<'a> {
    #[serde(borrow)]
    arn: Str<'a>,
}

/// A CloudTrail record (`record` is its JSON text; the envelope is empty for log files and bare records).
pub(crate) fn parse(record: &str, envelope: &Envelope) -> Result<Event, QuarantineReason> {
    let parsed: Record<'_> = read_detail(record)?;
    let event_name = required(parsed.event_name.owned(), WHAT, "eventName")?;
    let event_source = required(parsed.event_source.owned(), WHAT, "eventSource")?;
    let identity = parsed.user_identity.get();
    let user_identity = identity.map_or_else(UserIdentity::default, |identity| UserIdentity {
        identity_type: identity.identity_type.owned(),
        principal_id: identity.principal_id.owned(),
        arn: identity.arn.owned(),
        account_id: identity.account_id.owned(),
        user_name: identity.user_name.owned(),
        invoked_by: identity.invoked_by.owned(),
        session_issuer_arn: identity
            .session_context
            .get()
            .and_then(|context| context.session_issuer.get())
            .and_then(|issuer| issuer.arn.owned()),
    });
    let event_id = parsed.event_id.owned();
    // The record's own ID is the same whichever way the record arrived (log file or EventBridge).
    let id = event_id
        .clone()
        .or_else(|| envelope.id.clone())
        .unwrap_or_else(|| content_id("cloudtrail", &[record]));
    let account_id = parsed
        .recipient_account_id
        .owned()
        .or_else(|| user_identity.account_id.clone())
        .or_else(|| envelope.account.clone());
    let call = CloudTrailCall {
        event_name,
        event_source,
        event_id,
        event_version: parsed.event_version.owned(),
        event_time: parsed.event_time.0,
        aws_region: parsed.aws_region.owned(),
        source_ip_address: parsed.source_ip_address.owned(),
        user_agent: parsed.user_agent.owned(),
        user_identity,
        request_parameters: parsed.request_parameters,
        response_elements: parsed.response_elements,
        error_code: parsed.error_code.owned(),
        error_message: parsed.error_message.owned(),
        read_only: parsed.read_only.0,
    };
    Ok(Event {
        id,
        source: Source::CloudTrail,
        envelope_id: envelope.id.clone(),
        account_id,
        region: call.aws_region.clone().or_else(|| envelope.region.clone()),
        time: call.event_time.or(envelope.time),
        kind: EventKind::CloudTrailCall(Box::new(call)),
    })
}
