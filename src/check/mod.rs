//! The checks. Each turns content or commits into findings and does no I/O; none knows which
//! source fed it. `scan.rs` decides which checks apply to which item.

pub mod approval;
pub mod artifact;
pub mod dco;
pub mod internal_url;
pub mod ip_overlap;
pub mod secret;
pub mod spdx;

use crate::finding::{Check, Finding};

/// The set of checks a run performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckSet(u8);

impl CheckSet {
    pub fn all() -> CheckSet {
        CheckSet::of(&Check::ALL)
    }

    pub fn none() -> CheckSet {
        CheckSet(0)
    }

    pub fn of(checks: &[Check]) -> CheckSet {
        checks.iter().fold(CheckSet::none(), |s, c| s.with(*c))
    }

    pub fn with(self, c: Check) -> CheckSet {
        CheckSet(self.0 | 1 << c as u8)
    }

    pub fn without(self, c: Check) -> CheckSet {
        CheckSet(self.0 & !(1 << c as u8))
    }

    pub fn has(self, c: Check) -> bool {
        self.0 & (1 << c as u8) != 0
    }

    /// Whether any check of the set reads files.
    pub fn reads_files(self) -> bool {
        Check::ALL.iter().any(|c| c.reads_files() && self.has(*c))
    }

    /// Parses `secret,internal-url,...`.
    pub fn parse(list: &str) -> Result<CheckSet, String> {
        let mut set = CheckSet::none();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let c = Check::parse(name).ok_or_else(|| {
                let known: Vec<_> = Check::ALL.iter().map(|c| c.name()).collect();
                format!("unknown check '{name}' (known: {})", known.join(", "))
            })?;
            set = set.with(c);
        }
        Ok(set)
    }
}

/// Bytes looked at to decide whether a file is binary (as git does).
const BINARY_SNIFF: usize = 8000;

/// Git's test: a NUL byte in the first 8000 bytes makes a file binary.
pub fn looks_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(BINARY_SNIFF)]).is_some()
}

/// Where a match sits: 1-based line and column, and the line for the excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub line_text: String,
    pub span: (usize, usize),
}

/// How much of a long line an excerpt keeps on each side of the value.
const CONTEXT: usize = 60;
/// How much of the value itself an excerpt keeps.
const VALUE_MAX: usize = 120;

/// Locates `start..end` in `content`. `line_starts` is filled lazily by `LineIndex`.
pub fn locate(index: &LineIndex, content: &[u8], start: usize, end: usize) -> Location {
    let line = index.line_of(start);
    let line_start = index.start_of(line);
    let line_end = memchr::memchr(b'\n', &content[start..]).map_or(content.len(), |i| start + i);
    let value_end = end.min(line_end);
    let column = content[line_start..start]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count()
        + 1;
    let before_from = start.saturating_sub(CONTEXT).max(line_start);
    let after_to = (value_end + CONTEXT).min(line_end);
    let value_to = value_end.min(start + VALUE_MAX);
    let mut before = String::from_utf8_lossy(&content[before_from..start]).into_owned();
    if before_from > line_start {
        before.insert(0, '…');
    }
    let value = String::from_utf8_lossy(&content[start..value_to]).into_owned();
    let mut after = String::from_utf8_lossy(&content[value_end..after_to]).into_owned();
    if after_to < line_end {
        after.push('…');
    }
    let before = before.trim_start().to_string();
    let after = after.trim_end_matches('\r').to_string();
    let span = (before.len(), before.len() + value.len());
    Location {
        line,
        column,
        end_line: index.line_of(end.saturating_sub(1).max(start)),
        line_text: format!("{before}{value}{after}"),
        span,
    }
}

/// Line starts of one content buffer, computed on first use: most inputs have no finding.
pub struct LineIndex<'c> {
    content: &'c [u8],
    starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'c> LineIndex<'c> {
    pub fn new(content: &'c [u8]) -> LineIndex<'c> {
        LineIndex {
            content,
            starts: std::cell::OnceCell::new(),
        }
    }

    fn starts(&self) -> &[usize] {
        self.starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr::memchr_iter(b'\n', self.content).map(|i| i + 1));
            starts
        })
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts().partition_point(|&s| s <= offset)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn start_of(&self, line: usize) -> usize {
        let starts = self.starts();
        starts[line.saturating_sub(1).min(starts.len() - 1)]
    }

    /// The text of 1-based `line`, without its newline.
    pub fn line(&self, content: &'c [u8], line: usize) -> &'c [u8] {
        let s = self.start_of(line);
        let e = memchr::memchr(b'\n', &content[s..]).map_or(content.len(), |i| s + i);
        &content[s..e]
    }
}

/// The marker that exempts a line from `secret` and `internal-url` findings.
pub const ALLOW_MARKER: &[u8] = b"outbound:allow";

/// If the line carries `outbound:allow` (optionally followed by a rule id), whether it
/// exempts a finding of `rule` (`None` when the line has no marker).
pub fn inline_allow(line: &[u8], f: &Finding) -> Option<bool> {
    let at = memchr::memmem::find(line, ALLOW_MARKER)?;
    let rest = &line[at + ALLOW_MARKER.len()..];
    let named: Vec<&[u8]> = rest
        .strip_prefix(b" ")
        .unwrap_or(b"")
        .split(|&b| b == b' ' || b == b',')
        .take_while(|w| {
            !w.is_empty()
                && w.iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'/')
        })
        .collect();
    if named.is_empty() {
        return Some(true);
    }
    let code = f.code();
    Some(named.iter().any(|n| {
        *n == f.rule.as_bytes() || *n == code.as_bytes() || *n == f.check.name().as_bytes()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    #[test]
    fn locate_gives_one_based_line_and_column() {
        let content = "first\nsecond key=VALUE here\n".as_bytes();
        let idx = LineIndex::new(content);
        let start = content.windows(5).position(|w| w == b"VALUE").unwrap();
        let loc = locate(&idx, content, start, start + 5);
        assert_eq!((loc.line, loc.column), (2, 12));
        assert_eq!(loc.line_text, "second key=VALUE here");
        assert_eq!(&loc.line_text[loc.span.0..loc.span.1], "VALUE");
    }

    #[test]
    fn inline_allow_with_and_without_rule() {
        let f = Finding::new(Check::Secret, "github-pat", Severity::Block, "m");
        assert_eq!(inline_allow(b"x = 1 # outbound:allow", &f), Some(true));
        assert_eq!(
            inline_allow(b"x # outbound:allow github-pat test fixture", &f),
            Some(true)
        );
        assert_eq!(
            inline_allow(b"x # outbound:allow slack-bot-token", &f),
            Some(false)
        );
        assert_eq!(inline_allow(b"x = 1", &f), None);
    }

    #[test]
    fn check_sets_parse_and_reject_unknown_names() {
        let s = CheckSet::parse("secret, internal-url").unwrap();
        assert!(s.has(Check::Secret) && s.has(Check::InternalUrl) && !s.has(Check::Dco));
        assert!(
            CheckSet::parse("secrets")
                .unwrap_err()
                .contains("unknown check 'secrets'")
        );
    }
}
