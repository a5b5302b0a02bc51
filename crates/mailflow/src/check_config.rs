//! `mailflow check-config FILE`: what a config file sets up, in a few lines
//! an administrator can read before starting a node with it.

use crate::config::Config;
use mailflow_core::{ConnectorKind, DomainType, TlsPolicy};
use std::time::Duration;

/// The summary printed for a config that is good.
pub fn summary(config: &Config) -> String {
    let node = &config.node;
    let mut lines = vec![format!("{}: OK", config.source)];
    let mut add = |label: &str, value: String| lines.push(format!("  {label:<17} {value}"));
    add("node name", node.node_name.clone());
    add("hostname", node.receive.hostname.clone());
    add("SMTP listen", join(node.receive.listen.iter()));
    add(
        "trusted networks",
        join(node.receive.trusted_networks.iter()),
    );
    add(
        "limits",
        format!(
            "{} per message, headers up to {}, {} recipients (then {} refused for now before each is an error); {} for messages being received at once, {} of it from one client address; lines up to {} characters",
            size(node.receive.max_message_size),
            size(node.receive.max_header_size),
            node.receive.max_recipients,
            node.receive.max_recipient_overshoot,
            size(node.receive.max_receiving_memory),
            size(node.receive.max_receiving_memory_per_client),
            node.receive.max_data_line_length
        ),
    );
    add(
        "sessions",
        format!(
            "{} at once, {} per client address, each open at most {} and closed after {} commands without a message; AUTH refused to an address after {} failed log-ins, for {}",
            node.receive.sessions.max_sessions,
            node.receive.sessions.max_sessions_per_client,
            duration(node.receive.max_session_duration),
            node.receive.max_junk_commands,
            node.receive.auth.lockout_after,
            duration(node.receive.auth.lockout_window)
        ),
    );
    add(
        "admin API",
        format!(
            "http://{}/api/v1, {}",
            config.admin.listen,
            token_note(config)
        ),
    );
    add("store", config.store_path.display().to_string());
    add("DNS", dns_note(config));
    add("retry", retry_note(config));
    add("accepted domains", domains_note(config));
    for connector in &config.org.connectors {
        let route = if connector.smart_hosts.is_empty() {
            "MX".to_string()
        } else {
            join(connector.smart_hosts.iter())
        };
        let state = if connector.enabled { "" } else { " (disabled)" };
        add(
            "connector",
            format!(
                "{}{state}: {}, {} -> {route}, TLS {}",
                connector.name,
                kind_name(connector.kind),
                connector.recipient_domains.join(", "),
                tls_name(connector.tls)
            ),
        );
    }
    add(
        "directory",
        format!("{} entries", config.org.directory.recipients.len()),
    );
    add("alerts", alerts_note(&config.alerts));
    for (connector, rules) in &config.alerts.connectors {
        add("alert rules", connector_rules_note(connector, rules));
    }
    add(
        "log level",
        format!("{} (RUST_LOG, when set, wins)", config.log_level),
    );
    add("org settings", seed_note(config));
    lines.join("\n")
}

/// Whether the next start seeds the organisation's settings from this
/// file or keeps the store's (with the edits made through the API).
fn seed_note(config: &Config) -> String {
    use crate::seed::{SeedOutcome, next_start};
    match next_start(&config.store_path, &config.org) {
        SeedOutcome::AppliedFirst => "seeded into the store from this file at the first start".into(),
        SeedOutcome::AppliedChanged => "changed since the store was last seeded: at the next start they replace the store's, edits made through the API or fixes included (the log names them)".into(),
        SeedOutcome::Kept => "unchanged since the store was last seeded: the store's settings, with edits made through the API or fixes, are kept".into(),
        SeedOutcome::JoinedCluster => "kept from the store the cluster shares".into(),
    }
}

