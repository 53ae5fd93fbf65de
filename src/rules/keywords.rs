//! The keyword prefilter: one pass over an input (or over its new lines) decides which rules
//! run, and where. A cheap aho-corasick NFA serves small runs; a DFA is built once a run has
//! read enough to pay for it (aho-corasick's own for a few keywords, the lane-searched table
//! of `table.rs` for many); whole-document keywords have their own packed searcher.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Input, MatchKind};

use super::Rule;
use super::table::Table;
use crate::error::Error;

/// One keyword automaton and, for each of its patterns, the rules it enables. The automaton
/// matches in any case; the keywords of `case_sensitive` rules are then kept only where
/// they stand as written, so one pass serves both kinds.
#[derive(Debug, Clone)]
pub(super) struct Keywords {
    /// Cheap to build: what a hook that reads a few kilobytes uses.
    nfa: AhoCorasick,
    /// One lookup per byte, but a few milliseconds to build: made once a run has read
    /// `DFA_AFTER` bytes.
    dfa: Arc<OnceLock<Option<Dfa>>>,
    pub(super) keywords: Vec<String>,
    /// For each keyword, whether it counts only as written.
    exact: Vec<bool>,
    pub(super) rules: Vec<Vec<usize>>,
    /// For each keyword, the keywords that are prefixes of it in any case (itself included):
    /// a leftmost-longest match stands for all of them.
    prefixes: Vec<Vec<usize>>,
    scanned: Arc<AtomicU64>,
}

/// The automaton of a run that has read enough to pay for building it.
#[derive(Debug, Clone)]
enum Dfa {
    /// A few keywords: aho-corasick's own DFA, whose SIMD prefilter skips most bytes.
    Small(AhoCorasick),
    /// Many keywords leave no prefilter, and every byte is a table lookup: the flat table
    /// searched in lanes reads twice as fast.
    Table(Box<Table>),
}

/// Bytes a run reads before the keyword DFA pays for its construction: the table of the
/// built-in rules (1,305 keywords) takes 5 ms to build, the time the NFA takes to read
/// about 1 MB (180 MB/s; the table reads 1 GB/s).
const DFA_AFTER: u64 = 2 << 20;

/// Keyword sets up to this size keep aho-corasick's DFA (measured on the directory corpus:
/// 381 keywords in any case read at 0.47 GB/s in aho-corasick's DFA against 1 GB/s in the
/// table).
const SMALL_SET: usize = 64;

