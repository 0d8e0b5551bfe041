//! Scheduled EventBridge rules (`detail-type: Scheduled Event`, `detail: {}`): the rules are the
//! envelope's `resources`.

use super::{Envelope, content_id};
use crate::event::{Event, EventKind, ScheduledEvent, Source};

/// A scheduled event from its envelope (`raw` is the item's text, for an ID when the envelope has none).
pub(crate) fn parse(envelope: &Envelope, raw: &str) -> Event {
    Event {
        id: envelope
            .id
            .clone()
            .unwrap_or_else(|| content_id("scheduled", &[raw])),
        source: Source::Scheduled,
        envelope_id: envelope.id.clone(),
        account_id: envelope.account.clone(),
        region: envelope.region.clone(),
        time: envelope.time,
        kind: EventKind::Scheduled(ScheduledEvent {
            rule_arns: envelope.resources.clone(),
        }),
    }
}
