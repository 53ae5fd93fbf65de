//! Sources: what is outbound. Each source yields file items (content to check, with the
//! earlier versions it replaces) and commit items (messages and identities). Sources only
//! describe content; `scan.rs` loads it on the worker threads, so memory stays flat however
//! large the input.

pub mod lfs;
pub mod patch;
pub mod push;
pub mod range;
pub mod reach;
pub mod reuse;
pub mod staged;
mod treediff;
pub mod worktree;

use std::fmt;
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

/// A person as git records them: `user.name` and `user.email` of an author or committer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bytes that did not decode in the commit's encoding are shown as `\xNN`.
        let (name, email) = (
            crate::encoding::printable(&self.name),
            crate::encoding::printable(&self.email),
        );
        write!(f, "{name} <{email}>")
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

/// A commit checked as a long list was read, so that its message is not held to the end:
/// only what the checks found is kept (`Engine::check_commit`).
#[derive(Debug)]
pub struct CheckedCommit {
    pub order: usize,
    pub findings: Vec<crate::finding::Finding>,
    pub allowed: Vec<crate::finding::Finding>,
}

/// The checks of one commit's message and identities: findings, and findings allowed inline.
pub type CommitCheck<'a> = &'a (
        dyn Fn(&CommitItem) -> (Vec<crate::finding::Finding>, Vec<crate::finding::Finding>) + Sync
    );

/// Everything a source found.
#[derive(Debug, Default)]
pub struct Items {
    pub files: Vec<FileItem>,
    pub commits: Vec<CommitItem>,
    /// Commits checked while they were listed (only those with findings are kept), and how
    /// many were checked that way.
    pub checked: Vec<CheckedCommit>,
    pub checked_commits: usize,
    /// History: the same value at the same path is reported once, at its first commit.
    pub first_only: bool,
    /// Problems met while listing (unreadable directories...): reported, exit 2 at the end.
    pub errors: Vec<String>,
    /// Names that leave with a push: the refs it creates or updates.
    pub names: Vec<NameItem>,
}

/// A ref name that a push publishes, and the id it will point at.
#[derive(Debug, Clone)]
pub struct NameItem {
    pub name: String,
    pub commit: Option<String>,
}

impl NameItem {
    /// The refs that `updates` create or update (deletions publish no name).
    pub fn of_updates(updates: &[push::RefUpdate]) -> Vec<NameItem> {
        updates
            .iter()
            .filter(|u| !u.is_deletion())
            .map(|u| NameItem {
                name: u.target_ref.clone(),
                commit: Some(u.new.clone()),
            })
            .collect()
    }
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

impl CheckedCommit {
    /// Checks `c` with `check`: `None` when nothing was found.
    pub fn of(c: &CommitItem, check: CommitCheck) -> Option<CheckedCommit> {
        let (findings, allowed) = check(c);
        (!findings.is_empty() || !allowed.is_empty()).then_some(CheckedCommit {
            order: c.order,
            findings,
            allowed,
        })
    }
}

impl CommitItem {
    /// A commit's message and identities, decoded with the commit's `encoding` header as git
    /// does. Reads the commit object only, never its tree.
    pub fn from_commit(c: &git2::Commit, order: usize) -> CommitItem {
        CommitItem::from_parts(c.id(), c.raw_header_bytes(), c.message_raw_bytes(), order)
    }

    /// A commit from its object's bytes as git stores them: the header, a blank line, the
    /// message (what `git cat-file commit` prints).
    pub fn from_object(id: Oid, data: &[u8], order: usize) -> CommitItem {
        let (header, message) = match memchr::memmem::find(data, b"\n\n") {
            Some(i) => (&data[..i], &data[i + 2..]),
            None => (data, &b""[..]),
        };
        CommitItem::from_parts(id, header, message, order)
    }

