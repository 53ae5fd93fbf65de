//! `scan --staged` and the pre-commit hook: the index against HEAD (the empty tree on an
//! unborn branch), read through git2. git hands hooks a temporary index in `GIT_INDEX_FILE`
//! for `git commit -a` and `git commit <path>`; libgit2 does not follow that variable by
//! itself, so it is opened here explicitly.

use std::path::PathBuf;

use git2::{Delta, DiffOptions, Index, Repository};

use super::{Bytes, FileItem, Items};
use crate::error::Error;

/// The index git will commit.
pub fn index(repo: &Repository) -> Result<Index, Error> {
    match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        Some(file) => {
            let mut path = PathBuf::from(&file);
            if path.is_relative() {
                path = std::env::current_dir()
                    .map_err(|e| Error::io(".", e))?
                    .join(path);
            }
            Index::open(&path)
                .map_err(|e| Error::git(format!("reading the index '{}'", path.display()), e))
        }
        None => repo.index().map_err(|e| Error::git("reading the index", e)),
    }
}

/// The staged change: every file `index` adds or modifies relative to HEAD.
pub fn items(repo: &Repository, index: &Index) -> Result<Items, Error> {
    let head_tree = match repo.head() {
        Ok(h) => Some(
            h.peel_to_tree()
                .map_err(|e| Error::git("reading HEAD", e))?,
        ),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            None
        }
        Err(e) => return Err(Error::git("reading HEAD", e)),
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true);
    let diff = repo
        .diff_tree_to_index(head_tree.as_ref(), Some(index), Some(&mut opts))
        .map_err(|e| Error::git("comparing the index with HEAD", e))?;
    Ok(Items {
        files: changed_files(&diff, None, 0),
        ..Items::default()
    })
}

/// Files a diff adds or modifies, skipping pure renames and mode changes, submodules and
/// deletions.
pub fn changed_files(
    diff: &git2::Diff,
    commit: Option<&std::sync::Arc<str>>,
    order: usize,
) -> Vec<FileItem> {
    let deleted: std::collections::HashSet<git2::Oid> = diff
        .deltas()
        .filter(|d| d.status() == Delta::Deleted)
        .map(|d| d.old_file().id())
        .collect();
    let mut out = Vec::new();
    for d in diff.deltas() {
        let (old, new) = (d.old_file(), d.new_file());
        let blob_mode = matches!(
            new.mode(),
            git2::FileMode::Blob
                | git2::FileMode::BlobExecutable
                | git2::FileMode::BlobGroupWritable
                | git2::FileMode::Link
        );
        if !blob_mode || new.id().is_zero() || new.id() == old.id() {
            continue;
        }
        let previous = match d.status() {
            Delta::Added if deleted.contains(&new.id()) => continue, // a rename: nothing new
            Delta::Added | Delta::Untracked => Vec::new(),
            _ if old.id().is_zero() => Vec::new(),
            _ => vec![old.id()],
        };
        let Some(path) = new.path_bytes() else {
            continue;
        };
        out.push(FileItem {
            path: String::from_utf8_lossy(path).into_owned(),
            bytes: Bytes::Blob(new.id()),
            previous,
            commit: commit.cloned(),
            order,
        });
    }
    out
}
