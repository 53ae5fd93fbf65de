//! Pushes: the ref updates git hands the pre-push and pre-receive hooks, and what they make
//! outbound. The outbound commits are those reachable from the new ids and from none of the
//! ids the other side is known to have (the old ids that exist locally, the tracking refs of
//! the push target, or every ref a server already holds). Also the numbers the approval gate
//! needs about those commits.

use git2::{ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};

use super::{Bytes, CommitItem, FileItem, Identity, range};
use crate::approval;
use crate::error::Error;
use crate::git;

/// One ref update of a push: a pre-push line (`<local ref> <local id> <remote ref> <remote
/// id>`) or a pre-receive line (`<old> <new> <ref>`, where both refs are the one ref).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The ref that supplies the new id (the local ref at pre-push).
    pub source_ref: String,
    /// The ref being updated on the receiving side.
    pub target_ref: String,
    /// The id sent (all zeros for a deletion).
    pub new: String,
    /// The id the receiving side had (all zeros for a new ref).
    pub old: String,
}

impl RefUpdate {
    /// Every line of pre-push stdin; a malformed line is an error (the hook then refuses).
    pub fn parse_pre_push(text: &str) -> Result<Vec<RefUpdate>, Error> {
        let shape = "<local ref> <local id> <remote ref> <remote id>";
        Ok(stdin_lines(text, "pre-push", shape, &[1, 3])?
            .into_iter()
            .map(|f| RefUpdate {
                source_ref: f[0].into(),
                new: f[1].into(),
                target_ref: f[2].into(),
                old: f[3].into(),
            })
            .collect())
    }

    /// Every line of pre-receive stdin.
    pub fn parse_pre_receive(text: &str) -> Result<Vec<RefUpdate>, Error> {
        Ok(
            stdin_lines(text, "pre-receive", "<old> <new> <ref>", &[0, 1])?
                .into_iter()
                .map(|f| RefUpdate {
                    source_ref: f[2].into(),
                    target_ref: f[2].into(),
                    new: f[1].into(),
                    old: f[0].into(),
                })
                .collect(),
        )
    }

    /// A deletion sends nothing.
    pub fn is_deletion(&self) -> bool {
        git::is_zero(&self.new)
    }
}

/// The most of a bad stdin line an error message quotes.
const QUOTED_MAX: usize = 120;

/// The hook's stdin as text. Git allows ref names that are not UTF-8; such a name is kept
/// with its bad bytes replaced (it is only shown and classified by prefix; ids are hex).
pub fn read_stdin() -> Result<String, Error> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
        .map_err(|e| Error::io("<stdin>", e))?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// `line` as an error quotes it: its start, and its length when it is long.
fn quoted(line: &str) -> String {
    if line.len() <= QUOTED_MAX {
        return format!("{line:?}");
    }
    let mut end = QUOTED_MAX;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes)", &line[..end], line.len())
}

/// Splits hook stdin into lines of whitespace-separated fields, shaped as `shape` says
/// (`"<old> <new> <ref>"`); the fields at `ids` must be hex object ids. A malformed line is an
/// error naming the hook and the line.
fn stdin_lines<'t>(
    text: &'t str,
    hook: &str,
    shape: &str,
    ids: &[usize],
) -> Result<Vec<Vec<&'t str>>, Error> {
    let width = shape.matches('<').count();
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != width
            || !ids
                .iter()
                .all(|&k| f[k].bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(Error::Usage(format!(
                "{hook}: line {} of stdin is not '{shape}': {}",
                i + 1,
                quoted(line)
            )));
        }
        out.push(f);
    }
    Ok(out)
}

/// What a push sends: the commits (oldest first), annotated tags, and the files of trees and
/// blobs that a ref names directly (a tag of a tree or of a blob).
#[derive(Default)]
pub struct Outbound {
    pub commits: Vec<Oid>,
    pub tags: Vec<CommitItem>,
    /// Every blob of a tree or blob a pushed ref peels to, named `<ref>:<path>` (a blob alone
    /// is named by its ref). Nothing tells which of them the other side has, so all are
    /// outbound.
    pub files: Vec<FileItem>,
}

