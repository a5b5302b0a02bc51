//! The token the demo prints to log in with: a named admin token (`demo`),
//! made in the store as `mailflow token create` makes one, so that it is
//! listed with the organisation's other tokens and can be revoked.

use mailflow_admin::TokenDigest;
use mailflow_store::{AdminToken, Store, StoreError, TokenScope};

pub const TOKEN_NAME: &str = "demo";

/// Makes the demo's token and returns it; it is shown this once. A kept
/// data directory holds the token of an earlier demo: it is replaced.
pub async fn admin_token(store: &dyn Store) -> Result<String, StoreError> {
    let token = mailflow_admin::new_token();
    store.revoke_admin_token(None, TOKEN_NAME).await?;
    store
        .create_admin_token(AdminToken {
            org: None,
            name: TOKEN_NAME.to_string(),
            scope: TokenScope::Admin,
            digest: TokenDigest::of(&token).to_string(),
            created_at: time::OffsetDateTime::now_utc(),
            created_by: "mailflow demo".to_string(),
            last_used_at: None,
        })
        .await?;
    Ok(token)
}
