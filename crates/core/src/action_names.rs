//! The names of two kinds of recorded action that carry another's: the
//! undo of an audited action (`undo:stop-relaying`) and an operator failing
//! waiting mail with a code (`fail with 5.3.0`). One crate writes them and
//! others read them, so both directions live here.

const UNDO_PREFIX: &str = "undo:";
const FAIL_PREFIX: &str = "fail with ";

/// The audit action of undoing `action`.
pub fn undo_of(action: &str) -> String {
    format!("{UNDO_PREFIX}{action}")
}

/// The action an undo undid, when `action` is an undo.
pub fn undone(action: &str) -> Option<&str> {
    action.strip_prefix(UNDO_PREFIX)
}

/// The operator event's action of failing waiting mail with `code`.
pub fn failed_with(code: &str) -> String {
    format!("{FAIL_PREFIX}{code}")
}

/// The code waiting mail was failed with, when `action` is such a failure.
pub fn failed_code(action: &str) -> Option<&str> {
    action.strip_prefix(FAIL_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_reads_back_what_it_was_made_from() {
        assert_eq!(undone(&undo_of("lower-tls")), Some("lower-tls"));
        assert_eq!(failed_code(&failed_with("5.3.0")), Some("5.3.0"));
        assert_eq!(undone("lower-tls"), None);
        assert_eq!(failed_code("suspend"), None);
    }
}