/// What the other side lacks, given the ids to send (with the ref each is sent to) and the ids
/// it has: every object the push makes reachable, whatever it peels to.
pub fn outbound(
    repo: &Repository,
    include: &[(&str, Oid)],
    exclude: &[Oid],
) -> Result<Outbound, Error> {
    let mut commit_tips = Vec::new();
    let mut out = Outbound::default();
    for (name, id) in include {
        let mut obj = repo
            .find_object(*id, None)
            .map_err(|e| Error::git(format!("reading {id}"), e))?;
        // A tag may name a tag: each one's message goes out.
        while let Some(tag) = obj.as_tag() {
            out.tags.push(tag_item(tag));
            obj = tag
                .target()
                .map_err(|e| Error::git(format!("reading the target of tag {}", tag.id()), e))?;
        }
        match obj.kind() {
            Some(ObjectType::Commit) => commit_tips.push(obj.id()),
            Some(ObjectType::Tree) => {
                let tree = obj
                    .peel_to_tree()
                    .map_err(|e| Error::git("reading a tree", e))?;
                out.files.extend(tree_files(&tree, name)?);
            }
            Some(ObjectType::Blob) => out.files.push(loose_file(name.to_string(), obj.id())),
            _ => {}
        }
    }
    out.commits = range::commits(repo, &commit_tips, exclude)?;
    Ok(out)
}

fn tag_item(tag: &git2::Tag) -> CommitItem {
    let who = tag
        .tagger()
        .map(|s| Identity::from_signature(&s))
        .unwrap_or_default();
    CommitItem {
        id: tag.id().to_string(),
        message: String::from_utf8_lossy(tag.message_bytes().unwrap_or_default()).into_owned(),
        author: who.clone(),
        committer: who,
        parents: 0,
        is_tag: true,
        order: 0,
    }
}

fn loose_file(path: String, id: Oid) -> FileItem {
    FileItem {
        path,
        bytes: Bytes::Blob(id),
        previous: Vec::new(),
        commit: None,
        order: 0,
    }
}

