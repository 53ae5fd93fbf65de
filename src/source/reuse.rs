//! The licensing context of a tree for the `spdx` check: its REUSE.toml files and `.license`
//! sidecars, read from disk, from the index, or from a commit's tree.

use std::path::Path;

use git2::{ObjectType, Repository, Tree, TreeWalkMode, TreeWalkResult};

use super::FileItem;
use crate::check::spdx::Project;
use crate::error::Error;

fn wanted(path: &str) -> bool {
    path == "REUSE.toml" || path.ends_with("/REUSE.toml") || path.ends_with(".license")
}

/// Splits the collected files into the shape `Project::new` takes.
fn project(files: Vec<(String, Vec<u8>)>) -> Result<Project, Error> {
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
    Project::new(reuse, sidecars).map_err(|message| Error::Config {
        file: "REUSE.toml".into(),
        line: None,
        key: String::new(),
        message,
    })
}

/// From the files of a directory scan.
pub fn from_disk(files: &[FileItem], root: &Path) -> Result<Project, Error> {
    let mut found = Vec::new();
    for f in files.iter().filter(|f| wanted(&f.path)) {
        let p = root.join(&f.path);
        found.push((
            f.path.clone(),
            std::fs::read(&p).map_err(|e| Error::io(&p, e))?,
        ));
    }
    project(found)
}

/// From a commit's tree.
pub fn from_tree(repo: &Repository, tree: &Tree) -> Result<Project, Error> {
    let mut found = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
        if entry.kind() == Some(ObjectType::Blob) && wanted(&path) {
            if let Ok(b) = crate::git::blob(repo, entry.id()) {
                found.push((path, b));
            }
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| Error::git("reading REUSE.toml and .license files", e))?;
    project(found)
}

/// From the index (what pre-commit commits).
pub fn from_index(repo: &Repository, index: &git2::Index) -> Result<Project, Error> {
    let mut found = Vec::new();
    for e in index.iter() {
        let path = String::from_utf8_lossy(&e.path).into_owned();
        if wanted(&path) {
            if let Ok(b) = crate::git::blob(repo, e.id) {
                found.push((path, b));
            }
        }
    }
    project(found)
}
