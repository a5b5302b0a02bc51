//! The config file: what a node is told at start-up.
//!
//! The file is TOML. Reading it goes in three steps, each with errors that
//! name the file, the line and the key: TOML syntax, then the shape of each
//! section (`raw`, unknown keys refused), then the checks that need the whole
//! picture (`build`: duplicate names, domains no connector carries, files
//! that are not there). The result is the node's settings and the
//! organisation's settings that are seeded into the store.

mod build;
mod directory_file;
mod error;
mod locate;
mod node_name;
mod raw;
mod raw_alerts;
mod values;
mod weak_token;

pub use error::{ConfigError, ConfigWarning, Location, Problem};
pub use locate::{KeyPath, Segment};

use ipnet::IpNet;
use locate::Document;
use mailflow_admin::TokenDigest;
use mailflow_core::OrgSettings;
use mailflow_relay::NodeSettings;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The organisation a single-organisation node serves.
pub const DEFAULT_ORG: &str = "default";
pub const DEFAULT_STORE_PATH: &str = "./mailflow-data";
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:8025";

/// A node's whole configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub source: ConfigSource,
    pub node: NodeSettings,
    /// Seeded into the store (see `crate::seed`).
    pub org: OrgSettings,
    /// The organisation's alert settings, seeded into the store too.
    pub alerts: mailflow_store::AlertSettings,
    /// How long delivery events (the trace) and the insight history are
    /// kept; given to the history sampler.
    pub insights: mailflow_insight::HistorySettings,
    pub admin: AdminConfig,
    /// What is logged (`[log] level`); `RUST_LOG`, when set, wins.
    pub log_level: String,
    /// The data directory (relative to the working directory when relative).
    pub store_path: PathBuf,
    /// `[store] url`: keep the queue in a PostgreSQL database shared by
    /// the nodes of a cluster instead of the data directory's embedded
    /// store (the data directory still holds the node's own files).
    pub shared_store: Option<SharedStoreConfig>,
    pub warnings: Vec<ConfigWarning>,
}

/// The shared database of a cluster.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedStoreConfig {
    /// May hold a password: never printed whole (see `server`).
    pub url: String,
    pub max_connections: u32,
}

impl SharedStoreConfig {
    /// Where the database is, for people: the url without its user and
    /// password.
    pub fn server(&self) -> String {
        let rest = self.url.split_once("://").map_or("", |(_, rest)| rest);
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        format!("postgres://{host}")
    }
}

impl std::fmt::Debug for SharedStoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStoreConfig")
            .field("server", &self.server())
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    EmbeddedDefaults,
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::File(path) => write!(f, "{}", path.display()),
            ConfigSource::EmbeddedDefaults => f.write_str("embedded defaults"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AdminConfig {
    pub listen: SocketAddr,
    /// The SHA-256 digests of the tokens the API accepts: those of
    /// `admin.token_hashes`, then those of the plain `admin.tokens` (which
    /// are hashed while the file is read and not kept). Empty: a token is
    /// generated on first start into the data directory.
    pub token_digests: Vec<TokenDigest>,
    /// How many of them were given as plain tokens.
    pub plain_tokens: usize,
    /// Networks whose clients (a Prometheus server) may read `/metrics`
    /// without a token; empty: it asks for one like the API.
    pub metrics_networks: Vec<IpNet>,
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError {
            at: Location {
                file: path.to_path_buf(),
                line: None,
                key: None,
            },
            problem: Problem::Unreadable(error),
        })?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::parse(&text, path, &base_dir)
    }

    /// Checks config text; `file` names it in errors, relative paths in it
    /// are taken from `base_dir`.
    pub fn parse(text: &str, file: &Path, base_dir: &Path) -> Result<Config, ConfigError> {
        let document = Document::new(text);
        let raw = deserialize(text, file, &document)?;
        let context = build::Context::new(file, base_dir, &document);
        let mut config = context.build(raw)?;
        config.source = ConfigSource::File(file.to_path_buf());
        Ok(config)
    }

    /// The organisation's settings of a file in the config's format
    /// (`[[accepted_domains]]`, `[[connectors]]`, `[directory]`), checked as
    /// the config's are, with their warnings; `file` names it in errors.
    pub fn parse_org(
        text: &str,
        file: &Path,
        base_dir: &Path,
    ) -> Result<(OrgSettings, Vec<ConfigWarning>), ConfigError> {
        let document = Document::new(text);
        let raw = deserialize(text, file, &document)?;
        build::Context::new(file, base_dir, &document).build_org(raw)
    }

    /// `mailflow serve` without `--config`.
    pub fn embedded_defaults() -> Config {
        let mut config = Config::parse("", Path::new("<embedded defaults>"), Path::new("."))
            .expect("the embedded defaults are a valid config");
        config.source = ConfigSource::EmbeddedDefaults;
        config
    }
}

/// TOML syntax, then the shape of every section.
fn deserialize(
    text: &str,
    file: &Path,
    document: &Document,
) -> Result<raw::RawConfig, ConfigError> {
    let located = |line, key, problem| ConfigError {
        at: Location {
            file: file.to_path_buf(),
            line: Some(line),
            key,
        },
        problem,
    };
    let deserializer = toml::de::Deserializer::parse(text).map_err(|error| {
        let line = error
            .span()
            .map_or(1, |span| document.line_of_offset(span.start));
        located(line, None, Problem::Syntax(error.message().to_string()))
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let key = KeyPath::from_serde(error.path());
        let inner = error.inner();
        let line = match inner.span() {
            Some(span) => document.line_of_offset(span.start),
            None => document.line_of(&key),
        };
        let key = (!key.is_empty()).then_some(key);
        located(line, key, Problem::BadValue(inner.message().to_string()))
    })
}

#[cfg(test)]
mod tests;
