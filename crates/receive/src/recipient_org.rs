//! Which organisation a recipient's mail belongs to. Mail to an accepted
//! domain belongs to the organisation that accepts the domain, whoever
//! sends it; mail relayed onward belongs to the sender's organisation (the
//! node's own, for the clients `trusted_networks` and SMTP AUTH let relay).
//! A message belongs to one organisation: a recipient of another is put off
//! to a message of its own, as a server that takes fewer recipients per
//! message would.

use crate::envelope::RcptTarget;
use mailflow_core::{EnhancedCode, Orgs};
use mailflow_smtp::server::Reply;

/// The organisation `target` belongs to, the node's own being `home`.
pub(crate) fn of_recipient<'o>(orgs: &'o Orgs, home: &'o str, target: &RcptTarget) -> &'o str {
    match target {
        RcptTarget::Mailbox(mailbox) => orgs.owner_of(mailbox.domain()).unwrap_or(home),
        // The node's own administrators.
        RcptTarget::Postmaster(_) => home,
    }
}

/// `452 4.5.3` for a recipient of another organisation than the message's
/// first: the client sends it again in a message of its own (RFC 5321
/// 3.3 asks a client to send the recipients a 452 turned away later).
pub(crate) fn another_organisation() -> Reply {
    Reply::new(
        452,
        EnhancedCode(4, 5, 3),
        "this recipient belongs to another organisation: send it in a message of its own",
    )
}
