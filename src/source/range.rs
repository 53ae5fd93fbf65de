//! Commit sources: `scan --range A..B`, `scan --history`, and the outbound commits of
//! pre-push and pre-receive. Each commit is compared with its parents by tree (no content is
//! read here): a file it adds or modifies becomes an item whose `previous` holds the parents'
//! versions of that path. A merge adds only what differs from every parent, so a clean merge
//! adds nothing. `--history` needs no comparison: it walks each tree it has not met before and
//! keeps each blob at the first commit and path that carry it. When no check reads files,
//! [`commit_items`] lists the commits alone and reads no tree at all.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository};
use rayon::prelude::*;

use super::treediff::{Parsed, Reader, read_tree};
use super::{CheckedCommit, CommitCheck, CommitItem, FileItem, Items};
use crate::error::Error;
use crate::pack::{Objects, Packs};

/// Parses `A..B` (or `A` alone, meaning `A..HEAD`) into (exclude, include) ids.
pub fn parse_range(repo: &Repository, spec: &str) -> Result<(Option<Oid>, Oid), Error> {
    let resolve = |s: &str| -> Result<Oid, Error> {
        let obj = repo
            .revparse_single(s)
            .map_err(|e| Error::git(format!("unknown revision '{s}'"), e))?;
        Ok(obj
            .peel_to_commit()
            .map_err(|e| Error::git(format!("'{s}' is not a commit"), e))?
            .id())
    };
    match spec.split_once("..") {
        Some((a, b)) => {
            let a = if a.is_empty() {
                None
            } else {
                Some(resolve(a)?)
            };
            Ok((a, resolve(if b.is_empty() { "HEAD" } else { b })?))
        }
        None => Ok((Some(resolve(spec)?), resolve("HEAD")?)),
    }
}

/// The commits reachable from `include` and from none of `exclude`, oldest first (see
/// `reach`: the work follows what `include` adds, not the number of excluded ids).
pub fn commits(repo: &Repository, include: &[Oid], exclude: &[Oid]) -> Result<Vec<Oid>, Error> {
    super::reach::missing(repo, include, exclude)
}

/// Items for a list of commits (oldest first): their added files and their messages. With
/// `check`, each message is checked as its commit is read and only what it found is kept.
pub fn items(repo: &Repository, ids: &[Oid], check: Option<CommitCheck>) -> Result<Items, Error> {
    let mut items = Items::default();
    for piece in per_commit(repo, ids, check)? {
        items.files.extend(piece.files);
        items.commits.extend(piece.commits);
        items.checked.extend(piece.checked);
        items.checked_commits += piece.checked_commits;
    }
    // Versions of one file are deltas of each other in the pack: reading them on the same
    // worker, one after the other, keeps their delta bases in that worker's cache.
    items
        .files
        .sort_by(|a, b| (&a.path, a.order).cmp(&(&b.path, b.order)));
    Ok(items)
}

/// Items for a list of commits (oldest first) when no check reads files (DCO alone, say):
/// each commit's message and identities, read from the commit object alone. No tree is read
/// and nothing is compared, so a long range costs what `git log` costs.
pub fn commit_items(repo: &Repository, ids: &[Oid]) -> Result<Items, Error> {
    // Through this repository's object database: the walk that listed `ids` left each commit
    // object in the repository's cache, so none is read twice (workers with repositories of
    // their own would read every commit again). The bytes are parsed here rather than by
    // `find_commit`, whose parsed commits would stay cached until the end and then be freed
    // one by one, which costs more than parsing them.
    let odb = crate::git::odb(repo)?;
    let commits = ids
        .iter()
        .enumerate()
        .map(|(order, id)| {
            let object = odb
                .read(*id)
                .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
            Ok(CommitItem::from_object(*id, object.data(), order))
        })
        .collect::<Result<_, Error>>()?;
    Ok(Items {
        commits,
        ..Items::default()
    })
}

/// Every commit reachable from any ref, oldest first.
pub fn all_commits(repo: &Repository) -> Result<Vec<Oid>, Error> {
    let tips = tips(repo)?;
    commits(repo, &tips, &[])
}

