//! The statements of `ClusterStore`, the same on both back ends: a lease
//! is taken in one statement, so that of two nodes asking at once exactly
//! one gets it (the row's key decides, whatever the isolation).

use std::time::Duration;
use time::OffsetDateTime;

/// Takes the lease when it is free, has run out or is the node's already;
/// returns a row only when the node holds it after the statement.
/// Parameters: work, node, now, until.
pub const LEAD: &str = "INSERT INTO cluster_leases (work, node, until_at) VALUES ($1, $2, $4) \
     ON CONFLICT (work) DO UPDATE SET node = excluded.node, until_at = excluded.until_at \
     WHERE cluster_leases.node = excluded.node OR cluster_leases.until_at <= $3 \
     RETURNING node";

/// Parameters: work, node.
pub const STEP_DOWN: &str = "DELETE FROM cluster_leases WHERE work = $1 AND node = $2";

/// Parameters: work, now.
pub const LEADER: &str = "SELECT node FROM cluster_leases WHERE work = $1 AND until_at > $2";

/// A statement above in SQLite's words: numbered parameters are `?N`
/// there (`$N` would be a named parameter, numbered by first use).
pub fn in_sqlite(statement: &str) -> String {
    statement.replace('$', "?")
}

/// When a lease taken at `now` for `ttl` ends.
pub fn until(now: OffsetDateTime, ttl: Duration) -> i64 {
    let end = time::Duration::try_from(ttl)
        .ok()
        .and_then(|ttl| now.checked_add(ttl));
    end.map_or(i64::MAX, crate::columns::time_to_db)
}
