//! The set difference every push and range needs: the commits reachable from some ids and
//! from none of others, found in time that follows what the first ids add, not how many
//! other ids there are or how long the history behind them is.
//!
//! `git rev-list` answers it: it walks from the new tips by commit date and stops once every
//! commit left in its queue is reachable from an excluded id (git's own "slop" rule, which
//! tolerates a few commits dated out of order), reads commits from the commit-graph file when
//! the repository has one, and peels an excluded id from that file without inflating it.
//! libgit2's walk with every excluded id hidden costs in proportion to the excluded ids and
//! the history behind them (seconds with ten thousand refs). The child git is run so that
//! nothing the user configures changes its answer: replace refs and grafts are ignored, the
//! repository is named explicitly, the quarantine of pre-receive is inherited through the
//! variables git set for the hook, and any failure is an error (a hook then refuses).
//!
//! The refs the other side has are named to git by pattern (`--glob=refs/remotes/<remote>/*`,
//! `--all`) rather than listed here: git reads them itself, so this process does no work per
//! ref. At pre-receive the quarantine answers first: a commit that only the quarantine holds
//! came with this push and cannot be reachable from a ref the repository had before (every
//! ref's history is complete in the repository's own store), so the walk from the new tips
//! stops at the first commits the repository already stored. Those are known when they are
//! old ids of the push or reachable from HEAD; only otherwise is git asked about every ref.

use std::collections::HashSet;
use std::io::{ErrorKind, Read, Write};
use std::process::{Command, Stdio};

use git2::{ObjectType, Odb, Oid, Repository, Sort};

use crate::error::Error;

/// What the other side of a push or range has: ids, and refs named by pattern.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Ids it has (the old ids of a push, the start of a range).
    pub ids: Vec<Oid>,
    /// Refs of this repository that it has.
    pub refs: Refs,
}

/// Refs of this repository that the other side has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Refs {
    #[default]
    None,
    /// `refs/remotes/<remote>/*`: the tracking refs of the push target.
    Tracking(String),
    /// Every ref (a server before the push is applied).
    Every,
}

impl Known {
    pub fn ids(ids: Vec<Oid>) -> Known {
        Known {
            ids,
            refs: Refs::None,
        }
    }

    /// Whether the other side has any ref at all, as far as this side knows.
    pub fn has_refs(&self, repo: &Repository) -> bool {
        let first = match &self.refs {
            Refs::None => return false,
            Refs::Tracking(remote) => repo
                .references_glob(&format!("refs/remotes/{remote}/*"))
                .map(|mut r| r.next().is_some()),
            Refs::Every => repo.references().map(|mut r| r.next().is_some()),
        };
        first.unwrap_or(false)
    }

    /// Every commit it is known to have: the ids, then the refs' tips. Costs a read of every
    /// ref; for the few callers that need the trees themselves (ip-overlap findings).
    pub fn tips(&self, repo: &Repository) -> Result<Vec<Oid>, Error> {
        let mut tips = self.ids.clone();
        tips.extend(self.listed(repo)?);
        tips.retain(|id| !id.is_zero() && repo.find_commit(*id).is_ok());
        tips.sort();
        tips.dedup();
        Ok(tips)
    }

    /// The ids of the refs, listed through libgit2 (only when git cannot be run).
    fn listed(&self, repo: &Repository) -> Result<Vec<Oid>, Error> {
        let refs = match &self.refs {
            Refs::None => return Ok(Vec::new()),
            Refs::Tracking(remote) => repo.references_glob(&format!("refs/remotes/{remote}/*")),
            Refs::Every => repo.references(),
        }
        .map_err(|e| Error::git("listing refs", e))?;
        Ok(refs.flatten().filter_map(|r| r.target()).collect())
    }

    /// The arguments that name the refs to `git rev-list`, after `--not`.
    fn args(&self) -> Vec<String> {
        match &self.refs {
            Refs::None => Vec::new(),
            Refs::Tracking(remote) => vec![format!("--glob=refs/remotes/{remote}/*")],
            Refs::Every => vec!["--all".into()],
        }
    }
}

