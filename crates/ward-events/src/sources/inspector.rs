//! Inspector v2 findings as EventBridge delivers them. Timestamps inside `detail` are not ISO 8601
//! (`Wed Sep 04 16:59:44.356 UTC 2024`); `resources[].id` of an EC2 resource is the bare instance ID.

use super::{Envelope, cves, instance_id, read_detail, required, single_instance};
use crate::event::{
    Event, EventKind, Inspector2Finding, InspectorFindingType, InspectorStatus, Source,
};
use crate::loose::{List, Num, Obj, Str, Time};
use crate::parsed::QuarantineReason;
use serde::Deserialize;

pub(crate) const WHAT: &str = "Inspector2 finding";

/// Inspector's resource type for EC2 instances.
pub(crate) const EC2_INSTANCE: &str = "AWS_EC2_INSTANCE";

/// The `detail` object, as far as ward reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Detail<'a> {
    #[serde(borrow)]
    finding_arn: Str<'a>,
    #[serde(borrow)]
    aws_account_id: Str<'a>,
    #[serde(rename = "type", borrow)]
    finding_type: Str<'a>,
    #[serde(borrow)]
    status: Str<'a>,
    #[serde(borrow)]
    severity: Str<'a>,
    inspector_score: Num,
    #[serde(borrow)]
    title: Str<'a>,
    first_observed_at: Time,
    last_observed_at: Time,
    updated_at: Time,
    #[serde(borrow)]
    resources: List<Obj<Resource<'a>>>,
    #[serde(borrow)]
    package_vulnerability_details: Obj<PackageVulnerability<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Resource<'a> {
    #[serde(rename = "type", borrow)]
    resource_type: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    region: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct PackageVulnerability<'a> {
    #[serde(borrow)]
    vulnerability_id: Str<'a>,
    #[serde(borrow)]
    related_vulnerabilities: List<Str<'a>>,
}

/// An Inspector v2 finding from its `detail` object's text.
pub(crate) fn parse(detail: &str, envelope: &Envelope) -> Result<Event, QuarantineReason> {
    let detail: Detail<'_> = read_detail(detail)?;
    convert(&detail, envelope)
}

/// An Inspector v2 finding from its `detail` object, already read.
pub(crate) fn convert(detail: &Detail<'_>, envelope: &Envelope) -> Result<Event, QuarantineReason> {
    let finding_arn = required(detail.finding_arn.owned(), WHAT, "findingArn")?;
    let finding_type =
        InspectorFindingType::from_wire(&required(detail.finding_type.owned(), WHAT, "type")?);
    let status = InspectorStatus::from_wire(&required(detail.status.owned(), WHAT, "status")?);
    let resources: Vec<&Resource<'_>> = detail.resources.0.iter().filter_map(Obj::get).collect();
    let instances = resources
        .iter()
        .filter(|resource| resource.resource_type.get() == Some(EC2_INSTANCE))
        .map(|resource| instance_id(resource.id.get(), WHAT, "resources[].id"))
        .collect::<Result<Vec<_>, _>>()?;
    let instance_id = single_instance(instances, WHAT)?;
    let resource_type = if instance_id.is_some() {
        Some(EC2_INSTANCE.to_owned())
    } else {
        resources
            .iter()
            .find_map(|resource| resource.resource_type.owned())
    };
    let vulnerability = detail.package_vulnerability_details.get();
    let vulnerability_id = vulnerability.and_then(|details| details.vulnerability_id.owned());
    let cves = cves(vulnerability_id.as_deref().into_iter().chain(
        vulnerability.into_iter().flat_map(|details| {
            details
                .related_vulnerabilities
                .0
                .iter()
                .filter_map(Str::get)
        }),
    ));
    let region = resources
        .iter()
        .find_map(|resource| resource.region.owned())
        .or_else(|| envelope.region.clone());
    let finding = Inspector2Finding {
        finding_arn: finding_arn.clone(),
        finding_type,
        status,
        severity: detail.severity.owned(),
        inspector_score: detail.inspector_score.0,
        title: detail.title.owned(),
        resource_type,
        instance_id,
        vulnerability_id,
        cves,
        first_observed_at: detail.first_observed_at.0,
        last_observed_at: detail.last_observed_at.0,
        updated_at: detail.updated_at.0,
    };
    Ok(Event {
        id: finding_arn,
        source: Source::Inspector2,
        envelope_id: envelope.id.clone(),
        account_id: detail
            .aws_account_id
            .owned()
            .or_else(|| envelope.account.clone()),
        region,
        time: envelope.time.or(finding.updated_at),
        kind: EventKind::Inspector2Finding(finding),
    })
}
