//! What the API keeps of a bearer token: its SHA-256 digest, never the token.
//!
//! Tokens are 256-bit random secrets, so a fast hash is the right one: there
//! is nothing to guess that a slow password hash would protect. A digest is
//! written `sha256:<64 hex digits>`, in the config (`admin.token_hashes`), in
//! what `mailflow token hash` prints, and in any store that later keeps
//! tokens for several nodes.

use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The SHA-256 digest of an admin API token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenDigest([u8; 32]);

/// How a digest is written: this prefix, then 64 hexadecimal digits.
pub const DIGEST_PREFIX: &str = "sha256:";

/// Why text is not a token digest. The messages never repeat the text: a
/// token pasted where its hash belongs must not end up in an error or a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenDigestError {
    #[error(
        "is not a token hash: it must start with \"sha256:\" (write what `mailflow token hash` prints, not the token)"
    )]
    NoPrefix,
    #[error("is not a token hash: \"sha256:\" must be followed by 64 hexadecimal digits, not {0}")]
    Length(usize),
    #[error("is not a token hash: \"sha256:\" must be followed by hexadecimal digits (0-9, a-f)")]
    NotHex,
}

impl TokenDigest {
    /// The digest of `token`.
    pub fn of(token: &str) -> TokenDigest {
        TokenDigest(Sha256::digest(token.as_bytes()).into())
    }

    /// Whether `other` is the same digest, in time that does not depend on
    /// where they differ.
    pub fn matches(&self, other: &TokenDigest) -> bool {
        constant_time_eq(&self.0, &other.0)
    }
}

impl FromStr for TokenDigest {
    type Err = TokenDigestError;

    fn from_str(text: &str) -> Result<TokenDigest, TokenDigestError> {
        let hex_digits = text
            .trim()
            .strip_prefix(DIGEST_PREFIX)
            .ok_or(TokenDigestError::NoPrefix)?;
        if hex_digits.len() != 64 {
            return Err(TokenDigestError::Length(hex_digits.chars().count()));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut bytes).map_err(|_| TokenDigestError::NotHex)?;
        Ok(TokenDigest(bytes))
    }
}

impl fmt::Display for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{DIGEST_PREFIX}{}", hex::encode(self.0))
    }
}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenDigest({self})")
    }
}

/// Every byte is looked at, whatever the first difference.
fn constant_time_eq(expected: &[u8; 32], presented: &[u8; 32]) -> bool {
    let difference = expected
        .iter()
        .zip(presented)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b));
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    const ABC: &str = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn a_token_hashes_to_its_sha256_written_with_the_prefix() {
        assert_eq!(TokenDigest::of("abc").to_string(), ABC);
        assert_eq!(
            format!("{:?}", TokenDigest::of("abc")),
            format!("TokenDigest({ABC})")
        );
    }

    #[test]
    fn a_written_digest_parses_back_to_the_same_digest() {
        let parsed: TokenDigest = ABC.parse().unwrap();
        assert_eq!(parsed, TokenDigest::of("abc"));
        let upper = format!("sha256:{}", ABC[7..].to_ascii_uppercase());
        assert_eq!(upper.parse::<TokenDigest>().unwrap(), parsed);
        assert_eq!(format!("  {ABC}\n").parse::<TokenDigest>().unwrap(), parsed);
    }

    #[test]
    fn text_that_is_not_a_digest_is_refused_without_being_repeated() {
        let secret = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let cases = [
            (secret.to_string(), TokenDigestError::NoPrefix),
            (format!("sha1:{secret}"), TokenDigestError::NoPrefix),
            (
                format!("sha256:{}", &secret[..63]),
                TokenDigestError::Length(63),
            ),
            (format!("sha256:{secret}0"), TokenDigestError::Length(65)),
            (
                format!("sha256:{}", secret.replace('e', "g")),
                TokenDigestError::NotHex,
            ),
        ];
        for (text, expected) in cases {
            let error = text.parse::<TokenDigest>().unwrap_err();
            assert_eq!(error, expected, "{text}");
            assert!(!error.to_string().contains(&secret[..16]), "{error}");
        }
    }

    #[test]
    fn only_the_same_digest_matches() {
        let digest = TokenDigest::of("s3cret-token");
        assert!(digest.matches(&TokenDigest::of("s3cret-token")));
        assert!(!digest.matches(&TokenDigest::of("s3cret-toke")));
        assert!(!digest.matches(&TokenDigest::of("S3cret-token")));
        assert!(!digest.matches(&TokenDigest::of("")));
    }
}
