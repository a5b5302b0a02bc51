//! What the client sends in SMTP AUTH (RFC 4954): the base64 of a PLAIN
//! message (RFC 4616) or of the LOGIN user name and password, decoded into
//! credentials.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub user: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SaslError {
    #[error("the response is not valid base64")]
    NotBase64,
    #[error("the response is not UTF-8 text")]
    NotText,
    #[error("the PLAIN response is not authzid NUL user NUL password")]
    NotPlain,
    #[error("authorising as another identity is not supported")]
    OtherIdentity,
}

/// One base64 response as text.
pub(crate) fn decode_text(response: &str) -> Result<String, SaslError> {
    let bytes = STANDARD
        .decode(response.trim())
        .map_err(|_| SaslError::NotBase64)?;
    String::from_utf8(bytes).map_err(|_| SaslError::NotText)
}

/// A PLAIN response: `authzid NUL authcid NUL password`, the authzid empty
/// or the user's own name.
pub(crate) fn decode_plain(response: &str) -> Result<Credentials, SaslError> {
    let text = decode_text(response)?;
    let mut parts = text.split('\0');
    let (Some(authzid), Some(user), Some(password), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslError::NotPlain);
    };
    if !authzid.is_empty() && authzid != user {
        return Err(SaslError::OtherIdentity);
    }
    Ok(Credentials {
        user: user.to_string(),
        password: password.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str) -> String {
        STANDARD.encode(text)
    }

    #[test]
    fn plain_with_and_without_authzid() {
        let expected = Credentials {
            user: "alice".into(),
            password: "secret".into(),
        };
        assert_eq!(
            decode_plain(&encode("\0alice\0secret")),
            Ok(expected.clone())
        );
        assert_eq!(decode_plain(&encode("alice\0alice\0secret")), Ok(expected));
        assert_eq!(
            decode_plain(&encode("bob\0alice\0secret")),
            Err(SaslError::OtherIdentity)
        );
        assert_eq!(
            decode_plain(&encode("alice secret")),
            Err(SaslError::NotPlain)
        );
        assert_eq!(decode_plain("***"), Err(SaslError::NotBase64));
    }
}