/// The commits the refs point at (peeled), sorted, each once.
fn tips(repo: &Repository) -> Result<Vec<Oid>, Error> {
    let mut tips = Vec::new();
    for r in repo
        .references()
        .map_err(|e| Error::git("listing refs", e))?
    {
        let r = r.map_err(|e| Error::git("listing refs", e))?;
        if let Ok(c) = r.peel_to_commit() {
            tips.push(c.id());
        }
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// Every commit reachable from `tips`, each after its parents, with its tree. Each commit is
/// read once, straight from the packs: a depth-first walk that lists a commit once all its
/// parents are listed, first parents first (so a branch's commits come after the history it
/// started from). The parents are those the commit object names (replace refs and grafts do
/// not change what was stored). A parent that is not in the repository (the edge of a shallow
/// clone) ends the walk there.
fn walk_history(
    repo: &Repository,
    tips: &[Oid],
    packs: &Arc<Packs>,
) -> Result<(Vec<Oid>, Vec<Oid>), Error> {
    /// A commit met: its id, its tree and its parents (a range of `parents`).
    struct Node {
        id: Oid,
        tree: Oid,
        parents: std::ops::Range<usize>,
    }
    let odb = crate::git::odb(repo)?;
    let mut objects = Objects::new(packs.clone());
    let mut nodes: Vec<Node> = Vec::new();
    let mut parents: Vec<Oid> = Vec::new();
    let mut met: HashSet<Oid, foldhash::fast::RandomState> = HashSet::default();
    // Reads commit `id` into a new node; `false` when the repository does not hold it.
    let mut read = |id: Oid, nodes: &mut Vec<Node>, parents: &mut Vec<Oid>| {
        let data = match objects.find(id)? {
            Some((_, data)) => data,
            None => match odb.read(id) {
                Ok(o) => Arc::new(o.data().to_vec()),
                Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(false),
                Err(e) => return Err(Error::git(format!("reading commit {id}"), e)),
            },
        };
        let tree =
            tree_of(&data).ok_or_else(|| Error::Internal(format!("commit {id} names no tree")))?;
        let header = match memchr::memmem::find(&data, b"\n\n") {
            Some(end) => &data[..end],
            None => &data[..],
        };
        let start = parents.len();
        for hex in header
            .split(|&b| b == b'\n')
            .filter_map(|l| l.strip_prefix(b"parent "))
        {
            let parent = std::str::from_utf8(hex)
                .ok()
                .and_then(|h| Oid::from_str(h).ok())
                .ok_or_else(|| Error::Internal(format!("commit {id} names a bad parent")))?;
            parents.push(parent);
        }
        nodes.push(Node {
            id,
            tree,
            parents: start..parents.len(),
        });
        Ok(true)
    };
    let (mut ids, mut trees) = (Vec::new(), Vec::new());
    // The walk's path: each node, and how many of its parents were taken.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for &tip in tips {
        if !met.insert(tip) || !read(tip, &mut nodes, &mut parents)? {
            continue;
        }
        stack.push((nodes.len() - 1, 0));
        while let Some(top) = stack.last_mut() {
            let (n, taken) = *top;
            let range = nodes[n].parents.clone();
            if taken < range.len() {
                top.1 += 1;
                let parent = parents[range.start + taken];
                // A parent met before is listed already, or (in a damaged repository whose
                // commits form a cycle) on the way to being listed: either way not again.
                if met.insert(parent) && read(parent, &mut nodes, &mut parents)? {
                    stack.push((nodes.len() - 1, 0));
                }
            } else {
                ids.push(nodes[n].id);
                trees.push(nodes[n].tree);
                stack.pop();
            }
        }
    }
    Ok((ids, trees))
}

/// Commits read before their messages are checked, on every core, and dropped.
const CHECKED_TOGETHER: usize = 2048;

/// `scan --history`: every commit reachable from any ref. Each blob is read once, however
/// many commits carry it, and attributed to the first commit that introduced it. With
/// `check`, messages are checked as the commits are read and only what they found is kept.
pub fn history(repo: &Repository, check: Option<CommitCheck>) -> Result<Items, Error> {
    // The walk reads every commit once, straight from the packs (libgit2's walk reads each
    // commit as an object of its cache and keeps a node for each).
    let packs = Packs::open(repo);
    let (ids, roots) = crate::git::uncached(|| walk_history(repo, &tips(repo)?, &packs))?;
    let mut all = Items::default();
    let workers = Workers::new(repo, &packs);
    // Commits are read again on every core, `CHECKED_TOGETHER` at a time, and their messages
    // checked at once: what is kept of each is what its checks found.
    for (n, block) in ids.chunks(CHECKED_TOGETHER).enumerate() {
        let read: Vec<CommitItem> = block
            .par_chunks(COMMITS_PER_PIECE)
            .enumerate()
            .map(|(k, piece)| {
                workers.with(|repo, objects| {
                    let odb = crate::git::odb(repo)?;
                    let first = n * CHECKED_TOGETHER + k * COMMITS_PER_PIECE;
                    piece
                        .iter()
                        .enumerate()
                        .map(|(i, id)| {
                            let (_, data) = objects.read(&odb, *id)?;
                            Ok(CommitItem::from_object(*id, &data, first + i))
                        })
                        .collect::<Result<Vec<_>, Error>>()
                })
            })
            .collect::<Result<Vec<_>, Error>>()?
            .into_iter()
            .flatten()
            .collect();
        match check {
            Some(check) => {
                all.checked_commits += read.len();
                all.checked
                    .par_extend(read.par_iter().filter_map(|c| CheckedCommit::of(c, check)));
            }
            None => all.commits.extend(read),
        }
    }
    // Blob-once without comparing commits: oldest commit first, a blob already met was met at
    // an earlier commit. Each root tree is read once; then each top-level name is a task,
    // walked through every commit's entry of that name on whichever core is free, largest
    // first, each folder's new version read for what differs from its version before.
    let listed = list_tasks(&workers, &roots);
    // A blob under two top-level entries was listed by two tasks: it belongs to the first
    // commit (then the first path) that carries it.
    let mut found: Vec<Found> = listed?.into_iter().flatten().collect();
    found.par_sort_unstable_by(|a, b| (a.blob, a.order, &a.path).cmp(&(b.blob, b.order, &b.path)));
    found.dedup_by_key(|f| f.blob);
    let commit_ids: Vec<Arc<str>> = ids.iter().map(|id| id.to_string().into()).collect();
    all.files = found
        .into_iter()
        .map(|f| FileItem {
            path: f.path,
            bytes: super::Bytes::Blob(f.blob),
            previous: Vec::new(),
            commit: Some(commit_ids[f.order].clone()),
            order: f.order,
        })
        .collect();
    // A value already in an earlier version was reported there, so `previous` stays empty.
    all.files
        .par_sort_unstable_by(|a, b| (&a.path, a.order).cmp(&(&b.path, b.order)));
    all.first_only = true;
    Ok(all)
}

/// The tree of a commit object: its first header line, `tree <id>`.
fn tree_of(commit: &[u8]) -> Option<Oid> {
    let line = commit.strip_prefix(b"tree ")?;
    let end = memchr::memchr(b'\n', line)?;
    Oid::from_str(std::str::from_utf8(&line[..end]).ok()?).ok()
}

/// A blob a history walk met first: where, and at which commit (`order`).
struct Found {
    path: String,
    blob: Oid,
    order: usize,
}

/// An entry of a root tree, at the first commit (`order`) whose root holds it.
struct RootEntry {
    order: usize,
    id: Oid,
    kind: ObjectType,
}

/// Roots read per piece of parallel work.
const ROOTS_PER_PIECE: usize = 256;

/// The new blobs of the commits whose root trees are `roots` (oldest first): the root trees
/// are read once, then the entries of each top-level name walked as one task.
fn list_tasks(workers: &Workers, roots: &[Oid]) -> Result<Vec<Vec<Found>>, Error> {
    let mut unique = HashSet::with_capacity(roots.len());
    let firsts: Vec<(usize, Oid)> = roots
        .iter()
        .enumerate()
        .filter(|(_, r)| unique.insert(**r))
        .map(|(order, r)| (order, *r))
        .collect();
    let read: Vec<Vec<(Vec<u8>, RootEntry)>> = firsts
        .par_chunks(ROOTS_PER_PIECE)
        .map(|chunk| {
            workers.with(|repo, objects| {
                let odb = crate::git::odb(repo)?;
                let mut out = Vec::new();
                // A commit changes few top-level entries: an entry as the commit before had it
                // adds nothing, and is not kept (a long history would otherwise hold every
                // commit's whole root).
                let mut last: HashMap<Vec<u8>, Oid> = HashMap::new();
                for &(order, root) in chunk {
                    for (name, id, kind) in read_tree(objects, &odb, root)?.entries() {
                        if last.get(name) == Some(&id) {
                            continue;
                        }
                        last.insert(name.to_vec(), id);
                        let entry = RootEntry { order, id, kind };
                        out.push((name.to_vec(), entry));
                    }
                }
                Ok(out)
            })
        })
        .collect::<Result<_, Error>>()?;
    let mut by_name: HashMap<Vec<u8>, Vec<RootEntry>> = HashMap::new();
    for (name, entry) in read.into_iter().flatten() {
        by_name.entry(name).or_default().push(entry);
    }
    let mut tasks: Vec<(Vec<u8>, Vec<RootEntry>)> = by_name.into_iter().collect();
    // Largest first, so that no large task starts last; the name breaks ties for a stable
    // order.
    tasks.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    tasks
        .par_iter()
        .with_max_len(1)
        .map(|(name, entries)| {
            workers.with(|repo, objects| {
                let mut walk = Walk {
                    odb: crate::git::odb(repo)?,
                    objects,
                    blobs: HashSet::default(),
                    last: HashMap::new(),
                    out: Vec::new(),
                };
                for e in entries {
                    walk.new_blobs(name, e.id, e.kind, "", e.order)?;
                }
                Ok(walk.out)
            })
        })
        .collect()
}

/// One task's walk: the blobs it has met, the last version it read of each folder (its id
/// and entries), and the blobs it found. No set of trees met is kept: a folder's version is
/// read for the entries that differ from the version before it, so a version met again (a
/// revert, a copy) costs a comparison, and the blobs it holds were met.
struct Walk<'r> {
    odb: git2::Odb<'r>,
    objects: &'r mut Objects,
    blobs: HashSet<Oid, foldhash::fast::RandomState>,
    last: HashMap<String, (Oid, Parsed)>,
    out: Vec<Found>,
}

