//! SMTP AUTH users: saved per organisation, replaced on a second save,
//! unknown names answer `None`.

mod common;

use common::open_store;
use mailflow_store::AuthStore;

#[tokio::test]
async fn users_are_saved_replaced_and_kept_per_organisation() {
    let test = open_store().await;
    let store = &test.store;
    assert_eq!(
        store
            .submission_user_hash("default", "alice")
            .await
            .unwrap(),
        None
    );
    store
        .save_submission_user("default", "alice", "$argon2id$first")
        .await
        .unwrap();
    store
        .save_submission_user("default", "alice", "$argon2id$second")
        .await
        .unwrap();
    assert_eq!(
        store
            .submission_user_hash("default", "alice")
            .await
            .unwrap()
            .as_deref(),
        Some("$argon2id$second")
    );
    assert_eq!(
        store.submission_user_hash("other", "alice").await.unwrap(),
        None
    );
}
