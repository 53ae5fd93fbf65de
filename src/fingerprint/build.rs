//! `git outbound fingerprint build`: reads folders (honouring `.gitignore`) and git
//! repositories (the HEAD tree, or with `all_versions` every blob in the history) on every
//! core, fingerprints each text file, drops fingerprints found in more than `COMMON_FILES`
//! files (licence headers, common includes, generated code), keys the rest, pairs each with
//! the one that follows it in its file and writes the index.

use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use super::{Gram, Header, Index, Keyer, Params, Scratch, grams, key_check};
use crate::error::Error;

/// Files above this size are generated or data, not code someone copies from.
const MAX_FILE: u64 = 4 << 20;

/// What to build.
pub struct BuildOptions {
    pub output: PathBuf,
    pub name: String,
    pub exclude: Vec<String>,
    pub paths: Vec<PathBuf>,
    pub all_versions: bool,
    /// The org's key, or `None` for the built-in one.
    pub key: Option<Vec<u8>>,
    pub params: Params,
    pub common_files: u32,
}

/// One file to read: a path on disk, or a blob of a repository (with its path).
enum Input {
    Disk(PathBuf),
    Blob(usize, git2::Oid),
}

struct Listed {
    path: String,
    input: Input,
}

/// What the files of one path (its versions) gave.
struct PathGrams {
    /// The fingerprints of each version, in order.
    seqs: Vec<Vec<u64>>,
    /// The distinct fingerprints of all versions.
    hashes: Vec<u64>,
    files: u64,
    bytes: u64,
}

/// Builds the index; returns its header and the size of the file written.
pub fn build(opts: &BuildOptions) -> Result<(Header, u64), Error> {
    let exclude = globs(&opts.exclude)?;
    let mut listed = Vec::new();
    let mut sources = Vec::new();
    let mut repos = Vec::new();
    for path in &opts.paths {
        if !path.exists() {
            return Err(Error::Usage(format!("'{}' does not exist", path.display())));
        }
        match repository_at(path) {
            Some(repo) => {
                let (name, files) = repo_files(&repo, path, opts.all_versions, &exclude)?;
                sources.push(name);
                listed.extend(files.into_iter().map(|(p, id)| Listed {
                    path: p,
                    input: Input::Blob(repos.len(), id),
                }));
                repos.push(repo.path().to_path_buf());
            }
            None => {
                sources.push(source_name(path));
                listed.extend(disk_files(path, &exclude)?);
            }
        }
    }
    // The versions of one path count as one place where a fingerprint is seen.
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    let groups: Vec<&[Listed]> = listed.chunk_by(|a, b| a.path == b.path).collect();
    let per_thread = crate::git::PerThread::<Vec<Option<git2::Repository>>>::default();
    let params = opts.params;
    let results: Vec<PathGrams> = groups
        .par_iter()
        .with_max_len(64)
        .map_init(
            || (Scratch::default(), Vec::<Gram>::new()),
            |(scratch, out), group| {
                let mut slot = per_thread.slot();
                let opened = slot.get_or_insert_with(|| repos.iter().map(|_| None).collect());
                let (mut seqs, mut hashes, mut files, mut bytes) = (Vec::new(), Vec::new(), 0, 0);
                for item in group.iter() {
                    let Some(text) = read(&item.input, &repos, opened) else {
                        continue;
                    };
                    if text.len() as u64 > MAX_FILE || crate::check::looks_binary(&text) {
                        continue;
                    }
                    grams(&item.path, &text, params, scratch, out);
                    let seq: Vec<u64> = out.iter().map(|g| g.hash).collect();
                    hashes.extend_from_slice(&seq);
                    seqs.push(seq);
                    (files, bytes) = (files + 1, bytes + text.len() as u64);
                }
                hashes.sort_unstable();
                hashes.dedup();
                PathGrams {
                    seqs,
                    hashes,
                    files,
                    bytes,
                }
            },
        )
        .collect();
    let files = results.iter().map(|r| r.files).sum();
    let bytes = results.iter().map(|r| r.bytes).sum();
    let mut all: Vec<u64> = results
        .iter()
        .flat_map(|r| r.hashes.iter().copied())
        .collect();
    all.par_sort_unstable();
    let (kept, dropped) = drop_common(&all, opts.common_files);
    drop(all);
    let keyer = Keyer::new(opts.key.as_deref().unwrap_or(super::BUILT_IN_KEY));
    let keyed: Vec<u64> = kept.par_iter().map(|h| keyer.key(*h)).collect();
    let mut map = Keyed::with_capacity_and_hasher(kept.len(), Default::default());
    map.extend(kept.into_iter().zip(keyed));
    let keyed = map;
    let entries: Vec<(u64, u8)> = results
        .par_iter()
        .flat_map_iter(|r| r.seqs.iter())
        .flat_map_iter(|seq| successors(seq, &keyed))
        .collect();
    drop(results);
    let header = Header {
        format: 2,
        name: opts.name.clone(),
        sources,
        exclude: opts.exclude.clone(),
        k: params.k as u32,
        window: params.window as u32,
        identifiers: params.identifiers,
        common_files: opts.common_files,
        key_check: key_check(&keyer),
        keyed: opts.key.is_some(),
        files,
        bytes,
        fingerprints: 0,
        dropped_common: dropped,
        built_by: format!("git-outbound {}", env!("CARGO_PKG_VERSION")),
    };
    let size = Index::write(&opts.output, &header, &entries)?;
    let header = Index::read(&opts.output)?.header;
    Ok((header, size))
}

