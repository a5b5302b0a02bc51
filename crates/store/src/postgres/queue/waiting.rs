//! The words statements use for the waiting part of the queue. A partial
//! index is only read by a statement that says its predicate the same way.

/// Recipients the scheduler will try.
pub const WAITING: &str = "state IN ('queued', 'deferred')";

/// Recipients not done yet (the `pending` of a message).
pub const WAITING_OR_IN_FLIGHT: &str = "state IN ('queued', 'in_flight', 'deferred', 'suspended')";

/// The due time `due` (an SQL expression) of a row of `recipients` named
/// `table`, moved to its next hop's hold end when that is later.
pub fn not_before_hold(due: &str, table: &str) -> String {
    format!(
        "GREATEST({due}, (SELECT h.until_at FROM next_hop_holds h \
         WHERE h.next_hop = {table}.next_hop))"
    )
}
