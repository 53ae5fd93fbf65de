//! The licensing context of a tree for the `spdx` check: its REUSE.toml files, `.license`
//! sidecars and the names of its `LICENSES/` texts, read from disk, from the index, or from a
//! commit's tree. On disk the context is read from the project root (the git work tree that
//! holds the scanned path, else the scanned directory), whatever part of it is scanned: a
//! REUSE.toml above `scan data` still covers `data/`.

use std::path::{Path, PathBuf};

use git2::{ObjectType, Repository, Tree, TreeWalkMode, TreeWalkResult};

use super::FileItem;
use crate::error::Error;
use crate::reuse::Project;

fn wanted(path: &str) -> bool {
    path == "REUSE.toml" || path.ends_with("/REUSE.toml") || path.ends_with(".license")
}

/// A license text: a file right inside the root `LICENSES/` folder.
fn license_text(path: &str) -> Option<&str> {
    path.strip_prefix("LICENSES/").filter(|n| !n.contains('/'))
}

/// Splits the collected files into the shape `Project::new` takes.
fn project(files: Vec<(String, Vec<u8>)>, texts: Vec<String>) -> Result<Project, Error> {
    let mut reuse = Vec::new();
    let mut sidecars = Vec::new();
    for (path, bytes) in files {
        if let Some(dir) = path.strip_suffix("REUSE.toml") {
            reuse.push((
                dir.trim_end_matches('/').to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        } else {
            sidecars.push((path, bytes));
        }
    }
    Project::new(reuse, sidecars)
        .map(|p| p.with_license_texts(texts))
        .map_err(|message| Error::Config {
            file: "REUSE.toml".into(),
            line: None,
            key: String::new(),
            message,
        })
}

/// For a scan of files on disk whose paths are relative to `root`: the context of the whole
/// project that holds `root`, seen from `root`. `files` are used instead of a second walk when
/// they are the whole of `root` and `root` is the project root (`scan .` at the top).
pub fn for_scan(files: &[FileItem], root: &Path, whole_root: bool) -> Result<Project, Error> {
    let (top, base) = project_root(root);
    if base.is_empty() && whole_root {
        let paths = files.iter().map(|f| f.path.clone());
        return from_disk(paths, root);
    }
    let mut paths = Vec::new();
    let mut walk = ignore::WalkBuilder::new(&top);
    walk.hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(true)
        .parents(true)
        .filter_entry(|e| e.file_name() != ".git");
    for entry in walk.build() {
        let entry = entry.map_err(|e| Error::Usage(format!("reading the project tree: {e}")))?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            let rel = super::worktree::relative(&top, entry.path());
            if wanted(&rel) || license_text(&rel).is_some() {
                paths.push(rel);
            }
        }
    }
    Ok(from_disk(paths.into_iter(), &top)?.with_base(&base))
}

/// The project root that holds `root`, and `root` relative to it (`""` when they are one).
fn project_root(root: &Path) -> (PathBuf, String) {
    let here = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let top = crate::git::open(&here)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .and_then(|w| std::fs::canonicalize(w).ok())
        .filter(|w| here.starts_with(w));
    match top {
        Some(top) => {
            let base = super::worktree::relative(&top, &here);
            (top, base)
        }
        None => (here, String::new()),
    }
}

/// From files on disk, `paths` relative to `root`.
fn from_disk(paths: impl Iterator<Item = String>, root: &Path) -> Result<Project, Error> {
    let mut found = Vec::new();
    let mut texts = Vec::new();
    for path in paths {
        if let Some(name) = license_text(&path) {
            texts.push(name.to_string());
        }
        if wanted(&path) {
            let p = root.join(&path);
            found.push((path, std::fs::read(&p).map_err(|e| Error::io(&p, e))?));
        }
    }
    project(found, texts)
}

/// From a commit's tree.
pub fn from_tree(repo: &Repository, tree: &Tree) -> Result<Project, Error> {
    let mut found = Vec::new();
    let mut texts = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
        if let Some(name) = license_text(&path) {
            texts.push(name.to_string());
        }
        if entry.kind() == Some(ObjectType::Blob) && wanted(&path) {
            if let Ok(b) = crate::git::blob(repo, entry.id()) {
                found.push((path, b));
            }
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| Error::git("reading REUSE.toml and .license files", e))?;
    project(found, texts)
}

/// From the index (what pre-commit commits).
pub fn from_index(repo: &Repository, index: &git2::Index) -> Result<Project, Error> {
    let mut found = Vec::new();
    let mut texts = Vec::new();
    for e in index.iter() {
        let path = String::from_utf8_lossy(&e.path).into_owned();
        if let Some(name) = license_text(&path) {
            texts.push(name.to_string());
        }
        if wanted(&path) {
            if let Ok(b) = crate::git::blob(repo, e.id) {
                found.push((path, b));
            }
        }
    }
    project(found, texts)
}
