//! The engine of a mailflow node: it starts the SMTP listener, claims due
//! work from the store, hands it to delivery, records outcomes, retries,
//! expires and notifies.

use mailflow_deliver::DeliverySettings;
use mailflow_receive::ReceiveSettings;
use std::time::Duration;

/// Everything a node needs, built from the config by the binary.
#[derive(Debug, Clone)]
pub struct NodeSettings {
    /// Names this node in leases and events.
    pub node_name: String,
    pub org: String,
    pub receive: ReceiveSettings,
    pub deliver: DeliverySettings,
    pub queue: QueueSettings,
}

/// From the `[queue]` section.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// The waits between attempts; the last one repeats.
    pub retry: Vec<Duration>,
    pub expiration: Duration,
    /// `None`: no delay notices.
    pub delay_notice: Option<Duration>,
    /// Connections open at once per next hop (a connector's own
    /// `max_connections` overrides it).
    pub max_connections_per_hop: usize,
    /// Messages carried by one connection before it is closed.
    pub max_messages_per_connection: usize,
    /// How long a claim lasts before another node may take the work over.
    pub lease: Duration,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            retry: ["1m", "5m", "15m", "30m", "1h"]
                .iter()
                .map(|s| Duration::from_secs(match *s {
                    "1m" => 60,
                    "5m" => 300,
                    "15m" => 900,
                    "30m" => 1800,
                    _ => 3600,
                }))
                .collect(),
            expiration: Duration::from_secs(24 * 3600),
            delay_notice: Some(Duration::from_secs(4 * 3600)),
            max_connections_per_hop: 10,
            max_messages_per_connection: 100,
            lease: Duration::from_secs(600),
        }
    }
}
