//! `mailflow alerts`: a running node's alerts through its admin API — the
//! open ones by default (`--state resolved|all` for the rest) — and
//! `mailflow alerts ack ID` to record that someone is on it.

mod render;

use crate::cli::{AlertsArgs, AlertsCommand};
use crate::queue::{ApiClient, ClientError};
use mailflow_admin::AlertView;

/// Runs one `alerts` command and returns what to print.
pub async fn run(args: &AlertsArgs) -> Result<String, ClientError> {
    let client = ApiClient::new(&args.api)?;
    match &args.command {
        None => {
            let state = args.state.as_deref().unwrap_or("open");
            let alerts: Vec<AlertView> = client
                .get_json("/api/v1/alerts", &[("state", state)])
                .await?;
            Ok(if args.json {
                render::json(&alerts)
            } else {
                render::table(&alerts, state)
            })
        }
        Some(AlertsCommand::Ack { id }) => {
            let path = format!("/api/v1/alerts/{id}/ack");
            let alert: AlertView = client.post_json(&path).await?;
            Ok(if args.json {
                render::json(&alert)
            } else {
                render::acknowledged(&alert)
            })
        }
    }
}
