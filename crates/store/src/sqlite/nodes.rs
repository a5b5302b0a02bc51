//! Node status: heartbeats, drain requests, and each node's work in flight.

use super::codec::time_to_db;
use crate::decode::{self, NODE_COLUMNS};
use crate::{NodeHeartbeat, NodeStatus, Result};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// Adds or updates the node's row; its drain request is not the
/// heartbeat's to change.
pub async fn write_heartbeat(conn: &mut SqliteConnection, beat: &NodeHeartbeat) -> Result<()> {
    sqlx::query(
        "INSERT INTO nodes (name, version, started_at, heartbeat_at, fresh_until, state, \
         admin_addr) VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, \
         started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, \
         fresh_until = excluded.fresh_until, state = excluded.state, \
         admin_addr = excluded.admin_addr",
    )
    .bind(&beat.name)
    .bind(&beat.version)
    .bind(time_to_db(beat.started_at))
    .bind(time_to_db(beat.at))
    .bind(time_to_db(beat.fresh_until))
    .bind(beat.state.as_str())
    .bind(&beat.admin_addr)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn nodes(conn: &mut SqliteConnection) -> Result<Vec<NodeStatus>> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM nodes n ORDER BY n.name");
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter().map(decode::node_status).collect()
}

pub async fn node(conn: &mut SqliteConnection, name: &str) -> Result<Option<NodeStatus>> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM nodes n WHERE n.name = ?");
    let row = sqlx::query(&sql).bind(name).fetch_optional(conn).await?;
    row.as_ref().map(decode::node_status).transpose()
}

/// False when there is no such node.
pub async fn set_drain_request(
    conn: &mut SqliteConnection,
    name: &str,
    at: Option<OffsetDateTime>,
) -> Result<bool> {
    let done = sqlx::query("UPDATE nodes SET drain_requested_at = ? WHERE name = ?")
        .bind(at.map(time_to_db))
        .bind(name)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn drain_requested(conn: &mut SqliteConnection, name: &str) -> Result<bool> {
    let requested: Option<Option<i64>> =
        sqlx::query_scalar("SELECT drain_requested_at FROM nodes WHERE name = ?")
            .bind(name)
            .fetch_optional(conn)
            .await?;
    Ok(matches!(requested, Some(Some(_))))
}
