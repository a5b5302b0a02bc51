//! Reading a body kept in the shared database in pieces, a few pieces per
//! round trip, so that a large body is never held whole.

use mailflow_core::MessageId;
use sqlx::PgPool;
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, ReadBuf};

/// Pieces fetched per round trip (pieces are at most 64 KiB).
const PIECES_PER_FETCH: i64 = 16;

type Fetch = Pin<Box<dyn Future<Output = Result<Vec<(i64, Vec<u8>)>, sqlx::Error>> + Send>>;

pub struct PieceReader {
    pool: PgPool,
    id: Vec<u8>,
    /// The number of the next piece to fetch.
    next: i64,
    pieces: VecDeque<Vec<u8>>,
    /// How far the front piece has been read.
    read: usize,
    fetching: Option<Fetch>,
    /// The last fetch found no more pieces.
    ended: bool,
}

impl PieceReader {
    pub fn new(pool: PgPool, id: MessageId) -> PieceReader {
        PieceReader {
            pool,
            id: id.0.as_bytes().to_vec(),
            next: 0,
            pieces: VecDeque::new(),
            read: 0,
            fetching: None,
            ended: false,
        }
    }

    fn fetch(&self) -> Fetch {
        let (pool, id, from) = (self.pool.clone(), self.id.clone(), self.next);
        Box::pin(async move {
            sqlx::query_as(
                "SELECT piece, bytes FROM bodies WHERE message_id = $1 AND piece >= $2 \
                 ORDER BY piece LIMIT $3",
            )
            .bind(id)
            .bind(from)
            .bind(PIECES_PER_FETCH)
            .fetch_all(&pool)
            .await
        })
    }
}

impl AsyncRead for PieceReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let this = &mut *self;
            if let Some(front) = this.pieces.front() {
                let rest = &front[this.read..];
                let n = rest.len().min(buf.remaining());
                buf.put_slice(&rest[..n]);
                this.read += n;
                if this.read == front.len() {
                    this.pieces.pop_front();
                    this.read = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.ended {
                // The end: the caller's `BodyReader` tells a short body.
                return Poll::Ready(Ok(()));
            }
            if this.fetching.is_none() {
                this.fetching = Some(this.fetch());
            }
            let fetched = ready!(this.fetching.as_mut().expect("set above").as_mut().poll(cx));
            this.fetching = None;
            let pieces = fetched.map_err(io::Error::other)?;
            this.ended = pieces.is_empty();
            for (number, bytes) in pieces {
                if number != this.next {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("body piece {} is missing", this.next),
                    )));
                }
                this.next += 1;
                if !bytes.is_empty() {
                    this.pieces.push_back(bytes);
                }
            }
        }
    }
}
