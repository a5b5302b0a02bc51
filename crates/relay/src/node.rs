//! A running mailflow node: the SMTP listeners, the scheduler and the
//! heartbeat, sharing one store, one clock and the organisation's settings.

use crate::availability::Availability;
use crate::engine::{Engine, Live};
use crate::heartbeat::{self, Beat};
use crate::{NodeHandle, NodeSettings, cluster_follower, lease_keeper, orgs_in_store, scheduler};
use mailflow_core::Clock;
use mailflow_deliver::Deliverer;
use mailflow_receive::Receiver;
use mailflow_store::{NodeState, SharedStore};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("cannot listen for SMTP on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read the organisation's settings from the store: {0}")]
    Store(#[from] mailflow_store::StoreError),
    #[error("cannot set up delivery: {0}")]
    Delivery(String),
    #[error(
        "another node named {name:?} is running on this store (its last heartbeat was at {last_seen}{admin}); \
         two nodes with one name would take each other's work: give this one another \
         `[node] name`, or stop the other first",
        admin = admin_addr.as_deref().map(|a| format!(", its admin API at {a}")).unwrap_or_default()
    )]
    NameInUse {
        name: String,
        last_seen: mailflow_core::TextTime,
        admin_addr: Option<String>,
    },
}

pub struct Node;

impl Node {
    /// Checks that no other node runs under its name, binds the SMTP
    /// listeners, loads the organisation's settings from the store (seeded
    /// by the caller), recovers work left in flight, writes its first
    /// heartbeat, and starts receiving and delivering (unless an operator
    /// asked it to drain).
    pub async fn start(
        settings: NodeSettings,
        store: SharedStore,
        clock: Arc<dyn Clock>,
    ) -> Result<RunningNode, NodeError> {
        let started_at = clock.now();
        if let Some(other) = store
            .running_elsewhere(&settings.node_name, started_at)
            .await?
        {
            return Err(NodeError::NameInUse {
                name: other.name,
                last_seen: mailflow_core::TextTime(other.last_seen),
                admin_addr: other.admin_addr,
            });
        }
        let orgs = orgs_in_store::load(&store, &settings.org).await?;
        let (org_tx, org_rx) = watch::channel(Arc::new(orgs));
        let mut listeners = Vec::new();
        for addr in &settings.receive.listen {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| NodeError::Listen {
                    addr: *addr,
                    source,
                })?;
            listeners.push(listener);
        }
        let smtp_addrs = listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect();
        let deliverer = Deliverer::new(settings.deliver.clone())
            .map_err(|e| NodeError::Delivery(e.to_string()))?;
        let deliverer = Arc::new(deliverer);
        let wake = Arc::new(Notify::new());
        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();

        let receiver = Arc::new(Receiver::new(
            settings.receive.clone(),
            store.clone(),
            org_rx.clone(),
            clock.clone(),
            wake.clone(),
        ));
        let beat = Arc::new(Beat {
            settings: settings.heartbeat.clone(),
            started_at,
        });
        let engine = Arc::new(Engine {
            availability: Availability::new(receiver.clone()),
            look_for_drain: Notify::new(),
            node_name: settings.node_name.clone(),
            org_name: settings.org.clone(),
            hostname: settings.receive.hostname.clone(),
            live: watch::Sender::new(Arc::new(Live::new(settings, deliverer))),
            store,
            clock,
            orgs: org_rx,
            wake,
        });
        // A drain asked before the start (it stays until resumed) is in
        // force before the first client or claim.
        let state = engine.availability.watch();
        heartbeat::follow_drain_request(&engine).await;
        beat.write(&engine, engine.availability.state()).await;
        for listener in listeners {
            tasks.spawn(receiver.clone().serve(listener, shutdown.clone()));
        }
        tasks.spawn(scheduler::run(engine.clone(), shutdown.clone()));
        tasks.spawn(lease_keeper::run(engine.clone(), shutdown.clone()));
        let org_tx = Arc::new(org_tx);
        if let Some(changes) = engine.store.changes() {
            let (e, stop) = (engine.clone(), shutdown.clone());
            tasks.spawn(cluster_follower::wake_on_queue_changes(
                e,
                changes.clone(),
                stop,
            ));
            let (e, stop) = (engine.clone(), shutdown.clone());
            tasks.spawn(cluster_follower::follow_settings(
                e,
                org_tx.clone(),
                changes,
                stop,
            ));
        }
        tasks.spawn(heartbeat::run(
            engine.clone(),
            beat.clone(),
            state,
            shutdown.clone(),
        ));
        let handle = NodeHandle {
            engine,
            org: org_tx,
            org_edits: Default::default(),
            fixes: Default::default(),
            receiver,
        };
        Ok(RunningNode {
            smtp_addrs,
            handle,
            beat,
            shutdown,
            tasks,
        })
    }
}

pub struct RunningNode {
    smtp_addrs: Vec<SocketAddr>,
    handle: NodeHandle,
    beat: Arc<Beat>,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

impl RunningNode {
    /// The addresses the SMTP listeners are bound to (useful with port 0).
    pub fn smtp_addrs(&self) -> Vec<SocketAddr> {
        self.smtp_addrs.clone()
    }

    /// What the admin API and fix actions use to act on the node.
    pub fn handle(&self) -> NodeHandle {
        self.handle.clone()
    }

    /// Tells the scheduler to look at the queue now (after an operator
    /// action, or after the clock was moved).
    pub fn wake(&self) {
        self.handle.wake();
    }

    /// Stops accepting mail, lets deliveries in flight finish (what does not
    /// finish goes back to the queue at the next start), and returns when
    /// everything has stopped.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
        // Said last, when nothing is held: the name is free for the next
        // start at once.
        self.beat
            .write(&self.handle.engine, NodeState::Stopped)
            .await;
    }
}
