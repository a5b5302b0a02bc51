//! Turning result rows into the store's values: the decoders are shared
//! with the other back ends (`crate::queue_rows`); the recipient columns
//! are SQLite's own, for the due time they compute.

pub use crate::queue_rows::*;

/// The columns of `recipients` that make a `StoredRecipient`, read from
/// `recipients` unaliased. A waiting recipient of a held next hop is due
/// when the hold ends (see `holds`), and reads say so.
pub const RECIPIENT_COLUMNS: &str = "message_id, idx, address, dsn_notify, dsn_orcpt, \
     route_connector, route_domain, next_hop, state, attempts, \
     CASE WHEN state IN ('queued', 'deferred') THEN MAX(next_attempt_at, \
       COALESCE((SELECT h.until_at FROM next_hop_holds h WHERE h.next_hop = recipients.next_hop), \
       next_attempt_at)) ELSE next_attempt_at END AS next_attempt_at, \
     last_error, delivered_reply, updated_at";
