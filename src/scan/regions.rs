//! What a version adds to the one before it: the byte ranges of a file that the text checks
//! search when an earlier version is at hand (ranges, history, hooks). Common prefix and
//! suffix are cut off; a large remainder is walked hunk by hunk, equal lines compared where
//! they stand, and the lines passed over are compared through 64-bit line hashes.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::ops::Range;

use crate::diff::{common_prefix, common_suffix};

/// Lines before a new line that are searched again: a generic rule finds its value up to
/// `rules::GENERIC_EXTRA_LINES` lines after its keyword. Lines after a new line need no
/// search: a rule whose keyword is on the new line reads the lines after it anyway.
const CONTEXT_LINES: usize = crate::rules::GENERIC_EXTRA_LINES;

/// Below this many changed bytes, the changed part is searched whole rather than line by line.
const LINE_DIFF_MIN: usize = 4 << 10;

/// The lines of `new` that are not in `old`, each with the `CONTEXT_LINES` lines before it:
/// sorted, disjoint byte ranges. Every other line of `new` is a line of `old` (when little
/// changed, one with the same neighbours).
pub fn changed_regions(old: &[u8], new: &[u8]) -> Vec<Range<usize>> {
    let prefix = common_prefix(old, new);
    let most = old.len().min(new.len()) - prefix;
    let suffix = common_suffix(&old[old.len() - most..], &new[new.len() - most..]);
    let start = line_start(new, prefix);
    let end = line_end(new, new.len() - suffix);
    if end - start < LINE_DIFF_MIN {
        // A deletion adds no line but may bring a keyword nearer a value: the lines before it
        // are searched. An empty region is none.
        let r = widen(new, start..end);
        return if r.is_empty() { Vec::new() } else { vec![r] };
    }
    let old = Side {
        text: old,
        at: line_start(old, prefix),
        end: line_end(old, old.len() - suffix),
    };
    let new = Side {
        text: new,
        at: start,
        end,
    };
    walk(old, new)
}

/// One version's text and the part of it still to compare, in whole lines.
#[derive(Clone, Copy)]
struct Side<'a> {
    text: &'a [u8],
    at: usize,
    end: usize,
}

impl<'a> Side<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.text[self.at..self.end]
    }

    fn lines(&self) -> impl Iterator<Item = Range<usize>> + 'a {
        lines(self.text, self.at..self.end)
    }

    /// The line after the one ending at `at`, or `None` at the end.
    fn line_from(&self, at: usize) -> Option<&'a [u8]> {
        (at < self.end).then(|| &self.text[at..line_end(self.text, at + 1).min(self.end)])
    }
}

/// Walks both versions from the first difference: equal lines are skipped where they stand,
/// and after each difference the two are brought together again at the nearest line they
/// share with the line after it. The lines of `new` passed over that way are new unless they
/// are among the lines of `old` passed over (a moved block).
fn walk(mut old: Side<'_>, mut new: Side<'_>) -> Vec<Range<usize>> {
    // Lines of `new` passed over (an empty range: lines of `old` deleted there), and lines of
    // `old` passed over.
    let (mut hunks, mut gone) = (Vec::new(), Vec::new());
    loop {
        skip_equal_lines(&mut old, &mut new);
        if new.at >= new.end && old.at >= old.end {
            break;
        }
        if new.at >= new.end || old.at >= old.end {
            hunks.push(new.at..new.end);
            gone.push(old.at..old.end);
            break;
        }
        match resync(old, new) {
            Some((o, n)) if (o, n) != (old.at, new.at) => {
                hunks.push(new.at..n);
                gone.push(old.at..o);
                (old.at, new.at) = (o, n);
            }
            _ => {
                hunks.push(new.at..new.end);
                gone.push(old.at..old.end);
                break;
            }
        }
    }
    // Lines are kept as 64-bit hashes under a seed chosen at random for each run: no bytes
    // to compare on lookup, and no input can be made to collide with a line it lacks.
    let seed = foldhash::fast::RandomState::default();
    let gone_bytes: usize = gone.iter().map(|r| r.len()).sum();
    let mut known: HashSet<u64, foldhash::fast::FixedState> =
        HashSet::with_capacity_and_hasher(gone_bytes / 32, Default::default());
    known.extend(
        gone.into_iter()
            .flat_map(|r| lines(old.text, r))
            .map(|l| seed.hash_one(&old.text[l])),
    );
    let mut out = Vec::new();
    for hunk in hunks {
        let before = out.len();
        let last_end = out.last().map(|r: &Range<usize>| r.end);
        for line in lines(new.text, hunk.clone()) {
            if !known.contains(&seed.hash_one(&new.text[line.clone()])) {
                add(&mut out, new.text, line);
            }
        }
        if out.len() == before && out.last().map(|r| r.end) == last_end {
            // Nothing new here, but lines went: the lines before are searched again.
            add(&mut out, new.text, hunk.start..hunk.start);
        }
    }
    out
}

