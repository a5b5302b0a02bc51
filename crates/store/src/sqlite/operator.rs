//! Operator actions on a connector's queue: every recipient whose route goes
//! through the connector, across all its next hops (one per domain when it
//! routes by MX), in one organisation.
//!
//! Suspended recipients are out of the scheduler's sight (the due index only
//! covers `queued` and `deferred`); recipients in flight are left to their
//! attempt. Due times set here keep the holds invariant (`holds`).

use super::codec::{count_to_u64, id_to_db, limit_to_db, time_to_db};
use super::due::{PENDING, WAITING};
use super::holds::not_before_hold;
use super::transaction::in_transaction;
use crate::operator_rows::{self, operator_event_template, pending_recipient};
use crate::{PendingRecipient, Result, WaitingCount, WaitingCursor};
use mailflow_core::RecipientState;
use sqlx::SqliteConnection;
use std::sync::LazyLock;
use time::OffsetDateTime;

/// Pending recipients of `?2` (connector) in `?3` (org): those of the
/// connector alone are read, through `recipients_pending_by_state`
/// (organisation, connector, state, message), which recipients carry
/// their message's organisation for.
static OF_CONNECTOR: LazyLock<String> =
    LazyLock::new(|| format!("org = ?3 AND route_connector = ?2 AND {PENDING}"));

/// `queued`/`deferred` -> `suspended`, with an operator event for each
/// recipient in its message's trace.
pub async fn suspend(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
    actor: &str,
) -> Result<u64> {
    in_transaction(conn, async |conn| {
        record_action(conn, WAITING, org, connector, now, "suspend", actor).await?;
        let sql = format!(
            "UPDATE recipients SET state = 'suspended', updated_at = ?1 \
             WHERE {WAITING} AND {of_connector}",
            of_connector = *OF_CONNECTOR
        );
        execute(conn, &sql, org, connector, now).await
    })
    .await
}

/// `suspended` -> `queued`, due now (or when its next hop's hold ends),
/// with an operator event for each recipient in its message's trace.
pub async fn resume(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
    actor: &str,
) -> Result<u64> {
    let suspended = "state = 'suspended'";
    in_transaction(conn, async |conn| {
        record_action(conn, suspended, org, connector, now, "resume", actor).await?;
        let sql = format!(
            "UPDATE recipients SET state = 'queued', next_attempt_at = {}, updated_at = ?1 \
             WHERE {suspended} AND {of_connector}",
            not_before_hold("?1"),
            of_connector = *OF_CONNECTOR
        );
        execute(conn, &sql, org, connector, now).await
    })
    .await
}

/// Lifts the holds of the connector's next hops and makes its `queued` and
/// `deferred` recipients due now, with an operator event for each in its
/// message's trace. Suspended ones stay suspended. Only recipients due
/// later are written; the others are due already and keep their place.
/// Returns how many are due.
pub async fn retry_now(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
    actor: &str,
) -> Result<u64> {
    in_transaction(conn, async |conn| {
        record_action(conn, WAITING, org, connector, now, "retry now", actor).await?;
        // Holds are few: each is checked for a waiting recipient of the connector.
        let lift = format!(
            "DELETE FROM next_hop_holds WHERE ?1 IS NOT NULL AND EXISTS \
             (SELECT 1 FROM recipients WHERE recipients.next_hop = next_hop_holds.next_hop \
              AND {WAITING} AND {of_connector})",
            of_connector = *OF_CONNECTOR
        );
        execute(conn, &lift, org, connector, now).await?;
        let due = format!(
            "UPDATE recipients SET next_attempt_at = ?1, updated_at = ?1 \
             WHERE {WAITING} AND next_attempt_at > ?1 AND {of_connector}",
            of_connector = *OF_CONNECTOR
        );
        execute(conn, &due, org, connector, now).await?;
        let count = format!(
            "SELECT COUNT(*) FROM recipients \
             WHERE ?1 IS NOT NULL AND {WAITING} AND {of_connector}",
            of_connector = *OF_CONNECTOR
        );
        let waiting: i64 = sqlx::query_scalar(&count)
            .bind(time_to_db(now))
            .bind(connector)
            .bind(org)
            .fetch_one(conn)
            .await?;
        count_to_u64("due", waiting)
    })
    .await
}

