//! Reading what a client sends: command lines and DATA, from any `AsyncRead`.
//!
//! The reader owns one buffer. Pipelined commands sit in it until they are
//! read one by one, which is how the session knows whether more input is
//! waiting ([`SmtpReader::has_buffered_input`]) and so when to flush its
//! replies. Memory stays bounded: a command line never grows the buffer past
//! its limit, and DATA is handed to the [`DataScanner`] as it arrives.

use super::{DataLimits, DataOutcome, DataScanner, LineProblem, Reservation, classify_line};
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::Instant;

const READ_CHUNK: usize = 16 * 1024;

/// One command line as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLine {
    /// A well-formed line, CRLF included.
    Line(Vec<u8>),
    /// A line refused before parsing; it has been consumed (or, when too
    /// long, will be discarded up to its end by the next read).
    Refused(LineProblem),
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the client closed the connection")]
    Closed,
    #[error("the client sent nothing for {0:?}")]
    TimedOut(Duration),
    #[error("reading from the client failed: {0}")]
    Io(#[from] io::Error),
}

pub struct SmtpReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Start of the bytes not yet consumed.
    pos: usize,
    /// The rest of an over-long line is still to be skipped.
    discarding_line: bool,
}

impl<R: AsyncRead + Unpin> SmtpReader<R> {
    pub fn new(inner: R) -> SmtpReader<R> {
        SmtpReader {
            inner,
            buf: Vec::with_capacity(READ_CHUNK),
            pos: 0,
            discarding_line: false,
        }
    }

    /// Whether the client has already sent more than was read (pipelining).
    pub fn has_buffered_input(&self) -> bool {
        self.pos < self.buf.len()
    }

    /// Reads one command line of at most `max_len` bytes (CRLF included),
    /// all of it within `timeout`.
    pub async fn read_command(
        &mut self,
        max_len: usize,
        timeout: Duration,
    ) -> Result<CommandLine, ReadError> {
        let deadline = Instant::now() + timeout;
        if self.discarding_line {
            self.skip_rest_of_line(deadline, timeout).await?;
        }
        loop {
            let pending = &self.buf[self.pos..];
            let window = &pending[..pending.len().min(max_len)];
            if let Some(lf) = window.iter().position(|&b| b == b'\n') {
                let line = &pending[..=lf];
                let read = match classify_line(line) {
                    Ok(()) => CommandLine::Line(line.to_vec()),
                    Err(problem) => CommandLine::Refused(problem),
                };
                self.pos += lf + 1;
                return Ok(read);
            }
            if pending.len() >= max_len {
                self.start_discarding_line();
                return Ok(CommandLine::Refused(LineProblem::TooLong));
            }
            self.fill(deadline, timeout).await?;
        }
    }

