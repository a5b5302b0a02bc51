//! One mail transaction: MAIL, RCPT for each recipient, DATA and the body.
//! With PIPELINING the commands up to DATA go in one write and their replies
//! are read in order afterwards (RFC 2920); without it, one at a time,
//! stopping as soon as the outcome is known.

use super::data::{BodyInfo, DotStuffer};
use super::envelope::Envelope;
use super::error::{ClientError, Step};
use super::session::SmtpClient;
use mailflow_core::RemoteReply;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

/// Body bytes read (and then written, stuffed) per time-out period.
pub const BODY_CHUNK: usize = 64 * 1024;

/// The most memory one transaction holds for its body: the piece read and
/// its stuffed form, whatever the body's size.
pub const BODY_BUFFERS: usize = BODY_CHUNK + BODY_CHUNK + BODY_CHUNK / 2 + 1;

/// Every reply of one transaction, as the server gave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionReplies {
    pub mail: RemoteReply,
    /// One per recipient, in order; empty when MAIL was refused and the
    /// commands were not pipelined.
    pub rcpt: Vec<RemoteReply>,
    /// The reply to DATA; `None` when DATA was not sent (MAIL refused, or
    /// every recipient refused, without pipelining).
    pub data: Option<RemoteReply>,
    /// The reply after the final dot; `None` when no body was sent.
    pub final_reply: Option<RemoteReply>,
}

impl TransactionReplies {
    /// The server took the message for the accepted recipients.
    pub fn is_accepted(&self) -> bool {
        self.final_reply
            .as_ref()
            .is_some_and(|reply| reply.code / 100 == 2)
            && self.accepts_any_recipient()
    }

    fn accepts_any_recipient(&self) -> bool {
        positive(&self.mail) && self.rcpt.iter().any(positive)
    }
}

fn positive(reply: &RemoteReply) -> bool {
    reply.code / 100 == 2
}

impl<S: AsyncRead + AsyncWrite + Unpin> SmtpClient<S> {
    /// Runs one transaction. The body (CRLF line endings, not dot-stuffed)
    /// is read from `body` only once the server said `354`, a piece at a
    /// time, and stuffed on the way. Refusals are in the replies; `Err`
    /// means the connection broke, at the step it names, or `body` could
    /// not be read (then the final dot is never sent).
    pub async fn send_message<B: AsyncRead + Unpin>(
        &mut self,
        envelope: &Envelope<'_>,
        info: BodyInfo,
        body: &mut B,
    ) -> Result<TransactionReplies, ClientError> {
        if self.capabilities().pipelining {
            self.send_pipelined(envelope, info, body).await
        } else {
            self.send_one_by_one(envelope, info, body).await
        }
    }

    async fn send_one_by_one<B: AsyncRead + Unpin>(
        &mut self,
        envelope: &Envelope<'_>,
        info: BodyInfo,
        body: &mut B,
    ) -> Result<TransactionReplies, ClientError> {
        let mail_line = envelope.mail_command(info, self.capabilities());
        let mail = self.exchange(Step::Mail, mail_line.as_bytes()).await?.reply;
        let mut replies = TransactionReplies {
            mail,
            rcpt: Vec::new(),
            data: None,
            final_reply: None,
        };
        if !positive(&replies.mail) {
            return Ok(replies);
        }
        for recipient in envelope.recipients {
            let line = recipient.rcpt_command(self.capabilities());
            replies
                .rcpt
                .push(self.exchange(Step::Rcpt, line.as_bytes()).await?.reply);
        }
        if !replies.accepts_any_recipient() {
            return Ok(replies);
        }
        let data = self.exchange(Step::Data, b"DATA\r\n").await?.reply;
        let go_ahead = data.code == 354;
        replies.data = Some(data);
        if go_ahead {
            replies.final_reply = Some(self.send_body(Some(body)).await?);
        }
        Ok(replies)
    }

    async fn send_pipelined<B: AsyncRead + Unpin>(
        &mut self,
        envelope: &Envelope<'_>,
        info: BodyInfo,
        body: &mut B,
    ) -> Result<TransactionReplies, ClientError> {
        let mut batch = envelope.mail_command(info, self.capabilities());
        for recipient in envelope.recipients {
            batch.push_str(&recipient.rcpt_command(self.capabilities()));
        }
        batch.push_str("DATA\r\n");
        self.send(Step::Mail, batch.as_bytes()).await?;

        let mail = self.read_reply(Step::Mail).await?.reply;
        let mut rcpt = Vec::with_capacity(envelope.recipients.len());
        for _ in envelope.recipients {
            rcpt.push(self.read_reply(Step::Rcpt).await?.reply);
        }
        let data = self.read_reply(Step::Data).await?.reply;
        let go_ahead = data.code == 354;
        let mut replies = TransactionReplies {
            mail,
            rcpt,
            data: Some(data),
            final_reply: None,
        };
        if go_ahead {
            // With nobody accepted the server still waits for a body: end it empty.
            let body = replies.accepts_any_recipient().then_some(body);
            replies.final_reply = Some(self.send_body(body).await?);
        }
        Ok(replies)
    }

    /// Sends the body (none: an empty one) dot-stuffed piece by piece and
    /// the final dot; reads the final reply. A body that cannot be read
    /// stops here, before the final dot: the server never takes half a
    /// message.
    async fn send_body<B: AsyncRead + Unpin>(
        &mut self,
        mut body: Option<&mut B>,
    ) -> Result<RemoteReply, ClientError> {
        let mut stuffer = DotStuffer::default();
        let mut piece = vec![0; if body.is_some() { BODY_CHUNK } else { 0 }];
        let mut wire = Vec::with_capacity(DotStuffer::max_output(piece.len()).max(5));
        while let Some(reader) = body.as_mut() {
            let read = reader
                .read(&mut piece)
                .await
                .map_err(|error| ClientError::body_unreadable(&error))?;
            if read == 0 {
                break;
            }
            wire.clear();
            stuffer.push(&piece[..read], &mut wire);
            self.send(Step::Body, &wire).await?;
        }
        wire.clear();
        stuffer.finish(&mut wire);
        self.send(Step::Body, &wire).await?;
        Ok(self.read_reply(Step::FinalReply).await?.reply)
    }
}
