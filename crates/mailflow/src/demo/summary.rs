//! What the demo prints once it runs: where the console is and the token
//! to log in with (each on a line of its own, `label: value`, for people
//! and scripts alike), the example organisation's connectors and what each
//! one's next hop does, and what to look at.

use super::organisation::{CONNECTORS, ON_PREMISES};
use super::peers::PeerAddrs;
use super::trickle;
use std::net::SocketAddr;
use std::path::Path;

pub struct Summary<'a> {
    pub admin: SocketAddr,
    pub smtp: SocketAddr,
    pub token: &'a str,
    pub data_dir: &'a Path,
    pub config: &'a Path,
    /// The data directory stays after the demo.
    pub kept: bool,
    pub peers: PeerAddrs,
}

impl Summary<'_> {
    pub fn render(&self) -> String {
        let stays = if self.kept {
            "kept when the demo stops"
        } else {
            "removed when the demo stops; --keep keeps it"
        };
        let mut lines = vec![
            "mailflow demo is running".to_string(),
            format!("  console:    http://{}/", self.admin),
            format!("  token:      {}", self.token),
            format!("  admin API:  http://{}/api/v1", self.admin),
            format!("  SMTP:       {}", self.smtp),
            format!("  data dir:   {} ({stays})", self.data_dir.display()),
            format!("  config:     {}", self.config.display()),
            String::new(),
            "The example organisation, Contoso, and its connectors:".to_string(),
        ];
        let mut rows = Vec::new();
        for connector in CONNECTORS {
            let expected = connector.code.map_or_else(
                || "healthy".to_string(),
                |code| format!("fails with {code}"),
            );
            rows.push([
                format!("  {}", connector.name),
                connector.domain.to_string(),
                self.peers.of(connector.peer).to_string(),
                connector.next_hop.to_string(),
                expected,
            ]);
        }
        lines.push(crate::text_table::aligned(&rows));
        lines.extend([
            String::new(),
            format!(
                "A message goes out every {:.1} s. Within a minute the console shows the failing",
                trickle::EVERY.as_secs_f32()
            ),
            "connectors with their codes and causes, an alert, and the fixes. Try".to_string(),
            format!(
                "\"stop relaying to on-premises\" (fix stop-relaying:{ON_PREMISES}): contoso.test becomes"
            ),
            "authoritative, and mail for people the directory does not know is bounced.".to_string(),
            "Press Ctrl-C to stop the demo.".to_string(),
        ]);
        lines.join("\n")
    }
}