impl Walk<'_> {
    /// The blobs at the entry `name` (`id`, of `kind`, in the folder `prefix`) not met
    /// before, met at commit `order`; submodules (commit entries) are not content.
    fn new_blobs(
        &mut self,
        name: &[u8],
        id: Oid,
        kind: ObjectType,
        prefix: &str,
        order: usize,
    ) -> Result<(), Error> {
        let name = String::from_utf8_lossy(name);
        let path = || match prefix {
            "" => name.to_string(),
            _ => format!("{prefix}/{name}"),
        };
        match kind {
            ObjectType::Tree => {
                let path = path();
                // The version read last at this path: nothing new.
                if self.last.get(&path).is_some_and(|(was, _)| *was == id) {
                    return Ok(());
                }
                let old = self.last.remove(&path);
                let tree = read_tree(self.objects, &self.odb, id)?;
                // Every entry of the folder's version before was met when it was walked:
                // only the entries that differ from it are looked at.
                match &old {
                    Some((_, old)) => {
                        for (name, id, kind) in tree.entries_changed_from(old) {
                            self.new_blobs(name, id, kind, &path, order)?;
                        }
                    }
                    None => {
                        for (name, id, kind) in tree.entries() {
                            self.new_blobs(name, id, kind, &path, order)?;
                        }
                    }
                }
                self.last.insert(path, (id, tree));
            }
            ObjectType::Blob if self.blobs.insert(id) => self.out.push(Found {
                path: path(),
                blob: id,
                order,
            }),
            _ => {}
        }
        Ok(())
    }
}

