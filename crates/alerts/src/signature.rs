//! The webhook signature: `X-Mailflow-Signature: sha256=<hex>`, the
//! HMAC-SHA256 of the exact body bytes keyed with the organisation's
//! `webhook_secret`. A receiver recomputes it over the body it got and
//! compares in constant time before trusting the alert.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "X-Mailflow-Signature";

/// The header value for `body`: `sha256=` and the lower-case hex HMAC.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_rfc_4231_test_vector() {
        // RFC 4231 test case 2: key "Jefe".
        let signed = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            signed,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
