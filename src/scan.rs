//! The engine between sources and reports: loads each item on a worker thread (all cores,
//! through rayon; the versions of one path in order on one worker), searches each version only
//! where it differs from the one before (`changed_regions`), runs the checks that apply, keeps
//! only what is outbound (values not already in the previous version), and applies inline
//! exceptions, policy exceptions and the baseline. Checks never know which source fed them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::check::CheckSet;
use crate::check::dco::{self, CommitInfo, DcoOptions};
use crate::check::internal_url::{InternalUrls, Syntax};
use crate::check::spdx::{self, Project};
use crate::error::Error;
use crate::finding::{self, Check, Finding, Severity};
use crate::git;
use crate::outcome::{Allowed, Outcome, Skipped};
use crate::pack::{Objects, Packs};
use crate::policy::Policy;
use crate::report::progress::Progress;
use crate::rules::whole;
use crate::source::lfs::Lfs;
use crate::source::{Bytes, CommitItem, FileItem, Items};

mod archive;
mod decoded;
mod file;
mod notebook;
mod regions;
use file::{Search, Text};
pub use regions::changed_regions;

/// Runs of at most this many files are checked on the calling thread.
const SMALL_RUN: usize = 8;

/// Groups (the versions of one path) in one piece of parallel work.
const MAX_PIECE: usize = 4;

/// Commit messages from which checking them on every core pays for starting the workers.
const PARALLEL_COMMITS: usize = 64;

/// Files from which reading blobs straight from the packs pays for the parts of the pack
/// indexes it reads (see `source::range`).
const PACKED_FILES: usize = 2000;

/// What a worker thread reads with: its repository (opened on its first group) and its
/// reader of the packs.
struct Worker {
    repo: Option<Result<git2::Repository, Error>>,
    objects: Objects,
}

/// The checks of one run, compiled once.
pub struct Engine<'p> {
    policy: &'p Policy,
    checks: CheckSet,
    /// DCO options when the plan requires sign-offs for these commits.
    dco: Option<DcoOptions>,
    /// REUSE.toml files and `.license` sidecars of the tree being checked.
    project: Project,
    /// Where LFS pointers' content is found.
    lfs: Lfs,
    urls: InternalUrls,
    /// The fingerprint indexes of internal code, when `ip-overlap` runs.
    indexes: Option<crate::fingerprint::Indexes>,
}

/// What one file produced.
#[derive(Default)]
struct FileResult {
    /// The text checks searched the file (it was neither binary nor too large).
    searched: bool,
    /// The file's text is known to hold no keyword of a whole-document rule.
    no_whole_keywords: bool,
    findings: Vec<(usize, Finding)>,
    inline_allowed: Vec<Finding>,
    skipped: Option<Skipped>,
    /// Archive members not scanned, and archives not opened.
    unscanned: Vec<Skipped>,
    error: Option<String>,
    bytes: u64,
}