/// The distinct hashes of `sorted` seen in at most `most` files (each file listed its hashes
/// once), and how many distinct hashes were dropped.
fn drop_common(sorted: &[u64], most: u32) -> (Vec<u64>, u64) {
    let mut kept = Vec::new();
    let mut dropped = 0;
    for run in sorted.chunk_by(|a, b| a == b) {
        if run.len() as u64 <= u64::from(most) {
            kept.push(run[0]);
        } else {
            dropped += 1;
        }
    }
    (kept, dropped)
}

/// The keyed hash of each kept fingerprint.
type Keyed = std::collections::HashMap<u64, u64, foldhash::fast::FixedState>;

/// The kept fingerprints of one file's sequence `seq`, keyed, each with the tag of the kept
/// fingerprint after it (0 after the last).
fn successors(seq: &[u64], keyed: &Keyed) -> Vec<(u64, u8)> {
    let stored: Vec<u64> = seq.iter().filter_map(|h| keyed.get(h).copied()).collect();
    let next = stored.iter().skip(1).map(|k| super::index::tag(*k));
    stored
        .iter()
        .zip(next.chain(std::iter::once(0)))
        .map(|(k, n)| (*k, n))
        .collect()
}

fn read(
    input: &Input,
    repos: &[PathBuf],
    opened: &mut [Option<git2::Repository>],
) -> Option<Vec<u8>> {
    match input {
        Input::Disk(p) => {
            let meta = std::fs::metadata(p).ok()?;
            (meta.len() <= MAX_FILE).then(|| std::fs::read(p).ok())?
        }
        Input::Blob(r, id) => {
            if opened[*r].is_none() {
                opened[*r] = git2::Repository::open(&repos[*r]).ok();
            }
            let repo = opened[*r].as_ref()?;
            let blob = repo.find_blob(*id).ok()?;
            Some(blob.content().to_vec())
        }
    }
}

