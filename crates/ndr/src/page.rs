//! Plain text laid out for a mail reader: paragraphs, headings and
//! `label: value` fields wrapped to a fixed width.
//!
//! Reports are written in scripts that wrap differently. Latin and Cyrillic
//! text breaks at spaces; Chinese has no spaces and breaks between
//! characters, each of which takes two columns on screen. A no-break space
//! (French puts one before a colon) never becomes a line break. The text is
//! sent quoted-printable or base64 when it is not ASCII, so line length here
//! is only about reading comfort.

/// Columns a line may take, where the words allow.
const WIDTH: usize = 72;

/// Plain text with word wrapping, LF line endings until `into_crlf`.
#[derive(Default)]
pub struct Page {
    out: String,
}

impl Page {
    pub fn paragraph(&mut self, text: &str) {
        self.wrapped(0, 0, text);
        self.blank();
    }

    pub fn heading(&mut self, text: &str) {
        self.line(0, text);
        self.line(0, &"-".repeat(width(text)));
    }

    /// `label`, `separator`, `value` as one wrapped paragraph; lines after
    /// the first are indented two more columns.
    pub fn field(&mut self, indent: usize, label: &str, separator: &str, value: &str) {
        self.wrapped(indent, indent + 2, &format!("{label}{separator}{value}"));
    }

    pub fn line(&mut self, indent: usize, text: &str) {
        self.out.push_str(&" ".repeat(indent));
        self.out.push_str(text);
        self.out.push('\n');
    }

    pub fn blank(&mut self) {
        self.out.push('\n');
    }

    /// `text` on lines of at most `WIDTH` columns where the words allow:
    /// the first line indented by `first`, the others by `rest`.
    pub fn wrapped(&mut self, first: usize, rest: usize, text: &str) {
        let mut line = " ".repeat(first);
        let mut used = first;
        let mut has_piece = false;
        for piece in pieces(text) {
            let gap = usize::from(has_piece && piece.after_space);
            if has_piece && used + gap + piece.width > WIDTH {
                self.out.push_str(&line);
                self.out.push('\n');
                line = " ".repeat(rest);
                used = rest;
            } else if gap == 1 {
                line.push(' ');
                used += 1;
            }
            line.push_str(piece.text);
            used += piece.width;
            has_piece = true;
        }
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// The finished text with CRLF line endings.
    pub fn into_crlf(self) -> String {
        self.out.replace('\n', "\r\n")
    }
}

/// A run of text that stays on one line.
struct Piece<'a> {
    text: &'a str,
    width: usize,
    /// Whether a space separated it from the piece before.
    after_space: bool,
}

/// The unbreakable pieces of `text`: its words, with East Asian words cut
/// further between characters.
fn pieces(text: &str) -> impl Iterator<Item = Piece<'_>> {
    text.split(is_breaking_space)
        .filter(|word| !word.is_empty())
        .flat_map(|word| {
            let mut cuts = cut_points(word);
            cuts.push(word.len());
            let mut start = 0;
            cuts.into_iter().map(move |end| {
                let text = &word[start..end];
                let piece = Piece {
                    text,
                    width: width(text),
                    after_space: start == 0,
                };
                start = end;
                piece
            })
        })
}

/// Byte offsets inside `word` where a line may break: next to a wide
/// character, except before closing or after opening punctuation.
fn cut_points(word: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    chars
        .windows(2)
        .filter(|pair| {
            let (before, after) = (pair[0].1, pair[1].1);
            (is_wide(before) || is_wide(after)) && !closes(after) && !opens(before)
        })
        .map(|pair| pair[1].0)
        .collect()
}

/// Spaces a line may break at; the no-break spaces are not among them.
fn is_breaking_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

/// The columns `text` takes on screen.
pub fn width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Characters shown two columns wide: CJK ideographs, kana, hangul, and
/// the full-width forms and punctuation.
fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{115f}'
        | '\u{2e80}'..='\u{303e}'
        | '\u{3041}'..='\u{33ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{a000}'..='\u{a4cf}'
        | '\u{ac00}'..='\u{d7a3}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff00}'..='\u{ff60}'
        | '\u{ffe0}'..='\u{ffe6}')
}

/// Punctuation that must not start a line.
fn closes(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '」'
            | '』'
            | '〉'
            | '》'
            | ')'
            | '.'
            | ','
            | ':'
            | ';'
            | '!'
            | '?'
    )
}

/// Punctuation that must not end a line.
fn opens(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '〈' | '《' | '(')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(text: &str) -> Vec<String> {
        let mut page = Page::default();
        page.wrapped(0, 2, text);
        page.out.lines().map(str::to_string).collect()
    }

    #[test]
    fn latin_text_breaks_at_spaces_within_the_width() {
        let lines = wrap(&"word ".repeat(40));
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| width(line) <= WIDTH));
        assert!(
            lines
                .iter()
                .all(|line| line.trim().split(' ').all(|w| w == "word"))
        );
    }

    #[test]
    fn chinese_text_breaks_between_characters_counting_two_columns_each() {
        let text = "郵件無法送達，因為收件者的伺服器拒絕了連線。".repeat(6);
        let lines = wrap(&text);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|line| width(line) <= WIDTH), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), text);
        assert!(
            lines
                .iter()
                .skip(1)
                .all(|line| !line.trim_start().starts_with(['，', '。'])),
            "no line starts with closing punctuation: {lines:?}"
        );
    }

    #[test]
    fn a_no_break_space_is_never_a_line_break() {
        let text = format!("{}Destinataire\u{a0}: bob@example.test", "mot ".repeat(14));
        let lines = wrap(&text);
        assert!(
            lines
                .iter()
                .any(|line| line.contains("Destinataire\u{a0}:")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_heading_is_underlined_to_its_width_on_screen() {
        let mut page = Page::default();
        page.heading("管理員資訊");
        assert_eq!(page.into_crlf(), "管理員資訊\r\n----------\r\n");
    }
}
