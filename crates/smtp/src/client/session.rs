//! One client conversation over a byte stream: writing commands and reading
//! replies, each bounded by the command time-out, and the steps that set a
//! session up (greeting, EHLO/HELO, STARTTLS) or end it (RSET, QUIT).

use super::capabilities::Capabilities;
use super::error::{Broken, ClientError, Step};
use super::reply::{ParsedReply, take_reply};
use mailflow_core::RemoteReply;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;

/// Any stream a conversation can run over: plain TCP or TLS.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

/// The most bytes kept while waiting for the end of one reply.
const MAX_PENDING_REPLY: usize = 64 * 1024;

pub struct SmtpClient<S> {
    stream: S,
    received: Vec<u8>,
    command_timeout: Duration,
    capabilities: Capabilities,
}

impl<S: AsyncRead + AsyncWrite + Unpin> SmtpClient<S> {
    pub fn new(stream: S, command_timeout: Duration) -> Self {
        SmtpClient {
            stream,
            received: Vec::new(),
            command_timeout,
            capabilities: Capabilities::default(),
        }
    }

    /// What the server offered in its latest EHLO reply (nothing after HELO).
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// Gives the stream back, e.g. to start TLS on it after `starttls`.
    pub fn into_stream(self) -> S {
        self.stream
    }

    /// Reads the greeting; an error greeting (4xx, 5xx) is `Rejected`.
    pub async fn read_greeting(&mut self) -> Result<RemoteReply, ClientError> {
        let reply = self.read_reply(Step::Greeting).await?.reply;
        expect_positive(Step::Greeting, reply)
    }

    /// Says EHLO; when it is refused, HELO. `Rejected` carries the EHLO
    /// reply when the server did not answer HELO at all, else the HELO reply.
    pub async fn ehlo(&mut self, hostname: &str) -> Result<&Capabilities, ClientError> {
        let ehlo = self
            .exchange(Step::Ehlo, format!("EHLO {hostname}\r\n").as_bytes())
            .await?;
        if ehlo.reply.code / 100 == 2 {
            self.capabilities = Capabilities::from_ehlo_reply(&ehlo.raw);
            return Ok(&self.capabilities);
        }
        let rejected = ClientError::Rejected {
            step: Step::Ehlo,
            reply: ehlo.reply.clone(),
        };
        if ehlo.reply.code == 421 {
            return Err(rejected);
        }
        let helo = match self
            .exchange(Step::Ehlo, format!("HELO {hostname}\r\n").as_bytes())
            .await
        {
            Ok(helo) => helo.reply,
            Err(ClientError::Broken { .. }) => return Err(rejected),
            Err(other) => return Err(other),
        };
        self.capabilities = Capabilities::default();
        expect_positive(Step::Ehlo, helo).map(|_| &self.capabilities)
    }

    /// Asks for STARTTLS. On `Ok` the stream is ready for the TLS handshake;
    /// bytes the server sent after its `220` (a plaintext injection) break
    /// the session instead.
    pub async fn starttls(&mut self) -> Result<(), ClientError> {
        let reply = self.exchange(Step::StartTls, b"STARTTLS\r\n").await?.reply;
        if reply.code != 220 {
            return Err(ClientError::Rejected {
                step: Step::StartTls,
                reply,
            });
        }
        if !self.received.is_empty() {
            let reason = "the server sent data after its STARTTLS reply".to_string();
            return Err(ClientError::broken(
                Step::StartTls,
                Broken::Malformed { reason },
            ));
        }
        Ok(())
    }

    /// Resets the transaction after a failed one.
    pub async fn rset(&mut self) -> Result<(), ClientError> {
        let reply = self.exchange(Step::Rset, b"RSET\r\n").await?.reply;
        expect_positive(Step::Rset, reply).map(drop)
    }

    /// Says QUIT and closes the stream; failures no longer matter here.
    pub async fn quit(mut self) {
        let _ = self.exchange(Step::Quit, b"QUIT\r\n").await;
        let _ = timeout(self.command_timeout, self.stream.shutdown()).await;
    }

    /// Writes `bytes` and reads one reply.
    pub(crate) async fn exchange(
        &mut self,
        step: Step,
        bytes: &[u8],
    ) -> Result<ParsedReply, ClientError> {
        self.send(step, bytes).await?;
        self.read_reply(step).await
    }

    /// Writes and flushes `bytes` within the command time-out.
    pub(crate) async fn send(&mut self, step: Step, bytes: &[u8]) -> Result<(), ClientError> {
        let write = async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        };
        match timeout(self.command_timeout, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(ClientError::broken(step, Broken::from_io(&error))),
            Err(_) => Err(ClientError::broken(step, Broken::TimedOut)),
        }
    }

    /// Reads one complete reply within the command time-out.
    pub(crate) async fn read_reply(&mut self, step: Step) -> Result<ParsedReply, ClientError> {
        match timeout(self.command_timeout, self.read_reply_unbounded()).await {
            Ok(result) => result.map_err(|how| ClientError::broken(step, how)),
            Err(_) => Err(ClientError::broken(step, Broken::TimedOut)),
        }
    }

    async fn read_reply_unbounded(&mut self) -> Result<ParsedReply, Broken> {
        loop {
            if let Some(parsed) = take_reply(&mut self.received)? {
                return Ok(parsed);
            }
            if self.received.len() > MAX_PENDING_REPLY {
                return Err(Broken::Malformed {
                    reason: "a reply longer than 64 KiB".to_string(),
                });
            }
            let read = self.stream.read_buf(&mut self.received).await;
            match read {
                Ok(0) => return Err(Broken::Closed),
                Ok(_) => {}
                Err(error) => return Err(Broken::from_io(&error)),
            }
        }
    }
}

fn expect_positive(step: Step, reply: RemoteReply) -> Result<RemoteReply, ClientError> {
    if reply.code / 100 == 2 {
        Ok(reply)
    } else {
        Err(ClientError::Rejected { step, reply })
    }
}
