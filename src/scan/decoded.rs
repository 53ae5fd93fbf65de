//! The text checks over what encodings hide: the spans of a file written in base64, hex,
//! percent-encoding, string escapes or HTML entities (`crate::decode`) are decoded, searched
//! together in one buffer, and each finding is placed back at the encoded span it came from,
//! saying which encodings were undone.

use std::collections::HashSet;
use std::ops::Range;

use super::Engine;
use super::file::Search;
use crate::check::internal_url::Syntax;
use crate::check::{LineIndex, inline_allow, locate};
use crate::decode;
use crate::finding::{Finding, Sensitivity};
use crate::rules::whole;

/// Lines put between two decoded texts in the buffer searched, so that no match spans both.
const SEPARATOR: &[u8] = b"\n\n";
/// Bytes of the encoded span's line kept before the decoded text.
const CONTEXT: usize = 80;

impl Engine<'_> {
    /// Findings in the text decoded from the encoded spans of `content` that touch `regions`,
    /// less those `plain` (the findings of the text as written) already holds; and those that
    /// an `outbound:allow` on the encoded span's line exempts.
    pub(super) fn decoded(
        &self,
        content: &[u8],
        regions: &[Range<usize>],
        plain: &[Finding],
    ) -> (Vec<Finding>, Vec<Finding>) {
        let pieces = decode::decode(content, regions, self.policy.scan.decode_depth);
        if pieces.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let mut buf = Vec::new();
        // The first line of each piece in `buf`, 1-based.
        let mut first_lines = Vec::with_capacity(pieces.len());
        let mut line = 1;
        for p in &pieces {
            first_lines.push(line);
            // What stands before the span on its line (`password: `, `"auth": "`) goes before
            // the decoded text, as the context that rules keyed on a name need.
            let line_start = memchr::memrchr(b'\n', &content[..p.span.start]).map_or(0, |i| i + 1);
            let from = line_start.max(p.span.start.saturating_sub(CONTEXT));
            buf.extend_from_slice(&content[from..p.span.start]);
            buf.extend_from_slice(&p.text);
            buf.extend_from_slice(SEPARATOR);
            line += memchr::memchr_iter(b'\n', &p.text).count() + SEPARATOR.len();
        }
        let all = whole(buf.len());
        let search = Search {
            regions: &all,
            outside: true,
        };
        let text = self.text(&buf, search, Syntax::Text);
        let index = LineIndex::new(content);
        let mut seen = HashSet::new();
        let (mut found, mut allowed) = (Vec::new(), Vec::new());
        for mut f in text.findings.into_iter().chain(text.allowed) {
            let Some(at) = f.line else { continue };
            let piece = &pieces[first_lines.partition_point(|&s| s <= at).saturating_sub(1)];
            let known = plain
                .iter()
                .any(|p| p.rule == f.rule && p.value.is_some() && p.value == f.value);
            if known || !seen.insert((f.rule.clone(), f.value.clone(), piece.span.start)) {
                continue;
            }
            let loc = locate(&index, content, piece.span.start, piece.span.end);
            // A rule that already matched the encoded form (`docker-config-auth`,
            // `github-token-base64`) speaks for it; a generic one does not hide what the
            // decoded text is.
            let width = loc.span.1 - loc.span.0;
            let covered = plain.iter().any(|p| {
                p.check == f.check
                    && (p.rule == f.rule || !p.rule.starts_with("generic-"))
                    && p.line == Some(loc.line)
                    && p.column
                        .is_some_and(|c| c >= loc.column && c < loc.column + width.max(1))
            });
            if covered {
                continue;
            }
            f.line = Some(loc.line);
            f.column = Some(loc.column);
            f.end_line = (loc.end_line > loc.line).then_some(loc.end_line);
            f.line_text = Some(loc.line_text);
            f.span = Some(loc.span);
            // The encoded span may hold more than the value: it is never shown in clear.
            f.sensitivity = Sensitivity::Secret;
            f.decoded = piece.chain.iter().map(|e| e.name()).collect();
            match inline_allow(index.line(content, loc.line), &f) {
                Some(true) => allowed.push(f),
                _ => found.push(f),
            }
        }
        (found, allowed)
    }
}