/// Writes the operator event of `action` for every recipient of the
/// connector in `states`, with one `INSERT … SELECT`: a connector's queue
/// may hold a million recipients, which are never loaded. The event's JSON
/// is the serialized `Event` with the recipient's own fields set in SQL.
async fn record_action(
    conn: &mut SqliteConnection,
    states: &str,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
    action: &str,
    actor: &str,
) -> Result<()> {
    let (template, kind_name) = operator_event_template(action, actor, now);
    let sql = format!(
        "INSERT INTO events (message_id, at, event, org, connector, kind, code, recipient) \
         SELECT message_id, ?1, json_set(?4, '$.message_id', {UUID_TEXT}, \
           '$.recipient', address, '$.next_hop', next_hop, '$.connector', route_connector), \
         org, route_connector, ?5, NULL, address \
         FROM recipients WHERE {states} AND {of_connector} \
         ORDER BY message_id, idx",
        of_connector = *OF_CONNECTOR
    );
    sqlx::query(&sql)
        .bind(time_to_db(now))
        .bind(connector)
        .bind(org)
        .bind(template)
        .bind(kind_name)
        .execute(conn)
        .await?;
    Ok(())
}

/// A recipient's message id (16 bytes) as the UUID text `MessageId`
/// serializes to.
pub const UUID_TEXT: &str = "lower(substr(hex(message_id), 1, 8) || '-' || \
     substr(hex(message_id), 9, 4) || '-' || substr(hex(message_id), 13, 4) || '-' || \
     substr(hex(message_id), 17, 4) || '-' || substr(hex(message_id), 21, 12))";

async fn execute(
    conn: &mut SqliteConnection,
    sql: &str,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    let done = sqlx::query(sql)
        .bind(time_to_db(now))
        .bind(connector)
        .bind(org)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn waiting_counts(conn: &mut SqliteConnection, org: &str) -> Result<Vec<WaitingCount>> {
    let rows = sqlx::query(&waiting_counts_sql())
        .bind(org)
        .fetch_all(conn)
        .await?;
    operator_rows::waiting_counts(&rows)
}

/// Per connector in one snapshot: its pending recipients (`pending_counts`,
/// summed over codes), those in flight (a seek into
/// `recipients_pending_by_state`, as many as its connections carry) and
/// those suspended (`suspended_counts`). What waits to go, queued or
/// deferred, is the rest: a few rows read however large the backlog.
fn waiting_counts_sql() -> String {
    format!(
        "WITH pending AS (SELECT connector, SUM(recipients) AS n FROM pending_counts \
         WHERE org = ?1 GROUP BY connector HAVING n > 0) \
         SELECT pending.connector, pending.n AS pending, \
         (SELECT COUNT(*) FROM recipients INDEXED BY recipients_pending_by_state \
          WHERE org = ?1 AND route_connector IS NULLIF(pending.connector, '') \
          AND state = 'in_flight' AND {PENDING}) AS in_flight, \
         IFNULL((SELECT s.recipients FROM suspended_counts s \
          WHERE s.org = ?1 AND s.connector = pending.connector), 0) AS suspended \
         FROM pending"
    )
}

pub async fn waiting_recipients(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    after: Option<WaitingCursor>,
    limit: usize,
) -> Result<Vec<PendingRecipient>> {
    let sql = waiting_page_sql();
    let mut page = Vec::new();
    for state in PAGE_STATES {
        let Some((message, index)) = page_start(after, state) else {
            continue;
        };
        let rows = sqlx::query(&sql)
            .bind(1)
            .bind(connector)
            .bind(org)
            .bind(state.as_str())
            .bind(message)
            .bind(index)
            .bind(limit_to_db(limit - page.len()))
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            page.push(pending_recipient(row, Some(state))?);
        }
        if page.len() >= limit {
            break;
        }
    }
    Ok(page)
}

