//! The path of `MAIL FROM:<…>` and `RCPT TO:<…>` read strictly (RFC 5321
//! 4.1.2) from the command line itself, into a typed [`Mailbox`].
//!
//! `smtp_proto` reads the parameters, and its address too, but drops quotes
//! wherever they stand and keeps what they held: `<"v@x> ORCPT=…"@y>` comes
//! out as text that, written back unquoted, is another command. So the path
//! is read a second time here, by the grammar: a dot-string or one quoted
//! string as the local part, `@`, a domain; a source route is skipped
//! (RFC 5321 C). Both readings must name the same mailbox, or the command is
//! refused: the parameters `smtp_proto` read then start where this path ends.

use mailflow_core::mailbox::is_atext;
use mailflow_core::{AddressError, Mailbox};

/// `MAIL FROM`'s path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReversePath {
    /// `<>`: the null sender of reports.
    Null,
    Mailbox(Mailbox),
}

/// `RCPT TO`'s path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardPath {
    /// `<postmaster>` without a domain (RFC 5321 4.5.1).
    Postmaster,
    Mailbox(Mailbox),
}

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("address syntax: {0}")]
    Syntax(&'static str),
    /// In the path's form, but not a mailbox.
    #[error("{0}")]
    Invalid(AddressError),
    /// Well formed, but not carried: see [`Mailbox`].
    #[error("{0}")]
    Unsafe(AddressError),
}

impl ReversePath {
    /// The path of a `MAIL FROM` line `smtp_proto` took, whose address it
    /// read as `decoded`.
    pub fn read(line: &[u8], decoded: &str) -> Result<ReversePath, PathError> {
        let path = match raw_path(line)? {
            "" => ReversePath::Null,
            text => ReversePath::Mailbox(mailbox(text)?),
        };
        let agreed = match &path {
            ReversePath::Null => decoded.is_empty(),
            ReversePath::Mailbox(mailbox) => mailbox.as_str() == decoded,
        };
        agreed.then_some(path).ok_or(AMBIGUOUS)
    }

    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ReversePath::Null => None,
            ReversePath::Mailbox(mailbox) => Some(mailbox),
        }
    }
}

impl ForwardPath {
    /// The path of a `RCPT TO` line `smtp_proto` took, whose address it read
    /// as `decoded`.
    pub fn read(line: &[u8], decoded: &str) -> Result<ForwardPath, PathError> {
        let path = match raw_path(line)? {
            "" => return Err(PathError::Syntax("a recipient cannot be empty")),
            text if text.eq_ignore_ascii_case("postmaster") => ForwardPath::Postmaster,
            text => ForwardPath::Mailbox(mailbox(text)?),
        };
        let agreed = match &path {
            ForwardPath::Postmaster => decoded.is_empty(),
            ForwardPath::Mailbox(mailbox) => mailbox.as_str() == decoded,
        };
        agreed.then_some(path).ok_or(AMBIGUOUS)
    }
}

const AMBIGUOUS: PathError = PathError::Syntax("the address can be read more than one way");

/// What stands between the `<` after the command's colon and its `>`.
fn raw_path(line: &[u8]) -> Result<&str, PathError> {
    let line = std::str::from_utf8(line).map_err(|_| PathError::Syntax("not UTF-8"))?;
    let colon = line.find(':').ok_or(PathError::Syntax("no colon"))?;
    let after = line[colon + 1..].trim_start_matches(' ');
    let inside = after
        .strip_prefix('<')
        .ok_or(PathError::Syntax("the path must be in angle brackets"))?;
    let end = path_end(inside).ok_or(PathError::Syntax("the path has no closing '>'"))?;
    Ok(&inside[..end])
}

/// Where the path's `>` is: the first one outside a quoted string.
fn path_end(inside: &str) -> Option<usize> {
    let mut quoted = false;
    for (at, c) in inside.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(at),
            _ => {}
        }
    }
    None
}

/// `[ A-d-l ":" ] Mailbox`: the source route, if any, is read and dropped.
fn mailbox(path: &str) -> Result<Mailbox, PathError> {
    let mailbox = match path.strip_prefix('@') {
        Some(_) => {
            let (route, mailbox) = path
                .split_once(':')
                .ok_or(PathError::Syntax("a source route must end with ':'"))?;
            check_source_route(route)?;
            mailbox
        }
        None => path,
    };
    let (local_part, domain) = split_local_part(mailbox)?;
    Mailbox::new(local_part, domain).map_err(|error| match error {
        AddressError::UnsafeCharacter(_) | AddressError::TooLong => PathError::Unsafe(error),
        _ => PathError::Invalid(error),
    })
}

/// `@one.example,@two.example`: each hop a domain, none of them used.
fn check_source_route(route: &str) -> Result<(), PathError> {
    let valid = route.split(',').all(|hop| {
        hop.strip_prefix('@')
            .is_some_and(|domain| Mailbox::new("x", domain).is_ok())
    });
    valid
        .then_some(())
        .ok_or(PathError::Syntax("bad source route"))
}

