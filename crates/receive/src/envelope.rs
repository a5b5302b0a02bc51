//! The envelope of one mail transaction: `MAIL FROM` starts it, each
//! `RCPT TO` adds a routed recipient or is refused on its own. Pure
//! functions of the command and the settings, so every refusal is testable
//! without a socket.

use crate::route::{RouteRefusal, next_hop, route_mailbox, route_reason};
use mailflow_core::{DsnEnvelope, EnhancedCode, Mailbox, OrgSettings};
use mailflow_smtp::server::{
    CommandError, Reply, ReversePath, mail_dsn, rcpt_dsn, unsupported_mail_parameter,
    unsupported_rcpt_parameter,
};
use mailflow_store::NewRecipient;
use smtp_proto::{MailFrom, RcptTo};

#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    /// `None` for the null sender `<>`.
    pub sender: Option<Mailbox>,
    pub dsn: DsnEnvelope,
    /// `SMTPUTF8` was given: addresses and headers may be UTF-8.
    pub smtputf8: bool,
    pub recipients: Vec<NewRecipient>,
    /// `RCPT`s refused for now because `recipients` was full (`452 4.5.3`).
    pub refused_over_limit: usize,
    /// The organisation the message belongs to: its first recipient's
    /// (see `recipient_org`); `None` until a recipient is taken.
    pub org: Option<String>,
}

/// `MAIL FROM`: the envelope, or the refusal. `extended`: the client said EHLO.
pub(crate) fn start_envelope(
    sender: ReversePath,
    from: MailFrom<String>,
    extended: bool,
    max_size: u64,
) -> Result<Envelope, Reply> {
    if let Some(name) = unsupported_mail_parameter(&from) {
        return Err(CommandError::UnsupportedParameter(name.to_string()).reply());
    }
    if !extended && (from.size != 0 || from.flags != 0 || from.env_id.is_some()) {
        return Err(Reply::new(
            555,
            EnhancedCode(5, 5, 4),
            "MAIL parameters need EHLO, not HELO",
        ));
    }
    if from.size as u64 > max_size {
        return Err(Reply::new(
            552,
            EnhancedCode(5, 3, 4),
            format!(
                "message size exceeds fixed maximum message size ({} > {max_size} bytes)",
                from.size
            ),
        ));
    }
    let smtputf8 = from.flags & smtp_proto::MAIL_SMTPUTF8 != 0;
    let sender = sender.mailbox().cloned();
    if !smtputf8 && sender.as_ref().is_some_and(|s| !s.as_str().is_ascii()) {
        return Err(needs_smtputf8());
    }
    let dsn = mail_dsn(&from);
    Ok(Envelope {
        sender,
        dsn,
        smtputf8,
        recipients: Vec::new(),
        refused_over_limit: 0,
        org: None,
    })
}

/// Who a `RCPT TO` names, once `<postmaster>` is known to stand for the
/// organisation's administrators.
pub(crate) enum RcptTarget {
    Mailbox(Mailbox),
    /// `<postmaster>`, and the mailboxes it stands for (see `postmaster.rs`).
    Postmaster(Vec<Mailbox>),
}

/// `RCPT TO`: routes the recipient and adds it, or says why not.
pub(crate) fn add_recipient(
    envelope: &mut Envelope,
    target: RcptTarget,
    to: RcptTo<String>,
    (org_name, org): (&str, &OrgSettings),
    may_relay: bool,
    max_recipients: usize,
) -> Reply {
    if let Some(name) = unsupported_rcpt_parameter(&to) {
        return CommandError::UnsupportedParameter(name.to_string()).reply();
    }
    if let RcptTarget::Mailbox(mailbox) = &target
        && !envelope.smtputf8
        && !mailbox.as_str().is_ascii()
    {
        return needs_smtputf8();
    }
    if envelope.recipients.len() >= max_recipients {
        envelope.refused_over_limit += 1;
        return Reply::new(
            452,
            EnhancedCode(4, 5, 3),
            format!("too many recipients: at most {max_recipients} per message"),
        );
    }
    let dsn = rcpt_dsn(&to);
    match target {
        RcptTarget::Mailbox(mailbox) => match route_mailbox(org, &mailbox, may_relay) {
            Err(refusal) => refusal.reply(),
            Ok(route) => {
                let reply = Reply::new(
                    250,
                    EnhancedCode(2, 1, 5),
                    format!("recipient <{}> ok", mailbox.smtp()),
                );
                envelope.recipients.push(NewRecipient {
                    reason: Some(route_reason(org, &route)),
                    dsn,
                    next_hop: next_hop(org_name, org, &route),
                    route,
                    address: mailbox.as_str().to_string(),
                });
                reply
            }
        },
        RcptTarget::Postmaster(mailboxes) => {
            add_postmaster(envelope, mailboxes, dsn, (org_name, org))
        }
    }
}

