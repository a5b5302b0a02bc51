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
}
