//! Rows of the insight reads (waiting counts, attempts, events, history)
//! into the store's values, the same for every back end: each back end
//! selects the columns named here and hands its rows over (see
//! `columns::ColumnRow`).

use crate::columns::{
    ColumnRow, count_to_u64, id_from_db, json_from_db, json_to_db, key_from_db, opt_json_from_db,
    time_from_db,
};
use crate::{
    ConnectorQueueStats, DeliveryStats, HistoryBucket, LastError, Result, StoredMessage,
    TracedMessage,
};
use mailflow_core::{Event, MessageId};
use std::collections::{BTreeMap, HashMap};

/// Pending recipients of one connector (`None`: MX routing) under one last
/// error code (`None`: no error yet), as `pending_counts` has them.
pub struct CodeCount {
    pub connector: Option<String>,
    pub code: Option<String>,
    pub recipients: u64,
}

/// A row of `pending_counts`' `connector, code, recipients`.
pub fn code_count(row: &impl ColumnRow) -> Result<CodeCount> {
    Ok(CodeCount {
        connector: key_from_db(row.text("connector")?),
        code: key_from_db(row.text("code")?),
        recipients: count_to_u64("recipients", row.int("recipients")?)?,
    })
}

/// The code of a dropped connection, at any stage.
pub const DROPPED: &str = "4.4.318";
/// How many messages dropped during their data an insight names at most.
pub const DATA_DROP_MESSAGES: i64 = 5;

/// One connector's counts, gathered code by code.
#[derive(Default)]
pub struct Tally {
    pub connector: Option<String>,
    queued: u64,
    oldest: Option<i64>,
    by_code: Vec<(String, u64)>,
}

impl Tally {
    /// Whether some of its recipients wait after a dropped connection, so
    /// that the messages dropped during their data are worth looking up.
    pub fn has_drops(&self) -> bool {
        self.by_code.iter().any(|(code, _)| code == DROPPED)
    }

    pub fn into_stats(
        self,
        (last_error, last_next_hop): (Option<LastError>, Option<String>),
        data_drop_messages: Vec<(MessageId, u64)>,
    ) -> ConnectorQueueStats {
        ConnectorQueueStats {
            connector: self.connector,
            queued: self.queued,
            oldest_received_at: self.oldest.map(time_from_db),
            by_code: self.by_code,
            last_error,
            last_next_hop,
            data_drop_messages,
        }
    }
}

/// The counts of an organisation's connectors, gathered group by group.
#[derive(Default)]
pub struct Tallies(BTreeMap<Option<String>, Tally>);

impl Tallies {
    /// Adds a group and the earliest arrival among its recipients.
    pub fn add(&mut self, group: CodeCount, oldest: Option<i64>) {
        let tally = self.0.entry(group.connector.clone()).or_default();
        tally.connector = group.connector;
        tally.queued += group.recipients;
        tally.oldest = [tally.oldest, oldest].into_iter().flatten().min();
        if let Some(code) = group.code {
            tally.by_code.push((code, group.recipients));
        }
    }

    /// Each connector's tally, in connector order, its codes most first.
    pub fn into_connectors(self) -> impl Iterator<Item = Tally> {
        self.0.into_values().map(|mut tally| {
            tally
                .by_code
                .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            tally
        })
    }
}

/// The row of a connector's latest error (`last_error, next_hop`), if
/// it has one.
pub fn latest_error(row: Option<&impl ColumnRow>) -> Result<(Option<LastError>, Option<String>)> {
    let Some(row) = row else {
        return Ok((None, None));
    };
    let error = opt_json_from_db("last_error", row.opt_text("last_error")?)?;
    Ok((error, Some(row.text("next_hop")?)))
}

/// A row of `message_id` and its count of `recipients` dropped in the data.
pub fn data_drop(row: &impl ColumnRow) -> Result<(MessageId, u64)> {
    let id = id_from_db(&row.bytes("message_id")?)?;
    Ok((id, count_to_u64("recipients", row.int("recipients")?)?))
}

/// Expiry is not an attempt: a `failed` event with `4.4.7` is left out.
const EXPIRED: &str = "4.4.7";

