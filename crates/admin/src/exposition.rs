//! The Prometheus text exposition format (version 0.0.4), for the series
//! `/metrics` reads from the store at scrape time: each family's `# HELP`
//! and `# TYPE` lines, then its samples, with label values and help text
//! escaped as the format asks. Connector names and codes come from
//! operators and servers; they pass through here and nowhere else.

use std::fmt::Write;

/// The media type of the format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The kind of a family, as its `# TYPE` line names it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Gauge,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
        }
    }
}

/// A family of samples: the name, what it means, and its samples, each a
/// set of labels and a value.
pub(crate) struct Family<'a> {
    name: &'a str,
    help: &'a str,
    kind: Kind,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl<'a> Family<'a> {
    pub(crate) fn new(name: &'a str, kind: Kind, help: &'a str) -> Family<'a> {
        Family {
            name,
            help,
            kind,
            samples: Vec::new(),
        }
    }

    pub(crate) fn sample(&mut self, labels: Vec<(&'static str, String)>, value: f64) {
        self.samples.push((labels, value));
    }

    /// Appends the family to `out`; one without samples is still named and
    /// described, so a scraper knows the series exists.
    pub(crate) fn write_to(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, escape_help(self.help));
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind.as_str());
        for (labels, value) in &self.samples {
            out.push_str(self.name);
            if !labels.is_empty() {
                out.push('{');
                for (i, (label, value)) in labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{label}=\"{}\"", escape_label_value(value));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {}", number(*value));
        }
    }
}

/// A sample value: Go's spelling of the special values.
fn number(value: f64) -> String {
    match value {
        v if v.is_nan() => "NaN".into(),
        v if v == f64::INFINITY => "+Inf".into(),
        v if v == f64::NEG_INFINITY => "-Inf".into(),
        v => v.to_string(),
    }
}

/// In help text, a backslash and a line feed are escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// In a label value, a backslash, a double quote and a line feed are
/// escaped.
fn escape_label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_writes_help_type_and_escaped_samples() {
        let mut family = Family::new("mailflow_x", Kind::Gauge, "What x is.\nMore.");
        family.sample(vec![("connector", r#"a"b\c"#.into())], 3.0);
        family.sample(vec![("connector", "line\nfeed".into())], 0.5);
        let mut out = String::new();
        family.write_to(&mut out);
        assert_eq!(
            out,
            "# HELP mailflow_x What x is.\\nMore.\n\
             # TYPE mailflow_x gauge\n\
             mailflow_x{connector=\"a\\\"b\\\\c\"} 3\n\
             mailflow_x{connector=\"line\\nfeed\"} 0.5\n"
        );
    }

    #[test]
    fn a_family_without_samples_is_described_all_the_same() {
        let mut out = String::new();
        Family::new("mailflow_x", Kind::Gauge, "x").write_to(&mut out);
        assert_eq!(out, "# HELP mailflow_x x\n# TYPE mailflow_x gauge\n");
    }

    #[test]
    fn special_values_are_spelled_as_the_format_asks() {
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(12.0), "12");
    }
}
