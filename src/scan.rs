//! The engine between sources and reports: loads each item on a worker thread (all cores,
//! through rayon), runs the checks that apply, keeps only what is outbound (values not already
//! in the previous version), and applies inline exceptions, policy exceptions and the
//! baseline. Checks never know which source fed them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::check::internal_url::InternalUrls;
use crate::check::{CheckSet, LineIndex, inline_allow, secret};
use crate::error::Error;
use crate::finding::{self, Check, Finding, Severity};
use crate::git;
use crate::policy::Policy;
use crate::source::{Bytes, CommitItem, FileItem, Items};

/// Bytes looked at to decide whether a file is binary (as git does).
const BINARY_SNIFF: usize = 8000;

/// A finding that an exception let through, with the reason.
#[derive(Debug, Clone)]
pub struct Allowed {
    pub finding: Finding,
    pub reason: String,
}

/// A file that was not checked, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub allowed: Vec<Allowed>,
    pub skipped: Vec<Skipped>,
    /// Per-item problems (unreadable files): the run goes on, the exit code becomes 2.
    pub errors: Vec<String>,
    /// Things worth saying that do not change the exit code.
    pub warnings: Vec<String>,
    pub files: usize,
    pub commits: usize,
    pub bytes: u64,
}

impl Outcome {
    pub fn blocking(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Block).count()
    }
}

/// The checks of one run, compiled once.
pub struct Engine<'p> {
    pub policy: &'p Policy,
    pub checks: CheckSet,
    urls: InternalUrls,
}

/// What one file produced.
#[derive(Default)]
struct FileResult {
    findings: Vec<(usize, Finding)>,
    inline_allowed: Vec<Finding>,
    skipped: Option<Skipped>,
    error: Option<String>,
    bytes: u64,
}

