//! An e-mail address as mailflow carries it: a local part and a domain,
//! checked once where the address is read and written back only through
//! [`Mailbox::smtp`], the one encoder.
//!
//! Why a type: an address read from `RCPT TO:<"v@x.example> ORCPT=…"@y>`
//! loses its quotes when it is decoded, and written back as plain text it
//! becomes another command on the next hop's wire. Here the decoded form is
//! what is stored and compared, and the written form puts the quotes back
//! (RFC 5321 `Quoted-string`) wherever a dot-atom cannot carry the local part.
//!
//! Some characters are refused outright, quoted or not, because common next
//! hops read them as structure even inside quotes: controls, `<` and `>`
//! (the ends of a path), `"` and `\` (quoting itself), and `@` in the local
//! part (Postfix, by default, looks inside quotes and would route
//! `"v@x.example"@y` to `x.example`). An address holding one of them is
//! refused at `MAIL` or `RCPT`, never carried.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest address taken, as RFC 5321 4.5.3.1.3 bounds a path.
pub const MAX_ADDRESS_LENGTH: usize = 254;

/// A mailbox `local@domain`, valid by construction.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mailbox {
    /// The decoded form: the local part as it reads unquoted, `@`, the domain.
    text: String,
    /// Where the one `@` is.
    at: usize,
}

/// Why text is not a mailbox mailflow can carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address has no local part")]
    NoLocalPart,
    #[error("the address has no domain")]
    NoDomain,
    #[error("the address is longer than {MAX_ADDRESS_LENGTH} characters")]
    TooLong,
    #[error("the local part holds {0:?}, which cannot be carried safely")]
    UnsafeCharacter(char),
    #[error("{0:?} is not a valid domain")]
    BadDomain(String),
}

impl Mailbox {
    /// A mailbox from its decoded local part and its domain.
    pub fn new(local_part: &str, domain: &str) -> Result<Mailbox, AddressError> {
        check_local_part(local_part)?;
        check_domain(domain)?;
        let text = format!("{local_part}@{domain}");
        if text.len() > MAX_ADDRESS_LENGTH {
            return Err(AddressError::TooLong);
        }
        Ok(Mailbox {
            at: local_part.len(),
            text,
        })
    }

    /// A mailbox from its decoded form, as [`Mailbox::as_str`] gives it (and
    /// as the store keeps it). The local part cannot hold `@`, so the form
    /// splits one way only.
    pub fn parse(text: &str) -> Result<Mailbox, AddressError> {
        match text.rsplit_once('@') {
            Some((local_part, domain)) => Mailbox::new(local_part, domain),
            None if text.is_empty() => Err(AddressError::NoLocalPart),
            None => Err(AddressError::NoDomain),
        }
    }

    /// The decoded form, `local@domain`: for storing, comparing and showing
    /// to people, never for writing onto the wire.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn local_part(&self) -> &str {
        &self.text[..self.at]
    }

    pub fn domain(&self) -> &str {
        &self.text[self.at + 1..]
    }

    /// The form written onto the wire and into headers (`MAIL`, `RCPT`,
    /// replies, `Received:`, reports): the local part as a dot-atom where it
    /// is one, else as a quoted string.
    pub fn smtp(&self) -> SmtpForm<'_> {
        SmtpForm(self)
    }

    /// The local part needs quotes to be written.
    pub fn needs_quotes(&self) -> bool {
        !is_dot_atom(self.local_part())
    }

    /// RFC 5321 4.5.1: `postmaster`, in any case.
    pub fn is_postmaster(&self) -> bool {
        self.local_part().eq_ignore_ascii_case("postmaster")
    }
}

/// [`Mailbox::smtp`]: writes the mailbox as RFC 5321 `Mailbox`.
pub struct SmtpForm<'a>(&'a Mailbox);

impl fmt::Display for SmtpForm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mailbox = self.0;
        if mailbox.needs_quotes() {
            // No `"` or `\` can be in the local part, so nothing needs escaping.
            write!(f, "\"{}\"@{}", mailbox.local_part(), mailbox.domain())
        } else {
            f.write_str(mailbox.as_str())
        }
    }
}

impl fmt::Display for Mailbox {
    /// The decoded form, for people (logs, tables); the wire uses [`Mailbox::smtp`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({:?})", self.text)
    }
}

