//! What a version adds to the one before it: the byte ranges of a file that the text checks
//! search when an earlier version is at hand (ranges, history, hooks). Common prefix and
//! suffix are cut off; a large remainder is compared line by line through 64-bit line hashes.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::ops::Range;

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
    let old_start = line_start(old, prefix);
    let old_end = line_end(old, old.len() - suffix);
    // Lines are kept as 64-bit hashes under a seed chosen at random for each run: no bytes
    // to compare on lookup, and no input can be made to collide with a line it lacks.
    let seed = foldhash::fast::RandomState::default();
    let mut known: HashSet<u64, foldhash::fast::FixedState> =
        HashSet::with_capacity_and_hasher((old_end - old_start) / 32, Default::default());
    known.extend(lines(old, old_start..old_end).map(|l| seed.hash_one(&old[l])));
    let mut out: Vec<Range<usize>> = Vec::new();
    for here in lines(new, start..end) {
        if known.contains(&seed.hash_one(&new[here.clone()])) {
            continue;
        }
        match out.last_mut() {
            // Adjacent to the last region: the lines before are in it already.
            Some(last) if here.start <= last.end => last.end = here.end,
            _ => {
                let wide = widen(new, here);
                match out.last_mut() {
                    Some(last) if wide.start <= last.end => last.end = wide.end,
                    _ => out.push(wide),
                }
            }
        }
    }
    out
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

/// Block sizes for finding where two buffers start to differ: large blocks compare at
/// memory speed, the smaller ones narrow down.
const BLOCKS: [usize; 3] = [4096, 64, 1];

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    for w in BLOCKS {
        while i + w <= n && a[i..i + w] == b[i..i + w] {
            i += w;
        }
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    for w in BLOCKS {
        while i + w <= n && a[n - i - w..n - i] == b[n - i - w..n - i] {
            i += w;
        }
    }
    i
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
