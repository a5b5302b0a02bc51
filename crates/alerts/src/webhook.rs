//! The webhook channel: the notice's JSON POSTed to `webhook_url`, signed
//! with `webhook_secret` when one is set. Any 2xx answer delivers it.

use crate::AlertContext;
use crate::outbox::NotifyError;
use crate::signature::{SIGNATURE_HEADER, sign};
use mailflow_store::AlertSettings;

pub async fn post(
    ctx: &AlertContext,
    settings: &AlertSettings,
    payload: &str,
) -> Result<(), NotifyError> {
    let url = settings
        .webhook_url
        .as_deref()
        .ok_or(NotifyError::NoWebhook)?;
    let mut request = ctx
        .http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::USER_AGENT, "mailflow")
        .body(payload.to_owned());
    if let Some(secret) = &settings.webhook_secret {
        request = request.header(SIGNATURE_HEADER, sign(secret, payload.as_bytes()));
    }
    let response = request.send().await.map_err(NotifyError::Unreachable)?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(NotifyError::Status(status.as_u16()))
    }
}
