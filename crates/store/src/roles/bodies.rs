//! Message bodies: whole, by batch, or where they lie to be streamed.

use crate::{Result, StoredBody};
use async_trait::async_trait;
use mailflow_core::MessageId;
use std::collections::HashMap;

#[async_trait]
pub trait BodyStore: Send + Sync + 'static {
    async fn body(&self, id: MessageId) -> Result<Option<Vec<u8>>>;

    /// The bodies of those of `ids` that exist, by id (a claimed batch's,
    /// read together).
    async fn bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, Vec<u8>>>;

    /// Where the bodies of those of `ids` that exist lie, by id, to be read
    /// in pieces: nothing of them is read here. Delivery streams bodies
    /// through these rather than holding a round's bodies in memory.
    async fn stored_bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, StoredBody>>;
}
