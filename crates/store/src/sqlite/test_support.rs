//! What the store's unit tests share: a fresh write connection and a small
//! message to accept.

use crate::{NewMessage, NewRecipient};
use mailflow_core::{MessageId, Route};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// A migrated write connection on a new file in `dir`.
pub async fn open_writer_in(dir: &tempfile::TempDir) -> SqliteConnection {
    super::schema::open_writer(&dir.path().join("t.db"), None)
        .await
        .unwrap()
}

/// The spool beside `open_writer_in`'s database.
pub fn spool_in(dir: &tempfile::TempDir) -> super::spool::SharedSpool {
    let spool = super::spool::SpoolWriter::open(dir.path(), 0, None, 64 << 20).unwrap();
    std::sync::Arc::new(std::sync::Mutex::new(spool))
}

/// A short message received at `now`, for `recipients`.
pub fn message(id: MessageId, now: OffsetDateTime, recipients: Vec<NewRecipient>) -> NewMessage {
    NewMessage {
        message_id_header: None,
        id,
        org: "default".into(),
        sender: "a@example.test".into(),
        client: "127.0.0.1".into(),
        received_at: now,
        expires_at: now + time::Duration::DAY,
        dsn: Default::default(),
        body: b"Subject: t\r\n\r\nhello\r\n".to_vec().into(),
        recipients,
    }
}

/// One recipient through the `onprem` connector.
pub fn onprem_recipient() -> NewRecipient {
    NewRecipient {
        reason: None,
        address: "b@example.test".into(),
        dsn: Default::default(),
        route: Route {
            connector: Some("onprem".into()),
            domain: "example.test".into(),
        },
        next_hop: "onprem".into(),
    }
}
