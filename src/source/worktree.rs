//! `scan [PATH...]`: files on disk, walked with the `ignore` crate. Inside a git repository
//! `.gitignore` and `.git/info/exclude` are honoured, as git honours them; outside one they mean
//! nothing to git and are not applied (an unpacked source tree may carry a `.gitignore` of
//! its packaging). Hidden files such as `.env` are scanned; `.git` is not.

use std::path::{Path, PathBuf};

use super::{Bytes, FileItem, Items};
use crate::error::Error;
use crate::policy::Policy;

/// Lists the files under `paths`, relative to `root`.
pub fn items(root: &Path, paths: &[PathBuf], policy: &Policy) -> Result<Items, Error> {
    let mut items = Items::default();
    for p in paths {
        if !p.exists() {
            return Err(Error::Usage(format!("'{}' does not exist", p.display())));
        }
    }
    let mut walk = ignore::WalkBuilder::new(&paths[0]);
    for p in &paths[1..] {
        walk.add(p);
    }
    walk.hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(true)
        .parents(true);
    walk.filter_entry(|e| e.file_name() != ".git");
    for entry in walk.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                items.errors.push(e.to_string());
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = relative(root, entry.path());
        if policy.excluded(&path) {
            continue;
        }
        items.files.push(FileItem {
            path,
            bytes: Bytes::Disk(entry.into_path()),
            previous: Vec::new(),
            commit: None,
            order: 0,
        });
    }
    Ok(items)
}

/// `path` relative to `root` with `/` separators (the path itself when outside `root`).
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = rel.strip_prefix("./").unwrap_or(rel);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
