//! A connector's waiting mail as the fixes read it: how many recipients
//! wait in each state and how many of them the directory does not know,
//! from counts and indexes the store keeps, and the recipients themselves a
//! page at a time, so that the queue of a dead connector — a million
//! recipients in the deferred-backlog benchmark — is never loaded whole to
//! preview or bounce it, nor read whole to preview it.

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
/// does not know: what stop relaying bounces. Read per domain as its
/// distinct addresses, a page at a time; only the recipients of unknown
/// addresses are counted, so a backlog of known recipients costs a seek
/// per address, not a read per recipient. A domain the directory takes
/// whole (`*@domain`) has none.
pub async fn count_unknown(
    store: &dyn Store,
    settings: &OrgSettings,
    org: &str,
    connector: &str,
    domains: &[String],
) -> Result<u64, StoreError> {
    let mut domains: Vec<String> = domains.iter().map(|d| d.to_ascii_lowercase()).collect();
    domains.sort();
    domains.dedup();
    let mut unknown = 0;
    for domain in &domains {
        if settings.directory.contains(&format!("*@{domain}")) {
            continue;
        }
        let mut after: Option<String> = None;
        loop {
            let addresses = store
                .waiting_addresses(org, connector, domain, after.as_deref(), PAGE)
                .await?;
            let strangers: Vec<String> = addresses
                .iter()
                .filter(|address| !settings.directory.contains(address))
                .cloned()
                .collect();
            if !strangers.is_empty() {
                unknown += store.waiting_to(org, connector, domain, &strangers).await?;
            }
            if addresses.len() < PAGE {
                break;
            }
            after = addresses.last().cloned();
        }
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
