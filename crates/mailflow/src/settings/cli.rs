//! The command-line arguments of the settings commands.

use crate::cli::ApiArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// A connector's fields as flags, mirroring its JSON and config keys.
/// `add` needs `--kind` and `--domain`; `edit` changes only what is given.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectorFields {
    /// on-premises or partner.
    #[arg(long)]
    pub kind: Option<String>,
    /// A recipient domain it carries: contoso.test, *.contoso.test, or *
    /// (repeat for more; on `edit` the list replaces the old one).
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// A next hop, host or host:port, tried in order (repeat for more; on
    /// `edit` the list replaces the old one).
    #[arg(long = "smart-host", value_name = "HOST[:PORT]")]
    pub smart_hosts: Vec<String>,
    /// Route by MX: no smart hosts (on `edit`, clears them).
    #[arg(long, conflicts_with = "smart_hosts")]
    pub mx: bool,
    /// opportunistic, required, verify-ca or verify-name.
    #[arg(long)]
    pub tls: Option<String>,
    /// The name verify-name expects in the certificate.
    #[arg(long)]
    pub tls_name: Option<String>,
    /// Connections open at once to its next hop.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// E.g. 30s; default the node's [delivery] time-out.
    #[arg(long)]
    pub connect_timeout: Option<String>,
    /// E.g. 5m; default the node's [delivery] time-out.
    #[arg(long)]
    pub command_timeout: Option<String>,
}

#[derive(Debug, Args)]
pub struct DomainArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// Print JSON (the API's own shapes) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: DomainCommand,
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// The accepted domains and their types.
    List,
    /// One accepted domain.
    Show { name: String },
    /// Accept mail for a domain; in force for the next RCPT.
    Add {
        name: String,
        /// authoritative (only the directory's recipients) or
        /// internal-relay (unknown recipients go on to the server that shares it).
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
    },
    /// Change a domain's type; in force for the next RCPT.
    Edit {
        name: String,
        /// authoritative or internal-relay.
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
    },
    /// Stop accepting mail for a domain.
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct DirectoryArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// Print JSON (the API's own shapes) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: DirectoryCommand,
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Every entry, one a line.
    List,
    /// Add addresses (or *@domain for a whole domain).
    Add {
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Remove addresses.
    Remove {
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Add the addresses of a file: one a line, or a CSV export with the
    /// address in the first column (`-` reads stdin).
    Import { file: PathBuf },
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// The file: `[[accepted_domains]]`, `[[connectors]]` and `[directory]`
    /// as in mailflow.toml (other sections are checked, not applied); `-`
    /// reads stdin.
    #[arg(long, short = 'f')]
    pub file: PathBuf,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Show the difference only; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub api: ApiArgs,
}