/// The commits reachable from `include` and from none of `exclude`, oldest first (parents
/// before children). Every id of `include` must be a commit of the repository; an id of
/// `exclude` that the repository does not have (a remote id never fetched) hides nothing,
/// and one that is not a commit hides what it peels to.
pub fn missing(repo: &Repository, include: &[Oid], exclude: &[Oid]) -> Result<Vec<Oid>, Error> {
    missing_from(repo, include, &Known::ids(exclude.to_vec()))
}

/// The commits reachable from `include` and from nothing `known` names, oldest first.
pub fn missing_from(repo: &Repository, include: &[Oid], known: &Known) -> Result<Vec<Oid>, Error> {
    for id in include {
        repo.find_commit(*id)
            .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
    }
    let odb = crate::git::odb(repo)?;
    let mut seen = HashSet::with_capacity(known.ids.len());
    let exclude: Vec<Oid> = known
        .ids
        .iter()
        .filter(|id| seen.insert(**id) && odb.exists(**id))
        .copied()
        .collect();
    if include.is_empty() {
        return Ok(Vec::new());
    }
    if known.refs == Refs::Every {
        if let Some(store) = quarantined(repo)? {
            // Each new commit is read once: libgit2's object cache would hold every one of
            // them to the end of the hook (a third of a kilobyte per commit).
            return crate::git::uncached(|| received(repo, &odb, &store, include, &exclude));
        }
    }
    if exclude.is_empty() && known.refs == Refs::None {
        // Nothing to stop at: the whole history of `include` is the answer either way.
        return walk(repo, include, &[]);
    }
    match rev_list(repo, include, &exclude, &known.args()) {
        Err(Spawn::NoGit) => {
            let mut all = exclude;
            all.extend(known.listed(repo)?);
            walk(repo, include, &all)
        }
        Err(Spawn::Failed(e)) => Err(e),
        Ok(ids) => Ok(ids),
    }
}

/// The repository's own object store, without the quarantine, when the hook runs inside one
/// (pre-receive: `GIT_QUARANTINE_PATH`).
fn quarantined(repo: &Repository) -> Result<Option<Odb<'static>>, Error> {
    if std::env::var_os("GIT_QUARANTINE_PATH").is_none_or(|q| q.is_empty()) {
        return Ok(None);
    }
    let objects = repo.commondir().join("objects");
    let store = Odb::new().map_err(|e| Error::git("opening the object database", e))?;
    // Its alternates (a fork network's shared store) are read with it.
    store
        .add_disk_alternate(&objects.to_string_lossy())
        .map_err(|e| Error::git(format!("opening {}", objects.display()), e))?;
    Ok(Some(store))
}

/// pre-receive inside the quarantine: the commits reachable from `include` that the
/// repository did not store before the push, then those it stored that no ref reaches
/// (checked by git only when some are neither an old id nor reachable from HEAD).
fn received(
    repo: &Repository,
    odb: &Odb,
    store: &Odb,
    include: &[Oid],
    exclude: &[Oid],
) -> Result<Vec<Oid>, Error> {
    let stop: HashSet<Oid> = exclude.iter().copied().collect();
    let mut state: std::collections::HashMap<Oid, bool> = std::collections::HashMap::new();
    let mut new = Vec::new();
    let mut boundary = Vec::new();
    // Depth first, each commit emitted after its parents (`true` once its parents are done).
    let mut stack: Vec<(Oid, bool)> = include.iter().map(|id| (*id, false)).collect();
    while let Some((id, parents_done)) = stack.pop() {
        if parents_done {
            new.push(id);
            continue;
        }
        if state.contains_key(&id) || stop.contains(&id) {
            continue;
        }
        if store.exists(id) {
            state.insert(id, false);
            boundary.push(id);
            continue;
        }
        state.insert(id, true);
        stack.push((id, true));
        for p in parents(odb, id)?.into_iter().rev() {
            stack.push((p, false));
        }
    }
    if boundary.is_empty() {
        return Ok(new);
    }
    // Stored before the push but perhaps reachable from no ref (a branch deleted since):
    // known when HEAD reaches it, else git is asked about every ref.
    let mut hidden = exclude.to_vec();
    hidden.extend(repo.head().ok().and_then(|h| h.target()));
    let unknown = match rev_list(repo, &boundary, &hidden, &[]) {
        Ok(ids) => ids,
        Err(Spawn::NoGit) => walk(repo, &boundary, &hidden)?,
        Err(Spawn::Failed(e)) => return Err(e),
    };
    if unknown.is_empty() {
        return Ok(new);
    }
    let mut stored = match rev_list(repo, &boundary, exclude, &["--all".to_string()]) {
        Ok(ids) => ids,
        Err(Spawn::NoGit) => {
            let mut all = exclude.to_vec();
            all.extend(Known::listed(
                &Known {
                    ids: Vec::new(),
                    refs: Refs::Every,
                },
                repo,
            )?);
            walk(repo, &boundary, &all)?
        }
        Err(Spawn::Failed(e)) => return Err(e),
    };
    stored.extend(new);
    Ok(stored)
}

