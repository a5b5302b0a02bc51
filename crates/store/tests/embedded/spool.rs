//! The body spool: bodies live in segment files beside the database, a
//! segment goes once no waiting message needs it, and nothing waiting ever
//! loses its body.

use crate::common::*;
use mailflow_store::{BodyStore, QueueStore, SqliteOptions, SqliteStore};
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use std::time::Duration;

/// The spool's segment files, by name, oldest first.
fn segments(data: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data.join("spool"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Small segments, looked at between every two groups; `grace` as given.
fn small_segments(grace: Duration) -> SqliteOptions {
    SqliteOptions {
        spool_segment_bytes: 1024,
        spool_collect_every: Duration::ZERO,
        spool_grace: grace,
        ..SqliteOptions::default()
    }
}

/// Two accepts in a row: the writer looks at the spool after a group's
/// answers are sent, so the first look is over once the second is answered.
async fn two_accepts(store: &SqliteStore) {
    for address in ["dave@acme.test", "erin@acme.test"] {
        store.accept_message(sized(address, 10)).await.unwrap();
    }
}

/// A store with small segments (see `small_segments`).
async fn open_small(data: &Path, grace: Duration) -> SqliteStore {
    SqliteStore::open_with(data, small_segments(grace))
        .await
        .unwrap()
}

/// Records `message`'s only recipient as delivered.
async fn deliver(store: &SqliteStore, message: &mailflow_store::NewMessage) {
    store
        .record(vec![delivery(message.id, 0, t0())], Vec::new())
        .await
        .unwrap();
}

/// Whether the spool's first segment is still there.
fn first_segment_kept(data: &Path) -> bool {
    segments(data).contains(&"0000000000000001.seg".to_string())
}

fn sized(address: &str, size: usize) -> mailflow_store::NewMessage {
    let mut message = onprem_message(t0(), address);
    message.body = vec![b'b'; size].into();
    message
}

#[tokio::test]
async fn a_restart_deletes_the_segments_of_finished_messages_and_keeps_waiting_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let done = sized("bob@acme.test", 3000);
    store.accept_message(done.clone()).await.unwrap();
    deliver(&store, &done).await;
    store.close().await.unwrap();
    assert_eq!(segments(dir.path()).len(), 1);

    // Each start appends to a segment of its own.
    let store = SqliteStore::open(dir.path()).await.unwrap();
    assert!(
        segments(dir.path()).is_empty(),
        "its only message was delivered"
    );
    let waiting = sized("carol@acme.test", 2000);
    store.accept_message(waiting.clone()).await.unwrap();
    store.close().await.unwrap();

    let store = SqliteStore::open(dir.path()).await.unwrap();
    assert_eq!(segments(dir.path()), vec!["0000000000000002.seg"]);
    assert_eq!(
        store.body(waiting.id).await.unwrap(),
        Some(waiting.body.to_vec())
    );
    assert_eq!(
        store.body(done.id).await.unwrap(),
        None,
        "gone with its segment"
    );
    assert!(
        store.message(done.id).await.unwrap().is_some(),
        "the row stays"
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_running_store_deletes_a_full_segment_once_its_last_message_finished() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_small(dir.path(), Duration::ZERO).await;
    // Past the segment's size: the next body starts segment 2.
    let first = sized("bob@acme.test", 2000);
    store.accept_message(first.clone()).await.unwrap();
    let second = sized("carol@acme.test", 10);
    store.accept_message(second.clone()).await.unwrap();
    assert_eq!(segments(dir.path()).len(), 2);
    two_accepts(&store).await;
    assert_eq!(
        segments(dir.path()).len(),
        2,
        "segment 1 still has a waiting message"
    );

    deliver(&store, &first).await;
    two_accepts(&store).await;
    assert_eq!(segments(dir.path()), vec!["0000000000000002.seg"]);
    assert_eq!(store.body(first.id).await.unwrap(), None);
    assert_eq!(
        store.body(second.id).await.unwrap(),
        Some(second.body.to_vec())
    );
    store.close().await.unwrap();
}

/// Whether `message` waits, as the database file alone says: what a power
/// cut leaves when the WAL's last frames never reached the disk.
async fn pending_in_file_alone(data: &Path, message: mailflow_core::MessageId) -> Option<bool> {
    let copy = tempfile::tempdir().unwrap();
    let file = copy.path().join("mailflow.db");
    std::fs::copy(data.join("mailflow.db"), &file).unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let pending: Option<bool> = sqlx::query_scalar("SELECT pending FROM messages WHERE id = ?")
        .bind(message.0.as_bytes().to_vec())
        .fetch_optional(&mut conn)
        .await
        // A file the WAL never reached has no tables yet: nothing waits in it.
        .unwrap_or(None);
    conn.close().await.unwrap();
    pending
}

#[tokio::test]
async fn a_segment_goes_only_once_its_messages_being_done_is_in_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_small(dir.path(), Duration::ZERO).await;
    let done = sized("bob@acme.test", 2000);
    store.accept_message(done.clone()).await.unwrap();
    // The delivery is committed at synchronous=NORMAL: in the WAL only.
    deliver(&store, &done).await;
    two_accepts(&store).await;
    assert!(
        !first_segment_kept(dir.path()),
        "the delivered message's segment went"
    );
    assert_eq!(
        pending_in_file_alone(dir.path(), done.id).await,
        Some(false),
        "without the WAL the message must not come back as waiting"
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_reader_holding_back_the_checkpoint_holds_back_the_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_small(dir.path(), Duration::ZERO).await;
    let done = sized("bob@acme.test", 2000);
    store.accept_message(done.clone()).await.unwrap();
    // A reader whose snapshot predates the delivery: the WAL frames past it
    // cannot be copied into the database file while it reads.
    let url = format!("sqlite://{}", dir.path().join("mailflow.db").display());
    let mut reader = SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
    let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&mut reader)
        .await
        .unwrap();
    deliver(&store, &done).await;
    two_accepts(&store).await;
    assert!(
        first_segment_kept(dir.path()),
        "kept while the checkpoint cannot finish"
    );

    sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
    reader.close().await.unwrap();
    two_accepts(&store).await;
    assert!(!first_segment_kept(dir.path()));
    assert_eq!(
        pending_in_file_alone(dir.path(), done.id).await,
        Some(false)
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_segment_stays_while_a_report_quoting_its_body_is_owed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_small(dir.path(), Duration::ZERO).await;
    let failed = sized("bob@acme.test", 2000);
    store.accept_message(failed.clone()).await.unwrap();
    store
        .record(vec![failure(failed.id, 0, t0())], Vec::new())
        .await
        .unwrap();
    two_accepts(&store).await;
    assert!(first_segment_kept(dir.path()), "its report is still owed");
    assert_eq!(
        store.body(failed.id).await.unwrap(),
        Some(failed.body.to_vec())
    );

    store.reports_queued(failed.id, &[0]).await.unwrap();
    two_accepts(&store).await;
    assert!(!first_segment_kept(dir.path()));
    store.close().await.unwrap();
}

#[tokio::test]
async fn within_the_grace_a_finished_messages_body_can_still_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let grace = Duration::from_secs(3600);
    let store = open_small(dir.path(), grace).await;
    let failed = sized("bob@acme.test", 2000);
    store.accept_message(failed.clone()).await.unwrap();
    deliver(&store, &failed).await;
    two_accepts(&store).await;
    assert_eq!(segments(dir.path()).len(), 2);
    assert_eq!(
        store.body(failed.id).await.unwrap(),
        Some(failed.body.to_vec())
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_segment_with_one_waiting_message_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_small(dir.path(), Duration::ZERO).await;
    let delivered = sized("bob@acme.test", 600);
    let waiting = sized("carol@acme.test", 600);
    store.accept_message(delivered.clone()).await.unwrap();
    store.accept_message(waiting.clone()).await.unwrap();
    deliver(&store, &delivered).await;
    two_accepts(&store).await;
    assert!(first_segment_kept(dir.path()));
    assert_eq!(
        store.body(waiting.id).await.unwrap(),
        Some(waiting.body.to_vec())
    );
    assert_eq!(
        store.body(delivered.id).await.unwrap(),
        Some(delivered.body.to_vec())
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_body_stored_in_its_row_before_the_spool_still_reads_back() {
    let t = open_store().await;
    let message = onprem_message(t0(), "bob@acme.test");
    t.store.accept_message(message.clone()).await.unwrap();
    let path = t.store.path().to_path_buf();
    t.store.close().await.unwrap();

    // As a data directory written before the spool holds it.
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE messages SET body = x'6f6c64', body_segment = NULL, body_offset = NULL")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let store = SqliteStore::open(t.dir.path()).await.unwrap();
    assert_eq!(store.body(message.id).await.unwrap(), Some(b"old".to_vec()));
    assert_eq!(
        store.bodies(&[message.id]).await.unwrap().get(&message.id),
        Some(&b"old".to_vec())
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_second_open_of_a_data_directory_is_refused_and_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = open_small(dir.path(), Duration::ZERO).await;
    let message = sized("dave@acme.test", 10);
    first.accept_message(message.clone()).await.unwrap();
    deliver(&first, &message).await;
    let before = segments(dir.path());
    assert!(!before.is_empty(), "the body went to a segment");

    // A finished message's segment is what a second opener would clean up.
    let second = SqliteStore::open_with(dir.path(), small_segments(Duration::ZERO)).await;
    match second {
        Err(mailflow_store::StoreError::Locked(mailflow_store::LockError::Held {
            dir: named,
            holder,
        })) => {
            assert_eq!(named, dir.path());
            assert_eq!(holder, Some(std::process::id()));
        }
        Err(other) => panic!("the second open failed otherwise: {other}"),
        Ok(_) => panic!("the data directory was opened twice"),
    }
    assert_eq!(
        segments(dir.path()),
        before,
        "the refused open deleted nothing"
    );
    assert!(first.body(message.id).await.unwrap().is_some());

    first.close().await.unwrap();
    let reopened = open_small(dir.path(), Duration::ZERO).await;
    assert!(reopened.message(message.id).await.unwrap().is_some());
    reopened.close().await.unwrap();
}
