//! Findings: what a check reports, independent of the source that fed it and of the report
//! that prints it. A finding carries the matched value only so that it can be fingerprinted and,
//! when the user opts in with `--show-secrets`, printed; every output redacts it by default.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;

/// At most this many characters of a secret value are ever shown.
pub const SHOWN_MAX: usize = 4;

/// A piece of another value at the edge of a cut excerpt shorter than this is left as it is:
/// it shows no more than `redact` would.
const EDGE_MIN: usize = SHOWN_MAX;

/// The checks git-outbound runs. A closed set: adding one makes the compiler list every place
/// that has to learn about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Secret,
    InternalUrl,
    Spdx,
    Dco,
    Approval,
    Artifact,
    IpOverlap,
}

impl Check {
    pub const ALL: [Check; 7] = [
        Check::Secret,
        Check::InternalUrl,
        Check::Spdx,
        Check::Dco,
        Check::Approval,
        Check::Artifact,
        Check::IpOverlap,
    ];

    /// The external name, as used on the command line, in policy and in output.
    pub fn name(self) -> &'static str {
        match self {
            Check::Secret => "secret",
            Check::InternalUrl => "internal-url",
            Check::Spdx => "spdx",
            Check::Dco => "dco",
            Check::Approval => "approval",
            Check::Artifact => "artifact",
            Check::IpOverlap => "ip-overlap",
        }
    }

    /// Whether the check reads the files of a change (DCO and approval read commits only).
    pub fn reads_files(self) -> bool {
        !matches!(self, Check::Dco | Check::Approval)
    }

    pub fn parse(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How much a finding matters. `Off` findings are never produced; the value exists so that a
/// policy can switch a check or rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Off,
    Warn,
    Block,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }
}

/// Whether the matched value may be shown in clear. Secrets and confidential terms are
/// redacted; an internal host name or a missing license header is not a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    Public,
    Secret,
}

/// One reported problem.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check: Check,
    pub rule: String,
    pub severity: Severity,
    /// Relative to the scanned root or repository root; `None` for commit-level findings.
    pub path: Option<String>,
    /// 1-based; `None` where the finding is about a whole file or commit.
    pub line: Option<usize>,
    /// 1-based column of the first character of the matched value.
    pub column: Option<usize>,
    /// Last line of a value that spans several lines (a private key block).
    pub end_line: Option<usize>,
    /// Full id of the commit that introduced the finding, if any.
    pub commit: Option<String>,
    pub message: String,
    /// The line the finding is on (trimmed to a reasonable width), if any.
    pub line_text: Option<String>,
    /// Byte range of the matched value inside `line_text`.
    pub span: Option<(usize, usize)>,
    /// The matched value, used for the fingerprint and for `--show-secrets`.
    pub value: Option<String>,
    pub sensitivity: Sensitivity,
    /// How to fix it, one or two sentences.
    pub help: String,
    /// Set by checks that could prove the value is real offline (checksums).
    pub validated: bool,
    /// The encodings undone to reach the value, outermost first (`base64`, `hex`...); empty
    /// when it stands in the file as written.
    pub decoded: Vec<&'static str>,
    /// Other secret values found on the same line: every excerpt of the line hides them too.
    pub hide: Vec<String>,
    /// The fingerprint under the run's key, set by `seal`.
    pub sealed: Option<String>,
}