/// The local part (unquoted) and the domain: a quoted string is one whole
/// local part, with no escapes; a dot-string runs to the `@`.
fn split_local_part(mailbox: &str) -> Result<(&str, &str), PathError> {
    if let Some(quoted) = mailbox.strip_prefix('"') {
        let (local_part, rest) = quoted
            .split_once('"')
            .ok_or(PathError::Syntax("unbalanced quotes"))?;
        if local_part.contains('\\') {
            return Err(PathError::Unsafe(AddressError::UnsafeCharacter('\\')));
        }
        let domain = rest.strip_prefix('@').ok_or(PathError::Syntax(
            "a quoted local part must be followed by '@'",
        ))?;
        return Ok((local_part, domain));
    }
    let (local_part, domain) = mailbox
        .split_once('@')
        .ok_or(PathError::Syntax("no '@' in the address"))?;
    if let Some(bad) = local_part.chars().find(|&c| !is_dot_string_char(c)) {
        return Err(match bad {
            '"' => PathError::Syntax("unbalanced quotes"),
            ' ' | '(' | ')' | ',' | ':' | ';' | '[' | ']' => {
                PathError::Syntax("the local part needs quotes")
            }
            _ => PathError::Unsafe(AddressError::UnsafeCharacter(bad)),
        });
    }
    Ok((local_part, domain))
}

/// What a dot-string is made of: `atext` (with RFC 6531's UTF-8) and `.`.
/// A non-ASCII control passes here and is refused by [`Mailbox::new`].
fn is_dot_string_char(c: char) -> bool {
    is_atext(c) || c == '.'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forward(line: &str, decoded: &str) -> Result<ForwardPath, PathError> {
        ForwardPath::read(line.as_bytes(), decoded)
    }

    fn mailbox_of(path: ForwardPath) -> String {
        match path {
            ForwardPath::Mailbox(mailbox) => mailbox.smtp().to_string(),
            ForwardPath::Postmaster => "postmaster".into(),
        }
    }

    #[test]
    fn plain_and_quoted_paths_are_read() {
        let read = |line, decoded| mailbox_of(forward(line, decoded).unwrap());
        assert_eq!(read("RCPT TO:<a@b.test>\r\n", "a@b.test"), "a@b.test");
        assert_eq!(
            read(
                "RCPT TO:<\"john smith\"@b.test> NOTIFY=NEVER\r\n",
                "john smith@b.test"
            ),
            "\"john smith\"@b.test"
        );
        assert_eq!(read("RCPT TO: <a@b.test>\r\n", "a@b.test"), "a@b.test");
        assert_eq!(read("RCPT TO:<PostMaster>\r\n", ""), "postmaster");
    }

    #[test]
    fn the_injection_probe_is_refused() {
        let line = "RCPT TO:<\"v@ext.example> ORCPT=rfc822;x\"@contoso.test>\r\n";
        assert!(matches!(
            forward(line, "v@ext.example> ORCPT=rfc822;x@contoso.test"),
            Err(PathError::Unsafe(_))
        ));
        let line = "MAIL FROM:<\"bounce@victim.example> RET=FULL\"@outsider.example> SIZE=10\r\n";
        assert!(
            ReversePath::read(
                line.as_bytes(),
                "bounce@victim.example> RET=FULL@outsider.example"
            )
            .is_err()
        );
    }

    #[test]
    fn odd_quoting_is_refused() {
        for (line, decoded) in [
            ("RCPT TO:<a\"b\"@c.test>\r\n", "ab@c.test"),
            ("RCPT TO:<\"ab@c.test>\r\n", "ab@c.test"),
            ("RCPT TO:<\"a\\\"b\"@c.test>\r\n", "a\"b@c.test"),
            ("RCPT TO:<\"a\\b\"@c.test>\r\n", "ab@c.test"),
            ("RCPT TO:<a@\"c\".test>\r\n", "a@c.test"),
            ("RCPT TO:<\"a\"b@c.test>\r\n", "ab@c.test"),
        ] {
            assert!(forward(line, decoded).is_err(), "{line:?}");
        }
    }

    #[test]
    fn a_source_route_is_dropped() {
        let path = forward(
            "RCPT TO:<@relay.example,@hop.example:a@b.test>\r\n",
            "a@b.test",
        );
        assert_eq!(mailbox_of(path.unwrap()), "a@b.test");
        assert!(forward("RCPT TO:<@relay example:a@b.test>\r\n", "a@b.test").is_err());
    }

    #[test]
    fn readings_that_differ_are_refused() {
        assert_eq!(
            forward("RCPT TO:<a@b.test>\r\n", "x@b.test"),
            Err(AMBIGUOUS)
        );
        assert_eq!(
            forward("RCPT TO:<postmaster>\r\n", "postmaster@b.test"),
            Err(AMBIGUOUS)
        );
        assert_eq!(
            ReversePath::read(b"MAIL FROM:<>\r\n", ""),
            Ok(ReversePath::Null)
        );
        assert!(forward("RCPT TO:<>\r\n", "").is_err());
    }
}
