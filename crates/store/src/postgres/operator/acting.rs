//! Operator actions on the shared database — suspend, resume, retry now
//! and delete — on a connector's whole queue or on chosen recipients: one
//! statement each that locks the recipients it acts on (in message and
//! index order, as `record` locks them), writes an operator event for
//! each in its message's trace and changes them, returning them counted
//! by organisation, connector, state and code for the waiting counts.
//!
//! A recipient that went in flight, or finished, since the operator's page
//! was read is not in a state the action applies to and is left alone.
//! Due times set here keep the holds invariant (see `queue::holds`).
//!
//! Chosen recipients' messages are locked first, as `record` locks them,
//! and a delete refreshes their `pending` and removes those left without
//! a recipient. A connector-wide action only moves recipients between
//! waiting states (suspend, resume, retry): no message's `pending`
//! changes and no report is owed, so its messages — a million, behind a
//! dead next hop — are not locked.

use crate::columns::{count_to_u64, id_to_db, time_to_db};
use crate::operator_rows::operator_event_template;
use crate::postgres::queue::counts::{CountChanges, Counted};
use crate::postgres::queue::record::{lock_messages, refresh_pending};
use crate::postgres::queue::waiting::{WAITING_OR_IN_FLIGHT, not_before_hold};
use crate::{QueueAction, Result};
use mailflow_core::MessageId;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The recipients an action is for.
pub enum Target<'a> {
    /// Every recipient of a connector in one organisation.
    Connector { org: &'a str, connector: &'a str },
    /// Recipients named by (message, index).
    Chosen(&'a [(MessageId, u32)]),
}

/// Does `action` to the target's recipients in the states it applies to,
/// each with an operator event by `actor`; returns how many it acted on.
pub async fn act(
    conn: &mut PgConnection,
    target: &Target<'_>,
    action: QueueAction,
    now: OffsetDateTime,
    actor: &str,
) -> Result<u64> {
    let touched = match target {
        Target::Chosen([]) => return Ok(0),
        Target::Chosen(chosen) => {
            let ids: BTreeSet<MessageId> = chosen.iter().map(|(id, _)| *id).collect();
            let ids: Vec<Vec<u8>> = ids.into_iter().map(id_to_db).collect();
            lock_messages(conn, &ids).await?;
            ids
        }
        Target::Connector { .. } => {
            debug_assert!(
                action != QueueAction::Delete,
                "deletes are of chosen recipients"
            );
            Vec::new()
        }
    };
    let (template, kind) = operator_event_template(action.as_str(), actor, now);
    let sql = statement(target, action);
    let statement = match target {
        Target::Connector { org, connector } => sqlx::query(&sql).bind(*org).bind(*connector),
        Target::Chosen(chosen) => {
            let (ids, indexes): (Vec<Vec<u8>>, Vec<i64>) = chosen
                .iter()
                .map(|(id, index)| (id_to_db(*id), i64::from(*index)))
                .unzip();
            sqlx::query(&sql).bind(ids).bind(indexes)
        }
    };
    let groups = statement
        .bind(time_to_db(now))
        .bind(template)
        .bind(kind)
        .fetch_all(&mut *conn)
        .await?;
    let acted = write_counts(conn, &groups, action).await?;
    if acted > 0 && matches!(action, QueueAction::Retry | QueueAction::Resume) {
        // Mail is due now: every node hears of it at the commit.
        crate::postgres::changes::queue_changed(conn).await?;
    }
    if action == QueueAction::Delete {
        remove_emptied(conn, &touched).await?;
    }
    Ok(acted)
}

/// The waiting counts follow the groups the statement moved; returns how
/// many recipients they hold.
async fn write_counts(
    conn: &mut PgConnection,
    groups: &[PgRow],
    action: QueueAction,
) -> Result<u64> {
    let mut counts = CountChanges::default();
    let mut acted = 0;
    for group in groups {
        let (org, connector): (String, Option<String>) =
            (group.try_get("org")?, group.try_get("route_connector")?);
        let (state, code): (String, Option<String>) =
            (group.try_get("state")?, group.try_get("last_error_code")?);
        let recipients: i64 = group.try_get("recipients")?;
        acted += count_to_u64("recipients", recipients)?;
        let before = Counted {
            org: &org,
            connector: connector.as_deref(),
            state: &state,
            code: code.as_deref(),
        };
        let after = match action {
            QueueAction::Suspend => Some("suspended"),
            QueueAction::Resume => Some("queued"),
            // Due sooner, in the same state.
            QueueAction::Retry => continue,
            QueueAction::Delete => None,
        };
        let after = after.map(|state| Counted { state, ..before });
        counts.change_many(Some(before), after, recipients);
    }
    counts.write(conn).await?;
    Ok(acted)
}

