//! Nodes of one cluster as real `mailflow serve` processes: each with its
//! own data directory and name, all on one PostgreSQL database (a schema of
//! its own on the test server, dropped afterwards).

use super::Serve;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A schema of its own for one cluster; dropped with the value.
pub type ClusterDatabase = mailflow_testkit::postgres_schema::TestSchema;

/// Writes `dir/mailflow.toml` for node `name` of the cluster on `url`:
/// contoso.test relayed through `to-onprem` to `next_hop`, short leases and
/// retries so that a test sees work change hands in seconds.
pub fn write_node_config(
    dir: &Path,
    name: &str,
    url: &str,
    next_hop: SocketAddr,
    extra: &str,
) -> PathBuf {
    let config = format!(
        r#"
[server]
hostname = "relay.test"
smtp_listen = ["127.0.0.1:0"]

[node]
name = "{name}"

[admin]
listen = "127.0.0.1:0"

[store]
path = "{data}"
url = "{url}"

[queue]
lease = "10s"
retry = ["2s"]

[delivery]
connect_timeout = "3s"

[[accepted_domains]]
name = "contoso.test"
type = "internal_relay"

[[connectors]]
name = "to-onprem"
kind = "on_premises"
recipient_domains = ["contoso.test"]
smart_hosts = ["{next_hop}"]
{extra}"#,
        data = dir.join("data").display(),
    );
    let path = dir.join("mailflow.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// Starts node `name` in `dir` (made if missing).
pub fn start_node(dir: &Path, name: &str, url: &str, next_hop: SocketAddr) -> Serve {
    start_node_with(dir, name, url, next_hop, "")
}

/// [`start_node`] with `extra` TOML sections in its config.
pub fn start_node_with(
    dir: &Path,
    name: &str,
    url: &str,
    next_hop: SocketAddr,
    extra: &str,
) -> Serve {
    std::fs::create_dir_all(dir).unwrap();
    Serve::start(&write_node_config(dir, name, url, next_hop, extra))
}

/// Restarts the local PostgreSQL server the tests use (the one
/// `scripts/postgres-ready.sh` starts), waiting until it stops and again
/// until it answers. A server the test cannot restart fails the test.
pub fn restart_database() {
    let versions = std::fs::read_dir("/etc/postgresql")
        .expect("a local PostgreSQL cluster under /etc/postgresql")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .max_by_key(|version| version.parse::<u32>().unwrap_or(0))
        .expect("a PostgreSQL version under /etc/postgresql");
    let restarted = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &versions, "main", "restart"])
        .status()
        .expect("pg_ctlcluster runs");
    assert!(restarted.success(), "pg_ctlcluster restart: {restarted}");
}

/// The cluster tests run one at a time: one of them restarts the server
/// the others use.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
