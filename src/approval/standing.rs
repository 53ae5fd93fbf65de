//! Standing approvals from the org policy (`[[approval.standing]]`): a remote glob, an optional
//! line limit, an expiry and a reason. One that matches the destination, has not expired and
//! whose limit the push stays within approves the push; expired or malformed entries for the
//! destination do not count and are reported as warnings.

use super::statement::is_date;
use super::{Push, Standing};
use crate::finding::{Check, Finding, Severity};

/// What the standing approvals say about one push.
#[derive(Debug, Default)]
pub struct Lookup<'a> {
    /// The entry that approves the push, if any.
    pub covering: Option<&'a Standing>,
    /// Expired or malformed entries for this destination.
    pub warnings: Vec<Finding>,
    /// Why matching entries did not cover it (line limits), for the refusal's help.
    pub notes: Vec<String>,
}

/// Looks for a standing approval of `push` (`lines` outbound lines) on `push.today`.
pub fn lookup<'a>(push: &Push, lines: u64, standing: &'a [Standing]) -> Lookup<'a> {
    let mut out = Lookup::default();
    for entry in standing {
        match remote_matches(&entry.remote, push.destination) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => {
                out.warnings
                    .push(warning("approval-standing-invalid", entry, e));
                continue;
            }
        }
        if !is_date(&entry.expires) {
            let why = format!("expiry '{}' is not a YYYY-MM-DD date", entry.expires);
            out.warnings
                .push(warning("approval-standing-invalid", entry, why));
        } else if entry.expires < push.today {
            let why = format!("expired on {}", entry.expires);
            out.warnings
                .push(warning("approval-standing-expired", entry, why));
        } else if let Some(max) = entry.max_lines.filter(|max| lines > *max) {
            out.notes.push(format!(
                "the standing approval for {} ({}) covers up to {max} lines; this push has {lines}",
                entry.remote, entry.reason
            ));
        } else if out.covering.is_none() {
            out.covering = Some(entry);
        }
    }
    out
}

/// Matches a remote glob against a normalised `host/path`; a glob without `/` matches the
/// host alone, as `remotes.internal` does.
pub fn remote_matches(pattern: &str, destination: &str) -> Result<bool, String> {
    crate::git::RemotePattern::new(pattern)
        .map(|p| p.matches(destination))
        .map_err(|e| format!("bad remote glob '{pattern}': {e}"))
}

fn warning(rule: &str, entry: &Standing, why: String) -> Finding {
    let message = format!(
        "standing approval for {} ({}) does not count: {why}",
        entry.remote, entry.reason
    );
    let mut finding = Finding::new(Check::Approval, rule, Severity::Warn, message);
    finding.help = "renew or correct the [[approval.standing]] entry in the org policy".to_string();
    finding
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(remote: &str, max_lines: Option<u64>, expires: &str, reason: &str) -> Standing {
        Standing {
            remote: remote.into(),
            max_lines,
            expires: expires.into(),
            reason: reason.into(),
        }
    }

    fn push(destination: &str) -> Push<'_> {
        Push {
            destination,
            remote_has_refs: true,
            base: None,
            tip: "a".repeat(40),
            commits: Vec::new(),
            today: "2025-06-01".into(),
            now: "20250601120000".into(),
            notes: None,
        }
    }

    #[test]
    fn remote_globs_match_host_alone_without_a_slash() {
        let cases = [
            ("github.com/upstream/*", "github.com/upstream/project", true),
            ("github.com/upstream/*", "github.com/upstream/a/b", false),
            ("github.com/upstream/**", "github.com/upstream/a/b", true),
            ("github.com", "github.com/anyone/anything", true),
            ("*.example.org", "git.example.org/x", true),
            ("GitHub.com/Upstream/*", "github.com/upstream/project", true),
            ("gitlab.com/*", "github.com/upstream", false),
        ];
        for (pattern, destination, expected) in cases {
            assert_eq!(
                remote_matches(pattern, destination),
                Ok(expected),
                "{pattern} {destination}"
            );
        }
        assert!(remote_matches("a/[", "a/b").is_err());
    }

    #[test]
    fn a_current_matching_entry_within_its_limit_covers_the_push() {
        let standing = [
            entry("gitlab.com/*", None, "2030-01-01", "OTHER"),
            entry("github.com/upstream/*", Some(500), "2025-06-01", "OSPO-7"),
        ];
        let found = lookup(&push("github.com/upstream/project"), 412, &standing);
        assert_eq!(found.covering.map(|s| s.reason.as_str()), Some("OSPO-7"));
        assert!(found.warnings.is_empty() && found.notes.is_empty());
    }

    #[test]
    fn expired_malformed_and_too_small_entries_do_not_count() {
        let standing = [
            entry("github.com/upstream/*", None, "2025-05-31", "OSPO-1"),
            entry("github.com/upstream/*", None, "31.12.2030", "OSPO-2"),
            entry("github.com/upstream/*", Some(100), "2030-01-01", "OSPO-3"),
            entry("github.com/[", None, "2030-01-01", "OSPO-4"),
            entry("gitlab.com/*", None, "2020-01-01", "NOT-REPORTED"),
        ];
        let found = lookup(&push("github.com/upstream/project"), 412, &standing);
        assert!(found.covering.is_none());
        let rules: Vec<&str> = found.warnings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            [
                "approval-standing-expired",
                "approval-standing-invalid",
                "approval-standing-invalid"
            ]
        );
        assert!(
            found.warnings[0].message.contains("expired on 2025-05-31"),
            "{}",
            found.warnings[0].message
        );
        assert!(found.warnings.iter().all(|f| f.severity == Severity::Warn));
        assert_eq!(found.notes.len(), 1);
        assert!(found.notes[0].contains("covers up to 100 lines; this push has 412"));
    }
}
