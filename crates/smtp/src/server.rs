//! The server side of the SMTP wire: what a client sends is read here, and
//! what mailflow answers is written here. Nothing in it knows of queues.
//!
//! - [`SmtpReader`] reads command lines and DATA from any `AsyncRead`. It is
//!   strict about line endings: a bare LF or bare CR anywhere — in a command
//!   or in the message — is refused, so that no `<LF>.<LF>`-style trick can
//!   end the data early (SMTP smuggling).
//! - [`parse_command`] turns a command line into a [`Command`]: `MAIL` and
//!   `RCPT` with their path read strictly into a typed mailbox, every other
//!   command as a `smtp_proto::Request`; what was wrong is a typed
//!   [`CommandError`].
//! - [`MemoryBudget`] bounds the memory all sessions hold for messages
//!   being received.
//! - [`Reply`] and [`ReplyWriter`] write replies with enhanced status codes,
//!   buffering them so that pipelined commands are answered in one write.
//!
//! The codes of the wire's own refusals are documented on [`LineProblem::reply`]
//! and [`DataRefusal::reply`].

mod command;
mod data_scanner;
mod line;
pub(crate) mod memory_budget;
mod path;
mod reader;
mod reply;
mod writer;

pub use command::{
    Command, CommandError, mail_dsn, parse_command, rcpt_dsn, unsupported_mail_parameter,
    unsupported_rcpt_parameter,
};
pub use data_scanner::{DataLimits, DataOutcome, DataRefusal, DataScanner};
pub use line::{LineProblem, classify_line};
pub use memory_budget::{MemoryBudget, Reservation};
pub use path::{ForwardPath, PathError, ReversePath};
pub use reader::{CommandLine, ReadError, SmtpReader};
pub use reply::Reply;
pub use writer::ReplyWriter;
