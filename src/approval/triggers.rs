//! When a push to an external remote needs approval: the triggers of policy `[approval]`, each
//! computed from the push alone and described with its numbers, so a refusal can say exactly
//! what fired ("412 lines to github.com/upstream/project, limit 100").

use super::{ApprovalOptions, Push};
use globset::{GlobSet, GlobSetBuilder};
use serde::Serialize;

/// How many paths or commits a message lists before it says "and N more".
const LISTED: usize = 5;

/// A reason this push needs approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "trigger", rename_all = "kebab-case")]
pub enum Trigger {
    /// More added plus deleted lines than `significant_lines`.
    SignificantLines { lines: u64, limit: u64 },
    /// Outbound commits touch paths under `restricted_paths`.
    RestrictedPaths {
        patterns: Vec<String>,
        paths: Vec<String>,
    },
    /// The external remote has no refs yet: this publishes a project.
    NewPublication,
    /// Outbound commits are authored with a corporate email address.
    CorporateIdentity { authors: Vec<Author> },
}

/// A commit whose author email is under `org.email_domains`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Author {
    pub commit: String,
    pub email: String,
}

impl Trigger {
    /// The policy key that fired, as used in output (`significant-lines`…).
    pub fn name(&self) -> &'static str {
        match self {
            Trigger::SignificantLines { .. } => "significant-lines",
            Trigger::RestrictedPaths { .. } => "restricted-paths",
            Trigger::NewPublication => "new-publication",
            Trigger::CorporateIdentity { .. } => "corporate-identity",
        }
    }

    /// One sentence with the numbers, naming the destination.
    pub fn describe(&self, destination: &str) -> String {
        match self {
            Trigger::SignificantLines { lines, limit } => {
                format!("{lines} lines to {destination}, limit {limit}")
            }
            Trigger::RestrictedPaths { patterns, paths } => format!(
                "{} restricted path{} ({}) to {destination}: {}",
                paths.len(),
                plural(paths.len()),
                patterns.join(", "),
                listed(paths.iter().cloned())
            ),
            Trigger::NewPublication => {
                format!(
                    "new publication: {destination} has no refs yet, this push publishes a project"
                )
            }
            Trigger::CorporateIdentity { authors } => format!(
                "{} commit{} to {destination} authored with a corporate email: {}",
                authors.len(),
                plural(authors.len()),
                listed(
                    authors
                        .iter()
                        .map(|a| format!("{} <{}>", short(&a.commit), a.email))
                )
            ),
        }
    }
}

/// Added plus deleted lines over all outbound commits.
pub fn total_lines(push: &Push) -> u64 {
    push.commits.iter().fold(0u64, |sum, c| {
        sum.saturating_add(c.added).saturating_add(c.deleted)
    })
}

/// Every trigger that fires for `push`, in policy order. Fails only on a bad glob in
/// `restricted_paths`.
pub fn triggers(push: &Push, opts: &ApprovalOptions) -> Result<Vec<Trigger>, String> {
    let mut fired = Vec::new();
    let lines = total_lines(push);
    if let Some(limit) = opts.significant_lines.filter(|limit| lines > *limit) {
        fired.push(Trigger::SignificantLines { lines, limit });
    }
    if !opts.restricted_paths.is_empty() {
        let set = path_globs(&opts.restricted_paths)?;
        let mut paths: Vec<String> = push
            .commits
            .iter()
            .flat_map(|c| &c.paths)
            .filter(|p| path_matches(&set, p))
            .cloned()
            .collect();
        paths.sort();
        paths.dedup();
        if !paths.is_empty() {
            let patterns = opts.restricted_paths.clone();
            fired.push(Trigger::RestrictedPaths { patterns, paths });
        }
    }
    if opts.new_publication && !push.remote_has_refs {
        fired.push(Trigger::NewPublication);
    }
    if opts.corporate_identity {
        let authors: Vec<Author> = push
            .commits
            .iter()
            .filter(|c| is_corporate(&c.author_email, &opts.email_domains))
            .map(|c| Author {
                commit: c.id.clone(),
                email: c.author_email.clone(),
            })
            .collect();
        if !authors.is_empty() {
            fired.push(Trigger::CorporateIdentity { authors });
        }
    }
    Ok(fired)
}

/// Path globs in the gitignore spirit: `*` stays within a folder, `**` crosses folders, and a
/// pattern without `/` also matches a file name in any folder. Returns the set for whole
/// paths and the set for file names.
fn path_globs(patterns: &[String]) -> Result<(GlobSet, GlobSet), String> {
    let (mut paths, mut names) = (GlobSetBuilder::new(), GlobSetBuilder::new());
    for pattern in patterns {
        let glob = crate::glob::path_glob(pattern)
            .map_err(|e| format!("approval.restricted_paths: bad glob '{pattern}': {e}"))?;
        if !pattern.contains('/') {
            names.add(glob.clone());
        }
        paths.add(glob);
    }
    let build = |set: GlobSetBuilder| {
        set.build()
            .map_err(|e| format!("approval.restricted_paths: {e}"))
    };
    Ok((build(paths)?, build(names)?))
}

