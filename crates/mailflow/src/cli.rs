//! The command line: `serve`, `check-config`, and the commands that talk to
//! a running node's admin API (`queue`, `node`, …).

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
    /// Try mailflow: a node with an example organisation, servers for its
    /// connectors (one healthy, three failing) and a trickle of mail; prints
    /// the console's address and a token to log in with. Ctrl-C stops it.
    Demo(crate::demo::DemoArgs),
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
    /// The nodes sharing the store: list them, drain one (it takes no new
    /// work, finishes or gives back what it holds), resume it.
    Node(NodesArgs),
    /// The organisations the nodes serve: list them, make one, rename one,
    /// remove one (with everything it has). Needs a token of every
    /// organisation.
    Org(OrgArgs),
}

#[derive(Debug, Args)]
pub struct OrgArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// Print JSON (the API's own shapes) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: OrgCommand,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Every organisation, with its accepted domains and connectors.
    List,
    /// Make an organisation, with no accepted domain, connector or
    /// directory entry yet (set it up with `--org NAME` on `domain`,
    /// `connector`, `directory`, `apply`).
    Create {
        /// 1 to 63 ASCII letters, digits, '-', '_' and '.', not starting
        /// with '.' or '-'.
        name: String,
    },
    /// Give an organisation a new name, with everything it has: settings,
    /// queued mail, history, users, tokens and audit entries.
    Rename { name: String, new_name: String },
    /// Remove an organisation and everything it has; refused while any of
    /// its mail waits or reports to its senders are owed.
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct NodesArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// Print JSON (the API's own shapes) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: NodeCommand,
}

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Every node that wrote a heartbeat: state (running, draining,
    /// drained, stopped or missing), recipients in flight, version, last
    /// heartbeat.
    List,
    /// Stop a node taking work: new SMTP clients get 421 4.3.2, its
    /// deliveries under way finish, what it still holds goes back to the
    /// queue for the other nodes. It stays drained, across restarts too,
    /// until resumed.
    Drain {
        /// The node's name (`[node] name`; `mailflow node list` shows them).
        name: String,
        /// Wait until the node reports `drained`.
        #[arg(long)]
        wait: bool,
        /// How long `--wait` waits at most, e.g. 10m.
        #[arg(long, default_value = "15m", requires = "wait")]
        timeout: String,
    },
    /// Let a drained (or draining) node take work again.
    Resume { name: String },
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
    /// Act on this organisation (a token of every organisation may name
    /// any); default: the token's own, else the node's.
    #[arg(long, env = "MAILFLOW_ORG", global = true)]
    pub org: Option<String>,
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
        /// Received longer ago than this, e.g. 2h, 30m, 1d.
        #[arg(long)]
        older_than: Option<String>,
        /// Received less long ago than this, e.g. 15m.
        #[arg(long)]
        newer_than: Option<String>,
        /// Go on from the cursor a page before printed (`--json` shows it as `next_cursor`).
        #[arg(long)]
        cursor: Option<String>,
        /// At most this many messages per page.
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
    /// Make mail due now, lifting the waits of its next hops.
    Retry(QueueActionArgs),
    /// Hold mail until resumed (it still expires).
    Suspend(QueueActionArgs),
    /// Queue suspended mail again.
    Resume(QueueActionArgs),
    /// Fail mail for good now, with a non-delivery report to each sender.
    Bounce(QueueActionArgs),
    /// Remove mail from the queue, with no report to the senders.
    Delete(QueueActionArgs),
}

/// One message by id, or the messages a filter picks. With a filter, the
/// count is asked for first; bouncing or deleting more than one message
/// asks for confirmation unless `--yes`.
#[derive(Debug, Clone, Args)]
pub struct QueueActionArgs {
    /// The message id; without it, the filter flags pick the messages.
    pub id: Option<String>,
    /// Only this recipient (of the message, or of each message picked).
    #[arg(long)]
    pub recipient: Option<String>,
    /// A connector name; `_mx` for mail routed by MX without one.
    #[arg(long, conflicts_with = "id")]
    pub connector: Option<String>,
    /// The queue the recipients wait in, e.g. to-onprem or mx/fabrikam.test.
    #[arg(long, conflicts_with = "id")]
    pub next_hop: Option<String>,
    /// The enhanced code of the last error, e.g. 4.4.316.
    #[arg(long, conflicts_with = "id")]
    pub code: Option<String>,
    /// queued, deferred, suspended (or in_flight, which is left alone).
    #[arg(long, conflicts_with = "id")]
    pub state: Option<String>,
    #[arg(long, conflicts_with = "id")]
    pub sender: Option<String>,
    /// Received longer ago than this, e.g. 2h, 30m, 1d.
    #[arg(long, conflicts_with = "id")]
    pub older_than: Option<String>,
    /// Received less long ago than this, e.g. 15m.
    #[arg(long, conflicts_with = "id")]
    pub newer_than: Option<String>,
    /// Received before (RFC 3339).
    #[arg(long, conflicts_with = "id")]
    pub received_before: Option<String>,
    /// Received at or after (RFC 3339).
    #[arg(long, conflicts_with = "id")]
    pub received_after: Option<String>,
    /// Every pending message: needed when no filter is given.
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
    /// Only print how many messages and recipients the filter picks.
    #[arg(long, conflicts_with = "id")]
    pub dry_run: bool,
    /// Do not ask before bouncing or deleting more than one message.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print JSON (the API's answers) instead of text.
    #[arg(long)]
    pub json: bool,
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
    /// The organisation's alert rules and where alerts go.
    Settings,
    /// Change the organisation's alert settings, live; what is not given stays.
    Set(AlertSettingsChange),
    /// Give one connector thresholds of its own (`--clear`: follow the organisation's).
    Connector {
        name: String,
        #[arg(long)]
        queued_threshold: Option<u64>,
        /// e.g. 30m.
        #[arg(long)]
        queued_age: Option<String>,
        /// e.g. 2h.
        #[arg(long)]
        oldest_age: Option<String>,
        #[arg(long, conflicts_with_all = ["queued_threshold", "queued_age", "oldest_age"])]
        clear: bool,
    },
}

/// The alert settings `alerts set` changes, as in the config's `[alerts]`.
#[derive(Debug, Args)]
pub struct AlertSettingsChange {
    /// Rule (a): at least this many recipients queued longer than --queued-age.
    #[arg(long)]
    pub queued_threshold: Option<u64>,
    /// e.g. 1h.
    #[arg(long)]
    pub queued_age: Option<String>,
    /// Rule (b): the oldest queued message older than this, e.g. 4h.
    #[arg(long)]
    pub oldest_age: Option<String>,
    /// Where alerts are POSTed; an empty value removes the webhook.
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Signs webhook bodies; read from the first line of stdin.
    #[arg(long)]
    pub webhook_secret_stdin: bool,
    /// An administrator who gets alerts by e-mail (repeat it); replaces the list.
    #[arg(long = "admin-email")]
    pub admin_emails: Vec<String>,
    #[arg(long)]
    pub daily_cap: Option<u32>,
    /// Unknown recipients per hour before an alert; 0 removes the quota.
    #[arg(long)]
    pub invalid_recipient_quota: Option<u64>,
}
