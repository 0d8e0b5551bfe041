//! EC2 instance state-change notifications (`detail: {"instance-id", "state"}`).

use super::{Envelope, content_id, instance_id, read_detail, required};
use crate::event::{Ec2StateChange, Event, EventKind, InstanceState, Source};
use crate::loose::Str;
use crate::parsed::QuarantineReason;
use serde::Deserialize;

const WHAT: &str = "EC2 state-change event";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Detail<'a> {
    #[serde(rename = "instance-id", borrow)]
    instance_id: Str<'a>,
    #[serde(borrow)]
    state: Str<'a>,
}

/// A state change from its `detail` object (`raw` is the item's text, for an ID when the envelope has none).
pub(crate) fn parse(
    detail: &str,
    envelope: &Envelope,
    raw: &str,
) -> Result<Event, QuarantineReason> {
    let detail: Detail<'_> = read_detail(detail)?;
    let instance_id = instance_id(detail.instance_id.get(), WHAT, "instance-id")?;
    let state = InstanceState::from_wire(&required(detail.state.owned(), WHAT, "state")?);
    Ok(Event {
        id: envelope
            .id
            .clone()
            .unwrap_or_else(|| content_id("ec2", &[raw])),
        source: Source::Ec2,
        envelope_id: envelope.id.clone(),
        account_id: envelope.account.clone(),
        region: envelope.region.clone(),
        time: envelope.time,
        kind: EventKind::Ec2StateChange(Ec2StateChange { instance_id, state }),
    })
}
