//! A message's body as delivery sees it: its size, and a reader opened
//! afresh for each transaction that sends it. Delivery never holds a body
//! whole: it goes from where it is stored to the socket a piece at a time.

use async_trait::async_trait;
use mailflow_smtp::client::{BODY_CHUNK, BodyInfo};
use std::fmt;
use std::io;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncRead, AsyncReadExt};

/// A reader of one body, from its first byte.
pub type BodyRead = Box<dyn AsyncRead + Send + Unpin>;

/// Where a body comes from (the store's spool, or memory in tests).
#[async_trait]
pub trait BodySource: Send + Sync + fmt::Debug {
    /// Bytes in the body: CRLF line endings, not dot-stuffed.
    fn size(&self) -> u64;
    /// Memory a reader of this body holds beyond the pieces asked of it:
    /// 0 when it reads in those pieces, the size when it loads the body
    /// whole before giving any of it.
    fn held_by_reader(&self) -> u64;
    /// A reader giving exactly `size` bytes, or an error.
    async fn open(&self) -> io::Result<BodyRead>;
    /// Whether the body holds a byte that is not ASCII, when the source
    /// knows it without reading the body (the store found it as the
    /// message was accepted); `None` has it read through to find out.
    fn eight_bit(&self) -> Option<bool> {
        None
    }
}

/// One message's body: the source, and whether it is 8-bit once a
/// transaction needed to know (so that a message tried at a second address
/// is not read twice for it).
#[derive(Clone)]
pub struct MessageBody {
    source: Arc<dyn BodySource>,
    eight_bit: Arc<OnceLock<bool>>,
}

impl MessageBody {
    pub fn new(source: Arc<dyn BodySource>) -> MessageBody {
        MessageBody {
            source,
            eight_bit: Arc::new(OnceLock::new()),
        }
    }

    /// A body already in memory (tests, tools).
    pub fn in_memory(bytes: impl Into<Arc<[u8]>>) -> MessageBody {
        MessageBody::new(Arc::new(InMemory(bytes.into())))
    }

    pub fn size(&self) -> u64 {
        self.source.size()
    }

    pub(crate) fn held_by_reader(&self) -> u64 {
        self.source.held_by_reader()
    }

    pub(crate) async fn open(&self) -> io::Result<BodyRead> {
        self.source.open().await
    }

    /// What `MAIL FROM` says of the body. Whether it is 8-bit is asked only
    /// when the server offers 8BITMIME (else it is never said): the source
    /// may know; else the body is read through once, a piece at a time,
    /// stopping at the first byte that is not ASCII.
    pub(crate) async fn info(&self, eight_bit_offered: bool) -> io::Result<BodyInfo> {
        let known = self.eight_bit.get().copied().or(self.source.eight_bit());
        let eight_bit = match (eight_bit_offered, known) {
            (false, _) => false,
            (true, Some(known)) => known,
            (true, None) => {
                let found = has_eight_bit(&mut self.open().await?).await?;
                *self.eight_bit.get_or_init(|| found)
            }
        };
        Ok(BodyInfo {
            size: self.size(),
            eight_bit,
        })
    }
}

impl fmt::Debug for MessageBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageBody")
            .field("source", &self.source)
            .field("eight_bit", &self.eight_bit.get())
            .finish()
    }
}

async fn has_eight_bit(reader: &mut BodyRead) -> io::Result<bool> {
    let mut piece = vec![0; BODY_CHUNK];
    loop {
        let read = reader.read(&mut piece).await?;
        if read == 0 {
            return Ok(false);
        }
        if !piece[..read].is_ascii() {
            return Ok(true);
        }
    }
}

struct InMemory(Arc<[u8]>);

impl fmt::Debug for InMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InMemory({} bytes)", self.0.len())
    }
}

#[async_trait]
impl BodySource for InMemory {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }

    /// Already held by whoever made it; reading adds nothing.
    fn held_by_reader(&self) -> u64 {
        0
    }

    async fn open(&self) -> io::Result<BodyRead> {
        Ok(Box::new(io::Cursor::new(self.0.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn eight_bit_is_found_only_when_offered_and_remembered() {
        let body = MessageBody::in_memory(
            b"plain\r\n"
                .repeat(20_000)
                .into_iter()
                .chain("é".bytes())
                .collect::<Vec<u8>>(),
        );
        assert!(!body.info(false).await.unwrap().eight_bit);
        assert!(
            body.info(true).await.unwrap().eight_bit,
            "found past the first piece"
        );
        assert_eq!(body.eight_bit.get(), Some(&true));
        let ascii = MessageBody::in_memory(&b"plain\r\n"[..]);
        assert_eq!(
            ascii.info(true).await.unwrap(),
            BodyInfo {
                size: 7,
                eight_bit: false
            }
        );
    }

    /// A source that knows its answer and cannot be read.
    #[derive(Debug)]
    struct Known(bool);

    #[async_trait]
    impl BodySource for Known {
        fn size(&self) -> u64 {
            10
        }
        fn held_by_reader(&self) -> u64 {
            0
        }
        async fn open(&self) -> io::Result<BodyRead> {
            Err(io::Error::other("the body was read"))
        }
        fn eight_bit(&self) -> Option<bool> {
            Some(self.0)
        }
    }

    #[tokio::test]
    async fn eight_bit_known_to_the_source_is_not_read_for() {
        for known in [true, false] {
            let body = MessageBody::new(Arc::new(Known(known)));
            assert_eq!(body.info(true).await.unwrap().eight_bit, known);
            assert!(!body.info(false).await.unwrap().eight_bit);
        }
    }
}