/// Commits from which comparing on every core pays for opening the repository once more per
/// worker.
const PARALLEL_COMMITS: usize = 200;

/// Commits from which reading objects straight from the packs pays for the parts of the
/// pack indexes it reads (about as much as the index's ids: a shorter list reads through
/// libgit2, whose index is mapped).
const PACKED_COMMITS: usize = 1000;

/// Commits per piece of parallel work: neighbouring commits share trees (a commit's tree is
/// the next one's parent tree), so a piece keeps them on one worker.
const COMMITS_PER_PIECE: usize = 256;

/// Each commit's added files and its message (or, with `check`, what checking it found),
/// in pieces in the order of `ids` (`order` is the index). Long lists are compared on all
/// cores, one repository per worker.
fn per_commit(
    repo: &Repository,
    ids: &[Oid],
    check: Option<CommitCheck>,
) -> Result<Vec<Items>, Error> {
    let piece = |r: &Repository, objects: &mut Objects, first: usize, ids: &[Oid]| {
        let mut reader = Reader::new(r, objects)?;
        let mut out = Items::default();
        for (k, id) in ids.iter().enumerate() {
            let commit = reader.commit(*id, first + k)?;
            let name: Arc<str> = commit.item.id.as_str().into();
            out.files.extend(reader.added_files(&commit, &name)?);
            match check {
                Some(check) => {
                    out.checked.extend(CheckedCommit::of(&commit.item, check));
                    out.checked_commits += 1;
                }
                None => out.commits.push(commit.item),
            }
        }
        Ok(out)
    };
    if ids.len() < PARALLEL_COMMITS {
        return Ok(vec![piece(repo, &mut Objects::new(Packs::none()), 0, ids)?]);
    }
    // Each commit and tree is read here once or twice, and the reader keeps the trees it
    // needs again: libgit2's object cache would keep every one of them, per worker, until the
    // end (hundreds of megabytes on a long range).
    crate::git::uncached(|| compare_in_parallel(repo, ids, piece))
}

