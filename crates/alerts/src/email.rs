//! The e-mail channel: an English text message to the organisation's
//! administrators, queued in the store like any other message, from `<>`
//! (so it can never cause a bounce) with `From: mailflow@<hostname>`.
//!
//! Each administrator's address is routed as the receiver would route it.
//! An address whose route is the very connector the alert is about is left
//! out — an alert about a broken connector must not wait in that broken
//! connector's queue — and when no address is left, nothing is sent and the
//! reason is recorded on the notification.

use crate::AlertContext;
use crate::notice::{AlertNotice, NoticeStatus};
use crate::outbox::{NotifyError, Unroutable, UnroutableReason};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::raw::Raw;
use mailflow_core::{MessageId, OrgSettings};
use mailflow_receive::route::{next_hop, route_recipient};
use mailflow_store::{AlertRule, AlertSettings, NewMessage, NewRecipient};

pub async fn send(
    ctx: &AlertContext,
    settings: &AlertSettings,
    notice: &AlertNotice,
) -> Result<(), NotifyError> {
    if settings.admin_emails.is_empty() {
        return Err(NotifyError::NoAdmins);
    }
    let org = ctx
        .store
        .org_settings(&ctx.org)
        .await?
        .ok_or(NotifyError::NoOrgSettings)?;
    let (recipients, unroutable) = route_admins(&org, &settings.admin_emails, notice);
    if recipients.is_empty() {
        return Err(NotifyError::NoRoute(unroutable));
    }
    for left_out in &unroutable {
        tracing::warn!(alert = notice.alert_id, %left_out, "alert e-mail not sent to this address");
    }
    let now = ctx.clock.now();
    let id = MessageId::new();
    let to: Vec<&str> = recipients.iter().map(|r| r.address.as_str()).collect();
    let body = compose(ctx, notice, &to, id).map_err(NotifyError::Compose)?;
    ctx.store
        .accept_message(NewMessage {
            id,
            org: ctx.org.clone(),
            sender: String::new(),
            client: "local".to_string(),
            received_at: now,
            expires_at: now + ctx.expiration,
            dsn: Default::default(),
            body,
            recipients,
        })
        .await?;
    (ctx.wake)();
    Ok(())
}

/// The administrators that can be written to without the failing connector.
fn route_admins(
    org: &OrgSettings,
    addresses: &[String],
    notice: &AlertNotice,
) -> (Vec<NewRecipient>, Vec<Unroutable>) {
    let mut recipients = Vec::new();
    let mut unroutable = Vec::new();
    for address in addresses {
        let reason = match route_recipient(org, address, true) {
            Ok(route) if route.connector == notice.connector && about_a_queue(notice) => {
                UnroutableReason::ThroughFailingConnector(notice.connector_name().to_string())
            }
            Ok(route) => {
                recipients.push(NewRecipient {
                    address: address.clone(),
                    dsn: Default::default(),
                    next_hop: next_hop(org, &route),
                    route,
                });
                continue;
            }
            Err(refusal) => UnroutableReason::Refused(refusal),
        };
        unroutable.push(Unroutable {
            address: address.clone(),
            reason,
        });
    }
    (recipients, unroutable)
}

/// Queue alerts are about a connector (or MX routing) that may be broken;
/// the invalid-recipient quota's alert is not.
fn about_a_queue(notice: &AlertNotice) -> bool {
    notice.rule != AlertRule::InvalidRecipients
}

fn compose(
    ctx: &AlertContext,
    notice: &AlertNotice,
    to: &[&str],
    id: MessageId,
) -> std::io::Result<Vec<u8>> {
    let host = &ctx.hostname;
    let to: Vec<Address> = to
        .iter()
        .map(|a| Address::new_address(None::<&str>, a.to_string()))
        .collect();
    MessageBuilder::new()
        .from(Address::new_address(
            Some("mailflow"),
            format!("mailflow@{host}"),
        ))
        .to(Address::new_list(to))
        .subject(subject(notice))
        .date(notice.at.unix_timestamp())
        .message_id(format!("{id}@{host}"))
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .text_body(text(notice))
        .write_to_vec()
}

fn subject(notice: &AlertNotice) -> String {
    if !about_a_queue(notice) {
        let what = match notice.status {
            NoticeStatus::Resolved => "unknown recipients are back within the quota",
            _ => "too many messages to unknown recipients",
        };
        return format!(
            "[mailflow] alert {}: {what} ({})",
            notice.alert_id, notice.code
        );
    }
    let what = match notice.status {
        NoticeStatus::Opened => "mail is piling up on",
        NoticeStatus::Updated => "mail is still piling up on",
        NoticeStatus::Resolved => "the queue has drained on",
    };
    format!(
        "[mailflow] alert {}: {what} connector {} ({})",
        notice.alert_id,
        notice.connector_name(),
        notice.code
    )
}

fn text(notice: &AlertNotice) -> String {
    let mut lines = vec![headline(notice), String::new()];
    lines.push(format!("Connector:          {}", notice.connector_name()));
    lines.push(format!(
        "Code:               {}{}",
        notice.code,
        category(notice)
    ));
    if let Some(detail) = &notice.detail {
        lines.push(format!("Last error:         {detail}"));
    }
    if let Some(server) = &notice.server {
        lines.push(format!("Server tried:       {server}"));
    }
    lines.push(format!("Recipients queued:  {}", notice.queued));
    lines.push(format!("Waiting too long:   {}", notice.queued_over_age));
    if let Some(oldest) = notice.oldest_received_at {
        lines.push(format!("Oldest received:    {oldest}"));
    }
    lines.push(format!("Alert opened:       {}", notice.opened_at));
    lines.push(String::new());
    lines.push(advice(notice).to_string());
    lines.join("\r\n") + "\r\n"
}

fn headline(notice: &AlertNotice) -> String {
    if !about_a_queue(notice) {
        return format!(
            "Alert {} ({}): more recipients were refused as unknown in the last hour than the organisation's invalid_recipient_quota allows; their sources get temporary 450 4.7.1 replies.",
            notice.alert_id,
            notice.status.as_str()
        );
    }
    match notice.status {
        NoticeStatus::Opened => format!(
            "mailflow opened alert {}: mail for connector {} is waiting in the queue longer than the organisation's alert rules allow.",
            notice.alert_id,
            notice.connector_name()
        ),
        NoticeStatus::Updated => format!(
            "Alert {} is still open: mail for connector {} is still waiting in the queue.",
            notice.alert_id,
            notice.connector_name()
        ),
        NoticeStatus::Resolved => format!(
            "Alert {} is resolved: the backlog of connector {} has drained.",
            notice.alert_id,
            notice.connector_name()
        ),
    }
}

fn category(notice: &AlertNotice) -> String {
    notice
        .category
        .as_ref()
        .map_or_else(String::new, |c| format!(" ({c})"))
}

fn advice(notice: &AlertNotice) -> &'static str {
    match notice.status {
        NoticeStatus::Resolved => {
            "Nothing more to do. The alert stays in the list of resolved alerts."
        }
        _ => {
            "The insight of the connector (mailflow insights) explains the likely cause and the fix actions that apply. Queued mail is retried until it expires; acknowledge the alert with: mailflow alerts ack <id>."
        }
    }
}
