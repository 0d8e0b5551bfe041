//! GuardDuty findings as EventBridge delivers them (`detail` in camelCase), old and current formats:
//! 2017 findings have epoch-millisecond `launchTime` and numeric `asn`, later ones strings; severity
//! is an integer in old findings and a float in new ones. Only the fields ward uses are read.

use super::{Envelope, instance_id, read_detail, required};
use crate::event::{Event, EventKind, GuardDutyFinding, Source};
use crate::loose::{Bool, Num, Obj, Str, Time};
use crate::parsed::QuarantineReason;
use serde::Deserialize;

const WHAT: &str = "GuardDuty finding";

/// The `detail` object, as far as ward reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Detail<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    arn: Str<'a>,
    #[serde(rename = "type", borrow)]
    finding_type: Str<'a>,
    severity: Num,
    #[serde(borrow)]
    title: Str<'a>,
    #[serde(borrow)]
    account_id: Str<'a>,
    #[serde(borrow)]
    region: Str<'a>,
    created_at: Time,
    updated_at: Time,
    #[serde(borrow)]
    resource: Obj<Resource<'a>>,
    #[serde(borrow)]
    service: Obj<Service<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Resource<'a> {
    #[serde(borrow)]
    resource_type: Str<'a>,
    #[serde(borrow)]
    instance_details: Obj<InstanceDetails<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct InstanceDetails<'a> {
    #[serde(borrow)]
    instance_id: Str<'a>,
    #[serde(borrow)]
    iam_instance_profile: Obj<InstanceProfile<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InstanceProfile<'a> {
    #[serde(borrow)]
    arn: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Service<'a> {
    count: Num,
    archived: Bool,
    #[serde(borrow)]
    resource_role: Str<'a>,
    #[serde(borrow)]
    action: Obj<Action<'a>>,
    additional_info: Obj<AdditionalInfo>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Action<'a> {
    #[serde(borrow)]
    action_type: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AdditionalInfo {
    sample: Bool,
}

/// The resource type of findings about an EC2 instance.
pub(crate) const INSTANCE: &str = "Instance";

/// A GuardDuty finding from its `detail` object's text.
pub(crate) fn parse(detail: &str, envelope: &Envelope) -> Result<Event, QuarantineReason> {
    let detail: Detail<'_> = read_detail(detail)?;
    convert(&detail, envelope)
}

/// A GuardDuty finding from its `detail` object, already read.
pub(crate) fn convert(detail: &Detail<'_>, envelope: &Envelope) -> Result<Event, QuarantineReason> {
    let finding_id = required(detail.id.owned(), WHAT, "id")?;
    let finding_type = required(detail.finding_type.owned(), WHAT, "type")?;
    let resource = detail.resource.get();
    let resource_type = required(
        resource.and_then(|resource| resource.resource_type.owned()),
        WHAT,
        "resource.resourceType",
    )?;
    let instance = resource.and_then(|resource| resource.instance_details.get());
    let instance_id = if resource_type == INSTANCE {
        Some(instance_id(
            instance.and_then(|instance| instance.instance_id.get()),
            WHAT,
            "resource.instanceDetails.instanceId",
        )?)
    } else {
        None
    };
    let service = detail.service.get();
    let finding = GuardDutyFinding {
        finding_id: finding_id.clone(),
        arn: detail.arn.owned(),
        finding_type,
        severity: detail.severity.0,
        title: detail.title.owned(),
        resource_type,
        instance_id,
        instance_profile_arn: instance
            .and_then(|instance| instance.iam_instance_profile.get())
            .and_then(|profile| profile.arn.owned()),
        action_type: service
            .and_then(|service| service.action.get())
            .and_then(|action| action.action_type.owned()),
        resource_role: service.and_then(|service| service.resource_role.owned()),
        count: service.and_then(|service| service.count.count()),
        archived: service
            .and_then(|service| service.archived.0)
            .unwrap_or(false),
        sample: service
            .and_then(|service| service.additional_info.get())
            .and_then(|info| info.sample.0)
            .unwrap_or(false),
        created_at: detail.created_at.0,
        updated_at: detail.updated_at.0,
    };
    Ok(Event {
        id: finding_id,
        source: Source::GuardDuty,
        envelope_id: envelope.id.clone(),
        // The finding's own account and region: in an organization the envelope is the
        // administrator account's, the finding the member's.
        account_id: detail
            .account_id
            .owned()
            .or_else(|| envelope.account.clone()),
        region: detail.region.owned().or_else(|| envelope.region.clone()),
        time: envelope.time.or(finding.updated_at),
        kind: EventKind::GuardDutyFinding(finding),
    })
}
