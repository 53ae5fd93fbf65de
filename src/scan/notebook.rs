//! Jupyter notebooks: a cell's source and its text outputs are JSON arrays of strings, one
//! line of the cell per line of the file. Runs of such lines are joined with their escapes
//! undone, so that what spans lines of a cell (a private key) is seen whole, and each finding
//! is placed at the notebook line its value starts on.

use std::collections::HashSet;
use std::ops::Range;

use super::Engine;
use super::file::Search;
use crate::check::internal_url::Syntax;
use crate::check::{LineIndex, inline_allow, locate};
use crate::decode::Encoding;
use crate::finding::{Finding, Sensitivity};
use crate::rules::whole;

/// Whether `path` names a notebook.
pub(super) fn is_notebook(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".ipynb")
}

/// One JSON string standing alone on a line: the span of its contents.
fn string_line(content: &[u8], line: Range<usize>) -> Option<Range<usize>> {
    let s = &content[line.clone()];
    let open = s.iter().position(|b| !b.is_ascii_whitespace())?;
    if s[open] != b'"' {
        return None;
    }
    let mut i = open + 1;
    while i < s.len() && s[i] != b'"' {
        i += if s[i] == b'\\' { 2 } else { 1 };
    }
    if i >= s.len() {
        return None;
    }
    let rest = &s[i + 1..];
    rest.iter()
        .all(|b| b.is_ascii_whitespace() || *b == b',')
        .then(|| line.start + open + 1..line.start + i)
}

/// A run of string lines: each string's span, and the text they make together.
struct Block {
    strings: Vec<Range<usize>>,
}

fn blocks(content: &[u8], regions: &[Range<usize>]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut current: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let touches = |r: &Range<usize>| regions.iter().any(|g| g.start < r.end && r.start < g.end);
    let flush = |current: &mut Vec<Range<usize>>, out: &mut Vec<Block>| {
        if current.len() > 1 && current.iter().any(&touches) {
            out.push(Block {
                strings: std::mem::take(current),
            });
        }
        current.clear();
    };
    while start < content.len() {
        let end = memchr::memchr(b'\n', &content[start..]).map_or(content.len(), |i| start + i);
        match string_line(content, start..end) {
            Some(span) => current.push(span),
            None => flush(&mut current, &mut out),
        }
        start = end + 1;
    }
    flush(&mut current, &mut out);
    out
}

impl Engine<'_> {
    /// Findings in the joined cell lines of the notebook `content` that touch `regions`, less
    /// those `plain` already holds; and those an `outbound:allow` exempts.
    pub(super) fn notebook(
        &self,
        content: &[u8],
        regions: &[Range<usize>],
        plain: &[Finding],
    ) -> (Vec<Finding>, Vec<Finding>) {
        let index = LineIndex::new(content);
        let (mut found, mut allowed) = (Vec::new(), Vec::new());
        let mut seen = HashSet::new();
        for block in blocks(content, regions) {
            let mut text = Vec::new();
            // The line of `text` each string starts on, 1-based.
            let mut starts = Vec::with_capacity(block.strings.len());
            let mut line = 1;
            for s in &block.strings {
                starts.push(line);
                let part = crate::decode::unescape(&content[s.clone()]);
                line += memchr::memchr_iter(b'\n', &part).count();
                text.extend_from_slice(&part);
            }
            let all = whole(text.len());
            let search = Search {
                regions: &all,
                outside: true,
            };
            let result = self.text(&text, search, Syntax::Text);
            for mut f in result.findings.into_iter().chain(result.allowed) {
                let Some(at) = f.line else { continue };
                let first = starts.partition_point(|&s| s <= at).saturating_sub(1);
                let last = f.end_line.map_or(first, |e| {
                    starts.partition_point(|&s| s <= e).saturating_sub(1)
                });
                let known = plain
                    .iter()
                    .any(|p| p.rule == f.rule && p.value.is_some() && p.value == f.value);
                if known || !seen.insert((f.rule.clone(), f.value.clone())) {
                    continue;
                }
                let span = &block.strings[first];
                let loc = locate(&index, content, span.start, span.end);
                f.line = Some(loc.line);
                f.column = Some(loc.column);
                let end = index.line_of(block.strings[last].start);
                f.end_line = (end > loc.line).then_some(end);
                f.line_text = Some(loc.line_text);
                f.span = Some(loc.span);
                f.sensitivity = Sensitivity::Secret;
                f.decoded = vec![Encoding::Escapes.name()];
                match inline_allow(index.line(content, loc.line), &f) {
                    Some(true) => allowed.push(f),
                    _ => found.push(f),
                }
            }
        }
        (found, allowed)
    }
}