/// The parents of commit `id`, read from its header.
fn parents(odb: &Odb, id: Oid) -> Result<Vec<Oid>, Error> {
    let object = odb
        .read(id)
        .map_err(|e| Error::git(format!("reading commit {id}"), e))?;
    if object.kind() != ObjectType::Commit {
        return Err(Error::Internal(format!("{id} is not a commit")));
    }
    let data = object.data();
    let header = memchr::memmem::find(data, b"\n\n").map_or(data, |i| &data[..i]);
    Ok(header
        .split(|&b| b == b'\n')
        .filter_map(|l| l.strip_prefix(b"parent "))
        .filter_map(|hex| std::str::from_utf8(hex).ok())
        .filter_map(|hex| Oid::from_str(hex).ok())
        .collect())
}

/// Why `git rev-list` gave no answer.
enum Spawn {
    /// No `git` program: the in-process walk answers instead (same result, slower).
    NoGit,
    Failed(Error),
}

/// Asks `git rev-list` for the difference (ids on stdin, so that any number of excluded ids
/// fits).
fn rev_list(
    repo: &Repository,
    include: &[Oid],
    exclude: &[Oid],
    known_refs: &[String],
) -> Result<Vec<Oid>, Spawn> {
    let failed = |what: String| Spawn::Failed(Error::Internal(what));
    let mut cmd = Command::new("git");
    cmd.arg("--git-dir")
        .arg(repo.path())
        // Replace refs and grafts rewrite parents: the history that leaves is the real one.
        .arg("--no-replace-objects")
        .args(["rev-list", "--topo-order", "--reverse", "--stdin"])
        // Revisions read from stdin are not affected by this `--not`.
        .args(if known_refs.is_empty() {
            &[][..]
        } else {
            &["--not"][..]
        })
        .args(known_refs)
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .env("GIT_GRAFT_FILE", "/dev/null")
        .env_remove("GIT_NAMESPACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(Spawn::NoGit),
        Err(e) => return Err(failed(format!("running git rev-list: {e}"))),
    };
    let mut input = String::with_capacity((include.len() + exclude.len()) * 42);
    for id in include {
        input.push_str(&format!("{id}\n"));
    }
    for id in exclude {
        input.push_str(&format!("^{id}\n"));
    }
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(failed("running git rev-list: no pipes".into()));
    };
    // git reads all of stdin before it answers; stderr is drained on its own thread so that
    // neither side waits on a full pipe.
    let (wrote, out, err) = std::thread::scope(|s| {
        let writer = s.spawn(move || stdin.write_all(input.as_bytes()));
        let errors = s.spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let mut out = String::new();
        let read = stdout.read_to_string(&mut out).map(|_| out);
        let wrote = writer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("writer panicked")));
        let err = errors.join().unwrap_or_default();
        (wrote, read, err)
    });
    let status = child
        .wait()
        .map_err(|e| failed(format!("waiting for git rev-list: {e}")))?;
    if !status.success() {
        return Err(failed(format!(
            "git rev-list failed ({status}): {}",
            err.trim()
        )));
    }
    wrote.map_err(|e| failed(format!("writing to git rev-list: {e}")))?;
    let out = out.map_err(|e| failed(format!("reading git rev-list: {e}")))?;
    out.lines()
        .map(|l| {
            Oid::from_str(l.trim()).map_err(|e| failed(format!("git rev-list printed {l:?}: {e}")))
        })
        .collect()
}