impl Serialize for Mailbox {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Mailbox {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Mailbox::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn check_local_part(local_part: &str) -> Result<(), AddressError> {
    if local_part.is_empty() {
        return Err(AddressError::NoLocalPart);
    }
    match local_part.chars().find(|&c| !is_carried_in_local_part(c)) {
        Some(unsafe_char) => Err(AddressError::UnsafeCharacter(unsafe_char)),
        None => Ok(()),
    }
}

/// What a local part may hold, quoted if need be (RFC 5321 `qtextSMTP`,
/// RFC 6531 UTF-8), less what next hops read as structure.
fn is_carried_in_local_part(c: char) -> bool {
    !c.is_control() && !matches!(c, '<' | '>' | '"' | '\\' | '@')
}

/// RFC 5321 `Dot-string`, with RFC 6531's UTF-8 in its atoms.
fn is_dot_atom(text: &str) -> bool {
    text.split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// RFC 5322 `atext`, and any non-ASCII character (RFC 6531 `UTF8-non-ascii`).
pub fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

fn check_domain(domain: &str) -> Result<(), AddressError> {
    let valid = match domain.strip_prefix('[') {
        Some(literal) => literal.strip_suffix(']').is_some_and(is_address_literal),
        None => is_domain_name(domain),
    };
    if valid {
        Ok(())
    } else if domain.is_empty() {
        Err(AddressError::NoDomain)
    } else {
        Err(AddressError::BadDomain(domain.to_string()))
    }
}

/// RFC 5321 `Domain`: labels of letters, digits and inner hyphens (RFC 6531
/// lets a label be UTF-8), each 1 to 63 octets.
fn is_domain_name(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| {
                    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
                })
        })
}

/// RFC 5321 `address-literal`: an IPv4 address, or `IPv6:` and an IPv6 one.
fn is_address_literal(literal: &str) -> bool {
    match literal.get(..5) {
        Some(tag) if tag.eq_ignore_ascii_case("IPv6:") => literal[5..].parse::<Ipv6Addr>().is_ok(),
        _ => literal.parse::<Ipv4Addr>().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(text: &str) -> Mailbox {
        Mailbox::parse(text).unwrap()
    }

    #[test]
    fn a_plain_address_is_written_as_it_reads() {
        let address = mailbox("alice.smith+tag@Contoso.test");
        assert_eq!(address.local_part(), "alice.smith+tag");
        assert_eq!(address.domain(), "Contoso.test");
        assert_eq!(address.smtp().to_string(), "alice.smith+tag@Contoso.test");
    }

    #[test]
    fn a_local_part_that_is_no_dot_atom_is_written_quoted() {
        for (decoded, written) in [
            ("john smith@contoso.test", "\"john smith\"@contoso.test"),
            ("a..b@contoso.test", "\"a..b\"@contoso.test"),
            (".a@contoso.test", "\".a\"@contoso.test"),
            ("a;b,c:d@contoso.test", "\"a;b,c:d\"@contoso.test"),
            ("(x)@contoso.test", "\"(x)\"@contoso.test"),
        ] {
            assert_eq!(mailbox(decoded).smtp().to_string(), written, "{decoded}");
        }
    }

    #[test]
    fn utf8_local_parts_and_domains_are_atoms() {
        let address = mailbox("zoë@bücher.test");
        assert!(!address.needs_quotes());
        assert_eq!(address.smtp().to_string(), "zoë@bücher.test");
    }

    #[test]
    fn characters_next_hops_read_as_structure_are_refused() {
        for (text, refused) in [
            ("v@ext.example> ORCPT=rfc822;x@contoso.test", '@'),
            ("v> ORCPT=rfc822;x@contoso.test", '>'),
            ("a<b@contoso.test", '<'),
            ("a\"b@contoso.test", '"'),
            ("a\\b@contoso.test", '\\'),
            ("a\r\nRCPT TO:b@contoso.test", '\r'),
            ("a\0b@contoso.test", '\0'),
            ("a\u{85}b@contoso.test", '\u{85}'),
        ] {
            assert_eq!(
                Mailbox::parse(text),
                Err(AddressError::UnsafeCharacter(refused)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn domains_are_names_or_address_literals() {
        for good in [
            "a@contoso.test",
            "a@x",
            "a@[127.0.0.1]",
            "a@[IPv6:::1]",
            "a@mail-1.contoso.test",
        ] {
            assert!(Mailbox::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "a@",
            "a@contoso..test",
            "a@contoso.test.",
            "a@-contoso.test",
            "a@contoso test",
            "a@contoso.test> RET=FULL",
            "a@[127.0.0.1",
            "a@[300.0.0.1]",
            "a@[IPv6:127.0.0.1]",
            "a@\"contoso\".test",
        ] {
            assert!(Mailbox::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_decoded_form_parses_back_to_the_same_mailbox() {
        for text in [
            "a@b.test",
            "john smith@b.test",
            "x%y!z@b.test",
            "zoë@b.test",
        ] {
            let address = mailbox(text);
            assert_eq!(Mailbox::parse(address.as_str()), Ok(address.clone()));
            let json = serde_json::to_string(&address).unwrap();
            assert_eq!(serde_json::from_str::<Mailbox>(&json).unwrap(), address);
        }
        assert!(serde_json::from_str::<Mailbox>("\"a>b@c.test\"").is_err());
    }

    #[test]
    fn overlong_addresses_are_refused() {
        let local = "a".repeat(250);
        assert_eq!(
            Mailbox::new(&local, "contoso.test"),
            Err(AddressError::TooLong)
        );
    }

    #[test]
    fn postmaster_is_known_in_any_case() {
        assert!(mailbox("PostMaster@contoso.test").is_postmaster());
        assert!(!mailbox("postmasters@contoso.test").is_postmaster());
    }
}
