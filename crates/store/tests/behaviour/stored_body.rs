//! Stored bodies read in pieces, as delivery streams them: exactly the body
//! accepted, from the spool or from a row written before it, and a body cut
//! short is an error rather than a shorter message.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::MessageId;
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
async fn stored_bodies_read_back_in_pieces_and_unknown_ids_are_left_out() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let small = onprem_message(t0(), "bob@acme.test");
        let mut large = onprem_message(t0(), "carol@acme.test");
        large.body = b"Subject: large\r\n\r\n".to_vec().into();
        while large.body.len() < 300_000 {
            large
                .body
                .extend_from_slice(b".a line of the large body\r\n");
        }
        store.accept_message(small.clone()).await.unwrap();
        store.accept_message(large.clone()).await.unwrap();
        let unknown = MessageId::new();

        let stored = store
            .stored_bodies(&[small.id, large.id, unknown])
            .await
            .unwrap();

        assert_eq!(stored.len(), 2);
        assert!(!stored.contains_key(&unknown));
        for message in [&small, &large] {
            let body = &stored[&message.id];
            assert_eq!(body.len(), message.body.len() as u64);
            assert!(!body.read_whole(), "a spooled body is read in pieces");
            for _ in 0..2 {
                let read = read_in_pieces(body.open().await.unwrap()).await.unwrap();
                assert!(read == message.body, "each open reads the body afresh");
            }
        }
    }
}

#[tokio::test]
async fn a_stored_body_says_whether_it_is_eight_bit_without_being_read() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let ascii = onprem_message(t0(), "bob@acme.test");
        let mut eight_bit = onprem_message(t0(), "carol@acme.test");
        eight_bit.body = "Subject: caf\u{e9}\r\n\r\nna\u{ef}ve\r\n"
            .as_bytes()
            .to_vec()
            .into();
        store.accept_message(ascii.clone()).await.unwrap();
        store.accept_message(eight_bit.clone()).await.unwrap();

        let stored = store
            .stored_bodies(&[ascii.id, eight_bit.id])
            .await
            .unwrap();

        assert_eq!(stored[&ascii.id].eight_bit(), Some(false));
        assert_eq!(stored[&eight_bit.id].eight_bit(), Some(true));
    }
}

#[tokio::test]
async fn the_shared_database_keeps_a_body_only_while_something_needs_it() {
    for backend in every_backend().await {
        // The embedded store drops whole spool files at its own pace; the
        // shared database drops each body as soon as nothing needs it.
        if backend.second_node().await.is_none() {
            continue;
        }
        let queue = backend.queue();
        let delivered = onprem_message(t0(), "bob@acme.test");
        let failed = onprem_message(t0(), "carol@acme.test");
        for m in [&delivered, &failed] {
            queue.accept_message(m.clone()).await.unwrap();
        }
        queue.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
        let done = t0() + minutes(1);
        queue
            .record(
                vec![delivery(delivered.id, 0, done), failure(failed.id, 0, done)],
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            queue.body(delivered.id).await.unwrap(),
            None,
            "delivered: gone"
        );
        assert_eq!(
            queue.body(failed.id).await.unwrap(),
            Some(failed.body.to_vec()),
            "a failure owes its sender a report that quotes the message"
        );
        queue.reports_queued(failed.id, &[0]).await.unwrap();
        assert_eq!(queue.body(failed.id).await.unwrap(), None, "reported: gone");
        assert!(
            queue.message(failed.id).await.unwrap().is_some(),
            "the message stays for its trace"
        );
    }
}
