//! Accepting messages: what goes in comes back, durably, and many
//! concurrent accepts share their commits.

use crate::common::*;
use mailflow_core::RecipientState;
use mailflow_store::{BodyStore, QueueStore, SqliteOptions, SqliteStore, StoreError};
use sqlx::{Connection, SqliteConnection};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_accepts_are_all_durable_and_share_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let message = onprem_message(t0(), &format!("user{i}@acme.test"));
                store
                    .accept_message(message.clone())
                    .await
                    .map(|()| message.id)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap());
    }
    let batches = store.commit_batches();
    assert!(batches < 200, "200 messages took {batches} commits");
    assert!(batches >= 1);
    for id in &ids {
        assert!(store.message(*id).await.unwrap().is_some());
    }
    Arc::into_inner(store).unwrap().close().await.unwrap();

    let reopened = SqliteStore::open(dir.path()).await.unwrap();
    for id in &ids {
        assert!(
            reopened.message(*id).await.unwrap().is_some(),
            "message {id} survives a reopen"
        );
    }
    reopened.close().await.unwrap();
}

#[tokio::test]
async fn accepted_messages_survive_dropping_the_store_without_closing_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let message = onprem_message(t0(), "bob@acme.test");
    store.accept_message(message.clone()).await.unwrap();
    drop(store);

    let reopened = reopen(dir.path(), Default::default()).await;
    let stored = reopened
        .message(message.id)
        .await
        .unwrap()
        .expect("durable");
    assert_eq!(stored.recipients[0].state, RecipientState::Queued);
    assert_eq!(
        reopened.body(message.id).await.unwrap(),
        Some(message.body.to_vec())
    );
    reopened.close().await.unwrap();
}

#[tokio::test]
async fn a_full_store_refuses_new_messages_with_full_and_keeps_accepted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions {
        max_size_bytes: Some(256 * 1024),
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(dir.path(), options.clone())
        .await
        .unwrap();
    let mut accepted = Vec::new();
    let refusal = loop {
        let mut message = onprem_message(t0(), "bob@acme.test");
        message.body = vec![b'x'; 20 * 1024].into();
        match store.accept_message(message.clone()).await {
            Ok(()) => accepted.push(message.id),
            Err(error) => break error,
        }
        assert!(accepted.len() < 100, "the size cap never filled");
    };
    assert!(matches!(refusal, StoreError::Full(_)), "{refusal:?}");
    assert!(!accepted.is_empty());
    // Still full, still answering.
    let mut big = onprem_message(t0(), "carol@acme.test");
    big.body = vec![b'y'; 64 * 1024].into();
    assert!(matches!(
        store.accept_message(big).await,
        Err(StoreError::Full(_))
    ));
    drop(store);

    let reopened = reopen(dir.path(), options).await;
    for id in &accepted {
        assert_eq!(reopened.body(*id).await.unwrap().unwrap().len(), 20 * 1024);
    }
    reopened.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_a_group_commit_only_the_messages_that_do_not_fit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions {
        max_size_bytes: Some(320 * 1024),
        ..SqliteOptions::default()
    };
    let store = Arc::new(SqliteStore::open_with(dir.path(), options).await.unwrap());
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut message = onprem_message(t0(), &format!("user{i}@acme.test"));
                message.body = vec![b'x'; 16 * 1024].into();
                (message.id, store.accept_message(message).await)
            })
        })
        .collect();
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    for task in tasks {
        match task.await.unwrap() {
            (id, Ok(())) => accepted.push(id),
            (id, Err(StoreError::Full(_))) => refused.push(id),
            (_, Err(other)) => panic!("unexpected error {other:?}"),
        }
    }
    assert!(
        !accepted.is_empty() && !refused.is_empty(),
        "{} accepted, {} refused",
        accepted.len(),
        refused.len()
    );
    for id in &accepted {
        assert!(store.message(*id).await.unwrap().is_some());
    }
    for id in &refused {
        assert!(store.message(*id).await.unwrap().is_none());
    }
    Arc::into_inner(store).unwrap().close().await.unwrap();
}

#[tokio::test]
async fn the_database_file_is_in_wal_mode_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    let store = SqliteStore::open(&data).await.unwrap();
    assert_eq!(store.path(), data.join(SqliteStore::FILE_NAME));
    store.close().await.unwrap();

    let url = format!("sqlite://{}", data.join(SqliteStore::FILE_NAME).display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn body_is_stored_once_whatever_the_number_of_recipients() {
    let t = open_store().await;
    let recipients = (0..50)
        .map(|i| recipient(&format!("user{i}@acme.test"), Some("onprem")))
        .collect();
    let mut message = message(t0(), "alice@acme.test", recipients);
    message.body = vec![b'x'; 64 * 1024].into();
    t.store.accept_message(message.clone()).await.unwrap();
    let path = t.store.path().to_path_buf();
    t.store.close().await.unwrap();

    assert_eq!(count_rows(&path, "messages").await, 1);
    let spooled: u64 = std::fs::read_dir(path.parent().unwrap().join("spool"))
        .unwrap()
        .map(|entry| entry.unwrap().metadata().unwrap().len())
        .sum();
    assert_eq!(spooled, 64 * 1024, "the body once, in the spool");
    assert_eq!(count_rows(&path, "recipients").await, 50);
}
