//! What the evaluator and the outbox sender need from the node: the store,
//! the clock, the organisation, the host name alert e-mails come from, and
//! a way to wake the scheduler once an e-mail is queued.

use mailflow_core::Clock;
use mailflow_store::SharedStore;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AlertContext {
    pub store: SharedStore,
    pub clock: Arc<dyn Clock>,
    pub org: String,
    /// Alert e-mails come from `mailflow@<hostname>`.
    pub hostname: String,
    /// The node that evaluates and sends, for the cluster lease that makes
    /// one node of a cluster do it (the host name unless `with_node`).
    pub node: String,
    /// How long an alert e-mail is tried before it expires: asked at each
    /// e-mail, so that a reloaded `queue.expiration` applies.
    pub expiration: Arc<dyn Fn() -> Duration + Send + Sync>,
    /// Called after an alert e-mail is queued, so that it leaves at once.
    pub wake: Arc<dyn Fn() + Send + Sync>,
    pub http: reqwest::Client,
}

impl AlertContext {
    /// A context whose HTTP client gives up on a webhook after `timeout`.
    pub fn new(
        store: SharedStore,
        clock: Arc<dyn Clock>,
        org: impl Into<String>,
        hostname: impl Into<String>,
        expiration: Arc<dyn Fn() -> Duration + Send + Sync>,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let hostname = hostname.into();
        AlertContext {
            store,
            clock,
            org: org.into(),
            node: hostname.clone(),
            hostname,
            expiration,
            wake,
            http,
        }
    }

    /// The same context for the organisation `org`.
    pub fn for_org(&self, org: &str) -> AlertContext {
        AlertContext {
            org: org.to_string(),
            ..self.clone()
        }
    }

    /// Every organisation whose alerts are evaluated and sent: each with
    /// saved settings, and the context's own even before it has any.
    pub async fn organisations(&self) -> mailflow_store::Result<Vec<AlertContext>> {
        let mut names = self.store.org_names().await?;
        if !names.contains(&self.org) {
            names.push(self.org.clone());
        }
        Ok(names.iter().map(|name| self.for_org(name)).collect())
    }

    /// Names the node this runs on (its leases on a shared store).
    pub fn with_node(mut self, node: impl Into<String>) -> Self {
        self.node = node.into();
        self
    }
}
