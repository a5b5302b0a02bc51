//! `SIGHUP`: the config file is read again and what can change while the
//! node runs is put in force — receive limits, sizes and time-outs, the
//! receiving memory, the STARTTLS certificate files, DNS, delivery
//! time-outs and trusted CAs, the retry schedule, expiration and delay
//! notices, the log level — for the next SMTP session and the next
//! delivery round. The organisation part (domains, connectors, directory)
//! and `[alerts]` follow the start-up rule: seeded again only when that
//! part of the file changed since it was last seeded, so edits made
//! through the API are not undone by a reload of an unchanged file.
//!
//! What needs a restart (listen addresses, host name, data directory,
//! admin listener and tokens, session limits, …) is named in the log and
//! keeps its running value. A file that does not load keeps every running
//! setting, and the log says why (file, line, key).

use crate::config::Config;
use crate::seed::{self, SeedOutcome};
use mailflow_relay::NodeHandle;
use std::path::PathBuf;

/// What a reload needs: the file, the node, and the config in force.
pub struct Reloader {
    path: Option<PathBuf>,
    node: NodeHandle,
    data_dir: PathBuf,
    /// The config in force: what the file said at the last good load, with
    /// the running values of what needs a restart.
    running: Config,
}

/// What one reload did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reloaded {
    /// The file loaded and its live settings are in force; these keys
    /// changed but need a restart.
    Applied { needs_restart: Vec<&'static str> },
    /// The file did not load or could not be put in force; nothing changed.
    Refused(String),
    /// The node runs on the embedded defaults: there is no file to read.
    NoFile,
}

impl Reloader {
    pub fn new(running: Config, node: NodeHandle, data_dir: PathBuf) -> Reloader {
        let path = match &running.source {
            crate::config::ConfigSource::File(path) => Some(path.clone()),
            crate::config::ConfigSource::EmbeddedDefaults => None,
        };
        Reloader {
            path,
            node,
            data_dir,
            running,
        }
    }

    /// Reads the file again and puts it in force, logging what happened.
    pub async fn reload(&mut self) -> Reloaded {
        let outcome = self.try_reload().await;
        match &outcome {
            Reloaded::Applied { needs_restart } if needs_restart.is_empty() => {
                tracing::info!(config = %self.running.source, "config reloaded (SIGHUP): the new settings apply to new sessions and the next delivery round");
            }
            Reloaded::Applied { needs_restart } => {
                tracing::info!(config = %self.running.source, "config reloaded (SIGHUP): the new settings apply to new sessions and the next delivery round");
                tracing::warn!(
                    keys = %needs_restart.join(", "),
                    "config reload: these settings changed but need a restart; their running values stay"
                );
            }
            Reloaded::Refused(why) => {
                tracing::error!(error = %why, "config not reloaded (SIGHUP); the running settings stay");
            }
            Reloaded::NoFile => {
                tracing::warn!(
                    "SIGHUP: the node runs on the embedded defaults; there is no config file to reload"
                );
            }
        }
        outcome
    }

    async fn try_reload(&mut self) -> Reloaded {
        let Some(path) = &self.path else {
            return Reloaded::NoFile;
        };
        let mut new = match Config::load(path) {
            Ok(config) => config,
            Err(error) => return Reloaded::Refused(error.to_string()),
        };
        for warning in &new.warnings {
            tracing::warn!(%warning, "config");
        }
        if let Err(error) = crate::logging::parse_level(&new.log_level) {
            return Reloaded::Refused(error);
        }
        let needs_restart = restart_only_changes(&self.running, &new);
        keep_restart_only(&mut new, &self.running);
        if new.node.receive.tls.is_none() {
            // No certificate files: the one generated at start-up stays.
            new.node.receive.tls = self.running.node.receive.tls.clone();
        }
        if let Err(error) = self.node.reload(new.node.clone()) {
            return Reloaded::Refused(error.to_string());
        }
        if let Err(error) = crate::logging::set_level(&new.log_level) {
            tracing::warn!(%error, "config reload: the log level stays as it was");
        }
        self.reseed(&new).await;
        self.running = new;
        Reloaded::Applied { needs_restart }
    }

