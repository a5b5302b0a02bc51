//! Reports still owed: a recipient that fails for good owes its sender an
//! NDR from the moment the failure is recorded (see the store's
//! `reports_owed`). The worker that recorded it queues the report straight
//! after; what a crash or a store error left owed is sent here, by the
//! scheduler's housekeeping, once it has been owed for `OWED_AFTER`.

use crate::engine::Engine;
use crate::notices;
use crate::outcome::FailedRecipient;
use mailflow_core::RecipientState;
use mailflow_store::Result;
use time::OffsetDateTime;

/// Longer than a worker takes from recording a failure to queueing its
/// report, so a pass never races the worker into a second report.
pub(crate) const OWED_AFTER: time::Duration = time::Duration::MINUTE;
/// Messages handled per pass, so one pass stays short.
const BATCH: usize = 500;

/// Sends the reports owed since `OWED_AFTER` before `now`. One that fails
/// again stays owed for the next pass and does not hold up the others.
pub(crate) async fn send_owed_reports(engine: &Engine, now: OffsetDateTime) -> Result<()> {
    for owed in engine.store.reports_owed(now - OWED_AFTER, BATCH).await? {
        let Some(message) = engine.store.message(owed.message_id).await? else {
            engine
                .store
                .reports_queued(owed.message_id, &owed.indexes)
                .await?;
            continue;
        };
        let failed: Vec<FailedRecipient> = message
            .recipients
            .iter()
            .filter(|r| owed.indexes.contains(&r.index) && r.state == RecipientState::Failed)
            .filter_map(|r| {
                Some(FailedRecipient {
                    index: r.index,
                    error: r.last_error.clone()?,
                })
            })
            .collect();
        tracing::info!(message_id = %message.id, recipients = failed.len(), "sending a non-delivery report left owed");
        if let Err(error) = notices::report_failures(engine, &message, &failed).await {
            tracing::error!(%error, message_id = %message.id, "could not queue an owed non-delivery report; it is tried again later");
            continue;
        }
        // Owed recipients no longer failed (none today) owe nothing either.
        engine
            .store
            .reports_queued(owed.message_id, &owed.indexes)
            .await?;
    }
    Ok(())
}

/// When the longest-owed report is due to be sent here.
pub(crate) async fn next_owed_report(engine: &Engine) -> Result<Option<OffsetDateTime>> {
    Ok(engine
        .store
        .oldest_report_owed()
        .await?
        .map(|failed_at| failed_at + OWED_AFTER))
}
