//! Rule packs: TOML files under `patterns/`, embedded at build time and extendable by policy.
//!
//! A rule names a credential format: keywords (literal, case-insensitive) decide with one
//! aho-corasick pass over the input which rule regexes run at all; the regex runs over the
//! whole input (never line by line) and captures the secret; entropy, checksum and
//! placeholder filters then drop what is not a credential. Each rule carries its own examples
//! and negative examples, run by the test suite and by `git outbound rules --check`.

pub mod checksum;
mod filter;
mod keywords;
mod table;

use keywords::{Keywords, WholeKeywords};

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use crate::error::{Error, line_of};
use crate::finding::Severity;

/// The built-in packs, in a fixed order.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    (
        "patterns/cloud.toml",
        include_str!("../../patterns/cloud.toml"),
    ),
    (
        "patterns/code-hosting.toml",
        include_str!("../../patterns/code-hosting.toml"),
    ),
    (
        "patterns/registries.toml",
        include_str!("../../patterns/registries.toml"),
    ),
    ("patterns/ai.toml", include_str!("../../patterns/ai.toml")),
    (
        "patterns/payments.toml",
        include_str!("../../patterns/payments.toml"),
    ),
    (
        "patterns/messaging.toml",
        include_str!("../../patterns/messaging.toml"),
    ),
    (
        "patterns/saas.toml",
        include_str!("../../patterns/saas.toml"),
    ),
    (
        "patterns/keys.toml",
        include_str!("../../patterns/keys.toml"),
    ),
    (
        "patterns/databases.toml",
        include_str!("../../patterns/databases.toml"),
    ),
    (
        "patterns/password-hashes.toml",
        include_str!("../../patterns/password-hashes.toml"),
    ),
    (
        "patterns/generic.toml",
        include_str!("../../patterns/generic.toml"),
    ),
];

/// A rule pack as written in TOML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    #[serde(default)]
    pub rule: Vec<RuleFile>,
}

/// One rule as written in TOML; see README.md "Rule packs" for each key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: toml::Spanned<String>,
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub regex: toml::Spanned<String>,
    /// Match the keywords case-sensitively (for short prefixes such as `SKa` whose
    /// lower-case form is in many words): a match of the one keyword automaton counts for
    /// this rule only where the input holds the keyword as written.
    #[serde(default)]
    pub case_sensitive: bool,
    /// The secret may span lines (PEM blocks, JSON documents): the regex runs over the whole
    /// input. Other rules run only over the lines that hold one of their keywords.
    #[serde(default)]
    pub multiline: bool,
    /// Minimum Shannon entropy (bits per character) of the captured secret.
    pub entropy: Option<f64>,
    /// Name of an offline checksum validator in `checksum.rs`.
    pub checksum: Option<toml::Spanned<String>>,
    /// Generic rules (assignments of `password`, `token`…) get the stricter false-positive
    /// filters: identifiers, paths, hashes, UUIDs, minified lines.
    #[serde(default)]
    pub generic: bool,
    /// Placeholder filter (`${X}`, `<token>`, `xxxx`, `changeme`…); on unless set to false.
    pub placeholder: Option<bool>,
    /// The secret stands where a password must stand (a URL's userinfo, `.netrc`, `curl -u`):
    /// the position is the evidence, so no entropy floor applies, but stand-in passwords
    /// (`password`, `guest`, the user name again, an optional `user` group) are dropped.
    #[serde(default)]
    pub password_slot: bool,
    /// The regex names the service in a group `service` (or `flag_service`) written as any
    /// word: a match counts only where that word is one of the rule's keywords, in any case.
    /// A rule of hundreds of service names keeps a regex that builds in a fraction of a
    /// millisecond, where an alternation of the names took milliseconds of every hook.
    #[serde(default)]
    pub service_named: bool,
    /// Words that may follow the service's name inside the same word (`mailgunApi` in
    /// `mailgunApiKey`), at most two: the regex's word takes them when no `_.-` separates.
    #[serde(default)]
    pub service_suffixes: Vec<String>,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub case_sensitive: bool,
    pub multiline: bool,
    /// The regex as written; compiled on first use, so that a small scan pays only for the
    /// rules whose keywords occur (built-in patterns are checked by the test suite; policy
    /// rules when the policy is read).
    pub pattern: String,
    compiled: OnceLock<Option<(Regex, usize)>>,
    pub entropy: Option<f64>,
    pub checksum: Option<checksum::Kind>,
    pub generic: bool,
    pub placeholder: bool,
    pub password_slot: bool,
    pub service_named: bool,
    pub service_suffixes: Vec<String>,
    pub severity: Option<Severity>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
    /// Where the rule was defined (pack or policy file).
    pub origin: String,
}

