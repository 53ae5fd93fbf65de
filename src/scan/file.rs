//! One file's checks: the versions of a path in order, each read once (a blob where libgit2
//! holds it, a file with one open), searched where it differs from the version before, and
//! the findings kept that the change adds.

use std::ops::Range;
use std::path::Path;

use super::{Engine, FileResult, changed_regions, load, with_place};
use crate::check::internal_url::Syntax;
use crate::check::{LineIndex, artifact, inline_allow, secret, spdx};
use crate::error::Error;
use crate::finding::{Check, Finding};
use crate::rules::whole;
use crate::source::{Bytes, FileItem};

/// An earlier version of a file, against which only the changes are searched.
pub(super) struct Reference<'a> {
    pub(super) content: &'a [u8],
    /// Known to hold no keyword of a whole-document rule (see `RuleSet::find_in`).
    pub(super) no_whole_keywords: bool,
}

/// Which part of an input the text checks search.
#[derive(Clone, Copy)]
pub(super) struct Search<'a> {
    pub(super) regions: &'a [Range<usize>],
    /// Whether whole-document keywords are also looked for outside `regions`.
    pub(super) outside: bool,
}

/// What the text checks found.
pub(super) struct Text {
    pub(super) findings: Vec<Finding>,
    pub(super) allowed: Vec<Finding>,
    /// Whether a whole-document rule's keyword may occur in the input.
    pub(super) whole_keywords: bool,
}

impl Engine<'_> {
    /// The versions of one path, oldest first. A blob is checked where libgit2 holds it,
    /// without a copy, and searched only where it differs from the version before it: the
    /// parent's version, or in a history scan the previous version listed (whose values
    /// were reported at an earlier commit).
    pub(super) fn versions(
        &self,
        repo: Option<&git2::Repository>,
        group: &[FileItem],
        first_only: bool,
    ) -> Vec<FileResult> {
        let mut before: Option<git2::Blob<'_>> = None;
        let (mut before_clean, mut before_searched) = (false, false);
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
                // In a history the version before stands for everything reported so far, so it
                // serves only if it was searched itself (not binary, not too large).
                (None, held) if first_only && before_searched => (held, before_clean),
                (None, _) => (None, false),
            };
            let reference = parent.as_ref().map(|b| Reference {
                content: b.content(),
                no_whole_keywords: clean,
            });
            let res = self.content(repo, item, blob.content(), reference);
            (before_clean, before_searched) = (res.no_whole_keywords, res.searched);
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
        let oversize = content.len() as u64 > self.policy.max_file_size();
        // Checks over the whole file; the text checks follow, over what changed.
        let mut whole_file: Vec<Finding> = Check::ALL
            .into_iter()
            .filter(|c| self.checks.has(*c))
            .flat_map(|c| self.file_check(c, item, content, oversize))
            .collect();
        if oversize {
            res.skipped = Some(self.too_large(item, content.len() as u64));
            res.findings = whole_file
                .into_iter()
                .map(|f| (item.order, with_place(f, item)))
                .collect();
            return res;
        }
        // Text in UTF-16 (with a byte-order mark) is searched as UTF-8, whole.
        let utf16 = crate::decode::utf16(content);
        let (content, reference) = match &utf16 {
            Some(text) => (text.as_slice(), None),
            None => (content, reference),
        };
        let binary = utf16.is_none() && crate::check::looks_binary(content);
        let (mut findings, mut allowed) = (Vec::new(), Vec::new());
        if !binary {
            // The parent's version, when at hand, for dropping values it already holds.
            let parent = reference.as_ref().map(|r| r.content);
            // An old version above the size limit is not compared line by line: the new one
            // (within the limit) is searched whole.
            let max = self.policy.max_file_size();
            let reference = reference.filter(|r| r.content.len() as u64 <= max);
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
            let (found, exempt) = self.decoded(content, &regions, &findings);
            findings.extend(found);
            allowed.extend(exempt);
            if super::notebook::is_notebook(&item.path) {
                let (found, exempt) = self.notebook(content, &regions, &findings);
                findings.extend(found);
                allowed.extend(exempt);
            }
            if utf16.is_some() {
                for f in findings.iter_mut().chain(allowed.iter_mut()) {
                    f.decoded.insert(0, crate::decode::Encoding::Utf16.name());
                }
            }
            res.no_whole_keywords = !text.whole_keywords;
            res.searched = true;
            if !findings.is_empty() && !item.previous.is_empty() {
                findings = not_in_previous(repo, &item.previous, parent, findings);
            }
        }
        // An archive is opened whatever its bytes look like: a broken one may hold no NUL.
        if self.policy.archive_depth() > 0
            && (self.checks.has(Check::Secret) || self.checks.has(Check::InternalUrl))
            && let Some(kind) = super::archive::archive_kind(&item.path, content)
        {
            let members = self.archive(&item.path, content, kind);
            findings.extend(members.findings);
            allowed.extend(members.allowed);
            res.unscanned = members.unscanned;
        }
        findings.append(&mut whole_file);
        res.findings = findings
            .into_iter()
            .map(|f| (item.order, with_place(f, item)))
            .collect();
        res.inline_allowed = allowed.into_iter().map(|f| with_place(f, item)).collect();
        res
    }

    /// One check over a whole file. The text checks search the changed regions together, in
    /// `text`; commit and push checks never read files. An `oversize` file (above
    /// `scan.max_file_size`) is left to the checks that stream.
    fn file_check(
        &self,
        check: Check,
        item: &FileItem,
        content: &[u8],
        oversize: bool,
    ) -> Vec<Finding> {
        let found = match check {
            Check::Secret | Check::InternalUrl | Check::Dco | Check::Approval => return Vec::new(),
            Check::Spdx if oversize => return Vec::new(),
            Check::Spdx => spdx::check_file(&item.path, content, &self.project, &self.policy.spdx),
            Check::Artifact => {
                let large = content.len() as u64 > self.policy.artifact.max_file_size;
                if !(large || artifact::is_artifact(&item.path, content)) {
                    return Vec::new();
                }
                let licensed = self.licensed(&item.path);
                artifact::check_file(&item.path, content, licensed, &self.policy.artifact)
            }
        };
        self.capped(check, found)
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
                    &self.policy.artifact,
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
    pub(super) fn text(&self, content: &[u8], search: Search<'_>, syntax: Syntax) -> Text {
        let regions = search.regions;
        let index = LineIndex::new(content);
        let mut out = Vec::new();
        let mut whole_keywords = true;
        for check in Check::ALL.into_iter().filter(|c| self.checks.has(*c)) {
            match check {
                Check::Secret => {
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
                Check::InternalUrl => out.extend(self.urls.check(
                    content,
                    regions,
                    &index,
                    &self.policy.terms,
                    syntax,
                )),
                // Whole files (`file_check`), commits and pushes.
                Check::Spdx | Check::Artifact | Check::Dco | Check::Approval => {}
            }
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
}

/// Drops findings whose value already occurs in one of the previous versions. `first` is the
/// content of `previous[0]` when the caller already read it (it is not read again).
fn not_in_previous(
    repo: Option<&git2::Repository>,
    previous: &[git2::Oid],
    first: Option<&[u8]>,
    findings: Vec<Finding>,
) -> Vec<Finding> {
    let skip = usize::from(first.is_some());
    let loaded: Vec<Vec<u8>> = previous[skip..]
        .iter()
        .filter_map(|id| load(repo, &Bytes::Blob(*id)).ok())
        .collect();
    let olds: Vec<&[u8]> = first
        .into_iter()
        .chain(loaded.iter().map(Vec::as_slice))
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
