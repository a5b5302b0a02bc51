//! The e-mail channel: a text message to the organisation's administrators,
//! written in `NOTICE_LANGUAGE` from the ndr catalogue, queued in the store like any other message, from `<>`
//! (so it can never cause a bounce) with `From: mailflow@<hostname>`.
//!
//! Each administrator's address is routed as the receiver would route it.
//! An address whose route is the very connector the alert is about is left
//! out — an alert about a broken connector must not wait in that broken
//! connector's queue — and when no address is left, nothing is sent and the
//! reason is recorded on the notification.

use crate::AlertContext;
use crate::notice::{AlertNotice, NOTICE_LANGUAGE, NoticeStatus};
use crate::outbox::{NotifyError, Unroutable, UnroutableReason};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::raw::Raw;
use mailflow_core::{MessageId, OrgSettings};
use mailflow_ndr::AlertLabel;
use mailflow_receive::route::{next_hop, route_reason, route_recipient};
use mailflow_store::{AlertSettings, NewMessage, NewRecipient};

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
    let (recipients, unroutable) = route_admins((&ctx.org, &org), &settings.admin_emails, notice);
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
            message_id_header: None,
            id,
            org: ctx.org.clone(),
            sender: String::new(),
            client: "local".to_string(),
            received_at: now,
            expires_at: now + (ctx.expiration)(),
            dsn: Default::default(),
            body: body.into(),
            recipients,
        })
        .await?;
    (ctx.wake)();
    Ok(())
}

/// The administrators that can be written to without the failing connector.
fn route_admins(
    (org_name, org): (&str, &OrgSettings),
    addresses: &[String],
    notice: &AlertNotice,
) -> (Vec<NewRecipient>, Vec<Unroutable>) {
    let mut recipients = Vec::new();
    let mut unroutable = Vec::new();
    for address in addresses {
        let reason = match route_recipient(org, address, true) {
            Ok(route) if route.connector == notice.connector && about_a_queue(notice) => {
                UnroutableReason::ThroughFailingConnector(notice.connector_name())
            }
            Ok(route) => {
                recipients.push(NewRecipient {
                    reason: Some(route_reason(org, &route)),
                    address: address.clone(),
                    dsn: Default::default(),
                    next_hop: next_hop(org_name, org, &route),
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
/// the invalid-recipient quota's and the lost bodies' alerts are not.
fn about_a_queue(notice: &AlertNotice) -> bool {
    notice.rule.is_about_a_queue()
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
    NOTICE_LANGUAGE.admin_catalogue().alert_subject(
        notice.alert_id,
        &notice.situation(),
        &notice.code,
    )
}

/// The summary, the facts under their labels, the likely causes and what
/// to do, and a closing line, all in `NOTICE_LANGUAGE`.
fn text(notice: &AlertNotice) -> String {
    let words = NOTICE_LANGUAGE.admin_catalogue();
    let time = |at| NOTICE_LANGUAGE.catalogue().time(at);
    let explanation = &notice.explanation;
    let mut lines = vec![explanation.summary.clone(), String::new()];
    let mut facts = vec![
        (AlertLabel::Connector, notice.connector_name()),
        (
            AlertLabel::Code,
            format!("{}{}", notice.code, category(notice)),
        ),
    ];
    facts.extend(notice.detail.clone().map(|d| (AlertLabel::LastError, d)));
    facts.extend(notice.server.clone().map(|s| (AlertLabel::ServerTried, s)));
    facts.push((AlertLabel::RecipientsQueued, notice.queued.to_string()));
    facts.push((
        AlertLabel::WaitingTooLong,
        notice.queued_over_age.to_string(),
    ));
    facts.extend(
        notice
            .oldest_received_at
            .map(|at| (AlertLabel::OldestReceived, time(at))),
    );
    facts.push((AlertLabel::AlertOpened, time(notice.opened_at)));
    lines.extend(aligned(&facts));
    for (label, items) in [
        (AlertLabel::LikelyCauses, &explanation.causes),
        (AlertLabel::WhatToDo, &explanation.actions),
    ] {
        if !items.is_empty() {
            lines.push(String::new());
            lines.push(format!("{}:", words.alert_label(label)));
            lines.extend(items.iter().map(|item| format!("- {item}")));
        }
    }
    lines.push(String::new());
    let open = notice.status != NoticeStatus::Resolved;
    lines.push(words.alert_closing(notice.alert_id, open));
    lines.join("\r\n") + "\r\n"
}

/// `Label:   value` lines, the values lined up.
fn aligned(facts: &[(AlertLabel, String)]) -> Vec<String> {
    let words = NOTICE_LANGUAGE.admin_catalogue();
    let width = facts
        .iter()
        .map(|(label, _)| words.alert_label(*label).chars().count())
        .max()
        .unwrap_or(0);
    facts
        .iter()
        .map(|(label, value)| {
            let label = format!("{}:", words.alert_label(*label));
            format!("{label:<pad$} {value}", pad = width + 1)
        })
        .collect()
}

fn category(notice: &AlertNotice) -> String {
    notice
        .category
        .as_ref()
        .map_or_else(String::new, |c| format!(" ({c})"))
}
