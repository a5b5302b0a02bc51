//! A stored body to be read in pieces: delivery streams it from the spool
//! (or the shared database) to the socket instead of holding it whole (a round of 100 messages of
//! 34 MB would otherwise be 3.4 GB in memory).

use crate::piece_reader::PieceReader;
use crate::{Result, StoreError};
use mailflow_core::MessageId;
use sqlx::{PgPool, SqlitePool};
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, ReadBuf, Take};

/// Where one message's body lies, and how long it is. Nothing of the body
/// is read until `open`; each `open` reads it from the start again.
#[derive(Debug, Clone)]
pub struct StoredBody {
    len: u64,
    /// Whether the body holds a byte that is not ASCII, as found when it
    /// was accepted (`None` for messages accepted before that was kept).
    eight_bit: Option<bool>,
    at: Location,
}

#[derive(Debug, Clone)]
enum Location {
    /// In a spool segment file.
    Spool { path: PathBuf, offset: u64 },
    /// In the message's row, written before the spool existed: SQLite hands
    /// a blob over whole, so reading it holds the whole body.
    Row { pool: SqlitePool, id: MessageId },
    /// In the shared database's `bodies` table, in numbered pieces.
    Pieces { pool: PgPool, id: MessageId },
}

impl StoredBody {
    pub(crate) fn spooled(
        path: PathBuf,
        offset: u64,
        len: u64,
        eight_bit: Option<bool>,
    ) -> StoredBody {
        StoredBody {
            len,
            eight_bit,
            at: Location::Spool { path, offset },
        }
    }

    pub(crate) fn in_row(
        pool: SqlitePool,
        id: MessageId,
        len: u64,
        eight_bit: Option<bool>,
    ) -> StoredBody {
        StoredBody {
            len,
            eight_bit,
            at: Location::Row { pool, id },
        }
    }

    pub(crate) fn in_pieces(
        pool: PgPool,
        id: MessageId,
        len: u64,
        eight_bit: Option<bool>,
    ) -> StoredBody {
        StoredBody {
            len,
            eight_bit,
            at: Location::Pieces { pool, id },
        }
    }

    /// The body's length in bytes (CRLF line endings, not dot-stuffed).
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the body holds a byte that is not ASCII, when the store
    /// knows it without reading the body.
    pub fn eight_bit(&self) -> Option<bool> {
        self.eight_bit
    }

    /// Whether a reader of this body holds it whole in memory (a body
    /// written before the spool); a spooled body is read in pieces of the
    /// size the caller asks for.
    pub fn read_whole(&self) -> bool {
        matches!(self.at, Location::Row { .. })
    }

    /// A reader of the body from its first byte. It gives exactly `len`
    /// bytes: a body cut short is an `UnexpectedEof` error, never a
    /// shorter message.
    pub async fn open(&self) -> Result<BodyReader> {
        let inner: Pin<Box<dyn AsyncRead + Send>> = match &self.at {
            Location::Spool { path, offset } => {
                let mut file = tokio::fs::File::open(path).await?;
                file.seek(io::SeekFrom::Start(*offset)).await?;
                Box::pin(file)
            }
            Location::Row { pool, id } => {
                let body: Option<Vec<u8>> =
                    sqlx::query_scalar("SELECT body FROM messages WHERE id = ?")
                        .bind(id.0.as_bytes().to_vec())
                        .fetch_optional(pool)
                        .await?;
                let body = body.ok_or_else(|| {
                    StoreError::Corrupt(format!("message {id} is gone with its body"))
                })?;
                Box::pin(io::Cursor::new(body))
            }
            Location::Pieces { pool, id } => Box::pin(PieceReader::new(pool.clone(), *id)),
        };
        Ok(BodyReader {
            inner: inner.take(self.len),
            remaining: self.len,
        })
    }
}

/// Reads one body, exactly its length (see `StoredBody::open`).
pub struct BodyReader {
    inner: Take<Pin<Box<dyn AsyncRead + Send>>>,
    remaining: u64,
}

impl AsyncRead for BodyReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.remaining == 0 || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        match poll {
            Poll::Ready(Ok(())) if read == 0 => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the stored body ends {} bytes short", self.remaining),
            ))),
            Poll::Ready(Ok(())) => {
                self.remaining -= read;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}
