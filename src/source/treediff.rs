//! What one commit adds, found by comparing raw trees: the commit's tree and its first
//! parent's are read straight from the object database and compared entry by entry, and only
//! subtrees whose ids differ are opened (as `git diff-tree` does). libgit2's tree-to-tree diff
//! sets up iterators, path buffers and a diff list per commit, and its object cache keeps every
//! tree a long range reads; here a commit costs the trees it changes, and a worker keeps only
//! the trees of the last few commits (a commit's tree is the next commit's parent tree).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use git2::{ObjectType, Odb, Oid};

use super::{Bytes, CommitItem, FileItem};
use crate::diff::{common_prefix, common_suffix};
use crate::error::Error;
use crate::pack::{Data, Objects};

/// Trees a worker keeps before it forgets them all (a long range otherwise keeps every tree).
const KEPT_TREES: usize = 4096;

/// One entry of a tree: its mode (octal as git writes it), name and id, borrowed from the
/// tree's bytes.
#[derive(Clone, Copy)]
struct Entry<'t> {
    mode: u32,
    name: &'t [u8],
    id: Oid,
}

impl Entry<'_> {
    fn is_tree(&self) -> bool {
        self.mode == 0o040000
    }

    /// A file's content: a regular file, executable or not, or a symbolic link (a submodule
    /// is a commit of another repository, not content).
    fn is_file(&self) -> bool {
        matches!(self.mode, 0o100644 | 0o100755 | 0o100664 | 0o120000)
    }

    /// The key git sorts a tree's entries by: a subtree sorts as if its name ended in `/`.
    fn sort_key(&self) -> (&[u8], u8) {
        (self.name, if self.is_tree() { b'/' } else { 0 })
    }
}

/// A parsed tree: its bytes, and where each entry lies in them (mode, start of the name, end
/// of the name). One allocation for the entries, none per name.
pub(super) struct Parsed {
    data: Data,
    entries: Vec<(u32, u32, u32)>,
}

impl Parsed {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn get(&self, i: usize) -> Option<Entry<'_>> {
        let &(mode, start, end) = self.entries.get(i)?;
        let (start, end) = (start as usize, end as usize);
        let id = Oid::from_bytes(&self.data[end + 1..end + 21]).ok()?;
        Some(Entry {
            mode,
            name: &self.data[start..end],
            id,
        })
    }

    fn iter(&self) -> impl Iterator<Item = Entry<'_>> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Each entry's name, id and kind as libgit2 gives it: a folder, a submodule's commit,
    /// or else a blob.
    pub(super) fn entries(&self) -> impl Iterator<Item = (&[u8], Oid, ObjectType)> {
        self.changed(0..self.len())
    }

    /// The entries at positions `range`, as [`Parsed::entries`] gives them.
    fn changed(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = (&[u8], Oid, ObjectType)> {
        range.filter_map(|i| self.get(i)).map(|e| {
            let kind = match e.mode & 0o170000 {
                0o040000 => ObjectType::Tree,
                0o160000 => ObjectType::Commit,
                _ => ObjectType::Blob,
            };
            (e.name, e.id, kind)
        })
    }

    /// Where entry `i` lies in the tree's bytes, mode to id.
    fn span(&self, i: usize) -> std::ops::Range<usize> {
        let start = match i {
            0 => 0,
            _ => self.entries[i - 1].2 as usize + 21,
        };
        start..self.entries[i].2 as usize + 21
    }

    /// The entries of this version of a folder that `old`, another version of it, does not
    /// hold as they are. The bytes the two have in common at the start and at the end are
    /// passed over entry by entry: an entry that lies in the common start lies at the same
    /// place in both (each is read from the first byte on), and one in the common end is
    /// passed over only where `old` has an entry of the same length at the same distance
    /// from its end. What is left (most often one entry) is what changed, or may have.
    pub(super) fn entries_changed_from(
        &self,
        old: &Parsed,
    ) -> impl Iterator<Item = (&[u8], Oid, ObjectType)> {
        let (new_bytes, old_bytes) = (&self.data[..], &old.data[..]);
        let prefix = common_prefix(new_bytes, old_bytes);
        let most = new_bytes.len().min(old_bytes.len()) - prefix;
        let suffix = common_suffix(
            &new_bytes[new_bytes.len() - most..],
            &old_bytes[old_bytes.len() - most..],
        );
        let first = self
            .entries
            .partition_point(|&(_, _, name_end)| name_end as usize + 21 <= prefix);
        let (mut end, mut k) = (self.len(), old.len());
        while end > first && k > first {
            let (n, o) = (self.span(end - 1), old.span(k - 1));
            let same = n.len() == o.len()
                && new_bytes.len() - n.start <= suffix
                && new_bytes.len() - n.end == old_bytes.len() - o.end;
            if !same {
                break;
            }
            end -= 1;
            k -= 1;
        }
        self.changed(first..end)
    }
}

