//! Accepting messages: what goes in comes back, durably, and many
//! concurrent accepts share their commits.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::{MessageId, RecipientState};
use mailflow_store::{DatabaseFailure, StoreError};

#[tokio::test]
async fn accepted_message_reads_back_with_envelope_recipients_and_dsn() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let mut message = message_with_dsn(t0());
        message
            .recipients
            .push(recipient("carol@example.test", None));
        store.accept_message(message.clone()).await.unwrap();

        let stored = store.message(message.id).await.unwrap().expect("stored");
        assert_eq!(stored.id, message.id);
        assert_eq!(stored.org, "acme");
        assert_eq!(stored.sender, "alice@acme.test");
        assert_eq!(stored.received_at, t0());
        assert_eq!(stored.expires_at, t0() + EXPIRY);
        assert_eq!(stored.dsn, message.dsn);
        assert_eq!(stored.size, message.body.len() as u64);
        assert!(!stored.delay_notice_sent);
        assert_eq!(stored.recipients.len(), 2);
        for (index, (stored, sent)) in stored
            .recipients
            .iter()
            .zip(&message.recipients)
            .enumerate()
        {
            assert_eq!(stored.index, index as u32);
            assert_eq!(stored.address, sent.address);
            assert_eq!(stored.dsn, sent.dsn);
            assert_eq!(stored.route, sent.route);
            assert_eq!(stored.next_hop, sent.next_hop);
            assert_eq!(stored.state, RecipientState::Queued);
            assert_eq!(stored.attempts, 0);
            assert_eq!(stored.next_attempt_at, Some(t0()));
            assert_eq!(stored.last_error, None);
            assert_eq!(stored.updated_at, t0());
        }
        assert_eq!(
            store.body(message.id).await.unwrap(),
            Some(message.body.to_vec())
        );
    }
}

#[tokio::test]
async fn unknown_message_reads_as_none() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let id = mailflow_core::MessageId::new();
        assert_eq!(store.message(id).await.unwrap(), None);
        assert_eq!(store.body(id).await.unwrap(), None);
    }
}

#[tokio::test]
async fn a_duplicate_id_is_refused_without_harming_other_messages() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let first = onprem_message(t0(), "bob@acme.test");
        store.accept_message(first.clone()).await.unwrap();
        let mut duplicate = onprem_message(t0(), "carol@acme.test");
        duplicate.id = first.id;
        let other = onprem_message(t0(), "dave@acme.test");
        let (dup, ok) = tokio::join!(
            store.accept_message(duplicate),
            store.accept_message(other.clone())
        );
        assert!(
            matches!(&dup, Err(StoreError::Database(e)) if e.failure() == DatabaseFailure::Duplicate),
            "{dup:?}"
        );
        ok.unwrap();
        assert_eq!(
            store.message(first.id).await.unwrap().unwrap().recipients[0].address,
            "bob@acme.test"
        );
        assert!(store.message(other.id).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn bodies_of_a_batch_are_read_together_and_unknown_ids_are_left_out() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let first = onprem_message(t0(), "bob@acme.test");
        let mut second = onprem_message(t0(), "carol@acme.test");
        second.body = b"Subject: second\r\n\r\nother\r\n".to_vec().into();
        store.accept_message(first.clone()).await.unwrap();
        store.accept_message(second.clone()).await.unwrap();
        let unknown = MessageId::new();

        let bodies = store.bodies(&[first.id, second.id, unknown]).await.unwrap();
        assert_eq!(bodies.len(), 2);
        assert_eq!(bodies[&first.id], first.body);
        assert_eq!(bodies[&second.id], second.body);
        assert!(!bodies.contains_key(&unknown));
    }
}
