//! Writing replies. Replies are queued and written together on `flush`, so
//! a pipelined batch of commands is answered in one write, in order.

use super::Reply;
use std::io;
use tokio::io::{AsyncWrite, AsyncWriteExt};

pub struct ReplyWriter<W> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: AsyncWrite + Unpin> ReplyWriter<W> {
    pub fn new(inner: W) -> ReplyWriter<W> {
        ReplyWriter {
            inner,
            pending: Vec::with_capacity(1024),
        }
    }

    /// Queues a reply; nothing is written until [`ReplyWriter::flush`].
    pub fn queue(&mut self, reply: &Reply) {
        reply.encode_into(&mut self.pending);
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Writes every queued reply.
    pub async fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.inner.write_all(&self.pending).await?;
            self.pending.clear();
        }
        self.inner.flush().await
    }

    /// Queues a reply and writes it with everything queued before it.
    pub async fn send(&mut self, reply: &Reply) -> io::Result<()> {
        self.queue(reply);
        self.flush().await
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::EnhancedCode;

    #[tokio::test]
    async fn queued_replies_go_out_in_order_on_flush() {
        let mut writer = ReplyWriter::new(Vec::new());
        writer.queue(&Reply::new(250, EnhancedCode(2, 1, 0), "sender ok"));
        writer.queue(&Reply::new(250, EnhancedCode(2, 1, 5), "recipient ok"));
        assert!(writer.has_pending());
        writer.flush().await.unwrap();
        assert_eq!(
            writer.into_inner(),
            b"250 2.1.0 sender ok\r\n250 2.1.5 recipient ok\r\n"
        );
    }
}
