//! Stored bodies read in pieces, as delivery streams them: exactly the body
//! accepted, from the spool or from a row written before it, and a body cut
//! short is an error rather than a shorter message.

use crate::common::*;
use mailflow_store::{BodyStore, QueueStore, SqliteStore};
use sqlx::{Connection, SqliteConnection};
use std::io;
use tokio::io::AsyncReadExt;

/// Reads the whole of `reader` a small piece at a time.
async fn read_in_pieces(mut reader: impl tokio::io::AsyncRead + Unpin) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut piece = [0; 1000];
    loop {
        let read = reader.read(&mut piece).await?;
        if read == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&piece[..read]);
    }
}

#[tokio::test]
async fn a_stored_body_cut_short_is_an_error_not_a_shorter_message() {
    let t = open_store().await;
    let message = onprem_message(t0(), "bob@acme.test");
    t.store.accept_message(message.clone()).await.unwrap();
    let body = t.store.stored_bodies(&[message.id]).await.unwrap()[&message.id].clone();
    let segment = std::fs::read_dir(t.dir.path().join("spool"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap();
    file.set_len(message.body.len() as u64 - 5).unwrap();

    let read = read_in_pieces(body.open().await.unwrap()).await;

    let error = read.expect_err("a short body must not read as a message");
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    assert!(error.to_string().contains("5 bytes short"), "{error}");
    t.store.close().await.unwrap();
}

#[tokio::test]
async fn a_body_in_its_row_from_before_the_spool_is_read_whole_and_said_so() {
    let t = open_store().await;
    let message = onprem_message(t0(), "bob@acme.test");
    t.store.accept_message(message.clone()).await.unwrap();
    let path = t.store.path().to_path_buf();
    t.store.close().await.unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query(
        "UPDATE messages SET body = x'6f6c64', size = 3, body_segment = NULL, body_offset = NULL",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    let store = SqliteStore::open(t.dir.path()).await.unwrap();
    let stored = store.stored_bodies(&[message.id]).await.unwrap();
    let body = &stored[&message.id];
    assert!(body.read_whole(), "a row's blob comes whole");
    assert_eq!(
        read_in_pieces(body.open().await.unwrap()).await.unwrap(),
        b"old"
    );
    store.close().await.unwrap();
}
