//! A keyword automaton as one flat table, searched four places of the input at a time.
//!
//! A DFA search is one table lookup per byte, and each lookup waits for the one before: on a
//! large keyword set the search runs at the memory latency, not at the speed of the core.
//! Cutting the input into four lanes, each searched by its own state, lets the core overlap
//! four independent lookups. A lane starts from the start state, so it reports only keywords
//! that begin in it; the lane before runs on past the cut, for as long as its state holds a
//! partial keyword begun before the cut, to report those that straddle it.

use aho_corasick::automaton::Automaton;
use aho_corasick::automaton::StateID;
use aho_corasick::nfa::noncontiguous;
use aho_corasick::{Anchored, MatchKind};

use crate::error::Error;

/// Lanes searched at once.
const LANES: usize = 4;
/// Inputs shorter than this are searched in one lane.
const LANE_MIN: usize = 64;

/// A keyword automaton with standard (overlapping) matches: every keyword at every place.
#[derive(Debug, Clone)]
pub(super) struct Table {
    /// Byte → class: bytes that no keyword holds share one class, and so do the two cases
    /// of a letter (keywords match in any case).
    pub(super) classes: [u8; 256],
    /// Transitions: `trans[state + class]`, state ids premultiplied by the row stride.
    pub(super) trans: Vec<u32>,
    start: u32,
    /// States from this id on end at least one keyword.
    match_from: u32,
    shift: u32,
    /// The keywords that end at each match state (by row, from `match_from`).
    ends: Vec<Vec<u32>>,
    lens: Vec<usize>,
    /// The length of the partial keyword each state stands for (by row).
    depth: Vec<usize>,
}

impl Table {
    /// The table of `keywords`, matched in any case.
    pub(super) fn build(keywords: &[String]) -> Result<Table, Error> {
        let fail = |e: aho_corasick::BuildError| Error::Internal(format!("keyword table: {e}"));
        let nfa = noncontiguous::NFA::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .prefilter(false)
            .build(keywords)
            .map_err(fail)?;
        let mut held = [false; 256];
        for k in keywords {
            for &b in k.as_bytes() {
                held[usize::from(b.to_ascii_lowercase())] = true;
            }
        }
        // One representative byte per class.
        let mut classes = [0u8; 256];
        let mut of_key = [u16::MAX; 256];
        let mut other = u16::MAX;
        let mut reps: Vec<u8> = Vec::new();
        for b in 0..=255u8 {
            let key = b.to_ascii_lowercase();
            let slot = if held[usize::from(key)] {
                &mut of_key[usize::from(key)]
            } else {
                &mut other
            };
            if *slot == u16::MAX {
                *slot = reps.len() as u16;
                reps.push(b);
            }
            classes[usize::from(b)] = *slot as u8;
        }
        // Every state the search can reach, breadth first, with its row.
        let start = nfa
            .start_state(Anchored::No)
            .map_err(|e| Error::Internal(format!("keyword table: {e}")))?;
        let mut index: std::collections::HashMap<StateID, usize> = Default::default();
        let mut states = vec![start];
        index.insert(start, 0);
        let mut rows: Vec<Vec<usize>> = Vec::new();
        // Breadth first, the first path to a state spells its partial keyword.
        let mut depth = vec![0usize];
        let mut at = 0;
        while at < states.len() {
            let sid = states[at];
            let mut row = Vec::with_capacity(reps.len());
            for &b in &reps {
                let mut next = nfa.next_state(Anchored::No, sid, b);
                if nfa.is_dead(next) {
                    next = start;
                }
                let n = states.len();
                let i = *index.entry(next).or_insert(n);
                if i == n {
                    states.push(next);
                    depth.push(depth[at] + 1);
                }
                row.push(i);
            }
            rows.push(row);
            at += 1;
        }
        // Match states last, so that one comparison tells them apart.
        let is_match = |s: StateID| nfa.is_match(s);
        let mut order: Vec<usize> = (0..states.len())
            .filter(|&i| !is_match(states[i]))
            .collect();
        let first_match = order.len();
        order.extend((0..states.len()).filter(|&i| is_match(states[i])));
        let mut place = vec![0usize; states.len()];
        for (new, &old) in order.iter().enumerate() {
            place[old] = new;
        }
        let shift = reps.len().next_power_of_two().trailing_zeros();
        let id = |i: usize| u32::try_from(place[i] << shift);
        let too_big = |_| Error::Internal("keyword table: too many states".into());
        let mut trans = vec![0u32; states.len() << shift];
        for (old, row) in rows.iter().enumerate() {
            let base = place[old] << shift;
            for (class, &next) in row.iter().enumerate() {
                trans[base + class] = id(next).map_err(too_big)?;
            }
        }
        let ends = order[first_match..]
            .iter()
            .map(|&old| {
                let s = states[old];
                (0..nfa.match_len(s))
                    .map(|i| nfa.match_pattern(s, i).as_u32())
                    .collect()
            })
            .collect();
        let lens: Vec<usize> = keywords.iter().map(String::len).collect();
        let depth = order.iter().map(|&old| depth[old]).collect();
        Ok(Table {
            classes,
            trans,
            start: id(0).map_err(too_big)?,
            match_from: u32::try_from(first_match << shift).map_err(too_big)?,
            shift,
            ends,
            lens,
            depth,
        })
    }

