//! `RCPT TO:<postmaster>` (RFC 5321 4.5.1): every relay must take it. It
//! stands for the organisation's administrators, the `admin_emails` its
//! alerts go to; with none set, for `postmaster@` its first accepted domain,
//! which the server behind that domain's connector answers for.

use mailflow_core::{Mailbox, OrgSettings};

/// The mailboxes mail to `<postmaster>` goes to; empty when there is none.
pub(crate) fn postmaster_mailboxes(org: &OrgSettings, admin_emails: &[String]) -> Vec<Mailbox> {
    let admins: Vec<Mailbox> = admin_emails
        .iter()
        .filter_map(|address| Mailbox::parse(address).ok())
        .collect();
    if !admins.is_empty() {
        return admins;
    }
    org.accepted_domains
        .first()
        .and_then(|domain| Mailbox::new("postmaster", &domain.name).ok())
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{AcceptedDomain, DomainType};

    fn org(domains: &[&str]) -> OrgSettings {
        OrgSettings {
            accepted_domains: domains
                .iter()
                .map(|name| AcceptedDomain {
                    name: name.to_string(),
                    kind: DomainType::Authoritative,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn texts(mailboxes: Vec<Mailbox>) -> Vec<String> {
        mailboxes.iter().map(|m| m.as_str().to_string()).collect()
    }

    #[test]
    fn postmaster_is_the_administrators_when_there_are_any() {
        let admins = [
            "ops@fabrikam.test".to_string(),
            "it@contoso.test".to_string(),
        ];
        assert_eq!(
            texts(postmaster_mailboxes(&org(&["contoso.test"]), &admins)),
            ["ops@fabrikam.test", "it@contoso.test"]
        );
    }

    #[test]
    fn without_administrators_it_is_postmaster_of_the_first_accepted_domain() {
        assert_eq!(
            texts(postmaster_mailboxes(
                &org(&["contoso.test", "hybrid.test"]),
                &[]
            )),
            ["postmaster@contoso.test"]
        );
        assert!(postmaster_mailboxes(&org(&[]), &[]).is_empty());
    }
}