/// `<postmaster>`: each of the mailboxes it stands for, routed as relaying
/// is (they are the organisation's own choice), with `ORCPT` saying it was
/// postmaster that was written to.
fn add_postmaster(
    envelope: &mut Envelope,
    mailboxes: Vec<Mailbox>,
    mut dsn: mailflow_core::DsnRecipient,
    (org_name, org): (&str, &OrgSettings),
) -> Reply {
    dsn.orcpt
        .get_or_insert_with(|| "rfc822;postmaster".to_string());
    let mut refused = None;
    let mut added = 0;
    for mailbox in mailboxes {
        match route_mailbox(org, &mailbox, true) {
            Ok(route) => {
                envelope.recipients.push(NewRecipient {
                    reason: Some(route_reason(org, &route)),
                    dsn: dsn.clone(),
                    next_hop: next_hop(org_name, org, &route),
                    route,
                    address: mailbox.as_str().to_string(),
                });
                added += 1;
            }
            Err(refusal) => {
                tracing::warn!(%mailbox, %refusal, "mail to postmaster cannot go to this address");
                refused.get_or_insert(refusal);
            }
        }
    }
    match (added, refused) {
        (0, Some(refusal)) => refusal.reply(),
        (0, None) => RouteRefusal::NoPostmaster.reply(),
        _ => Reply::new(250, EnhancedCode(2, 1, 5), "recipient <postmaster> ok"),
    }
}

