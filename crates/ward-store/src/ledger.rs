//! The ledger's SQL, shared by both backends, and [`sql_ledger!`], which implements
//! [`ward_core::Ledger`] once for each. The rules a claim follows are
//! [`ward_core::ledger::plan_claim`]'s; this module only reads and writes rows, inside one write
//! transaction per claim (SQLite's `BEGIN IMMEDIATE` serialises writers; PostgreSQL takes an
//! advisory lock on the keys, `KEY_LOCK`).

use ward_core::ledger::ActionRecord;
use ward_core::{ActionStatus, ComputerId, DecisionRecord, QuarantineRecord, StoreError, Verdict};

const ACTION_COLUMNS: &str = "id, finding, target, action, coalesce_key, status, attempts, \
     requested_at, settled_at, detail, coalesced_into, computer_id";

pub(crate) fn action_by_key() -> String {
    format!(
        "SELECT {ACTION_COLUMNS} FROM actions WHERE finding = $1 AND target = $2 AND action = $3"
    )
}

/// The newest standing action with a coalescing key (what others fold into).
pub(crate) fn action_to_coalesce_with() -> String {
    format!(
        "SELECT {ACTION_COLUMNS} FROM actions WHERE coalesce_key = $1 \
         AND status IN ('requested', 'done') ORDER BY requested_at DESC, id DESC LIMIT 1"
    )
}

pub(crate) fn action_by_id() -> String {
    format!("SELECT {ACTION_COLUMNS} FROM actions WHERE id = $1")
}

pub(crate) fn newest_actions() -> String {
    format!("SELECT {ACTION_COLUMNS} FROM actions ORDER BY id DESC LIMIT $1")
}

pub(crate) const INSERT_ACTION: &str = "INSERT INTO actions (finding, target, action, \
     coalesce_key, status, attempts, requested_at, settled_at, coalesced_into, computer_id) \
     VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9) RETURNING id";

pub(crate) const RETAKE_ACTION: &str = "UPDATE actions SET status = 'requested', \
     attempts = attempts + 1, requested_at = $2, settled_at = NULL, detail = NULL, \
     coalesced_into = NULL WHERE id = $1";

pub(crate) const RECOALESCE_ACTION: &str = "UPDATE actions SET status = 'coalesced', \
     coalesced_into = $2, requested_at = $3, settled_at = $3, detail = NULL WHERE id = $1";

pub(crate) const SETTLE_ACTION: &str =
    "UPDATE actions SET status = $2, detail = $3, settled_at = $4 WHERE id = $1";

pub(crate) const INSERT_DECISION: &str = "INSERT INTO decisions (event_id, source, \
     finding_type, instance_id, computer_id, account_id, protected, decision, reason, actions, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";

pub(crate) const NEWEST_DECISIONS: &str = "SELECT event_id, source, finding_type, instance_id, \
     computer_id, account_id, protected, decision, reason, CAST(actions AS TEXT), at \
     FROM decisions ORDER BY id DESC LIMIT $1";

pub(crate) const INSERT_QUARANTINE: &str = "INSERT INTO quarantine (origin, position, reason, \
     raw, at) VALUES ($1, $2, $3, $4, $5) RETURNING id";

pub(crate) const NEWEST_QUARANTINE: &str =
    "SELECT origin, position, reason, raw, at FROM quarantine ORDER BY id DESC LIMIT $1";

/// An `actions` row as selected by [`ACTION_COLUMNS`].
pub(crate) type ActionRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

pub(crate) fn action_record(row: ActionRow) -> Result<ActionRecord, StoreError> {
    let (id, finding, target, action, coalesce, status, attempts, requested_at, settled_at) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
    );
    let status = ActionStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
        what: format!("action {id}"),
        cause: format!("unknown status {status:?}"),
    })?;
    Ok(ActionRecord {
        id,
        finding,
        target,
        action,
        coalesce,
        status,
        attempts,
        requested_at,
        settled_at,
        detail: row.9,
        coalesced_into: row.10,
        computer_id: row.11.map(ComputerId),
    })
}

/// A `decisions` row as [`NEWEST_DECISIONS`] selects it.
pub(crate) type DecisionRow = (
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<bool>,
    String,
    String,
    String,
    i64,
);

pub(crate) fn decision_record(row: DecisionRow) -> Result<DecisionRecord, StoreError> {
    let actions = serde_json::from_str(&row.9).map_err(|error| StoreError::Corrupt {
        what: format!("decision for event {}", row.0),
        cause: error.to_string(),
    })?;
    let decision = Verdict::parse(&row.7).ok_or_else(|| StoreError::Corrupt {
        what: format!("decision for event {}", row.0),
        cause: format!("unknown decision {:?}", row.7),
    })?;
    Ok(DecisionRecord {
        event_id: row.0,
        source: row.1,
        finding_type: row.2,
        instance_id: row.3,
        computer_id: row.4.map(ComputerId),
        account_id: row.5,
        protected: row.6,
        decision,
        reason: row.8,
        actions,
        at: row.10,
    })
}

