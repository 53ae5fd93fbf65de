//! Confidential terms: code names and customer names from `org.confidential_terms_file`, one
//! per line. A line `sha256:<hex>` holds the SHA-256 of the lower-cased term instead, so that
//! the list itself reveals nothing; such terms are found by hashing the words (and runs of up
//! to `MAX_WORDS` words) of the content. Plain terms are matched case-insensitively as whole
//! words with one aho-corasick automaton, however many there are.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// Hashed terms may span this many words.
const MAX_WORDS: usize = 3;

/// The loaded term list.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    plain: Option<AhoCorasick>,
    hashed: HashSet<[u8; 32]>,
    pub count: usize,
}

/// A term found in some content: byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermMatch {
    pub start: usize,
    pub end: usize,
}

impl Terms {
    pub fn parse(origin: &str, text: &str) -> Result<Terms, Error> {
        let mut plain = Vec::new();
        let mut hashed = HashSet::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if let Some(hex) = t.strip_prefix("sha256:") {
                let digest = parse_hex32(hex).ok_or_else(|| Error::Config {
                    file: origin.to_string(),
                    line: Some(i + 1),
                    key: String::new(),
                    message: "expected 'sha256:' followed by 64 hex digits".into(),
                })?;
                hashed.insert(digest);
            } else {
                plain.push(t.to_string());
            }
        }
        let count = plain.len() + hashed.len();
        let plain = if plain.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&plain)
                    .map_err(|e| Error::Internal(format!("confidential terms: {e}")))?,
            )
        };
        Ok(Terms {
            plain,
            hashed,
            count,
        })
    }

    /// Every whole-word occurrence of a term in `content`.
    pub fn find(&self, content: &[u8]) -> Vec<TermMatch> {
        self.find_in(content, 0..content.len())
    }

    /// Every whole-word occurrence of a term within `region` of `content` (`region` starts
    /// and ends at line boundaries).
    pub fn find_in(&self, content: &[u8], region: std::ops::Range<usize>) -> Vec<TermMatch> {
        let mut out = Vec::new();
        if let Some(ac) = &self.plain {
            for m in ac.find_iter(aho_corasick::Input::new(content).span(region.clone())) {
                if whole_word(content, m.start(), m.end()) {
                    out.push(TermMatch {
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
        if !self.hashed.is_empty() {
            self.find_hashed(content, region, &mut out);
        }
        out.sort_by_key(|m| (m.start, m.end));
        out.dedup();
        out
    }

    fn find_hashed(
        &self,
        content: &[u8],
        region: std::ops::Range<usize>,
        out: &mut Vec<TermMatch>,
    ) {
        let at = region.start;
        let words: Vec<(usize, usize)> = word_spans(&content[region])
            .into_iter()
            .map(|(s, e)| (s + at, e + at))
            .collect();
        for i in 0..words.len() {
            for n in 1..=MAX_WORDS.min(words.len() - i) {
                let (start, end) = (words[i].0, words[i + n - 1].1);
                // Words of one term are separated by single spaces.
                if n > 1 && content[words[i + n - 2].1..words[i + n - 1].0] != *b" " {
                    break;
                }
                let digest: [u8; 32] =
                    Sha256::digest(content[start..end].to_ascii_lowercase()).into();
                if self.hashed.contains(&digest) {
                    out.push(TermMatch { start, end });
                }
            }
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn whole_word(content: &[u8], start: usize, end: usize) -> bool {
    let before = start == 0 || !is_word_byte(content[start - 1]);
    let after = end == content.len() || !is_word_byte(content[end]);
    before && after
}

fn word_spans(content: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, &b) in content.iter().enumerate() {
        match (is_word_byte(b) || b == b'-', start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, content.len()));
    }
    spans
}

fn parse_hex32(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(term: &str) -> String {
        Sha256::digest(term.to_lowercase().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn plain_terms_match_whole_words_in_any_case() {
        let t = Terms::parse("t", "Bluefin\n# comment\nProject Nimbus\n").unwrap();
        let text = b"we ship BLUEFIN soon; bluefinch is a bird; project nimbus next";
        let found: Vec<_> = t
            .find(text)
            .iter()
            .map(|m| &text[m.start..m.end])
            .map(|s| String::from_utf8_lossy(s).to_string())
            .collect();
        assert_eq!(found, vec!["BLUEFIN", "project nimbus"]);
    }

    #[test]
    fn hashed_terms_match_without_revealing_the_list() {
        let list = format!(
            "sha256:{}\nsha256:{}\n",
            hex("bluefin"),
            hex("project nimbus")
        );
        let t = Terms::parse("t", &list).unwrap();
        let text = b"the Bluefin rollout and Project Nimbus; bluefinch";
        assert_eq!(t.find(text).len(), 2);
    }

    #[test]
    fn a_bad_hash_line_names_the_line() {
        let err = Terms::parse("terms.txt", "ok\nsha256:abc\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
