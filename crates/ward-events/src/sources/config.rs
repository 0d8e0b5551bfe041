//! AWS Config custom rule invocations (a direct Lambda invocation, not EventBridge).
//!
//! `invokingEvent` and `ruleParameters` are JSON *strings* holding JSON (double-encoded); an object
//! in their place (hand-written test events) is accepted too. The message type decides where the
//! resource is: `configurationItem` (change), `configurationItemSummary` (oversized change), none
//! (scheduled / snapshot delivery).

use super::{content_id, instance_id, invalid_json, region_of_arn, required};
use crate::event::{
    ConfigInvocation, ConfigItemStatus, ConfigMessageType, ConfigResource, Event, EventKind,
    RuleParameters, Source,
};
use crate::loose::{Bool, Obj, Str, Time};
use crate::parsed::QuarantineReason;
use serde::Deserialize;
use serde_json::value::RawValue;

const WHAT: &str = "Config rule invocation";

/// Config's resource type for EC2 instances.
const EC2_INSTANCE: &str = "AWS::EC2::Instance";

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Invocation<'a> {
    #[serde(borrow)]
    invoking_event: Option<&'a RawValue>,
    #[serde(borrow)]
    rule_parameters: Option<&'a RawValue>,
    #[serde(borrow)]
    result_token: Str<'a>,
    event_left_scope: Bool,
    #[serde(borrow)]
    execution_role_arn: Str<'a>,
    #[serde(borrow)]
    config_rule_arn: Str<'a>,
    #[serde(borrow)]
    config_rule_name: Str<'a>,
    #[serde(borrow)]
    config_rule_id: Str<'a>,
    #[serde(borrow)]
    account_id: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct InvokingEvent<'a> {
    #[serde(borrow)]
    message_type: Str<'a>,
    #[serde(borrow)]
    configuration_item: Obj<Item<'a>>,
    #[serde(borrow)]
    configuration_item_summary: Obj<Item<'a>>,
    notification_creation_time: Time,
    #[serde(borrow)]
    aws_account_id: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Item<'a> {
    #[serde(borrow)]
    resource_type: Str<'a>,
    #[serde(borrow)]
    resource_id: Str<'a>,
    #[serde(rename = "ARN", borrow)]
    arn: Str<'a>,
    #[serde(borrow)]
    configuration_item_status: Str<'a>,
    configuration_item_capture_time: Time,
    #[serde(borrow)]
    aws_region: Str<'a>,
    #[serde(borrow)]
    aws_account_id: Str<'a>,
}

/// The JSON text inside a double-encoded field: the decoded string, or the raw object itself.
fn embedded_json(raw: &RawValue) -> Result<Option<String>, serde_json::Error> {
    let text = raw.get();
    if text.starts_with('"') {
        let decoded: String = serde_json::from_str(text)?;
        Ok((!decoded.trim().is_empty()).then_some(decoded))
    } else if text == "null" {
        Ok(None)
    } else {
        Ok(Some(text.to_owned()))
    }
}

fn rule_parameters(raw: Option<&RawValue>) -> Result<Option<RuleParameters>, QuarantineReason> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = embedded_json(raw).map_err(|error| QuarantineReason::InvalidField {
        what: WHAT,
        field: "ruleParameters",
        problem: format!("is not a JSON string: {error}"),
    })?;
    Ok(text.map(|raw| match serde_json::from_str(&raw) {
        Ok(value) => RuleParameters::Json { raw, value },
        Err(error) => RuleParameters::Invalid {
            error: error.to_string(),
            raw,
        },
    }))
}

/// The resource of a change notification; `summary` when it came from `configurationItemSummary`.
fn resource(item: &Item<'_>, summary: bool) -> Result<ConfigResource, QuarantineReason> {
    let (type_field, id_field) = if summary {
        (
            "invokingEvent.configurationItemSummary.resourceType",
            "invokingEvent.configurationItemSummary.resourceId",
        )
    } else {
        (
            "invokingEvent.configurationItem.resourceType",
            "invokingEvent.configurationItem.resourceId",
        )
    };
    let resource_type = required(item.resource_type.owned(), WHAT, type_field)?;
    let resource_id = required(item.resource_id.owned(), WHAT, id_field)?;
    let instance_id = if resource_type == EC2_INSTANCE {
        Some(instance_id(Some(&resource_id), WHAT, id_field)?)
    } else {
        None
    };
    Ok(ConfigResource {
        resource_type,
        resource_id,
        arn: item.arn.owned(),
        status: ConfigItemStatus::from_wire(item.configuration_item_status.get().unwrap_or("OK")),
        capture_time: item.configuration_item_capture_time.0,
        region: item.aws_region.owned(),
        instance_id,
    })
}

