//! Finds `SPDX-License-Identifier:` tags in a file's header: inside a comment, within the 15
//! lines that follow the allowed preambles (a BOM, a shebang, an XML or PHP prolog, an encoding
//! line), outside `REUSE-IgnoreStart`/`REUSE-IgnoreEnd` blocks. The window is the one the
//! kernel's `spdxcheck.py` uses; requiring comment context keeps a tag inside a string literal
//! from counting.

use super::comment::Style;

/// The tag, spelled as the SPDX specification (annex E) spells it; tools match it
/// case-sensitively.
pub const TAG: &str = "SPDX-License-Identifier:";
/// How many lines after the preamble are searched.
pub const WINDOW: usize = 15;

/// One tag found in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column (in characters) of the tag.
    pub column: usize,
    pub line_text: String,
    /// Byte range of the tag in `line_text`.
    pub span: (usize, usize),
    /// The expression after the tag, comment closers and spaces trimmed.
    pub value: String,
    /// No space between the colon and the expression.
    pub tight: bool,
    /// Not inside a comment, but with nothing but punctuation before it on its line (the
    /// kernel's `. SPDX-License-Identifier:` in a `.rst`): the reference tools read it, so it
    /// counts, with a warning.
    pub loose: bool,
}

/// What the header scan found.
#[derive(Debug, Default)]
pub struct Scan {
    pub tags: Vec<Tag>,
    /// Why no tag counted, when that can be told: used as the help of a missing header.
    pub hint: Option<String>,
    /// Preambles that are not first: `(line, message)`.
    pub misplaced: Vec<(usize, String)>,
}

/// How many lines are read at most: the window, the preambles and enough below them to tell
/// a user that the header is too far down. Large files are not split further.
pub const HEAD_LINES: usize = 256;

/// The first `max` lines of the file without line endings, the BOM removed.
pub fn lines(content: &[u8], max: usize) -> Vec<String> {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    content
        .split(|&b| b == b'\n')
        .take(max)
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
        .collect()
}

/// `#!` starts a shebang unless it is Rust's `#![inner_attribute]`.
pub fn is_shebang(line: &str) -> bool {
    line.starts_with("#!") && !line.starts_with("#![")
}

/// PEP 263 / Ruby magic encoding comments and Emacs `-*-` file-variable lines.
fn is_encoding_line(line: &str) -> bool {
    let t = line.trim_start();
    let commented = ["#", "//", ";", "%", "--", "/*"]
        .iter()
        .any(|m| t.starts_with(m));
    commented && (t.contains("-*-") || t.contains("coding:") || t.contains("coding="))
}

/// Number of leading lines that must stay first: shebang, `<?xml …?>` or `<?php`, encoding line.
pub fn preamble_len(lines: &[String]) -> usize {
    let mut n = 0;
    if lines.first().is_some_and(|l| is_shebang(l)) {
        n = 1;
    }
    if let Some(line) = lines.get(n) {
        if line.starts_with("<?php") {
            n += 1;
        } else if line.starts_with("<?xml") {
            // The declaration may wrap; it ends at `?>`.
            let end = lines[n..]
                .iter()
                .take(WINDOW)
                .position(|l| l.contains("?>"));
            n += end.map_or(1, |e| e + 1);
        }
    }
    if n < 2 && lines.get(n).is_some_and(|l| is_encoding_line(l)) {
        n += 1;
    }
    n
}