impl<'p> Engine<'p> {
    /// The engine of a plan (`Plan::run` builds it): its checks less those the policy turns
    /// off.
    pub(crate) fn new(
        policy: &'p Policy,
        checks: CheckSet,
        dco: Option<DcoOptions>,
        project: Project,
        lfs: Lfs,
    ) -> Engine<'p> {
        let on = Engine::checks_on(policy, checks);
        Engine {
            policy,
            checks: on,
            dco,
            project,
            lfs,
            urls: InternalUrls::new(&policy.internal_url),
            indexes: None,
        }
    }

    /// The engine with the fingerprint indexes that `ip-overlap` looks up.
    pub(crate) fn with_indexes(mut self, indexes: Option<crate::fingerprint::Indexes>) -> Self {
        self.indexes = indexes;
        self
    }

    /// The checks of `requested` that the policy does not turn off: what an engine made with
    /// them will run. Sources ask it before listing, to read no file when none is checked.
    pub fn checks_on(policy: &Policy, requested: CheckSet) -> CheckSet {
        Check::ALL
            .into_iter()
            .filter(|c| policy.severity(*c) == Severity::Off)
            .fold(requested, CheckSet::without)
    }

    /// Runs every check on every item. `git_dir` is where blob items are read from.
    pub(crate) fn run(&self, items: Items, git_dir: Option<&Path>) -> Result<Outcome, Error> {
        let git_dir: Option<PathBuf> = git_dir.map(Path::to_path_buf);
        let progress = Progress::for_terminal(items.files.len());
        // Versions of one path are checked in order on one worker: each is compared with the
        // one before, and only what changed is searched.
        // Without a check that reads files (DCO alone, say), no file is read.
        let groups: Vec<&[FileItem]> = match self.checks.reads_files() {
            true => items.files.chunk_by(|a, b| a.path == b.path).collect(),
            false => Vec::new(),
        };
        let first_only = items.first_only;
        let open = || git_dir.as_deref().map(git::reopen);
        let bytes = AtomicU64::new(0);
        // The packs are opened by the first worker, from its repository.
        let packs: std::sync::OnceLock<std::sync::Arc<Packs>> = std::sync::OnceLock::new();
        let packed = items.files.len() >= PACKED_FILES;
        let worker = || {
            let repo = open();
            let packs = match (&repo, packed) {
                (Some(Ok(r)), true) => packs.get_or_init(|| Packs::open(r)).clone(),
                _ => Packs::none(),
            };
            Worker {
                repo,
                objects: Objects::new(packs),
            }
        };
        let check = |w: &mut Worker, group: &&[FileItem]| {
            let repo = match &w.repo {
                Some(Ok(r)) => Some(r),
                Some(Err(e)) => {
                    return vec![FileResult {
                        error: Some(e.to_string()),
                        ..FileResult::default()
                    }];
                }
                None => None,
            };
            let mut r = self.versions(repo, &mut w.objects, group, first_only);
            if let Some(p) = &progress {
                group.iter().for_each(|_| p.tick());
            }
            // Most files produce nothing but their size: only the rest is kept until the end.
            bytes.fetch_add(r.iter().map(|f| f.bytes).sum(), Ordering::Relaxed);
            r.retain(|f| {
                !(f.findings.is_empty()
                    && f.inline_allowed.is_empty()
                    && f.skipped.is_none()
                    && f.unscanned.is_empty()
                    && f.error.is_none())
            });
            r
        };
        // A hook's few files are checked on this thread: starting workers, and the memory
        // arenas glibc gives each, costs more than the files.
        let results: Vec<FileResult> = if groups.is_empty() {
            Vec::new() // a commit message alone: no repository to open again
        } else if items.files.len() <= SMALL_RUN {
            let mut w = worker();
            groups.iter().flat_map(|g| check(&mut w, g)).collect()
        } else {
            // One repository per worker thread, opened on its first group. Pieces of at most
            // MAX_PIECE groups: rayon does not split a piece once a worker runs it, so large
            // pieces leave one core idle at the end while the other finishes its last piece.
            let repos = git::PerThread::default();
            groups
                .par_iter()
                .with_max_len(MAX_PIECE)
                .flat_map_iter(|group| {
                    let mut held = repos.slot();
                    let w = held.get_or_insert_with(worker);
                    check(w, group)
                })
                .collect()
        };
        if let Some(p) = &progress {
            p.finish();
        }
        let mut out = Outcome {
            files: items.files.len(),
            bytes: bytes.into_inner(),
            commits: items.commits.iter().filter(|c| !c.is_tag).count() + items.checked_commits,
            errors: items.errors,
            ..Outcome::default()
        };
        let mut found: Vec<(usize, Finding)> = Vec::new();
        for r in results {
            out.skipped.extend(r.skipped);
            out.skipped.extend(r.unscanned);
            out.errors.extend(r.error);
            found.extend(r.findings);
            out.allowed.extend(r.inline_allowed.into_iter().map(inline));
        }
        // A long range's messages (DCO over a whole history) are checked on every core; a
        // hook's one message on this thread.
        let checked: Vec<_> = if items.commits.len() < PARALLEL_COMMITS {
            items.commits.iter().map(|c| self.check_commit(c)).collect()
        } else {
            items
                .commits
                .par_iter()
                .map(|c| self.check_commit(c))
                .collect()
        };
        for (c, (findings, allowed)) in items.commits.iter().zip(checked) {
            found.extend(findings.into_iter().map(|f| (c.order, f)));
            out.allowed.extend(allowed.into_iter().map(inline));
        }
        for c in items.checked {
            found.extend(c.findings.into_iter().map(|f| (c.order, f)));
            out.allowed.extend(c.allowed.into_iter().map(inline));
        }
        // A bad REUSE.toml annotation is one finding, not one per file it covers.
        let mut found = spdx::merge_annotation_findings(found);
        for n in &items.names {
            let (findings, allowed) = self.ref_name(n);
            found.extend(findings.into_iter().map(|f| (0, f)));
            out.allowed.extend(allowed.into_iter().map(inline));
        }
        if items.first_only {
            found.sort_by_key(|(order, _)| *order);
            let mut seen = HashSet::new();
            found.retain(|(_, f)| {
                seen.insert((
                    f.path.clone(),
                    f.code(),
                    f.value.clone().unwrap_or_default(),
                ))
            });
        }
        let mut found: Vec<Finding> = found.into_iter().map(|(_, f)| f).collect();
        seal(
            &mut found,
            &mut out.allowed,
            self.policy.fingerprint_key.as_deref(),
        );
        self.apply_exceptions(found, &mut out);
        finding::sort(&mut out.findings);
        Ok(out)
    }

    /// A commit's message and identities (secret, internal-url, DCO): findings, and findings
    /// allowed inline. Long lists are checked with it as they are read (`Items::checked`).
    pub(crate) fn check_commit(&self, c: &CommitItem) -> (Vec<Finding>, Vec<Finding>) {
        let message = c.message.as_bytes();
        let all = whole(message.len());
        let search = Search {
            regions: &all,
            outside: true,
        };
        let Text {
            findings: mut found,
            mut allowed,
            ..
        } = self.text(message, search, Syntax::Text);
        for f in found.iter_mut().chain(allowed.iter_mut()) {
            f.commit = (!c.id.is_empty()).then(|| c.id.clone());
        }
        if !c.is_tag {
            let commit = (!c.id.is_empty()).then_some(c.id.as_str());
            let same = c.committer == c.author;
            for (role, who) in [("author", &c.author), ("committer", &c.committer)] {
                if role == "committer" && same || who.email.is_empty() && who.name.is_empty() {
                    continue;
                }
                let (f, a) = self.identity(role, who, commit);
                found.extend(f);
                allowed.extend(a);
            }
        }
        for check in Check::ALL.into_iter().filter(|k| self.checks.has(*k)) {
            match (check, &self.dco) {
                // An annotated tag carries only its message out.
                (Check::Dco, Some(opts)) if !c.is_tag => {
                    let info = CommitInfo {
                        id: &c.id,
                        message: &c.message,
                        author: &c.author,
                        committer: &c.committer,
                        parents: c.parents,
                    };
                    found.extend(self.capped(Check::Dco, dco::check(&info, opts)));
                }
                // Sign-offs not required for these commits (the plan says where they go).
                (Check::Dco, _) => {}
                // The message was searched above; files and pushes are checked elsewhere.
                (Check::Secret | Check::InternalUrl, _) => {}
                (Check::Spdx | Check::Artifact | Check::Approval | Check::IpOverlap, _) => {}
            }
        }
        (found, allowed)
    }

    /// An author's or committer's name and e-mail address: internal hosts (the host part is
    /// read in host position, so `jane@build07.corp` counts) and confidential terms. The org's
    /// own e-mail domains are identities, not hosts; the approval gate decides about them.
    fn identity(
        &self,
        role: &str,
        who: &crate::source::Identity,
        commit: Option<&str>,
    ) -> (Vec<Finding>, Vec<Finding>) {
        let (local, host) = who.email.rsplit_once('@').unwrap_or((&who.email, ""));
        let host = host.trim().to_ascii_lowercase();
        let corporate = (self.policy.internal_url.domains.iter())
            .chain(&self.policy.approval.email_domains)
            .any(|d| d.eq_ignore_ascii_case(&host));
        let mut lines = vec![who.name.clone(), local.to_string()];
        if !host.is_empty() && !corporate {
            lines.push(format!("host={host}"));
        }
        let shown = format!("{} <{}>", who.name, who.email);
        self.names_check(
            &lines,
            &shown,
            &format!("in the {role}'s name or e-mail address"),
            commit,
        )
    }

    /// A ref name a push publishes (`fix/jenkins.acme-corp.com-outage`). Each part of the name,
    /// and each part cut before a `-`, is read in host position, since a ref name joins words
    /// with `-` and `/`.
    fn ref_name(&self, n: &crate::source::NameItem) -> (Vec<Finding>, Vec<Finding>) {
        let mut lines = vec![n.name.clone()];
        for part in n.name.split('/') {
            lines.push(format!("host={part}"));
            for (i, _) in part.match_indices('-') {
                lines.push(format!("host={}", &part[..i]));
            }
        }
        let context = format!("in the ref name '{}'", n.name);
        self.names_check(&lines, &n.name, &context, n.commit.as_deref())
    }

    /// The text checks over `lines` (readings of a short name), each finding reported once and
    /// placed on `shown`, the name as written, with no line of its own.
    fn names_check(
        &self,
        lines: &[String],
        shown: &str,
        context: &str,
        commit: Option<&str>,
    ) -> (Vec<Finding>, Vec<Finding>) {
        let text = lines.join("\n");
        let all = whole(text.len());
        let search = Search {
            regions: &all,
            outside: true,
        };
        let Text {
            findings, allowed, ..
        } = self.text(text.as_bytes(), search, Syntax::Text);
        let lower = shown.to_lowercase();
        let mut seen = HashSet::new();
        let mut place = |list: Vec<Finding>| -> Vec<Finding> {
            let mut kept: Vec<Finding> = list
                .into_iter()
                .filter(|f| seen.insert((f.code(), f.value.clone())))
                .collect();
            let secrets: Vec<String> = kept
                .iter()
                .filter(|f| f.sensitivity == finding::Sensitivity::Secret)
                .filter_map(|f| f.value.clone())
                .collect();
            for f in &mut kept {
                let span = f.value.as_deref().and_then(|v| {
                    let s = (lower.len() == shown.len())
                        .then(|| lower.find(&v.to_lowercase()))
                        .flatten()?;
                    Some((s, s + v.len()))
                        .filter(|(s, e)| shown.is_char_boundary(*s) && shown.is_char_boundary(*e))
                });
                let secret = f.sensitivity == finding::Sensitivity::Secret;
                // A secret that cannot be placed in the name is not shown at all.
                f.line_text = (span.is_some() || !secret).then(|| shown.to_string());
                f.span = span;
                f.hide = secrets
                    .iter()
                    .filter(|v| Some(*v) != f.value.as_ref())
                    .cloned()
                    .collect();
                (f.line, f.column, f.end_line) = (None, None, None);
                f.commit = commit.map(str::to_string);
                f.message = format!("{} ({context})", f.message);
            }
            kept
        };
        let findings = place(findings);
        let allowed = place(allowed);
        (findings, allowed)
    }

    /// A check's findings no stricter than the policy's severity for that check.
    fn capped(&self, check: Check, mut findings: Vec<Finding>) -> Vec<Finding> {
        let cap = self.policy.severity(check);
        findings
            .iter_mut()
            .for_each(|f| f.severity = f.severity.min(cap));
        findings
    }

    /// Whether a `.license` sidecar or a REUSE.toml entry states the file's license.
    fn licensed(&self, path: &str) -> bool {
        self.project.sidecar(path).is_some() || self.project.annotation(path).is_some()
    }

    fn too_large(&self, item: &FileItem, len: u64) -> Skipped {
        let max = self.policy.scan.max_file_size;
        Skipped {
            path: item.path.clone(),
            reason: format!("{len} bytes, above scan.max_file_size ({max})"),
        }
    }

    /// `[[secrets.allow]]` entries and the baseline.
    fn apply_exceptions(&self, found: Vec<Finding>, out: &mut Outcome) {
        let mut used = vec![false; self.policy.allow.len()];
        for f in found {
            if let Some(i) = self.policy.allow.iter().position(|a| a.matches(&f)) {
                used[i] = true;
                out.allowed.push(Allowed {
                    finding: f,
                    reason: self.policy.allow[i].reason.clone(),
                });
                continue;
            }
            if self.policy.baseline.contains(&f.fingerprint()) {
                continue;
            }
            out.findings.push(f);
        }
        for (a, used) in self.policy.allow.iter().zip(used) {
            if !used {
                out.warnings.push(format!(
                    "{} never matched a finding (reason: {})",
                    a.describe, a.reason
                ));
            }
        }
        out.warnings.extend(self.policy.warnings.iter().cloned());
    }
}