/// libgit2's walk: every commit from `include`, with `exclude` hidden (each peeled to a
/// commit first).
pub(crate) fn walk(repo: &Repository, include: &[Oid], exclude: &[Oid]) -> Result<Vec<Oid>, Error> {
    let mut walk = repo
        .revwalk()
        .map_err(|e| Error::git("walking commits", e))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(|e| Error::git("walking commits", e))?;
    for id in include {
        walk.push(*id)
            .map_err(|e| Error::git(format!("walking from {id}"), e))?;
    }
    for id in exclude {
        let peeled = repo
            .find_object(*id, None)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id());
        // An id that peels to no commit (a tag of a tree or blob) hides nothing.
        if let Ok(c) = peeled {
            walk.hide(c)
                .map_err(|e| Error::git(format!("hiding {id}"), e))?;
        }
    }
    walk.map(|r| r.map_err(|e| Error::git("walking commits", e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;
    use std::path::Path;

    fn git(dir: &Path, args: &[&str], input: Option<&str>) -> String {
        let mut c = Command::new("git");
        c.current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("git runs");
        if let Some(text) = input {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write stdin");
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().expect("git ends");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A history made with fast-import: `main` of 200 commits, a feature branch of 30 from
    /// main's 51st commit merged back at its 121st, an unrelated history of 10 under
    /// `refs/orphan`, local work (`refs/heads/new`: 10 commits from main's 151st, a merge of
    /// main's tip, one more), a rewrite of main's last 20 commits (`refs/heads/forced`), and
    /// 2,000 refs pointing all over the first three.
    fn history() -> (tempfile::TempDir, Repository) {
        let dir = tempfile::tempdir().expect("temp dir");
        git(dir.path(), &["init", "-q", "-b", "main", "."], None);
        let mut s = String::new();
        let mut mark = 0;
        let mut t = 1_700_000_000u64;
        let mut commit = |s: &mut String, r: &str, from: Option<String>, merge: Option<String>| {
            mark += 1;
            t += 60;
            let msg = format!("change {mark}");
            let _ = write!(
                s,
                "commit {r}\nmark :{mark}\ncommitter A <a@example.com> {t} +0000\ndata {}\n{msg}\n",
                msg.len()
            );
            if let Some(f) = from {
                let _ = writeln!(s, "from {f}");
            }
            if let Some(m) = merge {
                let _ = writeln!(s, "merge {m}");
            }
            let _ = write!(
                s,
                "M 100644 inline f{}.txt\ndata 2\n{}\n\n",
                mark % 7,
                mark % 10
            );
            format!(":{mark}")
        };
        let mut main = Vec::new();
        let mut feature = Vec::new();
        for i in 0..200 {
            let merge = (i == 120).then(|| feature.last().cloned()).flatten();
            main.push(commit(&mut s, "refs/heads/main", None, merge));
            if i == 50 {
                for j in 0..30 {
                    let from = (j == 0).then(|| main[50].clone());
                    feature.push(commit(&mut s, "refs/heads/feature", from, None));
                }
            }
        }
        let mut orphan = Vec::new();
        for _ in 0..10 {
            orphan.push(commit(&mut s, "refs/orphan", None, None));
        }
        let mut from = Some(main[150].clone());
        for _ in 0..10 {
            commit(&mut s, "refs/heads/new", from.take(), None);
        }
        commit(&mut s, "refs/heads/new", None, Some(main[199].clone()));
        commit(&mut s, "refs/heads/new", None, None);
        let mut from = Some(main[179].clone());
        for _ in 0..5 {
            commit(&mut s, "refs/heads/forced", from.take(), None);
        }
        let pool: Vec<&String> = main.iter().chain(&feature).chain(&orphan).collect();
        for i in 0..2000 {
            let _ = write!(
                s,
                "reset refs/changes/{:02}/{i}/1\nfrom {}\n\n",
                i % 100,
                pool[(i * 37) % pool.len()]
            );
        }
        s.push_str("done\n");
        git(dir.path(), &["fast-import", "--quiet", "--done"], Some(&s));
        git(dir.path(), &["pack-refs", "--all"], None);
        let repo = Repository::open(dir.path()).expect("open");
        (dir, repo)
    }

    fn id(repo: &Repository, spec: &str) -> Oid {
        repo.revparse_single(spec).expect(spec).id()
    }

    fn every_ref_but(repo: &Repository, but: &str) -> Vec<Oid> {
        repo.references()
            .expect("refs")
            .flatten()
            .filter(|r| r.name().ok() != Some(but))
            .filter_map(|r| r.target())
            .collect()
    }

    /// Same commits as libgit2's walk, and parents before children.
    fn same_as_walk(repo: &Repository, include: &[Oid], exclude: &[Oid]) -> Vec<Oid> {
        let found = missing(repo, include, exclude).expect("missing");
        let mut by_walk = walk(repo, include, exclude).expect("walk");
        let pos: std::collections::HashMap<Oid, usize> =
            found.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        for (i, c) in found.iter().enumerate() {
            for p in repo.find_commit(*c).expect("commit").parent_ids() {
                assert!(
                    pos.get(&p).is_none_or(|&k| k < i),
                    "{p} after its child {c}"
                );
            }
        }
        let mut sorted = found.clone();
        sorted.sort();
        by_walk.sort();
        assert_eq!(sorted, by_walk);
        found
    }

    #[test]
    fn a_new_branch_among_two_thousand_refs_adds_only_its_own_commits() {
        let (_dir, repo) = history();
        let known = every_ref_but(&repo, "refs/heads/new");
        let found = same_as_walk(&repo, &[id(&repo, "refs/heads/new")], &known);
        // 10 commits, the merge of main's tip and one more: the merge brings nothing known.
        assert_eq!(found.len(), 12);
    }

    #[test]
    fn a_force_push_adds_the_rewritten_commits_only() {
        let (_dir, repo) = history();
        let mut known = every_ref_but(&repo, "refs/heads/forced");
        known.push(id(&repo, "main"));
        let found = same_as_walk(&repo, &[id(&repo, "refs/heads/forced")], &known);
        assert_eq!(found.len(), 5);
    }

    #[test]
    fn an_unreachable_ref_and_a_merge_are_followed_when_the_other_side_lacks_them() {
        let (_dir, repo) = history();
        // The other side knows only main's first commit: everything else goes, merges and
        // the feature branch included; the unrelated history goes whole.
        let first = repo.find_commit(id(&repo, "main~199")).expect("first").id();
        let include = [id(&repo, "main"), id(&repo, "refs/orphan")];
        let found = same_as_walk(&repo, &include, &[first]);
        assert_eq!(found.len(), 199 + 30 + 10);
    }

    #[test]
    fn unknown_ids_and_tags_of_trees_hide_nothing_and_known_tips_add_nothing() {
        let (dir, repo) = history();
        let tree = git(dir.path(), &["rev-parse", "main^{tree}"], None);
        git(
            dir.path(),
            &["tag", "-a", "-m", "a tree", "treetag", &tree],
            None,
        );
        let tag = id(&repo, "refs/tags/treetag");
        let unknown = Oid::from_str(&"ab".repeat(20)).expect("oid");
        let found = same_as_walk(&repo, &[id(&repo, "refs/orphan")], &[unknown, tag]);
        assert_eq!(found.len(), 10);
        let known = every_ref_but(&repo, "");
        assert!(same_as_walk(&repo, &[id(&repo, "main")], &known).is_empty());
    }

    #[test]
    fn replace_refs_and_grafts_do_not_change_the_answer() {
        let (dir, repo) = history();
        // Main's tip rewritten to have the new branch as a second parent: a walk that
        // honoured it would find the new branch already known.
        let main = git(dir.path(), &["rev-parse", "main"], None);
        let parent = git(dir.path(), &["rev-parse", "main^"], None);
        let new = git(dir.path(), &["rev-parse", "refs/heads/new"], None);
        let tree = format!("{main}^{{tree}}");
        let fake = git(
            dir.path(),
            &["commit-tree", "-m", "x", "-p", &parent, "-p", &new, &tree],
            None,
        );
        let include = [id(&repo, "refs/heads/new")];
        let known = [id(&repo, "main")];
        git(dir.path(), &["replace", &main, &fake], None);
        assert_eq!(
            git(dir.path(), &["rev-list", &new, "--not", &main], None),
            ""
        );
        assert_eq!(missing(&repo, &include, &known).expect("missing").len(), 12);
        git(dir.path(), &["replace", "-d", &main], None);
        let grafts = dir.path().join(".git/info/grafts");
        std::fs::write(&grafts, format!("{main} {parent} {new}\n")).expect("grafts");
        assert_eq!(
            git(dir.path(), &["rev-list", &new, "--not", &main], None),
            ""
        );
        assert_eq!(missing(&repo, &include, &known).expect("missing").len(), 12);
    }
}
