//! What mailflow tells the relay's own administrators, per language: the
//! summary of a connector's insight when nothing is failing, the likely
//! causes and actions of each `Topic`, and how an alert reads (summary,
//! e-mail subject and field names).
//!
//! It is a sibling of `Catalogue`, implemented by the same unit struct of
//! each language (in `catalogue/<language>/admin.rs`), so that every word
//! mailflow writes for people sits in one catalogue. A failure's own
//! explanation is not repeated here: `crate::explain` gives it, in the
//! words reports use.

use crate::topic::Topic;
use time::OffsetDateTime;

/// What an alert is about, with the facts its summary names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertSituation<'a> {
    /// Mail waits on a connector (`None`: MX routing without a connector)
    /// longer than the organisation's alert rules allow.
    Backlog {
        connector: Option<&'a str>,
        /// Recipients queued on the connector.
        queued: u64,
        /// Of those, how many wait longer than the rule allows.
        over_age: u64,
        /// When the oldest queued message was received.
        oldest: Option<OffsetDateTime>,
        opened_at: OffsetDateTime,
    },
    /// That backlog has drained.
    Drained {
        connector: Option<&'a str>,
        opened_at: OffsetDateTime,
        resolved_at: OffsetDateTime,
    },
    /// More recipients were refused as unknown in the last hour than the
    /// organisation's quota allows.
    UnknownRecipients {
        refused: u64,
        sources: &'a [String],
        opened_at: OffsetDateTime,
    },
    /// Unknown recipients are back within the quota.
    WithinQuota {
        opened_at: OffsetDateTime,
        resolved_at: OffsetDateTime,
    },
    /// Messages were failed because the store had lost their bodies.
    LostBodies {
        connector: Option<&'a str>,
        /// How many messages, since the alert opened.
        lost: u64,
        opened_at: OffsetDateTime,
    },
    /// A day has passed without another lost body.
    LostBodiesOver {
        connector: Option<&'a str>,
        opened_at: OffsetDateTime,
        resolved_at: OffsetDateTime,
    },
}

/// Field names and headings of an alert e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertLabel {
    Connector,
    Code,
    LastError,
    ServerTried,
    RecipientsQueued,
    WaitingTooLong,
    OldestReceived,
    AlertOpened,
    LikelyCauses,
    WhatToDo,
}

/// The words of one language for administrators.
pub trait AdminCatalogue: Sync {
    /// An insight's summary when nothing is wrong.
    fn all_clear(&self) -> &'static str;
    /// An insight's summary when attempts failed lately but no waiting mail
    /// carries an error.
    fn recovered(&self) -> &'static str;
    /// An insight's summary when one message makes the server drop the
    /// connection during its data; `message` is its id.
    fn message_drops_connection(&self, message: &str) -> String;
    /// What is likely behind the trouble, most likely first.
    fn causes(&self, topic: Topic) -> &'static [&'static str];
    /// What the administrators can do about it, first thing first.
    fn actions(&self, topic: Topic) -> &'static [&'static str];
    /// A connector as people read it; `None` is MX routing.
    fn connector_name(&self, connector: Option<&str>) -> String;
    /// What is wrong, where, since when and how much: one or two sentences.
    fn alert_summary(&self, situation: &AlertSituation) -> String;
    /// The `Subject:` of an alert e-mail; `code` is the alert's code.
    fn alert_subject(&self, id: i64, situation: &AlertSituation, code: &str) -> String;
    /// The last line of an alert e-mail: what happens next, and how to
    /// acknowledge an open alert.
    fn alert_closing(&self, id: i64, open: bool) -> String;
    fn alert_label(&self, label: AlertLabel) -> &'static str;
}
