//! `SqliteStore` as an `AuthStore`.

use super::*;
use crate::AuthStore;

#[async_trait]
impl AuthStore for SqliteStore {
    async fn save_submission_user(&self, org: &str, name: &str, password_hash: &str) -> Result<()> {
        let (org, name, hash) = (org.to_string(), name.to_string(), password_hash.to_string());
        on_writer!(self, conn => submission_users::save(conn, &org, &name, &hash))
    }

    async fn submission_user_hash(&self, org: &str, name: &str) -> Result<Option<String>> {
        submission_users::password_hash(&mut *self.read().await?, org, name).await
    }

    async fn submission_users(&self, org: &str) -> Result<Vec<String>> {
        submission_users::names(&mut *self.read().await?, org).await
    }

    async fn remove_submission_user(&self, org: &str, name: &str) -> Result<bool> {
        let (org, name) = (org.to_string(), name.to_string());
        on_writer!(self, conn => submission_users::remove(conn, &org, &name))
    }

    async fn create_admin_token(&self, token: AdminToken) -> Result<bool> {
        on_writer!(self, conn => admin_tokens::create(conn, &token))
    }

    async fn admin_tokens(&self) -> Result<Vec<AdminToken>> {
        admin_tokens::list(&mut *self.read().await?).await
    }

    async fn admin_token_by_digest(&self, digest: &str) -> Result<Option<AdminToken>> {
        admin_tokens::by_digest(&mut *self.read().await?, digest).await
    }

    async fn revoke_admin_token(&self, org: Option<&str>, name: &str) -> Result<bool> {
        let (org, name) = (org.map(str::to_string), name.to_string());
        on_writer!(self, conn => admin_tokens::revoke(conn, org.as_deref(), &name))
    }

    async fn admin_token_used(
        &self,
        org: Option<&str>,
        name: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let (org, name) = (org.map(str::to_string), name.to_string());
        on_writer!(self, Durability::Relaxed, conn => {
            admin_tokens::used(conn, org.as_deref(), &name, at)
        })
    }
}
