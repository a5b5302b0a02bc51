//! Who may use the node: SMTP AUTH users (saved per organisation, replaced
//! on a second save, listed, removed) and admin API tokens (saved once,
//! found by digest, listed, marked used, revoked).

use crate::backends::every_backend;
use mailflow_store::{AdminToken, TokenScope};
use time::macros::datetime;

#[tokio::test]
async fn users_are_saved_replaced_listed_removed_and_kept_per_organisation() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.auth());
        let hash = |org: &'static str, user: &'static str| {
            let store = store.clone();
            async move { store.submission_user_hash(org, user).await.unwrap() }
        };
        assert_eq!(hash("default", "alice").await, None, "{name}");
        for password_hash in ["$argon2id$first", "$argon2id$second"] {
            store
                .save_submission_user("default", "alice", password_hash)
                .await
                .unwrap();
        }
        store
            .save_submission_user("default", "bob", "$argon2id$bob")
            .await
            .unwrap();
        assert_eq!(
            hash("default", "alice").await.as_deref(),
            Some("$argon2id$second"),
            "{name}"
        );
        assert_eq!(hash("other", "alice").await, None, "{name}");
        assert_eq!(
            store.submission_users("default").await.unwrap(),
            ["alice", "bob"],
            "{name}"
        );
        assert!(
            store
                .remove_submission_user("default", "alice")
                .await
                .unwrap()
        );
        assert!(
            !store
                .remove_submission_user("default", "alice")
                .await
                .unwrap()
        );
        assert_eq!(
            store.submission_users("default").await.unwrap(),
            ["bob"],
            "{name}"
        );
    }
}

fn token(name: &str, digest: &str) -> AdminToken {
    AdminToken {
        org: None,
        name: name.into(),
        scope: TokenScope::Read,
        digest: digest.into(),
        created_at: datetime!(2030-01-01 08:00:00.123456789 UTC),
        created_by: "cli:root".into(),
        last_used_at: None,
    }
}

#[tokio::test]
async fn tokens_are_saved_once_found_by_digest_marked_used_and_revoked() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.auth());
        let ci = token("ci", "sha256:aa");
        assert!(
            store.create_admin_token(ci.clone()).await.unwrap(),
            "{name}"
        );
        assert!(
            !store
                .create_admin_token(token("ci", "sha256:bb"))
                .await
                .unwrap(),
            "{name}: a name is taken once"
        );
        assert!(
            !store
                .create_admin_token(token("other", "sha256:aa"))
                .await
                .unwrap(),
            "{name}: a digest is taken once"
        );
        assert_eq!(
            store.admin_token_by_digest("sha256:aa").await.unwrap(),
            Some(ci.clone()),
            "{name}"
        );
        assert_eq!(
            store.admin_token_by_digest("sha256:cc").await.unwrap(),
            None
        );

        let used = datetime!(2030-01-02 09:30:00 UTC);
        store.admin_token_used(None, "ci", used).await.unwrap();
        let listed = store.admin_tokens().await.unwrap();
        assert_eq!(listed.len(), 1, "{name}");
        assert_eq!(listed[0].last_used_at, Some(used), "{name}");

        assert!(
            store.revoke_admin_token(None, "ci").await.unwrap(),
            "{name}"
        );
        assert!(
            !store.revoke_admin_token(None, "ci").await.unwrap(),
            "{name}"
        );
        assert_eq!(store.admin_tokens().await.unwrap(), [], "{name}");
    }
}
