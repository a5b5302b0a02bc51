//! The alert a lost body raises: one open alert per connector, counting
//! the messages failed for a missing body since it opened. The alert
//! evaluator notifies about it and resolves it once a day has passed
//! without another loss (see `mailflow_alerts`).

use crate::engine::Engine;
use crate::lost_bodies::{LOST_BODY_CODE, lost_body};
use mailflow_store::{
    AlertObservation, AlertRule, AlertStateFilter, AlertValues, ClaimedMessage, LastError, Result,
};
use time::OffsetDateTime;

/// Opens the connector's lost-body alert, or counts one more message in it.
/// A failure to record it is logged: the message itself is already failed
/// and its sender told.
pub(crate) async fn raise(engine: &Engine, message: &ClaimedMessage, at: OffsetDateTime) {
    if let Err(error) = try_raise(engine, message, at).await {
        tracing::error!(%error, message_id = %message.id, "could not raise the lost-body alert");
    }
}

async fn try_raise(engine: &Engine, message: &ClaimedMessage, at: OffsetDateTime) -> Result<()> {
    let org = &message.org;
    let connector = message
        .recipients
        .first()
        .and_then(|r| r.route.connector.clone());
    let code = LOST_BODY_CODE.to_string();
    let open = engine
        .store
        .list_alerts(org, AlertStateFilter::Open)
        .await?;
    let counted_before = open
        .iter()
        .find(|a| a.rule == AlertRule::LostBodies && a.connector == connector && a.code == code)
        .map_or(0, |a| a.values.lost_messages);
    engine
        .store
        .observe_alert(AlertObservation {
            org: org.clone(),
            connector,
            code,
            rule: AlertRule::LostBodies,
            values: AlertValues {
                lost_messages: counted_before + 1,
                last_error: Some(LastError {
                    diagnosis: lost_body(message.id),
                    server: None,
                    at,
                }),
                ..AlertValues::default()
            },
            at,
        })
        .await?;
    Ok(())
}
