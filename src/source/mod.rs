//! Sources: what is outbound. Each source yields file items (content to check, with the
//! earlier versions it replaces) and commit items (messages and identities). Sources only
//! describe content; `scan.rs` loads it on the worker threads, so memory stays flat however
//! large the input.

pub mod push;
pub mod range;
pub mod reach;
pub mod reuse;
pub mod staged;
pub mod worktree;

use std::fmt;
use std::path::PathBuf;

use git2::Oid;

/// Where a file's bytes are.
#[derive(Debug, Clone)]
pub enum Bytes {
    Disk(PathBuf),
    Blob(Oid),
}

/// Content to check. A finding whose value already occurs in one of `previous` (the same
/// path in the parent commits, or in HEAD for a staged change) is not outbound: the line was
/// already there.
#[derive(Debug, Clone)]
pub struct FileItem {
    /// Relative to the scanned root or the repository root, `/`-separated.
    pub path: String,
    pub bytes: Bytes,
    pub previous: Vec<Oid>,
    /// The commit that carries this version (shared by all of that commit's files).
    pub commit: Option<std::sync::Arc<str>>,
    /// Position of the commit, oldest first: findings are attributed to the earliest.
    pub order: usize,
}

/// A person as git records them: `user.name` and `user.email` of an author or committer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// A commit (or an annotated tag) whose message and identities leave with the change.
#[derive(Debug, Clone)]
pub struct CommitItem {
    pub id: String,
    pub message: String,
    pub author: Identity,
    pub committer: Identity,
    pub parents: usize,
    /// An annotated tag rather than a commit: only its message is checked.
    pub is_tag: bool,
    pub order: usize,
}

/// Everything a source found.
#[derive(Debug, Default)]
pub struct Items {
    pub files: Vec<FileItem>,
    pub commits: Vec<CommitItem>,
    /// History: the same value at the same path is reported once, at its first commit.
    pub first_only: bool,
    /// Problems met while listing (unreadable directories...): reported, exit 2 at the end.
    pub errors: Vec<String>,
}

impl Identity {
    pub fn from_signature(s: &git2::Signature) -> Identity {
        Identity {
            name: String::from_utf8_lossy(s.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(s.email_bytes()).into_owned(),
        }
    }
}

impl CommitItem {
    pub fn from_commit(c: &git2::Commit, order: usize) -> CommitItem {
        CommitItem {
            id: c.id().to_string(),
            message: String::from_utf8_lossy(c.message_bytes()).into_owned(),
            author: Identity::from_signature(&c.author()),
            committer: Identity::from_signature(&c.committer()),
            parents: c.parent_count(),
            is_tag: false,
            order,
        }
    }
}