/// A Config rule invocation from the Lambda event's text.
pub(crate) fn parse(text: &str) -> Result<Event, QuarantineReason> {
    let invocation: Invocation<'_> =
        serde_json::from_str(text).map_err(|error| invalid_json(&error))?;
    let rule_name = required(invocation.config_rule_name.owned(), WHAT, "configRuleName")?;
    let result_token = required(invocation.result_token.owned(), WHAT, "resultToken")?;
    let invoking_text = invocation
        .invoking_event
        .map(embedded_json)
        .transpose()
        .map_err(|error| QuarantineReason::InvalidField {
            what: WHAT,
            field: "invokingEvent",
            problem: format!("is not a JSON string: {error}"),
        })?
        .flatten()
        .ok_or(QuarantineReason::MissingField {
            what: WHAT,
            field: "invokingEvent",
        })?;
    let invoking: InvokingEvent<'_> =
        serde_json::from_str(&invoking_text).map_err(|error| QuarantineReason::InvalidField {
            what: WHAT,
            field: "invokingEvent",
            problem: format!("does not hold a JSON object: {error}"),
        })?;
    let message_type_text = required(
        invoking.message_type.owned(),
        WHAT,
        "invokingEvent.messageType",
    )?;
    let message_type = ConfigMessageType::from_wire(&message_type_text).ok_or(
        QuarantineReason::UnsupportedConfigMessage {
            message_type: message_type_text,
        },
    )?;
    let resource = match message_type {
        ConfigMessageType::ConfigurationItemChangeNotification => {
            let item = invoking
                .configuration_item
                .get()
                .ok_or(QuarantineReason::MissingField {
                    what: WHAT,
                    field: "invokingEvent.configurationItem",
                })?;
            Some(resource(item, false)?)
        }
        ConfigMessageType::OversizedConfigurationItemChangeNotification => {
            let item = invoking.configuration_item_summary.get().ok_or(
                QuarantineReason::MissingField {
                    what: WHAT,
                    field: "invokingEvent.configurationItemSummary",
                },
            )?;
            Some(resource(item, true)?)
        }
        ConfigMessageType::ScheduledNotification
        | ConfigMessageType::ConfigurationSnapshotDeliveryCompleted => None,
    };
    let item = invoking
        .configuration_item
        .get()
        .or(invoking.configuration_item_summary.get());
    let account_id = invocation
        .account_id
        .owned()
        .or_else(|| item.and_then(|item| item.aws_account_id.owned()))
        .or_else(|| invoking.aws_account_id.owned());
    let rule_arn = invocation.config_rule_arn.owned();
    let region = resource
        .as_ref()
        .and_then(|resource| resource.region.clone())
        .or_else(|| rule_arn.as_deref().and_then(region_of_arn));
    let notification_time = invoking.notification_creation_time.0;
    let time = resource
        .as_ref()
        .and_then(|resource| resource.capture_time)
        .or(notification_time);
    // One invocation (a result token) for one trigger: the same on a Lambda retry, different otherwise.
    let id = content_id("config", &[&rule_name, &result_token, &invoking_text]);
    Ok(Event {
        id,
        source: Source::Config,
        envelope_id: None,
        account_id,
        region,
        time,
        kind: EventKind::ConfigInvocation(ConfigInvocation {
            rule_name,
            rule_arn,
            rule_id: invocation.config_rule_id.owned(),
            result_token,
            event_left_scope: invocation.event_left_scope.0.unwrap_or(false),
            rule_parameters: rule_parameters(invocation.rule_parameters)?,
            message_type,
            notification_time,
            resource,
            execution_role_arn: invocation.execution_role_arn.owned(),
        }),
    })
}
