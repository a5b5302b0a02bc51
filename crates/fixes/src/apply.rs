//! Applying a fix to a running node and undoing it. Settings go through
//! `NodeHandle::update_org` (saved to the store, then in force at once);
//! queue actions through the store, after which the scheduler is woken.
//! Every application and every undo is one audit entry.

use crate::change::{relay_domains, restore, settings_change};
use crate::preview::is_unknown;
use crate::record::FixState;
use crate::waiting::Pages;
use crate::{FixError, FixKind};
use mailflow_core::action_names;
use mailflow_core::{Diagnosis, EnhancedCode, MessageId, OrgSettings};
use mailflow_relay::NodeHandle;
use mailflow_store::AuditEntry;

/// Applies the fix named `id` and records it; returns the audit entry.
pub async fn apply(node: &NodeHandle, id: &str, actor: &str) -> Result<AuditEntry, FixError> {
    let kind: FixKind = id.parse()?;
    // One fix at a time in the whole cluster.
    let _one = node.lock_fixes().await?;
    let (before, after) = if kind.changes_settings() {
        apply_settings(node, &kind, actor).await?
    } else {
        apply_to_queue(node, &kind, actor).await?
    };
    audit(node, actor, kind.verb().to_string(), &kind, before, after).await
}

async fn apply_settings(
    node: &NodeHandle,
    kind: &FixKind,
    actor: &str,
) -> Result<(FixState, FixState), FixError> {
    let edit = node.lock_org_edits().await?;
    let org = node.org();
    let change = settings_change(&org, kind)?;
    node.update_org(change.settings).await?;
    drop(edit);
    let mut after = FixState {
        settings: change.after,
        ..Default::default()
    };
    if let FixKind::StopRelayingToOnPremises { connector, .. } = kind {
        let bounced = bounce_unknown(node, &org, connector, actor).await?;
        after.recipients_bounced = Some(bounced);
    }
    let before = FixState {
        settings: change.before,
        ..Default::default()
    };
    Ok((before, after))
}

/// Each waiting recipient of the connector's relay domains (as `org` had
/// them before the fix) that the directory does not know is failed with its
/// own `5.1.10` diagnosis. The queue is read page by page.
async fn bounce_unknown(
    node: &NodeHandle,
    org: &OrgSettings,
    connector: &str,
    actor: &str,
) -> Result<u64, FixError> {
    let domains = relay_domains(org, connector);
    let store = node.store().as_ref();
    let mut pages = Pages::new(node.org_name(), connector);
    let mut bounced = 0;
    while let Some(page) = pages.next(store).await? {
        for recipient in page.iter().filter(|r| is_unknown(org, &domains, r)) {
            let diagnosis = Diagnosis::RecipientNotFound {
                address: recipient.address.clone(),
            };
            bounced += node
                .fail_recipients(recipient.message_id, &[recipient.index], diagnosis, actor)
                .await? as u64;
        }
    }
    Ok(bounced)
}

async fn apply_to_queue(
    node: &NodeHandle,
    kind: &FixKind,
    actor: &str,
) -> Result<(FixState, FixState), FixError> {
    let connector = kind.connector();
    if node.org().connector(connector).is_none() {
        return Err(FixError::NoSuchConnector {
            id: kind.id(),
            connector: connector.to_string(),
        });
    }
    let after = match kind {
        FixKind::BounceAll { .. } => FixState {
            recipients_bounced: Some(bounce_all(node, connector, actor).await?),
            ..Default::default()
        },
        FixKind::BounceMessage { message, .. } => FixState {
            recipients_bounced: Some(bounce_message(node, connector, *message, actor).await?),
            ..Default::default()
        },
        _ => FixState {
            recipients_affected: Some(move_queue(node, kind, connector, actor).await?),
            ..Default::default()
        },
    };
    node.wake();
    Ok((FixState::default(), after))
}

/// Retries, suspends or resumes the connector's queue; the store writes one
/// operator event per recipient moved, for the message trace, in the same
/// transaction (a queue may hold a million recipients: none is loaded).
async fn move_queue(
    node: &NodeHandle,
    kind: &FixKind,
    connector: &str,
    actor: &str,
) -> Result<u64, FixError> {
    let (store, org, now) = (node.store(), node.org_name(), node.clock().now());
    let count = match kind {
        FixKind::RetryNow { .. } => {
            store
                .retry_connector_now(org, connector, now, actor)
                .await?
        }
        FixKind::Suspend { .. } => {
            store
                .suspend_connector_queue(org, connector, now, actor)
                .await?
        }
        FixKind::Resume { .. } => {
            store
                .resume_connector_queue(org, connector, now, actor)
                .await?
        }
        _ => unreachable!("settings fixes and bounce-all are applied elsewhere"),
    };
    Ok(count)
}

/// Fails every waiting recipient of the connector with `550 5.3.0`, one
/// report per message: the first time a message comes up, all of its
/// waiting recipients on the connector are failed, so it does not come up
/// again. The queue is read page by page.
async fn bounce_all(node: &NodeHandle, connector: &str, actor: &str) -> Result<u64, FixError> {
    let diagnosis = Diagnosis::Local {
        reply_code: 550,
        code: EnhancedCode(5, 3, 0),
        detail: format!(
            "bounced by an administrator ({actor}) from the queue of connector {connector}"
        ),
    };
    let store = node.store().as_ref();
    let mut pages = Pages::new(node.org_name(), connector);
    let mut bounced = 0;
    let mut last = None;
    while let Some(page) = pages.next(store).await? {
        for recipient in page {
            if last == Some(recipient.message_id) {
                continue;
            }
            last = Some(recipient.message_id);
            bounced += node
                .fail_connector_recipients(
                    recipient.message_id,
                    connector,
                    diagnosis.clone(),
                    actor,
                )
                .await? as u64;
        }
    }
    Ok(bounced)
}

