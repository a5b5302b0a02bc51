//! Shared helpers for the store's tests: a store in a temporary directory
//! and builders for messages, updates and diagnoses.

#![allow(dead_code)]

use mailflow_core::{
    AcceptedDomain, Connector, ConnectorKind, Diagnosis, DomainType, DsnEnvelope, DsnRecipient,
    Event, EventKind, MessageId, Notify, OrgSettings, RecipientState, Ret, Route, SmartHost,
    TlsPolicy,
};
use mailflow_store::{LastError, NewMessage, NewRecipient, RecipientUpdate, SqliteStore};
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;
use time::OffsetDateTime;
use time::macros::datetime;

pub const LEASE: Duration = Duration::from_secs(300);
pub const EXPIRY: Duration = Duration::from_secs(24 * 3600);
/// A count cap for `due_next_hops` that counts everything a test queues.
pub const COUNT_ALL: u64 = u64::MAX;

pub fn t0() -> OffsetDateTime {
    datetime!(2030-01-01 08:00:00.123456789 UTC)
}

pub fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

/// A store in its own temporary directory; the directory lives as long as
/// the value.
pub struct TestStore {
    pub dir: TempDir,
    pub store: SqliteStore,
}

pub async fn open_store() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path()).await.expect("store opens");
    TestStore { dir, store }
}

/// A recipient routed through `connector` (a smart-host next hop named
/// after it), or by MX when `connector` is `None`. The store keeps queue
/// keys as it is given them; these tests name them by the connector alone
/// (`onprem`, `mx/contoso.test`) rather than in an organisation.
pub fn recipient(address: &str, connector: Option<&str>) -> NewRecipient {
    let domain = address.rsplit('@').next().unwrap().to_ascii_lowercase();
    let route = Route {
        connector: connector.map(str::to_string),
        domain,
    };
    let next_hop = match &route.connector {
        Some(connector) => connector.clone(),
        None => format!("mx/{}", route.domain),
    };
    NewRecipient {
        reason: None,
        address: address.to_string(),
        dsn: DsnRecipient::default(),
        route,
        next_hop,
    }
}

pub fn message(at: OffsetDateTime, sender: &str, recipients: Vec<NewRecipient>) -> NewMessage {
    NewMessage {
        message_id_header: None,
        id: MessageId::new(),
        org: "acme".to_string(),
        sender: sender.to_string(),
        client: "192.0.2.1".to_string(),
        received_at: at,
        expires_at: at + EXPIRY,
        dsn: DsnEnvelope::default(),
        body: format!("Subject: test\r\nFrom: {sender}\r\n\r\nHello\r\n")
            .into_bytes()
            .into(),
        recipients,
    }
}

/// A message to one recipient through the `onprem` connector.
pub fn onprem_message(at: OffsetDateTime, address: &str) -> NewMessage {
    message(
        at,
        "alice@acme.test",
        vec![recipient(address, Some("onprem"))],
    )
}

pub fn message_with_dsn(at: OffsetDateTime) -> NewMessage {
    let mut rcpt = recipient("bob@acme.test", Some("onprem"));
    rcpt.dsn = DsnRecipient {
        notify: Some(Notify {
            success: true,
            failure: true,
            delay: false,
        }),
        orcpt: Some("rfc822;bob@acme.test".to_string()),
    };
    let mut message = message(at, "alice@acme.test", vec![rcpt]);
    message.dsn = DsnEnvelope {
        ret: Some(Ret::Headers),
        envid: Some("env-42".to_string()),
    };
    message
}

pub fn refused() -> Diagnosis {
    Diagnosis::ConnectionRefused {
        addr: "192.0.2.10:25".parse().unwrap(),
    }
}

pub fn deferral(
    id: MessageId,
    index: u32,
    at: OffsetDateTime,
    retry_at: OffsetDateTime,
) -> RecipientUpdate {
    RecipientUpdate {
        message_id: id,
        index,
        state: RecipientState::Deferred,
        attempts_added: 1,
        next_attempt_at: Some(retry_at),
        last_error: Some(LastError {
            diagnosis: refused(),
            server: Some("192.0.2.10:25".to_string()),
            at,
        }),
        delivered_reply: None,
        at,
    }
}

pub fn delivery(id: MessageId, index: u32, at: OffsetDateTime) -> RecipientUpdate {
    RecipientUpdate {
        message_id: id,
        index,
        state: RecipientState::Delivered,
        attempts_added: 1,
        next_attempt_at: None,
        last_error: None,
        delivered_reply: Some("250 2.0.0 queued as 42".to_string()),
        at,
    }
}

pub fn operator_event(id: MessageId, at: OffsetDateTime, action: &str) -> Event {
    Event {
        at,
        message_id: id,
        recipient: None,
        next_hop: None,
        connector: None,
        kind: EventKind::Operator {
            action: action.to_string(),
            actor: "test".to_string(),
        },
    }
}

/// The recipient failed for good (the connection was refused).
pub fn failure(id: MessageId, index: u32, at: OffsetDateTime) -> RecipientUpdate {
    RecipientUpdate {
        state: RecipientState::Failed,
        next_attempt_at: None,
        ..deferral(id, index, at, at)
    }
}

/// The rows of `table` in the database file at `path`, read over a
/// connection of its own (with the store closed).
pub async fn count_rows(path: &Path, table: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let count = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    count
}

/// Opens the store in `dir` again once the one dropped before it has let go
/// of the directory: a store dropped without `close` (a crash, in a test)
/// finishes its writes in the background and holds the data directory's
/// lock until then, as a crashed process would until it is gone.
pub async fn reopen(dir: &Path, options: mailflow_store::SqliteOptions) -> SqliteStore {
    for _ in 0..1000 {
        match SqliteStore::open_with(dir, options.clone()).await {
            Err(mailflow_store::StoreError::Locked(_)) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            other => return other.unwrap(),
        }
    }
    panic!("the dropped store never let go of {}", dir.display());
}

/// An organisation with one domain relayed to an on-premises connector
/// and one known recipient.
pub fn org_settings() -> OrgSettings {
    let mut settings = OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "acme.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![Connector {
            name: "onprem".into(),
            kind: ConnectorKind::OnPremises,
            enabled: true,
            recipient_domains: vec!["acme.test".into()],
            smart_hosts: vec!["mail.acme.test:2525".parse::<SmartHost>().unwrap()],
            tls: TlsPolicy::VerifyName,
            tls_name: None,
            connect_timeout: Some(Duration::from_secs(5)),
            command_timeout: None,
            max_connections: 4,
        }],
        ..OrgSettings::default()
    };
    settings.directory.insert("bob@acme.test");
    settings
}
