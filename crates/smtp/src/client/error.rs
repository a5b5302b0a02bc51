//! What can go wrong in a client conversation, typed so that the caller can
//! tell a refusal (the server answered, with an error) from a broken
//! connection (closed, reset, silent) and know the step it happened at.

use mailflow_core::RemoteReply;
use std::io;

/// The step of the conversation a failure happened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Greeting,
    Ehlo,
    StartTls,
    Mail,
    Rcpt,
    /// Waiting for the reply to `DATA`.
    Data,
    /// Sending the message body and the final dot.
    Body,
    /// Waiting for the reply after the final dot.
    FinalReply,
    Rset,
    Quit,
}

/// How the connection broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// The far side closed the connection.
    Closed,
    /// The connection was reset (or aborted, or the pipe broke).
    Reset,
    /// No reply (or no progress writing) within the command time-out.
    TimedOut,
    /// The server sent something that is not an SMTP reply.
    Malformed { reason: String },
    /// Another I/O failure.
    Io {
        kind: io::ErrorKind,
        message: String,
    },
}

impl Broken {
    pub(crate) fn from_io(error: &io::Error) -> Broken {
        match error.kind() {
            io::ErrorKind::UnexpectedEof => Broken::Closed,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Broken::Reset,
            io::ErrorKind::TimedOut => Broken::TimedOut,
            kind => Broken::Io {
                kind,
                message: error.to_string(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error where the conversation needed success.
    #[error("the server answered {step:?} with {reply}")]
    Rejected { step: Step, reply: RemoteReply },
    /// The connection broke at `step`.
    #[error("the connection broke at {step:?}: {how:?}")]
    Broken { step: Step, how: Broken },
    /// The message body could not be read (from where it is stored) while
    /// it was being sent; the final dot was not sent, so the session is
    /// unusable.
    #[error("the message body could not be read: {reason}")]
    BodyUnreadable { reason: String },
}

impl ClientError {
    pub(crate) fn body_unreadable(error: &io::Error) -> ClientError {
        ClientError::BodyUnreadable {
            reason: error.to_string(),
        }
    }

    pub(crate) fn broken(step: Step, how: Broken) -> ClientError {
        ClientError::Broken { step, how }
    }
}
