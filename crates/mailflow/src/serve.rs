//! `mailflow serve`: open the store, seed the organisation's settings, make
//! sure there is an admin token, start the admin API (with the console in
//! front of it) and the relay node,
//! say where everything is, reload the config file on SIGHUP (see
//! `reload`), and stop cleanly on SIGTERM or Ctrl-C.

use crate::config::{Config, ConfigSource};
use crate::opened_store::OpenedStore;
use crate::reload::Reloader;
use crate::seed::{self, SeedError, SeedOutcome};
use crate::token::{self, TokenSource};
use mailflow_admin::{AdminState, TokenDigest};
use mailflow_core::{Clock, SystemClock};
use mailflow_relay::{Node, NodeError, RunningNode};
use mailflow_store::{DataDirLock, LockError, SharedStore, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot create or read the data directory {path}: {source}", path = path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("cannot open the store in {path}: {source}", path = path.display())]
    Store { path: PathBuf, source: StoreError },
    #[error("cannot open the shared store {server}: {source}")]
    SharedStore { server: String, source: StoreError },
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error("cannot read or create the admin token in {path}: {source}", path = path.display())]
    Token {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen for the admin API on {addr}: {source}")]
    AdminListen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot set up the STARTTLS certificate: {0}")]
    Tls(#[from] crate::tls_identity::TlsIdentityError),
    #[error(transparent)]
    Node(#[from] NodeError),
}

/// A node that is up: what it listens on, and how to stop it.
pub struct Running {
    pub source: ConfigSource,
    pub data_dir: PathBuf,
    /// Where the queue is, for people: the data directory's embedded store
    /// or the shared database (without its password).
    pub store_place: String,
    pub smtp_addrs: Vec<SocketAddr>,
    pub admin_addr: SocketAddr,
    pub token_source: TokenSource,
    pub seed: SeedOutcome,
    /// Settings edited in the store that a changed config replaced.
    pub seed_replaced: mailflow_core::OrgDiff,
    node: RunningNode,
    admin_stop: CancellationToken,
    admin_task: JoinHandle<()>,
    store: OpenedStore,
    alerts_stop: CancellationToken,
    alerts_task: JoinHandle<()>,
    /// The insight history sampler: how to stop it, and its task.
    history: (CancellationToken, JoinHandle<()>),
    /// Puts the config file in force again on SIGHUP.
    pub reloader: Reloader,
}

/// Everything up to the point where mail flows.
pub async fn start(mut config: Config) -> Result<Running, ServeError> {
    for warning in &config.warnings {
        tracing::warn!(%warning, "config");
    }
    // Before the store opens: its writer counts from its first write.
    mailflow_admin::metrics_recorder();
    let data_dir = config.store_path.clone();
    crate::data_dir::prepare(&data_dir).map_err(|source| ServeError::DataDir {
        path: data_dir.clone(),
        source,
    })?;
    // Before anything in the directory is created or opened: a second
    // process must change nothing (see `DataDirLock`).
    let lock = DataDirLock::acquire(&data_dir)?;
    let listener = tokio::net::TcpListener::bind(config.admin.listen)
        .await
        .map_err(|source| ServeError::AdminListen {
            addr: config.admin.listen,
            source,
        })?;
    let admin_addr = listener.local_addr().unwrap_or(config.admin.listen);
    // For the CLI, which finds a running node through its data directory.
    if let Err(error) = lock.announce_api(&format!("http://{admin_addr}")) {
        tracing::warn!(%error, "cannot write the admin API's address into the data directory's lock file");
    }
    if config.node.receive.tls.is_none() {
        let hostname = &config.node.receive.hostname;
        let generated = crate::tls_identity::self_signed_in(&data_dir, hostname)?;
        config.node.receive.tls = Some(generated);
    }
    let opened =
        match &config.shared_store {
            None => OpenedStore::embedded(lock)
                .await
                .map_err(|source| ServeError::Store {
                    path: data_dir.clone(),
                    source,
                })?,
            Some(shared) => OpenedStore::shared(shared, lock).await.map_err(|source| {
                ServeError::SharedStore {
                    server: shared.server(),
                    source,
                }
            })?,
        };
    let store: SharedStore = opened.store();
    let seeded =
        seed::apply_reporting(store.as_ref(), &config.node.org, &config.org, &data_dir).await?;
    seed::apply_alerts(store.as_ref(), &config.node.org, &config.alerts, &data_dir).await?;
    let (token_digests, token_source) = admin_tokens(&config, &data_dir)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    let admin_node = Arc::new(std::sync::OnceLock::new());
    let api = mailflow_admin::router_with_metrics_networks(
        AdminState {
            store: store.clone(),
            token_digests,
            clock: clock.clone(),
            node: admin_node.clone(),
            own_org: None,
        },
        config.admin.metrics_networks.clone(),
    );
    let console = mailflow_console::ConsoleOptions {
        secure_cookies: false,
        clock: clock.clone(),
    };
    let app = mailflow_console::with_console(api, console);
    let admin_stop = CancellationToken::new();
    let admin_task = tokio::spawn(mailflow_admin::serve(
        listener,
        app,
        mailflow_admin::ServeLimits::default(),
        admin_stop.clone(),
    ));

    // Other nodes list it with its heartbeat.
    config.node.heartbeat.admin_url = Some(format!("http://{admin_addr}"));
    let in_force = config.clone();
    let node = match Node::start(config.node, store, clock).await {
        Ok(node) => node,
        Err(error) => {
            admin_stop.cancel();
            let _ = admin_task.await;
            return Err(error.into());
        }
    };
    let _ = admin_node.set(node.handle());
    let (alerts_stop, alerts_task) = start_alerts(&node);
    let history = start_history(&node, config.insights);
    let reloader = Reloader::new(in_force, node.handle(), data_dir.clone());
    Ok(Running {
        source: config.source,
        store_place: match &config.shared_store {
            None => format!("embedded, in {}", data_dir.display()),
            Some(shared) => format!("{} (shared by the cluster)", shared.server()),
        },
        data_dir,
        smtp_addrs: node.smtp_addrs(),
        admin_addr,
        token_source,
        seed: seeded.outcome,
        seed_replaced: seeded.replaced,
        node,
        admin_stop,
        admin_task,
        store: opened,
        alerts_stop,
        alerts_task,
        history,
        reloader,
    })
}

/// The per-minute insight history (and the retention of events and history
/// that `[insights]` sets), on the node's store and clock.
fn start_history(
    node: &RunningNode,
    retention: mailflow_insight::HistorySettings,
) -> (CancellationToken, JoinHandle<()>) {
    let handle = node.handle();
    let stop = CancellationToken::new();
    let task = tokio::spawn(mailflow_insight::run_history_with(
        handle.store().clone(),
        handle.clock().clone(),
        handle.org_name().to_string(),
        handle.node_name().to_string(),
        retention,
        stop.clone(),
    ));
    (stop, task)
}

/// The alert evaluator and notification sender, on the node's store and clock;
/// alert e-mails wake the node's scheduler.
fn start_alerts(node: &RunningNode) -> (CancellationToken, JoinHandle<()>) {
    let handle = node.handle();
    let waker = handle.clone();
    let live = handle.clone();
    let ctx = mailflow_alerts::AlertContext::new(
        handle.store().clone(),
        handle.clock().clone(),
        handle.org_name(),
        handle.hostname(),
        Arc::new(move || live.queue_expiration()),
        Arc::new(move || waker.wake()),
    )
    .with_node(handle.node_name());
    let stop = CancellationToken::new();
    let task = tokio::spawn(mailflow_alerts::run(ctx, stop.clone()));
    (stop, task)
}

/// The digests of the tokens the API accepts: the config's, or that of the
/// generated token (the file stays for the CLI; the node keeps its digest).
fn admin_tokens(
    config: &Config,
    data_dir: &std::path::Path,
) -> Result<(Vec<TokenDigest>, TokenSource), ServeError> {
    let configured = &config.admin.token_digests;
    if !configured.is_empty() {
        let source = TokenSource::Config {
            tokens: configured.len(),
        };
        return Ok((configured.clone(), source));
    }
    let (digest, source) = token::ensure(data_dir).map_err(|source| ServeError::Token {
        path: data_dir.join(token::TOKEN_FILE),
        source,
    })?;
    Ok((vec![digest], source))
}

impl Running {
    /// The node's store, e.g. to make an admin token in.
    pub fn store(&self) -> SharedStore {
        self.store.store()
    }

    /// What an operator needs to know, printed once at start-up.
    pub fn summary(&self) -> String {
        let smtp: Vec<String> = self.smtp_addrs.iter().map(ToString::to_string).collect();
        let token = match &self.token_source {
            TokenSource::Config { tokens } => {
                format!("{tokens} from the config file, kept as SHA-256 digests")
            }
            TokenSource::File {
                path,
                generated_now: true,
            } => format!("{} (generated now)", path.display()),
            TokenSource::File {
                path,
                generated_now: false,
            } => path.display().to_string(),
        };
        let replaced = self.seed_replaced.changes.len();
        let seed = match self.seed {
            SeedOutcome::AppliedFirst => "seeded from the config (first start)".to_string(),
            SeedOutcome::AppliedChanged if replaced > 0 => format!(
                "seeded from the config (the config changed; it replaced {replaced} setting(s) \
                 edited through the API or fixes, named in the log)"
            ),
            SeedOutcome::AppliedChanged => "seeded from the config (the config changed)".into(),
            SeedOutcome::Kept => "kept from the store (the config is unchanged)".into(),
            SeedOutcome::JoinedCluster => {
                "kept from the shared store (this node's first start in the cluster)".into()
            }
        };
        [
            "mailflow is running".to_string(),
            format!("  config:         {}", self.source),
            format!("  data dir:       {}", self.data_dir.display()),
            format!("  store:          {}", self.store_place),
            format!("  SMTP:           {}", smtp.join(", ")),
            format!("  console:        http://{}/", self.admin_addr),
            format!("  admin API:      http://{}/api/v1", self.admin_addr),
            format!("  admin token:    {token}"),
            format!("  org settings:   {seed}"),
        ]
        .join("\n")
    }

    /// Stops taking mail and API requests, lets deliveries in flight finish,
    /// and closes the store.
    pub async fn shutdown(self) {
        // Its handle on the node holds the store too.
        drop(self.reloader);
        self.history.0.cancel();
        if let Err(error) = self.history.1.await {
            tracing::error!(%error, "the insight history task failed");
        }
        self.alerts_stop.cancel();
        if let Err(error) = self.alerts_task.await {
            tracing::error!(%error, "the alerts task failed");
        }
        self.node.shutdown().await;
        self.admin_stop.cancel();
        if let Err(error) = self.admin_task.await {
            tracing::error!(%error, "the admin API task failed");
        }
        self.store.close().await;
    }
}

/// `mailflow serve` from start to a clean stop.
pub async fn run(config: Config) -> Result<(), ServeError> {
    // Watched before anything starts: a SIGTERM that comes as soon as the
    // summary is out (a service manager, a test) must stop the node
    // cleanly, not kill it with the signal's default action.
    let mut signals = Signals::watch();
    if let Err(error) = crate::logging::set_level(&config.log_level) {
        tracing::warn!(%error, "log.level");
    }
    let mut running = start(config).await?;
    println!("{}", running.summary());
    tracing::info!(smtp = ?running.smtp_addrs, admin = %running.admin_addr, "mailflow started");
    let signal = loop {
        match signals.received().await {
            Signal::Hangup => {
                running.reloader.reload().await;
            }
            Signal::Stop(name) => break name,
        }
    };
    tracing::info!(signal, "shutting down");
    running.shutdown().await;
    tracing::info!("mailflow stopped");
    Ok(())
}

/// What a signal asks of the node.
pub(crate) enum Signal {
    /// SIGHUP: read the config file again.
    Hangup,
    /// SIGTERM or SIGINT (named): stop.
    Stop(&'static str),
}

/// SIGTERM, Ctrl-C (SIGINT) and SIGHUP, watched from the moment this is
/// made (SIGHUP's default action would end the process).
pub(crate) struct Signals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hangup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    pub(crate) fn watch() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let watch = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(signal) => Some(signal),
                Err(error) => {
                    tracing::warn!(%error, signal = name, "cannot watch for a signal");
                    None
                }
            };
            Signals {
                terminate: watch(SignalKind::terminate(), "SIGTERM"),
                interrupt: watch(SignalKind::interrupt(), "SIGINT"),
                hangup: watch(SignalKind::hangup(), "SIGHUP"),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Resolves on the next of them.
    pub(crate) async fn received(&mut self) -> Signal {
        #[cfg(unix)]
        {
            async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        if signal.recv().await.is_none() {
                            // No more signals of this kind will come.
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                _ = next(&mut self.terminate) => Signal::Stop("SIGTERM"),
                _ = next(&mut self.interrupt) => Signal::Stop("SIGINT"),
                _ = next(&mut self.hangup) => Signal::Hangup,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Stop("Ctrl-C")
        }
    }
}