pub(crate) type QuarantineRow = (String, String, String, String, i64);

pub(crate) fn quarantine_record(row: QuarantineRow) -> QuarantineRecord {
    QuarantineRecord {
        origin: row.0,
        position: row.1,
        reason: row.2,
        raw: row.3,
        at: row.4,
    }
}

/// Implements [`ward_core::Ledger`] for a store type made by `sql_store!` with the associated
/// constant `KEY_LOCK` (a statement taking a transaction-scoped lock on a text key, or `None` when
/// the write transaction already serialises writers).
macro_rules! sql_ledger {
    ($store:ident, $db:ty) => {
        impl $store {
            async fn fetch_action(
                tx: &mut sqlx::Transaction<'static, $db>,
                sql: &str,
                binds: &[&str],
                operation: &'static str,
            ) -> Result<Option<ward_core::ActionRecord>, ward_core::StoreError> {
                let mut query = sqlx::query_as::<_, $crate::ledger::ActionRow>(sql);
                for bind in binds {
                    query = query.bind(*bind);
                }
                let row = query
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err($crate::sql::query_error(operation))?;
                row.map($crate::ledger::action_record).transpose()
            }

            async fn action_with_id(
                tx: &mut sqlx::Transaction<'static, $db>,
                id: i64,
            ) -> Result<ward_core::ActionRecord, ward_core::StoreError> {
                let row: $crate::ledger::ActionRow =
                    sqlx::query_as(&$crate::ledger::action_by_id())
                        .bind(id)
                        .fetch_one(&mut **tx)
                        .await
                        .map_err($crate::sql::query_error("claim"))?;
                $crate::ledger::action_record(row)
            }
        }

        #[async_trait::async_trait]
        impl ward_core::Ledger for $store {
            async fn claim(
                &self,
                request: &ward_core::ClaimRequest,
            ) -> Result<ward_core::Claim, ward_core::StoreError> {
                use ward_core::Claim;
                use ward_core::ledger::{ClaimPlan, KeepReason, plan_claim};
                const OPERATION: &str = "claim";
                let failed = $crate::sql::query_error(OPERATION);
                let key = &request.key;
                let mut tx = self.begin_write(OPERATION).await?;
                if let Some(lock) = Self::KEY_LOCK {
                    let key_text =
                        format!("{}\u{1f}{}\u{1f}{}", key.finding, key.target, key.action);
                    for name in request.coalesce.iter().chain(std::iter::once(&key_text)) {
                        sqlx::query(lock)
                            .bind(name.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(&failed)?;
                    }
                }
                let existing = Self::fetch_action(
                    &mut tx,
                    &$crate::ledger::action_by_key(),
                    &[&key.finding, &key.target, &key.action],
                    OPERATION,
                )
                .await?;
                let coalesce_with = match &request.coalesce {
                    Some(coalesce) => {
                        Self::fetch_action(
                            &mut tx,
                            &$crate::ledger::action_to_coalesce_with(),
                            &[coalesce],
                            OPERATION,
                        )
                        .await?
                    }
                    None => None,
                };
                let plan = plan_claim(request, existing.as_ref(), coalesce_with.as_ref());
                let status = |status: ward_core::ActionStatus| status.as_str();
                let claim = match plan {
                    ClaimPlan::Insert | ClaimPlan::InsertCoalesced { .. } => {
                        let into = match plan {
                            ClaimPlan::InsertCoalesced { into } => Some(into),
                            _ => None,
                        };
                        let (new_status, settled_at) = match into {
                            Some(_) => (ward_core::ActionStatus::Coalesced, Some(request.now)),
                            None => (ward_core::ActionStatus::Requested, None),
                        };
                        let id: i64 = sqlx::query_scalar($crate::ledger::INSERT_ACTION)
                            .bind(key.finding.as_str())
                            .bind(key.target.as_str())
                            .bind(key.action.as_str())
                            .bind(request.coalesce.as_deref())
                            .bind(status(new_status))
                            .bind(request.now)
                            .bind(settled_at)
                            .bind(into)
                            .bind(key.computer_id().map(|id| id.0))
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(&failed)?;
                        let record = Self::action_with_id(&mut tx, id).await?;
                        match (into, coalesce_with) {
                            (Some(_), Some(into)) => Claim::Coalesced { record, into },
                            _ => Claim::Proceed(record),
                        }
                    }
                    ClaimPlan::Retake | ClaimPlan::TakeOver | ClaimPlan::RecoalesceInto { .. } => {
                        let Some(existing) = existing else {
                            return Err(ward_core::StoreError::Corrupt {
                                what: "ledger".into(),
                                cause: "a retake without a row".into(),
                            });
                        };
                        if let ClaimPlan::RecoalesceInto { into } = plan {
                            sqlx::query($crate::ledger::RECOALESCE_ACTION)
                                .bind(existing.id)
                                .bind(into)
                                .bind(request.now)
                                .execute(&mut *tx)
                                .await
                                .map_err(&failed)?;
                        } else {
                            sqlx::query($crate::ledger::RETAKE_ACTION)
                                .bind(existing.id)
                                .bind(request.now)
                                .execute(&mut *tx)
                                .await
                                .map_err(&failed)?;
                        }
                        let record = Self::action_with_id(&mut tx, existing.id).await?;
                        match (plan, coalesce_with) {
                            (ClaimPlan::RecoalesceInto { .. }, Some(into)) => {
                                Claim::Coalesced { record, into }
                            }
                            (ClaimPlan::TakeOver, _) => Claim::TakeOver {
                                record,
                                claimed_at: existing.requested_at,
                            },
                            _ => Claim::Proceed(record),
                        }
                    }
                    ClaimPlan::Keep(reason) => {
                        let Some(existing) = existing else {
                            return Err(ward_core::StoreError::Corrupt {
                                what: "ledger".into(),
                                cause: "a kept claim without a row".into(),
                            });
                        };
                        match (reason, coalesce_with) {
                            (KeepReason::Done, _) => Claim::AlreadyDone(existing),
                            (KeepReason::InFlight, _) => Claim::InFlight(existing),
                            (KeepReason::Coalesced, Some(into)) => Claim::Coalesced {
                                record: existing,
                                into,
                            },
                            (KeepReason::Coalesced, None) => Claim::AlreadyDone(existing),
                        }
                    }
                };
                tx.commit().await.map_err(&failed)?;
                Ok(claim)
            }

            async fn settle(
                &self,
                id: i64,
                status: ward_core::ActionStatus,
                detail: &str,
                now: i64,
            ) -> Result<(), ward_core::StoreError> {
                sqlx::query($crate::ledger::SETTLE_ACTION)
                    .bind(id)
                    .bind(status.as_str())
                    .bind(detail)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("settle"))?;
                Ok(())
            }

            async fn record_decision(
                &self,
                decision: &ward_core::DecisionRecord,
            ) -> Result<i64, ward_core::StoreError> {
                sqlx::query_scalar($crate::ledger::INSERT_DECISION)
                    .bind(decision.event_id.as_str())
                    .bind(decision.source.as_str())
                    .bind(decision.finding_type.as_str())
                    .bind(decision.instance_id.as_deref())
                    .bind(decision.computer_id.map(|id| id.0))
                    .bind(decision.account_id.as_deref())
                    .bind(decision.protected)
                    .bind(decision.decision.as_str())
                    .bind(decision.reason.as_str())
                    .bind(sqlx::types::Json(&decision.actions))
                    .bind(decision.at)
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("record_decision"))
            }

            async fn quarantine(
                &self,
                record: &ward_core::QuarantineRecord,
            ) -> Result<i64, ward_core::StoreError> {
                sqlx::query_scalar($crate::ledger::INSERT_QUARANTINE)
                    .bind(record.origin.as_str())
                    .bind(record.position.as_str())
                    .bind(record.reason.as_str())
                    .bind(record.raw.as_str())
                    .bind(record.at)
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::sql::query_error("quarantine"))
            }

            async fn actions(
                &self,
                limit: u32,
            ) -> Result<Vec<ward_core::ActionRecord>, ward_core::StoreError> {
                let rows: Vec<$crate::ledger::ActionRow> =
                    sqlx::query_as(&$crate::ledger::newest_actions())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err($crate::sql::query_error("actions"))?;
                rows.into_iter()
                    .map($crate::ledger::action_record)
                    .collect()
            }

            async fn decisions(
                &self,
                limit: u32,
            ) -> Result<Vec<ward_core::DecisionRecord>, ward_core::StoreError> {
                let rows: Vec<$crate::ledger::DecisionRow> =
                    sqlx::query_as($crate::ledger::NEWEST_DECISIONS)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err($crate::sql::query_error("decisions"))?;
                rows.into_iter()
                    .map($crate::ledger::decision_record)
                    .collect()
            }

            async fn quarantined(
                &self,
                limit: u32,
            ) -> Result<Vec<ward_core::QuarantineRecord>, ward_core::StoreError> {
                let rows: Vec<$crate::ledger::QuarantineRow> =
                    sqlx::query_as($crate::ledger::NEWEST_QUARANTINE)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err($crate::sql::query_error("quarantined"))?;
                Ok(rows
                    .into_iter()
                    .map($crate::ledger::quarantine_record)
                    .collect())
            }
        }
    };
}

pub(crate) use sql_ledger;
