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
        let budget = Budget::new(self.policy.scan.max_file_size.saturating_mul(4));
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
        let max = self.policy.scan.archive_depth;
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
        let max = self.policy.scan.max_file_size;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckSet;
    use crate::container::build;
    use crate::decode::tests::Rng;
    use crate::policy::Policy;
    use crate::reuse::Project;
    use crate::source::lfs::Lfs;

    /// Opens `data` as the file `path` would be, if it is an archive.
    fn walk(engine: &Engine<'_>, path: &str, data: &[u8]) -> Option<Members> {
        let kind = archive_kind(path, data)?;
        Some(engine.archive(path, data, kind))
    }

    #[test]
    fn random_truncated_and_damaged_archives_are_walked_without_panic() {
        let policy =
            Policy::from_text("t.toml", "[scan]\nmax_file_size = 200_000\n").expect("valid");
        let engine = Engine::new(
            &policy,
            CheckSet::all(),
            None,
            Project::default(),
            Lfs::default(),
        );
        // A token whose checksum holds, made here so that no file holds one.
        let body = "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0";
        let sum = crate::rules::checksum::base62(u64::from(crc32fast::hash(body.as_bytes())), 6);
        let token = format!("ghp_{body}{sum}");
        let text = format!("TOKEN={token}\n");
        let inner = build::zip(&[("conf/app.env", text.as_bytes())]);
        let tar = build::tar(&[("a/app.env", text.as_bytes()), ("a/inner.zip", &inner)]);
        let seeds: Vec<(&str, Vec<u8>)> = vec![
            (
                "x.zip",
                build::zip(&[("a.txt", text.as_bytes()), ("in.zip", &inner)]),
            ),
            ("x.tar", tar.clone()),
            ("x.tar.gz", build::gzip(&tar)),
            ("x.tar.bz2", build::bzip2(&tar)),
            ("x.tar.xz", build::xz(&tar)),
            ("x.tar.zst", build::zstd(&tar)),
        ];
        // The whole archives give the secret at its member path.
        for (name, data) in &seeds {
            let m = walk(&engine, name, data).expect("an archive");
            assert!(
                m.findings.iter().any(|f| f.rule == "github-pat"),
                "{name}: {:?} {:?}",
                m.unscanned,
                m.findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
            );
        }
        let mut rng = Rng::new(0xa7c4_1e15);
        let mut walked = 0;
        for round in 0..1_500 {
            let (name, seed) = &seeds[rng.below(seeds.len())];
            let mut data = seed.clone();
            match round % 3 {
                0 => data.truncate(rng.below(data.len() + 1)),
                1 => {
                    for _ in 0..1 + rng.below(8) {
                        let at = rng.below(data.len());
                        data[at] = rng.next() as u8;
                    }
                }
                _ => {
                    let at = rng.below(data.len());
                    let junk: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
                    data.splice(at..at, junk);
                }
            }
            if let Some(m) = walk(&engine, name, &data) {
                walked += 1;
                for f in &m.findings {
                    assert!(f.path.as_deref().is_some_and(|p| p.starts_with(*name)));
                }
            }
        }
        assert!(walked > 500, "{walked}");
    }
}
