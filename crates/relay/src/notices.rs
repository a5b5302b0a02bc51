//! Reports to senders: NDRs for recipients that failed for good (at once on
//! a permanent failure, or on expiry) and one delay notice for mail still
//! queued after `delay_notice`. Reports are sent from `<>` and are queued
//! like any other message; a message from `<>` never causes a report.

use crate::engine::Engine;
use crate::failures::{FailingRecipient, Failures};
use crate::outcome::FailedRecipient;
use mailflow_core::{Diagnosis, Event, EventKind, MessageId, RecipientState};
use mailflow_ndr::{Audience, ReportInput, ReportKind, ReportRecipient};
use mailflow_store::{
    LastError, NewMessage, NewRecipient, NextHopHold, Result, StoredMessage, StoredRecipient,
};
use std::collections::HashMap;
use time::OffsetDateTime;
use tokio::io::AsyncReadExt;

/// Largest original returned whole with `RET=FULL`; larger ones get headers.
const MAX_FULL_RETURN: usize = 1024 * 1024;
/// Messages handled per pass, so one pass stays short.
const BATCH: usize = 500;

/// Sends the NDR for recipients of one message that failed for good. When
/// it cannot be queued now, the failure still owes it and a later pass
/// sends it (see `owed_reports`).
pub(crate) async fn bounce(engine: &Engine, message_id: MessageId, failed: Vec<FailedRecipient>) {
    if let Err(error) = try_bounce(engine, message_id, &failed).await {
        tracing::error!(%error, %message_id, "could not queue the non-delivery report; it is tried again later");
    }
}

async fn try_bounce(
    engine: &Engine,
    message_id: MessageId,
    failed: &[FailedRecipient],
) -> Result<()> {
    match engine.store.message(message_id).await? {
        Some(message) => report_failures(engine, &message, failed).await,
        None => Ok(()),
    }
}

/// Queues the NDR for `failed` (those of its recipients that asked for
/// one), then clears the report they owe. A crash in between sends it
/// twice rather than never.
pub(crate) async fn report_failures(
    engine: &Engine,
    message: &StoredMessage,
    failed: &[FailedRecipient],
) -> Result<()> {
    let recipients: Vec<ReportRecipient> = failed
        .iter()
        .filter_map(|f| {
            let recipient = message.recipients.iter().find(|r| r.index == f.index)?;
            recipient
                .dsn
                .effective_notify()
                .failure
                .then(|| report_recipient(recipient, &f.error))
        })
        .collect();
    send_report(engine, message, ReportKind::Failure, recipients, None).await?;
    let indexes: Vec<u32> = failed.iter().map(|f| f.index).collect();
    engine.store.reports_queued(message.id, &indexes).await
}

/// Fails the waiting recipients of expired messages with `4.4.7` and the
/// last error, and bounces them.
pub(crate) async fn expire_due(engine: &Engine, now: OffsetDateTime) -> Result<()> {
    for message in engine.store.expired_messages(now, BATCH).await? {
        let mut failures = Failures::default();
        for recipient in message.recipients.iter().filter(|r| waiting(r.state)) {
            let last = recipient
                .last_error
                .as_ref()
                .map(|e| Box::new(e.diagnosis.clone()));
            let error = LastError {
                diagnosis: Diagnosis::Expired { last },
                server: recipient.last_error.as_ref().and_then(|e| e.server.clone()),
                at: now,
            };
            failures.fail(failing(message.id, recipient), error);
        }
        if failures.is_empty() {
            continue; // only in-flight recipients: their worker decides
        }
        let Failures {
            updates,
            events,
            failed,
        } = failures;
        tracing::info!(message_id = %message.id, recipients = failed.len(), "message expired");
        engine.store.record(updates, events.clone()).await?;
        crate::delivery_log::log(&events);
        report_failures(engine, &message, &failed).await?;
    }
    Ok(())
}

/// A stored recipient, as `Failures` names it.
pub(crate) fn failing(message_id: MessageId, recipient: &StoredRecipient) -> FailingRecipient<'_> {
    FailingRecipient {
        message_id,
        index: recipient.index,
        address: &recipient.address,
        next_hop: &recipient.next_hop,
        connector: recipient.route.connector.as_deref(),
    }
}

/// Not in anyone's hands right now, and not done.
fn waiting(state: RecipientState) -> bool {
    matches!(
        state,
        RecipientState::Queued | RecipientState::Deferred | RecipientState::Suspended
    )
}

/// One delay notice per message still waiting after `delay_notice`: for
/// each recipient deferred after its own attempt (with its last error), or
/// queued untried behind its next hop's hold (with the hold's diagnosis).
pub(crate) async fn send_delay_notices(engine: &Engine, now: OffsetDateTime) -> Result<()> {
    let Some(after) = engine.live().settings.queue.delay_notice else {
        return Ok(());
    };
    let mut holds: HashMap<String, Option<NextHopHold>> = HashMap::new();
    for message in engine.store.delay_notices_due(now - after, BATCH).await? {
        let mut recipients: Vec<ReportRecipient> = Vec::new();
        for r in &message.recipients {
            if !r.dsn.effective_notify().delay {
                continue;
            }
            match (r.state, &r.last_error) {
                (RecipientState::Deferred, Some(error)) => {
                    recipients.push(report_recipient(r, error));
                }
                (RecipientState::Queued, _) => {
                    if !holds.contains_key(&r.next_hop) {
                        let hold = engine.store.next_hop_hold(&r.next_hop).await?;
                        holds.insert(r.next_hop.clone(), hold);
                    }
                    if let Some(hold) = &holds[&r.next_hop] {
                        recipients.push(held_recipient(r, hold));
                    }
                }
                _ => {}
            }
        }
        send_report(
            engine,
            &message,
            ReportKind::Delay,
            recipients,
            Some(message.expires_at),
        )
        .await?;
        engine.store.mark_delay_notice_sent(message.id).await?;
    }
    Ok(())
}