    /// Every keyword that starts in `content[from..to]` and ends by `to`, as (start,
    /// keyword), appended to `out` in no particular order.
    pub(super) fn find(
        &self,
        content: &[u8],
        from: usize,
        to: usize,
        out: &mut Vec<(usize, usize)>,
    ) {
        let len = to - from;
        if len < LANES * LANE_MIN {
            self.run(content, from, to, self.start, out);
            return;
        }
        let q = len / LANES;
        let cut = |k: usize| from + k * q;
        let (l0, l1, l2, l3) = (
            &content[cut(0)..cut(1)],
            &content[cut(1)..cut(2)],
            &content[cut(2)..cut(3)],
            &content[cut(3)..cut(4)],
        );
        let mut s = [self.start; LANES];
        let lanes = l0.iter().zip(l1).zip(l2).zip(l3);
        for (i, (((&a, &b), &c), &d)) in lanes.enumerate() {
            s[0] = self.next(s[0], a);
            s[1] = self.next(s[1], b);
            s[2] = self.next(s[2], c);
            s[3] = self.next(s[3], d);
            if s[0].max(s[1]).max(s[2].max(s[3])) >= self.match_from {
                for (k, &x) in s.iter().enumerate() {
                    if x >= self.match_from {
                        self.record(x, cut(k) + i, usize::MAX, out);
                    }
                }
            }
        }
        for (k, &state) in s[..LANES - 1].iter().enumerate() {
            self.straddle(content, cut(k + 1), to, state, out);
        }
        self.run(content, cut(LANES), to, s[LANES - 1], out);
    }

    #[inline(always)]
    fn next(&self, state: u32, byte: u8) -> u32 {
        self.trans[state as usize + usize::from(self.classes[usize::from(byte)])]
    }

    /// One lane over `content[from..to]` from `state`.
    fn run(
        &self,
        content: &[u8],
        from: usize,
        to: usize,
        mut state: u32,
        out: &mut Vec<(usize, usize)>,
    ) {
        for (i, &b) in content[from..to].iter().enumerate() {
            state = self.next(state, b);
            if state >= self.match_from {
                self.record(state, from + i, usize::MAX, out);
            }
        }
    }

    /// A lane that ended at `cut` in `state`, run on while its state holds bytes from before
    /// the cut: the keywords that begin before the cut and end after it.
    fn straddle(
        &self,
        content: &[u8],
        cut: usize,
        to: usize,
        mut state: u32,
        out: &mut Vec<(usize, usize)>,
    ) {
        for (i, &b) in content[cut..to].iter().enumerate() {
            if self.depth[(state >> self.shift) as usize] <= i {
                return;
            }
            state = self.next(state, b);
            if state >= self.match_from {
                self.record(state, cut + i, cut, out);
            }
        }
    }

    /// The keywords of match state `state`, which end at byte `at`.
    #[inline(never)]
    fn record(&self, state: u32, at: usize, before: usize, out: &mut Vec<(usize, usize)>) {
        let row = ((state - self.match_from) >> self.shift) as usize;
        for &k in &self.ends[row] {
            let start = at + 1 - self.lens[k as usize];
            if start < before {
                out.push((start, k as usize));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (start, keyword) by brute force.
    fn naive(keywords: &[String], hay: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for s in 0..hay.len() {
            for (k, w) in keywords.iter().enumerate() {
                let w = w.as_bytes();
                let here = hay.get(s..s + w.len());
                if here.is_some_and(|h| h.eq_ignore_ascii_case(w)) {
                    out.push((s, k));
                }
            }
        }
        out
    }

    #[test]
    fn finds_every_keyword_at_every_place_across_lane_cuts() {
        let keywords: Vec<String> = ["key", "api_key", "pw", "password", "ke", "y-1", "eyj"]
            .map(String::from)
            .to_vec();
        // A pseudo-random text over a small alphabet, long enough for four lanes, so that
        // keywords fall across every cut.
        let alphabet = b"keyKEYapi_-1pwPWassordjJ \n";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let hay: Vec<u8> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % alphabet.len() as u64) as usize]
            })
            .collect();
        let table = Table::build(&keywords).unwrap();
        // Spans that move the lane cuts over every place around the keywords.
        let spans = (0..150).map(|i| (i, 5000 - (i * 7) % 61));
        for (from, to) in spans.chain([(100, 900), (30, 30 + LANES * LANE_MIN - 1), (7, 7)]) {
            let mut got = Vec::new();
            table.find(&hay, from, to, &mut got);
            got.sort_unstable();
            let mut want: Vec<(usize, usize)> = naive(&keywords, &hay[from..to])
                .into_iter()
                .map(|(s, k)| (s + from, k))
                .collect();
            want.sort_unstable();
            assert!(!want.is_empty() || from == to);
            assert_eq!(got, want, "span {from}..{to}");
        }
    }
}
