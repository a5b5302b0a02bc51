//! The directory file: the organisation's known recipients, one address per
//! line, or a CSV export with the address in the first column (read as
//! `mailflow_core::directory_csv` reads it: comments, a header line, and
//! `*@domain` for a whole domain). The first line that is not an address
//! is an error naming it.

use mailflow_core::Directory;
use mailflow_core::directory_csv;
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
    for line in directory_csv::lines(text) {
        let address = line.entry.map_err(|message| BadLine {
            line: line.line,
            message,
        })?;
        directory.insert(&address);
    }
    Ok(())
}

/// `local@domain`, or `*@domain` for everyone in the domain.
pub fn check_address(address: &str) -> Result<(), String> {
    mailflow_core::org_check::directory_address(address).map(|_| ())
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