fn report_recipient(
    recipient: &mailflow_store::StoredRecipient,
    error: &LastError,
) -> ReportRecipient {
    ReportRecipient {
        address: recipient.address.clone(),
        orcpt: recipient.dsn.orcpt.clone(),
        diagnosis: error.diagnosis.clone(),
        remote_mta: error.server.clone(),
        last_attempt: Some(error.at),
        attempts: recipient.attempts,
        connector: recipient.route.connector.clone(),
        history: Vec::new(),
    }
}

/// A recipient not tried itself: its next hop refused, and holds it.
fn held_recipient(
    recipient: &mailflow_store::StoredRecipient,
    hold: &NextHopHold,
) -> ReportRecipient {
    ReportRecipient {
        address: recipient.address.clone(),
        orcpt: recipient.dsn.orcpt.clone(),
        diagnosis: hold.diagnosis.clone(),
        remote_mta: None,
        last_attempt: None,
        attempts: recipient.attempts,
        connector: recipient.route.connector.clone(),
        history: Vec::new(),
    }
}

/// As much of the original as a report can use, never the whole of a large
/// one: all of it when it can be returned whole (up to `MAX_FULL_RETURN`),
/// else a byte more (so that the builder sees it is too large) and at least
/// the whole header section, which the receiver capped at `max_header_size`.
/// Empty when the body is gone.
async fn original_start(engine: &Engine, id: MessageId) -> Result<Vec<u8>> {
    let limit = (MAX_FULL_RETURN as u64).max(engine.live().settings.receive.max_header_size) + 1;
    let Some(body) = engine.store.stored_bodies(&[id]).await?.remove(&id) else {
        return Ok(Vec::new());
    };
    let mut start = Vec::new();
    body.open()
        .await?
        .take(limit)
        .read_to_end(&mut start)
        .await?;
    Ok(start)
}

/// Builds the report and queues it to the original sender, from `<>`.
async fn send_report(
    engine: &Engine,
    message: &StoredMessage,
    kind: ReportKind,
    recipients: Vec<ReportRecipient>,
    will_retry_until: Option<OffsetDateTime>,
) -> Result<()> {
    if message.sender.is_empty() || recipients.is_empty() {
        return Ok(()); // a message from <> never causes a report
    }
    let org = engine.org_named(&message.org);
    let route = match mailflow_receive::route::route_recipient(&org, &message.sender, true) {
        Ok(route) => route,
        Err(refusal) => {
            tracing::warn!(sender = %message.sender, ?refusal, "the report cannot be routed to the sender; dropped");
            return Ok(());
        }
    };
    // Only the organisation's own senders see its connectors and servers.
    let audience = match org.accepted_domain(&route.domain) {
        Some(_) => Audience::Organisation,
        None => Audience::Outside,
    };
    let original = original_start(engine, message.id).await?;
    let now = engine.clock.now();
    let report = mailflow_ndr::build_report(&ReportInput {
        reporting_mta: engine.hostname.clone(),
        kind,
        original_id: message.id,
        original_sender: message.sender.clone(),
        arrival: message.received_at,
        envid: message.dsn.envid.clone(),
        ret: message.dsn.ret,
        original,
        recipients,
        now,
        will_retry_until,
        max_full_return: MAX_FULL_RETURN,
        audience,
    });
    let next_hop = mailflow_receive::route::next_hop(&message.org, &org, &route);
    let event = match kind {
        ReportKind::Failure => EventKind::NdrSent { ndr_id: report.id },
        ReportKind::Delay => EventKind::DelayNoticeSent,
    };
    let report_message = NewMessage {
        message_id_header: None,
        id: report.id,
        org: message.org.clone(),
        sender: String::new(),
        client: "local".to_string(),
        received_at: now,
        expires_at: now + engine.live().settings.queue.expiration,
        dsn: Default::default(),
        body: report.bytes.into(),
        recipients: vec![NewRecipient {
            reason: Some(mailflow_receive::route::route_reason(&org, &route)),
            address: message.sender.clone(),
            dsn: Default::default(),
            route,
            next_hop,
        }],
    };
    queue_report(engine, report_message, message.id, event).await
}

/// Queues a report like any accepted message and notes it on the original.
async fn queue_report(
    engine: &Engine,
    report: NewMessage,
    original: MessageId,
    event: EventKind,
) -> Result<()> {
    let at = report.received_at;
    engine.store.accept_message(report).await?;
    let noted = Event {
        at,
        message_id: original,
        recipient: None,
        next_hop: None,
        connector: None,
        kind: event,
    };
    engine.store.record(Vec::new(), vec![noted]).await?;
    engine.wake.notify_one();
    Ok(())
}
