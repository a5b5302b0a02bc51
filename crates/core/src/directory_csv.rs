//! A list of the organisation's known recipients as people export it: one
//! address per line, or a CSV export with the address in the first column.
//! Lines starting with `#` are comments; a first line without an address is
//! taken as the CSV header; `*@domain` stands for a whole domain. The
//! config's directory file and the API's directory import read it alike.

use crate::org_check::directory_address;

/// One line of the list that holds an entry, or should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryLine {
    /// 1-based.
    pub line: usize,
    /// The first column as written.
    pub text: String,
    /// The address, lower-case, or why the line is not one.
    pub entry: Result<String, String>,
}

/// The lines that hold entries (or fail to), comments, blank lines and the
/// header left out.
pub fn lines(text: &str) -> Vec<DirectoryLine> {
    let mut seen_content = false;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let first_column = first_column(trimmed);
        let is_header = !seen_content && !first_column.contains('@');
        seen_content = true;
        if is_header {
            continue;
        }
        lines.push(DirectoryLine {
            line: index + 1,
            text: first_column.to_string(),
            entry: directory_address(first_column),
        });
    }
    lines
}

fn first_column(line: &str) -> &str {
    let column = line.split([',', ';', '\t']).next().unwrap_or(line).trim();
    column.trim_matches('"').trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_come_from_plain_lines_and_csv_first_columns() {
        let text = "# exported\nEmailAddress,DisplayName\n\"Alice@Contoso.test\",Alice\nbob@contoso.test\n\n*@sales.contoso.test\nnot an address\n";
        let lines = lines(text);
        let entries: Vec<_> = lines.iter().map(|l| (l.line, l.entry.clone())).collect();
        assert_eq!(entries[0], (3, Ok("alice@contoso.test".to_string())));
        assert_eq!(entries[1], (4, Ok("bob@contoso.test".to_string())));
        assert_eq!(entries[2], (6, Ok("*@sales.contoso.test".to_string())));
        assert_eq!(entries[3].0, 7);
        assert!(
            entries[3]
                .1
                .as_ref()
                .unwrap_err()
                .contains("\"not an address\"")
        );
    }
}