    /// Reads the message after `354` up to CRLF `.` CRLF. A refused message
    /// is still read to its end, so the session stays in step. Each read
    /// must bring bytes within `idle_timeout`, and the whole message must
    /// be in within `whole_timeout`, so that a client dripping a byte now
    /// and then cannot hold a DATA open for ever. What is kept is covered
    /// by `memory` before it is kept; without room the message is no longer
    /// kept (and refused for now once it ends). Once the message is certain
    /// to be refused (no room, or a limit passed) `memory` is released at
    /// once, not at the end of the data: other sessions can use the room
    /// while this one reads on.
    pub async fn read_data(
        &mut self,
        limits: DataLimits,
        memory: &mut Reservation,
        idle_timeout: Duration,
        whole_timeout: Duration,
    ) -> Result<DataOutcome, ReadError> {
        let mut scanner = DataScanner::new(limits);
        let whole_deadline = Instant::now() + whole_timeout;
        loop {
            let input = &self.buf[self.pos..];
            // Feeding keeps at most the input's length more.
            if scanner.keeping() && !memory.cover(scanner.capacity_after(input.len()) as u64) {
                scanner.stop_keeping();
            }
            let end = scanner.feed(input);
            if !scanner.keeping() {
                memory.release();
            }
            if let Some(used) = end {
                self.pos += used;
                return Ok(scanner.finish());
            }
            self.pos = self.buf.len();
            let idle_deadline = Instant::now() + idle_timeout;
            if whole_deadline < idle_deadline {
                self.fill(whole_deadline, whole_timeout).await?;
            } else {
                self.fill(idle_deadline, idle_timeout).await?;
            }
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    fn start_discarding_line(&mut self) {
        match self.buf[self.pos..].iter().position(|&b| b == b'\n') {
            Some(lf) => self.pos += lf + 1,
            None => {
                self.pos = self.buf.len();
                self.discarding_line = true;
            }
        }
    }

    async fn skip_rest_of_line(
        &mut self,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<(), ReadError> {
        loop {
            if let Some(lf) = self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                self.pos += lf + 1;
                self.discarding_line = false;
                return Ok(());
            }
            self.pos = self.buf.len();
            self.fill(deadline, timeout).await?;
        }
    }

    /// Reads more bytes into the buffer, by `deadline`. Cancel-safe: bytes
    /// join the buffer only once a read completes.
    async fn fill(&mut self, deadline: Instant, timeout: Duration) -> Result<(), ReadError> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.reserve(READ_CHUNK);
        let read = tokio::time::timeout_at(deadline, self.inner.read_buf(&mut self.buf)).await;
        match read {
            Ok(Ok(0)) => Err(ReadError::Closed),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(ReadError::Io(error)),
            Err(_) => Err(ReadError::TimedOut(timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{DataRefusal, MemoryBudget};

    const SECOND: Duration = Duration::from_secs(1);

    fn reader(input: &'static [u8]) -> SmtpReader<&'static [u8]> {
        SmtpReader::new(input)
    }

    async fn line(reader: &mut SmtpReader<&'static [u8]>, max: usize) -> CommandLine {
        reader.read_command(max, SECOND).await.unwrap()
    }

    /// A message of up to 1000 bytes, its memory from `memory`.
    async fn data(reader: &mut SmtpReader<&'static [u8]>, memory: &mut Reservation) -> DataOutcome {
        reader
            .read_data(DataLimits::size(1000), memory, SECOND, SECOND)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn pipelined_commands_come_one_by_one() {
        let mut reader = reader(b"MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n");
        assert_eq!(
            line(&mut reader, 512).await,
            CommandLine::Line(b"MAIL FROM:<a@b.test>\r\n".to_vec())
        );
        assert!(reader.has_buffered_input());
        assert_eq!(
            line(&mut reader, 512).await,
            CommandLine::Line(b"RCPT TO:<c@d.test>\r\n".to_vec())
        );
        assert!(!reader.has_buffered_input());
        assert!(matches!(
            reader.read_command(512, SECOND).await,
            Err(ReadError::Closed)
        ));
    }

    #[tokio::test]
    async fn over_long_line_is_refused_and_its_rest_discarded() {
        let mut reader = reader(b"NOOP 0123456789\r\nQUIT\r\n");
        assert_eq!(
            line(&mut reader, 10).await,
            CommandLine::Refused(LineProblem::TooLong)
        );
        assert_eq!(
            line(&mut reader, 10).await,
            CommandLine::Line(b"QUIT\r\n".to_vec())
        );
    }

    #[tokio::test]
    async fn line_of_exactly_the_limit_is_accepted() {
        let mut reader = reader(b"NOOP 1234\r\n");
        assert_eq!(
            line(&mut reader, 11).await,
            CommandLine::Line(b"NOOP 1234\r\n".to_vec())
        );
    }

    #[tokio::test]
    async fn bare_lf_ends_the_bad_line_only() {
        let mut reader = reader(b"NOOP\nQUIT\r\n");
        assert_eq!(
            line(&mut reader, 512).await,
            CommandLine::Refused(LineProblem::BareLf)
        );
        assert_eq!(
            line(&mut reader, 512).await,
            CommandLine::Line(b"QUIT\r\n".to_vec())
        );
    }

    #[tokio::test]
    async fn data_then_next_command() {
        let mut reader = reader(b"Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n");
        let outcome = data(&mut reader, &mut MemoryBudget::unlimited().reservation()).await;
        assert_eq!(
            outcome,
            DataOutcome::Message(b"Subject: x\r\n\r\n.dot\r\n".into())
        );
        assert_eq!(
            line(&mut reader, 512).await,
            CommandLine::Line(b"QUIT\r\n".to_vec())
        );
    }

    #[tokio::test]
    async fn smuggled_data_is_refused_and_the_smuggled_command_never_read() {
        let mut reader = reader(b"x\n.\nRSET\r\n.\r\nQUIT\r\n");
        let outcome = data(&mut reader, &mut MemoryBudget::unlimited().reservation()).await;
        assert_eq!(outcome, DataOutcome::Refused(DataRefusal::BareLineEnding));
        assert_eq!(
            line(&mut reader, 512).await,
            CommandLine::Line(b"QUIT\r\n".to_vec())
        );
    }

    #[tokio::test]
    async fn silent_client_times_out() {
        let (_client, server) = tokio::io::duplex(64);
        let mut reader = SmtpReader::new(server);
        let result = reader.read_command(512, Duration::from_millis(50)).await;
        assert!(matches!(result, Err(ReadError::TimedOut(_))));
        assert!(!reader.has_buffered_input());
    }

    #[tokio::test]
    async fn a_message_past_the_shared_memory_is_read_to_its_end_and_refused_for_now() {
        // The budget holds one step; another session already holds it.
        let budget = MemoryBudget::new(crate::server::memory_budget::STEP);
        let mut other = budget.reservation();
        assert!(other.cover(1));
        let mut reader = reader(b"Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        let mut memory = budget.reservation();
        let outcome = data(&mut reader, &mut memory).await;
        assert_eq!(outcome, DataOutcome::Refused(DataRefusal::NoMemory));
        assert_eq!(memory.held(), 0);
        assert_eq!(
            line(&mut reader, 512).await,
            CommandLine::Line(b"QUIT\r\n".to_vec())
        );
        // Once the other session is done there is room again.
        drop(other);
        let mut again = SmtpReader::new(&b"Subject: x\r\n\r\nbody\r\n.\r\n"[..]);
        let outcome = data(&mut again, &mut memory).await;
        assert!(matches!(outcome, DataOutcome::Message(_)), "{outcome:?}");
        assert!(memory.held() > 0);
    }

    /// Input in the pieces given (each cut to the room of the read): the
    /// budget is tested between them, as another session would see it.
    struct Pieces(Vec<&'static [u8]>);

    impl AsyncRead for Pieces {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            if let Some(next) = self.0.first_mut() {
                let take = next.len().min(buf.remaining());
                buf.put_slice(&next[..take]);
                *next = &next[take..];
                if next.is_empty() {
                    self.0.remove(0);
                }
            }
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_message_refused_for_memory_gives_its_reservation_back_before_its_end() {
        use crate::server::memory_budget::STEP;
        // Room for one step: the message's first read fits, its second not.
        let budget = MemoryBudget::new(STEP);
        let first: &'static [u8] = Box::leak(vec![b'a'; 10_000].into_boxed_slice());
        let second: &'static [u8] = Box::leak(vec![b'b'; 10_000].into_boxed_slice());
        let mut reader = SmtpReader::new(Pieces(vec![first, second]));
        let mut memory = budget.reservation();
        let reading = reader.read_data(DataLimits::size(1_000_000), &mut memory, SECOND, SECOND);
        // The input ends without the final dot: the reader waits for more,
        // having released what it held.
        assert!(matches!(reading.await, Err(ReadError::Closed)));
        assert_eq!((memory.held(), budget.reserved()), (0, 0));
    }

    #[tokio::test]
    async fn a_message_with_a_line_too_long_holds_no_memory_while_read_on() {
        let budget = MemoryBudget::unlimited();
        let long: &'static [u8] = Box::leak(vec![b'x'; 50_000].into_boxed_slice());
        let mut reader = SmtpReader::new(Pieces(vec![b"Subject: x\r\n\r\n", long]));
        let mut memory = budget.reservation();
        let limits = DataLimits {
            max_line_length: 998,
            ..DataLimits::size(10_000_000)
        };
        let reading = reader.read_data(limits, &mut memory, SECOND, SECOND);
        assert!(matches!(reading.await, Err(ReadError::Closed)));
        assert_eq!(budget.reserved(), 0);

        let mut reader = reader_of_long_line_then_end();
        let outcome = reader
            .read_data(limits, &mut memory, SECOND, SECOND)
            .await
            .unwrap();
        assert_eq!(
            outcome,
            DataOutcome::Refused(DataRefusal::LineTooLong { limit: 998 })
        );
        assert_eq!(
            line(&mut reader, 512).await,
            CommandLine::Line(b"QUIT\r\n".to_vec()),
            "the session stays in step"
        );
    }

    fn reader_of_long_line_then_end() -> SmtpReader<&'static [u8]> {
        let mut input = b"Subject: x\r\n\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'y', 5 * 1024 * 1024));
        input.extend_from_slice(b"\r\n.\r\nQUIT\r\n");
        SmtpReader::new(Box::leak(input.into_boxed_slice()))
    }
}
