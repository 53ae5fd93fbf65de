//! Findings: what a check reports, independent of the source that fed it and of the report
//! that prints it. A finding carries the matched value only so that it can be fingerprinted and,
//! when the user opts in with `--show-secrets`, printed; every output redacts it by default.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

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
}

impl Check {
    pub const ALL: [Check; 6] = [
        Check::Secret,
        Check::InternalUrl,
        Check::Spdx,
        Check::Dco,
        Check::Approval,
        Check::Artifact,
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
        }
    }

    /// `<check>/<rule>`, the code users see and allow-list.
    pub fn code(&self) -> String {
        format!("{}/{}", self.check, self.rule)
    }

    /// A one-way, line-independent identity: rule, matched value and path. Survives edits
    /// around the finding; reveals nothing about the value.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.code().as_bytes());
        h.update([0]);
        h.update(self.value.as_deref().unwrap_or(&self.message).as_bytes());
        h.update([0]);
        h.update(self.path.as_deref().unwrap_or("").as_bytes());
        let digest = h.finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The excerpt as printed: the line with the value redacted unless `show` is set.
    pub fn excerpt(&self, show: bool) -> String {
        let Some(text) = &self.line_text else {
            return String::new();
        };
        match (self.span, self.sensitivity, show) {
            (Some((s, e)), Sensitivity::Secret, false) if e <= text.len() && s <= e => {
                format!("{}{}{}", &text[..s], redact(&text[s..e]), &text[e..])
            }
            _ => text.clone(),
        }
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
    let keep = (chars.len() / 5).min(4);
    let prefix: String = chars[..keep].iter().collect();
    format!("{prefix}****…")
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
