//! One file's checks: the versions of a path in order, each read once (a blob where libgit2
//! holds it, a file with one open), searched where it differs from the version before, and
//! the findings kept that the change adds.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use git2::Oid;

use super::{Engine, FileResult, changed_regions, load, with_place};
use crate::check::internal_url::Syntax;
use crate::check::{LineIndex, artifact, inline_allow, ip_overlap, secret, spdx};
use crate::error::Error;
use crate::finding::Severity;
use crate::finding::{Check, Finding};
use crate::pack::{Data, Objects};
use crate::rules::whole;
use crate::source::lfs::{self, Pointer};
use crate::source::{Bytes, FileItem};

/// A blob's bytes: straight from the packs when one holds it (see [`crate::pack`]), else
/// through libgit2.
fn read_blob(repo: &git2::Repository, objects: &mut Objects, id: Oid) -> Result<Data, Error> {
    if let Some((git2::ObjectType::Blob, bytes)) = objects.find(id)? {
        return Ok(bytes);
    }
    Ok(Arc::new(
        crate::git::find_blob(repo, id)?.content().to_vec(),
    ))
}

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
        objects: &mut Objects,
        group: &[FileItem],
        first_only: bool,
    ) -> Vec<FileResult> {
        let mut before: Option<(Oid, Data)> = None;
        let (mut before_clean, mut before_searched) = (false, false);
        let mut out = Vec::with_capacity(group.len());
        for item in group {
            let (Bytes::Blob(id), Some(r)) = (&item.bytes, repo) else {
                out.push(self.file(repo, item));
                continue;
            };
            let blob = match read_blob(r, objects, *id) {
                Ok(b) => b,
                Err(e) => {
                    out.push(FileResult {
                        error: Some(format!("{}: {e}", item.path)),
                        ..FileResult::default()
                    });
                    continue;
                }
            };
            let held = before.take();
            // An LFS pointer: the content it names is what leaves.
            if let Some(p) = lfs::parse(&blob) {
                out.push(self.lfs_object(repo, item, &p));
                (before_clean, before_searched) = (false, false);
                continue;
            }
            let (parent, clean) = match (item.previous.first(), held) {
                (Some(p), Some((b, content))) if b == *p => (Some(content), before_clean),
                (Some(p), _) => (read_blob(r, objects, *p).ok(), false),
                // In a history the version before stands for everything reported so far, so it
                // serves only if it was searched itself (not binary, not too large).
                (None, held) if first_only && before_searched => {
                    (held.map(|(_, c)| c), before_clean)
                }
                (None, _) => (None, false),
            };
            let reference = parent.as_ref().map(|b| Reference {
                content: b,
                no_whole_keywords: clean,
            });
            let res = self.content(repo, item, &blob, reference);
            (before_clean, before_searched) = (res.no_whole_keywords, res.searched);
            out.push(res);
            before = Some((*id, blob));
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
                Ok(c) => match lfs::parse(&c) {
                    Some(pointer) => self.lfs_object(repo, item, &pointer),
                    None => self.content(repo, item, &c, None),
                },
                Err(e) => failed(e),
            };
        };
        // One open and one fstat per file: the size decides before anything is read.
        let read = std::fs::File::open(p).and_then(|mut f| {
            let len = f.metadata()?.len();
            if len > self.policy.scan.max_file_size {
                return Ok(Err(len));
            }
            let mut c = Vec::with_capacity(len as usize + 1);
            std::io::Read::read_to_end(&mut f, &mut c)?;
            Ok(Ok(c))
        });
        match read {
            Ok(Ok(c)) => match lfs::parse(&c) {
                Some(pointer) => self.lfs_object(repo, item, &pointer),
                None => self.content(repo, item, &c, None),
            },
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
        // Text with a UTF-16 byte order mark (what PowerShell 5.1's `>` writes) is checked as
        // the text it is, not as binary; so is the version it is compared with.
        let (decoded, decoded_reference) = (
            utf16_text(content),
            reference.as_ref().and_then(|r| utf16_text(r.content)),
        );
        let content = decoded.as_ref().map_or(content, |d| d.as_bytes());
        let reference = match (reference, &decoded_reference) {
            (Some(_), Some(d)) => Some(Reference {
                content: d.as_bytes(),
                no_whole_keywords: false,
            }),
            (r, _) => r,
        };
        let mut res = FileResult {
            bytes: content.len() as u64,
            ..FileResult::default()
        };
        let oversize = content.len() as u64 > self.policy.scan.max_file_size;
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
        let binary = crate::check::looks_binary(content);
        let (mut findings, mut allowed) = (Vec::new(), Vec::new());
        if !binary {
            // Only a parent version that was itself searched (text, within the size limit)
            // may narrow the search or excuse a value: a value in a binary or oversized
            // version was never looked at, so it was never reported.
            let reference = reference.filter(|r| self.searchable(r.content));
            let parent = reference.as_ref().map(|r| r.content);
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
            res.no_whole_keywords = !text.whole_keywords;
            res.searched = true;
            if !findings.is_empty() && !item.previous.is_empty() {
                let searchable = |c: &[u8]| self.searchable(c);
                findings = not_in_previous(repo, &item.previous, parent, searchable, findings);
            }
            findings.extend(self.ip_overlap(item, content, &regions));
        }
        // An archive is opened whatever its bytes look like: a broken one may hold no NUL.
        if self.policy.scan.archive_depth > 0
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

    /// `ip-overlap` over the lines the change adds.
    fn ip_overlap(
        &self,
        item: &FileItem,
        content: &[u8],
        regions: &[Range<usize>],
    ) -> Vec<Finding> {
        match &self.indexes {
            Some(indexes) if self.checks.has(Check::IpOverlap) => {
                let severity = self.policy.severity(Check::IpOverlap);
                ip_overlap::check(&item.path, content, regions, indexes, severity)
            }
            _ => Vec::new(),
        }
    }

    /// Whether the text checks search a version with this content (text, within
    /// `scan.max_file_size`); only such a version may excuse a value as already there.
    fn searchable(&self, content: &[u8]) -> bool {
        content.len() as u64 <= self.policy.scan.max_file_size
            && !crate::check::looks_binary(content)
    }

    /// One check over a whole file. The text checks search the changed regions together, in
    /// `text`; commit and push checks never read files. Of an `oversize` file (above
    /// `scan.max_file_size`) the SPDX check reads the head only.
    fn file_check(
        &self,
        check: Check,
        item: &FileItem,
        content: &[u8],
        oversize: bool,
    ) -> Vec<Finding> {
        let found = match check {
            Check::Secret
            | Check::InternalUrl
            | Check::Dco
            | Check::Approval
            | Check::IpOverlap => return Vec::new(),
            Check::Spdx => {
                // The license header is at the top: a large file still has one to check.
                let head = match oversize {
                    true => &content[..content.len().min(spdx::HEAD_BYTES)],
                    false => content,
                };
                spdx::check_file(&item.path, head, &self.project, &self.policy.spdx)
            }
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

    /// The content an LFS pointer names, from the local store, checked like any file's (a
    /// large object streamed, as a large file is). An object that no store holds, or whose
    /// copy does not hash to the pointer's oid, is reported as not checked. The previous
    /// version's content, when at hand, limits the text checks to what changed.
    fn lfs_object(
        &self,
        repo: Option<&git2::Repository>,
        item: &FileItem,
        p: &Pointer,
    ) -> FileResult {
        let Some(path) = self.lfs.find(p) else {
            return self.lfs_unchecked(item, p, "is not in the local LFS store");
        };
        let mismatch = "has a local copy that does not hash to the pointer's oid";
        if p.size > self.policy.scan.max_file_size {
            // Hashed in pieces, then streamed to the checks that stream: memory stays flat.
            return match lfs::file_matches(p, &path) {
                Ok(true) => self.large_file(&path, item, p.size),
                Ok(false) => self.lfs_unchecked(item, p, mismatch),
                Err(e) => FileResult {
                    error: Some(format!("{}: {}", item.path, Error::io(&path, e))),
                    ..FileResult::default()
                },
            };
        }
        let content = match std::fs::read(&path) {
            Ok(c) if lfs::matches(p, &c) => c,
            Ok(_) => return self.lfs_unchecked(item, p, mismatch),
            Err(e) => {
                return FileResult {
                    error: Some(format!("{}: {}", item.path, Error::io(&path, e))),
                    ..FileResult::default()
                };
            }
        };
        let before = item
            .previous
            .first()
            .and_then(|id| repo?.find_blob(*id).ok())
            .and_then(|b| lfs::parse(b.content()))
            .filter(|old| old.size <= self.policy.scan.max_file_size)
            .and_then(|old| {
                let c = std::fs::read(self.lfs.find(&old)?).ok()?;
                lfs::matches(&old, &c).then_some(c)
            });
        let reference = before.as_deref().map(|content| Reference {
            content,
            no_whole_keywords: false,
        });
        self.content(repo, item, &content, reference)
    }

    /// `artifact/lfs-object-unchecked` at the severity `[lfs] missing` sets for this run.
    fn lfs_unchecked(&self, item: &FileItem, p: &Pointer, why: &str) -> FileResult {
        let mut res = FileResult::default();
        if self.lfs.missing == Severity::Off {
            return res;
        }
        let mut f = Finding::new(
            Check::Artifact,
            "lfs-object-unchecked",
            self.lfs.missing,
            format!(
                "git LFS object sha256:{} ({} bytes) {why}, so the content that leaves was not checked",
                &p.oid[..12],
                p.size
            ),
        );
        f.help = "fetch the object (`git lfs fetch`, `git lfs pull`) and run again; on a server,                   name its LFS store with `[lfs] store`; `[lfs] missing = \"warn\"` makes this a warning"
            .into();
        res.findings = vec![(item.order, with_place(f, item))];
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
        if self.checks.has(Check::Spdx) {
            // Only the head, where the license header is.
            let mut head = Vec::with_capacity(spdx::HEAD_BYTES);
            let read = std::fs::File::open(path).and_then(|f| {
                std::io::Read::read_to_end(
                    &mut std::io::Read::take(f, spdx::HEAD_BYTES as u64),
                    &mut head,
                )
            });
            match read {
                Ok(_) => {
                    res.findings = self
                        .file_check(Check::Spdx, item, &head, false)
                        .into_iter()
                        .map(|f| (item.order, with_place(f, item)))
                        .collect();
                }
                Err(e) => res.error = Some(format!("{}: {e}", item.path)),
            }
        }
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
                    let found = self.capped(Check::Artifact, fs);
                    res.findings
                        .extend(found.into_iter().map(|f| (item.order, with_place(f, item))));
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
                Check::Spdx | Check::Artifact | Check::Dco | Check::Approval | Check::IpOverlap => {
                }
            }
        }
        // An approval note names its approver on purpose: that identity is no internal URL.
        if content.starts_with(crate::approval::HEADER.as_bytes()) {
            let note = String::from_utf8_lossy(content);
            out.retain(|f| {
                f.check != Check::InternalUrl
                    || !f
                        .line
                        .is_some_and(|l| crate::approval::Statement::names_approver(&note, l))
            });
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

/// The text of `content` when it starts with a UTF-16 byte order mark (little or big
/// endian); unpaired surrogates become U+FFFD.
pub(super) fn utf16_text(content: &[u8]) -> Option<String> {
    let little = match content {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = content[2..].chunks_exact(2).map(|p| {
        let pair = [p[0], p[1]];
        if little {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// Drops findings whose value already occurs in one of the previous versions that were
/// themselves searched (`searchable`). `first` is the content of `previous[0]` when the caller
/// already read it and found it searchable (it is not read again); when it is `None`,
/// `previous[0]` is read and judged like the others.
fn not_in_previous(
    repo: Option<&git2::Repository>,
    previous: &[git2::Oid],
    first: Option<&[u8]>,
    searchable: impl Fn(&[u8]) -> bool,
    findings: Vec<Finding>,
) -> Vec<Finding> {
    let skip = usize::from(first.is_some());
    let loaded: Vec<Vec<u8>> = previous[skip..]
        .iter()
        .filter_map(|id| load(repo, &Bytes::Blob(*id)).ok())
        .filter(|c| searchable(c))
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