/// Rows of `kind, code, n, latest`: the outcome events of a window counted
/// per type and code, with the latest of each.
pub fn delivery_stats<R: ColumnRow>(rows: &[R]) -> Result<DeliveryStats> {
    let mut stats = DeliveryStats::default();
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    for row in rows {
        let code = row.opt_text("code")?;
        let count = count_to_u64("count", row.int("n")?)?;
        let latest = Some(row.time("latest")?);
        if row.text("kind")? == "delivered" {
            stats.successes += count;
            stats.last_success_at = stats.last_success_at.max(latest);
        } else if code.as_deref() != Some(EXPIRED) {
            *failures.entry(code.unwrap_or_default()).or_default() += count;
            stats.last_failure_at = stats.last_failure_at.max(latest);
        }
    }
    stats.failures_by_code = failures.into_iter().collect();
    stats
        .failures_by_code
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    stats.attempts = stats.successes + stats.failures_by_code.iter().map(|(_, n)| n).sum::<u64>();
    Ok(stats)
}

/// A row's `event` column.
pub fn event(row: &impl ColumnRow) -> Result<Event> {
    json_from_db("event", &row.text("event")?)
}

/// The messages with their events (read in order), keeping the messages'
/// order.
pub fn traced(
    messages: Vec<StoredMessage>,
    events: impl IntoIterator<Item = Event>,
) -> Vec<TracedMessage> {
    let mut by_message: HashMap<MessageId, Vec<Event>> = HashMap::new();
    for event in events {
        by_message.entry(event.message_id).or_default().push(event);
    }
    messages
        .into_iter()
        .map(|message| {
            let events = by_message.remove(&message.id).unwrap_or_default();
            TracedMessage { message, events }
        })
        .collect()
}

/// A bucket's failures as its `failures` column keeps them: JSON, by code.
pub fn failures_to_db(bucket: &HistoryBucket) -> String {
    let failures: BTreeMap<&str, u64> = bucket
        .failures
        .iter()
        .map(|(code, n)| (code.as_str(), *n))
        .collect();
    json_to_db(&failures)
}

/// A row of `history`'s `connector, minute, queued, failures`.
pub fn history_bucket(org: &str, row: &impl ColumnRow) -> Result<HistoryBucket> {
    let failures: BTreeMap<String, u64> = json_from_db("history.failures", &row.text("failures")?)?;
    Ok(HistoryBucket {
        org: org.to_string(),
        connector: key_from_db(row.text("connector")?),
        minute: row.time("minute")?,
        queued: count_to_u64("queued", row.int("queued")?)?,
        failures: failures.into_iter().collect(),
    })
}

/// Which side of a cut-off in arrival time to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Before,
    AtOrAfter,
}

/// How many of a connector's `total` pending recipients arrived before a
/// cut-off, found by counting one side of it at a time up to a limit: the
/// side that is smaller is counted (both are tried with a growing limit),
/// so the work follows the smaller of the old part and the young part of
/// the backlog, not the backlog. A back end asks `question`, counts that
/// side up to that limit, and gives the count to `answer`, until there is
/// no question left.
pub struct OlderCount {
    total: u64,
    side: Side,
    limit: u64,
    older: Option<u64>,
}

impl OlderCount {
    pub fn new(total: u64) -> OlderCount {
        OlderCount {
            total,
            side: Side::Before,
            limit: 1024,
            older: None,
        }
    }

    /// The side to count next, and up to how many; `None` once known.
    pub fn question(&self) -> Option<(Side, u64)> {
        self.older.is_none().then_some((self.side, self.limit))
    }

    pub fn answer(&mut self, counted: u64) {
        match self.side {
            Side::Before if counted < self.limit => self.older = Some(counted),
            Side::Before => self.side = Side::AtOrAfter,
            Side::AtOrAfter if counted < self.limit || self.limit > self.total => {
                self.older = Some(self.total.saturating_sub(counted));
            }
            Side::AtOrAfter => {
                self.side = Side::Before;
                self.limit = self.limit.saturating_mul(8);
            }
        }
    }

    /// The count, once no question is left.
    pub fn older(&self) -> u64 {
        self.older.unwrap_or_default()
    }
}