/// After a delete: the messages left without a recipient go (their body
/// with them), and the others wait while a recipient of theirs does.
async fn remove_emptied(conn: &mut PgConnection, touched: &[Vec<u8>]) -> Result<()> {
    sqlx::query(
        "DELETE FROM messages m WHERE m.id = ANY($1) \
         AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id)",
    )
    .bind(touched)
    .execute(&mut *conn)
    .await?;
    refresh_pending(conn, touched).await
}

/// The states `action` changes.
fn states(action: QueueAction) -> &'static str {
    match action {
        QueueAction::Retry | QueueAction::Suspend => "state IN ('queued', 'deferred')",
        QueueAction::Resume => "state = 'suspended'",
        QueueAction::Delete => "state IN ('queued', 'deferred', 'suspended')",
    }
}

/// The target's recipients in `states`, locked in (message, index) order,
/// with what the events and the counts need of them. `$1`, `$2`: the
/// organisation and the connector (read from `recipients_pending_by_state`,
/// whose condition is said as it is written), or the chosen messages and
/// indexes.
fn targeted(target: &Target<'_>, states: &str) -> String {
    let columns = "r.message_id, r.idx, r.state, r.org, r.route_connector, r.next_hop, \
                   r.address, r.last_error_code";
    match target {
        Target::Connector { .. } => format!(
            "SELECT {columns} FROM recipients r WHERE r.org = $1 AND r.route_connector = $2 \
             AND r.{WAITING_OR_IN_FLIGHT} AND r.{states} \
             ORDER BY r.message_id, r.idx FOR UPDATE"
        ),
        Target::Chosen(_) => format!(
            "SELECT {columns} FROM recipients r \
             JOIN unnest($1::bytea[], $2::bigint[]) AS c (message_id, idx) \
               ON r.message_id = c.message_id AND r.idx = c.idx \
             WHERE r.{states} ORDER BY r.message_id, r.idx FOR UPDATE OF r"
        ),
    }
}

/// The action's change to the recipients of `target` (joined as `t`),
/// and, for a retry, the holds of their next hops lifted. `$3`: now.
fn change(action: QueueAction) -> String {
    let of_target = "r.message_id = t.message_id AND r.idx = t.idx";
    match action {
        QueueAction::Suspend => format!(
            "changed AS (UPDATE recipients r SET state = 'suspended', updated_at = $3 \
             FROM target t WHERE {of_target})"
        ),
        QueueAction::Resume => format!(
            "changed AS (UPDATE recipients r SET state = 'queued', next_attempt_at = {}, \
             updated_at = $3 FROM target t WHERE {of_target})",
            not_before_hold("$3", "r")
        ),
        // Only those due later are written; the others keep their place.
        QueueAction::Retry => format!(
            "lifted AS (DELETE FROM next_hop_holds WHERE next_hop IN \
               (SELECT next_hop FROM target)), \
             changed AS (UPDATE recipients r SET next_attempt_at = $3, updated_at = $3 \
             FROM target t WHERE {of_target} AND r.next_attempt_at > $3)"
        ),
        QueueAction::Delete => {
            format!("changed AS (DELETE FROM recipients r USING target t WHERE {of_target})")
        }
    }
}

/// The whole statement: the targeted recipients, their events (`$4`: the
/// event's JSON without its message and recipient, `$5`: its kind), the
/// change, and the targeted recipients counted by group.
fn statement(target: &Target<'_>, action: QueueAction) -> String {
    format!(
        "WITH target AS MATERIALIZED ({targeted}), \
         logged AS (INSERT INTO events (message_id, at, event, org, connector, kind, code, \
             recipient) \
           SELECT message_id, $3, ($4::jsonb || jsonb_build_object( \
               'message_id', encode(message_id, 'hex')::uuid::text, 'recipient', address, \
               'next_hop', next_hop, 'connector', route_connector))::text, \
             org, route_connector, $5, NULL, address \
           FROM target ORDER BY message_id, idx), \
         {change} \
         SELECT org, route_connector, state, last_error_code, COUNT(*) AS recipients \
         FROM target GROUP BY org, route_connector, state, last_error_code",
        targeted = targeted(target, states(action)),
        change = change(action),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn a_connectors_action_reads_its_waiting_recipients_alone() {
        let mut schema = PlanSchema::new().await;
        let target = Target::Connector {
            org: "acme",
            connector: "onprem",
        };
        for action in [
            QueueAction::Suspend,
            QueueAction::Resume,
            QueueAction::Retry,
        ] {
            let sql = statement(&target, action);
            schema
                .assert_reads(&sql, &["recipients_pending_by_state", "recipients_pkey"])
                .await;
        }
        let chosen = Target::Chosen(&[]);
        let sql = statement(&chosen, QueueAction::Delete);
        schema.assert_reads(&sql, &["recipients_pkey"]).await;
    }
}
