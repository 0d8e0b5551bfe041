//! ward's own tables as flow records: a decision as a `findings` record, a ledger entry as an
//! `actions` record, with the field names of their schemas (`schemas/findings.tsv`,
//! `schemas/actions.tsv`).

use crate::record::Record;
use serde_json::Value;
use ward_core::{ActionRecord, DecisionRecord};

/// A decision as a `findings` record.
pub fn finding_record(decision: &DecisionRecord) -> Record {
    let mut record = Record::new();
    record.insert("findingID".into(), decision.event_id.clone().into());
    record.insert("source".into(), decision.source.clone().into());
    record.insert("findingType".into(), decision.finding_type.clone().into());
    insert_some(
        &mut record,
        "accountID",
        decision.account_id.clone().map(Value::from),
    );
    insert_some(
        &mut record,
        "instanceID",
        decision.instance_id.clone().map(Value::from),
    );
    insert_some(
        &mut record,
        "computerID",
        decision.computer_id.map(|id| id.0.into()),
    );
    insert_some(
        &mut record,
        "protected",
        decision.protected.map(Value::from),
    );
    record.insert("decision".into(), decision.decision.as_str().into());
    record.insert("reason".into(), decision.reason.clone().into());
    record.insert("actions".into(), decision.actions.clone());
    record.insert("decidedAt".into(), decision.at.into());
    record
}

/// A ledger entry as an `actions` record.
pub fn action_record(action: &ActionRecord) -> Record {
    let mut record = Record::new();
    record.insert("actionID".into(), action.id.into());
    record.insert("findingID".into(), action.finding.clone().into());
    record.insert("target".into(), action.target.clone().into());
    record.insert("action".into(), action.action.clone().into());
    insert_some(
        &mut record,
        "computerID",
        action.computer_id.map(|id| id.0.into()),
    );
    record.insert("status".into(), action.status.as_str().into());
    record.insert("attempts".into(), action.attempts.into());
    insert_some(
        &mut record,
        "coalescedInto",
        action.coalesced_into.map(Value::from),
    );
    insert_some(
        &mut record,
        "detail",
        action.detail.clone().map(Value::from),
    );
    record.insert("requestedAt".into(), action.requested_at.into());
    insert_some(&mut record, "settledAt", action.settled_at.map(Value::from));
    record
}

fn insert_some(record: &mut Record, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        record.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SourceSchema;
    use ward_core::{ActionStatus, ComputerId, Verdict};

    /// Every field a record carries is a field of its source's schema.
    #[test]
    fn table_records_carry_only_their_schemas_fields() {
        let decision = DecisionRecord {
            event_id: "e1".into(),
            source: "guardduty".into(),
            finding_type: "Recon:EC2/PortProbeUnprotectedPort".into(),
            instance_id: Some("i-0abc".into()),
            computer_id: Some(ComputerId(7)),
            account_id: Some("111122223333".into()),
            protected: Some(true),
            decision: Verdict::Respond,
            reason: "protected".into(),
            actions: serde_json::json!([]),
            at: 1_000,
        };
        let action = ActionRecord {
            id: 3,
            finding: "e1".into(),
            target: "computer:7".into(),
            action: "scan-integrity".into(),
            coalesce: None,
            computer_id: Some(ComputerId(7)),
            status: ActionStatus::Done,
            attempts: 1,
            coalesced_into: None,
            detail: Some("task 9".into()),
            requested_at: 1_000,
            settled_at: Some(1_500),
        };
        for (source, record) in [
            ("findings", finding_record(&decision)),
            ("actions", action_record(&action)),
        ] {
            let schema = SourceSchema::builtin(source).expect("a built-in schema");
            for field in record.keys() {
                let path = crate::FieldPath::parse(field).expect("a field path");
                assert!(schema.field_type(&path).is_some(), "{source}: {field}");
            }
        }
        assert_eq!(finding_record(&decision)["decision"], "respond");
        assert_eq!(action_record(&action)["status"], "done");
    }
}