impl Finding {
    /// A finding with no location yet; set the fields that apply.
    pub fn new(
        check: Check,
        rule: &str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            rule: rule.to_string(),
            severity,
            path: None,
            line: None,
            column: None,
            end_line: None,
            commit: None,
            message: message.into(),
            line_text: None,
            span: None,
            value: None,
            sensitivity: Sensitivity::Public,
            help: String::new(),
            validated: false,
            decoded: Vec::new(),
            hide: Vec::new(),
            sealed: None,
        }
    }

    /// `<check>/<rule>`, the code users see and allow-list.
    pub fn code(&self) -> String {
        format!("{}/{}", self.check, self.rule)
    }

    /// A one-way, line-independent identity of the finding (see `SECURITY.md`): the one
    /// `seal` set, else the one computed without a key.
    pub fn fingerprint(&self) -> String {
        self.sealed
            .clone()
            .unwrap_or_else(|| self.fingerprint_with(None))
    }

    /// Fixes the fingerprint under `key` (`secrets.fingerprint_key` or
    /// `$OUTBOUND_FINGERPRINT_KEY`), once every secret on the finding's line is known.
    pub fn seal(&mut self, key: Option<&[u8]>) {
        self.sealed = Some(self.fingerprint_with(key));
    }

    /// With a key: HMAC-SHA-256 of rule, value and path; nobody without the key can test a
    /// guess of the value against it. Without a key, a secret's fingerprint leaves the value
    /// out: rule, path and the line with every secret on it masked. A value that is not
    /// secret (an internal host name, a license) is hashed with its rule and path as before.
    pub fn fingerprint_with(&self, key: Option<&[u8]>) -> String {
        let value = self.value.as_deref().unwrap_or(&self.message);
        let path = self.path.as_deref().unwrap_or("");
        let code = self.code();
        let (label, middle): (&[u8], String) = match (key, self.sensitivity) {
            (Some(_), _) => (b"git-outbound keyed v2\0", value.to_string()),
            (None, Sensitivity::Secret) => (b"git-outbound masked v2\0", self.masked_line()),
            (None, Sensitivity::Public) => (b"", value.to_string()),
        };
        // The keyless form of a value that is not secret is the one of the first baselines.
        let (second, third) = match (key, self.sensitivity) {
            (None, Sensitivity::Secret) => (path, middle.as_str()),
            _ => (middle.as_str(), path),
        };
        let message = [
            label,
            code.as_bytes(),
            &[0],
            second.as_bytes(),
            &[0],
            third.as_bytes(),
        ];
        let digest: Vec<u8> = match key {
            Some(k) => {
                let mut mac =
                    Hmac::<Sha256>::new_from_slice(k).expect("HMAC takes a key of any length");
                message.iter().for_each(|m| mac.update(m));
                mac.finalize().into_bytes().to_vec()
            }
            None => {
                let mut h = Sha256::new();
                message.iter().for_each(|m| h.update(m));
                h.finalize().to_vec()
            }
        };
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The line with the finding's own value and every other secret on it replaced by a
    /// placeholder: what a keyless fingerprint of a secret is made of.
    fn masked_line(&self) -> String {
        let Some(text) = &self.line_text else {
            return String::new();
        };
        let mut out = String::new();
        let mut at = 0;
        for (s, e) in self.hidden_ranges(text, true) {
            out.push_str(&text[at..s]);
            out.push('\u{0}');
            at = e;
        }
        out.push_str(&text[at..]);
        out.trim().to_string()
    }

    /// Byte ranges of `text` to hide, sorted and merged: the finding's own value (when it is a
    /// secret, or `own` is set) and every other secret on the line, including what is left of
    /// one at either end of a cut excerpt.
    fn hidden_ranges(&self, text: &str, own: bool) -> Vec<(usize, usize)> {
        let mut ranges = Vec::new();
        if let Some((s, e)) = self.span {
            let secret = own || self.sensitivity == Sensitivity::Secret;
            if secret
                && s < e
                && e <= text.len()
                && text.is_char_boundary(s)
                && text.is_char_boundary(e)
            {
                ranges.push((s, e));
            }
        }
        for value in &self.hide {
            ranges.extend(occurrences(text, value));
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// The excerpt as printed: the line with every secret on it redacted unless `show` is set.
    pub fn excerpt(&self, show: bool) -> String {
        let Some(text) = &self.line_text else {
            return String::new();
        };
        if show {
            return text.clone();
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e) in self.hidden_ranges(text, false) {
            out.push_str(&text[at..s]);
            out.push_str(&redact(&text[s..e]));
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }

    /// The matched value as printed.
    pub fn shown_value(&self, show: bool) -> Option<String> {
        let v = self.value.as_ref()?;
        Some(match (self.sensitivity, show) {
            (Sensitivity::Secret, false) => redact(v),
            _ => v.clone(),
        })
    }
}

/// Keeps a short prefix (enough to recognise the kind of token) and hides the rest.
pub fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = (chars.len() / 5).min(SHOWN_MAX);
    let prefix: String = chars[..keep].iter().collect();
    format!("{prefix}****…")
}

/// Where `value` (each of its lines of at least `EDGE_MIN` bytes) shows in `text`: whole, or
/// cut at the start or end of an excerpt (`…` marks a cut).
fn occurrences(text: &str, value: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let body_start = if text.starts_with('…') {
        '…'.len_utf8()
    } else {
        0
    };
    let body_end = text
        .strip_suffix('…')
        .map_or(text.len(), str::len)
        .max(body_start);
    for piece in value.lines().map(str::trim).filter(|p| p.len() >= EDGE_MIN) {
        found.extend(text.match_indices(piece).map(|(i, m)| (i, i + m.len())));
        let body = &text[body_start..body_end];
        // The end of the value at the start of the excerpt, its start at the end.
        if let Some(k) = (EDGE_MIN..piece.len().min(body.len() + 1))
            .rev()
            .find(|&k| {
                piece.is_char_boundary(piece.len() - k)
                    && body.starts_with(&piece[piece.len() - k..])
            })
        {
            found.push((body_start, body_start + k));
        }
        if let Some(k) = (EDGE_MIN..piece.len().min(body.len() + 1))
            .rev()
            .find(|&k| piece.is_char_boundary(k) && body.ends_with(&piece[..k]))
        {
            found.push((body_end - k, body_end));
        }
    }
    found
}

/// Tells each finding the other secret values found on its line (same path, commit and line),
/// so that no excerpt of the line prints one of them.
pub fn share_hidden(findings: &mut [&mut Finding]) {
    type Line = (Option<String>, Option<String>, Option<usize>);
    let key = |f: &Finding| -> Line { (f.path.clone(), f.commit.clone(), f.line) };
    let mut secrets: HashMap<Line, Vec<String>> = HashMap::new();
    for f in findings.iter() {
        if let (Sensitivity::Secret, Some(v), Some(_)) = (f.sensitivity, &f.value, f.line) {
            let values = secrets.entry(key(f)).or_default();
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
    }
    for f in findings.iter_mut() {
        if let Some(values) = secrets.get(&key(f)) {
            f.hide = values
                .iter()
                .filter(|v| Some(*v) != f.value.as_ref())
                .cloned()
                .collect();
        }
    }
}

/// Orders findings for stable output: path, line, column, rule.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.commit, &a.rule)
            .cmp(&(&b.path, b.line, b.column, &b.commit, &b.rule))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_all_but_a_short_prefix() {
        assert_eq!(
            redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_****…"
        );
        assert_eq!(redact("abc"), "****…");
    }

    #[test]
    fn fingerprint_ignores_line_but_not_path() {
        let mut a = Finding::new(Check::Secret, "github-pat", Severity::Block, "m");
        a.value = Some("v".into());
        a.path = Some("a.txt".into());
        let mut b = a.clone();
        b.line = Some(40);
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.path = Some("b.txt".into());
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn check_names_round_trip() {
        for c in Check::ALL {
            assert_eq!(Check::parse(c.name()), Some(c));
        }
    }
}
