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
/// `scripts/postgres-ready.sh` starts); returns once it answers again. A
/// server the test cannot restart fails the test.
pub fn restart_database() {
    database_server("restart");
}

/// The local PostgreSQL server stopped (see `restart_database`) until the
/// value goes, however the test ends: the other tests need it.
pub struct DatabaseStopped;

impl DatabaseStopped {
    pub fn new() -> DatabaseStopped {
        database_server("stop");
        DatabaseStopped
    }
}

impl Drop for DatabaseStopped {
    fn drop(&mut self) {
        database_server("start");
    }
}

fn database_server(action: &str) {
    let url = mailflow_testkit::postgres_schema::database_url();
    assert!(
        url.contains("@127.0.0.1") || url.contains("@localhost"),
        "the cluster tests stop and restart the local PostgreSQL server; \
         DATABASE_URL={url} names another one"
    );
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a local PostgreSQL cluster under /etc/postgresql")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .max_by_key(|version| version.parse::<u32>().unwrap_or(0))
        .expect("a PostgreSQL version under /etc/postgresql");
    let done = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", action])
        .status()
        .expect("pg_ctlcluster runs");
    assert!(done.success(), "pg_ctlcluster {action}: {done}");
}

/// The cluster tests run one at a time: one of them restarts the server
/// the others use.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Nodes of one cluster (`node-a`, `node-b`, …) relaying to `next_hop`,
/// each in its own directory, on a database of their own; the nodes stop
/// before the directory and the database go.
pub struct Cluster {
    pub nodes: Vec<Serve>,
    _dir: tempfile::TempDir,
    _database: ClusterDatabase,
}

impl Cluster {
    pub async fn start(count: usize, next_hop: SocketAddr, extra: &str) -> Cluster {
        let database = ClusterDatabase::create("mailflow_cluster").await;
        let dir = tempfile::tempdir().unwrap();
        let nodes = (0..count)
            .map(|n| {
                let name = format!("node-{}", char::from(b'a' + n as u8));
                start_node_with(
                    &dir.path().join(&name),
                    &name,
                    &database.url,
                    next_hop,
                    extra,
                )
            })
            .collect();
        Cluster {
            nodes,
            _dir: dir,
            _database: database,
        }
    }
}