/// The organisation's alert rules and where alerts go; the webhook secret
/// is never shown.
fn alerts_note(alerts: &mailflow_store::AlertSettings) -> String {
    let rules = &alerts.rules;
    let webhook = match (&alerts.webhook_url, &alerts.webhook_secret) {
        (None, _) => "no webhook".to_string(),
        (Some(url), None) => format!("webhook {url} (unsigned)"),
        (Some(url), Some(_)) => format!("webhook {url} (signed)"),
    };
    let emails = if alerts.admin_emails.is_empty() {
        "no e-mail".to_string()
    } else {
        format!("e-mail to {}", alerts.admin_emails.join(", "))
    };
    let quota = alerts.invalid_recipient_quota.map_or_else(
        || "no quota of unknown recipients".to_string(),
        |quota| format!("at most {quota} messages to unknown recipients an hour"),
    );
    format!(
        "when {} recipients wait longer than {} or the oldest waits longer than {}; {webhook}, {emails}, at most {} notifications a day; {quota}",
        rules.queued_threshold,
        duration(rules.queued_age),
        duration(rules.oldest_age),
        alerts.daily_cap
    )
}

fn connector_rules_note(connector: &str, rules: &mailflow_store::AlertRuleOverrides) -> String {
    let mut parts = Vec::new();
    if let Some(threshold) = rules.queued_threshold {
        parts.push(format!("{threshold} recipients"));
    }
    if let Some(age) = rules.queued_age {
        parts.push(format!("waiting longer than {}", duration(age)));
    }
    if let Some(age) = rules.oldest_age {
        parts.push(format!("oldest longer than {}", duration(age)));
    }
    format!("{connector}: {}", parts.join(", "))
}

/// How many tokens, never a token nor its digest.
fn token_note(config: &Config) -> String {
    let admin = &config.admin;
    let hashes = admin.token_digests.len() - admin.plain_tokens;
    match (hashes, admin.plain_tokens) {
        (0, 0) => format!(
            "token generated on first start into {}",
            config.store_path.join(crate::token::TOKEN_FILE).display()
        ),
        (hashes, 0) => format!("{hashes} token hash(es) from the config"),
        (0, plain) => format!("{plain} plain token(s) from the config, hashed at load"),
        (hashes, plain) => format!(
            "{hashes} token hash(es) and {plain} plain token(s) from the config, hashed at load"
        ),
    }
}

fn dns_note(config: &Config) -> String {
    let deliver = &config.node.deliver;
    let servers = if deliver.nameservers.is_empty() {
        "system resolver".to_string()
    } else {
        join(deliver.nameservers.iter())
    };
    format!(
        "{servers}, time-out {}; MX delivery to port {}; at most {} held for bodies being delivered",
        duration(deliver.dns_timeout),
        deliver.mx_port,
        size(deliver.max_delivery_memory)
    )
}

fn retry_note(config: &Config) -> String {
    let queue = &config.node.queue;
    let waits: Vec<String> = queue.retry.iter().copied().map(duration).collect();
    let notice = queue
        .delay_notice
        .map_or("no delay notice".to_string(), |d| {
            format!("delay notice after {}", duration(d))
        });
    format!(
        "{} (the last repeats); expires after {}; {notice}",
        waits.join(", "),
        duration(queue.expiration)
    )
}

fn domains_note(config: &Config) -> String {
    if config.org.accepted_domains.is_empty() {
        return "none".into();
    }
    let domains: Vec<String> = config
        .org
        .accepted_domains
        .iter()
        .map(|d| format!("{} ({})", d.name, domain_type_name(d.kind)))
        .collect();
    domains.join(", ")
}

fn domain_type_name(kind: DomainType) -> &'static str {
    match kind {
        DomainType::Authoritative => "authoritative",
        DomainType::InternalRelay => "internal_relay",
    }
}

fn kind_name(kind: ConnectorKind) -> &'static str {
    match kind {
        ConnectorKind::OnPremises => "on_premises",
        ConnectorKind::Partner => "partner",
    }
}

fn tls_name(policy: TlsPolicy) -> &'static str {
    match policy {
        TlsPolicy::Opportunistic => "opportunistic",
        TlsPolicy::Required => "required",
        TlsPolicy::VerifyCa => "verify_ca",
        TlsPolicy::VerifyName => "verify_name",
    }
}

fn join<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A size in the largest unit of 1024 that divides it: `35MB`, `10KB`, `1000 bytes`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{}GB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{}MB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{}KB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// A duration in the largest unit that divides it: `90s`, `5m`, `24h`.
pub fn duration(value: Duration) -> String {
    let seconds = value.as_secs();
    if value.subsec_millis() != 0 || seconds == 0 {
        return format!("{}ms", value.as_millis());
    }
    match seconds {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