/// Tree `id`, read through `objects` (straight from the packs) or else `odb`.
pub(super) fn read_tree(objects: &mut Objects, odb: &Odb, id: Oid) -> Result<Parsed, Error> {
    let (kind, data) = objects.read(odb, id)?;
    if kind != ObjectType::Tree {
        return Err(Error::Internal(format!("{id} is not a tree")));
    }
    parse_tree(data, id)
}

type Tree = Rc<Parsed>;

/// Reads commits and trees (straight from the packs, see [`crate::pack`]), keeping the trees
/// it read last.
pub struct Reader<'r> {
    odb: Odb<'r>,
    objects: &'r mut Objects,
    trees: HashMap<Oid, Tree, foldhash::fast::RandomState>,
}

/// A commit's header fields this module needs, and its item.
pub struct Commit {
    pub tree: Oid,
    pub parents: Vec<Oid>,
    pub item: CommitItem,
}

impl<'r> Reader<'r> {
    pub fn new(repo: &'r git2::Repository, objects: &'r mut Objects) -> Result<Reader<'r>, Error> {
        let odb = crate::git::odb(repo)?;
        Ok(Reader {
            odb,
            objects,
            trees: HashMap::default(),
        })
    }

    /// Reads commit `id`: its tree, its parents and its item (message, identities).
    pub fn commit(&mut self, id: Oid, order: usize) -> Result<Commit, Error> {
        let (kind, data) = self.objects.read(&self.odb, id)?;
        if kind != ObjectType::Commit {
            return Err(Error::Internal(format!("{id} is not a commit")));
        }
        let data = &data[..];
        let header = memchr::memmem::find(data, b"\n\n").map_or(data, |i| &data[..i]);
        let (mut tree, mut parents) = (None, Vec::new());
        for line in header.split(|&b| b == b'\n') {
            let hex = |rest: &[u8]| {
                std::str::from_utf8(rest)
                    .ok()
                    .and_then(|s| Oid::from_str(s).ok())
            };
            if let Some(rest) = line.strip_prefix(b"tree ") {
                tree = tree.or(hex(rest));
            } else if let Some(rest) = line.strip_prefix(b"parent ") {
                parents.extend(hex(rest));
            }
        }
        let tree = tree.ok_or_else(|| Error::Internal(format!("commit {id} names no tree")))?;
        Ok(Commit {
            tree,
            parents,
            item: CommitItem::from_object(id, data, order),
        })
    }

    fn tree(&mut self, id: Oid) -> Result<Tree, Error> {
        if let Some(t) = self.trees.get(&id) {
            return Ok(t.clone());
        }
        let tree = Rc::new(read_tree(self.objects, &self.odb, id)?);
        if self.trees.len() >= KEPT_TREES {
            self.trees.clear();
        }
        self.trees.insert(id, tree.clone());
        Ok(tree)
    }

    /// The id of the blob at `path` in tree `root`, if there is one.
    fn blob_at(&mut self, root: Oid, path: &str) -> Result<Option<Oid>, Error> {
        let mut tree = root;
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            let t = self.tree(tree)?;
            let Some(e) = t.iter().find(|e| e.name == part.as_bytes()) else {
                return Ok(None);
            };
            match (parts.peek().is_some(), e.is_tree()) {
                (true, true) => tree = e.id,
                (false, false) if e.is_file() => return Ok(Some(e.id)),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// What commit `c` adds relative to its parents: each file it adds or modifies, with the
    /// first parent's version as `previous`. A pure rename (a new path whose blob the commit
    /// deletes elsewhere) adds nothing; a merge adds only what differs from every parent.
    pub fn added_files(&mut self, c: &Commit, id: &Arc<str>) -> Result<Vec<FileItem>, Error> {
        let mut found = Changes::default();
        let first = c
            .parents
            .first()
            .map(|p| self.commit_tree(*p))
            .transpose()?;
        self.compare(first, Some(c.tree), "", &mut found)?;
        let deleted = match found.added == 0 {
            true => HashSet::default(),
            false => self.blobs_of(&found.deleted)?,
        };
        let mut files = Vec::with_capacity(found.changed.len());
        for (path, new, old) in found.changed {
            if old.is_none() && deleted.contains(&new) {
                continue; // a rename: nothing new
            }
            files.push(FileItem {
                path,
                bytes: Bytes::Blob(new),
                previous: old.into_iter().collect(),
                commit: Some(id.clone()),
                order: c.item.order,
            });
        }
        if c.parents.len() > 1 {
            let others: Vec<Oid> = c.parents[1..]
                .iter()
                .map(|p| self.commit_tree(*p))
                .collect::<Result<_, _>>()?;
            let mut kept = Vec::with_capacity(files.len());
            for mut f in files {
                let mut blobs = Vec::new();
                for root in &others {
                    blobs.extend(self.blob_at(*root, &f.path)?);
                }
                let Bytes::Blob(new) = f.bytes else { continue };
                if blobs.contains(&new) {
                    continue; // identical to one parent: the merge adds nothing here
                }
                f.previous.extend(blobs);
                kept.push(f);
            }
            files = kept;
        }
        Ok(files)
    }

    fn commit_tree(&mut self, id: Oid) -> Result<Oid, Error> {
        let (_, data) = self.objects.read(&self.odb, id)?;
        data.strip_prefix(b"tree ")
            .and_then(|rest| rest.get(..40))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|s| Oid::from_str(s).ok())
            .ok_or_else(|| Error::Internal(format!("commit {id} names no tree")))
    }

    /// Compares tree `old` with tree `new` under `prefix`, opening only subtrees that differ.
    fn compare(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
        prefix: &str,
        out: &mut Changes,
    ) -> Result<(), Error> {
        if old == new {
            return Ok(());
        }
        let empty = Rc::new(Parsed {
            data: Data::default(),
            entries: Vec::new(),
        });
        let old = old
            .map(|t| self.tree(t))
            .transpose()?
            .unwrap_or(empty.clone());
        let new = new.map(|t| self.tree(t)).transpose()?.unwrap_or(empty);
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            let (a, b) = (old.get(i), new.get(j));
            let order = match (a, b) {
                (Some(a), Some(b)) => a.sort_key().cmp(&b.sort_key()),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (a, b) = match order {
                std::cmp::Ordering::Less => {
                    i += 1;
                    (a, None)
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (None, b)
                }
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (a, b)
                }
            };
            self.entry(a.as_ref(), b.as_ref(), prefix, out)?;
        }
        Ok(())
    }

    /// One name of a compared tree: `a` before, `b` after (same name and kind when both).
    fn entry(
        &mut self,
        a: Option<&Entry>,
        b: Option<&Entry>,
        prefix: &str,
        out: &mut Changes,
    ) -> Result<(), Error> {
        let path = |e: &Entry| {
            let name = String::from_utf8_lossy(e.name);
            match prefix {
                "" => name.into_owned(),
                _ => format!("{prefix}/{name}"),
            }
        };
        // Entries of one name are both trees or both not (a tree sorts apart from a file).
        match (a, b) {
            (Some(a), Some(b)) if a.id == b.id => {}
            (Some(a), Some(b)) if a.is_tree() => {
                self.compare(Some(a.id), Some(b.id), &path(b), out)?
            }
            (None, Some(b)) if b.is_tree() => self.compare(None, Some(b.id), &path(b), out)?,
            (Some(a), None) if a.is_tree() => out.deleted.push((a.id, false)),
            (a, Some(b)) if b.is_file() => {
                let old = a.filter(|a| a.is_file()).map(|a| a.id);
                out.added += usize::from(old.is_none());
                out.changed.push((path(b), b.id, old));
            }
            (Some(a), _) if a.is_file() => out.deleted.push((a.id, true)),
            _ => {}
        }
        Ok(())
    }

    /// The blob ids of deleted entries: blobs as they are, trees opened.
    fn blobs_of(
        &mut self,
        deleted: &[(Oid, bool)],
    ) -> Result<HashSet<Oid, foldhash::fast::RandomState>, Error> {
        let mut out = HashSet::default();
        let mut trees: Vec<Oid> = Vec::new();
        for (id, blob) in deleted {
            match blob {
                true => {
                    out.insert(*id);
                }
                false => trees.push(*id),
            }
        }
        while let Some(t) = trees.pop() {
            for e in self.tree(t)?.iter() {
                if e.is_tree() {
                    trees.push(e.id);
                } else if e.is_file() {
                    out.insert(e.id);
                }
            }
        }
        Ok(out)
    }
}

