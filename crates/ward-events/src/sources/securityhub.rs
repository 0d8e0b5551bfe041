//! Security Hub "Findings - Imported" events: `detail.findings[]` in ASFF (PascalCase).
//!
//! Findings from GuardDuty and Inspector v2 become the same typed findings as the native events,
//! with the same identity (GuardDuty's bare finding ID, Inspector's finding ARN) so ward can
//! deduplicate them. The product is recognised by AWS's product ARN only (`…product/aws/guardduty`,
//! `…product/aws/inspector`): a custom integration can set any `ProductName`. Findings of other
//! products are quarantined one by one.

use super::{Envelope, cves, instance_id, invalid_json, required, single_instance};
use crate::event::{
    Event, EventKind, GuardDutyFinding, Inspector2Finding, InspectorFindingType, InspectorStatus,
    Source,
};
use crate::instance_id::InstanceId;
use crate::loose::{Bool, List, Num, Obj, Str, Time};
use crate::parsed::QuarantineReason;
use serde::Deserialize;
use serde_json::value::RawValue;

const WHAT_GUARDDUTY: &str = "Security Hub finding from GuardDuty";
const WHAT_INSPECTOR: &str = "Security Hub finding from Inspector";
const WHAT: &str = "Security Hub finding";

/// ASFF's resource type for EC2 instances.
const ASFF_EC2_INSTANCE: &str = "AwsEc2Instance";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Detail<'a> {
    #[serde(borrow)]
    findings: Option<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Finding<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    product_arn: Str<'a>,
    #[serde(borrow)]
    product_name: Str<'a>,
    #[serde(borrow)]
    aws_account_id: Str<'a>,
    #[serde(borrow)]
    region: Str<'a>,
    #[serde(borrow)]
    types: List<Str<'a>>,
    created_at: Time,
    updated_at: Time,
    first_observed_at: Time,
    last_observed_at: Time,
    #[serde(borrow)]
    severity: Obj<Severity<'a>>,
    #[serde(borrow)]
    title: Str<'a>,
    #[serde(borrow)]
    resources: List<Obj<Resource<'a>>>,
    #[serde(borrow)]
    vulnerabilities: List<Obj<Vulnerability<'a>>>,
    #[serde(borrow)]
    workflow: Obj<Workflow<'a>>,
    #[serde(borrow)]
    record_state: Str<'a>,
    #[serde(borrow)]
    product_fields: Obj<ProductFields<'a>>,
    sample: Bool,
    #[serde(borrow)]
    finding_provider_fields: Obj<ProviderFields<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Severity<'a> {
    #[serde(borrow)]
    label: Str<'a>,
    product: Num,
    original: Num,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Resource<'a> {
    #[serde(rename = "Type", borrow)]
    resource_type: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    region: Str<'a>,
    #[serde(borrow)]
    details: Obj<ResourceDetails<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct ResourceDetails<'a> {
    #[serde(borrow)]
    aws_ec2_instance: Obj<Ec2Details<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Ec2Details<'a> {
    #[serde(borrow)]
    iam_instance_profile_arn: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Vulnerability<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    related_vulnerabilities: List<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Workflow<'a> {
    #[serde(borrow)]
    status: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct ProviderFields<'a> {
    #[serde(borrow)]
    types: List<Str<'a>>,
    #[serde(borrow)]
    severity: Obj<Severity<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProductFields<'a> {
    #[serde(rename = "aws/securityhub/ProductName", borrow)]
    product_name: Str<'a>,
    #[serde(rename = "aws/inspector/ProductVersion", borrow)]
    inspector_version: Str<'a>,
    #[serde(rename = "aws/inspector/FindingStatus", borrow)]
    inspector_status: Str<'a>,
    #[serde(rename = "aws/inspector/inspectorScore")]
    inspector_score: Num,
    #[serde(rename = "aws/guardduty/service/count")]
    guardduty_count: Num,
    #[serde(rename = "aws/guardduty/service/archived")]
    guardduty_archived: Bool,
    #[serde(rename = "aws/guardduty/service/action/actionType", borrow)]
    guardduty_action_type: Str<'a>,
    #[serde(rename = "aws/guardduty/service/resourceRole", borrow)]
    guardduty_resource_role: Str<'a>,
}

/// Each finding of a Security Hub event: its JSON text and the event or the reason to quarantine it.
pub(crate) type Findings<'a> = Vec<(&'a str, Result<Event, QuarantineReason>)>;

