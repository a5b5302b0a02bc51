//! Shared helpers for the alert tests: a real SQLite store in a temporary
//! directory, a manual clock, an organisation with an on-premises connector
//! (the one that fails in these tests) and a partner connector for
//! everything else, and messages queued with a refused connection.

#![allow(dead_code)]

use mailflow_alerts::AlertContext;
use mailflow_core::{
    AcceptedDomain, Clock, Connector, ConnectorKind, Diagnosis, DomainType, ManualClock, MessageId,
    OrgSettings, RecipientState, Route, TlsPolicy,
};
use mailflow_store::{
    AlertRules, AlertSettings, AlertStore, LastError, NewMessage, NewRecipient, QueueStore,
    RecipientUpdate, SettingsStore, SqliteStore,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tempfile::TempDir;
use time::OffsetDateTime;
use time::macros::datetime;

pub const ORG: &str = "acme";
pub const FAILING: &str = "to-onprem";
pub const PARTNER: &str = "outbound";
pub const HOUR: Duration = Duration::from_secs(3600);

pub fn t0() -> OffsetDateTime {
    datetime!(2030-01-01 08:00:00 UTC)
}

pub struct Harness {
    pub dir: TempDir,
    pub store: Arc<SqliteStore>,
    pub clock: Arc<ManualClock>,
    pub ctx: AlertContext,
    /// How often the alert e-mail woke the scheduler.
    pub wakes: Arc<AtomicUsize>,
}

impl Harness {
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

/// Rules with a small threshold: 3 recipients over an hour, or 4 hours.
pub fn settings() -> AlertSettings {
    AlertSettings {
        rules: AlertRules {
            queued_threshold: 3,
            queued_age: HOUR,
            oldest_age: 4 * HOUR,
        },
        ..AlertSettings::default()
    }
}

pub async fn harness(alerts: AlertSettings) -> Harness {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(SqliteStore::open(dir.path()).await.expect("store opens"));
    store.save_org_settings(ORG, &org()).await.unwrap();
    store.save_alert_settings(ORG, &alerts).await.unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let wakes = Arc::new(AtomicUsize::new(0));
    let wake = {
        let wakes = wakes.clone();
        Arc::new(move || {
            wakes.fetch_add(1, Ordering::SeqCst);
        })
    };
    let ctx = AlertContext::new(
        store.clone(),
        clock.clone() as Arc<dyn Clock>,
        ORG,
        "relay.acme.test",
        Arc::new(|| 24 * HOUR),
        wake,
    );
    Harness {
        dir,
        store,
        clock,
        ctx,
        wakes,
    }
}

fn connector(name: &str, kind: ConnectorKind, domains: &[&str], smart_host: bool) -> Connector {
    Connector {
        name: name.into(),
        kind,
        enabled: true,
        recipient_domains: domains.iter().map(|d| d.to_string()).collect(),
        smart_hosts: if smart_host {
            vec!["127.0.0.1:9".parse().unwrap()]
        } else {
            vec![]
        },
        tls: TlsPolicy::Opportunistic,
        tls_name: None,
        connect_timeout: None,
        command_timeout: None,
        max_connections: 4,
    }
}

/// contoso.test is shared with the on-premises server behind `to-onprem`;
/// every other domain goes through the partner connector `outbound`.
pub fn org() -> OrgSettings {
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![
            connector(FAILING, ConnectorKind::OnPremises, &["contoso.test"], true),
            connector(PARTNER, ConnectorKind::Partner, &["*"], false),
        ],
        directory: Default::default(),
    }
}

pub fn refused() -> Diagnosis {
    Diagnosis::ConnectionRefused {
        addr: "127.0.0.1:9".parse().unwrap(),
    }
}

/// Queues `count` one-recipient messages received at `received_at` through
/// `connector`, each deferred once with a refused connection.
pub async fn queue(
    h: &Harness,
    connector: &str,
    count: usize,
    received_at: OffsetDateTime,
) -> Vec<MessageId> {
    queue_in(h, ORG, connector, count, received_at).await
}

/// As `queue`, in the organisation `org`.
pub async fn queue_in(
    h: &Harness,
    org: &str,
    connector: &str,
    count: usize,
    received_at: OffsetDateTime,
) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for n in 0..count {
        let domain = if connector == FAILING {
            "contoso.test"
        } else {
            "fabrikam.test"
        };
        let route = Route {
            connector: Some(connector.into()),
            domain: domain.into(),
        };
        let next_hop = route.next_hop(org, connector == FAILING);
        let id = MessageId::new();
        h.store
            .accept_message(NewMessage {
                message_id_header: None,
                id,
                org: org.into(),
                sender: "alice@contoso.test".into(),
                client: "192.0.2.1".into(),
                received_at,
                expires_at: received_at + 24 * HOUR,
                dsn: Default::default(),
                body: b"Subject: hello\r\n\r\nHello\r\n".to_vec().into(),
                recipients: vec![NewRecipient {
                    reason: None,
                    address: format!("user{n}@{domain}"),
                    dsn: Default::default(),
                    route,
                    next_hop,
                }],
            })
            .await
            .unwrap();
        let at = received_at + Duration::from_secs(1);
        h.store
            .record(vec![update(id, RecipientState::Deferred, at)], vec![])
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

fn update(id: MessageId, state: RecipientState, at: OffsetDateTime) -> RecipientUpdate {
    let deferred = state == RecipientState::Deferred;
    RecipientUpdate {
        message_id: id,
        index: 0,
        state,
        attempts_added: 1,
        next_attempt_at: deferred.then_some(at + 5 * HOUR),
        last_error: deferred.then(|| LastError {
            diagnosis: refused(),
            server: Some("127.0.0.1:9".into()),
            at,
        }),
        delivered_reply: (!deferred).then(|| "250 2.0.0 ok".to_string()),
        at,
    }
}

/// The on-premises server came back: every message is delivered.
pub async fn deliver(h: &Harness, ids: &[MessageId]) {
    let at = h.clock.now();
    let updates = ids
        .iter()
        .map(|id| update(*id, RecipientState::Delivered, at))
        .collect();
    h.store.record(updates, vec![]).await.unwrap();
}
