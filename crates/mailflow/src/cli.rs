//! The command line: `serve`, `check-config`, and `queue`, which talks to a
//! running node's admin API.

use crate::logging::LogFormat;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "mailflow",
    version,
    about = "A mail relay that explains why mail is stuck"
)]
pub struct Cli {
    /// How logs are written to stderr (RUST_LOG picks what is logged).
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a node: SMTP listener, queue, delivery and admin API.
    Serve {
        /// The config file; without it, the embedded defaults.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Check a config file, print what it sets up, and exit 1 if it is wrong.
    CheckConfig { file: PathBuf },
    /// Look at the queue of a running node.
    Queue(QueueArgs),
    /// List, apply and undo fix actions on a running node.
    Fix(FixArgs),
    /// The organisation's connectors (list, show, add, edit, remove, enable,
    /// disable) and their queues (retry now, suspend, resume, bounce all).
    Connector(ConnectorArgs),
    /// The organisation's accepted domains on a running node.
    Domain(crate::settings::cli::DomainArgs),
    /// The organisation's directory (the recipients of authoritative domains).
    Directory(crate::settings::cli::DirectoryArgs),
    /// Make a running node's organisation settings match a file in the
    /// config's format, after showing the difference.
    Apply(crate::settings::cli::ApplyArgs),
    /// Print a running node's organisation settings in the config's format.
    Export(crate::settings::cli::ExportArgs),
    /// A running node's alerts: open ones by default; `ack ID` acknowledges one.
    Alerts(AlertsArgs),
    /// Each connector's health: queue, codes, last error, status, what to do.
    Insights(crate::insights::InsightsArgs),
    /// Every event of messages found by id, sender, recipient, time or status.
    Trace(crate::trace::TraceArgs),
    /// Users who may log in with SMTP AUTH: `user add NAME` (password on stdin).
    User(crate::user::UserArgs),
    /// Admin API tokens: `token hash` reads a token from stdin and prints the
    /// `sha256:<hex>` line for `admin.token_hashes`.
    Token(crate::token::TokenArgs),
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    #[command(subcommand)]
    pub command: QueueCommand,
}

/// How to reach a running node's admin API.
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// The admin API's base URL.
    #[arg(
        long,
        env = "MAILFLOW_API",
        default_value = "http://127.0.0.1:8025",
        global = true
    )]
    pub api: String,
    /// The bearer token; default: the node's generated token in <data dir>/admin-token.
    #[arg(long, env = "MAILFLOW_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// The node's data directory, where its generated token is.
    #[arg(long, default_value = "./mailflow-data", global = true)]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// List queued messages, newest first.
    List {
        /// queued, in_flight, deferred, delivered, failed or suspended.
        #[arg(long)]
        state: Option<String>,
        /// A connector name.
        #[arg(long)]
        connector: Option<String>,
        /// The enhanced code of the last error, e.g. 4.4.316.
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        sender: Option<String>,
        #[arg(long)]
        recipient: Option<String>,
        /// At most this many messages.
        #[arg(long)]
        limit: Option<usize>,
        /// Print JSON (the API's own shapes) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one message, each recipient's state and last error.
    Show {
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// Print JSON (the API's own shapes) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: FixCommand,
}

#[derive(Debug, Subcommand)]
pub enum FixCommand {
    /// The fixes offered now, with what each would change and its risks.
    List,
    /// Apply a fix by its id, e.g. `stop-relaying:to-onprem`.
    Apply { id: String },
    /// Undo a fix by the audit entry id that `apply` printed.
    Undo { audit_id: String },
    /// The audit log, newest first.
    Audit {
        /// At most this many entries.
        #[arg(long)]
        limit: Option<usize>,
    },
}

#[derive(Debug, Args)]
pub struct ConnectorArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// Print JSON (the API's own shapes) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: ConnectorCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// The connectors, one line each.
    List,
    /// One connector, every field.
    Show { name: String },
    /// Add a connector; in force at once.
    Add {
        name: String,
        #[command(flatten)]
        fields: crate::settings::cli::ConnectorFields,
        /// Add it disabled: it carries nothing until enabled.
        #[arg(long)]
        disabled: bool,
    },
    /// Change the fields given, keep the others; in force at once.
    Edit {
        name: String,
        #[command(flatten)]
        fields: crate::settings::cli::ConnectorFields,
    },
    /// Remove a connector; mail queued through it waits until it expires
    /// or is bounced (`connector bounce`, before removing it).
    Remove { name: String },
    /// Let the connector carry mail again.
    Enable { name: String },
    /// Stop the connector carrying mail; its mail waits in the queue.
    Disable { name: String },
    /// Try the connector's queued mail now, lifting its waits after failures.
    Retry { name: String },
    /// Hold the connector's queued mail until resumed (it still expires).
    Suspend { name: String },
    /// Queue the connector's suspended mail again.
    Resume { name: String },
    /// Fail all the connector's waiting mail now, with an NDR to each sender.
    Bounce { name: String },
    /// Check the connector live: DNS, TCP, greeting, EHLO, STARTTLS and
    /// certificate at every address, with the diagnosis an attempt would give.
    Validate {
        name: String,
        /// For a connector that routes by MX: the domain whose MX to check.
        #[arg(long)]
        domain: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// Print JSON (the API's own shapes) instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// open (default), resolved or all.
    #[arg(long)]
    pub state: Option<String>,
    #[command(subcommand)]
    pub command: Option<AlertsCommand>,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Record that you are on an alert; it stays open until the queue drains.
    Ack { id: i64 },
}
