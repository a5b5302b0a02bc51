//! Rows into mailflow's values, the same for every back end: each back end
//! selects the columns named here and hands its rows over.

use crate::columns::{ColumnRow, count_to_u32, count_to_u64, json_from_db, key_from_db};
use crate::{
    AdminToken, Alert, AuditEntry, InvalidRecipientSource, NodeState, NodeStatus, OutboxEntry,
    Result, StoreError,
};

/// The columns `alert` reads.
pub const ALERT_COLUMNS: &str = "id, org, connector, code, rule, opened_at, updated_at, \
     resolved_at, acknowledged_at, acknowledged_by, notified_at, last_values";

pub fn alert(row: &impl ColumnRow) -> Result<Alert> {
    Ok(Alert {
        id: row.int("id")?,
        org: row.text("org")?,
        connector: row.opt_text("connector")?,
        code: row.text("code")?,
        rule: row
            .text("rule")?
            .parse()
            .map_err(|e: String| StoreError::Corrupt(format!("alerts.rule: {e}")))?,
        opened_at: row.time("opened_at")?,
        updated_at: row.time("updated_at")?,
        resolved_at: row.opt_time("resolved_at")?,
        acknowledged_at: row.opt_time("acknowledged_at")?,
        acknowledged_by: row.opt_text("acknowledged_by")?,
        notified_at: row.opt_time("notified_at")?,
        values: json_from_db("alerts.last_values", &row.text("last_values")?)?,
    })
}

/// The columns `outbox_entry` reads.
pub const OUTBOX_COLUMNS: &str = "id, org, alert_id, channel, payload, attempts, created_at, \
     next_attempt_at, delivered_at, abandoned_at, last_failure";

pub fn outbox_entry(row: &impl ColumnRow) -> Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: row.int("id")?,
        org: row.text("org")?,
        alert_id: row.int("alert_id")?,
        channel: row
            .text("channel")?
            .parse()
            .map_err(|e: String| StoreError::Corrupt(format!("alert_outbox.channel: {e}")))?,
        payload: row.text("payload")?,
        attempts: count_to_u32("alert_outbox.attempts", row.int("attempts")?)?,
        created_at: row.time("created_at")?,
        next_attempt_at: row.opt_time("next_attempt_at")?,
        delivered_at: row.opt_time("delivered_at")?,
        abandoned_at: row.opt_time("abandoned_at")?,
        last_failure: row.opt_text("last_failure")?,
    })
}

/// The columns `admin_token` reads.
pub const TOKEN_COLUMNS: &str = "org, name, scope, digest, created_at, created_by, last_used_at";

pub fn admin_token(row: &impl ColumnRow) -> Result<AdminToken> {
    Ok(AdminToken {
        org: key_from_db(row.text("org")?),
        name: row.text("name")?,
        scope: row
            .text("scope")?
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("admin_tokens.scope: {e}")))?,
        digest: row.text("digest")?,
        created_at: row.time("created_at")?,
        created_by: row.text("created_by")?,
        last_used_at: row.opt_time("last_used_at")?,
    })
}

/// A row of `client` and its count `n` of unknown recipients.
pub fn invalid_recipient_source(row: &impl ColumnRow) -> Result<InvalidRecipientSource> {
    Ok(InvalidRecipientSource {
        client: row.text("client")?,
        count: count_to_u64("invalid_recipients.n", row.int("n")?)?,
    })
}

/// The columns `audit_entry` reads.
pub const AUDIT_COLUMNS: &str =
    "id, at, org, actor, action, target, before_json, after_json, undone_at";

pub fn audit_entry(row: &impl ColumnRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: count_to_u64("audit_log.id", row.int("id")?)?,
        at: row.time("at")?,
        org: row.opt_text("org")?,
        actor: row.text("actor")?,
        action: row.text("action")?,
        target: row.text("target")?,
        before: json_from_db("audit_log.before_json", &row.text("before_json")?)?,
        after: json_from_db("audit_log.after_json", &row.text("after_json")?)?,
        undone_at: row.opt_time("undone_at")?,
    })
}

/// The columns `node_status` reads: a node's row and, counted, the
/// recipients in flight under its lease (the same SQL in both back ends).
pub const NODE_COLUMNS: &str = "n.name, n.version, n.started_at, n.heartbeat_at, \
     n.fresh_until, n.state, n.admin_addr, n.drain_requested_at, \
     (SELECT COUNT(*) FROM recipients r WHERE r.state = 'in_flight' \
     AND r.lease_node = n.name) AS in_flight";

pub fn node_status(row: &impl ColumnRow) -> Result<NodeStatus> {
    Ok(NodeStatus {
        name: row.text("name")?,
        version: row.text("version")?,
        started_at: row.time("started_at")?,
        last_seen: row.time("heartbeat_at")?,
        fresh_until: row.time("fresh_until")?,
        state: NodeState::from_db(&row.text("state")?)?,
        admin_addr: row.opt_text("admin_addr")?,
        drain_requested_at: row.opt_time("drain_requested_at")?,
        in_flight: count_to_u64("in_flight", row.int("in_flight")?)?,
    })
}