    /// The organisation part and `[alerts]`, by the start-up rule.
    async fn reseed(&self, new: &Config) {
        let store = self.node.store().clone();
        let org = self.node.org_name().to_string();
        match seed::apply(store.as_ref(), &org, &new.org, &self.data_dir).await {
            Ok(SeedOutcome::Kept | SeedOutcome::JoinedCluster) => {}
            Ok(_) => match self.node.update_org(new.org.clone()).await {
                Ok(()) => tracing::info!(
                    "config reload: the organisation part changed; its accepted domains, connectors and directory are in force"
                ),
                Err(error) => {
                    tracing::error!(%error, "config reload: the organisation's settings could not be put in force")
                }
            },
            Err(error) => {
                tracing::error!(%error, "config reload: the organisation's settings were not seeded")
            }
        }
        match seed::apply_alerts(store.as_ref(), &org, &new.alerts, &self.data_dir).await {
            Ok(SeedOutcome::Kept | SeedOutcome::JoinedCluster) => {}
            Ok(_) => tracing::info!("config reload: [alerts] changed and is in force"),
            Err(error) => tracing::error!(%error, "config reload: [alerts] was not seeded"),
        }
    }
}

/// The keys whose change needs a restart, as the file names them.
pub fn restart_only_changes(running: &Config, new: &Config) -> Vec<&'static str> {
    let (old_receive, new_receive) = (&running.node.receive, &new.node.receive);
    let checks = [
        (
            "server.hostname",
            old_receive.hostname != new_receive.hostname,
        ),
        (
            "server.smtp_listen",
            old_receive.listen != new_receive.listen,
        ),
        (
            "server.max_sessions",
            old_receive.sessions.max_sessions != new_receive.sessions.max_sessions,
        ),
        (
            "server.max_sessions_per_client",
            old_receive.sessions.max_sessions_per_client
                != new_receive.sessions.max_sessions_per_client,
        ),
        (
            "server.auth_lockout_window",
            old_receive.auth.lockout_window != new_receive.auth.lockout_window,
        ),
        ("admin.listen", running.admin.listen != new.admin.listen),
        (
            "admin.tokens / admin.token_hashes",
            running.admin.token_digests != new.admin.token_digests,
        ),
        (
            "admin.metrics_networks",
            running.admin.metrics_networks != new.admin.metrics_networks,
        ),
        ("store.path", running.store_path != new.store_path),
        ("store.url", running.shared_store != new.shared_store),
        (
            "queue.lease",
            running.node.queue.lease != new.node.queue.lease,
        ),
        (
            "delivery.max_delivery_memory",
            running.node.deliver.max_delivery_memory != new.node.deliver.max_delivery_memory,
        ),
        (
            "insights.event_retention",
            running.insights.event_retention != new.insights.event_retention,
        ),
        (
            "insights.history_retention",
            running.insights.history_retention != new.insights.history_retention,
        ),
    ];
    checks
        .into_iter()
        .filter_map(|(key, changed)| changed.then_some(key))
        .collect()
}

/// What needs a restart keeps its running value in the config in force
/// (the node keeps its own the same way, see `NodeHandle::reload`).
fn keep_restart_only(new: &mut Config, running: &Config) {
    new.source = running.source.clone();
    new.admin = running.admin.clone();
    new.store_path = running.store_path.clone();
    new.shared_store = running.shared_store.clone();
    new.insights = running.insights.clone();
    let (receive, old) = (&mut new.node.receive, &running.node.receive);
    receive.hostname = old.hostname.clone();
    receive.listen = old.listen.clone();
    receive.sessions = old.sessions;
    receive.auth.lockout_window = old.auth.lockout_window;
    new.node.node_name = running.node.node_name.clone();
    new.node.deliver.hostname = running.node.deliver.hostname.clone();
    new.node.deliver.max_delivery_memory = running.node.deliver.max_delivery_memory;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(server: &str) -> Config {
        let text = format!("[server]\nhostname = \"relay.test\"\n{server}\n");
        Config::parse(&text, Path::new("mailflow.toml"), Path::new(".")).unwrap()
    }

    #[test]
    fn live_settings_are_not_named_and_restart_only_ones_are() {
        let running = config("max_recipients = 2");
        assert!(restart_only_changes(&running, &config("max_recipients = 3")).is_empty());
        let moved = config("smtp_listen = [\"127.0.0.1:2600\"]\nmax_sessions = 7");
        assert_eq!(
            restart_only_changes(&running, &moved),
            ["server.smtp_listen", "server.max_sessions"]
        );
    }

    #[test]
    fn a_restart_only_change_keeps_the_running_value() {
        let running = config("max_recipients = 2");
        let mut new = config("smtp_listen = [\"127.0.0.1:2600\"]\nmax_recipients = 5");
        keep_restart_only(&mut new, &running);
        assert_eq!(new.node.receive.listen, running.node.receive.listen);
        assert_eq!(new.node.receive.max_recipients, 5);
    }
}
