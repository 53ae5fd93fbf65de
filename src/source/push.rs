//! Pushes: the ref updates git hands the pre-push and pre-receive hooks, and what they make
//! outbound. The outbound commits are those reachable from the new ids and from none of the
//! ids the other side is known to have (the old ids that exist locally, the tracking refs of
//! the push target, or every ref a server already holds). Also the numbers the approval gate
//! needs about those commits.

use git2::{ObjectType, Oid, Repository};

use super::{CommitItem, Identity, range};
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
                "{hook}: line {} of stdin is not '{shape}': {line:?}",
                i + 1
            )));
        }
        out.push(f);
    }
    Ok(out)
}

/// What a push sends: the commits (oldest first) and annotated tags.
pub struct Outbound {
    pub commits: Vec<Oid>,
    pub tags: Vec<CommitItem>,
}

/// The commits the other side lacks, given the ids to send and the ids it has.
pub fn outbound(repo: &Repository, include: &[Oid], exclude: &[Oid]) -> Result<Outbound, Error> {
    let mut commit_tips = Vec::new();
    let mut tags = Vec::new();
    for id in include {
        let obj = repo
            .find_object(*id, None)
            .map_err(|e| Error::git(format!("reading {id}"), e))?;
        if obj.kind() == Some(ObjectType::Tag) {
            if let Some(tag) = obj.as_tag() {
                let who = tag
                    .tagger()
                    .map(|s| Identity::from_signature(&s))
                    .unwrap_or_default();
                tags.push(CommitItem {
                    id: tag.id().to_string(),
                    message: String::from_utf8_lossy(tag.message_bytes().unwrap_or_default())
                        .into_owned(),
                    author: who.clone(),
                    committer: who,
                    parents: 0,
                    is_tag: true,
                    order: 0,
                });
            }
        }
        if let Ok(c) = obj.peel_to_commit() {
            commit_tips.push(c.id());
        }
    }
    Ok(Outbound {
        commits: range::commits(repo, &commit_tips, exclude)?,
        tags,
    })
}

/// What `updates` send: from their new ids, less their old ids and `known` (ids the receiving
/// side is known to have).
pub fn updates_outbound(
    repo: &Repository,
    updates: &[RefUpdate],
    known: &[Oid],
) -> Result<Outbound, Error> {
    let id = |s: &str| Oid::from_str(s).map_err(|e| Error::git(format!("push id '{s}'"), e));
    let include: Vec<Oid> = updates
        .iter()
        .filter(|u| !u.is_deletion())
        .map(|u| id(&u.new))
        .collect::<Result<_, _>>()?;
    let mut exclude: Vec<Oid> = updates
        .iter()
        .filter(|u| !git::is_zero(&u.old))
        .map(|u| id(&u.old))
        .collect::<Result<_, _>>()?;
    exclude.extend_from_slice(known);
    outbound(repo, &include, &exclude)
}

/// Ids of `refs/remotes/<remote>/*`.
pub fn tracking_refs(repo: &Repository, remote: &str) -> Vec<Oid> {
    let glob = format!("refs/remotes/{remote}/*");
    let Ok(refs) = repo.references_glob(&glob) else {
        return Vec::new();
    };
    refs.filter_map(|r| r.ok()?.target()).collect()
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

/// The numbers the approval gate needs: lines added and deleted and paths, per commit.
pub fn summary<'a>(
    repo: &Repository,
    destination: &'a str,
    has_refs: bool,
    update: &RefUpdate,
    commits: &[Oid],
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
        let stats = diff.stats().map_err(|e| Error::git("counting lines", e))?;
        let paths = diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or(d.old_file().path())
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect();
        let author = Identity::from_signature(&c.author());
        pushed.push(approval::PushedCommit {
            id: id.to_string(),
            author_name: author.name,
            author_email: author.email,
            added: stats.insertions() as u64,
            deleted: stats.deletions() as u64,
            paths,
        });
    }
    Ok(approval::Push {
        destination,
        remote_has_refs: has_refs,
        base: (!git::is_zero(&update.old)).then(|| update.old.clone()),
        tip: update.new.clone(),
        commits: pushed,
        today: approval::today(),
    })
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
}
