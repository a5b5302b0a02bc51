//! What the server offered in its EHLO reply, read with `smtp-proto`.

use smtp_proto::{
    EXT_8BIT_MIME, EXT_DSN, EXT_ENHANCED_STATUS_CODES, EXT_PIPELINING, EXT_SIZE, EXT_SMTP_UTF8,
    EXT_START_TLS, EhloResponse,
};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub pipelining: bool,
    pub starttls: bool,
    pub eight_bit_mime: bool,
    pub smtputf8: bool,
    pub dsn: bool,
    pub enhanced_status_codes: bool,
    /// `SIZE` offered; `Some(0)` when offered without a limit.
    pub size: Option<usize>,
}

impl Capabilities {
    /// Reads the capabilities out of a complete `250` EHLO reply. A reply
    /// whose extension lines cannot be read offers nothing.
    pub(crate) fn from_ehlo_reply(raw: &[u8]) -> Capabilities {
        let Ok(ehlo) = EhloResponse::parse(&mut raw.iter()) else {
            return Capabilities::default();
        };
        let has = |flag: u32| ehlo.capabilities & flag != 0;
        Capabilities {
            pipelining: has(EXT_PIPELINING),
            starttls: has(EXT_START_TLS),
            eight_bit_mime: has(EXT_8BIT_MIME),
            smtputf8: has(EXT_SMTP_UTF8),
            dsn: has(EXT_DSN),
            enhanced_status_codes: has(EXT_ENHANCED_STATUS_CODES),
            size: has(EXT_SIZE).then_some(ehlo.size),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extensions_mailflow_uses_are_recognised() {
        let raw = b"250-mx.example.test hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n";
        let capabilities = Capabilities::from_ehlo_reply(raw);
        assert_eq!(
            capabilities,
            Capabilities {
                pipelining: true,
                starttls: true,
                eight_bit_mime: true,
                smtputf8: true,
                dsn: true,
                enhanced_status_codes: true,
                size: Some(1000),
            }
        );
    }

    #[test]
    fn a_bare_greeting_line_offers_nothing() {
        assert_eq!(
            Capabilities::from_ehlo_reply(b"250 mx.example.test\r\n"),
            Capabilities::default()
        );
    }
}
