//! `PostgresStore` as an `AuthStore`.

use super::{PostgresStore, admin_tokens, submission_users};
use crate::{AdminToken, AuthStore, Result};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
impl AuthStore for PostgresStore {
    async fn save_submission_user(&self, org: &str, name: &str, password_hash: &str) -> Result<()> {
        submission_users::save(&self.pool, org, name, password_hash).await
    }

    async fn submission_user_hash(&self, org: &str, name: &str) -> Result<Option<String>> {
        submission_users::password_hash(&self.pool, org, name).await
    }

    async fn submission_users(&self, org: &str) -> Result<Vec<String>> {
        submission_users::names(&self.pool, org).await
    }

    async fn remove_submission_user(&self, org: &str, name: &str) -> Result<bool> {
        submission_users::remove(&self.pool, org, name).await
    }

    async fn create_admin_token(&self, token: AdminToken) -> Result<bool> {
        admin_tokens::create(&self.pool, &token).await
    }

    async fn admin_tokens(&self) -> Result<Vec<AdminToken>> {
        admin_tokens::list(&self.pool).await
    }

    async fn admin_token_by_digest(&self, digest: &str) -> Result<Option<AdminToken>> {
        admin_tokens::by_digest(&self.pool, digest).await
    }

    async fn revoke_admin_token(&self, org: Option<&str>, name: &str) -> Result<bool> {
        admin_tokens::revoke(&self.pool, org, name).await
    }

    async fn admin_token_used(
        &self,
        org: Option<&str>,
        name: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        admin_tokens::used(&self.pool, org, name, at).await
    }
}