/// Every blob under `tree`, named `<name>:<path>` (submodule entries are not content).
fn tree_files(tree: &Tree, name: &str) -> Result<Vec<FileItem>, Error> {
    let mut files = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(ObjectType::Blob) {
            let file = String::from_utf8_lossy(entry.name_bytes());
            files.push(loose_file(format!("{name}:{dir}{file}"), entry.id()));
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| Error::git(format!("walking tree {}", tree.id()), e))?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// What `updates` send: from their new ids, less their old ids and `known` (ids the receiving
/// side is known to have).
pub fn updates_outbound(
    repo: &Repository,
    updates: &[RefUpdate],
    known: &[Oid],
) -> Result<Outbound, Error> {
    let id = |s: &str| Oid::from_str(s).map_err(|e| Error::git(format!("push id '{s}'"), e));
    let include: Vec<(&str, Oid)> = updates
        .iter()
        .filter(|u| !u.is_deletion())
        .map(|u| Ok((u.target_ref.as_str(), id(&u.new)?)))
        .collect::<Result<_, Error>>()?;
    let mut exclude: Vec<Oid> = updates
        .iter()
        .filter(|u| !git::is_zero(&u.old))
        .map(|u| id(&u.old))
        .collect::<Result<_, _>>()?;
    exclude.extend_from_slice(known);
    outbound(repo, &include, &exclude)
}

/// Ids of `refs/remotes/<remote>/*`, only when they provably describe where the push goes
/// (`url`, as git hands it to the hook): the remote has one `url`, no `pushurl`, and git
/// pushes to that very URL. A remote that fetches from one place and pushes to another
/// (`pushurl`, `pushInsteadOf`, several `url`s) gets none: its tracking refs say what the
/// fetch side has, and excluding on them would let commits out unscanned.
pub fn tracking_refs(repo: &Repository, remote: &str, url: &str) -> Vec<Oid> {
    if !tracks_push_target(repo, remote, url) {
        return Vec::new();
    }
    let glob = format!("refs/remotes/{remote}/*");
    let Ok(refs) = repo.references_glob(&glob) else {
        return Vec::new();
    };
    refs.filter_map(|r| r.ok()?.target()).collect()
}

/// Whether the tracking refs of `remote` describe `url`, the place the push goes.
fn tracks_push_target(repo: &Repository, remote: &str, url: &str) -> bool {
    let Ok(config) = repo.config() else {
        return false;
    };
    let values = |key: String| {
        let mut out = Vec::new();
        if let Ok(mut entries) = config.multivar(&key, None) {
            while let Some(Ok(e)) = entries.next() {
                out.extend(e.value().map(str::to_string));
            }
        }
        out
    };
    let urls = values(format!("remote.{remote}.url"));
    let push_urls = values(format!("remote.{remote}.pushurl"));
    if url.is_empty() || urls.len() != 1 || !push_urls.is_empty() {
        return false;
    }
    // `url.<base>.insteadOf` applies to fetch and push alike; libgit2 applies it here.
    let rewritten = repo
        .find_remote(remote)
        .ok()
        .and_then(|r| r.url().ok().map(str::to_string));
    (urls[0] == url || rewritten.as_deref() == Some(url)) && only_fetched_from(&config, remote)
}

/// Whether no other remote's fetch refspec writes into `refs/remotes/<remote>/` (a fetch
/// from elsewhere would make those refs describe another place).
fn only_fetched_from(config: &git2::Config, remote: &str) -> bool {
    let ours = format!("refs/remotes/{remote}/");
    let mut ok = true;
    if let Ok(mut entries) = config.entries(Some(r"^remote\..*\.fetch$")) {
        while let Some(Ok(e)) = entries.next() {
            let (Ok(name), Ok(spec)) = (e.name(), e.value()) else {
                continue;
            };
            let owner = name
                .strip_prefix("remote.")
                .and_then(|n| n.strip_suffix(".fetch"));
            let writes_ours = spec
                .split_once(':')
                .is_some_and(|(_, dst)| dst.starts_with(&ours) || ours.starts_with(dst));
            if writes_ours && owner != Some(remote) {
                ok = false;
            }
        }
    }
    ok
}

/// Where a push to `remote` goes: its `pushurl`, else its `url`, else `remote` itself (a URL
/// or path given on the command line).
pub fn push_url(repo: &Repository, remote: &str) -> String {
    let Ok(r) = repo.find_remote(remote) else {
        return remote.to_string();
    };
    match (r.pushurl(), r.url()) {
        (Ok(Some(p)), _) => p.to_string(),
        (_, Ok(u)) => u.to_string(),
        _ => remote.to_string(),
    }
}

/// Whether the commits of a notes ref carry notes only: each tree holds blobs whose paths,
/// less the fan-out slashes `git notes` adds (`ab/cdef…`), are object ids. Anything else
/// pushed to `refs/notes/*` is a contribution like any other.
pub fn only_notes(repo: &Repository, commits: &[Oid]) -> Result<bool, Error> {
    let is_hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    for id in commits {
        let tree = repo
            .find_commit(*id)
            .and_then(|c| c.tree())
            .map_err(|e| Error::git(format!("reading the tree of {id}"), e))?;
        let mut notes = true;
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            let name = String::from_utf8_lossy(entry.name_bytes());
            let ok = match entry.kind() {
                Some(ObjectType::Tree) => is_hex(&name),
                Some(ObjectType::Blob) => {
                    let full = format!("{dir}{name}").replace('/', "");
                    is_hex(&full) && matches!(full.len(), 40 | 64)
                }
                _ => false,
            };
            notes &= ok;
            if ok {
                TreeWalkResult::Ok
            } else {
                TreeWalkResult::Abort
            }
        })
        .or_else(|e| match notes {
            false => Ok(()),
            true => Err(e),
        })
        .map_err(|e| Error::git(format!("walking the tree of {id}"), e))?;
        if !notes {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The files of every tree or blob a ref of the repository peels to (a tag of a tree or of a
/// blob): `--history` reads commits, and these are reachable without any commit.
pub fn ref_named_files(repo: &Repository) -> Result<Vec<FileItem>, Error> {
    let mut named = Vec::new();
    for r in repo
        .references()
        .map_err(|e| Error::git("listing refs", e))?
        .flatten()
    {
        let peeled = r.peel(ObjectType::Any).ok().and_then(|o| o.kind());
        let loose = matches!(peeled, Some(ObjectType::Tree | ObjectType::Blob));
        if let (true, Some(name), Some(id)) = (loose, r.name().ok(), r.target()) {
            named.push((name.to_string(), id));
        }
    }
    let include: Vec<(&str, Oid)> = named.iter().map(|(n, id)| (n.as_str(), *id)).collect();
    Ok(outbound(repo, &include, &[])?.files)
}

/// The ids of every ref the repository holds (what a server already has). They are not
/// peeled here: reading a hundred thousand tips would cost more than the push; the walk that
/// excludes them peels a tag itself and ignores what is not a commit.
pub fn every_ref(repo: &Repository) -> Result<Vec<Oid>, Error> {
    Ok(repo
        .references()
        .map_err(|e| Error::git("listing refs", e))?
        .flatten()
        .filter_map(|r| r.target())
        .collect())
}

/// The numbers the approval gate needs: lines added and deleted and paths, per commit, and
/// per file a ref names directly (`loose`, a tag of a tree or blob). Lines are counted from
/// the blobs themselves, never through attributes the pusher controls (`-diff`, `binary`).
pub fn summary<'a>(
    repo: &Repository,
    destination: &'a str,
    has_refs: bool,
    update: &RefUpdate,
    commits: &[Oid],
    loose: &[FileItem],
) -> Result<approval::Push<'a>, Error> {
    let mut pushed = Vec::new();
    for id in commits {
        let c = repo
            .find_commit(*id)
            .map_err(|e| Error::git(format!("reading {id}"), e))?;
        let tree = c.tree().map_err(|e| Error::git("reading a tree", e))?;
        let parent = c.parent(0).ok().and_then(|p| p.tree().ok());
        let diff = repo
            .diff_tree_to_tree(parent.as_ref(), Some(&tree), None)
            .map_err(|e| Error::git("diffing a commit", e))?;
        let (mut added, mut deleted) = (0, 0);
        let mut paths = Vec::new();
        for d in diff.deltas() {
            let (a, r) = lines_changed(repo, d.old_file().id(), d.new_file().id())?;
            (added, deleted) = (added + a, deleted + r);
            paths.extend(
                d.new_file()
                    .path()
                    .or(d.old_file().path())
                    .map(|p| p.to_string_lossy().into_owned()),
            );
        }
        let author = Identity::from_signature(&c.author());
        pushed.push(approval::PushedCommit {
            id: id.to_string(),
            author_name: author.name,
            author_email: author.email,
            added,
            deleted,
            paths,
        });
    }
    for f in loose {
        let Bytes::Blob(id) = f.bytes else { continue };
        pushed.push(approval::PushedCommit {
            id: id.to_string(),
            author_name: String::new(),
            author_email: String::new(),
            added: lines_changed(repo, Oid::ZERO_SHA1, id)?.0,
            deleted: 0,
            paths: vec![f.path.clone()],
        });
    }
    Ok(approval::Push {
        destination,
        remote_has_refs: has_refs,
        base: (!git::is_zero(&update.old)).then(|| update.old.clone()),
        tip: update.new.clone(),
        commits: pushed,
        today: approval::today(),
        now: approval::now(),
        notes: None,
    })
}

/// Bytes that count as one line of a binary version.
const BINARY_LINE: u64 = 80;

/// Lines added and deleted from blob `old` to blob `new` (a zero id, or a submodule's commit,
/// is no content). Text is compared line by line as text whatever its attributes; a binary
/// version (a NUL byte) counts by size: its newlines, or one line per `BINARY_LINE` bytes if
/// that is more.
fn lines_changed(repo: &Repository, old: Oid, new: Oid) -> Result<(u64, u64), Error> {
    let read = |id: Oid| match repo.find_blob(id) {
        Ok(b) => b.content().to_vec(),
        Err(_) => Vec::new(),
    };
    let (old, new) = (read(old), read(new));
    if crate::check::looks_binary(&old) || crate::check::looks_binary(&new) {
        let by_size = |c: &[u8]| {
            let newlines = memchr::memchr_iter(b'\n', c).count() as u64;
            newlines.max((c.len() as u64).div_ceil(BINARY_LINE))
        };
        return Ok((by_size(&new), by_size(&old)));
    }
    let mut opts = git2::DiffOptions::new();
    opts.force_text(true);
    let patch = git2::Patch::from_buffers(&old, None, &new, None, Some(&mut opts))
        .map_err(|e| Error::git("counting lines", e))?;
    let (_, added, deleted) = patch
        .line_stats()
        .map_err(|e| Error::git("counting lines", e))?;
    Ok((added as u64, deleted as u64))
}

/// Splits the updates into pushes of notes (to `refs/notes/*` on the receiving side, carrying
/// notes only) and the rest; `known` are the ids the receiving side has.
pub fn split_notes(
    repo: &Repository,
    updates: Vec<RefUpdate>,
    known: &[Oid],
) -> Result<(Vec<RefUpdate>, Vec<RefUpdate>), Error> {
    let (mut notes, mut rest) = (Vec::new(), Vec::new());
    for u in updates {
        let commits = match u.target_ref.starts_with("refs/notes/") {
            true => updates_outbound(repo, std::slice::from_ref(&u), known)?,
            false => {
                rest.push(u);
                continue;
            }
        };
        let plain = commits.tags.is_empty() && commits.files.is_empty();
        if plain && only_notes(repo, &commits.commits)? {
            notes.push(u);
        } else {
            rest.push(u);
        }
    }
    Ok((notes, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stdin_line_is_read_and_bad_lines_refused() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let text =
            format!("refs/heads/main {a} refs/heads/main {z}\nrefs/tags/v1 {a} refs/tags/v1 {z}\n");
        assert_eq!(RefUpdate::parse_pre_push(&text).unwrap().len(), 2);
        assert!(RefUpdate::parse_pre_push("refs/heads/main oops").is_err());
        let lines = RefUpdate::parse_pre_receive(&format!("{z} {a} refs/heads/x\n")).unwrap();
        assert_eq!(lines[0].target_ref, "refs/heads/x");
        assert!(RefUpdate::parse_pre_receive("x y refs/heads/x").is_err());
    }

    fn blob(repo: &Repository, content: &[u8]) -> Oid {
        repo.blob(content).unwrap()
    }

    #[test]
    fn lines_are_counted_from_the_blobs_and_binary_versions_by_size() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let text: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = blob(&repo, text.as_bytes());
        assert_eq!(lines_changed(&repo, Oid::ZERO_SHA1, new).unwrap(), (20, 0));
        let edited = blob(&repo, text.replace("line 3\n", "line three\n").as_bytes());
        assert_eq!(lines_changed(&repo, new, edited).unwrap(), (1, 1));
        let nul = blob(&repo, format!("\0{text}").as_bytes());
        assert_eq!(lines_changed(&repo, Oid::ZERO_SHA1, nul).unwrap(), (20, 0));
        let packed = blob(&repo, &[0u8; 800]);
        assert_eq!(
            lines_changed(&repo, Oid::ZERO_SHA1, packed).unwrap(),
            (10, 0)
        );
    }

    #[test]
    fn only_notes_trees_count_as_notes() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let sig = git2::Signature::now("A", "a@example.com").unwrap();
        let commit = |name: &str| {
            let mut tb = repo.treebuilder(None).unwrap();
            tb.insert(name, blob(&repo, b"note\n"), 0o100644).unwrap();
            let tree = repo.find_tree(tb.write().unwrap()).unwrap();
            repo.commit(None, &sig, &sig, "notes", &tree, &[]).unwrap()
        };
        let note = commit(&"ab".repeat(20));
        assert!(only_notes(&repo, &[note]).unwrap());
        let code = commit("main.rs");
        assert!(!only_notes(&repo, &[note, code]).unwrap());
    }
}
