//! Writing accepted messages, many to a transaction (see `batcher`): the
//! envelopes, the bodies in pieces, the recipients, their counts and the
//! messages' first events, each table with one statement for the whole
//! batch (bodies with one per few megabytes).
//!
//! A message's recipients are due at once, or when their next hop's hold
//! ends.

use super::counts::{CountChanges, Counted};
use super::events;
use crate::columns::{id_to_db, json_to_db, ret_to_db, time_to_db};
use crate::{NewMessage, Result};
use sqlx::PgConnection;

/// Body bytes sent in one statement at most: a batch of large messages is
/// written in several statements rather than one of gigabytes.
const BODY_BYTES_PER_STATEMENT: usize = 8 * 1024 * 1024;

pub async fn insert(conn: &mut PgConnection, messages: &[&NewMessage]) -> Result<()> {
    insert_envelopes(conn, messages).await?;
    insert_bodies(conn, messages).await?;
    insert_recipients(conn, messages).await?;
    let mut counts = CountChanges::default();
    for message in messages {
        for recipient in &message.recipients {
            let queued = Counted {
                org: &message.org,
                connector: recipient.route.connector.as_deref(),
                state: "queued",
                code: None,
            };
            counts.change(None, Some(queued));
        }
    }
    counts.write(conn).await?;
    let arrivals: Vec<_> = messages.iter().flat_map(|m| m.arrival_events()).collect();
    events::insert(conn, &arrivals.iter().collect::<Vec<_>>()).await
}

async fn insert_envelopes(conn: &mut PgConnection, messages: &[&NewMessage]) -> Result<()> {
    let (mut ids, mut orgs, mut senders, mut received, mut expires, mut eight_bit) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut rets, mut envids, mut sizes, mut headers, mut pending) =
        (vec![], vec![], vec![], vec![], vec![]);
    for message in messages {
        ids.push(id_to_db(message.id));
        orgs.push(message.org.as_str());
        senders.push(message.sender.as_str());
        received.push(time_to_db(message.received_at));
        expires.push(time_to_db(message.expires_at));
        rets.push(message.dsn.ret.map(ret_to_db));
        envids.push(message.dsn.envid.as_deref());
        sizes.push(i64::try_from(message.body.len()).unwrap_or(i64::MAX));
        eight_bit.push(!message.body.is_ascii());
        headers.push(message.message_id_header.as_deref());
        pending.push(!message.recipients.is_empty());
    }
    sqlx::query(
        "INSERT INTO messages (id, org, sender, received_at, expires_at, dsn_ret, dsn_envid, \
         size, message_id_header, pending, eight_bit) \
         SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], \
                              $6::text[], $7::text[], $8::bigint[], $9::text[], $10::boolean[], \
                              $11::boolean[])",
    )
    .bind(ids)
    .bind(orgs)
    .bind(senders)
    .bind(received)
    .bind(expires)
    .bind(rets)
    .bind(envids)
    .bind(sizes)
    .bind(headers)
    .bind(pending)
    .bind(eight_bit)
    .execute(conn)
    .await?;
    Ok(())
}

/// The bodies, a piece per chunk of the message as it was received
/// (`MessageBytes` chunks are at most 64 KiB), numbered from 0.
async fn insert_bodies(conn: &mut PgConnection, messages: &[&NewMessage]) -> Result<()> {
    let mut pieces = Pieces::default();
    for message in messages {
        for (number, bytes) in message.body.chunks().enumerate() {
            if pieces.bytes > 0 && pieces.bytes + bytes.len() > BODY_BYTES_PER_STATEMENT {
                std::mem::take(&mut pieces).insert(conn).await?;
            }
            pieces.push(message, number, bytes);
        }
    }
    pieces.insert(conn).await
}

#[derive(Default)]
struct Pieces<'m> {
    ids: Vec<Vec<u8>>,
    numbers: Vec<i64>,
    contents: Vec<&'m [u8]>,
    bytes: usize,
}

impl<'m> Pieces<'m> {
    fn push(&mut self, message: &NewMessage, number: usize, bytes: &'m [u8]) {
        self.ids.push(id_to_db(message.id));
        self.numbers.push(i64::try_from(number).unwrap_or(i64::MAX));
        self.contents.push(bytes);
        self.bytes += bytes.len();
    }

    async fn insert(self, conn: &mut PgConnection) -> Result<()> {
        if self.ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO bodies (message_id, piece, bytes) \
             SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[])",
        )
        .bind(self.ids)
        .bind(self.numbers)
        .bind(self.contents)
        .execute(conn)
        .await?;
        Ok(())
    }
}

async fn insert_recipients(conn: &mut PgConnection, messages: &[&NewMessage]) -> Result<()> {
    let mut rows = RecipientRows::default();
    for message in messages {
        for (index, recipient) in message.recipients.iter().enumerate() {
            rows.ids.push(id_to_db(message.id));
            rows.indexes.push(i64::try_from(index).unwrap_or(i64::MAX));
            rows.addresses.push(recipient.address.as_str());
            rows.notify
                .push(recipient.dsn.notify.as_ref().map(json_to_db));
            rows.orcpt.push(recipient.dsn.orcpt.as_deref());
            rows.connectors.push(recipient.route.connector.as_deref());
            rows.domains.push(recipient.route.domain.as_str());
            rows.next_hops.push(recipient.next_hop.as_str());
            rows.orgs.push(message.org.as_str());
            rows.received.push(time_to_db(message.received_at));
        }
    }
    if rows.ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO recipients (message_id, idx, address, dsn_notify, dsn_orcpt, \
         route_connector, route_domain, next_hop, org, received_at, state, attempts, \
         next_attempt_at, updated_at) \
         SELECT r.message_id, r.idx, r.address, r.dsn_notify, r.dsn_orcpt, r.route_connector, \
                r.route_domain, r.next_hop, r.org, r.received_at, 'queued', 0, \
                GREATEST(r.received_at, h.until_at), r.received_at \
         FROM unnest($1::bytea[], $2::bigint[], $3::text[], $4::text[], $5::text[], \
                     $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[]) \
              AS r (message_id, idx, address, dsn_notify, dsn_orcpt, route_connector, \
                    route_domain, next_hop, org, received_at) \
         LEFT JOIN next_hop_holds h ON h.next_hop = r.next_hop",
    )
    .bind(rows.ids)
    .bind(rows.indexes)
    .bind(rows.addresses)
    .bind(rows.notify)
    .bind(rows.orcpt)
    .bind(rows.connectors)
    .bind(rows.domains)
    .bind(rows.next_hops)
    .bind(rows.orgs)
    .bind(rows.received)
    .execute(conn)
    .await?;
    Ok(())
}

/// The recipients of a batch, column by column.
#[derive(Default)]
struct RecipientRows<'m> {
    ids: Vec<Vec<u8>>,
    indexes: Vec<i64>,
    addresses: Vec<&'m str>,
    notify: Vec<Option<String>>,
    orcpt: Vec<Option<&'m str>>,
    connectors: Vec<Option<&'m str>>,
    domains: Vec<&'m str>,
    next_hops: Vec<&'m str>,
    orgs: Vec<&'m str>,
    received: Vec<i64>,
}