fn path_matches((paths, names): &(GlobSet, GlobSet), path: &str) -> bool {
    paths.is_match(path) || names.is_match(path.rsplit('/').next().unwrap_or(path))
}

/// True when `email` is at one of `domains` or a subdomain of one (case-insensitive).
pub fn is_corporate(email: &str, domains: &[String]) -> bool {
    let Some((_, domain)) = email.trim().trim_end_matches('>').rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    domains.iter().any(|d| {
        let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
        !d.is_empty() && (domain == d || domain.ends_with(&format!(".{d}")))
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Abbreviates an object id the way `git log --oneline` does by default.
pub fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

fn listed(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    let mut text = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LISTED {
        text.push_str(&format!(" and {} more", items.len() - LISTED));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::PushedCommit;

    fn commit(id: char, email: &str, added: u64, deleted: u64, paths: &[&str]) -> PushedCommit {
        PushedCommit {
            id: id.to_string().repeat(40),
            author_name: "A U Thor".into(),
            author_email: email.into(),
            added,
            deleted,
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn push(remote_has_refs: bool, commits: Vec<PushedCommit>) -> Push<'static> {
        Push {
            destination: "github.com/upstream/project",
            remote_has_refs,
            base: None,
            tip: "b".repeat(40),
            commits,
            today: "2025-06-01".into(),
            now: "20250601120000".into(),
            notes: None,
        }
    }

    fn all_triggers() -> ApprovalOptions {
        ApprovalOptions {
            significant_lines: Some(100),
            restricted_paths: vec!["internal/**".into(), "*.pem".into()],
            new_publication: true,
            corporate_identity: true,
            email_domains: vec!["acme-corp.com".into()],
            ..ApprovalOptions::default()
        }
    }

    #[test]
    fn every_trigger_fires_with_its_numbers() {
        let commits = vec![
            commit(
                'a',
                "jane@ACME-corp.com",
                400,
                12,
                &["internal/a/b.rs", "src/x.rs"],
            ),
            commit(
                'b',
                "joe@example.org",
                0,
                0,
                &["keys/dev.pem", "internal/a/b.rs"],
            ),
        ];
        let fired = triggers(&push(false, commits), &all_triggers()).unwrap();
        let described: Vec<String> = fired
            .iter()
            .map(|t| t.describe("github.com/upstream/project"))
            .collect();
        assert_eq!(
            described,
            [
                "412 lines to github.com/upstream/project, limit 100",
                "2 restricted paths (internal/**, *.pem) to github.com/upstream/project: internal/a/b.rs, keys/dev.pem",
                "new publication: github.com/upstream/project has no refs yet, this push publishes a project",
                "1 commit to github.com/upstream/project authored with a corporate email: aaaaaaa <jane@ACME-corp.com>",
            ]
        );
        let names: Vec<&str> = fired.iter().map(Trigger::name).collect();
        assert_eq!(
            names,
            [
                "significant-lines",
                "restricted-paths",
                "new-publication",
                "corporate-identity"
            ]
        );
    }

    #[test]
    fn nothing_fires_below_the_thresholds_or_when_switched_off() {
        let small = vec![commit(
            'a',
            "joe@example.org",
            60,
            40,
            &["src/internal/x.rs"],
        )];
        assert_eq!(
            triggers(&push(true, small.clone()), &all_triggers()).unwrap(),
            []
        );
        let off = ApprovalOptions::default();
        let big = vec![commit('a', "jane@acme-corp.com", 9000, 0, &["internal/x"])];
        assert_eq!(triggers(&push(false, big), &off).unwrap(), []);
    }

    #[test]
    fn corporate_domains_match_exactly_or_as_parent_domain() {
        let domains = vec!["acme-corp.com".to_string(), "@acme.internal".to_string()];
        let cases = [
            ("jane@acme-corp.com", true),
            ("jane@eu.acme-corp.com", true),
            ("jane@notacme-corp.com", false),
            ("jane@acme.internal", true),
            ("jane@acme-corp.com.evil.org", false),
            ("no-at-sign", false),
            ("", false),
        ];
        for (email, expected) in cases {
            assert_eq!(is_corporate(email, &domains), expected, "{email}");
        }
    }

    #[test]
    fn long_lists_are_cut_and_bad_globs_are_errors() {
        let paths: Vec<String> = (0..8).map(|i| format!("internal/{i}")).collect();
        let fired = Trigger::RestrictedPaths {
            patterns: vec!["internal/**".into()],
            paths,
        };
        assert!(
            fired.describe("d").ends_with("internal/4 and 3 more"),
            "{}",
            fired.describe("d")
        );
        let bad = ApprovalOptions {
            restricted_paths: vec!["a/[".into()],
            ..ApprovalOptions::default()
        };
        let err = triggers(&push(true, vec![]), &bad).unwrap_err();
        assert!(err.contains("bad glob 'a/['"), "{err}");
        let huge = vec![commit('a', "x@y", u64::MAX, 1, &[])];
        assert_eq!(total_lines(&push(true, huge)), u64::MAX);
    }
}
