//! The directory file: the organisation's known recipients, one address per
//! line, or a CSV export with the address in the first column. Lines
//! starting with `#` are comments; a first line without an address is taken
//! as the CSV header; `*@domain` stands for a whole domain.

use mailflow_core::Directory;
use std::path::Path;

/// A line of the file that is not an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

pub fn read_into(path: &Path, directory: &mut Directory) -> Result<(), BadLine> {
    let text = std::fs::read_to_string(path).map_err(|error| BadLine {
        line: 1,
        message: format!("cannot read the file: {error}"),
    })?;
    parse_into(&text, directory)
}

pub fn parse_into(text: &str, directory: &mut Directory) -> Result<(), BadLine> {
    let mut seen_content = false;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let first_column = first_column(trimmed);
        let is_header = !seen_content && !first_column.contains('@');
        seen_content = true;
        if is_header {
            continue;
        }
        check_address(first_column).map_err(|message| BadLine {
            line: line_number,
            message,
        })?;
        directory.insert(first_column);
    }
    Ok(())
}

/// `local@domain`, or `*@domain` for everyone in the domain.
pub fn check_address(address: &str) -> Result<(), String> {
    let address = address.trim();
    let valid = match address.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.starts_with('.')
                && domain.contains(|c: char| c.is_ascii_alphanumeric())
                && !address
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{address:?} is not an address; write local@domain, or *@domain for a whole domain"
        ))
    }
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
        let text = "# exported\nEmailAddress,DisplayName\n\"Alice@Contoso.test\",Alice\nbob@contoso.test\n\n*@sales.contoso.test\n";
        let mut directory = Directory::default();
        parse_into(text, &mut directory).unwrap();
        assert!(directory.contains("alice@contoso.test"));
        assert!(directory.contains("bob@contoso.test"));
        assert!(directory.contains("anyone@sales.contoso.test"));
        assert_eq!(directory.recipients.len(), 3);
    }

    #[test]
    fn a_line_that_is_not_an_address_is_named_by_its_number() {
        let text = "alice@contoso.test\nnot an address\n";
        let error = parse_into(text, &mut Directory::default()).unwrap_err();
        assert_eq!(error.line, 2);
        assert!(
            error.message.contains("\"not an address\""),
            "{}",
            error.message
        );
    }
}