impl<'p> Engine<'p> {
    pub fn new(policy: &'p Policy, checks: CheckSet) -> Engine<'p> {
        let mut on = checks;
        for c in Check::ALL {
            if policy.severity(c) == Severity::Off {
                on = on.without(c);
            }
        }
        Engine { policy, checks: on, urls: InternalUrls::new(policy) }
    }

    /// Runs every check on every item. `git_dir` is where blob items are read from.
    pub fn run(&self, items: Items, git_dir: Option<&Path>) -> Result<Outcome, Error> {
        let git_dir: Option<PathBuf> = git_dir.map(Path::to_path_buf);
        let results: Vec<FileResult> = items
            .files
            .par_iter()
            .map_init(
                || git_dir.as_deref().map(git::reopen),
                |repo, item| {
                    let repo = match repo {
                        Some(Ok(r)) => Some(&*r),
                        Some(Err(e)) => return FileResult { error: Some(e.to_string()), ..FileResult::default() },
                        None => None,
                    };
                    self.file(repo, item)
                },
            )
            .collect();
        let mut out = Outcome { files: items.files.len(), commits: items.commits.iter().filter(|c| !c.is_tag).count(), errors: items.errors, ..Outcome::default() };
        let mut found: Vec<(usize, Finding)> = Vec::new();
        for r in results {
            out.bytes += r.bytes;
            out.skipped.extend(r.skipped);
            out.errors.extend(r.error);
            found.extend(r.findings);
            out.allowed.extend(r.inline_allowed.into_iter().map(inline));
        }
        for c in &items.commits {
            let (findings, allowed) = self.commit(c);
            found.extend(findings.into_iter().map(|f| (c.order, f)));
            out.allowed.extend(allowed.into_iter().map(inline));
        }
        if items.first_only {
            found.sort_by_key(|(order, _)| *order);
            let mut seen = HashSet::new();
            found.retain(|(_, f)| seen.insert((f.path.clone(), f.code(), f.value.clone().unwrap_or_default())));
        }
        self.apply_exceptions(found.into_iter().map(|(_, f)| f).collect(), &mut out);
        finding::sort(&mut out.findings);
        Ok(out)
    }

    fn file(&self, repo: Option<&git2::Repository>, item: &FileItem) -> FileResult {
        let content = match load(repo, &item.bytes) {
            Ok(c) => c,
            Err(e) => return FileResult { error: Some(format!("{}: {e}", item.path)), ..FileResult::default() },
        };
        let mut res = FileResult { bytes: content.len() as u64, ..FileResult::default() };
        if content.len() as u64 > self.policy.max_file_size() {
            res.skipped = Some(Skipped { path: item.path.clone(), reason: format!("{} bytes, above scan.max_file_size ({})", content.len(), self.policy.max_file_size()) });
            return res;
        }
        let binary = memchr::memchr(0, &content[..content.len().min(BINARY_SNIFF)]).is_some();
        let (mut findings, mut allowed) = (Vec::new(), Vec::new());
        if !binary {
            (findings, allowed) = self.text(&content);
            if !findings.is_empty() && !item.previous.is_empty() {
                findings = not_in_previous(repo, &item.previous, findings);
            }
        }
        for f in findings.iter_mut().chain(allowed.iter_mut()) {
            f.path = Some(item.path.clone());
            f.commit.clone_from(&item.commit);
        }
        res.findings = findings.into_iter().map(|f| (item.order, f)).collect();
        res.inline_allowed = allowed;
        res
    }

    /// `secret` and `internal-url` over text: the findings, and those that an inline
    /// `outbound:allow` exempts.
    fn text(&self, content: &[u8]) -> (Vec<Finding>, Vec<Finding>) {
        let index = LineIndex::new(content);
        let mut out = Vec::new();
        if self.checks.has(Check::Secret) {
            out.extend(secret::check(content, &index, &self.policy.rules, self.policy.severity(Check::Secret)));
        }
        if self.checks.has(Check::InternalUrl) {
            out.extend(self.urls.check(content, &index, &self.policy.terms));
        }
        out.into_iter().partition(|f| f.line.is_none_or(|line| inline_allow(index.line(content, line), f) != Some(true)))
    }

    /// A commit's message (secret, internal-url).
    fn commit(&self, c: &CommitItem) -> (Vec<Finding>, Vec<Finding>) {
        let (mut found, mut allowed) = self.text(c.message.as_bytes());
        for f in found.iter_mut().chain(allowed.iter_mut()) {
            f.commit = Some(c.id.clone());
        }
        (found, allowed)
    }

    /// `[[secrets.allow]]` entries and the baseline.
    fn apply_exceptions(&self, found: Vec<Finding>, out: &mut Outcome) {
        let mut used = vec![false; self.policy.allow.len()];
        for f in found {
            if let Some(i) = self.policy.allow.iter().position(|a| a.matches(&f)) {
                used[i] = true;
                out.allowed.push(Allowed { finding: f, reason: self.policy.allow[i].reason.clone() });
                continue;
            }
            if self.policy.baseline.contains(&f.fingerprint()) {
                continue;
            }
            out.findings.push(f);
        }
        for (a, used) in self.policy.allow.iter().zip(used) {
            if !used {
                out.warnings.push(format!("{} never matched a finding (reason: {})", a.describe, a.reason));
            }
        }
        out.warnings.extend(self.policy.warnings.iter().cloned());
    }
}

fn inline(finding: Finding) -> Allowed {
    Allowed { finding, reason: "outbound:allow on the line".into() }
}

/// Reads an item's bytes.
pub fn load(repo: Option<&git2::Repository>, bytes: &Bytes) -> Result<Vec<u8>, Error> {
    match bytes {
        Bytes::Disk(p) => std::fs::read(p).map_err(|e| Error::io(p, e)),
        Bytes::Inline(v) => Ok(v.clone()),
        Bytes::Blob(id) => match repo {
            Some(r) => git::blob(r, *id),
            None => Err(Error::Internal(format!("blob {id} without a repository"))),
        },
    }
}

/// Drops findings whose value already occurs in one of the previous versions.
fn not_in_previous(repo: Option<&git2::Repository>, previous: &[git2::Oid], findings: Vec<Finding>) -> Vec<Finding> {
    let olds: Vec<Vec<u8>> = previous.iter().filter_map(|id| load(repo, &Bytes::Blob(*id)).ok()).collect();
    findings
        .into_iter()
        .filter(|f| {
            let Some(v) = &f.value else { return true };
            !olds.iter().any(|old| memchr::memmem::find(old, v.as_bytes()).is_some())
        })
        .collect()
}
