//! Passwords of SMTP AUTH users: hashed with Argon2 (a PHC string with its
//! own salt) before they reach the store, and checked against that hash.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

#[derive(Debug, thiserror::Error)]
#[error("the password could not be hashed: {0}")]
pub struct PasswordHashError(argon2::password_hash::Error);

/// The Argon2id hash of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, PasswordHashError> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(PasswordHashError)?;
    Ok(hash.to_string())
}

/// Whether `password` is the one `hash` was made from; a malformed hash
/// matches nothing.
pub fn password_matches(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Checks a log-in: whether `password` matches the user's `hash`. A user
/// that does not exist costs the same Argon2 verification (against a hash
/// made once, of a random password nobody knows) and matches nothing, so
/// the answer's timing does not tell which user names exist.
pub fn log_in_matches(hash: Option<&str>, password: &str) -> bool {
    match hash {
        Some(hash) => password_matches(hash, password),
        None => {
            let _ = password_matches(unknown_user_hash(), password);
            false
        }
    }
}

/// The stand-in hash for unknown users, with the same parameters as real ones.
fn unknown_user_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut secret = [0u8; 32];
        argon2::password_hash::rand_core::RngCore::fill_bytes(&mut OsRng, &mut secret);
        let secret: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        hash_password(&secret).expect("hashing a random password")
    });
    &HASH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_its_password_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches(&hash, "correct horse"));
        assert!(!password_matches(&hash, "wrong horse"));
        assert!(!password_matches("not a hash", "correct horse"));
    }

    /// OWASP's first choice for Argon2id: 19 MiB, 2 passes, 1 lane.
    #[test]
    fn hashes_are_argon2id_with_19_mib_2_passes_and_1_lane() {
        let hash = hash_password("correct horse").unwrap();
        let parsed = PasswordHash::new(&hash).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params: Vec<(String, String)> = parsed
            .params
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let wanted = [("m", "19456"), ("t", "2"), ("p", "1")]
            .map(|(name, value)| (name.to_string(), value.to_string()));
        assert_eq!(params, wanted);
    }
}

#[cfg(test)]
mod log_in_tests {
    use super::*;

    #[test]
    fn an_unknown_user_is_checked_against_a_real_hash_and_never_matches() {
        let known = hash_password("s3cret").unwrap();
        assert!(log_in_matches(Some(&known), "s3cret"));
        assert!(!log_in_matches(Some(&known), "guess"));
        assert!(!log_in_matches(None, "s3cret"));
        assert!(!log_in_matches(None, ""));
        // The stand-in is an Argon2id hash with the parameters of real ones,
        // so an unknown user costs the same verification.
        let stand_in = PasswordHash::new(unknown_user_hash()).unwrap();
        let real = PasswordHash::new(&known).unwrap();
        assert_eq!(stand_in.algorithm, real.algorithm);
        assert_eq!(stand_in.version, real.version);
        assert_eq!(stand_in.params, real.params);
    }
}

/// Why a user name cannot be used, if it cannot: SMTP AUTH sends names in
/// a line of their own, so spaces and control characters would never match.
pub fn user_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("the user name is empty")
    } else if name.len() > 256 {
        Some("the user name is longer than 256 bytes")
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("the user name holds spaces or control characters")
    } else {
        None
    }
}
