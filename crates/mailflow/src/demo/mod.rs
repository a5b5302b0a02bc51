//! `mailflow demo`: a node on free loopback ports with an example
//! organisation (see `organisation`), the servers its connectors deliver
//! to (`peers`: one healthy, three failing in different ways), and a
//! trickle of traffic (`trickle`), so that within a minute the console
//! shows connectors failing, why, an alert and the fixes. It prints the
//! console's address and a token to log in with (`summary`, `login`).
//!
//! The node is `serve::start` on the demo's config; SIGINT (Ctrl-C) or
//! SIGTERM stops the traffic, the node and the peers, and removes the data
//! directory unless it is to be kept (`demo_dir`).

mod demo_dir;
mod login;
mod organisation;
mod peers;
mod summary;
mod trickle;

use crate::config::{Config, ConfigError};
use crate::serve::{self, ServeError, Signal, Signals};
use clap::Args;
use demo_dir::{DemoDir, Left};
use peers::{PeerError, Peers};
use std::path::PathBuf;
use trickle::Trickle;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the data directory when the demo stops (it is removed otherwise).
    #[arg(long)]
    pub keep: bool,
    /// Use this data directory (made if missing) instead of a temporary
    /// one; it is kept.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot make the demo's data directory: {0}")]
    DataDir(std::io::Error),
    #[error("cannot write the demo's config {path}: {source}", path = path.display())]
    WriteConfig {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Peers(#[from] PeerError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error("cannot make the demo's admin token: {0}")]
    Token(#[from] mailflow_store::StoreError),
    #[error("cannot remove the demo's data directory: {0}")]
    Remove(std::io::Error),
}

/// `mailflow demo` from start to a clean stop.
pub async fn run(args: DemoArgs) -> Result<(), DemoError> {
    // Watched first, as `serve` does: a signal that comes while the demo
    // starts stops it cleanly.
    let mut signals = Signals::watch();
    let keep = args.keep || args.data_dir.is_some();
    let dir = DemoDir::new(args.data_dir.as_deref(), keep).map_err(DemoError::DataDir)?;
    let peers = Peers::start(
        dir.path(),
        organisation::ADATUM_SERVER,
        organisation::FABRIKAM_SERVER,
    )
    .await?;
    let ran = run_node(&dir, &peers, &mut signals).await;
    peers.stop().await;
    ran?;
    match dir.finish().map_err(DemoError::Remove)? {
        Left::Removed(path) => println!(
            "mailflow demo stopped; its data directory {} is removed",
            path.display()
        ),
        Left::Kept(path) => println!(
            "mailflow demo stopped; its data directory is kept: {}",
            path.display()
        ),
    }
    Ok(())
}

/// The node and the traffic, from the demo's config to a stop signal.
async fn run_node(dir: &DemoDir, peers: &Peers, signals: &mut Signals) -> Result<(), DemoError> {
    let path = dir.path().join(organisation::CONFIG_FILE);
    let text = organisation::config_text(dir.path(), &peers.addrs());
    mailflow_store::private_files::write(&path, text.as_bytes()).map_err(|source| {
        DemoError::WriteConfig {
            path: path.clone(),
            source,
        }
    })?;
    let config = Config::load(&path)?;
    if let Err(error) = crate::logging::set_level(&config.log_level) {
        tracing::warn!(%error, "log.level");
    }
    let mut running = serve::start(config).await?;
    let token = match login::admin_token(running.store().as_ref()).await {
        Ok(token) => token,
        Err(error) => {
            running.shutdown().await;
            return Err(error.into());
        }
    };
    let smtp = running.smtp_addrs[0];
    let trickle = Trickle::start(smtp);
    let summary = summary::Summary {
        admin: running.admin_addr,
        smtp,
        token: &token,
        data_dir: dir.path(),
        config: &path,
        kept: dir.kept(),
        peers: peers.addrs(),
    };
    println!("{}", summary.render());
    let signal = loop {
        match signals.received().await {
            Signal::Hangup => {
                running.reloader.reload().await;
            }
            Signal::Stop(name) => break name,
        }
    };
    tracing::info!(signal, "stopping the demo");
    trickle.stop().await;
    running.shutdown().await;
    Ok(())
}
