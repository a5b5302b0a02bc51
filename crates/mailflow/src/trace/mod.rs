//! `mailflow trace`: every event of the messages a search finds on a
//! running node (by mailflow's message id or the `Message-ID:` header, sender, recipient, time, status), through
//! its admin API; `--json` prints the API's own JSON.

mod render;

use crate::cli::ApiArgs;
use crate::queue::{ApiClient, ClientError};
use clap::Args;
use mailflow_admin::TraceView;

#[derive(Debug, Args)]
pub struct TraceArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// mailflow's message id, or the message's `Message-ID:` header
    /// (`<local@domain>`, the angle brackets optional).
    #[arg(long)]
    pub message_id: Option<String>,
    #[arg(long)]
    pub sender: Option<String>,
    #[arg(long)]
    pub recipient: Option<String>,
    /// Received at or after (RFC 3339, e.g. 2030-01-01T10:00:00Z).
    #[arg(long)]
    pub since: Option<String>,
    /// Received before (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
    /// A recipient's state now: queued, in_flight, deferred, delivered, failed or suspended.
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many messages.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON (the API's own shapes) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `trace` and returns what to print.
pub async fn run(args: &TraceArgs) -> Result<String, ClientError> {
    let client = ApiClient::new(&args.api)?;
    let limit = args.limit.map(|l| l.to_string());
    let fields = [
        ("message_id", args.message_id.as_deref()),
        ("sender", args.sender.as_deref()),
        ("recipient", args.recipient.as_deref()),
        ("since", args.since.as_deref()),
        ("until", args.until.as_deref()),
        ("status", args.status.as_deref()),
        ("limit", limit.as_deref()),
    ];
    let query: Vec<(&str, &str)> = fields
        .iter()
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    let traces: Vec<TraceView> = client.get_json("/api/v1/trace", &query).await?;
    Ok(if args.json {
        render::json(&traces)
    } else {
        render::text(&traces)
    })
}
