//! Who may use the node: SMTP AUTH users and admin API tokens.

use crate::{AdminToken, Result};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// Adds a user who may authenticate with SMTP AUTH, or replaces its
    /// password hash (an Argon2 PHC string; the password itself is never
    /// stored).
    async fn save_submission_user(&self, org: &str, name: &str, password_hash: &str) -> Result<()>;

    /// The user's password hash; `None` for an unknown user.
    async fn submission_user_hash(&self, org: &str, name: &str) -> Result<Option<String>>;

    /// The organisation's users, by name.
    async fn submission_users(&self, org: &str) -> Result<Vec<String>>;

    /// Deletes a user; false when there is none of that name.
    async fn remove_submission_user(&self, org: &str, name: &str) -> Result<bool>;

    /// Saves a new token (its digest only); false, with nothing saved, when
    /// its organisation has a token of its name, or its digest is taken.
    async fn create_admin_token(&self, token: AdminToken) -> Result<bool>;

    /// Every stored token, of every organisation: those for all
    /// organisations first, then by organisation and name.
    async fn admin_tokens(&self) -> Result<Vec<AdminToken>>;

    /// The token whose digest (`sha256:<hex>`) this is.
    async fn admin_token_by_digest(&self, digest: &str) -> Result<Option<AdminToken>>;

    /// Deletes the token of `org` (`None`: a token for all organisations)
    /// called `name`; false when there is none.
    async fn revoke_admin_token(&self, org: Option<&str>, name: &str) -> Result<bool>;

    /// Records that the token of `org` called `name` was used at `at` (kept
    /// loosely: a crash may lose the latest use).
    async fn admin_token_used(
        &self,
        org: Option<&str>,
        name: &str,
        at: OffsetDateTime,
    ) -> Result<()>;
}