fn compare_in_parallel<F>(repo: &Repository, ids: &[Oid], piece: F) -> Result<Vec<Items>, Error>
where
    F: Fn(&Repository, &mut Objects, usize, &[Oid]) -> Result<Items, Error> + Sync,
{
    let packs = match ids.len() < PACKED_COMMITS {
        true => Packs::none(),
        false => Packs::open(repo),
    };
    // A worker keeps its reader from piece to piece: rayon hands a worker neighbouring
    // pieces, whose trees and files are versions of those it built last.
    let workers = Workers::new(repo, &packs);
    ids.par_chunks(COMMITS_PER_PIECE)
        .enumerate()
        .map(|(n, chunk)| {
            workers.with(|r, objects| piece(r, objects, n * COMMITS_PER_PIECE, chunk))
        })
        .collect()
}

/// A repository and an object reader for each worker thread, opened on the thread's first
/// piece of work and kept for its next ones.
struct Workers {
    git_dir: std::path::PathBuf,
    packs: Arc<Packs>,
    slots: crate::git::PerThread<(Repository, Objects)>,
}

impl Workers {
    fn new(repo: &Repository, packs: &Arc<Packs>) -> Workers {
        Workers {
            git_dir: repo.path().to_path_buf(),
            packs: packs.clone(),
            slots: crate::git::PerThread::default(),
        }
    }

