//! Sources: what is outbound. Each source yields file items (content to check, with the
//! earlier versions it replaces) and commit items (messages and identities). Sources only
//! describe content; `scan.rs` loads it on the worker threads, so memory stays flat however
//! large the input.

pub mod range;
pub mod reuse;
pub mod staged;
pub mod worktree;

use std::path::PathBuf;

use git2::Oid;

use crate::encoding;

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

/// A person as git records them (the DCO check's type, which sources fill).
pub use crate::check::dco::Identity;

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
    /// An identity of a commit without an `encoding` header, or of a tag: UTF-8.
    pub fn from_signature(s: &git2::Signature) -> Identity {
        Identity::from_signature_in(s, None)
    }

    /// An identity whose bytes are in the encoding `label` names (see [`crate::encoding`]).
    pub fn from_signature_in(s: &git2::Signature, label: Option<&str>) -> Identity {
        Identity {
            name: encoding::decode(s.name_bytes(), label),
            email: encoding::decode(s.email_bytes(), label),
        }
    }
}

impl CommitItem {
    /// A commit's message and identities, decoded with the commit's `encoding` header as git
    /// does. Reads the commit object only, never its tree.
    pub fn from_commit(c: &git2::Commit, order: usize) -> CommitItem {
        // A label that is not UTF-8 names no encoding: the text reads as UTF-8.
        let label = c.message_encoding().ok().flatten();
        CommitItem {
            id: c.id().to_string(),
            message: encoding::decode(c.message_bytes(), label),
            author: Identity::from_signature_in(&c.author(), label),
            committer: Identity::from_signature_in(&c.committer(), label),
            parents: c.parent_count(),
            is_tag: false,
            order,
        }
    }
}
