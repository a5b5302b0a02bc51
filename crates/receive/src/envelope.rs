//! The envelope of one mail transaction: `MAIL FROM` starts it, each
//! `RCPT TO` adds a routed recipient or is refused on its own. Pure
//! functions of the command and the settings, so every refusal is testable
//! without a socket.

use crate::route::{next_hop, route_recipient};
use mailflow_core::{DsnEnvelope, EnhancedCode, OrgSettings};
use mailflow_smtp::server::{
    CommandError, Reply, mail_dsn, rcpt_dsn, unsupported_mail_parameter, unsupported_rcpt_parameter,
};
use mailflow_store::NewRecipient;
use smtp_proto::{MailFrom, RcptTo};

#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    /// Empty for the null sender `<>`.
    pub sender: String,
    pub dsn: DsnEnvelope,
    /// `SMTPUTF8` was given: addresses and headers may be UTF-8.
    pub smtputf8: bool,
    pub recipients: Vec<NewRecipient>,
    /// `RCPT`s refused for now because `recipients` was full (`452 4.5.3`).
    pub refused_over_limit: usize,
}

/// `MAIL FROM`: the envelope, or the refusal. `extended`: the client said EHLO.
pub(crate) fn start_envelope(
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
    if !smtputf8 && !from.address.is_ascii() {
        return Err(needs_smtputf8());
    }
    let dsn = mail_dsn(&from);
    Ok(Envelope {
        sender: from.address,
        dsn,
        smtputf8,
        recipients: Vec::new(),
        refused_over_limit: 0,
    })
}

/// `RCPT TO`: routes the recipient and adds it, or says why not.
pub(crate) fn add_recipient(
    envelope: &mut Envelope,
    to: RcptTo<String>,
    org: &OrgSettings,
    may_relay: bool,
    max_recipients: usize,
) -> Reply {
    if let Some(name) = unsupported_rcpt_parameter(&to) {
        return CommandError::UnsupportedParameter(name.to_string()).reply();
    }
    if !envelope.smtputf8 && !to.address.is_ascii() {
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
    match route_recipient(org, &to.address, may_relay) {
        Err(refusal) => refusal.reply(),
        Ok(route) => {
            let reply = Reply::new(
                250,
                EnhancedCode(2, 1, 5),
                format!("recipient <{}> ok", to.address),
            );
            envelope.recipients.push(NewRecipient {
                dsn: rcpt_dsn(&to),
                next_hop: next_hop(org, &route),
                route,
                address: to.address,
            });
            reply
        }
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
    use mailflow_smtp::server::parse_command;
    use smtp_proto::Request;

    fn mail(line: &str) -> MailFrom<String> {
        match parse_command(format!("{line}\r\n").as_bytes()).unwrap() {
            Request::Mail { from } => from,
            other => panic!("{other:?}"),
        }
    }

    fn rcpt(line: &str) -> RcptTo<String> {
        match parse_command(format!("{line}\r\n").as_bytes()).unwrap() {
            Request::Rcpt { to } => to,
            other => panic!("{other:?}"),
        }
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
        let reply = start_envelope(mail("MAIL FROM:<a@b.test> SIZE=2000"), true, 1000).unwrap_err();
        assert_eq!(
            (reply.code(), reply.enhanced()),
            (552, Some(EnhancedCode(5, 3, 4)))
        );
        assert!(start_envelope(mail("MAIL FROM:<a@b.test> SIZE=1000"), true, 1000).is_ok());
    }

    #[test]
    fn null_sender_is_allowed() {
        assert_eq!(
            start_envelope(mail("MAIL FROM:<>"), true, 1000)
                .unwrap()
                .sender,
            ""
        );
    }

    #[test]
    fn parameters_need_ehlo_and_must_be_offered() {
        assert_eq!(
            start_envelope(mail("MAIL FROM:<a@b.test> SIZE=10"), false, 1000)
                .unwrap_err()
                .code(),
            555
        );
        assert_eq!(
            start_envelope(mail("MAIL FROM:<a@b.test> REQUIRETLS"), true, 1000)
                .unwrap_err()
                .code(),
            555
        );
    }

    #[test]
    fn utf8_addresses_need_smtputf8() {
        let reply = start_envelope(mail("MAIL FROM:<jos\u{e9}@b.test>"), true, 1000).unwrap_err();
        assert_eq!(reply.enhanced(), Some(EnhancedCode(5, 6, 7)));
        assert!(start_envelope(mail("MAIL FROM:<jos\u{e9}@b.test> SMTPUTF8"), true, 1000).is_ok());
    }

    #[test]
    fn recipients_past_the_limit_get_4_5_3() {
        let org = open_org();
        let mut envelope = start_envelope(mail("MAIL FROM:<a@b.test>"), true, 1000).unwrap();
        assert_eq!(
            add_recipient(&mut envelope, rcpt("RCPT TO:<one@x.test>"), &org, false, 1).code(),
            250
        );
        let reply = add_recipient(&mut envelope, rcpt("RCPT TO:<two@x.test>"), &org, false, 1);
        assert_eq!(
            (reply.code(), reply.enhanced()),
            (452, Some(EnhancedCode(4, 5, 3)))
        );
        assert_eq!(envelope.recipients.len(), 1);
    }

    #[test]
    fn refused_recipients_are_not_added() {
        let org = open_org();
        let mut envelope = start_envelope(mail("MAIL FROM:<a@b.test>"), true, 1000).unwrap();
        let reply = add_recipient(
            &mut envelope,
            rcpt("RCPT TO:<z@elsewhere.test>"),
            &org,
            false,
            10,
        );
        assert_eq!(reply.enhanced(), Some(EnhancedCode(5, 7, 1)));
        assert!(envelope.recipients.is_empty());
    }
}
