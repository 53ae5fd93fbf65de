//! `scan [PATH...]`: files on disk, walked with the `ignore` crate. Inside a git repository
//! `.gitignore` and `.git/info/exclude` are honoured, as git honours them; outside one they mean
//! nothing to git and are not applied (an unpacked source tree may carry a `.gitignore` of
//! its packaging). Hidden files such as `.env` are scanned; `.git` is not.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

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
    // Walked on every core: listing the folders and checking each entry against the ignore
    // files and the policy's excludes costs about a tenth of reading the files.
    let found = Mutex::new(Found::default());
    walk.threads(rayon::current_num_threads())
        .build_parallel()
        .run(|| {
            let mut mine = Batch {
                found: Found::default(),
                into: &found,
            };
            Box::new(move |entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        let path = relative(root, e.path());
                        if !policy.excluded(&path) {
                            mine.found.files.push(FileItem {
                                path,
                                bytes: Bytes::Disk(e.into_path()),
                                previous: Vec::new(),
                                commit: None,
                                order: 0,
                            });
                        }
                    }
                    Ok(_) => {}
                    Err(e) => mine.found.errors.push(e.to_string()),
                }
                ignore::WalkState::Continue
            })
        });
    let Found {
        mut files,
        mut errors,
    } = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    errors.sort();
    items.files = files;
    items.errors = errors;
    Ok(items)
}

/// What the walk found.
#[derive(Default)]
struct Found {
    files: Vec<FileItem>,
    errors: Vec<String>,
}

/// What one walker thread found, added to `into` when the thread is done.
struct Batch<'a> {
    found: Found,
    into: &'a Mutex<Found>,
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        let mut all = self.into.lock().unwrap_or_else(PoisonError::into_inner);
        all.files.append(&mut self.found.files);
        all.errors.append(&mut self.found.errors);
    }
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