/// Moves both sides past the whole lines they share from where they stand.
fn skip_equal_lines(old: &mut Side<'_>, new: &mut Side<'_>) {
    let (o, n) = (old.rest(), new.rest());
    let same = common_prefix(o, n);
    let step = if same == o.len() && same == n.len() {
        same
    } else {
        memchr::memrchr(b'\n', &n[..same]).map_or(0, |i| i + 1)
    };
    old.at += step;
    new.at += step;
}

/// How many lines of each side are read, after a difference, for the line where they meet
/// again. Most changes are a few lines; past this, the rest is compared through line hashes.
const RESYNC_LINES: usize = 16;

/// Where the two sides meet again after a difference at their starts: a line both share
/// within their next `RESYNC_LINES` lines, followed on both by the same line, with as few
/// lines of `new` before it as possible. Both byte offsets, or `None` when none is found.
fn resync(old: Side<'_>, new: Side<'_>) -> Option<(usize, usize)> {
    let (mut olds, mut news) = (old.lines(), new.lines());
    let (mut o, mut n): (Vec<Range<usize>>, Vec<Range<usize>>) = (Vec::new(), Vec::new());
    let meets = |a: &Range<usize>, b: &Range<usize>| {
        old.text[a.clone()] == new.text[b.clone()] && old.line_from(a.end) == new.line_from(b.end)
    };
    for _ in 0..RESYNC_LINES {
        o.extend(olds.next());
        n.extend(news.next());
        // Pairs whose larger index is the newest line of either side: `new` index first.
        let newest = o.last();
        for (i, b) in n.iter().enumerate() {
            let found = if i + 1 == n.len() {
                o.iter().find(|a| meets(a, b))
            } else {
                newest.filter(|a| meets(a, b))
            };
            if let Some(a) = found {
                return Some((a.start, b.start));
            }
        }
    }
    None
}

/// Adds the new lines `lines` (an empty range: lines deleted there) with the lines before
/// them to `out`, merged with the last region where they touch it.
fn add(out: &mut Vec<Range<usize>>, content: &[u8], lines: Range<usize>) {
    if let Some(last) = out.last_mut() {
        // Adjacent to the last region: the lines before are in it already.
        if lines.start <= last.end && !lines.is_empty() {
            last.end = last.end.max(lines.end);
            return;
        }
    }
    let wide = widen(content, lines);
    if wide.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(last) if wide.start <= last.end => last.end = last.end.max(wide.end),
        _ => out.push(wide),
    }
}

/// The lines of `content[range]` (`range` in whole lines), each with its newline.
fn lines(content: &[u8], range: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = range.start;
    let ends =
        memchr::memchr_iter(b'\n', &content[range.clone()]).map(move |i| range.start + i + 1);
    ends.chain(std::iter::once(range.end))
        .filter_map(move |end| {
            let line = at..end;
            at = end;
            (!line.is_empty()).then_some(line)
        })
}

/// The start of the line holding `at`.
fn line_start(content: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &content[..at]).map_or(0, |i| i + 1)
}

/// The end of the line holding `at` (after its newline).
fn line_end(content: &[u8], at: usize) -> usize {
    if at == 0 || at > content.len() {
        return at.min(content.len());
    }
    memchr::memchr(b'\n', &content[at - 1..]).map_or(content.len(), |i| at + i)
}

/// `lines` (whole lines) with the `CONTEXT_LINES` lines before them.
fn widen(content: &[u8], lines: Range<usize>) -> Range<usize> {
    let mut start = lines.start;
    for _ in 0..CONTEXT_LINES {
        if start == 0 {
            break;
        }
        start = line_start(content, start - 1);
    }
    start..lines.end
}

#[cfg(test)]
mod tests {
    use super::changed_regions;
    use crate::rules::whole;

