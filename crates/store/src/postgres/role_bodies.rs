//! `PostgresStore` as a `BodyStore`: bodies in the shared database, in
//! pieces.

use super::PostgresStore;
use super::queue::reads;
use crate::{BodyStore, Result, StoredBody};
use async_trait::async_trait;
use mailflow_core::MessageId;
use std::collections::HashMap;

#[async_trait]
impl BodyStore for PostgresStore {
    async fn body(&self, id: MessageId) -> Result<Option<Vec<u8>>> {
        Ok(reads::bodies(&self.pool, &[id]).await?.remove(&id))
    }

    async fn bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, Vec<u8>>> {
        reads::bodies(&self.pool, ids).await
    }

    async fn stored_bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, StoredBody>> {
        reads::stored_bodies(&self.pool, ids).await
    }
}
