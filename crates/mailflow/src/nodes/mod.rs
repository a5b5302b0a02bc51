//! `mailflow node`: the nodes sharing a running node's store, through its
//! admin API — `list` them, `drain NAME` (with `--wait`, until it is
//! drained) and `resume NAME`. Any node's API can drain any node.

mod render;

use crate::cli::{NodeCommand, NodesArgs};
use crate::fix::path_segment;
use crate::queue::{ApiClient, ClientError};
use mailflow_admin::NodeView;
use std::time::{Duration, Instant};

/// How often `drain --wait` asks how the node is doing.
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum NodeCliError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("--timeout: {0}")]
    BadTimeout(String),
    #[error(
        "node {name:?} is still {state} after {waited}, with {in_flight} recipient(s) in flight; \
         it goes on draining (see `mailflow node list`)"
    )]
    StillDraining {
        name: String,
        state: String,
        in_flight: u64,
        waited: String,
    },
    #[error(
        "node {name:?} is {state} and will not report drained: {}",
        if state == "missing" {
            "it stopped writing heartbeats; what it held goes to other nodes as its leases run out"
        } else {
            "it stopped; what it held went back to the queue when it stopped"
        }
    )]
    Gone { name: String, state: String },
    #[error("node {0:?} is no longer listed")]
    Vanished(String),
}

/// Runs one `node` command and returns what to print.
pub async fn run(args: &NodesArgs) -> Result<String, NodeCliError> {
    let client = ApiClient::new(&args.api)?;
    match &args.command {
        NodeCommand::List => {
            let nodes: Vec<NodeView> = client.get_json("/api/v1/nodes", &[]).await?;
            Ok(match args.json {
                true => render::json(&nodes),
                false => render::table(&nodes),
            })
        }
        NodeCommand::Drain {
            name,
            wait,
            timeout,
        } => {
            let timeout = humantime::parse_duration(timeout.trim())
                .map_err(|e| NodeCliError::BadTimeout(format!("{timeout:?}: {e}")))?;
            let path = format!("/api/v1/nodes/{}/drain", path_segment(name));
            let asked: NodeView = client.post_json(&path).await?;
            let node = match wait {
                true => wait_until_drained(&client, name, timeout).await?,
                false => asked,
            };
            Ok(match args.json {
                true => render::json(&node),
                false => render::drain_asked(&node, *wait),
            })
        }
        NodeCommand::Resume { name } => {
            let path = format!("/api/v1/nodes/{}/resume", path_segment(name));
            let node: NodeView = client.post_json(&path).await?;
            Ok(match args.json {
                true => render::json(&node),
                false => render::resumed(&node),
            })
        }
    }
}

/// Asks the API how the node is doing until it says `drained`, or for at
/// most `timeout`.
async fn wait_until_drained(
    client: &ApiClient,
    name: &str,
    timeout: Duration,
) -> Result<NodeView, NodeCliError> {
    let started = Instant::now();
    loop {
        let nodes: Vec<NodeView> = client.get_json("/api/v1/nodes", &[]).await?;
        let node = nodes
            .into_iter()
            .find(|node| node.name == name)
            .ok_or_else(|| NodeCliError::Vanished(name.to_string()))?;
        match node.state.as_str() {
            "drained" => return Ok(node),
            "missing" | "stopped" => {
                return Err(NodeCliError::Gone {
                    name: node.name,
                    state: node.state,
                });
            }
            _ => {}
        }
        if started.elapsed() + POLL > timeout {
            return Err(NodeCliError::StillDraining {
                name: node.name,
                state: node.state,
                in_flight: node.in_flight,
                waited: humantime::format_duration(timeout).to_string(),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}
