//! Alerts (SPEC 4): tell administrators when mail piles up on a connector.
//!
//! Every few seconds of the injected clock, `evaluate` looks at each
//! connector's queue and applies two rules — at least N recipients queued
//! for longer than T, and an oldest queued message older than a limit. A
//! crossed rule opens an alert for the connector and the queue's dominant
//! last-error code, or merges into the one already open; the alert resolves
//! itself once the backlog has drained. Each change is queued as
//! notifications in the store's outbox (within a daily cap), and `outbox`
//! delivers them: a signed JSON webhook and an e-mail to the organisation's
//! administrators that never travels through the connector it is about.
//! `explain` words an alert for people in any language mailflow writes,
//! from the one catalogue of `mailflow-ndr`.

mod codes;
mod context;
mod email;
mod evaluate;
mod explanation;
mod lost_bodies;
mod notice;
mod outbox;
mod quota;
mod rules;
mod run;
mod signature;
mod webhook;

pub use context::AlertContext;
pub use evaluate::{AlertChange, evaluate};
pub use explanation::{AlertExplanation, explain, situation};
pub use mailflow_ndr::Language;
pub use notice::{AlertNotice, NOTICE_LANGUAGE, NoticeStatus};
pub use outbox::{SendReport, retry_delay, send_due};
pub use quota::UNKNOWN_RECIPIENT_CODE;
pub use rules::{Backlog, drained, judge};
pub use run::{EVALUATE_EVERY, run, run_observed};
pub use signature::{SIGNATURE_HEADER, sign};

use mailflow_store::{Alert, AlertId, Result, Store};
use time::OffsetDateTime;

/// Marks an alert as seen by `actor`; `None` when there is no such alert.
pub async fn acknowledge(
    store: &dyn Store,
    id: AlertId,
    actor: &str,
    at: OffsetDateTime,
) -> Result<Option<Alert>> {
    store.acknowledge_alert(id, actor, at).await
}
