//! A queued body as delivery reads it: from the store, a piece at a time.

use async_trait::async_trait;
use mailflow_deliver::{BodyRead, BodySource};
use mailflow_store::{StoreError, StoredBody};
use std::io;

#[derive(Debug)]
pub(crate) struct QueuedBody(pub StoredBody);

#[async_trait]
impl BodySource for QueuedBody {
    fn size(&self) -> u64 {
        self.0.len()
    }

    fn held_by_reader(&self) -> u64 {
        if self.0.read_whole() { self.0.len() } else { 0 }
    }

    async fn open(&self) -> io::Result<BodyRead> {
        match self.0.open().await {
            Ok(reader) => Ok(Box::new(reader)),
            Err(StoreError::Io(error)) => Err(error),
            Err(other) => Err(io::Error::other(other.to_string())),
        }
    }

    fn eight_bit(&self) -> Option<bool> {
        self.0.eight_bit()
    }
}
