//! `NodeHandle`: what the admin API and fix actions may do to a running
//! node — read and change the organisation's settings (saved to the store
//! first, so that changes survive restarts and reach every node), wake the
//! scheduler after a queue change, validate a connector, fail queued
//! recipients with a report to their senders, and see whether the node
//! drains.

use crate::cluster_lock::{ClusterLock, Guarded};
use crate::engine::{Engine, Live};
use crate::failures::Failures;
use crate::notices;
use crate::orgs_in_store;
use crate::{NodeError, NodeSettings};
use mailflow_core::{
    Clock, Diagnosis, EventKind, MessageId, OrgSettings, Orgs, RecipientState, Route,
};
use mailflow_deliver::{Deliverer, ValidationReport};
use mailflow_receive::Receiver;
use mailflow_store::{LastError, NodeState, Result, SharedStore, StoredRecipient};
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub struct NodeHandle {
    pub(crate) engine: Arc<Engine>,
    pub(crate) org: Arc<watch::Sender<Arc<Orgs>>>,
    /// Held by whoever reads, changes and saves the settings (the admin
    /// API, fix actions), so that two changes at once cannot each
    /// overwrite the other's.
    pub(crate) org_edits: Arc<tokio::sync::Mutex<()>>,
    /// Held by whoever applies or undoes a fix.
    pub(crate) fixes: Arc<tokio::sync::Mutex<()>>,
    pub(crate) receiver: Arc<Receiver>,
}

impl NodeHandle {
    pub fn org_name(&self) -> &str {
        &self.engine.org_name
    }

    /// The name this node goes by in leases, events and heartbeats.
    pub fn node_name(&self) -> &str {
        &self.engine.node_name
    }

    /// Whether the node runs, drains or is drained.
    pub fn node_state(&self) -> NodeState {
        self.engine.availability.state()
    }

    /// Changes as the node drains and resumes.
    pub fn watch_node_state(&self) -> watch::Receiver<NodeState> {
        self.engine.availability.watch()
    }

    /// Looks for a drain request in the store now, rather than at the next
    /// heartbeat: after one was made or withdrawn through this node.
    pub fn look_for_drain_request(&self) {
        self.engine.look_for_drain.notify_one();
    }

    /// The organisation's settings in force now.
    pub fn org(&self) -> Arc<OrgSettings> {
        self.engine.org()
    }