impl Keywords {
    /// The keywords of all rules.
    pub(super) fn build(rules: &[Rule]) -> Result<Keywords, Error> {
        let mut keywords: Vec<String> = Vec::new();
        let mut exact: Vec<bool> = Vec::new();
        let mut enables: Vec<Vec<usize>> = Vec::new();
        let mut index: HashMap<(&str, bool), usize> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            for k in &r.keywords {
                let at = *index.entry((k, r.case_sensitive)).or_insert_with(|| {
                    keywords.push(k.clone());
                    exact.push(r.case_sensitive);
                    enables.push(Vec::new());
                    keywords.len() - 1
                });
                enables[at].push(i);
            }
        }
        let nfa = automaton(&keywords, AhoCorasickKind::ContiguousNFA)?;
        // The keywords under each spelling in lower case, to find each one's prefixes.
        let folded: Vec<String> = keywords.iter().map(|k| k.to_ascii_lowercase()).collect();
        let mut by_folded: HashMap<&[u8], Vec<usize>> = HashMap::new();
        for (j, k) in folded.iter().enumerate() {
            by_folded.entry(k.as_bytes()).or_default().push(j);
        }
        let prefixes = folded
            .iter()
            .map(|k| {
                let folded = k.as_bytes();
                (1..=folded.len())
                    .filter_map(|n| by_folded.get(&folded[..n]))
                    .flatten()
                    .copied()
                    .collect()
            })
            .collect();
        Ok(Keywords {
            nfa,
            dfa: Arc::new(OnceLock::new()),
            keywords,
            exact,
            rules: enables,
            prefixes,
            scanned: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Every keyword that starts in one of `regions` of `content` (and ends in it), as
    /// (start, keyword), in order of start. The DFA serves once the run has read enough to
    /// pay for building it.
    pub(super) fn find(&self, content: &[u8], regions: &[Range<usize>]) -> Vec<(usize, usize)> {
        let len: usize = regions.iter().map(|r| r.len()).sum();
        let seen = self.scanned.fetch_add(len as u64, Ordering::Relaxed);
        let dfa = match seen + len as u64 >= DFA_AFTER {
            true => self.dfa.get_or_init(|| self.build_dfa()).as_ref(),
            false => None,
        };
        let mut out = Vec::new();
        for region in regions {
            match dfa {
                Some(Dfa::Table(t)) => t.find(content, region.start, region.end, &mut out),
                Some(Dfa::Small(ac)) => self.leftmost(ac, content, region, &mut out),
                None => self.leftmost(&self.nfa, content, region, &mut out),
            }
        }
        // A case-sensitive keyword counts only as written.
        out.retain(|&(start, k)| {
            !self.exact[k] || content[start..].starts_with(self.keywords[k].as_bytes())
        });
        out.sort_unstable();
        out
    }

    fn build_dfa(&self) -> Option<Dfa> {
        if self.keywords.len() <= SMALL_SET {
            automaton(&self.keywords, AhoCorasickKind::DFA)
                .ok()
                .map(Dfa::Small)
        } else {
            Table::build(&self.keywords)
                .ok()
                .map(|t| Dfa::Table(Box::new(t)))
        }
    }

    /// Every start position that holds a keyword: the longest keyword there stands for the
    /// shorter ones it begins with, and the search resumes one byte further on, so keywords
    /// that overlap are all seen.
    fn leftmost(
        &self,
        ac: &AhoCorasick,
        content: &[u8],
        region: &Range<usize>,
        out: &mut Vec<(usize, usize)>,
    ) {
        let mut pos = region.start;
        while let Some(m) = ac.find(Input::new(content).span(pos..region.end)) {
            out.extend(
                self.prefixes[m.pattern().as_usize()]
                    .iter()
                    .map(|&k| (m.start(), k)),
            );
            pos = m.start() + 1;
        }
    }

    /// Whether this run has read enough to pay for building automata (see `DFA_AFTER`).
    pub(super) fn long_run(&self) -> bool {
        self.scanned.load(Ordering::Relaxed) >= DFA_AFTER
    }

    /// Makes the next search use the DFA, as a long run would (for tests).
    #[cfg(test)]
    pub(super) fn as_if_long(&self) {
        self.scanned.store(DFA_AFTER, Ordering::Relaxed);
    }
}

/// The keywords of whole-document rules, looked for in the unchanged part of an input. A
/// packed (SIMD) searcher over the spellings such keywords take in practice (as written,
/// lower, upper and title case) reads several gigabytes a second, ten times the speed of a
/// case-insensitive automaton; the automaton is the fallback when there are too many.
#[derive(Debug, Clone)]
pub(super) enum WholeKeywords {
    Packed(aho_corasick::packed::Searcher, Vec<usize>),
    Automaton(AhoCorasick, Vec<usize>),
}

impl WholeKeywords {
    pub(super) fn build(rules: &[Rule]) -> Result<Option<WholeKeywords>, Error> {
        let (keywords, enables): (Vec<&str>, Vec<usize>) = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.multiline && !r.generic)
            .flat_map(|(i, r)| r.keywords.iter().map(move |k| (k.as_str(), i)))
            .unzip();
        if keywords.is_empty() {
            return Ok(None);
        }
        let mut spellings: Vec<(String, usize)> = Vec::new();
        for (k, &rule) in keywords.iter().zip(&enables) {
            let title = k[..1].to_ascii_uppercase() + &k[1..];
            for s in [
                k.to_string(),
                k.to_ascii_lowercase(),
                k.to_ascii_uppercase(),
                title,
            ] {
                if !spellings.iter().any(|(x, _)| *x == s) {
                    spellings.push((s, rule));
                }
            }
        }
        let mut packed = aho_corasick::packed::Config::new().builder();
        packed.extend(spellings.iter().map(|(s, _)| s));
        if let Some(searcher) = packed.build() {
            return Ok(Some(WholeKeywords::Packed(
                searcher,
                spellings.into_iter().map(|(_, r)| r).collect(),
            )));
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&keywords)
            .map_err(|e| Error::Internal(format!("keyword prefilter: {e}")))?;
        Ok(Some(WholeKeywords::Automaton(ac, enables)))
    }

    /// Marks in `on` the rules whose keywords occur in `content`.
    pub(super) fn enable(&self, content: &[u8], on: &mut [bool]) {
        match self {
            WholeKeywords::Packed(s, rules) => {
                for m in s.find_iter(content) {
                    on[rules[m.pattern().as_usize()]] = true;
                }
            }
            WholeKeywords::Automaton(ac, rules) => {
                for m in ac.find_iter(content) {
                    on[rules[m.pattern().as_usize()]] = true;
                }
            }
        }
    }
}

fn automaton(keywords: &[String], kind: AhoCorasickKind) -> Result<AhoCorasick, Error> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(kind))
        .build(keywords)
        .map_err(|e| Error::Internal(format!("keyword prefilter: {e}")))
}