/// Scans the header of a text file. `style` is `None` for files of no known style, where a tag
/// counts anywhere on a line.
pub fn scan(content: &[u8], style: Option<&Style>) -> Scan {
    let lines = lines(content, HEAD_LINES);
    let start = preamble_len(&lines);
    let mut scan = Scan {
        misplaced: misplaced(&lines, style),
        ..Scan::default()
    };
    let mut in_block = false;
    let mut ignoring = false;
    let mut uncommented = None;
    for (i, line) in lines.iter().enumerate().skip(start).take(WINDOW) {
        let at_start = in_block;
        in_block = style.is_some_and(|s| block_state(line, in_block, s));
        if line.contains("REUSE-IgnoreStart") {
            ignoring = true;
        }
        if line.contains("REUSE-IgnoreEnd") {
            ignoring = false;
            continue;
        }
        let Some(pos) = line.find(TAG) else { continue };
        if ignoring {
            continue;
        }
        let mut found = tag(i + 1, line, pos, style);
        if style.is_some_and(|s| !in_comment(line, pos, at_start, s)) {
            if !only_punctuation(&line[..pos]) {
                uncommented.get_or_insert(i + 1);
                continue;
            }
            found.loose = true;
        }
        scan.tags.push(found);
    }
    if scan.tags.is_empty() {
        scan.hint = hint(&lines, start, uncommented);
    }
    scan
}

fn tag(line_no: usize, line: &str, pos: usize, style: Option<&Style>) -> Tag {
    let rest = &line[pos + TAG.len()..];
    let mut value = rest.trim();
    let closers = style.and_then(|s| s.block).map(|(_, close)| close);
    for close in closers.into_iter().chain(["*/", "-->"]) {
        value = value.strip_suffix(close).unwrap_or(value).trim_end();
    }
    Tag {
        line: line_no,
        column: line[..pos].chars().count() + 1,
        line_text: line.to_string(),
        span: (pos, pos + TAG.len()),
        value: value.to_string(),
        tight: rest.chars().next().is_some_and(|c| !c.is_whitespace()),
        loose: false,
    }
}

/// Nothing but spaces and punctuation other than quotes: not code, not a string literal.
fn only_punctuation(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || (c.is_ascii_punctuation() && !matches!(c, '"' | '\'' | '`')))
}

/// Whether byte `pos` of `line` is inside a comment.
fn in_comment(line: &str, pos: usize, in_block: bool, style: &Style) -> bool {
    let trimmed = line.trim_start();
    style.line.iter().any(|m| trimmed.starts_with(m)) || block_state(&line[..pos], in_block, style)
}

/// Whether a block comment is open at the end of `text`, given whether one was open before it.
fn block_state(text: &str, mut open: bool, style: &Style) -> bool {
    let Some((start, end)) = style.block else {
        return false;
    };
    let mut rest = text;
    loop {
        let (marker, next) = if open { (end, false) } else { (start, true) };
        match rest.find(marker) {
            Some(i) => {
                rest = &rest[i + marker.len()..];
                open = next;
            }
            None => return open,
        }
    }
}

/// Tells why no tag counted: wrong case, too far down, or not in a comment.
fn hint(lines: &[String], start: usize, uncommented: Option<usize>) -> Option<String> {
    if let Some(n) = uncommented {
        return Some(format!(
            "the tag on line {n} is not in a comment; put it in the file's header comment"
        ));
    }
    let window = lines.iter().skip(start).take(WINDOW);
    if window
        .into_iter()
        .any(|l| l.to_ascii_lowercase().contains(&TAG.to_ascii_lowercase()))
    {
        return Some(format!("the tag is case-sensitive: write `{TAG}`"));
    }
    let later = lines
        .iter()
        .enumerate()
        .skip(start + WINDOW)
        .find(|(_, l)| l.contains(TAG));
    later.map(|(i, _)| {
        format!(
            "the tag on line {} is too far down: it must be within the first {WINDOW} lines",
            i + 1
        )
    })
}

