//! The invalid-recipient quota (SPEC 4) at `RCPT`. Every recipient refused
//! as unknown (`550 5.1.10`) is recorded in the store with the client's
//! address, in the organisation whose directory refused it (each has its
//! own quota), so the count is shared by every node. Once the organisation has
//! had more such refusals in the last hour than its `invalid_recipient_quota`,
//! a client that is one of their sources gets `450 4.7.1` for unknown
//! recipients instead: it learns nothing about which addresses exist and is
//! told to slow down, while mail to known recipients keeps flowing from
//! everyone.

use crate::receiver::Receiver;
use mailflow_core::EnhancedCode;
use mailflow_smtp::server::Reply;
use mailflow_store::StoreError;
use std::net::IpAddr;
use std::time::Duration;
use time::OffsetDateTime;

/// The rolling window the quota counts over.
pub const QUOTA_WINDOW: Duration = Duration::from_secs(3600);

/// The code of the refusal the quota counts.
pub(crate) const UNKNOWN_RECIPIENT: EnhancedCode = EnhancedCode(5, 1, 10);

/// After a recipient was refused as unknown: counts it, and answers
/// `450 4.7.1` instead of `refusal` when this client is past the quota.
pub(crate) async fn unknown_recipient(
    receiver: &Receiver,
    org: &str,
    client: IpAddr,
    refusal: Reply,
) -> Reply {
    let now = receiver.clock.now();
    match over_quota(receiver, org, &client.to_string(), now).await {
        Ok(true) => Reply::new(
            450,
            EnhancedCode(4, 7, 1),
            format!(
                "too many messages to unknown recipients from {client}; slow down and try again later"
            ),
        ),
        Ok(false) => refusal,
        Err(error) => {
            tracing::warn!(%error, %client, "the unknown recipient could not be counted for the quota");
            refusal
        }
    }
}

async fn over_quota(
    receiver: &Receiver,
    org: &str,
    client: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let settings = receiver.store.alert_settings(org).await?;
    let Some(quota) = settings.and_then(|s| s.invalid_recipient_quota) else {
        return Ok(false);
    };
    receiver
        .store
        .record_invalid_recipient(org, client, now)
        .await?;
    let sources = receiver
        .store
        .invalid_recipients_since(org, now - QUOTA_WINDOW)
        .await?;
    let total: u64 = sources.iter().map(|s| s.count).sum();
    Ok(total > quota && sources.iter().any(|s| s.client == client))
}