/// Tells every finding the other secrets on its line, then fixes the fingerprints: both
/// depend on every secret found on the line.
fn seal(found: &mut [Finding], allowed: &mut [Allowed], key: Option<&[u8]>) {
    let mut all: Vec<&mut Finding> = found
        .iter_mut()
        .chain(allowed.iter_mut().map(|a| &mut a.finding))
        .collect();
    finding::share_hidden(&mut all);
    all.iter_mut().for_each(|f| f.seal(key));
}

/// Sets the item's path (unless the check named another file) and commit.
fn with_place(mut f: Finding, item: &FileItem) -> Finding {
    if f.path.is_none() {
        f.path = Some(item.path.clone());
    }
    f.commit = item.commit.as_deref().map(str::to_string);
    f
}

fn inline(finding: Finding) -> Allowed {
    Allowed {
        finding,
        reason: "outbound:allow on the line".into(),
    }
}

/// Reads an item's bytes.
pub fn load(repo: Option<&git2::Repository>, bytes: &Bytes) -> Result<Vec<u8>, Error> {
    match bytes {
        Bytes::Disk(p) => std::fs::read(p).map_err(|e| Error::io(p, e)),
        Bytes::Blob(id) => match repo {
            Some(r) => git::blob(r, *id),
            None => Err(Error::Internal(format!("blob {id} without a repository"))),
        },
    }
}