/// The findings of a Security Hub `detail` object (an error when there is no findings list).
pub(crate) fn parse<'a>(
    detail: &'a str,
    envelope: &Envelope,
) -> Result<Findings<'a>, QuarantineReason> {
    let detail: Detail<'a> = serde_json::from_str(detail).map_err(|error| invalid_json(&error))?;
    let findings = detail.findings.ok_or(QuarantineReason::MissingField {
        what: "Security Hub event",
        field: "detail.findings",
    })?;
    let findings: Vec<&'a RawValue> =
        serde_json::from_str(findings.get()).map_err(|_| QuarantineReason::InvalidField {
            what: "Security Hub event",
            field: "detail.findings",
            problem: "is not a list".to_owned(),
        })?;
    if findings.is_empty() {
        return Err(QuarantineReason::EmptyContainer {
            what: "detail.findings",
        });
    }
    Ok(findings
        .into_iter()
        .map(|finding| (finding.get(), parse_finding(finding.get(), envelope)))
        .collect())
}

enum Product {
    GuardDuty,
    Inspector2,
}

fn product(finding: &Finding<'_>) -> Result<Product, QuarantineReason> {
    let arn = finding.product_arn.get().unwrap_or_default();
    let fields = finding.product_fields.get();
    if arn.ends_with("product/aws/guardduty") {
        return Ok(Product::GuardDuty);
    }
    if arn.ends_with("product/aws/inspector") {
        let version_two = fields.and_then(|fields| fields.inspector_version.get()) == Some("2")
            || finding
                .id
                .get()
                .is_some_and(|id| id.contains(":inspector2:"));
        return if version_two {
            Ok(Product::Inspector2)
        } else {
            Err(QuarantineReason::UnsupportedProduct {
                product: "Inspector Classic".to_owned(),
            })
        };
    }
    let name = finding
        .product_name
        .get()
        .or_else(|| fields.and_then(|fields| fields.product_name.get()));
    let product = match (name, finding.product_arn.get()) {
        (Some(name), Some(arn)) => format!("{name} ({arn})"),
        (Some(name), None) => format!("{name} (no ProductArn)"),
        (None, Some(arn)) => arn.to_owned(),
        (None, None) => "an unnamed product (no ProductArn)".to_owned(),
    };
    Err(QuarantineReason::UnsupportedProduct { product })
}

fn parse_finding(text: &str, envelope: &Envelope) -> Result<Event, QuarantineReason> {
    let finding: Finding<'_> = serde_json::from_str(text).map_err(|error| invalid_json(&error))?;
    let id = required(finding.id.owned(), WHAT, "Id")?;
    let (finding_id, kind) = match product(&finding)? {
        Product::GuardDuty => {
            let guardduty = guardduty(&finding, &id)?;
            (
                guardduty.finding_id.clone(),
                EventKind::GuardDutyFinding(guardduty),
            )
        }
        Product::Inspector2 => (
            id.clone(),
            EventKind::Inspector2Finding(inspector(&finding, id)?),
        ),
    };
    Ok(Event {
        id: finding_id,
        source: Source::SecurityHub,
        envelope_id: envelope.id.clone(),
        account_id: finding
            .aws_account_id
            .owned()
            .or_else(|| envelope.account.clone()),
        region: finding.region.owned().or_else(|| envelope.region.clone()),
        time: envelope.time.or(finding.updated_at.0),
        kind,
    })
}

fn resources<'f>(finding: &'f Finding<'_>) -> impl Iterator<Item = &'f Resource<'f>> {
    finding.resources.0.iter().filter_map(Obj::get)
}

