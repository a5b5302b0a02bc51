//! One mail transaction: MAIL, RCPT for each recipient, DATA and the body.
//! With PIPELINING the commands up to DATA go in one write and their replies
//! are read in order afterwards (RFC 2920); without it, one at a time,
//! stopping as soon as the outcome is known.

use super::data::dot_stuff;
use super::envelope::Envelope;
use super::error::{ClientError, Step};
use super::session::SmtpClient;
use mailflow_core::RemoteReply;
use tokio::io::{AsyncRead, AsyncWrite};

/// Body bytes written per time-out period.
const BODY_CHUNK: usize = 64 * 1024;

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
    /// Runs one transaction. Refusals are in the replies; `Err` means the
    /// connection broke, at the step it names.
    pub async fn send_message(
        &mut self,
        envelope: &Envelope<'_>,
        body: &[u8],
    ) -> Result<TransactionReplies, ClientError> {
        if self.capabilities().pipelining {
            self.send_pipelined(envelope, body).await
        } else {
            self.send_one_by_one(envelope, body).await
        }
    }

    async fn send_one_by_one(
        &mut self,
        envelope: &Envelope<'_>,
        body: &[u8],
    ) -> Result<TransactionReplies, ClientError> {
        let mail_line = envelope.mail_command(body, self.capabilities());
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
            replies.final_reply = Some(self.send_body(body).await?);
        }
        Ok(replies)
    }

    async fn send_pipelined(
        &mut self,
        envelope: &Envelope<'_>,
        body: &[u8],
    ) -> Result<TransactionReplies, ClientError> {
        let mut batch = envelope.mail_command(body, self.capabilities());
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
            let body: &[u8] = if replies.accepts_any_recipient() {
                body
            } else {
                b""
            };
            replies.final_reply = Some(self.send_body(body).await?);
        }
        Ok(replies)
    }

    /// Sends the dot-stuffed body and the final dot; reads the final reply.
    async fn send_body(&mut self, body: &[u8]) -> Result<RemoteReply, ClientError> {
        let wire = dot_stuff(body);
        for chunk in wire.chunks(BODY_CHUNK) {
            self.send(Step::Body, chunk).await?;
        }
        Ok(self.read_reply(Step::FinalReply).await?.reply)
    }
}
