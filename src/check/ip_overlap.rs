//! The `ip-overlap` check: internal code in an outbound change. The change's text is
//! fingerprinted the way `fingerprint build` fingerprinted the internal code; fingerprints
//! on lines the change adds are looked up in the indexes, and matches are chained: a match
//! joins the one before when the index stored it as that one's successor, as a copy's
//! fingerprints follow one another the way they do in the internal file. A chain is
//! reported when it has at least `MIN_LINKS` links and covers at least `MIN_LINES` added
//! lines; matches that only share a shape with scattered internal files make no chain.

use std::ops::Range;

use crate::check::LineIndex;
use crate::finding::{Check, Finding, Severity};
use crate::fingerprint::{self, Indexes, Scratch};

/// Lines a chain of matches must cover to be reported.
pub const MIN_LINES: u32 = 8;
/// Links (a match that is the stored successor of the match before) a chain needs.
pub const MIN_LINKS: usize = 3;
/// Matched fingerprints a chain of `MIN_LINKS` links has.
pub const MIN_MATCHES: usize = MIN_LINKS + 1;
/// Fingerprints the index lacks that a run may step over (an edited line between two copied
/// parts breaks no run).
const MAX_MISSES: usize = 1;

/// One run of matched lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    first: u32,
    last: u32,
    matches: Vec<u64>,
    lines: Vec<(u32, u32)>,
    links: usize,
}

/// Findings for the parts of `content` within `changed` (byte ranges of added lines) that
/// overlap the code of `indexes`.
pub fn check(
    path: &str,
    content: &[u8],
    changed: &[Range<usize>],
    indexes: &Indexes,
    severity: Severity,
) -> Vec<Finding> {
    if changed.is_empty() || indexes.list.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(content);
    let added: Vec<(u32, u32)> = changed
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            (
                lines.line_of(r.start) as u32,
                lines.line_of(r.end - 1) as u32,
            )
        })
        .collect();
    let is_added = |first: u32, last: u32| added.iter().any(|(a, b)| first <= *b && last >= *a);
    let mut scratch = Scratch::default();
    let mut grams = Vec::new();
    let mut findings = Vec::new();
    for index in &indexes.list {
        fingerprint::grams(path, content, index.params(), &mut scratch, &mut grams);
        let seen: Vec<Seen> = grams
            .iter()
            .filter(|g| is_added(g.first_line, g.last_line))
            .map(|g| {
                let keyed = indexes.keyer.key(g.hash);
                Seen {
                    first: g.first_line,
                    last: g.last_line,
                    keyed,
                    next: index.successors(keyed),
                }
            })
            .collect();
        for r in ranges(&seen) {
            let covered = covered_lines(&r.lines, &added);
            if covered < MIN_LINES || r.links < MIN_LINKS {
                continue;
            }
            findings.push(finding(index, &r, covered, severity));
        }
    }
    findings
}

/// The keyed fingerprints a finding matched (carried in its value, `name:hex,hex,…`).
pub fn matched(f: &Finding) -> Vec<u64> {
    let list = f
        .value
        .as_deref()
        .and_then(|v| v.rsplit_once(':'))
        .map_or("", |(_, l)| l);
    list.split(',')
        .filter_map(|h| u64::from_str_radix(h, 16).ok())
        .collect()
}

/// Drops the `ip-overlap` findings that the destination already has: those left with fewer
/// than `MIN_MATCHES` fingerprints once the fingerprints in `public` are taken away.
pub fn drop_public(findings: &mut Vec<Finding>, public: &std::collections::HashSet<u64>) {
    findings.retain(|f| {
        f.check != Check::IpOverlap
            || matched(f).iter().filter(|h| !public.contains(h)).count() >= MIN_MATCHES
    });
}

/// One fingerprint of the added lines, and the successor tags an index holds for it
/// (`None`: the index lacks it).
#[derive(Debug, Clone, Copy)]
struct Seen<'i> {
    first: u32,
    last: u32,
    keyed: u64,
    next: Option<&'i [u8]>,
}