/// A credential found in some content: byte offsets of the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    pub validated: bool,
}

/// The rules in force, with their keyword prefilter.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// The keywords of all rules (those of `case_sensitive` rules count only as written).
    keywords: Keywords,
    /// Keywords of the rules that run over the whole input (a PEM block, a JSON document),
    /// looked for outside the regions searched when only part of an input is new.
    whole: Option<WholeKeywords>,
    /// Rules without keywords run on every input.
    always: Vec<usize>,
    /// Generic rules that share their keywords, each run tested by one regex set.
    batches: Vec<Batch>,
}

/// Generic rules with the same keywords and the same reach (one line, or a few more): they
/// run over the same windows, and one pass of a regex set over a window tells which of them
/// match there at all, where each rule's regex would read it once.
#[derive(Debug, Clone)]
struct Batch {
    rules: Vec<usize>,
    set: OnceLock<Option<RegexSet>>,
}

impl Batch {
    /// The batches among `rules`: groups of two or more.
    fn group(rules: &[Rule]) -> Vec<Batch> {
        let mut batches: Vec<(&[String], bool, Vec<usize>)> = Vec::new();
        for (i, r) in rules.iter().enumerate().filter(|(_, r)| r.generic) {
            let key = (r.keywords.as_slice(), r.multiline);
            match batches.iter_mut().find(|b| (b.0, b.1) == key) {
                Some(b) => b.2.push(i),
                None => batches.push((key.0, key.1, vec![i])),
            }
        }
        batches
            .into_iter()
            .filter(|b| b.2.len() > 1)
            .map(|b| Batch {
                rules: b.2,
                set: OnceLock::new(),
            })
            .collect()
    }