    /// Waits until no one else — on this node or another of its cluster —
    /// is changing the settings, and puts the latest saved settings in
    /// force; hold the guard from reading the settings in force to
    /// `update_org`. Fails with `StoreError::Busy` when another node holds
    /// the settings for longer than a change takes.
    pub async fn lock_org_edits(&self) -> Result<ClusterLock<'_>> {
        let local = self.org_edits.lock().await;
        let guard = ClusterLock::acquire(local, &self.engine, Guarded::Settings).await?;
        self.put_stored_orgs_in_force().await?;
        Ok(guard)
    }

    /// Loads every organisation from the store and puts them in force:
    /// after one was made, removed or renamed there, under
    /// `lock_org_edits` (hold its guard across the change and this).
    pub async fn reload_orgs(&self) -> Result<()> {
        if self.put_stored_orgs_in_force().await? {
            self.engine.wake.notify_one();
        }
        Ok(())
    }

    /// Puts the organisations the store has in force; whether they differ
    /// from those in force before.
    async fn put_stored_orgs_in_force(&self) -> Result<bool> {
        let saved = orgs_in_store::load(&self.engine.store, &self.engine.org_name).await?;
        let changed = saved != *self.engine.orgs();
        if changed {
            self.org.send_replace(Arc::new(saved));
        }
        Ok(changed)
    }

    /// Waits until no fix is being applied or undone here or on another
    /// node of the cluster; hold the guard for the whole fix.
    pub async fn lock_fixes(&self) -> Result<ClusterLock<'_>> {
        let local = self.fixes.lock().await;
        ClusterLock::acquire(local, &self.engine, Guarded::Fixes).await
    }

    /// Every organisation's settings in force now.
    pub fn orgs(&self) -> Arc<Orgs> {
        self.engine.orgs()
    }

    /// `name`'s settings in force now; `None` for an organisation the node
    /// does not serve.
    pub fn org_of(&self, name: &str) -> Option<Arc<OrgSettings>> {
        self.engine.orgs().get(name).cloned()
    }

    /// Saves new settings of the node's own organisation to the store,
    /// then puts them in force.
    pub async fn update_org(&self, settings: OrgSettings) -> Result<()> {
        self.update_org_of(&self.engine.org_name, settings).await
    }

    /// Saves new settings of the organisation `name` to the store, then
    /// puts them in force.
    pub async fn update_org_of(&self, name: &str, settings: OrgSettings) -> Result<()> {
        self.engine.store.save_org_settings(name, &settings).await?;
        let orgs = self.engine.orgs().with(name, settings);
        self.org.send_replace(Arc::new(orgs));
        self.engine.wake.notify_one();
        Ok(())
    }

    /// Puts new settings in force (a config reload): sessions that start
    /// from now on and the next delivery round use them; sessions and
    /// rounds under way finish with the ones they started with. The
    /// deliverer is built anew (name servers, time-outs, trusted CAs read
    /// again) but keeps its memory budget. What cannot change while the
    /// node runs — its name, organisation, host name, listeners, session
    /// limits, delivery memory, connections, lease and heartbeat — is kept as it was
    /// started, whatever `settings` says; the caller names those changes
    /// as needing a restart.
    pub fn reload(&self, settings: NodeSettings) -> std::result::Result<(), NodeError> {
        let running = self.engine.live();
        let mut settings = settings;
        keep_fixed(&mut settings, &running.settings);
        let deliverer = running
            .deliverer
            .with_settings(settings.deliver.clone())
            .map_err(|e| NodeError::Delivery(e.to_string()))?;
        self.receiver.update_settings(settings.receive.clone());
        self.engine
            .live
            .send_replace(Arc::new(Live::new(settings, Arc::new(deliverer))));
        self.engine.wake.notify_one();
        Ok(())
    }

    /// Tells the scheduler to look at the queue now.
    pub fn wake(&self) {
        self.engine.wake.notify_one();
    }

    pub fn store(&self) -> &SharedStore {
        &self.engine.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.engine.clock
    }

    /// The deliverer in force now (a config reload replaces it).
    pub fn deliverer(&self) -> Arc<Deliverer> {
        self.engine.live().deliverer.clone()
    }

    /// How long queued mail is tried, as the settings in force say.
    pub fn queue_expiration(&self) -> std::time::Duration {
        self.engine.live().settings.queue.expiration
    }

    pub fn hostname(&self) -> &str {
        &self.engine.hostname
    }

    /// Fails waiting recipients of a message for good with `diagnosis` and
    /// sends their sender one report (none for mail from `<>`). Recipients
    /// that are in flight or already done are left alone. Returns how many
    /// recipients were failed.
    pub async fn fail_recipients(
        &self,
        message_id: MessageId,
        indexes: &[u32],
        diagnosis: Diagnosis,
        actor: &str,
    ) -> Result<usize> {
        let chosen = |r: &StoredRecipient| indexes.contains(&r.index);
        self.fail_where(message_id, chosen, diagnosis, actor).await
    }

    /// As `fail_recipients`, for every waiting recipient of the message
    /// that goes through `connector`.
    pub async fn fail_connector_recipients(
        &self,
        message_id: MessageId,
        connector: &str,
        diagnosis: Diagnosis,
        actor: &str,
    ) -> Result<usize> {
        let chosen = |r: &StoredRecipient| r.route.connector.as_deref() == Some(connector);
        self.fail_where(message_id, chosen, diagnosis, actor).await
    }

    async fn fail_where(
        &self,
        message_id: MessageId,
        chosen: impl Fn(&StoredRecipient) -> bool,
        diagnosis: Diagnosis,
        actor: &str,
    ) -> Result<usize> {
        let Some(message) = self.engine.store.message(message_id).await? else {
            return Ok(0);
        };
        let now = self.engine.clock.now();
        let mut failures = Failures::default();
        let waiting = message.recipients.iter().filter(|r| {
            chosen(r)
                && matches!(
                    r.state,
                    RecipientState::Queued | RecipientState::Deferred | RecipientState::Suspended
                )
        });
        for recipient in waiting {
            let error = LastError {
                diagnosis: diagnosis.clone(),
                server: None,
                at: now,
            };
            let kind = EventKind::Operator {
                action: mailflow_core::action_names::failed_with(&diagnosis.code().to_string()),
                actor: actor.to_string(),
            };
            failures.add(crate::notices::failing(message_id, recipient), error, kind);
        }
        let Failures {
            updates,
            events,
            failed,
        } = failures;
        let count = failed.len();
        if count > 0 {
            self.engine.store.record(updates, events).await?;
            if matches!(diagnosis, Diagnosis::RecipientNotFound { .. }) {
                self.count_invalid_recipients(message_id, count, now)
                    .await?;
            }
            notices::bounce(&self.engine, message_id, failed).await;
        }
        Ok(count)
    }

    /// Recipients bounced as unknown count towards the invalid-recipient
    /// quota of the client that sent the message, like refusals at RCPT.
    async fn count_invalid_recipients(
        &self,
        message_id: MessageId,
        count: usize,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        let events = self.engine.store.events(message_id).await?;
        let client = events.iter().find_map(|event| match &event.kind {
            EventKind::Received { client, .. } => Some(client.clone()),
            _ => None,
        });
        let Some(client) = client else { return Ok(()) };
        for _ in 0..count {
            self.engine
                .store
                .record_invalid_recipient(&self.engine.org_name, &client, now)
                .await?;
        }
        Ok(())
    }

    /// A live check of the organisation `org`'s connector's next hop — DNS, TCP, greeting, EHLO,
    /// STARTTLS and certificate at every address — with the same diagnosis a
    /// delivery attempt would give. A connector that routes by MX is checked
    /// for `domain`, or for its first recipient domain without a wildcard.
    pub async fn validate_connector(
        &self,
        org: &str,
        name: &str,
        domain: Option<&str>,
    ) -> std::result::Result<ValidationReport, ValidateError> {
        let org = self.engine.org_named(org);
        let connector = org
            .connector(name)
            .ok_or_else(|| ValidateError::UnknownConnector(name.to_string()))?;
        let domain = match domain {
            Some(domain) => domain.to_ascii_lowercase(),
            None => connector
                .recipient_domains
                .iter()
                .find(|d| !d.contains('*'))
                .cloned()
                .ok_or_else(|| ValidateError::DomainNeeded(name.to_string()))?,
        };
        // Validation checks the connector as configured, even when disabled.
        let mut enabled = (*org).clone();
        if let Some(c) = enabled.connectors.iter_mut().find(|c| c.name == name) {
            c.enabled = true;
        }
        let route = Route {
            connector: Some(name.to_string()),
            domain,
        };
        let plan = crate::plan::plan_for(&enabled, &route).map_err(|diagnosis| {
            ValidateError::Unusable {
                connector: name.to_string(),
                diagnosis: *diagnosis,
            }
        })?;
        Ok(self.deliverer().validate(&plan).await)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("there is no connector named {0:?}")]
    UnknownConnector(String),
    #[error("the connector {0:?} routes by MX for wildcard domains only; name the domain to check")]
    DomainNeeded(String),
    #[error("the connector {connector:?} cannot be used: {}", .diagnosis.detail())]
    Unusable {
        connector: String,
        diagnosis: Diagnosis,
    },
}

/// The settings a running node cannot take on: they stay as `running` has them.
fn keep_fixed(settings: &mut NodeSettings, running: &NodeSettings) {
    settings.node_name = running.node_name.clone();
    settings.org = running.org.clone();
    settings.receive.org = running.receive.org.clone();
    settings.receive.hostname = running.receive.hostname.clone();
    settings.receive.listen = running.receive.listen.clone();
    settings.receive.sessions = running.receive.sessions;
    settings.receive.auth.lockout_window = running.receive.auth.lockout_window;
    settings.deliver.hostname = running.deliver.hostname.clone();
    settings.deliver.max_delivery_memory = running.deliver.max_delivery_memory;
    settings.queue.max_connections_per_hop = running.queue.max_connections_per_hop;
    settings.queue.max_messages_per_connection = running.queue.max_messages_per_connection;
    settings.queue.lease = running.queue.lease;
    settings.heartbeat = running.heartbeat.clone();
}
