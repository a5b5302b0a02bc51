//! Running a queue operation (retry, suspend, resume, bounce, delete) over
//! what a selection picks: page by page through the store, never the whole
//! queue at once; each page's retry, suspend, resume or delete is one store
//! transaction with its events, and a bounce fails each message's waiting
//! recipients with one report to its sender. Recipients in flight are left
//! to their attempt and counted as such.

use mailflow_core::{Diagnosis, EnhancedCode, MessageId, RecipientState};
use mailflow_relay::NodeHandle;
use mailflow_store::{QueueAction, QueueSelection, Result, SelectedMessage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Messages read per page.
const PAGE: usize = 200;

/// What an operator does to queued mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueOperation {
    Retry,
    Suspend,
    Resume,
    Bounce,
    Delete,
}

impl QueueOperation {
    pub fn parse(text: &str) -> Option<QueueOperation> {
        Some(match text {
            "retry" => QueueOperation::Retry,
            "suspend" => QueueOperation::Suspend,
            "resume" => QueueOperation::Resume,
            "bounce" => QueueOperation::Bounce,
            "delete" => QueueOperation::Delete,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QueueOperation::Retry => "retry",
            QueueOperation::Suspend => "suspend",
            QueueOperation::Resume => "resume",
            QueueOperation::Bounce => "bounce",
            QueueOperation::Delete => "delete",
        }
    }

    /// The store's action; `None` for a bounce, which the relay does.
    fn store_action(self) -> Option<QueueAction> {
        match self {
            QueueOperation::Retry => Some(QueueAction::Retry),
            QueueOperation::Suspend => Some(QueueAction::Suspend),
            QueueOperation::Resume => Some(QueueAction::Resume),
            QueueOperation::Delete => Some(QueueAction::Delete),
            QueueOperation::Bounce => None,
        }
    }

    /// Whether the operation changes a recipient in `state`.
    pub fn applies_to(self, state: RecipientState) -> bool {
        match self.store_action() {
            Some(action) => action.applies_to(state),
            // A bounce fails what waits, as `fail_recipients` does.
            None => QueueAction::Delete.applies_to(state),
        }
    }
}

/// What an operation did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Messages with a recipient acted on.
    pub messages: u64,
    pub recipients: u64,
    /// Recipients picked but in flight: left to their attempt.
    pub in_flight: u64,
    /// Their addresses, when the operation is on one message.
    pub in_flight_recipients: Vec<String>,
    /// Where to go on from when the operation stopped at its limit.
    pub next_cursor: Option<MessageId>,
}

/// How one run goes: dry or not, from where, and how far.
pub struct Run<'a> {
    pub node: &'a NodeHandle,
    pub operation: QueueOperation,
    pub selection: &'a QueueSelection,
    pub dry_run: bool,
    pub after: Option<MessageId>,
    /// At most this many messages read; `None`: until the end.
    pub max_messages: Option<usize>,
    pub actor: &'a str,
}

impl Run<'_> {
    pub async fn go(&self) -> Result<Outcome> {
        let mut outcome = Outcome::default();
        let mut after = self.after;
        let mut read = 0;
        loop {
            let want = self.max_messages.map_or(PAGE, |max| PAGE.min(max - read));
            if want == 0 {
                outcome.next_cursor = after;
                break;
            }
            let page = self
                .node
                .store()
                .select_pending(self.selection, after, want)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            read += page.len();
            self.page(&page, &mut outcome).await?;
            if page.len() < want {
                break;
            }
        }
        if !self.dry_run {
            self.node.wake();
        }
        Ok(outcome)
    }

    async fn page(&self, page: &[SelectedMessage], outcome: &mut Outcome) -> Result<()> {
        let mut chosen = Vec::new();
        for message in page {
            let mut indexes = Vec::new();
            for recipient in &message.recipients {
                if self.operation.applies_to(recipient.state) {
                    indexes.push(recipient.index);
                } else if recipient.state == RecipientState::InFlight {
                    outcome.in_flight += 1;
                    if self.selection.message.is_some() {
                        outcome.in_flight_recipients.push(recipient.address.clone());
                    }
                }
            }
            if indexes.is_empty() {
                continue;
            }
            if self.dry_run {
                outcome.messages += 1;
                outcome.recipients += indexes.len() as u64;
            } else if self.operation == QueueOperation::Bounce {
                let failed = self
                    .node
                    .fail_recipients(message.id, &indexes, self.diagnosis(), self.actor)
                    .await? as u64;
                outcome.messages += u64::from(failed > 0);
                outcome.recipients += failed;
            } else {
                outcome.messages += 1;
                chosen.extend(indexes.into_iter().map(|index| (message.id, index)));
            }
        }
        if let (false, Some(action)) = (self.dry_run, self.operation.store_action())
            && !chosen.is_empty()
        {
            let now = self.node.clock().now();
            outcome.recipients += self
                .node
                .store()
                .act_on_recipients(action, &chosen, now, self.actor)
                .await?;
        }
        Ok(())
    }

    /// The failure a bounce gives, as the connector-wide bounce does.
    fn diagnosis(&self) -> Diagnosis {
        Diagnosis::Local {
            reply_code: 550,
            code: EnhancedCode(5, 3, 0),
            detail: format!(
                "bounced by an administrator ({}) from the queue",
                self.actor
            ),
        }
    }
}
