//! The client side of the SMTP wire: one conversation with a next hop.
//!
//! `SmtpClient` speaks over any byte stream (plain TCP or TLS): it reads the
//! greeting, says EHLO (HELO when EHLO is refused), asks for STARTTLS, and
//! runs mail transactions — pipelined where the server offers PIPELINING.
//! It knows nothing of queues or policies: a broken connection comes back as
//! a typed `ClientError` naming the step it broke at, and every reply the
//! server gave is handed back as it came, so that the caller can diagnose.

mod capabilities;
mod data;
mod envelope;
mod error;
mod reply;
mod session;
mod transaction;

pub use capabilities::Capabilities;
pub use data::{BodyInfo, DotStuffer, dot_stuff};
pub use envelope::{Envelope, EnvelopeRecipient};
pub use error::{Broken, ClientError, Step};
pub use session::{SmtpClient, Transport};
pub use transaction::{BODY_BUFFERS, BODY_CHUNK, TransactionReplies};
