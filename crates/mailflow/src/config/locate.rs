//! Finding a key in the config text. Serde tells us the path of a bad value;
//! checks that run after parsing (duplicate names, uncovered domains) know
//! only the path too. Both come here for the line to show.

use super::error::line_of_offset;
use std::fmt;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A key's path in the document, e.g. `connectors[0].tls`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl KeyPath {
    pub fn key(name: &str) -> Self {
        KeyPath(vec![Segment::Key(name.into())])
    }

    pub fn then(&self, name: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(name.into()));
        KeyPath(segments)
    }

    pub fn at(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        KeyPath(segments)
    }

    pub fn from_serde(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as S;
        KeyPath(
            path.iter()
                .filter_map(|segment| match segment {
                    S::Seq { index } => Some(Segment::Index(*index)),
                    S::Map { key } => Some(Segment::Key(key.clone())),
                    S::Enum { .. } | S::Unknown => None,
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(name) if position == 0 => f.write_str(name)?,
                Segment::Key(name) => write!(f, ".{name}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// The parsed text, kept to look lines up in.
pub struct Document<'a> {
    text: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

impl<'a> Document<'a> {
    pub fn new(text: &'a str) -> Self {
        Document {
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// The line of the deepest part of `path` present in the file: the key
    /// itself, or the table that should have held it.
    pub fn line_of(&self, path: &KeyPath) -> usize {
        let Some(root) = &self.root else { return 1 };
        let mut span = None;
        let mut current: Option<&DeValue<'a>> = None;
        for segment in &path.0 {
            let found = match (segment, current) {
                (Segment::Key(name), None) => table_entry(root.get_ref(), name),
                (Segment::Key(name), Some(DeValue::Table(table))) => table_entry(table, name),
                (Segment::Index(index), Some(DeValue::Array(array))) => {
                    array.get(*index).map(|item| (item.span(), item.get_ref()))
                }
                _ => None,
            };
            let Some((found_span, value)) = found else {
                break;
            };
            span = Some(found_span);
            current = Some(value);
        }
        span.map_or(1, |span| line_of_offset(self.text, span.start))
    }

    pub fn line_of_offset(&self, offset: usize) -> usize {
        line_of_offset(self.text, offset)
    }
}

/// A key's span (where the key is written) and its value.
fn table_entry<'t, 'a>(
    table: &'t DeTable<'a>,
    name: &str,
) -> Option<(std::ops::Range<usize>, &'t DeValue<'a>)> {
    table
        .iter()
        .find(|(key, _)| key.get_ref().as_ref() == name)
        .map(|(key, value)| (key.span(), value.get_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_on_their_lines() {
        let text = "[server]\nhostname = \"a\"\n\n[[connectors]]\nname = \"x\"\n\n[[connectors]]\nname = \"y\"\ntls = \"required\"\n";
        let document = Document::new(text);
        assert_eq!(
            document.line_of(&KeyPath::key("server").then("hostname")),
            2
        );
        assert_eq!(
            document.line_of(&KeyPath::key("connectors").at(1).then("tls")),
            9
        );
        assert_eq!(
            document.line_of(&KeyPath::key("connectors").at(0).then("name")),
            5
        );
        // A key that is not there: the table that should hold it.
        assert_eq!(
            document.line_of(&KeyPath::key("connectors").at(1).then("kind")),
            7
        );
        assert_eq!(
            KeyPath::key("connectors").at(1).then("tls").to_string(),
            "connectors[1].tls"
        );
    }
}
