//! A connector's waiting mail as the fixes read it: how many recipients
//! wait in each state, counted by the store from an index, and the
//! recipients themselves a page at a time, so that the queue of a dead
//! connector — a million recipients in the deferred-backlog benchmark — is
//! never loaded whole to preview or bounce it.

use crate::preview::is_unknown;
use mailflow_core::{OrgSettings, RecipientState};
use mailflow_store::{PendingRecipient, Store, StoreError, WaitingCursor};
use std::collections::BTreeMap;

/// Recipients read from the store at once.
const PAGE: usize = 1000;

/// What the previews count of one connector's waiting mail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaitingMail {
    /// Queued or deferred: what retry and suspend move.
    pub to_go: u64,
    /// Suspended: what resume moves.
    pub suspended: u64,
    /// In the connector's relay domains and not in the directory: what
    /// stop relaying bounces (counted only where that fix is offered).
    pub unknown: u64,
}

impl WaitingMail {
    /// Every waiting recipient: what bounce-all fails.
    pub fn total(&self) -> u64 {
        self.to_go + self.suspended
    }
}

/// The waiting mail of every connector of `org` that has some, by name.
pub async fn counts(
    store: &dyn Store,
    org: &str,
) -> Result<BTreeMap<String, WaitingMail>, StoreError> {
    let mut waiting: BTreeMap<String, WaitingMail> = BTreeMap::new();
    for count in store.waiting_counts(org).await? {
        let Some(connector) = count.connector else {
            continue;
        };
        let mail = waiting.entry(connector).or_default();
        match count.state {
            RecipientState::Suspended => mail.suspended += count.recipients,
            _ => mail.to_go += count.recipients,
        }
    }
    Ok(waiting)
}

/// The waiting recipients of `connector` in `domains` that the directory
/// does not know: what stop relaying bounces.
pub async fn count_unknown(
    store: &dyn Store,
    settings: &OrgSettings,
    org: &str,
    connector: &str,
    domains: &[String],
) -> Result<u64, StoreError> {
    let mut unknown = 0;
    let mut pages = Pages::new(org, connector);
    while let Some(page) = pages.next(store).await? {
        unknown += page
            .iter()
            .filter(|recipient| is_unknown(settings, domains, recipient))
            .count() as u64;
    }
    Ok(unknown)
}

/// The waiting recipients of one connector, a page at a time, each once:
/// a page starts after the last recipient of the one before, so recipients
/// failed meanwhile (they wait no more) do not shift what comes next.
pub struct Pages<'a> {
    org: &'a str,
    connector: &'a str,
    after: Option<WaitingCursor>,
    done: bool,
}

impl<'a> Pages<'a> {
    pub fn new(org: &'a str, connector: &'a str) -> Pages<'a> {
        Pages {
            org,
            connector,
            after: None,
            done: false,
        }
    }

    /// The next page; `None` once every waiting recipient was given.
    pub async fn next(
        &mut self,
        store: &dyn Store,
    ) -> Result<Option<Vec<PendingRecipient>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let page = store
            .waiting_recipients(self.org, self.connector, self.after, PAGE)
            .await?;
        self.done = page.len() < PAGE;
        self.after = page.last().map(PendingRecipient::cursor);
        Ok((!page.is_empty()).then_some(page))
    }
}
