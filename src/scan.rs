//! The engine between sources and reports: loads each item on a worker thread (all cores,
//! through rayon; the versions of one path in order on one worker), searches each version only
//! where it differs from the one before (`changed_regions`), runs the checks that apply, keeps
//! only what is outbound (values not already in the previous version), and applies inline
//! exceptions, policy exceptions and the baseline. Checks never know which source fed them.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::check::artifact::{self, ArtifactOptions};
use crate::check::dco::{self, CommitInfo, DcoOptions};
use crate::check::internal_url::{InternalUrls, Syntax};
use crate::check::spdx::{self, Project};
use crate::check::{CheckSet, LineIndex, inline_allow, secret};
use crate::error::Error;
use crate::finding::{self, Check, Finding, Severity};
use crate::git;
use crate::policy::Policy;
use crate::report::progress::Progress;
use crate::rules::whole;
use crate::source::{Bytes, CommitItem, FileItem, Items};

/// Bytes looked at to decide whether a file is binary (as git does).
const BINARY_SNIFF: usize = 8000;

/// Runs of at most this many files are checked on the calling thread.
const SMALL_RUN: usize = 8;

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
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Block)
            .count()
    }
}

/// The checks of one run, compiled once.
pub struct Engine<'p> {
    pub policy: &'p Policy,
    pub checks: CheckSet,
    /// DCO options when the caller decided sign-offs are required for these commits.
    pub dco: Option<DcoOptions>,
    /// REUSE.toml files and `.license` sidecars of the tree being checked.
    pub project: Project,
    urls: InternalUrls,
    artifact: ArtifactOptions,
}

/// An earlier version of a file, against which only the changes are searched.
struct Reference<'a> {
    content: &'a [u8],
    /// Known to hold no keyword of a whole-document rule (see `RuleSet::find_in`).
    no_whole_keywords: bool,
}

/// Which part of an input the text checks search.
#[derive(Clone, Copy)]
struct Search<'a> {
    regions: &'a [Range<usize>],
    /// Whether whole-document keywords are also looked for outside `regions`.
    outside: bool,
}

/// What the text checks found.
struct Text {
    findings: Vec<Finding>,
    allowed: Vec<Finding>,
    /// Whether a whole-document rule's keyword may occur in the input.
    whole_keywords: bool,
}