/// What a comparison found: files added or modified (path, new blob, old blob), deleted
/// entries (id, whether a blob), and how many files are new.
#[derive(Default)]
struct Changes {
    changed: Vec<(String, Oid, Option<Oid>)>,
    deleted: Vec<(Oid, bool)>,
    added: usize,
}

/// Parses a raw tree: entries of `<octal mode> <name>\0<20-byte id>`.
fn parse_tree(data: Data, id: Oid) -> Result<Parsed, Error> {
    let bad = || Error::Internal(format!("tree {id} is malformed"));
    let mut entries = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let space = at + memchr::memchr(b' ', &data[at..]).ok_or_else(bad)?;
        let mode = std::str::from_utf8(&data[at..space])
            .ok()
            .and_then(|m| u32::from_str_radix(m, 8).ok())
            .ok_or_else(bad)?;
        let nul = space + 1 + memchr::memchr(0, &data[space + 1..]).ok_or_else(bad)?;
        if nul + 21 > data.len() || data.len() > u32::MAX as usize {
            return Err(bad());
        }
        entries.push((mode, (space + 1) as u32, nul as u32));
        at = nul + 21;
    }
    Ok(Parsed { data, entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &std::path::Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn added(repo: &git2::Repository, spec: &str) -> Vec<(String, usize)> {
        let id = repo.revparse_single(spec).expect(spec).id();
        let mut objects = Objects::new(crate::pack::Packs::open(repo));
        let mut reader = Reader::new(repo, &mut objects).expect("reader");
        let c = reader.commit(id, 0).expect("commit");
        let mut files: Vec<(String, usize)> = reader
            .added_files(&c, &"x".into())
            .expect("files")
            .into_iter()
            .map(|f| (f.path, f.previous.len()))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn only_added_and_modified_files_count_renames_deletions_and_clean_merges_add_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let write = |p: &str, text: &str| {
            let path = d.join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        git(d, &["init", "-q", "-b", "main", "."]);
        write("a/b/c.txt", "one\n");
        write("a/d.txt", "two\n");
        write("x.txt", "three\n");
        write("a.c", "four\n");
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "first"]);
        write("a/b/c.txt", "one more\n");
        git(d, &["mv", "x.txt", "y.txt"]);
        git(d, &["rm", "-q", "a/d.txt"]);
        write("a/e/f.txt", "five\n");
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "second"]);
        git(d, &["checkout", "-q", "-b", "side", "HEAD~1"]);
        write("side.txt", "six\n");
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "side"]);
        git(d, &["checkout", "-q", "main"]);
        git(d, &["merge", "-q", "--no-edit", "side"]);
        let repo = git2::Repository::open(d).expect("open");
        let first = added(&repo, "main~1~1");
        assert_eq!(first.len(), 4);
        assert!(first.iter().all(|(_, prev)| *prev == 0));
        assert_eq!(
            added(&repo, "main~1"),
            vec![("a/b/c.txt".to_string(), 1), ("a/e/f.txt".to_string(), 0)]
        );
        assert_eq!(added(&repo, "main"), vec![]);
    }

    /// A raw tree of `(mode, name, id)` entries.
    fn raw(entries: &[(&str, String, [u8; 20])]) -> Parsed {
        let mut data = Vec::new();
        for (mode, name, id) in entries {
            data.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            data.extend_from_slice(id);
        }
        parse_tree(Data::new(data), Oid::ZERO_SHA1).expect("a tree")
    }

    #[test]
    fn entries_changed_from_another_version_hold_every_entry_it_lacks() {
        // Ids made of the bytes a misread would stumble on: spaces, NULs and digits.
        let id = |n: usize| {
            let mut id = [0u8; 20];
            for (k, b) in id.iter_mut().enumerate() {
                *b = [b' ', 0, b'4', b'0', (n * 7 + k) as u8][(n + k) % 5];
            }
            id
        };
        let entry = |n: usize| {
            let mode = if n % 4 == 0 { "40000" } else { "100644" };
            (mode, format!("e{n:03}"), id(n))
        };
        let base: Vec<_> = (0..40).map(entry).collect();
        let mut versions: Vec<Vec<_>> = Vec::new();
        for at in [0, 1, 17, 38, 39] {
            let mut v = base.clone();
            v[at].2 = id(at + 100); // modified
            versions.push(v);
            let mut v = base.clone();
            v.remove(at); // deleted
            versions.push(v);
            let mut v = base.clone();
            v.insert(at, ("100644", format!("e{at:03}a"), id(at + 200))); // added
            versions.push(v);
            let mut v = base.clone();
            v[at].1 = format!("e{at:03}b"); // renamed (one letter longer)
            versions.push(v);
        }
        let old = raw(&base);
        let held: Vec<_> = old.entries().map(|(n, i, k)| (n.to_vec(), i, k)).collect();
        for v in &versions {
            let new = raw(v);
            let changed: Vec<_> = new
                .entries_changed_from(&old)
                .map(|(n, i, k)| (n.to_vec(), i, k))
                .collect();
            for e in new.entries().map(|(n, i, k)| (n.to_vec(), i, k)) {
                if !held.contains(&e) {
                    assert!(changed.contains(&e), "{:?} is new and not looked at", e.0);
                }
            }
            assert!(
                changed.len() <= 2,
                "{} entries looked at for one change",
                changed.len()
            );
        }
        // The same version: nothing changed; a version of another folder: all of it.
        assert_eq!(old.entries_changed_from(&old).count(), 0);
        let other = raw(&(50..60).map(entry).collect::<Vec<_>>());
        assert_eq!(other.entries_changed_from(&old).count(), 10);
    }
}
