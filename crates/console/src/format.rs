//! Times and ages written for people.

use crate::texts::Texts;

/// An RFC 3339 time from the API, as `2026-12-07 06:08:49Z`.
pub(crate) fn when(rfc3339: impl AsRef<str>) -> String {
    mailflow_core::time_format::text_from_json(rfc3339.as_ref())
}

/// An age in the two largest units that matter: `45 s`, `12 min`,
/// `3 h 5 min`, `2 d 4 h`.
pub(crate) fn age(seconds: u64, t: &Texts) -> String {
    let (days, hours) = (seconds / 86_400, seconds / 3_600 % 24);
    let (minutes, secs) = (seconds / 60 % 60, seconds % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs} {}", t.unit_seconds),
        (0, 0, _) => format!("{minutes} {}", t.unit_minutes),
        (0, _, 0) => format!("{hours} {}", t.unit_hours),
        (0, _, _) => format!("{hours} {} {minutes} {}", t.unit_hours, t.unit_minutes),
        (_, 0, _) => format!("{days} {}", t.unit_days),
        _ => format!("{days} {} {hours} {}", t.unit_days, t.unit_hours),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::english::TEXTS;

    #[test]
    fn an_age_is_written_in_its_two_largest_units() {
        assert_eq!(age(45, &TEXTS), "45 s");
        assert_eq!(age(12 * 60 + 5, &TEXTS), "12 min");
        assert_eq!(age(3 * 3600, &TEXTS), "3 h");
        assert_eq!(age(3 * 3600 + 5 * 60 + 9, &TEXTS), "3 h 5 min");
        assert_eq!(age(2 * 86_400 + 59, &TEXTS), "2 d");
        assert_eq!(age(2 * 86_400 + 4 * 3600, &TEXTS), "2 d 4 h");
    }
}
