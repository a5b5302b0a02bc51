//! Plain admin tokens that are placeholders or too short to be secrets: the
//! words people leave in an example config (`change-me`, `secret`,
//! `password`, …), however they are spelled, and anything under 16
//! characters.

/// Tokens shorter than this are guessable whatever they are made of.
pub const MIN_TOKEN_LENGTH: usize = 16;

/// Words that make a placeholder, compared without case, digits or
/// punctuation: `Change_Me!`, `changeme123` and `secret-token` all match.
const PLACEHOLDERS: [&str; 16] = [
    "changeme",
    "change",
    "replaceme",
    "secret",
    "password",
    "pass",
    "token",
    "admin",
    "test",
    "example",
    "default",
    "mailflow",
    "letmein",
    "qwerty",
    "apitoken",
    "yourtoken",
];

/// Why `token` is weak, or `None` when it looks like a secret.
pub fn weakness(token: &str) -> Option<String> {
    let letters: String = token
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let only_placeholder_words = !letters.is_empty() && is_made_of_placeholders(&letters);
    if only_placeholder_words {
        return Some(
            "is a placeholder (like the example token); choose a secret of your own".into(),
        );
    }
    let length = token.chars().count();
    if length < MIN_TOKEN_LENGTH {
        return Some(format!(
            "is only {length} characters long; use a random secret of at least \
             {MIN_TOKEN_LENGTH} (e.g. `openssl rand -hex 24`)"
        ));
    }
    let distinct: std::collections::HashSet<char> = token.chars().collect();
    if distinct.len() < 4 {
        return Some("repeats too few characters to be a secret; use a random one".into());
    }
    None
}

/// `letters` is one or more placeholder words run together
/// (`changemetoken`, `secretpassword`).
fn is_made_of_placeholders(letters: &str) -> bool {
    if letters.is_empty() {
        return true;
    }
    PLACEHOLDERS.iter().any(|word| {
        letters
            .strip_prefix(word)
            .is_some_and(is_made_of_placeholders)
    })
}

#[cfg(test)]
mod tests {
    use super::weakness;

    #[test]
    fn placeholders_are_caught_however_they_are_spelled() {
        for token in [
            "change-me",
            "changeme",
            "CHANGE_ME",
            "change-me-123",
            "secret",
            "password123",
            "admin-token-0000000000",
            "test",
            "example-token",
            "Secret_Password_2024!",
        ] {
            assert!(weakness(token).is_some(), "{token}");
        }
    }

    #[test]
    fn short_or_repetitive_tokens_are_weak_and_random_ones_pass() {
        assert!(weakness("x7Kp2").unwrap().contains("5 characters"));
        assert!(weakness("aaaaaaaaaaaaaaaaaaaaaa").is_some());
        assert_eq!(weakness("lab-token-c4d2a91e07f35b68"), None);
        assert_eq!(weakness("9f86d081884c7d659a2feaa0c55ad015"), None);
    }
}