/// Fails the message's waiting recipients on the connector with their last
/// error (what the next hop did with the message), or `5.3.0` when they
/// have none, one report to its sender.
async fn bounce_message(
    node: &NodeHandle,
    connector: &str,
    message: MessageId,
    actor: &str,
) -> Result<u64, FixError> {
    let Some(stored) = node.store().message(message).await? else {
        return Ok(0);
    };
    let last_error = stored
        .recipients
        .iter()
        .filter(|r| r.route.connector.as_deref() == Some(connector))
        .find_map(|r| r.last_error.as_ref())
        .map(|error| error.diagnosis.clone());
    let diagnosis = last_error.unwrap_or_else(|| Diagnosis::Local {
        reply_code: 550,
        code: EnhancedCode(5, 3, 0),
        detail: format!(
            "bounced by an administrator ({actor}) from the queue of connector {connector}"
        ),
    });
    let bounced = node
        .fail_connector_recipients(message, connector, diagnosis, actor)
        .await?;
    Ok(bounced as u64)
}

async fn audit(
    node: &NodeHandle,
    actor: &str,
    action: String,
    kind: &FixKind,
    before: FixState,
    after: FixState,
) -> Result<AuditEntry, FixError> {
    let mut entry = AuditEntry {
        id: 0,
        at: node.clock().now(),
        org: Some(node.org_name().to_string()),
        actor: actor.to_string(),
        action,
        target: kind.target(),
        before: before.to_json(),
        after: after.to_json(),
        undone_at: None,
    };
    entry.id = node.store().append_audit(entry.clone()).await?;
    tracing::info!(audit_id = entry.id, fix = %kind, actor, "fix applied");
    Ok(entry)
}

/// Undoes the audit entry `audit_id`: settings fixes get their settings
/// back (bounced mail stays bounced), a suspend is resumed and a resume
/// suspended again. Returns the undo's own audit entry.
pub async fn undo(node: &NodeHandle, audit_id: u64, actor: &str) -> Result<AuditEntry, FixError> {
    let _one = node.lock_fixes().await?;
    let entry = node
        .store()
        .audit_entry(audit_id)
        .await?
        .ok_or(FixError::NoSuchAuditEntry { id: audit_id })?;
    if entry.undone_at.is_some() {
        return Err(FixError::AlreadyUndone { id: audit_id });
    }
    let kind = undoable_kind(&entry)?;
    let bad = |e: serde_json::Error| FixError::BadAuditEntry {
        id: audit_id,
        reason: e.to_string(),
    };
    let before = FixState::from_json(&entry.before).map_err(bad)?;
    let mut after = FixState {
        undoes: Some(audit_id),
        ..Default::default()
    };
    if kind.changes_settings() {
        let _edit = node.lock_org_edits().await?;
        node.update_org(restore(&node.org(), &before.settings))
            .await?;
        after.settings = before.settings;
    } else {
        let reverse = match &kind {
            FixKind::Suspend { connector } => FixKind::Resume {
                connector: connector.clone(),
            },
            _ => FixKind::Suspend {
                connector: kind.connector().to_string(),
            },
        };
        after.recipients_affected =
            Some(move_queue(node, &reverse, kind.connector(), actor).await?);
        node.wake();
    }
    if !node
        .store()
        .mark_undone(audit_id, node.clock().now())
        .await?
    {
        return Err(FixError::AlreadyUndone { id: audit_id });
    }
    let undone = FixState::from_json(&entry.after).map_err(bad)?;
    let action = action_names::undo_of(&entry.action);
    audit(node, actor, action, &kind, strip_counts(undone), after).await
}

/// The kind of a recorded action, when it can be undone.
fn undoable_kind(entry: &AuditEntry) -> Result<FixKind, FixError> {
    undoable_action(&entry.action, &entry.target).map_err(|reason| FixError::NotUndoable {
        id: entry.id,
        action: entry.action.clone(),
        reason,
    })
}

/// Whether an audit entry's action (`action` on `target`) is one `undo`
/// can take back — a change of settings or of a queue's hold — or why not.
/// An entry undone already is not told apart here (see `undone_at`).
pub fn undoable_action(action: &str, target: &str) -> Result<FixKind, &'static str> {
    if action_names::undone(action).is_some() {
        return Err("it is an undo; apply the fix again instead");
    }
    let kind = FixKind::from_parts(action, target).ok_or("it is not a fix action")?;
    match kind {
        FixKind::RetryNow { .. } => Err("a retry has nothing to undo"),
        FixKind::BounceAll { .. } | FixKind::BounceMessage { .. } => {
            Err("bounced mail cannot be taken back")
        }
        kind => Ok(kind),
    }
}

fn strip_counts(state: FixState) -> FixState {
    FixState {
        settings: state.settings,
        ..Default::default()
    }
}
