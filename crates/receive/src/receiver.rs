//! The listener: accepts connections and runs one session task per client.
//! On shutdown it stops accepting, tells idle sessions to close, gives the
//! busy ones a bounded grace period to finish, then ends the rest.

use crate::ReceiveSettings;
use crate::session::Session;
use mailflow_core::{Clock, OrgSettings};
use mailflow_store::SharedStore;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The SMTP receiving side of a node.
pub struct Receiver {
    pub(crate) settings: ReceiveSettings,
    pub(crate) store: SharedStore,
    pub(crate) org: watch::Receiver<Arc<OrgSettings>>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Told once per stored message, so the scheduler wakes.
    pub(crate) accepted: Arc<Notify>,
}

impl Receiver {
    pub fn new(
        settings: ReceiveSettings,
        store: SharedStore,
        org: watch::Receiver<Arc<OrgSettings>>,
        clock: Arc<dyn Clock>,
        accepted: Arc<Notify>,
    ) -> Receiver {
        Receiver {
            settings,
            store,
            org,
            clock,
            accepted,
        }
    }

    pub fn settings(&self) -> &ReceiveSettings {
        &self.settings
    }

    /// Serves clients on `listener` until `shutdown` is cancelled; returns
    /// once every session has ended (or been ended after the grace period,
    /// the data time-out).
    pub async fn serve(self: Arc<Self>, listener: TcpListener, shutdown: CancellationToken) {
        let mut sessions = JoinSet::new();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        sessions.spawn(self.clone().session(stream, peer, shutdown.clone()));
                    }
                    Err(error) => accept_failed(error).await,
                },
                Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
            }
        }
        drop(listener);
        let grace = self.settings.data_timeout;
        let drained = tokio::time::timeout(grace, async {
            while sessions.join_next().await.is_some() {}
        });
        if drained.await.is_err() {
            tracing::warn!(
                left = sessions.len(),
                "SMTP sessions still running after the grace period were ended"
            );
            sessions.shutdown().await;
        }
    }

    async fn session(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        shutdown: CancellationToken,
    ) {
        let _ = stream.set_nodelay(true);
        let client_ip = peer.ip().to_canonical();
        let may_relay = self
            .settings
            .trusted_networks
            .iter()
            .any(|net| net.contains(&client_ip));
        tracing::debug!(%peer, may_relay, "SMTP session started");
        Session::new(self, stream, client_ip, may_relay)
            .run(shutdown)
            .await;
    }
}

/// Accepting can fail for a while (e.g. out of file descriptors); wait a
/// little instead of spinning.
async fn accept_failed(error: std::io::Error) {
    tracing::warn!(%error, "accepting an SMTP connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