/// The waiting states as the operator's reads mean them (not in flight:
/// queued, deferred, suspended), in the order of their names, which is the
/// order of pages.
const PAGE_STATES: [RecipientState; 3] = [
    RecipientState::Deferred,
    RecipientState::Queued,
    RecipientState::Suspended,
];

/// Where a page of waiting recipients of `state` starts, past (message,
/// index) — from its first recipient when the page before ended in an
/// earlier state — or `None` when the page before is past `state` already.
fn page_start(after: Option<WaitingCursor>, state: RecipientState) -> Option<(Vec<u8>, i64)> {
    match after {
        Some(cursor) if cursor.state.as_str() > state.as_str() => None,
        Some(cursor) if cursor.state == state => {
            Some((id_to_db(cursor.message_id), i64::from(cursor.index)))
        }
        _ => Some((Vec::new(), -1)),
    }
}

/// A page of one state in the order of `recipients_pending_by_state`,
/// from a seek past `(?5, ?6)` (message, index). `?1` is a placeholder:
/// the connector filter numbers its parameters from 2.
fn waiting_page_sql() -> String {
    format!(
        "SELECT message_id, idx, address, route_connector, next_hop FROM recipients \
         WHERE ?1 IS NOT NULL AND {of_connector} AND state = ?4 \
         AND (message_id, idx) > (?5, ?6) ORDER BY message_id, idx LIMIT ?7",
        of_connector = *OF_CONNECTOR
    )
}

#[cfg(test)]
mod tests {
    use super::super::plans::{assert_walks_no_backlog, plan};

    #[tokio::test]
    async fn waiting_recipients_are_counted_from_counts_and_a_seek_for_those_in_flight() {
        let sql = super::waiting_counts_sql();
        assert_walks_no_backlog(&sql).await;
        let steps = plan(&sql).await;
        for step in [
            "SEARCH pending_counts USING INDEX sqlite_autoindex_pending_counts_1 (org=?)",
            "SEARCH recipients USING COVERING INDEX recipients_pending_by_state (org=? AND route_connector=? AND state=?)",
            "SEARCH s USING INDEX sqlite_autoindex_suspended_counts_1 (org=? AND connector=?)",
        ] {
            assert!(steps.iter().any(|s| s.contains(step)), "{step}: {steps:#?}");
        }
    }

    #[tokio::test]
    async fn a_page_of_waiting_recipients_is_a_seek_in_index_order() {
        let sql = super::waiting_page_sql();
        assert_walks_no_backlog(&sql).await;
        let steps = plan(&sql).await;
        assert!(
            steps
                .iter()
                .any(|step| step.contains("USING INDEX recipients_pending_by_state (org=? AND route_connector=? AND state=? AND (message_id,idx)>(?,?))")),
            "{steps:#?}"
        );
    }

    #[tokio::test]
    async fn operator_actions_read_the_connectors_pending_recipients_only() {
        for sql in [
            format!(
                "UPDATE recipients SET state = 'suspended', updated_at = ?1 WHERE {} AND {}",
                super::WAITING,
                *super::OF_CONNECTOR
            ),
            format!(
                "SELECT COUNT(*) FROM recipients WHERE ?1 IS NOT NULL AND {} AND {}",
                super::WAITING,
                *super::OF_CONNECTOR
            ),
        ] {
            let steps = plan(&sql).await;
            assert!(
                steps
                    .iter()
                    .any(|step| step.contains("recipients_pending_by_state")),
                "{steps:#?}"
            );
        }
    }
}
