//! The listener: accepts connections and runs one session task per client,
//! within the session limits (see `admission`). On shutdown it stops
//! accepting, tells idle sessions to close, gives the busy ones a bounded
//! grace period to finish, then ends the rest. While the node drains, new
//! connections are told to try another server; sessions under way go on.

use crate::ReceiveSettings;
use crate::admission::{Admission, Admitted, Refusal};
use crate::login_failures::LoginFailures;
use crate::metrics::OpenSession;
use crate::session::Session;
use mailflow_core::{Clock, Orgs};
use mailflow_smtp::server::MemoryBudget;
use mailflow_store::SharedStore;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The SMTP receiving side of a node.
pub struct Receiver {
    /// The settings in force; each session reads them once, as it starts
    /// (see `update_settings`).
    settings: watch::Sender<Arc<ReceiveSettings>>,
    pub(crate) store: SharedStore,
    /// Every organisation's settings in force.
    pub(crate) orgs: watch::Receiver<Arc<Orgs>>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Told once per stored message, so the scheduler wakes.
    pub(crate) accepted: Arc<Notify>,
    admission: Arc<Admission>,
    /// Failed log-ins per client address, across sessions.
    pub(crate) login_failures: LoginFailures,
    /// Password checks (Argon2, tens of MiB and milliseconds each) running
    /// at once, at most one per CPU: log-in attempts cannot take more.
    pub(crate) password_checks: Semaphore,
    /// Memory for messages being received, shared by all sessions.
    pub(crate) receiving_memory: Arc<MemoryBudget>,
    /// The node drains: new connections are refused (see `set_draining`).
    draining: AtomicBool,
}

impl Receiver {
    pub fn new(
        settings: ReceiveSettings,
        store: SharedStore,
        orgs: watch::Receiver<Arc<Orgs>>,
        clock: Arc<dyn Clock>,
        accepted: Arc<Notify>,
    ) -> Receiver {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Receiver {
            admission: Admission::new(settings.sessions),
            login_failures: LoginFailures::new(settings.auth.lockout_window),
            password_checks: Semaphore::new(cpus),
            receiving_memory: MemoryBudget::with_client_share(
                settings.max_receiving_memory,
                settings.max_receiving_memory_per_client,
            ),
            settings: watch::Sender::new(Arc::new(settings)),
            store,
            orgs,
            clock,
            accepted,
            draining: AtomicBool::new(false),
        }
    }

    /// While draining, every new connection is answered `421 4.3.2` and
    /// closed, so that its client takes its mail to another node or tries
    /// again later; sessions already open finish as usual.
    pub fn set_draining(&self, draining: bool) {
        self.draining.store(draining, Ordering::Relaxed);
    }

    /// The settings in force now.
    pub fn settings(&self) -> Arc<ReceiveSettings> {
        self.settings.borrow().clone()
    }

    /// Puts new settings in force (a config reload): sessions that start
    /// from now on use them — limits, sizes, time-outs, the STARTTLS
    /// certificate — and so does the receiving memory budget at once.
    /// Sessions under way finish with the settings they started with. The
    /// listeners, the session limits and the log-in lock-out window are
    /// fixed when the receiver is made.
    pub fn update_settings(&self, settings: ReceiveSettings) {
        self.receiving_memory.set_limits(
            settings.max_receiving_memory,
            settings.max_receiving_memory_per_client,
        );
        self.settings.send_replace(Arc::new(settings));
    }

    /// Bytes the sessions hold now for messages being received (in steps
    /// of 16 KB per message).
    pub fn receiving_memory(&self) -> u64 {
        self.receiving_memory.reserved()
    }

    /// Of those, the bytes held for messages from `client` (outside the
    /// trusted networks).
    pub fn receiving_memory_of(&self, client: std::net::IpAddr) -> u64 {
        self.receiving_memory.reserved_by(client)
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
                        let client_ip = peer.ip().to_canonical();
                        let trusted = self.is_trusted(client_ip);
                        if self.draining.load(Ordering::Relaxed) {
                            self.refuse(&stream, peer, Refusal::Draining);
                            continue;
                        }
                        match self.admission.admit(client_ip, trusted) {
                            Ok(admitted) => {
                                let session = self.clone().session(stream, peer, trusted, admitted);
                                sessions.spawn(session.run(shutdown.clone()));
                            }
                            Err(refusal) => self.refuse(&stream, peer, refusal),
                        }
                    }
                    Err(error) => accept_failed(error).await,
                },
                Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
            }
        }
        drop(listener);
        let grace = self.settings().data_timeout;
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

    fn is_trusted(&self, client_ip: std::net::IpAddr) -> bool {
        self.settings()
            .trusted_networks
            .iter()
            .any(|net| net.contains(&client_ip))
    }

    /// A session counted until it ends: clients of the trusted networks may
    /// relay.
    fn session(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        trusted: bool,
        admitted: Admitted,
    ) -> CountedSession {
        let _ = stream.set_nodelay(true);
        tracing::debug!(%peer, may_relay = trusted, "SMTP session started");
        CountedSession {
            session: Session::new(self, stream, peer.ip().to_canonical(), trusted),
            _admitted: admitted,
            _open: OpenSession::new(),
        }
    }

    /// Answers `421` and closes. The reply is written without waiting
    /// (a new connection's send buffer has room for it), so a flood of
    /// connections past the limit costs no task each.
    fn refuse(&self, stream: &TcpStream, peer: SocketAddr, refusal: Refusal) {
        match refusal {
            Refusal::Draining => {
                tracing::debug!(%peer, "SMTP connection refused: the node is draining")
            }
            _ => tracing::warn!(%peer, ?refusal, "SMTP connection refused: session limit reached"),
        }
        let _ = stream.try_write(refusal.reply(&self.settings().hostname).as_bytes());
    }
}

/// A session and its place in the session limits, held until it ends.
struct CountedSession {
    session: Session<TcpStream>,
    _admitted: Admitted,
    _open: OpenSession,
}

impl CountedSession {
    async fn run(self, shutdown: CancellationToken) {
        let CountedSession {
            session,
            _admitted,
            _open,
        } = self;
        session.run(shutdown).await;
    }
}

/// Accepting can fail for a while (e.g. out of file descriptors); wait a
/// little instead of spinning.
async fn accept_failed(error: std::io::Error) {
    tracing::warn!(%error, "accepting an SMTP connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
