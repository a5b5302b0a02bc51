//! Claimed messages whose body cannot be read any more (its spool segment
//! was deleted or damaged behind the node's back): nothing can ever send
//! them, so waiting would only hide the loss. Their recipients fail at once
//! with a `local_error` that names what is missing, the sender gets a
//! report built from the envelope alone, and an alert tells the
//! administrator (see `lost_alert`).

use crate::engine::Engine;
use crate::failures::{FailingRecipient, Failures};
use crate::notices;
use mailflow_core::{Diagnosis, EnhancedCode, MessageId};
use mailflow_store::{ClaimedMessage, LastError, Result, StoredBody};
use std::collections::HashMap;

/// The code of a lost body: a permanent failure of the mail system itself
/// (RFC 3463 `X.3.0`, other or undefined mail system status).
pub const LOST_BODY_CODE: EnhancedCode = EnhancedCode(5, 3, 0);

/// The failure a recipient of a message without its body gets.
pub fn lost_body(message_id: MessageId) -> Diagnosis {
    Diagnosis::Local {
        reply_code: 554,
        code: LOST_BODY_CODE,
        detail: format!(
            "the body of message {message_id} is missing from the store (its spool file was \
             removed or cut short), so it cannot be sent; the sender is told"
        ),
    }
}

/// Takes the messages `bodies` has no body for out of `claimed` and fails
/// their recipients for good, with a report to each sender and an alert.
/// What is left in `claimed` has its body.
pub(crate) async fn fail_lost(
    engine: &Engine,
    next_hop: &str,
    claimed: &mut Vec<ClaimedMessage>,
    bodies: &HashMap<MessageId, StoredBody>,
) -> Result<()> {
    let (kept, lost): (Vec<_>, Vec<_>) = std::mem::take(claimed)
        .into_iter()
        .partition(|message| bodies.contains_key(&message.id));
    *claimed = kept;
    if lost.is_empty() {
        return Ok(());
    }
    let now = engine.clock.now();
    let mut failures = Failures::default();
    let mut reports = Vec::new();
    for message in &lost {
        let error = LastError {
            diagnosis: lost_body(message.id),
            server: None,
            at: now,
        };
        tracing::error!(message_id = %message.id, "{}", error.diagnosis.detail());
        let before = failures.failed.len();
        for recipient in &message.recipients {
            let failing = FailingRecipient {
                message_id: message.id,
                index: recipient.index,
                address: &recipient.address,
                next_hop,
                connector: recipient.route.connector.as_deref(),
            };
            failures.fail(failing, error.clone());
        }
        reports.push((message.id, failures.failed[before..].to_vec()));
    }
    engine
        .store
        .record(failures.updates, failures.events)
        .await?;
    for message in &lost {
        crate::lost_alert::raise(engine, message, now).await;
    }
    for (message_id, failed) in reports {
        notices::bounce(engine, message_id, failed).await;
    }
    Ok(())
}