/// What one file produced.
#[derive(Default)]
struct FileResult {
    /// The file's text is known to hold no keyword of a whole-document rule.
    no_whole_keywords: bool,
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
        Engine {
            policy,
            checks: on,
            dco: None,
            project: Project::default(),
            urls: InternalUrls::new(policy),
            artifact: policy.artifact_options(),
        }
    }

    /// Runs every check on every item. `git_dir` is where blob items are read from.
    pub fn run(&self, items: Items, git_dir: Option<&Path>) -> Result<Outcome, Error> {
        let git_dir: Option<PathBuf> = git_dir.map(Path::to_path_buf);
        let progress = Progress::for_terminal(items.files.len());
        // Versions of one path are checked in order on one worker: each is compared with the
        // one before, and only what changed is searched.
        let groups: Vec<&[FileItem]> = items.files.chunk_by(|a, b| a.path == b.path).collect();
        let first_only = items.first_only;
        let open = || git_dir.as_deref().map(git::reopen);
        let bytes = AtomicU64::new(0);
        let check = |repo: &mut Option<Result<git2::Repository, Error>>, group: &&[FileItem]| {
            let repo = match repo {
                Some(Ok(r)) => Some(&*r),
                Some(Err(e)) => {
                    return vec![FileResult {
                        error: Some(e.to_string()),
                        ..FileResult::default()
                    }];
                }
                None => None,
            };
            let mut r = self.versions(repo, group, first_only);
            if let Some(p) = &progress {
                group.iter().for_each(|_| p.tick());
            }
            // Most files produce nothing but their size: only the rest is kept until the end.
            bytes.fetch_add(r.iter().map(|f| f.bytes).sum(), Ordering::Relaxed);
            r.retain(|f| {
                !(f.findings.is_empty()
                    && f.inline_allowed.is_empty()
                    && f.skipped.is_none()
                    && f.error.is_none())
            });
            r
        };
        // A hook's few files are checked on this thread: starting workers, and the memory
        // arenas glibc gives each, costs more than the files.
        let results: Vec<FileResult> = if items.files.len() <= SMALL_RUN {
            let mut repo = open();
            groups.iter().flat_map(|g| check(&mut repo, g)).collect()
        } else {
            groups.par_iter().map_init(open, check).flatten().collect()
        };
        if let Some(p) = &progress {
            p.finish();
        }
        let mut out = Outcome {
            files: items.files.len(),
            bytes: bytes.into_inner(),
            commits: items.commits.iter().filter(|c| !c.is_tag).count(),
            errors: items.errors,
            ..Outcome::default()
        };
        let mut found: Vec<(usize, Finding)> = Vec::new();
        for r in results {
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
            found.retain(|(_, f)| {
                seen.insert((
                    f.path.clone(),
                    f.code(),
                    f.value.clone().unwrap_or_default(),
                ))
            });
        }
        self.apply_exceptions(found.into_iter().map(|(_, f)| f).collect(), &mut out);
        finding::sort(&mut out.findings);
        Ok(out)
    }

    /// The versions of one path, oldest first. A blob is checked where libgit2 holds it,
    /// without a copy, and searched only where it differs from the version before it: the
    /// parent's version, or in a history scan the previous version listed (whose values
    /// were reported at an earlier commit).
    fn versions(
        &self,
        repo: Option<&git2::Repository>,
        group: &[FileItem],
        first_only: bool,
    ) -> Vec<FileResult> {
        let mut before: Option<git2::Blob<'_>> = None;
        let mut before_clean = false;
        let mut out = Vec::with_capacity(group.len());
        for item in group {
            let (Bytes::Blob(id), Some(r)) = (&item.bytes, repo) else {
                out.push(self.file(repo, item));
                continue;
            };
            let blob = match r.find_blob(*id) {
                Ok(b) => b,
                Err(e) => {
                    out.push(FileResult {
                        error: Some(format!(
                            "{}: {}",
                            item.path,
                            Error::git(format!("reading blob {id}"), e)
                        )),
                        ..FileResult::default()
                    });
                    continue;
                }
            };
            let held = before.take();
            let (parent, clean) = match (item.previous.first(), held) {
                (Some(p), Some(b)) if b.id() == *p => (Some(b), before_clean),
                (Some(p), _) => (r.find_blob(*p).ok(), false),
                (None, held) if first_only => (held, before_clean),
                (None, _) => (None, false),
            };
            let reference = parent.as_ref().map(|b| Reference {
                content: b.content(),
                no_whole_keywords: clean,
            });
            let res = self.content(repo, item, blob.content(), reference);
            before_clean = res.no_whole_keywords;
            out.push(res);
            before = Some(blob);
        }
        out
    }

    fn file(&self, repo: Option<&git2::Repository>, item: &FileItem) -> FileResult {
        let failed = |e: Error| FileResult {
            error: Some(format!("{}: {e}", item.path)),
            ..FileResult::default()
        };
        let Bytes::Disk(p) = &item.bytes else {
            return match load(repo, &item.bytes) {
                Ok(c) => self.content(repo, item, &c, None),
                Err(e) => failed(e),
            };
        };
        // One open and one fstat per file: the size decides before anything is read.
        let read = std::fs::File::open(p).and_then(|mut f| {
            let len = f.metadata()?.len();
            if len > self.policy.max_file_size() {
                return Ok(Err(len));
            }
            let mut c = Vec::with_capacity(len as usize + 1);
            std::io::Read::read_to_end(&mut f, &mut c)?;
            Ok(Ok(c))
        });
        match read {
            Ok(Ok(c)) => self.content(repo, item, &c, None),
            Ok(Err(len)) => self.large_file(p, item, len),
            Err(e) => failed(Error::io(p, e)),
        }
    }

    /// Every check that applies to one file's bytes; `reference` is an earlier version, whose
    /// unchanged lines the text checks need not search again.
    fn content(
        &self,
        repo: Option<&git2::Repository>,
        item: &FileItem,
        content: &[u8],
        reference: Option<Reference<'_>>,
    ) -> FileResult {
        let mut res = FileResult {
            bytes: content.len() as u64,
            ..FileResult::default()
        };
        let mut artifacts = Vec::new();
        if self.checks.has(Check::Artifact)
            && (artifact::is_artifact(&item.path, content)
                || content.len() as u64 > self.artifact.max_file_size)
        {
            let found = artifact::check_file(
                &item.path,
                content,
                self.licensed(&item.path),
                &self.artifact,
            );
            artifacts = self.capped(Check::Artifact, found);
        }
        if content.len() as u64 > self.policy.max_file_size() {
            res.skipped = Some(self.too_large(item, content.len() as u64));
            res.findings = artifacts
                .into_iter()
                .map(|f| (item.order, with_place(f, item)))
                .collect();
            return res;
        }
        let binary = memchr::memchr(0, &content[..content.len().min(BINARY_SNIFF)]).is_some();
        let (mut findings, mut allowed) = (Vec::new(), Vec::new());
        if !binary {
            let regions = match &reference {
                Some(old) => changed_regions(old.content, content),
                None => whole(content.len()).to_vec(),
            };
            let search = Search {
                regions: &regions,
                outside: reference.is_none_or(|r| !r.no_whole_keywords),
            };
            let text = self.text(content, search, Syntax::of(&item.path));
            (findings, allowed) = (text.findings, text.allowed);
            res.no_whole_keywords = !text.whole_keywords;
            if !findings.is_empty() && !item.previous.is_empty() {
                findings = not_in_previous(repo, &item.previous, findings);
            }
        }
        findings.extend(artifacts);
        if self.checks.has(Check::Spdx) && !spdx::is_exempt(&item.path) {
            let found = spdx::check_file(&item.path, content, &self.project, &self.policy.spdx);
            findings.extend(self.capped(Check::Spdx, found));
        }
        res.findings = findings
            .into_iter()
            .map(|f| (item.order, with_place(f, item)))
            .collect();
        res.inline_allowed = allowed.into_iter().map(|f| with_place(f, item)).collect();
        res
    }

    /// A file on disk above `scan.max_file_size`: not read by the text checks; the artifact
    /// check streams it.
    fn large_file(&self, path: &Path, item: &FileItem, len: u64) -> FileResult {
        let mut res = FileResult {
            bytes: 0,
            skipped: Some(self.too_large(item, len)),
            ..FileResult::default()
        };
        if self.checks.has(Check::Artifact) {
            let licensed = self.licensed(&item.path);
            let found = std::fs::File::open(path).and_then(|f| {
                artifact::check_reader(
                    &item.path,
                    std::io::BufReader::new(f),
                    len,
                    licensed,
                    &self.artifact,
                )
            });
            match found {
                Ok(fs) => {
                    res.findings = self
                        .capped(Check::Artifact, fs)
                        .into_iter()
                        .map(|f| (item.order, with_place(f, item)))
                        .collect();
                }
                Err(e) => res.error = Some(format!("{}: {e}", item.path)),
            }
        }
        res
    }

    /// `secret` and `internal-url` over text: the findings, and those that an inline
    /// `outbound:allow` exempts.
    fn text(&self, content: &[u8], search: Search<'_>, syntax: Syntax) -> Text {
        let regions = search.regions;
        let index = LineIndex::new(content);
        let mut out = Vec::new();
        let mut whole_keywords = true;
        if self.checks.has(Check::Secret) {
            let found;
            (found, whole_keywords) = secret::check(
                content,
                regions,
                search.outside,
                &index,
                &self.policy.rules,
                self.policy.severity(Check::Secret),
            );
            out.extend(found);
        }
        if self.checks.has(Check::InternalUrl) {
            out.extend(
                self.urls
                    .check(content, regions, &index, &self.policy.terms, syntax),
            );
        }
        let (findings, allowed) = out.into_iter().partition(|f| {
            f.line
                .is_none_or(|line| inline_allow(index.line(content, line), f) != Some(true))
        });
        Text {
            findings,
            allowed,
            whole_keywords,
        }
    }

    /// A commit's message (secret, internal-url).
    fn commit(&self, c: &CommitItem) -> (Vec<Finding>, Vec<Finding>) {
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
        if let (Some(opts), false, true) = (&self.dco, c.is_tag, self.checks.has(Check::Dco)) {
            let (author, committer) = (dco_identity(&c.author), dco_identity(&c.committer));
            let info = CommitInfo {
                id: &c.id,
                message: &c.message,
                author: &author,
                committer: &committer,
                parents: c.parents,
            };
            found.extend(self.capped(Check::Dco, dco::check(&info, opts)));
        }
        (found, allowed)
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
        let max = self.policy.max_file_size();
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

/// Sets the item's path (unless the check named another file) and commit.
fn with_place(mut f: Finding, item: &FileItem) -> Finding {
    if f.path.is_none() {
        f.path = Some(item.path.clone());
    }
    f.commit.clone_from(&item.commit);
    f
}

fn dco_identity(i: &crate::source::Identity) -> dco::Identity {
    dco::Identity {
        name: i.name.clone(),
        email: i.email.clone(),
    }
}

fn inline(finding: Finding) -> Allowed {
    Allowed {
        finding,
        reason: "outbound:allow on the line".into(),
    }
}

/// The licensing context, read only when the `spdx` check is on.
pub fn project_for(
    policy: &Policy,
    read: impl FnOnce() -> Result<Project, Error>,
) -> Result<Project, Error> {
    if policy.severity(Check::Spdx) == Severity::Off {
        Ok(Project::default())
    } else {
        read()
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

/// Drops findings whose value already occurs in one of the previous versions.
fn not_in_previous(
    repo: Option<&git2::Repository>,
    previous: &[git2::Oid],
    findings: Vec<Finding>,
) -> Vec<Finding> {
    let olds: Vec<Vec<u8>> = previous
        .iter()
        .filter_map(|id| load(repo, &Bytes::Blob(*id)).ok())
        .collect();
    findings
        .into_iter()
        .filter(|f| {
            let Some(v) = &f.value else { return true };
            !olds
                .iter()
                .any(|old| memchr::memmem::find(old, v.as_bytes()).is_some())
        })
        .collect()
}

/// Lines before a new line that are searched again: a generic rule finds its value up to
/// `rules::GENERIC_EXTRA_LINES` lines after its keyword. Lines after a new line need no
/// search: a rule whose keyword is on the new line reads the lines after it anyway.
const CONTEXT_LINES: usize = crate::rules::GENERIC_EXTRA_LINES;

/// Below this many changed bytes, the changed part is searched whole rather than line by line.
const LINE_DIFF_MIN: usize = 4 << 10;

/// The lines of `new` that are not in `old`, each with the `CONTEXT_LINES` lines before it:
/// sorted, disjoint byte ranges. Every other line of `new` is a line of `old` (when little
/// changed, one with the same neighbours).
pub fn changed_regions(old: &[u8], new: &[u8]) -> Vec<Range<usize>> {
    let prefix = common_prefix(old, new);
    let most = old.len().min(new.len()) - prefix;
    let suffix = common_suffix(&old[old.len() - most..], &new[new.len() - most..]);
    let start = line_start(new, prefix);
    let end = line_end(new, new.len() - suffix);
    if end - start < LINE_DIFF_MIN {
        return vec![widen(new, start..end)];
    }
    let old_start = line_start(old, prefix);
    let old_end = line_end(old, old.len() - suffix);
    // Lines are kept as 64-bit hashes under a seed chosen at random for each run: no bytes
    // to compare on lookup, and no input can be made to collide with a line it lacks.
    let seed = foldhash::fast::RandomState::default();
    let mut known: HashSet<u64, foldhash::fast::FixedState> =
        HashSet::with_capacity_and_hasher((old_end - old_start) / 32, Default::default());
    known.extend(lines(old, old_start..old_end).map(|l| seed.hash_one(&old[l])));
    let mut out: Vec<Range<usize>> = Vec::new();
    for here in lines(new, start..end) {
        if known.contains(&seed.hash_one(&new[here.clone()])) {
            continue;
        }
        match out.last_mut() {
            // Adjacent to the last region: the lines before are in it already.
            Some(last) if here.start <= last.end => last.end = here.end,
            _ => {
                let wide = widen(new, here);
                match out.last_mut() {
                    Some(last) if wide.start <= last.end => last.end = wide.end,
                    _ => out.push(wide),
                }
            }
        }
    }
    out
}

/// The lines of `content[range]` (`range` in whole lines), each with its newline.
fn lines(content: &[u8], range: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = range.start;
    let ends =
        memchr::memchr_iter(b'\n', &content[range.clone()]).map(move |i| range.start + i + 1);
    ends.chain(std::iter::once(range.end))
        .filter_map(move |end| {
            let line = at..end;
            at = end;
            (!line.is_empty()).then_some(line)
        })
}

/// The start of the line holding `at`.
fn line_start(content: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &content[..at]).map_or(0, |i| i + 1)
}

/// The end of the line holding `at` (after its newline).
fn line_end(content: &[u8], at: usize) -> usize {
    if at == 0 || at > content.len() {
        return at.min(content.len());
    }
    memchr::memchr(b'\n', &content[at - 1..]).map_or(content.len(), |i| at + i)
}

/// `lines` (whole lines) with the `CONTEXT_LINES` lines before them.
fn widen(content: &[u8], lines: Range<usize>) -> Range<usize> {
    let mut start = lines.start;
    for _ in 0..CONTEXT_LINES {
        if start == 0 {
            break;
        }
        start = line_start(content, start - 1);
    }
    start..lines.end
}

/// Block sizes for finding where two buffers start to differ: large blocks compare at
/// memory speed, the smaller ones narrow down.
const BLOCKS: [usize; 3] = [4096, 64, 1];

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    for w in BLOCKS {
        while i + w <= n && a[i..i + w] == b[i..i + w] {
            i += w;
        }
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    for w in BLOCKS {
        while i + w <= n && a[n - i - w..n - i] == b[n - i - w..n - i] {
            i += w;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::changed_regions;

    fn lines(n: usize) -> String {
        (0..n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn a_small_change_is_its_lines_and_the_lines_before() {
        let old = lines(20);
        let new = old.replace("line 10\n", "line ten\n");
        let r = changed_regions(old.as_bytes(), new.as_bytes());
        assert_eq!(r.len(), 1);
        assert_eq!(
            &new[r[0].clone()],
            "line 6\nline 7\nline 8\nline 9\nline ten\n"
        );
    }

    #[test]
    fn an_unchanged_input_leaves_little_to_search_and_a_new_one_everything() {
        let old = lines(50);
        let r = changed_regions(old.as_bytes(), old.as_bytes());
        assert!(r.iter().map(|r| r.len()).sum::<usize>() < 50);
        let r = changed_regions(b"", old.as_bytes());
        assert_eq!(r, crate::rules::whole(old.len()));
    }

    #[test]
    fn a_large_change_keeps_only_lines_the_old_version_lacks() {
        let old = lines(2000);
        let mut new = old
            .replace("line 0\n", "first\n")
            .replace("line 1999\n", "last\n");
        new = new.replace("line 1000\n", "line 1000\nadded\n");
        let r = changed_regions(old.as_bytes(), new.as_bytes());
        let searched: Vec<&str> = r.iter().map(|r| &new[r.clone()]).collect();
        assert_eq!(searched.len(), 3, "{searched:?}");
        assert_eq!(searched[0], "first\n");
        assert!(searched[1].ends_with("line 1000\nadded\n") && searched[1].lines().count() == 5);
        assert!(searched[2].ends_with("last\n"));
    }

    /// Random edits of random inputs: every line of the new version that the old one lacks
    /// lies in a region, and regions are sorted, disjoint, within bounds and in whole lines.
    #[test]
    fn every_new_line_is_searched_whatever_the_edit() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as usize
        };
        for _ in 0..1000 {
            let words = ["a", "bb", "key = 1", "\n", "", "é", "\r", "x\0y", "line"];
            let pick = |next: &mut dyn FnMut(u64) -> usize, n: usize| -> Vec<String> {
                (0..n)
                    .map(|_| words[next(words.len() as u64)].repeat(next(3) + 1))
                    .collect()
            };
            let n = next(400);
            let old_lines = pick(&mut next, n);
            let mut new_lines = old_lines.clone();
            for _ in 0..next(6) {
                let at = next(new_lines.len() as u64 + 1);
                match next(3) {
                    0 => new_lines.insert(at, format!("new {}", next(1000))),
                    1 if at < new_lines.len() => drop(new_lines.remove(at)),
                    _ => new_lines.insert(at, "a".repeat(next(5000))),
                }
            }
            let (old, new) = (old_lines.join("\n"), new_lines.join("\n"));
            let (old, new) = (old.as_bytes(), new.as_bytes());
            let regions = changed_regions(old, new);
            let mut end = 0;
            for r in &regions {
                assert!(
                    r.start >= end && r.start < r.end && r.end <= new.len(),
                    "{regions:?}"
                );
                assert!(r.start == 0 || new[r.start - 1] == b'\n');
                assert!(r.end == new.len() || new[r.end - 1] == b'\n');
                end = r.end;
            }
            let known: std::collections::HashSet<&[u8]> = old.split(|&b| b == b'\n').collect();
            let mut at = 0;
            for line in new.split(|&b| b == b'\n') {
                if !line.is_empty() && !known.contains(line) {
                    assert!(
                        regions
                            .iter()
                            .any(|r| r.start <= at && at + line.len() <= r.end),
                        "line at {at} not searched: {regions:?}"
                    );
                }
                at += line.len() + 1;
            }
        }
    }
}
