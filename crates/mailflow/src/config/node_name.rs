//! A node's name: how the nodes sharing a store tell each other apart (in
//! leases, heartbeats, `mailflow node drain NAME`), so it must be short
//! and printable.

/// The longest name, in characters.
pub const MAX_CHARS: usize = 64;

/// Why a name cannot be used, as the end of a sentence naming it.
pub fn check(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("is empty".into());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!("has a control character ({:?})", c));
    }
    let chars = name.chars().count();
    if chars > MAX_CHARS {
        return Err(format!("is {chars} characters long, more than {MAX_CHARS}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_refused_when_empty_unprintable_or_longer_than_64_characters() {
        assert_eq!(check("relay-1.example.test"), Ok(()));
        assert_eq!(check(&"é".repeat(64)), Ok(()), "characters, not bytes");
        assert_eq!(check(""), Err("is empty".into()));
        assert_eq!(check("  "), Err("is empty".into()));
        assert_eq!(
            check("relay\u{7}1"),
            Err("has a control character ('\\u{7}')".into())
        );
        assert_eq!(
            check(&"a".repeat(65)),
            Err("is 65 characters long, more than 64".into())
        );
    }
}