/// A shebang or XML declaration below line 1 breaks the file; REUSE does not mind, we warn.
/// Inside a block comment (`/* … #!/bin/sh … */`) it is text, not a preamble.
fn misplaced(lines: &[String], style: Option<&Style>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_block = lines
        .first()
        .is_some_and(|l| style.is_some_and(|s| block_state(l, false, s)));
    for (i, line) in lines.iter().enumerate().take(WINDOW + 3).skip(1) {
        let commented = in_block;
        in_block = style.is_some_and(|s| block_state(line, in_block, s));
        if commented {
            continue;
        }
        if line.starts_with("#!/") && !is_shebang(&lines[0]) {
            out.push((
                i + 1,
                "the shebang must be line 1, before the license header".to_string(),
            ));
        }
        if line.trim_start().starts_with("<?xml") {
            out.push((
                i + 1,
                "the XML declaration must come first, before the license header".to_string(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::comment::{CPP, HASH, HTML};
    use super::*;

    #[test]
    fn preambles_stay_first() {
        let cases: &[(&str, usize)] = &[
            ("fn main() {}", 0),
            ("#!/bin/sh\necho", 1),
            ("#![allow(dead_code)]\n", 0),
            ("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nx", 2),
            ("# coding=latin-1\nx", 1),
            ("<?xml version=\"1.0\"?>\n<a/>", 1),
            ("<?xml version=\"1.0\"\n encoding=\"UTF-8\"?>\n<a/>", 2),
            ("<?php\necho 1;", 1),
            ("#!/usr/bin/env php\n<?php\n", 2),
        ];
        for (text, want) in cases {
            assert_eq!(
                preamble_len(&lines(text.as_bytes(), HEAD_LINES)),
                *want,
                "{text:?}"
            );
        }
    }

    #[test]
    fn tags_count_only_in_comments() {
        let s = scan(
            b"fn f() -> &'static str { \"SPDX-License-Identifier: MIT\" }",
            Some(&CPP),
        );
        assert!(s.tags.is_empty());
        assert!(
            s.hint
                .as_deref()
                .is_some_and(|h| h.contains("not in a comment"))
        );
        let s = scan(b"/*\n * SPDX-License-Identifier: MIT\n */", Some(&CPP));
        assert_eq!(s.tags[0].value, "MIT");
        assert_eq!((s.tags[0].line, s.tags[0].column), (2, 4));
    }

    #[test]
    fn a_tag_after_only_punctuation_counts_loosely() {
        use super::super::comment::RST;
        let s = scan(b". SPDX-License-Identifier: GPL-2.0\n\nTitle\n", Some(&RST));
        assert_eq!((s.tags.len(), s.tags[0].loose), (1, true));
        let s = scan(b".. SPDX-License-Identifier: GPL-2.0\n", Some(&RST));
        assert!(!s.tags[0].loose);
        let s = scan(b"x = \"SPDX-License-Identifier: MIT\"\n", Some(&HASH));
        assert!(s.tags.is_empty());
    }

    #[test]
    fn closers_are_stripped_from_values() {
        let s = scan(b"<!-- SPDX-License-Identifier: MIT -->", Some(&HTML));
        assert_eq!(s.tags[0].value, "MIT");
        let s = scan(b"/* SPDX-License-Identifier: Apache-2.0 */", Some(&CPP));
        assert_eq!(s.tags[0].value, "Apache-2.0");
    }

    #[test]
    fn ignore_blocks_hide_tags() {
        let text = b"# SPDX-License-Identifier: MIT\n# REUSE-IgnoreStart\n# SPDX-License-Identifier: GPL-3.0-only\n# REUSE-IgnoreEnd\n# SPDX-License-Identifier: Apache-2.0";
        let values: Vec<_> = scan(text, Some(&HASH))
            .tags
            .into_iter()
            .map(|t| t.value)
            .collect();
        assert_eq!(values, ["MIT", "Apache-2.0"]);
    }

    #[test]
    fn a_shebang_inside_a_block_comment_is_not_a_preamble() {
        let text = b"/* SPDX-License-Identifier: MIT\n * Usage:\n#!/bin/sh\n */\n";
        assert!(scan(text, Some(&CPP)).misplaced.is_empty());
        let text = b"/*\n#!/bin/sh\n*/\n";
        assert!(scan(text, Some(&CPP)).misplaced.is_empty());
        let text = b"# SPDX-License-Identifier: MIT\n#!/bin/sh\n";
        assert_eq!(scan(text, Some(&HASH)).misplaced.len(), 1);
    }

    #[test]
    fn unknown_styles_accept_any_line() {
        let s = scan(b"SPDX-License-Identifier: MIT", None);
        assert_eq!(s.tags.len(), 1);
    }
}
