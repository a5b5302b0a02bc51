//! The example organisation: Contoso relays the mail of its own domain,
//! contoso.test, to its on-premises server, and sends mail to three
//! partners — Adatum, Fabrikam and Northwind. Each connector's next hop is
//! one of the demo's peers, so each connector shows one way mail gets
//! stuck (or none).
//!
//! It is written as a config file into the data directory and loaded like
//! any other, so `mailflow check-config` reads it, `SIGHUP` reloads it,
//! and what the demo sets is there to look at. Its node settings are the
//! defaults except where waiting would hide the story: short time-outs
//! and retries, and alert rules that trip within seconds.

use super::peers::{CA_FILE, Peer, PeerAddrs};
use std::path::Path;

/// The file in the data directory the demo's config is written to.
pub const CONFIG_FILE: &str = "demo.toml";

/// The relay's own name.
pub const HOSTNAME: &str = "relay.contoso.test";

/// The names the two SMTP peers go by.
pub const ADATUM_SERVER: &str = "mail.adatum.test";
pub const FABRIKAM_SERVER: &str = "mail.fabrikam.test";

/// The on-premises connector, the one `stop-relaying` is offered for.
pub const ON_PREMISES: &str = "to-onprem";

/// One connector of the example organisation, and what the demo shows on it.
#[derive(Debug, Clone, Copy)]
pub struct ExampleConnector {
    pub name: &'static str,
    pub domain: &'static str,
    pub peer: Peer,
    /// What its next hop does.
    pub next_hop: &'static str,
    /// The code its insight shows; `None` for the healthy one.
    pub code: Option<&'static str>,
}

/// In the order the summary lists them.
pub const CONNECTORS: [ExampleConnector; 4] = [
    ExampleConnector {
        name: "to-adatum",
        domain: "adatum.test",
        peer: Peer::Healthy,
        next_hop: "accepts every message",
        code: None,
    },
    ExampleConnector {
        name: ON_PREMISES,
        domain: "contoso.test",
        peer: Peer::Refusing,
        next_hop: "on-premises server, refuses connections",
        code: Some("4.4.316"),
    },
    ExampleConnector {
        name: "to-fabrikam",
        domain: "fabrikam.test",
        peer: Peer::ExpiredCertificate,
        next_hop: "its certificate has expired",
        code: Some("4.7.320"),
    },
    ExampleConnector {
        name: "to-northwind",
        domain: "northwind.test",
        peer: Peer::Stalled,
        next_hop: "stopped answering",
        code: Some("4.4.315"),
    },
];

/// Mailboxes of contoso.test the directory knows. Mail to others of the
/// domain is relayed on to the on-premises server while the domain is an
/// internal relay, and bounced once `stop-relaying` makes it authoritative.
pub const DIRECTORY: [&str; 4] = [
    "alice@contoso.test",
    "bob@contoso.test",
    "carol@contoso.test",
    "sales@contoso.test",
];

/// The demo's config file, for a data directory and the peers' addresses.
pub fn config_text(data_dir: &Path, peers: &PeerAddrs) -> String {
    let data_dir = toml_string(&data_dir.display().to_string());
    let directory: Vec<String> = DIRECTORY.iter().map(|a| toml_string(a)).collect();
    format!(
        r#"# `mailflow demo`: the example organisation Contoso, its connectors
# pointing at the demo's own servers on loopback ports.

[server]
hostname = "{HOSTNAME}"
smtp_listen = ["127.0.0.1:0"]
# The demo's traffic comes from here, and is relayed.
trusted_networks = ["127.0.0.0/8"]

[admin]
listen = "127.0.0.1:0"

[store]
path = {data_dir}

# Failures show within seconds rather than minutes.
[delivery]
connect_timeout = "3s"
command_timeout = "10s"
# The CA that signed the Fabrikam server's (expired) certificate.
trusted_ca_file = "{CA_FILE}"

[queue]
retry = ["5s", "10s", "20s"]

# Alerts open once mail has waited seconds, not hours.
[alerts]
queued_threshold = 3
queued_age = "10s"
oldest_age = "20s"

# The console tells what fails; RUST_LOG=warn logs every deferral too.
[log]
level = "error"

[[accepted_domains]]
name = "contoso.test"
type = "internal_relay"

[[connectors]]
name = "to-adatum"
kind = "partner"
recipient_domains = ["adatum.test"]
smart_hosts = ["{healthy}"]
tls = "opportunistic"

[[connectors]]
name = "{ON_PREMISES}"
kind = "on_premises"
recipient_domains = ["contoso.test"]
smart_hosts = ["{refusing}"]

[[connectors]]
name = "to-fabrikam"
kind = "partner"
recipient_domains = ["fabrikam.test"]
smart_hosts = ["{expired}"]
tls = "verify_name"
tls_name = "{FABRIKAM_SERVER}"

[[connectors]]
name = "to-northwind"
kind = "partner"
recipient_domains = ["northwind.test"]
smart_hosts = ["{stalled}"]

[directory]
recipients = [{directory}]
"#,
        healthy = peers.healthy,
        refusing = peers.refusing,
        expired = peers.expired_certificate,
        stalled = peers.stalled,
        directory = directory.join(", "),
    )
}

/// A TOML basic string: quoted, with `\` and `"` escaped (a temporary
/// directory's path may hold either).
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn the_example_organisation_is_a_valid_config_with_every_connector() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CA_FILE), "").unwrap();
        let addr = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let peers = PeerAddrs {
            healthy: addr(2001),
            expired_certificate: addr(2002),
            refusing: addr(2003),
            stalled: addr(2004),
        };
        let odd = dir.path().join("a \"quoted\" \\ dir");
        let text = config_text(&odd, &peers);
        let file = dir.path().join(CONFIG_FILE);
        let config = Config::parse(&text, &file, dir.path()).unwrap();
        assert_eq!(config.store_path, odd);
        for connector in CONNECTORS {
            let found = config.org.connector(connector.name).unwrap();
            assert!(found.covers(connector.domain), "{}", connector.name);
        }
        for address in DIRECTORY {
            assert!(config.org.directory.contains(address), "{address}");
        }
    }
}