    /// Runs `f` with the calling thread's repository and reader.
    fn with<T>(
        &self,
        f: impl FnOnce(&Repository, &mut Objects) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut held = self.slots.slot();
        let (repo, objects) = match &mut *held {
            Some(w) => w,
            empty => empty.insert((
                crate::git::reopen(&self.git_dir)?,
                Objects::new(self.packs.clone()),
            )),
        };
        f(repo, objects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::tests::git;

    /// Commits of a history with two roots, branches and merges (one of three parents):
    /// `(name, parents)` in the order they are made.
    const DAG: &[(&str, &[&str])] = &[
        ("a", &[]),
        ("b", &["a"]),
        ("x", &[]),
        ("c", &["b"]),
        ("d", &["b"]),
        ("y", &["x"]),
        ("e", &["c", "d"]),
        ("f", &["e", "y", "d"]),
        ("g", &["f"]),
        ("h", &["d"]),
    ];

    #[test]
    fn the_history_walk_lists_every_commit_once_after_its_parents() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main", "."], None);
        let mut stream = String::new();
        for (n, (name, parents)) in DAG.iter().enumerate() {
            stream.push_str(&format!(
                "commit refs/heads/{name}\nmark :{}\ncommitter A <a@example.com> {} +0000\n\
                 data 1\n{name}\n",
                n + 1,
                1_700_000_000 + n
            ));
            let mark = |p: &str| DAG.iter().position(|(q, _)| *q == p).expect("named") + 1;
            match parents.split_first() {
                Some((first, rest)) => {
                    stream.push_str(&format!("from :{}\n", mark(first)));
                    for p in rest {
                        stream.push_str(&format!("merge :{}\n", mark(p)));
                    }
                }
                None => stream.push_str("deleteall\n"),
            }
            stream.push_str(&format!("M 100644 inline {name}.txt\ndata 2\n{name}\n\n"));
        }
        git(d, &["fast-import", "--quiet"], Some(stream.as_bytes()));
        // Only the tips named by refs: a, b and x are reached through others.
        for gone in ["a", "b", "c", "e", "f", "y"] {
            git(d, &["branch", "-q", "-D", gone], None);
        }
        let check = |packs: Arc<Packs>| {
            let repo = Repository::open(d).expect("repository");
            let (ids, trees) =
                walk_history(&repo, &tips(&repo).expect("tips"), &packs).expect("the walk");
            let mut all: Vec<String> = git(d, &["rev-list", "--all"], None)
                .lines()
                .map(String::from)
                .collect();
            let mut listed: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
            all.sort();
            listed.sort();
            assert_eq!(listed, all, "every commit, each once");
            let at: HashMap<Oid, usize> = ids.iter().enumerate().map(|(n, i)| (*i, n)).collect();
            for (n, id) in ids.iter().enumerate() {
                let commit = repo.find_commit(*id).expect("commit");
                assert_eq!(trees[n], commit.tree_id());
                for p in commit.parent_ids() {
                    assert!(at[&p] < n, "{p} is listed before its child {id}");
                }
            }
        };
        // Loose objects (read through libgit2), then a pack (read straight from it).
        check(Packs::none());
        git(d, &["repack", "-a", "-d", "-q"], None);
        let repo = Repository::open(d).expect("repository");
        check(Packs::open(&repo));
    }

    #[test]
    fn the_history_walk_of_a_shallow_clone_stops_at_its_edge() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let full = d.join("full");
        std::fs::create_dir(&full).expect("dir");
        git(&full, &["init", "-q", "-b", "main", "."], None);
        for n in 0..4 {
            std::fs::write(full.join("f.txt"), format!("{n}\n")).expect("write");
            git(&full, &["add", "f.txt"], None);
            git(
                &full,
                &[
                    "-c",
                    "user.name=A",
                    "-c",
                    "user.email=a@example.com",
                    "commit",
                    "-q",
                    "-m",
                    "c",
                ],
                None,
            );
        }
        let url = format!("file://{}", full.display());
        git(d, &["clone", "-q", "--depth", "2", &url, "shallow"], None);
        let repo = Repository::open(d.join("shallow")).expect("repository");
        let (ids, _) = walk_history(&repo, &tips(&repo).expect("tips"), &Packs::open(&repo))
            .expect("the walk");
        assert_eq!(ids.len(), 2);
    }
}