/// RFC 6531: a UTF-8 address without `SMTPUTF8`.
fn needs_smtputf8() -> Reply {
    Reply::new(
        553,
        EnhancedCode(5, 6, 7),
        "non-ASCII address needs the SMTPUTF8 parameter on MAIL FROM",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{AcceptedDomain, Connector, ConnectorKind, DomainType, TlsPolicy};
    use mailflow_smtp::server::{Command, ForwardPath, parse_command};

    fn mail(line: &str) -> (ReversePath, MailFrom<String>) {
        match parse_command(format!("{line}\r\n").as_bytes()).unwrap() {
            Command::Mail { sender, from } => (sender, from),
            other => panic!("{other:?}"),
        }
    }

    fn rcpt(line: &str) -> (RcptTarget, RcptTo<String>) {
        match parse_command(format!("{line}\r\n").as_bytes()).unwrap() {
            Command::Rcpt {
                recipient: ForwardPath::Mailbox(mailbox),
                to,
            } => (RcptTarget::Mailbox(mailbox), to),
            other => panic!("{other:?}"),
        }
    }

    fn add(
        envelope: &mut Envelope,
        line: &str,
        org: &OrgSettings,
        relay: bool,
        max: usize,
    ) -> Reply {
        let (target, to) = rcpt(line);
        add_recipient(envelope, target, to, ("acme", org), relay, max)
    }

    fn mail_rcpt_params(line: &str) -> (ForwardPath, RcptTo<String>) {
        match parse_command(format!("{line}\r\n").as_bytes()).unwrap() {
            Command::Rcpt { recipient, to } => (recipient, to),
            other => panic!("{other:?}"),
        }
    }

    fn start(line: &str, extended: bool, max_size: u64) -> Result<Envelope, Reply> {
        let (sender, from) = mail(line);
        start_envelope(sender, from, extended, max_size)
    }

    fn open_org() -> OrgSettings {
        OrgSettings {
            accepted_domains: vec![AcceptedDomain {
                name: "x.test".into(),
                kind: DomainType::InternalRelay,
            }],
            connectors: vec![Connector {
                name: "onprem".into(),
                kind: ConnectorKind::OnPremises,
                enabled: true,
                recipient_domains: vec!["x.test".into()],
                smart_hosts: vec![],
                tls: TlsPolicy::Opportunistic,
                tls_name: None,
                connect_timeout: None,
                command_timeout: None,
                max_connections: 1,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn declared_size_over_the_limit_is_refused_with_5_3_4() {
        let reply = start("MAIL FROM:<a@b.test> SIZE=2000", true, 1000).unwrap_err();
        assert_eq!(
            (reply.code(), reply.enhanced()),
            (552, Some(EnhancedCode(5, 3, 4)))
        );
        assert!(start("MAIL FROM:<a@b.test> SIZE=1000", true, 1000).is_ok());
    }

    #[test]
    fn null_sender_is_allowed() {
        assert_eq!(start("MAIL FROM:<>", true, 1000).unwrap().sender, None);
    }

    #[test]
    fn parameters_need_ehlo_and_must_be_offered() {
        assert_eq!(
            start("MAIL FROM:<a@b.test> SIZE=10", false, 1000)
                .unwrap_err()
                .code(),
            555
        );
        assert_eq!(
            start("MAIL FROM:<a@b.test> REQUIRETLS", true, 1000)
                .unwrap_err()
                .code(),
            555
        );
    }

    #[test]
    fn utf8_addresses_need_smtputf8() {
        let reply = start("MAIL FROM:<jos\u{e9}@b.test>", true, 1000).unwrap_err();
        assert_eq!(reply.enhanced(), Some(EnhancedCode(5, 6, 7)));
        assert!(start("MAIL FROM:<jos\u{e9}@b.test> SMTPUTF8", true, 1000).is_ok());
    }

    #[test]
    fn recipients_past_the_limit_get_4_5_3() {
        let org = open_org();
        let mut envelope = start("MAIL FROM:<a@b.test>", true, 1000).unwrap();
        assert_eq!(
            add(&mut envelope, "RCPT TO:<one@x.test>", &org, false, 1).code(),
            250
        );
        let reply = add(&mut envelope, "RCPT TO:<two@x.test>", &org, false, 1);
        assert_eq!(
            (reply.code(), reply.enhanced()),
            (452, Some(EnhancedCode(4, 5, 3)))
        );
        assert_eq!(envelope.recipients.len(), 1);
    }

    #[test]
    fn refused_recipients_are_not_added() {
        let org = open_org();
        let mut envelope = start("MAIL FROM:<a@b.test>", true, 1000).unwrap();
        let reply = add(&mut envelope, "RCPT TO:<z@elsewhere.test>", &org, false, 10);
        assert_eq!(reply.enhanced(), Some(EnhancedCode(5, 7, 1)));
        assert!(envelope.recipients.is_empty());
    }

    #[test]
    fn postmaster_adds_each_mailbox_it_stands_for_with_orcpt_postmaster() {
        let org = open_org();
        let mut envelope = start("MAIL FROM:<a@b.test>", true, 1000).unwrap();
        let admins = ["ops@x.test", "boss@elsewhere.test"]
            .map(|address| Mailbox::parse(address).unwrap())
            .to_vec();
        let (_, to) = mail_rcpt_params("RCPT TO:<postmaster>");
        let reply = add_recipient(
            &mut envelope,
            RcptTarget::Postmaster(admins),
            to,
            ("acme", &org),
            false,
            10,
        );
        assert_eq!(reply.code(), 250);
        assert_eq!(reply.lines(), ["recipient <postmaster> ok"]);
        let added: Vec<_> = envelope
            .recipients
            .iter()
            .map(|r| (r.address.as_str(), r.dsn.orcpt.as_deref()))
            .collect();
        assert_eq!(
            added,
            [
                ("ops@x.test", Some("rfc822;postmaster")),
                ("boss@elsewhere.test", Some("rfc822;postmaster"))
            ]
        );
    }

    #[test]
    fn postmaster_with_nowhere_to_go_is_refused_for_now() {
        let org = open_org();
        let mut envelope = start("MAIL FROM:<a@b.test>", true, 1000).unwrap();
        let (_, to) = mail_rcpt_params("RCPT TO:<postmaster>");
        let reply = add_recipient(
            &mut envelope,
            RcptTarget::Postmaster(vec![]),
            to,
            ("acme", &org),
            false,
            10,
        );
        assert_eq!(reply.enhanced(), Some(EnhancedCode(4, 4, 0)));
    }
}
