//! Config errors and warnings. Each one says where: the file, the line and
//! the key (`mailflow.toml:12: connectors[0].tls: …`), so an administrator
//! goes straight to the line to fix.

use super::locate::KeyPath;
use std::fmt;
use std::path::PathBuf;

/// Where in which file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the administrator named it.
    pub file: PathBuf,
    /// 1-based; `None` when the file could not be read at all.
    pub line: Option<usize>,
    /// `None` for a syntax error, which belongs to no key.
    pub key: Option<KeyPath>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("cannot read the file: {0}")]
    Unreadable(#[source] std::io::Error),
    /// Not valid TOML.
    #[error("{0}")]
    Syntax(String),
    /// An unknown key, a missing key, or a value of the wrong form.
    #[error("{0}")]
    BadValue(String),
    /// Values that are each well-formed but do not fit together.
    #[error("{0}")]
    Inconsistent(String),
}

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{at}: {problem}")]
pub struct ConfigError {
    pub at: Location,
    pub problem: Problem,
}

/// Something that works but is probably not what was meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    pub at: Location,
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// The 1-based line of a byte offset.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
