//! `mailflow insights [CONNECTOR]`: the live picture of a running node's
//! connectors through its admin API — one line per connector, or the whole
//! insight of one (why, what to do, which fixes apply); `--json` prints the
//! API's own JSON.

mod render;

use crate::cli::ApiArgs;
use crate::queue::{ApiClient, ClientError};
use clap::Args;
use mailflow_insight::ConnectorInsight;

#[derive(Debug, Args)]
pub struct InsightsArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// One connector's insight in full; `_mx` for MX routing without a connector.
    pub connector: Option<String>,
    /// The explanation's language: en, fr, ru, pt-BR or zh-TW.
    #[arg(long)]
    pub lang: Option<String>,
    /// Print JSON (the API's own shapes) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `insights` and returns what to print.
pub async fn run(args: &InsightsArgs) -> Result<String, ClientError> {
    let client = ApiClient::new(&args.api)?;
    let query: Vec<(&str, &str)> = args
        .lang
        .as_deref()
        .map(|lang| ("lang", lang))
        .into_iter()
        .collect();
    match &args.connector {
        None => {
            let insights: Vec<ConnectorInsight> =
                client.get_json("/api/v1/insights", &query).await?;
            Ok(if args.json {
                render::json(&insights)
            } else {
                render::table(&insights)
            })
        }
        Some(name) => {
            let path = format!("/api/v1/insights/{}", path_segment(name));
            let insight: ConnectorInsight = client.get_json(&path, &query).await?;
            Ok(if args.json {
                render::json(&insight)
            } else {
                render::detail(&insight)
            })
        }
    }
}

/// A connector name as one path segment: everything but unreserved
/// characters percent-encoded.
fn path_segment(name: &str) -> String {
    name.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
