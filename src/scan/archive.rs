//! Archives among the changed files: zip and its kin (jar, war, whl, nupkg, apk, docx, xlsx,
//! odt...), tar, gzip, bzip2, xz and zstd, opened through `crate::container` and nested up to
//! `scan.archive_depth`. Each member is searched by the text checks as a file of its own, at
//! `outer.zip!inner/dir/file.py`. A member past a limit (unpacked bytes, ratio, count, depth)
//! and an archive that cannot be opened are listed as not scanned, never passed in silence.

use super::Engine;
use super::file::Search;
use crate::check::internal_url::Syntax;
use crate::container::{self, Budget, Kind, Visitor};
use crate::finding::Finding;
use crate::outcome::Skipped;
use crate::rules::whole;

/// Bytes of a container's head that `container::sniff` needs.
const HEAD: usize = 512;

/// What the members of one archive produced.
#[derive(Default)]
pub(super) struct Members {
    pub(super) findings: Vec<Finding>,
    pub(super) allowed: Vec<Finding>,
    pub(super) unscanned: Vec<Skipped>,
}

/// The container `content` starts, if it is one the text checks open.
pub(super) fn archive_kind(path: &str, content: &[u8]) -> Option<Kind> {
    container::sniff(path, &content[..content.len().min(HEAD)]).filter(|k| *k != Kind::SevenZip)
}

impl Engine<'_> {
    /// The text checks over the members of the archive `content` at `path`.
    pub(super) fn archive(&self, path: &str, content: &[u8], kind: Kind) -> Members {
        // Every container nested in one file shares this many unpacked bytes.
        let budget = Budget::new(self.policy.max_file_size().saturating_mul(4));
        let mut out = Members::default();
        self.open_archive(path, content, kind, 1, &budget, &mut out);
        out
    }

    fn open_archive(
        &self,
        place: &str,
        data: &[u8],
        kind: Kind,
        depth: usize,
        budget: &Budget,
        out: &mut Members,
    ) {
        let max = self.policy.archive_depth();
        if depth > max {
            out.unscanned.push(Skipped {
                path: place.to_string(),
                reason: format!(
                    "{} nested more than scan.archive_depth ({max}) deep",
                    kind.name()
                ),
            });
            return;
        }
        let mut walk = Walk {
            engine: self,
            place,
            kind,
            depth,
            budget,
            out,
        };
        if let Err(why) = container::open(kind, place, data, budget, &mut walk) {
            out.unscanned.push(Skipped {
                path: place.to_string(),
                reason: format!("{} not opened: {why}", kind.name()),
            });
        }
    }

    /// One member that is not itself a container: searched whole, as a file.
    fn member(&self, place: &str, data: &[u8], out: &mut Members) {
        let max = self.policy.max_file_size();
        if data.len() as u64 > max {
            out.unscanned.push(Skipped {
                path: place.to_string(),
                reason: format!("{} bytes, above scan.max_file_size ({max})", data.len()),
            });
            return;
        }
        // Text with a UTF-16 byte order mark is searched as the text it is, as a file is.
        let utf16 = super::file::utf16_text(data);
        let text = match &utf16 {
            Some(t) => t.as_bytes(),
            None if crate::check::looks_binary(data) => return,
            None => data,
        };
        let all = whole(text.len());
        let search = Search {
            regions: &all,
            outside: true,
        };
        let found = self.text(text, search, Syntax::of(place));
        let (mut decoded, mut exempt) = self.decoded(text, &all, &found.findings);
        if super::notebook::is_notebook(place) {
            let (more, allowed) = self.notebook(text, &all, &found.findings);
            decoded.extend(more);
            exempt.extend(allowed);
        }
        let placed = |mut f: Finding| {
            f.path = Some(place.to_string());
            f
        };
        out.findings
            .extend(found.findings.into_iter().chain(decoded).map(placed));
        out.allowed
            .extend(found.allowed.into_iter().chain(exempt).map(placed));
    }
}

/// Hands each member of one container back to the engine.
struct Walk<'e, 'p, 'o> {
    engine: &'e Engine<'p>,
    place: &'o str,
    kind: Kind,
    depth: usize,
    budget: &'o Budget,
    out: &'o mut Members,
}

impl Visitor for Walk<'_, '_, '_> {
    fn member(&mut self, name: &str, data: &[u8]) {
        let mut place = container::join(self.place, name);
        match archive_kind(name, data) {
            Some(kind) => {
                // A compressed tar (`x.tar.gz`) counts as one archive, and its members are
                // `x.tar.gz!dir/file`.
                let tarball = self.kind.is_stream() && kind == Kind::Tar;
                if tarball {
                    place = self.place.to_string();
                }
                self.engine.open_archive(
                    &place,
                    data,
                    kind,
                    self.depth + usize::from(!tarball),
                    self.budget,
                    self.out,
                );
            }
            None => self.engine.member(&place, data, self.out),
        }
    }

    fn unreadable(&mut self, name: &str, why: String) {
        self.out.unscanned.push(Skipped {
            path: container::join(self.place, name),
            reason: why,
        });
    }
}
