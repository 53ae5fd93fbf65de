//! The keyword prefilter: one aho-corasick pass over an input (or over its new lines) decides
//! which rules run, and where. A cheap NFA serves small runs, a DFA is built once a run has
//! read enough to pay for it; whole-document keywords have their own packed searcher.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::Rule;
use crate::error::Error;

/// One keyword automaton and, for each of its patterns, the rules it enables.
#[derive(Debug, Clone)]
pub(super) struct Keywords {
    /// Cheap to build: what a hook that reads a few kilobytes uses.
    pub(super) nfa: AhoCorasick,
    /// One lookup per byte, but a few milliseconds to build: made once a run has read
    /// `DFA_AFTER` bytes.
    pub(super) dfa: Arc<OnceLock<Option<AhoCorasick>>>,
    pub(super) keywords: Vec<String>,
    pub(super) exact: bool,
    pub(super) rules: Vec<Vec<usize>>,
    /// For each keyword, the keywords that are prefixes of it (itself included): a
    /// leftmost-longest match stands for all of them.
    pub(super) prefixes: Vec<Vec<usize>>,
    pub(super) scanned: Arc<AtomicU64>,
}

/// Bytes a run reads before the keyword DFA pays for its construction.
const DFA_AFTER: u64 = 4 << 20;

impl Keywords {
    /// The keywords of the rules whose `case_sensitive` equals `exact`.
    pub(super) fn build(rules: &[Rule], exact: bool) -> Result<Keywords, Error> {
        let mut keywords: Vec<String> = Vec::new();
        let mut enables: Vec<Vec<usize>> = Vec::new();
        for (i, r) in rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.case_sensitive == exact)
        {
            for k in &r.keywords {
                match keywords.iter().position(|x| x == k) {
                    Some(p) => enables[p].push(i),
                    None => {
                        keywords.push(k.clone());
                        enables.push(vec![i]);
                    }
                }
            }
        }
        let nfa = automaton(&keywords, exact, AhoCorasickKind::ContiguousNFA)?;
        let prefixes = keywords
            .iter()
            .map(|k| {
                let k = k.as_bytes();
                keywords
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| {
                        q.len() <= k.len() && k[..q.len()].eq_ignore_ascii_case(q.as_bytes())
                    })
                    .map(|(j, _)| j)
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

    /// The automaton for `len` bytes: the DFA once the run has read enough to pay for it.
    pub(super) fn automaton(&self, len: usize) -> &AhoCorasick {
        let seen = self.scanned.fetch_add(len as u64, Ordering::Relaxed);
        if seen + len as u64 >= DFA_AFTER {
            let dfa = self
                .dfa
                .get_or_init(|| automaton(&self.keywords, self.exact, AhoCorasickKind::DFA).ok());
            if let Some(dfa) = dfa {
                return dfa;
            }
        }
        &self.nfa
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

fn automaton(
    keywords: &[String],
    exact: bool,
    kind: AhoCorasickKind,
) -> Result<AhoCorasick, Error> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(!exact)
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(kind))
        .build(keywords)
        .map_err(|e| Error::Internal(format!("keyword prefilter: {e}")))
}