    fn from_parts(id: Oid, header: &[u8], message: &[u8], order: usize) -> CommitItem {
        let (mut author, mut committer, mut label, mut parents) = (None, None, None, 0);
        // Continuation lines of multi-line headers (`gpgsig`) start with a space and match
        // none of these.
        for line in header.split(|&b| b == b'\n') {
            if line.starts_with(b"parent ") {
                parents += 1;
            } else if let Some(rest) = line.strip_prefix(b"author ") {
                author.get_or_insert(rest);
            } else if let Some(rest) = line.strip_prefix(b"committer ") {
                committer.get_or_insert(rest);
            } else if let Some(rest) = line.strip_prefix(b"encoding ") {
                // A label that is not UTF-8 names no encoding: the text reads as UTF-8.
                label = label.or(std::str::from_utf8(rest).ok());
            }
        }
        // As libgit2's `git_commit_message`: the line feeds before the message are dropped.
        let start = message
            .iter()
            .position(|&b| b != b'\n')
            .unwrap_or(message.len());
        CommitItem {
            id: id.to_string(),
            message: encoding::decode(&message[start..], label),
            author: Identity::from_ident(author.unwrap_or_default(), label),
            committer: Identity::from_ident(committer.unwrap_or_default(), label),
            parents,
            is_tag: false,
            order,
        }
    }
}

impl Identity {
    /// An identity from the `Name <email> time zone` of a commit header, split as git splits
    /// it (`split_ident_line`): the name is what precedes the first `<`, less trailing
    /// spaces; the email what lies between it and the next `>`. A line without both is no
    /// identity.
    pub fn from_ident(line: &[u8], label: Option<&str>) -> Identity {
        let Some(lt) = memchr::memchr(b'<', line) else {
            return Identity::default();
        };
        let Some(gt) = memchr::memchr(b'>', &line[lt + 1..]) else {
            return Identity::default();
        };
        let name = &line[..lt];
        let end = name
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .map_or(0, |i| i + 1);
        Identity {
            name: encoding::decode(&name[..end], label),
            email: encoding::decode(&line[lt + 1..lt + 1 + gt], label),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_objects_read_as_git_reads_them() {
        let data = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
            parent 1111111111111111111111111111111111111111\n\
            parent 2222222222222222222222222222222222222222\n\
            author Ren\xe9 Roe  <rene@example.com> 1767225600 +0100\n\
            committer Bex <bex@example.org> 1767225600 +0000\n\
            encoding ISO-8859-1\n\
            gpgsig -----BEGIN PGP SIGNATURE-----\n \n author Not Me <no@example.com>\n \
            -----END PGP SIGNATURE-----\n\
            \n\nFix\n\nSigned-off-by: Ren\xe9 Roe <rene@example.com>\n";
        let c = CommitItem::from_object(Oid::ZERO_SHA1, data, 3);
        assert_eq!(c.author.name, "René Roe");
        assert_eq!(c.author.email, "rene@example.com");
        assert_eq!(
            (c.committer.name.as_str(), c.parents, c.order),
            ("Bex", 2, 3)
        );
        assert_eq!(
            c.message,
            "Fix\n\nSigned-off-by: René Roe <rene@example.com>\n"
        );
    }

    #[test]
    fn identities_split_at_the_first_angle_brackets() {
        let split = |line: &[u8]| {
            let i = Identity::from_ident(line, None);
            (i.name, i.email)
        };
        let pair = |n: &str, e: &str| (n.to_string(), e.to_string());
        assert_eq!(
            split(b"Jane Doe <jane@example.com> 1 +0000"),
            pair("Jane Doe", "jane@example.com")
        );
        assert_eq!(
            split(b"Jane<j@x.org> <k@y.org> 1 +0000"),
            pair("Jane", "j@x.org")
        );
        assert_eq!(split(b"<j@x.org> 1 +0000"), pair("", "j@x.org"));
        assert_eq!(split(b"Jane Doe 1 +0000"), pair("", ""));
        assert_eq!(split(b"Jane <j@x.org"), pair("", ""));
    }
}