fn globs(patterns: &[String]) -> Result<GlobSet, Error> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let glob =
            crate::glob::path_glob(p).map_err(|e| Error::Usage(format!("--exclude '{p}': {e}")))?;
        set.add(glob);
        if !p.contains('/') {
            // A pattern without `/` matches a name in any folder, as in .gitignore.
            let any = crate::glob::path_glob(&format!("**/{p}"))
                .map_err(|e| Error::Usage(format!("--exclude '{p}': {e}")))?;
            set.add(any);
        }
    }
    set.build()
        .map_err(|e| Error::Usage(format!("--exclude: {e}")))
}

/// The repository whose root (work tree or bare git dir) is `path`, if it is one.
fn repository_at(path: &Path) -> Option<git2::Repository> {
    let repo = git2::Repository::open(path).ok()?;
    let root = repo.workdir().unwrap_or(repo.path());
    let same = |a: &Path, b: &Path| a.canonicalize().ok() == b.canonicalize().ok();
    same(root, path).then_some(repo)
}

fn source_name(path: &Path) -> String {
    path.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| path.display().to_string())
}

/// Files under `root`, honouring `.gitignore`, with paths relative to `root`.
fn disk_files(root: &Path, exclude: &GlobSet) -> Result<Vec<Listed>, Error> {
    if root.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(vec![Listed {
            path: name,
            input: Input::Disk(root.to_path_buf()),
        }]);
    }
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(root).hidden(false).build() {
        let entry =
            entry.map_err(|e| Error::Usage(format!("reading '{}': {e}", root.display())))?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel.starts_with(".git/") || exclude.is_match(&rel) {
            continue;
        }
        out.push(Listed {
            path: rel,
            input: Input::Disk(entry.path().to_path_buf()),
        });
    }
    Ok(out)
}

/// The blobs of a repository's HEAD tree, or of every commit's tree, with their paths; and
/// the source's name (`folder@commit`).
fn repo_files(
    repo: &git2::Repository,
    path: &Path,
    all_versions: bool,
    exclude: &GlobSet,
) -> Result<(String, Vec<(String, git2::Oid)>), Error> {
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| Error::git(format!("reading HEAD of '{}'", path.display()), e))?;
    let name = format!("{}@{}", source_name(path), &head.id().to_string()[..12]);
    let mut commits = vec![head.id()];
    if all_versions {
        let mut walk = repo
            .revwalk()
            .map_err(|e| Error::git("walking history", e))?;
        walk.push_glob("*")
            .map_err(|e| Error::git("walking history", e))?;
        commits = walk.filter_map(Result::ok).collect();
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for id in commits {
        let tree = repo
            .find_commit(id)
            .and_then(|c| c.tree())
            .map_err(|e| Error::git(format!("reading the tree of {id}"), e))?;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) && seen.insert(entry.id()) {
                let p = format!("{dir}{}", entry.name().unwrap_or(""));
                if !exclude.is_match(&p) {
                    out.push((p, entry.id()));
                }
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(|e| Error::git("walking a tree", e))?;
    }
    Ok((name, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_in_many_files_are_dropped_as_boilerplate() {
        let sorted = [1, 1, 1, 2, 3, 3];
        assert_eq!(drop_common(&sorted, 2), (vec![2, 3], 1));
    }

    #[test]
    fn each_kept_fingerprint_names_the_next_kept_one() {
        let keyed: Keyed = [(10, 0x1a01), (20, 0x2b02), (30, 0x3c03)]
            .into_iter()
            .collect();
        // 99 was dropped as boilerplate: 10's successor is 30.
        assert_eq!(
            successors(&[10, 99, 30, 20], &keyed),
            [(0x1a01, 0x03), (0x3c03, 0x02), (0x2b02, 0)]
        );
        assert!(successors(&[99], &keyed).is_empty());
    }

    #[test]
    fn excludes_without_a_slash_match_in_any_folder() {
        let set = globs(&["*.gen.c".into(), "vendor/**".into()]).unwrap();
        assert!(set.is_match("a/b/x.gen.c"));
        assert!(set.is_match("vendor/x/y.c"));
        assert!(!set.is_match("src/vendor/y.c"));
    }
}