/// Chains matches into runs: a match extends the run of the match before when it is one of
/// that match's stored successors and at most `MAX_MISSES` fingerprints the index lacks lie
/// between them. A copy matches fingerprint after fingerprint in the order of its source,
/// while a shape that merely recurs matches here and there, from one file and another.
fn ranges(seen: &[Seen]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut misses = usize::MAX;
    let mut before: Option<&[u8]> = None;
    for s in seen {
        let Some(next) = s.next else {
            misses = misses.saturating_add(1);
            continue;
        };
        let tag = crate::fingerprint::index::tag(s.keyed);
        let linked = misses <= MAX_MISSES && before.is_some_and(|b| b.contains(&tag));
        match out.last_mut() {
            Some(r) if linked => {
                r.last = r.last.max(s.last);
                r.matches.push(s.keyed);
                r.lines.push((s.first, s.last));
                r.links += 1;
            }
            _ => out.push(Run {
                first: s.first,
                last: s.last,
                matches: vec![s.keyed],
                lines: vec![(s.first, s.last)],
                links: 0,
            }),
        }
        before = Some(next);
        misses = 0;
    }
    out
}

/// Lines that some matched span covers and the change adds.
fn covered_lines(spans: &[(u32, u32)], added: &[(u32, u32)]) -> u32 {
    let mut spans = spans.to_vec();
    spans.sort_unstable();
    let (mut count, mut upto) = (0u32, 0u32);
    for (a, b) in spans {
        let from = a.max(upto + 1);
        for line in from..=b {
            if added.iter().any(|(x, y)| *x <= line && line <= *y) {
                count += 1;
            }
        }
        upto = upto.max(b);
    }
    count
}

fn finding(index: &fingerprint::Index, r: &Run, covered: u32, severity: Severity) -> Finding {
    let message = format!(
        "{covered} lines overlap internal code in the fingerprint index {}",
        index.describe()
    );
    let mut f = Finding::new(Check::IpOverlap, "internal-code", severity, message);
    f.line = Some(r.first as usize);
    f.end_line = Some(r.last as usize);
    // The finding's identity: the index and the fingerprints matched, not the line.
    let mut matches = r.matches.clone();
    matches.sort_unstable();
    let hex: Vec<String> = matches.iter().map(|h| format!("{h:016x}")).collect();
    f.value = Some(format!("{}:{}", index.header.name, hex.join(",")));
    f.help = "this looks copied from internal code: write it anew, or ask for approval to \
              contribute it (`git outbound request`); code the destination already has is not \
              reported"
        .into();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_each_added_line_once() {
        assert_eq!(covered_lines(&[(1, 5), (3, 8), (20, 21)], &[(1, 100)]), 10);
        assert_eq!(covered_lines(&[(1, 5), (3, 8)], &[(4, 6)]), 3);
    }

    #[test]
    fn findings_whose_matches_the_destination_has_are_dropped() {
        let mut f = Finding::new(Check::IpOverlap, "internal-code", Severity::Warn, "m");
        f.value =
            Some("idx:000000000000000a,000000000000000b,000000000000000c,000000000000000d".into());
        assert_eq!(matched(&f), [10, 11, 12, 13]);
        let mut kept = vec![f.clone()];
        drop_public(&mut kept, &[99].into_iter().collect());
        assert_eq!(kept.len(), 1);
        let mut gone = vec![f];
        drop_public(&mut gone, &[11].into_iter().collect());
        assert!(gone.is_empty());
    }

    #[test]
    fn matches_chain_through_stored_successors_over_one_miss_and_not_over_two() {
        use crate::fingerprint::index::tag;
        // Keyed hashes whose tags are their low bytes: 0x1_01 is followed by 0x2_02, etc.
        let (a, b, c, d) = ([2u8], [3u8], [4u8], [0u8]);
        let s = |first, keyed, next| Seen {
            first,
            last: first + 2,
            keyed,
            next,
        };
        assert_eq!(tag(0x2_02), 2);
        let seen = [
            s(1, 0x1_01, Some(&a[..])),
            s(3, 0x9_99, None),
            s(5, 0x2_02, Some(&b[..])),
            s(7, 0x3_03, Some(&c[..])),
            s(8, 0x9_99, None),
            s(9, 0x9_99, None),
            s(30, 0x4_04, Some(&d[..])),
            // Held by the index but not the successor of the match before: a new run.
            s(40, 0x7_07, Some(&d[..])),
        ];
        let r = ranges(&seen);
        assert_eq!(r.len(), 3);
        assert_eq!(
            (r[0].first, r[0].last, r[0].links, r[0].matches.clone()),
            (1, 9, 2, vec![0x1_01, 0x2_02, 0x3_03])
        );
        assert_eq!((r[1].first, r[1].links), (30, 0));
        assert_eq!((r[2].first, r[2].links), (40, 0));
    }
}
