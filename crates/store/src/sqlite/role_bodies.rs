//! `SqliteStore` as a `BodyStore`.

use super::*;
use crate::BodyStore;

#[async_trait]
impl BodyStore for SqliteStore {
    async fn body(&self, id: MessageId) -> Result<Option<Vec<u8>>> {
        reads::body(&mut *self.read().await?, &self.spool, id).await
    }

    async fn bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, Vec<u8>>> {
        reads::bodies(&mut *self.read().await?, &self.spool, ids).await
    }

    async fn stored_bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, StoredBody>> {
        reads::stored_bodies(&mut *self.read().await?, &self.reads, &self.spool, ids).await
    }
}