/// The instance among the finding's resources (strict), and that resource.
fn instance<'f>(
    finding: &'f Finding<'_>,
    what: &'static str,
) -> Result<(Option<InstanceId>, Option<&'f Resource<'f>>), QuarantineReason> {
    let ec2: Vec<&Resource<'_>> = resources(finding)
        .filter(|resource| resource.resource_type.get() == Some(ASFF_EC2_INSTANCE))
        .collect();
    let ids = ec2
        .iter()
        .map(|resource| instance_id(resource.id.get(), what, "Resources[].Id"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((single_instance(ids, what)?, ec2.first().copied()))
}

/// GuardDuty's finding type from an ASFF type: `TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort`
/// → `Recon:EC2/PortProbeUnprotectedPort` (ASFF replaces the `/` after the resource type with `-`).
fn guardduty_type(asff_type: &str) -> Option<String> {
    let last = asff_type.rsplit('/').next()?;
    let colon = last.find(':')?;
    let dash = colon + last[colon..].find('-')?;
    if colon == 0 || dash == colon + 1 || dash + 1 == last.len() {
        return None;
    }
    Some(format!("{}/{}", &last[..dash], &last[dash + 1..]))
}

/// GuardDuty's resource type for an ASFF resource type.
fn guardduty_resource_type(asff_type: &str) -> &str {
    match asff_type {
        "AwsEc2Instance" => "Instance",
        "AwsIamAccessKey" => "AccessKey",
        "AwsS3Bucket" => "S3Bucket",
        "AwsEksCluster" => "EKSCluster",
        "AwsEcsCluster" => "ECSCluster",
        "AwsRdsDbInstance" => "RDSDBInstance",
        "AwsLambdaFunction" => "Lambda",
        "Container" => "Container",
        other => other,
    }
}

fn guardduty(finding: &Finding<'_>, id: &str) -> Result<GuardDutyFinding, QuarantineReason> {
    let what = WHAT_GUARDDUTY;
    let provider = finding.finding_provider_fields.get();
    let finding_type = finding
        .types
        .0
        .iter()
        .chain(
            provider
                .into_iter()
                .flat_map(|provider| provider.types.0.iter()),
        )
        .filter_map(Str::get)
        .find_map(guardduty_type)
        .ok_or(QuarantineReason::InvalidField {
            what,
            field: "Types",
            problem: "names no GuardDuty finding type".to_owned(),
        })?;
    let finding_id = id
        .rsplit_once("/finding/")
        .map_or(id, |(_, finding_id)| finding_id)
        .to_owned();
    let (instance_id, instance_resource) = instance(finding, what)?;
    let resource_type = if instance_id.is_some() {
        "Instance".to_owned()
    } else {
        resources(finding)
            .find_map(|resource| resource.resource_type.get())
            .map(|asff_type| guardduty_resource_type(asff_type).to_owned())
            .ok_or(QuarantineReason::MissingField {
                what,
                field: "Resources[].Type",
            })?
    };
    let severity = finding.severity.get();
    let fields = finding.product_fields.get();
    Ok(GuardDutyFinding {
        finding_id,
        arn: Some(id.to_owned()),
        finding_type,
        severity: severity
            .and_then(|severity| severity.product.0)
            .or_else(|| {
                provider
                    .and_then(|provider| provider.severity.get())
                    .and_then(|severity| severity.original.0)
            })
            .or_else(|| severity.and_then(|severity| severity.original.0)),
        title: finding.title.owned(),
        resource_type,
        instance_id,
        instance_profile_arn: instance_resource
            .and_then(|resource| resource.details.get())
            .and_then(|details| details.aws_ec2_instance.get())
            .and_then(|ec2| ec2.iam_instance_profile_arn.owned()),
        action_type: fields.and_then(|fields| fields.guardduty_action_type.owned()),
        resource_role: fields.and_then(|fields| fields.guardduty_resource_role.owned()),
        count: fields.and_then(|fields| fields.guardduty_count.count()),
        archived: fields
            .and_then(|fields| fields.guardduty_archived.0)
            .unwrap_or(false),
        sample: finding.sample.0.unwrap_or(false),
        created_at: finding.created_at.0,
        updated_at: finding.updated_at.0,
    })
}

/// Inspector's finding type from ASFF `Types`.
fn inspector_type(types: &[Str<'_>]) -> InspectorFindingType {
    let types: Vec<&str> = types.iter().filter_map(Str::get).collect();
    let any = |needle: &str| {
        types
            .iter()
            .any(|asff_type| asff_type.to_ascii_lowercase().contains(needle))
    };
    if any("/cve") {
        InspectorFindingType::PackageVulnerability
    } else if any("network reachability") || any("/network") {
        InspectorFindingType::NetworkReachability
    } else if any("/cwe") {
        InspectorFindingType::CodeVulnerability
    } else {
        InspectorFindingType::Other(types.first().copied().unwrap_or_default().to_owned())
    }
}

/// Inspector's resource type for an ASFF resource type.
fn inspector_resource_type(asff_type: &str) -> String {
    match asff_type {
        "AwsEc2Instance" => "AWS_EC2_INSTANCE".to_owned(),
        "AwsEcrContainerImage" => "AWS_ECR_CONTAINER_IMAGE".to_owned(),
        "AwsLambdaFunction" => "AWS_LAMBDA_FUNCTION".to_owned(),
        other => other.to_owned(),
    }
}

fn inspector(finding: &Finding<'_>, id: String) -> Result<Inspector2Finding, QuarantineReason> {
    let what = WHAT_INSPECTOR;
    let fields = finding.product_fields.get();
    let status = match fields.and_then(|fields| fields.inspector_status.get()) {
        Some(status) => InspectorStatus::from_wire(status),
        None => {
            let workflow = finding
                .workflow
                .get()
                .and_then(|workflow| workflow.status.get());
            if workflow == Some("SUPPRESSED") {
                InspectorStatus::Suppressed
            } else if workflow == Some("RESOLVED") || finding.record_state.get() == Some("ARCHIVED")
            {
                InspectorStatus::Closed
            } else {
                InspectorStatus::Active
            }
        }
    };
    let (instance_id, _) = instance(finding, what)?;
    let vulnerabilities: Vec<&Vulnerability<'_>> = finding
        .vulnerabilities
        .0
        .iter()
        .filter_map(Obj::get)
        .collect();
    let vulnerability_id = vulnerabilities
        .iter()
        .find_map(|vulnerability| vulnerability.id.owned());
    let cves = cves(vulnerabilities.iter().flat_map(|vulnerability| {
        vulnerability.id.get().into_iter().chain(
            vulnerability
                .related_vulnerabilities
                .0
                .iter()
                .filter_map(Str::get),
        )
    }));
    Ok(Inspector2Finding {
        finding_arn: id,
        finding_type: inspector_type(&finding.types.0),
        status,
        severity: finding
            .severity
            .get()
            .and_then(|severity| severity.label.owned()),
        inspector_score: fields.and_then(|fields| fields.inspector_score.0),
        title: finding.title.owned(),
        resource_type: if instance_id.is_some() {
            Some(inspector_resource_type(ASFF_EC2_INSTANCE))
        } else {
            resources(finding)
                .find_map(|resource| resource.resource_type.get())
                .map(inspector_resource_type)
        },
        instance_id,
        vulnerability_id,
        cves,
        first_observed_at: finding.first_observed_at.0,
        last_observed_at: finding.last_observed_at.0,
        updated_at: finding.updated_at.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guardduty_types_come_back_from_asff() {
        assert_eq!(
            guardduty_type("TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce").as_deref(),
            Some("UnauthorizedAccess:EC2/SSHBruteForce")
        );
        assert_eq!(
            guardduty_type("TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS").as_deref(),
            Some("Backdoor:EC2/C&CActivity.B!DNS")
        );
        assert_eq!(
            guardduty_type("Effects/Resource Consumption/UnauthorizedAccess:Runtime-TorRelay")
                .as_deref(),
            Some("UnauthorizedAccess:Runtime/TorRelay")
        );
        assert_eq!(
            guardduty_type("Software and Configuration Checks/Vulnerabilities/CVE"),
            None
        );
        assert_eq!(guardduty_type("TTPs/Recon:EC2"), None);
        assert_eq!(guardduty_type("TTPs/:EC2-X"), None);
        assert_eq!(guardduty_type("TTPs/Recon:-X"), None);
        assert_eq!(guardduty_type("TTPs/Recon:EC2-"), None);
    }

    #[test]
    fn inspector_types_from_asff() {
        let types = |list: &[&'static str]| -> Vec<Str<'static>> {
            list.iter()
                .map(|text| Str(Some(std::borrow::Cow::Borrowed(*text))))
                .collect()
        };
        assert_eq!(
            inspector_type(&types(&[
                "Software and Configuration Checks/Vulnerabilities/CVE"
            ])),
            InspectorFindingType::PackageVulnerability
        );
        assert_eq!(
            inspector_type(&types(&[
                "Software and Configuration Checks/AWS Security Best Practices/Network Reachability - Recognized port reachable from internet"
            ])),
            InspectorFindingType::NetworkReachability
        );
        assert_eq!(
            inspector_type(&types(&["Something/Else"])),
            InspectorFindingType::Other("Something/Else".to_owned())
        );
    }
}
