//! Node settings for tests: SMTP on an ephemeral loopback port, loopback
//! trusted, no DNS servers (a test that routes by MX adds its own).

use crate::ORG;
use mailflow_deliver::DeliverySettings;
use mailflow_receive::ReceiveSettings;
use mailflow_relay::{HeartbeatSettings, NodeSettings, QueueSettings};
use std::time::Duration;

pub fn settings() -> NodeSettings {
    NodeSettings {
        node_name: "relay.test".into(),
        org: ORG.into(),
        receive: ReceiveSettings {
            hostname: "relay.test".into(),
            listen: vec!["127.0.0.1:0".parse().unwrap()],
            trusted_networks: vec!["127.0.0.0/8".parse().unwrap()],
            max_message_size: 10 * 1024 * 1024,
            max_header_size: 256 * 1024,
            max_receiving_memory: 512 * 1024 * 1024,
            max_receiving_memory_per_client: 128 * 1024 * 1024,
            max_recipients: 100,
            max_recipient_overshoot: 1000,
            max_line_length: 1000,
            max_data_line_length: 998,
            command_timeout: Duration::from_secs(30),
            data_timeout: Duration::from_secs(30),
            data_deadline: Duration::from_secs(30),
            max_session_duration: Duration::from_secs(3600),
            max_errors: 10,
            max_junk_commands: 100,
            max_received_headers: 30,
            expiration: Duration::from_secs(24 * 3600),
            org: ORG.into(),
            tls: None,
            auth: mailflow_receive::AuthLimits::default(),
            sessions: mailflow_receive::SessionLimits::default(),
        },
        deliver: DeliverySettings {
            hostname: "relay.test".into(),
            mx_port: 25,
            connect_timeout: Duration::from_secs(2),
            command_timeout: Duration::from_secs(5),
            nameservers: Vec::new(),
            dns_timeout: Duration::from_millis(500),
            trusted_ca_file: None,
            max_delivery_memory: mailflow_deliver::DEFAULT_MAX_DELIVERY_MEMORY,
        },
        queue: QueueSettings::default(),
        heartbeat: HeartbeatSettings::default(),
    }
}
