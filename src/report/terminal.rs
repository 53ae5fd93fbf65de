//! Text bound for a terminal: control characters (ESC and the rest of C0, DEL, C1) and the
//! bidirectional overrides that reorder what a reader sees are written as escapes, so that a
//! path or a line of content cannot move the cursor, recolour, retitle or hide output.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal as it is. A tab is kept.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// `text` with every unsafe character written as `\x1b`, `\u{202e}`…; borrowed when there is
/// none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) && (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` escaped line by line: its own line breaks are kept.
pub fn escape_lines(text: &str) -> String {
    text.split('\n')
        .map(|l| escape(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_control_bytes_are_written_as_escapes() {
        assert_eq!(escape("a\u{1b}[31mb"), "a\\x1b[31mb");
        assert_eq!(escape("x\u{7}\u{9b}y"), "x\\x07\\x9by");
        assert_eq!(escape("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(escape("tab\tstays"), "tab\tstays");
        assert!(matches!(escape("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn line_breaks_survive_escape_lines() {
        assert_eq!(escape_lines("one\u{1b}\ntwo"), "one\\x1b\ntwo");
    }
}