    fn lines(n: usize) -> String {
        (0..n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn a_small_change_is_its_lines_and_the_lines_before() {
        let old = lines(20);
        let new = old.replace("line 10\n", "line ten\n");
        let r = changed_regions(old.as_bytes(), new.as_bytes());
        assert_eq!(r.len(), 1);
        assert_eq!(
            &new[r[0].clone()],
            "line 6\nline 7\nline 8\nline 9\nline ten\n"
        );
    }

    #[test]
    fn an_unchanged_input_leaves_little_to_search_and_a_new_one_everything() {
        let old = lines(50);
        let r = changed_regions(old.as_bytes(), old.as_bytes());
        assert!(r.iter().map(|r| r.len()).sum::<usize>() < 50);
        let r = changed_regions(b"", old.as_bytes());
        assert_eq!(r, whole(old.len()));
        assert!(changed_regions(b"", b"").is_empty());
        assert!(changed_regions(b"a\n", b"").is_empty());
        // Deleting a line searches the lines before it again.
        let r = changed_regions(b"k\nx\nv\n", b"k\nv\n");
        assert_eq!(r, whole(2));
    }

    #[test]
    fn a_large_change_keeps_only_lines_the_old_version_lacks() {
        let old = lines(2000);
        let mut new = old
            .replace("line 0\n", "first\n")
            .replace("line 1999\n", "last\n");
        new = new.replace("line 1000\n", "line 1000\nadded\n");
        let r = changed_regions(old.as_bytes(), new.as_bytes());
        let searched: Vec<&str> = r.iter().map(|r| &new[r.clone()]).collect();
        assert_eq!(searched.len(), 3, "{searched:?}");
        assert_eq!(searched[0], "first\n");
        assert!(searched[1].ends_with("line 1000\nadded\n") && searched[1].lines().count() == 5);
        assert!(searched[2].ends_with("last\n"));
    }

    #[test]
    fn spread_edits_are_found_hunk_by_hunk() {
        let old = lines(3000);
        let mut new = old.clone();
        for (i, at) in [100, 900, 1500, 2100, 2900].iter().enumerate() {
            new = new.replace(&format!("line {at}\n"), &format!("edit {i}\n"));
        }
        // Ten lines deleted; then a block of 200 lines inserted, too far for the walk to meet
        // the old version again, so the rest is compared through line hashes.
        let gone: String = (1700..1710).map(|i| format!("line {i}\n")).collect();
        new = new.replace(&gone, "");
        let block: String = (0..200).map(|i| format!("new {i}\n")).collect();
        new = new.replace("line 2500\n", &format!("line 2500\n{block}"));
        let r = changed_regions(old.as_bytes(), new.as_bytes());
        let searched: Vec<&str> = r.iter().map(|r| &new[r.clone()]).collect();
        let count = |s: &&str| s.lines().count();
        assert_eq!(
            searched.iter().map(count).collect::<Vec<_>>(),
            [5, 5, 5, 4, 5, 204, 5],
            "{searched:?}"
        );
        assert!(searched[3].ends_with("line 1699\n") && searched[5].ends_with("new 199\n"));
    }

    #[test]
    fn a_moved_block_is_not_new() {
        let old = lines(3000);
        let block: String = (500..700).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace(&block, "")
            .replace("line 2500\n", &format!("line 2500\n{block}"));
        let r = changed_regions(old.as_bytes(), new.as_bytes());
        let searched: usize = r.iter().map(|r| new[r.clone()].lines().count()).sum();
        // Only the lines before the two places where lines went or came are searched again.
        assert!(searched <= 2 * 4, "{searched} lines searched: {r:?}");
    }

    /// Random edits of random inputs: every line of the new version that the old one lacks
    /// lies in a region, and regions are sorted, disjoint, within bounds and in whole lines.
    #[test]
    fn every_new_line_is_searched_whatever_the_edit() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as usize
        };
        for _ in 0..1000 {
            let words = ["a", "bb", "key = 1", "\n", "", "é", "\r", "x\0y", "line"];
            let pick = |next: &mut dyn FnMut(u64) -> usize, n: usize| -> Vec<String> {
                (0..n)
                    .map(|_| words[next(words.len() as u64)].repeat(next(3) + 1))
                    .collect()
            };
            let n = next(400);
            let old_lines = pick(&mut next, n);
            let mut new_lines = old_lines.clone();
            for _ in 0..next(6) {
                let at = next(new_lines.len() as u64 + 1);
                match next(3) {
                    0 => new_lines.insert(at, format!("new {}", next(1000))),
                    1 if at < new_lines.len() => drop(new_lines.remove(at)),
                    _ => new_lines.insert(at, "a".repeat(next(5000))),
                }
            }
            let (old, new) = (old_lines.join("\n"), new_lines.join("\n"));
            let (old, new) = (old.as_bytes(), new.as_bytes());
            let regions = changed_regions(old, new);
            let mut end = 0;
            for r in &regions {
                assert!(
                    r.start >= end && r.start < r.end && r.end <= new.len(),
                    "{regions:?}"
                );
                assert!(r.start == 0 || new[r.start - 1] == b'\n');
                assert!(r.end == new.len() || new[r.end - 1] == b'\n');
                end = r.end;
            }
            let known: std::collections::HashSet<&[u8]> = old.split(|&b| b == b'\n').collect();
            let mut at = 0;
            for line in new.split(|&b| b == b'\n') {
                if !line.is_empty() && !known.contains(line) {
                    assert!(
                        regions
                            .iter()
                            .any(|r| r.start <= at && at + line.len() <= r.end),
                        "line at {at} not searched: {regions:?}"
                    );
                }
                at += line.len() + 1;
            }
        }
    }
}