    /// The set of the rules' regexes, built on first use; `None` if it does not build (each
    /// rule then runs alone).
    fn set(&self, rules: &[Rule]) -> Option<&RegexSet> {
        self.set
            .get_or_init(|| {
                RegexSetBuilder::new(self.rules.iter().map(|&i| &rules[i].pattern))
                    .unicode(false)
                    .size_limit(32 << 20)
                    .dfa_size_limit(8 << 20)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// Parses one pack; errors name the file, the line and the key.
pub fn parse_pack(origin: &str, text: &str) -> Result<Vec<Rule>, Error> {
    let pack: PackFile = toml::from_str(text).map_err(|e| Error::toml(origin, text, &e))?;
    pack.rule
        .into_iter()
        .map(|r| compile(origin, text, r))
        .collect()
}

/// Compiles one rule written in a pack or a policy file.
pub fn compile(origin: &str, text: &str, raw: RuleFile) -> Result<Rule, Error> {
    let at = |span: std::ops::Range<usize>, key: &str, message: String| Error::Config {
        file: origin.to_string(),
        line: Some(line_of(text, span.start)),
        key: key.to_string(),
        message,
    };
    let id = raw.id.get_ref().clone();
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(at(
            raw.id.span(),
            "id",
            format!("rule id '{id}' must be kebab-case"),
        ));
    }
    let checksum = match &raw.checksum {
        None => None,
        Some(name) => Some(checksum::Kind::parse(name.get_ref()).ok_or_else(|| {
            at(
                name.span(),
                "checksum",
                format!(
                    "rule '{id}': unknown checksum '{}' (known: {})",
                    name.get_ref(),
                    checksum::Kind::NAMES.join(", ")
                ),
            )
        })?),
    };
    Ok(Rule {
        id,
        description: raw.description,
        keywords: if raw.case_sensitive {
            raw.keywords.clone()
        } else {
            raw.keywords
                .iter()
                .map(|k| k.to_ascii_lowercase())
                .collect()
        },
        case_sensitive: raw.case_sensitive,
        multiline: raw.multiline,
        pattern: raw.regex.get_ref().clone(),
        compiled: OnceLock::new(),
        entropy: raw.entropy,
        checksum,
        generic: raw.generic,
        placeholder: raw.placeholder.unwrap_or(true),
        password_slot: raw.password_slot,
        service_named: raw.service_named,
        service_suffixes: raw
            .service_suffixes
            .iter()
            .map(|w| w.to_ascii_lowercase())
            .collect(),
        severity: raw.severity,
        examples: raw.examples,
        negative_examples: raw.negative_examples,
        origin: origin.to_string(),
    })
}

/// Compiles a rule now, so that a mistake names the file, the line and the key.
pub fn compile_checked(origin: &str, text: &str, raw: RuleFile) -> Result<Rule, Error> {
    let span = raw.regex.span();
    let rule = compile(origin, text, raw)?;
    let at = |message: String| Error::Config {
        file: origin.to_string(),
        line: Some(line_of(text, span.start)),
        key: "regex".into(),
        message: format!("rule '{}': {message}", rule.id),
    };
    let (regex, _) = build_regex(&rule.pattern).map_err(|e| at(e.to_string()))?;
    // A rule that names its service in a group the regex lacks would never report.
    let named = |n: &str| regex.capture_names().any(|c| c == Some(n));
    if rule.service_named && !named("service") && !named("flag_service") {
        return Err(at(
            "service_named = true needs a group (?P<service>…) in the regex".into(),
        ));
    }
    Ok(rule)
}

fn build_regex(pattern: &str) -> Result<(Regex, usize), regex::Error> {
    // The generic rules' lazy DFAs outgrow the default 2 MB cache on real code, which then
    // clears and rebuilds states over and over (a fifth of a directory scan's time); a cache
    // grows only as far as a rule needs.
    let regex = RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(32 << 20)
        .dfa_size_limit(8 << 20)
        .build()?;
    let group = if let Some(i) = regex.capture_names().position(|n| n == Some("secret")) {
        i
    } else if regex.captures_len() > 1 {
        1
    } else {
        0
    };
    Ok((regex, group))
}

impl Rule {
    /// Whether the word the regex took for the service (see `service_named`) is one of the
    /// rule's keywords, alone or followed by at most two of its `service_suffixes`.
    fn names_service(&self, caps: &regex::bytes::Captures) -> bool {
        let Some(word) = caps.name("service").or_else(|| caps.name("flag_service")) else {
            return false;
        };
        let word = word.as_bytes().to_ascii_lowercase();
        let suffix = |rest: &[u8]| -> Option<usize> {
            self.service_suffixes
                .iter()
                .filter(|s| rest.starts_with(s.as_bytes()))
                .map(String::len)
                .max()
        };
        self.keywords.iter().any(|k| {
            let Some(mut rest) = word.strip_prefix(k.as_bytes()) else {
                return false;
            };
            for _ in 0..2 {
                match suffix(rest) {
                    Some(n) if !rest.is_empty() => rest = &rest[n..],
                    _ => break,
                }
            }
            rest.is_empty()
        })
    }

    /// The compiled regex and the index of the secret's group; `None` when the pattern does
    /// not compile (impossible for rules that passed `compile_checked` or the test suite).
    pub fn regex(&self) -> Option<&(Regex, usize)> {
        self.compiled
            .get_or_init(|| build_regex(&self.pattern).ok())
            .as_ref()
    }
}

/// Lines after a keyword that a generic multi-line rule looks at.
pub const GENERIC_EXTRA_LINES: usize = 4;

/// The lines holding `hits` (sorted offsets), each with `extra` following lines, merged:
/// `(start, end)` byte ranges.
fn line_windows(content: &[u8], hits: &[usize], extra: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &h in hits {
        if out.last().is_some_and(|&(_, e)| h < e) {
            continue;
        }
        let start = memchr::memrchr(b'\n', &content[..h]).map_or(0, |i| i + 1);
        let mut end = memchr::memchr(b'\n', &content[h..]).map_or(content.len(), |i| h + i);
        for _ in 0..extra {
            if end >= content.len() {
                break;
            }
            end = memchr::memchr(b'\n', &content[end + 1..]).map_or(content.len(), |i| end + 1 + i);
        }
        match out.last_mut() {
            Some(last) if start <= last.1 + 1 => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

/// The one region that is all of an input of `len` bytes.
pub fn whole(len: usize) -> [Range<usize>; 1] {
    [Range { start: 0, end: len }]
}

/// A rule whose own examples disagree with what the rule set finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExampleFailure {
    /// An example its rule does not find (alone, or among all rules).
    Missed { rule: String, example: String },
    /// A negative example that some rule finds.
    Matched {
        rule: String,
        example: String,
        by: String,
    },
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExampleFailure::Missed { rule, example } => {
                write!(f, "{rule}: example not found: {example}")
            }
            ExampleFailure::Matched { rule, example, by } => {
                write!(f, "{rule}: negative example matched by {by}: {example}")
            }
        }
    }
}

impl RuleSet {
    /// Runs every rule's examples and negative examples (what `rules --check` and the tests
    /// run): each example must be found by its rule, alone and among all rules; no negative
    /// example may be found by any rule.
    pub fn example_failures(&self) -> Vec<ExampleFailure> {
        let mut out = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            for ex in &rule.examples {
                if self.find_by(i, ex.as_bytes()).is_empty() || self.find(ex.as_bytes()).is_empty()
                {
                    out.push(ExampleFailure::Missed {
                        rule: rule.id.clone(),
                        example: ex.clone(),
                    });
                }
            }
            for ex in &rule.negative_examples {
                out.extend(
                    self.find(ex.as_bytes())
                        .into_iter()
                        .map(|m| ExampleFailure::Matched {
                            rule: rule.id.clone(),
                            example: ex.clone(),
                            by: self.rules[m.rule].id.clone(),
                        }),
                );
            }
        }
        out
    }

    /// The built-in packs.
    pub fn builtin() -> Result<Vec<Rule>, Error> {
        let mut rules = Vec::new();
        for (origin, text) in BUILTIN_PACKS {
            rules.extend(parse_pack(origin, text)?);
        }
        Ok(rules)
    }

    /// Builds the prefilter over `rules`; duplicate ids are an error.
    pub fn new(rules: Vec<Rule>) -> Result<RuleSet, Error> {
        let mut seen = HashSet::new();
        for r in &rules {
            if !seen.insert(r.id.as_str()) {
                return Err(Error::Config {
                    file: r.origin.clone(),
                    line: None,
                    key: "id".into(),
                    message: format!("rule id '{}' is defined twice", r.id),
                });
            }
        }
        let always = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.keywords.is_empty())
            .map(|(i, _)| i)
            .collect();
        let keywords = Keywords::build(&rules)?;
        let batches = Batch::group(&rules);
        let whole = WholeKeywords::build(&rules)?;
        Ok(RuleSet {
            rules,
            keywords,
            whole,
            always,
            batches,
        })
    }

    /// The rules whose keywords occur in `content` (one pass), plus those without keywords;
    /// for generic rules also where their keywords occur.
    fn triggered(
        &self,
        content: &[u8],
        regions: &[Range<usize>],
        outside: bool,
    ) -> (Vec<bool>, Vec<Vec<usize>>) {
        let mut on = vec![false; self.rules.len()];
        let mut hits: Vec<Vec<usize>> = vec![Vec::new(); self.rules.len()];
        for &i in &self.always {
            on[i] = true;
        }
        let kw = &self.keywords;
        for (start, k) in kw.find(content, regions) {
            for &i in &kw.rules[k] {
                on[i] = true;
                if !self.rules[i].multiline || self.rules[i].generic {
                    hits[i].push(start);
                }
            }
        }
        // A rule that reads a whole document runs when its keyword is anywhere: the new
        // lines may be the middle of a private key whose header did not change.
        if let Some(whole) = self
            .whole
            .as_ref()
            .filter(|_| outside && regions != whole(content.len()))
        {
            let mut from = 0;
            for r in regions {
                whole.enable(&content[from..r.start], &mut on);
                from = r.end;
            }
            whole.enable(&content[from..], &mut on);
        }
        (on, hits)
    }

    /// The rules whose keywords occur in `content`, plus those without keywords.
    pub fn candidates(&self, content: &[u8]) -> Vec<usize> {
        let (on, _) = self.triggered(content, &whole(content.len()), true);
        on.iter()
            .enumerate()
            .filter(|(_, o)| **o)
            .map(|(i, _)| i)
            .collect()
    }

    /// Every credential in `content`, in order of position. A rule runs only over the lines
    /// that hold one of its keywords (a token carries its prefix, an assignment names its
    /// secret on the same line); `multiline` rules and rules without keywords run over the
    /// whole input.
    pub fn find(&self, content: &[u8]) -> Vec<Match> {
        self.find_in(content, &whole(content.len()), true).0
    }

    /// Like `find`, for an input of which only `regions` (sorted, disjoint, whole lines) are
    /// new: keywords are looked for there (the rules still read the lines around them),
    /// except those of whole-document rules, also looked for outside the regions unless
    /// `outside` is false (the version before held none, so its unchanged lines hold none).
    /// Also says whether a whole-document rule's keyword occurs, for the next version.
    pub fn find_in(
        &self,
        content: &[u8],
        regions: &[Range<usize>],
        outside: bool,
    ) -> (Vec<Match>, bool) {
        let mut out = Vec::new();
        let (on, hits) = self.triggered(content, regions, outside);
        let whole_keywords = self
            .rules
            .iter()
            .zip(&on)
            .any(|(r, on)| *on && r.multiline && !r.generic);
        let mut batched = vec![false; self.rules.len()];
        // Building a regex set costs about a millisecond: a hook's few files do without.
        if self.keywords.long_run() {
            for b in &self.batches {
                self.find_batch(b, content, &on, &hits, &mut batched, &mut out);
            }
        }
        for (i, hits) in hits
            .iter()
            .enumerate()
            .filter(|(i, _)| on[*i] && !batched[*i])
        {
            self.find_in_windows(i, content, hits, &mut out);
        }
        // Outermost matches only: a private key inside a service-account JSON is one secret.
        out.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end), m.rule));
        let mut kept: Vec<Match> = Vec::with_capacity(out.len());
        for m in out {
            if !kept
                .last()
                .is_some_and(|k| m.start >= k.start && m.end <= k.end)
            {
                kept.push(m);
            }
        }
        (kept, whole_keywords)
    }

    /// What one rule alone finds, exactly as `find` runs it (for its examples: another rule
    /// may report an enclosing match instead); nothing when its keywords are absent.
    pub fn find_by(&self, rule: usize, content: &[u8]) -> Vec<Match> {
        let (on, hits) = self.triggered(content, &whole(content.len()), true);
        let mut out = Vec::new();
        if on[rule] {
            self.find_in_windows(rule, content, &hits[rule], &mut out);
        }
        out
    }

    fn find_in_windows(&self, i: usize, content: &[u8], hits: &[usize], out: &mut Vec<Match>) {
        if hits.is_empty() {
            self.find_rule(i, content, out);
            return;
        }
        // A generic multi-line rule (a YAML `name:` then `value:`, a Terraform variable block)
        // finds its value within a few lines of the keyword.
        let extra = if self.rules[i].multiline {
            GENERIC_EXTRA_LINES
        } else {
            0
        };
        for (start, end) in line_windows(content, hits, extra) {
            self.find_rule_in(i, content, start, end, out);
        }
    }

    /// Runs the rules of batch `b` that are on, as `find_in_windows` runs each, and marks
    /// them in `batched`.
    fn find_batch(
        &self,
        b: &Batch,
        content: &[u8],
        on: &[bool],
        hits: &[Vec<usize>],
        batched: &mut [bool],
        out: &mut Vec<Match>,
    ) {
        // The same keywords: the same hits for every rule of the batch.
        let first = b.rules[0];
        if !b.rules.iter().any(|&i| on[i]) || hits[first].is_empty() {
            return;
        }
        let Some(set) = b.set(&self.rules) else {
            return;
        };
        let extra = if self.rules[first].multiline {
            GENERIC_EXTRA_LINES
        } else {
            0
        };
        for (start, end) in line_windows(content, &hits[first], extra) {
            for k in set.matches(&content[start..end]).iter() {
                if on[b.rules[k]] {
                    self.find_rule_in(b.rules[k], content, start, end, out);
                }
            }
        }
        for &i in &b.rules {
            batched[i] = true;
        }
    }

    fn find_rule(&self, i: usize, content: &[u8], out: &mut Vec<Match>) {
        self.find_rule_in(i, content, 0, content.len(), out);
    }

    /// Runs rule `i` over `content[from..to]`; offsets stay relative to `content`.
    fn find_rule_in(&self, i: usize, content: &[u8], from: usize, to: usize, out: &mut Vec<Match>) {
        let rule = &self.rules[i];
        let Some((regex, group)) = rule.regex() else {
            return;
        };
        for caps in regex.captures_iter(&content[from..to]) {
            let Some(m) = caps.get(*group).or_else(|| caps.get(0)) else {
                continue;
            };
            if rule.service_named && !rule.names_service(&caps) {
                continue;
            }
            let (start, end) = (from + m.start(), from + m.end());
            let user = caps.name("user").map(|u| u.as_bytes());
            if let Some(validated) = filter::accept(rule, content, start, end, user) {
                out.push(Match {
                    rule: i,
                    start,
                    end,
                    validated,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
